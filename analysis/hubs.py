"""The labs across platforms: Hugging Face and ModelScope side by side, joined with GitHub.

A ModelScope model's family is that of its Hugging Face twin when it has one (``same_as``,
see :meth:`ecometrics.collector.store.Store.link_modelscope_models`), else that of its owner: the
family whose Hugging Face authors include the owner's name (the family table the last
lineage analysis used, config overrides included), else the lab whose ModelScope owners
include it (:data:`ecometrics.core.ecosystem.LABS`), else a family named after the owner. A model on
both hubs is one model: it counts in ``modelscope_models`` but not again in ``all_models``,
while its downloads on each hub add up (they are different downloads).

- :func:`modelscope_families`: per family, the ModelScope models, those only on ModelScope,
  and their downloads at the latest snapshot; the ``families`` and ``origins`` exports
  join it (:func:`with_modelscope`).
- :func:`lab_months` (export ``lab_months``): one row per lab per month, the table that joins
  a lab's GitHub side (summed OpenRank and the stars its organisations' repositories had at
  the month's end) with its Hugging Face side (models, derivatives and downloads at the
  month's last snapshot) and its ModelScope side (models and downloads at the month's last
  snapshot; ModelScope exposes no model tree, so no derivatives).
"""

from __future__ import annotations

import json
from typing import Any

import polars as pl

from ecometrics.analysis import frames
from ecometrics.analysis.fields import COUNT, FLAG, MONTH, NAME, SCORE, TEXT
from ecometrics.analysis.global_openrank import openrank_warm_up
from ecometrics.analysis.growth import partial_month
from ecometrics.core.ecosystem import LABS

MODELSCOPE_FIELDS = {
    "modelscope_models": COUNT,
    "all_models": COUNT,
    "modelscope_downloads": COUNT,
    "total_downloads": COUNT,
}


def _family_of_owner(db: frames.Database) -> tuple[dict[str, str], dict[str, str | None]]:
    """(case-folded owner -> family, family -> origin) from the stored family table and the labs."""
    stored = frames.read_sql(
        db,
        "SELECT family, origin, authors FROM lineage_families",
        schema={"family": pl.String, "origin": pl.String, "authors": pl.String},
    )
    by_owner = {owner.casefold(): lab.family for lab in LABS for owner in lab.modelscope_owners}
    origins: dict[str, str | None] = {lab.family: lab.origin for lab in LABS}
    for family, origin, authors in stored.iter_rows():
        by_owner.update((author.casefold(), family) for author in json.loads(authors or "[]"))
        origins[family] = origin
    return by_owner, origins


def modelscope_members(db: frames.Database) -> pl.DataFrame:
    """One row per (ModelScope model, family): ``model_id``, ``same_as``, ``family``, ``origin``."""
    by_owner, origins = _family_of_owner(db)
    models = frames.read_sql(
        db,
        "SELECT m.id AS model_id, m.author, m.same_as, l.family AS twin_family FROM models m "
        "LEFT JOIN model_lineage l ON l.model_id = m.same_as "
        "WHERE m.platform = 'modelscope' AND m.status = 'ok'",
        schema={"model_id": pl.String, "author": pl.String, "same_as": pl.String, "twin_family": pl.String},
    )
    own = pl.col("author").str.to_lowercase().replace_strict(by_owner, default=pl.col("author"), return_dtype=pl.String)
    return (
        models.with_columns(family=pl.coalesce("twin_family", own).str.split(frames.FAMILY_SEPARATOR))
        .explode("family")
        .with_columns(origin=pl.col("family").replace_strict(origins, default=None, return_dtype=pl.String))
        .select("model_id", "same_as", "family", "origin")
    )


def _snapshots(db: frames.Database, platform: str) -> pl.DataFrame:
    """Every stored snapshot of one hub's models: model_id, date, downloads_30d, downloads_all_time."""
    return frames.model_snapshots(db, platform).select("model_id", "date", "downloads_30d", "downloads_all_time")


def modelscope_families(db: frames.Database, key: str = "family") -> pl.DataFrame:
    """Per ``key`` (family or origin): ModelScope models, those not on Hugging Face, downloads."""
    members = modelscope_members(db).unique(["model_id", key])
    latest = _snapshots(db, "modelscope").sort("date").group_by("model_id").last()
    return (
        members.join(latest, on="model_id", how="left")
        .group_by(key)
        .agg(
            modelscope_models=pl.len(),
            modelscope_only=pl.col("same_as").is_null().sum(),
            modelscope_downloads=pl.col("downloads_all_time").sum(),
        )
    )


