"""Model influence: OpenRank on the lineage graph.

Value flows from derived models to their parents: a derivative credits its base. On the
graph with an edge child -> parent for every counted lineage edge, the OpenRank solver
(:func:`ecometrics.analysis.openrank.solve`, the one behind :func:`ecometrics.analysis.openrank.openrank`)
finds the fixed point of

    x(n) = r * i(n) + (1 - r) * sum over children m of w(m, n) * x(m)

with, as the parameters below (:data:`PARAMETERS`, documented in the README):

- i(n): the model's downloads in the last 30 days (latest snapshot), divided by the
  mean over all models so that values read as "times an average model";
- r: the retention, the share of a model's value that comes from its own downloads;
- w(m, n) = relation_weight(relation of m to n) / (number of parents of m): how much of
  a derivative's value its base earns. Quantized copies and adapters run the base's own
  weights, so they pass on all of it; a finetune changes the weights and passes on
  less; a merge mixes several bases and its share is split between them. The share not
  passed on is credited to no one.

"All models" are those with a snapshot and the endpoints of the counted edges; only
they get a value. The weight matrix is built straight from the integer edge arrays of
:func:`ecometrics.analysis.lineage.analyze_lineage` (the whole Hub has ~2 million models), so no
per-edge Python object is made. It equals what :func:`ecometrics.analysis.openrank.openrank` builds
from a DiGraph carrying these weights plus a sink node that takes each derivative's
uncredited share: ``openrank(normalize=True)`` divides every node's out-weights by their
sum, which the sink makes 1, so the weights above go to the solver as they are (divided
by their sum only where configured relation weights above 1 push it past 1, as
``openrank(normalize=True)`` would), iterated until every node is still
(``convergence="all"``).

Per family the influence is the sum over the family's root models, where the value
of all their derivatives collects (:mod:`ecometrics.analysis.families`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import repeat

import networkx as nx
import numpy as np
import polars as pl
import scipy.sparse as sp

from ecometrics.analysis import frames
from ecometrics.analysis.openrank import solve
from ecometrics.collector.store import Store
from ecometrics.core.dates import utc_now
from ecometrics.core.ecosystem import RELATIONS


@dataclass(frozen=True)
class InfluenceParameters:
    retention: float = 0.5
    relation_weights: dict[str, float] = field(
        default_factory=lambda: {"quantized": 1.0, "adapter": 1.0, "finetune": 0.8, "merge": 0.5}
    )
    tolerance: float = 1e-6
    max_iter: int = 100


PARAMETERS = InfluenceParameters()


def influence_matrix(
    n: int,
    parent: np.ndarray,
    child: np.ndarray,
    relation: np.ndarray,
    relation_weights: Mapping[str, float] = PARAMETERS.relation_weights,
) -> sp.csr_array:
    """The solver's transposed weight matrix: ``WT[p, c] = w(c, p)`` for each edge ``p -> c``.

    ``parent``/``child`` are node indexes ``0..n-1`` of distinct edges without
    self-references or cycles; ``relation`` holds indexes into :data:`RELATIONS`.
    """
    parent = np.asarray(parent, dtype=np.int64)
    child = np.asarray(child, dtype=np.int64)
    by_relation = np.array([relation_weights.get(name, 0.0) for name in RELATIONS], dtype=float)
    if (by_relation < 0).any():
        raise ValueError("model influence needs non-negative relation weights")
    share = by_relation[np.asarray(relation, dtype=np.int64)] / np.bincount(child, minlength=n)[child]
    out = np.bincount(child, weights=share, minlength=n)
    share = share / np.maximum(out[child], 1.0)  # the uncredited rest fills each sum up to 1
    return sp.csr_array(sp.coo_array((share, (parent, child)), shape=(n, n)))


def influence_values(
    n: int,
    parent: np.ndarray,
    child: np.ndarray,
    relation: np.ndarray,
    downloads: np.ndarray,
    parameters: InfluenceParameters = PARAMETERS,
) -> np.ndarray:
    """The influence of nodes ``0..n-1`` given each node's 30-day downloads.

    ``downloads`` is NaN for a node that is not a model of the influence graph (no
    snapshot, no counted edge): it is left out of the mean, and its value is NaN.
    Raises :class:`networkx.PowerIterationFailedConvergence` as :func:`openrank` does.
    """
    member = ~np.isnan(downloads)
    member[parent] = member[child] = True
    counted = np.where(member, np.nan_to_num(downloads), 0.0)
    members = int(member.sum())
    mean = counted.sum() / members if members else 0.0
    init = counted / mean if mean else np.zeros(n)
    WT = influence_matrix(n, parent, child, relation, parameters.relation_weights)
    x, iterations, converged = solve(
        WT, init, np.full(n, parameters.retention), tolerance=parameters.tolerance, max_iter=parameters.max_iter
    )
    if not converged:
        raise nx.PowerIterationFailedConvergence(iterations)
    x[~member] = np.nan
    return x


def compute_influence(
    store: Store,
    *,
    names: pl.Series,
    parent: np.ndarray,
    child: np.ndarray,
    relation: np.ndarray,
    snapshots: pl.DataFrame | None = None,
    parameters: InfluenceParameters = PARAMETERS,
) -> int:
    """Solve model influence and store it in ``model_influence``; returns the model count.

    ``names`` are the model ids of nodes ``0..n-1`` (every model with a snapshot among
    them, as ``model_snapshots`` references ``models``); ``parent``, ``child``,
    ``relation`` the counted edges as in :func:`influence_matrix`; ``snapshots`` the
    latest snapshots (default: read from the store).
    """
    if snapshots is None:
        snapshots = frames.latest_snapshots(store)
    # A snapshot without a downloads figure still makes its model count in the mean.
    downloads = (
        pl.DataFrame({"model_id": names})
        .join(
            snapshots.select("model_id", pl.col("downloads_30d").fill_null(0).cast(pl.Float64)),
            on="model_id",
            how="left",
            maintain_order="left",
        )["downloads_30d"]
        .fill_null(float("nan"))
        .to_numpy()
    )
    values = influence_values(len(names), parent, child, relation, downloads, parameters)
    member = ~np.isnan(values)
    now = utc_now()
    store.replace_rows(
        "model_influence",
        ("model_id", "value", "computed_at"),
        zip(names.filter(pl.Series(member)).to_list(), values[member].tolist(), repeat(now)),
    )
    return int(member.sum())
