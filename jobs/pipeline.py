"""The nightly pipeline: collect -> analyze -> export, each step in the run log.

Jobs orchestrate and own no logic: every step calls one documented function of
collector/ or analysis/ and records its outcome in ``job_runs`` (status ok | partial |
failed | interrupted, API requests, rows written, the error line). A failed step does
not stop the others; a requested stop (SIGTERM/SIGINT) ends the run at the next page
boundary as partial; anything else that ends it early (KeyboardInterrupt without the
signal handlers, a crash) leaves it interrupted. The counts are true in every case: each
committed page updates the open records, so even a killed run leaves the rows and
requests of its last page (see :meth:`ecometrics.collector.store.Store.start_run`).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ecometrics.collector.cancel import StopRequested, raise_if_stopped
from ecometrics.collector.store import Store
from ecometrics.core.config import Config
from ecometrics.core.dates import check_month_range
from ecometrics.core.errors import InputError
from ecometrics.core.outcome import CollectResult, Outcome

log = logging.getLogger("ecometrics.jobs")

SOURCES = ("github", "hf", "modelscope")  # in this order: ModelScope links its models to stored HF ones
ANALYSES = ("openrank", "lineage")


@dataclass
class StepResult:
    """The record of one step in ``job_runs``: the :class:`~ecometrics.core.outcome.Outcome` it reported,
    with its name and time."""

    job: str
    status: str = "ok"  # running while in flight, then ok | partial | failed | interrupted
    rows_written: int = 0
    requests: dict[str, int] = field(default_factory=dict)
    message: str | None = None  # why partial or failed, one line
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    live: CollectResult | None = field(default=None, repr=False, compare=False)  # filled while the step runs

    @property
    def requests_so_far(self) -> dict[str, int]:
        """The requests by status code: counted live while the step runs, as recorded after."""
        return dict(self.live.requests) if self.live is not None and self.status == "running" else self.requests

    def detail(self) -> str:
        spent = sum(self.requests.values())
        return f"{self.rows_written:,} rows" + (f", {spent:,} requests" if spent else "")


@dataclass
class RunResult:
    steps: list[StepResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def status(self) -> str:
        statuses = {step.status for step in self.steps}
        for worst in ("interrupted", "failed", "partial"):
            if worst in statuses:
                return worst
        return "ok"

    def requests_by_source(self) -> dict[str, int]:
        """API requests so far per source (``github``, ``hf``), the step in flight included."""
        totals: dict[str, int] = {}
        for step in self.steps:
            if spent := sum(step.requests_so_far.values()):
                source = step.job.split(":")[-1]
                totals[source] = totals.get(source, 0) + spent
        return totals

    @property
    def problems(self) -> list[str]:
        return [f"{step.job}: {step.message}" for step in self.steps if step.status != "ok"]

    def summary(self) -> str:
        parts = [f"{step.job} {step.status} ({step.detail()})" for step in self.steps]
        return f"run {self.status} in {self.seconds:.1f}s: " + "; ".join(parts)


def record_step(
    store: Store,
    job: str,
    work: Callable[[], Outcome],
    *,
    live: CollectResult | None = None,
    run: RunResult | None = None,
) -> StepResult:
    """Run one step, write its row in ``job_runs`` and return its outcome.

    ``live`` is the result the step's collector fills as it goes: a step that is stopped,
    fails or is interrupted records its requests from it and the rows it committed. A
    ``run`` gets the step as soon as it starts, so that its own record counts it too.
    """
    result = StepResult(job, status="running", live=live)
    if run is not None:
        run.steps.append(result)
    run_id = store.start_run(job, requests=lambda: _spent(result.requests_so_far))
    started = time.monotonic()
    try:
        outcome = work()
        result.status = "ok"
        _merge(result, outcome)
    except StopRequested as stop:
        _ended_early(store, run_id, result, live, "partial", str(stop))
        _finish(store, run_id, result, started)
        raise
    except InputError as exc:
        _ended_early(store, run_id, result, live, "failed", str(exc))
    except Exception as exc:  # one failed step must not lose the others; the log has the traceback
        log.debug("%s failed", job, exc_info=True)
        _ended_early(store, run_id, result, live, "failed", f"{type(exc).__name__}: {exc}".splitlines()[0])
    except BaseException as exc:  # KeyboardInterrupt, SystemExit: record it, then let it end the run
        _ended_early(store, run_id, result, live, "interrupted", f"interrupted ({type(exc).__name__})")
        _finish(store, run_id, result, started)
        raise
    _finish(store, run_id, result, started)
    for note in result.notes:
        log.info("%s: %s", job, note)
    if result.status != "ok":
        log.warning("%s %s: %s", job, result.status, result.message)
    return result


def _ended_early(
    store: Store, run_id: int, result: StepResult, live: CollectResult | None, status: str, message: str
) -> None:
    """A step that raised: its status, and the rows and requests it got to (from its collector, else the store)."""
    result.status, result.message = status, message
    result.rows_written = max(live.rows_written if live else 0, store.rows_since(run_id))
    if live is not None:
        result.requests, result.notes = dict(live.requests), list(live.notes)


def _spent(requests: dict[str, int]) -> dict[str, int] | None:
    """A step's requests as recorded: by status code, and their total."""
    return {"total": sum(requests.values()), **requests} if requests else None


