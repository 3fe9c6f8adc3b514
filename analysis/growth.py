"""Growth: stars, launch velocity, early participants, downloads and derivatives.

The figures behind claims such as "Genesis drew ~20,000 stars and 21 contributors in its
first 10 days" or "AutoGLM got 10,000 stars in three days". Definitions:

- **Stars per day / week** (:func:`stars_per_day`, :func:`stars_per_week`): stargazers
  by the UTC day (or ISO week, starting Monday) of their ``starred_at``, from the full
  star history in ``stargazers``; ``total`` is the running count. A repository whose
  stargazer list GitHub withholds (since July 2026) counts GitHub's stars per day instead
  (:func:`ecometrics.analysis.frames.star_counts`, its privacy-safe star history), on the days
  whose running total is known: each day from its creation on counted, none missing. Stars found removed
  (``removed_at``) count nowhere, neither on the day they were given nor after, so
  ``total`` is the stars that stand; it can still differ from a snapshot's count by the
  stars of accounts GitHub no longer shows.
- **Launch velocity** (:func:`launch_velocity`): ``stars_first_Nd`` is the number of
  standing stars with ``created_at <= starred_at < created_at + N days`` (``repos.created_at``),
  for N in :data:`LAUNCH_WINDOWS`. It is null while the window is still open at
  ``as_of`` and when no star history was collected for a repo that has stars. From GitHub's
  daily counts (stargazers withheld) it is counted in whole UTC days, the creation day and
  the N - 1 after it, and null unless each of them is counted. Stars in
  the *last* N days are the ``repos`` table's ``stars_7d, stars_30d``
  (:mod:`ecometrics.analysis.rankings`), not defined here.
- **Early participants** (:func:`early_participants`): ``participants_first_Nd`` is the
  number of distinct developers who opened, closed or commented on an issue or pull
  request (:data:`PARTICIPATION_EVENTS` in ``events``) in the first N days after
  creation; bots are left out by :mod:`ecometrics.analysis.activity`'s bot rule
  (:func:`ecometrics.core.bots.bot_expr`, with the configured ``bots``). Null while the window is open, and
  when the repo's stored events (of any kind) begin only after the window: the activity
  collected does not reach back to its launch.
- **Download growth** (:func:`download_history`, :func:`download_growth`): between
  consecutive snapshots of a model, the all-time downloads gained and their rate per
  day; over the last N days (N in :data:`DOWNLOAD_WINDOWS`), the change since the
  *baseline*, the earliest snapshot dated on or after ``latest date - N days``.
  ``observed_days_Nd`` says how many days that baseline is old: N once the collection
  is N days old, fewer before that, null with a single snapshot.
- **Derivative growth** (:func:`derivatives_per_month`): children created per month
  (``models.created_at`` of the child, ``YYYY-MM``) per parent and relation, from
  ``model_edges``; children whose creation time is unknown are left out. The Hub's own
  count of children (``models.children_count``) is kept only as its latest value, so
  it is reported as ``hub_children``, not as a series.

``as_of`` defaults to :func:`observed_until`, the latest time the collected data
reaches, so that a database built on a simulated clock (fakehub) reads correctly.
Every function takes ``db``: a Store, a sqlite3 connection or a path (see
:mod:`ecometrics.analysis.frames`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import polars as pl

from ecometrics.analysis import frames
from ecometrics.analysis.crawl import children_total
from ecometrics.analysis.fields import COUNT, DATE, NAME, TEXT, TIMESTAMP
from ecometrics.core.bots import bot_expr
from ecometrics.core.errors import InputError

LAUNCH_WINDOWS = (3, 10, 30)  # days after creation: the reports' "first 3 / 10 / 30 days"
PARTICIPANT_WINDOWS = (10, 30)  # days after creation
DOWNLOAD_WINDOWS = (7, 30)  # days before the latest snapshot
DERIVATIVE_WINDOW = 30  # days before as_of, for derivatives_last_30d
PARTICIPATION_EVENTS = (
    "IssuesEvent",
    "IssueCommentEvent",
    "PullRequestEvent",
    "PullRequestReviewEvent",
    "PullRequestReviewCommentEvent",
)

AsOf = dt.datetime | dt.date | str | None


def observed_until(db: frames.Database) -> dt.datetime | None:
    """The latest time the data reaches: the newest star, event or snapshot day (UTC-aware)."""
    latest = frames.read_sql(
        db,
        "SELECT (SELECT max(starred_at) FROM stargazers) AS starred_at, "
        "(SELECT max(created_at) FROM events) AS created_at, "
        "(SELECT max(date) FROM repo_snapshots) AS repo_date, "
        "(SELECT max(date) FROM model_snapshots) AS model_date",
        schema={"starred_at": pl.String, "created_at": pl.String, "repo_date": pl.String, "model_date": pl.String},
    )
    times = [_utc(value) for value in latest.row(0) if value is not None]
    return max(times) if times else None


def check_month_with_data(db: frames.Database, month: str | None, what: str = "--month") -> None:
    """Refuse a ``month`` after the newest data (:func:`observed_until`): nothing is known of it,
    so its tables would be empty, or a snapshot of another day under its name. A store without
    data says so by its empty tables instead."""
    if not month:
        return
    until = observed_until(db)
    if until is not None and month > f"{until:%Y-%m}":
        raise InputError(
            f"{what} {month} is after the data, which ends in {until:%Y-%m}; pass {until:%Y-%m} or earlier"
        )


def last_complete_month(db: frames.Database) -> str | None:
    """The newest month (YYYY-MM) the collected data covers to its end: the one before
    :func:`observed_until`'s month (None without data). Tables default to it."""
    until = observed_until(db)
    if until is None:
        return None
    first_of_month = until.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (first_of_month - dt.timedelta(days=1)).strftime("%Y-%m")


