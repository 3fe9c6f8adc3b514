"""The one store: a SQLite file, its schema and its migrations.

Everything that reads or writes the database goes through :class:`Store`. The schema
is versioned with ``PRAGMA user_version``; :data:`MIGRATIONS` holds one entry per
version and opening an older file applies the missing ones in place, in order, each in
its own transaction. Writes are idempotent upserts keyed by the source's stable id
(GitHub database ids survive renames; Hugging Face model ids are ``author/name``), and
:meth:`Store.save_page` commits a page of rows together with its checkpoint so that a
killed run loses at most the page in flight. Every write is a named method here (a page of
models, a merge of staged events, a derived table replaced, ...), each with its fast SQL
(one ``executemany`` per table, ``INSERT ... SELECT`` from a staged file), so the schema
and all that writes it read in one module. ``checkpoints`` hold only what a rerun
resumes from; the rest that is kept (the last API budgets seen, the demo's marker) is in
``meta``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard

import sqlite_utils

from ecometrics.collector.cancel import raise_if_stopped
from ecometrics.core.dates import utc_now
from ecometrics.core.errors import InputError, WriteFailed

# Each migration is plain SQL, applied once, in order. Never edit a released entry:
# add a new one. The list index + 1 is the schema version it produces.
MIGRATIONS: list[str] = [
    # 1: the collected sources, the run log and checkpoints.
    """
    CREATE TABLE repos (
        id INTEGER PRIMARY KEY,            -- GitHub database id: survives renames
        full_name TEXT NOT NULL,           -- OWNER/NAME as last seen
        owner TEXT NOT NULL,
        name TEXT NOT NULL,
        description TEXT,
        created_at TEXT,
        pushed_at TEXT,
        language TEXT,
        license TEXT,
        topics TEXT,                       -- JSON list
        archived INTEGER,
        fork INTEGER,
        status TEXT NOT NULL DEFAULT 'ok', -- ok | renamed | not_found
        updated_at TEXT
    );
    CREATE INDEX repos_full_name ON repos(full_name COLLATE NOCASE);
    CREATE INDEX repos_owner ON repos(owner COLLATE NOCASE);

    CREATE TABLE repo_snapshots (
        repo_id INTEGER NOT NULL REFERENCES repos(id),
        date TEXT NOT NULL,                -- YYYY-MM-DD, UTC
        stars INTEGER,
        forks INTEGER,
        watchers INTEGER,
        open_issues INTEGER,
        open_pull_requests INTEGER,
        contributors INTEGER,
        PRIMARY KEY (repo_id, date)
    );

    CREATE TABLE stargazers (
        repo_id INTEGER NOT NULL REFERENCES repos(id),
        user_id INTEGER NOT NULL,
        login TEXT,
        starred_at TEXT NOT NULL,
        PRIMARY KEY (repo_id, user_id)
    );
    CREATE INDEX stargazers_starred_at ON stargazers(repo_id, starred_at);

    CREATE TABLE developers (
        id INTEGER PRIMARY KEY,            -- GitHub database id
        login TEXT NOT NULL,
        type TEXT,                         -- User | Bot | Organization
        is_bot INTEGER NOT NULL DEFAULT 0,
        updated_at TEXT
    );
    CREATE INDEX developers_login ON developers(login COLLATE NOCASE);

    CREATE TABLE contributors (
        repo_id INTEGER NOT NULL REFERENCES repos(id),
        date TEXT NOT NULL,                -- snapshot day
        contributor TEXT NOT NULL,         -- developer id, or 'anon:<email>' for anonymous
        developer_id INTEGER,
        login TEXT,
        contributions INTEGER NOT NULL,
        PRIMARY KEY (repo_id, date, contributor)
    );

    CREATE TABLE contributor_weeks (       -- /stats/contributors
        repo_id INTEGER NOT NULL REFERENCES repos(id),
        developer_id INTEGER NOT NULL,
        week TEXT NOT NULL,                -- week start, YYYY-MM-DD
        commits INTEGER NOT NULL,
        additions INTEGER,
        deletions INTEGER,
        PRIMARY KEY (repo_id, developer_id, week)
    );

    CREATE TABLE events (                  -- the GH Archive event model
        id TEXT PRIMARY KEY,               -- GH Archive id, or 'rest:...' for REST-derived
        type TEXT NOT NULL,                -- IssuesEvent, PullRequestEvent, IssueCommentEvent, ...
        action TEXT,                       -- opened | closed | reopened | created | ...
        actor_id INTEGER,
        actor_login TEXT,
        repo_id INTEGER,
        repo_name TEXT,
        created_at TEXT NOT NULL,
        issue_number INTEGER,              -- issue or pull request number
        comment_id INTEGER,
        push_id TEXT,                      -- GH Archive push_id, or the commit sha from REST
        merged INTEGER,
        is_bot INTEGER NOT NULL DEFAULT 0,
        source TEXT NOT NULL               -- rest | gharchive
    );
    CREATE INDEX events_created_at ON events(created_at);
    CREATE INDEX events_repo ON events(repo_id, created_at);

    CREATE TABLE models (
        id TEXT PRIMARY KEY,               -- author/name
        author TEXT,
        created_at TEXT,
        last_modified TEXT,
        library TEXT,
        pipeline_tag TEXT,
        license TEXT,
        parameters INTEGER,
        gated TEXT,                        -- false | auto | manual
        children_count TEXT,               -- JSON: the Hub's childrenModelCount per relation
        status TEXT NOT NULL DEFAULT 'ok', -- ok | gated | not_found
        updated_at TEXT
    );
    CREATE INDEX models_author ON models(author COLLATE NOCASE);

    CREATE TABLE model_snapshots (
        model_id TEXT NOT NULL REFERENCES models(id),
        date TEXT NOT NULL,
        downloads_30d INTEGER,
        downloads_all_time INTEGER,
        likes INTEGER,
        trending_score REAL,
        PRIMARY KEY (model_id, date)
    );

    CREATE TABLE model_edges (             -- parent -> child; endpoints need not be in models
        child TEXT NOT NULL,
        parent TEXT NOT NULL,
        relation TEXT NOT NULL CHECK (relation IN ('finetune', 'adapter', 'quantized', 'merge')),
        source TEXT NOT NULL,              -- hub | import
        PRIMARY KEY (child, parent)
    );
    CREATE INDEX model_edges_parent ON model_edges(parent);

    CREATE TABLE job_runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        job TEXT NOT NULL,                 -- run | collect:github | analyze:openrank | ...
        started_at TEXT NOT NULL,
        finished_at TEXT,
        status TEXT NOT NULL,              -- running | ok | partial | failed
        api_requests TEXT,                 -- JSON: {"github": n, "hf": n}
        rows_written INTEGER,
        error TEXT,
        pid INTEGER
    );

    CREATE TABLE checkpoints (
        source TEXT NOT NULL,              -- e.g. github:stargazers
        key TEXT NOT NULL,                 -- e.g. the repo id
        cursor TEXT,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (source, key)
    );
    """,
    # 2: conditional-request validators and the derived tables.
    """
    CREATE TABLE http_cache (              -- validators for conditional requests (304s are free)
        url TEXT PRIMARY KEY,
        etag TEXT,
        last_modified TEXT,
        updated_at TEXT NOT NULL
    );

    CREATE TABLE openrank (
        kind TEXT NOT NULL,                -- repo | developer
        entity_id INTEGER NOT NULL,
        month TEXT NOT NULL,               -- YYYY-MM
        value REAL NOT NULL,
        PRIMARY KEY (kind, entity_id, month)
    );
    CREATE INDEX openrank_month ON openrank(month, kind);

    CREATE TABLE model_influence (
        model_id TEXT PRIMARY KEY,
        value REAL NOT NULL,
        computed_at TEXT NOT NULL
    );
    """,
    # 3: activity per (month, repo, developer) and the fingerprints of computed OpenRank months.
    """
    CREATE TABLE activity (                -- OpenDigger's activity terms, written by ecometrics.analysis.activity
        month TEXT NOT NULL,               -- YYYY-MM
        repo_id INTEGER NOT NULL,
        repo_name TEXT,
        developer_id INTEGER NOT NULL,
        login TEXT,
        issues_opened INTEGER NOT NULL,
        issue_comments INTEGER NOT NULL,
        issues_closed INTEGER NOT NULL,
        review_comments INTEGER NOT NULL,
        prs_opened INTEGER NOT NULL,
        pushes INTEGER NOT NULL,
        activity REAL NOT NULL,
        push_only INTEGER NOT NULL,        -- 1: left out of the OpenRank network
        PRIMARY KEY (month, repo_id, developer_id)
    );
    CREATE INDEX activity_developer ON activity(developer_id, month);

    CREATE TABLE openrank_months (         -- one row per computed month of global OpenRank
        month TEXT PRIMARY KEY,
        fingerprint TEXT NOT NULL,         -- events + parameters + previous month: unchanged -> skip
        nodes INTEGER NOT NULL,
        pairs INTEGER NOT NULL,
        iterations INTEGER NOT NULL,
        converged INTEGER NOT NULL,
        background REAL,
        computed_at TEXT NOT NULL
    );
    """,
    # 4: the models the config tracks: the roots whose derivative trees are crawled.
    """
    ALTER TABLE models ADD COLUMN tracked INTEGER NOT NULL DEFAULT 0;  -- 1: an author's or listed model
    CREATE INDEX models_tracked ON models(tracked) WHERE tracked = 1;
    """,
    # 5: lineage figures per model and the family table they were computed with.
    """
    CREATE TABLE model_lineage (           -- every model in models or model_edges
        model_id TEXT PRIMARY KEY,
        parents INTEGER NOT NULL,          -- distinct parents over the counted edges
        relations TEXT,                    -- its relations to its parents, comma-joined
        direct_derivatives INTEGER NOT NULL,
        finetune INTEGER NOT NULL,
        adapter INTEGER NOT NULL,
        quantized INTEGER NOT NULL,
        merge INTEGER NOT NULL,
        all_derivatives INTEGER NOT NULL,  -- distinct transitive descendants
        max_depth INTEGER NOT NULL,        -- longest parent -> child path below it
        descendant_downloads_30d INTEGER NOT NULL,
        descendant_downloads_all_time INTEGER NOT NULL,
        family TEXT,                       -- families of its root ancestors, '+'-joined
        origin TEXT,                       -- their origin countries, '+'-joined
        computed_at TEXT NOT NULL
    );
    CREATE INDEX model_lineage_family ON model_lineage(family);

    CREATE TABLE lineage_families (        -- built-in lab table with the config's overrides
        family TEXT PRIMARY KEY,
        origin TEXT,
        authors TEXT,                      -- JSON list of HF authors
        source TEXT NOT NULL               -- builtin | config
    );
    """,
    # 6: what the GitHub API withholds or takes back.
    """
    ALTER TABLE stargazers ADD COLUMN removed_at TEXT;               -- the day a walk found the star gone
    ALTER TABLE repo_snapshots ADD COLUMN anonymous_contributors INTEGER;  -- authors GitHub links to no user
    ALTER TABLE http_cache ADD COLUMN next_url TEXT;                 -- the page's Link rel="next", relative
    """,
    # 7: Hugging Face ids that now redirect (a renamed or transferred model) -> the id they lead to.
    """
    CREATE TABLE model_aliases (
        alias TEXT PRIMARY KEY,            -- the old author/name; its models row, if any, is 'renamed'
        model_id TEXT NOT NULL,            -- the id the Hub redirects it to
        updated_at TEXT NOT NULL
    );
    CREATE INDEX model_aliases_model ON model_aliases(model_id);
    """,
    # 8: what OpenDigger's OpenRank and activity need from events, its labels, community OpenRank.
    """
    ALTER TABLE events ADD COLUMN title TEXT;          -- the issue's or pull request's title
    ALTER TABLE events ADD COLUMN author_id INTEGER;   -- the issue's or pull request's author
    ALTER TABLE events ADD COLUMN author_login TEXT;

    CREATE TABLE labels (                  -- OpenDigger's labeled_data, one row per YAML file
        id TEXT PRIMARY KEY,               -- ':companies/alibaba', ':bot', ...
        type TEXT,                         -- Company | Foundation | Division-0 | Bot | ...
        name TEXT,
        parents TEXT,                      -- JSON list of the ids that include it
        imported_at TEXT NOT NULL
    );
    CREATE TABLE label_entities (          -- each label's repos, orgs and users, its children's included
        label_id TEXT NOT NULL,
        entity_type TEXT NOT NULL,         -- repo | org | user
        entity_id INTEGER NOT NULL,        -- GitHub id
        name TEXT,                         -- OWNER/NAME, org login or user login as labelled
        PRIMARY KEY (label_id, entity_type, entity_id)
    );
    CREATE INDEX label_entities_entity ON label_entities(entity_type, entity_id);

    CREATE TABLE community_openrank (      -- OpenRank inside one repository, one month
        repo_id INTEGER NOT NULL,
        month TEXT NOT NULL,
        node_type TEXT NOT NULL,           -- repo | issue | pull | developer
        node_id INTEGER NOT NULL,          -- repo id, issue/PR number or developer id
        name TEXT,                         -- OWNER/NAME, title or login
        value REAL NOT NULL,
        PRIMARY KEY (repo_id, month, node_type, node_id)
    );
    """,
    # 9: how many items a stored page held: a full last page may have grown a next one.
    """
    ALTER TABLE http_cache ADD COLUMN items INTEGER;
    """,
    # 10: checkpoints hold resume cursors only; API budgets and the demo marker move to meta.
    """
    CREATE TABLE meta (                    -- what the store keeps that no rerun resumes from
        key TEXT PRIMARY KEY,              -- budget:github:core | budget:hf | demo:synthetic
        value TEXT,
        updated_at TEXT NOT NULL
    );
    INSERT INTO meta (key, value, updated_at)
        SELECT source || ':' || key, cursor, updated_at FROM checkpoints
        WHERE source = 'budget' OR (source = 'demo' AND key = 'synthetic');
    DELETE FROM checkpoints WHERE source = 'budget' OR (source = 'demo' AND key = 'synthetic');
    """,
    # 11: models and their snapshots keyed by platform as well as id (Qwen/Qwen3-8B is on both
    # Hugging Face and ModelScope); every row stored before is Hugging Face's.
    """
    CREATE TABLE models_by_platform (
        platform TEXT NOT NULL DEFAULT 'huggingface' CHECK (platform IN ('huggingface', 'modelscope')),
        id TEXT NOT NULL,                  -- author/name on its platform
        author TEXT,
        created_at TEXT,
        last_modified TEXT,
        library TEXT,
        pipeline_tag TEXT,
        license TEXT,
        parameters INTEGER,
        gated TEXT,
        children_count TEXT,
        status TEXT NOT NULL DEFAULT 'ok',
        updated_at TEXT,
        tracked INTEGER NOT NULL DEFAULT 0,
        same_as TEXT,                      -- a ModelScope model's Hugging Face id when it is the same model
        PRIMARY KEY (platform, id)
    );
    INSERT INTO models_by_platform (platform, id, author, created_at, last_modified, library, pipeline_tag, license,
                                    parameters, gated, children_count, status, updated_at, tracked)
        SELECT 'huggingface', id, author, created_at, last_modified, library, pipeline_tag, license,
               parameters, gated, children_count, status, updated_at, tracked FROM models;
    CREATE TABLE model_snapshots_by_platform (
        platform TEXT NOT NULL DEFAULT 'huggingface',
        model_id TEXT NOT NULL,
        date TEXT NOT NULL,
        downloads_30d INTEGER,             -- NULL on ModelScope, which counts all time only
        downloads_all_time INTEGER,
        likes INTEGER,
        trending_score REAL,
        PRIMARY KEY (platform, model_id, date),
        FOREIGN KEY (platform, model_id) REFERENCES models_by_platform (platform, id)
    );
    INSERT INTO model_snapshots_by_platform (platform, model_id, date, downloads_30d, downloads_all_time, likes,
                                             trending_score)
        SELECT 'huggingface', model_id, date, downloads_30d, downloads_all_time, likes, trending_score
        FROM model_snapshots;
    DROP TABLE model_snapshots;
    DROP TABLE models;
    ALTER TABLE models_by_platform RENAME TO models;
    ALTER TABLE model_snapshots_by_platform RENAME TO model_snapshots;
    CREATE INDEX models_id ON models(id);
    CREATE INDEX models_author ON models(author COLLATE NOCASE);
    CREATE INDEX models_tracked ON models(tracked) WHERE tracked = 1;
    """,
    # 12: what OpenDigger's other metrics read from an event's payload, under the names of
    # OpenDigger's ClickHouse ``events`` table (X-lab2017/open-digger
    # docs/assets/data_description.csv). NULL is "the source did not say", never 0.
    # ``merged`` is OpenDigger's ``pull_merged``; ``author_id``/``author_login`` its
    # ``issue_author_id``/``issue_author_login`` (migration 8).
    """
    ALTER TABLE events ADD COLUMN issue_created_at TEXT;      -- the issue's / pull request's created_at
    ALTER TABLE events ADD COLUMN issue_closed_at TEXT;       -- its closed_at (NULL while open or unknown)
    ALTER TABLE events ADD COLUMN issue_comments INTEGER;     -- its comment count when the event happened
    ALTER TABLE events ADD COLUMN pull_merged_at TEXT;        -- pull_request.merged_at
    ALTER TABLE events ADD COLUMN pull_commits INTEGER;       -- pull_request.commits
    ALTER TABLE events ADD COLUMN pull_additions INTEGER;     -- pull_request.additions
    ALTER TABLE events ADD COLUMN pull_deletions INTEGER;     -- pull_request.deletions
    ALTER TABLE events ADD COLUMN pull_changed_files INTEGER; -- pull_request.changed_files
    ALTER TABLE events ADD COLUMN pull_review_comments INTEGER; -- pull_request.review_comments (a count)
    ALTER TABLE events ADD COLUMN pull_review_id INTEGER;     -- PullRequestReview(Comment)Event: the review's id
    ALTER TABLE events ADD COLUMN pull_review_state TEXT;     -- PullRequestReviewEvent: approved | commented | ...
    """,
    # 13: OpenDigger's published metric files, as `ecometrics import opendigger` read them.
    """
    CREATE TABLE opendigger_values (
        repo TEXT NOT NULL,                -- owner/name as its folder names it (github/owner/name)
        metric TEXT NOT NULL,              -- the file: stars, bus_factor_detail, issue_response_time, ...
        field TEXT NOT NULL,               -- '' for a plain file; avg | levels | quantile_0..4 for a time metric
        period TEXT NOT NULL,              -- YYYY-MM, YYYYQn, YYYY or 2021-10-raw
        value REAL,                        -- a number
        detail TEXT,                       -- a list, as JSON
        file TEXT NOT NULL,                -- where it was read
        imported_at TEXT NOT NULL,
        PRIMARY KEY (repo, metric, field, period)
    );
    """,
    # 14: which hours of GH Archive the store holds: one row per hourly file imported, so a
    # month's metrics can say how much of the month they saw (ecometrics.analysis.coverage).
    """
    CREATE TABLE archive_hours (           -- written with the last batch of the file's events
        hour TEXT PRIMARY KEY,             -- YYYY-MM-DDTHH (UTC), from the name YYYY-MM-DD-H.json.gz
        file TEXT NOT NULL,                -- the file's name
        lines INTEGER NOT NULL,            -- lines read
        damaged INTEGER NOT NULL DEFAULT 0,  -- 1: the file ended early or broke; only lines before it are held
        imported_at TEXT NOT NULL
    );
    """,
    # 15: where a model snapshot came from: 'api' (a collection run read the hub's API that day)
    # or 'hub-stats' (imported from the public cfahlgren1/hub-stats daily snapshots).
    """
    ALTER TABLE model_snapshots ADD COLUMN source TEXT NOT NULL DEFAULT 'api';
    """,
    # 16: the public facts of stargazer accounts that StarScout's low-activity heuristic reads,
    # one GraphQL ``nodes`` query per 100 accounts (collector/account_facts.py), kept between runs.
    """
    CREATE TABLE star_account_facts (
        user_id INTEGER PRIMARY KEY,       -- GitHub database id, as in stargazers
        login TEXT,
        created_at TEXT,                   -- the account's creation time
        followers INTEGER,
        repositories INTEGER,              -- repositories the account owns
        contributions INTEGER,             -- contributionCalendar.totalContributions (the last year)
        status TEXT NOT NULL,              -- ok | not_found (deleted, suspended or hidden)
        fetched_at TEXT NOT NULL
    );
    """,
    # 17: where accounts say they are: the GraphQL ids developers and repository owners are
    # asked by, and each account's profile location and company, read at most once a month.
    """
    ALTER TABLE developers ADD COLUMN node_id TEXT;     -- GraphQL global id, for nodes(ids:)
    ALTER TABLE repos ADD COLUMN owner_node_id TEXT;    -- the owner's GraphQL global id
    CREATE TABLE profiles (                -- an account's profile, as GitHub's nodes(ids:) gives it
        node_id TEXT PRIMARY KEY,          -- GraphQL global id
        account_id INTEGER,                -- GitHub database id (NULL while not found)
        login TEXT,
        type TEXT,                         -- User | Organization | Bot | Mannequin | ...
        location TEXT,                     -- free text as typed; NULL when empty
        company TEXT,                      -- users only; NULL when empty
        status TEXT NOT NULL DEFAULT 'ok', -- ok | not_found (deleted or suspended since)
        fetched_at TEXT NOT NULL           -- UTC; read again a month later
    );
    CREATE INDEX profiles_account ON profiles(account_id);
    CREATE INDEX profiles_fetched ON profiles(fetched_at);
    """,
    # 18: a PushEvent's commit authors, as OpenDigger's events columns push_commits.name and
    # push_commits.email hold them (its contributor_email_suffixes metric reads them).
    """
    ALTER TABLE events ADD COLUMN push_commit_names TEXT;   -- JSON list: payload.commits[].author.name
    ALTER TABLE events ADD COLUMN push_commit_emails TEXT;  -- JSON list: payload.commits[].author.email
    """,
    # 19: whether GitHub lets the token list a repository's stargazers: since July 2026 only a
    # repository's admins and collaborators may (GitHub changelog 2026-06-30, "Upcoming access
    # restrictions to public API endpoints and UI views"); the star count stays in repo_snapshots.
    """
    CREATE TABLE star_access (
        repo_id INTEGER PRIMARY KEY,
        restricted INTEGER NOT NULL,       -- 1: the last check was refused; 0: the list was read
        refusal TEXT,                      -- forbidden (403 / GraphQL FORBIDDEN) | empty (an empty page while stars > 0)
        checked_on TEXT NOT NULL           -- the API's day (UTC) of the last check
    );
    """,
    # 20: stars per day from GitHub's privacy-safe star history (GET /stargazers/history, changelog
    # 2026-09-04, "New API endpoint provides privacy-safe star history data"), read for a repository
    # whose stargazer list GitHub withholds: every day the answer covered, zeros included, so a
    # day without a row is unknown, never zero.
    """
    CREATE TABLE star_counts (
        repo_id INTEGER NOT NULL,
        day TEXT NOT NULL,                 -- YYYY-MM-DD (UTC): the week's start plus the day's place in it
        stars INTEGER NOT NULL,            -- stars given that day that still stand
        PRIMARY KEY (repo_id, day)
    );
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)

