"""OpenDigger's repository metrics as SQL, written once and rendered for SQLite and ClickHouse.

Each metric follows its definition in X-lab2017/open-digger (``src/metrics/chaoss.ts``,
``metrics.ts``, ``indices.ts``; the file and function are named beside each one). The
queries here do what needs the events: the filters, the distinct keys and the grouping by
repository and by month, quarter or year (OpenDigger's ``getGroupTimeClause``,
``src/metrics/basic.ts``). What is arithmetic on the few rows they return (a square root,
a weighted quantile, an average of durations) is done once in Python by
:mod:`ecometrics.analysis.opendigger`, for both engines alike, as :mod:`ecometrics.analysis.activity_sql` does for
activity.

A query reads a table through an :class:`ecometrics.analysis.activity_sql.Schema` (this project's
``events`` on SQLite or on a ClickHouse engine, OpenDigger's ``events``, ClickHouse's
public ``github_events``); :data:`METRIC_COLUMNS` are the names it reads, and
:data:`LAYOUTS` says how each table holds them. A field a table lacks is NULL (unknown):
the metric that needs it is missing, never 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ecometrics.analysis.activity_sql import (
    CANONICAL,
    ENGINE_EVENTS,
    GITHUB_EVENTS,
    OPENDIGGER_EVENTS,
    SQLITE_EVENTS,
    Schema,
)
from ecometrics.analysis.activity_sql import name_id as _name_id
from ecometrics.collector.store import EVENT_PAYLOAD_COLUMNS, EVENT_PUSH_COLUMNS

GRAINS = ("month", "quarter", "year")
# The columns the metrics read: activity's, the merged flag and author, the payload fields and
# a push's commit authors (JSON lists on SQLite, arrays on ClickHouse).
METRIC_COLUMNS = (*CANONICAL, "merged", "author_id", "author_login", *EVENT_PAYLOAD_COLUMNS, *EVENT_PUSH_COLUMNS)

_OURS: dict[str, str | None] = {name: name for name in METRIC_COLUMNS}
_OURS["review_comment_id"] = "comment_id"
LAYOUTS: dict[str, dict[str, str | None]] = {
    "ecometrics": _OURS,
    # OpenDigger's events table (docs/assets/data_description.csv): one id per issue.
    "opendigger": {
        **{name: name for name in METRIC_COLUMNS},
        **OPENDIGGER_EVENTS.columns,
        "merged": "pull_merged",
        "author_id": "issue_author_id",
        "author_login": "issue_author_login",
        "pull_review_state": "toString(pull_review_state)",
        "push_commit_names": "`push_commits.name`",
        "push_commit_emails": "`push_commits.email`",
    },
    # ClickHouse's github_events: the item's author by name, its times as 1970 when unset,
    # no creation time of the issue and no review ids.
    "github_events": {
        **GITHUB_EVENTS.columns,
        "merged": "merged",
        "author_id": _name_id("creator_user_login"),
        "author_login": "creator_user_login",
        "issue_created_at": None,
        "issue_closed_at": "nullIf(closed_at, toDateTime(0))",
        "issue_comments": "comments",
        "pull_merged_at": "nullIf(merged_at, toDateTime(0))",
        "pull_commits": "commits",
        "pull_additions": "additions",
        "pull_deletions": "deletions",
        "pull_changed_files": "changed_files",
        "pull_review_comments": "review_comments",
        "pull_review_id": None,
        "pull_review_state": "nullIf(toString(review_state), 'none')",
        "push_commit_names": None,  # github_events has no commits
        "push_commit_emails": None,
    },
}


def layout(schema: Schema) -> dict[str, str | None]:
    return LAYOUTS["ecometrics" if schema in (SQLITE_EVENTS, ENGINE_EVENTS) else schema.name]


def _sqlite(schema: Schema) -> bool:
    return schema.dialect == "sqlite"


def instant(schema: Schema, when: str) -> str:
    """A SQL literal for ``when``: 00:00 UTC of a day (YYYY-MM-DD) or a stamp (YYYY-MM-DDTHH:MM:SSZ),
    checked by the caller."""
    if _sqlite(schema):
        return f"'{when}'"  # ISO 8601 text compares in time order
    return f"parseDateTimeBestEffort('{when}', 'UTC')"


def events_sql(schema: Schema, *, until: str, since: str | None = None, repo_ids: tuple[int, ...] = ()) -> str:
    """The events before ``until`` (and from ``since``), as :data:`METRIC_COLUMNS` (days YYYY-MM-DD)."""
    columns = layout(schema)
    created = columns["created_at"]
    select = ", ".join(f"{columns[name] or 'NULL'} AS {name}" for name in METRIC_COLUMNS)
    where = [f"{created} < {instant(schema, until)}"]
    if since:
        where.append(f"{created} >= {instant(schema, since)}")
    if schema.where:
        where.append(schema.where)
    if repo_ids:
        where.append(f"{columns['repo_id']} IN ({', '.join(str(int(repo)) for repo in repo_ids)})")
    return f"SELECT {select} FROM {schema.table} WHERE {' AND '.join(where)}"


def with_events(schema: Schema, *, until: str, since: str | None = None, repo_ids: tuple[int, ...] = ()) -> str:
    """``WITH e AS (...)``: :func:`events_sql` as the query's events."""
    inline = "NOT MATERIALIZED " if _sqlite(schema) else ""  # SQLite would copy the events first
    return f"WITH e AS {inline}({events_sql(schema, until=until, since=since, repo_ids=repo_ids)})"


