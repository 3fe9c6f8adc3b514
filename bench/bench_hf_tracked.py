"""Benchmark: a tracked crawl (authors ``Qwen`` and ``deepseek-ai``, depth 3) against the real
Hub's rules, compared with the crawl that relied on fakehub's permissive mode.

Two fakehubs of the same world (``--scale``, default medium: ~40,000 models) with a 1-second
rate-limit window (the run measures requests, not waits):

- *permissive* (listings expand ``childrenModelCount``/``baseModels``, trending scores stay
  still), crawled by the collector as it was before it met the real Hub's rules (commit
  ``--before``, run from a ``git archive`` of it in a child process);
- *strict* (every real-Hub behaviour on), crawled by today's collector, once as it chooses
  and once forced node by node (``hub_models`` = 10**9).

It prints whether each strict crawl stored the same models and edges as the permissive one,
and each crawl's requests against the minimum of its strategy, computed from the ground truth:

- both: one page per 1,000 models of each author, one ``/api/models/{id}`` per root;
- node by node: per model expanded (every model above the depth limit, each once),
  ``max(1, ceil(children / 1,000))`` pages of ``filter=base_model:{id}``;
- full listing: ``ceil(models on the Hub / 1,000)`` pages.

Target: requests within 1.2x of the chosen strategy's minimum, and the same edges.

    .venv/bin/python bench/bench_hf_tracked.py [--scale medium] [--before 0577a09]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
AUTHORS = ["Qwen", "deepseek-ai"]
DEPTH = 3
PAGE = 1_000
TARGET_RATIO = 1.2
UNCAPPED = 10**9  # no tree may stop at max_children_per_root: the comparison is of whole trees

# Run in the archive of commit --before, which predates the ecometrics.* names: its collector is
# imported by its own name from that tree; the settings are today's (the installed package).
BEFORE = """
import json, sys
from collector.hf import collect_hf
from collector.hf_client import HfClient
from collector.store import Store
from ecometrics.core.config import HuggingFaceConfig
config = HuggingFaceConfig(authors=json.loads(sys.argv[3]), derivative_depth=int(sys.argv[4]),
                           max_children_per_root=int(sys.argv[5]))
