"""GH Archive at scale: ClickHouse engines for events too many for SQLite.

A month of GH Archive is 100-200 million events; OpenRank needs only the month's
(repo, developer) activity pairs. This module opens a ClickHouse engine and, for
``ecometrics import gharchive FILES --engine ...``, has ClickHouse's own reader fill its
``events`` table from the hourly ``.json.gz`` files, multi-threaded and with bounded
memory; :mod:`ecometrics.analysis.archive_openrank` then runs the activity SQL there and brings
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
  ``events`` (:mod:`ecometrics.analysis.activity_sql` says how each is read).

The import (chDB only: a server reads files from its own disk, so it is fed where its data
lives and ``analyze openrank --engine URL`` reads it there): one ``INSERT ... SELECT`` a
file reads it with ``file(path, LineAsString)``, parses each line once (``JSONExtract``
into a named Tuple) and sends it into a ``Null`` table whose materialized views route
each line: the events of the types :mod:`ecometrics.collector.gharchive` keeps into ``events``, a line
that is not an event into ``archive_problems`` with its line number (``_row_number``),
and every line's type into ``archive_types`` (lines per file and type). A file is done
when its row in ``archive_files`` is written, last; a file without one is imported again
from scratch (its earlier rows deleted first), so an interrupted import resumes per
file. A file whose gzip stream ends early or is damaged makes ClickHouse stop reading
it; then the whole lines before the break are inflated here (as
:mod:`ecometrics.collector.gharchive` does), imported the same way, and the break is reported as ``FILE:LINE``.
"""

from __future__ import annotations

import functools
import hashlib
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

import msgspec

from ecometrics.collector import gharchive
from ecometrics.collector.gharchive import (
    DIGITS,
    EVENT_TYPES,
    MAX_REPORTED,
    PAYLOAD_TYPES,
    STREAM_ERRORS,
    UTC_TIME,
    Event,
    ImportResult,
    Limits,
    Payload,
    TooLarge,
    archive_files,
    byte_size,
    damaged_report,
    inflated_lines,
    too_large_report,
)
from ecometrics.collector.store import Store
from ecometrics.core.config import ACTIVITY_EVENT_TYPES
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


# -- ecometrics.collector.gharchive's line schema, in ClickHouse's SQL ---------------------------------
#
# The SQLite importer decodes each line into ecometrics.collector.gharchive.Event and its type's payload
# record; here the same declarations (read with msgspec.inspect) become the type of one
# JSONExtract and the SQL conditions a line must meet, so both engines refuse the same lines.
# ClickHouse extracts a Tuple from a JSON array by position, so each declared record is also
# asked its JSONType (an array where an object is declared is refused, as msgspec refuses it);
# the differences left are in docs/untrusted-input.md.


def _payload_fields() -> dict[str, tuple[msgspec.inspect.Field, frozenset[str] | None]]:
    """Every payload field of every event type's payload record, by name: its declaration and the types
    whose record declares it (None: every type's). Each name has one declared type."""
    fields: dict[str, tuple[msgspec.inspect.Field, frozenset[str] | None]] = {}
    owners: dict[str, set[str]] = {}
    records: list[tuple[str, type]] = [("", Payload), *PAYLOAD_TYPES.items()]
    for kind, record in records:
        for field_info in _struct(record).fields:
            declared = fields.setdefault(field_info.encode_name, (field_info, None))[0]
            assert declared.type == field_info.type, f"payload field {field_info.name} is declared twice, differently"
            owners.setdefault(field_info.encode_name, set()).add(kind)
    return {name: (info, None if "" in owners[name] else frozenset(owners[name])) for name, (info, _) in fields.items()}


def _struct(record: type) -> msgspec.inspect.StructType:
    info = msgspec.inspect.type_info(record)
    assert isinstance(info, msgspec.inspect.StructType)
    return info


def _event_fields() -> list[tuple[str, msgspec.inspect.Type]]:
    """The line's declared fields, with the payload's fields of every type in place of its raw text."""
    payload = msgspec.inspect.StructType(Payload, tuple(info for info, _ in _payload_fields().values()))
    return [
        (f.encode_name, payload if isinstance(f.type, msgspec.inspect.RawType) else f.type)
        for f in _struct(Event).fields
    ]


def _record(info: msgspec.inspect.Type) -> msgspec.inspect.StructType | None:
    """The record a field declares (alone or or-null), else None for a value."""
    if isinstance(info, msgspec.inspect.UnionType):
        records = [t for t in info.types if isinstance(t, msgspec.inspect.StructType)]
        return records[0] if records else None
    return info if isinstance(info, msgspec.inspect.StructType) else None


def _extract_type(fields: Iterable[tuple[str, msgspec.inspect.Type]]) -> str:
    parts = []
    for name, info in fields:
        if _listed_record(info) is not None:
            # A list of records is checked, and read, on its own text (:func:`raw_column`): as a
            # Dynamic leaf its elements would be inferred as JSON objects, a fifth of the import's CPU time.
            continue
        record = _record(info)
        inner = _extract_type((f.encode_name, f.type) for f in record.fields) if record else "Dynamic"
        parts.append(f"`{name}` {inner}")
    return f"Tuple({', '.join(parts)})"