# Keys of the meta table: what the store keeps that is not a resume cursor.
BUDGET_META = "budget:"  # + the API (github:core, hf, ...): the last rate budget seen, for `ecometrics status`
DEMO_MARKER = "demo:synthetic"  # set by `ecometrics demo`: the data came from fakehub; every export says so

# The row layouts the bulk writers bind, in order: a collector builds tuples of these.
MODEL_COLUMNS = (
    "id", "author", "created_at", "last_modified", "library", "pipeline_tag", "license",
    "parameters", "gated", "children_count", "status", "updated_at",
)  # fmt: skip
MODEL_SNAPSHOT_COLUMNS = ("model_id", "date", "downloads_30d", "downloads_all_time", "likes", "trending_score")
# The payload fields of migration 12 (OpenDigger's ``events`` names): a collector that
# knows one fills it, one that does not leaves it NULL.
EVENT_PAYLOAD_COLUMNS = (
    "issue_created_at", "issue_closed_at", "issue_comments", "pull_merged_at", "pull_commits",
    "pull_additions", "pull_deletions", "pull_changed_files", "pull_review_comments", "pull_review_id",
    "pull_review_state",
)  # fmt: skip
# A PushEvent's commit authors (migration 18): JSON lists of the names and of the e-mails its
# payload's commits give, one entry per commit ('' for a missing one); NULL when the source
# carried no commits (the REST collector, or a payload without them).
EVENT_PUSH_COLUMNS = ("push_commit_names", "push_commit_emails")
EVENT_ROW_COLUMNS = (  # every events column but ``source``, which one merge gives all its rows
    "id", "type", "action", "actor_id", "actor_login", "repo_id", "repo_name", "created_at",
    "issue_number", "comment_id", "push_id", "merged", "is_bot", "title", "author_id", "author_login",
    *EVENT_PAYLOAD_COLUMNS, *EVENT_PUSH_COLUMNS,
)  # fmt: skip

