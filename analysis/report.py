"""A static site of the rankings and charts (``ecometrics report``), for any static host.

The site is built from the export tables (:func:`analysis.export.build_table`, the same
frames ``ecometrics export`` writes), never from the APIs:

- ``index.html`` — what the site holds, the month covered and the data's freshness;
- ``rankings/KIND.html`` — one page per ranking of :data:`RANKINGS` that has rows: the
  export's rows and columns as a table that sorts (click a column) and filters (a text
  box), cells formatted as in Markdown exports, raw values kept for sorting;
- ``repos/OWNER--NAME.html`` — per collected repository: star history, OpenRank and
  activity per month, active and new contributors per month, its top contributors;
- ``models/AUTHOR--NAME.html`` — per model (the ``models`` most derived, by all
  derivatives): downloads over time, direct derivatives by relation, the lineage tree;
- ``families/NAME.html`` — per family: downloads over time, derivatives created per
  month by relation, the lineage trees of its root models;
- ``compare.html?repo=A&repo=B`` — any set of repositories side by side, drawn in the
  browser from the figures written into the page;
- ``data/KIND.csv|parquet|json`` — every export table, linked from the pages that show it,
  so the site is also the download point.

Charts are static SVG drawn with matplotlib (``pip install 'ecometrics[report]'``; a
one-line error without it), each with a title, labelled axes with units and alt text.
The JavaScript that sorts, filters and compares is written into ``assets/`` with the
stylesheet: no CDN, and every page works offline from ``file://``. Pages of a demo
database carry the synthetic banner, and so does every chart.

The site is written into a temporary folder beside the destination and swapped in whole
when complete; an existing destination is replaced only when it is a report (it holds
:data:`MARKER`) or empty, so ``--out ~`` cannot delete anyone's files.
"""

from __future__ import annotations

import datetime as dt
import html
import inspect
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

import networkx as nx
import polars as pl

from analysis import export, frames, growth
from analysis.fields import NAME
from analysis.global_openrank import default_month, openrank_table
from analysis.lineage import lineage_graph, most_derived_first, stored_edges
from analysis.output import data_note, process_umask
from core.bots import bot_expr
from core.dates import check_month
from core.ecosystem import RELATIONS
from core.errors import InputError, WriteFailed
from core.outcome import Completed

# Ranking pages: export KIND -> page title. A table without rows gets no page.
RANKINGS = {
    "repos": "Repositories",
    "developers": "Developers",
    "models": "Models",
    "families": "Model families",
    "origins": "Origins",
    "labs": "Labs",
    "orgs": "GitHub organisations",
    "growth": "Launch velocity",
    "model_growth": "Model growth",
    "repo_openrank": "Repositories by OpenRank",
    "developer_openrank": "Developers by OpenRank",
}
DOWNLOAD_FORMATS = ("csv", "parquet", "json")
MARKER = ".ecometrics-report"  # names a folder this module wrote and may replace
DEFAULT_MODEL_PAGES = 30
TREE_NODES = 300  # a lineage tree on a page lists at most this many models
TOP_CONTRIBUTORS = 20
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")
# Entity pages: the column that names the entity -> the folder of its pages.
ENTITY_FOLDERS = {"repo": "repos", "model_id": "models", "family": "families"}


@dataclass
class ReportResult(Completed):
    """What :func:`write_report` wrote: the folder, its pages, files and bytes."""

    path: Path
    pages: int
    files: int
    bytes: int
    seconds: float

    @property
    def rows_written(self) -> int:
        return self.pages

    def summary(self) -> str:
        return f"wrote {self.pages} pages ({self.files} files, {self.bytes / 1e6:.1f} MB) to {self.path} in {self.seconds:.1f}s"


def write_report(
    store: Any,
    out_dir: str | Path,
    *,
    month: str | None = None,
    bots: Iterable[str] = (),
    model_pages: int = DEFAULT_MODEL_PAGES,
    create_parents: bool = False,
) -> ReportResult:
    """Write the site of ``store`` to ``out_dir`` (see the module docstring); returns what was written.

    ``month`` (YYYY-MM) is the month of the monthly tables (default: each table's own,
    the last complete month); ``bots`` are left out of contributor figures as in the
    exports; ``model_pages`` is how many models get a page; ``create_parents`` creates
    missing parent folders (a configured folder) instead of refusing (a typed ``--out``).
    """
    started = time.monotonic()
    if month is not None:
        month = check_month(month, "--month")
    if model_pages < 0:
        raise InputError(f"report models {model_pages}: pass 0 or more model pages")
    out_dir = Path(out_dir)
    _check_destination(out_dir, create_parents=create_parents)
    _require_matplotlib()
    with _swapped_in(out_dir) as root:
        site = _Site(store, root, month=month, bots=tuple(bots))
        site.write(model_pages)
    files = [p for p in out_dir.rglob("*") if p.is_file()]
    return ReportResult(
        path=out_dir,
        pages=sum(p.suffix == ".html" for p in files),
        files=len(files),
        bytes=sum(p.stat().st_size for p in files),
        seconds=time.monotonic() - started,
    )


