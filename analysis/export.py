"""Ranking tables written as CSV, Parquet, JSON or Markdown.

:data:`TABLES` maps each export KIND to the function that builds its polars frame from
the store; :func:`write_table` owns the file formats. JSON is a list of row objects;
Markdown is a table ready to paste into a report.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl

from analysis import frames
from collector.errors import InputError

FORMATS = ("csv", "parquet", "json", "md")

# KIND -> builder(store, *, month=None, **options) -> DataFrame, best first.
# Each analysis module registers its tables here.
TABLES: dict[str, Callable[..., pl.DataFrame]] = {}


def register(kind: str) -> Callable[[Callable[..., pl.DataFrame]], Callable[..., pl.DataFrame]]:
    """Decorator that makes a table builder available as ``ecometrics export KIND``."""

    def decorate(builder: Callable[..., pl.DataFrame]) -> Callable[..., pl.DataFrame]:
        TABLES[kind] = builder
        return builder

    return decorate


def load_builders() -> None:
    """Import the modules that register tables (kept lazy so the CLI starts fast)."""
    import importlib

    for module in ("analysis.rankings", "analysis.openrank", "analysis.lineage", "analysis.families", "analysis.growth", "analysis.crawl"):
        importlib.import_module(module)


def build_table(store: Any, kind: str, *, top: int | None = None, **options: Any) -> pl.DataFrame:
    load_builders()
    if kind not in TABLES:
        raise InputError(f"export kind {kind!r} is unknown; choose one of {', '.join(sorted(TABLES))}")
    builder = TABLES[kind]
    if options.get("month") is not None:
        from analysis.activity import check_month

        check_month(options["month"], "--month")
        if "month" not in inspect.signature(builder).parameters:
            monthly = sorted(k for k, b in TABLES.items() if "month" in inspect.signature(b).parameters)
            raise InputError(f"export {kind} has no --month; monthly tables are {', '.join(monthly)}")
    if top is not None and top < 1:
        raise InputError(f"--top {top}: pass a number of rows, 1 or more")
    frame = builder(store, **options)
    return frame.head(top) if top else frame


def data_note(store: Any) -> str | None:
    """The line every export of a demo database carries: its data is synthetic."""
    synthetic = frames.synthetic(store)
    return f"Synthetic data ({synthetic}), not real GitHub or Hugging Face figures" if synthetic else None


def write_table(
    frame: pl.DataFrame, fmt: str, path: str | Path, *, title: str | None = None, note: str | None = None
) -> Path:
    """Write ``frame`` to ``path`` in ``fmt``; returns the path written.

    ``note`` (e.g. that the data is synthetic) goes under a Markdown table's title and
    into a Parquet file's metadata; CSV and JSON carry the rows only.
    """
    if fmt not in FORMATS:
        raise InputError(f"export format {fmt!r} is unknown; choose one of {', '.join(FORMATS)}")
    with output_file(path) as path:
        _write(frame, fmt, path, title=title, note=note)
    return path


@contextmanager
def output_file(path: str | Path) -> Iterator[Path]:
    """An export's destination: its folder must exist (a typo creates no tree), write errors name it."""
    path = Path(path)
    if not path.parent.is_dir():
        raise InputError(f"{path}: folder {path.parent} does not exist; create it or choose another --out")
    try:
        yield path
    except OSError as exc:
        raise InputError(f"{path}: cannot write ({exc.strerror}); choose another --out") from exc


def _write(frame: pl.DataFrame, fmt: str, path: Path, *, title: str | None, note: str | None) -> None:
    if fmt == "csv":
        frame.write_csv(path)
    elif fmt == "parquet":
        frame.write_parquet(path, metadata={"note": note} if note else None)
    elif fmt == "json":
        path.write_text(json.dumps(frame.to_dicts(), indent=1, default=str) + "\n", encoding="utf-8")
    else:
        path.write_text(to_markdown(frame, title=title, note=note), encoding="utf-8")


def to_markdown(frame: pl.DataFrame, *, title: str | None = None, note: str | None = None) -> str:
    """A GitHub-flavoured Markdown table (numbers right-aligned, floats to 2 decimals)."""
    numeric = [dtype.is_numeric() for dtype in frame.dtypes]
    lines = [f"## {title}\n"] if title else []
    if note:
        lines.append(f"_{note}_\n")
    lines.append("| " + " | ".join(frame.columns) + " |")
    lines.append("|" + "|".join("---:" if n else "---" for n in numeric) + "|")
    for row in frame.iter_rows():
        lines.append("| " + " | ".join(format_cell(value).replace("|", "\\|") for value in row) + " |")
    return "\n".join(lines) + "\n"


def format_cell(value: Any) -> str:
    """A table cell for people: thousands separators, floats to 2 decimals, one line."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value).replace("\n", " ")
