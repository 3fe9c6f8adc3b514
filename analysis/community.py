"""Community OpenRank: OpenRank inside one repository, over its issues, pull requests and developers.

The definition is OpenDigger's production task ``src/cron/tasks/communityOpenrank.ts``
(X-lab2017/open-digger commit 9dbe621); line numbers below are that file's. For a
repository R and month M:

- **Pairs** (lines 209-242): one per (issue or pull request number, developer) with
  events of types IssuesEvent, IssueCommentEvent, PullRequestEvent and
  PullRequestReviewCommentEvent in M (action not ``deleted``), of weight
  ``ROUND(22.235·issues opened + 5.252·issue comments + 9.712·issues closed + 7.427·review
  comments + 40.679·PRs opened + 14.695·PRs closed, 3)`` with distinct ids; pairs of weight
  0 are left out, and so are ``ghost``'s (:mod:`ecometrics.core.bots`: GitHub's one account for every
  deleted user, which would join issues no one person worked on). The pair's thing is a pull request when the developer's events on that
  number include a PullRequestEvent or review comment, an issue otherwise (``is_pull``,
  line 221), so a developer who only commented on a pull request links to an issue node
  of that number, as OpenDigger's does.
- **Nodes** (lines 473-506): each developer (``u``), issue (``i``) and pull request (``p``)
  of the pairs, and the repository node (``r``) in the background node's place. Retention
  0.15 for every node (line 467).
- **Edges** (lines 509-531): thing -> developer ``0.95·a/A(thing)`` and developer -> thing
  ``0.95·a/A(developer)`` (``backgroundRatio`` 0.05, line 468), every other node ->
  repository node 0.05 and repository node -> every other node ``1/n`` (n nodes besides it).
- **Initial values** (lines 500-506): a developer inherits its own community OpenRank in R
  from the latest of the three previous months that has one, × 0.85 per month *beyond the
  first* (``Math.pow(attenuationFactor, lagecyIndex)``: last month's value unattenuated);
  anything else starts from 1, and a merged pull request's node from 1.5
  (``prMergeRatio``, line 469). OpenDigger also multiplies the 1 by an LLM-graded value
  or quality level (``issue_info``/``pull_info``, lines 204-207) and leaves out issues
  graded hostile (lines 245-246); those grades are not public data, so every multiplier is
  1 here. Issues, pull requests and the repository node never inherit in OpenDigger's
  monthly run either: their stored history rows are keyed differently from the ids
  looked up (lines 104-106 against 338), so only developers' lookups succeed.
- **Solve** (lines 517-534, 131-158): below 200 nodes the exact fixed point
  ``(I - (1 - r)·S)⁻¹ · r · c0`` by a dense inverse; from 200 nodes X-lab's plugin with
  tolerance 0.01 and at most 40 iterations (:func:`ecometrics.analysis.openrank.solve` with
  ``convergence="node"``). Values are stored as solved, per node, in ``community_openrank``.

What OpenDigger publishes as ``community_openrank_details`` (``monthlyExport.ts`` line
289, ``getRepoCommunityOpenrank`` in ``src/metrics/indices.ts`` lines 99-153) is the
*normalised* value (``src/scripts/importNormalizedCommunityOpenrank.ts`` lines 62-101): the
repository's global OpenRank for M shared among its non-bot developers in proportion to
their community OpenRank; :func:`community_table` shows both.

Which repositories: OpenDigger computes those it exports (global OpenRank above 5 in some
month, or labelled, lines 172 and 228, ``globalOpenrank.ts`` line 320) that have global
OpenRank. Here :func:`compute_community_openrank` takes the repositories asked for, else
every repository with global OpenRank in M that was collected through the API, is
labelled, or had global OpenRank above 5 in some month.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
import scipy.sparse as sp

from ecometrics.analysis import activity as act
from ecometrics.analysis.fields import COUNT, FLAG, ID, MONTH, NAME, SCORE, TEXT
from ecometrics.analysis.global_openrank import openrank_warm_up
from ecometrics.analysis.growth import partial_month
from ecometrics.analysis.openrank import solve
from ecometrics.collector.store import Store
from ecometrics.core.bots import NOT_PEOPLE, bot_expr
from ecometrics.core.dates import next_month
from ecometrics.core.errors import InputError
from ecometrics.core.outcome import Completed

log = logging.getLogger(__name__)

# -- OpenDigger's community OpenRank parameters (communityOpenrank.ts) ----------------
RETENTION = 0.15  # line 467
BACKGROUND_SHARE = 0.05  # line 468
MERGED_INIT = 1.5  # line 469, prMergeRatio
ATTENUATION = 0.85  # line 470
INHERIT_MONTHS = 3  # line 45, lagecyOpenrankMonthCount
DIRECT_BELOW = 200  # line 471, nodeSizeThreshold: smaller graphs are solved exactly
PLUGIN_TOLERANCE, PLUGIN_MAX_ITER = 0.01, 40  # line 147
EXPORT_MIN_OPENRANK = 5  # globalOpenrank.ts line 20: the repos OpenDigger exports
PAIR_WEIGHTS = {  # lines 214-219
    "issues_opened": 22.235,
    "issue_comments": 5.252,
    "issues_closed": 9.712,
    "review_comments": 7.427,
    "prs_opened": 40.679,
    "prs_closed": 14.695,
}

_PAIRS_SQL = """
SELECT issue_number, actor_id, max(actor_login),
       count(DISTINCT CASE WHEN type = 'IssuesEvent' AND action = 'opened' THEN issue_number END),
       count(DISTINCT CASE WHEN type = 'IssueCommentEvent' THEN comment_id END),
       count(DISTINCT CASE WHEN type = 'IssuesEvent' AND action = 'closed' THEN issue_number END),
       count(DISTINCT CASE WHEN type = 'PullRequestReviewCommentEvent' THEN comment_id END),
       count(DISTINCT CASE WHEN type = 'PullRequestEvent' AND action = 'opened' THEN issue_number END),
       count(DISTINCT CASE WHEN type = 'PullRequestEvent' AND action = 'closed' THEN issue_number END),
       max(CASE WHEN type = 'PullRequestEvent' THEN coalesce(merged, 0) ELSE 0 END),
       count(CASE WHEN type IN ('PullRequestEvent', 'PullRequestReviewCommentEvent') THEN 1 END) > 0
