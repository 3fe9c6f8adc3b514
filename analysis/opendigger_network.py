"""OpenDigger's ``developer_network.json`` and ``repo_network.json``, from the stored activity.

X-lab2017/open-digger ``src/cron/tasks/networkExport.ts`` (the task's ``callback``) writes
both files into the folder of every repository (``generateRepoNetwork``) and every developer
(``generateUserNetwork``) with a monthly global OpenRank above ``e`` (``openrank > Math.E``,
any one month) in its OpenRank window. The export month is the month after the export's
last month (``--to``): the task runs on the 6th (cron ``0 0 6 * *``) and reads

- the **activity months**: the three months before the export month (``forEveryMonth`` from
  ``now - 3 months`` to ``now - 1 month``, both included);
- the **OpenRank window**: ``created_at >= start AND created_at < end`` with ``end`` the
  first of the last activity month, so only the first two activity months.

A developer's weight in a repository is ``act = Σ_months sqrt(activity)`` over the activity
months (``activityProp``: ``SQRT(COALESCE(a.activity_YYYYM, 0.0))`` summed), where
``activity`` is the ACTION edge of the OpenRank network: here the stored ``activity`` table
that ``ecometrics analyze openrank`` writes with the global OpenRank
(:mod:`ecometrics.analysis.activity`), its network pairs only (``push_only`` rows are not
in the network). Pairs with ``act > 0`` only (``WHERE act > 0``). Two developers' (two
repositories') relation is ``Σ act1·act2 / (act1 + act2)`` over every repository both act in
(every developer acting in both), ``ROUND(.., 2)`` as Neo4j rounds (half up).

A repository's files (``generateRepoNetwork``):

- ``developer_network.json``: its top ``limit = 30`` developers by ``act`` (``userNetworkSql``),
  an edge for each pair of them that share a repository, node values their ``act`` here
  (``userActivitySql``, ``ROUND(act, 2)``); the ``UNION ALL`` of self rows makes a developer
  without a pair a node too;
- ``repo_network.json``: the 30 repositories most related to it through its developers, and
  itself (``collect(r2.id) + [r.id]``), an edge for each pair sharing a developer, node values
  their OpenRank summed over the OpenRank window (``parseFloat(toFixed(2))``, default 1).

A developer's files (``generateUserNetwork``): ``developer_network.json`` with the 30
developers most related to them, and themselves, valued by OpenRank; ``repo_network.json``
with their top 30 repositories by their ``act``, an edge for each pair sharing any developer,
valued by their ``act`` there (``repoActivitySql``), with self rows.

``processData`` shapes each: nodes ``[name, value]`` of the names in the rows, highest value
first; edges ``[n1, n2, rel]`` (``n1`` the larger GitHub id: ``u1.id > u2.id``) without self
rows, highest ``rel`` first; ``JSON.stringify``. Where OpenDigger's order is Neo4j's (ties of
a ``LIMIT``, of the stable sorts), ours is by name (ties of a top 30 by id): nodes by
``(-value, name)``, edges by ``(-rel, n1, n2)``. Names are each entity's latest in the
activity months (OpenDigger keeps the graph's current name).
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ecometrics.analysis.opendigger import months_before

LIMIT = 30  # networkExport.ts: const limit = 30
ACTIVITY_MONTHS = 3  # startDate = now - 3 months ... endDate = now - 1 month
OPENRANK_MONTHS = 2  # created_at >= start AND created_at < first of endDate's month
MIN_OPENRANK = math.e  # openrank > Math.E
DEVELOPER_NETWORK, REPO_NETWORK = "developer_network", "repo_network"

Acts = dict[int, dict[int, float]]  # entity id -> {the other side's id: act}
Network = dict[str, list[list[Any]]]


def neo4j_round(value: float) -> float:
    """Cypher ``ROUND(value, 2)``: "ties always being rounded away from zero (using rounding mode
    ``HALF_UP``)" (Neo4j's Cypher manual, functions/mathematical-numeric, ``round()`` with
    precision), on the decimal the float prints as (Java's ``BigDecimal.valueOf(double)``)."""
    return float(decimal.Decimal(repr(value)).quantize(decimal.Decimal("0.01"), decimal.ROUND_HALF_UP))


def js_to_fixed(value: float) -> float:
    """JavaScript's ``parseFloat(value.toFixed(2))``: the float's exact value, half up."""
    return float(decimal.Decimal(value).quantize(decimal.Decimal("0.01"), decimal.ROUND_HALF_UP))


def activity_months(last: str) -> list[str]:
    """The activity months of an export whose last month is ``last``: it and the two before."""
    first = dt.date.fromisoformat(last + "-01")
    return [months_before(first, back).isoformat()[:7] for back in range(ACTIVITY_MONTHS - 1, -1, -1)]


@dataclass
class Graph:
    """The activity months' ``act`` both ways and the names, and the OpenRank window's sums."""

    by_repo: Acts
    by_developer: Acts
    repo_names: dict[int, str]
    logins: dict[int, str]
    openrank: dict[str, dict[int, float]]  # kind -> id -> toFixed(2) of the window's sum
    selected: set[tuple[str, int]]  # (kind, id) with a month above e in the window


def load_graph(store: Any, last: str) -> Graph:
    """Read the stored activity of the activity months and OpenRank of the OpenRank window
    (see the module docstring) of an export whose last month is ``last``."""
    months = activity_months(last)
    by_repo: Acts = defaultdict(dict)
    by_developer: Acts = defaultdict(dict)
    repo_names: dict[int, str] = {}
    logins: dict[int, str] = {}
    marks = ",".join("?" * len(months))
    rows = store.conn.execute(
        "SELECT repo_id, repo_name, developer_id, login, activity FROM activity "
        f"WHERE month IN ({marks}) AND push_only = 0 ORDER BY month, repo_id, developer_id",
        months,
    )
    for repo, repo_name, developer, login, activity in rows:
        if activity > 0:
            act = by_repo[repo].get(developer, 0.0) + math.sqrt(activity)
            by_repo[repo][developer] = by_developer[developer][repo] = act
            repo_names[repo] = repo_name or repo_names.get(repo, "")
            logins[developer] = login or logins.get(developer, "")
    window = months[:OPENRANK_MONTHS]
    sums: dict[tuple[str, int], float] = defaultdict(float)
    selected: set[tuple[str, int]] = set()
    stored = store.conn.execute(
        "SELECT kind, entity_id, value FROM openrank WHERE month IN (?, ?) ORDER BY month, kind, entity_id", window
    )
    for kind, entity, value in stored:
        sums[kind, entity] += value
        if value > MIN_OPENRANK:
            selected.add((kind, entity))
    openrank: dict[str, dict[int, float]] = {"repo": {}, "developer": {}}
    for (kind, entity), total in sums.items():
        openrank.setdefault(kind, {})[entity] = js_to_fixed(total)
    return Graph(dict(by_repo), dict(by_developer), repo_names, logins, openrank, selected)


def _relation(a: Mapping[int, float], b: Mapping[int, float]) -> float:
    """``SUM((act1 * act2) / (act1 + act2))`` over what both act in."""
    return sum(a[key] * b[key] / (a[key] + b[key]) for key in sorted(a.keys() & b.keys()))


def _top(values: Mapping[int, float]) -> list[int]:
    """``ORDER BY .. DESC LIMIT 30``, ties by id."""
    return [key for key, _ in sorted(values.items(), key=lambda item: (-item[1], item[0]))[:LIMIT]]


def _related(center: int, own: Acts, other: Acts) -> list[int]:
    """``center`` and the 30 entities most related to it through what it acts in
    (``collect(x2.id) + [x.id]``); none related, none."""
    relations: dict[int, float] = defaultdict(float)
    for through, act in sorted(own.get(center, {}).items()):
        for entity, their in other[through].items():  # each entity's terms added in `through` order
            if entity != center:
                relations[entity] += act * their / (act + their)
    top = _top(relations)
    return [*top, center] if top else []


def _rows(members: Iterable[int], acts: Acts, *, self_rows: bool) -> list[tuple[int, int, float]]:
    """The pairs ``n1 > n2`` of ``members`` that share something, ``ROUND(rel, 2)``, and with
    ``self_rows`` each member's ``(m, m, 0)`` (the ``UNION ALL`` of the CALL block)."""
    members = sorted(set(members))
    rows = [
        (first, second, neo4j_round(_relation(acts[first], acts[second])))
        for index, second in enumerate(members)
        for first in members[index + 1 :]
        if acts[first].keys() & acts[second].keys()
    ]
    return rows + [(member, member, 0.0) for member in members] if self_rows else rows


def _shaped(rows: list[tuple[int, int, float]], names: Mapping[int, str], value: Mapping[int, float]) -> Network:
    """``processData``: the nodes of the rows valued by ``value`` (default 1), the edges but
    self rows; ties by name (see the module docstring)."""
    ids = {n for row in rows for n in row[:2]}
    nodes = sorted(((names[n], value.get(n, 1)) for n in ids), key=lambda node: (-node[1], node[0]))
    edges = sorted(
        ((names[n1], names[n2], rel) for n1, n2, rel in rows if n1 != n2), key=lambda edge: (-edge[2], edge[0], edge[1])
    )
    return {"nodes": [list(node) for node in nodes], "edges": [list(edge) for edge in edges]}


def repo_networks(graph: Graph, repo: int) -> dict[str, Network]:
    """A repository's two files (``generateRepoNetwork``)."""
    developers = _top(graph.by_repo.get(repo, {}))
    own = {developer: neo4j_round(graph.by_repo[repo][developer]) for developer in developers}
    repos = _related(repo, graph.by_repo, graph.by_developer)
    return {
        DEVELOPER_NETWORK: _shaped(_rows(developers, graph.by_developer, self_rows=True), graph.logins, own),
        REPO_NETWORK: _shaped(_rows(repos, graph.by_repo, self_rows=False), graph.repo_names, graph.openrank["repo"]),
    }


def developer_networks(graph: Graph, developer: int) -> dict[str, Network]:
    """A developer's two files (``generateUserNetwork``)."""
    developers = _related(developer, graph.by_developer, graph.by_repo)
    repos = _top(graph.by_developer.get(developer, {}))
    own = {repo: neo4j_round(graph.by_developer[developer][repo]) for repo in repos}
    return {
        DEVELOPER_NETWORK: _shaped(
            _rows(developers, graph.by_developer, self_rows=False), graph.logins, graph.openrank["developer"]
        ),
        REPO_NETWORK: _shaped(_rows(repos, graph.by_repo, self_rows=True), graph.repo_names, own),
    }


def networks(
    store: Any, last: str, repos: Iterable[tuple[int, str]], developers: Iterable[tuple[int, str]]
) -> dict[str, dict[str, Network]]:
    """Both files of each of the (id, folder name) ``repos`` and ``developers`` OpenDigger writes
    them for (a month above ``e`` in the OpenRank window), by folder name."""
    graph = load_graph(store, last)
    result: dict[str, dict[str, Network]] = {}
    for repo, name in repos:
        if ("repo", repo) in graph.selected:
            result[name] = repo_networks(graph, repo)
    for developer, login in developers:
        if ("developer", developer) in graph.selected:
            result[login] = developer_networks(graph, developer)
    return result