def period(schema: Schema, grain: str, column: str = "created_at") -> str:
    """OpenDigger's output key of ``column``'s month (``YYYY-MM``), quarter (``YYYYQn``) or year (``YYYY``)."""
    if _sqlite(schema) and grain != "window":
        year = f"substr({column}, 1, 4)"
        return {
            "month": f"substr({column}, 1, 7)",
            "quarter": f"{year} || 'Q' || ((CAST(substr({column}, 6, 2) AS INTEGER) + 2) / 3)",
            "year": year,
        }[grain]
    if grain == "window":  # one period: the whole window
        return "'window'"
    return {
        "month": f"formatDateTime({column}, '%Y-%m', 'UTC')",
        "quarter": f"concat(toString(toYear({column}, 'UTC')), 'Q', toString(toQuarter({column}, 'UTC')))",
        "year": f"toString(toYear({column}, 'UTC'))",
    }[grain]


def stamp(schema: Schema, column: str) -> str:
    """``column`` as UTC ISO text with a Z (SQLite keeps it so)."""
    return column if _sqlite(schema) else f"formatDateTime({column}, '%Y-%m-%dT%H:%i:%SZ', 'UTC')"


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


# -- the count metrics: one row per (repo, period), every measure in one pass ---------------


@dataclass(frozen=True)
class Measure:
    """One aggregate of a (repo, period): ``how`` is distinct | rows | sum | logins."""

    name: str
    how: str
    column: str | None
    condition: str
    source: str  # OpenDigger's file and function


