"""The ``ecometrics`` command line: a thin layer over the documented Python API.

Each subcommand is a ``cmd_*`` function that loads the config, opens the store and calls
one function of collector/, analysis/ or jobs/. Bad input (:class:`InputError`) is
printed as one line and exits 2; nothing stored is lost.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TextIO

from ecometrics.collector.store import Store
from ecometrics.core.config import DEFAULT_CONFIG_PATH, DEFAULT_DB_PATH, Config, default_config_text
from ecometrics.core.config import load_config as _load_config_file
from ecometrics.core.dates import check_month_range
from ecometrics.core.errors import InputError, WriteFailed
from ecometrics.core.outcome import Outcome
from ecometrics.jobs.lock import Locked, job_lock

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_PARTIAL, EXIT_IO, EXIT_LOCKED = 0, 1, 2, 3, 74, 75

log = logging.getLogger("ecometrics")


# -- shared plumbing ------------------------------------------------------------------


def config_path(args: argparse.Namespace) -> Path:
    return Path(args.config or os.environ.get("ECOMETRICS_CONFIG") or DEFAULT_CONFIG_PATH)


def load_config(args: argparse.Namespace) -> Config:
    """The config named by --config / ECOMETRICS_CONFIG; defaults when the default file is absent."""
    explicit = bool(args.config or os.environ.get("ECOMETRICS_CONFIG"))
    return _load_config_file(config_path(args), missing_ok=not explicit)


def db_path(args: argparse.Namespace, config: Config | None = None) -> Path:
    """--db, then ECOMETRICS_DB, then [storage].db (relative to the config), then ./ecometrics.db."""
    if args.db:
        return Path(args.db)
    if os.environ.get("ECOMETRICS_DB"):
        return Path(os.environ["ECOMETRICS_DB"])
    config = config or load_config(args)
    if config.path is not None:
        return config.resolve(config.storage.db)
    return Path(config.storage.db or DEFAULT_DB_PATH)


def open_store(args: argparse.Namespace, config: Config | None = None, *, readonly: bool = False) -> Store:
    """The database; ``readonly`` for commands that only read: a read-only file opens, nothing in it changes."""
    return Store(db_path(args, config), readonly=readonly)


# -- commands -------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    path = config_path(args)
    if path.is_dir():  # --force would not help: a folder is never overwritten
        raise InputError(
            f"{path}: is a folder; pass the config file's path with --config, e.g. {path / DEFAULT_CONFIG_PATH}"
        )
    if path.exists() and not args.force:
        raise InputError(f"{path}: already exists; pass --force to overwrite it")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(default_config_text(), encoding="utf-8")
    except (FileExistsError, NotADirectoryError):  # a folder above it is a file
        above = next((p for p in path.parents if p.exists() and not p.is_dir()), path.parent)
        raise InputError(f"{path}: {above} is a file, not a folder; pass another --config") from None
    except OSError as exc:  # the machine's refusal (read-only, permissions): exit 74
        raise WriteFailed(f"{path}: cannot write the config ({exc.strerror}); choose another --config") from None
    config = _load_config_file(path)  # what we wrote must load
    with open_store(args, config) as store:
        print(f"wrote {path}")
        print(f"database {store.path} (schema version {store.version})")
    return EXIT_OK


def existing_db(args: argparse.Namespace, config: Config) -> Path:
    """The database of a command that only reworks what is stored (``migrate``, ``analyze``): a missing
    one is refused before the lock or the file is created, as a mistyped --db or the wrong folder."""
    path = db_path(args, config)
    if not path.exists():
        raise InputError(
            f"{path}: no such database; check --db (or ECOMETRICS_DB, [storage].db), "
            "or create it with 'ecometrics init' or a collect"
        )
    return path


def cmd_migrate(args: argparse.Namespace) -> int:
    """Upgrade the database to this version's schema (readers refuse an older one; writers upgrade it too)."""
    config = load_config(args)
    existing_db(args, config)
    with _locked(args, config, "migrate"), open_store(args, config, readonly=False) as store:
        print(f"database {store.path} (schema version {store.version})")
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    from ecometrics.jobs.status import render_status

    config = load_config(args)
    with open_store(args, config, readonly=True) as store:
        print(render_status(store, config))
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from ecometrics.analysis.export import GRAPH_KIND, OPENDIGGER_KIND, TABLES, build_table, check_options, write_table
    from ecometrics.analysis.output import data_note, output_format

    config = load_config(args)
    if args.kind in (GRAPH_KIND, OPENDIGGER_KIND):
        _check_export_options(args, FILE_KIND_OPTIONS[args.kind])
    if args.kind == GRAPH_KIND:
        return _export_lineage(args, config)
    if args.kind == OPENDIGGER_KIND:
        return _export_opendigger(args, config)
    if args.root:
        raise InputError(f"export {args.kind} has no --root; it is an option of export {GRAPH_KIND}")
    if args.engine and args.kind != "opendigger_window":
        raise InputError(f"export {args.kind}: --engine is for export opendigger and opendigger_window; drop it")
    options: dict[str, Any] = {"month": args.month} if args.month else {}
    options.update({k: v for k, v in (("from_month", args.from_month), ("to_month", args.to_month)) if v})
    if args.repo:
        options["repo"] = args.repo
    windows = (
        ("days_after_creation", args.days_after_creation),
        ("since", args.since),
        ("until", args.until),
        ("engine", args.engine),
    )
    options.update({k: v for k, v in windows if v is not None})
    if args.exclude_suspected:
        options["exclude_suspected"] = True
    check_options(args.kind, top=args.top, **options)  # before the database: a typo is named as such
    fmt = output_format(args.out, args.format)
    with open_store(args, config, readonly=True) as store:
        frame = build_table(store, args.kind, top=args.top, bots=config.activity.bots, **options)
        note = data_note(store)
    if note:
        print(f"note: {note}", file=sys.stderr)
    if frame.is_empty():
        print(f"note: export {args.kind} has no rows; `{TABLES[args.kind].filled_by}` fills it", file=sys.stderr)
    if args.out in (None, "-"):
        if fmt == "parquet":
            raise InputError("--format parquet is binary; pass --out FILE")
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            path = write_table(frame, fmt, Path(tmp) / f"{args.kind}.{fmt}", kind=args.kind, note=note)
            sys.stdout.write(path.read_text(encoding="utf-8"))
        return EXIT_OK
    path = write_table(frame, fmt, args.out, kind=args.kind, note=note)
    print(f"wrote {len(frame)} rows to {path}", file=sys.stderr)
    return EXIT_OK