def with_modelscope(table: pl.DataFrame, db: frames.Database, key: str) -> pl.DataFrame:
    """``table`` (families or origins, Hugging Face figures) with its ModelScope columns and totals."""
    side = modelscope_families(db, key)
    joined = (
        table.join(side, on=key, how="full", coalesce=True)
        if side.height
        else table.with_columns(
            modelscope_models=pl.lit(0, pl.UInt32), modelscope_only=pl.lit(0, pl.UInt32), modelscope_downloads=pl.lit(0)
        )
    )
    return joined.with_columns(
        modelscope_models=pl.col("modelscope_models").fill_null(0),
        all_models=pl.col("models").fill_null(0) + pl.col("modelscope_only").fill_null(0),
        modelscope_downloads=pl.col("modelscope_downloads").fill_null(0),
        total_downloads=pl.col("downloads_all_time").fill_null(0) + pl.col("modelscope_downloads").fill_null(0),
    ).drop("modelscope_only")


# -- one row per lab per month ------------------------------------------------------------

LAB_MONTH_COLUMNS = {
    "family": NAME,
    "origin": TEXT,
    "month": MONTH,
    "partial_month": FLAG,
    "openrank_warm_up": FLAG,
    "repos": COUNT,
    "stars": COUNT,
    "openrank": SCORE,
    "hf_models": COUNT,
    "hf_derivatives": COUNT,
    "hf_downloads_30d": COUNT,
    "hf_downloads": COUNT,
    "modelscope_models": COUNT,
    "modelscope_downloads": COUNT,
    "all_models": COUNT,
    "total_downloads": COUNT,
}


def lab_months(store: frames.Database, *, month: str | None = None, **_: Any) -> pl.DataFrame:
    """One row per lab (:data:`ecometrics.core.ecosystem.LABS`) per month; see the module docstring."""
    labs = pl.DataFrame({"family": [lab.family for lab in LABS], "origin": [lab.origin for lab in LABS]})
    github = _github_months(store)
    hf = _hf_months(store)
    ms = _modelscope_months(store)
    months = pl.concat([github.select("month"), hf.select("month"), ms.select("month")]).unique()
    if month:
        months = pl.DataFrame({"month": [month]})
    frame = (
        labs.join(months, how="cross")
        .join(github, on=["family", "month"], how="left")
        .join(hf, on=["family", "month"], how="left")
        .join(ms, on=["family", "month"], how="left")
        .with_columns(
            all_models=_sum_or_null("hf_models", "modelscope_only"),
            total_downloads=_sum_or_null("hf_downloads", "modelscope_downloads"),
            partial_month=partial_month(pl.col("month"), store),
            openrank_warm_up=openrank_warm_up(pl.col("month"), store),
        )
    )
    has_data = pl.any_horizontal(
        pl.col(c).is_not_null() for c in ("openrank", "stars", "hf_models", "modelscope_models")
    )
    return frame.filter(has_data).select(list(LAB_MONTH_COLUMNS)).sort(["month", "family"])


def _sum_or_null(*columns: str) -> pl.Expr:
    """The sum of ``columns`` with nulls as 0, or null when all are null (no snapshot that month)."""
    present = pl.any_horizontal(pl.col(c).is_not_null() for c in columns)
    return pl.when(present).then(pl.sum_horizontal(pl.col(c).fill_null(0) for c in columns))


def organisation_families(db: frames.Database) -> dict[str, str]:
    """Case-folded GitHub organisation -> lab family: the lab whose GitHub organisations include it
    (:data:`ecometrics.core.ecosystem.LABS`), else the family whose Hugging Face authors include its name (the
    family table the last lineage analysis used, config overrides included)."""
    families = frames.read_sql(
        db, "SELECT family, authors FROM lineage_families", schema={"family": pl.String, "authors": pl.String}
    )
    by_author = {
        author.casefold(): family for family, authors in families.iter_rows() for author in json.loads(authors or "[]")
    }
    by_org = {org.casefold(): lab.family for lab in LABS for org in lab.github_orgs}
    return {**by_author, **by_org}


