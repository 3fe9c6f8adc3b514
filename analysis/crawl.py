"""How complete the Hugging Face derivative crawl is: collected children against the Hub's counts.

The Hub reports each model's ``childrenModelCount`` (per relation); the tracked crawl
(:mod:`ecometrics.collector.hf`) stores it in ``models.children_count`` next to the hub edges it
collected, so the two can be compared per tracked root. ``ecometrics export
completeness`` writes the table; ``ecometrics status`` summarises it.
"""

from __future__ import annotations

import json
from typing import Any

import polars as pl

from ecometrics.analysis.fields import COUNT, NAME, RATIO, TEXT
from ecometrics.collector.store import Store


def children_total(counts: Any) -> int:
    """The Hub's ``childrenModelCount`` as one number: per-relation counts summed."""
    if isinstance(counts, str):
        counts = json.loads(counts)
    if isinstance(counts, dict):
        return sum(int(n or 0) for n in counts.values())
    return int(counts or 0)


COLUMNS = {
    "root": NAME,
    "author": TEXT,
    "status": TEXT,
    **dict.fromkeys(("tree_models", "children_collected", "children_reported", "unknown_counts"), COUNT),
    "completeness": RATIO,
}


def crawl_completeness(store: Store, **_: Any) -> pl.DataFrame:
    """Per tracked root: the children collected against the children the Hub reports.

    A root's tree is the root and every model reachable from it through stored hub
    edges. Over the tree's models whose ``childrenModelCount`` the Hub gave,
    ``children_reported`` sums those counts and ``children_collected`` counts the
    stored hub edges out of them; ``completeness`` is their ratio (1.0 when nothing is
    reported, null when no model of the tree has a count). ``unknown_counts`` is the
    number of tree models without a count (a gated root, a listing that refused it).
    Completeness is 1.0 when the crawl reached every leaf; models at the depth limit, a
    capped tree or a stale Hub count bring it below (or, rarely, above) 1.
    """
    rows = store.query(
        """
        WITH RECURSIVE tree(root, model) AS (
            SELECT id, id FROM models WHERE tracked = 1
            UNION
            SELECT tree.root, e.child FROM tree JOIN model_edges e ON e.parent = tree.model AND e.source = 'hub'
        )
        SELECT tree.root, tree.model, m.children_count,
               (SELECT count(*) FROM model_edges e WHERE e.parent = tree.model AND e.source = 'hub') AS collected
        FROM tree LEFT JOIN models m ON m.platform = 'huggingface' AND m.id = tree.model
        """
    )
    totals: dict[str, list[int]] = {}
    for row in rows:
        entry = totals.setdefault(row["root"], [0, 0, 0, 0])  # models, collected, reported, unknown
        entry[0] += 1
        if row["children_count"] is None:
            entry[3] += 1
            continue
        entry[1] += row["collected"]
        entry[2] += children_total(row["children_count"])
    roots = {r["id"]: r for r in store.query("SELECT id, author, status FROM models WHERE tracked = 1")}
    records = [
        {
            "root": root,
            "author": roots[root]["author"],
            "status": roots[root]["status"],
            "tree_models": size,
            "children_collected": collected,
            "children_reported": reported,
            "unknown_counts": unknown,
            "completeness": None if unknown == size else collected / reported if reported else 1.0,
        }
        for root, (size, collected, reported, unknown) in sorted(totals.items())
    ]
    schema = {
        "root": pl.String, "author": pl.String, "status": pl.String, "tree_models": pl.Int64,
        "children_collected": pl.Int64, "children_reported": pl.Int64, "unknown_counts": pl.Int64,
        "completeness": pl.Float64,
    }  # fmt: skip
    return pl.DataFrame(records, schema=schema)
