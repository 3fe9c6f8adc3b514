"""Lineage over hand-built forests in a real SQLite store: counts, bad data, families, influence, exports."""

import json
import logging
import random

import networkx as nx
import numpy as np
import polars as pl
import pytest

from ecometrics.analysis.families import family_definitions, family_months, family_table, origin_table
from ecometrics.analysis.influence import PARAMETERS, InfluenceParameters, influence_values
from ecometrics.analysis.lineage import analyze_lineage, descendant_counts, largest_root, model_table, write_lineage
from ecometrics.analysis.openrank import openrank
from ecometrics.collector.store import Store
from ecometrics.core.config import FamilyConfig
from ecometrics.core.ecosystem import RELATIONS
from ecometrics.core.errors import InputError
from ecometrics.jobs.cli import main


def make_store(tmp_path, edges, *, models=(), downloads=None):
    """edges: (parent, child, relation); models: (id, created_at); downloads: id -> 30-day downloads."""
    store = Store(tmp_path / "lineage.db")
    store.upsert("model_edges", [{"parent": p, "child": c, "relation": r, "source": "hub"} for p, c, r in edges])
    if models:
        store.upsert("models", [{"id": m, "author": m.split("/")[0], "created_at": created} for m, created in models])
    if downloads:
        store.upsert("models", [{"id": m, "author": m.split("/")[0]} for m in downloads], keep_existing=True)
        store.upsert(
            "model_snapshots",
            [
                {"model_id": m, "date": "2025-06-01", "downloads_30d": d, "downloads_all_time": 10 * d, "likes": 1}
                for m, d in downloads.items()
            ],
        )
    return store


def figures(store):
    return {row["model_id"]: row for row in model_table(store).iter_rows(named=True)}


def test_chain_counts_every_level_below(tmp_path):
    store = make_store(tmp_path, [("o/a", "o/b", "finetune"), ("o/b", "o/c", "quantized"), ("o/c", "o/d", "adapter")])
    report = analyze_lineage(store, influence=False)
    rows = figures(store)
    assert report.kept_edges == 3 and not report.self_references and not report.cycles
    assert [rows[m]["direct_derivatives"] for m in ("o/a", "o/b", "o/c", "o/d")] == [1, 1, 1, 0]
    assert [rows[m]["all_derivatives"] for m in ("o/a", "o/b", "o/c", "o/d")] == [3, 2, 1, 0]
    assert [rows[m]["max_depth"] for m in ("o/a", "o/b", "o/c", "o/d")] == [3, 2, 1, 0]
    assert (rows["o/a"]["finetune"], rows["o/b"]["quantized"], rows["o/c"]["adapter"]) == (1, 1, 1)
    assert largest_root(store) == "o/a"


def test_merge_with_two_parents_is_a_derivative_of_both(tmp_path):
    edges = [("x/p1", "x/m", "merge"), ("y/p2", "x/m", "merge"), ("x/m", "x/m-gguf", "quantized")]
    store = make_store(tmp_path, edges, downloads={"x/m": 100, "x/m-gguf": 7})
    report = analyze_lineage(store, influence=False)
    rows = figures(store)
    assert report.merge_models == 1
    for parent in ("x/p1", "y/p2"):
        assert (rows[parent]["direct_derivatives"], rows[parent]["merge"], rows[parent]["all_derivatives"]) == (1, 1, 2)
        assert rows[parent]["descendant_downloads_30d"] == 107
        assert rows[parent]["max_depth"] == 2
    assert rows["x/m"]["parents"] == 2 and rows["x/m"]["all_derivatives"] == 1


def test_diamond_descendant_counts_once(tmp_path):
    # a -> b -> d, a -> c -> d, d -> e: d and e are reachable two ways from a.
    edges = [
        ("o/a", "o/b", "finetune"),
        ("o/a", "o/c", "finetune"),
        ("o/b", "o/d", "merge"),
        ("o/c", "o/d", "merge"),
        ("o/d", "o/e", "quantized"),
    ]
    store = make_store(tmp_path, edges, downloads={"o/b": 1, "o/c": 10, "o/d": 100, "o/e": 1000})
    analyze_lineage(store, influence=False)
    rows = figures(store)
    assert rows["o/a"]["all_derivatives"] == 4  # b, c, d, e -- not 6
    assert rows["o/a"]["descendant_downloads_30d"] == 1111
    assert rows["o/a"]["descendant_downloads_all_time"] == 11110
    assert rows["o/a"]["direct_derivatives"] == 2 and rows["o/a"]["max_depth"] == 3
    assert rows["o/b"]["all_derivatives"] == 2 and rows["o/c"]["all_derivatives"] == 2