FROM events
WHERE repo_id = :repo AND created_at >= :start AND created_at < :end
  AND type IN ('IssuesEvent', 'IssueCommentEvent', 'PullRequestEvent', 'PullRequestReviewCommentEvent')
  AND coalesce(action, '') != 'deleted' AND actor_id IS NOT NULL AND issue_number IS NOT NULL
GROUP BY issue_number, actor_id
"""


@dataclass
class CommunityNetwork:
    """One repository's month: node keys (kind, id), initial values and the solved values."""

    keys: list[tuple[str, int]]
    init: np.ndarray
    values: np.ndarray
    names: dict[tuple[str, int], str | None]
    method: str


def community_network(store: Store, repo_id: int, month: str) -> CommunityNetwork | None:
    """Build and solve the community OpenRank of ``repo_id`` in ``month`` (None: no pairs)."""
    rows = store.conn.execute(_PAIRS_SQL, {"repo": repo_id, "start": month, "end": next_month(month)}).fetchall()
    pairs = []
    names: dict[tuple[str, int], str | None] = {}
    merged: set[tuple[str, int]] = set()
    for number, actor, login, *counts, was_merged, is_pull in rows:
        if (login or "").lower() in NOT_PEOPLE:  # ghost: deleted accounts, many people linked by nobody
            continue
        weight = round(sum(c * w for c, w in zip(counts, PAIR_WEIGHTS.values(), strict=True)), 3)
        if weight <= 0:
            continue
        thing = ("pull" if is_pull else "issue", number)
        pairs.append((("developer", actor), thing, weight))
        names[("developer", actor)] = login
        if was_merged == 1:
            merged.add(thing)
    if not pairs:
        return None
    keys = list(dict.fromkeys(k for developer, thing, _ in pairs for k in (developer, thing)))
    keys.append(("repo", repo_id))
    index = {key: k for k, key in enumerate(keys)}
    n = len(keys) - 1  # nodes besides the repository node
    total = np.zeros(n + 1)
    for developer, thing, weight in pairs:
        total[index[developer]] += weight
        total[index[thing]] += weight
    source, target, weights = [], [], []
    for developer, thing, weight in pairs:
        u, i = index[developer], index[thing]
        source += [i, u]
        target += [u, i]
        weights += [(1 - BACKGROUND_SHARE) * weight / total[i], (1 - BACKGROUND_SHARE) * weight / total[u]]
    others = list(range(n))
    source += others + [n] * n
    target += [n] * n + others
    weights += [BACKGROUND_SHARE] * n + [1.0 / n] * n
    # Repeated (source, target) entries are summed, as the matrix OpenDigger sets is overwritten:
    # each (developer, thing) pair is unique, so none repeat.
    WT = sp.csr_array(sp.coo_array((weights, (target, source)), shape=(n + 1, n + 1)))
    init = np.ones(n + 1)
    history = _inherited(store, repo_id, month)
    for key, k in index.items():
        if key[0] == "developer" and key[1] in history:
            init[k] = history[key[1]]
        if key in merged:
            init[k] *= MERGED_INIT
    retention = np.full(n + 1, RETENTION)
    if n + 1 < DIRECT_BELOW:
        A = np.eye(n + 1) - (1 - retention)[:, None] * WT.toarray()
        values = np.linalg.solve(A, retention * init)
        method = "direct"
    else:
        values, _, _ = solve(
            WT, init, retention, tolerance=PLUGIN_TOLERANCE, max_iter=PLUGIN_MAX_ITER, convergence="node"
        )
        method = "plugin"
    names.update(_titles(store, repo_id, month))
    return CommunityNetwork(keys, init, values, names, method)