def partial_month(month: pl.Expr, db: frames.Database) -> pl.Expr:
    """True for a month (YYYY-MM text) the collected data does not cover to its end."""
    complete = last_complete_month(db)
    return month > complete if complete else month.is_not_null()


def _utc(value: Any) -> dt.datetime:
    """A time, day or ISO text as a UTC-aware datetime (a naive one is taken as UTC)."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC) if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    return _utc(dt.datetime.fromisoformat(str(value).replace("Z", "+00:00")))


def _as_of(db: frames.Database, as_of: AsOf) -> dt.datetime:
    if as_of is not None:
        return _utc(as_of)
    return observed_until(db) or dt.datetime.now(dt.UTC)


def _repo_names(db: frames.Database) -> pl.DataFrame:
    return frames.repos(db).select(repo_id="id", repo="full_name", created_at="created_at")


# -- stars --------------------------------------------------------------------------------


def stars_per_day(db: frames.Database, *, exclude_suspected: bool = False) -> pl.DataFrame:
    """Columns ``repo_id, repo, day, stars, total``: new stars per UTC day and the running count
    (``exclude_suspected``: without the suspected fake stars of :mod:`ecometrics.analysis.fake_stars`)."""
    return _stars_per(db, "1d", "day", exclude_suspected=exclude_suspected)


def stars_per_week(db: frames.Database) -> pl.DataFrame:
    """Columns ``repo_id, repo, week, stars, total``: new stars per ISO week (Monday) and the running count."""
    return _stars_per(db, "1w", "week")


def _stars_per(db: frames.Database, every: str, period: str, *, exclude_suspected: bool = False) -> pl.DataFrame:
    stars = frames.stargazers(db)
    if exclude_suspected:
        from ecometrics.analysis.fake_stars import suspected_stars

        stars = stars.join(suspected_stars(db).select("repo_id", "user_id"), on=["repo_id", "user_id"], how="anti")
    # A repository whose stargazers GitHub withholds: its stars per day from GitHub's counts, on
    # the days whose running total is known (no gap since its creation); its old stargazers are stale.
    counts = frames.star_counts(db)
    daily = frames.counted_days(counts)
    stars = stars.join(counts.select("repo_id").unique(), on="repo_id", how="anti")
    listed = stars.group_by("repo_id", pl.col("starred_at").dt.truncate(every).dt.date().alias(period)).agg(
        stars=pl.len().cast(pl.Int64)
    )
    counted = (
        daily.filter(pl.col("stars") > 0)
        .group_by("repo_id", pl.col("day").dt.truncate(every).alias(period))
        .agg(stars=pl.col("stars").sum())
    )
    per_period = (
        pl.concat([listed, counted])
        .sort("repo_id", period)
        .with_columns(total=pl.col("stars").cum_sum().over("repo_id"))
    )
    names = _repo_names(db).select("repo_id", "repo")
    return per_period.join(names, on="repo_id", how="left").select("repo_id", "repo", period, "stars", "total")


def launch_velocity(
    db: frames.Database,
    *,
    windows: tuple[int, ...] = LAUNCH_WINDOWS,
    as_of: AsOf = None,
) -> pl.DataFrame:
    """Columns ``repo_id, repo, created_at, stars_first_Nd...``: stars in the first N days (see module docstring)."""
    as_of = _as_of(db, as_of)
    repos = _repo_names(db)
    counts = frames.star_counts(db)
    withheld = counts.select("repo_id", withheld=pl.lit(True)).unique()
    stars = (
        frames.stargazers(db)
        .join(withheld, on="repo_id", how="anti")  # withheld: stale, the counts tell
        .join(repos.select("repo_id", "created_at"), on="repo_id")
    )
    age = pl.col("starred_at") - pl.col("created_at")
    counted = stars.group_by("repo_id").agg(
        collected=pl.len(),
        **{f"stars_first_{n}d": ((age >= dt.timedelta(0)) & (age < dt.timedelta(days=n))).sum() for n in windows},
    )
    # GitHub's daily counts, in whole UTC days: the creation day and the N - 1 after it, known
    # when each of those days is counted.
    since = (pl.col("day") - pl.col("created")).dt.total_days()
    by_day = (
        frames.counted_days(counts)
        .group_by("repo_id")
        .agg(days=pl.len(), **{f"day_first_{n}d": pl.col("stars").filter(since < n).sum() for n in windows})
    )
    latest = _latest_repo_stars(db)
    frame = (
        repos.join(counted, on="repo_id", how="left")
        .join(latest, on="repo_id", how="left")
        .join(withheld, on="repo_id", how="left")
        .join(by_day, on="repo_id", how="left")
    )
    # Without a collected history a repo with stars has unknown counts, not zero.
    known = pl.col("collected").is_not_null() | (pl.col("stars") == 0)
    return frame.select(
        "repo_id",
        "repo",
        "created_at",
        *(
            pl.when(pl.col("created_at") + dt.timedelta(days=n) > as_of)
            .then(None)
            .when(pl.col("withheld").is_not_null())
            .then(pl.when(pl.col("days") >= n).then(pl.col(f"day_first_{n}d")))
            .when(known)
            .then(pl.col(f"stars_first_{n}d").fill_null(0))
            .cast(pl.Int64)
            .alias(f"stars_first_{n}d")
            for n in windows
        ),
    )


def _latest_repo_stars(db: frames.Database) -> pl.DataFrame:
    """``repo_id, stars``: the star count of each repo's latest snapshot that has one."""
    return frames.read_sql(
        db,
        "SELECT repo_id, stars FROM repo_snapshots AS s WHERE stars IS NOT NULL AND date = "
        "(SELECT max(date) FROM repo_snapshots WHERE repo_id = s.repo_id AND stars IS NOT NULL)",
        schema={"repo_id": pl.Int64, "stars": pl.Int64},
    )


