"""GH Archive import: hourly ``.json.gz`` files of public GitHub events -> ``events``.

Each line of a GH Archive file (https://www.gharchive.org/) is one event in the GitHub
Events API shape: ``{"id", "type", "actor": {"id", "login"}, "repo": {"id", "name"},
"payload": {...}, "public", "created_at", "org"}``. The importer streams the files line
by line (gzip or plain JSON lines), maps each event into the GH Archive event model of
the ``events`` table and upserts it, so importing a file twice changes nothing.

- Only tracked repositories are kept unless ``all_repos``: those in the ``repos`` table
  (by id or name), the config's ``[github] repos`` and every repo of its ``orgs``
  (names compared case-insensitively). Untracked lines are rejected before they are
  parsed: GH Archive writes the top-level ``repo`` before ``payload``, so a regular
  expression finds it; a line in another layout is parsed in full instead.
- Event types outside :data:`EVENT_TYPES` (legacy ones such as ``DownloadEvent``, or
  anything new) are skipped and counted per type.
- A line that is not JSON or lacks an id, type, repo or time is reported as
  ``FILE:LINE: reason`` and skipped; a truncated or damaged gzip stream is reported at
  the line where it breaks. The rest of the file and the other files are still imported.

Fields per type: ``issue_number`` is the issue or pull request number; ``comment_id``
the comment of ``IssueCommentEvent``, ``PullRequestReviewCommentEvent`` and
``CommitCommentEvent``; ``push_id`` the ``PushEvent``'s push id; ``merged`` the pull
request's ``merged`` flag when the payload carries it; ``is_bot`` is set for logins
ending in ``[bot]``.

Speed (bench/bench_gharchive.py): for large inputs a forked process parses (orjson,
with a thread inflating the gzip stream) and stages each batch in a scratch SQLite file
while the importing process moves the previous batch into ``events`` with one
``INSERT ... SELECT``, about a third of the cost of binding the rows itself. Each batch
is one transaction; a file's checkpoint (its line count) is written with its last batch.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import re
import sqlite3
import tempfile
import threading
import time
import traceback
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from collector.errors import InputError
from collector.store import Store

log = logging.getLogger(__name__)

SOURCE = "gharchive"
EVENT_TYPES = frozenset(
    {
        "CommitCommentEvent",
        "CreateEvent",
        "DeleteEvent",
        "DiscussionEvent",
        "ForkEvent",
        "GollumEvent",
        "IssueCommentEvent",
        "IssuesEvent",
        "MemberEvent",
        "PublicEvent",
        "PullRequestEvent",
        "PullRequestReviewCommentEvent",
        "PullRequestReviewEvent",
        "PullRequestReviewThreadEvent",
        "PushEvent",
        "ReleaseEvent",
        "SponsorshipEvent",
        "WatchEvent",
    }
)
BATCH_SIZE = 50_000
PARALLEL_MIN_BYTES = 8 * 2**20  # below this a parser process costs more than it saves
STAGED_BATCHES = 3
MAX_REPORTED = 50  # corrupt lines kept in the result; all are counted

COLUMNS = (
    "id", "type", "action", "actor_id", "actor_login", "repo_id", "repo_name", "created_at",
    "issue_number", "comment_id", "push_id", "merged", "is_bot", "source",
)
UPSERT = (
    f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) "
    f"ON CONFLICT (id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in COLUMNS[1:])}"
)
# "WHERE true": SQLite's upsert after a SELECT needs a WHERE to parse.
UPSERT_STAGED = (
    f"INSERT INTO main.events ({', '.join(COLUMNS)}) SELECT {', '.join(COLUMNS)} FROM staged.events WHERE true "
    f"ON CONFLICT (id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in COLUMNS[1:])}"
)
CHECKPOINT = (
    "INSERT INTO checkpoints (source, key, cursor, updated_at) VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ')) "
    "ON CONFLICT (source, key) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at"
)
# GH Archive's top-level repo object: {"id":N,"name":"owner/name",...}
_REPO = re.compile(rb'"repo":\{"id":(\d+),"name":"([^"]*)"')


@dataclass
class Tracked:
    """Which repositories to keep: by GitHub id, by OWNER/NAME, or by owner (all lower case)."""

    ids: set[int] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    owners: set[str] = field(default_factory=set)

    def __contains__(self, repo: tuple[int | None, str | None]) -> bool:
        repo_id, name = repo
        if repo_id in self.ids:
            return True
        if not name:
            return False
        name = name.lower()
        return name in self.names or name.split("/", 1)[0] in self.owners


def tracked_repos(store: Store, *, repos: Iterable[str] = (), orgs: Iterable[str] = ()) -> Tracked:
    tracked = Tracked(names={r.lower() for r in repos}, owners={o.lower() for o in orgs})
    for repo_id, name in store.conn.execute("SELECT id, full_name FROM repos"):
        tracked.ids.add(repo_id)
        tracked.names.add(name.lower())
    return tracked


@dataclass
class ImportResult:
    files: int = 0
    lines: int = 0
    imported: int = 0
    untracked: int = 0
    skipped_types: Counter = field(default_factory=Counter)
    corrupt: list[str] = field(default_factory=list)  # "FILE:LINE: reason", the first MAX_REPORTED
    corrupt_count: int = 0
    seconds: float = 0.0

    @property
    def rows_written(self) -> int:
        return self.imported

    def report(self, where: str) -> None:
        self.corrupt_count += 1
        if len(self.corrupt) < MAX_REPORTED:
            self.corrupt.append(where)

    def merge(self, other: ImportResult) -> None:
        """Add the counts of one file (parsed elsewhere) to these."""
        self.files += other.files
        self.lines += other.lines
        self.untracked += other.untracked
        self.skipped_types.update(other.skipped_types)
        self.corrupt_count += other.corrupt_count
        self.corrupt.extend(other.corrupt[: MAX_REPORTED - len(self.corrupt)])

    def summary(self) -> str:
        rate = self.lines / self.seconds if self.seconds else 0.0
        parts = [
            f"gharchive: {self.files} file(s), {self.lines:,} lines, {self.imported:,} events imported",
            f"{self.untracked:,} of untracked repos",
        ]
        if self.skipped_types:
            kinds = ", ".join(f"{kind} {n:,}" for kind, n in self.skipped_types.most_common())
            parts.append(f"{sum(self.skipped_types.values()):,} of other types skipped ({kinds})")
        if self.corrupt_count:
            parts.append(f"{self.corrupt_count:,} corrupt line(s): {'; '.join(self.corrupt[:5])}")
        return ", ".join(parts) + f" in {self.seconds:.1f} s ({rate:,.0f} lines/s)"

    __str__ = summary


def import_gharchive(
    store: Store,
    paths: Iterable[str | Path],
    *,
    config: Any = None,
    all_repos: bool = False,
    repos: Iterable[str] = (),
    orgs: Iterable[str] = (),
    batch_size: int = BATCH_SIZE,
    progress: bool = False,
    parallel: bool | None = None,
) -> ImportResult:
    """Import GH Archive files into ``events``; returns what was imported and skipped.

    Tracked repos are the ``repos`` table plus ``repos``/``orgs`` (and the config's
    ``[github]`` repos and orgs when ``config`` is given); ``all_repos`` keeps every event.
    ``parallel`` parses in a separate process while this one writes (default: when the
    files hold more than :data:`PARALLEL_MIN_BYTES`).
    """
    paths = [Path(p) for p in paths]
    for path in paths:
        if not path.is_file():
            raise InputError(f"{path}: no such GH Archive file; pass hourly .json.gz files such as 2025-01-01-15.json.gz")
    github = getattr(config, "github", None)
    tracked = None if all_repos else tracked_repos(
        store, repos=[*repos, *getattr(github, "repos", ())], orgs=[*orgs, *getattr(github, "orgs", ())]
    )
    if parallel is None:
        parallel = sum(path.stat().st_size for path in paths) > PARALLEL_MIN_BYTES
    result = ImportResult()
    started = time.perf_counter()
    cache = store.conn.execute("PRAGMA cache_size").fetchone()[0]
    store.conn.execute("PRAGMA cache_size = -131072")  # 128 MiB: index pages stay hot while importing
    parsed = (
        _parse_in_process(paths, tracked, batch_size, store.path.parent)
        if parallel
        else _parse(paths, tracked, batch_size)
    )
    try:
        for path, batch, count, done in parsed:
            staged = isinstance(batch, Path)
            if staged:
                store.conn.execute("ATTACH DATABASE ? AS staged", (str(batch),))
            try:
                with store.transaction():
                    if staged:
                        store.conn.execute(UPSERT_STAGED)
                    else:
                        store.conn.executemany(UPSERT, batch)
                    if done is not None:
                        store.conn.execute(CHECKPOINT, (SOURCE, path.name, str(done.lines)))
            finally:
                if staged:
                    store.conn.execute("DETACH DATABASE staged")
            result.imported += count
            if done is not None:
                result.merge(done)
                for where in done.corrupt:
                    log.warning("%s", where)
                if progress:
                    log.info("%s: %s lines", path, f"{done.lines:,}")
    finally:
        parsed.close()
        store.conn.execute(f"PRAGMA cache_size = {cache}")
    result.seconds = time.perf_counter() - started
    return result


# (path, rows or a staged batch file, how many rows, the file's counts after its last batch else None)
Parsed = Iterator[tuple[Path, "list[tuple] | Path", int, "ImportResult | None"]]


def _parse(paths: list[Path], tracked: Tracked | None, batch_size: int) -> Parsed:
    """Batches of events rows, file by file."""
    for path in paths:
        counts = ImportResult(files=1)
        batch: list[tuple] = []
        for row in _rows(path, tracked, counts):
            batch.append(row)
            if len(batch) >= batch_size:
                yield path, batch, len(batch), None
                batch = []
        yield path, batch, len(batch), counts


def _parse_in_process(paths: list[Path], tracked: Tracked | None, batch_size: int, folder: Path) -> Parsed:
    """:func:`_parse` run in a child process that stages each batch in a SQLite file.

    The child parses and binds the rows into a scratch database (no journal, no
    indexes); this process moves each staged batch into ``events`` with one
    ``INSERT ... SELECT``, which costs a third of binding the rows here. Threads would
    serialise on the GIL. The child is forked (spawning would re-import the caller's main
    module) and runs only the parser: no logging, nothing that takes a lock of the
    parent's. At most :data:`STAGED_BATCHES` batches wait on disk.
    """
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    slots = context.BoundedSemaphore(STAGED_BATCHES)
    with tempfile.TemporaryDirectory(prefix=".gharchive-", dir=folder) as scratch:
        worker = context.Process(
            target=_parse_worker,
            args=(paths, tracked, batch_size, Path(scratch), slots, sender),
            name="gharchive-parser",
            daemon=True,
        )
        worker.start()
        sender.close()
        try:
            while True:
                try:
                    message = receiver.recv()
                except EOFError:
                    raise RuntimeError(
                        f"GH Archive parser process ended unexpectedly (exit code {worker.exitcode})"
                    ) from None
                if message is None:
                    break
                if isinstance(message, str):
                    raise RuntimeError(f"GH Archive parser failed: {message}")
                path, staged, count, counts = message
                yield path, staged, count, None if counts is None else ImportResult(**counts)
                staged.unlink()
                slots.release()
            worker.join()
        finally:
            receiver.close()
            if worker.is_alive():
                worker.terminate()
                worker.join()


def _parse_worker(
    paths: list[Path], tracked: Tracked | None, batch_size: int, scratch: Path, slots: Any, sender: Any
) -> None:
    try:
        for number, (path, batch, count, done) in enumerate(_parse(paths, tracked, batch_size)):
            slots.acquire()
            staged = _stage(scratch / f"batch-{number}.db", batch)
            counts = None if done is None else {**vars(done), "skipped_types": dict(done.skipped_types)}
            sender.send((path, staged, count, counts))
        sender.send(None)
    except BaseException:  # noqa: BLE001 - reported to the importing process
        sender.send(traceback.format_exc(limit=5))
    finally:
        sender.close()


def _stage(path: Path, batch: list[tuple]) -> Path:
    """Write a batch of rows to a scratch SQLite file (table ``events``, the same columns)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute(f"CREATE TABLE events ({', '.join(COLUMNS)})")
        conn.execute("BEGIN")
        conn.executemany(f"INSERT INTO events VALUES ({', '.join('?' * len(COLUMNS))})", batch)
        conn.execute("COMMIT")
    finally:
        conn.close()
    return path


