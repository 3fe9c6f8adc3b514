"""Model influence: OpenRank on the lineage graph (SPEC 6.4).

Value flows from derived models to their parents: a derivative credits its base. On the
graph with an edge child -> parent for every counted lineage edge, the OpenRank solver
(:func:`analysis.openrank.openrank`) finds the fixed point of

    x(n) = r * i(n) + (1 - r) * sum over children m of w(m, n) * x(m)

with, as the parameters below (:data:`PARAMETERS`, documented in the README):

- i(n): the model's downloads in the last 30 days (latest snapshot), divided by the
  mean over all models so that values read as "times an average model";
- r: the retention, the share of a model's value that comes from its own downloads;
- w(m, n) = relation_weight(relation of m to n) / (number of parents of m): how much of
  a derivative's value its base earns. Quantized copies and adapters run the base's own
  weights, so they pass on all of it; a finetune changes the weights and passes on
  less; a merge mixes several bases and its share is split between them. The share not
  passed on goes to a sink node, :data:`UNCREDITED`, that passes nothing on and is not
  reported (the solver normalises out-weights, so the sink keeps them summing to 1).

Per family the influence is the sum over the family's root models, where the value
of all their derivatives collects (:mod:`analysis.families`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx
import polars as pl

from collector.store import Store, utc_now


@dataclass(frozen=True)
class InfluenceParameters:
    retention: float = 0.5
    relation_weights: dict[str, float] = field(
        default_factory=lambda: {"quantized": 1.0, "adapter": 1.0, "finetune": 0.8, "merge": 0.5}
    )
    tolerance: float = 1e-6
    max_iter: int = 100


PARAMETERS = InfluenceParameters()

UNCREDITED = ("uncredited",)  # the sink; a tuple, so no model id can collide with it


def influence_graph(
    edges: pl.DataFrame,
    downloads: dict[str, float],
    parameters: InfluenceParameters = PARAMETERS,
) -> nx.DiGraph:
    """The DiGraph child -> parent carrying OpenRank's ``init``, ``retention`` and ``weight``.

    ``edges`` holds parent, child, relation (self-references and cycle edges already
    removed); ``downloads`` maps model ids to 30-day downloads (missing: 0).
    """
    graph = nx.DiGraph()
    nodes = set(downloads) | set(edges["parent"]) | set(edges["child"])
    mean = sum(downloads.values()) / len(nodes) if nodes else 0.0
    graph.add_nodes_from(
        (node, {"init": downloads.get(node, 0.0) / mean if mean else 0.0, "retention": parameters.retention})
        for node in nodes
    )
    weights = pl.DataFrame(
        {"relation": list(parameters.relation_weights), "relation_weight": list(parameters.relation_weights.values())}
    )
    shares = edges.join(weights, on="relation", how="left").with_columns(
        share=pl.col("relation_weight") / pl.len().over("child")
    )
    graph.add_edges_from(
        (child, parent, {"weight": share, "relation": relation})
        for parent, child, relation, share in shares.select("parent", "child", "relation", "share").iter_rows()
    )
    uncredited = shares.group_by("child").agg(rest=1.0 - pl.col("share").sum()).filter(pl.col("rest") > 0)
    graph.add_node(UNCREDITED, init=0.0, retention=1.0)
    graph.add_edges_from((child, UNCREDITED, {"weight": rest}) for child, rest in uncredited.iter_rows())
    return graph


def compute_influence(
    store: Store,
    *,
    edges: pl.DataFrame,
    parameters: InfluenceParameters = PARAMETERS,
) -> int:
    """Solve model influence over ``edges`` and store it in ``model_influence``; returns the model count."""
    from analysis.lineage import latest_snapshots
    from analysis.openrank import openrank

    snapshots = latest_snapshots(store)
    downloads = {model: float(value or 0) for model, value in snapshots.select("model_id", "downloads_30d").iter_rows()}
    graph = influence_graph(edges, downloads, parameters)
    values = openrank(graph, tolerance=parameters.tolerance, max_iter=parameters.max_iter)
    values.pop(UNCREDITED, None)
    now = utc_now()
    with store.transaction():
        store.conn.execute("DELETE FROM model_influence")
        store.conn.executemany(
            "INSERT INTO model_influence (model_id, value, computed_at) VALUES (?, ?, ?)",
            ((model, float(value), now) for model, value in values.items()),
        )
    return len(values)