FOUR_TYPES = "type IN ('IssuesEvent', 'IssueCommentEvent', 'PullRequestEvent', 'PullRequestReviewCommentEvent')"
MERGED = "type = 'PullRequestEvent' AND action = 'closed' AND merged = 1"
MEASURES = (
    Measure(
        "issues_new",
        "distinct",
        "issue_number",
        "type = 'IssuesEvent' AND action IN ('opened', 'reopened')",
        "chaoss.ts chaossIssuesNew",
    ),
    Measure(
        "issues_closed",
        "distinct",
        "issue_number",
        "type = 'IssuesEvent' AND action = 'closed'",
        "chaoss.ts chaossIssuesClosed",
    ),
    Measure(
        "issue_comments",
        "rows",
        None,
        "type = 'IssueCommentEvent' AND action = 'created'",
        "metrics.ts repoIssueComments",
    ),
    Measure(
        "change_requests",
        "distinct",
        "issue_number",
        "type = 'PullRequestEvent' AND action = 'opened'",
        "chaoss.ts chaossChangeRequests",
    ),
    Measure("change_requests_accepted", "distinct", "issue_number", MERGED, "chaoss.ts chaossChangeRequestsAccepted"),
    Measure(
        "change_requests_reviews",
        "distinct",
        "review_comment_id",
        "type = 'PullRequestReviewCommentEvent'",
        "chaoss.ts chaossChangeRequestReviews",
    ),
    Measure("stars", "distinct", "actor_id", "type = 'WatchEvent'", "metrics.ts repoStars"),
    Measure("forkers", "distinct", "actor_id", "type = 'ForkEvent'", "indices.ts getAttention (forks)"),
    Measure("technical_fork", "rows", None, "type = 'ForkEvent'", "chaoss.ts chaossTechnicalFork"),
    Measure("participants", "distinct", "actor_id", FOUR_TYPES, "metrics.ts repoParticipants"),
    Measure(
        "issues_and_change_request_active",
        "distinct",
        "issue_number",
        FOUR_TYPES,
        "chaoss.ts chaossIssuesAndChangeRequestActive",
    ),
    Measure("contributors", "distinct", "author_id", MERGED, "chaoss.ts chaossContributors"),
    Measure("contributors_detail", "logins", "author_login", MERGED, "chaoss.ts chaossContributors (detail)"),
    Measure(
        "code_change_lines_add",
        "sum",
        "pull_additions",
        "type = 'PullRequestEvent'",
        "chaoss.ts chaossCodeChangeLines (by add)",
    ),
    Measure(
        "code_change_lines_remove",
        "sum",
        "pull_deletions",
        "type = 'PullRequestEvent'",
        "chaoss.ts chaossCodeChangeLines (by remove)",
    ),
    # The PullRequestEvents chaossCodeChangeLines sums whose size is unknown (an opening read
    # from the API, which gives a pull request's size only as it is now): any makes the sum unknown.
    Measure(
        "code_change_lines_unknown",
        "rows",
        None,
        "type = 'PullRequestEvent' AND (pull_additions IS NULL OR pull_deletions IS NULL)",
        "chaoss.ts chaossCodeChangeLines (its events)",
    ),
)


def _aggregate(schema: Schema, measure: Measure, joined: str | None = None) -> str:
    """The measure's aggregate; with ``joined`` (a label's: :func:`joined_rows_sql`) each event
    counts once per label row it joins and an issue is (repo, number), the label's events
    spanning repositories whose issue numbers repeat."""
    cond, column = measure.condition, measure.column
    sqlite = _sqlite(schema)
    if joined is not None and measure.how == "distinct" and column == "issue_number":
        column = "repo_id || ':' || issue_number" if sqlite else "repo_id, issue_number"
    if joined is not None and measure.how in ("rows", "sum"):
        weighted = joined if measure.how == "rows" else f"{column} * {joined}"
        if sqlite:
            total = f"sum(CASE WHEN {cond} THEN {weighted} END)"
            return f"coalesce({total}, 0)" if measure.how == "rows" else total
        return f"sumIf({weighted}, {cond})"
    if sqlite:
        return {
            "distinct": f"count(DISTINCT CASE WHEN {cond} THEN {column} END)",
            "rows": f"count(CASE WHEN {cond} THEN 1 END)",
            "sum": f"sum(CASE WHEN {cond} THEN {column} END)",
            "logins": f"group_concat(DISTINCT CASE WHEN {cond} THEN {column} END)",
        }[measure.how]
    return {
        "distinct": f"uniqExactIf({column}, {cond})",
        "rows": f"countIf({cond})",
        "sum": f"sumIf({column}, {cond})",
        "logins": f"arrayStringConcat(groupUniqArrayIf({column}, {cond}), ',')",
    }[measure.how]