# -- the destination ---------------------------------------------------------------------


def _check_destination(out_dir: Path, *, create_parents: bool) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"--out {out_dir}: is a file; pass a folder for the site")
    if out_dir.is_dir() and not (out_dir / MARKER).exists() and any(out_dir.iterdir()):
        raise InputError(
            f"--out {out_dir}: this folder is not empty and is not an ecometrics report; choose a new or empty folder"
        )
    if not out_dir.parent.is_dir():
        if not create_parents:
            raise InputError(
                f"--out {out_dir}: folder {out_dir.parent} does not exist; create it or choose another --out"
            )
        try:
            out_dir.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WriteFailed(
                f"{out_dir.parent}: cannot create the folder ({exc.strerror}); choose another report dir"
            ) from exc


@contextmanager
def _swapped_in(out_dir: Path) -> Iterator[Path]:
    """A temporary folder beside ``out_dir`` to write the site into, renamed over it when complete.

    A failure leaves the previous site as it was. The old site is moved aside, the new
    one renamed in, then the old one removed: a reader sees one site or the other.
    """
    try:
        building = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".building", dir=out_dir.parent))
    except OSError as exc:
        raise WriteFailed(f"{out_dir}: cannot write the report ({exc.strerror}); choose another --out") from exc
    try:
        (building / MARKER).write_text("Written by ecometrics report; the next report replaces this folder.\n")
        yield building
        os.chmod(building, 0o777 & ~process_umask())  # mkdtemp's 0700 would hide the site from a web server
        old = None
        if out_dir.exists():
            old = out_dir.with_name(f"{building.name[: -len('.building')]}.old")
            os.replace(out_dir, old)
        os.replace(building, out_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        raise WriteFailed(
            f"{out_dir}: cannot write the report ({exc.strerror or exc}); the previous one is kept"
        ) from exc
    finally:
        shutil.rmtree(building, ignore_errors=True)


def _require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise InputError(
            "ecometrics report needs matplotlib for its charts: pip install 'ecometrics[report]'"
        ) from None


# -- names and cells -----------------------------------------------------------------------


def slug(name: str) -> str:
    """A file name for an entity: OWNER/NAME -> OWNER--NAME, anything unsafe in a URL -> ``_``."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", name.replace("/", "--"))


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _raw(value: Any) -> str:
    """The value a column sorts by: numbers as numbers, times as ISO text, null as empty."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (dt.date, dt.datetime)):
        return export.format_cell(value) if isinstance(value, dt.datetime) else value.isoformat()
    return str(value)


def _json_script(element_id: str, data: Any) -> str:
    """Data for the page's script, safe inside ``<script>`` (no ``</`` can end it)."""
    text = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    return f'<script type="application/json" id="{element_id}">{text}</script>'


def _date_axis(axes: Any, dates: list[dt.date], label: str) -> None:
    """At most six day ticks, labelled YYYY-MM-DD: no hourly ticks between two snapshot days."""
    step = max(1, -(-len(dates) // 6))
    axes.set_xticks(dates[::step], [d.isoformat() for d in dates[::step]])
    axes.set_xlabel(label)


def _count_axis(axes: Any) -> None:
    """Whole numbers with thousands separators (no offset or scientific notation) on the y axis."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axes.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))


# -- the site ------------------------------------------------------------------------------


class _Site:
    """Writes one site: holds the tables built once and the pages' common parts."""

    def __init__(self, store: Any, root: Path, *, month: str | None, bots: tuple[str, ...]):
        self.store, self.root, self.month, self.bots = store, root, month, bots
        self.note = data_note(store)
        self.tables: dict[str, Any] = {}  # export tables and what is derived from them, each built once
        self.pages: dict[str, set[str]] = {folder: set() for folder in ENTITY_FOLDERS.values()}
        until = growth.observed_until(store)
        self.freshness = f"data collected up to {until:%Y-%m-%d %H:%M} UTC" if until else "no data collected yet"
        self.generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")

    # -- tables and downloads

    def table(self, kind: str, **options: Any) -> pl.DataFrame:
        """The export table ``kind`` (with the site's month where the table has one), built once."""
        key = kind + json.dumps(options, sort_keys=True) if options else kind
        if self.month and export.takes(kind, "month") and not options:
            options = {"month": self.month}
        return self._once(key, lambda: export.build_table(self.store, kind, bots=self.bots, **options))

    def _once(self, key: str, build: Callable[[], Any]) -> Any:
        """What ``build`` returns, built the first time ``key`` is asked for and kept for the site."""
        if key not in self.tables:
            self.tables[key] = build()
        return self.tables[key]

    def write_downloads(self) -> None:
        """Every export table in each download format under ``data/``, with the synthetic note."""
        data = self.root / "data"
        data.mkdir()
        if self.note:
            (data / "SYNTHETIC_DATA.txt").write_text(self.note + "\n", encoding="utf-8")
        for kind in sorted(export.TABLES):
            frame = self.table(kind)
            for fmt in DOWNLOAD_FORMATS:
                export.write_table(frame, fmt, data / f"{kind}.{fmt}", kind=kind, note=self.note)

    def write(self, model_pages: int) -> None:
        self.write_downloads()
        self._assets()
        repos = self.table("repos")
        collected = repos.filter(pl.col("date").is_not_null())["repo"].to_list()
        models = self.table("models").filter(pl.col("collected") & (pl.col("all_derivatives") > 0))
        chosen_models = most_derived_first(models).head(model_pages)
        families = [f for f in self.table("families")["family"].to_list() if f]
        self.pages["repos"] = {slug(name) for name in collected}
        self.pages["models"] = {slug(name) for name in chosen_models["model_id"].to_list()}
        self.pages["families"] = {slug(name) for name in families}
        rankings = [kind for kind in RANKINGS if kind in export.TABLES and self.table(kind).height]
        for kind in rankings:
            self._ranking_page(kind, rankings)
        for name in collected:
            self._repo_page(name, rankings)
        for name in chosen_models["model_id"].to_list():
            self._model_page(name, rankings)
        for name in families:
            self._family_page(name, rankings)
        self._compare_page(collected, rankings)
        self._index_page(rankings, collected, chosen_models["model_id"].to_list(), families)

    def _assets(self) -> None:
        assets = self.root / "assets"
        assets.mkdir()
        for name in ("report.css", "report.js"):
            (assets / name).write_text(resources.files("analysis").joinpath("report_static", name).read_text("utf-8"))

    # -- the common page

    def _page(
        self, path: str, title: str, body: str, *, rankings: list[str], downloads: Iterable[str], meta: str = ""
    ) -> None:
        depth = path.count("/")
        up = "../" * depth
        nav = " ".join(f'<li><a href="{up}rankings/{kind}.html">{_e(RANKINGS[kind])}</a></li>' for kind in rankings)
        banner = (
            f'<p class="synthetic" role="note"><strong>Synthetic data.</strong> {_e(self.note)}</p>'
            if self.note
            else ""
        )
        files = " ".join(
            f"<li>{_e(kind)}: "
            + ", ".join(f'<a href="{up}data/{kind}.{fmt}" download>{fmt.upper()}</a>' for fmt in DOWNLOAD_FORMATS)
            + "</li>"
            for kind in dict.fromkeys(downloads)
        )
        page = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)} · ecometrics{" (synthetic data)" if self.note else ""}</title>
<link rel="stylesheet" href="{up}assets/report.css">
</head>
<body>
<a class="skip" href="#main">Skip to the content</a>
<header>
<nav aria-label="Site"><a class="home" href="{up}index.html">ecometrics</a>
<ul>{nav}<li><a href="{up}compare.html">Compare repositories</a></li></ul></nav>
</header>
{banner}
<main id="main">
<h1>{_e(title)}</h1>
<p class="meta">{meta + " · " if meta else ""}{_e(self.freshness)}</p>
{body}
<section class="downloads" aria-labelledby="downloads"><h2 id="downloads">Download the data</h2><ul>{files}</ul></section>
</main>
<footer><p>Generated {self.generated} by ecometrics{" from synthetic data" if self.note else ""}.</p></footer>
<script src="{up}assets/report.js"></script>
</body>
</html>
"""
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page, encoding="utf-8")

    def _month_meta(self, frame: pl.DataFrame) -> str:
        """'Month covered: YYYY-MM' for a table of one month (partial said), else ''."""
        column = next((c for c in ("openrank_month", "month") if c in frame.columns), None)
        months = sorted(set(frame[column].drop_nulls().to_list())) if column else []
        if len(months) != 1:
            return ""
        partial = "partial_month" in frame.columns and bool(frame["partial_month"].drop_nulls().any())
        return f"Month covered: {months[0]}" + (" (partial: the data does not reach its end)" if partial else "")

    def _link(self, column: str, value: Any, up: str) -> str:
        """A cell's text, linked to the entity's page when the site has one."""
        text = _e(export.format_cell(value, NAME))
        folder = ENTITY_FOLDERS.get(column)
        if folder and isinstance(value, str) and slug(value) in self.pages[folder]:
            return f'<a href="{up}{folder}/{quote(slug(value))}.html">{text}</a>'
        return text

    def _table(self, frame: pl.DataFrame, kind: str, table_id: str, caption: str, up: str) -> str:
        """A sortable, filterable HTML table of ``frame`` with the cells of ``kind``'s schema."""
        fields = export.table_fields(frame, kind)
        head = "".join(
            f'<th scope="col" data-column="{_e(c)}" data-type="{"number" if fields[c].dtype.is_numeric() else "text"}"'
            f'{" class=num" if export.is_numeric(fields[c]) else ""}><button type="button">{_e(c)}</button></th>'
            for c in frame.columns
        )
        body = []
        for row in frame.iter_rows():
            cells = []
            for column, value in zip(frame.columns, row, strict=True):
                shown = (
                    self._link(column, value, up)
                    if column in ENTITY_FOLDERS
                    else _e(export.format_cell(value, fields[column]))
                )
                cells.append(f'<td data-value="{_e(_raw(value))}">{shown}</td>')
            body.append("<tr>" + "".join(cells) + "</tr>")
        return f"""<div class="tools"><label>Filter rows <input type="search" data-filter="{table_id}" placeholder="any text in a row"></label>
<span class="count" data-count-for="{table_id}" aria-live="polite">{frame.height:,} of {frame.height:,} rows</span></div>
<div class="scroll" role="region" aria-label="{_e(caption)}" tabindex="0"><table class="ranking" id="{table_id}">
<caption>{_e(caption)}. Click a column's name to sort by it.</caption>
<thead><tr>{head}</tr></thead>
<tbody>
{chr(10).join(body)}
</tbody></table></div>"""

    def _figures(self, row: dict[str, Any], kind: str, columns: Iterable[str]) -> str:
        """Key figures of one table row as a definition list."""
        fields = export.TABLES[kind].schema
        items = "".join(
            f"<div><dt>{_e(c)}</dt><dd>{_e(export.format_cell(row[c], fields[c]) or 'unknown')}</dd></div>"
            for c in columns
            if c in row
        )
        return f'<dl class="figures">{items}</dl>'

    def _chart(self, name: str, up: str, draw: Callable[[Any], None], *, title: str, alt: str, panels: int = 1) -> str:
        """An SVG chart under ``charts/`` drawn by ``draw(axes)``; returns the ``<figure>`` showing it.

        Margins are fixed rather than solved by a layout engine: that halves the time a
        chart takes, and a site has hundreds of them.
        """
        from matplotlib import rc_context
        from matplotlib.figure import Figure

        path = self.root / "charts" / f"{name}.svg"
        path.parent.mkdir(exist_ok=True)
        height = 1.9 + 1.8 * panels  # inches
        with rc_context({"svg.fonttype": "none", "svg.hashsalt": name, "font.size": 10}):
            figure = Figure(figsize=(7.5, height))
            axes = figure.subplots(panels, 1, squeeze=False)[:, 0]
            figure.subplots_adjust(left=0.15, right=0.97, top=1 - 0.5 / height, bottom=1.2 / height, hspace=0.45)
            draw(axes if panels > 1 else axes[0])
            figure.suptitle(title + (" (synthetic data)" if self.note else ""), fontsize=11)
            if self.note:
                figure.text(0.5, 0.1 / height, self.note, ha="center", va="bottom", fontsize=7, color="0.35")
            for each in axes:
                each.grid(alpha=0.3)
            figure.savefig(path, format="svg", metadata={"Title": title, "Description": self.note or alt, "Date": None})
        return (
            f'<figure><img src="{up}charts/{quote(name)}.svg" alt="{_e(alt)}" width="750" height="{int(height * 100)}">'
            f"<figcaption>{_e(title)}</figcaption></figure>"
        )

    # -- pages

    def _ranking_page(self, kind: str, rankings: list[str]) -> None:
        frame = self.table(kind)
        doc = (inspect.getdoc(export.TABLES[kind].build) or "").split("\n\n")[0]
        body = f'<p class="about">{_e(doc)}</p>\n' + self._table(frame, kind, f"table-{kind}", RANKINGS[kind], "../")
        self._page(
            f"rankings/{kind}.html",
            RANKINGS[kind],
            body,
            rankings=rankings,
            downloads=[kind],
            meta=self._month_meta(frame),
        )

    def _repo_page(self, name: str, rankings: list[str]) -> None:
        up, key = "../", slug(name)
        row = self.table("repos").filter(pl.col("repo") == name).row(0, named=True)
        parts = [
            self._figures(
                row,
                "repos",
                (
                    "stars",
                    "stars_30d",
                    "forks",
                    "contributors",
                    "openrank",
                    "activity",
                    "openrank_month",
                    "language",
                    "license",
                    "created_at",
                ),
            )
        ]
        stars = self.table("stars_daily").filter(pl.col("repo") == name)
        if stars.height:

            def draw(axes: Any) -> None:
                dates = stars["date"].to_list()
                axes.step(dates, stars["total"].to_list(), where="post", color=COLOURS[0], linewidth=1.8)
                axes.set_ylabel("stars (cumulative)")
                _date_axis(axes, dates, "date (UTC)")
                _count_axis(axes)
                axes.set_ylim(bottom=0)

            parts.append(
                self._chart(
                    f"{key}-stars",
                    up,
                    draw,
                    title=f"Star history of {name}",
                    alt=(
                        f"Line chart: cumulative stars of {name}, from {stars['total'][0]:,} on {stars['date'][0]} "
                        f"to {stars['total'][-1]:,} on {stars['date'][-1]}"
                    ),
                )
            )
        monthly = self._repo_months(row["repo_id"], name)
        if monthly.height:
            from matplotlib.ticker import MaxNLocator

            def draw(axes: Any) -> None:
                months, at = monthly["month"].to_list(), list(range(monthly.height))
                axes[0].plot(at, monthly["openrank"].to_list(), marker="o", color=COLOURS[0])
                axes[0].set_ylabel("OpenRank (score)")
                axes[0].yaxis.set_major_locator(MaxNLocator(nbins=4))
                axes[1].bar(at, monthly["activity"].fill_null(0).to_list(), color=COLOURS[2])
                axes[1].set_ylabel("activity (score)")
                axes[1].yaxis.set_major_locator(MaxNLocator(nbins=4))
                axes[2].bar(at, monthly["active_contributors"].fill_null(0).to_list(), color=COLOURS[0], label="active")
                axes[2].bar(
                    at,
                    monthly["new_contributors"].fill_null(0).to_list(),
                    color=COLOURS[4],
                    width=0.5,
                    label="new in the repository",
                )
                axes[2].set_ylabel("contributors (people)")
                _count_axis(axes[2])
                axes[2].legend(loc="lower left", bbox_to_anchor=(0, 1), ncols=2, frameon=False, fontsize=8)
                axes[2].set_xlabel("month")
                step = max(1, len(months) // 12)
                for each in axes:
                    each.set_xticks(at[::step], months[::step] if each is axes[2] else [])
                    each.set_xlim(-0.6, len(at) - 0.4)
                axes[2].tick_params(axis="x", labelrotation=45)

            ranked = monthly.drop_nulls("openrank").tail(1)
            busiest = monthly.drop_nulls("active_contributors").sort("active_contributors", descending=True).head(1)
            parts.append(
                self._chart(
                    f"{key}-months",
                    up,
                    draw,
                    panels=3,
                    title=f"OpenRank, activity and contributors of {name} per month",
                    alt=(
                        f"Three charts over {monthly.height} months from {monthly['month'][0]} to {monthly['month'][-1]}: "
                        + (
                            f"OpenRank {ranked['openrank'][0]:.2f} in {ranked['month'][0]}; "
                            if ranked.height
                            else "no OpenRank yet; "
                        )
                        + "bars of OpenDigger activity per month; "
                        + (
                            f"at most {busiest['active_contributors'][0]:,} active contributors, in {busiest['month'][0]}"
                            if busiest.height
                            else "no contributors recorded"
                        )
                    ),
                )
            )
        parts.append(self._contributors(row["repo_id"]))
        self._page(
            f"repos/{key}.html",
            name,
            "\n".join(parts),
            rankings=rankings,
            meta=self._month_meta(self.table("repos")),
            downloads=["repos", "stars_daily", "contributor_growth", "repo_openrank"],
        )

    def _repo_months(self, repo_id: int, name: str) -> pl.DataFrame:
        """``month, openrank, activity, active_contributors, new_contributors`` of one repository:
        each month with OpenRank up to the site's month, and each month with contributors."""
        history = self.table("repo_openrank", to_month=self.month or default_month(self.store, "repo"))
        row = history.filter(pl.col("repo_id") == repo_id)
        values = row.row(0, named=True) if row.height else {}
        months = [c.removeprefix("openrank_") for c in history.columns if c.startswith("openrank_")]
        ranks = pl.DataFrame(
            {
                "month": months,
                "openrank": [values.get(f"openrank_{m}") for m in months],
                "activity": [self._month_activity(m).get(repo_id) for m in months],
            },
            schema={"month": pl.String, "openrank": pl.Float64, "activity": pl.Float64},
        )
        people = (
            self.table("contributor_growth")
            .filter(pl.col("repo") == name)
            .select("month", "active_contributors", "new_contributors")
        )
        return ranks.join(people, on="month", how="full", coalesce=True).sort("month")

    def _month_activity(self, month: str) -> dict[int, float]:
        activity = self._once(f"activity:{month}", lambda: openrank_table(self.store, "repo", month))
        return dict(activity.select("entity_id", "activity").iter_rows())

    def _contributors(self, repo_id: int) -> str:
        """The top contributors of the newest ``/contributors`` snapshot, as a table."""
        snapshot = self._contributor_snapshots().filter(pl.col("repo_id") == repo_id)
        if snapshot.is_empty():
            return "<p>No contributors collected (bots left out).</p>"
        latest = snapshot.filter(pl.col("date") == snapshot["date"].max())
        top = (
            latest.with_columns(contributor=pl.coalesce("login", pl.lit("anonymous")))
            .sort(["contributions", "contributor"], descending=[True, False])
            .head(TOP_CONTRIBUTORS)
            .select("contributor", "contributions")
        )
        rows = "".join(f"<tr><td>{_e(r[0])}</td><td class=num>{r[1]:,}</td></tr>" for r in top.iter_rows())
        return (
            f'<section aria-labelledby="contributors"><h2 id="contributors">Top contributors</h2>'
            f'<div class="scroll"><table><caption>The {top.height} contributors with most commits in the snapshot of {_e(latest["date"][0])}'
            f" ({latest.height:,} in all, bots left out)</caption>"
            f'<thead><tr><th scope="col">contributor</th><th scope="col" class=num>commits</th></tr></thead><tbody>{rows}</tbody></table></div></section>'
        )

    def _model_page(self, name: str, rankings: list[str]) -> None:
        up, key = "../", slug(name)
        row = self.table("models").filter(pl.col("model_id") == name).row(0, named=True)
        parts = [
            self._figures(
                row,
                "models",
                (
                    "family",
                    "origin",
                    "downloads_30d",
                    "downloads_all_time",
                    "likes",
                    "direct_derivatives",
                    "all_derivatives",
                    "max_depth",
                    "influence",
                    "created_at",
                ),
            )
        ]
        downloads = self.table("model_downloads").filter(pl.col("model_id") == name)
        if downloads.height:
            parts.append(self._downloads_chart(f"model-{key}", up, name, downloads))
        relations = {r: row[r] or 0 for r in RELATIONS}

        def draw(axes: Any) -> None:
            axes.barh(list(relations), list(relations.values()), color=COLOURS[: len(relations)])
            axes.invert_yaxis()
            axes.set_xlabel("direct derivatives (models)")
            axes.set_ylabel("relation to the parent")

        parts.append(
            self._chart(
                f"model-{key}-relations",
                up,
                draw,
                title=f"Direct derivatives of {name} by relation",
                alt=("Bar chart: " + ", ".join(f"{v:,} {r}" for r, v in relations.items())),
            )
        )
        parts.append(f'<section aria-labelledby="tree"><h2 id="tree">Lineage tree</h2>{self._tree(name, up)}</section>')
        self._page(
            f"models/{key}.html",
            name,
            "\n".join(parts),
            rankings=rankings,
            downloads=["models", "model_downloads", "model_growth"],
            meta="Latest Hub snapshot",
        )

    def _downloads_chart(self, key: str, up: str, name: str, downloads: pl.DataFrame) -> str:
        def draw(axes: Any) -> None:
            dates = downloads["date"].to_list()
            axes[0].plot(dates, downloads["downloads_all_time"].to_list(), marker="o", color=COLOURS[0])
            axes[0].set_ylabel("downloads, all time")
            axes[1].plot(dates, downloads["downloads_30d"].to_list(), marker="o", color=COLOURS[2])
            axes[1].set_ylabel("downloads, last 30 days")
            for each in axes:
                _count_axis(each)
                _date_axis(each, dates, "snapshot day (UTC)" if each is axes[1] else "")

        return self._chart(
            f"{key}-downloads",
            up,
            draw,
            panels=2,
            title=f"Downloads of {name} over time",
            alt=(
                f"Two line charts over {downloads.height} snapshot days from {downloads['date'][0]} to {downloads['date'][-1]}: "
                f"{downloads['downloads_all_time'][-1]:,} downloads all time and {downloads['downloads_30d'][-1]:,} in the last 30 days at the end"
            ),
        )

    def _tree(self, root: str, up: str) -> str:
        """The derivatives below ``root`` as nested lists (relation, id), at most :data:`TREE_NODES` models."""
        graph = self._lineage()
        if root not in graph:
            return f"<p>No derivatives of {_e(root)} collected.</p>"
        shown: set[str] = set()
        budget = [TREE_NODES]

        def item(model: str, relation: str | None) -> str:
            label = f'<span class="relation">{_e(relation)}</span> ' if relation else ""
            label += self._link("model_id", model, up)
            if model in shown:
                return f"<li>{label} <small>(listed above)</small></li>"
            shown.add(model)
            budget[0] -= 1
            children = sorted(graph.successors(model))
            inner: list[str] = []
            for child in children:
                if budget[0] <= 0:
                    inner.append(
                        f"<li><small>… {len(children) - len(inner):,} more, in the lineage export</small></li>"
                    )
                    break
                inner.append(item(child, graph.edges[model, child].get("relation")))
            return f"<li>{label}" + (f"<ul>{''.join(inner)}</ul>" if inner else "") + "</li>"

        count = len(nx.descendants(graph, root))
        return f'<p>{count:,} derivatives below {_e(root)}.</p><ul class="tree">{item(root, None)}</ul>'

    def _family_page(self, name: str, rankings: list[str]) -> None:
        up, key = "../", slug(name)
        row = self.table("families").filter(pl.col("family") == name).row(0, named=True)
        parts = [
            self._figures(
                row,
                "families",
                ("origin", "models", "root_models", "derivatives", "downloads_30d", "downloads_all_time", "influence"),
            )
        ]
        downloads = self.table("family_downloads").filter(pl.col("family") == name)
        if downloads.height:
            parts.append(self._downloads_chart(f"family-{key}", up, f"the {name} family", downloads))
        months = self._family_months().filter(pl.col("family") == name).sort("month")
        if months.height:

            def draw(axes: Any) -> None:
                labels, at = months["month"].to_list(), list(range(months.height))
                bottom = [0] * months.height
                for colour, relation in zip(COLOURS, RELATIONS, strict=False):
                    values = months[relation].to_list()
                    axes.bar(at, values, bottom=bottom, color=colour, label=relation)
                    bottom = [b + v for b, v in zip(bottom, values, strict=True)]
                axes.set_ylabel("derivatives created (models)")
                _count_axis(axes)
                axes.set_xlabel("month")
                axes.legend(loc="upper left", frameon=False)
                step = max(1, len(labels) // 12)
                axes.set_xticks(range(0, len(labels), step), labels[::step], rotation=45)

            busiest = months.sort("derivatives", descending=True).row(0, named=True)
            parts.append(
                self._chart(
                    f"family-{key}-months",
                    up,
                    draw,
                    title=f"Derivatives of the {name} family created per month, by relation",
                    alt=(
                        f"Stacked bar chart over {months.height} months from {months['month'][0]} to {months['month'][-1]}: "
                        f"{row['derivatives'] or 0:,} derivatives in all, most in {busiest['month']} ({busiest['derivatives']:,})"
                    ),
                )
            )
        members = self.table("models").filter(pl.col("family").str.split(frames.FAMILY_SEPARATOR).list.contains(name))
        roots = members.filter((pl.col("parents") == 0) & (pl.col("all_derivatives") > 0)).sort(
            ["all_derivatives", "model_id"], descending=[True, False]
        )
        trees = "".join(
            f"<details><summary>{_e(r['model_id'])} ({r['all_derivatives']:,} derivatives)</summary>{self._tree(r['model_id'], up)}</details>"
            for r in roots.head(10).iter_rows(named=True)
        )
        parts.append(
            f'<section aria-labelledby="tree"><h2 id="tree">Lineage trees of its root models</h2>{trees or "<p>No derivatives collected.</p>"}</section>'
        )
        parts.append(
            '<section aria-labelledby="members"><h2 id="members">Its models</h2>'
            + self._table(members, "models", "table-members", f"Models of the {name} family", up)
            + "</section>"
        )
        self._page(
            f"families/{key}.html",
            f"{name} family",
            "\n".join(parts),
            rankings=rankings,
            downloads=["families", "family_downloads", "family_months", "models"],
            meta="Latest Hub snapshot",
        )

    def _lineage(self) -> Any:
        """The stored lineage graph (self-references left out, as the lineage analysis does), built once."""
        return self._once(
            "graph:lineage",
            lambda: lineage_graph(stored_edges(self.store).filter(pl.col("parent") != pl.col("child"))),
        )

    def _contributor_snapshots(self) -> pl.DataFrame:
        """Every stored ``/contributors`` snapshot without bots, read once."""
        return self._once(
            "snapshots:contributors", lambda: frames.contributors(self.store).filter(~bot_expr("login", self.bots))
        )

    def _family_months(self) -> pl.DataFrame:
        """Every month of ``family_months`` (the site's month chooses the table's rows, not the chart's)."""
        return self._once("family_months:all", lambda: export.build_table(self.store, "family_months"))

    def _compare_page(self, collected: list[str], rankings: list[str]) -> None:
        repos = self.table("repos").filter(pl.col("repo").is_in(collected))
        columns = ["repo", "stars", "stars_30d", "forks", "contributors", "openrank", "activity", "openrank_month"]
        fields = export.TABLES["repos"].schema
        weekly = (
            self.table("stars_daily")
            .sort("date")
            .group_by("repo", pl.col("date").dt.truncate("1w").alias("week"), maintain_order=True)
            .agg(pl.col("date").last(), pl.col("total").last())
        )
        series = {
            repo: [[d.isoformat(), t] for _, _, d, t in rows.iter_rows()]
            for (repo,), rows in weekly.group_by("repo", maintain_order=True)
        }
        numeric = [export.is_numeric(fields[c]) for c in columns]
        data = {
            "columns": columns,
            "numeric": numeric,
            "repos": {
                row["repo"]: {
                    "page": f"repos/{quote(slug(row['repo']))}.html",
                    "cells": [export.format_cell(row[c], fields[c]) for c in columns],
                    "stars": series.get(row["repo"], []),
                }
                for row in repos.iter_rows(named=True)
            },
            "note": self.note,
            "default": repos["repo"].head(3).to_list(),
        }
        options = "".join(
            f'<li><label><input type="checkbox" name="repo" value="{_e(r)}"> {_e(r)}</label></li>'
            for r in sorted(collected, key=str.casefold)
        )
        body = f"""<p class="about">Repositories side by side. Choose them below, or name them in the address:
<code>compare.html?repo=OWNER/NAME&amp;repo=OWNER/NAME</code>.</p>
<div id="compare-chart" class="chart" aria-live="polite"></div>
<div class="scroll" role="region" aria-label="Figures of the chosen repositories" tabindex="0"><table id="table-compare">
<caption>Figures of the chosen repositories (from the repos ranking)</caption>
<thead><tr>{"".join(f'<th scope="col"{" class=num" if n else ""}>{_e(c)}</th>' for c, n in zip(columns, numeric, strict=True))}</tr></thead>
<tbody></tbody></table></div>
<form method="get" action="compare.html" class="choose"><fieldset><legend>Repositories to compare</legend>
<ul class="choices">{options}</ul></fieldset><button type="submit">Compare</button></form>
{_json_script("compare-data", data)}"""
        self._page(
            "compare.html",
            "Compare repositories",
            body,
            rankings=rankings,
            downloads=["repos", "stars_daily"],
            meta=self._month_meta(self.table("repos")),
        )

    def _index_page(self, rankings: list[str], repos: list[str], models: list[str], families: list[str]) -> None:
        items = []
        for kind in rankings:
            frame = self.table(kind)
            meta = self._month_meta(frame)
            items.append(
                f'<tr><td><a href="rankings/{kind}.html">{_e(RANKINGS[kind])}</a></td><td class=num>{frame.height:,}</td>'
                f"<td>{_e(meta.removeprefix('Month covered: ') or 'latest snapshot')}</td>"
                + "<td>"
                + ", ".join(f'<a href="data/{kind}.{fmt}" download>{fmt.upper()}</a>' for fmt in DOWNLOAD_FORMATS)
                + "</td></tr>"
            )

        def links(folder: str, names: list[str]) -> str:
            return "".join(f'<li><a href="{folder}/{quote(slug(n))}.html">{_e(n)}</a></li>' for n in names)

        top = self.table("repos").filter(pl.col("repo").is_in(repos))["repo"].head(3).to_list()
        compare = "compare.html?" + "&amp;".join(f"repo={quote(n, safe='/')}" for n in top)
        body = f"""<p class="about">Rankings of the open-source AI ecosystem: GitHub repositories and developers (stars,
contributors, OpenRank, activity) and Hugging Face models and families (downloads, derivatives, lineage).</p>
<section aria-labelledby="rankings"><h2 id="rankings">Rankings</h2>
<div class="scroll"><table><caption>Each ranking, its rows and the month it covers</caption>
<thead><tr><th scope="col">ranking</th><th scope="col" class=num>rows</th><th scope="col">month</th><th scope="col">download</th></tr></thead>
<tbody>{"".join(items)}</tbody></table></div></section>
<section aria-labelledby="compare"><h2 id="compare">Compare</h2><p><a href="{compare}">Compare {_e(", ".join(top))}</a> or any other set of repositories.</p></section>
<section aria-labelledby="repos"><h2 id="repos">Repositories ({len(repos):,})</h2><ul class="columns">{links("repos", repos)}</ul></section>
<section aria-labelledby="families"><h2 id="families">Model families ({len(families):,})</h2><ul class="columns">{links("families", families)}</ul></section>
<section aria-labelledby="models"><h2 id="models">Models with the most derivatives ({len(models):,})</h2><ul class="columns">{links("models", models)}</ul></section>"""
        self._page(
            "index.html",
            "Open-source AI ecosystem metrics",
            body,
            rankings=rankings,
            downloads=rankings,
            meta=self._month_meta(self.table("repos")),
        )