# A Dynamic value keeps the JSON type of the text: ClickHouse would otherwise read a string such
# as "2024-01-15T10:00:00Z" (or "1.5") as a DateTime, or "12" as a number.
EXTRACT_SETTINGS = (
    "input_format_try_infer_datetimes = 0, input_format_try_infer_dates = 0, "
    "input_format_json_try_infer_numbers_from_strings = 0"
)


def event_tuple() -> str:
    """The JSONExtract type of a line: its declared records as Tuples, their values as Dynamic."""
    return _extract_type(_event_fields())


def _re2(pattern: str) -> str:
    return pattern.replace("\\Z", "$")  # re2 has no \Z; its $ is the end of the text (no multi-line mode)


INT64_MAX = 2**63 - 1


def _json_path(where: str) -> str:
    """SQL: the keys of the JSON path ``where`` (``$.payload.issue.number``) as a JSON function's arguments."""
    return ", ".join(_quote(part) for part in where.split(".")[1:])


# The column holding a line's text on the few lines where an integer leaf holds a Float64, '' on
# the others (:func:`integer_value`, :func:`reread_line`).
REREAD = "reread_line"


def integer_value(expr: str, where: str, text: str = REREAD) -> str:
    """SQL: the Int64 of the Dynamic value ``expr`` (at ``where`` in the line) when the line holds an
    integer there, else NULL. A Dynamic takes a value into a type it already holds in the block when
    it can (``try_existing_variants_in_dynamic_first``, ClickHouse's src/Formats/JSONExtractTree.cpp,
    DynamicNode::insertResultToColumn): after a float, or an integer past Int64, at the same place, a
    later line's integer is held as Float64 or UInt64. A UInt64 is cast back exactly; a Float64 (which
    holds an integer past 2^53 inexactly, and a JSON float too) is read again from ``text``, the line's
    text on the lines holding one and '' on the others (:func:`reread_line`): with short-circuit
    evaluation off (see :func:`_insert_from`) a JSON function runs on every line."""
    path = _json_path(where)
    return (
        f"coalesce({expr}.Int64, accurateCastOrNull({expr}.UInt64, 'Int64'), "
        f"if(JSONType({text}, {path}) = 'Int64', JSONExtract({text}, {path}, 'Nullable(Int64)'), NULL))"
    )


def _integer_leaves(
    fields: Iterable[tuple[str, msgspec.inspect.Type]], expr: str
) -> Iterator[tuple[str, msgspec.inspect.Type]]:
    """The Dynamic values (as ``event.`a`.`b```) declared as integers (alone or in a union), with their declarations."""
    for name, info in fields:
        here = f"{expr}.`{name}`"
        record = _record(info)
        if _listed_record(info) is not None:
            continue
        if record is not None:
            yield from _integer_leaves(((f.encode_name, f.type) for f in record.fields), here)
        elif any(isinstance(t, msgspec.inspect.IntType) for t in _kinds(info)):
            yield here, info


def _kinds(info: msgspec.inspect.Type) -> tuple[msgspec.inspect.Type, ...]:
    return info.types if isinstance(info, msgspec.inspect.UnionType) else (info,)


@functools.cache
def reread_line() -> str:
    """SQL: ``line`` on the lines where a value declared as an integer is held as a Float64 (an integer
    of the line or a float, which the line is refused for: few lines either way), '' on the others."""
    held = " OR ".join(f"isNotNull({leaf}.Float64)" for leaf, _ in _integer_leaves(_event_fields(), "event"))
    return f"if({held}, line, '')"


def _bare_integer(expr: str) -> str:
    """SQL: the String value ``expr`` of ``line`` is an integer past 64 bits written as
    a number, which ClickHouse's parser hands on as a string (and msgspec refuses where a string is
    declared). The parser keeps no trace of it, so the line's text is asked: it holds those digits
    as a bare JSON value (after ``:``, ``,`` or ``[``, before ``,``, ``}`` or ``]``). Only on a
    String of 20 digits or more is the line searched ('' on the others). A string of such digits on a
    line that also holds them as a number elsewhere is refused too (chDB only; no GH Archive line does)."""
    digits = f"ifNull({expr}.String, '')"
    suspect = f"length({digits}) >= 20 AND match({digits}, '^-?[0-9]+$')"
    # a constant pattern (compiled once, not once a line): the bare integers of 20 characters or more
    bare = _quote(r"[:,\[]\s*(-?[0-9]{19,})\s*[,}\]]")  # JSON's white space is within \s
    return f"has(extractAll(if({suspect}, line, ''), {bare}), {digits})"