def test_self_reference_and_two_node_cycle_are_reported_not_counted(tmp_path, caplog):
    edges = [
        ("o/self", "o/self", "finetune"),
        ("o/self", "o/kid", "finetune"),
        ("o/p", "o/q", "finetune"),
        ("o/q", "o/p", "finetune"),
        ("o/q", "o/r", "quantized"),
        ("o/root", "o/p", "finetune"),
    ]
    store = make_store(tmp_path, edges)
    caplog.set_level(logging.INFO, logger="ecometrics.analysis.lineage")
    report = analyze_lineage(store, influence=False, verbose=True)
    rows = figures(store)
    assert report.self_references == ["o/self"]
    assert report.cycles == [["o/p", "o/q"]]
    assert report.kept_edges == 3
    assert (rows["o/self"]["direct_derivatives"], rows["o/self"]["all_derivatives"]) == (1, 1)
    assert (rows["o/p"]["all_derivatives"], rows["o/q"]["all_derivatives"]) == (0, 1)
    assert rows["o/root"]["all_derivatives"] == 1  # p only: the cycle is not followed
    assert "1 self-references and 1 cycles left out" in caplog.text
    assert "self-reference: o/self" in caplog.text and "cycle: o/p <-> o/q" in caplog.text


def test_counts_match_networkx_on_random_graphs_with_merges_and_cycles():
    for seed in range(40):
        rng = random.Random(seed)
        n = rng.randint(2, 30)
        edges = sorted({(rng.randrange(n), rng.randrange(n)) for _ in range(rng.randint(1, 45))})
        edges = [(min(a, b), max(a, b)) if rng.random() < 0.9 else (a, b) for a, b in edges]
        parent, child = np.array(edges).T
        counts = descendant_counts(n, parent, child)
        graph = nx.DiGraph(edges)
        graph.add_nodes_from(range(n))
        component = {v: i for i, scc in enumerate(nx.strongly_connected_components(graph)) for v in scc}
        dag = nx.DiGraph([(a, b) for a, b in edges if component[a] != component[b]])
        dag.add_nodes_from(range(n))
        assert counts.descendants.tolist() == [len(nx.descendants(dag, v)) for v in range(n)], seed
        assert counts.direct.tolist() == [dag.out_degree(v) for v in range(n)], seed


def test_families_follow_root_ancestors_and_config_overrides(tmp_path):
    edges = [
        ("Qwen/Qwen2-7B", "someone/qwen-chat", "finetune"),
        ("someone/qwen-chat", "someone/qwen-chat-gguf", "quantized"),
        ("meta-llama/Llama-3-8B", "mixer/llama-qwen", "merge"),
        ("someone/qwen-chat", "mixer/llama-qwen", "merge"),
        ("acme-lab/base", "fan/acme-tune", "finetune"),
        ("indie/base", "fan/indie-tune", "adapter"),
    ]
    models = [
        ("someone/qwen-chat", "2025-01-10T00:00:00Z"),
        ("someone/qwen-chat-gguf", "2025-02-03T00:00:00Z"),
        ("mixer/llama-qwen", "2025-02-20T00:00:00Z"),
        ("Qwen/Qwen2-7B", "2024-06-01T00:00:00Z"),
        ("indie/base", "2024-09-01T00:00:00Z"),  # collected: an organisation outside the table founds its family
    ]
    store = make_store(tmp_path, edges, models=models, downloads={"Qwen/Qwen2-7B": 50, "someone/qwen-chat-gguf": 5})
    analyze_lineage(store, families={"Acme": FamilyConfig(authors=["ACME-lab"], origin="DE")}, influence=False)
    rows = figures(store)
    assert (rows["someone/qwen-chat-gguf"]["family"], rows["someone/qwen-chat-gguf"]["origin"]) == ("Qwen", "CN")
    assert (rows["mixer/llama-qwen"]["family"], rows["mixer/llama-qwen"]["origin"]) == ("Llama+Qwen", "CN+US")
    assert (rows["fan/acme-tune"]["family"], rows["fan/acme-tune"]["origin"]) == ("Acme", "DE")
    assert (rows["fan/indie-tune"]["family"], rows["fan/indie-tune"]["origin"]) == ("indie", None)

    families = {row["family"]: row for row in family_table(store).iter_rows(named=True)}
    qwen = families["Qwen"]
    assert (qwen["origin"], qwen["models"], qwen["root_models"], qwen["derivatives"]) == ("CN", 4, 1, 3)
    assert (qwen["finetune"], qwen["quantized"], qwen["merge"]) == (1, 1, 1)
    assert qwen["downloads_30d"] == 55
    assert families["Llama"]["derivatives"] == 1  # the cross-family merge counts in both families
    origins = {row["origin"]: row for row in origin_table(store).iter_rows(named=True)}
    assert origins["CN"]["derivatives"] == 3 and origins["US"]["derivatives"] == 1 and origins["DE"]["models"] == 2

    months = family_months(store).filter(pl.col("family") == "Qwen")
    assert dict(zip(months["month"], months["derivatives"], strict=True)) == {"2025-01": 1, "2025-02": 2}
    assert family_months(store, month="2025-01")["derivatives"].to_list() == [1]


