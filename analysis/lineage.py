"""Model lineage: the derivative graph and per-model derivative counts.

The lineage graph has an edge parent -> child for every stored ``model_edges`` row,
labelled with the Hub's relation (``finetune``, ``adapter``, ``quantized``, ``merge``).
Per model it defines

- *direct derivatives*: the distinct children, in total and per relation;
- *all derivatives*: the distinct transitive descendants -- a model reachable along
  two paths (below a merge of two relatives, a "diamond") counts once;
- *max depth*: the length of the longest parent -> child path below the model (0 for a
  model without derivatives, 1 when it has only direct derivatives);
- *descendant downloads*: the summed downloads (latest snapshot) of all derivatives;
- *families*: see :mod:`ecometrics.analysis.families`.

Bad data is reported, never counted and never followed forever: an edge from a model to
itself (a *self-reference*) and the edges inside a *cycle* (a strongly connected set of
models, e.g. A -> B -> A) are left out; what remains is a DAG.

The counting runs on integer arrays, not on the networkx graph, because the whole Hub
(~2 million models, 1.5 million edges) must take seconds. All derivatives are exact
without materialising descendant sets: cut every in-edge of a *merge node* (a model with
two or more parents) and the rest is a forest F, where subtree sums count exactly. A
descendant w of v is then either in v's F-subtree, or in the F-subtree of some merge
node z that descends from v. Those are disjoint, so with A(z) the ancestor set of z

    all(v) = |F-subtree(v)| - 1 + sum over merge nodes z with v in A(z) of |F-subtree(z)|

and only the ancestor sets of merge nodes are built (their total size is small on the
Hub, where merges are a few percent of models and lineages are shallow).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import polars as pl
from scipy.sparse import csr_array
from scipy.sparse.csgraph import connected_components

from ecometrics.analysis import families as fam
from ecometrics.analysis import frames, growth
from ecometrics.analysis.fields import COUNT, FLAG, NAME, SCORE, TEXT, TIMESTAMP
from ecometrics.analysis.influence import compute_influence
from ecometrics.analysis.output import csv_safe, data_note, output_file
from ecometrics.collector.store import Store
from ecometrics.core.config import Config, FamilyConfig
from ecometrics.core.dates import utc_now
from ecometrics.core.ecosystem import RELATIONS
from ecometrics.core.errors import InputError
from ecometrics.core.outcome import Completed

log = logging.getLogger(__name__)

GRAPH_FORMATS = ("graphml", "gexf", "json", "csv")  # csv: the edge list


# -- counting on integer arrays ----------------------------------------------------------


@dataclass
class DescendantCounts:
    """Per-node lineage figures for nodes ``0..n-1`` (see the module docstring)."""

    parents: np.ndarray  # distinct parents over the kept edges
    direct: np.ndarray  # distinct children
    direct_by_relation: dict[str, np.ndarray]
    descendants: np.ndarray  # distinct transitive descendants
    max_depth: np.ndarray
    descendant_weights: np.ndarray  # (n, k): summed weights of the descendants, one column per weight
    level: np.ndarray  # longest path from a root: 0 for roots
    kept: np.ndarray  # bool mask over the input edges: not a self-reference, not inside a cycle
    self_references: np.ndarray  # nodes with an edge to themselves
    cycles: list[np.ndarray]  # the nodes of each cycle (strongly connected set of 2+ nodes)
    merge_nodes: np.ndarray  # nodes with two or more parents, by level
    forest_parent: np.ndarray  # the single parent of a one-parent node, else -1


def descendant_counts(
    n: int,
    parent: np.ndarray,
    child: np.ndarray,
    relation: np.ndarray | None = None,
    weights: np.ndarray | None = None,
) -> DescendantCounts:
    """Derivative counts of every node of the graph with edges ``parent[i] -> child[i]``.

    ``relation`` holds indexes into :data:`RELATIONS` (default: all finetune);
    ``weights`` is an ``(n, k)`` array summed over each node's distinct descendants.
    Duplicate edges count once.
    """
    parent = np.asarray(parent, dtype=np.int64)
    child = np.asarray(child, dtype=np.int64)
    relation = np.zeros(len(parent), np.int8) if relation is None else np.asarray(relation, dtype=np.int8)
    weights = np.zeros((n, 0)) if weights is None else np.asarray(weights, dtype=np.float64)
    if weights.ndim == 1:  # one weight per node; reshape(n, -1) cannot infer a width when n == 0
        weights = weights[:, None]

    # Duplicates, self-references and cycles.
    key = parent * n + child
    _, first = np.unique(key, return_index=True)
    kept = np.zeros(len(parent), bool)
    kept[first] = True
    loops = parent == child
    self_references = np.unique(parent[loops])
    graph = csr_array((np.ones(len(parent)), (parent, child)), shape=(n, n))
    _, component = connected_components(graph, directed=True, connection="strong")
    in_cycle_edge = (component[parent] == component[child]) & ~loops
    kept &= ~loops & ~in_cycle_edge
    cycles = _cycles(component, np.unique(np.concatenate([parent[in_cycle_edge], child[in_cycle_edge]])))

    p, c, r = parent[kept], child[kept], relation[kept]
    n_parents = np.bincount(c, minlength=n)
    direct = np.bincount(p, minlength=n)
    by_relation = {name: np.bincount(p[r == i], minlength=n) for i, name in enumerate(RELATIONS)}
    level = _levels(n, p, c, n_parents)

    # Longest path down, deepest levels first.
    max_depth = np.zeros(n, np.int64)
    for group in _groups(level[p], descending=True):
        np.maximum.at(max_depth, p[group], max_depth[c[group]] + 1)

    # Subtree sums over the forest F (merge nodes' in-edges cut); column 0 counts nodes.
    single = n_parents[c] == 1
    fp, fc = p[single], c[single]
    forest_parent = np.full(n, -1, np.int64)
    forest_parent[fc] = fp
    subtree = np.hstack([np.ones((n, 1)), weights])
    for group in _groups(level[fc], descending=True):
        np.add.at(subtree, fp[group], subtree[fc[group]])
    forest_root = np.arange(n)
    for group in _groups(level[fc], descending=False):
        forest_root[fc[group]] = forest_root[fp[group]]

    # Add each merge node's F-subtree to every ancestor of the merge node.
    merge_nodes = np.flatnonzero(n_parents >= 2)
    merge_nodes = merge_nodes[np.argsort(level[merge_nodes], kind="stable")]
    ancestors = _merge_ancestors(merge_nodes, p, c, forest_parent, forest_root)
    totals = subtree - np.hstack([np.ones((n, 1)), weights])
    if merge_nodes.size:
        members = np.concatenate([ancestors[z] for z in merge_nodes.tolist()])
        owners = np.repeat(merge_nodes, [len(ancestors[z]) for z in merge_nodes.tolist()])
        for column in range(subtree.shape[1]):
            totals[:, column] += np.bincount(members, weights=subtree[owners, column], minlength=n)

    return DescendantCounts(
        parents=n_parents,
        direct=direct,
        direct_by_relation=by_relation,
        descendants=np.rint(totals[:, 0]).astype(np.int64),
        max_depth=max_depth,
        descendant_weights=totals[:, 1:],
        level=level,
        kept=kept,
        self_references=self_references,
        cycles=cycles,
        merge_nodes=merge_nodes,
        forest_parent=forest_parent,
    )


def _cycles(component: np.ndarray, nodes: np.ndarray) -> list[np.ndarray]:
    if not nodes.size:
        return []
    order = np.argsort(component[nodes], kind="stable")
    nodes = nodes[order]
    return np.split(nodes, np.flatnonzero(np.diff(component[nodes])) + 1)


def _levels(n: int, parent: np.ndarray, child: np.ndarray, n_parents: np.ndarray) -> np.ndarray:
    """Longest path from a root to each node of a DAG (Kahn's algorithm, one level a step)."""
    order = np.argsort(parent, kind="stable")
    children = child[order]
    start = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(parent, minlength=n), out=start[1:])
    remaining = n_parents.copy()
    level = np.zeros(n, np.int64)
    frontier = np.flatnonzero(n_parents == 0)
    depth = 0
    while frontier.size:
        level[frontier] = depth
        first, count = start[frontier], start[frontier + 1] - start[frontier]
        total = int(count.sum())
        if not total:
            break
        slots = np.repeat(first - (np.cumsum(count) - count), count) + np.arange(total)
        reached, hits = np.unique(children[slots], return_counts=True)
        remaining[reached] -= hits
        frontier = reached[remaining[reached] == 0]
        depth += 1
    if remaining.any():  # cannot happen once cycle edges are gone; guard against a silent wrong answer
        raise RuntimeError("lineage graph still has a cycle after removing cycle edges")
    return level


