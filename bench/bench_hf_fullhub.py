"""Benchmark: a full-Hub crawl of fakehub, killed with SIGKILL and resumed, into a fresh SQLite file.

Starts fakehub (``--scale``, default large: ~2,000,000 models) in its own process with every
real-Hub behaviour on (trending scores recomputed every 20 listing pages, so the Hub's
default order moves under the crawl; keyset cursors; detail-only expands refused), but a
1-second rate-limit window so the run measures the collector, not the wait. The crawl runs
in child processes (``collect_hf(..., full_hub=True)``); the first ``--kills`` of them are
killed with SIGKILL once fakehub has served an even share of the pages, and the last one
finishes from the checkpoint. It prints:

- whether the stored models and edges are exactly the ground truth at the crawl's start
  (sha256 over the sorted ids and the sorted ``child, parent, relation`` lines, computed
  by fakehub from its arrays when it starts, and by SQLite from the database);
- models per second, end to end over the crawling processes' wall time (HTTP + JSON +
  rows + SQLite commits, fakehub serving on the same 2-core machine);
- the collector's peak RSS (the largest ``ru_maxrss`` of the crawling processes);
- the requests fakehub served against the minimum (one per page of 1,000), and the wall
  time the real Hub's free-account limit (1,000 requests per 5 minutes) would impose on
  that many requests: the physical limit of a crawl from one account.

Targets: exact rows, >= 5,000 models/s at the large scale (the whole Hub in under 8
minutes), peak RSS < 1 GB, requests within 1% (+ 3 per kill) of the minimum.

    .venv/bin/python bench/bench_hf_fullhub.py [--scale large] [--kills 2] [--db PATH]
"""

from __future__ import annotations

import argparse
import hashlib
import math
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2

TARGET_MODELS_PER_SECOND = 5_000
TARGET_PEAK_RSS_MB = 1_024
PAGE = 1_000
FREE_ACCOUNT = (1_000, 300)  # requests per window of seconds, https://huggingface.co/docs/hub/rate-limits

SERVE = """
import hashlib, sys
from ecometrics.fakehub import FakeHub
from ecometrics.fakehub.model_forest import RELATIONS
hub = FakeHub(seed=int(sys.argv[2]), scale=sys.argv[1], hf_window_seconds=1).start()
forest, now = hub.world.models, hub.world.clock.now
existing = forest.existing(now).tolist()
ids = sorted(forest.model_id(i) for i in existing)
edges = sorted(f"{forest.model_id(i)}\\t{forest.model_id(p)}\\t{RELATIONS[int(forest.rel[i]) - 1]}"
               for i in existing if forest.rel[i] for p in forest.parents(i))
digest = lambda lines: hashlib.sha256("".join(line + "\\n" for line in lines).encode()).hexdigest()
print(hub.url, flush=True)
print(len(ids), len(edges), digest(ids), digest(edges), flush=True)
del ids, edges
import time
while True:
    time.sleep(3600)
"""