def early_participants(
    db: frames.Database,
    *,
    windows: tuple[int, ...] = PARTICIPANT_WINDOWS,
    as_of: AsOf = None,
    bots: Iterable[str] = (),
) -> pl.DataFrame:
    """Columns ``repo_id, participants_first_Nd...``: distinct non-bot issue/PR participants in the first N days.

    ``bots`` are configured bot logins, as in :func:`ecometrics.analysis.activity.activity_frame`.
    """
    as_of = _as_of(db, as_of)
    repos = _repo_names(db).select("repo_id", "created_at")
    events = (
        frames.events(db, types=PARTICIPATION_EVENTS)
        .filter(pl.col("actor_id").is_not_null() & ~bot_expr("actor_login", bots))
        .join(repos.select("repo_id", repo_created="created_at"), on="repo_id")
    )
    age = pl.col("created_at") - pl.col("repo_created")
    # The collected activity reaches back to a repo's first stored event (of any kind).
    first_events = frames.read_sql(
        db,
        "SELECT repo_id, min(created_at) AS first_event_at FROM events WHERE repo_id IS NOT NULL GROUP BY repo_id",
        schema={"repo_id": pl.Int64, "first_event_at": pl.String},
    )
    counted = events.group_by("repo_id").agg(
        **{
            f"participants_first_{n}d": pl.col("actor_id")
            .filter((age >= dt.timedelta(0)) & (age < dt.timedelta(days=n)))
            .n_unique()
            .cast(pl.Int64)
            for n in windows
        }
    )
    frame = repos.join(counted, on="repo_id", how="left").join(first_events, on="repo_id", how="left")
    return frame.select(
        "repo_id",
        *(
            pl.when(
                (pl.col("created_at") + dt.timedelta(days=n) <= as_of)
                & (pl.col("first_event_at") < pl.col("created_at") + dt.timedelta(days=n))
            )
            .then(pl.col(f"participants_first_{n}d").fill_null(0))
            .alias(f"participants_first_{n}d")
            for n in windows
        ),
    )


