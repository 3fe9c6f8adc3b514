"""Benchmark: `import gharchive` on a generated 1,000,000-event hour.

Target: >= 100,000 events/s imported with --all (every line parsed and stored), on a
fresh SQLite file. Also prints the rate when only tracked repos are kept (most lines
rejected before parsing) and for a re-import of the same file (all upserts), and for each
the CPU time per 100,000 events (user + system of the importing process and of its parser
processes): on a shared machine the CPU time is the steadier figure.

Each run imports in a fresh process. ``--baseline TREE`` runs the same measurement on the
code of another checkout (its ``collector`` package, e.g. a ``git worktree`` of an older
commit) on the same file, alternating with this tree's, run by run; the medians of both sides
are printed side by side.

    .venv/bin/python bench/bench_gharchive.py [--events N] [--runs 3] [--baseline TREE] [--dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = 100_000
FIGURES = (  # (key, label, format)
    ("fresh_rate", "--all, fresh database: events/s", "{:,.0f}"),
    ("fresh_cpu", "  CPU-s per 100k events (all processes)", "{:.2f}"),
    ("fresh_parser_cpu", "  of which parser processes", "{:.2f}"),
    ("again_rate", "--all, re-import (upserts): events/s", "{:,.0f}"),
    ("again_cpu", "  CPU-s per 100k events", "{:.2f}"),
    ("tracked_rate", "tracked only (10 orgs): lines/s", "{:,.0f}"),
    ("tracked_cpu", "  CPU-s per 100k lines", "{:.2f}"),
    ("rss_mb", "peak RSS, MB (importing process)", "{:,.0f}"),
    ("children_rss_mb", "peak RSS, MB (a parser process)", "{:,.0f}"),
)


def cpu_seconds() -> tuple[float, float]:
    """CPU seconds of this process and of its finished children (the parser processes)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def measure(path: Path, folder: Path) -> dict[str, float]:
    """Import ``path`` three ways with the checkout in the working folder (see :func:`run_side`); the figures.

    A checkout from before the ``ecometrics`` package names its modules ``collector.*``; the
    installed ``ecometrics`` would otherwise answer for it and measure this tree twice, so the
    modules must come from that checkout, and a run whose modules do not is refused."""
    import importlib

    tree = Path.cwd().resolve()
    prefix = "ecometrics." if (tree / "ecometrics").is_dir() else ""
    gharchive = importlib.import_module(f"{prefix}collector.gharchive")
    store_module = importlib.import_module(f"{prefix}collector.store")
    if not Path(gharchive.__file__).resolve().is_relative_to(tree):
        raise SystemExit(f"{tree}: its collector did not load (got {gharchive.__file__})")
    import_gharchive, Store = gharchive.import_gharchive, store_module.Store  # noqa: N806 - the class

    figures: dict[str, float] = {}

    def timed(key: str, run) -> None:  # noqa: ANN001 - a closure over the store
        before = cpu_seconds()
        result = run()
        own, children = (after - start for after, start in zip(cpu_seconds(), before, strict=True))
        count = result.imported if key != "tracked" else result.lines
        figures[f"{key}_rate"] = count / result.seconds
        figures[f"{key}_cpu"] = (own + children) / count * 100_000
        if key == "fresh":
            figures["fresh_parser_cpu"] = children / count * 100_000

    with Store(folder / "all.db") as store:
        timed("fresh", lambda: import_gharchive(store, [path], all_repos=True))
        timed("again", lambda: import_gharchive(store, [path], all_repos=True))
    with Store(folder / "tracked.db") as store:
        orgs = [f"org{k}" for k in range(10)]  # about a tenth of the repos
        timed("tracked", lambda: import_gharchive(store, [path], orgs=orgs))
    figures["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures["children_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return figures


def run_side(tree: Path, path: Path, folder: Path) -> dict[str, float]:
    """:func:`measure` in a fresh process importing ``tree``'s ``collector``."""
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        env = {**os.environ, "PYTHONPATH": str(tree)}
        command = [sys.executable, str(Path(__file__).resolve()), "--measure", str(path), "--dir", scratch]
        out = subprocess.run(command, env=env, cwd=tree, check=True, capture_output=True, text=True).stdout
    return json.loads(out.splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3, help="runs of each side; medians are printed")
    parser.add_argument("--baseline", type=Path, help="a checkout whose code is measured alternately with this one's")
    parser.add_argument("--dir", help="where to write the file and databases (default: a temporary folder)")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # one side's run, in its own process
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, Path(args.dir))))
        return 0
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    from gharchive_fixtures import synthetic_hour, write_hour

    load_at_start = os.getloadavg()[0]
    print(f"load average {load_at_start:.1f} on {os.cpu_count()} cores")
    sides = {"this tree": ROOT, **({f"baseline {args.baseline}": args.baseline.resolve()} if args.baseline else {})}
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        path = write_hour(folder / "2024-01-15-10.json.gz", synthetic_hour(args.events), compresslevel=6)
        size = path.stat().st_size
        print(f"generated {args.events:,} events ({size / 1e6:.0f} MB gzip) in {time.perf_counter() - started:.0f} s")
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in sides}
        for number in range(args.runs):
            order = list(sides.items()) if number % 2 == 0 else list(reversed(sides.items()))
            for name, tree in order:  # alternating which side goes first: drift in load hits both
                figures = run_side(tree, path, folder)
                runs[name].append(figures)
                print(
                    f"run {number + 1} {name}: {figures['fresh_rate']:,.0f} events/s fresh, "
                    f"{figures['fresh_cpu']:.2f} CPU-s per 100k; load average {os.getloadavg()[0]:.1f}"
                )
    medians = {
        name: {key: statistics.median(r[key] for r in done) for key, *_ in FIGURES} for name, done in runs.items()
    }
    names = list(sides)
    print(f"\nmedian of {args.runs} run(s), {args.events:,} events:")
    print(f"{'':42}" + "".join(f"{name[:28]:>30}" for name in names))
    for key, label, form in FIGURES:
        print(f"{label:42}" + "".join(f"{form.format(medians[name][key]):>30}" for name in names))
    print(f"load average {load_at_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
    rate = medians["this tree"]["fresh_rate"]
    met = rate >= TARGET
    print(f"--all, fresh: {rate:,.0f} events/s (target >= {TARGET:,}/s: {'met' if met else 'NOT met'})")
    if args.baseline:
        base = medians[names[1]]
        print(
            f"this tree / baseline: {rate / base['fresh_rate']:.2f}x the events/s, "
            f"{medians['this tree']['fresh_cpu'] / base['fresh_cpu']:.2f}x the CPU time per event"
        )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
