"""A static site of the rankings and charts (``ecometrics report``), for any static host.

The site is built from the export tables (:func:`ecometrics.analysis.export.build_table`, the same
frames ``ecometrics export`` writes), never from the APIs:

- ``index.html`` — the headline view: the month's top repositories and developers by
  OpenRank, models by downloads and families by derivatives created, each with its change
  since the previous month (value and rank); then every ranking and entity page;
- ``rankings/KIND.html`` — one page per ranking of :data:`RANKINGS` that has rows: a
  sentence saying what it ranks, then the export's rows as a table with human column
  labels, the ranked figure right after the name, that sorts (click a column), filters (a
  text box) and pages (long rankings show :data:`PAGE_SIZE` rows at a time);
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

Pages are rendered from Jinja2 templates (``analysis/report_templates``: a base template
the pages extend, autoescaped, so no value can inject markup) with plain CSS. Charts are
static SVG drawn with matplotlib in the style of :mod:`ecometrics.analysis.chart_style` (``pip install
'ecometrics[report]'``; a one-line error without either), each with a title, labelled axes
with units and alt text; partial months and OpenRank's warm-up months are shaded.
The JavaScript that sorts, filters and compares is written into ``assets/`` with the
stylesheet: no CDN, and every page works offline from ``file://``. Pages of a demo
database carry the synthetic banner, and so does every chart.

The site is written into a temporary folder beside the destination and swapped in whole
when complete; an existing destination is replaced only when it is a report (it holds
:data:`MARKER`) or empty, so ``--out ~`` cannot delete anyone's files.
"""

from __future__ import annotations

import datetime as dt
import glob
import json
import os
import re
import shutil
import tempfile
import textwrap
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

from ecometrics.analysis import chart_style, export, fake_stars, frames, growth
from ecometrics.analysis.fields import NAME
from ecometrics.analysis.global_openrank import WARM_UP_MONTHS, default_month, openrank_table, warm_up_until
from ecometrics.analysis.lineage import lineage_graph, most_derived_first, stored_edges
from ecometrics.analysis.output import data_note, one_line, process_umask
from ecometrics.analysis.rankings import WITHHELD_HISTORIES
from ecometrics.core.bots import bot_expr
from ecometrics.core.dates import check_month
from ecometrics.core.ecosystem import RELATIONS
from ecometrics.core.errors import InputError, WriteFailed
from ecometrics.core.outcome import Completed

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
    "countries": "By country",
}
DOWNLOAD_FORMATS = ("csv", "parquet", "json")
MARKER = ".ecometrics-report"  # names a folder this module wrote and may replace
DEFAULT_MODEL_PAGES = 30
TREE_NODES = 300  # a lineage tree on a page lists at most this many models
TOP_CONTRIBUTORS = 20
CHART_WIDTH = 6.0  # inches: at a phone's 360 px a 12 pt label is about 10 px high
TITLE_CHARACTERS = 50  # a chart title's line at 13 pt bold within that width
PAGE_SIZE = 100  # rows a long ranking shows at a time (the page holds them all: sorting and filtering see every row)
PAGED_FROM = 200  # rankings with more rows than this are paged
HEADLINE_ROWS = 5  # rows of each headline table on the index
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
        growth.check_month_with_data(store, month)
    if model_pages < 0:
        raise InputError(f"report models {model_pages}: pass 0 or more model pages")
    out_dir = _destination(Path(out_dir))
    _check_destination(out_dir, create_parents=create_parents)
    _require_report_extras()
    with _swapped_in(out_dir) as root:
        with fake_stars.shared_detection():  # its fake-star tables read one run of the detectors
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


def _destination(out_dir: Path) -> Path:
    """The folder the site replaces: a symbolic link's target (the link stays), as an absolute path
    without ``.`` or ``..`` (``--out .`` inside a report rewrites that report)."""
    shown = out_dir
    if out_dir.is_symlink():
        try:
            out_dir = out_dir.resolve(strict=True)
        except (OSError, RuntimeError):  # a loop (RuntimeError before Python 3.13), or a missing target
            raise InputError(
                f"--out {shown}: is a symbolic link that leads nowhere (a loop or a missing target); pass a folder"
            ) from None
    out_dir = Path(os.path.abspath(out_dir))
    if not out_dir.name:
        raise InputError(f"--out {shown}: is the root folder; pass a folder for the site")
    return out_dir


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
    The temporary folders carry the writer's pid: those of a writer that died (killed
    mid-run) are removed by the next run.
    """
    _remove_abandoned(out_dir)
    try:
        building = Path(
            tempfile.mkdtemp(prefix=f".{out_dir.name}.{os.getpid()}.", suffix=".building", dir=out_dir.parent)
        )
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


def _remove_abandoned(out_dir: Path) -> None:
    """Remove the ``.NAME.PID.*.building`` and ``.old`` folders beside ``out_dir`` of writers that are gone."""
    prefix = f".{out_dir.name}."
    for folder in out_dir.parent.glob(f"{glob.escape(prefix)}*"):
        pid = folder.name[len(prefix) :].split(".")[0]
        if folder.name.endswith((".building", ".old")) and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's
        return True
    return True


def _require_report_extras() -> None:
    try:
        import jinja2  # noqa: F401
        import matplotlib  # noqa: F401
    except ImportError as missing:
        raise InputError(
            f"ecometrics report needs {missing.name} for its pages and charts: pip install 'ecometrics[report]'"
        ) from None


# -- names, labels and cells ---------------------------------------------------------------


def slug(name: str) -> str:
    """A file name for an entity: OWNER/NAME -> OWNER--NAME, anything unsafe in a URL -> ``_``."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", name.replace("/", "--"))


