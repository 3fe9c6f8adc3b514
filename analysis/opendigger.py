"""OpenDigger's metrics, computed on either engine and shaped as OpenDigger publishes them.

:func:`compute` (repositories), :func:`compute_developers` and :func:`compute_labels` run
the queries of :mod:`ecometrics.analysis.opendigger_sql` (on the SQLite store or on a ClickHouse
engine: the same text rendered for each) and do the arithmetic on the rows they return
here, once for both, so the two engines give the same files; :func:`window_table` gives the
count metrics over any window. The result is, per repository (developer, label),
OpenDigger's files: ``{metric: {key: value}}`` with the keys of
``src/cron/tasks/monthlyExport.ts`` ``processMetric``: ``YYYY-MM``, ``YYYYQn`` and ``YYYY``;
a value that is OpenDigger's default (0, an empty list, NaN) is left out, as there.

Shaping, as monthlyExport.ts does it:

- numbers are ``ROUND(value, 2)`` (basic.ts ``getGroupArrayInsertAtClause``, precision 2),
  rounded as ClickHouse rounds a Float64 (half to even of ``value * 100``);
- a month file of a field without ``disableDataLoss`` that has ``2021-10`` gets
  ``2021-10-raw`` (the counted value) and ``2021-10`` replaced by OpenDigger's estimate
  ``round(0.15·Aug + 0.35·Sep + 0.35·Nov + 0.15·Dec)``: GH Archive lost about two weeks of
  that month (igrigorik/gharchive.org#261);
- the time metrics (``issue_response_time`` ...) are one file holding ``avg``, ``levels``
  and ``quantile_0`` ... ``quantile_4``, each keyed by period (monthlyExport.ts before
  commit 9cc726c7, ``getDurationFields``, which is the layout OpenDigger's published files
  have); durations are in days as ClickHouse's ``dateDiff('day', a, b)`` counts them
  (midnights crossed, UTC); quantiles are ClickHouse's ``quantile`` (linear interpolation
  between the sorted values: exact here, sampled by ClickHouse above 8,192 values).
- ``inactive_contributors`` and the ``*_age`` metrics are measured at the end of each
  period (``positionByEndTime``); a quarter or year that has not ended by ``until`` has none.

Differences by construction: the order of a detail list where OpenDigger's is
ClickHouse's ``groupArray`` order (ours is sorted), and a repository's name, which here is
its latest over all its events in the range (OpenDigger takes it per metric).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from ecometrics.analysis import frames
from ecometrics.analysis import opendigger_sql as sql
from ecometrics.analysis.activity import OPENDIGGER_ACTIVITY_WEIGHTS
from ecometrics.analysis.activity_sql import SCHEMAS, SQLITE_EVENTS, Schema
from ecometrics.analysis.fields import COUNT, ID, NAME, TIMESTAMP
from ecometrics.core.dates import next_month
from ecometrics.core.errors import InputError

Rows = Callable[[str], Sequence[Sequence[Any]]]
REPO_NAME = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")

# monthlyExport.ts: the month files whose 2021-10 is estimated (every field without disableDataLoss).
DATA_LOSS_MONTH, DATA_LOSS_NEIGHBOURS = "2021-10", ("2021-08", "2021-09", "2021-11", "2021-12")
DATA_LOSS_WEIGHTS = (0.15, 0.35, 0.35, 0.15)
# monthlyExport.ts exportRepoMetrics: the number files, in its order.
COUNT_FILES = (
    "activity",
    "openrank",  # from the store's global OpenRank, not the events: :func:`add_openrank`
    "attention",
    "technical_fork",
    "stars",
    "issues_new",
    "issues_closed",
    "code_change_lines_add",
    "code_change_lines_remove",
    "code_change_lines_sum",
    "change_requests",
    "change_requests_accepted",
    "issue_comments",
    "change_requests_reviews",
    "participants",
    "bus_factor",
    "issues_and_change_request_active",
    "contributors",
    "new_contributors",
    "inactive_contributors",
)
CODE_CHANGE_LINES = ("code_change_lines_add", "code_change_lines_remove", "code_change_lines_sum")
NO_DATA_LOSS = set(CODE_CHANGE_LINES)
LIST_FILES = (
    "activity_details",
    "bus_factor_detail",
    "contributors_detail",
    "new_contributors_detail",
    "active_dates_and_times",
    "contributor_email_suffixes",
)
# chaoss.ts chaossResponseTime / chaossResolutionDuration / chaossAge: default thresholds (days).
TIME_FILES = {
    "issue_response_time": (3, 7, 15),
    "issue_resolution_duration": (3, 7, 15),
    "issue_age": (15, 30, 60),
    "change_request_response_time": (3, 7, 15),
    "change_request_resolution_duration": (3, 7, 15),
    "change_request_age": (15, 30, 60),
}
TIME_FIELDS = ("avg", "levels", "quantile_0", "quantile_1", "quantile_2", "quantile_3", "quantile_4")
FILES = (*COUNT_FILES, *LIST_FILES, *TIME_FILES)
NO_RESPONSE_DAYS = 15  # chaoss.ts chaossResponseTime: no response counts as addDays(issue_created_at, 15)
INACTIVE_MONTHS = 6  # chaoss.ts chaossInactiveContributors: timeInterval 6, timeIntervalUnit month, minCount 0
BUS_FACTOR_LEVEL = 0.5  # chaoss.ts chaossBusFactor: quantileExactWeighted(1 - percentage 0.5)
NORMALIZE = 10  # monthlyExport.ts: chaossActiveDatesAndTimes with options.normalize 10
MAX_DETAILS = 100  # indices.ts getRepoActivity: arraySlice(..., 1, 100)


def round2(value: float) -> float:
    """ClickHouse's ``ROUND(value, 2)`` of a Float64: half to even of ``value * 100``."""
    return round(value * 100) / 100


def js_round(value: float) -> int:
    """JavaScript's ``Math.round``: halves go up."""
    return math.floor(value + 0.5)