CRAWL = """
import json, sys
from ecometrics.collector.hf import collect_hf
from ecometrics.collector.hf_client import HfClient
from ecometrics.collector.store import Store
from ecometrics.core.config import HuggingFaceConfig
store = Store(sys.argv[1])
result = collect_hf(store, HuggingFaceConfig(), full_hub=True, progress=False,
                    client=HfClient(sys.argv[2], token="bench-free-account"))
print(json.dumps({"requests": result.requests, "partial": result.partial, "reason": result.reason}), flush=True)
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="large", choices=["small", "medium", "large"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--kills", type=int, default=2, help="SIGKILLs before the crawl may finish (default 2)")
    parser.add_argument("--db", help="SQLite file to write (default: a temporary file)")
    args = parser.parse_args()

    db = Path(args.db or os.path.join(tempfile.mkdtemp(prefix="bench-hf-"), "bench.db"))
    started = time.monotonic()
    server = subprocess.Popen(
        [sys.executable, "-c", SERVE, args.scale, str(args.seed)], stdout=subprocess.PIPE, text=True
    )
    try:
        url = server.stdout.readline().strip()
        truth = server.stdout.readline().split()
        if not url or len(truth) != 4:
            print(f"fakehub exited with {server.poll()} before it was ready", file=sys.stderr)
            return 1
        n_models, n_edges = int(truth[0]), int(truth[1])
        print(f"fakehub {args.scale} ready at {url} in {time.monotonic() - started:.1f}s: "
              f"{n_models:,} models, {n_edges:,} edges at the crawl's start", flush=True)  # fmt: skip
        minimum = math.ceil(n_models / PAGE)
        crawl_seconds, peak_kb, segments = 0.0, 0, []
        for segment in range(args.kills + 1):
            kill_at = minimum * (segment + 1) // (args.kills + 1) if segment < args.kills else None
            seconds, rusage, outcome = _crawl(db, url, kill_at)
            crawl_seconds += seconds
            peak_kb = max(peak_kb, rusage.ru_maxrss)
            segments.append(outcome)
            print(f"  segment {segment + 1}: {outcome} after {seconds:.1f}s", flush=True)
        stats = httpx2.get(f"{url}/_fakehub/stats", timeout=60).json()
        epochs = httpx2.get(f"{url}/_fakehub/truth", params={"models": 0}, timeout=300).json()["hf"]["trending_epoch"]
    finally:
        server.terminate()
        server.wait(timeout=30)

    stored = _digests(db)
    exact = stored == (n_models, n_edges, truth[2], truth[3])
    requests = sum(v["requests"] for k, v in stats["by_endpoint"].items() if k.startswith("hf."))
    rate = stored[0] / crawl_seconds
    peak_mb = peak_kb / 1024  # KiB on Linux
    request_limit = math.floor(minimum * 1.01) + 3 * args.kills
    limit, window = FREE_ACCOUNT
    print(f"stored {stored[0]:,} models, {stored[1]:,} edges: "
          f"{'EXACTLY the ground truth at the start' if exact else 'DIFFERENT from the ground truth'} "
          f"(trending scores recomputed {epochs} times during the crawl, {args.kills} SIGKILLs)")  # fmt: skip
    print(f"models/s end to end: {rate:,.0f} over {crawl_seconds:.1f}s of crawling (target >= {TARGET_MODELS_PER_SECOND:,}) "
          f"{'OK' if rate >= TARGET_MODELS_PER_SECOND else 'BELOW TARGET'}")  # fmt: skip
    print(f"collector peak RSS: {peak_mb:,.0f} MB (target < {TARGET_PEAK_RSS_MB:,} MB) "
          f"{'OK' if peak_mb < TARGET_PEAK_RSS_MB else 'ABOVE TARGET'}")  # fmt: skip
    print(f"requests: {requests:,} served {stats['by_status']}, minimum {minimum:,} pages of {PAGE:,} "
          f"(limit {request_limit:,}) {'OK' if requests <= request_limit else 'ABOVE LIMIT'}")  # fmt: skip
    print(f"the real Hub's free-account limit ({limit:,} requests per {window} s) would make these requests take "
          f"at least {(requests - 1) // limit * window / 60:.0f} min, {math.ceil(requests / limit) * window / 60:.0f} min "
          "in whole windows: the physical limit of one account's crawl")  # fmt: skip
    print(f"database: {db} ({db.stat().st_size / 1e6:,.0f} MB); load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores")  # fmt: skip
    ok = exact and rate >= TARGET_MODELS_PER_SECOND and peak_mb < TARGET_PEAK_RSS_MB and requests <= request_limit
    return 0 if ok else 1


def _crawl(db: Path, url: str, kill_at_page: int | None):
    """One crawling process; SIGKILLed once fakehub has served ``kill_at_page`` listing pages."""

    def served() -> int:
        return (
            httpx2.get(f"{url}/_fakehub/stats", timeout=60)
            .json()["by_endpoint"]
            .get("hf.models", {})
            .get("requests", 0)
        )

    begun = time.monotonic()
    crawler = subprocess.Popen([sys.executable, "-c", CRAWL, str(db), url], stdout=subprocess.PIPE, text=True)
    if kill_at_page is not None:
        kill_at_page = max(kill_at_page, served() + 2)  # each killed process gets a page or two in
        while crawler.poll() is None:
            if served() >= kill_at_page:
                os.kill(crawler.pid, signal.SIGKILL)
                break
            time.sleep(0.2)
    _, status, rusage = os.wait4(crawler.pid, 0)
    seconds = time.monotonic() - begun
    output = crawler.stdout.read().strip()
    if os.WIFSIGNALED(status):
        return seconds, rusage, f"killed by signal {os.WTERMSIG(status)} at page {kill_at_page:,}"
    return seconds, rusage, output or f"exited {os.WEXITSTATUS(status)}"


def _digests(db: Path) -> tuple[int, int, str, str]:
    """Counts and sha256 digests of the stored model ids and edges, in SQLite's order."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        ids, edges = hashlib.sha256(), hashlib.sha256()
        n_ids = n_edges = 0
        for (model_id,) in conn.execute("SELECT id FROM models WHERE status = 'ok' ORDER BY id"):
            ids.update(f"{model_id}\n".encode())
            n_ids += 1
        for child, parent, relation in conn.execute(
            "SELECT child, parent, relation FROM model_edges ORDER BY child, parent"
        ):
            edges.update(f"{child}\t{parent}\t{relation}\n".encode())
            n_edges += 1
    finally:
        conn.close()
    return n_ids, n_edges, ids.hexdigest(), edges.hexdigest()


if __name__ == "__main__":
    sys.exit(main())