def _groups(keys: np.ndarray, *, descending: bool) -> Iterable[np.ndarray]:
    """Index arrays of equal keys, in key order."""
    if not keys.size:
        return
    order = np.argsort(-keys if descending else keys, kind="stable")
    bounds = np.flatnonzero(np.diff(keys[order])) + 1
    yield from np.split(order, bounds)


def _merge_ancestors(
    merge_nodes: np.ndarray,
    parent: np.ndarray,
    child: np.ndarray,
    forest_parent: np.ndarray,
    forest_root: np.ndarray,
) -> dict[int, np.ndarray]:
    """The ancestor set of every merge node, parents before children (merge_nodes is by level)."""
    if not merge_nodes.size:
        return {}
    is_merge = np.zeros(len(forest_parent), bool)
    is_merge[merge_nodes] = True
    into_merge = is_merge[child]
    mp, mc = parent[into_merge], child[into_merge]
    order = np.argsort(mc, kind="stable")
    mp, mc = mp[order], mc[order]
    bounds = np.searchsorted(mc, merge_nodes)
    ends = np.searchsorted(mc, merge_nodes, side="right")
    up, root, merge = forest_parent.tolist(), forest_root.tolist(), is_merge.tolist()
    chains: dict[int, np.ndarray] = {}  # a parent of a merge and its F-ancestors, then the root's ancestors

    def above(node: int) -> np.ndarray:
        found = chains.get(node)
        if found is None:
            path = [node]
            while up[path[-1]] >= 0:
                path.append(up[path[-1]])
            top = root[node]
            parts = [np.array(path, np.int64)]
            if merge[top]:
                parts.append(ancestors[top])
            found = chains[node] = np.concatenate(parts) if len(parts) > 1 else parts[0]
        return found

    ancestors: dict[int, np.ndarray] = {}
    for z, lo, hi in zip(merge_nodes.tolist(), bounds.tolist(), ends.tolist(), strict=True):
        ancestors[z] = np.unique(np.concatenate([above(q) for q in mp[lo:hi].tolist()]))
    return ancestors


