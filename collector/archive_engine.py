"""GH Archive at scale: ClickHouse engines for events too many for SQLite.

A month of GH Archive is 100-200 million events; OpenRank needs only the month's
(repo, developer) activity pairs. This module opens a ClickHouse engine and, for
``ecometrics import gharchive FILES --engine ...``, has ClickHouse's own reader fill its
``events`` table from the hourly ``.json.gz`` files, multi-threaded and with bounded
memory; :mod:`analysis.archive_openrank` then runs the activity SQL there and brings
back only the pairs.

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
  ``events`` (:mod:`analysis.activity_sql` says how each is read).

The import (chDB only: a server reads files from its own disk, so it is fed where its data
lives and ``analyze openrank --engine URL`` reads it there): one ``INSERT ... SELECT`` a
file reads it with ``file(path, LineAsString)``, parses each line once (``JSONExtract``
into a named Tuple) and sends it into a ``Null`` table whose materialized views route
each line: the events activity counts (:data:`core.config.ACTIVITY_EVENT_TYPES`) into ``events``, a line
that is not an event into ``archive_problems`` with its line number (``_row_number``),
and every line's type into ``archive_types`` (lines per file and type). A file is done
when its row in ``archive_files`` is written, last; a file without one is imported again
from scratch (its earlier rows deleted first), so an interrupted import resumes per
file. A file whose gzip stream ends early or is damaged makes ClickHouse stop reading
it; then the whole lines before the break are inflated here (as
:mod:`collector.gharchive` does), imported the same way, and the break is reported as ``FILE:LINE``.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse, urlunparse

from collector.gharchive import MAX_REPORTED, STREAM_ERRORS, ImportResult, archive_files, damaged_report, inflated_lines
from collector.store import Store
from core.config import ACTIVITY_EVENT_TYPES
from core.errors import InputError
from core.progress import Progress

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
        :class:`core.errors.WriteFailed` (exit 74) naming the engine, else return."""
        from core.errors import WriteFailed

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
        return Engine(client, schema, f"chdb:{folder}", embedded=True)
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
# (analysis.activity_sql.ENGINE_EVENTS); the month partitions keep a month's query to its files.
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
# A line's fields, parsed once by name (JSONExtract into a named Tuple; absent keys take
# their defaults), as collector.gharchive reads them.
EVENT_TUPLE = (
    "Tuple(id String, type String, actor Tuple(id Nullable(Int64), login String), "
    "repo Tuple(id Nullable(Int64), name String), created_at String, "
    "payload Tuple(action Nullable(String), push_id Nullable(Int64), number Nullable(Int64), "
    "issue Tuple(number Nullable(Int64), title Nullable(String)), "
    "pull_request Tuple(number Nullable(Int64), title Nullable(String)), comment Tuple(id Nullable(Int64))))"
)
LINES_TABLE = f"""
CREATE TABLE IF NOT EXISTS archive_lines (
    file String, line_number UInt64, event {EVENT_TUPLE}, problem String
) ENGINE = Null
"""
TABLES = (
    EVENTS_TABLE,
    LINES_TABLE,
    "CREATE TABLE IF NOT EXISTS archive_problems (file String, line_number UInt64, problem String) "
    "ENGINE = MergeTree ORDER BY (file, line_number)",
    "CREATE TABLE IF NOT EXISTS archive_types (file String, type String, lines UInt64) "
    "ENGINE = SummingMergeTree ORDER BY (file, type)",
    "CREATE TABLE IF NOT EXISTS archive_files (file String, lines UInt64, imported UInt64, problems UInt64, "
    "imported_at DateTime('UTC')) ENGINE = ReplacingMergeTree(imported_at) ORDER BY file",
)


def _event_columns() -> str:
    """The ``events`` columns of a parsed line, as :mod:`collector.gharchive` maps them."""
    issue_type = "event.type IN ('IssuesEvent', 'IssueCommentEvent')"
    comment_type = "event.type IN ('IssueCommentEvent', 'PullRequestReviewCommentEvent')"
    number = (
        f"if({issue_type}, event.payload.issue.number, "
        "coalesce(event.payload.number, event.payload.pull_request.number))"
    )
    title = f"if({issue_type}, event.payload.issue.title, event.payload.pull_request.title)"
    return ", ".join(
        [
            "event.id AS id",
            "event.type AS type",
            "event.payload.action AS action",
            "event.actor.id AS actor_id",
            "event.actor.login AS actor_login",
            "event.repo.id AS repo_id",
            "event.repo.name AS repo_name",
            "parseDateTimeBestEffortOrZero(event.created_at, 'UTC') AS created_at",
            f"if(event.type = 'PushEvent', NULL, {number}) AS issue_number",
            f"if({comment_type}, event.payload.comment.id, NULL) AS comment_id",
            "if(event.type = 'PushEvent', event.payload.push_id, NULL) AS push_id",
            f"if(event.type = 'PushEvent', NULL, {title}) AS title",
            "file",
        ]
    )