def test_family_overrides_move_authors_out_of_builtin_families():
    overrides = {"Qwen": FamilyConfig(origin="XX"), "Alibaba": FamilyConfig(authors=["qwen"])}
    table = {f.name: f for f in family_definitions(overrides)}
    assert table["Qwen"].origin == "XX" and "Qwen" not in table["Qwen"].authors
    assert table["Alibaba"].authors == ("qwen",) and table["Alibaba"].origin is None
    assert table["Llama"].authors == ("meta-llama",) and table["Llama"].source == "builtin"


def test_influence_flows_from_derivatives_to_their_base(tmp_path):
    edges = [
        ("lab/base", "fan/tune", "finetune"),
        ("lab/base", "fan/gguf", "quantized"),
        ("lab/other", "x/solo", "merge"),
    ]
    downloads = {"lab/base": 100, "fan/tune": 300, "fan/gguf": 200, "lab/other": 100, "x/solo": 0}
    store = make_store(tmp_path, edges, downloads=downloads)
    report = analyze_lineage(store)
    values = dict(store.conn.execute("SELECT model_id, value FROM model_influence").fetchall())
    assert report.influence_models == 5 and set(values) == set(downloads)
    r, w = PARAMETERS.retention, PARAMETERS.relation_weights
    mean = sum(downloads.values()) / len(downloads)
    tune, gguf = r * 300 / mean, r * 200 / mean
    assert values["fan/tune"] == pytest.approx(tune, rel=1e-6)
    assert values["lab/base"] == pytest.approx(
        r * 100 / mean + (1 - r) * (w["finetune"] * tune + w["quantized"] * gguf), rel=1e-6
    )
    assert values["lab/base"] > values["lab/other"]
    assert figures(store)["lab/base"]["influence"] == pytest.approx(values["lab/base"])
    families = {row["family"]: row for row in family_table(store).iter_rows(named=True)}
    assert families["lab"]["influence"] == pytest.approx(values["lab/base"] + values["lab/other"])


def networkx_influence(kept, downloads, parameters):
    """Influence as first built: a DiGraph child -> parent plus an uncredited sink, solved by openrank(G)."""
    nodes = set(downloads) | {p for p, _, _ in kept} | {c for _, c, _ in kept}
    mean = sum(downloads.values()) / len(nodes)
    graph = nx.DiGraph()
    graph.add_nodes_from(
        (m, {"init": downloads.get(m, 0.0) / mean if mean else 0.0, "retention": parameters.retention}) for m in nodes
    )
    n_parents = {c: sum(1 for _, other, _ in kept if other == c) for _, c, _ in kept}
    for p, c, relation in kept:
        graph.add_edge(c, p, weight=parameters.relation_weights[relation] / n_parents[c])
    sink = ("uncredited",)
    graph.add_node(sink, init=0.0, retention=1.0)
    for c in n_parents:
        rest = 1.0 - sum(w for _, _, w in graph.out_edges(c, data="weight"))
        if rest > 0:
            graph.add_edge(c, sink, weight=rest)
    # normalize: out-weights divided by their sum, as influence does (openrank() takes them as given by default);
    # every node iterated until all are still, as influence does (openrank()'s default freezes each node, as X-lab's plugin)
    values = openrank(
        graph, tolerance=parameters.tolerance, max_iter=parameters.max_iter, normalize=True, convergence="all"
    )
    values.pop(sink)
    return values


def random_lineage(rng, n):
    """Edges over models m/0..m/n-1 with merges, a self-reference and a three-model cycle."""
    edges = {}
    for c in range(1, n):
        if rng.random() < 0.2:
            for p in rng.sample(range(c), min(c, rng.randint(2, 3))):
                edges[(p, c)] = "merge"
        elif rng.random() < 0.8:
            edges[(rng.randrange(c), c)] = rng.choice(["finetune", "adapter", "quantized"])
    loop = rng.randrange(n)
    edges[(loop, loop)] = "finetune"
    a, b, c = rng.sample(range(n), 3)
    edges.update({(a, b): "finetune", (b, c): "quantized", (c, a): "merge"})
    return [(f"m/{p}", f"m/{c}", r) for (p, c), r in edges.items()]


