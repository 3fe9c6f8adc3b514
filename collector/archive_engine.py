"""GH Archive at scale: ClickHouse engines for events too many for SQLite.

A month of GH Archive is 100-200 million events; OpenRank needs only the month's
(repo, developer) activity pairs. This module opens a ClickHouse engine and, for
``ecometrics import gharchive FILES --engine chdb``, fills its ``events`` table from the
hourly ``.json.gz`` files (below); :mod:`ecometrics.analysis.archive_openrank` then runs the
activity SQL there, with bounded memory, and brings back only the pairs.

Engines (:func:`open_engine`), all spoken to through ``clickhouse-connect``, so one client
path and one SQL text serve each of them:

- ``chdb``: chDB, ClickHouse's in-process engine (``pip install 'ecometrics[archive]'``),
  with its database in the folder ``DB.chdb`` beside the SQLite file ``DB``; or
  ``chdb:///some/folder`` elsewhere. clickhouse-connect's ``chdb://`` backend is chDB's
  own (``chdb/cc_backend.py``, registered as the ``clickhouse_connect.backends`` entry
  point ``chdb``; ``clickhouse_connect/driver/__init__.py``, ``_create_chdb_client``).
  One chDB database can be open in a process at a time, so an engine is closed after use.
- ``clickhouse://USER@HOST:PORT/DB`` (``clickhouses://`` or port 443/8443 for TLS): a
  ClickHouse server or cluster over HTTP. The password comes from the URL or from
  ``ECOMETRICS_CLICKHOUSE_PASSWORD`` and never appears in a message (:attr:`Engine.label`).
  ``?schema=github_events`` or ``?schema=opendigger`` reads ClickHouse's public
  ``github_events`` table or OpenDigger's ``events`` table instead of this project's
  ``events`` (:mod:`ecometrics.analysis.activity_sql` says how each is read).

The import (chDB only: a server reads files from its own disk, so it is fed where its data
lives and ``analyze openrank --engine URL`` reads it there) reads the files with the SQLite
importer's own reader (:func:`ecometrics.collector.gharchive.read_files`): each line checked
against the one declared schema (msgspec), bounded, reported as ``FILE:LINE`` when bad, in a
parser process a core; each staged batch of rows goes into ``events`` with one ``INSERT ...
SELECT`` from ClickHouse's ``sqlite`` table function. Both engines thus keep, refuse and report
the same lines by construction. A file is done when its row in ``archive_files`` is written,
last; a file without one is imported again from scratch (its earlier rows deleted first), so
an interrupted import resumes per file.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse, urlunparse

from ecometrics.collector import gharchive
from ecometrics.collector.gharchive import ImportResult, Limits, archive_files
from ecometrics.collector.store import Store
from ecometrics.core.errors import InputError
from ecometrics.core.progress import Progress

log = logging.getLogger(__name__)

PASSWORD_VARIABLE = "ECOMETRICS_CLICKHOUSE_PASSWORD"
SCHEMAS = ("ecometrics", "opendigger", "github_events")
# Bounded memory for chDB: ClickHouse spills a GROUP BY or sort to disk past 2 GB, and stops a query past 8 GB.
SETTINGS = {
    "max_memory_usage": 8 * 2**30,
    "max_bytes_before_external_group_by": 2 * 2**30,
    "max_bytes_before_external_sort": 2 * 2**30,
}
EXTRA = "pip install 'ecometrics[archive]'"
# How ClickHouse says its disk is full: error 243 NOT_ENOUGH_SPACE ("Cannot reserve 1.00 MiB, not
# enough space", src/Common/ErrorCodes.cpp) when it reserves room for a part, the OS's ENOSPC
# (errno 28) when a write fails.
DISK_FULL = ("NOT_ENOUGH_SPACE", "No space left on device", "errno: 28", "ENOSPC")


@dataclass
class Engine:
    """An open ClickHouse engine: a clickhouse-connect client, its events layout and a printable name."""

    client: Any
    schema: str  # one of SCHEMAS
    label: str  # the engine without its password
    embedded: bool  # chDB in this process
    folder: Path | None = None  # chDB's database folder

    @property
    def settings(self) -> dict[str, int]:
        # A server's limits are its administrator's (and a read-only account may not change them).
        return SETTINGS if self.embedded else {}

    def command(self, sql: str) -> Any:
        try:
            return self.client.command(sql, settings=self.settings)
        except Exception as exc:
            self.check_disk(exc)
            raise

    def rows(self, sql: str) -> list[tuple]:
        try:
            return self.client.query(sql, settings=self.settings).result_rows
        except Exception as exc:
            self.check_disk(exc)
            raise

    def arrow(self, sql: str) -> Any:
        """The result as a pyarrow Table: columns cross the wire once, in ClickHouse's Arrow format."""
        try:
            return self.client.query_arrow(sql, settings=self.settings)
        except Exception as exc:
            self.check_disk(exc)
            raise

    def check_disk(self, exc: BaseException) -> None:
        """chDB's folder filling up is the machine's state, not the input: raise
        :class:`ecometrics.core.errors.WriteFailed` (exit 74) naming the engine, else return."""
        from ecometrics.core.errors import WriteFailed

        if self.embedded and any(sign in str(exc) for sign in DISK_FULL):
            raise WriteFailed(
                f"{self.label}: cannot write ({_first_line(exc)}); free disk space, or pass another chdb:///FOLDER"
            ) from None

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()


