"""OpenRank: X-lab's influence index, as a generic solver and as OpenDigger's monthly global index.

References: Zhao et al., "OpenRank Leaderboard: Motivating Open Source Collaborations
Through Social Network Evaluation in Open Source Community", ICSE-SEIP 2024; X-lab's
Neo4j plugin ``openrank-neo4j-gds`` (``src/main/java/gds/openrank/OpenRankPregel.java``,
commit 83ec0da) and OpenDigger's production task ``src/cron/tasks/globalOpenrank.ts``
(X-lab2017/open-digger, last changed in commit cbb348b, 2026-01-20). Line numbers below
are those files'.

The solver
----------
On a directed graph where node n has an initial value i(n), a retention factor r(n) in
[0, 1] and edges m -> n with weight w(m, n),

    x(n) <- r(n)·i(n) + (1 - r(n))·Σ_m w(m, n)·x(m)

starting from x = i (``OpenRankPregel.java`` lines 77-97). The fixed point solves
``(I - (I - R)·Wᵀ) x = R·i`` with R = diag(r); :func:`openrank` computes it by that
iteration (``method="iterative"``) or by a direct sparse solve (``method="direct"``).

- Weights are used as given, as the plugin does (its message is ``value × weight``, lines
  123-126): a node whose out-weights sum to 0.9 passes on 90% of its value.
  ``normalize=True`` divides each node's out-weights by their sum first.
- Every node updates from the previous iterate (Jacobi, one Pregel superstep per
  iteration). ``convergence="node"`` is the plugin's rule (lines 80-95, 99-116): a node
  whose update moved it by less than the tolerance is frozen at that value and keeps
  sending it, and the run ends once all are frozen; the first superstep only sends the
  initial values and counts among ``max_iter``. ``convergence="all"`` instead updates
  every node until all moved by less than the tolerance together: nearer the fixed point,
  but not what the plugin reports. At OpenDigger's tolerance of 0.01 the two differ by a
  few hundredths on real networks (``bench/bench_openrank.py`` prints both beside the
  exact solve).
- The plugin's defaults for a missing attribute are kept: initial value 1, retention
  0.15 (lines 58-72); a missing edge weight is 1.

The global index (OpenDigger's production parameters, all in one place below)
-----------------------------------------------------------------------------
For month M: nodes are the developers and repos of M's OpenRank network (the pairs with
a valid event, :mod:`analysis.activity`) plus one background node B (line 186); edges
repo -> developer ``0.95·a(u,r)/A(r)``, developer -> repo ``0.95·a(u,r)/A(u)`` (lines
199-208), every node -> B ``0.05`` and B -> every node ``1/(N-1)`` (lines 209-217);
retention 0.5 (developers), 0.3 (repos), 0.15 (B) (lines 15-17, 194-196); initial value
the latest stored OpenRank of the node × 0.85 per month since (lines 62-72, kept only
above 0.01), plus ``1 / (1 + exp(0.10425·(44.08 - A)))`` for a developer of total weight
A (lines 22, 192-193); the plugin's iteration with tolerance 0.01, at most 100
iterations and per-node convergence (lines 242-249), because that is what computes the
published values; a node's reported value is x(n) + x(B)/(N-1) (lines 262-275), stored
in the ``openrank`` table for M. The construction checks, as OpenDigger does (lines
220-227), that every node's out-weights sum to 1.

Deliberate differences, with their reasons: values are stored only for the month's
network nodes (OpenDigger's table is the same; its export threshold of 5, line 21, is a
choice of what to publish, so every value is kept here and exports rank them all); the
network is built from numpy arrays straight into a CSR matrix of Wᵀ (no per-edge Python
objects); months are computed in order and a month is recomputed only when its
fingerprint (its events, the labelled bots, the parameters and the previous month's
fingerprint) changed, where OpenDigger computes each month once.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

import networkx as nx
import numpy as np
import polars as pl
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from analysis import activity as act
from analysis.export import COUNT, FLAG, ID, MONTH, NAME, SCORE, register
from collector.errors import InputError
from collector.store import Store, utc_now

log = logging.getLogger(__name__)

# -- OpenDigger's global OpenRank parameters (globalOpenrank.ts) ---------------------
RETENTION = {"developer": 0.5, "repo": 0.3, "background": 0.15}
ACTIVITY_SHARE = 0.95  # of a node's out-weight spread over its activity edges
BACKGROUND_SHARE = 0.05  # of a node's out-weight sent to the background node
ATTENUATION = 0.85  # per month between the inherited value's month and M
MIN_INHERITED = 0.01  # an inherited value below this starts from 0
SIGMOID_SLOPE, SIGMOID_MIDPOINT = 0.10425, 44.08
GLOBAL_TOLERANCE, GLOBAL_MAX_ITER = 0.01, 100  # globalOpenrank.ts lines 246-247
# The plugin's per-node freezing: the plugin is what computes OpenDigger's published values.
GLOBAL_CONVERGENCE = "node"
# The Pregel plugin's defaults for missing node attributes.
DEFAULT_INIT, DEFAULT_RETENTION = 1.0, 0.15


def activity_to_openrank(activity: np.ndarray | float) -> np.ndarray | float:
    """A developer's own share of initial value: ``1 / (1 + exp(0.10425·(44.08 - A)))``."""
    return 1.0 / (1.0 + np.exp(SIGMOID_SLOPE * (SIGMOID_MIDPOINT - np.asarray(activity, dtype=float))))