def _merge(result: StepResult, outcome: Outcome) -> None:
    """A step's record takes what it reported, whichever step it was."""
    result.status, result.message = outcome.status, outcome.message
    result.rows_written = outcome.rows_written
    result.requests, result.notes = dict(outcome.requests), list(outcome.notes)


def _finish(store: Store, run_id: int, result: StepResult, started: float) -> None:
    result.seconds = time.monotonic() - started
    store.finish_run(
        run_id,
        result.status,
        api_requests=_spent(result.requests),
        rows_written=result.rows_written,
        error=result.message,
    )


# -- the steps --------------------------------------------------------------------------


def collect(
    store: Store,
    config: Config,
    sources: Iterable[str] = SOURCES,
    *,
    progress: bool = False,
    full_hub: bool | None = None,
    run: RunResult | None = None,
) -> list[StepResult]:
    """One collection pass over each configured source (each step also joins ``run``)."""
    steps = []
    for source in sources:
        raise_if_stopped()
        collection_pass = _collection_pass(store, config, source, progress=progress, full_hub=full_hub)
        if collection_pass is None:
            continue
        live = CollectResult(source)
        steps.append(
            record_step(store, f"collect:{source}", functools.partial(collection_pass, result=live), live=live, run=run)
        )
    return steps


# The settings that name what each source collects; with none of them set it collects nothing.
TRACKED_BY = {
    "github": "[github] orgs or repos",
    "hf": "[huggingface] authors or models",
    "modelscope": "[modelscope] owners or models",
}


def tracks_anything(config: Config, source: str, *, full_hub: bool | None = None) -> bool:
    """Whether the settings of ``source`` name anything to collect (:data:`TRACKED_BY`)."""
    if source == "github":
        return bool(config.github.orgs or config.github.repos)
    if source == "hf":
        hf = config.huggingface
        return bool(hf.authors or hf.models or hf.full_hub or full_hub)
    if source == "modelscope":
        return bool(config.modelscope.owners or config.modelscope.models)
    raise InputError(f"collect source {source!r} is unknown; choose github, hf, modelscope or all")


def _collection_pass(
    store: Store, config: Config, source: str, *, progress: bool, full_hub: bool | None
) -> Callable[..., Outcome] | None:
    """The pass over ``source`` its settings ask for (it takes the ``result`` to fill), or None
    when they name nothing to collect."""
    if not tracks_anything(config, source, full_hub=full_hub):  # which refuses a source not known
        return None
    if source == "github":
        from ecometrics.collector.github import collect_github

        return functools.partial(collect_github, store, config.github, progress=progress)
    if source == "hf":
        from ecometrics.collector.hf import collect_hf

        return functools.partial(collect_hf, store, config.huggingface, full_hub=full_hub, progress=progress)
    from ecometrics.collector.modelscope import collect_modelscope  # the one source left

    return functools.partial(collect_modelscope, store, config.modelscope)


def analyze(
    store: Store, config: Config, names: Iterable[str] = ANALYSES, *, run: RunResult | None = None, **options: Any
) -> list[StepResult]:
    """Recompute the derived tables named (``openrank`` includes activity; ``activity`` is activity only)."""
    steps = []
    # Keyword bundles shared by several analyses; each analysis's signature checks its own.
    activity_options: dict[str, Any] = {
        "weights": config.activity.weights,
        "bots": config.activity.bots,
        "max_repos": config.activity.max_repos,
    }
    months: dict[str, Any] = {"from_month": options.get("from_month"), "to_month": options.get("to_month")}
    check_month_range(months["from_month"], months["to_month"])
    if options.get("engine"):
        if set(names) != {"openrank"}:
            raise InputError("--engine computes OpenRank only; run ecometrics analyze openrank --engine ...")
        from ecometrics.analysis.archive_openrank import compute_archive_openrank
        from ecometrics.collector.archive_engine import open_engine

        raise_if_stopped()
        # Opened before the step: an --engine that names no engine, or one that does not answer,
        # is bad input (exit 2, no run recorded), not a failed analysis.
        with open_engine(options["engine"], store) as engine:
            on_engine = functools.partial(
                compute_archive_openrank,
                store,
                engine,
                **months,
                progress=options.get("progress", False),
                **activity_options,
            )
            return [record_step(store, "analyze:openrank", on_engine, run=run)]
    from ecometrics.analysis.growth import check_month_with_data

    # the engine's events may reach later than the store's data; the store's may not
    check_month_with_data(store, months["from_month"], "--from")  # else 0 rows, and a success
    for name in names:
        raise_if_stopped()
        work: Callable[[], Outcome]
        if name == "activity":
            from ecometrics.analysis.activity import compute_activity

            work = lambda: compute_activity(store, **months, **activity_options)  # noqa: E731
        elif name == "openrank":
            from ecometrics.analysis.global_openrank import compute_global_openrank

            work = lambda: compute_global_openrank(store, **months, **activity_options)  # noqa: E731
        elif name == "community-openrank":
            from ecometrics.analysis.community import compute_community_openrank

            work = lambda: compute_community_openrank(store, **months)  # noqa: E731
        elif name == "lineage":
            from ecometrics.analysis.lineage import analyze_lineage

            work = lambda: analyze_lineage(store, config, verbose=options.get("verbose", False))  # noqa: E731
        else:
            raise InputError(
                f"analysis {name!r} is unknown; choose activity, openrank, community-openrank, lineage or all"
            )
        steps.append(record_step(store, f"analyze:{name}", work, run=run))
    return steps


