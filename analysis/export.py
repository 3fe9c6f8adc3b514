"""Ranking tables written as CSV, Parquet, JSON or Markdown, one schema per table.

:data:`TABLES` is the one list of export tables: each KIND with the function that builds
its polars frame from the store and the schema of its columns (the schema stands beside
its builder in the builder's module, in the field types of :mod:`ecometrics.analysis.fields`).
``ecometrics export``, its ``--help`` and errors, the nightly export and the report all
read it. :func:`build_table` casts every table to its schema and :func:`write_table`
writes every format from it:

- **timestamps** are UTC: timezone-aware ``timestamp[us, tz=UTC]`` in Parquet, ISO-8601
  text to the second ending in ``Z`` (``2025-01-31T12:00:00Z``) in CSV, JSON and Markdown;
- **dates** are ``date32`` in Parquet and ``YYYY-MM-DD`` in text; **months** ``YYYY-MM`` text;
- **integers** are int64 in Parquet and plain integers in text;
- **floats** are rounded to the field's stated decimals (:data:`ecometrics.analysis.fields.SCORE`: 3) in every format;
- **booleans** are ``true``/``false`` in every text format;
- **ids** (:data:`ecometrics.analysis.fields.ID`, :data:`ecometrics.analysis.fields.NAME`) are never formatted: no thousands separators in
  Markdown, never cut in a terminal table.

JSON is a list of row objects; Markdown is a table ready to paste into a report, its
other numbers with thousands separators. The format is named by ``--format`` or by the
file's extension (:func:`ecometrics.analysis.output.output_format`); an extension that is no format
is refused. Files are written atomically (:func:`ecometrics.analysis.output.output_file`).
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from ecometrics.analysis import (
    adoption,
    community,
    countries,
    coverage,
    crawl,
    fake_stars,
    families,
    frames,
    global_openrank,
    growth,
    hubs,
    labels,
    lineage,
    opendigger,
    rankings,
    views,
)
from ecometrics.analysis.fields import SCORE, TIMESTAMP, Field, Schema
from ecometrics.analysis.output import FORMATS, csv_safe, markdown_cell, one_line, output_file
from ecometrics.core.dates import check_month
from ecometrics.core.errors import InputError

TEXT_TIMESTAMP = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True)
class Table:
    """An export table: ``build(store, *, month=None, **options)`` -> its rows, best first; ``schema``: its columns;
    ``filled_by``: the command that fills it, named when the table is empty."""

    build: Callable[..., pl.DataFrame]
    schema: Schema
    filled_by: str = "ecometrics run"  # the command whose run fills the table: an empty export names it
    nightly: bool = True  # written by every nightly export; False: the table needs options a person chooses


OPENRANK = "ecometrics analyze openrank"
LINEAGE = "ecometrics analyze lineage"


# Every export table, KIND -> builder and schema; a new table is one line here.
TABLES: dict[str, Table] = {
    "adoption": Table(adoption.adoption_table, adoption.ADOPTION_COLUMNS),
    "community": Table(community.community_table, community.COLUMNS, "ecometrics analyze community-openrank"),
    "completeness": Table(crawl.crawl_completeness, crawl.COLUMNS, "ecometrics collect hf"),
    "countries": Table(countries.countries_table, countries.COLUMNS),
    "coverage": Table(coverage.coverage_table, coverage.COLUMNS, "ecometrics import gharchive FILE..."),
    "contributor_growth": Table(views.contributor_growth, views.CONTRIBUTOR_GROWTH_COLUMNS),
    "developer_openrank": Table(
        global_openrank.developer_openrank_table, global_openrank.DEVELOPER_OPENRANK_COLUMNS, OPENRANK
    ),
    "developers": Table(global_openrank.developers_table, global_openrank.DEVELOPER_COLUMNS, OPENRANK),
    "families": Table(families.family_table, families.FAMILY_COLUMNS, LINEAGE),
    "family_adoption": Table(adoption.family_adoption, adoption.FAMILY_ADOPTION_COLUMNS),
    "family_downloads": Table(views.family_downloads, views.FAMILY_DOWNLOAD_COLUMNS),
    "family_months": Table(families.family_months, families.FAMILY_MONTH_COLUMNS, LINEAGE),
    "growth": Table(growth.growth_table, growth.GROWTH_COLUMNS),
    "labels": Table(labels.labels_table, labels.COLUMNS, "ecometrics import labels DIR"),
    "lab_months": Table(hubs.lab_months, hubs.LAB_MONTH_COLUMNS),
    "labs": Table(views.lab_table, views.LAB_COLUMNS),
    "model_downloads": Table(views.model_downloads, views.MODEL_DOWNLOAD_COLUMNS),
    "model_growth": Table(growth.model_growth_table, growth.MODEL_GROWTH_COLUMNS),
    "models": Table(lineage.model_table, lineage.MODEL_COLUMNS, LINEAGE),
    "opendigger_window": Table(
        opendigger.window_table, opendigger.WINDOW_COLUMNS, "ecometrics import gharchive FILE...", nightly=False
    ),
    "orgs": Table(views.org_table, views.ORG_COLUMNS),
    "origin_adoption": Table(adoption.origin_adoption, adoption.ORIGIN_ADOPTION_COLUMNS),
    "origins": Table(families.origin_table, families.ORIGIN_COLUMNS, LINEAGE),
    "repo_openrank": Table(global_openrank.repo_openrank_table, global_openrank.REPO_OPENRANK_COLUMNS, OPENRANK),
    "repos": Table(rankings.repos_table, rankings.COLUMNS),
    "star_campaigns": Table(fake_stars.campaign_table, fake_stars.CAMPAIGN_COLUMNS),
    "star_trust": Table(fake_stars.star_trust_table, fake_stars.STAR_TRUST_COLUMNS),
    "stars_daily": Table(views.stars_daily, views.STARS_DAILY_COLUMNS),
}
# the lineage graph below a model, written by ecometrics.analysis.lineage.write_lineage: not a table
GRAPH_KIND = "lineage"
# OpenDigger's metric files, written by ecometrics.analysis.opendigger_files: not a table
OPENDIGGER_KIND = "opendigger"


def export_kinds() -> list[str]:
    """Every KIND ``ecometrics export`` accepts: the tables and the lineage graph."""
    return sorted([*TABLES, GRAPH_KIND, OPENDIGGER_KIND])


def conform(frame: pl.DataFrame, schema: Schema, kind: str = "table") -> pl.DataFrame:
    """``frame`` cast to ``schema``: its columns in the schema's order, each of the field's type.

    A schema key ending in ``*`` stands for each of the frame's columns that start with
    what comes before it and that the schema does not name itself, in the frame's order
    (``openrank_*``: one column a month, beside ``openrank_warm_up``).
    """
    schema = {
        column: field
        for name, field in schema.items()
        for column in (
            [c for c in frame.columns if c.startswith(name[:-1]) and c not in schema] if name.endswith("*") else [name]
        )
    }
    if set(frame.columns) != set(schema):
        extra, missing = sorted(set(frame.columns) - set(schema)), sorted(set(schema) - set(frame.columns))
        raise ValueError(f"export {kind}: columns {extra} are not in its schema, {missing} are missing")
    return frame.select(_cast(name, frame.schema[name], field) for name, field in schema.items())


def _cast(name: str, dtype: Any, field: Field) -> pl.Expr:
    column = pl.col(name)
    if field.dtype == TIMESTAMP.dtype:
        if dtype == pl.String:
            column = frames.parse_datetime(column)
        elif isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
            return column.dt.convert_time_zone("UTC").dt.cast_time_unit("us")
        return column.dt.cast_time_unit("us").dt.replace_time_zone("UTC")
    if field.dtype == pl.Date and dtype == pl.String:
        return column.str.slice(0, 10).str.to_date("%Y-%m-%d")
    column = column.cast(field.dtype)
    return column.round(field.decimals) if field.decimals is not None else column


def _fields(frame: pl.DataFrame, schema: Schema | None) -> dict[str, Field]:
    """The fields of ``frame``'s columns: from ``schema``, else from the dtypes (integers as counts)."""
    fields = {}
    for name, dtype in frame.schema.items():
        if schema and name in schema:
            fields[name] = schema[name]
        elif dtype.is_float():
            fields[name] = SCORE
        else:
            fields[name] = Field(dtype)
    return fields