# -- the solver ------------------------------------------------------------------------


def openrank(
    G: nx.DiGraph,
    *,
    init: str = "init",
    retention: str = "retention",
    weight: str = "weight",
    tolerance: float = 1e-6,
    max_iter: int = 100,
    method: str = "iterative",
    normalize: bool = False,
    convergence: str = "node",
) -> dict[Hashable, float]:
    """Return the OpenRank of every node of ``G``.

    OpenRank generalises PageRank: each node keeps a share r(n) of its own initial value
    i(n) and takes the rest from its in-neighbours, in proportion to the edge weights::

        x(n) = r(n)·i(n) + (1 - r(n))·Σ_m w(m, n)·x(m)

    Parameters
    ----------
    G : networkx.DiGraph
        The graph. Undirected graphs are treated as having both directions.
    init : str, default "init"
        Node attribute holding the initial value i(n); missing means 1 (the Pregel
        plugin's default, ``OpenRankPregel.java`` lines 58-65).
    retention : str, default "retention"
        Node attribute holding the retention factor r(n) in [0, 1]; missing means 0.15
        (``OpenRankPregel.java`` lines 67-72).
    weight : str, default "weight"
        Edge attribute holding w(m, n); missing means 1.
    tolerance : float, default 1e-6
        How little a node must move to count as converged (see ``convergence``).
    max_iter : int, default 100
        Most iterations (Pregel supersteps) to run.
    method : "iterative" or "direct"
        ``"iterative"`` runs the update above from x = i; ``"direct"`` solves the fixed
        point ``(I - (I - R)·Wᵀ) x = R·i`` with a sparse LU factorisation.
    normalize : bool, default False
        False uses the weights as given, as the plugin does (its message is
        ``value × weight``, ``OpenRankPregel.java`` lines 123-126), so a node whose
        out-weights sum to 0.9 passes on 90% of its value. True divides each node's
        out-weights by their sum first, as :func:`networkx.pagerank` does; a node without
        out-edges then passes nothing on.
    convergence : "node" or "all", default "node"
        ``"node"`` is the plugin's rule (``OpenRankPregel.java`` lines 77-116): the first
        superstep only sends the initial values; from then on a node whose update moved
        it by less than ``tolerance`` is frozen at that value (it keeps sending it) and
        the run stops once every node is frozen. Neo4j GDS counts that first superstep
        among ``maxIterations`` (``Pregel.run``'s loop ``for (; iteration <
        config.maxIterations(); iteration++)`` starting at the initial superstep 0,
        neo4j/graph-data-science ``pregel/src/main/java/org/neo4j/gds/beta/pregel/Pregel.java``,
        commit 0e7ab98), so at most ``max_iter - 1`` updates run. ``"all"``
        updates every node until all of them moved by less than ``tolerance`` in the same
        iteration, at most ``max_iter`` updates: closer to the fixed point, but not what
        the plugin reports.

    Returns
    -------
    dict
        Node -> OpenRank.

    Raises
    ------
    networkx.PowerIterationFailedConvergence
        The iteration did not converge within ``max_iter`` iterations.
    networkx.NetworkXError
        A retention factor is outside [0, 1] or a weight is negative.

    Examples
    --------
    >>> G = nx.DiGraph([("a", "b"), ("b", "a")])
    >>> nx.set_node_attributes(G, {"a": 1.0, "b": 0.0}, "init")
    >>> nx.set_node_attributes(G, 0.5, "retention")
    >>> {n: round(v, 4) for n, v in openrank(G).items()}
    {'a': 0.6667, 'b': 0.3333}

    References
    ----------
    Zhao et al., "OpenRank Leaderboard", ICSE-SEIP 2024; X-lab2017/openrank-neo4j-gds,
    ``src/main/java/gds/openrank/OpenRankPregel.java`` (commit 83ec0da).
    """
    if len(G) == 0:
        return {}
    nodes = list(G)
    W = nx.to_scipy_sparse_array(G, nodelist=nodes, weight=weight, format="csr", dtype=float)
    if W.nnz and W.data.min() < 0:
        raise nx.NetworkXError("OpenRank needs non-negative edge weights")
    if normalize:
        out = np.asarray(W.sum(axis=1)).ravel()
        W = sp.diags_array(np.divide(1.0, out, out=np.zeros_like(out), where=out > 0)) @ W
    WT = W.T.tocsr()
    i = np.array([G.nodes[n].get(init, DEFAULT_INIT) for n in nodes], dtype=float)
    r = np.array([G.nodes[n].get(retention, DEFAULT_RETENTION) for n in nodes], dtype=float)
    if ((r < 0) | (r > 1)).any():
        raise nx.NetworkXError("OpenRank retention factors must lie in [0, 1]")
    x, iterations, converged = solve(
        WT, i, r, tolerance=tolerance, max_iter=max_iter, method=method, convergence=convergence
    )
    if not converged:
        raise nx.PowerIterationFailedConvergence(iterations)
    return dict(zip(nodes, x.tolist()))


