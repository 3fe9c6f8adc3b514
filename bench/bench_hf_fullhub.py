"""Benchmark: a full-Hub crawl of fakehub, end to end, into a fresh SQLite file.

Starts fakehub (``ecometrics fakehub serve --scale SCALE``) in its own process (as the real Hub
would be: another machine's work does not count against the collector's memory), runs
``collect_hf(..., full_hub=True)`` in this process and prints:

- models per second, end to end (HTTP + JSON + rows + SQLite commits), including
  fakehub serving on the same 2-core machine;
- the collector's peak RSS (this process's ``ru_maxrss``).

Targets (issue 5): >= 5,000 models/s at the large scale (~2,000,000 records: the whole
Hub in under 8 minutes) and peak RSS < 1 GB.

    .venv/bin/python bench/bench_hf_fullhub.py [--scale large] [--db PATH]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2

from collector.hf import collect_hf
from collector.hf_client import HfClient
from collector.store import Store
from jobs.config import HuggingFaceConfig

TARGET_MODELS_PER_SECOND = 5_000
TARGET_PEAK_RSS_MB = 1_024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="large", choices=["small", "medium", "large"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--db", help="SQLite file to write (default: a temporary file)")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="bench-hf-")
    db = Path(args.db or os.path.join(workdir, "bench.db"))
    server = subprocess.Popen(
        [sys.executable, "-c", "import sys; from fakehub.server import main; sys.exit(main())",
         "--scale", args.scale, "--seed", str(args.seed)],  # fmt: skip
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        started = time.monotonic()
        url = server.stdout.readline().strip()
        if not url:
            print(f"fakehub exited with {server.wait()} before printing its URL", file=sys.stderr)
            return 1
        print(f"fakehub {args.scale} ready at {url} in {time.monotonic() - started:.1f}s", flush=True)
        store = Store(db)
        client = HfClient(url, token=False)
        cpu_before = _cpu_seconds(resource.RUSAGE_SELF)
        started = time.monotonic()
        result = collect_hf(store, HuggingFaceConfig(), full_hub=True, progress=sys.stderr.isatty(), client=client)
        seconds = time.monotonic() - started
        collector_cpu = _cpu_seconds(resource.RUSAGE_SELF) - cpu_before
        models = store.count("models")
        edges = store.count("model_edges")
        stats = httpx2.get(f"{url}/_fakehub/stats").json()
        store.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    fakehub_cpu = _cpu_seconds(resource.RUSAGE_CHILDREN)  # includes its start-up (world generation)

    rate = models / seconds
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"crawl: {models:,} models, {edges:,} edges, {result.total_requests:,} requests {result.requests} "
          f"in {seconds:.1f}s; partial={result.partial} {result.reason or ''}")  # fmt: skip
    print(f"fakehub served {stats.get('requests')} requests {stats.get('by_status')}")
    print(f"models/s end to end: {rate:,.0f} (target >= {TARGET_MODELS_PER_SECOND:,}) "
          f"{'OK' if rate >= TARGET_MODELS_PER_SECOND else 'BELOW TARGET'}")  # fmt: skip
    print(f"collector peak RSS: {peak_mb:,.0f} MB (target < {TARGET_PEAK_RSS_MB:,} MB) "
          f"{'OK' if peak_mb < TARGET_PEAK_RSS_MB else 'ABOVE TARGET'}")  # fmt: skip
    print(f"database: {db} ({db.stat().st_size / 1e6:,.0f} MB)")
    # What limits the rate: CPU seconds per 1,000 models on each side. Paging is sequential,
    # and the collector reads one page ahead, so with two free cores the rate is bounded by
    # the slower side; on a loaded machine, by the CPU the two processes get.
    print(f"CPU per 1,000 models: collector {1000 * collector_cpu / models:.3f}s, "
          f"fakehub {1000 * fakehub_cpu / models:.3f}s (with start-up); wall {1000 * seconds / models:.3f}s; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")  # fmt: skip
    return 0 if rate >= TARGET_MODELS_PER_SECOND and peak_mb < TARGET_PEAK_RSS_MB else 1


def _cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    sys.exit(main())
