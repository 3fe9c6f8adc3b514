"""OpenRank: the generic solver against its closed form, and global OpenRank over three months.

Expected values are derived here from the definition (SPEC 6.2) with dense numpy and
plain Python, independently of the sparse construction in ecometrics.analysis.openrank.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import polars as pl
import pytest
from test_activity import (  # the published weights, written out by hand
    ISSUE_CLOSED,
    ISSUE_COMMENT,
    ISSUE_OPENED,
    PR_OPENED,
    PUSH,
    REVIEW_COMMENT,
)

from ecometrics.analysis.global_openrank import compute_global_openrank, developers_table, openrank_table
from ecometrics.analysis.openrank import build_network, openrank
from ecometrics.collector.store import Store

# -- the solver -------------------------------------------------------------------------


def closed_form(G: nx.DiGraph, *, normalize: bool = False) -> dict:
    """x = (I - (I - R) Wᵀ)⁻¹ R i, with the weights as given or each node's out-weights normalised to 1."""
    nodes = list(G)
    W = nx.to_numpy_array(G, nodelist=nodes, weight="weight")
    if normalize:
        sums = W.sum(axis=1, keepdims=True)
        W = np.divide(W, sums, out=np.zeros_like(W), where=sums > 0)
    i = np.array([G.nodes[n]["init"] for n in nodes])
    R = np.diag([G.nodes[n]["retention"] for n in nodes])
    x = np.linalg.solve(np.eye(len(nodes)) - (np.eye(len(nodes)) - R) @ W.T, R @ i)
    return dict(zip(nodes, x, strict=True))


def pregel(G: nx.DiGraph, tolerance: float, max_iterations: int) -> dict:
    """OpenRankPregel.java's compute/masterCompute, node by node in plain Python.

    Superstep 0 sends the initial values; later supersteps update the nodes not yet
    converged from the messages of the previous one, and mark a node converged when it
    moved by less than the tolerance; the run ends when all are converged.
    """
    value = {n: G.nodes[n].get("init", 1.0) for n in G}
    converged = {n: False for n in G}
    for _superstep in range(1, max_iterations):
        messages = {n: 0.0 for n in G}
        for m, n, w in G.edges(data="weight", default=1.0):
            messages[n] += value[m] * w
        new = dict(value)
        for n in G:
            if not converged[n]:
                r = G.nodes[n].get("retention", 0.15)
                new[n] = r * G.nodes[n].get("init", 1.0) + (1 - r) * messages[n]
                converged[n] = abs(new[n] - value[n]) < tolerance
        value = new
        if all(converged.values()):
            break
    return value


def random_graph(seed: int, n: int = 30, p: float = 0.15, *, substochastic: bool = False) -> nx.DiGraph:
    """Random weights; ``substochastic``: each node's out-weights sum to between 0.5 and 1."""
    rng = np.random.default_rng(seed)
    G = nx.gnp_random_graph(n, p, seed=seed, directed=True)
    for m, k in G.edges:
        G.edges[m, k]["weight"] = float(rng.uniform(0.1, 5.0))  # not normalised
    if substochastic:
        for m in G:
            total = sum(w for _, _, w in G.out_edges(m, data="weight"))
            share = rng.uniform(0.5, 1.0)
            for _, k in G.out_edges(m):
                G.edges[m, k]["weight"] *= share / total
    for k in G:
        G.nodes[k]["init"] = float(rng.uniform(0, 3))
        G.nodes[k]["retention"] = float(rng.uniform(0.1, 0.9))
    return G


# X-lab's own test graph (openrank-neo4j-gds, src/test/java/gds/openrank/PageRankPregelAlgoTest.java
# lines 20-43): u2's and r2's out-weights sum to 0.9; its expected values (lines 74-80), to 1e-3.
PLUGIN_NODES = {
    "u1": (0.5, 1.0),
    "u2": (0.5, 1.5),
    "u3": (0.5, 0.5),
    "r1": (0.3, 0.3),
    "r2": (0.3, 0.7),
    "r3": (0.3, 2.0),
}
PLUGIN_EDGES = [
    ("u1", "u2", 0.05),
    ("u1", "u3", 0.05),
    ("u3", "u2", 0.1),
    ("r1", "r2", 0.1),
    ("r3", "r2", 0.1),
    ("u1", "r1", 0.27),
    ("r1", "u1", 0.9),
    ("u1", "r3", 0.63),
    ("r3", "u1", 0.63),
    ("u2", "r2", 0.54),
    ("r2", "u2", 0.54),
    ("u2", "r3", 0.36),
    ("r3", "u2", 0.27),
    ("u3", "r2", 0.9),
    ("r2", "u3", 0.36),
]
PLUGIN_EXPECTED = {"u1": 1.072, "u2": 1.291, "u3": 0.478, "r1": 0.293, "r2": 1.118, "r3": 1.398}


