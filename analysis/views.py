"""Views analysts ask for: daily stars, contributor growth, organisation and lab rollups, downloads over time.

The series that OpenDigger, OSS Insight and star-history users read, as export tables
built from what the collectors stored:

- ``stars_daily`` — new stars per repository and UTC day, with the running total, from
  the star history (:func:`ecometrics.analysis.growth.stars_per_day`); ``ecometrics plot stars``
  draws its totals (:mod:`ecometrics.analysis.plots`).
- ``contributor_growth`` — per repository and month, the *active contributors* (distinct
  non-bot developers who pushed or opened a pull request, :data:`CONTRIBUTION_EVENTS`
  in ``events``) and the *new contributors* among them (active for the first time in
  that repository). New is null for a repository's first month with stored events: the
  collected history does not say who contributed before it.
- ``orgs`` — per GitHub organisation (the owner of each collected repository): its lab
  family, repositories, stars, stars in the last 30 days, summed OpenRank and activity
  for the table's month (the last complete one by default, as in ``repos``).
- ``labs`` — per lab family: the ``orgs`` figures of its organisations beside the
  family's Hugging Face and ModelScope figures from ``families`` (models, derivatives,
  downloads); ``lab_months`` (:mod:`ecometrics.analysis.hubs`) has them month by month.
- ``model_downloads`` — each model's snapshots over time: downloads (30 days, all time),
  the downloads gained since the previous snapshot and their rate per day
  (:func:`ecometrics.analysis.growth.download_history`), with the download anomaly flags of
  :mod:`ecometrics.analysis.anomalies` (an all-time count that went down, a gain above the robust
  bound ``gain_bound``, a 30-day count above the all-time growth) beside the raw counts.
- ``family_downloads`` — per family and snapshot day, the summed downloads of the
  family's models that have a snapshot that day (a cross-family merge counts in each of
  its families, as in ``families``).

An organisation's family is the lab whose GitHub organisations include it
(:data:`ecometrics.core.ecosystem.LABS`), else the family whose Hugging Face authors include
its name (case-insensitive; the family table the last lineage analysis used, config
overrides included); null when none does.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import polars as pl

from ecometrics.analysis import anomalies, frames, growth
from ecometrics.analysis.families import family_table
from ecometrics.analysis.fields import COUNT, DATE, FLAG, ID, MONTH, NAME, SCORE, TEXT, Field
from ecometrics.analysis.hubs import organisation_families
from ecometrics.analysis.rankings import repo_figures
from ecometrics.collector.store import Store
from ecometrics.core.bots import bot_expr
from ecometrics.core.ecosystem import LABS

CONTRIBUTION_EVENTS = ("PushEvent", "PullRequestEvent")  # a push, or a pull request opened
PER_DAY = Field(pl.Float64, decimals=1)


STARS_DAILY_COLUMNS = {"repo": NAME, "date": DATE, "stars": COUNT, "total": COUNT, "repo_id": ID}


def stars_daily(store: frames.Database, exclude_suspected: bool = False, **_: Any) -> pl.DataFrame:
    """New stars per repository and UTC day, with the running total (days without stars are left
    out); ``exclude_suspected``: without the suspected fake stars (:mod:`ecometrics.analysis.fake_stars`)."""
    return growth.stars_per_day(store, exclude_suspected=exclude_suspected).rename({"day": "date"}).sort("repo", "date")


CONTRIBUTOR_GROWTH_COLUMNS = {
    "repo": NAME,
    "month": MONTH,
    "partial_month": FLAG,
    "active_contributors": COUNT,
    "new_contributors": COUNT,
    "repo_id": ID,
}


def contributor_growth(
    store: frames.Database, *, month: str | None = None, bots: Iterable[str] = (), **_: Any
) -> pl.DataFrame:
    """Active and new contributors per repository and month (see the module docstring)."""
    events = frames.events(store, types=CONTRIBUTION_EVENTS).filter(
        pl.col("actor_id").is_not_null()
        & pl.col("repo_id").is_not_null()
        & ~bot_expr("actor_login", bots)
        & ((pl.col("type") == "PushEvent") | (pl.col("action") == "opened"))
    )
    active = events.select("repo_id", "actor_id", month=pl.col("created_at").dt.strftime("%Y-%m")).unique()
    first = active.group_by("repo_id", "actor_id").agg(first_month=pl.col("month").min())
    history_starts = frames.read_sql(
        store,
        "SELECT repo_id, substr(min(created_at), 1, 7) AS first_stored FROM events WHERE repo_id IS NOT NULL GROUP BY repo_id",
        schema={"repo_id": pl.Int64, "first_stored": pl.String},
    )
    counts = (
        active.join(first, on=["repo_id", "actor_id"])
        .group_by("repo_id", "month")
        .agg(active_contributors=pl.len(), new_contributors=(pl.col("month") == pl.col("first_month")).sum())
        .join(history_starts, on="repo_id", how="left")
        .with_columns(
            new_contributors=pl.when(pl.col("month") > pl.col("first_stored")).then(pl.col("new_contributors")),
            partial_month=growth.partial_month(pl.col("month"), store),
        )
        .drop("first_stored")
    )
    names = frames.repos(store).select(repo_id="id", repo="full_name")
    frame = counts.join(names, on="repo_id", how="left").sort("repo", "month")
    return frame.filter(pl.col("month") == month) if month else frame


ORG_FIGURES = {
    "repos": COUNT,
    "stars": COUNT,
    "stars_30d": COUNT,
    "openrank": SCORE,
    "activity": SCORE,
    "month": MONTH,
    "partial_month": FLAG,
    "openrank_warm_up": FLAG,
}


def _org_rollup(store: Store, month: str | None) -> pl.DataFrame:
    families = organisation_families(store)
    repos = repo_figures(store, month).with_columns(org=pl.col("repo").str.split("/").list.first())
    return repos.with_columns(
        family=pl.col("org").str.to_lowercase().replace_strict(families, default=None, return_dtype=pl.String)
    )


def _figures(grouped: Any) -> Any:
    return grouped.agg(
        repos=pl.len(),
        stars=pl.col("stars").sum(),
        stars_30d=pl.col("stars_30d").sum(),
        openrank=pl.col("openrank").sum(),
        activity=pl.col("activity").sum(),
        month=pl.col("openrank_month").drop_nulls().max(),
        partial_month=pl.col("partial_month").drop_nulls().any(),
        openrank_warm_up=pl.col("openrank_warm_up").drop_nulls().any(),
    )


ORG_COLUMNS = {"org": NAME, "family": TEXT, **ORG_FIGURES}


def org_table(store: Store, *, month: str | None = None, **_: Any) -> pl.DataFrame:
    """Per GitHub organisation: family, repos, stars, stars_30d, OpenRank and activity of the month."""
    repos = _org_rollup(store, month)
    frame = _figures(repos.group_by("org", "family"))
    return frame.sort(["openrank", "stars", "org"], descending=[True, True, False], nulls_last=True)


LAB_COLUMNS = {
    "family": NAME,
    "origin": TEXT,
    "orgs": COUNT,
    **ORG_FIGURES,
    "models": COUNT,
    "derivatives": COUNT,
    "downloads_30d": COUNT,
    "downloads_all_time": COUNT,
    "modelscope_models": COUNT,
    "modelscope_downloads": COUNT,
    "all_models": COUNT,
    "total_downloads": COUNT,
}


def lab_table(store: Store, *, month: str | None = None, **_: Any) -> pl.DataFrame:
    """Per lab family: its GitHub organisations' figures and its Hugging Face family's (see the module docstring)."""
    repos = _org_rollup(store, month).filter(pl.col("family").is_not_null())
    github = _figures(repos.group_by("family")).join(
        repos.group_by("family").agg(orgs=pl.col("org").n_unique()), on="family"
    )
    hub = family_table(store).select(
        "family", "origin", "models", "derivatives", "downloads_30d", "downloads_all_time",
        "modelscope_models", "modelscope_downloads", "all_models", "total_downloads",
    )  # fmt: skip
    labs = pl.DataFrame({"family": [lab.family for lab in LABS], "lab_origin": [lab.origin for lab in LABS]})
    frame = (
        labs.join(github, on="family", how="left")
        .join(hub, on="family", how="left")
        .with_columns(origin=pl.coalesce("origin", "lab_origin"), orgs=pl.col("orgs").fill_null(0))
        .drop("lab_origin")
    )
    return frame.sort(["openrank", "downloads_30d", "family"], descending=[True, True, False], nulls_last=True)


MODEL_DOWNLOAD_COLUMNS = {
    "model_id": NAME,
    "date": DATE,
    "source": TEXT,
    "downloads_30d": COUNT,
    "downloads_all_time": COUNT,
    "days": COUNT,
    "downloads_gained": COUNT,
    "downloads_per_day": PER_DAY,
    "gain_bound": PER_DAY,
    "all_time_decreased": FLAG,
    "gain_outlier": FLAG,
    "downloads_30d_above_growth": FLAG,
}


def model_downloads(store: frames.Database, **_: Any) -> pl.DataFrame:
    """Each model's snapshots over time with the downloads gained since the previous one, and
    the anomaly flags of :mod:`ecometrics.analysis.anomalies` beside them (flagged days are kept as stored)."""
    return anomalies.flag_download_anomalies(growth.download_history(store)).sort("model_id", "date")


FAMILY_DOWNLOAD_COLUMNS = {
    "family": NAME,
    "date": DATE,
    "models": COUNT,
    "downloads_30d": COUNT,
    "downloads_all_time": COUNT,
}


def family_downloads(store: Store, **_: Any) -> pl.DataFrame:
    """Per family and snapshot day: summed downloads of its models with a snapshot that day."""
    members = frames.family_members(store).select("model_id", "family")
    snapshots = frames.model_snapshots(store).select("model_id", "date", "downloads_30d", "downloads_all_time")
    return (
        snapshots.join(members, on="model_id")
        .group_by("family", "date")
        .agg(
            models=pl.len(),
            downloads_30d=pl.col("downloads_30d").sum(),
            downloads_all_time=pl.col("downloads_all_time").sum(),
        )
        .sort("family", "date")
    )
