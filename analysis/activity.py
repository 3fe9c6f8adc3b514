"""Activity: OpenDigger's weighted count of what a developer did in a repository.

Definition (after X-lab's OpenDigger global OpenRank task
``src/cron/tasks/globalOpenrank.ts``): for each (repo, developer, month),

    activity = 22.235·issues opened + 5.252·issue comments + 9.712·issues closed
             + 7.427·PR review comments + 40.679·PRs opened + 14.695·pushes

where every term counts *distinct* things in the month: issues and pull requests by
number, comments by comment id, pushes by ``push_id`` (the commit sha for REST-derived
events). The weights are :data:`ACTIVITY_WEIGHTS`; pass ``weights=`` to change them.

Decisions where the definition leaves a detail open, checked against OpenDigger's code:

- OpenDigger counts events (``countIf``); we count distinct ids (the definition above), so a
  comment seen by both the REST collector and a GH Archive import counts once.
- Issue and review comments count when the action is ``created`` (GH Archive's review
  comments also say ``added``; very old archives carry no action). Issues closed are
  ``IssuesEvent``/``closed`` only: closing a pull request is not an issue closed.
- The push-only rule: a pair whose only counted actions in the month are pushes keeps
  its activity here (``push_only`` is true) and is left out of the OpenRank network
  (OpenDigger's ``valid_count > 0``).
- Bots are removed before anything else, by the *bot rule* this module owns
  (:func:`is_bot_login`, :func:`bot_expr`): logins ending in ``[bot]`` (OpenDigger's
  ``actor_login NOT LIKE '%[bot]'``), the built-in :data:`BOT_LOGINS` (OpenDigger keeps
  a labelled list of bot accounts; ours is a small default of well-known ones) and the
  configured logins ``bots`` (``[activity].bots``), compared case-insensitively. The
  rule is applied here, at analysis time, to the stored logins: the ``is_bot`` flag the
  collectors store is only a hint of the rule in force when the row was collected and
  is not used, so adding or removing a configured login takes effect on the next
  analysis. Then any developer active (any counted action) in more than ``max_repos``
  repositories in the month is removed. OpenDigger only logs the latter; we
  remove them, with their activity, from every repo, and a repo left with total
  activity below ``min_repo_activity`` drops out.

Events without an actor id or repo id (deleted accounts) are not counted. Issues and
comments seen by both the REST collector and a GH Archive import count once (same
numbers and ids); pushes do not match across the two (GH Archive's ``push_id`` names a
push, the REST collector's a commit sha), so a month taken from both counts both.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from collector.errors import InputError
from collector.store import Store

# OpenDigger's global-OpenRank weights, one per counted action.
ACTIVITY_WEIGHTS: dict[str, float] = {
    "issues_opened": 22.235,
    "issue_comments": 5.252,
    "issues_closed": 9.712,
    "review_comments": 7.427,
    "prs_opened": 40.679,
    "pushes": 14.695,
}
COUNTS = tuple(ACTIVITY_WEIGHTS)
# Bot accounts whose logins do not end in "[bot]" (lower case).
BOT_LOGINS: frozenset[str] = frozenset(
    {
        "copilot",  # GitHub's coding agent: a "Bot" account without the suffix
        "dependabot-preview",
        "renovate-bot",
        "greenkeeperio-bot",
        "codecov-io",
        "codecov-commenter",
        "coveralls",
        "k8s-ci-robot",
        "k8s-merge-robot",
        "k8s-triage-robot",
        "mergify",
        "stale",
        "pull",
        "sonarcloud",
        "allcontributors",
        "gitter-badger",
        "googlebot",
        "azure-pipelines",
        "vercel",
        "netlify",
        "pre-commit-ci",
        "github-actions",
    }
)
MAX_REPOS_PER_DEVELOPER = 300
MIN_REPO_ACTIVITY = 1.0

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

SCHEMA: dict[str, Any] = {
    "month": pl.String,
    "repo_id": pl.Int64,
    "repo_name": pl.String,
    "developer_id": pl.Int64,
    "login": pl.String,
    **{name: pl.Int64 for name in COUNTS},
}

# One row per (month, repo, developer); bare repo_name/actor_login come from the row of
# max(created_at) (SQLite's documented min/max bare-column rule): the latest names.
_ACTIVITY_SQL = """
SELECT substr(created_at, 1, 7) AS month, repo_id, repo_name, actor_id AS developer_id,
       actor_login AS login, max(created_at) AS last_at,
       count(DISTINCT CASE WHEN type = 'IssuesEvent' AND action = 'opened' THEN issue_number END),
       count(DISTINCT CASE WHEN type = 'IssueCommentEvent' AND coalesce(action, 'created') = 'created'
                           THEN comment_id END),
       count(DISTINCT CASE WHEN type = 'IssuesEvent' AND action = 'closed' THEN issue_number END),
       count(DISTINCT CASE WHEN type = 'PullRequestReviewCommentEvent'
                                AND coalesce(action, 'created') IN ('created', 'added') THEN comment_id END),
       count(DISTINCT CASE WHEN type = 'PullRequestEvent' AND action = 'opened' THEN issue_number END),
       count(DISTINCT CASE WHEN type = 'PushEvent' THEN push_id END)