# -- the lineage of a store ------------------------------------------------------------------


@dataclass
class LineageReport(Completed):
    """What ``analyze lineage`` computed and what it left out."""

    models: int
    edges: int
    kept_edges: int
    merge_models: int
    self_references: list[str] = field(default_factory=list)
    cycles: list[list[str]] = field(default_factory=list)
    influence_models: int = 0

    @property
    def rows_written(self) -> int:
        return self.models + self.influence_models

    def lines(self, *, verbose: bool = False) -> list[str]:
        out = [
            f"lineage: {self.models} models, {self.kept_edges} of {self.edges} edges counted, "
            f"{self.merge_models} merges with several parents, "
            f"{len(self.self_references)} self-references and {len(self.cycles)} cycles left out"
        ]
        if verbose:
            out += [f"  self-reference: {model}" for model in self.self_references]
            out += [f"  cycle: {' <-> '.join(models)}" for models in self.cycles]
        return out


def stored_edges(store: Store) -> pl.DataFrame:
    """The lineage edges in the store (``model_edges``): parent, child, relation, source.

    (:func:`ecometrics.collector.edges.read_edges` reads an edge-list CSV to import.)
    """
    return frames.model_edges(store).select("parent", "child", "relation", "source")


def lineage_graph(edges: pl.DataFrame) -> nx.DiGraph:
    """A networkx DiGraph parent -> child with ``relation`` (and ``source``) on each edge."""
    graph: nx.DiGraph[str] = nx.DiGraph()
    columns = [c for c in ("relation", "source") if c in edges.columns]
    graph.add_edges_from(
        (row[0], row[1], dict(zip(columns, row[2:], strict=True)))
        for row in edges.select("parent", "child", *columns).iter_rows()
    )
    return graph


