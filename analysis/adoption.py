"""ATOM's Relative Adoption Metric (RAM): a model's downloads against the leaders of its size class at the same age.

Definition, as the ATOM Project publishes it (Nathan Lambert, "Relative Adoption Metric
(RAM)", https://atomproject.ai/relative-adoption-metric, January 12, 2026; method in
Brand & Lambert, "The ATOM Report: Measuring the Open Language Model Ecosystem",
arXiv:2604.07190)::

    RAM score = (model's downloads) / (median of top 10 in size category)

where both are cumulative Hugging Face downloads at the same number of days after release
(ATOM's milestones are days 7, 14, 30, 60, 90, 180 and 365) and the top 10 of a size
category are its models ranked by total downloads. A score of 1 means the model is
tracking to be a top-10 downloaded model of its size. (A later revision of the page,
"RAM baseline 2026-Q2", divides by the 10th-most-downloaded model's count at the same
checkpoint instead of the median of the top 10; this module implements the January 2026
formula above.)

How each term is read from what ecometrics stores — the closest defensible reading where
the published text leaves a choice:

- **release** is the model's Hub ``createdAt`` (``models.created_at``; the Hub's creation-date
  sentinel is stored as unknown, so such models get no score);
- **size** is ``models.parameters``, the Hub's ``safetensors.total``; the classes are
  :data:`SIZE_CLASSES` (ATOM names "1-9B" and "100B+"; the others fill the range between
  and below them). A model without safetensors metadata has no class and no score;
- **cumulative downloads at day N** is ``downloads_all_time`` of the snapshot dated
  release + N days, else the straight-line interpolation between the snapshots either side
  of that day; never extrapolated (a model whose snapshots do not bracket the day has no
  value there). Snapshots imported from ``hub-stats`` reach back before the first run;
- **the top 10 of a class at checkpoint N** are, among the class's models with a value at N,
  the 10 with the most downloads all time now (ties by model id); the baseline is the
  median of their values at N. With fewer than 10 such models the median is over those
  there are: ecometrics stores the tracked ecosystem, not ATOM's 1.5K mainline models, so
  a baseline is only as wide as what was collected.

Checkpoints are :data:`CHECKPOINTS` (30, 90 and 180 days). Per family and per origin the
tables give how many models were scored at each checkpoint, their median and best RAM and
how many are above 1.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from ecometrics.analysis import frames
from ecometrics.analysis.fields import COUNT, DATE, NAME, RATIO, TEXT, Field

CHECKPOINTS = (30, 90, 180)  # days after release
TOP = 10  # the leaders of a size class the baseline is the median of
SIZE_CLASSES = (  # (name, lowest parameter count, first count above the class)
    ("<1B", 0, 10**9),
    ("1-9B", 10**9, 10**10),
    ("10-99B", 10**10, 10**11),
    ("100B+", 10**11, None),
)
RAM = Field(pl.Float64, decimals=3)

ADOPTION_COLUMNS: dict[str, Field] = {
    "model_id": NAME,
    "family": TEXT,
    "origin": TEXT,
    "size_class": TEXT,
    "parameters": COUNT,
    "released": DATE,
    "downloads_all_time": COUNT,
    **{
        name: field
        for n in CHECKPOINTS
        for name, field in (
            (f"downloads_day_{n}", COUNT),
            (f"baseline_day_{n}", RATIO),
            (f"ram_day_{n}", RAM),
        )
    },
}


def size_class(parameters: pl.Expr) -> pl.Expr:
    """The :data:`SIZE_CLASSES` name of a parameter count (null for an unknown count)."""
    expr: Any = pl.lit(None, pl.String)
    for name, low, high in reversed(SIZE_CLASSES):
        inside = parameters >= low if high is None else (parameters >= low) & (parameters < high)
        expr = pl.when(inside).then(pl.lit(name)).otherwise(expr)
    return expr


def downloads_at_checkpoints(releases: pl.DataFrame, snapshots: pl.DataFrame) -> pl.DataFrame:
    """Per model (``releases``: ``model_id, released`` as dates) and checkpoint N: ``model_id,
    checkpoint, downloads`` — the cumulative downloads on release + N days from ``snapshots``
    (``model_id, date, downloads_all_time``), exact or interpolated between the snapshots either side."""
    targets = releases.join(pl.DataFrame({"checkpoint": list(CHECKPOINTS)}), how="cross").with_columns(
        target=pl.col("released") + pl.duration(days=pl.col("checkpoint"))
    )
    points = snapshots.select("model_id", "date", total="downloads_all_time").drop_nulls("total").sort("date")
    before = points.select("model_id", "date", before_date="date", before="total")
    after = points.select("model_id", "date", after_date="date", after="total")
    joined = (
        targets.sort("target")
        .join_asof(
            before, left_on="target", right_on="date", by="model_id", strategy="backward", check_sortedness=False
        )
        .drop("date")
        .join_asof(after, left_on="target", right_on="date", by="model_id", strategy="forward", check_sortedness=False)
        .drop("date")
    )
    span = (pl.col("after_date") - pl.col("before_date")).dt.total_days()
    elapsed = (pl.col("target") - pl.col("before_date")).dt.total_days()
    interpolated = (
        pl.when(span == 0)
        .then(pl.col("before").cast(pl.Float64))
        .otherwise(pl.col("before") + (pl.col("after") - pl.col("before")) * elapsed / span)
    )
    return joined.select("model_id", "checkpoint", downloads=interpolated)


def relative_adoption(
    models: pl.DataFrame, snapshots: pl.DataFrame, *, latest: pl.DataFrame | None = None
) -> pl.DataFrame:
    """RAM per model and checkpoint: ``model_id, size_class, checkpoint, downloads, baseline, ram``.

    ``models`` has ``model_id, released`` (date) and ``parameters``; ``snapshots`` the
    model snapshots; ``latest`` (``model_id, downloads_all_time``) ranks the leaders of a
    class, by default each model's latest snapshot.
    """
    if latest is None:
        latest = snapshots.sort("date").group_by("model_id").agg(pl.col("downloads_all_time").drop_nulls().last())
    sized = models.with_columns(size_class=size_class(pl.col("parameters"))).drop_nulls(["size_class", "released"])
    values = (
        downloads_at_checkpoints(sized.select("model_id", "released"), snapshots)
        .drop_nulls("downloads")
        .join(sized.select("model_id", "size_class"), on="model_id")
        .join(latest.select("model_id", rank_by="downloads_all_time"), on="model_id", how="left")
    )
    leaders = (
        values.sort(["rank_by", "model_id"], descending=[True, False], nulls_last=True)
        .group_by("size_class", "checkpoint", maintain_order=True)
        .head(TOP)
        .group_by("size_class", "checkpoint")
        .agg(baseline=pl.col("downloads").median())
    )
    return values.join(leaders, on=["size_class", "checkpoint"]).select(
        "model_id",
        "size_class",
        "checkpoint",
        "downloads",
        "baseline",
        ram=pl.when(pl.col("baseline") > 0).then(pl.col("downloads") / pl.col("baseline")),
    )


def _scored(db: frames.Database) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Each Hugging Face model with its family, origin, size and release, and its RAM rows."""
    stored = frames.read_sql(
        db,
        "SELECT m.id AS model_id, m.parameters, m.created_at, l.family, l.origin FROM models m "
        "LEFT JOIN model_lineage l ON l.model_id = m.id WHERE m.platform = 'huggingface'",
        schema={
            "model_id": pl.String,
            "parameters": pl.Int64,
            "created_at": pl.String,
            "family": pl.String,
            "origin": pl.String,
        },
    )
    models = stored.with_columns(released=pl.col("created_at").dt.date(), size_class=size_class(pl.col("parameters")))
    snapshots = frames.model_snapshots(db)  # ``date`` parsed to a date by frames.read_sql
    latest = snapshots.sort("date").group_by("model_id").agg(pl.col("downloads_all_time").drop_nulls().last())
    scores = relative_adoption(models.select("model_id", "released", "parameters"), snapshots, latest=latest)
    return models.join(latest, on="model_id", how="left"), scores