def open_engine(url: str, store: Store) -> Engine:
    """Open the engine ``url`` names (see the module docstring); ``store`` places chDB's default folder."""
    parsed = urlparse(url)
    query = parse_qs(parsed.query)
    schema = query.pop("schema", ["ecometrics"])[0]
    if schema not in SCHEMAS:
        raise InputError(f"--engine {_redacted(parsed)}: schema {schema!r} is unknown; use {', '.join(SCHEMAS)}")
    try:
        import clickhouse_connect
    except ImportError:
        raise InputError(f"--engine needs the archive extra: {EXTRA}") from None
    if url == "chdb" or parsed.scheme == "chdb":
        folder = Path(parsed.path) if url != "chdb" and parsed.path else store.path.with_name(store.path.name + ".chdb")
        try:
            import chdb  # noqa: F401 - the backend clickhouse-connect loads
        except ImportError:
            raise InputError(f"--engine chdb needs the archive extra: {EXTRA}") from None
        try:
            client = clickhouse_connect.get_client(dsn=f"chdb://{folder.resolve()}")
        except Exception as exc:  # noqa: BLE001 - named in one line
            raise InputError(f"--engine chdb: cannot open the chDB database {folder} ({_first_line(exc)})") from None
        return Engine(client, schema, f"chdb:{folder}", embedded=True, folder=folder)
    if parsed.scheme not in ("clickhouse", "clickhouses"):
        raise InputError(
            f"--engine {_redacted(parsed)}: not an engine; use chdb, chdb:///FOLDER or clickhouse://USER@HOST:8123/DB"
        )
    password = parsed.password or os.environ.get(PASSWORD_VARIABLE, "")
    secure = parsed.scheme == "clickhouses" or parsed.port in (443, 8443)
    dsn = urlunparse(parsed._replace(scheme="https" if secure else "http", query=urlencode(query, doseq=True)))
    label = _redacted(parsed)
    try:
        client = clickhouse_connect.get_client(dsn=dsn, password=password, secure=secure)
    except Exception as exc:  # noqa: BLE001 - named in one line
        raise InputError(f"--engine {label}: cannot connect ({_first_line(exc)})") from None
    return Engine(client, schema, label, embedded=False)


def _redacted(parsed: Any) -> str:
    netloc = parsed.hostname or ""
    if parsed.port:
        netloc += f":{parsed.port}"
    if parsed.username:
        netloc = f"{parsed.username}@{netloc}"
    return urlunparse(parsed._replace(netloc=netloc, query=""))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


# -- the schema this project keeps on an engine -------------------------------------------