def _ids(values: Iterable[int]) -> str:
    return ", ".join(str(int(value)) for value in sorted(values))


def joined_rows_sql(repos: Iterable[int], org_repos: Iterable[int], users: Iterable[int]) -> str:
    """How many rows of a label an event joins (basic.ts getLabelJoinClause: ``flatten_labels``
    rows matching its repo as Repo, its organisation as Org, its actor as User), given the
    repositories the label lists, those whose organisation it lists, and its developers."""
    terms = [
        f"CASE WHEN {column} IN ({_ids(ids)}) THEN 1 ELSE 0 END"
        for column, ids in (("repo_id", repos), ("repo_id", org_repos), ("actor_id", users))
        if ids
    ]
    return f"({' + '.join(terms)})" if terms else "0"


def counts_sql(
    schema: Schema,
    grain: str | tuple[str, ...],
    *,
    since: str,
    until: str,
    repo_ids: tuple[int, ...] = (),
    by_repo: bool = True,
    joined: str | None = None,
) -> str:
    """Rows ``repo_id, period, *MEASURES`` of the events from ``since`` to ``until`` (days).

    Each measure is its metric's inner query (``COUNT(DISTINCT ...)``, ``COUNT()`` or
    ``SUM(...)`` over the events its ``WHERE`` keeps, grouped by repo and time), the
    conditions moved into the aggregate so that one pass serves all. Without ``by_repo``
    the ``repo_ids`` are one group (repo_id 0). A label (basic.ts getGroupIdClause, groupBy
    a label) passes its label type's repositories as ``repo_ids`` (getRepoWhereClause with
    ``repoLabel``) and ``joined``, :func:`joined_rows_sql`: the events joining none of its
    rows are left out, and ``COUNT()`` and ``SUM()`` see an event once per row it joins.
    Several grains (``GRAINS``) are read in one pass over the events, each event counted in
    each grain's period; the keys (``2024-01``, ``2024Q1``, ``2024``) tell the grains apart.
    """
    measures = ",\n       ".join(f"{_aggregate(schema, m, joined)} AS {m.name}" for m in MEASURES)
    key, group = ("repo_id", "repo_id, period") if by_repo else ("0", "period")
    label = f" AND {joined} > 0" if joined is not None else ""
    when, each_grain = (period(schema, grain), "") if isinstance(grain, str) else _each_grain(schema, grain)
    return f"""
{with_events(schema, since=since, until=until, repo_ids=repo_ids)}
SELECT {key} AS group_id, {when} AS period,
       {measures}
FROM e{each_grain} WHERE repo_id IS NOT NULL{label}
GROUP BY {group}
"""


def _each_grain(schema: Schema, grains: tuple[str, ...]) -> tuple[str, str]:
    """The period of the grain an event's row stands for, and the join giving each event one row
    per grain (SQLite: a CROSS JOIN, which keeps the events the outer loop; ClickHouse: ARRAY JOIN)."""
    if _sqlite(schema):
        when = " ".join(f"WHEN '{grain}' THEN {period(schema, grain)}" for grain in grains)
        rows = " UNION ALL ".join(f"SELECT '{grain}' AS grain" for grain in grains)
        return f"CASE grain {when} END", f" CROSS JOIN ({rows}) AS g"
    when = ", ".join(f"grain = '{grain}', {period(schema, grain)}" for grain in grains)
    return f"multiIf({when}, NULL)", f" ARRAY JOIN [{_quoted(grains)}] AS grain"


def names_sql(schema: Schema, *, since: str | None, until: str, repo_ids: tuple[int, ...] = ()) -> str:
    """Each repo's latest name over the events (OpenDigger: ``argMax(repo_name, time)``)."""
    if _sqlite(schema):  # the bare column comes from the row of max(created_at)
        select = "repo_id, repo_name, max(created_at)"
    else:
        select = "repo_id, argMax(repo_name, created_at), max(created_at)"
    events = with_events(schema, since=since, until=until, repo_ids=repo_ids)
    return f"{events} SELECT {select} FROM e WHERE repo_id IS NOT NULL GROUP BY repo_id"