def text_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with times as ISO-8601 text (UTC timestamps ending in ``Z``) and NaN as null."""
    changes = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Datetime):
            column = pl.col(name)
            if dtype.time_zone is not None:
                column = column.dt.convert_time_zone("UTC")
            changes.append(column.dt.strftime(TEXT_TIMESTAMP).alias(name))
        elif dtype == pl.Date:
            changes.append(pl.col(name).dt.strftime("%Y-%m-%d").alias(name))
        elif dtype.is_float():
            changes.append(pl.col(name).fill_nan(None))
    return frame.with_columns(changes) if changes else frame


def check_kind(kind: str) -> None:
    """Refuse a KIND that is no export table, naming the choices."""
    if kind not in TABLES:
        raise InputError(f"export kind {kind!r} is unknown; choose one of {', '.join(export_kinds())}")


def build_table(store: Any, kind: str, *, top: int | None = None, **options: Any) -> pl.DataFrame:
    """The table ``kind`` built from the store and cast to its schema (the first ``top`` rows)."""
    check_options(kind, top=top, **options)
    growth.check_month_with_data(store, options.get("month"))
    frame = conform(TABLES[kind].build(store, **options), TABLES[kind].schema, kind)
    return frame.head(top) if top else frame


def standing_kinds() -> list[str]:
    """The tables built without options a person chooses (:attr:`Table.nightly`), which the nightly
    export and the report's downloads write: every table but a window's (``opendigger_window``)."""
    return sorted(kind for kind, table in TABLES.items() if table.nightly)


def check_options(kind: str, *, top: int | None = None, **options: Any) -> None:
    """Refuse a KIND that is no table, or an option its table does not take, before anything is read."""
    check_kind(kind)
    if options.get("month") is not None:
        check_month(options["month"], "--month")
        if not takes(kind, "month"):
            monthly = sorted(k for k in TABLES if takes(k, "month"))
            raise InputError(f"export {kind} has no --month; monthly tables are {', '.join(monthly)}")
    if options.get("exclude_suspected") and not takes(kind, "exclude_suspected"):
        cleaned = sorted(k for k in TABLES if takes(k, "exclude_suspected"))
        raise InputError(f"export {kind} has no --exclude-suspected; tables with it are {', '.join(cleaned)}")
    for bound, flag in (("from_month", "--from"), ("to_month", "--to")):
        if options.get(bound) is not None and not takes(kind, bound):
            ranged = sorted(k for k in TABLES if takes(k, bound))
            raise InputError(f"export {kind} has no {flag}; tables over a range of months are {', '.join(ranged)}")
    if options.get("repo") is not None and not takes(kind, "repo"):
        of_one = sorted(k for k in TABLES if takes(k, "repo"))
        raise InputError(f"export {kind} has no --repo; tables of one repository are {', '.join(of_one)}, opendigger")
    for option, flag in (("days_after_creation", "--days-after-creation"), ("since", "--since"), ("until", "--until")):
        if options.get(option) is not None and not takes(kind, option):
            raise InputError(f"export {kind} has no {flag}; it is an option of export opendigger_window")
    if top is not None and top < 1:
        raise InputError(f"--top {top}: pass a number of rows, 1 or more")


def takes(kind: str, option: str) -> bool:
    """Whether the builder of table ``kind`` has the keyword ``option`` (``month``, ``from_month``, ...)."""
    return option in inspect.signature(TABLES[kind].build).parameters


def write_table(
    frame: pl.DataFrame,
    fmt: str,
    path: str | Path,
    *,
    kind: str | None = None,
    title: str | None = None,
    note: str | None = None,
) -> Path:
    """Write ``frame`` (a :func:`build_table` result) to ``path`` in ``fmt``; returns the path written.

    ``kind`` names the schema whose fields format the cells (ids are never formatted);
    without it, the schema of the listed table with the frame's columns.
    ``note`` (e.g. that the data is synthetic) goes under a Markdown table's title and into
    a Parquet file's schema metadata (key ``note``, and ``DataFrame.attrs["note"]`` in
    pandas); CSV and JSON carry the rows only.
    """
    if fmt not in FORMATS:
        raise InputError(f"export format {fmt!r} is unknown; choose one of {', '.join(FORMATS)}")
    with output_file(path) as temporary:
        _write(frame, fmt, temporary, schema=schema_of(frame, kind), title=title, note=note)
    return Path(path)


def schema_of(frame: pl.DataFrame, kind: str | None = None) -> Schema | None:
    """The schema of ``kind``, else of the listed table with exactly ``frame``'s columns."""
    if kind in TABLES:
        return TABLES[kind].schema
    return next((table.schema for table in TABLES.values() if list(table.schema) == frame.columns), None)