def adoption_table(store: frames.Database, **_: Any) -> pl.DataFrame:
    """Per Hugging Face model: size class, release day, and at 30/90/180 days after release its
    cumulative downloads, its class's baseline and its RAM; best RAM at 90 days first."""
    models, scores = _scored(store)
    wide = models.select("model_id", "family", "origin", "size_class", "parameters", "released", "downloads_all_time")
    for n in CHECKPOINTS:
        at = scores.filter(pl.col("checkpoint") == n).select(
            "model_id",
            pl.col("downloads").round(0).cast(pl.Int64).alias(f"downloads_day_{n}"),
            pl.col("baseline").alias(f"baseline_day_{n}"),
            pl.col("ram").alias(f"ram_day_{n}"),
        )
        wide = wide.join(at, on="model_id", how="left")
    return wide.sort(["ram_day_90", "ram_day_30", "model_id"], descending=[True, True, False], nulls_last=True)


GROUP_COLUMNS_TAIL: dict[str, Field] = {
    name: field
    for n in CHECKPOINTS
    for name, field in (
        (f"scored_day_{n}", COUNT),
        (f"median_ram_day_{n}", RAM),
        (f"best_ram_day_{n}", RAM),
        (f"above_one_day_{n}", COUNT),
    )
}
FAMILY_ADOPTION_COLUMNS: dict[str, Field] = {"family": NAME, "models": COUNT, **GROUP_COLUMNS_TAIL}
ORIGIN_ADOPTION_COLUMNS: dict[str, Field] = {"origin": NAME, "models": COUNT, **GROUP_COLUMNS_TAIL}


def _group_adoption(store: frames.Database, key: str) -> pl.DataFrame:
    """Per ``key`` (family or origin; a model of several, as a merge, counts in each): models with
    a size class, and per checkpoint the models scored, their median and best RAM, those above 1."""
    models, scores = _scored(store)
    members = (
        models.filter(pl.col("size_class").is_not_null())
        .select("model_id", pl.col(key).str.split(frames.FAMILY_SEPARATOR))
        .explode(key)
        .drop_nulls(key)
        .unique()
    )
    table = members.group_by(key).agg(models=pl.len())
    for n in CHECKPOINTS:
        at = (
            members.join(scores.filter(pl.col("checkpoint") == n).drop_nulls("ram"), on="model_id")
            .group_by(key)
            .agg(
                pl.len().alias(f"scored_day_{n}"),
                pl.col("ram").median().alias(f"median_ram_day_{n}"),
                pl.col("ram").max().alias(f"best_ram_day_{n}"),
                (pl.col("ram") > 1).sum().alias(f"above_one_day_{n}"),
            )
        )
        table = table.join(at, on=key, how="left").with_columns(
            pl.col(f"scored_day_{n}", f"above_one_day_{n}").fill_null(0)
        )
    return table.sort(["median_ram_day_90", key], descending=[True, False], nulls_last=True)


def family_adoption(store: frames.Database, **_: Any) -> pl.DataFrame:
    """Per lineage family: its models' RAM at 30/90/180 days (see :func:`_group_adoption`)."""
    return _group_adoption(store, "family")


def origin_adoption(store: frames.Database, **_: Any) -> pl.DataFrame:
    """Per origin country of the families: its models' RAM at 30/90/180 days (see :func:`_group_adoption`)."""
    return _group_adoption(store, "origin")