CONVERGENCE = ("node", "all")


def solve(
    WT: sp.csr_array,
    init: np.ndarray,
    retention: np.ndarray,
    *,
    tolerance: float = 1e-6,
    max_iter: int = 100,
    method: str = "iterative",
    convergence: str = "all",
) -> tuple[np.ndarray, int, bool]:
    """The OpenRank fixed point for the transposed weight matrix ``WT`` (``WT[n, m] = w(m, n)``).

    ``convergence`` is as in :func:`openrank` (here ``"all"`` by default: model influence,
    :mod:`analysis.influence`, iterates to its own tolerance). Returns ``(x, iterations, converged)``:
    iterations are the updates run (the plugin's supersteps minus its first, which only
    sends); the direct method reports 0 iterations.
    """
    if method == "direct":
        A = sp.identity(WT.shape[0], format="csc") - sp.diags_array(1.0 - retention) @ WT
        x = spla.spsolve(A.tocsc(), retention * init)
        return np.atleast_1d(x), 0, True
    if method != "iterative":
        raise ValueError(f"method must be 'iterative' or 'direct', not {method!r}")
    if convergence not in CONVERGENCE:
        raise ValueError(f"convergence must be 'node' or 'all', not {convergence!r}")
    kept = retention * init
    passed = 1.0 - retention
    x = init.astype(float, copy=True)
    if convergence == "all":
        for iteration in range(1, max_iter + 1):
            new = kept + passed * (WT @ x)
            moved = np.abs(new - x).max(initial=0.0)
            x = new
            if moved < tolerance:
                return x, iteration, True
        return x, max_iter, False
    # The plugin's superstep 0 sends x = i; supersteps 1 .. max_iter - 1 update.
    active = np.arange(len(x))
    for iteration in range(1, max_iter):
        new = kept[active] + passed[active] * (WT @ x)[active]
        moving = np.abs(new - x[active]) >= tolerance
        x[active] = new  # every node updates from the previous superstep's values (Jacobi)
        active = active[moving]
        if not len(active):
            return x, iteration, True
    return x, max(max_iter - 1, 0), False


# -- global OpenRank for one month ---------------------------------------------------


@dataclass
class Network:
    """One month's global OpenRank network: repos, then developers, then the background node."""

    repo_ids: np.ndarray
    developer_ids: np.ndarray
    WT: sp.csr_array
    init: np.ndarray
    retention: np.ndarray
    activity: np.ndarray  # total activity per node (0 for the background node)
    pairs: int
    iterations: int = 0  # set by network_openrank
    converged: bool = False
    background: float = 0.0  # x(B)

    @property
    def size(self) -> int:
        return self.WT.shape[0]


