"""Ranking tables written as CSV, Parquet, JSON or Markdown, one schema per table.

:data:`TABLES` maps each export KIND to the function that builds its polars frame from
the store and :data:`SCHEMAS` to its columns; both are declared once, by
:func:`register`, next to the builder. :func:`build_table` casts every table to its
schema and :func:`write_table` writes every format from it:

- **timestamps** are UTC: timezone-aware ``timestamp[us, tz=UTC]`` in Parquet, ISO-8601
  text to the second ending in ``Z`` (``2025-01-31T12:00:00Z``) in CSV, JSON and Markdown;
- **dates** are ``date32`` in Parquet and ``YYYY-MM-DD`` in text; **months** ``YYYY-MM`` text;
- **integers** are int64 in Parquet and plain integers in text;
- **floats** are rounded to the field's stated decimals (:data:`SCORE`: 3) in every format;
- **booleans** are ``true``/``false`` in every text format;
- **ids** (:data:`ID`, :data:`NAME`) are never formatted: no thousands separators in
  Markdown, never cut in a terminal table.

JSON is a list of row objects; Markdown is a table ready to paste into a report, its
other numbers with thousands separators. The format is named by ``--format`` or by the
file's extension (:func:`output_format`); an extension that is no format is refused.
"""

from __future__ import annotations

import inspect
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from analysis import frames
from core.errors import InputError, WriteFailed

FORMATS = ("csv", "parquet", "json", "md")
TEXT_TIMESTAMP = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True)
class Field:
    """The type of an export column: its polars dtype, decimals for floats, whether it is an id."""

    dtype: Any
    decimals: int | None = None
    identifier: bool = False


ID = Field(pl.Int64, identifier=True)  # GitHub's numeric ids
NAME = Field(pl.String, identifier=True)  # OWNER/NAME, a Hub model id, a login, a family: the row's key
COUNT = Field(pl.Int64)
TEXT = Field(pl.String)
FLAG = Field(pl.Boolean)
TIMESTAMP = Field(pl.Datetime("us", "UTC"))
DATE = Field(pl.Date)
MONTH = Field(pl.String)  # YYYY-MM
SCORE = Field(pl.Float64, decimals=3)  # OpenRank, activity, influence
RATIO = Field(pl.Float64, decimals=4)

Schema = Mapping[str, Field]

# KIND -> builder(store, *, month=None, **options) -> DataFrame, best first; KIND -> its columns.
# Each analysis module registers its tables here.
TABLES: dict[str, Callable[..., pl.DataFrame]] = {}
SCHEMAS: dict[str, Schema] = {}
BUILDER_MODULES = (
    "analysis.rankings",
    "analysis.global_openrank",
    "analysis.lineage",
    "analysis.families",
    "analysis.growth",
    "analysis.crawl",
    "analysis.views",
    "analysis.labels",
    "analysis.community",
)
GRAPH_KIND = "lineage"  # written by analysis.lineage.write_lineage, not a table


def register(kind: str, schema: Schema) -> Callable[[Callable[..., pl.DataFrame]], Callable[..., pl.DataFrame]]:
    """Decorator that makes a table builder available as ``ecometrics export KIND`` with its columns."""

    def decorate(builder: Callable[..., pl.DataFrame]) -> Callable[..., pl.DataFrame]:
        TABLES[kind] = builder
        SCHEMAS[kind] = dict(schema)
        return builder

    return decorate


def load_builders() -> None:
    """Import the modules that register tables (kept lazy so the CLI starts fast)."""
    import importlib

    for module in BUILDER_MODULES:
        importlib.import_module(module)


def export_kinds() -> list[str]:
    """Every KIND ``ecometrics export`` accepts: the registered tables and the lineage graph."""
    load_builders()
    return sorted([*TABLES, GRAPH_KIND])