def repo_ids_sql(schema: Schema, names: tuple[str, ...]) -> str:
    """The ids of the repos with one of ``names`` (lower case) in the events."""
    columns = layout(schema)
    where = f"lower({columns['repo_name']}) IN ({_quoted(names)})"
    if schema.where:
        where += f" AND {schema.where}"
    return f"SELECT DISTINCT {columns['repo_id']} FROM {schema.table} WHERE {where}"


# -- developers: activity and bus factor (indices.ts basicActivitySqlComponent) --------------

# indices.ts basicActivitySqlComponent: the counts, in its order.
DEVELOPER_COUNTS = (
    ("issue_comment", "comment_id", "type = 'IssueCommentEvent' AND action = 'created'"),
    ("open_issue", "issue_number", "type = 'IssuesEvent' AND action = 'opened'"),
    ("open_pull", "issue_number", "type = 'PullRequestEvent' AND action = 'opened'"),
    (
        "review_comment",
        "review_comment_id",
        "type = 'PullRequestReviewCommentEvent' AND action IN ('created', 'added')",
    ),
    ("merged_pull", "issue_number", MERGED),
)


def developers_sql(schema: Schema, grain: str, *, since: str, until: str, repo_ids: tuple[int, ...] = ()) -> str:
    """Rows ``repo_id, period, developer_id, login, last_at, *DEVELOPER_COUNTS`` (a merged pull
    request credited to its author, indices.ts basicActivitySqlComponent)."""
    sqlite = _sqlite(schema)
    counts = ",\n       ".join(
        f"count(DISTINCT CASE WHEN {cond} THEN {column} END) AS {name}"
        if sqlite
        else f"uniqExactIf({column}, {cond}) AS {name}"
        for name, column, cond in DEVELOPER_COUNTS
    )
    login = "login" if sqlite else "argMax(login, created_at) AS latest_login"  # SQLite: of the max(created_at) row
    return f"""
{with_events(schema, since=since, until=until, repo_ids=repo_ids)},
credited AS (
    SELECT *, CASE WHEN {MERGED} THEN author_id ELSE actor_id END AS developer_id,
              CASE WHEN {MERGED} THEN author_login ELSE actor_login END AS login
    FROM e WHERE {FOUR_TYPES}
)
SELECT repo_id, {period(schema, grain)} AS period, developer_id, {login}, max(created_at) AS last_at,
       {counts}
FROM credited WHERE repo_id IS NOT NULL AND developer_id IS NOT NULL
GROUP BY repo_id, period, developer_id
"""


# -- contributors over all history (chaoss.ts chaossNewContributors, chaossInactiveContributors) --


def merged_authors_sql(schema: Schema, *, until: str, repo_ids: tuple[int, ...] = ()) -> str:
    """Rows ``repo_id, author_id, author_login, created_at`` of every merge before ``until``
    whose author's login does not end in ``[bot]`` (``HAVING author NOT LIKE '%[bot]'``)."""
    return f"""
{with_events(schema, until=until, repo_ids=repo_ids)}
SELECT repo_id, author_id, author_login, {stamp(schema, "created_at")}
FROM e WHERE {MERGED} AND repo_id IS NOT NULL AND author_id IS NOT NULL
  AND author_login NOT LIKE '%[bot]'
"""


# -- active dates and times (chaoss.ts chaossActiveDatesAndTimes) ---------------------------


