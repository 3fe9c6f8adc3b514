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
The notebooks draw with pyplot after ``plt.rcParams.update(chart_style.RC)`` and these helpers.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Sequence
from typing import Any

from ecometrics.core.ecosystem import RELATIONS

# matplotlib's default cycle ("C0", "C1", ...) written out, so HTML, CSS and SVG agree.
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf")
# One colour per lineage relation, in every chart and tree: C0..C3 in RELATIONS' order.
RELATION_COLOURS: dict[str, str] = dict(zip(RELATIONS, COLOURS, strict=False))
PARTIAL_COLOUR = "#d9d9d9"  # a month still growing
WARM_UP_COLOUR = "#fde68a"  # a month of OpenRank's warm-up
# Over bars the shading is drawn on top at this opacity: bars filling their month (a share
# per month) would otherwise hide it.
OVER_BARS_ALPHA = 0.6
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
    # short handles and column gaps: a legend of two or three columns fits the chart's width
    "legend.handlelength": 1.5,
    "legend.columnspacing": 1.0,
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


def count_axis(axes: Any, *, from_zero: bool = True, axis: str = "y") -> None:
    """Whole numbers with thousands separators on the y (or ``axis="x"``: x) axis, from zero unless told otherwise."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    scale = axes.xaxis if axis == "x" else axes.yaxis
    scale.set_major_locator(MaxNLocator(nbins=4, integer=True))
    # one unit for every tick, chosen by the axis's end: 6k, 12k, 18k rather than 6,000, 12k, 18k
    scale.set_major_formatter(
        FuncFormatter(lambda value, _: compact_count(value, top=max(map(abs, scale.get_view_interval()))))
    )
    if from_zero:
        (axes.set_xlim if axis == "x" else axes.set_ylim)(0, None)


def log_axis(axes: Any) -> None:
    """A log scale on the y axis labelled 10, 100, 1,000 like a count axis. (With
    ``text.parse_math`` off, matplotlib's own log labels would print as ``$\\mathdefault{10^{4}}$``.)"""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    axes.set_yscale("log")
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: compact_count(value)))
    axes.yaxis.set_minor_formatter(NullFormatter())


def compact_count(value: float, *, top: float | None = None) -> str:
    """A tick label that fits beside the axis, with room left for the axis label: 950, 9,500,
    12k, 12.5k, 9.5M (thousands past ten thousand, millions past a million). ``top`` (the
    axis's end) chooses the unit for every tick of an axis, so they agree: 6k beside 12k,
    0.5M beside 1.5M."""
    scale = abs(value) if top is None else abs(top)
    if value == 0:
        return "0"
    if scale >= 1_000_000:
        return f"{value / 1_000_000:,.1f}M".replace(".0M", "M")
    if scale >= 10_000:
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
    """Shade the month categories at ``positions``, with one legend entry.

    The shade lies behind what is drawn; where the axes hold bars (call this after drawing
    them) it is laid over them too, translucent, so a bar that fills its month (a share of
    100 %) still shows that its month is partial. Lines stay above both."""
    from matplotlib.container import BarContainer

    over_bars = any(isinstance(container, BarContainer) for container in axes.containers)
    for i, position in enumerate(positions):
        axes.axvspan(position - 0.5, position + 0.5, color=colour, zorder=0, label=label if i == 0 else None)
        if over_bars:  # above the bars (patches, zorder 1), below lines and markers (zorder 2)
            axes.axvspan(position - 0.5, position + 0.5, color=colour, alpha=OVER_BARS_ALPHA, linewidth=0, zorder=1.5)


def shade_days(
    axes: Any, start: dt.date, end: dt.date, *, colour: str = PARTIAL_COLOUR, label: str = PARTIAL_LABEL
) -> None:
    """Shade a span of days on a date axis (the partial month at the end of a daily series)."""
    axes.axvspan(start, end, color=colour, zorder=0, label=label)


def shade_month_axis(
    axes: Any, months: Sequence[str], *, complete: str | None, settled: str | None = None
) -> list[str]:
    """Shade the months of a month axis (categories 0..n-1 for ``months``, YYYY-MM) past
    ``complete`` (the last complete month; None: every month is partial) grey and, when
    ``settled`` (the first month past OpenRank's warm-up) is given, the earlier ones yellow.
    Returns the months shaded partial."""
    partial = [i for i, month in enumerate(months) if complete is None or month > complete]
    shade_months(axes, partial, colour=PARTIAL_COLOUR, label=PARTIAL_LABEL)
    if settled:
        warm = [i for i, month in enumerate(months) if month < settled and i not in partial]
        shade_months(axes, warm, colour=WARM_UP_COLOUR, label=WARM_UP_LABEL)
    return [months[i] for i in partial]


def shade_partial_days(axes: Any, last: dt.date, complete: str | None) -> None:
    """Shade the days of the last month of a daily series ending ``last`` when that month is
    past ``complete`` (the last complete month)."""
    if complete is not None and last.strftime("%Y-%m") > complete:
        shade_days(axes, last.replace(day=1), last)


def month_flags(month: str | None, *, complete: str | None, settled: str | None = None) -> str:
    """What a one-month chart's title says of its month: ``" (partial month)"``, ``" (OpenRank
    warm-up)"``, both, or nothing; ``settled`` only for a chart of OpenRank figures."""
    if month is None:
        return ""
    flags = ["partial month"] if complete is None or month > complete else []
    if settled and month < settled:
        flags.append(WARM_UP_LABEL)
    return f" ({', '.join(flags)})" if flags else ""


def drawn_of(drawn: int, total: int, what: str) -> str:
    """``": 80 of 247 models drawn"`` when a figure draws part of its ``total``, else ``""``."""
    return f": {drawn:,} of {total:,} {what} drawn" if drawn < total else ""


def unknown_bars(axes: Any, values: Sequence[float | None], *, base: Sequence[float | None] | None = None) -> None:
    """Write "n/a" where a bar of ``values`` (categories 0..n-1) is unknown (None), at the foot
    of the bar or on top of ``base`` (the bar it would stand in or on): a bar left out, or drawn
    from a null filled with 0, reads as zero."""
    from matplotlib import rcParams

    for position, value in enumerate(values):
        if value is None:
            below = (base[position] if base is not None else None) or 0
            axes.annotate(
                "n/a",
                (position, below),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                va="bottom",
                rotation=90,
                fontsize=rcParams["xtick.labelsize"],
                color="0.35",
            )


def no_data(axes: Any, what: str) -> None:
    """Say on the axes that there is nothing to draw yet, instead of failing."""
    axes.text(0.5, 0.5, f"no {what} in this database yet", ha="center", va="center", transform=axes.transAxes)
    axes.set_axis_off()


def title(axes: Any, text: str) -> None:
    """``text`` as the axes' title, wrapped to the axes' width so it is never clipped or runs
    into its neighbour's (about 0.55 em a character at the title's size)."""
    from matplotlib import rcParams
    from matplotlib.font_manager import FontProperties

    size = FontProperties(size=rcParams["axes.titlesize"]).get_size_in_points()
    width = axes.get_position().width * axes.figure.get_figwidth() * 72  # points
    axes.set_title(textwrap.fill(text, max(20, int(width / (0.55 * size)))))