def test_influence_equals_openrank_on_the_networkx_graph(tmp_path):
    for seed in range(8):
        rng = random.Random(seed)
        n = rng.randint(6, 40)
        edges = random_lineage(rng, n)
        # Latest snapshots: most models, some without a downloads figure; an older snapshot is ignored.
        latest = {f"m/{i}": rng.choice([None, 0, rng.randint(1, 10_000)]) for i in range(n) if rng.random() < 0.8}
        (tmp_path / str(seed)).mkdir()
        store = make_store(tmp_path / str(seed), edges, models=[(f"m/{i}", None) for i in range(n + 2)])
        store.upsert(
            "model_snapshots", [{"model_id": m, "date": "2025-06-01", "downloads_30d": d} for m, d in latest.items()]
        )
        store.upsert("model_snapshots", [{"model_id": m, "date": "2025-05-01", "downloads_30d": 7} for m in latest])
        report = analyze_lineage(store)
        stored = dict(store.conn.execute("SELECT model_id, value FROM model_influence").fetchall())

        graph = nx.DiGraph((p, c) for p, c, _ in edges if p != c)
        component = {m: i for i, scc in enumerate(nx.strongly_connected_components(graph)) for m in scc}
        kept = [(p, c, r) for p, c, r in edges if p != c and component[p] != component[c]]
        # the self-reference and the cycle's edges are left out, as the analysis reports
        assert report.kept_edges == len(kept) and report.self_references and report.cycles, seed
        downloads = {m: float(d or 0) for m, d in latest.items()}
        expected = networkx_influence(kept, downloads, PARAMETERS)
        assert set(stored) == set(expected), seed
        assert max(abs(stored[m] - expected[m]) for m in expected) <= 1e-9, seed

        # Relation weights above 1 make a merge pass on more than it has: divided by the sum, as openrank(G) does.
        heavy = InfluenceParameters(relation_weights={"finetune": 0.3, "adapter": 1.0, "quantized": 2.0, "merge": 1.7})
        index = {f"m/{i}": i for i in range(n)}
        values = influence_values(
            n,
            np.array([index[p] for p, _, _ in kept], dtype=np.int64),
            np.array([index[c] for _, c, _ in kept], dtype=np.int64),
            np.array([RELATIONS.index(r) for _, _, r in kept], dtype=np.int64),
            np.array([downloads.get(f"m/{i}", np.nan) for i in range(n)]),
            heavy,
        )
        expected = networkx_influence(kept, downloads, heavy)
        assert {f"m/{i}" for i in np.flatnonzero(~np.isnan(values))} == set(expected), seed
        assert max(abs(values[index[m]] - expected[m]) for m in expected) <= 1e-9, seed


