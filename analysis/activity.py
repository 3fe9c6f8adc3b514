"""Activity: OpenDigger's two weighted counts of what a developer did in a repository.

**The OpenRank network weight** (stored in the ``activity`` table, exported as
``openrank_weight``) follows X-lab's OpenDigger global OpenRank task
``src/cron/tasks/globalOpenrank.ts`` (open-digger commit cbb348b, lines 101-133): for each
(repo, developer, month),

    weight = ROUND(22.235·issues opened + 5.252·issue comments + 9.712·issues closed
                   + 7.427·PR review comments + 40.679·PRs opened + 14.695·pushes, 3)

where every term counts *distinct* things in the month (``uniqExactIf``): issues and pull
requests by number, comments by comment id, pushes by ``push_id`` (the commit sha for
REST-derived events). The weights are :data:`ecometrics.core.config.ACTIVITY_WEIGHTS`; pass ``weights=`` to
change them. As there (lines 110-119):

- comments count whatever their action; issues closed are ``IssuesEvent``/``closed`` only;
- a pair enters the OpenRank network when its month has at least one *valid* event
  (``valid_count > 0``, lines 117-119, 133): an issue opened or closed, an issue comment or
  review comment created, or a pull request opened or **closed** (merging is closing): a
  developer whose month in a repo is pushes plus merging a pull request is in the
  network with the pushes' weight (closing carries none). ``push_only`` is true exactly
  when the pair has no valid event (e.g. only pushes); such a pair keeps its weight here
  and is left out of the network;
- events on an issue or pull request whose title starts with ``[snyk]`` (any case,
  ``issue_title NOT ILIKE '[snyk]%'``, line 130) are left out: the event's own title, or
  the title any event of that issue carries in the same month (REST comments carry none);
- the weight is rounded to 3 decimals (``ROUND(..., 3)``, line 115).

**OpenDigger's published ``activity`` metric** is another formula
(``src/metrics/indices.ts``, ``basicActivitySqlComponent``, lines 20-24 and 215-224),
computed by :func:`opendigger_activity`: per (repo, developer, month)

    activity = sqrt(0.5252·issue comments + 2.2235·issues opened + 4.0679·PRs opened
                    + 0.7427·review comments + 2.0339·PRs merged)

with distinct ids, issue comments and review comments ``created`` (review comments also
``added``), and a merged pull request (``closed`` with ``merged``) credited to its author
rather than to who merged it; a repository's activity is the sum over its developers and
a developer's the sum over repositories, each rounded to 2 decimals
(``ROUND(SUM(activity), 2)``, lines 256 and 318). Bots are not removed there
(``getRepoActivity`` has no bot rule; ``getUserActivity`` keeps them by default), and not
here either. Where no author was stored (REST rows collected before titles and authors
were kept), the merge is credited to its actor.

Decisions where the definition leaves a detail open, checked against OpenDigger's code:

- We count distinct ids on our side too, so a comment seen by both the REST collector and
  a GH Archive import counts once.
- Very old archives carry no action on comment events; they count as ``created``.
- Bots are removed before anything else, by the bot rule (:mod:`ecometrics.core.bots`: logins
  ending in ``[bot]``, the built-in ``BOT_LOGINS`` and the configured logins ``bots``
  (``[activity].bots``), ignoring case) and the accounts OpenDigger labels as bots
  (``labeled_data/bot``, matched by GitHub id as its ``flatten_labels`` ``:bot`` rule
  does, line 131; :func:`labelled_bot_ids`) once ``ecometrics import labels`` has read
  them. The rule is applied here, at analysis time, to the stored logins, so a login
  configured after its rows were collected counts from then on: the ``is_bot`` flag the
  collectors stored is the rule's answer with the logins configured then. Then any
  developer in more than ``max_repos`` network pairs in the month is removed with all
  their pairs (lines 170-184, which count the pairs that passed ``valid_count > 0``), and
  a repo left with total weight below ``min_repo_activity`` drops out.

Events without an actor id or repo id (deleted accounts) are not counted. Pushes do not
match across the REST collector and GH Archive (GH Archive's ``push_id`` names a push, the
REST collector's a commit sha), so a month taken from both counts both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from ecometrics.analysis import activity_sql
from ecometrics.collector.store import Store
from ecometrics.core.bots import bot_expr
from ecometrics.core.config import ACTIVITY_WEIGHTS, ActivityConfig
from ecometrics.core.dates import check_month, next_month
from ecometrics.core.errors import InputError
from ecometrics.core.outcome import Completed

COUNTS = tuple(ACTIVITY_WEIGHTS)
MIN_REPO_ACTIVITY = 1.0

SCHEMA: dict[str, Any] = {
    "month": pl.String,
    "repo_id": pl.Int64,
    "repo_name": pl.String,
    "developer_id": pl.Int64,
    "login": pl.String,
    **{name: pl.Int64 for name in COUNTS},
}

# One definition of the counts for SQLite and the archive engines (ecometrics.analysis.activity_sql).
if tuple(count.name for count in activity_sql.COUNTED) != COUNTS:
    raise ImportError("ecometrics.analysis.activity_sql counts the actions ACTIVITY_WEIGHTS weighs, in that order")


def labelled_bot_ids(store: Store) -> list[int]:
    """GitHub ids of the accounts OpenDigger labels as bots (label ``:bot``), once imported."""
    rows = store.conn.execute(
        "SELECT entity_id FROM label_entities WHERE label_id = ':bot' AND entity_type = 'user' ORDER BY entity_id"
    ).fetchall()
    return [row[0] for row in rows]


def event_months(store: Store, from_month: str | None = None, to_month: str | None = None) -> list[str]:
    """The months (YYYY-MM, ascending) that have events, within the optional bounds."""
    low = check_month(from_month, "--from") if from_month else "0000-00"
    high = next_month(check_month(to_month, "--to")) if to_month else "9999-99"
    months: list[str] = []
    cursor = low
    # Walk the created_at index month by month instead of grouping every event.
    while True:
        row = store.conn.execute(
            "SELECT substr(min(created_at), 1, 7) FROM events WHERE created_at >= ? AND created_at < ?",
            (cursor, high),
        ).fetchone()
        if row[0] is None:
            return months
        months.append(row[0])
        cursor = next_month(row[0])


def activity_frame(
    store: Store,
    month: str,
    *,
    weights: Mapping[str, float] | None = None,
    bots: Iterable[str] = (),
    max_repos: int = ActivityConfig.max_repos,
    min_repo_activity: float = MIN_REPO_ACTIVITY,
) -> pl.DataFrame:
    """Activity per (repo, developer) in ``month``, bots removed (see the module docstring).

    ``bots`` are logins taken for bots besides those ending in ``[bot]`` and ``ecometrics.core.bots.BOT_LOGINS``.

    Columns: ``month, repo_id, repo_name, developer_id, login``, the distinct counts
    (``issues_opened, issue_comments, issues_closed, review_comments, prs_opened,
    pushes``), ``activity`` (the weighted sum) and ``push_only``.
    """
    check_month(month)
    sql = activity_sql.activity_counts_sql(activity_sql.SQLITE_EVENTS, month, next_month(month))
    counts = pl.DataFrame(store.conn.execute(sql).fetchall(), schema=activity_sql.RESULT_COLUMNS, orient="row")
    return activity_from_counts(
        store, counts, weights=weights, bots=bots, max_repos=max_repos, min_repo_activity=min_repo_activity
    )


def activity_from_counts(
    store: Store,
    counts: pl.DataFrame,
    *,
    weights: Mapping[str, float] | None = None,
    bots: Iterable[str] = (),
    max_repos: int = ActivityConfig.max_repos,
    min_repo_activity: float = MIN_REPO_ACTIVITY,
) -> pl.DataFrame:
    """:func:`activity_frame` from the rows of :func:`ecometrics.analysis.activity_sql.activity_counts_sql`,
    whichever engine ran it: the weights, the bot rule (with ``store``'s labelled bots) and the limits."""
    weights = {**ACTIVITY_WEIGHTS, **(weights or {})}
    unknown = set(weights) - set(ACTIVITY_WEIGHTS)
    if unknown:
        raise InputError(f"activity weights: unknown action(s) {sorted(unknown)}; use {', '.join(COUNTS)}")
    frame = counts.select(
        [pl.col(name).cast(dtype) for name, dtype in SCHEMA.items()] + [pl.col("valid_count").cast(pl.Int64)]
    )
    frame = frame.filter(~bot_expr("login", bots) & ~pl.col("developer_id").is_in(labelled_bot_ids(store)))
    activity = pl.sum_horizontal(pl.col(name) * weights[name] for name in COUNTS).round(3)
    frame = frame.with_columns(activity=activity.cast(pl.Float64), push_only=pl.col("valid_count") == 0).filter(
        pl.col("activity") > 0
    )
    # Accounts in too many network pairs are automation, whatever their login.
    frame = frame.filter((~pl.col("push_only")).sum().over("developer_id") <= max_repos)
    frame = frame.filter(pl.col("activity").sum().over("repo_id") >= min_repo_activity)
    return frame.drop("valid_count").sort("repo_id", "developer_id")


# -- OpenDigger's published activity metric (src/metrics/indices.ts) -------------------

# indices.ts lines 20-24.
OPENDIGGER_ACTIVITY_WEIGHTS: dict[str, float] = {
    "issue_comment": 0.5252,
    "open_issue": 2.2235,
    "open_pull": 4.0679,
    "review_comment": 0.7427,
    "merged_pull": 2.0339,
}
OPENDIGGER_COUNTS = tuple(OPENDIGGER_ACTIVITY_WEIGHTS)
OPENDIGGER_DECIMALS = 2  # ROUND(SUM(activity), 2), indices.ts lines 256 and 318

# basicActivitySqlComponent (indices.ts lines 215-224): a merged pull request's closing is
# credited to the pull request's author; grouped by the credited account.
_OPENDIGGER_SQL = """
WITH credited AS (
    SELECT *, CASE WHEN merged_pull THEN coalesce(author_id, actor_id) ELSE actor_id END AS developer_id,
              CASE WHEN merged_pull THEN coalesce(author_login, actor_login) ELSE actor_login END AS login
    FROM (SELECT *, (type = 'PullRequestEvent' AND action = 'closed' AND merged = 1) AS merged_pull FROM events
          WHERE created_at >= :start AND created_at < :end
            AND type IN ('IssuesEvent', 'IssueCommentEvent', 'PullRequestEvent', 'PullRequestReviewCommentEvent'))
)
SELECT repo_id, repo_name, developer_id, login, max(created_at),
       count(DISTINCT CASE WHEN type = 'IssueCommentEvent' AND coalesce(action, 'created') = 'created'
                           THEN comment_id END),
       count(DISTINCT CASE WHEN type = 'IssuesEvent' AND action = 'opened' THEN issue_number END),
       count(DISTINCT CASE WHEN type = 'PullRequestEvent' AND action = 'opened' THEN issue_number END),
       count(DISTINCT CASE WHEN type = 'PullRequestReviewCommentEvent'
                                AND coalesce(action, 'created') IN ('created', 'added') THEN comment_id END),
       count(DISTINCT CASE WHEN merged_pull THEN issue_number END)
FROM credited
WHERE developer_id IS NOT NULL AND repo_id IS NOT NULL
GROUP BY repo_id, developer_id
"""


def opendigger_activity(store: Store, month: str) -> pl.DataFrame:
    """OpenDigger's ``activity`` per (repo, developer) in ``month`` (see the module docstring).

    Columns: ``repo_id, repo_name, developer_id, login``, the distinct counts
    (``issue_comment, open_issue, open_pull, review_comment, merged_pull``, OpenDigger's
    names) and ``activity`` = sqrt of their weighted sum, unrounded; pairs with 0 left out.
    """
    check_month(month)
    rows = store.conn.execute(_OPENDIGGER_SQL, {"start": month, "end": next_month(month)}).fetchall()
    schema = {
        "repo_id": pl.Int64,
        "repo_name": pl.String,
        "developer_id": pl.Int64,
        "login": pl.String,
        **{name: pl.Int64 for name in OPENDIGGER_COUNTS},
    }
    frame = pl.DataFrame([row[:4] + row[5:] for row in rows], schema=schema, orient="row")
    weighted = pl.sum_horizontal(pl.col(name) * w for name, w in OPENDIGGER_ACTIVITY_WEIGHTS.items())
    return frame.with_columns(activity=weighted.cast(pl.Float64).sqrt()).filter(pl.col("activity") > 0)


def opendigger_activity_by(store: Store, month: str, kind: str) -> pl.DataFrame:
    """OpenDigger's ``activity`` of each repo or developer (``kind``) in ``month``: the sum
    over its pairs rounded to 2 decimals. Columns ``entity_id, activity``."""
    column = {"repo": "repo_id", "developer": "developer_id"}[kind]
    return (
        opendigger_activity(store, month)
        .group_by(column)
        .agg(pl.col("activity").sum().round(OPENDIGGER_DECIMALS))
        .rename({column: "entity_id"})
    )


# -- the stored table ---------------------------------------------------------------

ACTIVITY_COLUMNS = ("month", "repo_id", "repo_name", "developer_id", "login", *COUNTS, "activity", "push_only")


def write_activity(store: Store, month: str, frame: pl.DataFrame) -> int:
    """Replace the stored activity of ``month`` with ``frame``; returns rows written."""
    store.replace_rows("activity", ACTIVITY_COLUMNS, frame.select(ACTIVITY_COLUMNS).iter_rows(), where={"month": month})
    return len(frame)


@dataclass
class ActivitySummary(Completed):
    """What :func:`compute_activity` wrote: rows per month."""

    months: dict[str, int] = field(default_factory=dict)

    @property
    def rows_written(self) -> int:
        return sum(self.months.values())

    def summary(self) -> str:
        return f"activity: {len(self.months)} month(s), {self.rows_written:,} rows"

    __str__ = summary


def compute_activity(
    store: Store, from_month: str | None = None, to_month: str | None = None, **options: Any
) -> ActivitySummary:
    """Recompute the ``activity`` table for every month with events in the range (``analyze activity``).

    ``options`` are those of :func:`activity_frame`. OpenRank is not recomputed
    (:func:`ecometrics.analysis.global_openrank.compute_global_openrank` writes activity with it).
    """
    summary = ActivitySummary()
    for month in event_months(store, from_month, to_month):
        summary.months[month] = write_activity(store, month, activity_frame(store, month, **options))
    return summary