def ch_quantile(values: Sequence[float], level: float) -> float:
    """ClickHouse's ``quantile(level)``: linear interpolation between the sorted values."""
    ordered = sorted(values)
    position = level * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def weighted_quantile(values: Sequence[int], level: float) -> int:
    """ClickHouse's ``quantileExactWeighted(level)(x, x)``: the least value whose cumulative
    weight reaches ``ceil(level * total)`` (values with equal keys merged)."""
    weights: dict[int, int] = defaultdict(int)
    for value in values:
        weights[value] += value
    threshold = math.ceil(sum(weights.values()) * level)
    accumulated = 0
    ordered = sorted(weights)
    for value in ordered:
        accumulated += weights[value]
        if accumulated >= threshold:
            return value
    return ordered[-1]


def day_diff(earlier: str, later: dt.date | str) -> int:
    """ClickHouse's ``dateDiff('day', a, b)`` in UTC: the midnights between them."""
    end = later if isinstance(later, dt.date) else dt.date.fromisoformat(later[:10])
    return (end - dt.date.fromisoformat(earlier[:10])).days


def period_key(stamp: str, grain: str) -> str:
    if grain == "month":
        return stamp[:7]
    if grain == "quarter":
        return f"{stamp[:4]}Q{(int(stamp[5:7]) + 2) // 3}"
    return stamp[:4]


def period_ends(first: str, last: str, grain: str) -> list[tuple[str, dt.date]]:
    """(key, the day after the period) of each period of ``grain`` that ends by the end of
    month ``last`` and after the start of month ``first`` (OpenDigger's positionByEndTime)."""
    start = dt.date.fromisoformat(first + "-01")
    end = dt.date.fromisoformat(next_month(last) + "-01")
    ends = []
    month = dt.date(start.year, 1, 1)
    while month < end:
        following = dt.date.fromisoformat(next_month(month.isoformat()[:7]) + "-01")
        last_of = {"month": True, "quarter": month.month % 3 == 0, "year": month.month == 12}[grain]
        if last_of and following > start:
            ends.append((period_key(month.isoformat(), grain), following))
        month = following
    return ends


def _midnight(day: dt.date) -> str:
    """00:00 UTC of ``day`` as a stamp (``YYYY-MM-DDT00:00:00Z``), to compare with stamps as text."""
    return day.isoformat() + "T00:00:00Z"


def months_before(day: dt.date, months: int) -> dt.date:
    """ClickHouse's ``dateSub(month, n, day)`` for a first of the month."""
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass
class RepoMetrics:
    """One repository's files: ``values[file][key]`` (numbers, lists, or for a time metric ``field -> key -> value``)."""

    repo_id: int
    name: str
    values: dict[str, dict[str, Any]] = field(default_factory=lambda: defaultdict(dict))


@dataclass(frozen=True)
class Window:
    """The months the metrics cover, ``first`` to ``last`` (YYYY-MM), and the repos (all when empty)."""

    first: str
    last: str
    repo_ids: tuple[int, ...] = ()

    @property
    def since(self) -> str:
        return self.first + "-01"

    @property
    def until(self) -> str:
        return next_month(self.last) + "-01"


def window_of(
    rows: Rows, schema: Schema, *, first: str | None = None, last: str | None = None, repos: Iterable[str] = ()
) -> Window:
    """The window of ``first`` to ``last`` (each defaults to the month of the first or last
    event) over the repos named (all when none): an :class:`InputError` for a name without events."""
    if first is None or last is None:
        earliest, latest = rows(sql.span_sql(schema))[0]
        if earliest is None:
            raise InputError("no events stored; import GH Archive files or collect repositories first")
        first, last = first or earliest[:7], last or latest[:7]
    if first > last:
        raise InputError(f"--from {first} is after --to {last}; swap them")
    repo_ids: list[int] = []
    for name in repos:
        if not REPO_NAME.match(name):
            raise InputError(f"--repo {name!r}: not OWNER/NAME; write it like X-lab2017/open-digger")
        found = [row[0] for row in rows(sql.repo_ids_sql(schema, (name.lower(),)))]
        if not found:
            raise InputError(f"--repo {name}: no events of this repository; check the name or import its events")
        repo_ids.extend(found)
    return Window(first, last, tuple(repo_ids))


def compute(rows: Rows, schema: Schema, window: Window) -> dict[int, RepoMetrics]:
    """Every metric of :data:`FILES` for the repos with events in ``window``, by repo id."""
    since, until, ids = window.since, window.until, window.repo_ids
    repos = {
        repo_id: RepoMetrics(repo_id, name)
        for repo_id, name, _ in rows(sql.names_sql(schema, since=since, until=until, repo_ids=ids))
        if name
    }

    def put(repo_id: int, name: str, key: str, value: Any) -> None:
        if repo_id in repos and not _default(value):
            repos[repo_id].values[name][key] = value

    for grain in sql.GRAINS:
        _counts(rows(sql.counts_sql(schema, grain, since=since, until=until, repo_ids=ids)), put)
        developers = rows(sql.developers_sql(schema, grain, since=since, until=until, repo_ids=ids))
        _bus_factor(developers, put)
        if grain == "month":
            for key, value in _activity(developers).items():
                for name, per_key in value.items():
                    for repo_id, number in per_key.items():
                        put(repo_id, name, key, number)
        _active_hours(rows(sql.hours_sql(schema, grain, since=since, until=until, repo_ids=ids)), put)
        if sql.layout(schema)["push_commit_emails"] is not None:
            _email_suffixes(rows(sql.email_suffixes_sql(schema, grain, since=since, until=until, repo_ids=ids)), put)
    merges = rows(sql.merged_authors_sql(schema, until=window.until, repo_ids=window.repo_ids))
    _new_contributors(merges, window, put)
    _inactive_contributors(merges, window, put)
    for kind in ("issue", "change_request"):
        _time_metrics(rows, schema, kind, window, repos)
    for metrics in repos.values():
        _estimate_data_loss(metrics.values)
    return repos


# monthlyExport.ts exportUserMetrics: a developer's files (getUserActivity, repoDetail false).
DEVELOPER_FILES = ("activity", "openrank", "open_issue", "issue_comment", "open_pull", "merged_pull", "review_comment")