def _rows(path: Path, tracked: Tracked | None, result: ImportResult) -> Iterator[tuple]:
    """The events rows of ``path``, counting in ``result`` what is skipped."""
    number = 0
    search = _REPO.search
    try:
        for number, line in enumerate(_lines(path), start=1):
            result.lines += 1
            if tracked is not None:
                match = search(line)
                if match is not None:
                    payload = line.find(b'"payload":')
                    if payload < 0 or match.start() < payload:
                        if (int(match[1]), match[2].decode("utf-8", "replace")) not in tracked:
                            result.untracked += 1
                            continue
            try:
                event = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                if line.strip():
                    result.report(f"{path}:{number}: not JSON ({exc})")
                continue
            row = _row(event, path, number, result)
            if row is None:
                continue
            if tracked is not None and (row[5], row[6]) not in tracked:
                result.untracked += 1
                continue
            yield row
    except (EOFError, OSError, zlib.error) as exc:
        result.report(f"{path}:{number + 1}: file ends early or is damaged ({exc}); lines before it were imported")


def _lines(path: Path, chunk_size: int = 1 << 18) -> Iterator[bytes]:
    """The lines of a gzip (one or more members) or plain JSON-lines file.

    A thread inflates while the caller parses: zlib releases the GIL, so decompression
    (a third of the parsing time) runs on another core. A stream that stops mid-member
    raises EOFError; damaged data raises zlib.error.
    """
    with path.open("rb") as raw:
        if raw.read(2) != b"\x1f\x8b":
            raw.seek(0)
            yield from raw
            return
        raw.seek(0)
        chunks: queue.Queue = queue.Queue(maxsize=4)
        stop = threading.Event()

        def put(item: Any) -> None:
            while not stop.is_set():
                try:
                    return chunks.put(item, timeout=0.1)
                except queue.Full:
                    continue

        def inflate() -> None:
            try:
                inflater, pending = zlib.decompressobj(wbits=31), False
                while (compressed := raw.read(chunk_size)) and not stop.is_set():
                    while compressed:
                        pending = True
                        # Bounded output: damage loses at most this much of what precedes it.
                        put(inflater.decompress(compressed, chunk_size))
                        compressed = inflater.unconsumed_tail
                        if inflater.eof:  # end of a gzip member; another may follow
                            compressed, pending = inflater.unused_data, False
                            inflater = zlib.decompressobj(wbits=31)
                put(EOFError("the compressed stream ends before its end marker") if pending else None)
            except BaseException as exc:  # noqa: BLE001 - raised in the reading thread
                put(exc)

        inflater_thread = threading.Thread(target=inflate, name="gharchive-inflate", daemon=True)
        inflater_thread.start()
        try:
            rest = b""
            while (text := chunks.get()) is not None:
                if isinstance(text, BaseException):
                    raise text
                lines = (rest + text).split(b"\n")
                rest = lines.pop()
                yield from lines
            if rest:
                yield rest
        finally:
            stop.set()
            inflater_thread.join()


