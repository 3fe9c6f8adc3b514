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
- A line that is not JSON, lacks an id, type, repo or time, or holds a value of the wrong
  type or range (see the schema, :class:`Event`) is reported as ``FILE:LINE: reason`` and
  skipped, never stored; a truncated or damaged gzip stream is reported at
  the line where it breaks. The rest of the file and the other files are still imported.
- Each file imported records its hour (from its name, ``YYYY-MM-DD-H.json.gz``) in the
  store's ``archive_hours``, with its last batch: :mod:`ecometrics.analysis.coverage` says from it
  how many hours of each month are held.

Fields per type: ``issue_number`` is the issue or pull request number; ``comment_id``
the comment of ``IssueCommentEvent``, ``PullRequestReviewCommentEvent`` and
``CommitCommentEvent``; ``push_id`` the ``PushEvent``'s push id; ``merged`` the pull
request's ``merged`` flag when the payload carries it; ``title``, ``author_id`` and
``author_login`` the issue's or pull request's title and author (``payload.issue`` or
``payload.pull_request``: ``title``, ``user``), which OpenRank's ``[snyk]`` rule and the
activity metric's merged-PR credit read; ``is_bot`` is the bot rule's answer (:mod:`ecometrics.core.bots`,
without configured logins: the analysis adds those).

Speed (bench/bench_gharchive.py): for large inputs a thread of the importing process
inflates the file and deals chunks of whole lines in turn to :data:`PARSERS` forked
processes, which parse them (msgspec, each line in one pass into its type's record of
:data:`EVENTS`) and stage the rows in scratch SQLite files, each row bound with only the
columns its type fills (:class:`Layout`); the importing process moves them into ``events``
with ``INSERT ... SELECT`` (:meth:`~ecometrics.collector.store.Store.merge_events`; a third of the cost
of binding the rows itself), in the order the chunks were dealt, about
:data:`ROWS_PER_TRANSACTION` rows per transaction. Smaller inputs are parsed and staged the
same way in the importing process. A file's checkpoint (its line count) is written with its
last batch.

The parsers die with the importing process, however it dies: each asks Linux for a
parent-death signal, holds only its own ends of the pipes (so a read from a dead parent
ends) and never the database's job lock (see :mod:`ecometrics.jobs.lock`). Their scratch folder,
``.gharchive-PID-*`` beside the database, is removed by the next import when process PID
is gone.
"""

from __future__ import annotations

import datetime
import itertools
import json
import logging
import multiprocessing
import os
import queue
import re
import shutil
import signal
import sqlite3
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Annotated, Any, ClassVar, TypeVar, Union, cast

import msgspec
from zlib_ng import zlib_ng

from ecometrics.collector.store import EVENT_PUSH_COLUMNS, EVENT_ROW_COLUMNS, ArchiveHour, Store
from ecometrics.core.bots import is_bot_login
from ecometrics.core.config import Config
from ecometrics.core.errors import InputError
from ecometrics.core.outcome import Completed
from ecometrics.core.progress import Progress

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
CHUNK_BYTES = 16 * 2**20  # text parsed at a time (about 20,000 events); bounds a parser's memory
PARALLEL_MIN_BYTES = 8 * 2**20  # below this parser processes cost more than they save
PARSERS = 2  # parser processes: two outpace the writer
# Fewer, larger transactions: each commit writes every index page it touched to the WAL.
ROWS_PER_TRANSACTION = 100_000
STAGED_PER_TRANSACTION = 8  # staged files attached at once (SQLite allows 10)
# a truncated or damaged file (zlib_ng.pyi types its error as an instance, not a class)
STREAM_ERRORS = (EOFError, OSError, cast(type[Exception], zlib_ng.error))
MAX_REPORTED = 50  # corrupt lines kept in the result; all are counted
IMPORT_CACHE_KIB = 128 * 1024  # SQLite page cache while importing: the events indexes' pages stay hot


@dataclass(frozen=True)
class Limits:
    """What one GH Archive file may hold before it is refused as not GH Archive (a damaged file or a
    decompression bomb): it is read as a stream, so memory and time stay bounded by these.

    An hour of GH Archive inflates to 0.2-2 GB in 100,000-1,000,000 lines, the longest of them a
    few MB (a push's 20 commit messages, a release's notes); the bounds leave room tenfold.
    """

    line_bytes: int = 64 * 2**20  # the longest line
    file_bytes: int = 32 * 2**30  # a file's inflated size
    file_lines: int = 50_000_000  # a file's lines, blank ones included


LIMITS = Limits()  # the importers' bounds (tests use small ones)


class TooLarge(ValueError):
    """A file exceeds a :class:`Limits` bound at ``line``; it is refused with the lines before it kept."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line


# -- the schema of a GH Archive line --------------------------------------------------------
#
# One declared record per line (msgspec Structs, decoded straight from the line's bytes: the
# parse is the validation). Fields the importer does not read are not declared, and so are not
# checked: msgspec skips them. Types are strict: a bool or a float is not an id, a number is not
# a time. GitHub's ids are positive and fit a signed 64-bit integer (SQLite's and ClickHouse's
# Int64). Times are GH Archive's ``YYYY-MM-DDTHH:MM:SSZ`` (RFC 3339 in UTC, the Events API's
# form, whole seconds: docs.github.com "REST API endpoints for events", ``created_at``), of a real calendar day
# in 2000-2099. To read a new field, declare it on the record or payload that holds it and put
# it in the row in its payload record's ``layout_values`` (and its :class:`Layout`);
# :mod:`ecometrics.collector.archive_engine` reads lines through the same code (:func:`read_files`).

Id = Annotated[int, msgspec.Meta(gt=0, le=2**63 - 1)]
# Patterns end in \Z, not $ (which Python also matches before a final newline).
# A time of a real calendar day in 2000-2099: February 29 only in a leap year (there, a year
# divisible by 4), as msgspec checks the pattern on every time a record declares.
UTC_TIME = (
    r"^20(?:[0-9]{2}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    r"|02-(?:0[1-9]|1[0-9]|2[0-8]))|(?:[02468][048]|[13579][26])-02-29)"
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z\Z"
)
INT64_MAX = 2**63 - 1