def compute_developers(rows: Rows, schema: Schema, window: Window) -> dict[int, RepoMetrics]:
    """Each developer's files of :data:`DEVELOPER_FILES`, by developer id (``RepoMetrics.name``
    is the login): indices.ts getUserActivity (bots included, as monthlyExport.ts calls it):
    per repository and month the developer's activity (``HAVING activity > 0``), summed over
    the period and ``ROUND(.., 2)``, and the summed distinct counts. Over every repository the
    events hold: with the store's tracked repositories only, their share of a developer's work."""
    result = rows(sql.developers_sql(schema, "month", since=window.since, until=window.until, repo_ids=window.repo_ids))
    names: dict[int, tuple[str, str]] = {}
    sums: dict[tuple[int, str], list[float]] = defaultdict(lambda: [0.0] * (1 + len(sql.DEVELOPER_COUNTS)))
    for _repo, month, developer, login, last_at, *counts in result:
        activity = _developer_activity(counts)
        if activity <= 0:
            continue
        if developer not in names or str(last_at) >= names[developer][0]:
            names[developer] = (str(last_at), login or "")
        for grain in sql.GRAINS:
            totals = sums[developer, period_key(month + "-01", grain)]
            totals[0] += activity
            for index, count in enumerate(counts, start=1):
                totals[index] += count
    # GitHub frees a renamed or deleted account's login for another account, so two ids can carry
    # one login (case-insensitive, as GitHub compares them); they would share github/{login}/, which
    # belongs to the account active last (the later id on a tie), whatever order the engine returns.
    holders: dict[str, int] = {}
    for developer, (_last_at, login) in sorted(names.items(), key=lambda item: (item[1][0], item[0])):
        holders[login.lower()] = developer
    developers = {developer: RepoMetrics(developer, names[developer][1]) for developer in sorted(holders.values())}
    order = ("activity", *(name for name, _, _ in sql.DEVELOPER_COUNTS))
    for (developer, key), totals in sums.items():
        if developer not in developers:
            continue
        for name, value in zip(order, totals, strict=True):
            if not _default(value):
                developers[developer].values[name][key] = _number(value)
    for metrics in developers.values():
        _estimate_data_loss(metrics.values, DEVELOPER_FILES)
    return developers