FROM events
WHERE created_at >= ? AND created_at < ?
  AND type IN ('IssuesEvent', 'IssueCommentEvent', 'PullRequestEvent', 'PullRequestReviewCommentEvent', 'PushEvent')
  AND actor_id IS NOT NULL AND repo_id IS NOT NULL
GROUP BY month, repo_id, actor_id
"""


def is_bot_login(login: str | None, extra: Iterable[str] = ()) -> bool:
    """The bot rule: ``login`` ends in ``[bot]``, or is in :data:`BOT_LOGINS` or ``extra``
    (configured logins), ignoring case. An unknown login is not a bot."""
    if not login:
        return False
    login = login.lower()
    return login.endswith("[bot]") or login in BOT_LOGINS or login in {name.lower() for name in extra}


def bot_expr(column: str = "login", extra: Iterable[str] = ()) -> pl.Expr:
    """:func:`is_bot_login` as a polars expression over the logins in ``column`` (null: False)."""
    login = pl.col(column).str.to_lowercase()
    logins = sorted(BOT_LOGINS | {name.lower() for name in extra})
    return (login.str.ends_with("[bot]") | login.is_in(logins)).fill_null(False)


# -- months (YYYY-MM): the one place they are parsed; rankings, exports and the CLI ask here


def check_month(month: str, what: str = "month") -> str:
    """``month`` when it is YYYY-MM, else an :class:`InputError` naming ``what`` (e.g. ``--month``)."""
    if not isinstance(month, str) or not MONTH.match(month):
        raise InputError(f"{what} {month!r} is not YYYY-MM; write it like 2025-01")
    return month


def next_month(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    return f"{year + mon // 12:04d}-{mon % 12 + 1:02d}"


def month_end(month: str, what: str = "month") -> str:
    """The last day of ``month`` as YYYY-MM-DD."""
    following = dt.date.fromisoformat(next_month(check_month(month, what)) + "-01")
    return (following - dt.timedelta(days=1)).isoformat()


def months_between(earlier: str, later: str) -> int:
    """Whole months from ``earlier`` to ``later`` (both YYYY-MM)."""
    return (int(later[:4]) - int(earlier[:4])) * 12 + int(later[5:7]) - int(earlier[5:7])


def event_months(store: Store, from_month: str | None = None, to_month: str | None = None) -> list[str]:
    """The months (YYYY-MM, ascending) that have events, within the optional bounds."""
    low = check_month(from_month, "--from") if from_month else "0000-00"
    high = next_month(check_month(to_month, "--to")) if to_month else "9999-99"
    months, cursor = [], low
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
    max_repos: int = MAX_REPOS_PER_DEVELOPER,
    min_repo_activity: float = MIN_REPO_ACTIVITY,
) -> pl.DataFrame:
    """Activity per (repo, developer) in ``month``, bots removed (see the module docstring).

    ``bots`` are logins taken for bots besides those ending in ``[bot]`` and :data:`BOT_LOGINS`.

    Columns: ``month, repo_id, repo_name, developer_id, login``, the distinct counts
    (``issues_opened, issue_comments, issues_closed, review_comments, prs_opened,
    pushes``), ``activity`` (the weighted sum) and ``push_only``.
    """
    check_month(month)
    weights = {**ACTIVITY_WEIGHTS, **(weights or {})}
    unknown = set(weights) - set(ACTIVITY_WEIGHTS)
    if unknown:
        raise InputError(f"activity weights: unknown action(s) {sorted(unknown)}; use {', '.join(COUNTS)}")
    rows = store.conn.execute(_ACTIVITY_SQL, (month, next_month(month))).fetchall()
    frame = pl.DataFrame(
        [row[:5] + row[6:] for row in rows], schema=SCHEMA, orient="row"
    )
    frame = frame.filter(~bot_expr("login", bots))
    activity = pl.sum_horizontal(pl.col(name) * weights[name] for name in COUNTS)
    non_push = pl.sum_horizontal(pl.col(name) for name in COUNTS if name != "pushes")
    frame = frame.with_columns(activity=activity.cast(pl.Float64), push_only=non_push == 0).filter(
        pl.col("activity") > 0
    )
    # Accounts active in too many repositories are automation, whatever their login.
    frame = frame.filter(pl.len().over("developer_id") <= max_repos)
    frame = frame.filter(pl.col("activity").sum().over("repo_id") >= min_repo_activity)
    return frame.sort("repo_id", "developer_id")


# -- the stored table ---------------------------------------------------------------

ACTIVITY_COLUMNS = ("month", "repo_id", "repo_name", "developer_id", "login", *COUNTS, "activity", "push_only")


def write_activity(store: Store, month: str, frame: pl.DataFrame) -> int:
    """Replace the stored activity of ``month`` with ``frame``; returns rows written."""
    sql = f"INSERT INTO activity ({', '.join(ACTIVITY_COLUMNS)}) VALUES ({', '.join('?' * len(ACTIVITY_COLUMNS))})"
    with store.transaction():
        store.conn.execute("DELETE FROM activity WHERE month = ?", (month,))
        store.conn.executemany(sql, frame.select(ACTIVITY_COLUMNS).iter_rows())
    return len(frame)


@dataclass
class ActivitySummary:
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
    (:func:`analysis.openrank.compute_global_openrank` writes activity with it).
    """
    summary = ActivitySummary()
    for month in event_months(store, from_month, to_month):
        summary.months[month] = write_activity(store, month, activity_frame(store, month, **options))
    return summary