def _at_most(limit: int) -> str:
    """A pattern of the decimal numbers from 1 to ``limit``, without leading zeros: fewer digits,
    or as many with a lower digit after a common prefix, or ``limit`` itself."""
    digits = str(limit)
    places = len(digits)
    choices = [f"[1-9][0-9]{{0,{places - 2}}}"] if places > 1 else []
    for at, digit in enumerate(digits):
        lowest = 1 if at == 0 else 0
        if int(digit) > lowest:
            choices.append(f"{digits[:at]}[{lowest}-{int(digit) - 1}][0-9]{{{places - at - 1}}}")
    return "^(?:" + "|".join([*choices, digits]) + ")\\Z"


DIGITS = _at_most(INT64_MAX)  # an id as a string of digits (event ids are; so are some push ids), below 2^63


class Account(msgspec.Struct):
    """``actor``, or an issue's or pull request's ``user``."""

    id: Id | None = None
    login: str | None = None


class Repo(msgspec.Struct):
    """The event's top-level ``repo``."""

    id: Id | None = None
    name: str | None = None


Time = Annotated[str, msgspec.Meta(pattern=UTC_TIME)]
Count = Annotated[int, msgspec.Meta(ge=0, le=2**31 - 1)]  # a count GitHub reports (comments, lines, files)
AUTHOR_TEXT = 4096  # a commit author's name or e-mail: git keeps what it is given; this bounds a line's row


class Layout:
    """The columns a row of some events fills (the rest of :data:`EVENT_ROW_COLUMNS` are NULL).

    A row's values in a layout are its line's number, then its columns' values. Rows are staged
    layout by layout, each bound with only its columns (SQLite's Python module binds a NULL through
    its adapter lookup, several times the cost of a number or a string, and most events fill under
    half the columns: bench/bench_gharchive.py), with the line number as the staged rowid, so that
    the staged table is read back in the file's order.
    """

    __slots__ = ("columns", "positions")

    def __init__(self, *columns: str) -> None:
        self.columns = columns
        self.positions = tuple(EVENT_ROW_COLUMNS.index(column) for column in columns)  # ValueError: no such column

    def widen(self, values: tuple) -> tuple:
        """A row's ``values`` (its line number, these columns) as a row of every column of :data:`EVENT_ROW_COLUMNS`."""
        row: list = [None] * len(EVENT_ROW_COLUMNS)
        for position, value in zip(self.positions, values[1:], strict=True):
            row[position] = value
        return tuple(row)

    def insert(self) -> str:
        """The statement staging rows of this layout (:func:`_stage`)."""
        return (
            f"INSERT INTO events (rowid, {', '.join(self.columns)}) VALUES ({', '.join('?' * (1 + len(self.columns)))})"
        )


Laid = dict[Layout, list[tuple]]  # a chunk's rows, by layout: each its line number, then its layout's values


# What every event fills, in this order; then what its payload adds (Payload.layout_values).
EVENT_COLUMNS = ("id", "type", "actor_id", "actor_login", "repo_id", "repo_name", "created_at", "is_bot", "action")
ITEM_COLUMNS = ("title", "author_id", "author_login", "issue_created_at", "issue_closed_at", "issue_comments")
PULL_COLUMNS = (  # a pull request's counts: an issue leaves them out, and so may a pull request
    "pull_merged_at", "pull_commits", "pull_additions", "pull_deletions", "pull_changed_files", "pull_review_comments",
)  # fmt: skip


def _item_layouts(*own: str) -> tuple[Layout, Layout]:
    """The layouts of a payload with ``own`` columns and an issue or pull request: without its pull counts, with them."""
    return Layout(*EVENT_COLUMNS, *own, *ITEM_COLUMNS), Layout(*EVENT_COLUMNS, *own, *ITEM_COLUMNS, *PULL_COLUMNS)


class Item(msgspec.Struct):
    """``payload.issue`` or ``payload.pull_request``: what the activity and OpenRank rules read,
    and what OpenDigger's other metrics read (its ``events`` columns ``issue_created_at``,
    ``issue_closed_at``, ``issue_comments``, ``pull_merged_at``, ``pull_commits``,
    ``pull_additions``, ``pull_deletions``, ``pull_changed_files``, ``pull_review_comments``:
    X-lab2017/open-digger docs/assets/data_description.csv; the Events API's issue and pull
    request objects, docs.github.com "GitHub event types")."""

    number: Id | None = None
    title: str | None = None
    user: Account | None = None
    merged: bool | None = None
    created_at: Time | None = None
    closed_at: Time | None = None
    comments: Count | None = None
    merged_at: Time | None = None
    commits: Count | None = None
    additions: Count | None = None
    deletions: Count | None = None
    changed_files: Count | None = None
    review_comments: Count | None = None


_NOBODY = Account()
_NO_ITEM = Item()


def _with_item(layouts: tuple[Layout, Layout], own: tuple, item: Item | None) -> tuple[Layout, tuple]:
    """A payload's ``own`` values and its item's, in the first of ``layouts`` when the item has no pull counts."""
    item = item or _NO_ITEM
    author = item.user or _NOBODY
    values = (*own, item.title, author.id, author.login, item.created_at, item.closed_at, item.comments)
    if (
        item.merged_at is None
        and item.commits is None
        and item.additions is None
        and item.deletions is None
        and item.changed_files is None
        and item.review_comments is None
    ):
        return layouts[0], values
    return layouts[1], (
        *values,
        item.merged_at,
        item.commits,
        item.additions,
        item.deletions,
        item.changed_files,
        item.review_comments,
    )


class Comment(msgspec.Struct):
    id: Id | None = None
    pull_request_review_id: Id | None = None  # a review comment's review


_NO_COMMENT = Comment()


class Review(msgspec.Struct):
    """``PullRequestReviewEvent``'s ``payload.review``: OpenDigger's ``pull_review_id`` and ``pull_review_state``."""

    id: Id | None = None
    state: str | None = None  # approved | commented | changes_requested | dismissed


_NO_REVIEW = Review()


class Payload(msgspec.Struct):
    """The payload fields every event type may carry; a type with more has its own (:data:`PAYLOAD_TYPES`).

    Each record says what its type stores: :meth:`layout_values`, the values of the columns its
    layout adds to :data:`EVENT_COLUMNS` (the issue or pull request number, comment, push, merged
    flag, review; the item's title, author and OpenDigger's payload columns).
    """

    action: str | None = None

    def layout_values(self) -> tuple[Layout, tuple]:
        return _EVENT_LAYOUT, ()


_EVENT_LAYOUT = Layout(*EVENT_COLUMNS)