# The events activity reads, under this project's ``events`` column names
# (ecometrics.analysis.activity_sql.ENGINE_EVENTS); the month partitions keep a month's query to its files.
EVENTS_TABLE = """
CREATE TABLE IF NOT EXISTS events (
    id String,
    type LowCardinality(String),
    action LowCardinality(Nullable(String)),
    actor_id Nullable(Int64),
    actor_login String,
    repo_id Nullable(Int64),
    repo_name String,
    created_at DateTime('UTC'),
    issue_number Nullable(Int64),
    comment_id Nullable(Int64),
    push_id Nullable(Int64),
    title Nullable(String),
    file LowCardinality(String)
) ENGINE = MergeTree PARTITION BY toYYYYMM(created_at) ORDER BY tuple()
"""
# What OpenDigger's other metrics read (ecometrics.analysis.opendigger_sql): the SQLite events columns of
# the same names (ecometrics.collector.store.EVENT_PAYLOAD_COLUMNS, merged, author), NULL when unknown.
# Added to a table made before they were read.
METRIC_COLUMNS = (
    ("merged", "Nullable(UInt8)"),
    ("author_id", "Nullable(Int64)"),
    ("author_login", "Nullable(String)"),
    ("issue_created_at", "Nullable(DateTime('UTC'))"),
    ("issue_closed_at", "Nullable(DateTime('UTC'))"),
    ("issue_comments", "Nullable(Int64)"),
    ("pull_merged_at", "Nullable(DateTime('UTC'))"),
    ("pull_commits", "Nullable(Int64)"),
    ("pull_additions", "Nullable(Int64)"),
    ("pull_deletions", "Nullable(Int64)"),
    ("pull_changed_files", "Nullable(Int64)"),
    ("pull_review_comments", "Nullable(Int64)"),
    ("pull_review_id", "Nullable(Int64)"),
    ("pull_review_state", "Nullable(String)"),
    # a PushEvent's commit authors (the SQLite store's JSON lists); an array is never NULL in
    # ClickHouse, so unknown is the empty array there
    ("push_commit_names", "Array(String)"),
    ("push_commit_emails", "Array(String)"),
)
TABLES = (
    EVENTS_TABLE,
    "CREATE TABLE IF NOT EXISTS archive_files (file String, lines UInt64, imported UInt64, problems UInt64, "
    "imported_at DateTime('UTC')) ENGINE = ReplacingMergeTree(imported_at) ORDER BY file",
)
# What an older release read lines through (ClickHouse checked each line in SQL, then routed it
# with these views): dropped, so that no insert runs them. Their tables stored nothing.
OLD_VIEWS = (
    "archive_to_events",
    "archive_to_sizes",
    "archive_to_problems",
    "archive_to_types",
    "archive_to_rejects",
    "rejects_to_problems",
    "rejects_to_types",
)
OLD_TABLES = ("archive_lines", "archive_rejects")


def ensure_schema(engine: Engine) -> None:
    """Create the import's tables on ``engine`` when they are missing; a database an older release
    made gets the metric columns in its ``events`` and loses the views it routed lines with."""
    for view in OLD_VIEWS:
        engine.command(f"DROP VIEW IF EXISTS {view}")
    for table in OLD_TABLES:
        engine.command(f"DROP TABLE IF EXISTS {table}")
    for statement in TABLES:
        engine.command(statement)
    for name, kind in METRIC_COLUMNS:
        engine.command(f"ALTER TABLE events ADD COLUMN IF NOT EXISTS {name} {kind}")


def _staged_columns() -> dict[str, str]:
    """SQL of each ``events`` column (but ``file``) from a staged file's rows: ecometrics.collector.gharchive's
    :data:`~ecometrics.collector.store.EVENT_ROW_COLUMNS`, checked and laid out by its parser. The
    staged table declares no column types, so ClickHouse's ``sqlite`` function reads each value as
    a ``Nullable(String)`` (an integer as its digits)."""
    columns = {
        "id": "id",
        "type": "type",
        "action": "action",
        "actor_id": "toInt64OrNull(actor_id)",
        "actor_login": "ifNull(actor_login, '')",
        "repo_id": "toInt64OrNull(repo_id)",
        "repo_name": "ifNull(repo_name, '')",
        "created_at": "parseDateTimeBestEffort(created_at, 'UTC')",  # checked: RFC 3339 UTC, a real day
        "issue_number": "toInt64OrNull(issue_number)",
        "comment_id": "toInt64OrNull(comment_id)",
        "push_id": "toInt64OrNull(push_id)",
        "title": "title",
    }
    for name, kind in METRIC_COLUMNS:
        if kind == "Nullable(Int64)":
            columns[name] = f"toInt64OrNull({name})"
        elif kind == "Nullable(UInt8)":
            columns[name] = f"toUInt8OrNull({name})"
        elif kind.startswith("Nullable(DateTime"):
            columns[name] = f"parseDateTimeBestEffortOrNull({name}, 'UTC')"
        elif kind == "Array(String)":  # a JSON list of strings, one a commit; none (unknown) is []
            columns[name] = f"JSONExtract(ifNull({name}, '[]'), 'Array(String)')"
        else:
            columns[name] = name
    return columns


STAGED_COLUMNS = _staged_columns()


# -- the import ------------------------------------------------------------------------------


@dataclass
class EngineImportResult(ImportResult):
    """What :func:`import_files` did; as :class:`ecometrics.collector.gharchive.ImportResult`, plus the files skipped as done."""

    done_before: list[str] = field(default_factory=list)

    skipped_kind = "unknown"

    def headline(self) -> list[str]:
        return [
            f"gharchive (engine): {self.files} file(s) read, {len(self.done_before)} done before",
            f"{self.lines:,} lines, {self.imported:,} events imported",
        ]