def _row(event: Any, path: Path, number: int, result: ImportResult) -> tuple | None:
    if not isinstance(event, dict):
        result.report(f"{path}:{number}: not an event object")
        return None
    kind = event.get("type")
    if kind not in EVENT_TYPES:
        result.skipped_types[str(kind)] += 1
        return None
    repo, actor = event.get("repo"), event.get("actor")
    if event.get("id") is None or not event.get("created_at") or not isinstance(repo, dict):
        result.report(f"{path}:{number}: {kind} without id, created_at or repo")
        return None
    actor = actor if isinstance(actor, dict) else {}
    payload = event.get("payload")
    payload = payload if isinstance(payload, dict) else {}
    issue = comment = push = merged = None
    if kind in ("IssuesEvent", "IssueCommentEvent"):
        issue = _get(payload, "issue", "number")
        if kind == "IssueCommentEvent":
            comment = _get(payload, "comment", "id")
    elif kind.startswith("PullRequest"):
        issue = payload.get("number") or _get(payload, "pull_request", "number")
        if kind == "PullRequestEvent":
            flag = _get(payload, "pull_request", "merged")
            merged = None if flag is None else int(bool(flag))
        elif kind == "PullRequestReviewCommentEvent":
            comment = _get(payload, "comment", "id")
    elif kind == "PushEvent":
        push = payload.get("push_id")
        push = None if push is None else str(push)
    elif kind == "CommitCommentEvent":
        comment = _get(payload, "comment", "id")
    login = actor.get("login")
    return (
        str(event["id"]), kind, payload.get("action"), actor.get("id"), login, repo.get("id"), repo.get("name"),
        event["created_at"], issue, comment, push, merged, int(bool(login) and login.endswith("[bot]")), SOURCE,
    )


def _get(payload: dict, key: str, field_name: str) -> Any:
    value = payload.get(key)
    return value.get(field_name) if isinstance(value, dict) else None