class IssuePayload(Payload):
    """``IssueCommentEvent`` (and, less the comment, ``IssuesEvent``)."""

    issue: Item | None = None
    comment: Comment | None = None
    LAYOUTS: ClassVar = _item_layouts("issue_number", "comment_id")

    def layout_values(self) -> tuple[Layout, tuple]:
        issue = self.issue or _NO_ITEM
        return _with_item(self.LAYOUTS, (issue.number, (self.comment or _NO_COMMENT).id), issue)


class IssuesPayload(IssuePayload):
    """``IssuesEvent``: it carries no comment of its own."""

    LAYOUTS: ClassVar = _item_layouts("issue_number")

    def layout_values(self) -> tuple[Layout, tuple]:
        issue = self.issue or _NO_ITEM
        return _with_item(self.LAYOUTS, (issue.number,), issue)


class PullRequestPayload(Payload):
    """``PullRequestReviewThreadEvent`` (and, with more, ``PullRequestEvent``, ``PullRequestReviewEvent``,
    ``PullRequestReviewCommentEvent``)."""

    number: Id | None = None
    pull_request: Item | None = None
    LAYOUTS: ClassVar = _item_layouts("issue_number")

    def pull_number(self) -> int | None:
        """The payload's ``number``, else its pull request's."""
        return self.number if self.number is not None else (self.pull_request or _NO_ITEM).number

    def layout_values(self) -> tuple[Layout, tuple]:
        return _with_item(self.LAYOUTS, (self.pull_number(),), self.pull_request)


class PullRequestEventPayload(PullRequestPayload):
    """``PullRequestEvent``: the only one whose ``merged`` flag is stored."""

    LAYOUTS: ClassVar = _item_layouts("issue_number", "merged")

    def layout_values(self) -> tuple[Layout, tuple]:
        merged = (self.pull_request or _NO_ITEM).merged
        return _with_item(
            self.LAYOUTS, (self.pull_number(), None if merged is None else int(merged)), self.pull_request
        )


class ReviewPayload(PullRequestPayload):
    """``PullRequestReviewEvent``: the review."""

    review: Review | None = None
    LAYOUTS: ClassVar = _item_layouts("issue_number", "pull_review_id", "pull_review_state")

    def layout_values(self) -> tuple[Layout, tuple]:
        review = self.review or _NO_REVIEW
        return _with_item(self.LAYOUTS, (self.pull_number(), review.id, review.state), self.pull_request)


class ReviewCommentPayload(PullRequestPayload):
    """``PullRequestReviewCommentEvent``."""

    comment: Comment | None = None
    LAYOUTS: ClassVar = _item_layouts("issue_number", "comment_id", "pull_review_id")

    def layout_values(self) -> tuple[Layout, tuple]:
        comment = self.comment or _NO_COMMENT
        own = (self.pull_number(), comment.id, comment.pull_request_review_id)
        return _with_item(self.LAYOUTS, own, self.pull_request)


class CommitCommentPayload(Payload):
    comment: Comment | None = None

    def layout_values(self) -> tuple[Layout, tuple]:
        return _COMMENT_LAYOUT, ((self.comment or _NO_COMMENT).id,)


_COMMENT_LAYOUT = Layout(*EVENT_COLUMNS, "comment_id")


class CommitAuthor(msgspec.Struct):
    """A push commit's ``author``: the git author's name and e-mail, as the commit records them."""

    name: Annotated[str, msgspec.Meta(max_length=AUTHOR_TEXT)] | None = None
    email: Annotated[str, msgspec.Meta(max_length=AUTHOR_TEXT)] | None = None


class Commit(msgspec.Struct):
    """One of ``PushEvent``'s ``payload.commits`` (docs.github.com "GitHub event types", PushEvent:
    ``commits[][author][name]``, ``commits[][author][email]``)."""

    author: CommitAuthor | None = None


class PushPayload(Payload):
    push_id: Id | Annotated[str, msgspec.Meta(pattern=DIGITS)] | None = None
    commits: list[Commit] | None = None

    def layout_values(self) -> tuple[Layout, tuple]:
        push_id = None if self.push_id is None else str(self.push_id)
        if self.commits is None:  # the authors unknown: their columns left NULL
            return _PUSH_LAYOUT, (push_id,)
        return _PUSH_AUTHORS_LAYOUT, (push_id, *self.push_authors())

    def push_authors(self) -> tuple[str | None, str | None]:
        """OpenDigger's ``push_commits.name`` and ``push_commits.email``: JSON lists of the commits'
        author names and e-mails, one entry per commit (``''`` for a missing one, as the columns
        of OpenDigger's ``Nested`` ``push_commits`` hold one row per commit); unknown without ``commits``."""
        if self.commits is None:
            return None, None
        authors = [commit.author or _NO_AUTHOR for commit in self.commits]
        return _json_list([a.name or "" for a in authors]), _json_list([a.email or "" for a in authors])


_PUSH_LAYOUT = Layout(*EVENT_COLUMNS, "push_id")
_PUSH_AUTHORS_LAYOUT = Layout(*EVENT_COLUMNS, "push_id", *EVENT_PUSH_COLUMNS)
_NO_AUTHOR = CommitAuthor()


_LIST_ENCODER = msgspec.json.Encoder()


def _json_list(texts: list[str]) -> str:
    """``texts`` as compact JSON with its characters unescaped: the text of ``json.dumps(texts,
    ensure_ascii=False, separators=(",", ":"))``, at msgspec's cost (a sixteenth of it). A lone
    surrogate, which UTF-8 cannot hold, goes the way of ``json.dumps``."""
    try:
        return _LIST_ENCODER.encode(texts).decode()
    except UnicodeEncodeError:
        return json.dumps(texts, ensure_ascii=False, separators=(",", ":"))


class Event(msgspec.Struct):
    """One GH Archive line, as declared; ``payload`` stands for its type's payload record
    (:data:`PAYLOAD_TYPES`, else :class:`Payload`). A line is decoded as the record of its type
    (:data:`EVENTS`, built from these declarations): these fields and its payload's, in one pass."""

    type: str = ""
    # The id's digits and the time's form are checked in _layout_row, once per distinct time (a
    # pattern here would cost a regular expression per line).
    id: Id | Annotated[str, msgspec.Meta(min_length=1, max_length=19)] | None = None
    actor: Account | None = None
    repo: Repo | None = None
    created_at: Annotated[str, msgspec.Meta(min_length=20, max_length=20)] | None = None
    payload: msgspec.Raw = msgspec.Raw(b"")  # decoded by type; absent or null: no payload