def _inherited(store: Store, repo_id: int, month: str) -> dict[int, float]:
    """Each developer's value from the latest of the previous three months with one, × 0.85 per month beyond the first."""
    context = [month]
    for _ in range(INHERIT_MONTHS):
        year, mon = int(context[-1][:4]), int(context[-1][5:7])
        context.append(f"{year - (mon == 1):04d}-{(mon - 2) % 12 + 1:02d}")
    found: dict[int, float] = {}
    for position, earlier in enumerate(context[1:]):
        for developer, value in store.conn.execute(
            "SELECT node_id, value FROM community_openrank WHERE repo_id = ? AND month = ? AND node_type = 'developer' "
            "AND value > 0",
            (repo_id, earlier),
        ):
            found.setdefault(developer, value * ATTENUATION**position)
    return found


def _titles(store: Store, repo_id: int, month: str) -> dict[tuple[str, int], str | None]:
    rows = store.conn.execute(
        "SELECT issue_number, max(title), max(type IN ('PullRequestEvent', 'PullRequestReviewCommentEvent')), "
        "max(repo_name) FROM events WHERE repo_id = ? AND created_at >= ? AND created_at < ? "
        "AND issue_number IS NOT NULL GROUP BY issue_number",
        (repo_id, month, next_month(month)),
    ).fetchall()
    titles: dict[tuple[str, int], str | None] = {}
    for number, title, _is_pull, repo_name in rows:
        short = title[:256] if title else None  # substring(any(issue_title), 1, 256), line 183
        titles[("issue", number)] = titles[("pull", number)] = short
        titles[("repo", repo_id)] = repo_name
    return titles


@dataclass
class CommunitySummary(Completed):
    """What :func:`compute_community_openrank` did."""

    repos: dict[str, int] = field(default_factory=dict)  # month -> repositories computed
    rows_written: int = 0

    def summary(self) -> str:
        months = sorted(self.repos)
        text = f"community-openrank: {len(months)} month(s), {sum(self.repos.values()):,} repository-months"
        return text + (f" ({months[0]}..{months[-1]}, {self.rows_written:,} rows)" if months else "")

    __str__ = summary


def default_repos(store: Store, month: str) -> list[int]:
    """Repositories with global OpenRank in ``month`` that are collected, labelled or once above 5."""
    rows = store.conn.execute(
        """
        SELECT entity_id FROM openrank WHERE kind = 'repo' AND month = :month AND (
            entity_id IN (SELECT id FROM repos)
            OR entity_id IN (SELECT entity_id FROM label_entities WHERE entity_type = 'repo')
            OR entity_id IN (SELECT entity_id FROM openrank WHERE kind = 'repo' AND value > :least))
        ORDER BY entity_id
        """,
        {"month": month, "least": EXPORT_MIN_OPENRANK},
    ).fetchall()
    return [row[0] for row in rows]


def repo_id_of(store: Store, name: str) -> int:
    """The id of repository OWNER/NAME (collected, or named by its events); an InputError naming it otherwise."""
    row = store.conn.execute("SELECT id FROM repos WHERE lower(full_name) = lower(?)", (name,)).fetchone()
    if row is None:
        row = store.conn.execute(
            "SELECT repo_id FROM events WHERE lower(repo_name) = lower(?) ORDER BY created_at DESC LIMIT 1", (name,)
        ).fetchone()
    if row is None:
        raise InputError(f"repository {name!r} is in no collected repo or event; check OWNER/NAME")
    return int(row[0])


