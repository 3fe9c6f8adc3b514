"""Model lineage edge lists (CSV) -> ``model_edges`` (the lineage the Hub records: finetune, adapter, quantized, merge).

An edge list has a header and one parent -> child edge a line. Column names follow the
usual dumps of the Hugging Face lineage graph, so several spellings are accepted:

=========  ======================================
parent     ``source``, ``parent``, ``base_model``
child      ``target``, ``child``, ``model``, ``model_id``
relation   ``edge``, ``relation``, ``type``
=========  ======================================

Relations are the Hub's four (``finetune``, ``adapter``, ``quantized``, ``merge``); the
past-tense and plural spellings found in dumps (``finetuned``, ``merged``,
``quantised``, ``adapters``) are normalised. Model ids must be Hugging Face repo ids, as
``huggingface_hub.utils.validate_repo_id`` checks them (letters, digits, ``-_.``, at
most 96 characters, no ``--`` or ``..``; huggingface_hub/utils/_validators.py), and a
quoted field must close. The whole file is checked before anything is written, so a
bad line stores nothing. An edge already stored (from the Hub or an
earlier import) is kept as it is; a repeated line is kept once. Both count as skipped.
"""

from __future__ import annotations

import csv
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ecometrics.collector.store import Store
from ecometrics.core.ecosystem import RELATIONS
from ecometrics.core.errors import InputError
from ecometrics.core.outcome import Completed

RELATION_ALIASES = {
    **{relation: relation for relation in RELATIONS},
    "finetuned": "finetune",
    "fine-tune": "finetune",
    "fine-tuned": "finetune",
    "merged": "merge",
    "quantised": "quantized",
    "quantize": "quantized",
    "quantise": "quantized",
    "adapters": "adapter",
}

COLUMN_ALIASES = {
    "parent": ("source", "parent", "base_model"),
    "child": ("target", "child", "model", "model_id"),
    "relation": ("edge", "relation", "type"),
}


@dataclass(frozen=True)
class EdgeImport(Completed):
    """What ``import edges`` did: rows read, new edges stored, and rows skipped."""

    path: str
    rows: int
    imported: int
    skipped: int

    @property
    def rows_written(self) -> int:
        return self.imported

    def summary(self) -> str:
        return f"{self.path}: {self.rows} rows, imported {self.imported} edges, skipped {self.skipped}"


def normalise_relation(value: str) -> str | None:
    """The Hub's name for a relation spelling, or None if it is not one."""
    return RELATION_ALIASES.get(value.strip().lower())


def read_edges(path: str | os.PathLike[str]) -> list[tuple[str, str, str]]:
    """The (child, parent, relation) edges of a CSV edge list, validated, in file order.

    Raises :class:`InputError` naming the file and line for a missing column, an empty
    model id or an unknown relation.
    """
    path = Path(path)
    if path.exists() and not path.is_dir() and not stat.S_ISREG(path.stat().st_mode):
        raise InputError(f"{path}: not a regular file; pass the edge list's .csv file")  # a FIFO's read waits
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"{path}: cannot read the edge list ({exc.strerror}); check the path") from exc
    with handle:
        reader = csv.reader(handle, strict=True)
        try:
            header = next(reader)
        except StopIteration:
            raise InputError(f"{path}: line 1: empty file; expected a header such as source,target,edge") from None
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: not UTF-8 text ({exc.reason}); save the edge list as UTF-8") from None
        except csv.Error as exc:
            raise InputError(f"{path}: line 1: not a CSV header ({exc})") from exc
        columns = _columns(header, path)
        edges = []
        try:
            for row in _rows(reader, path):
                line = reader.line_num
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) <= max(columns.values()):
                    raise InputError(f"{path}: line {line}: {len(row)} fields, expected {len(header)}; fix the row")
                parent, child = row[columns["parent"]].strip(), row[columns["child"]].strip()
                raw_relation = row[columns["relation"]]
                if not parent or not child:
                    raise InputError(f"{path}: line {line}: empty model id; every edge needs a parent and a child")
                for model_id in (parent, child):
                    _check_model_id(model_id, path, line)
                relation = normalise_relation(raw_relation)
                if relation is None:
                    raise InputError(
                        f"{path}: line {line}: unknown relation {raw_relation.strip()!r}; "
                        f"expected one of {', '.join(RELATIONS)} (or finetuned, merged, quantised, adapters)"
                    )
                edges.append((child, parent, relation))
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: not UTF-8 text ({exc.reason}); save the edge list as UTF-8") from None
        except csv.Error as exc:
            raise InputError(f"{path}: line {reader.line_num}: unreadable CSV ({exc})") from exc
    return edges


def import_edges(
    store: Store, path: str | os.PathLike[str], edges: list[tuple[str, str, str]] | None = None
) -> EdgeImport:
    """Store the edges of a CSV edge list as ``model_edges`` with ``source = 'import'``.

    Validates the whole file first (see :func:`read_edges`; ``edges``: what it read of
    ``path`` already, as the command line does before it opens the database), then writes
    in one transaction. Re-importing a file imports nothing and skips every row.
    """
    edges = read_edges(path) if edges is None else edges
    relation_of: dict[tuple[str, str], str] = {}
    for child, parent, relation in edges:
        relation_of.setdefault((child, parent), relation)  # the first line wins
    imported = store.add_imported_edges((child, parent, relation) for (child, parent), relation in relation_of.items())
    return EdgeImport(path=str(path), rows=len(edges), imported=imported, skipped=len(edges) - imported)


def _rows(reader: Any, path: Path) -> Iterator[list[str]]:
    """The reader's rows; a quote left open to the end of the file is named by the line it opens on."""
    while True:
        first_line = reader.line_num + 1
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                raise InputError(
                    f"{path}: line {first_line}: a quoted field opened on this line is never closed; "
                    "close the quote or remove it"
                ) from None
            raise


def _check_model_id(model_id: str, path: Path, line: int) -> None:
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    try:
        validate_repo_id(model_id)
    except HFValidationError:
        raise InputError(
            f"{path}: line {line}: model id {model_id!r} is not a Hugging Face repo id; write it like "
            "'mistralai/Mistral-7B-v0.1' (letters, digits, '-', '_', '.'; no '--' or '..')"
        ) from None


def _columns(header: list[str], path: Path) -> dict[str, int]:
    names = [name.strip().lower() for name in header]
    columns = {}
    for column, aliases in COLUMN_ALIASES.items():
        found = [i for i, name in enumerate(names) if name in aliases]
        if not found:
            raise InputError(
                f"{path}: line 1: no {column} column (header {','.join(header)[:120]!r}); "
                f"name it one of {', '.join(aliases)}"
            )
        columns[column] = found[0]
    return columns
