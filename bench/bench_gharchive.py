"""Benchmark: `import gharchive` on a generated 1,000,000-event hour.

Target: >= 100,000 events/s imported with --all (every line parsed and stored), on a
fresh SQLite file. Also prints the rate when only tracked repos are kept (most lines
rejected before parsing) and for a re-import of the same file (all upserts).

    .venv/bin/python bench/bench_gharchive.py [--events N] [--dir DIR]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from gharchive_fixtures import synthetic_hour, write_hour  # noqa: E402

from collector.gharchive import import_gharchive  # noqa: E402
from collector.store import Store  # noqa: E402

TARGET = 100_000


def cpu_seconds() -> tuple[float, float]:
    """CPU seconds of this process and of its finished children (the parser processes)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--dir", help="where to write the file and database (default: a temporary folder)")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        tmp = Path(tmp)
        started = time.perf_counter()
        path = write_hour(tmp / "2024-01-15-10.json.gz", synthetic_hour(args.events), compresslevel=6)
        size = path.stat().st_size
        print(f"generated {args.events:,} events ({size / 1e6:.0f} MB gzip) in {time.perf_counter() - started:.0f} s")

        with Store(tmp / "all.db") as store:
            before = cpu_seconds()
            result = import_gharchive(store, [path], all_repos=True)
            writer, parser = (after - start for after, start in zip(cpu_seconds(), before, strict=True))
            rate = result.imported / result.seconds
            met = rate >= TARGET
            print(
                f"--all, fresh database: {result.imported:,} events in {result.seconds:.1f} s = {rate:,.0f} events/s "
                f"(target >= {TARGET:,}/s: {'met' if met else 'NOT met'})"
            )
            # CPU time per side; their sum over the cores bounds the rate.
            print(
                f"  CPU: importing process (writer, inflating thread) {writer:.1f} s ({result.imported / writer:,.0f} events per CPU-second), "
                + (
                    f"parser processes {parser:.1f} s ({result.imported / parser:,.0f} per CPU-second)"
                    if parser
                    else "no parser processes (input below PARALLEL_MIN_BYTES)"
                )
            )
            again = import_gharchive(store, [path], all_repos=True)
            print(f"--all, re-import (upserts): {again.lines / again.seconds:,.0f} events/s")

        with Store(tmp / "tracked.db") as store:
            orgs = [f"org{k}" for k in range(10)]  # about a tenth of the repos
            result = import_gharchive(store, [path], orgs=orgs)
            print(
                f"tracked only ({len(orgs)} orgs): {result.lines:,} lines, {result.imported:,} kept, "
                f"{result.lines / result.seconds:,.0f} lines/s"
            )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:,.0f} MB")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
