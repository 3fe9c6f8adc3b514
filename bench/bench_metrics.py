"""Benchmark: every OpenDigger metric for one month of N events, on chDB and on SQLite.

Generates --events events (default 200,000: a couple of minutes here; the figure to aim
at is 10,000,000) over --files hourly ``.json.gz`` files of one day of 2024-03, with
bench/bench_archive.py's generator (GH Archive's type mix, realistic payloads,
heavy-tailed repos and actors). Then, each in a process of its own so each has its own
peak RSS:

- the import of the files (chDB: ``import_files``; SQLite: ``import_gharchive --all``), once;
- every metric of :data:`analysis.opendigger.FILES` for the month, every repository
  (``analysis.opendigger.compute``), and every developer's (``compute_developers``),
  --repeat times (median).

Prints for each engine the import time, the metrics' wall time (median and every run),
their ratio to the import of the same events in the same run, each phase's peak RSS,
and the load average before and after.

    .venv/bin/python bench/bench_metrics.py [--events N] [--files N] [--repeat N] [--dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from multiprocessing import Pool
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from bench_archive import DAY, MONTH, write_file  # noqa: E402
from bench_archive import run_phase as run_archive_phase  # noqa: E402


def phase_import(engine: str, files: list[str], folder: str) -> dict:
    from collector.store import Store

    with Store(Path(folder) / "events.db") as store:
        started = time.perf_counter()
        if engine == "chdb":
            from collector.archive_engine import import_files, open_engine
            from collector.gharchive import EVENT_TYPES

            with open_engine("chdb", store) as opened:
                result = import_files(opened, files, event_types=EVENT_TYPES)
        else:
            from collector.gharchive import import_gharchive

            result = import_gharchive(store, files, all_repos=True)
        return {"seconds": time.perf_counter() - started, "imported": result.imported}


def phase_metrics(engine: str, folder: str) -> dict:
    from analysis import opendigger
    from analysis.activity_sql import ENGINE_EVENTS, SQLITE_EVENTS
    from collector.store import Store

    window = opendigger.Window(MONTH, MONTH)
    with Store(Path(folder) / "events.db", readonly=engine == "sqlite") as store:
        started = time.perf_counter()
        if engine == "chdb":
            from collector.archive_engine import open_engine

            with open_engine("chdb", store) as opened:
                started = time.perf_counter()  # the engine's start is not the metrics' work
                repos = opendigger.compute(opened.rows, ENGINE_EVENTS, window)
                developers = opendigger.compute_developers(opened.rows, ENGINE_EVENTS, window)
        else:
            rows = lambda text: store.conn.execute(text).fetchall()  # noqa: E731
            repos = opendigger.compute(rows, SQLITE_EVENTS, window)
            developers = opendigger.compute_developers(rows, SQLITE_EVENTS, window)
        seconds = time.perf_counter() - started
    everyone = [*repos.values(), *developers.values()]
    values = sum(len(content) for entry in everyone for content in entry.values.values())
    return {"seconds": seconds, "repos": len(repos), "developers": len(developers), "values": values}


PHASES: dict[str, Callable[..., dict]] = {"import": phase_import, "metrics": phase_metrics}


def run_phase(name: str, *arguments: object) -> tuple[dict, float]:
    """Run a phase of this benchmark in a child process (:func:`bench_archive.run_phase`)."""
    return run_archive_phase(name, *arguments, script=__file__)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3, help="runs of the metrics (median)")
    parser.add_argument("--engines", default="chdb,sqlite")
    parser.add_argument("--dir", help="where to write the files and databases (default: a temporary folder)")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("arguments", nargs="?", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(PHASES[args.phase](*json.loads(args.arguments))))
        return 0

    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores at the start")
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        folder = Path(tmp)
        per_file = args.events // args.files
        jobs = [(folder / f"{DAY}-{hour}.json.gz", hour, per_file, hour + 1) for hour in range(args.files)]
        with Pool(min(os.cpu_count() or 1, args.files)) as pool:
            written = pool.map(write_file, jobs)
        files = [str(path) for path, _ in written]
        events = sum(count for _, count in written)
        print(f"generated {events:,} events in {len(files)} files of {MONTH}")
        for engine in args.engines.split(","):
            scratch = folder / engine
            scratch.mkdir()
            imported, import_rss = run_phase("import", engine, files, str(scratch))
            runs = [run_phase("metrics", engine, str(scratch)) for _ in range(args.repeat)]
            middle = sorted(runs, key=lambda run: run[0]["seconds"])[len(runs) // 2][0]
            seconds = ", ".join(f"{run['seconds']:.2f}" for run, _ in runs)
            print(
                f"{engine}: import {imported['seconds']:.1f} s ({imported['imported']:,} events, peak RSS "
                f"{import_rss:,.0f} MB); every metric of {MONTH}: {middle['seconds']:.2f} s median (runs {seconds}), "
                f"{middle['repos']:,} repos, {middle['developers']:,} developers, {middle['values']:,} values, peak RSS {max(r for _, r in runs):,.0f} MB; "
                f"metrics / import {middle['seconds'] / imported['seconds']:.2f}x"
            )
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
