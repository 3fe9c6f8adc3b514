"""OpenRank: X-lab's influence index, as a generic solver and as one month's network of OpenDigger's global index.

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
a valid event, :mod:`ecometrics.analysis.activity`) plus one background node B (line 186); edges
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

The network is built from numpy arrays straight into a CSR matrix of Wᵀ (no per-edge
Python objects). The monthly series (inherited values, fingerprints, the stored
``openrank`` table and its exports) is :mod:`ecometrics.analysis.global_openrank`.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass

import networkx as nx
import numpy as np
import polars as pl
import scipy.sparse as sp
import scipy.sparse.linalg as spla

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
    W = nx.to_scipy_sparse_array(G, nodelist=nodes, weight=weight, format="csr", dtype=np.dtype(float))
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
    return dict(zip(nodes, x.tolist(), strict=True))


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
    :mod:`ecometrics.analysis.influence`, iterates to its own tolerance). Returns ``(x, iterations, converged)``:
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