def plugin_graph() -> nx.DiGraph:
    G = nx.DiGraph()
    for node, (r, i) in PLUGIN_NODES.items():
        G.add_node(node, retention=r, init=i)
    G.add_weighted_edges_from(PLUGIN_EDGES)
    return G


def test_the_plugins_own_test_graph_gives_the_plugins_values():
    G = plugin_graph()
    assert sum(w for _, _, w in G.out_edges("u2", data="weight")) == pytest.approx(0.9)
    for options in ({}, {"convergence": "all"}, {"method": "direct"}):
        x = openrank(G, tolerance=1e-4, max_iter=30, **options)
        assert x == pytest.approx(PLUGIN_EXPECTED, abs=1e-3)
    assert openrank(G, tolerance=1e-4, max_iter=30) == pytest.approx(pregel(G, 1e-4, 30), abs=1e-12)
    # Normalising the out-weights answers another graph: up to 0.12 away.
    normalised = openrank(G, tolerance=1e-4, max_iter=30, normalize=True)
    assert max(abs(normalised[n] - PLUGIN_EXPECTED[n]) for n in G) > 0.1
    assert normalised == pytest.approx(closed_form(G, normalize=True), abs=1e-3)


def test_two_nodes_by_hand():
    # x_a = 0.5·1 + 0.5·x_b, x_b = 0.5·0 + 0.5·x_a  =>  x_a = 2/3, x_b = 1/3
    G = nx.DiGraph([("a", "b"), ("b", "a")])
    nx.set_node_attributes(G, {"a": 1.0, "b": 0.0}, "init")
    nx.set_node_attributes(G, 0.5, "retention")
    for convergence in ("node", "all"):
        x = openrank(G, tolerance=1e-12, max_iter=200, convergence=convergence)
        assert x["a"] == pytest.approx(2 / 3, abs=1e-10)
        assert x["b"] == pytest.approx(1 / 3, abs=1e-10)


def test_per_node_convergence_freezes_a_node_as_the_plugin_does():
    # Superstep 1: x_a = 0.5·1 + 0.5·x_b(0) = 0.5 (moved 0.5); x_b = 0.5·0 + 0.5·x_a(1) = 0.5 (moved 0.5).
    # Superstep 2: x_a = 0.5 + 0.25 = 0.75 (moved 0.25 < 0.3: frozen); x_b = 0.25 (moved 0.25: frozen).
    G = nx.DiGraph([("a", "b"), ("b", "a")])
    nx.set_node_attributes(G, {"a": 1.0, "b": 0.0}, "init")
    nx.set_node_attributes(G, 0.5, "retention")
    assert openrank(G, tolerance=0.3) == pytest.approx({"a": 0.75, "b": 0.25})
    # "all" stops at the same superstep here, both moved by less than 0.3 together
    assert openrank(G, tolerance=0.3, convergence="all") == pytest.approx({"a": 0.75, "b": 0.25})
    H = nx.DiGraph([("a", "b")])  # b's first update equals its start: the plugin freezes it at once
    nx.set_node_attributes(H, {"a": 1.0, "b": 1.0}, "init")
    nx.set_node_attributes(H, 0.15, "retention")
    H.edges["a", "b"]["weight"] = 1.0
    # superstep 1: x_a = 0.15 (moved 0.85); x_b = 0.15 + 0.85·1 = 1.0 (moved 0: frozen for good)
    assert openrank(H, tolerance=1e-9)["b"] == pytest.approx(1.0)
    assert pregel(H, 1e-9, 100)["b"] == pytest.approx(1.0)
    # every node until all are still: b reaches the fixed point 0.15 + 0.85·0.15
    assert openrank(H, tolerance=1e-9, convergence="all")["b"] == pytest.approx(0.15 + 0.85 * 0.15)
    assert openrank(H, method="direct")["b"] == pytest.approx(0.15 + 0.85 * 0.15)