def _value_check(info: msgspec.inspect.Type, expr: str, where: str) -> str:
    """SQL: the Dynamic value ``expr`` (at the JSON path ``where``) has the declared type ``info`` and
    meets its constraints. (A Dynamic's typed subcolumn, ``expr.Int64``, is NULL unless the value has that type.)"""
    if isinstance(info, msgspec.inspect.UnionType):
        return "(" + " OR ".join(_value_check(t, expr, where) for t in info.types) + ")"
    if isinstance(info, msgspec.inspect.NoneType):
        return f"isNull({expr})"
    if isinstance(info, msgspec.inspect.BoolType):
        return f"isNotNull({expr}.Bool)"
    if isinstance(info, msgspec.inspect.IntType):
        if info.le is None or info.le > INT64_MAX:  # an integer past Int64 is refused (integer_value)
            raise TypeError(f"no ClickHouse check for an integer without an upper bound within Int64: {info}")
        value = integer_value(expr, where)
        bounds = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}
        checks = [f"{value} {op} {getattr(info, key)}" for key, op in bounds.items() if getattr(info, key) is not None]
        return "ifNull(" + " AND ".join(checks) + ", 0)"
    if isinstance(info, msgspec.inspect.StrType):
        checks = [f"isNotNull({expr}.String)", f"NOT {_bare_integer(expr)}"]
        if info.pattern is not None:
            checks.append(f"match(ifNull({expr}.String, ''), {_quote(_re2(info.pattern))})")
        if info.min_length is not None:
            checks.append(f"lengthUTF8(ifNull({expr}.String, '')) >= {info.min_length}")
        if info.max_length is not None:
            checks.append(f"lengthUTF8(ifNull({expr}.String, '')) <= {info.max_length}")
        return "(" + " AND ".join(checks) + ")"
    raise TypeError(f"no ClickHouse check for the declared type {info}")  # a new kind of declaration: add it here


def _leaf_checks(fields: Iterable[tuple[str, msgspec.inspect.Type]], expr: str, path: str) -> Iterator[tuple[str, str]]:
    """(SQL condition, JSON path) for each declared value; a record's values, and that it is one when present."""
    for name, info in fields:
        here, where = f"{expr}.`{name}`", f"{path}.{name}"
        listed = _listed_record(info)
        if listed is not None:  # a list of records: each element's text checked (see _element_checks)
            # on the list's own text (:func:`raw_column`), read out of the line once
            raw = raw_column(where)
            elements = " AND ".join(_element_checks(listed, "element")) or "1"
            yield (
                (
                    f"({_is(raw, 'Array', or_null=True)} AND "
                    f"arrayAll(element -> {_is('element', 'Object', or_null=False)} AND {elements}, "
                    f"JSONExtractArrayRaw({raw})))"
                ),
                where,
            )
            continue
        record = _record(info)
        if record is None:
            yield _value_check(info, here, where), where
            continue
        # A record is an object or null: ClickHouse would also read a Tuple from an array, by position,
        # and from a number or a string make one of absent values, so the parser is asked what it holds.
        yield f"JSONType(line, {_json_path(where)}) IN ('Object', 'Null')", where
        yield from _leaf_checks(((f.encode_name, f.type) for f in record.fields), here, where)


def raw_column(where: str) -> str:
    """The name of the column holding the JSON text of the list of records at ``where`` (``$.payload.commits``)."""
    return "raw_" + "_".join(where.split(".")[1:])


def _raw_text(where: str) -> str:
    """SQL: the JSON text of the value at ``where`` in ``line`` ('' when absent; JSONType and
    JSONExtractArrayRaw read it as they read that path of the line)."""
    return f"JSONExtractRaw(line, {_json_path(where)})"


def _listed_record(info: msgspec.inspect.Type) -> msgspec.inspect.StructType | None:
    """The record of a field declared as a list of records (alone or or-null), else None."""
    for kind in _kinds(info):
        if isinstance(kind, msgspec.inspect.ListType) and isinstance(kind.item_type, msgspec.inspect.StructType):
            return kind.item_type
    return None


# The first character of a value's JSON text as ClickHouse writes it out again (JSONExtractRaw,
# JSONExtractArrayRaw: src/Formats/JSONExtractTree.cpp, jsonElementToString): its JSON type.
# An absent value's text is ''. Reading the kind off this text costs no parse of its own.
_OPENS = {"Object": "{", "Array": "[", "String": '"'}


def _is(text: str, kind: str, *, or_null: bool) -> str:
    """SQL: the JSON text ``text`` (written out by ClickHouse) holds a value of JSON type ``kind``
    (or is null or absent, when ``or_null``)."""
    opens = f"startsWith({text}, {_quote(_OPENS[kind])})"
    return f"({text} IN ('', 'null') OR {opens})" if or_null else opens


