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
  ``FILE:LINE: reason`` and skipped; a truncated gzip stream is reported at the line
  where it ends. The rest of the file and the other files are still imported.

Fields per type: ``issue_number`` is the issue or pull request number; ``comment_id``
the comment of ``IssueCommentEvent``, ``PullRequestReviewCommentEvent`` and
``CommitCommentEvent``; ``push_id`` the ``PushEvent``'s push id; ``merged`` the pull
request's ``merged`` flag when the payload carries it; ``is_bot`` is set for logins
ending in ``[bot]``.

Speed: parsing (orjson) runs in the calling thread while a writer thread runs SQLite's
``executemany`` on the previous batch (SQLite releases the GIL while it works), each
batch in one transaction with the file's checkpoint after its last batch.
"""

from __future__ import annotations

import gzip
import logging
import queue
import re
import threading
import time
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
BATCH_SIZE = 20_000
MAX_REPORTED = 50  # corrupt lines kept in the result; all are counted

COLUMNS = (
    "id", "type", "action", "actor_id", "actor_login", "repo_id", "repo_name", "created_at",
    "issue_number", "comment_id", "push_id", "merged", "is_bot", "source",
)
UPSERT = (
    f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) "
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
        log.warning("%s", where)

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
) -> ImportResult:
    """Import GH Archive files into ``events``; returns what was imported and skipped.

    Tracked repos are the ``repos`` table plus ``repos``/``orgs`` (and the config's
    ``[github]`` repos and orgs when ``config`` is given); ``all_repos`` keeps every event.
    """
    paths = [Path(p) for p in paths]
    for path in paths:
        if not path.is_file():
            raise InputError(f"{path}: no such GH Archive file; pass hourly .json.gz files such as 2025-01-01-15.json.gz")
    github = getattr(config, "github", None)
    tracked = None if all_repos else tracked_repos(
        store, repos=[*repos, *getattr(github, "repos", ())], orgs=[*orgs, *getattr(github, "orgs", ())]
    )
    result = ImportResult()
    started = time.perf_counter()
    writer = _Writer(store)
    writer.start()
    cache = store.conn.execute("PRAGMA cache_size").fetchone()[0]
    store.conn.execute("PRAGMA cache_size = -131072")  # 128 MiB: index pages stay hot while importing
    try:
        for path in paths:
            batch: list[tuple] = []
            lines = 0
            for lines, row in _rows(path, tracked, result):
                if row is not None:
                    batch.append(row)
                    if len(batch) >= batch_size:
                        writer.put(batch)
                        result.imported += len(batch)
                        batch = []
            result.imported += len(batch)
            writer.put(batch, checkpoint=(SOURCE, path.name, str(lines)))
            result.files += 1
            if progress:
                log.info("%s: %d lines", path, lines)
        writer.put(None)
        writer.join()
        writer.raise_error()
    finally:
        if writer.is_alive():
            writer.stop()
        store.conn.execute(f"PRAGMA cache_size = {cache}")
    result.seconds = time.perf_counter() - started
    return result


def _rows(path: Path, tracked: Tracked | None, result: ImportResult) -> Iterator[tuple[int, tuple | None]]:
    """(line number, events row or None) for each line of ``path``, counting what is skipped."""
    number = 0
    search = _REPO.search
    try:
        with _open(path) as lines:
            for number, line in enumerate(lines, start=1):
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
                yield number, row
    except (EOFError, OSError, gzip.BadGzipFile) as exc:
        result.report(f"{path}:{number + 1}: file ends early or is damaged ({exc}); lines before it were imported")
    yield number, None


def _open(path: Path):
    with path.open("rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gzipped else path.open("rb")


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


class _Writer(threading.Thread):
    """Writes batches while the caller parses the next one; one transaction per batch."""

    def __init__(self, store: Store):
        super().__init__(name="gharchive-writer", daemon=True)
        self.store = store
        self.queue: queue.Queue = queue.Queue(maxsize=2)
        self.error: BaseException | None = None

    def put(self, batch: list[tuple] | None, checkpoint: tuple[str, str, str] | None = None) -> None:
        while True:
            self.raise_error()
            try:
                self.queue.put((batch, checkpoint) if batch is not None else None, timeout=0.5)
                return
            except queue.Full:
                continue

    def run(self) -> None:
        try:
            while (item := self.queue.get()) is not None:
                batch, checkpoint = item
                with self.store.transaction():
                    self.store.conn.executemany(UPSERT, batch)
                    if checkpoint:
                        self.store.conn.execute(CHECKPOINT, checkpoint)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            self.error = exc

    def raise_error(self) -> None:
        if self.error is not None:
            raise self.error

    def stop(self) -> None:
        # Unblock and end the writer after a failure in the caller's thread.
        try:
            while True:
                self.queue.get_nowait()
        except queue.Empty:
            pass
        self.queue.put(None)
        self.join(timeout=30)