# What makes a line a problem, as collector.gharchive reports it ('' for a good line or a
# blank one). multiIf evaluates a branch only when the ones before it fail, so a good line
# costs no second parse.
PROBLEM = """multiIf(
    event.type != '' AND event.id != '' AND event.created_at != ''
        AND (event.repo.id IS NOT NULL OR event.repo.name != ''), '',
    trimBoth(line) = '', '',
    NOT isValidJSON(line), 'not JSON',
    JSONType(line) != 'Object', 'not an event object',
    JSONExtractString(line, 'type') = '', 'not a GH Archive event: no type',
    event.type NOT IN ({known}), '',
    JSONExtractRaw(line, 'id') NOT IN ('', 'null') AND event.created_at != '' AND JSONType(line, 'repo') = 'Object', '',
    concat(event.type, ' without id, created_at or repo'))"""
VIEWS = (
    "CREATE MATERIALIZED VIEW IF NOT EXISTS archive_to_events TO events AS "
    f"SELECT {_event_columns()} FROM archive_lines "
    f"WHERE problem = '' AND event.type IN ({', '.join(repr(t) for t in ACTIVITY_EVENT_TYPES)})",
    "CREATE MATERIALIZED VIEW IF NOT EXISTS archive_to_problems TO archive_problems AS "
    "SELECT file, line_number, problem FROM archive_lines WHERE problem != ''",
    "CREATE MATERIALIZED VIEW IF NOT EXISTS archive_to_types TO archive_types AS "
    "SELECT file, if(problem = '', event.type, '') AS type, count() AS lines FROM archive_lines GROUP BY file, type",
)


def ensure_schema(engine: Engine) -> None:
    """Create the import's tables and views on ``engine`` when they are missing."""
    for statement in TABLES + VIEWS:
        engine.command(statement)


# -- the import ------------------------------------------------------------------------------


@dataclass
class EngineImportResult(ImportResult):
    """What :func:`import_files` did; as :class:`collector.gharchive.ImportResult`, plus the files skipped as done."""

    done_before: list[str] = field(default_factory=list)

    skipped_kind = "unknown"

    def headline(self) -> list[str]:
        return [
            f"gharchive (engine): {self.files} file(s) read, {len(self.done_before)} done before",
            f"{self.lines:,} lines, {self.imported:,} activity events imported",
        ]


def import_files(
    engine: Engine, paths: Iterable[str | Path], *, event_types: Iterable[str] = (), progress: bool = False
) -> EngineImportResult:
    """Import GH Archive files into ``engine``'s ``events`` (every repo; the activity types only).

    ``event_types`` are the types :mod:`collector.gharchive` knows (others are counted as
    skipped). Files already imported are skipped; see the module docstring for the rest.
    """
    if not engine.embedded:
        raise InputError(
            f"--engine {engine.label}: import gharchive fills chDB (--engine chdb); feed a server where its data "
            "lives, then run analyze openrank --engine with its URL"
        )
    if engine.schema != "ecometrics":
        raise InputError(f"--engine {engine.label}: import writes this project's events; drop ?schema={engine.schema}")
    files = archive_files(paths)
    ensure_schema(engine)
    known = sorted(set(event_types) | set(ACTIVITY_EVENT_TYPES))
    done = {row[0] for row in engine.rows("SELECT DISTINCT file FROM archive_files")}
    result = EngineImportResult()
    started = time.perf_counter()
    unreadable: list[str] = []
    pending = [path for path in files if path.name not in done]
    result.done_before = [path.name for path in files if path.name in done]
    with Progress(log, "files", enabled=progress) as files_done:
        files_done.start("gharchive (engine)", total=len(pending))
        for group in _groups(pending):
            broken = _read_group(engine, group, known)
            for path in group:
                counts = _finish_file(engine, path, known, broken.get(path.name))
                result.merge(counts)
                result.imported += counts.imported
                if counts.lines and counts.corrupt_count == counts.lines:
                    unreadable.append(
                        f"{path}: none of its {counts.lines:,} line(s) is a GH Archive event ({counts.corrupt[0]})"
                    )
                for where in counts.corrupt:
                    log.warning("%s", where)
                files_done.advance()
                files_done.update(description=f"gharchive (engine) {path.name}")
    result.seconds = time.perf_counter() - started
    if unreadable:  # the other files are imported; this one needs the user's attention
        raise InputError(f"{unreadable[0]}; pass hourly .json.gz files from GH Archive")
    return result


def _quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