def analyze_lineage(
    store: Store,
    config: Config | None = None,
    *,
    families: Mapping[str, FamilyConfig] | None = None,
    influence: bool = True,
    verbose: bool = False,
) -> LineageReport:
    """Compute and store every model's lineage figures (table ``model_lineage``).

    ``families`` is a ``[families.*]`` table (default: ``config.families``);
    ``influence`` also computes model influence
    (:func:`ecometrics.analysis.influence.compute_influence`). The summary is logged, naming the
    self-references and cycles left out when ``verbose``.
    """
    if families is None and config is not None:
        families = config.families
    edges = stored_edges(store)
    models = frames.read_sql(
        store,
        "SELECT id AS model_id, author FROM models WHERE platform = 'huggingface'",
        schema={"model_id": pl.String, "author": pl.String},
    )
    names = pl.concat([models["model_id"], edges["parent"], edges["child"]]).unique(maintain_order=True)
    n = len(names)
    index = pl.DataFrame({"model_id": names, "node": pl.int_range(n, eager=True, dtype=pl.Int64)})
    node = dict(zip(("parent", "child"), _nodes(edges, index), strict=True))
    relation = edges["relation"].replace_strict(list(RELATIONS), list(range(len(RELATIONS))), return_dtype=pl.Int8)
    latest = frames.latest_snapshots(store)
    snapshots = index.join(latest, on="model_id", how="left").sort("node")
    weights = snapshots.select(
        pl.col("downloads_30d").fill_null(0), pl.col("downloads_all_time").fill_null(0)
    ).to_numpy()

    counts = descendant_counts(n, node["parent"], node["child"], relation.to_numpy(), weights)

    definitions = fam.family_definitions(families)
    family, origin = _families(names, models, definitions, counts, node["parent"], node["child"])
    relations = _relation_sets(n, node["child"][counts.kept], relation.to_numpy()[counts.kept])
    now = utc_now()
    table = pl.DataFrame(
        {
            "model_id": names,
            "parents": counts.parents,
            "relations": relations,
            "direct_derivatives": counts.direct,
            **counts.direct_by_relation,
            "all_derivatives": counts.descendants,
            "max_depth": counts.max_depth,
            "descendant_downloads_30d": np.rint(counts.descendant_weights[:, 0]).astype(np.int64),
            "descendant_downloads_all_time": np.rint(counts.descendant_weights[:, 1]).astype(np.int64),
            "family": family,
            "origin": origin,
        }
    ).with_columns(computed_at=pl.lit(now))
    with store.transaction():
        store.replace_rows("model_lineage", table.columns, table.iter_rows())
        fam.save_families(store, definitions)

    name_of = names.to_list()
    report = LineageReport(
        models=n,
        edges=len(edges),
        kept_edges=int(counts.kept.sum()),
        merge_models=len(counts.merge_nodes),
        self_references=sorted(name_of[i] for i in counts.self_references.tolist()),
        cycles=sorted(sorted(name_of[i] for i in cycle.tolist()) for cycle in counts.cycles),
    )
    if influence:
        kept = counts.kept
        report.influence_models = compute_influence(
            store,
            names=names,
            parent=node["parent"][kept],
            child=node["child"][kept],
            relation=relation.to_numpy()[kept],
            snapshots=latest,
        )
    for line in report.lines(verbose=verbose):
        log.info(line)
    return report