def hours_sql(schema: Schema, grain: str, *, since: str, until: str, repo_ids: tuple[int, ...] = ()) -> str:
    """Rows ``repo_id, period, day (1 = Monday), hour, events``: every event type."""
    if _sqlite(schema):  # strftime %w: 0 = Sunday
        day = "((CAST(strftime('%w', created_at) AS INTEGER) + 6) % 7) + 1"
        hour = "CAST(substr(created_at, 12, 2) AS INTEGER)"
        count = "count(*)"
    else:
        day, hour, count = "toDayOfWeek(created_at)", "toHour(created_at)", "count()"
    return f"""
{with_events(schema, since=since, until=until, repo_ids=repo_ids)}
SELECT repo_id, {period(schema, grain)} AS period, {day} AS day, {hour} AS hour, {count}
FROM e WHERE repo_id IS NOT NULL
GROUP BY repo_id, period, day, hour
"""


def email_suffixes_sql(schema: Schema, grain: str, *, since: str, until: str, repo_ids: tuple[int, ...] = ()) -> str:
    """Rows ``repo_id, period, author, suffix, count``: metrics.ts ``contributorEmailSuffixes``'s
    inner query before its ``anyHeavy``. Of each ``PushEvent``, every commit author name
    (``arrayJoin(push_commits.name)``) with every commit e-mail's suffix
    (``arrayJoin(arrayMap(x -> splitByChar('@', x)[2], push_commits.email))``): two arrayJoins
    of one row give their product, as ClickHouse runs OpenDigger's query. The suffix is the
    text between the first '@' and the next (``''`` without one)."""
    events = with_events(schema, since=since, until=until, repo_ids=repo_ids)
    when = period(schema, grain)
    if _sqlite(schema):
        email = "m.value"
        rest = f"substr({email}, instr({email}, '@') + 1)"
        suffix = (
            f"CASE WHEN instr({email}, '@') = 0 THEN '' "
            f"WHEN instr({rest}, '@') = 0 THEN {rest} ELSE substr({rest}, 1, instr({rest}, '@') - 1) END"
        )
        return f"""
{events}
SELECT e.repo_id, {when} AS period, n.value AS author, {suffix} AS suffix, count(*)
FROM e, json_each(e.push_commit_names) AS n, json_each(e.push_commit_emails) AS m
WHERE e.type = 'PushEvent' AND e.repo_id IS NOT NULL
GROUP BY e.repo_id, period, author, suffix
"""
    return f"""
{events}
SELECT repo_id, period, author, suffix, count() FROM (
  SELECT repo_id, {when} AS period, arrayJoin(push_commit_names) AS author,
    arrayJoin(arrayMap(x -> splitByChar('@', x)[2], push_commit_emails)) AS suffix
  FROM e WHERE type = 'PushEvent' AND repo_id IS NOT NULL
)
GROUP BY repo_id, period, author, suffix
"""


# -- issues and change requests, one row each (the time metrics, chaoss.ts) -----------------

ISSUE = "type = 'IssuesEvent'"
CHANGE_REQUEST = "type = 'PullRequestEvent'"
# chaoss.ts chaossResponseTime: the types whose events count as a response.
RESPONSE_TYPES = {
    "issue": ("IssueCommentEvent", "IssuesEvent"),
    "change_request": (
        "IssueCommentEvent",
        "PullRequestEvent",
        "PullRequestReviewCommentEvent",
        "PullRequestReviewEvent",
    ),
}


def _latest(schema: Schema, value: str, condition: str = "1 = 1") -> str:
    """``argMaxIf(value, created_at, condition)`` (NULL values skipped, as ClickHouse does)."""
    if _sqlite(schema):
        key = f"CASE WHEN {condition} AND {value} IS NOT NULL THEN created_at || '|' || {value} END"
        return f"substr(max({key}), instr(max({key}), '|') + 1)"
    return f"argMaxIf({value}, created_at, {condition} AND {value} IS NOT NULL)"


def _first_if(schema: Schema, condition: str) -> str:
    """``minIf(created_at, condition)`` as text; NULL when no event matches."""
    return _extreme_if(schema, "min", condition)