class _Kind(msgspec.Struct):
    type: str | None = None


PAYLOAD_TYPES: dict[str, type[Payload]] = {
    "IssuesEvent": IssuesPayload,
    "IssueCommentEvent": IssuePayload,
    "PullRequestEvent": PullRequestEventPayload,
    "PullRequestReviewEvent": ReviewPayload,
    "PullRequestReviewThreadEvent": PullRequestPayload,
    "PullRequestReviewCommentEvent": ReviewCommentPayload,
    "PushEvent": PushPayload,
    "CommitCommentEvent": CommitCommentPayload,
}


def _typed_events() -> dict[str, type[msgspec.Struct]]:
    """:class:`Event` as one record per type of :data:`EVENT_TYPES`, told apart by ``type`` (a
    msgspec tagged union), each with its payload record in place of the raw payload: a line is
    parsed once, and a type outside EVENT_TYPES fails at its ``type``."""
    fields = [(f.name, f.type, f.default) for f in msgspec.structs.fields(Event) if f.name not in ("type", "payload")]
    base = msgspec.defstruct("TypedEvent", fields, tag_field="type")
    return {
        kind: msgspec.defstruct(
            kind,
            [("payload", PAYLOAD_TYPES.get(kind, Payload) | None, None)],
            bases=(base,),
            tag=kind,
            namespace={"kind": kind},  # the tag, as a plain attribute
        )
        for kind in sorted(EVENT_TYPES)
    }


EVENTS = _typed_events()
_EVENT = msgspec.json.Decoder(Union[tuple(EVENTS.values())])  # noqa: UP007 - a union built at run time
_KIND = msgspec.json.Decoder(_Kind)
_NO_PAYLOAD = Payload()


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
class ImportResult(Completed):
    files: int = 0
    lines: int = 0
    imported: int = 0
    untracked: int = 0
    skipped_types: Counter = field(default_factory=Counter)
    corrupt: list[str] = field(default_factory=list)  # "FILE:LINE: reason", the first MAX_REPORTED
    corrupt_count: int = 0
    damaged: bool = False  # a file's stream ended early or broke (its counts only)
    blank: int = 0  # empty or white space only: counted, not reported
    refused: list[str] = field(default_factory=list)  # files past a bound of Limits: "FILE:LINE: reason"
    seconds: float = 0.0
    skipped_kind = "other"  # what the summary calls the event types an import skipped

    @property
    def rows_written(self) -> int:
        return self.imported

    def report(self, where: str) -> None:
        self.corrupt_count += 1
        if len(self.corrupt) < MAX_REPORTED:
            self.corrupt.append(where)

    def none_is_an_event(self) -> bool:
        """Every line read is blank or not an event: not a GH Archive file (the counts of one file)."""
        return bool(self.lines) and self.corrupt_count + self.blank == self.lines

    def refuse(self, why: str) -> None:
        """The file is not GH Archive: reported as a corrupt line, and the import fails naming it."""
        self.report(why)
        self.refused.append(why)

    def merge(self, other: ImportResult) -> None:
        """Add the counts of one file (parsed elsewhere) to these."""
        self.files += other.files
        self.lines += other.lines
        self.untracked += other.untracked
        self.skipped_types.update(other.skipped_types)
        self.corrupt_count += other.corrupt_count
        self.damaged = self.damaged or other.damaged
        self.blank += other.blank
        self.corrupt.extend(other.corrupt[: MAX_REPORTED - len(self.corrupt)])
        self.refused.extend(other.refused)

    def headline(self) -> list[str]:
        """The summary's leading parts: what was read and imported."""
        return [
            f"gharchive: {self.files} file(s), {self.lines:,} lines, {self.imported:,} events imported",
            f"{self.untracked:,} of untracked repos",
        ]

    def summary(self) -> str:
        rate = self.lines / self.seconds if self.seconds else 0.0
        parts = self.headline()
        if self.skipped_types:
            kinds = ", ".join(f"{kind} {n:,}" for kind, n in self.skipped_types.most_common())
            parts.append(f"{sum(self.skipped_types.values()):,} of {self.skipped_kind} types skipped ({kinds})")
        if self.corrupt_count:
            parts.append(f"{self.corrupt_count:,} corrupt line(s): {'; '.join(self.corrupt[:5])}")
        return ", ".join(parts) + f" in {self.seconds:.1f} s ({rate:,.0f} lines/s)"

    __str__ = summary


def import_gharchive(
    store: Store,
    paths: Iterable[str | Path],
    *,
    config: Config | None = None,
    all_repos: bool = False,
    repos: Iterable[str] = (),
    orgs: Iterable[str] = (),
    chunk_bytes: int = CHUNK_BYTES,
    progress: bool = False,
    parallel: bool | None = None,
    limits: Limits | None = None,
) -> ImportResult:
    """Import GH Archive files into ``events``; returns what was imported and skipped.

    Tracked repos are the ``repos`` table plus ``repos``/``orgs`` (and the config's
    ``[github]`` repos and orgs when ``config`` is given); ``all_repos`` keeps every event.
    ``parallel`` parses in :data:`PARSERS` child processes while this one writes (default:
    when the files hold more than :data:`PARALLEL_MIN_BYTES`); files are parsed
    ``chunk_bytes`` of text at a time. A file past a bound of ``limits`` (default
    :data:`LIMITS`) is refused: the lines before the bound are kept and the import ends with an
    :class:`InputError` naming it, after the other files.
    """
    limits = limits or LIMITS
    files = archive_files(paths)
    if config is not None:
        repos, orgs = [*repos, *config.github.repos], [*orgs, *config.github.orgs]
    tracked = None if all_repos else tracked_repos(store, repos=list(repos), orgs=list(orgs))

    def write(batch: Batch, readable: bool) -> None:
        done = batch.done
        # A file's line count with its last batch; none for a file to fix: it is read again next time.
        checkpoint = (SOURCE, batch.path.name, str(done.lines)) if done is not None and readable else None
        held = archive_hour(batch.path, done) if done is not None and readable else None
        store.merge_events(staged=batch.staged, source=SOURCE, checkpoint=checkpoint, archive_hour=held)

    with store.page_cache(kib=IMPORT_CACHE_KIB):
        return read_files(
            files,
            write,
            ImportResult(),
            scratch=store.path.parent,
            tracked=tracked,
            chunk_bytes=chunk_bytes,
            parallel=parallel,
            limits=limits,
            progress=Progress(log, "files", enabled=progress),
            label="gharchive",
        )