def parquet_metadata(note: str | None) -> dict[str, str]:
    """Schema metadata carrying ``note``: pyarrow's ``schema.metadata`` and pandas' ``attrs`` read it."""
    return {"note": note, "PANDAS_ATTRS": json.dumps({"note": note})} if note else {}


def _write(
    frame: pl.DataFrame, fmt: str, path: Path, *, schema: Schema | None, title: str | None, note: str | None
) -> None:
    if fmt == "csv":
        text_frame(csv_safe(frame)).write_csv(path)
    elif fmt == "parquet":
        # Through pyarrow: polars' own writer keeps the note out of the Arrow schema readers see.
        import pyarrow.parquet as pq

        table = frame.to_arrow()
        pq.write_table(table.replace_schema_metadata({**(table.schema.metadata or {}), **parquet_metadata(note)}), path)
    elif fmt == "json":
        path.write_text(json.dumps(text_frame(frame).to_dicts(), indent=1) + "\n", encoding="utf-8")
    else:
        path.write_text(to_markdown(frame, schema=schema, title=title, note=note), encoding="utf-8")


def to_markdown(
    frame: pl.DataFrame, *, schema: Schema | None = None, title: str | None = None, note: str | None = None
) -> str:
    """A GitHub-flavoured Markdown table (numbers right-aligned, cells as :func:`format_cell` writes them)."""
    fields = _fields(frame, schema)
    lines = [f"## {title}\n"] if title else []
    if note:
        lines.append(f"_{note}_\n")
    lines.append("| " + " | ".join(frame.columns) + " |")
    lines.append("|" + "|".join("---:" if is_numeric(fields[c]) else "---" for c in frame.columns) + "|")
    for row in frame.iter_rows():
        cells = (format_cell(value, fields[column]) for column, value in zip(frame.columns, row, strict=True))
        lines.append("| " + " | ".join(markdown_cell(cell) for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def is_numeric(field: Field) -> bool:
    """Right-aligned in tables: counts and measures, not ids."""
    return field.dtype.is_numeric() and not field.identifier


def table_fields(frame: pl.DataFrame, kind: str | None = None) -> dict[str, Field]:
    """The fields of ``frame``'s columns, from the schema of ``kind`` (for terminal tables)."""
    return _fields(frame, TABLES[kind].schema if kind in TABLES else None)


def format_cell(value: Any, field: Field | None = None) -> str:
    """A table cell for people: ids as they are, thousands separators, the field's decimals, one line."""
    import datetime as dt

    if value is None or (isinstance(value, float) and value != value):  # NaN: unknown, like null
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.strftime(TEXT_TIMESTAMP)
    if field is not None and field.identifier:
        return one_line(str(value))
    if isinstance(value, float):
        decimals = field.decimals if field is not None and field.decimals is not None else 2
        return f"{value:,.{decimals}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return one_line(str(value))