def _element_checks(record: msgspec.inspect.StructType, text: str) -> Iterator[str]:
    """SQL conditions on ``text``, the JSON text of one list element as ClickHouse writes it out,
    that its values have ``record``'s declared types: a record an object (or null when it may be),
    a string a string within its bounds (or null). Each value is read out of its record's text
    once (JSONExtractRaw) and its type read off its first character (:func:`_is`), not a JSON
    function on the element per check. Not JSONExtract into a Tuple: ClickHouse drops a whole
    array when one element's nested value has the wrong type."""
    for f in record.fields:
        value = f"JSONExtractRaw({text}, {_quote(f.encode_name)})"
        kinds = _kinds(f.type)
        optional = any(isinstance(t, msgspec.inspect.NoneType) for t in kinds)
        nested = _record(f.type)
        if nested is not None:
            yield _is(value, "Object", or_null=optional)
            yield from _element_checks(nested, value)
            continue
        strings = [t for t in kinds if isinstance(t, msgspec.inspect.StrType)]
        if len(strings) != 1 or len(kinds) - len(strings) > 1 or strings[0].pattern or strings[0].min_length:
            raise TypeError(f"no ClickHouse check for the declared list element field {f}")  # add it here
        yield _is(value, "String", or_null=optional)
        if strings[0].max_length is not None:
            yield f"lengthUTF8(JSONExtractString({text}, {_quote(f.encode_name)})) <= {strings[0].max_length}"


@functools.cache  # the same SQL for every file: built once from the declarations
def schema_checks() -> tuple[str, str]:
    """SQL over ``line`` and its ``event`` Tuple: (the line meets the schema, multiIf branches naming the
    first value that does not, as ``cond, 'TYPE: ... at `$.path`'`` pairs). A payload field is checked in
    the lines of the types whose payload record declares it, as ecometrics.collector.gharchive decodes the payload."""
    checks = _declared_checks()
    # What ecometrics.collector.gharchive._row checks after decoding: an id's digits, the time's form and its
    # calendar day (the pattern allows February 30; a real date is its own round trip).
    day = "substring(ifNull(event.created_at.String, ''), 1, 10)"
    checks.append((f"(isNull(event.id.String) OR match(event.id.String, {_quote(_re2(DIGITS))}))", "$.id", None))
    checks.append(
        (
            f"(isNull(event.created_at.String) OR (match(event.created_at.String, {_quote(_re2(UTC_TIME))}) "
            f"AND toString(toDateOrNull({day})) = {day}))",
            "$.created_at",
            None,
        )
    )
    # The good lines' test: a type's checks under one guard. Short-circuit evaluation is off (see
    # :func:`_insert_from`), so each check is worked out on every line; the JSON functions under a
    # guard read the line only on the lines of its types (:func:`_in_lines_of`), '' on the others.
    by_kinds: dict[frozenset[str] | None, list[str]] = {}
    for condition, _, kinds in checks:
        by_kinds.setdefault(kinds, []).append(condition)
    valid = " AND ".join(
        _for_kinds(kinds, "(" + " AND ".join(_in_lines_of(kinds, c) for c in conditions) + ")")
        if kinds
        else " AND ".join(conditions)
        for kinds, conditions in by_kinds.items()
    )
    # A line that is not good (few) is told what is wrong with it: each check alone, in order,
    # with a list's text read out of the line in place of its raw column.
    raw = {name: text for name, text, _ in _raw_columns(checks)} | {REREAD: "line"}
    invalid = ",\n    ".join(
        f"NOT {_for_kinds(kinds, _with_raw_text(condition, raw))}, "
        f"concat(event.type.String, {_quote(f': not the declared type or range - at `{where}`')})"
        for condition, where, kinds in checks
    )
    return valid, invalid


def _declared_checks() -> list[tuple[str, str, frozenset[str] | None]]:
    """(SQL condition, JSON path, types whose payload declares it) of each declared value of a line."""
    return [
        (condition, where, _payload_kinds(where)) for condition, where in _leaf_checks(_event_fields(), "event", "$")
    ]


def _payload_kinds(where: str) -> frozenset[str] | None:
    """The event types whose payload record declares the value at ``where`` (None: every type's)."""
    parts = where.split(".")
    return _payload_fields()[parts[2]][1] if parts[1] == "payload" and len(parts) > 2 else None


def _lines_of(kinds: frozenset[str]) -> str:
    """SQL: ``line`` on the lines of the types ``kinds``, '' on the others."""
    return f"if(event.type.String IN ({_kinds_list(kinds)}), line, '')"


def _in_lines_of(kinds: frozenset[str], condition: str) -> str:
    """``condition`` with the JSON functions on ``line`` reading it only on the lines of the types ``kinds``:
    each parses the whole line, and with short-circuit evaluation off (see :func:`_insert_from`) a guard
    would not spare the other lines that parse; the text '' parses at once."""
    return condition.replace("JSONType(line, ", f"JSONType({_lines_of(kinds)}, ")


def _kinds_list(kinds: frozenset[str]) -> str:
    return ", ".join(map(_quote, sorted(kinds)))


def _for_kinds(kinds: frozenset[str] | None, condition: str) -> str:
    """SQL: ``condition`` holds, or the line's type is not one of ``kinds``."""
    if kinds is None:
        return condition
    return f"(event.type.String NOT IN ({_kinds_list(kinds)}) OR {condition})"


def _raw_columns(checks: list[tuple[str, str, frozenset[str] | None]]) -> list[tuple[str, str, frozenset[str] | None]]:
    """(column, SQL of its JSON text in ``line``, types whose payload declares it) of each list of records
    the checks read (:func:`raw_column`)."""
    return [
        (raw_column(where), _raw_text(where), kinds)
        for condition, where, kinds in checks
        if re.search(rf"\b{raw_column(where)}\b", condition)
    ]