R = TypeVar("R", bound="ImportResult")


def read_files(
    files: list[Path],
    write: Callable[[Batch, bool], None],
    result: R,
    *,
    scratch: Path,
    progress: Progress,
    label: str,
    limits: Limits,
    tracked: Tracked | None = None,
    chunk_bytes: int = CHUNK_BYTES,
    parallel: bool | None = None,
    workers: int = PARSERS,
) -> R:
    """Parse ``files`` into staged batches of ``events`` rows and hand each to ``write(batch,
    readable)``, in the order of the files' lines: the one reader of both importers (SQLite's
    :func:`import_gharchive`, chDB's :func:`ecometrics.collector.archive_engine.import_files`), so
    both check each line against the same declared schema (:class:`Event`) and report the same
    lines. ``readable`` is False with the last batch of a file to fix (past a bound, or not GH
    Archive at all: none of its lines is an event), whose done mark ``write`` leaves out.

    ``parallel`` parses in ``workers`` child processes while this one writes (default: when
    the files hold more than :data:`PARALLEL_MIN_BYTES`); their scratch files go in a folder
    in ``scratch``. Counts go into ``result``; a file to fix ends the import with an
    :class:`InputError` naming it, after the other files.
    """
    remove_stale_scratch(scratch)
    if parallel is None:
        parallel = sum(path.stat().st_size for path in files) > PARALLEL_MIN_BYTES
    started = time.perf_counter()
    parsed = (
        _parse_in_processes(files, tracked, chunk_bytes, scratch, limits, workers)
        if parallel
        else _parse(files, tracked, chunk_bytes, scratch, limits)
    )
    unreadable: list[str] = []  # files none of whose lines is an event: not GH Archive at all
    with progress as files_done:
        files_done.start(label, total=len(files))
        try:
            for batch in parsed:
                done = batch.done
                readable = done is None or not (done.refused or done.none_is_an_event())
                write(batch, readable)
                result.imported += batch.count
                if done is not None:
                    result.merge(done)
                    if done.refused:
                        unreadable.append(done.refused[0])
                    elif not readable:
                        unreadable.append(
                            f"{batch.path}: none of its {done.lines:,} line(s) is a GH Archive event "
                            f"({done.corrupt[0] if done.corrupt else 'unreadable'})"
                        )
                    for where in done.corrupt:
                        log.warning("%s", where)
                    files_done.advance()
                    files_done.update(description=f"{label} {batch.path.name}")
        finally:
            parsed.close()
    result.seconds = time.perf_counter() - started
    if unreadable:  # what the other files held is stored; this one needs the user's attention
        raise InputError(f"{unreadable[0]}; pass hourly .json.gz files from GH Archive")
    return result


@dataclass
class Batch:
    """The rows of one transaction, staged (by this process or by the parser processes)."""

    path: Path
    staged: list[Path] = field(default_factory=list)  # scratch SQLite files, each with a table ``events``
    count: int = 0
    done: ImportResult | None = None  # the file's counts, with its last batch


Parsed = Generator[Batch, None, None]  # closed when an import stops early: its parsers end