# The options of the exports that are no table (a graph, a folder of files); a table's are its builder's.
FILE_KIND_OPTIONS = {
    "lineage": ("root", "format", "out"),
    "opendigger": ("out", "repo", "engine", "from_month", "to_month"),
}
EXPORT_OPTIONS = (
    *("format", "top", "month", "from_month", "to_month", "exclude_suspected", "root", "repo", "engine"),
    *("days_after_creation", "since", "until"),
)


def _flag(dest: str) -> str:
    """The option an export argument is given as: ``--from`` for ``from_month``, else ``--dest-with-dashes``."""
    return {"from_month": "--from", "to_month": "--to"}.get(dest, "--" + dest.replace("_", "-"))


def _check_export_options(args: argparse.Namespace, takes: Sequence[str]) -> None:
    """Refuse an option export ``args.kind`` would silently ignore, naming the ones it takes."""
    for dest in EXPORT_OPTIONS:
        if getattr(args, dest) not in (None, False) and dest not in takes:
            taken = ", ".join(_flag(d) for d in takes)
            raise InputError(f"export {args.kind} has no {_flag(dest)}; it takes {taken}; drop it")


def _export_lineage(args: argparse.Namespace, config: Config) -> int:
    """The derivative tree below --root as a graph file (GraphML, GEXF, JSON or a CSV edge list)."""
    import tempfile

    from ecometrics.analysis.lineage import GRAPH_FORMATS, write_lineage
    from ecometrics.analysis.output import output_format

    if not args.root:
        raise InputError("export lineage: pass --root MODEL, the model whose derivative tree to write")
    fmt = output_format(args.out, args.format, GRAPH_FORMATS)
    with open_store(args, config, readonly=True) as store:
        if args.out in (None, "-"):
            with tempfile.TemporaryDirectory() as tmp:
                path = write_lineage(store, args.root, fmt, Path(tmp) / f"lineage.{fmt}")
                sys.stdout.write(path.read_text(encoding="utf-8"))
            return EXIT_OK
        path = write_lineage(store, args.root, fmt, args.out)
    print(f"wrote the lineage below {args.root} to {path}", file=sys.stderr)
    return EXIT_OK


@contextmanager
def _events_of(args: argparse.Namespace, store: Store) -> Iterator[tuple[Any, Any]]:
    """How to query the events: (rows, schema) of --engine, else of the SQLite store."""
    from ecometrics.analysis.activity_sql import SCHEMAS, SQLITE_EVENTS

    if not args.engine:
        yield (lambda text: store.conn.execute(text).fetchall()), SQLITE_EVENTS
        return
    from ecometrics.collector.archive_engine import open_engine

    with open_engine(args.engine, store) as engine:
        yield engine.rows, SCHEMAS[engine.schema]


def _months_of_data(args: argparse.Namespace, store: Store, rows: Any, schema: Any, window: Any) -> dict:
    """The coverage of each month of ``window`` (:func:`ecometrics.analysis.coverage.range_coverage`): the GH
    Archive hours held of it (the engine's own imported files with --engine, else the store's)
    and whether any data of it is held."""
    from ecometrics.analysis import coverage, opendigger

    # the engine answers .rows like the engine itself
    held = coverage.engine_months_covered(SimpleNamespace(rows=rows)) if args.engine else None
    with_events = opendigger.months_with_events(rows, schema, window)
    return coverage.range_coverage(held or coverage.months_covered(store), with_events, window.first, window.last)