def _github_months(store: frames.Database) -> pl.DataFrame:
    """Per lab family and month: its organisations' repositories, their stars at the month's end, OpenRank."""
    families = organisation_families(store)
    repos = frames.repos(store).select(
        repo_id="id",
        org=pl.col("full_name").str.split("/").list.first(),
        created=pl.col("created_at").dt.strftime("%Y-%m"),
    )
    repos = repos.with_columns(
        family=pl.col("org").str.to_lowercase().replace_strict(families, default=None, return_dtype=pl.String)
    ).filter(pl.col("family").is_not_null())
    openrank = frames.read_sql(
        store,
        "SELECT entity_id AS repo_id, month, value FROM openrank WHERE kind = 'repo'",
        schema={"repo_id": pl.Int64, "month": pl.String, "value": pl.Float64},
    )
    stars = frames.monthly_stars(store)
    months = pl.concat([openrank.select("month"), stars.select("month")]).unique().sort("month")
    if not months.height or not repos.height:
        return pl.DataFrame(
            schema={
                "family": pl.String,
                "month": pl.String,
                "repos": pl.UInt32,
                "stars": pl.Int64,
                "openrank": pl.Float64,
            }
        )
    grid = repos.join(months, how="cross")
    running = (
        grid.join(stars, on=["repo_id", "month"], how="left")
        .sort("repo_id", "month")
        .with_columns(stars=pl.col("stars").fill_null(0).cum_sum().over("repo_id"))
        .join(openrank, on=["repo_id", "month"], how="left")
    )
    return running.group_by("family", "month").agg(
        # a repository counts from the month it was created (an unknown creation: always)
        repos=(pl.col("created").is_null() | (pl.col("created") <= pl.col("month"))).sum(),
        stars=pl.col("stars").sum(),
        # null, not 0.0, for a month in which none of its repositories has OpenRank
        openrank=pl.when(pl.col("value").is_not_null().any()).then(pl.col("value").sum()),
    )


def _month_end_snapshots(snapshots: pl.DataFrame) -> pl.DataFrame:
    """Each model's last snapshot of each month."""
    return (
        snapshots.with_columns(month=pl.col("date").cast(pl.String).str.slice(0, 7))
        .sort("date")
        .group_by("model_id", "month")
        .last()
    )


def _hf_months(store: frames.Database) -> pl.DataFrame:
    members = frames.family_members(store)
    return (
        _month_end_snapshots(_snapshots(store, "huggingface"))
        .join(members, on="model_id")
        .group_by("family", "month")
        .agg(
            hf_models=pl.len(),
            hf_derivatives=(pl.col("parents") > 0).sum(),
            hf_downloads_30d=pl.col("downloads_30d").sum(),
            hf_downloads=pl.col("downloads_all_time").sum(),
        )
    )


def _modelscope_months(store: frames.Database) -> pl.DataFrame:
    members = modelscope_members(store).select("model_id", "same_as", "family")
    return (
        _month_end_snapshots(_snapshots(store, "modelscope"))
        .join(members, on="model_id")
        .group_by("family", "month")
        .agg(
            modelscope_models=pl.len(),
            modelscope_only=pl.col("same_as").is_null().sum(),
            modelscope_downloads=pl.col("downloads_all_time").sum(),
        )
    )


def hub_downloads(db: frames.Database) -> pl.DataFrame:
    """All-time downloads per snapshot day, lab family, origin and platform (``huggingface`` or
    ``modelscope``): the series behind "whose models are downloaded more, on which hub"."""
    lineage = frames.family_members(db).select("model_id", "family")
    _, origins = _family_of_owner(db)
    hf = _snapshots(db, "huggingface").join(lineage, on="model_id")
    ms = _snapshots(db, "modelscope").join(modelscope_members(db).select("model_id", "family"), on="model_id")
    both = pl.concat(
        [hf.with_columns(platform=pl.lit("huggingface")), ms.with_columns(platform=pl.lit("modelscope"))],
        how="diagonal",
    )
    return (
        both.with_columns(origin=pl.col("family").replace_strict(origins, default=None, return_dtype=pl.String))
        .group_by("date", "family", "origin", "platform")
        .agg(downloads=pl.col("downloads_all_time").sum(), models=pl.len())
        .sort("date", "family", "platform")
    )