def compute_community_openrank(
    store: Store,
    from_month: str | None = None,
    to_month: str | None = None,
    *,
    repos: Iterable[str | int] | None = None,
    **_: Any,
) -> CommunitySummary:
    """Compute and store community OpenRank for every month with events (in order, so
    developers inherit), for ``repos`` (OWNER/NAME or ids) or :func:`default_repos`."""
    summary = CommunitySummary()
    asked = None if repos is None else [r if isinstance(r, int) else repo_id_of(store, r) for r in repos]
    for month in act.event_months(store, from_month, to_month):
        chosen = asked if asked is not None else default_repos(store, month)
        rows = []
        for repo_id in chosen:
            network = community_network(store, repo_id, month)
            if network is None:
                continue
            rows += [
                (repo_id, month, kind, ident, network.names.get((kind, ident)), float(value))
                for (kind, ident), value in zip(network.keys, network.values, strict=True)
            ]
            summary.repos[month] = summary.repos.get(month, 0) + 1
        store.replace_rows(
            "community_openrank",
            ("repo_id", "month", "node_type", "node_id", "name", "value"),
            rows,
            where={"month": month, "repo_id": list(chosen)},
        )
        summary.rows_written += len(rows)
        log.info("community openrank %s: %d repositories", month, summary.repos.get(month, 0))
    return summary


COLUMNS = {
    "rank": COUNT,
    "node_type": TEXT,
    "name": NAME,
    "community_openrank": SCORE,
    "openrank": SCORE,
    "month": MONTH,
    "repo": NAME,
    "node_id": ID,
    "partial_month": FLAG,
    "openrank_warm_up": FLAG,
}


def community_table(
    store: Store, *, repo: str | None = None, month: str | None = None, bots: Iterable[str] = (), **_: Any
) -> pl.DataFrame:
    """Community OpenRank of one repository (``--repo OWNER/NAME``) or of every computed one,
    in a month (``--month``; default the latest computed month), every node ranked in its repository.

    ``community_openrank`` is the solved value of each developer, issue (``issue``), pull
    request (``pull``) and the repository node; ``openrank`` is, for developers who are
    not bots, OpenDigger's published share: the repository's global OpenRank that month ×
    their community OpenRank / the sum over those developers (null for other nodes).
    """
    repo_id = repo_id_of(store, repo) if repo else None
    if month is None:
        month = store.conn.execute(
            "SELECT max(month) FROM community_openrank WHERE ? IS NULL OR repo_id = ?", (repo_id, repo_id)
        ).fetchone()[0]
    schema = {
        "repo_id": pl.Int64,
        "node_type": pl.String,
        "node_id": pl.Int64,
        "name": pl.String,
        "community_openrank": pl.Float64,
        "global": pl.Float64,
    }
    frame = pl.DataFrame(
        store.conn.execute(
            "SELECT c.repo_id, c.node_type, c.node_id, c.name, c.value, o.value FROM community_openrank c "
            "LEFT JOIN openrank o ON o.kind = 'repo' AND o.entity_id = c.repo_id AND o.month = c.month "
            "WHERE c.month = ? AND (? IS NULL OR c.repo_id = ?)",
            (month, repo_id, repo_id),
        ).fetchall(),
        schema=schema,
        orient="row",
    )
    labelled = act.labelled_bot_ids(store)
    human = (pl.col("node_type") == "developer") & ~bot_expr("name", bots) & ~pl.col("node_id").is_in(labelled)
    share = pl.col("community_openrank") / pl.col("community_openrank").filter(human).sum().over("repo_id")
    names = frame.filter(pl.col("node_type") == "repo").select("repo_id", repo="name")
    frame = (
        frame.join(names, on="repo_id", how="left")
        .with_columns(
            openrank=pl.when(human).then(share * pl.col("global")).otherwise(None),
            month=pl.lit(month, dtype=pl.String),
            name=pl.col("name").fill_null(pl.col("node_id").cast(pl.String)),
            repo=pl.col("repo").fill_null(pl.col("repo_id").cast(pl.String)),
        )
        .with_columns(  # the global OpenRank a share is taken of is flagged as every monthly table does
            partial_month=partial_month(pl.col("month"), store),
            openrank_warm_up=openrank_warm_up(pl.col("month"), store),
        )
        .sort(["repo", "community_openrank", "node_type", "node_id"], descending=[False, True, False, False])
        .with_columns(rank=pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("repo_id"))
    )
    return frame.select(*COLUMNS)