def test_weighted_star_with_a_sink_matches_closed_form():
    G = nx.DiGraph()
    G.add_weighted_edges_from([("hub", "a", 0.6), ("hub", "b", 0.2), ("a", "hub", 1.0), ("b", "sink", 0.5)])
    nx.set_node_attributes(G, {"hub": 2.0, "a": 0.0, "b": 1.0, "sink": 0.5}, "init")
    nx.set_node_attributes(G, {"hub": 0.3, "a": 0.5, "b": 0.15, "sink": 1.0}, "retention")
    for normalize in (False, True):
        expected = closed_form(G, normalize=normalize)
        for options in ({"convergence": "node"}, {"convergence": "all"}, {"method": "direct"}):
            x = openrank(G, tolerance=1e-12, max_iter=500, normalize=normalize, **options)
            assert x == pytest.approx(expected, abs=1e-9)
        # full retention keeps the initial value; the sink passes nothing on
        assert expected["sink"] == pytest.approx(0.5)
    # hub passes on 0.8 of its value as given, all of it normalised: the two differ
    assert closed_form(G)["a"] < closed_form(G, normalize=True)["a"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_graphs_iterative_and_direct_agree_with_closed_form(seed):
    for G, normalize in ((random_graph(seed, substochastic=True), False), (random_graph(seed), True)):
        expected = closed_form(G, normalize=normalize)
        direct = openrank(G, method="direct", normalize=normalize)
        assert direct == pytest.approx(expected, abs=1e-9)
        for convergence in ("node", "all"):
            iterative = openrank(G, tolerance=1e-11, max_iter=2000, normalize=normalize, convergence=convergence)
            assert iterative == pytest.approx(expected, abs=1e-8)
        plugin = openrank(G, tolerance=0.01, max_iter=100, normalize=normalize)
        if not normalize:
            assert plugin == pytest.approx(pregel(G, 0.01, 100), abs=1e-12)


def test_default_attributes_follow_the_plugin():
    G = nx.DiGraph([(0, 1)])  # no attributes: init 1, retention 0.15, weight 1
    x = openrank(G, tolerance=1e-12, convergence="all")
    assert x[0] == pytest.approx(0.15)
    assert x[1] == pytest.approx(0.15 + 0.85 * 0.15)


def test_not_converging_within_max_iter_raises():
    G = random_graph(4)
    with pytest.raises(nx.PowerIterationFailedConvergence):
        openrank(G, tolerance=1e-15, max_iter=3)


def test_network_construction_checks_its_weights():
    network = build_network(np.array([7, 7, 8]), np.array([1, 2, 1]), np.array([2.0, 6.0, 4.0]))
    out = network.WT.sum(axis=0)  # column m of Wᵀ holds node m's out-weights
    assert np.allclose(out, 1.0) and network.size == 2 + 2 + 1
    # repo 7 -> developer 2 carries 0.95·6/8; developer 1 -> repo 8 carries 0.95·4/6
    assert network.WT[3, 0] == pytest.approx(0.95 * 6 / 8) and network.WT[1, 2] == pytest.approx(0.95 * 4 / 6)
    with pytest.raises(ValueError, match="positive activity"):
        build_network(np.array([7]), np.array([1]), np.array([0.0]))
    with pytest.raises(ValueError, match="positive activity"):
        build_network(np.array([7]), np.array([1]), np.array([float("nan")]))


def test_bad_retention_is_rejected():
    G = nx.DiGraph([(0, 1)])
    G.nodes[0]["retention"] = 1.5
    with pytest.raises(nx.NetworkXError):
        openrank(G)


# -- global OpenRank over three months -----------------------------------------------

R1, R2, R3 = 101, 102, 103
ALICE, BOB, CAROL, DAVE, PUSHER, BOT = 1, 2, 3, 4, 5, 900
LOGINS = {ALICE: "alice", BOB: "bob", CAROL: "carol", DAVE: "dave", PUSHER: "pusher", BOT: "helper[bot]"}


def event(n, kind, action, actor, repo, at, *, issue=None, comment=None, push=None):
    return {
        "id": f"t{n}",
        "type": kind,
        "action": action,
        "actor_id": actor,
        "actor_login": LOGINS[actor],
        "repo_id": repo,
        "repo_name": f"org/r{repo}",
        "created_at": at,
        "issue_number": issue,
        "comment_id": comment,
        "push_id": push,
        "merged": None,
        "is_bot": 0,
        "source": "gharchive",
    }


def three_months() -> list[dict]:
    jan, feb, mar = "2024-01-10T10:00:00Z", "2024-02-10T10:00:00Z", "2024-03-10T10:00:00Z"
    return [
        # January: alice and bob work on R1, bob and carol on R2; a bot; a push-only developer.
        event(1, "IssuesEvent", "opened", ALICE, R1, jan, issue=1),
        event(2, "IssueCommentEvent", "created", ALICE, R1, jan, issue=1, comment=11),
        event(3, "IssueCommentEvent", "created", ALICE, R1, jan, issue=1, comment=12),
        event(4, "IssueCommentEvent", "created", ALICE, R1, jan, issue=1, comment=12),  # same comment again
        event(5, "PullRequestEvent", "opened", ALICE, R1, jan, issue=2),
        event(6, "IssueCommentEvent", "created", BOB, R1, jan, issue=1, comment=13),
        event(7, "IssuesEvent", "closed", BOB, R1, jan, issue=1),
        event(8, "IssuesEvent", "opened", BOB, R2, jan, issue=3),
        event(9, "PullRequestReviewCommentEvent", "created", CAROL, R2, jan, issue=4, comment=14),
        event(10, "PushEvent", None, CAROL, R2, jan, push="p1"),
        event(11, "PushEvent", None, CAROL, R2, jan, push="p1"),  # same push
        event(12, "PullRequestEvent", "opened", BOT, R1, jan, issue=5),
        event(13, "IssueCommentEvent", "created", BOT, R2, jan, issue=3, comment=15),
        event(14, "PushEvent", None, PUSHER, R1, jan, push="p2"),
        event(15, "PushEvent", None, PUSHER, R1, jan, push="p3"),
        # February: a new repo R3 (carol, dave); alice stays on R1; bob and R2 rest.
        event(20, "IssueCommentEvent", "created", ALICE, R1, feb, issue=2, comment=21),
        event(21, "IssuesEvent", "opened", CAROL, R3, feb, issue=1),
        event(22, "PullRequestEvent", "opened", DAVE, R3, feb, issue=2),
        event(23, "PushEvent", None, DAVE, R3, feb, push="p4"),
        # March: bob and R2 come back after a month away; alice on R1 and R2.
        event(30, "PullRequestEvent", "opened", BOB, R2, mar, issue=6),
        event(31, "IssueCommentEvent", "created", ALICE, R2, mar, issue=6, comment=31),
        event(32, "IssuesEvent", "closed", ALICE, R1, mar, issue=7),
    ]


PAIRS = {  # the activity of each network pair, by hand from the events above
    "2024-01": {
        (R1, ALICE): ISSUE_OPENED + 2 * ISSUE_COMMENT + PR_OPENED,
        (R1, BOB): ISSUE_COMMENT + ISSUE_CLOSED,
        (R2, BOB): ISSUE_OPENED,
        (R2, CAROL): REVIEW_COMMENT + PUSH,
    },
    "2024-02": {
        (R1, ALICE): ISSUE_COMMENT,
        (R3, CAROL): ISSUE_OPENED,
        (R3, DAVE): PR_OPENED + PUSH,
    },
    "2024-03": {
        (R2, BOB): PR_OPENED,
        (R2, ALICE): ISSUE_COMMENT,
        (R1, ALICE): ISSUE_CLOSED,
    },
}


def months_apart(a: str, b: str) -> int:
    return (int(b[:4]) - int(a[:4])) * 12 + int(b[5:]) - int(a[5:])


def expected_month(month: str, pairs: dict, history: dict) -> dict:
    """One month of global OpenRank straight from SPEC 6.2, with dense numpy.

    ``history`` maps (kind, id) -> (month, value) of the latest stored value.
    """
    repos = sorted({r for r, _ in pairs})
    developers = sorted({u for _, u in pairs})
    nodes = [("repo", r) for r in repos] + [("developer", u) for u in developers] + [("background", 0)]
    N = len(nodes)
    index = {node: k for k, node in enumerate(nodes)}
    total = {node: 0.0 for node in nodes}
    for (r, u), a in pairs.items():
        total[("repo", r)] += a
        total[("developer", u)] += a
    W = np.zeros((N, N))
    for (r, u), a in pairs.items():
        W[index[("repo", r)], index[("developer", u)]] = 0.95 * a / total[("repo", r)]
        W[index[("developer", u)], index[("repo", r)]] = 0.95 * a / total[("developer", u)]
    for k in range(N - 1):
        W[k, N - 1] = 0.05
        W[N - 1, k] = 1 / (N - 1)
    assert np.allclose(W.sum(axis=1), 1.0)
    init = np.zeros(N)
    for node, k in index.items():
        if node in history:
            then, value = history[node]
            inherited = value * 0.85 ** months_apart(then, month)
            init[k] = inherited if inherited > 0.01 else 0.0  # HAVING openrank > 0.01
        if node[0] == "developer":
            init[k] += 1 / (1 + math.exp(0.10425 * (44.08 - total[node])))
    retention = np.array([{"repo": 0.3, "developer": 0.5, "background": 0.15}[kind] for kind, _ in nodes])
    # The plugin at tolerance 0.01, 100 iterations: superstep 0 sends, then each node
    # updates from the previous superstep until it moved by less than 0.01, then stays.
    x = init.copy()
    converged = np.zeros(N, dtype=bool)
    for _ in range(1, 100):
        new = np.where(converged, x, retention * init + (1 - retention) * (W.T @ x))
        converged |= np.abs(new - x) < 0.01
        x = new
        if converged.all():
            break
    return {node: x[k] + x[N - 1] / (N - 1) for node, k in index.items() if node[0] != "background"}


def expected_series() -> dict:
    history, series = {}, {}
    for month in sorted(PAIRS):
        series[month] = expected_month(month, PAIRS[month], history)
        for node, value in series[month].items():
            history[node] = (month, value)
    return series


def stored(store: Store) -> dict:
    return {
        (row["month"], row["kind"], row["entity_id"]): row["value"]
        for row in store.query("SELECT kind, entity_id, month, value FROM openrank")
    }


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "t.db") as store:
        store.upsert("events", three_months())
        yield store


