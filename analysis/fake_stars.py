"""Suspected fake stars: StarScout's two detectors on the stored stars.

StarScout (He et al., "Six Million (Suspected) Fake Stars on GitHub", ICSE 2026; code
https://github.com/hehao98/StarScout) flags a star with either of two heuristics, both
implemented here as its source defines them, on the stars ecometrics stores: every
stargazer of a collected repository with its time, plus GH Archive ``WatchEvent``\\ s
where they were imported (a star already stored as a stargazer is counted once).

**Low activity** (``scripts/dagster/queries/stg_all_repos_with_low_activity_stars.sql``
and ``stg_low_activity_stargazers.sql``): an account whose whole public activity is on one
day, at most 2 actions, on at most 1 repository (``first_active = last_active AND
n_actions <= 2 AND n_repos <= 1``); a repository's stars by such accounts are suspected
once it has at least :data:`MIN_STARS_LOW_ACTIVITY` of them (``HAVING
ARRAY_LENGTH(low_activity_actors) >= @min_stars_low_activity``, 50 in
``scripts/__init__.py``). StarScout reads an account's activity from all of GH Archive;
ecometrics reads it from the account's public facts (:mod:`ecometrics.collector.account_facts`):
the account was created on the day of its stars and all its stars are that day (its
whole life is one day), its contributions in the year are at most 2, it starred at most
one stored repository, and it has the empty profile of StarScout's account-level check
(``scripts/dagster/simple_detector.py``, ``_validate_star``: fewer than 2 followers and
fewer than 5 repositories). An account without fetched facts is judged by the SQL rule on
its stored GH Archive events, when there are any.

**Lockstep** (CopyCatch, Beutel et al., WWW 2013, as StarScout runs it in
``scripts/copycatch/queries/*.sql`` driven by ``scripts/copycatch/bigquery.py``, with
``CopyCatchParams`` of ``scripts/__init__.py``: ``delta_t`` 15 days, ``n`` 50 users, ``m`` 10
repositories, ``rho`` 0.5): on half-year chunks starting every quarter
(``COPYCATCH_DATE_CHUNKS``), every repository with at least 50 stars in the chunk seeds a
cluster centred on its mean star time (``stg_initial_centers.sql``); then, at most 10 times
(``COPYCATCH_NUM_ITERATIONS``) or until the counts of users and clusters stop changing,
users join a cluster when they starred at least ``rho`` of its repositories within
``delta_t`` of their centres (``map_users.sql``), and each cluster's centres become the mean
star times, within ``delta_t``, of its users' stars on every repository, the ``20 m`` with
most stars (then least variance) kept and the first ``m`` forming the cluster
(``reduce_centers.sql``; its 20 % sample of users, a BigQuery economy, is not taken).
A cluster with at least ``n`` users and ``m`` repositories (``agg_results.sql``) is a
campaign when at least ``m rho`` of its repositories have ``n`` stars by its users; the
stars of its users on those repositories are suspected (``summarize_results``).

A star is suspected when either detector flags it; the counts beside it stay as
collected. :func:`suspected_stars` gives the flagged (repository, user) pairs,
:func:`star_trust_table` the per repository and month view and :func:`campaign_table` the
campaigns found (window, size). Within :func:`shared_detection` (one export run, one
report) the detectors run once per database and every table reads that one result.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import polars as pl

from ecometrics.analysis import frames
from ecometrics.analysis.fields import COUNT, ID, MONTH, NAME, RATIO, TEXT, TIMESTAMP, Field
from ecometrics.collector.store import Store

MIN_STARS_LOW_ACTIVITY = 50
LOW_ACTIVITY_ACTIONS = 2  # n_actions <= 2
LOW_ACTIVITY_REPOS = 1  # n_repos <= 1
PROFILE_FOLLOWERS = 2  # followers < 2 (_validate_star)
PROFILE_REPOSITORIES = 5  # repos < 5 (_validate_star)

DELTA_T = 15 * 86_400  # CopyCatchParams.delta_t, seconds
MIN_USERS = 50  # CopyCatchParams.n
MIN_REPOS = 10  # CopyCatchParams.m
RHO = 0.5  # CopyCatchParams.rho
RELAXED_M = 20 * MIN_REPOS  # reduce_centers' @relaxed_m
MIN_STARS_SEED = 50  # MIN_STARS_COPYCATCH_SEED
ITERATIONS = 10  # COPYCATCH_NUM_ITERATIONS
CHUNK_MONTHS, STEP_MONTHS = 6, 3  # COPYCATCH_DATE_CHUNKS: half-years starting every quarter


def star_events(db: frames.Database) -> pl.DataFrame:
    """Every stored star: ``repo_id, user_id, login, starred_at`` (UTC datetime) — standing
    stargazers, plus GH Archive WatchEvents of pairs not among them."""
    stars = frames.stargazers(db).select("repo_id", "user_id", "login", "starred_at")
    watches = frames.read_sql(
        db,
        "SELECT repo_id, actor_id AS user_id, actor_login AS login, min(created_at) AS starred_at FROM events "
        "WHERE type = 'WatchEvent' AND repo_id IS NOT NULL AND actor_id IS NOT NULL GROUP BY repo_id, actor_id",
        schema={"repo_id": pl.Int64, "user_id": pl.Int64, "login": pl.String, "starred_at": pl.String},
    )
    if watches.height:
        watches = watches.join(stars.select("repo_id", "user_id"), on=["repo_id", "user_id"], how="anti")
        stars = pl.concat([stars, watches.select(stars.columns).cast(stars.schema)])
    return stars.with_columns(pl.col("starred_at").dt.replace_time_zone(None).dt.replace_time_zone("UTC"))


def low_activity_accounts(db: frames.Database, stars: pl.DataFrame) -> pl.DataFrame:
    """``user_id`` of every stargazer account the low-activity rule (module docstring) flags."""
    per_account = stars.group_by("user_id").agg(
        first=pl.col("starred_at").min().dt.date(),
        last=pl.col("starred_at").max().dt.date(),
        repos=pl.col("repo_id").n_unique(),
    )
    facts = frames.read_sql(
        db,
        "SELECT user_id, created_at, followers, repositories, contributions FROM star_account_facts "
        "WHERE status = 'ok'",
        schema={
            "user_id": pl.Int64,
            "created_at": pl.String,
            "followers": pl.Int64,
            "repositories": pl.Int64,
            "contributions": pl.Int64,
        },
    )
    by_facts = per_account.join(facts, on="user_id").filter(
        (pl.col("created_at").dt.date() == pl.col("first"))
        & (pl.col("last") == pl.col("first"))
        & (pl.col("contributions") <= LOW_ACTIVITY_ACTIONS)
        & (pl.col("repos") <= LOW_ACTIVITY_REPOS)
        & (pl.col("followers") < PROFILE_FOLLOWERS)
        & (pl.col("repositories") < PROFILE_REPOSITORIES)
    )
    by_events = frames.read_sql(  # the SQL rule on stored GH Archive activity, for accounts without facts
        db,
        "SELECT actor_id AS user_id FROM events WHERE actor_id IS NOT NULL "
        "AND actor_id NOT IN (SELECT user_id FROM star_account_facts WHERE status = 'ok') "
        "GROUP BY actor_id HAVING min(substr(created_at, 1, 10)) = max(substr(created_at, 1, 10)) "
        f"AND count(DISTINCT created_at) <= {LOW_ACTIVITY_ACTIONS} AND count(DISTINCT repo_id) <= {LOW_ACTIVITY_REPOS}",
        schema={"user_id": pl.Int64},
    )
    return pl.concat([by_facts.select("user_id"), by_events]).unique()


def low_activity_stars(db: frames.Database, stars: pl.DataFrame) -> pl.DataFrame:
    """``repo_id, user_id`` of the low-activity stars of repositories with at least
    :data:`MIN_STARS_LOW_ACTIVITY` of them."""
    flagged = stars.join(low_activity_accounts(db, stars), on="user_id").select("repo_id", "user_id")
    counts = flagged.group_by("repo_id").agg(n=pl.len()).filter(pl.col("n") >= MIN_STARS_LOW_ACTIVITY)
    return flagged.join(counts.select("repo_id"), on="repo_id")


def _chunks(first: dt.datetime, last: dt.datetime) -> list[tuple[float, float]]:
    """StarScout's half-year chunks starting every quarter, covering ``first`` .. ``last``."""
    month = (first.month - 1) // 3 * 3 + 1
    start = dt.datetime(first.year, month, 1, tzinfo=dt.UTC)

    def plus(day: dt.datetime, months: int) -> dt.datetime:
        index = day.year * 12 + day.month - 1 + months
        return day.replace(year=index // 12, month=index % 12 + 1)

    start = plus(start, -STEP_MONTHS)
    chunks = []
    while start <= last:
        chunks.append((start.timestamp(), plus(start, CHUNK_MONTHS).timestamp()))
        start = plus(start, STEP_MONTHS)
    return chunks


def _map_users(stars: pl.DataFrame, cluster_repos: pl.DataFrame) -> pl.DataFrame:
    """``cluster, user``: users who starred at least rho of a cluster's repositories within
    delta_t of their centres (map_users.sql)."""
    sizes = cluster_repos.group_by("cluster").agg(size=pl.len())
    return (
        cluster_repos.join(stars, on="repo")
        .filter((pl.col("t") - pl.col("center")).abs() <= DELTA_T)
        .group_by("cluster", "user")
        .agg(hits=pl.len())
        .join(sizes, on="cluster")
        .filter(pl.col("hits") >= RHO * pl.col("size") - 0.001)
        .select("cluster", "user")
    )


def _reduce_centers(stars: pl.DataFrame, members: pl.DataFrame, centers: pl.DataFrame, seeds: pl.DataFrame):
    """New ``centers`` (cluster, repo, center: the 20 m best) and cluster repositories (the first m)
    from the members' stars within delta_t of the old centres (reduce_centers.sql)."""
    near = (
        members.join(stars, on="user")
        .join(centers, on=["cluster", "repo"], how="left")
        .join(seeds.select("cluster", "seed_center"), on="cluster")
        .with_columns(c=pl.coalesce("center", "seed_center"))
        .filter((pl.col("t") - pl.col("c")).abs() <= DELTA_T)
    )
    ranked = (
        near.group_by("cluster", "repo")
        .agg(center=pl.col("t").mean(), p=pl.len(), v=pl.col("t").var().fill_null(0.0))
        .sort(["cluster", "p", "v", "repo"], descending=[False, True, False, False])
        .with_columns(rank=pl.int_range(pl.len()).over("cluster"))
    )
    new_centers = ranked.filter(pl.col("rank") < RELAXED_M).select("cluster", "repo", "center")
    cluster_repos = ranked.filter(pl.col("rank") < MIN_REPOS).select("cluster", "repo", "center")
    return new_centers, cluster_repos


def copycatch(stars: pl.DataFrame) -> list[dict[str, Any]]:
    """The lockstep campaigns of one chunk's ``stars`` (``repo, user, t`` in epoch seconds):
    each ``{"users": [...], "repos": [...]}`` with the repositories its users starred together."""
    seeds = (
        stars.group_by("repo")
        .agg(n=pl.col("user").n_unique(), seed_center=pl.col("t").mean())
        .filter(pl.col("n") >= MIN_STARS_SEED)
        .select(cluster="repo", repo="repo", seed_center="seed_center")
    )
    if seeds.is_empty():
        return []
    centers = seeds.select("cluster", "repo", center="seed_center")
    cluster_repos = centers
    members = _map_users(stars, cluster_repos)
    previous = (-1, -1)
    for _ in range(ITERATIONS):
        if members.is_empty():
            return []
        centers, cluster_repos = _reduce_centers(stars, members, centers, seeds)
        members = _map_users(stars, cluster_repos)
        counts = (members.height, centers.height)
        if counts == previous:
            break
        previous = counts
    sizes = members.group_by("cluster").agg(users=pl.col("user").unique().sort())
    repos = cluster_repos.group_by("cluster").agg(repos=pl.col("repo").unique().sort())
    candidates = sizes.join(repos, on="cluster").filter(
        (pl.col("users").list.len() >= MIN_USERS) & (pl.col("repos").list.len() >= MIN_REPOS)
    )
    found, seen = [], set()
    pairs = stars.select("repo", "user")
    for row in candidates.iter_rows(named=True):
        users = pl.DataFrame({"user": row["users"]}, schema={"user": pairs.schema["user"]})
        per_repo = (
            pairs.filter(pl.col("repo").is_in(row["repos"])).join(users, on="user").group_by("repo").agg(n=pl.len())
        )
        qualifying = sorted(per_repo.filter(pl.col("n") >= MIN_USERS)["repo"].to_list())
        if len(qualifying) < MIN_REPOS * RHO:
            continue
        key = (tuple(row["users"]), tuple(qualifying))
        if key not in seen:  # clusters seeded by different repos often converge on one campaign
            seen.add(key)
            found.append({"users": row["users"], "repos": qualifying})
    return found


def lockstep_stars(stars: pl.DataFrame) -> pl.DataFrame:
    """``repo_id, user_id, campaign`` of the stars CopyCatch flags, chunk by chunk."""
    timed = stars.select(repo="repo_id", user="user_id", t=pl.col("starred_at").dt.epoch("s").cast(pl.Float64))
    empty = pl.DataFrame(schema={"repo_id": pl.Int64, "user_id": pl.Int64, "campaign": pl.String})
    if timed.is_empty():
        return empty
    first, last = stars["starred_at"].min(), stars["starred_at"].max()
    flagged = [empty]
    for start, end in _chunks(first, last):  # type: ignore[arg-type]
        chunk = timed.filter((pl.col("t") >= start) & (pl.col("t") < end))
        for number, campaign in enumerate(copycatch(chunk)):
            name = f"lockstep:{dt.datetime.fromtimestamp(start, dt.UTC):%Y-%m}:{number}"
            hits = chunk.filter(pl.col("repo").is_in(campaign["repos"]) & pl.col("user").is_in(campaign["users"]))
            flagged.append(hits.select(repo_id="repo", user_id="user", campaign=pl.lit(name)))
    return pl.concat(flagged).unique(["repo_id", "user_id"], keep="first")


# The detections of the current shared_detection block: database state -> (stars, suspected).
_shared: ContextVar[dict[tuple[Any, ...], tuple[pl.DataFrame, pl.DataFrame]] | None] = ContextVar(
    "fake_stars_shared", default=None
)


@contextmanager
def shared_detection() -> Iterator[None]:
    """Run the detectors once per database inside the block: ``star_trust``, ``star_campaigns``
    and ``--exclude-suspected`` of one export run all read the same suspected stars.

    A write to the database through the same connection inside the block (SQLite's
    ``total_changes``) makes the next table detect afresh.
    """
    token = _shared.set({})
    try:
        yield
    finally:
        _shared.reset(token)


def _state(db: frames.Database) -> tuple[Any, ...]:
    """What a detection depends on: the connection (or path) and the writes made through it."""
    conn = db.conn if isinstance(db, Store) else db
    if isinstance(conn, sqlite3.Connection):
        return (id(conn), conn.total_changes)
    return (str(conn),)


def detected(db: frames.Database) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Every stored star (:func:`star_events`) and the suspected ones (:func:`suspected_stars`),
    detected once per database inside :func:`shared_detection`."""
    memo = _shared.get()
    key = _state(db)
    if memo is not None and key in memo:
        return memo[key]
    stars = star_events(db)
    result = (stars, suspected_stars(db, stars))
    if memo is not None:
        memo[key] = result
    return result


def suspected_stars(db: frames.Database, stars: pl.DataFrame | None = None) -> pl.DataFrame:
    """Every suspected star: ``repo_id, user_id, starred_at, low_activity, lockstep, campaign``
    (of ``stars``, by default every stored star, then shared inside :func:`shared_detection`)."""
    if stars is None:
        return detected(db)[1]
    low = low_activity_stars(db, stars).with_columns(
        low_activity=pl.lit(True), low_campaign=pl.format("low-activity:{}", pl.col("repo_id"))
    )
    lock = lockstep_stars(stars).with_columns(lockstep=pl.lit(True))
    return (
        stars.select("repo_id", "user_id", "starred_at")
        .join(low, on=["repo_id", "user_id"], how="left")
        .join(lock, on=["repo_id", "user_id"], how="left")
        .filter(pl.col("low_activity").is_not_null() | pl.col("lockstep").is_not_null())
        .select(
            "repo_id",
            "user_id",
            "starred_at",
            pl.col("low_activity").fill_null(False),
            pl.col("lockstep").fill_null(False),
            campaign=pl.coalesce("campaign", "low_campaign"),
        )
    )


def _names(db: frames.Database) -> pl.DataFrame:
    return frames.read_sql(
        db, "SELECT id AS repo_id, full_name AS repo FROM repos", schema={"repo_id": pl.Int64, "repo": pl.String}
    )


STAR_TRUST_COLUMNS: dict[str, Field] = {
    "repo": NAME,
    "month": MONTH,
    "stars": COUNT,
    "suspected_stars": COUNT,
    "suspected_share": RATIO,
    "low_activity_stars": COUNT,
    "lockstep_stars": COUNT,
    "campaigns": COUNT,
    "repo_id": ID,
}


def star_trust_table(store: frames.Database, **_: Any) -> pl.DataFrame:
    """Per repository and month with stars: stars, suspected stars (either detector), their
    share, each detector's count and the campaigns with stars that month; most suspected first."""
    stars, suspected = detected(store)
    month = pl.col("starred_at").dt.strftime("%Y-%m").alias("month")
    totals = stars.group_by("repo_id", month).agg(stars=pl.len())
    flagged = suspected.group_by("repo_id", month).agg(
        suspected_stars=pl.len(),
        low_activity_stars=pl.col("low_activity").sum(),
        lockstep_stars=pl.col("lockstep").sum(),
        campaigns=pl.col("campaign").n_unique(),
    )
    table = (
        totals.join(flagged, on=["repo_id", "month"], how="left")
        .with_columns(pl.col("suspected_stars", "low_activity_stars", "lockstep_stars", "campaigns").fill_null(0))
        .with_columns(suspected_share=pl.col("suspected_stars") / pl.col("stars"))
        .join(_names(store), on="repo_id", how="left")
    )
    return table.sort(["suspected_stars", "repo", "month"], descending=[True, False, False]).select(
        list(STAR_TRUST_COLUMNS)
    )


CAMPAIGN_COLUMNS: dict[str, Field] = {
    "campaign": NAME,
    "detector": TEXT,
    "repo": NAME,
    "window_start": TIMESTAMP,
    "window_end": TIMESTAMP,
    "stars": COUNT,
    "accounts": COUNT,
    "repo_id": ID,
}


def campaign_table(store: frames.Database, **_: Any) -> pl.DataFrame:
    """Per campaign found and repository: the detector, the window its suspected stars span
    (first and last star) and its size (stars, accounts); largest first."""
    suspected = suspected_stars(store)
    table = (
        suspected.group_by("campaign", "repo_id")
        .agg(
            detector=pl.col("campaign").first().str.split(":").list.first(),
            window_start=pl.col("starred_at").min(),
            window_end=pl.col("starred_at").max(),
            stars=pl.len(),
            accounts=pl.col("user_id").n_unique(),
        )
        .join(_names(store), on="repo_id", how="left")
    )
    return table.sort(["stars", "campaign", "repo"], descending=[True, False, False]).select(list(CAMPAIGN_COLUMNS))