def _opendigger_metrics(
    args: argparse.Namespace, store: Store, repos: list[str]
) -> tuple[Any, list, list, list, dict, dict]:
    """OpenDigger's metrics of ``repos`` (all when empty) over --from/--to: (window, repos',
    developers' and labels' RepoMetrics, the coverage of each month, each folder's meta.json);
    developers and labels only over all repos (one repo's share is not theirs). A value of a
    period the store holds no data of is left out (:func:`ecometrics.analysis.opendigger.drop_uncovered`)."""
    from ecometrics.analysis import opendigger, opendigger_meta

    with _events_of(args, store) as (rows, schema):
        window = opendigger.window_of(rows, schema, first=args.from_month, last=args.to_month, repos=repos)
        developers = [] if repos else list(opendigger.compute_developers(rows, schema, window).values())
        labels = [] if repos else list(opendigger.compute_labels(store, rows, schema, window).values())
        computed = list(opendigger.compute(rows, schema, window).values())
        months = _months_of_data(args, store, rows, schema, window)
        metas = opendigger_meta.meta_files(store, rows, schema, window, computed, developers, labels)
    _openrank_and_coverage(store, months, window, computed, developers, labels=labels)
    return window, computed, developers, labels, months, metas


def _openrank_and_coverage(
    store: Store,
    months: dict,
    window: Any,
    computed: list,
    developers: list,
    *,
    everyone: Any = None,
    labels: Sequence[Any] = (),
) -> set[str]:
    """What the export and the comparison both do to computed metrics: the stored global OpenRank
    added to the repos' (over ``window``) and the developers' (over ``everyone``, default
    ``window``), then every value of a month the store holds no data of left out
    (:func:`ecometrics.analysis.opendigger.drop_uncovered`). Returns the covered months."""
    from ecometrics.analysis import coverage, opendigger

    opendigger.add_openrank(store, computed, "repo", window)
    opendigger.add_openrank(store, developers, "developer", everyone or window)
    covered = {month for month, row in months.items() if row["data"]}
    opendigger.drop_uncovered(computed, covered, coverage.api_repos(store))
    opendigger.drop_uncovered([*developers, *labels], covered)
    return covered


def _export_opendigger(args: argparse.Namespace, config: Config) -> int:
    """OpenDigger's files, DIR/github/OWNER/REPO/METRIC.json, of every repo with events (or --repo),
    and DIR/coverage.json: each month of the range, the GH Archive hours held of it and its known loss."""
    from ecometrics.analysis import opendigger, opendigger_network
    from ecometrics.analysis.coverage import coverage_note
    from ecometrics.analysis.opendigger_files import LISTS, check_tree_root, write_list, write_networks, write_tree
    from ecometrics.analysis.output import output_file

    if not args.out or args.out == "-":
        raise InputError("export opendigger: pass --out DIR, the folder to write github/OWNER/REPO/METRIC.json in")
    check_tree_root(args.out)
    with open_store(args, config, readonly=True) as store:
        window, repos, developers, labels, months, metas = _opendigger_metrics(
            args, store, [args.repo] if args.repo else []
        )
        latest = {kind: opendigger.latest_openrank(store, kind, window) for kind in LISTS}
        networks = opendigger_network.networks(
            store, window.last, [(r.repo_id, r.name) for r in repos], [(d.repo_id, d.name) for d in developers]
        )
    written, skipped = write_tree(repos, args.out, developers, labels, metas)
    written += write_networks(args.out, networks)[0]  # its folders are write_tree's: the same names skipped
    write_list(args.out, "repo", repos, latest["repo"])
    if not args.repo:  # a developer's list, as their files, covers every repository
        write_list(args.out, "developer", developers, latest["developer"])
    with output_file(Path(args.out) / "coverage.json") as path:
        path.write_text(json.dumps({"from": window.first, "to": window.last, "months": months}, indent=1) + "\n")
    print(
        f"wrote {written} file(s) of {len(repos)} repo(s), {len(developers)} developer(s) and {len(labels)} "
        f"label(s), {window.first} to {window.last}, under {args.out}"
    )
    if note := coverage_note(months):
        print(f"ecometrics: export opendigger: {note} (see coverage.json)", file=sys.stderr)
    if skipped:
        print(
            f"ecometrics: {len(skipped)} repo name(s) cannot be folders, skipped: {', '.join(skipped[:5])}",
            file=sys.stderr,
        )
    return EXIT_OK


def cmd_import_opendigger(args: argparse.Namespace) -> int:
    from ecometrics.analysis.opendigger_files import read_tree, value_rows

    config = load_config(args)
    tree = read_tree(args.folder)
    columns = ("repo", "metric", "field", "period", "value", "detail", "file", "imported_at")
    with _locked(args, config, "import:opendigger"), open_store(args, config) as store:
        for repo, rows in value_rows(tree).items():
            metrics = sorted({row[1] for row in rows})
            store.replace_rows("opendigger_values", columns, rows, where={"repo": repo, "metric": metrics})
    print(f"opendigger: {tree.summary()}")
    for where in tree.bad:
        print(f"ecometrics: {where}", file=sys.stderr)
    return EXIT_PARTIAL if tree.bad_count else EXIT_OK