@functools.cache
def raw_columns() -> list[tuple[str, str]]:
    """(column, SQL) of each list of records the good lines' test reads (:func:`raw_column`): its
    JSON text, read out of ``line`` once, and only on the lines of the types whose payload declares it."""
    return [
        (name, text if kinds is None else text.replace("(line, ", f"({_lines_of(kinds)}, ", 1))
        for name, text, kinds in _raw_columns(_declared_checks())
    ]


def _with_raw_text(condition: str, raw: dict[str, str]) -> str:
    for name, text in raw.items():
        condition = re.sub(rf"\b{name}\b", text, condition)
    return condition


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
# A line's fields, parsed once by name: JSONExtract into a named Tuple whose leaves are
# Dynamic, so that each value keeps its JSON type (Int64, String, Bool, Float64, None for
# absent or null, ...) and is checked against ecometrics.collector.gharchive's declared schema
# (:func:`schema_checks`) before anything is stored.
EVENT_TUPLE = event_tuple()
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
LINES_TABLE = f"""
CREATE TABLE IF NOT EXISTS archive_lines (
    file String, line_number UInt64, bytes UInt64, event {EVENT_TUPLE}, good UInt8, line String,
    commits Array(String)
) ENGINE = Null
"""
# The lines that are not good events, with what is wrong with them ('' for a blank line or an unknown type).
REJECTS_TABLE = """
CREATE TABLE IF NOT EXISTS archive_rejects (
    file String, line_number UInt64, type Nullable(String), problem String
) ENGINE = Null
"""
TABLES = (
    EVENTS_TABLE,
    LINES_TABLE,
    REJECTS_TABLE,
    "CREATE TABLE IF NOT EXISTS archive_problems (file String, line_number UInt64, problem String) "
    "ENGINE = MergeTree ORDER BY (file, line_number)",
    "CREATE TABLE IF NOT EXISTS archive_types (file String, type String, lines UInt64) "
    "ENGINE = SummingMergeTree ORDER BY (file, type)",
    "CREATE TABLE IF NOT EXISTS archive_files (file String, lines UInt64, imported UInt64, problems UInt64, "
    "imported_at DateTime('UTC')) ENGINE = ReplacingMergeTree(imported_at) ORDER BY file",
    "CREATE TABLE IF NOT EXISTS archive_sizes (file String, bytes UInt64) ENGINE = SummingMergeTree ORDER BY file",
)


def _event_columns() -> str:
    """The ``events`` columns of a checked line, as :func:`ecometrics.collector.gharchive._row` maps them
    (the item is the issue of an issue event, the pull request of a pull request event)."""
    issue_type = "event.type.String IN ('IssuesEvent', 'IssueCommentEvent')"
    pull_type = "startsWith(event.type.String, 'PullRequest')"
    comment_type = "event.type.String IN ('IssueCommentEvent', 'PullRequestReviewCommentEvent', 'CommitCommentEvent')"

    def integer(path: str) -> str:  # an integer value: see integer_value
        return integer_value(f"event.{path}", f"$.{path}", "line")

    number = (
        f"if({issue_type}, {integer('payload.issue.number')}, "
        f"coalesce({integer('payload.number')}, {integer('payload.pull_request.number')}))"
    )
    title = f"if({issue_type}, event.payload.issue.title.String, event.payload.pull_request.title.String)"
    issue, pull = "event.payload.issue", "event.payload.pull_request"

    def item(path: str, variant: str, *, pulls_only: bool = False) -> str:
        if variant == "Int64" and pulls_only:
            value, kinds = integer(f"payload.pull_request.{path}"), pull_type
        elif variant == "Int64":
            value = f"if({issue_type}, {integer(f'payload.issue.{path}')}, {integer(f'payload.pull_request.{path}')})"
            kinds = f"{issue_type} OR {pull_type}"
        elif pulls_only:
            value, kinds = f"{pull}.{path}.{variant}", pull_type
        else:
            value = f"if({issue_type}, {issue}.{path}.{variant}, {pull}.{path}.{variant})"
            kinds = f"{issue_type} OR {pull_type}"
        if variant == "String" and path.endswith("_at"):
            value = f"parseDateTimeBestEffortOrNull({value}, 'UTC')"
        return f"if({kinds}, {value}, NULL)"

    review_id = (
        f"multiIf(event.type.String = 'PullRequestReviewEvent', {integer('payload.review.id')}, "
        "event.type.String = 'PullRequestReviewCommentEvent', "
        f"{integer('payload.comment.pull_request_review_id')}, NULL)"
    )
    metric_columns = [
        f"if(event.type.String = 'PullRequestEvent', toUInt8({pull}.merged.Bool), NULL) AS merged",
        f"{item('user.id', 'Int64')} AS author_id",
        f"{item('user.login', 'String')} AS author_login",
        f"{item('created_at', 'String')} AS issue_created_at",
        f"{item('closed_at', 'String')} AS issue_closed_at",
        f"{item('comments', 'Int64')} AS issue_comments",
        f"{item('merged_at', 'String', pulls_only=True)} AS pull_merged_at",
        *(
            f"{item(name, 'Int64', pulls_only=True)} AS pull_{name}"
            for name in ("commits", "additions", "deletions", "changed_files", "review_comments")
        ),
        f"{review_id} AS pull_review_id",
        "if(event.type.String = 'PullRequestReviewEvent', event.payload.review.state.String, NULL) "
        "AS pull_review_state",
        # one entry per commit, '' for a missing one (ecometrics.collector.gharchive.PushPayload.push_authors)
        *(
            f"arrayMap(c -> JSONExtractString(c, 'author', '{key}'), commits) AS push_commit_{key}s"
            for key in ("name", "email")
        ),
    ]
    return ", ".join(
        [
            f"coalesce(event.id.String, toString({integer('id')})) AS id",
            "event.type.String AS type",
            "event.payload.action.String AS action",
            f"{integer('actor.id')} AS actor_id",
            "ifNull(event.actor.login.String, '') AS actor_login",
            f"{integer('repo.id')} AS repo_id",
            "ifNull(event.repo.name.String, '') AS repo_name",
            "parseDateTimeBestEffortOrZero(event.created_at.String, 'UTC') AS created_at",
            f"if(event.type.String = 'PushEvent', NULL, {number}) AS issue_number",
            f"if({comment_type}, {integer('payload.comment.id')}, NULL) AS comment_id",
            "if(event.type.String = 'PushEvent', "
            f"coalesce({integer('payload.push_id')}, toInt64OrNull(event.payload.push_id.String)), NULL) AS push_id",
            f"if(event.type.String = 'PushEvent', NULL, {title}) AS title",
            "file",
            *metric_columns,
        ]
    )