def export(
    store: Store,
    config: Config,
    *,
    out_dir: Path | None = None,
    formats: Iterable[str] | None = None,
    run: RunResult | None = None,
) -> StepResult:
    """Write every registered ranking table in each configured format."""
    from ecometrics.analysis.export import build_table, standing_kinds, write_table
    from ecometrics.analysis.fake_stars import shared_detection
    from ecometrics.analysis.output import data_note, output_file

    out_dir = out_dir or config.resolve(config.export.dir)
    formats = list(formats or config.export.formats)

    def work() -> StepResult:
        result, written = StepResult("export"), 0
        note = data_note(store)
        out_dir.mkdir(parents=True, exist_ok=True)  # [export].dir is ours to create; --out is not
        if note:
            with output_file(out_dir / "SYNTHETIC_DATA.txt") as temporary:
                temporary.write_text(note + "\n", encoding="utf-8")
        with shared_detection():  # star_trust and star_campaigns read one run of the fake-star detectors
            for kind in standing_kinds():
                raise_if_stopped()
                frame = build_table(store, kind, top=config.export.top, bots=config.activity.bots)
                for fmt in formats:
                    write_table(frame, fmt, out_dir / f"{kind}.{fmt}", title=kind, note=note)
                    written += 1
        result.rows_written = written
        result.notes.append(f"{written} files in {out_dir}")
        return result

    return record_step(store, "export", work, run=run)


def report(store: Store, config: Config, *, out_dir: Path | None = None, run: RunResult | None = None) -> StepResult:
    """Write the static site of the rankings and charts (``[report]``); rows written: its pages."""
    from ecometrics.analysis.report import write_report

    def work() -> StepResult:
        written = write_report(
            store,
            out_dir or config.resolve(config.report.dir),
            bots=config.activity.bots,
            model_pages=config.report.models,
            create_parents=out_dir is None,  # [report].dir is ours to create
        )
        result = StepResult("report", rows_written=written.rows_written)
        result.notes.append(written.summary())
        return result

    return record_step(store, "report", work, run=run)


def publish(store: Store, config: Config, *, run: RunResult | None = None) -> list[StepResult]:
    """What follows an analysis, in the nightly run and in the daemon alike: the export
    tables, then the report when ``[report] enabled`` is true."""
    steps = [export(store, config, run=run)]
    if config.report.enabled:
        steps.append(report(store, config, run=run))
    return steps


def run_pipeline(store: Store, config: Config, *, progress: bool = False) -> RunResult:
    """The nightly job: collect all sources, analyze everything, export the tables, and
    rewrite the report when ``[report] enabled`` is true.

    The run's own record sums its steps' rows and requests (by source), also while they
    run, and ends ok | partial | failed | interrupted like its worst step.
    """
    started = time.monotonic()
    result = RunResult()
    run_id = store.start_run("run", requests=result.requests_by_source)
    try:
        collect(store, config, progress=progress, run=result)
        analyze(store, config, run=result)
        publish(store, config, run=result)
    except StopRequested as stop:
        result.steps.append(StepResult("run", status="partial", message=str(stop)))
    except BaseException as exc:  # the step recorded itself; the run says what ended it
        status = "failed" if isinstance(exc, Exception) else "interrupted"
        result.steps.append(
            StepResult("run", status=status, message=(f"{type(exc).__name__} {exc}".strip()).splitlines()[0])
        )
        raise
    finally:
        result.seconds = time.monotonic() - started
        store.finish_run(
            run_id,
            result.status,
            api_requests=result.requests_by_source(),
            rows_written=sum(step.rows_written for step in result.steps),
            error="; ".join(result.problems) or None,
        )
    return result