def cmd_compare_opendigger(args: argparse.Namespace) -> int:
    from ecometrics.analysis.opendigger_files import COLUMNS, SUMMARY_COLUMNS, compare, read_tree, summarize, tree_of

    config = load_config(args)
    theirs = read_tree(args.folder)
    names = sorted(name for name in theirs.names.values() if "/" in name and not name.startswith(":"))
    with_developers = any("/" not in name for name in theirs.names)
    with_labels = sorted(name for name in theirs.names if name.startswith(":"))
    from ecometrics.analysis import opendigger, opendigger_sql

    with open_store(args, config, readonly=True) as store:
        with _events_of(args, store) as (rows, schema):
            known = [name for name in names if rows(opendigger_sql.repo_ids_sql(schema, (name.lower(),)))]
            if (names or not (with_developers or with_labels)) and not known:
                raise InputError(
                    f"{args.folder}: none of its {len(names)} repo(s) has events here; import their events"
                )
            window = opendigger.window_of(rows, schema, first=args.from_month, last=args.to_month, repos=known)
            # a developer's and a label's files cover every repo
            everyone = opendigger.Window(window.first, window.last)
            developers = list(opendigger.compute_developers(rows, schema, everyone).values()) if with_developers else []
            labels = list(opendigger.compute_labels(store, rows, schema, everyone).values()) if with_labels else []
            computed = list(opendigger.compute(rows, schema, window).values()) if known else []
            months = _months_of_data(args, store, rows, schema, window)
        # as the export does: a month we hold no data of is unknown, so theirs is not compared there
        covered = _openrank_and_coverage(store, months, window, computed, developers, everyone=everyone, labels=labels)
        ours = tree_of(computed, developers, labels)
    comparison = compare(ours, theirs, window, covered)
    differences = comparison.differences
    ours_labels = sum(name in ours.names for name in with_labels)
    print(
        f"compared {comparison.compared:,} value(s) of {len(known)} repo(s)"
        + (f" and {ours_labels} label(s)" if with_labels else "")
        + f", {window.first} to {window.last}: {len(differences):,} differ"
        + (f"; {len(names) - len(known)} repo(s) without events here" if len(known) < len(names) else "")
    )
    if comparison.not_covered:
        print(
            f"{comparison.not_covered:,} value(s) of months without data here "
            f"({', '.join(sorted(comparison.uncovered))}): not covered"
        )
    table = [COLUMNS, *(tuple("" if v is None else str(v) for v in d.row()) for d in differences)]
    if differences:
        _print_table(
            [SUMMARY_COLUMNS, *(tuple("" if v is None else str(v) for v in r) for r in summarize(differences))]
        )
    if differences and not args.out:
        print()
        _print_table(table[: args.limit + 1])
        if len(differences) > args.limit:
            print(f"... {len(differences) - args.limit:,} more; pass --out FILE.csv for all")
    if args.out:
        import csv

        from ecometrics.analysis.output import output_file

        with output_file(args.out) as path, path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(table)
        print(f"wrote {len(differences):,} difference(s) to {args.out}", file=sys.stderr)
    for where in theirs.bad:
        print(f"ecometrics: {where}", file=sys.stderr)
    return EXIT_OK


def _print_table(rows: list[tuple[str, ...]]) -> None:
    """Rows of text as aligned columns (each cut at 40 characters), the first row the header."""
    widths = [min(max(len(row[i]) for row in rows), 40) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell[:40].ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def _progress(args: argparse.Namespace) -> bool:
    """Whether a long pass shows its course: a bar on a terminal, else start/every-N-s/end log
    lines (ecometrics.core.progress.Progress picks which), so a cron mail shows it too; --quiet says none."""
    return not getattr(args, "quiet", False)


def _exit_code(status: str) -> int:
    return {"ok": EXIT_OK, "partial": EXIT_PARTIAL}.get(status, EXIT_FAILED)


def _finished(outcome: Outcome, text: str, *, file: TextIO | None = None) -> int:
    """Print what one step did and exit by its status, as for the pipeline's steps."""
    print(text, file=file or sys.stdout)
    return _exit_code(outcome.status)


def _report(steps: list, args: argparse.Namespace) -> int:
    """Print each step's outcome; exit 0 ok, 3 partial, 1 failed."""
    from ecometrics.jobs.pipeline import RunResult

    for step in steps:
        if step.status != "ok":
            print(f"ecometrics: {step.job} {step.status}: {step.message}", file=sys.stderr)
        elif not getattr(args, "quiet", False):
            print(f"{step.job}: {step.detail()}")
    return _exit_code(RunResult(steps).status)


def _check_environment() -> None:
    """The endpoint and token variables a collecting command sends, refused in one line before it starts."""
    from ecometrics.collector.http import check_environment

    check_environment()


def _locked(args: argparse.Namespace, config: Config, job: str):
    return job_lock(db_path(args, config), job)


def _stoppable() -> None:
    """SIGTERM/SIGINT stop the run at the next page boundary instead of killing it mid-page."""
    import signal

    from ecometrics.collector.cancel import clear_stop, request_stop

    clear_stop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: request_stop())