GROWTH_COLUMNS = {
    "repo": NAME,
    "created_at": TIMESTAMP,
    "stars": COUNT,
    **dict.fromkeys((f"stars_first_{n}d" for n in LAUNCH_WINDOWS), COUNT),
    **dict.fromkeys((f"participants_first_{n}d" for n in PARTICIPANT_WINDOWS), COUNT),
}


def growth_table(store: frames.Database, *, as_of: AsOf = None, bots: Iterable[str] = (), **_: Any) -> pl.DataFrame:
    """Per repo: latest stars, launch velocity and early participants; fastest launch first.

    Columns: ``repo, created_at, stars, stars_first_3d, stars_first_10d, stars_first_30d,
    participants_first_10d, participants_first_30d``, sorted by ``stars_first_10d`` (unknown last),
    then ``stars``.
    """
    as_of = _as_of(store, as_of)
    frame = (
        launch_velocity(store, as_of=as_of)
        .join(_latest_repo_stars(store), on="repo_id", how="left")
        .join(early_participants(store, as_of=as_of, bots=bots), on="repo_id", how="left")
    )
    return frame.sort(["stars_first_10d", "stars", "repo"], descending=[True, True, False], nulls_last=True).select(
        "repo",
        "created_at",
        "stars",
        *(f"stars_first_{n}d" for n in LAUNCH_WINDOWS),
        *(f"participants_first_{n}d" for n in PARTICIPANT_WINDOWS),
    )


# -- models -------------------------------------------------------------------------------


def download_history(db: frames.Database) -> pl.DataFrame:
    """Per model and snapshot: ``model_id, date, source, downloads_30d, downloads_all_time, days,
    downloads_gained, downloads_per_day`` — where the snapshot came from (``api`` or
    ``hub-stats``, see :mod:`ecometrics.collector.hubstats`), the change since the model's previous snapshot
    (null for its first) and that change per day."""
    snapshots = frames.model_snapshots(db).sort("model_id", "date")
    previous = pl.col("downloads_all_time").shift(1).over("model_id")
    days = (pl.col("date") - pl.col("date").shift(1).over("model_id")).dt.total_days()
    return snapshots.select(
        "model_id",
        "date",
        "source",
        "downloads_30d",
        "downloads_all_time",
        days.alias("days"),
        (pl.col("downloads_all_time") - previous).alias("downloads_gained"),
    ).with_columns(downloads_per_day=pl.col("downloads_gained") / pl.col("days"))


def download_growth(db: frames.Database, *, windows: tuple[int, ...] = DOWNLOAD_WINDOWS) -> pl.DataFrame:
    """Per model, over the last N days before its latest snapshot (see module docstring):
    ``model_id, date, downloads_30d, downloads_all_time`` (latest), and per window
    ``downloads_gain_Nd`` (all-time downloads gained), ``downloads_30d_change_Nd`` (change of
    the Hub's 30-day count) and ``observed_days_Nd`` (age of the baseline snapshot)."""
    snapshots = frames.model_snapshots(db).sort("model_id", "date")
    latest = snapshots.group_by("model_id").agg(pl.all().last())
    frame = latest.select("model_id", "date", "downloads_30d", "downloads_all_time")
    for n in windows:
        baseline = (
            snapshots.join(latest.select("model_id", latest_date="date"), on="model_id")
            .filter(pl.col("date").is_between(pl.col("latest_date") - dt.timedelta(days=n), "latest_date", "left"))
            .group_by("model_id")
            .agg(pl.col("date", "downloads_30d", "downloads_all_time").first())
            .select("model_id", base_date="date", base_30d="downloads_30d", base_all_time="downloads_all_time")
        )
        frame = (
            frame.join(baseline, on="model_id", how="left")
            .with_columns(
                (pl.col("downloads_all_time") - pl.col("base_all_time")).alias(f"downloads_gain_{n}d"),
                (pl.col("downloads_30d") - pl.col("base_30d")).alias(f"downloads_30d_change_{n}d"),
                (pl.col("date") - pl.col("base_date")).dt.total_days().alias(f"observed_days_{n}d"),
            )
            .drop("base_date", "base_30d", "base_all_time")
        )
    return frame.sort("model_id")