def _nodes(edges: pl.DataFrame, index: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The integer node of each edge's parent and child."""
    ids = edges.select(
        pl.col("parent", "child").replace_strict(index["model_id"], index["node"], return_dtype=pl.Int64)
    )
    # astype: on an empty frame polars returns the String columns unreplaced (object arrays)
    return ids["parent"].to_numpy().astype(np.int64), ids["child"].to_numpy().astype(np.int64)


def _relation_sets(n: int, child: np.ndarray, relation: np.ndarray) -> list[str | None]:
    """Each model's distinct relations to its parents, comma-joined (None for roots)."""
    bits = np.zeros(n, np.int64)
    np.bitwise_or.at(bits, child, 1 << relation.astype(np.int64))
    names = [
        ",".join(r for i, r in enumerate(RELATIONS) if mask >> i & 1) or None for mask in range(1 << len(RELATIONS))
    ]
    return [names[mask] for mask in bits.tolist()]


def _families(
    names: pl.Series,
    models: pl.DataFrame,
    definitions: list[fam.Family],
    counts: DescendantCounts,
    parent: np.ndarray,
    child: np.ndarray,
) -> tuple[list[str | None], list[str | None]]:
    """Each node's root families and their origins, ``+``-joined (see :mod:`ecometrics.analysis.families`).

    A root that was never collected (only seen as a parent) and whose organisation is in no
    family has no family: its own parents are unknown. Below it, families are those of the
    other roots (none: null).

    A one-parent node inherits its parent's families; a merge node takes the union of
    its parents' (level by level, so parents are always done first).
    """
    by_author = fam.author_families(definitions)
    author_of = dict(models.iter_rows())
    origin_of = {f.name: f.origin for f in definitions}
    sets: list[frozenset[str]] = []
    set_id: dict[frozenset[str], int] = {}

    def label(families: frozenset[str]) -> int:
        if families not in set_id:
            set_id[families] = len(sets)
            sets.append(families)
        return set_id[families]

    name_of = names.to_list()
    labels = np.full(len(name_of), -1, np.int64)
    for node in np.flatnonzero(counts.parents == 0).tolist():
        org = author_of.get(name_of[node]) or fam.organisation(name_of[node])
        found = by_author.get(org.casefold())
        if found:
            labels[node] = label(frozenset([found.name]))
        elif name_of[node] in author_of:
            labels[node] = label(frozenset([org]))
        else:  # never collected: its own ancestors are unknown, so it founds no family
            labels[node] = label(frozenset())

    kept = counts.kept
    p, c = parent[kept], child[kept]
    merge_parents: dict[int, list[int]] = {}
    is_merge = counts.parents[c] >= 2
    for q, z in zip(p[is_merge].tolist(), c[is_merge].tolist(), strict=True):
        merge_parents.setdefault(z, []).append(q)
    single = np.flatnonzero(counts.forest_parent >= 0)
    merges_by_level: dict[int, list[int]] = {}
    for z in counts.merge_nodes.tolist():
        merges_by_level.setdefault(int(counts.level[z]), []).append(z)
    single_by_level = {int(counts.level[g[0]]): g for g in _groups_of(single, counts.level[single])}
    for depth in range(1, int(counts.level.max(initial=0)) + 1):
        group = single_by_level.get(depth)
        if group is not None:
            labels[group] = labels[counts.forest_parent[group]]
        for z in merges_by_level.get(depth, ()):
            labels[z] = label(frozenset().union(*(sets[labels[q]] for q in merge_parents[z])))

    joined = [frames.FAMILY_SEPARATOR.join(sorted(s)) or None for s in sets]
    origins = [
        frames.FAMILY_SEPARATOR.join(sorted({origin for f in s if (origin := origin_of.get(f))})) or None for s in sets
    ]
    return [joined[i] for i in labels.tolist()], [origins[i] for i in labels.tolist()]


def _groups_of(nodes: np.ndarray, keys: np.ndarray) -> Iterable[np.ndarray]:
    for group in _groups(keys, descending=False):
        yield nodes[group]


# -- exports -------------------------------------------------------------------------------


MODEL_COLUMNS = {
    "model_id": NAME,
    "author": TEXT,
    "collected": FLAG,
    "family": TEXT,
    "origin": TEXT,
    "created_at": TIMESTAMP,
    **dict.fromkeys(("downloads_30d", "downloads_all_time", "downloads_gain_7d", "downloads_gain_30d"), COUNT),
    "likes": COUNT,
    "parents": COUNT,
    "relations": TEXT,
    "direct_derivatives": COUNT,
    **dict.fromkeys(RELATIONS, COUNT),
    **dict.fromkeys(
        ("all_derivatives", "max_depth", "descendant_downloads_30d", "descendant_downloads_all_time"), COUNT
    ),
    "influence": SCORE,
}


# "Most derived", wherever models are ranked (the export, the report's model pages, the demo):
# most derivatives at any depth first, then most direct ones, then most downloaded.
MOST_DERIVED = ("all_derivatives", "direct_derivatives", "downloads_30d", "model_id")


def most_derived_first(models: pl.DataFrame) -> pl.DataFrame:
    """``models`` (with the columns of :data:`MOST_DERIVED`) ranked most derived first."""
    return models.sort(list(MOST_DERIVED), descending=[True, True, True, False], nulls_last=True)


def model_table(store: Store, **_: Any) -> pl.DataFrame:
    """The models ranking: most derived first (:data:`MOST_DERIVED`: all derivatives, at any
    depth, then direct ones, the Hub's "childrenModelCount").

    The columns of :func:`ecometrics.analysis.frames.models_frame`, with ``downloads_gain_7d, downloads_gain_30d``
    (all-time downloads gained over the last 7 / 30 days of snapshots, as defined in
    :func:`ecometrics.analysis.growth.download_growth`) after ``downloads_all_time``.
    """
    models = frames.models_frame(store)
    gains = [f"downloads_gain_{n}d" for n in growth.DOWNLOAD_WINDOWS]
    at = models.columns.index("downloads_all_time") + 1
    models = models.join(growth.download_growth(store).select("model_id", *gains), on="model_id", how="left").select(
        *models.columns[:at], *gains, *models.columns[at:]
    )
    return most_derived_first(models)


def subtree(store: Store, root: str) -> nx.DiGraph:
    """The lineage below ``root`` (root included) as a DiGraph, with each model's figures on its node."""
    rows = store.conn.execute(
        "WITH RECURSIVE below(id) AS "  # UNION, not UNION ALL: a cycle ends the recursion
        "(SELECT ? UNION SELECT e.child FROM model_edges e JOIN below ON e.parent = below.id) "
        "SELECT e.parent, e.child, e.relation, e.source FROM model_edges e JOIN below ON e.parent = below.id "
        "WHERE e.parent != e.child",
        (root,),
    ).fetchall()
    known = store.conn.execute(
        "SELECT 1 FROM models WHERE platform = 'huggingface' AND id = ? "
        "UNION SELECT 1 FROM model_edges WHERE child = ? OR parent = ?",
        (root, root, root),
    ).fetchone()
    if not known:
        raise InputError(f"--root {root}: no such model in the store; check the id (author/name)")
    graph = lineage_graph(pl.DataFrame(rows, schema=["parent", "child", "relation", "source"], orient="row"))
    graph.add_node(root)
    figures = frames.models_frame(store).filter(pl.col("model_id").is_in(list(graph.nodes)))
    for row in figures.iter_rows(named=True):
        graph.nodes[row["model_id"]].update(
            {k: _graph_value(v, MODEL_COLUMNS.get(k)) for k, v in row.items() if k != "model_id" and v is not None}
        )
    graph.graph["root"] = root
    return graph


def _graph_value(value: Any, field: Any) -> int | float | str:
    """A node attribute as graph files keep it: times in UTC with ``Z`` and floats to the
    export column's decimals, as in the tables (:mod:`ecometrics.analysis.export`)."""
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return aware.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, float):
        return round(value, field.decimals if field is not None and field.decimals is not None else 3)
    return value if isinstance(value, (int, str)) else str(value)