def cmd_collect(args: argparse.Namespace) -> int:
    from ecometrics.collector.cancel import StopRequested
    from ecometrics.jobs import pipeline

    config = load_config(args)
    _check_environment()
    sources = pipeline.SOURCES if args.source == "all" else (args.source,)
    if not any(pipeline.tracks_anything(config, source, full_hub=args.full_hub) for source in sources):
        # else it ends at once, printing nothing: a success that collected nothing
        settings = " nor ".join(pipeline.TRACKED_BY[source] for source in sources)
        where = f"{config.path} sets no" if config.path else "no config file, and the defaults set no"
        raise InputError(
            f"collect {args.source}: nothing to collect: {where} {settings}; "
            "run 'ecometrics init' for the default list, or name them in the config"
        )
    _stoppable()
    with _locked(args, config, f"collect:{args.source}"), open_store(args, config) as store:
        try:
            steps = pipeline.collect(store, config, sources, progress=_progress(args), full_hub=args.full_hub or None)
        except StopRequested as stop:
            print(f"ecometrics: collect partial: {stop}", file=sys.stderr)
            return EXIT_PARTIAL
    return _report(steps, args)


def cmd_analyze(args: argparse.Namespace) -> int:
    from ecometrics.jobs import pipeline

    config = load_config(args)
    check_month_range(args.from_month, args.to_month)  # the arguments first: they are wrong wherever it runs
    existing_db(args, config)
    names = pipeline.ANALYSES if args.analysis == "all" else (args.analysis,)
    with _locked(args, config, f"analyze:{args.analysis}"), open_store(args, config) as store:
        steps = pipeline.analyze(
            store,
            config,
            names,
            from_month=args.from_month,
            to_month=args.to_month,
            verbose=args.verbose,
            engine=args.engine,
            progress=_progress(args),
        )
    return _report(steps, args)


def cmd_run(args: argparse.Namespace) -> int:
    from ecometrics.jobs.pipeline import run_pipeline

    config = load_config(args)
    _check_environment()
    _stoppable()
    with _locked(args, config, "run"), open_store(args, config) as store:
        result = run_pipeline(store, config, progress=_progress(args))
    for problem in result.problems:
        print(f"ecometrics: {problem}", file=sys.stderr)
    if not args.quiet or result.status != "ok":
        print(result.summary(), file=sys.stdout if result.status == "ok" else sys.stderr)
    return _exit_code(result.status)


def cmd_schedule(args: argparse.Namespace) -> int:
    from ecometrics.jobs.scheduler import run_daemon

    config = load_config(args)
    _check_environment()
    path = db_path(args, config)
    Store(path).close()  # create or migrate before the first fire
    return run_daemon(config, str(path), every_seconds=args.every)


def cmd_import_edges(args: argparse.Namespace) -> int:
    from ecometrics.collector.edges import import_edges, read_edges

    config = load_config(args)
    edges = read_edges(args.file)  # before the database: a bad file leaves no new one behind
    with _locked(args, config, "import:edges"), open_store(args, config) as store:
        imported = import_edges(store, args.file, edges)
    return _finished(imported, imported.summary())


ENGINE_HELP = "GH Archive-scale events in ClickHouse: chdb (beside the database), chdb:///FOLDER or clickhouse://USER@HOST:8123/DB[?schema=github_events|opendigger]"


def cmd_import_gharchive(args: argparse.Namespace) -> int:
    from ecometrics.collector.gharchive import ImportResult, archive_files, import_gharchive

    config = load_config(args)
    archive_files(args.files)  # before the database: a mistyped path leaves no new one behind
    imported: ImportResult
    with _locked(args, config, "import:gharchive"), open_store(args, config) as store:
        if args.engine:
            from ecometrics.collector.archive_engine import import_files, open_engine

            with open_engine(args.engine, store) as engine:
                imported = import_files(engine, args.files, progress=_progress(args))
        else:
            imported = import_gharchive(store, args.files, config=config, all_repos=args.all, progress=_progress(args))
    return _finished(imported, imported.summary())


def cmd_import_hub_stats(args: argparse.Namespace) -> int:
    from ecometrics.collector.hubstats import import_hub_stats

    config = load_config(args)
    with _locked(args, config, "import:hub-stats"), open_store(args, config) as store:
        imported = import_hub_stats(store, args.files, date=args.date)
    return _finished(imported, imported.summary())


def cmd_import_labels(args: argparse.Namespace) -> int:
    from ecometrics.collector.labels import import_labels, read_labels

    config = load_config(args)
    labels = read_labels(args.folder)  # before the database: a bad folder leaves no new one behind
    with _locked(args, config, "import:labels"), open_store(args, config) as store:
        imported = import_labels(store, args.folder, labels)
    return _finished(imported, imported.summary())


def cmd_demo(args: argparse.Namespace) -> int:
    from ecometrics.collector.cancel import StopRequested
    from ecometrics.jobs.demo import print_rankings, run_demo

    _stoppable()
    try:
        db = run_demo(args.dir, seed=args.seed, scale=args.scale, days=args.days, progress=_progress(args))
    except StopRequested as stop:
        print(f"ecometrics: demo partial: {stop}", file=sys.stderr)
        return EXIT_PARTIAL
    print_rankings(db)
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from ecometrics.analysis.report import write_report

    config = load_config(args)
    out = Path(args.out) if args.out else config.resolve(config.report.dir)
    with open_store(args, config, readonly=True) as store:
        result = write_report(
            store,
            out,
            month=args.month,
            bots=config.activity.bots,
            model_pages=config.report.models,
            create_parents=not args.out,  # [report].dir is ours to create; a typed --out is not
        )
    return _finished(result, result.summary(), file=sys.stderr)


