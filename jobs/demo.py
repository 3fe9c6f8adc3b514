"""``ecometrics demo``: the whole nightly pipeline, offline, on synthetic data.

Starts fakehub in-process, points the real collectors at it through ``GITHUB_API_URL``,
``HF_ENDPOINT`` and ``MODELSCOPE_ENDPOINT``, runs the nightly pipeline once per simulated
day (advancing fakehub's clock between runs so that snapshots, growth and monthly OpenRank exist), then
prints the top of each ranking table and leaves the database, the exports in every
format, a GraphML family tree and the report site (built by the last night's run, as
``[report] enabled`` has the nightly run do; left out, with a line saying how to get it,
when matplotlib is not installed) in the output folder. Everything it shows
and writes is labelled synthetic.
"""

from __future__ import annotations

import importlib.util
import os
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ecometrics.collector.cancel import raise_if_stopped
from ecometrics.collector.store import DEMO_MARKER, Store, demo_marker
from ecometrics.core.config import Config, default_config_text, parse_config
from ecometrics.core.ecosystem import github_orgs
from ecometrics.core.errors import InputError, WriteFailed
from ecometrics.fakehub.options import DEMO_HF_WINDOW_SECONDS, DEMO_SECONDARY_WINDOW_SECONDS, client_environment
from ecometrics.jobs import pipeline
from ecometrics.jobs.lock import job_lock

SYNTHETIC = "SYNTHETIC DATA from fakehub (ecometrics demo), not real GitHub, Hugging Face or ModelScope figures"

# (title, export kind, sort column, columns shown).
RANKINGS = (
    (
        "Repositories by OpenRank",
        "repos",
        "openrank",
        ["repo", "openrank", "activity", "stars", "stars_30d", "contributors"],
    ),
    (
        "Repositories by star growth (last 30 days)",
        "repos",
        "stars_30d",
        ["repo", "stars_30d", "stars_7d", "stars", "created_at"],
    ),
    (
        "Launch velocity (stars in the first days)",
        "growth",
        "stars_first_10d",
        ["repo", "created_at", "stars_first_3d", "stars_first_10d", "stars_first_30d"],
    ),
    ("Developers by OpenRank", "developers", "openrank", ["developer", "openrank", "activity", "month"]),
    (
        "Models by derivatives",
        "models",
        "all_derivatives",
        ["model_id", "family", "direct_derivatives", "all_derivatives", "finetune", "quantized", "merge", "max_depth"],
    ),
    ("Models by influence", "models", "influence", ["model_id", "family", "influence", "downloads_30d", "likes"]),
    (
        "Families by derivatives",
        "families",
        "derivatives",
        ["family", "origin", "models", "derivatives", "downloads_30d"],
    ),
    (
        "Families by downloads",
        "families",
        "downloads_30d",
        ["family", "origin", "downloads_30d", "downloads_all_time", "derivatives"],
    ),
    (
        "Labs on Hugging Face and ModelScope (all-time downloads)",
        "labs",
        "total_downloads",
        ["family", "origin", "downloads_all_time", "modelscope_downloads", "total_downloads", "all_models"],
    ),
)


# The demo's token is a collaborator of the labs' organisations and not of the other repositories
# it tracks: GitHub lists a repository's stargazers only to its admins and collaborators (changelog
# 2026-06-30), so the report shows star histories from stargazers and, for the others, from
# GitHub's stars per day (its star history endpoint, changelog 2026-09-04).
DEMO_COLLABORATOR_OF = frozenset(f"{org}/*" for org in github_orgs())


def demo_config(out_dir: Path) -> Config:
    """The default config (the real ecosystem's names, which fakehub also serves)."""
    data = tomllib.loads(default_config_text())
    data["storage"]["db"] = str(out_dir / "ecometrics.db")
    data["export"] = {"dir": str(out_dir / "exports"), "formats": ["csv", "parquet", "json", "md"]}
    data["report"] = {**data.get("report", {}), "dir": str(out_dir / "report")}  # built on the last night
    data["github"]["max_rate_wait"] = 5
    data["github"]["stats_wait"] = 1  # fakehub computes contributor stats at once
    return parse_config(data, source="demo config")


@contextmanager
def _pointed_at(url: str) -> Iterator[None]:
    """Point the collectors at fakehub the way a user points them anywhere: the environment."""
    environment = client_environment(url)  # the one `ecometrics fakehub serve` prints
    saved = {name: os.environ.get(name) for name in environment}
    os.environ.update(environment)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_demo(
    out_dir: str | os.PathLike[str] = "demo",
    *,
    seed: int = 0,
    scale: str = "small",
    days: int = 3,
    progress: bool = False,
    echo=print,
) -> Path:
    """Build the demo database in ``out_dir`` and return its path.

    A requested stop (:mod:`ecometrics.collector.cancel`) ends the day's run at a page boundary,
    recorded as partial, and then raises :class:`ecometrics.collector.cancel.StopRequested`.
    The demo writes as every writer does, under the database's job lock
    (:class:`ecometrics.jobs.lock.Locked` while another job holds it), and only into a new or demo
    database: a database of collected data in ``out_dir`` is refused as it is.
    """
    out_dir = Path(out_dir).resolve()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):  # it, or a folder above it, is a file
        raise InputError(f"--dir {out_dir}: a file, not a folder; pass a folder for the demo") from None
    except OSError as exc:  # the machine's refusal (read-only, permissions): exit 74
        raise WriteFailed(f"--dir {out_dir}: cannot create the folder ({exc.strerror}); choose another --dir") from None
    db_path = out_dir / "ecometrics.db"
    with job_lock(db_path, "demo"):
        if demo_marker(db_path) is None:
            raise InputError(
                f"{db_path}: holds collected data, not a demo database; the demo writes synthetic rows, "
                "so pass another --dir"
            )
        return _run_demo(out_dir, db_path, seed=seed, scale=scale, days=days, progress=progress, echo=echo)


