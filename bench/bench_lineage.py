"""Benchmark: lineage build + per-model derivative counts on a Hub-sized graph.

Target (issue 8): on a generated lineage shaped like the Hugging Face Hub -- 2,000,000
models, 1,500,000 edges, heavy-tailed fan-out, mostly trees, some merges, a few
self-references and two-node cycles -- building the graph from model ids and computing
every model's direct/all derivatives, max depth and descendant downloads takes
<= 60 s. Prints the seconds per stage, the total against the target, and peak RSS.

    .venv/bin/python bench/bench_lineage.py                 # arrays: ids -> counts
    .venv/bin/python bench/bench_lineage.py --store         # also through SQLite: analyze_lineage
    .venv/bin/python bench/bench_lineage.py --store --influence   # ... and model influence (timed apart)
    .venv/bin/python bench/bench_lineage.py --models 200000 --edges 150000   # a quick run

The generator: model i takes its parents among models 0..i-1 with probability
proportional to a Pareto "attractiveness" (base models are far more attractive than
derivatives, as on the Hub, so most lineages are one or two levels deep); 6% of the
derived models are merges of 2-4 parents; single-parent relations are drawn so that the
overall mix is close to the Hub's (~45% finetune, ~39% quantized, ~15% merge, ~1% adapter).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ecometrics.analysis.lineage import descendant_counts, lineage_graph  # noqa: E402
from ecometrics.core.ecosystem import RELATIONS  # noqa: E402

TARGET_SECONDS = 60.0


def generate(n_models: int, n_edges: int, seed: int = 8) -> tuple[pl.DataFrame, np.ndarray]:
    """Hub-shaped lineage edges (parent, child, relation as model ids) and 30-day downloads."""
    rng = np.random.default_rng(seed)
    merge_share, mean_merge_parents = 0.06, 3.0
    n_derived = int(n_edges / (1 - merge_share + merge_share * mean_merge_parents))
    derived = np.sort(rng.choice(np.arange(1, n_models), size=n_derived, replace=False))
    is_derived = np.zeros(n_models, bool)
    is_derived[derived] = True
    attractiveness = rng.pareto(1.1, n_models) + 1e-3
    attractiveness[is_derived] *= 0.1
    cumulative = np.cumsum(attractiveness)

    merges = rng.random(n_derived) < merge_share
    fan_in = np.where(merges, rng.integers(2, 5, n_derived), 1)
    child = np.repeat(derived, fan_in)
    parent = np.searchsorted(cumulative, rng.random(len(child)) * cumulative[child - 1], side="right")
    parent = np.minimum(parent, child - 1)
    relation = np.where(
        np.repeat(merges, fan_in),
        RELATIONS.index("merge"),
        rng.choice([0, 1, 2], size=len(child), p=[0.53, 0.012, 0.458]),  # finetune, adapter, quantized
    )
    # Bad data the Hub really has: models naming themselves as base, and two-node cycles.
    loops = rng.choice(derived, 50, replace=False)
    back = rng.choice(len(child), 20, replace=False)
    parent = np.concatenate([parent, loops, child[back]])
    child = np.concatenate([child, loops, parent[back]])
    relation = np.concatenate([relation, np.zeros(70, relation.dtype)])

    frame = pl.DataFrame({"parent": parent, "child": child, "relation": relation}).unique(
        ["parent", "child"], keep="first", maintain_order=True
    )
    ids = pl.Series("id", [f"org{i % 50_000}/model-{i}" for i in range(n_models)])
    edges = frame.select(
        parent=ids.gather(frame["parent"]),
        child=ids.gather(frame["child"]),
        relation=pl.Series(list(RELATIONS)).gather(frame["relation"]),
    )
    downloads = np.floor(rng.pareto(1.0, n_models) * 10).astype(np.int64)
    return edges, downloads


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_arrays(edges: pl.DataFrame, downloads: np.ndarray) -> dict[str, float]:
    times = {}
    start = time.perf_counter()
    names = pl.concat([edges["parent"], edges["child"]]).unique(maintain_order=True)
    index = pl.DataFrame({"model_id": names, "node": pl.int_range(len(names), eager=True, dtype=pl.Int64)})
    parent = edges["parent"].replace_strict(index["model_id"], index["node"]).to_numpy()
    child = edges["child"].replace_strict(index["model_id"], index["node"]).to_numpy()
    relation = edges["relation"].replace_strict(list(RELATIONS), list(range(4)), return_dtype=pl.Int8).to_numpy()
    node_downloads = downloads[names.str.split("-").list.last().cast(pl.Int64).to_numpy()]
    times["build (ids -> integer graph)"] = time.perf_counter() - start

    start = time.perf_counter()
    counts = descendant_counts(len(names), parent, child, relation, node_downloads[:, None])
    times["counts (every node)"] = time.perf_counter() - start

    print(
        f"  nodes in lineage {len(names):,}; merges {len(counts.merge_nodes):,}; "
        f"self-references {len(counts.self_references)}; cycles {len(counts.cycles)}; "
        f"deepest level {int(counts.level.max())}; most direct derivatives {int(counts.direct.max()):,}; "
        f"most derivatives {int(counts.descendants.max()):,}; "
        f"sum of all derivatives {int(counts.descendants.sum()):,}"
    )
    return times


def run_store(edges: pl.DataFrame, downloads: np.ndarray, *, influence: bool) -> dict[str, float]:
    import ecometrics.analysis.influence
    from ecometrics.analysis.lineage import analyze_lineage
    from ecometrics.collector.store import Store

    times = {}
    compute_influence, influence_seconds = ecometrics.analysis.influence.compute_influence, []

    def timed_influence(*args, **kwargs):  # analyze_lineage imports it when called: time its share
        start = time.perf_counter()
        try:
            return compute_influence(*args, **kwargs)
        finally:
            influence_seconds.append(time.perf_counter() - start)

    ecometrics.analysis.influence.compute_influence = timed_influence
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.db")
        start = time.perf_counter()
        nodes = pl.concat([edges["parent"], edges["child"]]).unique()
        number = nodes.str.split("-").list.last().cast(pl.Int64).to_numpy()
        with store.transaction():
            store.conn.executemany(
                "INSERT INTO model_edges (parent, child, relation, source) VALUES (?, ?, ?, 'import')",
                edges.iter_rows(),
            )
            store.conn.executemany(
                "INSERT INTO models (id, author) VALUES (?, ?)", ((m, m.split("/")[0]) for m in nodes)
            )
            store.conn.executemany(
                "INSERT INTO model_snapshots (model_id, date, downloads_30d, downloads_all_time) VALUES (?, ?, ?, ?)",
                ((m, "2025-06-01", d, 12 * d) for m, d in zip(nodes, downloads[number].tolist(), strict=True)),
            )
        times["(setup) write edges, models, snapshots to SQLite"] = time.perf_counter() - start
        start = time.perf_counter()
        report = analyze_lineage(store, influence=influence)
        stage = "analyze_lineage (read, count, families, persist" + (", influence)" if influence else ")")
        times[stage] = time.perf_counter() - start
        if influence_seconds:
            times["  of which influence (compute_influence)"] = influence_seconds[0]
        ecometrics.analysis.influence.compute_influence = compute_influence
        print("  " + report.lines()[0])
        store.close()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=2_000_000)
    parser.add_argument("--edges", type=int, default=1_500_000)
    parser.add_argument("--store", action="store_true", help="also run analyze_lineage over a SQLite store")
    parser.add_argument("--influence", action="store_true", help="with --store: also solve model influence")
    parser.add_argument("--networkx", action="store_true", help="also time building the networkx DiGraph")
    args = parser.parse_args()

    start = time.perf_counter()
    edges, downloads = generate(args.models, args.edges)
    print(f"generated {args.models:,} models, {len(edges):,} edges in {time.perf_counter() - start:.1f} s")

    times = run_arrays(edges, downloads)
    for stage, seconds in times.items():
        print(f"  {stage:<50} {seconds:7.2f} s")
    total = sum(times.values())
    verdict = "within" if total <= TARGET_SECONDS else "OVER"
    print(
        f"build + counts: {total:.2f} s ({verdict} the {TARGET_SECONDS:.0f} s target); peak RSS {peak_rss_mb():,.0f} MB"
    )

    if args.networkx:
        start = time.perf_counter()
        graph = lineage_graph(edges)
        print(f"  networkx DiGraph ({graph.number_of_nodes():,} nodes): {time.perf_counter() - start:.2f} s")
        del graph
    if args.store:
        for stage, seconds in run_store(edges, downloads, influence=args.influence).items():
            print(f"  {stage:<50} {seconds:7.2f} s")
    print(f"peak RSS {peak_rss_mb():,.0f} MB")
    return 0 if total <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
