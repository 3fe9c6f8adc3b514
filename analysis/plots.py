"""Figures for people: the star history of one or several repositories (``ecometrics plot stars``).

Drawn with matplotlib's object API (``matplotlib.figure.Figure``, no pyplot and no
display), so it runs headless and in any thread. matplotlib is an optional dependency
(``pip install 'ecometrics[plots]'``); without it the command fails with one line saying
so. A figure from a demo database says its data is synthetic on the figure and in the
file's metadata (PNG text chunk and SVG ``<metadata>``, key ``Description``).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import cycle
from pathlib import Path
from typing import Any

import polars as pl

from ecometrics.analysis import chart_style, frames, growth
from ecometrics.analysis.output import data_note, one_line, output_file
from ecometrics.core.errors import InputError

PLOT_FORMATS = ("png", "svg")


def star_history(db: frames.Database, repos: Sequence[str], *, exclude_suspected: bool = False) -> pl.DataFrame:
    """``repo, date, total`` for each of ``repos`` (OWNER/NAME, case-insensitive), oldest first.

    A name that is not collected, or a repository without a collected star history, is an
    :class:`InputError` naming it.
    """
    known = {name.casefold(): name for name in frames.repos(db)["full_name"].to_list()}
    daily = growth.stars_per_day(db, exclude_suspected=exclude_suspected)
    wanted = []
    for repo in repos:
        name = known.get(repo.casefold())
        if name is None:
            raise InputError(f"{repo}: not a collected repository; check the name (OWNER/NAME) or add it to [github]")
        if daily.filter(pl.col("repo") == name).is_empty():
            restricted = frames.read_sql(
                db,
                "SELECT count(*) AS n FROM star_access a JOIN repos r ON r.id = a.repo_id "
                "WHERE a.restricted = 1 AND r.full_name = ?",
                (name,),
            )
            if restricted["n"][0]:  # GitHub lists stargazers to admins and collaborators only (changelog 2026-06-30)
                raise InputError(
                    f"{repo}: no star history: GitHub restricts its stargazer list to admins and collaborators; "
                    "`ecometrics import gharchive` fills it from WatchEvents"
                )
            raise InputError(f"{repo}: no star history collected yet; run 'ecometrics collect github' first")
        wanted.append(name)
    return daily.filter(pl.col("repo").is_in(wanted)).select("repo", pl.col("day").alias("date"), "total")


def plot_stars(
    db: frames.Database, repos: Sequence[str], path: str | Path, *, log: bool = False, exclude_suspected: bool = False
) -> Path:
    """Write the cumulative stars of ``repos`` over time to ``path`` (``.png`` or ``.svg``);
    ``exclude_suspected``: without the suspected fake stars (:mod:`ecometrics.analysis.fake_stars`)."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in PLOT_FORMATS:
        raise InputError(f"--out {path}: name the figure .png or .svg")
    history = star_history(db, repos, exclude_suspected=exclude_suspected)
    note = data_note(db)
    figure = _figure()
    from matplotlib import rc_context

    with rc_context(chart_style.RC):  # the report's and the notebooks' look
        axes = figure.subplots()
        for colour, repo in zip(cycle(chart_style.COLOURS), dict.fromkeys(history["repo"].to_list()), strict=False):
            series = history.filter(pl.col("repo") == repo)
            dates = series["date"].to_list()
            axes.step(dates, series["total"].to_list(), where="post", label=one_line(repo), linewidth=1.8, color=colour)
        axes.set_title(
            "Star history"
            + (" without suspected fake stars" if exclude_suspected else "")
            + (" (synthetic data)" if note else "")
        )
        axes.set_ylabel("stars (cumulative" + (", log scale)" if log else ")"))
        if log:
            chart_style.log_axis(axes)
        else:
            chart_style.count_axis(axes)
        chart_style.date_axis(axes, "date (UTC)", history["date"].to_list())
        if history.height:  # the days of a month still growing, shaded as in the report and the notebooks
            chart_style.shade_partial_days(axes, max(history["date"].to_list()), growth.last_complete_month(db))
        axes.legend(loc="upper left", frameon=False)
        if note:
            figure.supxlabel(note, fontsize=8, color="0.35")  # under the dates: the layout keeps room for it
    metadata: dict[str, Any] = {"Title": one_line(f"Star history: {', '.join(repos)}")}
    if note:
        metadata["Description"] = note
    with output_file(path) as temporary:
        figure.savefig(temporary, format=fmt, dpi=120, metadata=metadata)
    return path


def _figure() -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise InputError("ecometrics plot needs matplotlib: pip install 'ecometrics[plots]'") from None
    return Figure(figsize=(9, 5), layout="constrained")