def derivatives_per_month(db: frames.Database) -> pl.DataFrame:
    """Columns ``parent, relation, month, children``: distinct children created per month.

    A merge of several parents counts once under each of them.
    """
    created = frames.models(db).select(child="id", month=pl.col("created_at").dt.strftime("%Y-%m"))
    return (
        frames.model_edges(db)
        .join(created, on="child")
        .filter(pl.col("month").is_not_null())
        .group_by("parent", "relation", "month")
        .agg(children=pl.col("child").n_unique().cast(pl.Int64))
        .sort("month", "parent", "relation")
    )


MODEL_GROWTH_COLUMNS = {
    "model_id": NAME,
    "author": TEXT,
    "created_at": TIMESTAMP,
    "date": DATE,
    "downloads_30d": COUNT,
    "downloads_all_time": COUNT,
    **dict.fromkeys(
        (f"{m}_{n}d" for m in ("downloads_gain", "downloads_30d_change", "observed_days") for n in DOWNLOAD_WINDOWS),
        COUNT,
    ),
    "derivatives": COUNT,
    "derivatives_last_30d": COUNT,
    "hub_children": COUNT,
}


def model_growth_table(store: frames.Database, *, as_of: AsOf = None, **_: Any) -> pl.DataFrame:
    """Per collected model: downloads and their growth, derivatives and recent derivatives.

    Columns: ``model_id, author, created_at, date`` (latest snapshot), ``downloads_30d,
    downloads_all_time, downloads_gain_7d, downloads_gain_30d, downloads_30d_change_7d,
    downloads_30d_change_30d, observed_days_7d, observed_days_30d, derivatives`` (distinct
    children in ``model_edges``), ``derivatives_last_30d`` (of those, created in the 30
    days up to ``as_of``) and ``hub_children`` (the Hub's own latest count). Largest
    30-day download gain first.
    """
    as_of = _as_of(store, as_of)
    models = frames.models(store)
    created = models.select(child="id", child_created="created_at")
    recent = pl.col("child_created") > as_of - dt.timedelta(days=DERIVATIVE_WINDOW)
    children = (
        frames.model_edges(store)
        .join(created, on="child", how="left")
        .group_by(model_id="parent")
        .agg(
            derivatives=pl.col("child").n_unique().cast(pl.Int64),
            derivatives_last_30d=pl.col("child")
            .filter(recent.fill_null(False) & (pl.col("child_created") <= as_of))
            .n_unique()
            .cast(pl.Int64),
        )
    )
    hub = models.select(
        model_id="id",
        hub_children=pl.col("children_count").map_elements(children_total, return_dtype=pl.Int64),
    )
    frame = (
        models.select(model_id="id", author="author", created_at="created_at")
        .join(download_growth(store), on="model_id", how="left")
        .join(children, on="model_id", how="left")
        .join(hub, on="model_id", how="left")
        .with_columns(pl.col("derivatives", "derivatives_last_30d").fill_null(0))
    )
    return frame.sort(
        ["downloads_gain_30d", "downloads_30d", "model_id"], descending=[True, True, False], nulls_last=True
    ).select(
        "model_id",
        "author",
        "created_at",
        "date",
        "downloads_30d",
        "downloads_all_time",
        *(
            f"{measure}_{n}d"
            for measure in ("downloads_gain", "downloads_30d_change", "observed_days")
            for n in DOWNLOAD_WINDOWS
        ),
        "derivatives",
        "derivatives_last_30d",
        "hub_children",
    )