FILES_PER_INSERT = 8  # read side by side (one stream a core); an interrupted insert costs at most these
_GLOB = re.compile(r"[{}*?,'\\]")  # characters file()'s glob would read as syntax


def _groups(paths: list[Path]) -> Iterator[list[Path]]:
    """Files to read in one insert: a folder's, up to :data:`FILES_PER_INSERT`; one at a time
    for a name file()'s glob would misread."""
    by_folder: dict[Path, list[Path]] = {}
    for path in paths:
        if _GLOB.search(path.name) or _GLOB.search(str(path.parent.resolve())):
            yield [path]
        else:
            by_folder.setdefault(path.parent.resolve(), []).append(path)
    for group in by_folder.values():
        for start in range(0, len(group), FILES_PER_INSERT):
            yield group[start : start + FILES_PER_INSERT]


def _insert_from(engine: Engine, source: str, known: list[str], name: str | None = None) -> None:
    """Read ``source`` (a path, or a folder/{a,b} glob) into ``archive_lines``; each line's file is
    ``name``, else its own (``_file``)."""
    problem = PROBLEM.format(known=", ".join(repr(t) for t in known))
    file = _quote(name) if name else "_file"
    engine.command(
        f"INSERT INTO archive_lines SELECT file, line_number, event, {problem} FROM ("
        f"SELECT {file} AS file, _row_number + 1 AS line_number, line, JSONExtract(line, '{EVENT_TUPLE}') AS event "
        f"FROM file({_quote(source)}, LineAsString, 'line String'))"
    )


def _read_group(engine: Engine, group: list[Path], known: list[str]) -> dict[str, str]:
    """Read the files of ``group`` (side by side when there are several); returns the reports
    of the files read here because the engine could not read them (damaged gzip)."""
    for path in group:
        _forget(engine, path.name)
    if len(group) > 1:
        folder = group[0].parent.resolve()
        try:
            _insert_from(engine, f"{folder}/{{{','.join(path.name for path in group)}}}", known)
            return {}
        except Exception:  # noqa: BLE001 - one file is damaged: read them one by one to find it
            for path in group:
                _forget(engine, path.name)
    broken = {}
    for path in group:
        try:
            _insert_from(engine, str(path.resolve()), known, path.name)
        except Exception as exc:  # noqa: BLE001 - the engine's reading error; the file is read here instead
            broken[path.name] = _recover(engine, path, known, exc)
    return broken


def _forget(engine: Engine, name: str) -> None:
    """Delete what an earlier, unfinished import of file ``name`` left."""
    for table in ("events", "archive_problems", "archive_types"):
        engine.command(f"DELETE FROM {table} WHERE file = {_quote(name)}")


def _finish_file(engine: Engine, path: Path, known: list[str], broken: str | None) -> ImportResult:
    """The counts of a file read into the engine, and its done mark (last)."""
    name = path.name
    counts = ImportResult(files=1)
    for type_name, lines in engine.rows(
        f"SELECT type, sum(lines) FROM archive_types WHERE file = {_quote(name)} GROUP BY type"
    ):
        counts.lines += lines
        if type_name and type_name not in known:
            counts.skipped_types[type_name] += lines
    problems = engine.rows(
        f"SELECT line_number, problem FROM archive_problems WHERE file = {_quote(name)} "
        f"ORDER BY line_number LIMIT {MAX_REPORTED}"
    )
    problem_count = engine.rows(f"SELECT count() FROM archive_problems WHERE file = {_quote(name)}")[0][0]
    counts.corrupt = [f"{path}:{line}: {problem}" for line, problem in problems]
    counts.corrupt_count = problem_count
    if broken:  # the break comes after every line read before it
        counts.report(broken)
    imported = engine.rows(f"SELECT count() FROM events WHERE file = {_quote(name)}")[0][0]
    counts.imported = imported
    engine.command(
        f"INSERT INTO archive_files VALUES ({_quote(name)}, {counts.lines}, {imported}, {counts.corrupt_count}, now())"
    )
    return counts


def _recover(engine: Engine, path: Path, known: list[str], error: BaseException) -> str:
    """Import the whole lines of a file the engine could not read (up to a damaged gzip
    stream's break, as :mod:`collector.gharchive` reads it); return the report of the break."""
    _forget(engine, path.name)
    report = f"{path}: ClickHouse could not read it ({_first_line(error)}); its lines were read here"
    with tempfile.NamedTemporaryFile(prefix=".gharchive-", suffix=".json", dir=path.parent) as whole:
        lines = 0
        try:
            for text in inflated_lines(path):
                whole.write(text)
                lines += text.count(b"\n")
        except STREAM_ERRORS as exc:
            report = damaged_report(path, lines + 1, exc)
        whole.flush()
        _insert_from(engine, whole.name, known, path.name)
    return report