# The bulk writers' SQL: a statement's conflict clause serves both its VALUES and its
# INSERT ... SELECT form. A model fact a record leaves out (a listing cannot give
# childrenModelCount) keeps its stored value.
_ON_MODEL_CONFLICT = (  # a row without ``platform`` is Hugging Face's (the column's default)
    "ON CONFLICT (platform, id) DO UPDATE SET "
    + ", ".join(f"{c} = coalesce(excluded.{c}, models.{c})" for c in MODEL_COLUMNS[1:-2])
    + ", status = excluded.status, updated_at = excluded.updated_at"
)
_ON_MODEL_SNAPSHOT_CONFLICT = (  # a day the API answered replaces one imported for it
    "ON CONFLICT (platform, model_id, date) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in MODEL_SNAPSHOT_COLUMNS[2:])
    + ", source = 'api'"
)
_ON_HUB_EDGE_CONFLICT = "ON CONFLICT (child, parent) DO UPDATE SET relation = excluded.relation, source = 'hub'"
# A row already held as it is (a file imported again) is left alone: rewriting it costs more
# than comparing its columns, and most of a re-import is such rows.
_UPDATED_EVENT_COLUMNS = (*EVENT_ROW_COLUMNS[1:], "source")
_ON_EVENT_CONFLICT = (
    "ON CONFLICT (id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _UPDATED_EVENT_COLUMNS)
    + f" WHERE ({', '.join(f'events.{c}' for c in _UPDATED_EVENT_COLUMNS)})"
    + f" IS NOT ({', '.join(f'excluded.{c}' for c in _UPDATED_EVENT_COLUMNS)})"
)