result = collect_hf(Store(sys.argv[1]), config, progress=False, client=HfClient(sys.argv[2], token="bench"))
print(json.dumps({"requests": result.requests, "partial": result.partial, "notes": result.notes}))
"""  # keep-import-names


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="medium", choices=["small", "medium", "large"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--before", default="0577a09", help="the commit of the collector that relied on permissive listings"
    )
    args = parser.parse_args()

    from ecometrics.collector.hf import collect_hf
    from ecometrics.collector.hf_client import HfClient
    from ecometrics.collector.store import Store
    from ecometrics.core.config import HuggingFaceConfig
    from ecometrics.fakehub import FakeHub

    workdir = Path(tempfile.mkdtemp(prefix="bench-hf-tracked-"))
    old_tree = workdir / "before"
    old_tree.mkdir()
    archive = subprocess.run(["git", "-C", str(REPO), "archive", args.before, "collector", "jobs"],
                             capture_output=True, check=True).stdout  # fmt: skip
    subprocess.run(["tar", "-x", "-C", str(old_tree)], input=archive, check=True)

    with FakeHub(seed=args.seed, scale=args.scale, hf_permissive=True, hf_window_seconds=1) as permissive:
        truth = permissive.truth()["hf"]
        started = time.monotonic()
        before = subprocess.run(
            [sys.executable, "-c", BEFORE, str(workdir / "before.db"), permissive.url, json.dumps(AUTHORS),
             str(DEPTH), str(UNCAPPED)],
            capture_output=True, text=True, cwd=old_tree, env={**os.environ, "PYTHONPATH": str(old_tree)},
        )  # fmt: skip
        before_seconds = time.monotonic() - started
        if before.returncode:
            print(before.stderr, file=sys.stderr)
            return 1
        before_requests = _hf_requests(permissive.stats())
    minimum = _minimums(truth)
    base = {"before": _rows(workdir / "before.db")}
    print(f"fakehub {args.scale}: {truth['model_count']:,} models; roots {minimum['roots']:,}, "
          f"tree {minimum['tree']:,} models to depth {DEPTH}, {minimum['expanded']:,} of them expanded")  # fmt: skip
    print(f"before (permissive fakehub): {before_requests:,} requests, {len(base['before'][0]):,} models, "
          f"{len(base['before'][1]):,} edges in {before_seconds:.1f}s")  # fmt: skip

    ok = True
    for label, hub_models in (("as chosen", truth["model_count"]), ("node by node", UNCAPPED)):
        with FakeHub(seed=args.seed, scale=args.scale, hf_window_seconds=1) as strict:
            db = workdir / f"{label.replace(' ', '_')}.db"
            config = HuggingFaceConfig(authors=AUTHORS, derivative_depth=DEPTH, max_children_per_root=UNCAPPED,
                                       hub_models=hub_models)  # fmt: skip
            started = time.monotonic()
            result = collect_hf(Store(db), config, progress=False, client=HfClient(strict.url, token="bench"))
            seconds = time.monotonic() - started
            requests = _hf_requests(strict.stats())
        listed = any("read from one full listing" in n or "switched to the full listing" in n for n in result.notes)
        strategy = "full listing" if listed else "node by node"
        floor = minimum["shared"] + (minimum["full listing"] if strategy == "full listing" else minimum["node by node"])
        models, edges = _rows(db)
        same = (models, edges) == base["before"]
        ratio = requests / floor
        ok &= same and ratio <= TARGET_RATIO and not result.partial
        print(f"{label}: {strategy}, {requests:,} requests {result.requests} in {seconds:.1f}s; minimum {floor:,} "
              f"-> {ratio:.3f}x (target <= {TARGET_RATIO}x) {'OK' if ratio <= TARGET_RATIO else 'ABOVE TARGET'}; "
              f"{'the same' if same else 'NOT the same'} {len(models):,} models and {len(edges):,} edges as before")  # fmt: skip
    print(
        f"minimums: node by node {minimum['shared'] + minimum['node by node']:,}, "
        f"full listing {minimum['shared'] + minimum['full listing']:,} (each with {minimum['shared']:,} for the roots)"
    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process (fakehubs and today's collector): {peak_mb:,.0f} MB; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; databases in {workdir}")  # fmt: skip
    return 0 if ok else 1


def _hf_requests(stats: dict) -> int:
    """The Hub API requests fakehub served (the library's own agent-registry lookup left out)."""
    return sum(v["requests"] for k, v in stats["by_endpoint"].items() if k.startswith("hf.") and k != "hf.unknown")


def _minimums(truth: dict) -> dict[str, int]:
    models = truth["models"]
    children: dict[str, list[str]] = {}
    for model in models.values():
        for parent in model["parents"]:
            children.setdefault(parent, []).append(model["id"])
    roots = [m for m, r in models.items() if r["author"] in AUTHORS]
    author_pages = sum(max(1, math.ceil(sum(r["author"] == a for r in models.values()) / PAGE)) for a in AUTHORS)
    seen, level, node_pages, expanded = set(roots), list(roots), 0, 0
    for _ in range(DEPTH):
        node_pages += sum(max(1, math.ceil(len(children.get(m, ())) / PAGE)) for m in level)
        expanded += len(level)
        level = [c for m in level for c in dict.fromkeys(children.get(m, ())) if c not in seen]
        level = list(dict.fromkeys(level))
        seen.update(level)
    return {
        "roots": len(roots),
        "tree": len(seen),
        "expanded": expanded,
        "shared": author_pages + len(roots),
        "node by node": node_pages,
        "full listing": math.ceil(truth["model_count"] / PAGE),
    }


def _rows(db: Path) -> tuple[set, set]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        models = {m for (m,) in conn.execute("SELECT id FROM models WHERE status IN ('ok', 'gated')")}
        edges = set(conn.execute("SELECT child, parent, relation FROM model_edges"))
    finally:
        conn.close()
    return models, edges


if __name__ == "__main__":
    sys.exit(main())