def build_network(
    repo_ids: np.ndarray,
    developer_ids: np.ndarray,
    activity: np.ndarray,
    *,
    inherited_repos: Mapping[int, float] | tuple[np.ndarray, np.ndarray] | None = None,
    inherited_developers: Mapping[int, float] | tuple[np.ndarray, np.ndarray] | None = None,
) -> Network:
    """Build month M's network from its (repo, developer, activity) pairs.

    ``inherited_*`` give the attenuated values carried into M (id -> value, or a pair of
    arrays ``(ids, values)``); see :func:`inherited_values`.
    """
    repo_ids = np.asarray(repo_ids, dtype=np.int64)
    developer_ids = np.asarray(developer_ids, dtype=np.int64)
    a = np.asarray(activity, dtype=np.float64)
    if not (a > 0).all():
        raise ValueError("OpenRank network: every (repo, developer) pair needs positive activity")
    repos, r_index = _factorize(repo_ids)
    developers, u_index = _factorize(developer_ids)
    R, D = len(repos), len(developers)
    N = R + D + 1
    background = N - 1
    u_index = u_index + R
    A = np.bincount(r_index, weights=a, minlength=N) + np.bincount(u_index, weights=a, minlength=N)

    P = len(a)
    others = np.arange(N - 1, dtype=np.int64)
    # COO of W (source -> target), written straight as W^T's (row=target, col=source).
    source = np.concatenate([r_index, u_index, others, np.full(N - 1, background)])
    target = np.concatenate([u_index, r_index, np.full(N - 1, background), others])
    weights = np.concatenate(
        [
            ACTIVITY_SHARE * a / A[r_index],
            ACTIVITY_SHARE * a / A[u_index],
            np.full(N - 1, BACKGROUND_SHARE),
            np.full(N - 1, 1.0 / (N - 1)),
        ]
    )
    out = np.bincount(source, weights=weights, minlength=N)
    bad = np.flatnonzero(~(np.abs(out - 1.0) <= 1e-6))  # NaN fails too
    if len(bad):  # OpenDigger's own check of its relationships
        k = int(bad[0])
        node = f"repo {repos[k]}" if k < R else f"developer {developers[k - R]}" if k < background else "background"
        raise ValueError(f"OpenRank network: {node}'s out-weights sum to {out[k]}, not 1")
    index_type = np.int32 if max(N, len(weights)) < 2**31 else np.int64
    WT = sp.csr_array(sp.coo_array((weights, (target.astype(index_type), source.astype(index_type))), shape=(N, N)))
    del source, target, weights

    init = np.zeros(N)
    init[R : R + D] = activity_to_openrank(A[R : R + D])
    init[:R] += _lookup(repos, inherited_repos)
    init[R : R + D] += _lookup(developers, inherited_developers)
    retention = np.empty(N)
    retention[:R] = RETENTION["repo"]
    retention[R : R + D] = RETENTION["developer"]
    retention[background] = RETENTION["background"]
    return Network(repos, developers, WT, init, retention, A, P)


