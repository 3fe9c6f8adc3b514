"""The OpenRank network weight's SQL, written once and rendered for SQLite and ClickHouse.

:mod:`ecometrics.analysis.activity` computes activity per (repo, developer, month) from the SQLite
``events`` table; :mod:`ecometrics.analysis.archive_openrank` computes it where GH Archive-scale
events live (chDB beside the SQLite file, or a ClickHouse server). Both run the query
:func:`activity_counts_sql` renders from the one description below, and both hand the
rows to the same Python step (:func:`ecometrics.analysis.activity.activity_from_counts`: weights,
rounding, the bot rule, the per-developer and per-repo limits), so the two engines cannot
drift apart.

The description follows OpenDigger's ``loadActivitySql`` (X-lab2017/open-digger
``src/cron/tasks/globalOpenrank.ts``, commit cbb348b, lines 101-133): each count is
``uniqExactIf(column, type = ... AND action IN ...)`` over the month, a pair's
``valid_count`` counts its issues and pull requests opened or closed and its comments
created, and events of an issue or pull request titled ``[snyk]...`` (any case) are left
out. SQLite renders ``uniqExactIf`` as ``count(DISTINCT CASE WHEN ... END)`` and takes the
latest names with its bare-column rule beside ``max(created_at)``; ClickHouse as
``uniqExactIf`` and ``argMax(name, created_at)``.

A :class:`Schema` says how a table names what the query reads (:data:`CANONICAL`), so the
same text runs on three layouts of events:

- :data:`SQLITE_EVENTS` and :data:`ENGINE_EVENTS`: this project's ``events`` columns
  (SQLite, and the chDB/ClickHouse table ``ecometrics import gharchive --engine`` fills);
- :data:`OPENDIGGER_EVENTS`: OpenDigger's ClickHouse ``events`` table (``issue_id``,
  ``issue_comment_id``, ``pull_review_comment_id``, ``issue_title``, ``platform``, as its
  query reads them);
- :data:`GITHUB_EVENTS`: ClickHouse's public ``github_events`` table ("GitHub Events
  Dataset", https://clickhouse.com/docs/getting-started/example-datasets/github-events;
  schema in ClickHouse/github-explorer), which names repos and actors by name
  (``repo_name``, ``actor_login``), has an ``event_type`` and ``action`` enum (``'none'``
  for no action) and no push ids. There a repo's or developer's id is derived from its
  lower-cased name (:func:`name_id`, negative so it never meets a GitHub id) and each
  ``PushEvent`` row counts as one push.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ecometrics.core.config import ACTIVITY_EVENT_TYPES

# What the query reads, by its canonical name (this project's ``events`` columns).
CANONICAL = (
    "type",
    "action",
    "actor_id",
    "actor_login",
    "repo_id",
    "repo_name",
    "created_at",
    "issue_number",
    "comment_id",
    "review_comment_id",
    "push_id",
    "title",
)


@dataclass(frozen=True)
class Count:
    """One weighted term: distinct ``column`` values of ``event_type`` events (with one of ``actions``)."""

    name: str  # the activity table's column, and the key of its weight
    event_type: str
    column: str  # a CANONICAL name
    actions: tuple[str, ...] = ()  # empty: whatever the action


# globalOpenrank.ts lines 110-115, in that order.
COUNTED = (
    Count("issues_opened", "IssuesEvent", "issue_number", ("opened",)),
    Count("issue_comments", "IssueCommentEvent", "comment_id"),
    Count("issues_closed", "IssuesEvent", "issue_number", ("closed",)),
    Count("review_comments", "PullRequestReviewCommentEvent", "review_comment_id"),
    Count("prs_opened", "PullRequestEvent", "issue_number", ("opened",)),
    Count("pushes", "PushEvent", "push_id"),
)
# globalOpenrank.ts lines 117-119: the events that put a pair in the network. Very old
# archives carry no action on comment events; a missing action counts as "created".
VALID = (
    ("IssuesEvent", ("opened", "closed")),
    ("IssueCommentEvent", ("created",)),
    ("PullRequestReviewCommentEvent", ("created",)),
    ("PullRequestEvent", ("opened", "closed")),
)
EVENT_TYPES = ACTIVITY_EVENT_TYPES
if set(EVENT_TYPES) != {count.event_type for count in COUNTED}:
    raise ImportError(
        "ecometrics.core.config.ACTIVITY_EVENT_TYPES lists the event types of COUNTED, no more and no fewer"
    )
SNYK = "[snyk]%"  # globalOpenrank.ts line 130: issue_title NOT ILIKE '[snyk]%'
# The columns of a row of the rendered query; the counts follow "login".
RESULT_COLUMNS = (
    "month",
    "repo_id",
    "repo_name",
    "developer_id",
    "login",
    "last_at",
    *(count.name for count in COUNTED),
    "valid_count",
)


@dataclass(frozen=True)
class Schema:
    """How one table of events holds the :data:`CANONICAL` columns: name -> SQL expression.

    ``dialect`` is ``"sqlite"`` or ``"clickhouse"``. A ``push_id`` of None means the table
    has no push ids: each push event counts once. ``where`` is an extra condition on its rows.
    """

    name: str
    dialect: str
    table: str
    columns: Mapping[str, str | None]
    where: str = ""


def name_id(column: str) -> str:
    """ClickHouse: a stable negative Int64 id from a name, for tables that name repos and actors."""
    return f"(-toInt64(bitShiftRight(sipHash64(lower({column})), 2)) - 1)"


_SAME = {name: name for name in CANONICAL} | {"review_comment_id": "comment_id"}
SQLITE_EVENTS = Schema("ecometrics", "sqlite", "events", _SAME)
ENGINE_EVENTS = Schema("ecometrics", "clickhouse", "events", _SAME)
OPENDIGGER_EVENTS = Schema(
    "opendigger",
    "clickhouse",
    "events",
    {
        **{name: name for name in CANONICAL},
        "type": "toString(type)",
        "action": "nullIf(toString(action), '')",
        "issue_number": "issue_id",  # one id per issue, as OpenDigger counts them
        "comment_id": "issue_comment_id",
        "review_comment_id": "pull_review_comment_id",
        "title": "issue_title",
    },
    where="platform = 'GitHub'",
)
GITHUB_EVENTS = Schema(
    "github_events",
    "clickhouse",
    "github_events",
    {
        "type": "toString(event_type)",
        "action": "nullIf(toString(action), 'none')",
        "actor_id": name_id("actor_login"),
        "actor_login": "actor_login",
        "repo_id": name_id("repo_name"),
        "repo_name": "repo_name",
        "created_at": "created_at",
        "issue_number": "number",
        "comment_id": "comment_id",
        "review_comment_id": "comment_id",
        "push_id": None,
        "title": "title",
    },
)
SCHEMAS = {schema.name: schema for schema in (ENGINE_EVENTS, OPENDIGGER_EVENTS, GITHUB_EVENTS)}


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


def _bounds(schema: Schema, start: str, end: str) -> tuple[str, str]:
    """SQL literals for the first instant of month ``start`` and of month ``end`` (YYYY-MM, checked)."""
    if schema.dialect == "sqlite":
        return f"'{start}'", f"'{end}'"  # ISO 8601 text compares in time order
    return f"toDateTime('{start}-01 00:00:00', 'UTC')", f"toDateTime('{end}-01 00:00:00', 'UTC')"


def month_events_sql(schema: Schema, start: str, end: str) -> str:
    """The events of the months from ``start`` up to ``end`` (excluded), as :data:`CANONICAL` columns."""
    low, high = _bounds(schema, start, end)
    columns = schema.columns
    created = columns["created_at"]
    select = ", ".join(f"{columns[name] or 'NULL'} AS {name}" for name in CANONICAL)
    where = f"{created} >= {low} AND {created} < {high}" + (f" AND {schema.where}" if schema.where else "")
    return f"SELECT {select} FROM {schema.table} WHERE {where}"


def activity_counts_sql(schema: Schema, month: str, end: str) -> str:
    """One row a (repo, developer) of ``month`` (``end``: the month after), :data:`RESULT_COLUMNS`."""
    sqlite = schema.dialect == "sqlite"
    no_push_ids = schema.columns["push_id"] is None

    def distinct(count: Count) -> str:
        condition = f"type = '{count.event_type}'"
        if count.actions:
            condition += f" AND action IN ({_quoted(count.actions)})"
        if count.column == "push_id" and no_push_ids:
            return f"countIf({condition})"
        if sqlite:
            return f"count(DISTINCT CASE WHEN {condition} THEN {count.column} END)"
        return f"uniqExactIf({count.column}, {condition})"

    valid = " OR ".join(
        f"(type = '{kind}' AND coalesce(action, 'created') IN ({_quoted(actions)}))" for kind, actions in VALID
    )
    like = "LIKE" if sqlite else "ILIKE"  # SQLite's LIKE already ignores ASCII case
    if sqlite:  # bare columns come from the row of max(created_at): the latest names
        names = "repo_name, actor_id AS developer_id, actor_login AS login, max(created_at) AS last_at"
        valid_count = f"count(CASE WHEN {valid} THEN 1 END)"
    else:
        names = (
            "argMax(repo_name, created_at) AS latest_repo_name, actor_id AS developer_id, "
            "argMax(actor_login, created_at) AS latest_login, max(created_at) AS last_at"
        )
        valid_count = f"countIf({valid})"
    counts = ",\n       ".join(f"{distinct(count)} AS {count.name}" for count in COUNTED)
    inline = "NOT MATERIALIZED " if sqlite else ""  # SQLite would copy the month's events first
    return f"""
