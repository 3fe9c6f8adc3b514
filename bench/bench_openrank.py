"""Benchmark: one month of global OpenRank on a synthetic bipartite activity graph.

Scale: 1,000,000 developers + repos and 10,000,000 (repo, developer) pairs.
Target: network construction (activity frame -> sparse Wᵀ with the out-weight check)
plus the solve as OpenDigger runs it (X-lab's plugin: per-node convergence at 0.01)
<= 10 s; peak RSS printed. Beside it, on the same network: the every-node rule at 0.01
and the exact fixed point (iterated until no node moves by 1e-9), with the largest
differences between them. Baseline: networkx.pagerank on a 100,000-pair graph, timed
against ecometrics.analysis.openrank.openrank (normalised weights, as pagerank) on the same graph
and against the global build + solve for 100,000 pairs, in the same run.

    .venv/bin/python bench/bench_openrank.py [--pairs N] [--nodes N]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import polars as pl  # noqa: E402

from ecometrics.analysis.openrank import build_network, network_openrank, openrank  # noqa: E402

TARGET_SECONDS = 10.0


def synthetic_pairs(pairs: int, nodes: int, seed: int = 1) -> pl.DataFrame:
    """Exactly ``pairs`` distinct (repo, developer) pairs over exactly ``nodes`` nodes, as an activity frame.

    A tenth of the nodes are repos; every developer has a home repo (so every node
    appears) and the other pairs pick repos with heavy-tailed popularity.
    """
    rng = np.random.default_rng(seed)
    repos = nodes // 10
    developers = nodes - repos
    home = np.arange(developers) % repos
    extra = pairs - developers
    drawn = int(extra * 1.1) + 1000
    developer = rng.integers(0, developers, drawn)
    repo = (rng.pareto(1.2, drawn) * repos / 50).astype(np.int64) % repos
    repo = np.where(repo == home[developer], (repo + 1) % repos, repo)  # never the home pair again
    keys = np.unique(repo * developers + developer)
    keys = keys[rng.choice(len(keys), extra, replace=False)]
    keys = np.concatenate([home * developers + np.arange(developers), keys])
    del developer, repo
    activity = rng.choice([5.252, 9.712, 14.695, 22.235, 40.679], len(keys)) * rng.integers(1, 6, len(keys))
    return pl.DataFrame(
        {"repo_id": keys // developers + 1, "developer_id": keys % developers + 10**8, "activity": activity}
    ).sort("repo_id", "developer_id")


def global_month(frame: pl.DataFrame, inherit: bool = True):
    """What ecometrics.analysis.global_openrank.compute_month does between reading activity and writing values."""
    repos, developers = frame["repo_id"].unique().sort().to_numpy(), frame["developer_id"].unique().sort().to_numpy()
    inherited = {}
    if inherit:  # half the nodes carry a value from an earlier month
        inherited = {
            "inherited_repos": (repos[::2], np.full(len(repos[::2]), 0.7)),
            "inherited_developers": (developers[::2], np.full(len(developers[::2]), 0.3)),
        }
    network = build_network(
        frame["repo_id"].to_numpy(), frame["developer_id"].to_numpy(), frame["activity"].to_numpy(), **inherited
    )
    values = network_openrank(network)
    return network, values


def as_networkx(frame: pl.DataFrame) -> nx.DiGraph:
    G = nx.DiGraph()
    for repo, developer, a in frame.iter_rows():
        G.add_edge(("r", repo), ("u", developer), weight=a)
        G.add_edge(("u", developer), ("r", repo), weight=a)
    nx.set_node_attributes(G, {n: 0.3 if n[0] == "r" else 0.5 for n in G}, "retention")
    nx.set_node_attributes(G, 1.0, "init")
    return G


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=10_000_000)
    parser.add_argument("--nodes", type=int, default=1_000_000)
    parser.add_argument("--small-pairs", type=int, default=100_000)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")

    # Baseline first, so the peak RSS printed at the end is the large run's.
    small = synthetic_pairs(args.small_pairs, args.small_pairs // 5, seed=2)
    G = as_networkx(small)
    started = time.perf_counter()
    nx.pagerank(G, weight="weight")
    pagerank_s = time.perf_counter() - started
    started = time.perf_counter()
    openrank(G, tolerance=1e-6, normalize=True)
    solver_s = time.perf_counter() - started
    started = time.perf_counter()
    global_month(small)
    global_s = time.perf_counter() - started
    print(
        f"{len(small):,} pairs, {len(G):,} nodes: networkx.pagerank {pagerank_s:.3f} s; "
        f"openrank(G) {solver_s:.3f} s ({pagerank_s / solver_s:.1f}x pagerank's speed); "
        f"global build+solve {global_s:.3f} s ({pagerank_s / global_s:.1f}x)"
    )
    del G

    started = time.perf_counter()
    frame = synthetic_pairs(args.pairs, args.nodes)
    print(f"generated {len(frame):,} pairs in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    network = build_network(frame["repo_id"].to_numpy(), frame["developer_id"].to_numpy(), frame["activity"].to_numpy())
    build_s = time.perf_counter() - started
    del network
    started, cpu = time.perf_counter(), time.process_time()
    network, (repo_values, developer_values) = global_month(frame)
    total_s, total_cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"{network.size - 1:,} nodes ({len(network.repo_ids):,} repos, {len(network.developer_ids):,} developers), "
        f"{network.pairs:,} pairs, {network.WT.nnz:,} matrix entries"
    )
    print(
        f"build {build_s:.1f} s; build + solve {total_s:.1f} s ({total_cpu:.1f} s of CPU; load average "
        f"{os.getloadavg()[0]:.1f}), {network.iterations} iterations, "
        f"converged={network.converged} (target <= {TARGET_SECONDS:.0f} s: "
        f"{'met' if total_s <= TARGET_SECONDS else 'NOT met'})"
    )
    print(f"sum of values {repo_values.sum() + developer_values.sum():,.1f}; peak RSS {peak_rss_mb():,.0f} MB")
    plugin = np.concatenate([repo_values, developer_values])
    for label, options in (
        ("every node, 0.01", {"convergence": "all"}),
        ("exact (to 1e-9)", {"convergence": "all", "tolerance": 1e-9, "max_iter": 10_000}),
    ):
        started = time.perf_counter()
        other = np.concatenate(network_openrank(network, **options))
        seconds = time.perf_counter() - started
        gap = np.abs(other - plugin)
        print(
            f"plugin rule vs {label}: {network.iterations} iterations in {seconds:.1f} s; "
            f"largest difference {gap.max():.4f} (median value {np.median(plugin):.4f}), "
            f"mean {gap.mean():.2e}, nodes more than 0.001 apart {(gap > 0.001).sum():,}"
        )
    return 0 if total_s <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