def _last_if(schema: Schema, condition: str) -> str:
    return _extreme_if(schema, "max", condition)


def _extreme_if(schema: Schema, which: str, condition: str) -> str:
    if _sqlite(schema):
        return f"{which}(CASE WHEN {condition} THEN created_at END)"
    # ClickHouse's minIf/maxIf of nothing is 1970-01-01 (OpenDigger tests toYYYYMMDD = 19700101): NULL here.
    value = f"{which}If(created_at, {condition})"
    return f"if(toYYYYMMDD({value}) = 19700101, NULL, {stamp(schema, value)})"


def resolutions_sql(schema: Schema, kind: str, *, until: str, repo_ids: tuple[int, ...] = ()) -> str:
    """Rows ``repo_id, issue_number, last_action, opened_at, closed_at`` per issue (``kind``
    issue) or pull request (change_request), from all their events before ``until``
    (chaoss.ts chaossResolutionDuration's inner query: ``argMaxIf(action, created_at,
    action IN ('opened', 'closed', 'reopened'))``, ``argMax(issue_created_at, created_at)``,
    ``maxIf(created_at, action = 'closed')``)."""
    where = ISSUE if kind == "issue" else CHANGE_REQUEST
    issue_created = stamp(schema, "issue_created_at")
    return f"""
{with_events(schema, until=until, repo_ids=repo_ids)}
SELECT repo_id, issue_number,
       {_latest(schema, "action", "action IN ('opened', 'closed', 'reopened')")} AS last_action,
       {_latest(schema, issue_created)} AS opened_at,
       {_last_if(schema, "action = 'closed'")} AS closed_at
FROM e WHERE {where} AND repo_id IS NOT NULL AND issue_number IS NOT NULL
GROUP BY repo_id, issue_number
"""


def responses_sql(schema: Schema, kind: str, *, until: str, repo_ids: tuple[int, ...] = ()) -> str:
    """Rows ``repo_id, issue_number, opened_at, responded_at`` (chaoss.ts chaossResponseTime:
    ``minIf(created_at, action = 'opened' AND issue_comments = 0)`` and the first comment by
    someone other than the author, or the closing, by an account not ending in ``[bot]``)."""
    return f"""
{with_events(schema, until=until, repo_ids=repo_ids)}
SELECT repo_id, issue_number,
       {_first_if(schema, "action = 'opened' AND issue_comments = 0")} AS opened_at,
       {_first_if(schema, "(action = 'created' AND actor_id != author_id) OR (action = 'closed')")} AS responded_at
FROM e WHERE type IN ({_quoted(RESPONSE_TYPES[kind])}) AND actor_login NOT LIKE '%[bot]'
  AND repo_id IS NOT NULL AND issue_number IS NOT NULL
GROUP BY repo_id, issue_number
"""


def ages_sql(schema: Schema, kind: str, *, until: str, repo_ids: tuple[int, ...] = ()) -> str:
    """Rows ``repo_id, issue_number, opened_at, closed_at`` (chaoss.ts chaossAge:
    ``minIf(created_at, action = 'opened')``, ``maxIf(created_at, action = 'closed')``)."""
    where = ISSUE if kind == "issue" else CHANGE_REQUEST
    return f"""
{with_events(schema, until=until, repo_ids=repo_ids)}
SELECT repo_id, issue_number,
       {_first_if(schema, "action = 'opened'")} AS opened_at,
       {_last_if(schema, "action = 'closed'")} AS closed_at
FROM e WHERE {where} AND repo_id IS NOT NULL AND issue_number IS NOT NULL
GROUP BY repo_id, issue_number
"""


def span_sql(schema: Schema) -> str:
    """The first and the last event's time (as text) of the table."""
    created = layout(schema)["created_at"]
    where = f" WHERE {schema.where}" if schema.where else ""
    return f"SELECT {stamp(schema, f'min({created})')}, {stamp(schema, f'max({created})')} FROM {schema.table}{where}"