ANOMALY_WORDS = {
    "all_time_decreased": "all-time count lower than the day before",
    "gain_outlier": "a gain above the trailing robust bound",
    "downloads_30d_above_growth": "30-day count above the all-time growth",
}


def _anomaly_note(downloads: pl.DataFrame) -> dict[str, Any]:
    """The model's snapshot days flagged by :mod:`ecometrics.analysis.anomalies`, kept as the Hub reported them
    (a part of the model page: ``entity.html`` lists its ``flagged`` lines, or says none is)."""
    flagged = []
    for column, words in ANOMALY_WORDS.items():
        days = downloads.filter(pl.col(column).fill_null(False))["date"].to_list()
        if days:
            shown = ", ".join(str(day) for day in days[:5]) + (f" and {len(days) - 5} more" if len(days) > 5 else "")
            flagged.append(f"{words}: {shown}")
    return {"kind": "anomalies", "flagged": flagged}


# Column headings for people; the export's name stays in the heading's tooltip and data-column.
COLUMN_LABELS = {
    "rank": "#",
    "repo": "repository",
    "model_id": "model",
    "org": "organisation",
    "stars_7d": "stars, last 7 days",
    "stars_30d": "stars, last 30 days",
    "stars_first_3d": "stars, first 3 days",
    "stars_first_10d": "stars, first 10 days",
    "stars_first_30d": "stars, first 30 days",
    "participants_first_10d": "participants, first 10 days",
    "participants_first_30d": "participants, first 30 days",
    "open_issues": "open issues",
    "open_pull_requests": "open pull requests",
    "openrank": "OpenRank",
    "openrank_weight": "OpenRank network weight",
    "openrank_month": "OpenRank month",
    "openrank_warm_up": "OpenRank warm-up",
    "partial_month": "month still growing",
    "created_at": "created (UTC)",
    "downloads_30d": "downloads, last 30 days",
    "downloads_all_time": "downloads, all time",
    "downloads_gain_7d": "downloads gained, 7 days",
    "downloads_gain_30d": "downloads gained, 30 days",
    "downloads_30d_change_7d": "30-day downloads, change over 7 days",
    "downloads_30d_change_30d": "30-day downloads, change over 30 days",
    "observed_days_7d": "days observed of 7",
    "observed_days_30d": "days observed of 30",
    "derivatives_last_30d": "derivatives, last 30 days",
    "hub_children": "children on the Hub",
    "direct_derivatives": "direct derivatives",
    "all_derivatives": "derivatives, all depths",
    "max_depth": "deepest level",
    # OpenRank on the lineage graph, seeded by downloads over the mean (analysis.influence)
    "influence": "influence (× an average model)",
    "descendant_downloads_30d": "descendants' downloads, 30 days",
    "descendant_downloads_all_time": "descendants' downloads, all time",
    "root_models": "root models",
    "modelscope_models": "ModelScope models",
    "modelscope_downloads": "ModelScope downloads",
    "all_models": "models, both hubs",
    "total_downloads": "downloads, both hubs",
    "repo_id": "repository id",
    "developer_id": "developer id",
    "issues_opened": "issues opened",
    "issue_comments": "issue comments",
    "issues_closed": "issues closed",
    "review_comments": "review comments",
    "prs_opened": "pull requests opened",
    "date": "snapshot day",
}


_MONTH_COLUMN = re.compile(r"openrank_(\d{4}-\d{2})")  # one column a month of the OpenRank rankings


def column_months(columns: list[str]) -> list[str]:
    """The months of a ranking's ``openrank_YYYY-MM`` columns, in the columns' order (``openrank_warm_up`` is not one)."""
    return [found.group(1) for found in map(_MONTH_COLUMN.fullmatch, columns) if found]


def column_label(column: str) -> str:
    """The heading people read for an export column (``openrank_2025-06`` -> ``OpenRank 2025-06``)."""
    if month := column_months([column]):
        return "OpenRank " + month[0]
    return COLUMN_LABELS.get(column, column.replace("_", " "))


# Each ranking: the figure it is ranked by (shown right after the name) and the sentence
# that opens its page ({count}, {month} and {months} are filled in).
RANKED_BY = {
    "repos": "stars",
    "developers": "openrank",
    "models": "all_derivatives",
    "families": "derivatives",
    "origins": "derivatives",
    "labs": "openrank",
    "orgs": "openrank",
    "growth": "stars_first_10d",
    "model_growth": "downloads_gain_30d",
    "repo_openrank": "openrank",
    "developer_openrank": "openrank",
    "countries": "openrank",
}
SENTENCES = {
    "repos": "The {count} repositories collected, most starred first, with their OpenRank and activity in {month}.",
    "developers": "The {count} developers active in {month}, by OpenRank: how central each was in that month's "
    "network of developers and repositories (bots left out).",
    "models": "The {count} models collected or met in a lineage, most derived first: derivatives at any depth "
    "(fine-tunes, adapters, quantizations and merges of the model and of its derivatives).",
    "families": "The {count} model families, by derivatives: the models descending from each family's root models.",
    "origins": "Model families grouped by their lab's country, by derivatives.",
    "labs": "The AI labs, by the OpenRank of their GitHub organisations in {month}, with their models on "
    "Hugging Face and ModelScope.",
    "orgs": "The {count} GitHub organisations, by the OpenRank of their repositories in {month}.",
    "growth": "The {count} repositories by launch velocity: the stars of their first 10 days.",
    "model_growth": "The {count} models by the downloads they gained over the last 30 days of snapshots.",
    "repo_openrank": "The {count} repositories with OpenRank, by their OpenRank summed over {months}.",
    "developer_openrank": "The {count} developers with OpenRank, by their OpenRank summed over {months}.",
    "countries": "Countries by month ({count} rows), placed by where their owners and developers say they are: "
    "repositories, stars, developers, OpenRank and Hub models, each with the share of entities whose country is known.",
}
WARM_UP_SENTENCE = (
    " {month} is within OpenRank's warm-up (the first {warm_up} computed months): values still climb from "
    "the empty start of the stored history."
)
# A table of several months, some of them within the warm-up.
WARM_UP_MONTHS_SENTENCE = (
    " Months before {settled} are within OpenRank's warm-up (the first {warm_up} computed months): their "
    "values still climb from the empty start of the stored history."
)