def _run_demo(out_dir: Path, db_path: Path, *, seed: int, scale: str, days: int, progress: bool, echo: Any) -> Path:
    from ecometrics.fakehub import FakeHub

    config = demo_config(out_dir)
    charts = importlib.util.find_spec("matplotlib") is not None  # the report's one extra dependency
    started = time.monotonic()
    echo(f"ecometrics demo: {SYNTHETIC}")
    # the real APIs' budgets, over windows short enough that one demo night never waits long
    with (
        FakeHub(
            collaborator_of=DEMO_COLLABORATOR_OF,
            seed=seed,
            scale=scale,
            hf_window_seconds=DEMO_HF_WINDOW_SECONDS,
            secondary_window_seconds=DEMO_SECONDARY_WINDOW_SECONDS,
        ) as hub,
        _pointed_at(hub.url),
        Store(db_path) as store,
    ):
        config.huggingface.hub_models = hub.truth(include_models=False)["hf"]["model_count"]  # prices the full listing
        store.set_meta(DEMO_MARKER, f"fakehub seed={seed} scale={scale}")
        echo(f"fakehub ({scale}, seed {seed}) at {hub.url}")
        for day in range(days):
            raise_if_stopped()  # a stop ends the demo, not just the day's run
            if day:
                hub.advance(days=1)
            # the site is rewritten whole each night: only the last night's is kept, so only it is built
            config.report.enabled = charts and day == days - 1
            result = pipeline.run_pipeline(store, config, progress=progress)
            echo(f"day {day + 1}/{days}: {result.summary()}")
            for problem in result.problems:
                echo(f"  problem: {problem}")
        raise_if_stopped()
        _write_family_tree(store, out_dir / "exports")
    site = f"report in {out_dir / 'report'}" if charts else "no report (pip install 'ecometrics[report]' for it)"
    echo(
        f"demo built in {time.monotonic() - started:.1f}s: database {db_path}, exports in {out_dir / 'exports'}, {site}"
    )
    return db_path


def _write_family_tree(store: Store, out_dir: Path) -> None:
    """GraphML of the largest derivative tree, for Gephi."""
    from ecometrics.analysis.lineage import largest_root, write_lineage

    root = largest_root(store)
    if root:
        write_lineage(store, root, "graphml", out_dir / "family_tree.graphml")


def print_rankings(db_path: Path, *, top: int = 10, console: Any = None) -> None:
    """The top of each ranking table as terminal tables (``console``: a rich Console, default standard output)."""
    from rich.console import Console

    from ecometrics.analysis.export import build_table
    from ecometrics.analysis.output import data_note

    console = console or Console()
    with Store(db_path, readonly=True) as store:
        note = data_note(store)
        tables = {kind: build_table(store, kind) for kind in dict.fromkeys(kind for _, kind, _, _ in RANKINGS)}
    for title, kind, sort_by, columns in RANKINGS:
        frame = tables[kind].sort(sort_by, descending=True, nulls_last=True).head(top)
        console.print(ranking_table(frame, kind, columns, title=title, note=note, width=console.width, sort_by=sort_by))


def ranking_table(
    frame: Any, kind: str, columns: list[str], *, title: str, note: str | None, width: int, sort_by: str | None = None
) -> Any:
    """A rich Table of ``columns`` that fits ``width``: ids whole, the rightmost other columns left out.

    ``sort_by``, the column the rows are ranked by, comes right after the name and is never
    left out (a table ranked by a hidden column reads as unsorted). The title names the month
    a monthly table covers (and says when it is partial).
    """
    from rich.table import Table
    from rich.text import Text

    from ecometrics.analysis.export import format_cell, is_numeric, table_fields

    if sort_by is not None:
        columns = [columns[0], sort_by, *(c for c in columns[1:] if c != sort_by)]

    fields = table_fields(frame, kind)
    cells = {c: [format_cell(v, fields[c]) for v in frame[c].to_list()] for c in columns}
    needed = {c: max([len(c), *(len(v) for v in cells[c])]) + 3 for c in columns}  # padding and a border
    shown = list(columns)
    droppable = [c for c in reversed(columns) if not fields[c].identifier and c != sort_by]
    while sum(needed[c] for c in shown) + 1 > width and droppable:
        shown.remove(droppable.pop(0))
    month = next((frame[c] for c in ("month", "openrank_month") if c in frame.columns), None)
    months = sorted(set(month.drop_nulls().to_list())) if month is not None else []
    if len(months) == 1:
        partial = "partial_month" in frame.columns and bool(frame["partial_month"].drop_nulls().any())
        title = f"{title}, {months[0]}{' (partial month)' if partial else ''}"
    left_out = [c for c in columns if c not in shown]
    caption = "; ".join(
        filter(None, [note, f"not shown at {width} columns: {', '.join(left_out)}" if left_out else None])
    )
    table = Table(title=f"{title} — synthetic" if note else title, caption=caption or None, caption_justify="left")
    for column in shown:
        field = fields[column]
        table.add_column(
            column, justify="right" if is_numeric(field) else "left", no_wrap=field.identifier,
            min_width=needed[column] - 3 if field.identifier else None,
        )  # fmt: skip
    for row in zip(*(cells[c] for c in shown), strict=True):
        table.add_row(*(Text(cell) for cell in row))  # as text: "[...]" in a name is not rich markup
    return table