# A good line: a known type, its id, time and repo, and the schema's values (ecometrics.collector.gharchive._row).
GOOD = "event.type.String IN ({known}) AND {present} AND {valid}"
# What makes a line that is not good a problem, as ecometrics.collector.gharchive reports it ('' for a
# blank line or an unknown type); worked out only for those lines (the view's WHERE comes first).
PROBLEM = """multiIf(
    trimBoth(line) = '', '',
    NOT isValidJSON(line), 'not JSON',
    JSONType(line) != 'Object', 'not an event object',
    ifNull(event.type.String, '') = '', 'not a GH Archive event: no type',
    event.type.String NOT IN ({known}), '',
    {invalid},
    NOT ({present}), concat(event.type.String, ' without id, created_at or repo'),
    '')"""
# GH Archive's id, time and repo, which a line must have (ecometrics.collector.gharchive._row's check).
PRESENT = (
    "isNotNull(event.id) AND isNotNull(event.created_at) "
    "AND (isNotNull(event.repo.id) OR isNotNull(event.repo.name) OR JSONType(line, 'repo') = 'Object')"
)


# The import keeps every event type ecometrics.collector.gharchive keeps: activity counts its own
# (ecometrics.core.config.ACTIVITY_EVENT_TYPES); OpenDigger's active_dates_and_times counts all.
KEPT_TYPES = tuple(sorted(EVENT_TYPES))


def _views(known: list[str]) -> tuple[str, ...]:
    """The views that route each line: good ones to ``events`` (:data:`KEPT_TYPES`) and
    ``archive_types``; the others, with their problem, to ``archive_problems`` and ``archive_types``."""
    _, invalid = schema_checks()
    problem = PROBLEM.format(known=", ".join(map(_quote, known)), present=PRESENT, invalid=invalid)
    return (
        "CREATE MATERIALIZED VIEW archive_to_events TO events AS "
        f"SELECT {_event_columns()} FROM archive_lines "
        f"WHERE good AND event.type.String IN ({', '.join(map(_quote, KEPT_TYPES))})",
        "CREATE MATERIALIZED VIEW archive_to_sizes TO archive_sizes AS "
        "SELECT file, sum(bytes) AS bytes FROM archive_lines GROUP BY file",
        "CREATE MATERIALIZED VIEW archive_to_types TO archive_types AS "
        "SELECT file, ifNull(event.type.String, '') AS type, count() AS lines FROM archive_lines WHERE good "
        "GROUP BY file, type",
        "CREATE MATERIALIZED VIEW archive_to_rejects TO archive_rejects AS "
        f"SELECT file, line_number, event.type.String AS type, {problem} AS problem FROM archive_lines WHERE NOT good",
        "CREATE MATERIALIZED VIEW rejects_to_problems TO archive_problems AS "
        "SELECT file, line_number, problem FROM archive_rejects WHERE problem != ''",
        "CREATE MATERIALIZED VIEW rejects_to_types TO archive_types AS "
        "SELECT file, if(problem = '', ifNull(type, ''), '') AS type, count() AS lines FROM archive_rejects "
        "GROUP BY file, type",
    )


VIEW_NAMES = (
    "archive_to_events",
    "archive_to_sizes",
    "archive_to_problems",  # an older release's
    "archive_to_types",
    "archive_to_rejects",
    "rejects_to_problems",
    "rejects_to_types",
)