@dataclass(frozen=True)
class ArchiveHour:
    """An hour of GH Archive imported: ``hour`` ``YYYY-MM-DDTHH`` (UTC), from ``file``, its
    ``lines`` read; ``damaged`` when the file ended early or broke (only lines before it are held)."""

    hour: str
    file: str
    lines: int
    damaged: bool = False


class StoreError(InputError):
    """The database cannot be used as asked; the message names the file and the fix."""


def demo_marker(path: str | os.PathLike[str]) -> str | None:
    """What the ``ecometrics demo`` marker of the database at ``path`` says (its fakehub seed and
    scale), read without writing; None for a database without one, "" for no database yet."""
    path = Path(path)
    if not path.exists() or path.stat().st_size == 0:
        return ""
    try:
        conn = _connect_read_only(path)
    except sqlite3.DatabaseError as exc:
        raise _open_error(path, exc) from exc
    try:
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "meta" in tables:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (DEMO_MARKER,)).fetchone()
        elif "checkpoints" in tables:  # before migration 10 the marker was a checkpoint
            row = conn.execute("SELECT cursor FROM checkpoints WHERE source = 'demo' AND key = 'synthetic'").fetchone()
        else:
            row = None if tables else ("",)  # an empty SQLite file: nothing in it yet
        return None if row is None else (row[0] or "synthetic")
    except sqlite3.DatabaseError as exc:
        raise _open_error(path, exc) from exc
    finally:
        conn.close()


def check_database_path(path: Path) -> None:
    """Refuse, before anything opens it, a database path that cannot be a database file.

    A folder, a device or a pipe (``/dev/null``, a FIFO: opening one can block), or a
    file whose folder does not exist.
    """
    if path.is_dir():
        raise StoreError(f"{path}: is a folder, not a database file; pass a file path with --db")
    if path.exists() and not path.is_file():
        raise StoreError(f"{path}: is not a regular file (a device or a pipe); pass a database file with --db")
    if not path.parent.is_dir():
        raise StoreError(f"{path}: folder {path.parent} does not exist; create it or pass another --db")