def _factorize(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sorted distinct ids, each id's index among them); polars' dense rank sorts on every core."""
    rank = pl.Series(ids).rank("dense").to_numpy().astype(np.int64) - 1
    distinct = np.empty(int(rank.max()) + 1 if len(rank) else 0, dtype=np.int64)
    distinct[rank] = ids
    return distinct, rank


def _lookup(ids: np.ndarray, values: Mapping[int, float] | tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
    """Values for sorted ``ids`` (0 where absent)."""
    found = np.zeros(len(ids))
    if values is None or len(values) == 0:
        return found
    if isinstance(values, Mapping):
        keys = np.fromiter(values.keys(), dtype=np.int64, count=len(values))
        vals = np.fromiter(values.values(), dtype=np.float64, count=len(values))
    else:
        keys, vals = (np.asarray(v) for v in values)
    position = np.searchsorted(ids, keys)
    hit = position < len(ids)
    hit[hit] = ids[position[hit]] == keys[hit]
    found[position[hit]] = vals[hit]
    return found


def network_openrank(
    network: Network,
    *,
    tolerance: float = GLOBAL_TOLERANCE,
    max_iter: int = GLOBAL_MAX_ITER,
    method: str = "iterative",
    convergence: str = GLOBAL_CONVERGENCE,
) -> tuple[np.ndarray, np.ndarray]:
    """Solve ``network``; returns the reported values ``(per repo, per developer)``.

    By default as OpenDigger does (the plugin's per-node convergence at tolerance 0.01);
    ``method="direct"`` gives the exact fixed point the iteration approaches.

    Reported values include the background node's share ``x(B)/(N-1)``; the iteration
    count, convergence and x(B) are recorded on ``network``.
    """
    x, network.iterations, network.converged = solve(
        network.WT,
        network.init,
        network.retention,
        tolerance=tolerance,
        max_iter=max_iter,
        method=method,
        convergence=convergence,
    )
    network.background = float(x[-1])
    R, D = len(network.repo_ids), len(network.developer_ids)
    share = x[-1] / (network.size - 1)
    return x[:R] + share, x[R : R + D] + share


def inherited_values(store: Store, month: str, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Each entity's latest stored OpenRank before ``month``, × 0.85 per month elapsed, 0 unless above 0.01.

    As ``globalOpenrank.ts`` lines 62-72: ``argMax(openrank, created_at)`` × ``0.85^dateDiff``
    from the latest stored month, kept ``HAVING openrank > 0.01``.

    Returns sorted ``(entity ids, values)``.
    """
    # SQLite's bare-column rule: with max(month), value comes from that latest row.
    rows = store.conn.execute(
        "SELECT entity_id, max(month), value FROM openrank WHERE kind = ? AND month < ? "
        "GROUP BY entity_id ORDER BY entity_id",
        (kind, month),
    ).fetchall()
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
    gaps = np.fromiter((act.months_between(row[1], month) for row in rows), dtype=np.float64, count=len(rows))
    values = np.fromiter((row[2] for row in rows), dtype=np.float64, count=len(rows)) * ATTENUATION**gaps
    values[values <= MIN_INHERITED] = 0.0
    return ids, values


# -- the monthly series ------------------------------------------------------------------


@dataclass
class OpenRankSummary:
    """What :func:`compute_global_openrank` did."""

    computed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    nodes: dict[str, int] = field(default_factory=dict)
    iterations: dict[str, int] = field(default_factory=dict)
    not_converged: list[str] = field(default_factory=list)
    rows_written: int = 0

    def summary(self) -> str:
        text = f"openrank: {len(self.computed)} month(s) computed, {len(self.skipped)} unchanged"
        if self.computed:
            text += f" ({self.computed[0]}..{self.computed[-1]}, {self.rows_written:,} rows)"
        if self.not_converged:
            text += f"; not converged in {GLOBAL_MAX_ITER} iterations: {', '.join(self.not_converged)}"
        return text

    __str__ = summary


def _parameters(options: Mapping[str, Any]) -> str:
    return json.dumps(
        {
            "activity": {k: sorted(v) if isinstance(v, (set, frozenset)) else v for k, v in sorted(options.items())},
            "retention": RETENTION,
            "shares": [ACTIVITY_SHARE, BACKGROUND_SHARE],
            "inherit": [ATTENUATION, MIN_INHERITED],
            "sigmoid": [SIGMOID_SLOPE, SIGMOID_MIDPOINT],
            "solve": [GLOBAL_TOLERANCE, GLOBAL_MAX_ITER, GLOBAL_CONVERGENCE],
        },
        sort_keys=True,
        default=str,
    )


def _events_digest(store: Store, month: str) -> tuple:
    """A cheap digest of a month's events: changes when events are added, removed or rewritten."""
    return store.conn.execute(
        "SELECT count(*), total(actor_id), total(repo_id), total(issue_number), total(comment_id), "
        "total(is_bot), total(length(type) * 7 + length(coalesce(action, ''))), total(length(push_id)), "
        "total(length(title)), total(author_id), "
        "min(id), max(id), min(created_at), max(created_at) "
        "FROM events WHERE created_at >= ? AND created_at < ?",
        (month, act.next_month(month)),
    ).fetchone()


def compute_month(store: Store, month: str, fingerprint: str, **activity_options: Any) -> tuple[Network | None, int]:
    """Compute activity and global OpenRank for ``month`` and store both.

    Earlier months must be stored already (their values are inherited). Everything is
    computed first and written in one transaction: the month's activity, its OpenRank
    values and its ``openrank_months`` row (with ``fingerprint``, last), so an
    interrupted write leaves the previous values and fingerprint as they were.
    Returns ``(network, rows written)``; the network is None for a month without an
    OpenRank network (e.g. only pushes).
    """
    frame = act.activity_frame(store, month, **activity_options)
    pairs = frame.filter(~pl.col("push_only"))
    network = None
    if not pairs.is_empty():
        network = build_network(
            pairs["repo_id"].to_numpy(),
            pairs["developer_id"].to_numpy(),
            pairs["activity"].to_numpy(),
            inherited_repos=inherited_values(store, month, "repo"),
            inherited_developers=inherited_values(store, month, "developer"),
        )
        repo_values, developer_values = network_openrank(network)
    with store.transaction():
        rows = act.write_activity(store, month, frame)
        store.conn.execute("DELETE FROM openrank WHERE month = ?", (month,))
        if network is not None:
            insert = "INSERT INTO openrank (kind, entity_id, month, value) VALUES (?, ?, ?, ?)"
            store.conn.executemany(
                insert, zip(repeat("repo"), network.repo_ids.tolist(), repeat(month), repo_values.tolist())
            )
            store.conn.executemany(
                insert,
                zip(repeat("developer"), network.developer_ids.tolist(), repeat(month), developer_values.tolist()),
            )
            rows += network.size - 1
        store.conn.execute(
            "INSERT OR REPLACE INTO openrank_months "
            "(month, fingerprint, nodes, pairs, iterations, converged, background, computed_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                month,
                fingerprint,
                network.size if network else 0,
                network.pairs if network else 0,
                network.iterations if network else 0,
                int(network.converged) if network else 1,
                network.background if network else None,
                utc_now(),
            ),
        )
    return network, rows


def compute_global_openrank(
    store: Store,
    from_month: str | None = None,
    to_month: str | None = None,
    *,
    force: bool = False,
    **activity_options: Any,
) -> OpenRankSummary:
    """Compute activity and global OpenRank month by month, in order, for months with events.

    A month is skipped when its fingerprint (a digest of its events, the parameters and
    the previous month's fingerprint) equals the stored one, unless ``force``; so a new
    or changed month recomputes itself and every month after it. ``activity_options``
    are those of :func:`analysis.activity.activity_frame` (weights, bots, ...). Months
    before ``from_month`` are taken as stored.
    """
    summary = OpenRankSummary()
    months = act.event_months(store, None, to_month)
    parameters = _parameters(activity_options)
    bots = act.labelled_bot_ids(store)
    stored = {row[0]: row[1] for row in store.conn.execute("SELECT month, fingerprint FROM openrank_months")}
    previous = ""
    for month in months:
        fingerprint = hashlib.sha256(
            json.dumps([previous, parameters, bots, _events_digest(store, month)], default=str).encode()
        ).hexdigest()
        previous = fingerprint
        if from_month and month < act.check_month(from_month, "--from"):
            continue
        if not force and stored.get(month) == fingerprint:
            summary.skipped.append(month)
            continue
        network, rows = compute_month(store, month, fingerprint, **activity_options)
        nodes, iterations = (network.size, network.iterations) if network else (0, 0)
        converged = network.converged if network else True
        summary.computed.append(month)
        summary.nodes[month] = nodes
        summary.iterations[month] = iterations
        summary.rows_written += rows
        if not converged:
            summary.not_converged.append(month)
        log.info("openrank %s: %d nodes, %d iterations", month, nodes, iterations)
    return summary


# -- tables for exports ------------------------------------------------------------------


def default_month(store: Store, kind: str | None = None) -> str | None:
    """The month tables show when none is asked for: the newest month with OpenRank values
    that the data covers to its end (:func:`analysis.growth.last_complete_month`), else the
    newest month with values (then flagged ``partial_month``)."""
    from analysis.growth import last_complete_month

    complete = last_complete_month(store)
    if complete:
        row = store.conn.execute(
            "SELECT max(month) FROM openrank WHERE month <= ? AND (? IS NULL OR kind = ?)", (complete, kind, kind)
        ).fetchone()
        if row[0]:
            return row[0]
    return latest_month(store, kind)


def latest_month(store: Store, kind: str | None = None) -> str | None:
    """The newest month with OpenRank values (of ``kind``), complete or not."""
    if kind:
        row = store.conn.execute("SELECT max(month) FROM openrank WHERE kind = ?", (kind,)).fetchone()
    else:
        row = store.conn.execute("SELECT max(month) FROM openrank").fetchone()
    return row[0]


def openrank_table(store: Store, kind: str, month: str | None = None) -> pl.DataFrame:
    """Per-entity OpenRank and activity of one month (None: :func:`default_month`).

    ``kind`` is ``"repo"`` or ``"developer"``. Every entity with a network weight or an
    OpenRank value in the month has a row. Columns: ``entity_id, name, month, openrank``,
    ``activity`` (OpenDigger's published metric,
    :func:`analysis.activity.opendigger_activity_by`; null without one) and
    ``openrank_weight`` (its total OpenRank network weight, the ``activity`` table);
    push-only entities have a null openrank. Sorted by OpenRank, highest first.
    """
    if kind not in ("repo", "developer"):
        raise InputError(f"OpenRank kind {kind!r} is unknown; use repo or developer")
    month = act.check_month(month) if month else default_month(store, kind)
    schema = {
        "entity_id": pl.Int64,
        "name": pl.String,
        "month": pl.String,
        "openrank": pl.Float64,
        "openrank_weight": pl.Float64,
    }
    if month is None:
        return pl.DataFrame(schema={**schema, "activity": pl.Float64}).select(*TABLE_COLUMNS)
    id_column, name_column = ("repo_id", "repo_name") if kind == "repo" else ("developer_id", "login")
    rows = store.conn.execute(
        f"""
        WITH a AS (
            SELECT {id_column} AS entity_id, max({name_column}) AS name, total(activity) AS weight
            FROM activity WHERE month = :month GROUP BY {id_column}
        ), o AS (
            SELECT entity_id, value FROM openrank WHERE month = :month AND kind = :kind
        )
        SELECT a.entity_id, a.name, :month, o.value, a.weight FROM a LEFT JOIN o USING (entity_id)
        UNION ALL
        SELECT o.entity_id, NULL, :month, o.value, NULL FROM o WHERE o.entity_id NOT IN (SELECT entity_id FROM a)
        """,
        {"month": month, "kind": kind},
    ).fetchall()
    frame = pl.DataFrame(rows, schema=schema, orient="row")
    frame = frame.join(act.opendigger_activity_by(store, month, kind), on="entity_id", how="left")
    return frame.select(*TABLE_COLUMNS).sort(["openrank", "openrank_weight"], descending=True, nulls_last=True)


TABLE_COLUMNS = ("entity_id", "name", "month", "openrank", "activity", "openrank_weight")


DEVELOPER_COUNTS = act.COUNTS


DEVELOPER_COLUMNS = {
    "rank": COUNT,
    "developer": NAME,
    "openrank": SCORE,
    "activity": SCORE,
    "openrank_weight": SCORE,
    "month": MONTH,
    "partial_month": FLAG,
    "repos": COUNT,
    **dict.fromkeys(DEVELOPER_COUNTS, COUNT),
    "developer_id": ID,
}


@register("developers", DEVELOPER_COLUMNS)
def developers_table(store: Store, *, month: str | None = None, **_: Any) -> pl.DataFrame:
    """The developers ranking: ``developer`` (login), ``openrank``, ``activity`` (OpenDigger's
    published metric), ``openrank_weight`` (the OpenRank network weight), ``month``, ``repos`` and counts.

    One month (default: :func:`default_month`, the last complete one), best OpenRank first;
    ``partial_month`` says the data does not cover that month to its end.
    """
    from analysis.growth import partial_month

    table = openrank_table(store, "developer", month)
    month = table["month"][0] if len(table) else month
    counts = store.conn.execute(
        f"SELECT developer_id, count(*), {', '.join(f'sum({c})' for c in DEVELOPER_COUNTS)} "
        "FROM activity WHERE month = ? GROUP BY developer_id",
        (month,),
    ).fetchall()
    count_frame = pl.DataFrame(
        counts,
        schema={"entity_id": pl.Int64, "repos": pl.Int64, **{c: pl.Int64 for c in DEVELOPER_COUNTS}},
        orient="row",
    )
    frame = table.join(count_frame, on="entity_id", how="left").with_columns(
        pl.col("name").fill_null(pl.col("entity_id").cast(pl.String))
    )
    frame = frame.rename({"name": "developer", "entity_id": "developer_id"})
    frame = frame.with_row_index("rank", offset=1)
    frame = frame.with_columns(partial_month=partial_month(pl.col("month"), store))
    return frame.select(
        "rank",
        "developer",
        "openrank",
        "activity",
        "openrank_weight",
        "month",
        "partial_month",
        "repos",
        *DEVELOPER_COUNTS,
        "developer_id",
    )


def _ranking_columns(kind: str) -> dict:
    entity = "repo" if kind == "repo" else "developer"
    return {"rank": COUNT, entity: NAME, "openrank": SCORE, "months": COUNT, "openrank_*": SCORE, f"{entity}_id": ID}


def openrank_ranking(
    store: Store, kind: str, *, month: str | None = None, from_month: str | None = None, to_month: str | None = None
) -> pl.DataFrame:
    """Every repo or developer (``kind``) with OpenRank in a month or a range of months, ranked.

    One month (``month``, default :func:`default_month`) or every stored month from
    ``from_month`` to ``to_month`` (either bound open). Columns: ``rank``, the name (the
    latest one its events carried, else its id), ``openrank`` (the sum over the months, as
    OpenDigger sums a year's months), ``months`` (how many of them have a value), one
    ``openrank_YYYY-MM`` column a month (null: no value that month) and the id. Best first.
    """
    entity = "repo" if kind == "repo" else "developer"
    if from_month or to_month:
        if month:
            raise InputError("pass --month or --from/--to, not both")
        low = act.check_month(from_month, "--from") if from_month else "0000-00"
        high = act.check_month(to_month, "--to") if to_month else "9999-99"
        if low > high:
            raise InputError(f"--from {from_month} is later than --to {to_month}; swap them")
    else:
        month = act.check_month(month, "--month") if month else default_month(store, kind)
        low = high = month or ""
    months = [
        row[0]
        for row in store.conn.execute(
            "SELECT DISTINCT month FROM openrank WHERE kind = ? AND month BETWEEN ? AND ? ORDER BY month",
            (kind, low, high),
        )
    ]
    id_column, name_column = ("repo_id", "repo_name") if kind == "repo" else ("developer_id", "login")
    values = pl.DataFrame(
        store.conn.execute(
            "SELECT entity_id, month, value FROM openrank WHERE kind = ? AND month BETWEEN ? AND ?", (kind, low, high)
        ).fetchall(),
        schema={"entity_id": pl.Int64, "month": pl.String, "value": pl.Float64},
        orient="row",
    )
    names = pl.DataFrame(
        store.conn.execute(  # the bare name comes from the row of max(month): the latest
            f"SELECT {id_column}, {name_column}, max(month) FROM activity WHERE month BETWEEN ? AND ? "
            f"GROUP BY {id_column}",
            (low, high),
        ).fetchall(),
        schema={"entity_id": pl.Int64, "name": pl.String, "latest": pl.String},
        orient="row",
    ).drop("latest")
    columns = [f"openrank_{m}" for m in months]
    wide = (
        values.pivot(on="month", index="entity_id", values="value").rename({m: f"openrank_{m}" for m in months})
        if len(values)
        else pl.DataFrame(schema={"entity_id": pl.Int64, **dict.fromkeys(columns, pl.Float64)})
    )
    totals = values.group_by("entity_id").agg(openrank=pl.col("value").sum(), months=pl.len().cast(pl.Int64))
    frame = (
        totals.join(wide, on="entity_id", how="left")
        .join(names, on="entity_id", how="left")
        .with_columns(pl.col("name").fill_null(pl.col("entity_id").cast(pl.String)))
        .sort(["openrank", "entity_id"], descending=[True, False])
        .with_row_index("rank", offset=1)
        .with_columns(pl.col("rank").cast(pl.Int64))
    )
    return frame.select(
        "rank", pl.col("name").alias(entity), "openrank", "months", *columns, pl.col("entity_id").alias(f"{entity}_id")
    )


@register("repo_openrank", _ranking_columns("repo"))
def repo_openrank_table(
    store: Store, *, month: str | None = None, from_month: str | None = None, to_month: str | None = None, **_: Any
) -> pl.DataFrame:
    """Every repository with global OpenRank in the month (or each month from --from to --to), ranked."""
    return openrank_ranking(store, "repo", month=month, from_month=from_month, to_month=to_month)


@register("developer_openrank", _ranking_columns("developer"))
def developer_openrank_table(
    store: Store, *, month: str | None = None, from_month: str | None = None, to_month: str | None = None, **_: Any
) -> pl.DataFrame:
    """Every developer with global OpenRank in the month (or each month from --from to --to), ranked."""
    return openrank_ranking(store, "developer", month=month, from_month=from_month, to_month=to_month)
