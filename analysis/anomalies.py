"""Download anomalies: days of a model's Hub series that a reader should not take at face value.

Each rule adds a flag column beside the raw counts of ``model_downloads``; a flagged day is
kept as stored, never corrected or dropped (so a reader can see what the Hub said). The
rules, per model, over its snapshots in date order:

- ``all_time_decreased`` — ``downloads_all_time`` is lower than at the previous snapshot.
  An all-time count cannot go down, yet the Hub's does (huggingface_hub issue #4365:
  ``downloadsAllTime`` lower than the day before).
- ``gain_outlier`` — the day's gain per day (``downloads_per_day``) is above a robust
  bound over the trailing window: the gains per day of the model's snapshots in the
  :data:`WINDOW_DAYS` days before it (at least :data:`MIN_WINDOW` of them, else no
  judgement), bound = median + :data:`K` × 1.4826 × MAD, where MAD is the median absolute
  deviation from that median and 1.4826 makes it estimate a normal standard deviation
  (Rousseeuw & Croux, "Alternatives to the median absolute deviation", JASA 1993). MAD is
  floored at :data:`MAD_FLOOR` downloads a day so that a perfectly steady series does not
  flag its first +1. The window excludes the day judged: an outlier does not raise its own
  bound. CI pipelines re-downloading a model are the usual cause of such a spike (the Hub
  counts every GET and HEAD of a model's query file: hub-docs, ``models-download-stats.md``).
- ``downloads_30d_above_growth`` — the Hub's 30-day count is above the all-time count's
  growth over at least those 30 days: growth since the model's latest snapshot dated 30 or
  more days before (a longer span can only grow more, so exceeding it is still
  impossible), or, with no such snapshot, the all-time count itself. Both counts describe
  the same downloads, so a 30-day count above what the all-time one gained is inconsistent.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

WINDOW_DAYS = 28  # the trailing window of the gain bound: four weeks, so weekday cycles weigh the same
MIN_WINDOW = 7  # fewer earlier gains than this in the window: no bound, no flag
K = 5.0  # bound = median + K robust standard deviations
MAD_SCALE = 1.4826  # MAD -> standard deviation of a normal distribution
MAD_FLOOR = 1.0  # downloads a day: a steady series' MAD of 0 would flag any +1
RECENT_DAYS = 30  # the Hub's ``downloads`` counts the last 30 days


def flag_download_anomalies(history: pl.DataFrame) -> pl.DataFrame:
    """``history`` (per model and snapshot: ``model_id, date, downloads_30d,
    downloads_all_time, downloads_gained, downloads_per_day``, as
    :func:`ecometrics.analysis.growth.download_history` builds it) with ``gain_bound`` and the three
    flags of the module docstring added. A flag is null where its rule cannot judge."""
    history = history.sort("model_id", "date")
    decreased = pl.col("downloads_gained") < 0
    bounds = _gain_bounds(history)
    recent = _growth_over_recent_days(history)
    return (
        history.join(bounds, on=["model_id", "date"], how="left")
        .join(recent, on=["model_id", "date"], how="left")
        .with_columns(
            all_time_decreased=decreased,
            gain_outlier=pl.col("downloads_per_day") > pl.col("gain_bound"),
            downloads_30d_above_growth=pl.col("downloads_30d") > pl.col("all_time_growth"),
        )
        .drop("all_time_growth")
        .sort("model_id", "date")
    )


def _gain_bounds(history: pl.DataFrame) -> pl.DataFrame:
    """Per model and date, the robust bound on the day's gain per day from the trailing window."""
    gains = history.select("model_id", "date", gain="downloads_per_day")
    if gains.is_empty():
        return gains.select("model_id", "date", gain_bound=pl.lit(None, pl.Float64))
    windows = (
        gains.drop_nulls("gain")
        .rolling(index_column="date", period=f"{WINDOW_DAYS}d", closed="left", group_by="model_id")
        .agg(
            n=pl.col("gain").count(),
            median=pl.col("gain").median(),
            mad=(pl.col("gain") - pl.col("gain").median()).abs().median(),
        )
    )
    bound = pl.col("median") + K * MAD_SCALE * pl.max_horizontal(pl.col("mad"), pl.lit(MAD_FLOOR))
    return windows.select(
        "model_id", "date", gain_bound=pl.when(pl.col("n") >= MIN_WINDOW).then(bound).otherwise(None)
    ).unique(["model_id", "date"])


def _growth_over_recent_days(history: pl.DataFrame) -> pl.DataFrame:
    """Per model and date, what the all-time count gained since the latest snapshot 30 or more days before."""
    current = history.select("model_id", "date", "downloads_all_time").drop_nulls("downloads_all_time")
    baseline = current.select(
        "model_id",
        cutoff=pl.col("date") + dt.timedelta(days=RECENT_DAYS),
        base=pl.col("downloads_all_time"),
    ).sort("cutoff")
    joined = current.sort("date").join_asof(
        baseline, left_on="date", right_on="cutoff", by="model_id", strategy="backward", check_sortedness=False
    )
    return joined.select(
        "model_id",
        "date",
        all_time_growth=pl.col("downloads_all_time") - pl.col("base").fill_null(0),
    )