class Store:
    """A SQLite database holding everything ecometrics collects and derives.

    >>> store = Store("ecometrics.db")          # creates or upgrades the file
    >>> store.upsert("developers", [{"id": 1, "login": "octocat"}])
    >>> store.count("developers")
    1
    """

    def __init__(self, path: str | os.PathLike[str], *, migrate: bool = True, readonly: bool = False):
        """Open (or create) the database at ``path``.

        The file is checked before anything in it changes: a file that is not SQLite or
        whose schema is newer than :data:`SCHEMA_VERSION` is refused as it is, byte for
        byte. ``readonly`` (for commands that only read) opens an existing file at the
        current schema with SQLite's ``mode=ro``, so that a read-only file or folder can
        still be read and nothing in it is touched; a missing file (a mistyped ``--db``)
        or one at an older schema is refused, never created or upgraded: a writer
        command (``ecometrics migrate``, any collect or import) upgrades it.
        """
        self.path = Path(path)
        check_database_path(self.path)
        version = self._stored_version()
        if version is not None and version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: schema version {version} is newer than this ecometrics knows "
                f"({SCHEMA_VERSION}); upgrade ecometrics"
            )
        if readonly and version is None:
            what = "is an empty file, not a database yet" if self.path.exists() else "no such database"
            raise StoreError(
                f"{self.path}: {what}; check --db (or ECOMETRICS_DB, [storage].db), "
                "or create it with 'ecometrics init' or a collect"
            )
        if readonly and version is not None and version < SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: schema version {version} is older than this ecometrics ({SCHEMA_VERSION}) "
                "and a reader changes nothing; run 'ecometrics migrate' (or any collect) to upgrade it"
            )
        self.readonly = readonly
        conn = None
        try:
            if self.readonly:
                conn = _connect_read_only(self.path)
            else:
                conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
        except sqlite3.DatabaseError as exc:
            if conn is not None:
                conn.close()
            raise _open_error(self.path, exc) from exc
        self.conn = conn
        self.db = sqlite_utils.Database(conn)
        self._depth = 0
        self._pks: dict[str, tuple[str, ...]] = {}
        self._columns: dict[str, tuple[str, ...]] = {}
        self._rows_in_transaction = 0
        self.rows_committed = 0  # data rows (not checkpoints) upserted and committed through this store
        self._open_runs: dict[int, tuple[int, Callable[[], Mapping[str, int] | None] | None]] = {}
        if migrate and not self.readonly:
            try:
                self.migrate()
            except sqlite3.DatabaseError as exc:
                conn.close()
                raise _open_error(self.path, exc) from exc

    def _stored_version(self) -> int | None:
        """The schema version of the file as it is (None: no file yet), read without writing to it."""
        if not self.path.exists() or self.path.stat().st_size == 0:
            return None
        try:
            conn = _connect_read_only(self.path)
        except sqlite3.DatabaseError as exc:
            raise _open_error(self.path, exc) from exc
        try:
            return conn.execute("PRAGMA user_version").fetchone()[0]
        finally:
            conn.close()

    # -- schema ---------------------------------------------------------------------

    @property
    def version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def migrate(self, to: int = SCHEMA_VERSION) -> int:
        """Apply the missing migrations up to version ``to``; returns how many ran."""
        current = self.version
        if current > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: schema version {current} is newer than this ecometrics knows "
                f"({SCHEMA_VERSION}); upgrade ecometrics"
            )
        for version in range(current + 1, to + 1):
            with self.transaction():
                for statement in _statements(MIGRATIONS[version - 1]):
                    self.conn.execute(statement)
                self.conn.execute(f"PRAGMA user_version = {version}")
        self._pks.clear()
        self._columns.clear()
        return max(0, to - current)

    def tables(self) -> list[str]:
        return [t for t in self.db.table_names() if not t.startswith("sqlite_")]

    def count(self, table: str) -> int:
        return self.conn.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0]

    # -- transactions ---------------------------------------------------------------

    @contextmanager
    def transaction(self, *, page_boundary: bool = True) -> Iterator[None]:
        """One transaction; nested uses join the outermost one.

        After an outermost commit that is a ``page_boundary`` a requested stop is
        raised (see :mod:`ecometrics.collector.cancel`); the run log's own writes are not.
        """
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise _open_error(self.path, exc) if _write_problem(exc) else exc from exc
        self._depth, self._rows_in_transaction = 1, 0
        try:
            yield
            if page_boundary and self._open_runs:
                self._record_progress(self.rows_committed + self._rows_in_transaction)
        except BaseException as exc:
            self._depth = 0
            if self.conn.in_transaction:  # SQLite may have rolled back itself (disk full)
                self.conn.execute("ROLLBACK")
            if _write_problem(exc):
                raise _open_error(self.path, exc) from exc
            raise
        self._depth = 0
        try:
            self.conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise _open_error(self.path, exc) if _write_problem(exc) else exc from exc
        self.rows_committed += self._rows_in_transaction
        if page_boundary:
            raise_if_stopped()  # what was committed stays; the run stops here

    # -- writes ---------------------------------------------------------------------

    def upsert(self, table: str, rows: Iterable[Mapping[str, Any]], *, keep_existing: bool = False) -> int:
        """Insert rows, or update the stored row with the same primary key.

        Columns missing from a row keep their stored values (rows with different keys
        are written by one statement per set of keys); with ``keep_existing`` a stored
        row is left untouched. Returns the number of rows given.
        """
        by_columns: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
        count = 0
        for row in rows:
            columns = tuple(row)
            by_columns.setdefault(columns, []).append(tuple(_sql_value(row[c]) for c in columns))
            count += 1
        if not count:
            return 0
        pks = self.primary_key(table)
        with self.transaction():
            for columns, values in by_columns.items():
                self.conn.executemany(self._upsert_sql(table, columns, pks, keep_existing), values)
            if table != "checkpoints":
                self._rows_in_transaction += count
        return count

    @staticmethod
    def _upsert_sql(table: str, columns: tuple[str, ...], pks: tuple[str, ...], keep_existing: bool) -> str:
        updates = ", ".join(f"[{c}] = excluded.[{c}]" for c in columns if c not in pks)
        on_conflict = "DO NOTHING" if keep_existing or not updates else f"DO UPDATE SET {updates}"
        return (
            f"INSERT INTO [{table}] ({', '.join(f'[{c}]' for c in columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)}) "
            f"ON CONFLICT ({', '.join(f'[{c}]' for c in pks)}) {on_conflict}"
        )

    def save_page(
        self,
        rows_by_table: Mapping[str, Iterable[Mapping[str, Any]]],
        *,
        checkpoint: tuple[str, str, str | None] | None = None,
    ) -> int:
        """Commit a page of rows and its checkpoint ``(source, key, cursor)`` together.

        Either all of it is stored or none of it: a run killed mid-page resumes from the
        previous checkpoint and rewrites the page idempotently.
        """
        written = 0
        with self.transaction():
            for table, rows in rows_by_table.items():
                written += self.upsert(table, rows)
            if checkpoint is not None:
                self.set_checkpoint(*checkpoint)
        return written

    # -- GitHub ---------------------------------------------------------------------

    def profiles_due(self, *, read_before: str, limit: int) -> list[str]:
        """GraphQL ids of the accounts whose profile was never read or last read before
        ``read_before`` (a UTC day): the developers (no bots, not GitHub's ``ghost``
        placeholder for deleted accounts) and the repositories' owners, never read first."""
        rows = self.conn.execute(
            """
            SELECT wanted.node_id FROM (
                SELECT node_id FROM developers
                WHERE node_id IS NOT NULL AND is_bot = 0 AND lower(login) <> 'ghost'
                UNION
                SELECT owner_node_id FROM repos WHERE owner_node_id IS NOT NULL
            ) AS wanted
            LEFT JOIN profiles USING (node_id)
            WHERE profiles.fetched_at IS NULL OR profiles.fetched_at < ?
            ORDER BY profiles.fetched_at IS NOT NULL, profiles.fetched_at, wanted.node_id
            LIMIT ?
            """,
            (read_before, limit),
        ).fetchall()
        return [row[0] for row in rows]

    def mark_repo_status(self, full_name: str, status: str) -> bool:
        """Set the status (``not_found``, ``blocked``, ``forbidden``) of the stored repository
        named ``full_name`` (any case); returns whether one is stored."""
        known = self.conn.execute("SELECT id FROM repos WHERE full_name = ? COLLATE NOCASE", (full_name,)).fetchone()
        if known is None:
            return False
        with self.transaction():
            self.conn.execute("UPDATE repos SET status = ?, updated_at = ? WHERE id = ?", (status, utc_now(), known[0]))
            self._rows_in_transaction += 1
        return True

    def stars_restricted(self) -> dict[int, str]:
        """The repositories whose stargazer list GitHub refused at the last check: id -> full name."""
        rows = self.conn.execute(
            "SELECT a.repo_id, coalesce(r.full_name, '') FROM star_access a "
            "LEFT JOIN repos r ON r.id = a.repo_id WHERE a.restricted = 1"
        ).fetchall()
        return dict(rows)

    def save_star_counts(self, repo_id: int, days: Iterable[tuple[str, int]]) -> int:
        """Replace the daily star counts of ``repo_id`` with ``days`` ((YYYY-MM-DD, stars) pairs),
        in one transaction: GitHub's star history is read whole each time, and a star removed
        since takes its day's count down with it. Returns the days written."""
        return self.replace_rows(
            "star_counts",
            ("repo_id", "day", "stars"),
            ((repo_id, day, n) for day, n in days),
            where={"repo_id": repo_id},
        )

    def mark_stars_removed(self, repo_id: int, seen: Iterable[int], day: str) -> int:
        """Mark removed on ``day`` the standing stars of ``repo_id`` whose users a whole
        walk did not meet (``seen``); returns how many."""
        with self.transaction():
            self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS seen_stars (user_id INTEGER PRIMARY KEY)")
            self.conn.execute("DELETE FROM seen_stars")
            self.conn.executemany("INSERT INTO seen_stars VALUES (?)", ((user,) for user in seen))
            removed = self.conn.execute(
                "UPDATE stargazers SET removed_at = ? WHERE repo_id = ? AND removed_at IS NULL "
                "AND user_id NOT IN (SELECT user_id FROM seen_stars)",
                (day, repo_id),
            ).rowcount
            self.conn.execute("DELETE FROM seen_stars")
            self._rows_in_transaction += removed
        return removed

    def carry_contributors_forward(self, repo_id: int, day: str) -> int:
        """Copy the latest earlier contributor snapshot of ``repo_id`` to ``day`` (GitHub
        answered 304: nothing changed) and count it into that day's repository snapshot;
        returns the contributor rows written."""
        with self.transaction():
            carried = self.conn.execute(
                "INSERT OR IGNORE INTO contributors (repo_id, date, contributor, developer_id, login, contributions) "
                "SELECT repo_id, ?, contributor, developer_id, login, contributions FROM contributors "
                "WHERE repo_id = ? AND date = (SELECT max(date) FROM contributors WHERE repo_id = ?) AND date < ?",
                (day, repo_id, repo_id, day),
            ).rowcount
            self.conn.execute(
                "UPDATE repo_snapshots SET "
                "contributors = (SELECT count(*) FROM contributors WHERE repo_id = ?1 AND date = ?2 "
                "AND developer_id IS NOT NULL), "
                "anonymous_contributors = (SELECT count(*) FROM contributors WHERE repo_id = ?1 AND date = ?2 "
                "AND developer_id IS NULL) "
                "WHERE repo_id = ?1 AND date = ?2",
                (repo_id, day),
            )
            self._rows_in_transaction += carried
        return carried

    def merge_events(
        self,
        rows: Sequence[Sequence[Any]] = (),
        *,
        staged: Sequence[Path] = (),
        source: str,
        checkpoint: tuple[str, str, str | None] | None = None,
        archive_hour: ArchiveHour | None = None,
    ) -> int:
        """Upsert events by id, all with ``source``, in one transaction with ``checkpoint``.

        ``rows`` are tuples of :data:`EVENT_ROW_COLUMNS`; each ``staged`` file is a SQLite
        file with a table ``events`` of those columns, moved in with one ``INSERT ...
        SELECT`` (a third of the cost of binding its rows here), before ``rows``. With a
        file's last batch, ``archive_hour`` records the hour it held (an hour held whole stays
        held: a damaged copy of its file read later does not mark it damaged again), in the same
        transaction. Returns the rows now held as given (a row already held unchanged counts; it
        is not rewritten).
        """
        schemas = [f"staged{number}" for number in range(len(staged))]
        for schema, path in zip(schemas, staged, strict=True):
            self.conn.execute(f"ATTACH DATABASE ? AS {schema}", (str(path),))  # not allowed in a transaction
        columns = ", ".join(EVENT_ROW_COLUMNS)
        literal = "'" + source.replace("'", "''") + "'"  # bound once per statement, not once per row
        try:
            with self.transaction():
                written = 0
                for schema in schemas:
                    # "WHERE true": SQLite's upsert after a SELECT needs a WHERE to parse.
                    self.conn.execute(
                        f"INSERT INTO main.events ({columns}, source) SELECT {columns}, {literal} "
                        f"FROM {schema}.events WHERE true {_ON_EVENT_CONFLICT}"
                    )
                    # every row is now held as given, whether written or already held so
                    written += self.conn.execute(f"SELECT count(*) FROM {schema}.events").fetchone()[0]
                if rows:
                    marks = ", ".join("?" * len(EVENT_ROW_COLUMNS))
                    self.conn.executemany(
                        f"INSERT INTO events ({columns}, source) VALUES ({marks}, {literal}) {_ON_EVENT_CONFLICT}", rows
                    )
                    written += len(rows)
                if checkpoint is not None:
                    self.set_checkpoint(*checkpoint)
                if archive_hour is not None:
                    self._record_archive_hours([archive_hour])
                self._rows_in_transaction += written
        finally:
            for schema in schemas:
                self.conn.execute(f"DETACH DATABASE {schema}")
        return written

    def _record_archive_hours(self, hours: Iterable[ArchiveHour]) -> None:
        self.conn.executemany(
            "INSERT INTO archive_hours (hour, file, lines, damaged, imported_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (hour) DO UPDATE SET file = excluded.file, lines = excluded.lines, "
            "damaged = excluded.damaged, imported_at = excluded.imported_at "
            "WHERE excluded.damaged = 0 OR archive_hours.damaged = 1",
            [(h.hour, h.file, h.lines, int(h.damaged), utc_now()) for h in hours],
        )

    # -- stargazer accounts -------------------------------------------------------------

    def accounts_without_facts(self, limit: int) -> list[tuple[int, str | None]]:
        """Up to ``limit`` stargazer accounts ``(user_id, login)`` whose facts are not stored,
        those of the most recent stars first (a campaign is recent news)."""
        return [
            (row["user_id"], row["login"])
            for row in self.query(
                "SELECT s.user_id, max(s.login) AS login FROM stargazers s "
                "LEFT JOIN star_account_facts f ON f.user_id = s.user_id WHERE f.user_id IS NULL "
                "GROUP BY s.user_id ORDER BY max(s.starred_at) DESC, s.user_id LIMIT ?",
                (limit,),
            )
        ]

    def save_account_facts(self, rows: Sequence[Mapping[str, Any]]) -> int:
        """Store the facts of a batch of accounts (one ``nodes`` answer) in one transaction."""
        with self.transaction():
            return self.upsert("star_account_facts", rows)

    # -- Hugging Face ---------------------------------------------------------------

    def save_model_page(
        self,
        *,
        models: Sequence[Sequence[Any]],
        snapshots: Sequence[Sequence[Any]],
        edges: Sequence[tuple[str, str, str]],
        checkpoint: tuple[str, str, str | None] | None = None,
    ) -> int:
        """Write one page of Hub models in one transaction, with its ``checkpoint``.

        ``models`` are tuples of :data:`MODEL_COLUMNS` (a fact left ``None`` keeps its
        stored value), ``snapshots`` tuples of :data:`MODEL_SNAPSHOT_COLUMNS`, ``edges``
        ``(child, parent, relation)``: the Hub's parents of every model on the page are
        replaced by these (imported edges stay). Returns the rows written.
        """
        with self.transaction():
            self.conn.executemany(_insert_values("models", MODEL_COLUMNS, _ON_MODEL_CONFLICT), models)
            self.conn.executemany(
                _insert_values("model_snapshots", MODEL_SNAPSHOT_COLUMNS, _ON_MODEL_SNAPSHOT_CONFLICT), snapshots
            )
            self.conn.executemany(
                "DELETE FROM model_edges WHERE child = ? AND source = 'hub'", ((model[0],) for model in models)
            )
            self.conn.executemany(
                f"INSERT INTO model_edges (child, parent, relation, source) VALUES (?, ?, ?, 'hub') "
                f"{_ON_HUB_EDGE_CONFLICT}",
                edges,
            )
            if checkpoint is not None:
                self.set_checkpoint(*checkpoint)
            written = len(models) + len(snapshots) + len(edges)
            self._rows_in_transaction += written
        return written

    def add_imported_model_snapshots(self, snapshots: Sequence[Sequence[Any]], *, source: str) -> int:
        """Add snapshots (tuples of :data:`MODEL_SNAPSHOT_COLUMNS`) of Hugging Face models already
        stored, marked with ``source``, for days not held: a stored day (collected or imported
        before) is kept as it is, and a model not stored is passed over. Returns the rows added."""
        columns = ", ".join(MODEL_SNAPSHOT_COLUMNS)
        with self.transaction():
            before = self.conn.total_changes
            self.conn.executemany(
                f"INSERT INTO model_snapshots ({columns}, source) "
                f"SELECT {', '.join('?' * len(MODEL_SNAPSHOT_COLUMNS))}, ? "
                "WHERE EXISTS (SELECT 1 FROM models WHERE platform = 'huggingface' AND id = ?) "
                "ON CONFLICT (platform, model_id, date) DO NOTHING",
                ((*row, source, row[0]) for row in snapshots),
            )
            added = self.conn.total_changes - before
            self._rows_in_transaction += added
        return added

    def merge_model_trees(
        self, scratch: Path, tree: Iterable[str], children_counts: Mapping[str, Mapping[str, int]]
    ) -> int:
        """Copy the models of ``tree`` from a scratch listing into the store, in one transaction.

        ``scratch`` is a SQLite file with tables ``models`` (:data:`MODEL_COLUMNS`),
        ``snapshots`` (:data:`MODEL_SNAPSHOT_COLUMNS`) and ``edges`` (``child, parent,
        relation``), as a full listing of the Hub left it: the tree's models and snapshots
        are upserted, their Hub parents replaced by the listing's, and ``children_counts``
        (model -> children per relation) stored. Returns the rows copied.
        """
        conn = self.conn
        conn.execute("ATTACH DATABASE ? AS lineage", (str(scratch),))  # not allowed in a transaction
        try:
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS model_tree (id TEXT PRIMARY KEY)")
            with self.transaction():
                conn.execute("DELETE FROM temp.model_tree")
                conn.executemany("INSERT INTO temp.model_tree VALUES (?)", ((model,) for model in tree))
                in_tree = "IN (SELECT id FROM temp.model_tree)"
                written = conn.execute(
                    f"INSERT INTO models ({', '.join(MODEL_COLUMNS)}) SELECT {', '.join(MODEL_COLUMNS)} "
                    f"FROM lineage.models WHERE id {in_tree} {_ON_MODEL_CONFLICT}"
                ).rowcount
                written += conn.execute(
                    f"INSERT INTO model_snapshots ({', '.join(MODEL_SNAPSHOT_COLUMNS)}) "
                    f"SELECT {', '.join(MODEL_SNAPSHOT_COLUMNS)} FROM lineage.snapshots "
                    f"WHERE model_id {in_tree} {_ON_MODEL_SNAPSHOT_CONFLICT}"
                ).rowcount
                conn.execute(
                    f"DELETE FROM model_edges WHERE source = 'hub' AND child {in_tree} "
                    "AND child IN (SELECT id FROM lineage.models)"
                )
                written += conn.execute(
                    "INSERT INTO model_edges (child, parent, relation, source) SELECT child, parent, relation, 'hub' "
                    f"FROM lineage.edges WHERE child {in_tree} {_ON_HUB_EDGE_CONFLICT}"
                ).rowcount
                self._set_children_counts(children_counts)
                conn.execute("DELETE FROM temp.model_tree")
                self._rows_in_transaction += written
        finally:
            conn.execute("DETACH DATABASE lineage")
        return written

    def set_children_counts(self, children_counts: Mapping[str, Mapping[str, int]]) -> None:
        """Store each model's children per relation (``children_count``, JSON) as counted here."""
        with self.transaction():
            self._set_children_counts(children_counts)

    def _set_children_counts(self, children_counts: Mapping[str, Mapping[str, int]]) -> None:
        self.conn.executemany(
            "UPDATE models SET children_count = ? WHERE platform = 'huggingface' AND id = ?",
            ((json.dumps(counts, sort_keys=True), model) for model, counts in children_counts.items()),
        )

    def mark_model_unavailable(self, model_id: str, status: str) -> None:
        """Record a model the Hub does not show: ``unavailable`` (401, 403) or ``not_found`` (404)."""
        with self.transaction():
            self.conn.execute(
                "INSERT INTO models (id, author, status, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (platform, id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at",
                (model_id, model_id.partition("/")[0], status, utc_now()),
            )
            self._rows_in_transaction += 1

    def record_model_rename(self, old: str, new: str) -> None:
        """The Hub redirects ``old`` to ``new``: an alias, and the old row ``renamed`` and no longer a root."""
        now = utc_now()
        with self.transaction():
            self.conn.execute(
                "INSERT INTO model_aliases (alias, model_id, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (alias) DO UPDATE SET model_id = excluded.model_id, updated_at = excluded.updated_at",
                (old, new, now),
            )
            renamed = self.conn.execute(
                "UPDATE models SET status = 'renamed', tracked = 0, updated_at = ? "
                "WHERE platform = 'huggingface' AND id = ?",
                (now, old),
            ).rowcount
            self._rows_in_transaction += 1 + renamed

    def mark_tracked_models(self, model_ids: Iterable[str], authors: Iterable[str] = ()) -> None:
        """Flag as tracked roots exactly these models and the models of these authors (any case)."""
        ids, authors = json.dumps(sorted(set(model_ids))), json.dumps(sorted({a.lower() for a in authors}))
        with self.transaction():
            self._rows_in_transaction += self.conn.execute(
                "UPDATE models SET tracked = (id IN (SELECT value FROM json_each(?1)) "
                "OR lower(author) IN (SELECT value FROM json_each(?2))) "
                "WHERE platform = 'huggingface' AND tracked != (id IN (SELECT value FROM json_each(?1)) "
                "OR lower(author) IN (SELECT value FROM json_each(?2)))",
                (ids, authors),
            ).rowcount

    def mark_models_deleted(self, before: str) -> int:
        """Mark ``deleted`` the ``ok`` models last written before ``before`` (a complete crawl
        that began then rewrote every model still on the Hub); returns how many."""
        with self.transaction():
            deleted = self.conn.execute(
                "UPDATE models SET status = 'deleted', updated_at = ? "
                "WHERE platform = 'huggingface' AND status = 'ok' AND updated_at < ?",
                (utc_now(), before),
            ).rowcount
            self._rows_in_transaction += deleted
        return deleted

    def save_modelscope_models(
        self, models: Sequence[Mapping[str, Any]], snapshots: Sequence[Mapping[str, Any]]
    ) -> int:
        """Write one page of ModelScope models (``models`` rows, ``platform`` ``modelscope``)
        and their snapshots of the day in one transaction; returns the rows written."""
        rows = [{**row, "platform": "modelscope"} for row in models]
        shots = [{**row, "platform": "modelscope"} for row in snapshots]
        with self.transaction():
            written = self.upsert("models", rows) + self.upsert("model_snapshots", shots)
        return written

    def mark_modelscope_model_missing(self, model_id: str) -> None:
        """A configured ModelScope model that ModelScope does not know (``not_found``)."""
        with self.transaction():
            self.conn.execute(
                "INSERT INTO models (platform, id, author, status, updated_at) "
                "VALUES ('modelscope', ?, ?, 'not_found', ?) "
                "ON CONFLICT (platform, id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at",
                (model_id, model_id.partition("/")[0], utc_now()),
            )
            self._rows_in_transaction += 1

    def link_modelscope_models(self, same_as: Mapping[str, Sequence[str]]) -> int:
        """Set each ModelScope model's ``same_as``: the Hugging Face model with its id, or with its
        name under one of the authors ``same_as`` maps its owner to, or the model ``same_as`` maps
        its id to; NULL when none of those is stored. Returns the models linked."""
        candidates = {}
        for model_id, owner in self.conn.execute("SELECT id, author FROM models WHERE platform = 'modelscope'"):
            name = model_id.partition("/")[2]
            mapped = [f"{author}/{name}" for author in same_as.get(owner or "", ())]
            candidates[model_id] = [model_id, *same_as.get(model_id, ()), *mapped]
        with self.transaction():
            links = []
            for model_id, ids in candidates.items():
                twin = next((hf_id for hf_id in ids if self._stored_hf_model(hf_id)), None)
                links.append((twin, model_id))
            self.conn.executemany("UPDATE models SET same_as = ? WHERE platform = 'modelscope' AND id = ?", links)
        linked = sum(twin is not None for twin, _ in links)
        return linked

    def _stored_hf_model(self, model_id: str) -> bool:
        return (
            self.conn.execute(
                "SELECT 1 FROM models WHERE platform = 'huggingface' AND id = ? AND status = 'ok'", (model_id,)
            ).fetchone()
            is not None
        )

    def add_imported_edges(self, edges: Iterable[tuple[str, str, str]]) -> int:
        """Add ``(child, parent, relation)`` edges with ``source = 'import'``; an edge already
        stored (from the Hub or an earlier import) stays as it is. Returns the edges added."""
        with self.transaction():
            added = max(
                self.conn.executemany(
                    "INSERT INTO model_edges (child, parent, relation, source) VALUES (?, ?, ?, 'import') "
                    "ON CONFLICT (child, parent) DO NOTHING",
                    edges,
                ).rowcount,
                0,
            )
            self._rows_in_transaction += added
        return added

    # -- derived and imported tables ------------------------------------------------

    def replace_rows(
        self,
        table: str,
        columns: Sequence[str],
        rows: Iterable[Sequence[Any]],
        *,
        where: Mapping[str, Any] | None = None,
    ) -> int:
        """Replace the rows of ``table`` that ``where`` selects (all of them without it) with ``rows``.

        For a table rebuilt from others (a month of activity or OpenRank, the lineage
        figures) or replaced by an import (labels). ``rows`` are tuples in ``columns``
        order; ``where`` maps a column to a value, or to a list of values (an empty list
        selects nothing). The delete and the inserts are one transaction: a failure leaves
        the old rows. Returns the rows written.
        """
        conditions: list[str] = []
        params: list[Any] = []
        for column, value in (where or {}).items():
            if isinstance(value, (list, tuple, set, frozenset)):
                conditions.append(f"[{column}] IN ({', '.join('?' * len(value))})")
                params.extend(value)
            else:
                conditions.append(f"[{column}] = ?")
                params.append(value)
        with self.transaction():
            self.conn.execute(
                f"DELETE FROM [{table}]" + (f" WHERE {' AND '.join(conditions)}" if conditions else ""), params
            )
            written = max(self.conn.executemany(_insert_values(table, columns), rows).rowcount, 0)
            self._rows_in_transaction += written
        return written

    @contextmanager
    def page_cache(self, *, kib: int) -> Iterator[None]:
        """SQLite's page cache at ``kib`` KiB for the block, then as it was.

        For bulk writes that land at random places in large indexes: the default 2 MB
        cache re-reads their pages for every insert once the tables outgrow it.
        """
        before = self.conn.execute("PRAGMA cache_size").fetchone()[0]
        self.conn.execute(f"PRAGMA cache_size = {-int(kib)}")
        try:
            yield
        finally:
            self.conn.execute(f"PRAGMA cache_size = {before}")

    # -- checkpoints ----------------------------------------------------------------

    def checkpoint(self, source: str, key: str) -> str | None:
        row = self.conn.execute("SELECT cursor FROM checkpoints WHERE source = ? AND key = ?", (source, key)).fetchone()
        return row[0] if row else None

    def set_checkpoint(self, source: str, key: str, cursor: str | None) -> None:
        self.upsert("checkpoints", [{"source": source, "key": key, "cursor": cursor, "updated_at": utc_now()}])

    def checkpoints(self, source: str) -> dict[str, str | None]:
        """Every checkpoint of ``source``: key -> cursor."""
        return dict(self.conn.execute("SELECT key, cursor FROM checkpoints WHERE source = ?", (source,)).fetchall())

    def clear_checkpoints(self, source: str) -> None:
        """Forget every checkpoint of ``source`` (its crawl is complete: the next one starts afresh)."""
        with self.transaction():
            self.conn.execute("DELETE FROM checkpoints WHERE source = ?", (source,))

    # -- meta: what is kept that no rerun resumes from ------------------------------

    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def meta_items(self, prefix: str) -> list[dict[str, Any]]:
        """The meta rows whose key starts with ``prefix`` (e.g. :data:`BUDGET_META`), by key,
        each as ``key`` (without the prefix), ``value`` and ``updated_at``."""
        return self.query(
            "SELECT substr(key, ?1 + 1) AS key, value, updated_at FROM meta WHERE substr(key, 1, ?1) = ?2 ORDER BY key",
            (len(prefix), prefix),
        )

    def set_meta(self, key: str, value: str | None) -> None:
        """Keep ``value`` under ``key``; not a data row, nor a page boundary (a stop that
        unwinds the run may still write it)."""
        with self.transaction(page_boundary=False):
            self.conn.execute(
                "INSERT INTO meta (key, value, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                (key, value, utc_now()),
            )

    # -- reads ----------------------------------------------------------------------

    def query(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[dict[str, Any]]:
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def primary_key(self, table: str) -> tuple[str, ...]:
        if table not in self._pks:
            if not self.db[table].exists():
                raise StoreError(f"{self.path}: no table {table!r}")
            self._pks[table] = tuple(self.db.table(table).pks)
        return self._pks[table]

    def columns(self, table: str) -> tuple[str, ...]:
        if table not in self._columns:
            self._columns[table] = tuple(self.db[table].columns_dict)
        return self._columns[table]

    # -- the run log ----------------------------------------------------------------

    def start_run(self, job: str, *, requests: Callable[[], Mapping[str, int] | None] | None = None) -> int:
        """Open a ``running`` record for ``job``; returns its id.

        Until :meth:`finish_run`, every page committed through this store also writes the
        record's rows so far (and ``requests()``, the API requests so far), so a run that
        is killed leaves its true counts. Records left ``running`` by a process that is
        gone are marked ``interrupted`` first.
        """
        self.mark_interrupted_runs()
        with self.transaction(page_boundary=False):
            cursor = self.conn.execute(
                "INSERT INTO job_runs (job, started_at, status, pid) VALUES (?, ?, 'running', ?)",
                (job, utc_now(), os.getpid()),
            )
        run_id = cursor.lastrowid
        assert run_id is not None  # an INSERT sets it
        self._open_runs[run_id] = (self.rows_committed, requests)
        return run_id

    def rows_since(self, run_id: int) -> int:
        """Data rows committed through this store since the run ``run_id`` started."""
        return self.rows_committed - self._open_runs[run_id][0]

    def _record_progress(self, rows_committed: int) -> None:
        for run_id, (rows_at_start, requests) in self._open_runs.items():
            spent = requests() if requests else None
            self.conn.execute(
                "UPDATE job_runs SET rows_written = ?, api_requests = coalesce(?, api_requests) WHERE id = ?",
                (rows_committed - rows_at_start, json.dumps(spent) if spent else None, run_id),
            )

    def finish_run(
        self,
        run_id: int,
        status: str,
        *,
        api_requests: Mapping[str, int] | None = None,
        rows_written: int | None = None,
        error: str | None = None,
    ) -> None:
        """Close a record: ``status`` is ok | partial | failed | interrupted."""
        self._open_runs.pop(run_id, None)
        with self.transaction(page_boundary=False):
            self.conn.execute(
                "UPDATE job_runs SET finished_at = ?, status = ?, api_requests = ?, rows_written = ?, error = ? "
                "WHERE id = ?",
                (utc_now(), status, json.dumps(api_requests or {}), rows_written, error, run_id),
            )

    def mark_interrupted_runs(self) -> int:
        """Mark ``interrupted`` the ``running`` records whose process is gone; returns how many.

        Their rows and requests stay as the last committed page left them.
        """
        stale = [run["id"] for run in self.query("SELECT * FROM job_runs WHERE status = 'running'") if _abandoned(run)]
        if stale:
            with self.transaction(page_boundary=False):
                self.conn.executemany(
                    "UPDATE job_runs SET status = 'interrupted', error = coalesce(error, ?) WHERE id = ?",
                    [(INTERRUPTED, run_id) for run_id in stale],
                )
        return len(stale)

    def last_runs(self, limit: int = 10) -> list[dict[str, Any]]:
        """The newest records; one left ``running`` by a process that is gone reads ``interrupted``."""
        runs = self.query("SELECT * FROM job_runs ORDER BY id DESC LIMIT ?", (limit,))
        for run in runs:
            if run["status"] == "running" and _abandoned(run):
                run["status"], run["error"] = "interrupted", run["error"] or INTERRUPTED
        return runs

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


INTERRUPTED = "the process ended before the run finished (killed, or the machine stopped); the next run resumes"


def _abandoned(run: Mapping[str, Any]) -> bool:
    """Whether a ``running`` record's process is gone (or its pid now belongs to a later process)."""
    pid = run.get("pid")
    if not pid:
        return True
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        pass
    started = _process_start(pid)
    if started is None:
        return False
    if isinstance(started, str):  # "zombie"
        return True
    recorded = dt.datetime.fromisoformat(run["started_at"].replace("Z", "+00:00")).timestamp()
    return started > recorded + 2  # pid reused by a process started after the record (clock granularity: 1 s)


def _process_start(pid: int) -> float | str | None:
    """When process ``pid`` started (Unix time), ``"zombie"`` for a dead unreaped one; None if unknown.

    From Linux's /proc/PID/stat (field 3 state, field 22 start time in clock ticks since
    boot) and /proc/stat's ``btime``; proc(5).
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = next(line for line in Path("/proc/stat").read_text().splitlines() if line.startswith("btime "))
    except (OSError, StopIteration):
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "; comm may hold spaces
    if fields[0] in ("Z", "X"):
        return "zombie"
    return int(boot.split()[1]) + int(fields[19]) / os.sysconf("SC_CLK_TCK")


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection that never writes to ``path`` (SQLite URI ``mode=ro``, https://sqlite.org/uri.html).

    A WAL file in a folder this process cannot write opens only as ``immutable=1`` (its
    ``-shm`` cannot be created; https://sqlite.org/wal.html#readonly): nothing can write
    there, so nothing changes under the reader either. But ``immutable=1`` reads the main
    file alone: when a writer died and left committed rows in ``-wal`` without a
    ``-shm`` to read it by, those rows would be silently missing, so that file is
    refused, saying why (:class:`WriteFailed`, the folder's state, not the input).
    """
    from urllib.parse import quote

    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False, timeout=30)
    try:
        conn.execute("PRAGMA user_version").fetchone()
    except sqlite3.OperationalError as exc:
        conn.close()
        if "unable to open" not in str(exc):
            raise
        wal = Path(f"{path}-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise WriteFailed(
                f"{path}: committed rows wait in {wal.name}, left by a writer that did not finish, and SQLite "
                "cannot read them in a read-only folder; make the folder writable once (any ecometrics command "
                "then folds them in), or copy the database with its -wal file to a writable folder"
            ) from None
        conn = sqlite3.connect(uri + "&immutable=1", uri=True, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA user_version").fetchone()
    except BaseException:
        conn.close()
        raise
    return conn


def _open_error(path: Path, exc: sqlite3.DatabaseError) -> InputError:
    """The error for a database that cannot be opened or written, naming it, what SQLite said and the fix."""
    reason = str(exc)
    if "not a database" in reason:
        return StoreError(f"{path}: not a SQLite database ({reason}); pass another --db")
    if "readonly" in reason or "read-only" in reason:
        return WriteFailed(
            f"{path}: the file or its folder is read-only ({reason}); make both writable, or pass another --db"
        )
    if "unable to open" in reason:
        return WriteFailed(
            f"{path}: cannot open ({reason}); check that the file and its folder can be read and written, or pass another --db"
        )
    if "full" in reason or "I/O" in reason:
        return WriteFailed(f"{path}: cannot write ({reason}); free disk space, or pass another --db")
    return StoreError(f"{path}: not a usable SQLite database ({reason}); pass another --db")


def _write_problem(exc: BaseException) -> TypeGuard[sqlite3.OperationalError]:
    """Whether a failed statement failed for the machine's state (disk full, read-only), not the data."""
    reason = str(exc)
    return isinstance(exc, sqlite3.OperationalError) and any(
        word in reason for word in ("full", "readonly", "read-only", "I/O", "unable to open")
    )


def _insert_values(table: str, columns: Sequence[str], on_conflict: str = "") -> str:
    """``INSERT INTO table (columns) VALUES (?, ...)``, then ``on_conflict``, for ``executemany``."""
    names = ", ".join(f"[{c}]" for c in columns)
    return f"INSERT INTO [{table}] ({names}) VALUES ({', '.join('?' * len(columns))}) {on_conflict}".rstrip()


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (sqlite3 runs one per execute)."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements


def _sql_value(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return json.dumps(value, sort_keys=True)
    if isinstance(value, bool):
        return int(value)
    return value