def conform(frame: pl.DataFrame, schema: Schema, kind: str = "table") -> pl.DataFrame:
    """``frame`` cast to ``schema``: its columns in the schema's order, each of the field's type.

    A schema key ending in ``*`` stands for each of the frame's columns that start with
    what comes before it, in the frame's order (``openrank_*``: one column a month).
    """
    schema = {
        column: field
        for name, field in schema.items()
        for column in ([c for c in frame.columns if c.startswith(name[:-1])] if name.endswith("*") else [name])
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


def build_table(store: Any, kind: str, *, top: int | None = None, **options: Any) -> pl.DataFrame:
    """The table ``kind`` built from the store and cast to its schema (the first ``top`` rows)."""
    load_builders()
    if kind not in TABLES:
        raise InputError(f"export kind {kind!r} is unknown; choose one of {', '.join(export_kinds())}")
    builder = TABLES[kind]
    if options.get("month") is not None:
        from core.dates import check_month

        check_month(options["month"], "--month")
        if "month" not in inspect.signature(builder).parameters:
            monthly = sorted(k for k, b in TABLES.items() if "month" in inspect.signature(b).parameters)
            raise InputError(f"export {kind} has no --month; monthly tables are {', '.join(monthly)}")
    for bound, flag in (("from_month", "--from"), ("to_month", "--to")):
        if options.get(bound) is not None and bound not in inspect.signature(builder).parameters:
            ranged = sorted(k for k, b in TABLES.items() if bound in inspect.signature(b).parameters)
            raise InputError(f"export {kind} has no {flag}; tables over a range of months are {', '.join(ranged)}")
    if top is not None and top < 1:
        raise InputError(f"--top {top}: pass a number of rows, 1 or more")
    frame = conform(builder(store, **options), SCHEMAS[kind], kind)
    return frame.head(top) if top else frame


def data_note(store: Any) -> str | None:
    """The line every export of a demo database carries: its data is synthetic."""
    synthetic = frames.synthetic(store)
    return f"Synthetic data ({synthetic}), not real GitHub or Hugging Face figures" if synthetic else None


def output_format(
    out: str | Path | None, fmt: str | None, formats: tuple[str, ...] = FORMATS, default: str = "csv"
) -> str:
    """The format to write: ``fmt`` when given, else the extension of ``out``, else ``default``.

    An extension that is not one of ``formats``, or that disagrees with ``fmt``, is refused
    (``--out r.xlsx`` would otherwise be CSV under another name).
    """
    suffix = Path(out).suffix.lower().lstrip(".") if out not in (None, "-") else ""
    choices = ", ".join(f".{f}" for f in formats)
    if fmt is not None and fmt not in formats:
        raise InputError(f"export format {fmt!r} is unknown; choose one of {', '.join(formats)}")
    if suffix and suffix not in formats:
        raise InputError(f"--out {out}: .{suffix} is not an export format; name the file {choices}")
    if fmt and suffix and suffix != fmt:
        raise InputError(f"--out {out} ends in .{suffix} but --format is {fmt}; make them agree")
    return fmt or suffix or default


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
    without it, the registered schema with the frame's columns.
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
    """The schema of ``kind``, else of the registered table with exactly ``frame``'s columns."""
    if kind in SCHEMAS:
        return SCHEMAS[kind]
    return next((schema for schema in SCHEMAS.values() if list(schema) == frame.columns), None)


@contextmanager
def output_file(path: str | Path) -> Iterator[Path]:
    """An export's destination, written atomically; yields the temporary file to write.

    Its folder must exist (a typo creates no tree). The block writes a temporary file in
    the same folder (same suffix, so writers that choose compression by it still do),
    which is flushed to disk and renamed over ``path`` only when complete: a reader sees
    the old file or the new one, never a part. If writing fails (disk full, read-only
    folder) the old file is kept and :class:`WriteFailed` names the path and the OS error.
    A symbolic link is followed (the file it names is replaced, the link stays); a device
    or a named pipe is written in place, since renaming over it would replace it.
    """
    path = Path(path)
    target = path.resolve() if path.is_symlink() else path  # a link goes on naming the file it names
    if not target.parent.is_dir():
        raise InputError(f"{path}: folder {target.parent} does not exist; create it or choose another --out")
    if target.is_dir():
        raise InputError(f"{path}: cannot write a table over a folder; pass a file name such as {path / 'table.csv'}")
    temporary = None
    try:
        if target.exists() and not target.is_file():  # a device or a pipe (/dev/stdout, a FIFO): written as it is
            yield target
            return
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f".tmp{target.suffix}", dir=target.parent)
        os.close(handle)
        temporary = Path(name)
        os.chmod(temporary, _mode_for(target))
        yield temporary
        with temporary.open("rb+") as written:
            os.fsync(written.fileno())
        os.replace(temporary, target)
        _fsync_folder(target.parent)
    except (OSError, pl.exceptions.PolarsError) as exc:  # polars reports IO errors as ComputeError
        if isinstance(exc, pl.exceptions.PolarsError) and "error" not in str(exc).lower():
            raise
        reason = getattr(exc, "strerror", None) or str(exc).splitlines()[0]
        kept = "the previous file is kept" if path.exists() else "nothing was written"
        raise WriteFailed(f"{path}: cannot write ({reason}); {kept}; free disk space or choose another --out") from exc
    finally:
        if temporary is not None:
            temporary.unlink(missing_ok=True)  # gone already once renamed


def _mode_for(path: Path) -> int:
    """The permissions an export gets: those of the file it replaces, else 0666 less the umask."""
    if path.exists():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX: fsync the directory)."""
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def parquet_metadata(note: str | None) -> dict[str, str]:
    """Schema metadata carrying ``note``: pyarrow's ``schema.metadata`` and pandas' ``attrs`` read it."""
    return {"note": note, "PANDAS_ATTRS": json.dumps({"note": note})} if note else {}


def _write(
    frame: pl.DataFrame, fmt: str, path: Path, *, schema: Schema | None, title: str | None, note: str | None
) -> None:
    if fmt == "csv":
        text_frame(frame).write_csv(path)
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
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def is_numeric(field: Field) -> bool:
    """Right-aligned in tables: counts and measures, not ids."""
    return field.dtype.is_numeric() and not field.identifier


def table_fields(frame: pl.DataFrame, kind: str | None = None) -> dict[str, Field]:
    """The fields of ``frame``'s columns, from the schema of ``kind`` (for terminal tables)."""
    return _fields(frame, SCHEMAS.get(kind or ""))


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
        return str(value)
    if isinstance(value, float):
        decimals = field.decimals if field is not None and field.decimals is not None else 2
        return f"{value:,.{decimals}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value).replace("\n", " ")