def _printable(value: Any) -> Any:
    """What a template prints: text as one line without control characters (NUL never reaches a
    page; autoescaping then escapes its markup); markup the templates built themselves as it is."""
    from markupsafe import Markup

    return one_line(value) if isinstance(value, str) and not isinstance(value, Markup) else value


def _raw(value: Any) -> str:
    """The value a column sorts by: numbers as numbers, times as ISO text, null as empty."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (dt.date, dt.datetime)):
        return export.format_cell(value) if isinstance(value, dt.datetime) else value.isoformat()
    return str(value)


def _date_apart(label: str) -> tuple[str, str]:
    """``"change since 2025-07"`` -> ``("change since ", "2025-07")``: a template keeps the
    date (a month or a day ending the label) on one line, where a browser would break it at a hyphen."""
    words, date = re.fullmatch(r"(.*?)(\d{4}-\d{2}(?:-\d{2})?)?", label, flags=re.S).groups()  # type: ignore[union-attr]
    return words, date or ""


def _signed(value: float | int | None, decimals: int = 0) -> str:
    if value is None:
        return "new"
    if round(value, decimals) == 0:
        return "±0"
    return f"{value:+,.{decimals}f}"


@dataclass
class Chart:
    """An SVG chart of the site, as a template shows it."""

    src: str
    alt: str
    title: str
    width: int
    height: int
    kind: str = "chart"


# -- the site ------------------------------------------------------------------------------


class _Site:
    """Writes one site: holds the tables built once, the templates and the pages' common parts."""

    def __init__(self, store: Any, root: Path, *, month: str | None, bots: tuple[str, ...]):
        from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

        self.store, self.root, self.month, self.bots = store, root, month, bots
        self.note = data_note(store)
        self.tables: dict[str, Any] = {}  # export tables and what is derived from them, each built once
        self.pages: dict[str, set[str]] = {folder: set() for folder in ENTITY_FOLDERS.values()}
        until = growth.observed_until(store)
        self.freshness = f"data collected up to {until:%Y-%m-%d %H:%M} UTC" if until else "no data collected yet"
        self.generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        self.complete = growth.last_complete_month(store)  # later months are partial
        self.settled = warm_up_until(store)  # earlier months are OpenRank's warm-up
        self.templates = Environment(
            loader=PackageLoader(__package__, "report_templates"),  # this module's package: ecometrics.analysis
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            finalize=_printable,
        )
        self.templates.globals["relation_colours"] = chart_style.RELATION_COLOURS
        self.templates.filters["date_apart"] = _date_apart

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
        for kind in export.standing_kinds():
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
        self.nav = [(kind, RANKINGS[kind]) for kind in rankings]
        for kind in rankings:
            self._ranking_page(kind)
        for name in collected:
            self._repo_page(name)
        for name in chosen_models["model_id"].to_list():
            self._model_page(name)
        for name in families:
            self._family_page(name)
        self._compare_page(collected)
        self._index_page(rankings, collected, chosen_models["model_id"].to_list(), families)

    def _assets(self) -> None:
        assets = self.root / "assets"
        assets.mkdir()
        for name in ("report.css", "report.js"):
            (assets / name).write_text(resources.files(__package__).joinpath("report_static", name).read_text("utf-8"))

    # -- the common page

    def _render(
        self, path: str, template: str, *, title: str, downloads: Iterable[str], meta: str = "", **context: Any
    ) -> None:
        """Render ``template`` (which extends ``base.html``) to ``path`` under the site."""
        page = self.templates.get_template(template).render(
            up="../" * path.count("/"),
            title=title,
            meta=meta,
            note=self.note,
            freshness=self.freshness,
            generated=self.generated,
            nav=self.nav,
            downloads=list(dict.fromkeys(downloads)),
            formats=DOWNLOAD_FORMATS,
            **context,
        )
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page, encoding="utf-8")

    def _month_meta(self, frame: pl.DataFrame) -> str:
        """'Month covered: YYYY-MM' for a table of one month (partial and warm-up said), else ''."""
        month = self._one_month(frame)
        if month is None:
            return ""
        partial = "partial_month" in frame.columns and bool(frame["partial_month"].drop_nulls().any())
        warm_up = "openrank_warm_up" in frame.columns and bool(frame["openrank_warm_up"].drop_nulls().any())
        return (
            f"Month covered: {month}"
            + (" (partial: the data does not reach its end)" if partial else "")
            + (" (OpenRank warm-up)" if warm_up else "")
        )

    @staticmethod
    def _months(frame: pl.DataFrame) -> list[str]:
        """The months a table covers, in order: its month column's, else its ``openrank_YYYY-MM``
        columns'; none for a snapshot."""
        column = next((c for c in ("openrank_month", "month") if c in frame.columns), None)
        return sorted(set(frame[column].drop_nulls().to_list())) if column else column_months(frame.columns)

    @classmethod
    def _one_month(cls, frame: pl.DataFrame) -> str | None:
        """The month of a table of one month, else None."""
        months = cls._months(frame)
        return months[0] if len(months) == 1 else None

    @classmethod
    def _months_covered(cls, frame: pl.DataFrame) -> str | None:
        """The month a table covers, ``"YYYY-MM to YYYY-MM"`` for a table of several, None for a snapshot."""
        months = cls._months(frame)
        if not months:
            return None
        return months[0] if len(months) == 1 else f"{months[0]} to {months[-1]}"

    def _link(self, column: str, value: Any, up: str) -> dict[str, Any]:
        """A cell's text, with the entity's page when the site has one."""
        text = export.format_cell(value, NAME)
        folder = ENTITY_FOLDERS.get(column)
        if folder and isinstance(value, str) and slug(value) in self.pages[folder]:
            return {"text": text, "href": f"{up}{folder}/{quote(slug(value))}.html"}
        return {"text": text, "href": None}

    def _table(self, frame: pl.DataFrame, kind: str, table_id: str, caption: str, up: str) -> dict[str, Any]:
        """A sortable, filterable, paged table of ``frame`` with the cells of ``kind``'s schema,
        the ranked figure right after the name."""
        fields = export.table_fields(frame, kind)
        ranked = RANKED_BY.get(kind)
        order = list(frame.columns)
        if ranked in order:
            name_at = next((i for i, c in enumerate(order) if fields[c].identifier and fields[c].dtype == pl.String), 0)
            order.remove(ranked)
            order.insert(name_at + 1, ranked)
        frame = frame.select(order)
        columns = [
            {
                "name": c,
                "label": column_label(c),
                "type": "number" if fields[c].dtype.is_numeric() else "text",
                "numeric": export.is_numeric(fields[c]),
            }
            for c in order
        ]
        rows = []
        for row in frame.iter_rows():
            cells = []
            for column, value in zip(order, row, strict=True):
                cell = (
                    self._link(column, value, up)
                    if column in ENTITY_FOLDERS
                    else {"text": export.format_cell(value, fields[column]), "href": None}
                )
                cells.append({**cell, "value": _raw(value), "numeric": export.is_numeric(fields[column])})
            rows.append(cells)
        return {
            "id": table_id,
            "caption": caption,
            "columns": columns,
            "rows": rows,
            "page_size": PAGE_SIZE if len(rows) > PAGED_FROM else None,
        }

    def _figures(self, row: dict[str, Any], kind: str, columns: Iterable[str]) -> list[tuple[str, str]]:
        """Key figures of one table row: (label, formatted value), unknown said."""
        fields = export.TABLES[kind].schema

        def text(value: Any, column: str) -> str:
            if isinstance(value, dt.datetime):  # the label says UTC: seconds and "T...Z" only make it wrap
                return (value.astimezone(dt.UTC) if value.tzinfo else value).strftime("%Y-%m-%d %H:%M")
            return export.format_cell(value, fields[column]) or "unknown"

        return [(column_label(c), text(row[c], c)) for c in columns if c in row]

    def _chart(
        self,
        name: str,
        up: str,
        draw: Callable[[Any], None],
        *,
        title: str,
        alt: str,
        panels: int = 1,
        legend_rows: int = 1,
    ) -> Chart:
        """An SVG chart under ``charts/`` drawn by ``draw(axes)`` in :mod:`ecometrics.analysis.chart_style`.

        Margins are fixed rather than solved by a layout engine: that halves the time a chart
        takes, and a site has hundreds. The title is wrapped to the width, with room above
        the axes for its lines, so it is never clipped.
        """
        from matplotlib import rc_context
        from matplotlib.figure import Figure

        path = self.root / "charts" / f"{name}.svg"
        path.parent.mkdir(exist_ok=True)
        lines = textwrap.wrap(one_line(title) + (" (synthetic data)" if self.note else ""), TITLE_CHARACTERS)
        # the title's lines and a legend of ``legend_rows`` above the first axes
        top_inches = 0.6 + 0.25 * len(lines) + 0.22 * (legend_rows - 1)
        height = top_inches + 1.0 + 2.0 * panels  # inches
        style: Any = {**chart_style.RC, "svg.hashsalt": name}  # the same chart draws the same SVG
        with rc_context(style):
            figure = Figure(figsize=(CHART_WIDTH, height))
            axes = figure.subplots(panels, 1, squeeze=False)[:, 0]
            figure.subplots_adjust(left=0.16, right=0.95, top=1 - top_inches / height, bottom=0.85 / height, hspace=0.5)
            draw(axes if panels > 1 else axes[0])
            figure.text(0.5, 1 - 0.15 / height, "\n".join(lines), ha="center", va="top", fontsize=13, weight="bold")
            if self.note:
                figure.text(0.5, 0.06 / height, self.note, ha="center", va="bottom", fontsize=8, color="0.35")
            figure.savefig(
                path,
                format="svg",
                metadata={"Title": one_line(title), "Description": self.note or one_line(alt), "Date": None},
            )
        return Chart(f"{up}charts/{quote(name)}.svg", alt, title, int(CHART_WIDTH * 100), int(height * 100))

    def _shade(self, axes: Any, months: list[str], *, openrank: bool = False) -> None:
        """Shade the partial months (and, on OpenRank charts, the warm-up ones) of a month axis."""
        chart_style.shade_month_axis(axes, months, complete=self.complete, settled=self.settled if openrank else None)

    def _shade_partial_days(self, axes: Any, last: dt.date) -> None:
        """Shade the days of the last, partial month of a daily series."""
        chart_style.shade_partial_days(axes, last, self.complete)

    # -- pages

    def _sentence(self, kind: str, frame: pl.DataFrame) -> str:
        one_month = self._one_month(frame)
        month = one_month or "the latest snapshot"
        months = column_months(frame.columns)
        span = f"{months[0]} to {months[-1]}" if len(months) > 1 else (months[0] if months else "the months stored")
        text = SENTENCES[kind].format(count=f"{frame.height:,}", month=month, months=span)
        if "openrank_warm_up" in frame.columns and bool(frame["openrank_warm_up"].drop_nulls().any()):
            if one_month:
                text += WARM_UP_SENTENCE.format(month=one_month, warm_up=WARM_UP_MONTHS)
            else:
                text += WARM_UP_MONTHS_SENTENCE.format(settled=self.settled or "its end", warm_up=WARM_UP_MONTHS)
        return text

    def _ranking_page(self, kind: str) -> None:
        frame = self.table(kind)
        self._render(
            f"rankings/{kind}.html",
            "ranking.html",
            title=RANKINGS[kind],
            downloads=[kind],
            meta=self._month_meta(frame),
            sentence=self._sentence(kind, frame),
            table=self._table(frame, kind, f"table-{kind}", RANKINGS[kind], "../"),
        )

    def _repo_page(self, name: str) -> None:
        up, key = "../", slug(name)
        row = self.table("repos").filter(pl.col("repo") == name).row(0, named=True)
        figures = self._figures(
            row,
            "repos",
            ("stars", "stars_30d", "forks", "contributors", "openrank", "activity", "openrank_month")
            + ("language", "license", "created_at"),
        )
        parts: list[Any] = []
        stars = self.table("stars_daily").filter(pl.col("repo") == name)
        if stars.height:

            def draw(axes: Any) -> None:
                dates = stars["date"].to_list()
                axes.step(dates, stars["total"].to_list(), where="post", color=chart_style.COLOURS[0], linewidth=1.8)
                axes.set_ylabel("stars (cumulative)")
                chart_style.date_axis(axes, "date (UTC)", dates)
                chart_style.count_axis(axes)
                chart_style.headroom(axes, max(stars["total"].to_list()))
                self._shade_partial_days(axes, dates[-1])
                if axes.get_legend_handles_labels()[0]:
                    axes.legend(
                        loc="lower left", bbox_to_anchor=(0, 1), frameon=False
                    )  # above: over the line it hid it

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
            if row["star_history"] in WITHHELD_HISTORIES:  # drawn from GitHub's stars per day
                parts.append(
                    {
                        "kind": "notice",
                        "anchor": "star-counts",
                        "heading": "Stars counted per day by GitHub",
                        "text": (
                            f"GitHub lists the stargazers of {name} only to its admins and collaborators "
                            "(GitHub changelog, 2026-06-30); the history above is its count of stars per day "
                            "(its star history, GitHub changelog, 2026-09-04), without the accounts behind them."
                        ),
                    }
                )
        elif row["star_history"] in WITHHELD_HISTORIES:
            parts.append(
                {
                    "kind": "notice",
                    "anchor": "star-history",
                    "heading": "Star history",
                    "text": (
                        f"Not collected: GitHub lists the stargazers of {name} only to its admins and collaborators "
                        f"(GitHub changelog, 2026-06-30), so only its star count ({row['stars'] or 0:,}) is known. "
                        "`ecometrics import gharchive` fills the history from WatchEvents."
                    ),
                }
            )
        monthly = self._repo_months(row["repo_id"], name)
        if monthly.height:

            def draw(axes: Any) -> None:
                months, at = monthly["month"].to_list(), list(range(monthly.height))
                ranks = monthly["openrank"].to_list()
                axes[0].plot(at, ranks, marker="o", color=chart_style.COLOURS[0])
                axes[0].set_ylabel("OpenRank (score)")
                chart_style.headroom(axes[0], max((v for v in ranks if v is not None), default=None))
                self._shade(axes[0], months, openrank=True)
                if axes[0].get_legend_handles_labels()[0]:
                    axes[0].legend(loc="lower left", bbox_to_anchor=(0, 1), ncols=2, frameon=False)
                # an unknown bar is drawn as 0 and written "n/a" (chart_style.unknown_bars)
                activity = monthly["activity"].to_list()
                axes[1].bar(at, [v or 0 for v in activity], color=chart_style.COLOURS[2])
                axes[1].set_ylabel("activity (score)")
                self._shade(axes[1], months)
                chart_style.unknown_bars(axes[1], activity)
                active, new = monthly["active_contributors"].to_list(), monthly["new_contributors"].to_list()
                axes[2].bar(at, [v or 0 for v in active], color=chart_style.COLOURS[0], label="active")
                axes[2].bar(
                    at, [v or 0 for v in new], color=chart_style.COLOURS[1], width=0.5, label="new in the repository"
                )
                axes[2].set_ylabel("contributors")
                chart_style.count_axis(axes[2])
                self._shade(axes[2], months)
                chart_style.unknown_bars(axes[2], active)
                # a repository's first stored month has no "new" count (nothing earlier to be new
                # against): said on top of its active bar, with room for it below the legend
                chart_style.unknown_bars(
                    axes[2], [n if a is not None else 0 for n, a in zip(new, active, strict=True)], base=active
                )
                chart_style.headroom(axes[2], max((a for a in active if a is not None), default=None), share=0.3)
                axes[2].legend(loc="lower left", bbox_to_anchor=(0, 1), ncols=2, frameon=False)
                axes[2].set_xlabel("month")
                for each in axes:
                    chart_style.month_axis(each, months, labelled=each is axes[2], most=6)

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
                        + (f"; months before {self.settled} are OpenRank's warm-up" if self.settled else "")
                    ),
                )
            )
        parts.append(self._contributors(row["repo_id"]))
        self._render(
            f"repos/{key}.html",
            "entity.html",
            title=name,
            meta=self._month_meta(self.table("repos")),
            downloads=["repos", "stars_daily", "contributor_growth", "repo_openrank"],
            figures=figures,
            parts=parts,
        )

    def _repo_months(self, repo_id: int, name: str) -> pl.DataFrame:
        """``month, openrank, activity, active_contributors, new_contributors`` of one repository:
        each month with OpenRank up to the site's month, and each month with contributors."""
        history = self.table("repo_openrank", to_month=self.month or default_month(self.store, "repo"))
        row = history.filter(pl.col("repo_id") == repo_id)
        values = row.row(0, named=True) if row.height else {}
        months = column_months(history.columns)
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

    def _contributors(self, repo_id: int) -> dict[str, Any]:
        """The top GitHub accounts of the newest ``/contributors?anon=1`` snapshot, and how many
        commits its authors with no GitHub account made.

        GitHub lists those authors by e-mail address only (``type: "Anonymous"``): rows of them
        would read as several indistinguishable "anonymous" people. They are counted instead, as
        OpenDigger counts contributors by account (src/metrics/chaoss.ts, ``chaossContributors``:
        ``COUNT(DISTINCT issue_author_id)``) and leaves authors without one out of its
        account-based metrics."""
        snapshot = self._contributor_snapshots().filter(pl.col("repo_id") == repo_id)
        if snapshot.is_empty():
            return {"kind": "contributors", "rows": [], "caption": "", "unattributed": None}
        latest = snapshot.filter(pl.col("date") == snapshot["date"].max())
        accounts = latest.filter(pl.col("developer_id").is_not_null())
        anonymous = latest.filter(pl.col("developer_id").is_null())
        top = (
            accounts.sort(["contributions", "login"], descending=[True, False])
            .head(TOP_CONTRIBUTORS)
            .select("login", "contributions")
        )
        return {
            "kind": "contributors",
            "rows": list(top.iter_rows()),
            "caption": f"The {top.height} GitHub accounts with most commits in the snapshot of {latest['date'][0]}"
            f" ({accounts.height:,} accounts in all, bots left out)",
            "unattributed": (
                f"Not in the table: {anonymous['contributions'].sum():,} commits by {anonymous.height:,} authors "
                "with no GitHub account (GitHub lists them by e-mail address only)."
                if anonymous.height
                else None
            ),
        }

    def _model_page(self, name: str) -> None:
        up, key = "../", slug(name)
        row = self.table("models").filter(pl.col("model_id") == name).row(0, named=True)
        figures = self._figures(
            row,
            "models",
            ("family", "origin", "downloads_30d", "downloads_all_time", "likes", "direct_derivatives")
            + ("all_derivatives", "max_depth", "influence", "created_at"),
        )
        parts: list[Any] = []
        downloads = self.table("model_downloads").filter(pl.col("model_id") == name)
        if downloads.height:
            parts.append(self._downloads_chart(f"model-{key}", up, name, downloads))
            parts.append(_anomaly_note(downloads))
        relations = {r: row[r] or 0 for r in RELATIONS}

        def draw(axes: Any) -> None:
            axes.barh(
                list(relations), list(relations.values()), color=[chart_style.RELATION_COLOURS[r] for r in relations]
            )
            axes.invert_yaxis()
            axes.set_xlabel("direct derivatives (models)")  # the bars' own labels name the relation
            axes.grid(axis="y", visible=False)

        parts.append(
            self._chart(
                f"model-{key}-relations",
                up,
                draw,
                title=f"Direct derivatives of {name} by relation",
                alt=("Bar chart: " + ", ".join(f"{v:,} {r}" for r, v in relations.items())),
            )
        )
        parts.append({"kind": "lineage", "heading": "Lineage tree", "tree": self._tree(name, up)})
        self._render(
            f"models/{key}.html",
            "entity.html",
            title=name,
            meta="Latest Hub snapshot",
            downloads=["models", "model_downloads", "model_growth"],
            figures=figures,
            parts=parts,
        )

    def _downloads_chart(self, key: str, up: str, name: str, downloads: pl.DataFrame) -> Chart:
        def draw(axes: Any) -> None:
            dates = downloads["date"].to_list()
            for each, column, colour, label in (
                (axes[0], "downloads_all_time", chart_style.COLOURS[0], "downloads, all time"),
                (axes[1], "downloads_30d", chart_style.COLOURS[2], "downloads, last 30 days"),
            ):
                values = downloads[column].to_list()
                each.plot(dates, values, marker="o", color=colour)
                each.set_ylabel(label)
                chart_style.count_axis(each)  # from zero: a gain reads as its true size
                chart_style.headroom(each, max((v for v in values if v is not None), default=None))
                chart_style.date_axis(each, "snapshot day (UTC)" if each is axes[1] else "", dates)

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

    def _tree(self, root: str, up: str) -> dict[str, Any] | None:
        """The derivatives below ``root`` as nested nodes, breadth first, at most :data:`TREE_NODES` models;
        says how many of the tree's models are shown."""
        graph = self._lineage()
        if root not in graph:
            return None
        below = nx.descendants(graph, root)
        nodes = {root: {**self._link("model_id", root, up), "relation": None, "colour": None}}
        nodes[root].update(children=[], more=0, repeated=False)
        shown, queue = {root}, [root]
        while queue:
            parent = queue.pop(0)
            children = sorted(graph.successors(parent))
            for child in children:
                if len(shown) >= TREE_NODES:
                    nodes[parent]["more"] += 1
                    continue
                relation = graph.edges[parent, child].get("relation")
                node = {
                    **self._link("model_id", child, up),
                    "relation": relation,
                    "colour": chart_style.RELATION_COLOURS.get(relation or "", "#888"),
                    "children": [],
                    "more": 0,
                    "repeated": child in shown,
                }
                nodes[parent]["children"].append(node)
                if child not in shown:
                    shown.add(child)
                    nodes[child] = node
                    queue.append(child)
        return {"root": nodes[root], "derivatives": len(below), "nodes": len(below) + 1, "shown": len(shown)}

    def _family_page(self, name: str) -> None:
        up, key = "../", slug(name)
        row = self.table("families").filter(pl.col("family") == name).row(0, named=True)
        figures = self._figures(
            row,
            "families",
            ("origin", "models", "root_models", "derivatives", "downloads_30d", "downloads_all_time", "influence"),
        )
        parts: list[Any] = []
        downloads = self.table("family_downloads").filter(pl.col("family") == name)
        if downloads.height:
            parts.append(self._downloads_chart(f"family-{key}", up, f"the {name} family", downloads))
        months = self._family_months().filter(pl.col("family") == name).sort("month")
        if months.height:

            def draw(axes: Any) -> None:
                labels, at = months["month"].to_list(), list(range(months.height))
                bottom = [0] * months.height
                for relation in RELATIONS:
                    values = months[relation].to_list()
                    axes.bar(at, values, bottom=bottom, color=chart_style.RELATION_COLOURS[relation], label=relation)
                    bottom = [b + v for b, v in zip(bottom, values, strict=True)]
                axes.set_ylabel("derivatives created (models)")
                chart_style.count_axis(axes)
                chart_style.headroom(axes, max(bottom))
                self._shade(axes, labels)
                axes.set_xlabel("month")
                # above the axes, in two columns: three would reach past the chart's right edge
                axes.legend(loc="lower left", bbox_to_anchor=(0, 1), frameon=False, ncols=2)
                chart_style.month_axis(axes, labels, most=6)

            busiest = months.sort("derivatives", descending=True).row(0, named=True)
            parts.append(
                self._chart(
                    f"family-{key}-months",
                    up,
                    draw,
                    title=f"Derivatives of the {name} family created per month, by relation",
                    legend_rows=3,
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
        trees = [self._tree(r["model_id"], up) for r in roots.head(10).iter_rows(named=True)]
        parts.append({"kind": "trees", "heading": "Lineage trees of its root models", "trees": [t for t in trees if t]})
        parts.append(
            {
                "kind": "table",
                "anchor": "members",
                "heading": "Its models",
                "table": self._table(members, "models", "table-members", f"Models of the {name} family", up),
            }
        )
        self._render(
            f"families/{key}.html",
            "entity.html",
            title=f"{name} family",
            meta="Latest Hub snapshot",
            downloads=["families", "family_downloads", "family_months", "models"],
            figures=figures,
            parts=parts,
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
        if not self.month:
            return self.table("family_months")  # the same table the downloads write: built once
        return self._once("family_months:all", lambda: export.build_table(self.store, "family_months"))

    def _compare_default(self, collected: list[str]) -> list[str]:
        """The three first repositories of the repos ranking with a star history to draw (a
        repository whose stargazers GitHub withholds would open the comparison with a warning)."""
        drawn = set(self.table("stars_daily")["repo"].to_list())
        ranked = self.table("repos").filter(pl.col("repo").is_in(collected))["repo"].to_list()
        return ([name for name in ranked if name in drawn] or ranked)[:3]

    def _compare_page(self, collected: list[str]) -> None:
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
                    "cells": [export.format_cell(row[c], fields[c]) or "unknown" for c in columns],
                    "stars": series.get(row["repo"], []),
                    "withheld": row["star_history"] in WITHHELD_HISTORIES,  # GitHub lists no stargazers to us
                }
                for row in repos.iter_rows(named=True)
            },
            "note": self.note,
            "default": self._compare_default(collected),
        }
        self._render(
            "compare.html",
            "compare.html",
            title="Compare repositories",
            downloads=["repos", "stars_daily"],
            meta=self._month_meta(self.table("repos")),
            columns=[{"label": column_label(c), "numeric": n} for c, n in zip(columns, numeric, strict=True)],
            repos=sorted(collected, key=str.casefold),
            data=data,
        )

    # -- the index: the headline view

    def _board(
        self,
        kind: str,
        current: pl.DataFrame,
        previous: pl.DataFrame | None,
        *,
        name: str,
        value: str,
        heading: str,
        caption: str,
        value_label: str,
        plural: str,
        count: int,
        since: str | None,
        decimals: int = 0,
        sort: str | None = None,
    ) -> dict[str, Any]:
        """A headline table: the top rows of ``current`` by ``value``, each with its change since
        ``previous`` (the rows of ``since``, which heads the change column: value and rank, "new"
        when absent there; "unknown" when there is no earlier data at all) and a bar. Its link to the whole ranking opens
        it sorted by the ranking's column ``sort`` when the board's order is not the page's."""
        fields = export.table_fields(current, kind) if kind in export.TABLES else {}
        top = current.filter(pl.col(value).is_not_null()).sort(value, descending=True).head(HEADLINE_ROWS)
        before: dict[Any, tuple[int, Any]] = {}
        if previous is not None:
            ordered = previous.filter(pl.col(value).is_not_null()).sort(value, descending=True)
            before = {n: (i + 1, v) for i, (n, v) in enumerate(ordered.select(name, value).iter_rows())}
        peak = top[value].max() if top.height else None
        rows = []
        for rank, row in enumerate(top.iter_rows(named=True), start=1):
            figure = row[value]
            old = before.get(row[name])
            change = figure - old[1] if old else None
            moved = old[0] - rank if old else None
            if previous is None:
                rank_text = "unknown"
            else:
                rank_text = "new" if old is None else ("±0" if moved == 0 else f"{moved:+d}")
            rows.append(
                {
                    "rank": rank,
                    "name": self._link(name, row[name], ""),
                    "value": export.format_cell(figure, fields.get(value)),
                    "delta": "unknown" if previous is None else _signed(change, decimals),
                    "delta_class": "up" if (change or 0) > 0 else ("down" if (change or 0) < 0 else ""),
                    "rank_delta": rank_text,
                    "rank_class": "up" if (moved or 0) > 0 else ("down" if (moved or 0) < 0 else ""),
                    "bar": round(100 * figure / peak) if peak else 0,
                }
            )
        return {
            "kind": kind,
            "heading": heading,
            "caption": caption,
            "name_label": column_label(name),
            "value_label": value_label,
            "since": since or "an earlier snapshot",  # heads the change column, titles the rank's
            "plural": plural,
            "href": f"rankings/{kind}.html" + (f"?sort={quote(sort)}" if sort else ""),
            "count": count,
            "rows": rows,
        }

    def _models_board(self) -> dict[str, Any]:
        """The Hub's 30-day downloads of the newest snapshot day, compared with the earliest
        snapshot of the 30 days before it (as ``model_growth``'s ``downloads_30d_change_30d``
        takes its baseline) and said so by date: a collection a day old compares with
        yesterday, not with "30 days" ago."""
        snapshots = self.table("model_downloads").select("model_id", "date", "downloads_30d")
        latest: dt.date | None = snapshots["date"].max() if snapshots.height else None  # type: ignore[assignment]
        since: dt.date | None = None
        if latest is not None:
            window = latest - dt.timedelta(days=max(growth.DOWNLOAD_WINDOWS))
            since = snapshots.filter(pl.col("date").is_between(window, latest, "left"))["date"].min()  # type: ignore[assignment]
        return self._board(
            "models", snapshots.filter(pl.col("date") == latest) if latest is not None else snapshots,
            snapshots.filter(pl.col("date") == since) if since is not None else None,
            name="model_id", value="downloads_30d",
            heading="Models", caption=f"Top models by the Hub's downloads in the 30 days to {latest}",
            value_label="downloads, last 30 days",
            plural="models", count=self.table("models").height, since=str(since) if since is not None else None,
            sort="downloads_30d",
        )  # fmt: skip

    def _index_page(self, rankings: list[str], repos: list[str], models: list[str], families: list[str]) -> None:
        month = self._one_month(self.table("repos")) or default_month(self.store, "repo")
        previous = _month_before(month) if month else None
        boards = []
        if month and "repos" in rankings:
            now = self.table("repos", month=month).filter(pl.col("openrank").is_not_null())
            then = self.table("repos", month=previous)
            boards.append(
                self._board(
                    "repos", now, then, name="repo", value="openrank", decimals=2,
                    heading="Repositories", caption=f"Top repositories by OpenRank in {month}",
                    value_label=f"OpenRank {month}",
                    plural="repositories", count=self.table("repos").height, since=previous, sort="openrank",
                )
            )  # fmt: skip
        if month and "developers" in rankings:
            boards.append(
                self._board(
                    "developers", self.table("developers", month=month), self.table("developers", month=previous),
                    name="developer", value="openrank", decimals=2,
                    heading="Developers", caption=f"Top developers by OpenRank in {month}",
                    value_label=f"OpenRank {month}",
                    plural="developers", count=self.table("developers").height, since=previous,
                )
            )  # fmt: skip
        if "model_growth" in rankings:
            boards.append(self._models_board())
        family_month = self._family_months()
        complete = family_month.filter(pl.col("month") <= (self.month or self.complete or "9999-12"))
        last: str | None = str(complete["month"].max()) if complete.height else None
        if last and "families" in rankings:
            boards.append(
                self._board(
                    "families", family_month.filter(pl.col("month") == last),
                    family_month.filter(pl.col("month") == _month_before(last)),
                    name="family", value="derivatives",
                    heading="Model families", caption=f"Families by derivatives created in {last}",
                    value_label=f"derivatives created in {last}",
                    plural="families", count=self.table("families").height, since=_month_before(last),
                )
            )  # fmt: skip
        rankings_list = []
        for kind in rankings:
            meta = self._month_meta(self.table(kind))
            rankings_list.append(
                {
                    "kind": kind,
                    "title": RANKINGS[kind],
                    "rows": self.table(kind).height,
                    "month": meta.removeprefix("Month covered: ")
                    or self._months_covered(self.table(kind))
                    or "latest snapshot",
                }
            )

        def links(folder: str, column: str, names: list[str]) -> list[dict[str, Any]]:
            return [self._link(column, n, "") for n in names]

        top = self._compare_default(repos)
        self._render(
            "index.html",
            "index.html",
            title="Open-source AI ecosystem metrics",
            downloads=rankings,
            meta=self._month_meta(self.table("repos")),
            month=month,
            previous=previous,
            warm_up=bool(month and self.settled and month < self.settled),
            boards=boards,
            rankings_list=rankings_list,
            compare={
                "href": "compare.html?" + "&".join(f"repo={quote(n, safe='/')}" for n in top),
                "text": ", ".join(top),
            },
            link_groups=[
                {"folder": "repos", "heading": "Repositories", "links": links("repos", "repo", repos)},
                {"folder": "families", "heading": "Model families", "links": links("families", "family", families)},
                {
                    "folder": "models",
                    "heading": "Models with the most derivatives",
                    "links": links("models", "model_id", models),
                },
            ],
        )


def _month_before(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year - 1:04d}-12" if number == 1 else f"{year:04d}-{number - 1:02d}"