def cmd_plot_stars(args: argparse.Namespace) -> int:
    from ecometrics.analysis.plots import plot_stars

    config = load_config(args)
    with open_store(args, config, readonly=True) as store:
        path = plot_stars(store, args.repos, args.out, log=args.log, exclude_suspected=args.exclude_suspected)
    print(f"wrote the star history of {', '.join(args.repos)} to {path}", file=sys.stderr)
    return EXIT_OK


def cmd_fakehub_serve(args: argparse.Namespace) -> int:
    from ecometrics.fakehub.server import serve

    return serve(args)


def cmd_fakehub_env(args: argparse.Namespace) -> int:
    from ecometrics.fakehub.options import export_line, wait_until_serving

    url = f"http://{args.host}:{args.port}"
    if not wait_until_serving(url, seconds=args.wait):
        raise InputError(
            f"--port {args.port}: no fakehub answers at {url} after {args.wait:g}s; "
            f"start `ecometrics fakehub serve --port {args.port}` first"
        )
    print(export_line(url))
    return EXIT_OK


# -- the parser -----------------------------------------------------------------------


MAX_COUNT = 2**31 - 1  # --top, --days: anything larger is a typo (and overflows the libraries)
MAX_SECONDS = 366 * 86400  # --every: at most once a year


def _at_least_one(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} must be 1 or more")
    if value > MAX_COUNT:
        raise argparse.ArgumentTypeError(f"{text} is too large; pass at most {MAX_COUNT:,}")
    return value


def _positive_seconds(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text} must be more than 0 seconds")
    if not value <= MAX_SECONDS:  # also inf and nan
        raise argparse.ArgumentTypeError(f"{text} is too long; pass at most {MAX_SECONDS} seconds (a year)")
    return value