def test_three_months_match_the_definition(store):
    summary = compute_global_openrank(store)
    assert summary.computed == ["2024-01", "2024-02", "2024-03"]
    expected = {
        (month, kind, entity): value
        for month, values in expected_series().items()
        for (kind, entity), value in values.items()
    }
    assert stored(store) == pytest.approx(expected, abs=1e-9)
    # the bot and the push-only developer are not in the network; bob rests in February
    developers = {key[2] for key in expected if key[1] == "developer"}
    assert BOT not in developers and PUSHER not in developers
    assert ("2024-02", "developer", BOB) not in stored(store)
    # the new repo starts from 0 inherited value, yet earns OpenRank from its developers
    assert stored(store)[("2024-02", "repo", R3)] > 0


def test_inheritance_reaches_back_over_a_gap(store):
    compute_global_openrank(store)
    series = expected_series()
    jan_bob = series["2024-01"][("developer", BOB)]
    # bob's March start includes January's value × 0.85² (he was away in February)
    history_without_bob = {
        node: (m, v) for m in ("2024-01", "2024-02") for node, v in series[m].items() if node != ("developer", BOB)
    }
    without = expected_month("2024-03", PAIRS["2024-03"], history_without_bob)
    assert jan_bob * 0.85**2 >= 0.01
    assert stored(store)[("2024-03", "developer", BOB)] > without[("developer", BOB)] + 0.1 * jan_bob