WITH e AS {inline}({month_events_sql(schema, month, end)}),
snyk AS (SELECT DISTINCT repo_id, issue_number FROM e WHERE title {like} '{SNYK}' AND issue_number IS NOT NULL)
SELECT '{month}' AS month, repo_id, {names},
       {counts},
       {valid_count} AS valid_count
FROM e
WHERE type IN ({_quoted(EVENT_TYPES)})
  AND actor_id IS NOT NULL AND repo_id IS NOT NULL
  AND coalesce(title, '') NOT {like} '{SNYK}'
  AND (issue_number IS NULL OR (repo_id, issue_number) NOT IN (SELECT repo_id, issue_number FROM snyk))
GROUP BY repo_id, actor_id
"""


def months_sql(schema: Schema) -> str:
    """ClickHouse: the months (YYYY-MM, ascending) with events the activity counts."""
    columns = schema.columns
    where = f"{columns['type']} IN ({_quoted(EVENT_TYPES)})" + (f" AND {schema.where}" if schema.where else "")
    return (
        f"SELECT DISTINCT formatDateTime({columns['created_at']}, '%Y-%m', 'UTC') AS month "
        f"FROM {schema.table} WHERE {where} ORDER BY month"
    )


def month_digest_sql(schema: Schema, month: str, end: str) -> str:
    """ClickHouse: a cheap digest of a month's events (changes when events are added, removed or rewritten)."""
    digest = ", ".join(
        f"sum(cityHash64({name}))" for name in CANONICAL if name != "created_at" and schema.columns[name] is not None
    )
    return f"SELECT count(), {digest}, min(created_at), max(created_at) FROM ({month_events_sql(schema, month, end)})"