def test_export_models_json_and_lineage_graphs_from_the_command_line(tmp_path, capsys):
    edges = [
        ("Qwen/Qwen3-8B", "a/tune", "finetune"),
        ("a/tune", "a/tune-gguf", "quantized"),
        ("a/tune", "b/merge", "merge"),
        ("other/base", "b/merge", "merge"),
        ("other/base", "c/unrelated", "finetune"),
    ]
    store = make_store(
        tmp_path, edges, models=[("a/tune", "2025-03-01T12:00:00Z")], downloads={"Qwen/Qwen3-8B": 1000, "a/tune": 10}
    )
    store.close()
    db = str(tmp_path / "lineage.db")
    assert main(["--db", db, "analyze", "lineage", "--verbose"]) == 0
    assert main(["--db", db, "export", "models", "--format", "json", "--out", str(tmp_path / "models.json")]) == 0
    rows = json.loads((tmp_path / "models.json").read_text())
    required = {
        "model_id",
        "author",
        "family",
        "origin",
        "downloads_30d",
        "downloads_all_time",
        "likes",
        "direct_derivatives",
        "finetune",
        "adapter",
        "quantized",
        "merge",
        "all_derivatives",
        "max_depth",
        "influence",
    }
    assert required <= set(rows[0])
    # most derived first, one definition everywhere: Qwen3-8B has 3 derivatives at any depth
    # (a/tune, a/tune-gguf, b/merge) but 1 direct one; a/tune and other/base have 2 of each
    assert [(row["model_id"], row["all_derivatives"], row["direct_derivatives"]) for row in rows[:3]] == [
        ("Qwen/Qwen3-8B", 3, 1),
        ("a/tune", 2, 2),
        ("other/base", 2, 2),
    ]
    qwen = next(row for row in rows if row["model_id"] == "Qwen/Qwen3-8B")
    assert (qwen["all_derivatives"], qwen["downloads_30d"], qwen["family"], qwen["origin"]) == (3, 1000, "Qwen", "CN")

    for fmt, read in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):
        out = tmp_path / f"tree.{fmt}"
        assert (
            main(["--db", db, "export", "lineage", "--root", "Qwen/Qwen3-8B", "--format", fmt, "--out", str(out)]) == 0
        )
        graph = read(out)
        assert set(graph.nodes) == {"Qwen/Qwen3-8B", "a/tune", "a/tune-gguf", "b/merge"}
        assert graph.edges["a/tune", "a/tune-gguf"]["relation"] == "quantized"
        assert graph.nodes["a/tune"]["created_at"] == "2025-03-01T12:00:00Z"  # UTC, said with Z
    graphml = nx.read_graphml(tmp_path / "tree.graphml")
    assert (graphml.nodes["a/tune"]["parents"], graphml.nodes["b/merge"]["parents"]) == (1, 2)  # as in CSV
    influence = graphml.nodes["Qwen/Qwen3-8B"]["influence"]
    assert influence == round(influence, 3)  # rounded as in the tables
    capsys.readouterr()
    assert main(["--db", db, "export", "lineage", "--root", "a/tune", "--format", "json"]) == 0
    tree = json.loads(capsys.readouterr().out)
    assert {node["id"] for node in tree["nodes"]} == {"a/tune", "a/tune-gguf", "b/merge"}
    assert next(n for n in tree["nodes"] if n["id"] == "a/tune")["all_derivatives"] == 2
    # each edge keeps its parent, child, relation and source, as the CSV edge list does
    assert {(e["parent"], e["child"], e["relation"], e["source"]) for e in tree["edges"]} == {
        ("a/tune", "a/tune-gguf", "quantized", "hub"),
        ("a/tune", "b/merge", "merge", "hub"),
    }

    assert main(["--db", db, "export", "lineage", "--root", "nobody/nothing", "--format", "json"]) == 2
    assert "nobody/nothing" in capsys.readouterr().err
    assert main(["--db", db, "export", "lineage", "--format", "json"]) == 2
    assert "--root" in capsys.readouterr().err


def test_write_lineage_rejects_table_formats(tmp_path):
    store = make_store(tmp_path, [("o/a", "o/b", "finetune")])
    analyze_lineage(store, influence=False)
    with pytest.raises(InputError, match="graph format"):
        write_lineage(store, "o/a", "md", tmp_path / "x.md")


def test_models_collected_after_the_analysis_are_listed_without_figures(tmp_path):
    store = make_store(tmp_path, [("o/a", "o/b", "finetune")])
    analyze_lineage(store, influence=False)
    store.upsert("models", [{"id": "late/model", "author": "late"}])
    rows = figures(store)
    assert rows["late/model"]["all_derivatives"] is None and rows["o/a"]["all_derivatives"] == 1
    assert list(model_table(store)["model_id"])[-1] == "late/model"
    assert "late" not in set(family_table(store)["family"])


def test_an_empty_store_and_models_without_edges_are_analysed(tmp_path):
    empty = Store(tmp_path / "empty.db")
    report = analyze_lineage(empty)
    assert (report.models, report.edges, report.rows_written) == (0, 0, 0)
    assert model_table(empty).is_empty()

    store = make_store(tmp_path, [], models=[("o/a", "2025-01-01"), ("o/b", "2025-02-01")], downloads={"o/a": 5})
    report = analyze_lineage(store)
    rows = figures(store)
    assert (report.models, report.kept_edges) == (2, 0)
    assert [
        (rows[m]["direct_derivatives"], rows[m]["all_derivatives"], rows[m]["max_depth"]) for m in ("o/a", "o/b")
    ] == [
        (0, 0, 0),
        (0, 0, 0),
    ]
    assert largest_root(store) is None


def test_stored_edges_reads_the_store_not_a_csv(tmp_path):
    import ecometrics.analysis.lineage as lineage

    store = make_store(tmp_path, [("o/a", "o/b", "adapter")])
    assert lineage.stored_edges(store).rows() == [("o/a", "o/b", "adapter", "hub")]
    assert not hasattr(lineage, "read_edges")  # that name is ecometrics.collector.edges' CSV reader