def ensure_schema(engine: Engine, known: list[str]) -> None:
    """Create the import's tables on ``engine`` when they are missing. The lines tables (Null
    engines: they store nothing) and their views are made anew for the event types ``known``,
    so that this release's line checks and kept types apply to a database an older one made,
    whose ``events`` gets the metric columns."""
    for view in VIEW_NAMES:
        engine.command(f"DROP VIEW IF EXISTS {view}")
    for table in ("archive_lines", "archive_rejects"):
        engine.command(f"DROP TABLE IF EXISTS {table}")
    for statement in TABLES:
        engine.command(statement)
    for name, kind in METRIC_COLUMNS:
        engine.command(f"ALTER TABLE events ADD COLUMN IF NOT EXISTS {name} {kind}")
    for statement in _views(known):
        engine.command(statement)


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
    event_types: Iterable[str] = (),
    progress: bool = False,
    limits: Limits | None = None,
) -> EngineImportResult:
    """Import GH Archive files into ``engine``'s ``events`` (every repo, the types :data:`KEPT_TYPES`).

    ``event_types`` are the types :mod:`ecometrics.collector.gharchive` knows (others are counted as
    skipped). Files already imported (the same content: :func:`content_key`) are skipped; a
    file past a bound of ``limits`` (default :data:`ecometrics.collector.gharchive.LIMITS`) is refused
    whole; see the module docstring for the rest.
    """
    if not engine.embedded:
        raise InputError(
            f"--engine {engine.label}: import gharchive fills chDB (--engine chdb); feed a server where its data "
            "lives, then run analyze openrank --engine with its URL"
        )
    if engine.schema != "ecometrics":
        raise InputError(f"--engine {engine.label}: import writes this project's events; drop ?schema={engine.schema}")
    limits = limits or gharchive.LIMITS  # read now: the bounds may be set after this module is loaded
    files = archive_files(paths)
    known = sorted(set(event_types) | set(ACTIVITY_EVENT_TYPES))
    ensure_schema(engine, known)
    done = {row[0] for row in engine.rows("SELECT DISTINCT file FROM archive_files")}
    keys = {path: content_key(path) for path in files}
    result = EngineImportResult()
    started = time.perf_counter()
    unreadable: list[str] = []
    pending = [path for path in files if keys[path] not in done]
    result.done_before = [path.name for path in files if keys[path] in done]
    with Progress(log, "files", enabled=progress) as files_done:
        files_done.start("gharchive (engine)", total=len(pending))
        for group in _groups(pending):
            broken = _read_group(engine, group, keys, known, limits)
            for path in group:
                counts = _finish_file(engine, path, keys[path], known, broken.get(path), limits)
                result.merge(counts)
                result.imported += counts.imported
                if counts.refused:
                    unreadable.append(counts.refused[0])
                elif counts.lines and counts.corrupt_count == counts.lines:
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


def content_key(path: Path) -> str:
    """What a file is known by once imported: its name, size and a hash of its bytes (BLAKE2b),
    so that a truncated file fetched again complete, or another file of the same name, is new."""
    with path.open("rb") as handle:
        digest = hashlib.file_digest(handle, lambda: hashlib.blake2b(digest_size=16)).hexdigest()
    return f"{path.name}|{path.stat().st_size}|{digest}"


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


IMPORT_MEMORY = 4 * 2**30  # one import's memory in chDB: a line past Limits.line_bytes stops there at worst


def _insert_from(engine: Engine, source: str, known: list[str], file: str, limits: Limits) -> None:
    """Read ``source`` (a path, or a folder/{a,b} glob) into ``archive_lines``; ``file`` is the SQL
    of each line's file key. A line past ``limits`` stops the read (ClickHouse raises; the file is
    then read here, where the bound is reported)."""
    valid, _ = schema_checks()
    good = GOOD.format(known=", ".join(map(_quote, known)), present=PRESENT, valid=valid)
    bound = f"length(line) > {limits.line_bytes} OR _row_number >= {limits.file_lines}"
    # Each line is parsed once into ``event``; a list of records the checks read (a push's
    # commits) once more, into its own text, which its checks and the commits column then parse.
    # Short-circuit evaluation is off: it filters the ``event`` Tuple's Dynamic columns for each
    # guarded branch (every ``type NOT IN (...) OR check``), which cost more than the checks.
    # The views that route the lines run side by side (one after the other, they took half the time).
    raw = ", ".join(f"{text} AS {name}" for name, text in raw_columns())
    commits = raw_column("$.payload.commits")
    engine.command(
        f"INSERT INTO archive_lines SELECT file, line_number, length(line) + 1, event, {good} AS good, "
        # a good line's text is kept only where a stored integer is read from it again (integer_value)
        f"if(good AND {REREAD} = '', '', line), if(good AND event.type.String = 'PushEvent', JSONExtractArrayRaw({commits}), []) "
        f"FROM (SELECT *, {raw}, {reread_line()} AS {REREAD} FROM ("
        f"SELECT {file} AS file, _row_number + 1 AS line_number, line, JSONExtract(line, '{EVENT_TUPLE}') AS event "
        f"FROM file({_quote(source)}, LineAsString, 'line String') "
        f"WHERE throwIf({bound}, 'a GH Archive bound is passed') = 0)) "
        f"SETTINGS {EXTRACT_SETTINGS}, max_memory_usage = {IMPORT_MEMORY}, short_circuit_function_evaluation = 'disable', "
        "parallel_view_processing = 1"
    )