def import_files(
    engine: Engine,
    paths: Iterable[str | Path],
    *,
    progress: bool = False,
    limits: Limits | None = None,
    parallel: bool | None = None,
) -> EngineImportResult:
    """Import GH Archive files into ``engine``'s ``events``: every repository, every event type
    :mod:`ecometrics.collector.gharchive` keeps (others are counted as skipped).

    The lines are read and checked by :func:`ecometrics.collector.gharchive.read_files`, the SQLite
    importer's own reader (one schema, :class:`~ecometrics.collector.gharchive.Event`, so both engines
    keep and report the same lines), in as many processes as there are cores; each staged batch
    goes into ``events`` with one ``INSERT ... SELECT`` from ClickHouse's ``sqlite`` function. Files
    already imported (the same content: :func:`content_key`) are skipped. A file is done when its
    row in ``archive_files`` is written, with its last batch; a file without one (an interrupted
    import, a file past a bound of ``limits``, which keeps the lines before the bound as the SQLite
    importer does) is imported again from scratch next time, its earlier rows deleted first.
    """
    if not engine.embedded or engine.folder is None:
        raise InputError(
            f"--engine {engine.label}: import gharchive fills chDB (--engine chdb); feed a server where its data "
            "lives, then run analyze openrank --engine with its URL"
        )
    if engine.schema != "ecometrics":
        raise InputError(f"--engine {engine.label}: import writes this project's events; drop ?schema={engine.schema}")
    files = archive_files(paths)
    ensure_schema(engine)
    done = {row[0] for row in engine.rows("SELECT DISTINCT file FROM archive_files")}
    keys = {path: content_key(path) for path in files}
    result = EngineImportResult()
    pending = []
    for path in files:  # a file done before, or the same content twice in this import, is read once
        if keys[path] in done:
            result.done_before.append(path.name)
        else:
            pending.append(path)
            done.add(keys[path])
    # A DELETE is a mutation that reads every part even when nothing matches (seconds each on a
    # large table): only the files an unfinished import left rows of are forgotten.
    held = {row[0] for row in engine.rows("SELECT DISTINCT file FROM events")}
    for path in pending:
        if keys[path] in held:
            _forget(engine, keys[path])

    def write(batch: gharchive.Batch, readable: bool) -> None:
        if batch.staged:  # one insert a batch: each makes a part of the table
            rows = " UNION ALL ".join(
                f"SELECT {', '.join(STAGED_COLUMNS.values())}, {_quote(keys[batch.path])} "
                f"FROM sqlite({_quote(str(staged))}, 'events')"
                for staged in batch.staged
            )
            engine.command(f"INSERT INTO events ({', '.join(STAGED_COLUMNS)}, file) {rows}")
        if batch.done is not None and readable:
            _mark_done(engine, batch.path, keys[batch.path], batch.done)

    return gharchive.read_files(
        pending,
        write,
        result,
        scratch=engine.folder.parent,
        progress=Progress(log, "files", enabled=progress),
        label="gharchive (engine)",
        limits=limits or gharchive.LIMITS,  # read now: the bounds may be set after this module is loaded
        parallel=parallel,
        workers=max(gharchive.PARSERS, _cores()),  # the writer here is light: a parser a core
    )


def _cores() -> int:
    """The cores this process may run on: its CPU affinity where the OS tells it (Linux), else the machine's."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def content_key(path: Path) -> str:
    """What a file is known by once imported: its name, size and a hash of its bytes (BLAKE2b),
    so that a truncated file fetched again complete, or another file of the same name, is new."""
    with path.open("rb") as handle:
        digest = hashlib.file_digest(handle, lambda: hashlib.blake2b(digest_size=16)).hexdigest()
    return f"{path.name}|{path.stat().st_size}|{digest}"


def _quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _forget(engine: Engine, key: str) -> None:
    """Delete what an earlier, unfinished import of the file ``key`` left."""
    engine.command(f"DELETE FROM events WHERE file = {_quote(key)}")


def _mark_done(engine: Engine, path: Path, key: str, counts: ImportResult) -> None:
    """Write the done mark of the file ``key`` (``counts`` are its own), last."""
    # An earlier import of another file of this name (a truncated download, another folder's copy)
    # keeps only the events this one lacks: each event once, as in SQLite, where events are upserted.
    # (Asked first: the delete reads every event's id, the question only the file column.)
    others = f"startsWith(file, {_quote(path.name + '|')}) AND file != {_quote(key)}"
    if engine.rows(f"SELECT count() FROM events WHERE {others}")[0][0]:
        engine.command(
            f"DELETE FROM events WHERE {others} AND id IN (SELECT id FROM events WHERE file = {_quote(key)})"
        )
    imported = engine.rows(f"SELECT count() FROM events WHERE file = {_quote(key)}")[0][0]
    engine.command(
        f"INSERT INTO archive_files VALUES ({_quote(key)}, {counts.lines}, {imported}, {counts.corrupt_count}, now())"
    )
