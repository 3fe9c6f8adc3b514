"""The ``repos`` ranking table: what the GitHub collector stored, one row per repository.

Columns (``ecometrics export repos``):

- ``repo`` — OWNER/NAME as last seen (renamed repositories under their new name);
- ``stars, forks, watchers, open_issues, open_pull_requests`` — the repository's
  snapshot on the reference day: the newest ``repo_snapshots`` row, or with ``month``
  the newest one in or before it. For a month before the first snapshot the reference
  day is the month's last day and ``stars`` is counted from the star history (the
  other snapshot columns are null);
- ``contributors`` — GitHub accounts in the newest ``/contributors`` snapshot on or
  before the reference day, anonymous e-mail authors not counted (null when none);
- ``stars_7d, stars_30d`` — stars gained in the 7 and 30 days up to the reference day,
  counted from the star history (``stargazers.starred_at``) when it was collected and GitHub
  still lists it (``star_access``: since July 2026 only to a repository's admins and
  collaborators); for a repository whose list GitHub withholds, the sum of GitHub's stars per
  day over those days (``star_counts``, its privacy-safe star history, changelog 2026-09-04),
  null unless each day has its count; else the difference between snapshots that far apart
  (null when there is none). This table owns "stars in the last N days";
  :mod:`ecometrics.analysis.growth` does not define them. A past month's ``stars`` before the
  first snapshot come the same way from the daily counts: known when each day from the
  repository's creation to the month's end has its count;
- ``star_history`` — whether the star history behind the star columns was ``collected``,
  read as ``daily counts from GitHub`` (its stargazers withheld, their stars per day from the
  star history endpoint: every star figure is known, no account behind it), ``withheld by
  GitHub`` without daily counts (it lists a repository's stargazers only to its admins and
  collaborators since July 2026, changelog 2026-06-30; ``star_access``: the figures come from
  the snapshots, and ``ecometrics import gharchive`` fills the history from WatchEvents) or
  ``not collected``;
- ``stars_first_3d, stars_first_10d, stars_first_30d, participants_first_30d`` — launch
  velocity (stars in the first N days after creation) and distinct early participants,
  as defined in :mod:`ecometrics.analysis.growth`, with the windows judged at the end of
  ``month`` (else at :func:`ecometrics.analysis.growth.observed_until`);
- ``created_at, language, license, archived``;
- ``openrank, activity, openrank_weight, openrank_month`` — the repository's global
  OpenRank, OpenDigger's published ``activity`` metric and its OpenRank network weight
  for the month (by default the last complete month with values,
  :func:`ecometrics.analysis.global_openrank.default_month`), from :mod:`ecometrics.analysis.global_openrank`;
  ``partial_month`` is true when the data does not cover that month to its end, and
  ``openrank_warm_up`` when the month is within the first
  :data:`ecometrics.analysis.global_openrank.WARM_UP_MONTHS` computed ones (values still climbing).

Repositories never collected through the API that have OpenRank or activity in that
month (those of an imported GH Archive) have a row too, named from their events, with
only the OpenRank columns. Sorted by stars, most first, then by OpenRank. Repositories
recorded as ``not_found`` are left out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import polars as pl

from ecometrics.analysis import growth
from ecometrics.analysis.fields import COUNT, DATE, FLAG, ID, MONTH, NAME, SCORE, TEXT, TIMESTAMP
from ecometrics.analysis.frames import COUNTED_REPOS
from ecometrics.analysis.global_openrank import openrank_table, openrank_warm_up
from ecometrics.collector.store import Store
from ecometrics.core.dates import month_end

# ``star_history`` of a repository whose stargazer list GitHub withholds (``star_access``): its
# stars read from GitHub's daily counts, or without them from the snapshots alone.
STARS_COUNTED, STARS_WITHHELD = "daily counts from GitHub", "withheld by GitHub"
WITHHELD_HISTORIES = (STARS_COUNTED, STARS_WITHHELD)

SCHEMA = {
    "repo": pl.String,
    "stars": pl.Int64,
    "forks": pl.Int64,
    "watchers": pl.Int64,
    "open_issues": pl.Int64,
    "open_pull_requests": pl.Int64,
    "contributors": pl.Int64,
    "stars_7d": pl.Int64,
    "stars_30d": pl.Int64,
    "created_at": pl.String,
    "language": pl.String,
    "license": pl.String,
    "archived": pl.Boolean,
    "repo_id": pl.Int64,
    "date": pl.String,
    "star_history": pl.String,
}


COLUMNS = {
    "repo": NAME,
    **dict.fromkeys(("stars", "forks", "watchers", "open_issues", "open_pull_requests", "contributors"), COUNT),
    **dict.fromkeys(("stars_7d", "stars_30d", "stars_first_3d", "stars_first_10d", "stars_first_30d"), COUNT),
    "participants_first_30d": COUNT,
    "star_history": TEXT,
    "created_at": TIMESTAMP,
    "language": TEXT,
    "license": TEXT,
    "archived": FLAG,
    "repo_id": ID,
    "date": DATE,
    "openrank": SCORE,
    "activity": SCORE,
    "openrank_weight": SCORE,
    "openrank_month": MONTH,
    "partial_month": FLAG,
    "openrank_warm_up": FLAG,
}


def repos_table(
    store: Store, month: str | None = None, bots: Iterable[str] = (), exclude_suspected: bool = False, **_: Any
) -> pl.DataFrame:
    """One row per collected repository; see the module docstring for the columns.

    ``bots``: configured bot logins, left out of ``participants_first_30d``. ``exclude_suspected``:
    ``stars``, ``stars_7d`` and ``stars_30d`` without the suspected fake stars given by the
    reference day (:mod:`ecometrics.analysis.fake_stars`); the stored counts are unchanged.
    """
    figures = repo_figures(store, month)
    if exclude_suspected:
        figures = _without_suspected(store, figures)
    frame = _join_growth(store, figures, month, bots)
    return frame.sort(["stars", "openrank", "repo"], descending=[True, True, False], nulls_last=True)


def repo_figures(store: Store, month: str | None = None) -> pl.DataFrame:
    """The ``repos`` table without launch velocity and early participants (the costly
    columns), unsorted: for rollups that sum stars and OpenRank (:mod:`ecometrics.analysis.views`)."""
    rows = store.query(
        f"""
        WITH ref AS (                       -- each repo's reference day and snapshot
            SELECT r.id AS repo_id, r.created_at,
                   (SELECT max(date) FROM repo_snapshots WHERE repo_id = r.id AND date <= :until) AS snapshot,
                   EXISTS (SELECT 1 FROM stargazers WHERE repo_id = r.id) AS listed,
                   EXISTS (SELECT 1 FROM star_access WHERE repo_id = r.id AND restricted = 1) AS withheld,
                   -- stargazers withheld: GitHub's stars per day (star_counts) tell instead
                   r.id IN ({COUNTED_REPOS}) AS has_counts
            FROM repos r WHERE r.status != 'not_found'
        ), day AS (
            -- a history GitHub stopped listing (star_access: withheld) is stale: the snapshots tell
            SELECT repo_id, snapshot, listed AND NOT withheld AS has_history, withheld, has_counts,
                   coalesce(snapshot, :until) AS date FROM ref
            -- a past month before the first snapshot: every repository created by its end has a
            -- row, its figures from the star history, else unknown (null), never left out
            WHERE snapshot IS NOT NULL
               OR (:month IS NOT NULL AND ((listed AND NOT withheld) OR created_at < date(:until, '+1 day')))
        )
        SELECT r.full_name AS repo,
               CASE WHEN s.stars IS NOT NULL THEN s.stars
                    WHEN day.has_history THEN (SELECT count(*) FROM stargazers g
                                                WHERE g.repo_id = r.id AND g.removed_at IS NULL
                                                  AND g.starred_at < date(day.date, '+1 day'))
                    WHEN day.has_counts THEN {_counted_stars("date(r.created_at)")}
               END AS stars,
               s.forks, s.watchers, s.open_issues, s.open_pull_requests,
               (SELECT count(*) FILTER (WHERE c.developer_id IS NOT NULL) FROM contributors c
                 WHERE c.repo_id = r.id
                   AND c.date = (SELECT max(date) FROM contributors WHERE repo_id = r.id AND date <= day.date)
                 HAVING count(*) > 0
               ) AS contributors,
               {_stars_gained(7)} AS stars_7d,
               {_stars_gained(30)} AS stars_30d,
               r.created_at, r.language, r.license, r.archived, r.id AS repo_id, day.date,
               CASE WHEN day.has_counts THEN '{STARS_COUNTED}'
                    WHEN day.withheld THEN '{STARS_WITHHELD}'
                    WHEN day.has_history THEN 'collected' ELSE 'not collected'
               END AS star_history
        FROM repos r
        JOIN day ON day.repo_id = r.id
        LEFT JOIN repo_snapshots s ON s.repo_id = r.id AND s.date = day.snapshot
        """,
        {"until": month_end(month, "--month") if month else "9999-12-31", "month": month},
    )
    frame = pl.DataFrame(rows, schema=SCHEMA, orient="row") if rows else pl.DataFrame(schema=SCHEMA)
    return _join_openrank(store, frame, month)


def _without_suspected(store: Store, figures: pl.DataFrame) -> pl.DataFrame:
    """``figures`` with each repository's suspected stars up to its reference day taken from
    ``stars``, and those of the last 7 and 30 days from ``stars_7d`` and ``stars_30d``."""
    from ecometrics.analysis.fake_stars import suspected_stars

    suspected = suspected_stars(store).select("repo_id", day=pl.col("starred_at").dt.date())
    day = pl.col("date").cast(pl.String).str.slice(0, 10).str.to_date()
    counted = (
        figures.select("repo_id", reference=day)
        .join(suspected, on="repo_id")
        .filter(pl.col("day") <= pl.col("reference"))
        .group_by("repo_id")
        .agg(
            all_time=pl.len(),
            **{f"last_{n}": (pl.col("day") > pl.col("reference") - dt.timedelta(days=n)).sum() for n in (7, 30)},
        )
    )
    return (
        figures.join(counted, on="repo_id", how="left")
        .with_columns(
            pl.col("stars") - pl.col("all_time").fill_null(0),
            pl.col("stars_7d") - pl.col("last_7").fill_null(0),
            pl.col("stars_30d") - pl.col("last_30").fill_null(0),
        )
        .drop("all_time", "last_7", "last_30")
    )


def _stars_gained(days: int) -> str:
    """SQL for stars gained in the ``days`` days ending on ``day.date``: from the star
    history when the repo has one, else the difference with the snapshot ``days`` earlier."""
    return f"""CASE WHEN day.has_history
                    THEN (SELECT count(*) FROM stargazers g WHERE g.repo_id = r.id AND g.removed_at IS NULL
                           AND g.starred_at >= date(day.date, '-{days - 1} days')
                           AND g.starred_at < date(day.date, '+1 day'))
                    WHEN day.has_counts THEN {_counted_stars(f"date(day.date, '-{days - 1} days')")}
                    ELSE s.stars - (SELECT p.stars FROM repo_snapshots p
                                     WHERE p.repo_id = r.id AND p.date = date(day.date, '-{days} days'))
               END"""


def _counted_stars(start: str) -> str:
    """SQL for the stars GitHub counted from the day ``start`` (SQL; the repository's creation
    day if later) to ``day.date``, both included: their sum when every one of those days has
    its count in ``star_counts``, else null (a day without a row is unknown, never zero)."""
    first = f"max({start}, date(r.created_at))"
    return f"""(SELECT CASE WHEN count(*) = julianday(day.date) - julianday({first}) + 1
                            THEN coalesce(sum(c.stars), 0) END
                 FROM star_counts c WHERE c.repo_id = r.id AND c.day BETWEEN {first} AND day.date)"""


def _join_growth(store: Store, frame: pl.DataFrame, month: str | None, bots: Iterable[str]) -> pl.DataFrame:
    """Launch velocity and participants from :mod:`ecometrics.analysis.growth`, placed after ``stars_30d``."""
    as_of = dt.date.fromisoformat(month_end(month, "--month")) + dt.timedelta(days=1) if month else None
    launch = [f"stars_first_{n}d" for n in growth.LAUNCH_WINDOWS]
    figures = (
        growth.launch_velocity(store, as_of=as_of)
        .select("repo_id", *launch)
        .join(
            growth.early_participants(store, as_of=as_of, bots=bots).select("repo_id", "participants_first_30d"),
            on="repo_id",
            how="left",
        )
    )
    columns = frame.columns
    at = columns.index("stars_30d") + 1
    return frame.join(figures, on="repo_id", how="left").select(
        *columns[:at], *launch, "participants_first_30d", *columns[at:]
    )


def _join_openrank(store: Store, frame: pl.DataFrame, month: str | None) -> pl.DataFrame:
    """The OpenRank columns of collected repos, and a row for each uncollected repo with a value."""
    ranks = openrank_table(store, "repo", month).select(
        pl.col("entity_id").alias("repo_id"),
        pl.col("name").alias("repo"),
        "openrank",
        "activity",
        "openrank_weight",
        pl.col("month").alias("openrank_month"),
    )
    stored = [row[0] for row in store.conn.execute("SELECT id FROM repos")]
    uncollected = ranks.filter(~pl.col("repo_id").is_in(stored)).with_columns(
        pl.col("repo").fill_null(pl.col("repo_id").cast(pl.String))
    )
    frame = frame.join(ranks.drop("repo"), on="repo_id", how="left")
    frame = pl.concat([frame, uncollected], how="diagonal_relaxed")
    return frame.with_columns(
        partial_month=growth.partial_month(pl.col("openrank_month"), store),
        openrank_warm_up=openrank_warm_up(pl.col("openrank_month"), store),
    )
