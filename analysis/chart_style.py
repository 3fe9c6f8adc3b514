"""One look for every chart: the report's SVGs, ``ecometrics plot`` and the notebooks.

Colours, text sizes and the axis rules live here once, so a relation, a partial month or
an OpenRank warm-up month reads the same in every figure:

- dates are ticked by matplotlib's ``AutoDateLocator`` (3 to 7 ticks on whole days,
  months or years) and labelled by ``ConciseDateFormatter`` (the year said once), so no
  labels overlap and no tick falls every 44 days;
- counts are whole numbers with thousands separators (millions as ``9.5M``), from zero (a downloads axis that
  starts at 22,998,956 turns a 1 % gain into a cliff);
- a line keeps headroom above its highest point, so it is never clipped by the frame;
- a month the data does not cover to its end is shaded grey, an OpenRank warm-up month
  yellow, each with a legend entry.

Importing this module does not import matplotlib: the helpers take matplotlib's axes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from core.ecosystem import RELATIONS

# matplotlib's default cycle ("C0", "C1", ...) written out, so HTML, CSS and SVG agree.
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf")
# One colour per lineage relation, in every chart and tree: C0..C3 in RELATIONS' order.
RELATION_COLOURS: dict[str, str] = dict(zip(RELATIONS, COLOURS, strict=False))
PARTIAL_COLOUR = "#d9d9d9"  # a month still growing
WARM_UP_COLOUR = "#fde68a"  # a month of OpenRank's warm-up
PARTIAL_LABEL = "partial month (still growing)"
WARM_UP_LABEL = "OpenRank warm-up"

# Text sizes in points at the report's chart width of 6 inches (432 pt): shown 360 CSS
# pixels wide (a phone) the chart is scaled to 0.83 px a point, and 12 pt is about 10 px.
RC: dict[Any, Any] = {
    "svg.fonttype": "none",  # text stays text in the SVG: searchable, and sized by the page
    # labels are names from strangers, drawn as written: "$...$" would otherwise be parsed as
    # mathtext (and an unparsable one fails the chart)
    "text.parse_math": False,
    "font.size": 12,
    "axes.titlesize": 13,
    "axes.labelsize": 12,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "legend.fontsize": 11,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def date_axis(axes: Any, label: str = "", dates: Sequence[dt.date] = ()) -> None:
    """Sensible date ticks (3-7 on whole days, months or years), concise labels that do not overlap.

    A series of less than a week (``dates``, e.g. three snapshot days) is shown over a week,
    where the locator finds whole days to tick.
    """
    from matplotlib.dates import MONTHLY, AutoDateLocator, ConciseDateFormatter

    if dates and max(dates) - min(dates) < dt.timedelta(days=6):
        middle = min(dates) + (max(dates) - min(dates)) / 2
        axes.set_xlim(middle - dt.timedelta(days=3), middle + dt.timedelta(days=3))
    locator = AutoDateLocator(minticks=3, maxticks=7)
    locator.intervald[MONTHLY] = [1, 2, 3, 4, 6, 12]  # 2-3 years: yearly would give 2 ticks, 6-monthly 7
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    axes.set_xlabel(label)


def count_axis(axes: Any, *, from_zero: bool = True) -> None:
    """Whole numbers with thousands separators on the y axis, from zero unless told otherwise."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axes.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: compact_count(value)))
    if from_zero:
        axes.set_ylim(bottom=0)


def compact_count(value: float) -> str:
    """A tick label that fits beside the axis, with room left for the axis label: 950, 9,500,
    12k, 12.5k, 9.5M (thousands past ten thousand, millions past a million)."""
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:,.1f}M".replace(".0M", "M")
    if abs(value) >= 10_000:
        return f"{value / 1_000:,.1f}k".replace(".0k", "k")
    return f"{value:,.0f}"


def headroom(axes: Any, top: float | None, *, share: float = 0.12) -> None:
    """From zero to ``share`` above ``top`` (the series' highest value): nothing touches the frame."""
    if top is not None and top > 0:
        axes.set_ylim(0, top * (1 + share))


def month_axis(axes: Any, months: Sequence[str], *, labelled: bool = True, most: int = 8) -> None:
    """Months as categories 0..n-1: at most ``most`` labels, level, evenly spaced."""
    step = max(1, -(-len(months) // most))
    at = list(range(len(months)))
    axes.set_xticks(at[::step], list(months[::step]) if labelled else [])
    axes.set_xlim(-0.6, len(months) - 0.4)


def shade_months(axes: Any, positions: Sequence[int], *, colour: str, label: str) -> None:
    """Shade the month categories at ``positions``, with one legend entry."""
    for i, position in enumerate(positions):
        axes.axvspan(position - 0.5, position + 0.5, color=colour, zorder=0, label=label if i == 0 else None)


def shade_days(
    axes: Any, start: dt.date, end: dt.date, *, colour: str = PARTIAL_COLOUR, label: str = PARTIAL_LABEL
) -> None:
    """Shade a span of days on a date axis (the partial month at the end of a daily series)."""
    axes.axvspan(start, end, color=colour, zorder=0, label=label)