def _parse(paths: list[Path], tracked: Tracked | None, chunk_bytes: int, folder: Path, limits: Limits) -> Parsed:
    """The events rows of each chunk of text, file by file, parsed here and staged as the parser
    processes stage them (moving a staged file in costs less than binding the rows into ``events``)."""
    with tempfile.TemporaryDirectory(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-", dir=folder) as scratch:
        chunks = itertools.count()
        for path in paths:
            counts = ImportResult(files=1)
            try:
                for text, line_count in _chunks(path, chunk_bytes, limits):
                    rows = _chunk_rows(text, path, counts.lines + 1, tracked, counts, line_count)
                    staged = _stage(Path(scratch) / f"chunk{next(chunks)}.db", rows)
                    yield Batch(path, staged=[staged], count=sum(map(len, rows.values())))
                    staged.unlink()
            except STREAM_ERRORS as exc:
                counts.report(damaged_report(path, counts.lines + 1, exc))
                counts.damaged = True
            except TooLarge as exc:
                counts.refuse(too_large_report(path, exc))
            yield Batch(path, done=counts)


def _parse_in_processes(
    paths: list[Path], tracked: Tracked | None, chunk_bytes: int, folder: Path, limits: Limits, workers: int = PARSERS
) -> Parsed:
    """:func:`_parse` with ``workers`` child processes parsing chunks in turn.

    A thread of this process inflates each file and deals its chunks round-robin to the
    parsers; each parser turns a chunk into rows and binds them into a scratch SQLite
    file (no journal, no indexes), which this process moves into ``events`` with one
    ``INSERT ... SELECT`` (a third of the cost of binding the rows here). Results are
    taken in the order the chunks were dealt, so rows, counts and corrupt lines come out
    as :func:`_parse` gives them. At most :data:`STAGED_PER_TRANSACTION` chunks and two a
    parser are being sent, parsed or waiting on disk (this bounds the parsers' scratch
    files). Threads would serialise on the GIL; the parsers are forked (spawning would
    re-import the caller's main module) and run only the parser: no logging, nothing that
    takes a lock of this process.
    """
    context = multiprocessing.get_context("fork")
    with tempfile.TemporaryDirectory(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-", dir=folder) as scratch:
        chunk_senders: list[Connection] = []
        result_receivers: list[Connection] = []
        parsers = []
        for number in range(workers):
            chunk_receiver, chunk_sender = context.Pipe(duplex=False)
            result_receiver, result_sender = context.Pipe(duplex=False)
            parent_ends = [*chunk_senders, *result_receivers, chunk_sender, result_receiver]
            parser = context.Process(
                target=_parse_worker,
                args=(
                    tracked,
                    Path(scratch) / f"parser{number}",
                    chunk_receiver,
                    result_sender,
                    parent_ends,
                    os.getpid(),
                ),
                name=f"gharchive-parser-{number}",
                daemon=True,
            )
            parser.start()
            chunk_receiver.close()
            result_sender.close()
            chunk_senders.append(chunk_sender)
            result_receivers.append(result_receiver)
            parsers.append(parser)
        dealt: queue.Queue = queue.Queue()  # (parser, path) per chunk, (None, path, file counts) per file
        slots = threading.BoundedSemaphore(STAGED_PER_TRANSACTION + 2 * workers)
        stop = threading.Event()

        def deal() -> None:
            try:
                turn = 0
                for path in paths:
                    counts, line = ImportResult(files=1), 1
                    try:
                        for text, line_count in _chunks(path, chunk_bytes, limits):
                            while not slots.acquire(timeout=0.1):
                                if stop.is_set():
                                    return
                            chunk_senders[turn].send((path, line, line_count))
                            chunk_senders[turn].send_bytes(text)  # as is: pickling would copy it once more each side
                            dealt.put((turn, path))
                            turn = (turn + 1) % workers
                            line += line_count
                    except STREAM_ERRORS as exc:
                        counts.report(damaged_report(path, line, exc))
                        counts.damaged = True
                    except TooLarge as exc:
                        counts.refuse(too_large_report(path, exc))
                    dealt.put((None, path, counts))
                dealt.put(None)
            except BaseException:  # noqa: BLE001 - raised in the importing thread
                dealt.put(traceback.format_exc(limit=5))

        dealer = threading.Thread(target=deal, name="gharchive-dealer", daemon=True)
        dealer.start()
        try:
            counts, batch = ImportResult(), None
            while (item := dealt.get()) is not None:
                if isinstance(item, str):
                    raise RuntimeError(f"GH Archive reader failed: {item}")
                turn, path, *file_counts = item
                batch = batch or Batch(path)
                if turn is None:
                    counts.merge(file_counts[0])
                    batch.done, counts = counts, ImportResult()
                else:
                    try:
                        message = result_receivers[turn].recv()
                    except EOFError:
                        raise RuntimeError(
                            f"GH Archive parser process ended unexpectedly (exit code {parsers[turn].exitcode})"
                        ) from None
                    if isinstance(message, str):
                        raise RuntimeError(f"GH Archive parser failed: {message}")
                    staged, count, chunk_counts = message
                    counts.merge(chunk_counts)
                    batch.staged.append(staged)
                    batch.count += count
                if (
                    batch.done is not None
                    or batch.count >= ROWS_PER_TRANSACTION
                    or len(batch.staged) == STAGED_PER_TRANSACTION
                ):
                    yield batch
                    for staged in batch.staged:
                        staged.unlink()
                        slots.release()
                    batch = None
            for sender in chunk_senders:
                sender.send(None)
            for parser in parsers:
                parser.join()
        finally:
            stop.set()
            for parser in parsers:
                if parser.is_alive():
                    parser.terminate()
                    parser.join()
            dealer.join()
            for connection in (*chunk_senders, *result_receivers):
                connection.close()


SCRATCH_PREFIX = ".gharchive-"
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>; prctl(2): the signal a process gets when its parent dies


def remove_stale_scratch(folder: Path) -> list[Path]:
    """Remove the scratch folders (``.gharchive-PID-*``) whose importing process is gone; returns them."""
    removed = []
    for scratch in folder.glob(f"{SCRATCH_PREFIX}*"):
        pid = scratch.name[len(SCRATCH_PREFIX) :].split("-", 1)[0]
        if scratch.is_dir() and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(scratch, ignore_errors=True)
            removed.append(scratch)
    if removed:
        log.info("removed %d scratch folder(s) left by killed imports: %s", len(removed), ", ".join(map(str, removed)))
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def _die_with_parent(parent: int) -> None:
    """Have the kernel SIGKILL this process when its parent dies (Linux prctl; elsewhere the closed pipes end it)."""
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _parse_worker(
    tracked: Tracked | None, scratch: Path, chunks: Any, results: Any, parent_ends: list, parent: int
) -> None:
    """A parser process: each chunk of text -> a staged batch, its row count and its counts.

    ``parent_ends`` are the pipe ends the importing process keeps, inherited by the fork:
    closed here, so that the chunk pipe reads end-of-file once the importing process is gone.
    """
    _die_with_parent(parent)
    for connection in parent_ends:
        connection.close()
    try:
        for serial in itertools.count():
            try:
                message = chunks.recv()
                if message is None:
                    break
                text = chunks.recv_bytes()  # the chunk's text follows its (path, first line, line count)
            except EOFError:  # the importing process is gone
                return
            path, first_line, line_count = message
            counts = ImportResult()
            rows = _chunk_rows(text, path, first_line, tracked, counts, line_count)
            staged = _stage(scratch.with_name(f"{scratch.name}-{serial}.db"), rows)
            results.send((staged, sum(map(len, rows.values())), counts))
    except BaseException:  # noqa: BLE001 - reported to the importing process
        results.send(traceback.format_exc(limit=5))
    finally:
        results.close()


def _stage(path: Path, rows: Laid) -> Path:
    """Write rows to a scratch SQLite file (table ``events``, the columns of a row; each row's rowid its line's number)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA page_size = 65536")  # a sixth less CPU to write than 4 KiB pages, and as quick to read
        conn.execute(f"CREATE TABLE events ({', '.join(EVENT_ROW_COLUMNS)})")
        conn.execute("BEGIN")
        for layout, values in rows.items():
            conn.executemany(layout.insert(), values)
        conn.execute("COMMIT")
    finally:
        conn.close()
    return path


def _chunk_rows(
    text: bytes, path: Path, first_line: int, tracked: Tracked | None, counts: ImportResult, line_count: int
) -> Laid:
    """The events rows of a chunk of ``line_count`` lines numbered from ``first_line``, by layout,
    counting in ``counts`` what is skipped."""
    counts.lines += line_count
    rows: Laid = {}
    search = _REPO.search
    utf8 = _is_utf8(text)  # a chunk at once; line by line only in a chunk that is not
    read = 0  # lines not left out as empty by _numbered_lines
    for number, line in _numbered_lines(text, first_line, line_count):
        read += 1
        if not utf8 and not _is_utf8(line):
            counts.report(f"{path}:{number}: not JSON (not UTF-8 text)")
            continue
        if tracked is not None:
            match = search(line)
            if match is not None:
                payload = line.find(b'"payload":')
                if payload < 0 or match.start() < payload:
                    if (int(match[1]), match[2].decode("utf-8", "replace")) not in tracked:
                        counts.untracked += 1
                        continue
        laid = _layout_row(line, path, number, counts)
        if laid is None:
            continue
        layout, values = laid
        if tracked is not None and (values[5], values[6]) not in tracked:  # repo_id, repo_name
            counts.untracked += 1
            continue
        group = rows.get(layout)
        if group is None:
            group = rows[layout] = []
        group.append(values)
    counts.blank += line_count - read
    return rows


def _numbered_lines(text: bytes, first_line: int, line_count: int) -> Iterable[tuple[int, bytes]]:
    """The lines of ``text`` with their numbers. Text of short lines (a GH Archive event takes
    hundreds of bytes) is read a line at a time, blank ones left out without a step each: a file
    of nothing but newlines costs what counting them costs, and no list of its lines is made."""
    if len(text) >= SHORTEST_EVENT * line_count:
        lines = text.split(b"\n")
        if not lines[-1]:
            lines.pop()  # after the final newline
        return enumerate(lines, start=first_line)
    return _nonblank_lines(text, first_line)


SHORTEST_EVENT = 64  # bytes: shorter lines on average are read one at a time (see _numbered_lines)


def _nonblank_lines(text: bytes, first_line: int) -> Iterator[tuple[int, bytes]]:
    number, start = first_line, 0
    for match in _NONBLANK.finditer(text):
        number += text.count(b"\n", start, match.start())
        start = match.start()
        yield number, match[0]


_NONBLANK = re.compile(rb"[^\n]+")


def archive_files(paths: Iterable[str | Path]) -> list[Path]:
    """``paths`` as paths, each an existing file, else an :class:`InputError` naming the first missing one."""
    files = [Path(p) for p in paths]
    for path in files:
        if not path.is_file():
            raise InputError(
                f"{path}: no such GH Archive file; pass hourly .json.gz files such as 2025-01-01-15.json.gz"
            )
    return files


# GH Archive's hourly file names: YYYY-MM-DD-H.json.gz, the hour (UTC) without a leading zero
_HOUR_FILE = re.compile(r"(\d{4})-(\d{2})-(\d{2})-(\d{1,2})\.json(?:\.gz)?")


def hour_of_file(path: str | Path) -> str | None:
    """The hour ``YYYY-MM-DDTHH`` (UTC) a GH Archive file holds, by its name
    (``2024-01-15-3.json.gz``: https://www.gharchive.org/, "hourly archives"); None for
    a name that is not one."""
    match = _HOUR_FILE.fullmatch(Path(path).name)
    if not match:
        return None
    year, month, day, hour = (int(part) for part in match.groups())
    try:
        return datetime.datetime(year, month, day, hour).strftime("%Y-%m-%dT%H")
    except ValueError:  # no such day or hour
        return None


def archive_hour(path: Path, counts: ImportResult) -> ArchiveHour | None:
    """What the store records of an imported file: its hour, lines and whether it broke."""
    hour = hour_of_file(path)
    return ArchiveHour(hour, path.name, counts.lines, counts.damaged) if hour else None


def damaged_report(path: Path, line: int, exc: BaseException) -> str:
    return f"{path}:{line}: file ends early or is damaged ({exc}); lines before it were imported"


def inflated_lines(path: Path, size: int = CHUNK_BYTES, limits: Limits | None = None) -> Iterator[bytes]:
    """The text of a GH Archive file in pieces of whole lines, as the importer reads it (see :func:`_chunks`)."""
    return (text for text, _ in _chunks(path, size, limits))


def _chunks(path: Path, size: int, limits: Limits | None = None) -> Iterator[tuple[bytes, int]]:
    """The text of a gzip (one or more members) or plain JSON-lines file in pieces of about
    ``size`` bytes, each ending with a newline (but the file's last, if it lacks one), with
    its count of lines (counted once, here, as the bound on a file's lines needs).

    A stream that stops mid-member raises EOFError, damaged data zlib_ng.error, a file past a
    bound of ``limits`` (default :data:`LIMITS`) :class:`TooLarge`, each after a last piece
    with the whole lines before the break. Each inflated byte is joined into a piece once
    (a long line does not make the buffering quadratic).
    """
    limits = limits or LIMITS
    parts: list[bytes] = []
    held = tail = inflated = lines = dealt = 0  # tail: the bytes after the last newline; dealt: lines yielded
    try:
        for piece in _inflated(path, min(size, 1 << 20)):
            # Checked before the piece is kept: a refused file's lines before the piece are imported.
            inflated += len(piece)
            if inflated > limits.file_bytes:
                raise TooLarge(lines + 1, f"inflates to more than {byte_size(limits.file_bytes)}")
            newlines = piece.count(b"\n")
            if lines + newlines > limits.file_lines:
                raise TooLarge(lines + 1, f"more than {limits.file_lines:,} lines")
            if tail + len(piece) > limits.line_bytes:
                long_line = _long_line(piece, tail, lines, limits.line_bytes)
                if long_line is not None:
                    number, start = long_line
                    parts.append(piece[: max(start, 0)])  # the whole lines before it
                    raise TooLarge(number, f"a line longer than {byte_size(limits.line_bytes)}")
            parts.append(piece)
            held += len(piece)
            newline = piece.rfind(b"\n")
            tail = tail + len(piece) if newline < 0 else len(piece) - newline - 1
            lines += newlines
            if held >= size and newline >= 0:
                text = b"".join(parts)
                yield text[: len(text) - tail], lines - dealt
                parts, held, dealt = ([text[len(text) - tail :]] if tail else []), tail, lines
    except (*STREAM_ERRORS, TooLarge):
        text = b"".join(parts)
        if end := text.rfind(b"\n") + 1:
            yield text[:end], text.count(b"\n", 0, end)
        raise
    if text := b"".join(parts):
        yield text, lines - dealt + (not text.endswith(b"\n"))


def _long_line(piece: bytes, tail: int, lines: int, line_bytes: int) -> tuple[int, int] | None:
    """The number and start (in ``piece``; negative when it began before) of the first line of
    ``piece`` longer than ``line_bytes``, counting the ``tail`` bytes of its first line that came
    before it (and the ``lines`` before that); None when there is none."""
    start, number = -tail, lines + 1
    while (newline := piece.find(b"\n", max(start, 0))) >= 0:
        if newline - start > line_bytes:
            return number, start
        start, number = newline + 1, number + 1
    return (number, start) if len(piece) - start > line_bytes else None


def byte_size(count: int) -> str:
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if count >= scale:
            return f"{count / scale:g} {unit}"
    return f"{count} bytes"


def too_large_report(path: Path, exc: TooLarge, kept: str = "lines before it were imported") -> str:
    return f"{path}:{exc.line}: {exc}: not an hourly GH Archive file (damaged, or a decompression bomb); {kept}"


def _inflated(path: Path, step: int) -> Iterator[bytes]:
    """The bytes of a gzip (one or more members) or plain file, at most ``step`` at a time.

    Bounded inflate steps: damage loses at most this much of what precedes it.
    """
    with path.open("rb") as raw:
        if raw.read(2) != b"\x1f\x8b":
            raw.seek(0)
            while data := raw.read(step):
                yield data
            return
        raw.seek(0)
        # zlib-ng: the zlib format, inflated in less than half of CPython's zlib's CPU time
        inflater, pending = zlib_ng.decompressobj(wbits=31), False
        while compressed := raw.read(step):
            while compressed:
                pending = True
                yield inflater.decompress(compressed, step)
                compressed = inflater.unconsumed_tail
                if inflater.eof:  # end of a gzip member; another may follow
                    compressed, pending = inflater.unused_data, False
                    inflater = zlib_ng.decompressobj(wbits=31)
        if pending:
            raise EOFError("the compressed stream ends before its end marker")


def _row(line: bytes, path: Path, number: int, result: ImportResult) -> tuple | None:
    """The ``events`` row of one line (every column of :data:`EVENT_ROW_COLUMNS`), or None when the
    line is skipped (counted in ``result``): :func:`_layout_row` widened."""
    laid = _layout_row(line, path, number, result)
    return None if laid is None else laid[0].widen(laid[1])


def _layout_row(line: bytes, path: Path, number: int, result: ImportResult) -> tuple[Layout, tuple] | None:
    """One line's :class:`Layout` and its row's values in it (the line's ``number`` first), or None
    when the line is skipped (counted in ``result``).

    The line is decoded straight into its type's :class:`Event` record (:data:`EVENTS`: msgspec
    checks every declared field's type and range, the payload's with them, as it parses); a line
    of another type fails at its ``type`` and is counted as that type (:func:`_refused`). The row
    is built here, and only here.
    """
    try:
        event = _decode(_EVENT, line)
    except msgspec.ValidationError as exc:
        _refused(line, path, number, result, str(exc))
        return None
    except msgspec.DecodeError as exc:
        if line.strip():
            result.report(f"{path}:{number}: not JSON ({exc})")
        else:
            result.blank += 1
        return None
    kind = event.kind
    if event.id is None or event.created_at is None or event.repo is None:
        result.report(f"{path}:{number}: {kind} without id, created_at or repo")
        return None
    ident = event.id
    if type(ident) is str and not (
        ident.isascii() and ident.isdigit() and ident[0] != "0" and (len(ident) < 19 or _DIGITS.match(ident))
    ):
        result.report(f"{path}:{number}: {kind}: not an id: {ident!r} - at `$.id`")
        return None
    if event.created_at not in _TIMES and not _utc_time(event.created_at):
        result.report(
            f"{path}:{number}: {kind}: not a UTC time of a calendar day: {event.created_at!r} - at `$.created_at`"
        )
        return None
    payload = event.payload or _NO_PAYLOAD
    actor = event.actor or _NOBODY
    login = actor.login
    bot = _BOT_FLAGS.get(login)
    if bot is None:
        bot = _bot_flag(login)
    repo = event.repo
    layout, own = payload.layout_values()
    # The line's number, EVENT_COLUMNS, then the payload's
    return layout, (
        number,
        str(ident),
        kind,
        actor.id,
        login,
        repo.id,
        repo.name,
        event.created_at,
        bot,
        payload.action,
        *own,
    )


def _bot_flag(login: str | None) -> int:
    """:func:`ecometrics.core.bots.is_bot_login` as the ``is_bot`` column holds it, remembered per login (an
    hour's file names each active account many times)."""
    if len(_BOT_FLAGS) >= 200_000:
        _BOT_FLAGS.clear()
    flag = _BOT_FLAGS[login] = int(is_bot_login(login))
    return flag


_BOT_FLAGS: dict[str | None, int] = {}


def _is_utf8(text: bytes) -> bool:
    """Whether ``text`` is UTF-8, as JSON text must be (RFC 8259, section 8.1). msgspec checks the
    strings it decodes, not those of the fields it skips, so the whole line is checked here."""
    if text.isascii():
        return True
    try:
        text.decode()
    except UnicodeDecodeError:
        return False
    return True


# How deep a line may nest: what ClickHouse's JSON parser (simdjson, its DEFAULT_MAX_DEPTH) reads.
# GH Archive's lines nest fewer than ten levels.
MAX_DEPTH = 1024
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_BRACKETS = re.compile(rb"[\[\]{}]")


def _decode(decoder: msgspec.json.Decoder, data: bytes) -> Any:
    """``decoder.decode(data)``, refused past :data:`MAX_DEPTH` levels whatever room the stack
    has (a line with fewer brackets than that cannot nest deeper: two counts in C decide most
    lines); a document nested deeper than Python's recursion limit lets msgspec go is decoded
    again with room up to :data:`MAX_DEPTH` levels."""
    if data.count(b"[") + data.count(b"{") > MAX_DEPTH and _depth(data) > MAX_DEPTH:
        raise msgspec.DecodeError(f"nested deeper than {MAX_DEPTH} levels")
    try:
        return decoder.decode(data)
    except RecursionError:
        pass
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(limit + MAX_DEPTH)
    try:
        return decoder.decode(data)
    finally:
        sys.setrecursionlimit(limit)


def _depth(data: bytes) -> int:
    """How deep the arrays and objects of a JSON text nest (its strings left out)."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRING.sub(b"", data)):
        if bracket in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _refused(line: bytes, path: Path, number: int, result: ImportResult, reason: str) -> None:
    """Count a line :class:`Event` refused: an unknown type is skipped as such, whatever else it holds."""
    try:
        kind = _decode(_KIND, line).type
    except msgspec.DecodeError:
        kind = None
    if not kind:
        result.report(f"{path}:{number}: not a GH Archive event: no type")
    elif kind not in EVENT_TYPES:
        result.skipped_types[kind] += 1
    else:
        result.report(f"{path}:{number}: {kind}: {reason}")


def _utc_time(at: str) -> bool:
    """Whether ``at`` is :data:`UTC_TIME` (of a real calendar day); remembered when it is."""
    if not _UTC_TIME.match(at):
        return False
    if len(_TIMES) >= 100_000:
        _TIMES.clear()
    _TIMES.add(at)
    return True


_UTC_TIME = re.compile(UTC_TIME)
_DIGITS = re.compile(DIGITS)
_TIMES: set[str] = set()  # times seen valid (an hour's file holds 3,600)