def _read_group(
    engine: Engine, group: list[Path], keys: dict[Path, str], known: list[str], limits: Limits
) -> dict[Path, str | TooLarge]:
    """Read the files of ``group`` (side by side when there are several); returns, for the files
    the engine could not read (a damaged gzip, a bound passed), what reading them here found."""
    for path in group:
        _forget(engine, keys[path])
    if len(group) > 1:
        folder = group[0].parent.resolve()
        names = ", ".join(_quote(path.name) for path in group)
        file = f"transform(_file, [{names}], [{', '.join(_quote(keys[path]) for path in group)}], '')"
        try:
            _insert_from(engine, f"{folder}/{{{','.join(path.name for path in group)}}}", known, file, limits)
            return {}
        except Exception:  # noqa: BLE001 - one file is damaged: read them one by one to find it
            for path in group:
                _forget(engine, keys[path])
    broken: dict[Path, str | TooLarge] = {}
    for path in group:
        try:
            _insert_from(engine, str(path.resolve()), known, _quote(keys[path]), limits)
        except Exception as exc:  # noqa: BLE001 - the engine's reading error; the file is read here instead
            broken[path] = _recover(engine, path, keys[path], known, exc, limits)
    return broken


def _forget(engine: Engine, key: str) -> None:
    """Delete what an earlier, unfinished import of the file ``key`` left."""
    for table in ("events", "archive_problems", "archive_types", "archive_sizes"):
        engine.command(f"DELETE FROM {table} WHERE file = {_quote(key)}")


def _finish_file(
    engine: Engine, path: Path, key: str, known: list[str], broken: str | TooLarge | None, limits: Limits
) -> ImportResult:
    """The counts of a file read into the engine, and its done mark (last); or, for a file past a
    bound, its refusal (and none of its rows)."""
    counts = ImportResult(files=1)
    inflated = engine.rows(f"SELECT sum(bytes) FROM archive_sizes WHERE file = {_quote(key)}")[0][0]
    if inflated > limits.file_bytes and not isinstance(broken, TooLarge):
        broken = TooLarge(1, f"inflates to more than {byte_size(limits.file_bytes)}")
    if isinstance(broken, TooLarge):
        _forget(engine, key)
        counts.refuse(too_large_report(path, broken, kept="nothing of it was imported"))
        return counts
    for type_name, lines in engine.rows(
        f"SELECT type, sum(lines) FROM archive_types WHERE file = {_quote(key)} GROUP BY type"
    ):
        counts.lines += lines
        if type_name and type_name not in known:
            counts.skipped_types[type_name] += lines
    problems = engine.rows(
        f"SELECT line_number, problem FROM archive_problems WHERE file = {_quote(key)} "
        f"ORDER BY line_number LIMIT {MAX_REPORTED}"
    )
    problem_count = engine.rows(f"SELECT count() FROM archive_problems WHERE file = {_quote(key)}")[0][0]
    counts.corrupt = [f"{path}:{line}: {problem}" for line, problem in problems]
    counts.corrupt_count = problem_count
    if broken:  # the break comes after every line read before it
        counts.report(broken)
    # An earlier import of another file of this name (a truncated download, another folder's copy)
    # keeps only the events this one lacks: each event once, as in SQLite, where events are upserted.
    engine.command(
        f"DELETE FROM events WHERE startsWith(file, {_quote(path.name + '|')}) AND file != {_quote(key)} "
        f"AND id IN (SELECT id FROM events WHERE file = {_quote(key)})"
    )
    imported = engine.rows(f"SELECT count() FROM events WHERE file = {_quote(key)}")[0][0]
    counts.imported = imported
    engine.command(
        f"INSERT INTO archive_files VALUES ({_quote(key)}, {counts.lines}, {imported}, {counts.corrupt_count}, now())"
    )
    return counts


def _recover(
    engine: Engine, path: Path, key: str, known: list[str], error: BaseException, limits: Limits
) -> str | TooLarge:
    """Import the whole lines of a file the engine could not read (up to a damaged gzip
    stream's break, as :mod:`ecometrics.collector.gharchive` reads it); return the report of the break,
    or the bound the file passes (then nothing of it is imported)."""
    _forget(engine, key)
    report = f"{path}: ClickHouse could not read it ({_first_line(error)}); its lines were read here"
    with tempfile.NamedTemporaryFile(prefix=".gharchive-", suffix=".json", dir=path.parent) as whole:
        lines = 0
        try:
            for text in inflated_lines(path, limits=limits):
                whole.write(text)
                lines += text.count(b"\n")
        except STREAM_ERRORS as exc:
            report = damaged_report(path, lines + 1, exc)
        except TooLarge as exc:
            return exc
        whole.flush()
        _insert_from(engine, whole.name, known, _quote(key), limits)
    return report