def _month(text: str) -> str:
    from ecometrics.core.dates import check_month

    try:
        return check_month(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _day(text: str) -> str:
    import datetime as dt

    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day; write it as YYYY-MM-DD") from None


class _ExportHelp(argparse.HelpFormatter):
    """Names the export kinds only when help is shown: finding them imports every analysis module."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.dest == "kind":
            from ecometrics.analysis.export import export_kinds

            return f"one of {', '.join(export_kinds())}"
        return super()._get_help_string(action)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ecometrics")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ecometrics",
        description="Open-source AI ecosystem metrics: collect, analyze, export.",
    )
    parser.add_argument("--config", help=f"config file (default ./{DEFAULT_CONFIG_PATH}, env ECOMETRICS_CONFIG)")
    parser.add_argument(
        "--db", help=f"database file (default from config, else ./{DEFAULT_DB_PATH}, env ECOMETRICS_DB)"
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log debug details: each request, retry and wait (tokens never)"
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    init = sub.add_parser("init", help="write the default config and create the database")
    init.add_argument("--force", action="store_true", help="overwrite an existing config file")
    init.set_defaults(handler=cmd_init)

    status = sub.add_parser("status", help="schema version, row counts, last runs, freshness")
    status.set_defaults(handler=cmd_status)

    migrate = sub.add_parser(
        "migrate", help="upgrade the database to this version's schema (readers never change a file)"
    )
    migrate.set_defaults(handler=cmd_migrate)

    export = sub.add_parser("export", help="write a ranking table", formatter_class=_ExportHelp)
    export.add_argument("kind", metavar="KIND", help="the table to write (listed by --help)")
    export.add_argument(
        "--format",
        help="csv, parquet, json or md; lineage: graphml, gexf, json or csv (default: from --out's extension, else csv)",
    )
    export.add_argument(
        "--out", metavar="FILE", help="output file; its extension names the format (default: standard output)"
    )
    export.add_argument("--top", type=_at_least_one, help="only the first N rows")
    export.add_argument("--month", type=_month, help="YYYY-MM (OpenRank and activity columns)")
    export.add_argument(
        "--from",
        dest="from_month",
        type=_month,
        metavar="YYYY-MM",
        help="repo_openrank, developer_openrank, opendigger: first month",
    )
    export.add_argument(
        "--to",
        dest="to_month",
        type=_month,
        metavar="YYYY-MM",
        help="repo_openrank, developer_openrank, opendigger: last month",
    )
    export.add_argument(
        "--exclude-suspected",
        action="store_true",
        help="repos and stars_daily without the suspected fake stars (StarScout's detectors; the stored counts stay)",
    )
    export.add_argument("--root", metavar="MODEL", help="lineage: the model whose derivative tree to write")
    export.add_argument(
        "--repo",
        metavar="OWNER/NAME",
        help="community: the repository whose community OpenRank to write; opendigger, opendigger_window: only this repository",
    )
    export.add_argument("--engine", metavar="ENGINE", help=ENGINE_HELP + " (export opendigger, opendigger_window)")
    export.add_argument(
        "--days-after-creation",
        type=_at_least_one,
        metavar="N",
        help="opendigger_window: each repository's first N days from its creation",
    )
    export.add_argument("--since", metavar="YYYY-MM-DD", help="opendigger_window: the window's first day")
    export.add_argument("--until", metavar="YYYY-MM-DD", help="opendigger_window: the day after the window")
    export.set_defaults(handler=cmd_export)

    collect = sub.add_parser("collect", help="one collection pass (incremental, resumable)")
    collect.add_argument(
        "source",
        nargs="?",
        default="all",
        choices=["github", "hf", "modelscope", "all"],
        help="what to collect (default all)",
    )
    collect.add_argument("--full-hub", action="store_true", help="crawl every model on the Hub (resumable)")
    collect.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    collect.set_defaults(handler=cmd_collect)

    analyze = sub.add_parser("analyze", help="recompute derived tables")
    analyze.add_argument(
        "analysis",
        nargs="?",
        default="all",
        choices=["activity", "openrank", "community-openrank", "lineage", "all"],
        help="what to recompute (default all: openrank, which includes activity, and lineage; "
        "community-openrank after openrank)",
    )
    analyze.add_argument("--from", dest="from_month", type=_month, metavar="YYYY-MM", help="first month to recompute")
    analyze.add_argument("--to", dest="to_month", type=_month, metavar="YYYY-MM", help="last month to recompute")
    analyze.add_argument("--engine", metavar="ENGINE", help=ENGINE_HELP + " (analyze openrank)")
    analyze.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    analyze.add_argument(  # SUPPRESS: keeps a global -v given before the command
        "-v",
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS,
        help="name the self-references and cycles left out of the lineage",
    )
    analyze.set_defaults(handler=cmd_analyze)

    run = sub.add_parser("run", help="the nightly job: collect -> analyze -> export (for cron)")
    run.add_argument("-q", "--quiet", action="store_true", help="print only problems (for cron mail)")
    run.set_defaults(handler=cmd_run)

    schedule = sub.add_parser("schedule", help="run the APScheduler daemon with the config's cron triggers")
    schedule.add_argument(
        "--every", type=_positive_seconds, metavar="SECONDS", help="run the whole pipeline every N seconds instead"
    )
    schedule.set_defaults(handler=cmd_schedule)

    importer = sub.add_parser(
        "import",
        help="import GH Archive files, a lineage edge list, OpenDigger's labels or metric files, hub-stats history",
    )
    imports = importer.add_subparsers(dest="what", required=True, metavar="WHAT")
    gharchive = imports.add_parser("gharchive", help="GH Archive hourly .json.gz files -> events")
    gharchive.add_argument("files", nargs="+", metavar="FILE", help="hourly files such as 2025-01-01-15.json.gz")
    gharchive.add_argument("--all", action="store_true", help="keep events of every repo, not only tracked ones")
    gharchive.add_argument("--engine", metavar="ENGINE", help=ENGINE_HELP + " (every repo's activity events)")
    gharchive.set_defaults(handler=cmd_import_gharchive)
    edges = imports.add_parser("edges", help="a model lineage edge list (CSV) -> model_edges")
    edges.add_argument(
        "file", metavar="FILE.csv", help="columns parent, child, relation (finetune, adapter, quantized, merge)"
    )
    edges.set_defaults(handler=cmd_import_edges)
    hub_stats = imports.add_parser(
        "hub-stats",
        help="daily models.parquet of the cfahlgren1/hub-stats dataset -> model snapshots before the first run",
    )
    hub_stats.add_argument(
        "files",
        nargs="+",
        metavar="FILE.parquet",
        help="one day's models.parquet each, its day in the name (YYYY-MM-DD)",
    )
    hub_stats.add_argument(
        "--date", type=_day, metavar="YYYY-MM-DD", help="the day of a single file with no date in its name"
    )
    hub_stats.set_defaults(handler=cmd_import_hub_stats)
    labels = imports.add_parser(
        "labels", help="OpenDigger's labeled_data YAML (bots, companies, foundations, divisions)"
    )
    labels.add_argument("folder", metavar="DIR", help="a clone of X-lab2017/open-digger or its labeled_data folder")
    labels.set_defaults(handler=cmd_import_labels)
    od_import = imports.add_parser(
        "opendigger", help="OpenDigger's metric files (github/OWNER/REPO/METRIC.json) -> opendigger_values"
    )
    od_import.add_argument("folder", metavar="DIR", help="a folder of OpenDigger's layout: its published data or ours")
    od_import.set_defaults(handler=cmd_import_opendigger)

    comparer = sub.add_parser("compare", help="compare our metrics with OpenDigger's files")
    compares = comparer.add_subparsers(dest="what", required=True, metavar="WHAT")
    od_compare = compares.add_parser(
        "opendigger", help="where our OpenDigger metrics and a folder of OpenDigger's files differ, and by how much"
    )
    od_compare.add_argument("folder", metavar="DIR", help="a folder of OpenDigger's layout (github/OWNER/REPO/...)")
    od_compare.add_argument("--engine", metavar="ENGINE", help=ENGINE_HELP + " (where our events are)")
    od_compare.add_argument("--from", dest="from_month", type=_month, metavar="YYYY-MM", help="first month compared")
    od_compare.add_argument("--to", dest="to_month", type=_month, metavar="YYYY-MM", help="last month compared")
    od_compare.add_argument("--out", metavar="FILE.csv", help="write every difference as CSV")
    od_compare.add_argument(
        "--limit", type=_at_least_one, default=50, help="differences printed (default 50; --out has all)"
    )
    od_compare.set_defaults(handler=cmd_compare_opendigger)

    demo = sub.add_parser("demo", help="the whole nightly pipeline offline against fakehub (synthetic data)")
    demo.add_argument("--dir", default="demo", help="where the database and exports go (default ./demo)")
    demo.add_argument("--days", type=_at_least_one, default=3, help="simulated nightly runs (default 3)")
    demo.add_argument(
        "--seed", type=int, default=0, help="fakehub's random seed: the same seed builds the same data (default 0)"
    )
    demo.add_argument(
        "--scale",
        default="small",
        choices=["small", "medium"],
        help="fakehub's ecosystem size (default small: about 2 minutes for the default 3 days)",
    )
    demo.set_defaults(handler=cmd_demo)

    report = sub.add_parser(
        "report",
        help="write a static site of the rankings and charts (needs matplotlib: pip install 'ecometrics[report]')",
    )
    report.add_argument(
        "--out", metavar="DIR", help="the site's folder, replaced whole (default [report].dir, ./report)"
    )
    report.add_argument(
        "--month", type=_month, help="YYYY-MM: the month of the monthly tables (default: the last complete one)"
    )
    report.set_defaults(handler=cmd_report)

    plot = sub.add_parser("plot", help="draw a figure (needs matplotlib: pip install 'ecometrics[plots]')")
    plots = plot.add_subparsers(dest="what", required=True, metavar="WHAT")
    stars = plots.add_parser("stars", help="star history of one or several repositories, as PNG or SVG")
    stars.add_argument("repos", nargs="+", metavar="OWNER/NAME", help="collected repositories to draw")
    stars.add_argument("--out", default="stars.png", metavar="FILE", help="FILE.png or FILE.svg (default stars.png)")
    stars.add_argument("--log", action="store_true", help="logarithmic star axis (repos of very different sizes)")
    stars.add_argument(
        "--exclude-suspected", action="store_true", help="without the suspected fake stars (StarScout's detectors)"
    )
    stars.set_defaults(handler=cmd_plot_stars)

    from ecometrics.fakehub.options import add_env_arguments, add_serve_arguments

    fakehub = sub.add_parser("fakehub", help="the offline GitHub, Hugging Face and ModelScope API double")
    fakehub_commands = fakehub.add_subparsers(dest="what", required=True, metavar="WHAT")
    fakehub_serve = fakehub_commands.add_parser(
        "serve", help="serve until stopped; prints the base URL first, then the environment to use"
    )
    add_serve_arguments(fakehub_serve)
    fakehub_serve.set_defaults(handler=cmd_fakehub_serve)
    fakehub_env = fakehub_commands.add_parser(
        "env",
        help="print the environment that points ecometrics at a running fakehub (URLs and tokens), for eval",
    )
    add_env_arguments(fakehub_env)
    fakehub_env.set_defaults(handler=cmd_fakehub_env)

    return parser


def log_handler(console: Any = None) -> logging.Handler:
    """Where log lines go: through a rich console on a terminal (``console``, default standard
    error when it is one), so they print above progress bars instead of through them; as
    plain timestamped lines otherwise (cron mail, files, pipes)."""
    if console is None and sys.stderr.isatty():
        from rich.console import Console

        console = Console(stderr=True)  # resolves sys.stderr per write: a live bar's redirect applies
    if console is None:
        handler: logging.Handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        return handler
    from rich.logging import RichHandler

    handler = RichHandler(console=console, show_path=False, markup=False, log_time_format="%H:%M:%S")
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    return handler


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    root = logging.getLogger()
    if not root.handlers:  # as logging.basicConfig: an embedding program's handlers win
        root.addHandler(log_handler())
        quiet = getattr(args, "quiet", False)  # --quiet prints only problems: warnings and errors
        root.setLevel(logging.DEBUG if args.verbose else logging.WARNING if quiet else logging.INFO)
    for chatty in ("httpx", "httpx2", "httpcore", "urllib3", "apscheduler.executors.default"):
        logging.getLogger(chatty).setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    try:
        return args.handler(args) or EXIT_OK
    except WriteFailed as exc:  # the machine's state (disk full, read-only), not the input
        print(f"ecometrics: {exc}", file=sys.stderr)
        return EXIT_IO
    except InputError as exc:
        print(f"ecometrics: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except Locked as exc:
        print(f"ecometrics: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    except KeyboardInterrupt:
        print("ecometrics: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader of standard output went away, as `| head` does
        # Python's recipe (https://docs.python.org/3/library/signal.html#note-on-sigpipe):
        # standard output to devnull, so that the final flush does not fail again.
        # Silent, as a tool killed by SIGPIPE is.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