def test_unchanged_months_are_skipped_and_a_change_recomputes_what_follows(store):
    compute_global_openrank(store)
    again = compute_global_openrank(store)
    assert again.computed == [] and again.skipped == ["2024-01", "2024-02", "2024-03"]
    before = stored(store)
    store.upsert("events", [event(40, "IssuesEvent", "opened", DAVE, R1, "2024-02-20T00:00:00Z", issue=9)])
    changed = compute_global_openrank(store)
    assert changed.skipped == ["2024-01"] and changed.computed == ["2024-02", "2024-03"]
    after = stored(store)
    assert after[("2024-01", "repo", R1)] == before[("2024-01", "repo", R1)]
    assert after[("2024-03", "repo", R1)] != before[("2024-03", "repo", R1)]


def test_a_month_interrupted_while_written_keeps_its_previous_values_and_fingerprint(store, monkeypatch):
    import ecometrics.analysis.global_openrank as openrank_module

    compute_global_openrank(store)
    before = stored(store)
    fingerprints = store.query("SELECT month, fingerprint FROM openrank_months ORDER BY month")
    activity = store.query("SELECT * FROM activity ORDER BY month, repo_id, developer_id")
    store.upsert("events", [event(40, "IssuesEvent", "opened", DAVE, R1, "2024-02-20T00:00:00Z", issue=9)])

    def killed():  # called while February is written, after its old values were deleted
        raise KeyboardInterrupt

    monkeypatch.setattr(openrank_module, "utc_now", killed)
    with pytest.raises(KeyboardInterrupt):
        compute_global_openrank(store)
    assert stored(store) == before
    assert store.query("SELECT month, fingerprint FROM openrank_months ORDER BY month") == fingerprints
    assert store.query("SELECT * FROM activity ORDER BY month, repo_id, developer_id") == activity
    monkeypatch.undo()
    assert compute_global_openrank(store).computed == ["2024-02", "2024-03"]