def openrank_sums(store: Any, kind: str, groups: Mapping[Any, Iterable[int]], window: Window) -> dict[Any, dict]:
    """``openrank.json`` of each group of entities: indices.ts ``getRepoOpenrank`` (``kind``
    ``repo``) and ``getUserOpenrank`` (``developer``): ``ROUND(SUM(openrank), 2)`` of the
    ``global_openrank`` table's monthly values per month, quarter and year, the values summed
    over the group's entities (a label's repositories, as basic.ts ``getLabelJoinClause``
    groups them; a repository or a developer alone), 0 left out, then 2021-10 estimated as
    monthlyExport.ts ``processMetric`` does (the field has no ``disableDataLoss``). The monthly
    values are the store's ``openrank`` table (``ecometrics analyze openrank``, on the store's
    events or an engine's): none stored, no file."""
    members: dict[int, list[Any]] = defaultdict(list)
    for group, ids in groups.items():
        for entity in ids:
            members[entity].append(group)
    stored = store.conn.execute(
        "SELECT entity_id, month, value FROM openrank WHERE kind = ? AND month BETWEEN ? AND ? ORDER BY month",
        (kind, window.first, window.last),
    )
    sums: dict[Any, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for entity, month, value in stored:
        for group in members.get(entity, ()):
            for grain in sql.GRAINS:
                sums[group][period_key(month + "-01", grain)] += value
    result: dict[Any, dict] = {}
    for group, per_key in sums.items():
        content = {key: _number(total) for key, total in per_key.items() if not _default(_number(total))}
        values = {"openrank": content}
        _estimate_data_loss(values, ("openrank",))
        if content:
            result[group] = values["openrank"]
    return result


def add_openrank(store: Any, entries: Iterable[RepoMetrics], kind: str, window: Window) -> None:
    """Give each entry (a repository's or a developer's files, by ``repo_id``: the entity's id)
    its ``openrank.json`` (:func:`openrank_sums`)."""
    entries = list(entries)
    sums = openrank_sums(store, kind, {entry.repo_id: (entry.repo_id,) for entry in entries}, window)
    for entry in entries:
        if entry.repo_id in sums:
            entry.values["openrank"] = sums[entry.repo_id]


def latest_openrank(store: Any, kind: str, window: Window) -> dict[int, float]:
    """Each entity's global OpenRank of its latest stored month up to the window's last (the
    ``argMax(openrank, created_at)`` monthlyExport.ts ranks its repo_list.csv and user_list.csv by)."""
    rows = store.conn.execute(
        "SELECT o.entity_id, o.value FROM openrank AS o JOIN (SELECT entity_id, max(month) AS month FROM openrank "
        "WHERE kind = ? AND month <= ? GROUP BY entity_id) AS latest USING (entity_id, month) WHERE o.kind = ?",
        (kind, window.last, kind),
    )
    return {int(entity): float(value) for entity, value in rows}


def _default(value: Any) -> bool:
    """monthlyExport.ts getField isDefaultValue: 0, an empty list, NaN (and here: unknown)."""
    if value is None:
        return True
    if isinstance(value, list):
        return not value
    return value == 0 or (isinstance(value, float) and math.isnan(value))


Put = Callable[[int, str, str, Any], None]


def _number(value: float) -> float | int:
    rounded = round2(float(value))
    return int(rounded) if rounded == int(rounded) else rounded


def _counts(result: Iterable[Sequence[Any]], put: Put) -> None:
    names = [measure.name for measure in sql.MEASURES]
    for repo_id, key, *values in result:
        row = dict(zip(names, values, strict=True))
        for name in names:
            # 0 and unknown are defaults, never put: most repos have most counts at 0
            if name in ("forkers", "contributors_detail") or name.startswith("code_change_lines_") or not row[name]:
                continue
            put(repo_id, name, key, _number(row[name]))
        # indices.ts getAttention: stars + 2 * forks, each distinct actors
        put(repo_id, "attention", key, _number(row["stars"] + 2 * row["forkers"]))
        # chaoss.ts chaossCodeChangeLines: add, remove, and by sum minus(add, del), over every
        # PullRequestEvent; unknown (None) when any of them has no size, 0 when there is none
        if row["code_change_lines_unknown"]:
            lines: tuple[Any, Any, Any] = (None, None, None)
        else:
            added, removed = row["code_change_lines_add"] or 0, row["code_change_lines_remove"] or 0
            lines = (_number(added), _number(removed), _number(added - removed))
        for name, value in zip(CODE_CHANGE_LINES, lines, strict=True):
            put(repo_id, name, key, value)
        logins = row["contributors_detail"]
        put(repo_id, "contributors_detail", key, sorted(logins.split(",")) if logins else [])


def _developer_activity(counts: Sequence[int]) -> float:
    """indices.ts basicActivitySqlComponent: sqrt of the weighted distinct counts."""
    return math.sqrt(sum(w * c for w, c in zip(OPENDIGGER_ACTIVITY_WEIGHTS.values(), counts, strict=True)))


def _bus_factor(developers: Iterable[Sequence[Any]], put: Put) -> None:
    """chaoss.ts chaossBusFactor (by activity, percentage 0.5, without bots): the developers
    whose ``ceil(activity)`` reaches the weighted median of those counts."""
    groups: dict[tuple[int, str], list[tuple[str, int]]] = defaultdict(list)
    for repo_id, key, _developer, login, _last, *counts in developers:
        if login is None or login.endswith("[bot]"):  # HAVING actor_login NOT LIKE '%[bot]'
            continue
        groups[repo_id, key].append((login, math.ceil(_developer_activity(counts))))
    for (repo_id, key), pairs in groups.items():
        threshold = weighted_quantile([count for _, count in pairs], BUS_FACTOR_LEVEL)
        kept = sorted(((login, count) for login, count in pairs if count >= threshold), key=lambda p: (-p[1], p[0]))
        detail = [[login, count] for login, count in kept]
        put(repo_id, "bus_factor", key, len(detail))
        put(repo_id, "bus_factor_detail", key, detail)


def _activity(developers: Iterable[Sequence[Any]]) -> dict[str, dict[str, dict[int, Any]]]:
    """indices.ts getRepoActivity (developerDetail): per month and developer the activity
    (``HAVING activity > 0``), summed per period and ``ROUND(.., 2)``; the details are the
    100 highest (login, ROUND(activity, 2)) of the period's months."""
    per_key: dict[str, dict[str, dict[int, Any]]] = defaultdict(lambda: defaultdict(dict))
    sums: dict[tuple[str, int], float] = defaultdict(float)
    details: dict[tuple[str, int], list[tuple[str, float]]] = defaultdict(list)
    for repo_id, month, _developer, login, _last, *counts in developers:
        activity = _developer_activity(counts)
        if activity <= 0:
            continue
        for grain in sql.GRAINS:
            key = period_key(month + "-01", grain)
            sums[key, repo_id] += activity
            details[key, repo_id].append((login or "", round2(activity)))
    for (key, repo_id), total in sums.items():
        per_key[key]["activity"][repo_id] = _number(total)
        ranked = sorted(details[key, repo_id], key=lambda pair: (-pair[1], pair[0]))[:MAX_DETAILS]
        per_key[key]["activity_details"][repo_id] = [[login, _plain(value)] for login, value in ranked]
    return per_key


def _plain(value: float) -> float | int:
    return int(value) if value == int(value) else value


def _active_hours(result: Iterable[Sequence[Any]], put: Put) -> None:
    """chaoss.ts chaossActiveDatesAndTimes (normalize 10): 168 counts, Monday 00h first,
    each ``round(x * 10 / max)``."""
    # Only the hours with events are rounded (an empty hour stays 0): a grid per repo and
    # period is 168 numbers, most of them 0, and rounding every one cost more than the query.
    cells: dict[tuple[int, str], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for repo_id, key, day, hour, count in result:
        cells[repo_id, key][(int(day) - 1) * 24 + int(hour)] += int(count)
    for (repo_id, key), counts in cells.items():
        top = max(counts.values())
        grid = [0] * 168
        for cell, count in counts.items():
            grid[cell] = round(count * NORMALIZE / top)
        put(repo_id, "active_dates_and_times", key, grid)


def _email_suffixes(result: Iterable[Sequence[Any]], put: Put) -> None:
    """metrics.ts contributorEmailSuffixes: per (repo, period) ``[suffix, authors]``, most authors
    first, where an author's suffix is ``anyHeavy`` of the suffixes :func:`sql.email_suffixes_sql`
    pairs it with. ClickHouse's anyHeavy returns the value of a strict majority, else one that
    depends on the rows' order; here the most frequent, the smallest of a tie (the same on both
    engines). Ties in the list's order are broken by suffix (OpenDigger leaves them to arraySort)."""
    per_author: dict[tuple[int, str, str], Counter[str]] = defaultdict(Counter)
    for repo_id, key, author, suffix, count in result:
        per_author[repo_id, key, author][suffix] += int(count)
    authors: dict[tuple[int, str], Counter[str]] = defaultdict(Counter)
    for (repo_id, key, _author), suffixes in per_author.items():
        heavy = min(suffixes.items(), key=lambda item: (-item[1], item[0]))[0]
        authors[repo_id, key][heavy] += 1
    for (repo_id, key), counts in authors.items():
        put(repo_id, "contributor_email_suffixes", key, [[s, n] for s, n in sorted(counts.items(), key=_by_count)])


def _by_count(item: tuple[str, int]) -> tuple[int, str]:
    return -item[1], item[0]


def _new_contributors(merges: Iterable[Sequence[Any]], window: Window, put: Put) -> None:
    """chaoss.ts chaossNewContributors (by change request): authors of merged pull requests
    by the period of their first merge (``min(created_at)``), with their latest login."""
    first: dict[tuple[int, int], str] = {}
    latest: dict[tuple[int, int], tuple[str, str]] = {}
    for repo_id, author_id, login, created_at in merges:
        pair = (repo_id, author_id)
        first[pair] = min(first.get(pair, created_at), created_at)
        if pair not in latest or created_at >= latest[pair][0]:
            latest[pair] = (created_at, login)
    for grain in sql.GRAINS:
        groups: dict[tuple[int, str], list[str]] = defaultdict(list)
        for pair, when in first.items():
            if window.since <= when < window.until:
                groups[pair[0], period_key(when, grain)].append(latest[pair][1])
        for (repo_id, key), logins in groups.items():
            put(repo_id, "new_contributors", key, len(logins))
            put(repo_id, "new_contributors_detail", key, sorted(logins))


def _inactive_contributors(merges: Iterable[Sequence[Any]], window: Window, put: Put) -> None:
    """chaoss.ts chaossInactiveContributors (by change request, 6 months, minCount 0): at the
    end T of each period, the merged-PR authors first seen before T with no merge in
    ``[T - 6 months, T]``."""
    times: dict[tuple[int, int], list[str]] = defaultdict(list)
    for repo_id, author_id, _login, created_at in merges:
        times[repo_id, author_id].append(created_at)
    for grain in sql.GRAINS:
        for key, end in period_ends(window.first, window.last, grain):
            at, since = _midnight(end), _midnight(months_before(end, INACTIVE_MONTHS))
            inactive: dict[int, int] = defaultdict(int)
            for (repo_id, _author), stamps in times.items():
                if min(stamps) < at and not any(since <= stamp <= at for stamp in stamps):
                    inactive[repo_id] += 1
            for repo_id, count in inactive.items():
                put(repo_id, "inactive_contributors", key, count)


def _summary(durations: list[int], thresholds: tuple[int, ...], zero_levels_empty: bool) -> dict[str, Any]:
    """avg, levels and quantiles of durations (chaoss.ts: ``avg``, ``quantile(q/4)``, and
    ``countIf`` of each ``multiIf(d <= t0, 0, d <= t1, 1, ..., n)``)."""
    if not durations:
        return {}
    levels = [0] * (len(thresholds) + 1)
    for value in durations:
        levels[next((i for i, t in enumerate(thresholds) if value <= t), len(thresholds))] += 1
    result: dict[str, Any] = {"avg": _number(sum(durations) / len(durations))}
    result["levels"] = [] if zero_levels_empty and not any(levels) else levels
    for q in range(5):
        result[f"quantile_{q}"] = _number(ch_quantile(durations, q / 4))
    return result


def _time_metrics(rows: Rows, schema: Schema, kind: str, window: Window, repos: dict[int, RepoMetrics]) -> None:
    until, repo_ids = window.until, window.repo_ids
    thresholds = TIME_FILES[f"{kind}_response_time"]
    per: dict[str, dict[tuple[int, str], list[int]]] = defaultdict(lambda: defaultdict(list))
    # chaoss.ts chaossResolutionDuration (by open): closed last, grouped by opening period.
    for repo_id, _issue, last_action, opened_at, closed_at in rows(
        sql.resolutions_sql(schema, kind, until=until, repo_ids=repo_ids)
    ):
        if last_action == "closed" and opened_at and closed_at and window.since <= opened_at < window.until:
            for grain in sql.GRAINS:
                per["resolution_duration"][repo_id, period_key(opened_at, grain)].append(day_diff(opened_at, closed_at))
    # chaoss.ts chaossResponseTime: grouped by the opening's period; no response is 15 days.
    for repo_id, _issue, opened_at, responded_at in rows(
        sql.responses_sql(schema, kind, until=until, repo_ids=repo_ids)
    ):
        if opened_at and window.since <= opened_at < window.until:
            days = day_diff(opened_at, responded_at) if responded_at else NO_RESPONSE_DAYS
            for grain in sql.GRAINS:
                per["response_time"][repo_id, period_key(opened_at, grain)].append(days)
    # chaoss.ts chaossAge: open at the end T of each period (closed at or after T, or never).
    ages = [(r, o, c) for r, _n, o, c in rows(sql.ages_sql(schema, kind, until=until, repo_ids=repo_ids)) if o]
    for grain in sql.GRAINS:
        for key, end in period_ends(window.first, window.last, grain):
            at = _midnight(end)
            for repo_id, opened_at, closed_at in ages:
                if opened_at < at and (closed_at is None or closed_at >= at):
                    per["age"][repo_id, key].append(day_diff(opened_at, end))
    for what, groups in per.items():
        name = f"{kind}_{what}"
        for (repo_id, key), durations in groups.items():
            if repo_id not in repos:
                continue
            summary = _summary(durations, TIME_FILES[name] if what == "age" else thresholds, what == "age")
            for field_name, value in summary.items():
                if value != []:  # getDurationFields: a duration's default is NaN (none here), levels' []
                    repos[repo_id].values[name].setdefault(field_name, {})[key] = value


def _estimate_data_loss(values: dict[str, dict[str, Any]], files: Iterable[str] = COUNT_FILES) -> None:
    """monthlyExport.ts processMetric: 2021-10 of a number file, estimated from its neighbours."""
    for name in files:
        content = values.get(name)
        if name in NO_DATA_LOSS or not content or not content.get(DATA_LOSS_MONTH):
            continue
        content[DATA_LOSS_MONTH + "-raw"] = content[DATA_LOSS_MONTH]
        aug, sep, nov, dec = (content.get(month) or 0 for month in DATA_LOSS_NEIGHBOURS)
        aug, sep = aug or dec, sep or nov
        estimate = sum(w * v for w, v in zip(DATA_LOSS_WEIGHTS, (aug, sep, nov, dec), strict=True))
        content[DATA_LOSS_MONTH] = js_round(estimate)


def ordered(content: dict[str, Any]) -> dict[str, Any]:
    """Keys in the order JavaScript's JSON.stringify writes an object OpenDigger filled month,
    quarter, year: integer keys (years) ascending first, then months (with -raw), then quarters."""
    years = sorted((key for key in content if key.isdigit()), key=int)
    months = sorted(key for key in content if "-" in key)
    quarters = sorted(key for key in content if "Q" in key)
    rest = [key for key in content if key not in {*years, *months, *quarters}]
    return {key: content[key] for key in (*years, *months, *quarters, *rest)}


def months_with_events(rows: Rows, schema: Schema, window: Window) -> set[str]:
    """The months of ``window`` in which any event is stored (of any repository)."""
    query = f"{sql.with_events(schema, since=window.since, until=window.until)} SELECT DISTINCT "
    return {str(row[0]) for row in rows(query + f"{sql.period(schema, 'month')} FROM e")}


def months_of(key: str) -> list[str]:
    """The months an output key spans: ``YYYY-MM`` (and ``YYYY-MM-raw``), ``YYYYQn``, ``YYYY``."""
    if "Q" in key:
        start = (int(key[5]) - 1) * 3
        return [f"{key[:4]}-{month:02d}" for month in range(start + 1, start + 4)]
    if key.isdigit():
        return [f"{key}-{month:02d}" for month in range(1, 13)]
    return [key[:7]]


def drop_uncovered(entries: Iterable[RepoMetrics], covered: set[str], always: Iterable[int] = ()) -> None:
    """Leave out each value of a period none of whose months is ``covered`` (the store holds no
    GH Archive hour and no event of it): a metric of a month without data is missing, not a
    number. The all-history metrics (inactive contributors, the ``*_age`` ones) would
    otherwise carry a value into such a month. Entries whose ``repo_id`` is in ``always``
    (repositories collected from the API, covered by their own events) are kept whole."""
    kept = set(always)
    for entry in entries:
        if entry.repo_id in kept:
            continue
        for name, content in entry.values.items():
            for per_key in content.values() if name in TIME_FILES else (content,):
                for key in [key for key in per_key if not any(m in covered for m in months_of(key))]:
                    del per_key[key]


# -- windows: the count metrics over any range, or the first N days of each repository ---------

WINDOW_METRICS = (
    "stars",
    "technical_fork",
    "attention",
    "participants",
    "issues_new",
    "issues_closed",
    "issue_comments",
    "change_requests",
    "change_requests_accepted",
    "change_requests_reviews",
    "issues_and_change_request_active",
    "contributors",
    "new_contributors",
    "code_change_lines_add",
    "code_change_lines_remove",
    "code_change_lines_sum",
)


def window_counts(rows: Rows, schema: Schema, repo_id: int, since: str, until: str) -> dict[str, Any]:
    """The count metrics of one repository over ``since`` to ``until`` (days or stamps), each
    as its monthly definition counts a month (the same query, one period for the whole range)."""
    found: dict[str, Any] = dict.fromkeys(WINDOW_METRICS, 0)

    def put(_repo: int, name: str, _key: str, value: Any) -> None:
        if name in found:
            found[name] = value

    result = rows(sql.counts_sql(schema, "window", since=since, until=until, repo_ids=(repo_id,)))
    _counts([row for row in result if row[0] == repo_id], put)
    # chaoss.ts chaossNewContributors: whose first merge (over all history) falls in the window
    first: dict[int, str] = {}
    for _repo, author, _login, created_at in rows(sql.merged_authors_sql(schema, until=until, repo_ids=(repo_id,))):
        first[author] = min(first.get(author, created_at), created_at)
    found["new_contributors"] = sum(since <= when < until for when in first.values())
    return found


WINDOW_COLUMNS = {
    "repo": NAME,
    "since": TIMESTAMP,
    "until": TIMESTAMP,
    **dict.fromkeys(WINDOW_METRICS, COUNT),
    "repo_id": ID,
}


def window_table(
    store: Any,
    *,
    days_after_creation: int | None = None,
    since: str | None = None,
    until: str | None = None,
    repo: str | None = None,
    engine: str | None = None,
    **_: Any,
) -> pl.DataFrame:
    """The count metrics of each repository over a window, from the stored events (SQLite,
    or the ClickHouse ``engine``): its first ``days_after_creation`` days (from the
    repository's ``created_at`` in the store, so only collected repositories have one), or
    ``since`` to ``until`` (days, ``until`` excluded).

    A window the stored events do not cover (it starts before the first stored event or ends
    after the last), or touches a month the store holds no GH Archive hour and no event of,
    has its counts unknown (null), not 0, as :mod:`ecometrics.analysis.growth` does for launch velocity;
    a repository collected from the API is covered by its own events (:func:`ecometrics.analysis.coverage.api_repos`). Columns :data:`WINDOW_COLUMNS`; most stars first.
    """
    if (days_after_creation is None) == (since is None and until is None):
        raise InputError(
            "export opendigger_window: pass --days-after-creation N, or --since YYYY-MM-DD and --until YYYY-MM-DD"
        )
    if engine is None:
        return _window_table(store, store.conn.execute, SQLITE_EVENTS, days_after_creation, since, until, repo)
    from ecometrics.collector.archive_engine import open_engine

    with open_engine(engine, store) as opened:
        return _window_table(store, opened.rows, SCHEMAS[opened.schema], days_after_creation, since, until, repo)


def _window_table(
    store: Any,
    query: Callable[[str], Any],
    schema: Schema,
    days_after_creation: int | None,
    since: str | None,
    until: str | None,
    repo: str | None,
) -> pl.DataFrame:
    rows: Rows = lambda text: list(query(text))  # noqa: E731
    first_event, last_event = rows(sql.span_sql(schema))[0]
    names = rows(sql.names_sql(schema, since=None, until="9999-12-31"))
    latest = {repo_id: name for repo_id, name, _ in names}
    if repo is not None:
        if not REPO_NAME.match(repo):
            raise InputError(f"--repo {repo!r}: not OWNER/NAME; write it like X-lab2017/open-digger")
        latest = {repo_id: name for repo_id, name in latest.items() if name and name.lower() == repo.lower()}
        if not latest:
            raise InputError(f"--repo {repo}: no events of this repository; check the name or import its events")
    spans: dict[int, tuple[str, str]] = {}
    if days_after_creation is not None:
        if days_after_creation < 1:
            raise InputError(f"--days-after-creation {days_after_creation}: pass a number of days, 1 or more")
        for repo_id, created in store.conn.execute("SELECT id, created_at FROM repos WHERE created_at IS NOT NULL"):
            if repo_id in latest:
                created_at = dt.datetime.fromisoformat(created.replace("Z", "+00:00"))
                ends = created_at + dt.timedelta(days=days_after_creation)
                spans[repo_id] = (created, ends.strftime("%Y-%m-%dT%H:%M:%SZ"))
    else:
        since, until = _day(since, "--since"), _day(until, "--until")
        if since >= until:
            raise InputError(f"--since {since} is not before --until {until}; swap them")
        spans = dict.fromkeys(latest, (since, until))
    records = []
    with_data: set[str] = set()
    collected: set[int] = set()
    if first_event is not None:
        from ecometrics.analysis.coverage import api_repos, months_covered

        with_data = months_with_events(rows, schema, Window(first_event[:7], last_event[:7])) | set(
            months_covered(store)
        )
        collected = api_repos(store)
    for repo_id, (start, end) in spans.items():
        covered = first_event is not None and first_event <= start and end <= last_event
        # each month the window touches holds data, or the repository was collected from the API
        covered = covered and (repo_id in collected or all(m in with_data for m in _months_touched(start, end)))
        counts = window_counts(rows, schema, repo_id, start, end)
        records.append(
            {
                "repo": latest[repo_id],
                "since": start,
                "until": end,
                **{name: value if covered else None for name, value in counts.items()},
                "repo_id": repo_id,
            }
        )
    types = {
        name: field.dtype if name not in ("since", "until") else pl.String for name, field in WINDOW_COLUMNS.items()
    }
    frame = pl.DataFrame(records, schema=types, orient="row") if records else pl.DataFrame(schema=types)
    frame = frame.with_columns(frames.parse_datetime(pl.col("since")), frames.parse_datetime(pl.col("until")))
    return frame.sort(["stars", "repo"], descending=[True, False], nulls_last=True)


def _months_touched(start: str, end: str) -> list[str]:
    """The months from ``start``'s to the one holding the instant before ``end`` (excluded)."""
    months, month = [], start[:7]
    end = end if "T" in end else end + "T00:00:00Z"  # a day, or a stamp: compare stamps
    while month == start[:7] or month + "-01T00:00:00Z" < end:
        months.append(month)
        month = next_month(month)
    return months


def _day(text: str | None, flag: str) -> str:
    try:
        return dt.date.fromisoformat(text or "").isoformat()
    except ValueError:
        raise InputError(f"{flag} {text!r} is not YYYY-MM-DD; write it like 2025-01-31") from None


# -- labels: a company's, foundation's, ... repositories as one (monthlyExport.ts exportLabelMetrics) --

# monthlyExport.ts exportLabelMetrics: the files of a label, from its repositories' events as one group.
LABEL_FILES = (
    "openrank",
    "activity",
    "activity_details",
    "participants",
    "issues_new",
    "issues_closed",
    "issues_and_change_request_active",
    "change_requests",
    "change_requests_accepted",
    "issue_comments",
    "change_requests_reviews",
    "contributors",
    "contributors_detail",
    "stars",
    "community_openrank_details",
)
PLATFORM_NAME = "GitHub"  # the events' platform column, as OpenDigger's details spell it


def compute_labels(store: Any, rows: Rows, schema: Schema, window: Window) -> dict[str, RepoMetrics]:
    """Each imported label's files of :data:`LABEL_FILES`, by label id (``:companies/acme``,
    ``:divisions/CN``), as monthlyExport.ts ``exportLabelMetrics`` computes them for each label
    type (``repoLabel: LabelUtil.get(type)``, ``groupBy: type``):

    - the events are those of the repositories a label of the type lists, by repo or by
      organisation (basic.ts getRepoWhereClause with ``repoLabel``; the organisation by the
      owner's login here, :func:`ecometrics.analysis.labels.label_repos`);
    - each is joined to every row of the label it matches (basic.ts getLabelJoinClause): its
      repository listed, its organisation listed, its actor listed as a developer. A country
      (Division-0) thus counts its developers' work in any country's repositories, and an
      event joining two rows (a repository listed with its organisation) is counted twice by
      ``COUNT()`` (issue comments) and ``SUM(activity)``, once by the distinct counts;
    - the metric is then the label's joined events taken as one (distinct actors across its
      repositories, not a sum of theirs), an issue being (repository, number).

    Activity joins a developer's row of a repository and month by the developer credited
    (a merge's author, indices.ts getRepoActivity). Empty without ``ecometrics import labels``."""
    from ecometrics.analysis.labels import label_members

    named = rows(sql.names_sql(schema, since=window.since, until=window.until, repo_ids=window.repo_ids))
    repos = pl.DataFrame(
        [(repo_id, name or "") for repo_id, name, _ in named],
        schema={"entity_id": pl.Int64, "name": pl.String},
        orient="row",
    )
    members = label_members(store, repos)
    scopes: dict[str, set[int]] = defaultdict(set)  # a label type's repositories (getRepoWhereClause)
    for member in members.values():
        scopes[member.type] |= member.repos | member.org_repos
    if not scopes:
        return {}
    # one developer query and one share computation for every type: their rows are per
    # repository, so a type's are those of its scope (an empty scope filters no repository)
    every = set().union(*scopes.values())
    unfiltered = not all(scopes.values())
    everyones = rows(
        sql.developers_sql(
            schema, "month", since=window.since, until=window.until, repo_ids=() if unfiltered else tuple(sorted(every))
        )
    )
    all_shares = normalized_community_openrank(store, everyones, every, window)
    labels: dict[str, RepoMetrics] = {}
    for kind, scope in sorted(scopes.items()):
        ids = tuple(sorted(scope))
        developers = [row for row in everyones if row[0] in scope] if scope else everyones
        shares = {key: found for key, found in all_shares.items() if key[0] in scope}
        for label, member in members.items():
            if member.type != kind:
                continue
            metrics = labels[label] = RepoMetrics(0, label)

            def put(_group: int, name: str, key: str, value: Any, metrics: RepoMetrics = metrics) -> None:
                if name in LABEL_FILES and not _default(value):
                    metrics.values[name][key] = value

            joined = sql.joined_rows_sql(member.repos, member.org_repos, member.users)
            query = sql.counts_sql(  # every grain in one pass over the type's events
                schema, sql.GRAINS, since=window.since, until=window.until, repo_ids=ids, by_repo=False, joined=joined
            )
            _counts(rows(query), put)
            # one group, the label: each developer row once per label row it joins
            as_one = [(0, *row[1:]) for row in developers for _ in range(member.rows(row[0], row[2]))]
            for key, per_name in _activity(as_one).items():
                for name, per_group in per_name.items():
                    put(0, name, key, per_group[0])
            _estimate_data_loss(metrics.values)
            _community_details(shares, member, metrics)
    # a repository listed by itself and through its organisation is summed twice, as the join counts it
    groups = {label: [*member.repos, *member.org_repos] for label, member in members.items()}
    for label, content in openrank_sums(store, "repo", groups, window).items():
        labels[label].values["openrank"] = content
    return labels


# (repo id, month) -> [(developer id, login, share)]: OpenDigger's normalized_community_openrank rows
Shares = dict[tuple[int, str], list[tuple[int, str, float]]]


def normalized_community_openrank(
    store: Any, developers: Iterable[Sequence[Any]], repo_ids: Iterable[int], window: Window
) -> Shares:
    """Each repository's global OpenRank of a month shared among its developers, as
    ``src/scripts/importNormalizedCommunityOpenrank.ts`` fills OpenDigger's
    ``normalized_community_openrank`` table: for a repository and month with global OpenRank
    ``g`` (the store's ``openrank``), each developer's ``g * x / sum(x)`` over the developers
    whose login does not end in ``[bot]`` and who are not labelled ``:bot``, ``x`` being their
    community OpenRank where it was computed for that repository and month (the store's
    ``community_openrank``, :mod:`ecometrics.analysis.community`), else their activity of the
    month (``basicActivitySqlComponent``, a merge credited to its author: the ``developers``
    rows of :func:`ecometrics.analysis.opendigger_sql.developers_sql`), "activity instead of
    community openrank if it is not calculated". Shares of 0 are left out (``WHERE openrank >
    0``) and each is kept as the table's ``Float`` column stores it (a 32-bit float)."""
    import numpy as np

    from ecometrics.analysis.activity import labelled_bot_ids

    bots = set(labelled_bot_ids(store))
    # the scope's repositories as one JSON parameter (json_each), however many there are
    between = (window.first, window.last, json.dumps(sorted(set(repo_ids))))
    global_openrank = {
        (repo_id, month): value
        for repo_id, month, value in store.conn.execute(
            "SELECT entity_id, month, value FROM openrank WHERE kind = 'repo' AND month BETWEEN ? AND ? "
            "AND entity_id IN (SELECT value FROM json_each(?))",
            between,
        )
    }
    weights: dict[tuple[int, str], list[tuple[int, str, float]]] = defaultdict(list)
    computed: set[tuple[int, str]] = set()
    for repo_id, month, node_type, node_id, name, value in store.conn.execute(
        "SELECT repo_id, month, node_type, node_id, name, value FROM community_openrank WHERE month BETWEEN ? AND ? "
        "AND repo_id IN (SELECT value FROM json_each(?)) ORDER BY repo_id, month, node_id",
        between,
    ):
        computed.add((repo_id, month))
        if node_type == "developer":
            weights[repo_id, month].append((node_id, name or "", value))
    for repo_id, month, developer, login, _last, *counts in sorted(developers, key=lambda row: tuple(row[:3])):
        if (repo_id, month) not in computed:
            weights[repo_id, month].append((developer, login or "", _developer_activity(counts)))
    shares: Shares = {}
    for (repo_id, month), g in sorted(global_openrank.items()):
        people = [
            (d, login, x)
            for d, login, x in weights.get((repo_id, month), [])
            if d > 0 and d not in bots and not login.endswith("[bot]")
        ]
        total = sum(x for _, _, x in people)
        if total > 0:
            found = [(d, login, float(np.float32(g * x / total))) for d, login, x in people]
            shares[repo_id, month] = [share for share in found if share[2] > 0]
    return shares


def _community_details(shares: Shares, member: Any, metrics: RepoMetrics) -> None:
    """``community_openrank_details`` of one label: indices.ts ``getRepoCommunityOpenrank``
    (monthlyExport.ts ``exportLabelMetrics``, ``limit: 100``): per period and developer the
    ``SUM`` of their shares (:func:`normalized_community_openrank`) over the label's joined
    rows (a share joining two of its rows counts twice, basic.ts ``getLabelJoinClause``),
    ``HAVING > 0``, the 100 highest as ``[platform, id, login, sum]``: the id a string, as
    ClickHouse's JSON quotes a UInt64; the sum not rounded (``noPrecision``); the login the
    latest month's (``argMax(actor_login, created_at)``)."""
    sums: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    logins: dict[str, dict[int, str]] = defaultdict(dict)
    for (repo_id, month), found in sorted(shares.items(), key=lambda item: (item[0][1], item[0][0])):
        for developer, login, share in found:
            for _ in range(member.rows(repo_id, developer)):
                for grain in sql.GRAINS:
                    key = period_key(month + "-01", grain)
                    sums[key][developer] += share
                    logins[key][developer] = login
    for key, per_developer in sums.items():
        ranked = sorted(
            ((d, total) for d, total in per_developer.items() if total > 0),
            key=lambda pair: (-pair[1], logins[key][pair[0]], pair[0]),
        )[:MAX_DETAILS]
        detail = [[PLATFORM_NAME, str(d), logins[key][d], _plain(total)] for d, total in ranked]
        if detail:
            metrics.values["community_openrank_details"][key] = detail