def largest_root(store: Store) -> str | None:
    """The root model with the most derivatives in the last analysis (None without any)."""
    row = store.conn.execute(
        "SELECT model_id FROM model_lineage WHERE parents = 0 AND all_derivatives > 0 "
        "ORDER BY all_derivatives DESC, model_id LIMIT 1"
    ).fetchone()
    return row[0] if row else None


def write_lineage(store: Store, root: str, fmt: str, path: str | Path) -> Path:
    """Write the lineage below ``root`` as GraphML, GEXF (Gephi), node-link JSON or a CSV edge list.

    A demo database's note (:func:`ecometrics.analysis.output.data_note`) goes into the graph's
    attributes (GraphML ``<data>`` of the graph, JSON ``graph.note``) and into GEXF's
    ``<meta><description>``, which Gephi shows; a CSV edge list carries the rows only.
    """
    if fmt not in GRAPH_FORMATS:
        raise InputError(
            f"export lineage: format {fmt!r} is not a graph format; choose one of {', '.join(GRAPH_FORMATS)}"
        )
    graph = subtree(store, root)
    note = data_note(store)
    if note:
        graph.graph["note"] = note
    with output_file(path) as temporary:  # the rest of the block writes the temporary file
        path, destination = temporary, Path(path)
        if fmt == "graphml":
            nx.write_graphml(graph, path)
        elif fmt == "gexf":
            _write_gexf(graph, path, note)
        elif fmt == "json":
            # edges keyed parent/child as in the CSV edge list: networkx's default "source" key
            # would overwrite the edge's own ``source`` (hub or import)
            data = nx.node_link_data(graph, source="parent", target="child", edges="edges")
            path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        else:
            csv_safe(
                pl.DataFrame(
                    [(p, c, d.get("relation"), d.get("source")) for p, c, d in graph.edges(data=True)],
                    schema=["parent", "child", "relation", "source"],
                    orient="row",
                )
            ).write_csv(path)
    return destination


def _write_gexf(graph: nx.DiGraph, path: Path, note: str | None) -> None:
    """GEXF through networkx's writer, which keeps no graph attributes: the root names the
    graph and the note is the ``<meta>`` description (GEXF 1.2 schema, ``meta/description``)."""
    from xml.etree.ElementTree import SubElement

    from networkx.readwrite.gexf import GEXFWriter

    writer = GEXFWriter(encoding="utf-8", prettyprint=True)
    named = graph.copy()
    named.graph = {"name": graph.graph.get("root", "")}
    for _, attributes in named.nodes(data=True):  # GEXF reserves "parents" (its hierarchy)
        if "parents" in attributes:
            attributes["parent_count"] = attributes.pop("parents")
    writer.add_graph(named)
    if note:
        SubElement(writer.xml.find("meta"), "description").text = note
    writer.write(path)