def test_the_summary_names_the_iteration_limit_in_force(monkeypatch):
    import ecometrics.analysis.global_openrank as openrank_module

    monkeypatch.setattr(openrank_module, "GLOBAL_MAX_ITER", 7)
    summary = openrank_module.OpenRankSummary(computed=["2024-01"], not_converged=["2024-01"])
    assert "not converged in 7 iterations: 2024-01" in summary.summary()


def test_tables_for_exports(store):
    compute_global_openrank(store)
    # The events reach into 2024-03 only, so the last complete month, 2024-02, is the default.
    assert set(openrank_table(store, "repo")["month"]) == {"2024-02"}
    latest = openrank_table(store, "repo", "2024-03")
    assert set(latest["month"]) == {"2024-03"}
    assert set(latest["entity_id"]) == {R1, R2}
    jan = openrank_table(store, "developer", "2024-01")
    pusher = jan.filter(jan["entity_id"] == PUSHER).row(0, named=True)
    assert pusher["openrank"] is None and pusher["openrank_weight"] == pytest.approx(2 * PUSH)
    assert pusher["activity"] is None  # pushes are no part of OpenDigger's activity
    developers = developers_table(store, month="2024-01")
    assert developers["developer"].to_list()[: len(developers) - 1] == [
        LOGINS[u] for u in sorted((ALICE, BOB, CAROL), key=lambda u: -expected_series()["2024-01"][("developer", u)])
    ]
    alice = developers.filter(developers["developer"] == "alice").row(0, named=True)
    assert alice["repos"] == 1 and alice["issue_comments"] == 2
    assert alice["openrank_weight"] == pytest.approx(PAIRS["2024-01"][(R1, ALICE)])
    # OpenDigger's activity: sqrt(0.5252·2 comments + 2.2235·1 issue + 4.0679·1 PR), to 2 decimals
    assert alice["activity"] == round(math.sqrt(0.5252 * 2 + 2.2235 + 4.0679), 2)


def test_old_values_attenuate_and_tiny_ones_start_from_zero(tmp_path):
    history = {("developer", ALICE): ("2022-01", 0.05), ("developer", CAROL): ("2023-12", 0.05)}
    with Store(tmp_path / "h.db") as store:
        store.upsert("events", three_months())
        store.upsert(
            "openrank",
            [
                {"kind": kind, "entity_id": entity, "month": month, "value": value}
                for (kind, entity), (month, value) in history.items()
            ],
        )
        compute_global_openrank(store)
        jan = expected_month("2024-01", PAIRS["2024-01"], history)
        # alice's 0.05 from 24 months back is 0.05·0.85²⁴ < 0.01: she starts from 0
        assert 0.05 * 0.85**24 < 0.01 <= 0.05 * 0.85
        assert {key: v for key, v in stored(store).items() if key[0] == "2024-01"} == pytest.approx(
            {("2024-01", kind, entity): value for (kind, entity), value in jan.items()}, abs=1e-9
        )


def test_month_bounds(store):
    first = compute_global_openrank(store, to_month="2024-01")
    assert first.computed == ["2024-01"]
    rest = compute_global_openrank(store, from_month="2024-02")
    assert rest.computed == ["2024-02", "2024-03"] and rest.skipped == []
    assert compute_global_openrank(store, "2024-02", "2024-02").skipped == ["2024-02"]
    assert stored(store) == pytest.approx(
        {(m, k, e): v for m, values in expected_series().items() for (k, e), v in values.items()}, abs=1e-9
    )


