"""The public ``cfahlgren1/hub-stats`` dataset's daily ``models.parquet`` -> ``model_snapshots`` from before the first run.

The dataset (https://huggingface.co/datasets/cfahlgren1/hub-stats, Apache-2.0) publishes a
fresh ``models.parquet`` every day: one row per Hub model as the Hub's model listing
returns it, under the API's own field names (the dataset's history holds one file a day;
its Parquet conversion is ``refs/convert/parquet`` ``models/train/0000.parquet``). The
columns read here, with the types the file stores them as:

==================  ======================  ======================================
column              Parquet type            stored as
==================  ======================  ======================================
``id``              string                  ``model_id`` (``author/name``)
``downloads``       int64                   ``downloads_30d`` (the last 30 days)
``downloadsAllTime``int64                   ``downloads_all_time``
``likes``           int64 (optional)        ``likes``
``trendingScore``   int64 or double (opt.)  ``trending_score``
==================  ======================  ======================================

The names are the Hub API's ``expand[]`` fields (huggingface_hub ``hf_api.py``
``ExpandModelProperty_T``); the dataset's own dashboard (cfahlgren1/hub-stats-evidence,
``pages/index.md``) queries ``createdAt`` from the same file, and analyses of the file
document ``downloads`` (last ~30 days), ``downloadsAllTime``, ``safetensors`` (struct with
``total``) and ``baseModels``. Other columns are not read.

A file holds one day and does not name it: the day is ``--date`` (one file) or the first
``YYYY-MM-DD`` in the file's name (e.g. ``models-2024-09-01.parquet``). Each row is checked
against :func:`snapshot_row` (a Hub repo id; counts whole and not negative, or null); a
row that fails is skipped and counted with its file and row number, never stored. A file
whose columns are missing or of another type is refused whole, before anything of it is
written. Only models already stored are imported (the tracked ecosystem, not the Hub's
two million), and only for days the store does not hold: a day collected from the API
(or imported before) keeps its row. Imported rows are marked ``source = 'hub-stats'``.
The file is read in record batches of :data:`BATCH_ROWS`, so memory stays bounded
whatever its size. All the files are written in one transaction, each decoded once as it is
written: a page that does not decode refuses its file in one line and rolls back the files
before it, so an import stores all its files or none.
"""

from __future__ import annotations

import math
import os
import re
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from huggingface_hub.utils import HFValidationError, validate_repo_id

from ecometrics.collector.store import Store
from ecometrics.core.errors import InputError
from ecometrics.core.outcome import Completed

SOURCE = "hub-stats"
BATCH_ROWS = 65_536
MAX_REPORTED = 20  # bad rows named in the summary; all are counted
DATE_IN_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
REQUIRED = ("id", "downloads", "downloadsAllTime")
OPTIONAL = ("likes", "trendingScore")


@dataclass
class HubStatsImport(Completed):
    """What ``import hub-stats`` did: files and rows read, snapshots added, rows passed over."""

    files: int = 0
    rows: int = 0
    imported: int = 0
    not_stored: int = 0  # rows of models the store does not hold
    held: int = 0  # rows of days the store already holds
    bad: list[str] = field(default_factory=list)  # "FILE: row N: reason", the first MAX_REPORTED
    bad_count: int = 0

    @property
    def rows_written(self) -> int:
        return self.imported

    def summary(self) -> str:
        parts = [
            f"hub-stats: {self.files} file(s), {self.rows:,} rows, {self.imported:,} snapshots imported",
            f"{self.held:,} of days already held",
            f"{self.not_stored:,} of models not stored",
        ]
        if self.bad_count:
            parts.append(f"{self.bad_count:,} bad row(s) skipped: {'; '.join(self.bad[:5])}")
        return ", ".join(parts)


def snapshot_day(path: Path, date: str | None) -> str:
    """The day a file's snapshot is of: ``date`` if given, else the first YYYY-MM-DD in its name."""
    import datetime as dt

    text = date or next((m.group(0) for m in DATE_IN_NAME.finditer(path.name)), None)
    if text is None:
        raise InputError(
            f"{path}: no date in the file name; name it like models-2024-09-01.parquet or pass --date YYYY-MM-DD"
        )
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise InputError(f"{path}: {text!r} is not a date; give the snapshot's day as YYYY-MM-DD") from None


