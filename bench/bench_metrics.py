"""Benchmark: every OpenDigger metric for one month of N events, on chDB and on SQLite.

Generates --events events (default 200,000: a couple of minutes here; the figure to aim
at is 10,000,000) over --files hourly ``.json.gz`` files of one day of 2024-03, with
bench/bench_archive.py's generator (GH Archive's type mix, realistic payloads,
heavy-tailed repos and actors). Then, each in a process of its own so each has its own
peak RSS:

- the import of the files (chDB: ``import_files``; SQLite: ``import_gharchive --all``), once;
- every metric of :data:`ecometrics.analysis.opendigger.FILES` for the month, every repository
  (``ecometrics.analysis.opendigger.compute``), and every developer's (``compute_developers``),
  --repeat times (median).

Prints for each engine the import time, the metrics' wall time (median and every run),
their ratio to the import of the same events in the same run, each phase's peak RSS,
and the load average at the start and the end of the whole and of each phase (the machine
may be shared: a figure holds at the load it was taken at).

Generating 10,000,000 events takes several minutes; ``--data DIR`` keeps the files in DIR
and a later run with the same --events and --files reuses them (the databases are always
made afresh in a temporary folder).

    .venv/bin/python bench/bench_metrics.py [--events N] [--files N] [--repeat N] [--sqlite-repeat N]
        [--engines chdb,sqlite] [--dir DIR] [--data DIR]
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
    from ecometrics.collector.store import Store

    with Store(Path(folder) / "events.db") as store:
        started = time.perf_counter()
        if engine == "chdb":
            from ecometrics.collector.archive_engine import import_files, open_engine

            with open_engine("chdb", store) as opened:
                result = import_files(opened, files)
        else:
            from ecometrics.collector.gharchive import import_gharchive

            result = import_gharchive(store, files, all_repos=True)
        return {"seconds": time.perf_counter() - started, "imported": result.imported}


def phase_metrics(engine: str, folder: str) -> dict:
    from ecometrics.analysis import opendigger
    from ecometrics.analysis.activity_sql import ENGINE_EVENTS, SQLITE_EVENTS
    from ecometrics.collector.store import Store

    window = opendigger.Window(MONTH, MONTH)
    with Store(Path(folder) / "events.db", readonly=engine == "sqlite") as store:
        started = time.perf_counter()
        if engine == "chdb":
            from ecometrics.collector.archive_engine import open_engine

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
    """Run a phase of this benchmark in a child process (:func:`bench_archive.run_phase`);
    the result holds the 1-minute load average at its start and end (``load``)."""
    before = os.getloadavg()[0]
    result, rss = run_archive_phase(name, *arguments, script=__file__)
    return {**result, "load": (before, os.getloadavg()[0])}, rss


def generated_files(folder: Path, events: int, files: int) -> tuple[list[str], int]:
    """The --files hourly files of --events events in ``folder``: those a previous run left there
    (its ``manifest.json`` says how many of each), else written now."""
    manifest = folder / "manifest.json"
    wanted = {"events": events, "files": files}
    if manifest.exists():
        kept = json.loads(manifest.read_text())
        if {key: kept.get(key) for key in wanted} == wanted and all(Path(path).exists() for path in kept["paths"]):
            return kept["paths"], kept["written"]
    started = time.perf_counter()
    per_file = events // files
    jobs = [(folder / f"{DAY}-{hour}.json.gz", hour, per_file, hour + 1) for hour in range(files)]
    with Pool(min(os.cpu_count() or 1, files)) as pool:
        written = pool.map(write_file, jobs)
    paths = [str(path) for path, _ in written]
    total = sum(count for _, count in written)
    manifest.write_text(json.dumps({**wanted, "paths": paths, "written": total}))
    print(f"generated in {time.perf_counter() - started:.0f} s", flush=True)
    return paths, total


def _load(result: dict) -> str:
    return f"load {result['load'][0]:.1f}-{result['load'][1]:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3, help="runs of the metrics (median)")
    parser.add_argument("--sqlite-repeat", type=int, help="runs of SQLite's metrics (default: --repeat)")
    parser.add_argument("--engines", default="chdb,sqlite")
    parser.add_argument("--dir", help="where to make the temporary folder of the databases (and files)")
    parser.add_argument("--data", help="where to keep the generated files, reused by the next run")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("arguments", nargs="?", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(PHASES[args.phase](*json.loads(args.arguments))))
        return 0

    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores at the start", flush=True)
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        folder = Path(tmp)
        data = Path(args.data) if args.data else folder
        data.mkdir(parents=True, exist_ok=True)
        files, events = generated_files(data, args.events, args.files)
        size = sum(Path(path).stat().st_size for path in files)
        print(f"{events:,} events in {len(files)} files of {MONTH} ({size / 1e9:.2f} GB gzip)", flush=True)
        for engine in args.engines.split(","):
            scratch = folder / engine
            scratch.mkdir()
            imported, import_rss = run_phase("import", engine, files, str(scratch))
            print(
                f"{engine}: import {imported['seconds']:.1f} s ({imported['imported']:,} events, peak RSS "
                f"{import_rss:,.0f} MB, {_load(imported)})",
                flush=True,
            )
            runs = []
            for _ in range(args.sqlite_repeat if engine == "sqlite" and args.sqlite_repeat else args.repeat):
                run, rss = run_phase("metrics", engine, str(scratch))
                runs.append((run, rss))
                print(
                    f"{engine}: every metric of {MONTH}: {run['seconds']:.1f} s, peak RSS {rss:,.0f} MB, {_load(run)}; "
                    f"metrics / import {run['seconds'] / imported['seconds']:.2f}x",
                    flush=True,
                )
            middle = sorted(runs, key=lambda run: run[0]["seconds"])[len(runs) // 2][0]
            seconds = ", ".join(f"{run['seconds']:.1f}" for run, _ in runs)
            print(
                f"{engine}: import {imported['seconds']:.1f} s ({imported['imported']:,} events, peak RSS "
                f"{import_rss:,.0f} MB); every metric of {MONTH}: {middle['seconds']:.1f} s median of {len(runs)} "
                f"(runs {seconds}), {middle['repos']:,} repos, {middle['developers']:,} developers, "
                f"{middle['values']:,} values, peak RSS {max(r for _, r in runs):,.0f} MB; "
                f"metrics / import {middle['seconds'] / imported['seconds']:.2f}x",
                flush=True,
            )
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