def test_every_repo_and_developer_with_a_value_is_ranked(store):
    from ecometrics.analysis.export import build_table

    compute_global_openrank(store)
    # No repository was collected through the API: all of them come from the events.
    repos = build_table(store, "repos", month="2024-01")
    expected = sorted((R1, R2), key=lambda r: -expected_series()["2024-01"][("repo", r)])
    assert repos["repo"].to_list() == [f"org/r{r}" for r in expected]
    assert repos["openrank"].to_list() == [round(expected_series()["2024-01"][("repo", r)], 3) for r in expected]
    assert repos["stars"].is_null().all() and set(repos["openrank_month"]) == {"2024-01"}
    assert build_table(store, "repos", month="2024-01", top=1)["repo"].to_list() == [f"org/r{expected[0]}"]
    developers = build_table(store, "developers", month="2024-03")
    assert set(developers["developer"]) == {"alice", "bob"} and developers["rank"].to_list() == [1, 2]


def test_rankings_over_a_range_of_months_have_one_column_a_month(store, tmp_path):
    from ecometrics.analysis.export import build_table, write_table

    compute_global_openrank(store)
    series = expected_series()
    table = build_table(store, "developer_openrank", from_month="2024-01", to_month="2024-03")
    assert table.columns == [
        "rank",
        "developer",
        "openrank",
        "months",
        "partial_month",
        "openrank_warm_up",
        "openrank_2024-01",
        "openrank_2024-02",
        "openrank_2024-03",
        "developer_id",
    ]
    # OpenRank starts at 2024-01 here, so 2024-01..03 are all within the 6-month warm-up
    assert table["openrank_warm_up"].to_list() == [True] * table.height
    totals = {u: sum(series[m].get(("developer", u), 0.0) for m in series) for u in (ALICE, BOB, CAROL, DAVE)}
    best = sorted(totals, key=lambda u: -totals[u])
    assert table["developer"].to_list() == [LOGINS[u] for u in best]
    bob = table.filter(table["developer"] == "bob").row(0, named=True)
    assert bob["months"] == 2 and bob["openrank_2024-02"] is None
    assert bob["openrank_2024-03"] == round(series["2024-03"][("developer", BOB)], 3)
    assert build_table(store, "repo_openrank", from_month="2024-02", top=1)["repo"].to_list() == ["org/r101"]
    one = build_table(store, "repo_openrank", month="2024-01")
    assert one.columns[6:-1] == ["openrank_2024-01"] and one["openrank"].to_list() == one["openrank_2024-01"].to_list()
    write_table(table, "csv", tmp_path / "d.csv", kind="developer_openrank")
    assert (tmp_path / "d.csv").read_text().splitlines()[0].endswith("openrank_2024-03,developer_id")
    from ecometrics.core.errors import InputError

    with pytest.raises(InputError, match="export repos has no --from"):
        build_table(store, "repos", from_month="2024-01")
    with pytest.raises(InputError, match="later than"):
        build_table(store, "repo_openrank", from_month="2024-03", to_month="2024-01")


def test_months_within_the_warm_up_are_flagged_in_every_monthly_table(tmp_path):
    """The first computed month inherits nothing, so its values and the next ones still climb
    from zero: with WARM_UP_MONTHS = 6 and the first month 2024-01, the months 2024-01 ...
    2024-06 (0 to 5 months after it) are the warm-up and 2024-07 is the first settled month."""
    from ecometrics.analysis import export

    # alice works on R1 each month from January to July 2024
    events = [event(n, "IssuesEvent", "opened", ALICE, R1, f"2024-{n:02d}-10T10:00:00Z", issue=n) for n in range(1, 8)]
    with Store(tmp_path / "w.db") as store:
        store.upsert("events", events)
        compute_global_openrank(store)
        flags = {
            month: developers_table(store, month=month)["openrank_warm_up"].to_list()
            for month in ("2024-01", "2024-06", "2024-07")
        }
        assert flags == {"2024-01": [True], "2024-06": [True], "2024-07": [False]}
        repos = export.build_table(store, "repos", month="2024-06")
        assert repos.filter(pl.col("repo_id") == R1)["openrank_warm_up"].to_list() == [True]
        assert export.build_table(store, "repos", month="2024-07")["openrank_warm_up"].to_list() == [False]