def snapshot_row(record: Mapping[str, Any], day: str) -> tuple[Any, ...] | str:
    """The ``model_snapshots`` tuple (:data:`ecometrics.collector.store.MODEL_SNAPSHOT_COLUMNS`) of one
    record, or why it is refused: the one schema every row is checked against."""
    model_id = record.get("id")
    if not isinstance(model_id, str) or "/" not in model_id:
        return f"id {model_id!r} is not author/name"
    try:
        validate_repo_id(model_id)
    except HFValidationError:
        return f"id {model_id!r} is not a Hugging Face repo id"
    counts = {}
    for name in ("downloads", "downloadsAllTime", "likes"):
        value = record.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            return f"{name} {value!r} is not a whole count"
        counts[name] = value
    trending = record.get("trendingScore")
    if trending is not None and (
        isinstance(trending, bool) or not isinstance(trending, int | float) or not math.isfinite(trending)
    ):
        return f"trendingScore {trending!r} is not a number"
    if counts["downloads"] is None and counts["downloadsAllTime"] is None:
        return "no downloads figure"
    return (model_id, day, counts["downloads"], counts["downloadsAllTime"], counts["likes"], trending)


def _columns(path: Path, schema: Any) -> list[str]:
    """The columns to read, after checking the file's schema; a wrong file is refused whole."""
    import pyarrow as pa

    names = set(schema.names)
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise InputError(
            f"{path}: no column {', '.join(missing)}; expected hub-stats' models.parquet "
            "(columns id, downloads, downloadsAllTime, ...)"
        )
    kinds = {
        "id": (pa.types.is_string, pa.types.is_large_string),
        "downloads": (pa.types.is_integer,),
        "downloadsAllTime": (pa.types.is_integer,),
        "likes": (pa.types.is_integer,),
        "trendingScore": (pa.types.is_integer, pa.types.is_floating),
    }
    columns = [name for name in (*REQUIRED, *OPTIONAL) if name in names]
    for name in columns:
        kind = schema.field(name).type
        if not any(check(kind) for check in kinds[name]):
            raise InputError(
                f"{path}: column {name} is {kind}, not the dataset's type; is it hub-stats' models.parquet?"
            )
    return columns


def import_hub_stats(
    store: Store, paths: Sequence[str | os.PathLike[str]], *, date: str | None = None
) -> HubStatsImport:
    """Import hub-stats ``models.parquet`` files into ``model_snapshots`` (see the module docstring)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if date is not None and len(paths) > 1:
        raise InputError("--date names the day of one file; import several files by their dated names instead")
    stored = {row["id"] for row in store.query("SELECT id FROM models WHERE platform = 'huggingface'")}
    result = HubStatsImport()
    opened = []
    for raw in paths:  # every file's name and columns checked before any is read
        path = Path(raw)
        if not path.exists():  # said first: a mistyped path, whatever its name says
            raise InputError(f"{path}: no such file; check the path to hub-stats' models.parquet")
        day = snapshot_day(path, date)
        if not stat.S_ISREG(path.stat().st_mode):  # a FIFO's read would wait for ever
            raise InputError(f"{path}: not a regular file; pass hub-stats' models.parquet")
        try:
            parquet = pq.ParquetFile(path)
        except (OSError, pa.ArrowException) as exc:
            raise _unreadable(path, exc) from None
        opened.append((path, day, parquet, _columns(path, parquet.schema_arrow)))
    # Each file decoded once, as it is written, in one transaction: a damaged page refuses
    # its file whole and rolls back what the files before it wrote.
    with store.transaction():
        for path, day, parquet, columns in opened:
            result.files += 1
            read = 0  # the file's rows before the batch, to number its bad rows
            try:
                for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=columns):
                    _import_batch(store, result, (path, day, read), batch, stored)
                    read += batch.num_rows
            except (OSError, pa.ArrowException) as exc:
                raise _unreadable(path, exc) from None
    return result


def _unreadable(path: Path, exc: Exception) -> InputError:
    reason = " ".join(str(exc).split())[:200]
    return InputError(f"{path}: cannot read it as Parquet ({reason}); check the path and the download")


def _import_batch(
    store: Store, result: HubStatsImport, at: tuple[Path, str, int], batch: Any, stored: set[str]
) -> None:
    """Check one record batch's rows, add the good ones of ``stored`` models, and count the rest;
    ``at`` is the file, its day and how many of its rows came before the batch."""
    path, day, first = at
    rows = []
    for offset, record in enumerate(batch.to_pylist(), start=1):
        checked = snapshot_row(record, day)
        if isinstance(checked, str):
            result.bad_count += 1
            if len(result.bad) < MAX_REPORTED:
                result.bad.append(f"{path.name}: row {first + offset}: {checked}")
            continue
        if checked[0] not in stored:
            result.not_stored += 1
            continue
        rows.append(checked)
    result.rows += batch.num_rows
    added = store.add_imported_model_snapshots(rows, source=SOURCE)
    result.imported += added
    result.held += len(rows) - added
