"""GH Archive on ClickHouse: chDB for real, checked against the SQLite path on the same events.

Every test runs the real engine (chDB, ClickHouse's in-process build) through the real
client (clickhouse-connect, whose ``chdb://`` backend chDB ships) on generated hourly
files and real SQLite files. No ClickHouse server can be started here (Debian's
clickhouse-server is 18.16, which clickhouse-connect cannot talk to), so the server
schemas are tested on chDB through the same client with the same SQL: ClickHouse's public
``github_events`` layout (names instead of ids, enum types, no push ids) and OpenDigger's
``events`` layout.
"""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("chdb", reason="the archive extra is not installed: pip install 'ecometrics[archive]'")
pytest.importorskip(
    "clickhouse_connect", reason="the archive extra is not installed: pip install 'ecometrics[archive]'"
)

from gharchive_fixtures import HOSTILE, RAW_HOSTILE, event, synthetic_hour, write_hour  # noqa: E402
from test_opendigger import MAIL, mail_pushes, story  # noqa: E402
from test_opendigger import REPO as STORY_REPO  # noqa: E402

from ecometrics.analysis import activity_sql, opendigger  # noqa: E402
from ecometrics.analysis.activity_sql import ENGINE_EVENTS, SQLITE_EVENTS  # noqa: E402
from ecometrics.analysis.archive_openrank import compute_archive_openrank  # noqa: E402
from ecometrics.analysis.global_openrank import compute_global_openrank  # noqa: E402
from ecometrics.collector.archive_engine import import_files, open_engine  # noqa: E402
from ecometrics.collector.gharchive import import_gharchive  # noqa: E402
from ecometrics.collector.store import Store  # noqa: E402
from ecometrics.core.errors import InputError  # noqa: E402
from ecometrics.jobs.cli import main  # noqa: E402

# Small limits so that the per-developer limit, the repo floor and a configured bot all bite.
OPTIONS: dict[str, Any] = {"max_repos": 12, "min_repo_activity": 15.0, "bots": ["dev500003"]}
REPO, OTHER = (90_001, "acme/engine"), (90_002, "acme/tools")
CAROL, ROBOT = (700_001, "carol"), (700_002, "helper[bot]")


def _titled(item: dict, title: str) -> dict:
    for key in ("issue", "pull_request"):
        if key in item["payload"]:
            item["payload"][key]["title"] = title
    return item


def rare_events(hour: str, first_id: int) -> list[dict]:
    """What the generated mix lacks: closings, merges, [snyk] titles, a bot, a comment without action."""
    at = f"{hour}:30:00Z"
    no_action = event(
        first_id + 6, "IssueCommentEvent", actor=CAROL, repo=OTHER, created_at=at, number=4, comment_id=41
    )
    del no_action["payload"]["action"]
    return [
        event(first_id + 1, "IssuesEvent", actor=CAROL, repo=REPO, created_at=at, action="closed", number=7),
        event(
            first_id + 2,
            "PullRequestEvent",
            actor=CAROL,
            repo=REPO,
            created_at=at,
            action="closed",
            number=8,
            merged=True,
        ),
        _titled(
            event(first_id + 3, "IssuesEvent", actor=CAROL, repo=REPO, created_at=at, action="opened", number=9),
            "[Snyk] Upgrade lodash",
        ),
        event(first_id + 4, "IssueCommentEvent", actor=CAROL, repo=REPO, created_at=at, number=9, comment_id=31),
        event(first_id + 5, "PushEvent", actor=ROBOT, repo=REPO, created_at=at, push_id=first_id + 55),
        no_action,
        event(first_id + 7, "PushEvent", actor=CAROL, repo=OTHER, created_at=at, push_id=first_id + 56),
        event(
            first_id + 8,
            "PullRequestReviewCommentEvent",
            actor=CAROL,
            repo=REPO,
            created_at=at,
            number=8,
            comment_id=32,
        ),
    ]


@pytest.fixture(scope="module")
def hours(tmp_path_factory):
    """Three hourly files over two months, with every kind of event activity counts."""
    folder = tmp_path_factory.mktemp("hours")
    files = []
    for seed, hour in ((1, "2024-01-31T23"), (2, "2024-02-01T00"), (3, "2024-02-01T01")):
        generated = list(synthetic_hour(1500, repos=40, developers=150, seed=seed, hour=hour))
        files.append(
            write_hour(
                folder / f"{hour.replace('T', '-')}.json.gz", generated + rare_events(hour, 9_000_000 + 100 * seed)
            )
        )
    return files


@pytest.fixture(scope="module")
def sqlite_path(hours, tmp_path_factory):
    """Today's path: the SQLite importer and OpenRank on SQLite."""
    with Store(tmp_path_factory.mktemp("sqlite") / "sqlite.db") as store:
        import_gharchive(store, hours, all_repos=True)
        compute_global_openrank(store, **OPTIONS)
        yield store


ACTIVITY = "SELECT * FROM activity ORDER BY month, repo_id, developer_id"
OPENRANK = "SELECT kind, entity_id, month, value FROM openrank ORDER BY kind, entity_id, month"


def test_chdb_gives_the_sqlite_paths_pairs_and_openrank(hours, sqlite_path, tmp_path):
    with Store(tmp_path / "engine.db") as store:
        with open_engine("chdb", store) as engine:
            imported = import_files(engine, hours)
            summary = compute_archive_openrank(store, engine, **OPTIONS)
        assert (tmp_path / "engine.db.chdb").is_dir()  # beside the SQLite file
        assert imported.files == 3 and imported.lines == sqlite_path.count("events") and imported.corrupt_count == 0
        assert summary.computed == ["2024-01", "2024-02"]
        pairs = store.conn.execute(ACTIVITY).fetchall()
        assert len(pairs) > 500
        assert pairs == sqlite_path.conn.execute(ACTIVITY).fetchall()
        assert store.conn.execute(OPENRANK).fetchall() == sqlite_path.conn.execute(OPENRANK).fetchall()
        # the rare events reached both: the closing, the merge's pushes, [snyk] left out, the bot removed
        carol = store.query("SELECT * FROM activity WHERE developer_id = ? AND repo_id = ?", (CAROL[0], REPO[0]))
        assert [(row["issues_closed"], row["issues_opened"], row["issue_comments"]) for row in carol] == [(1, 0, 0)] * 2
        assert not store.query("SELECT 1 FROM activity WHERE login = ?", (ROBOT[1],))


def _by_name(store: Store) -> tuple[list[tuple], dict[tuple, float]]:
    """Activity rows and OpenRank values keyed by names instead of ids."""
    pairs = store.conn.execute(
        "SELECT month, repo_name, login, issues_opened, issue_comments, issues_closed, review_comments, prs_opened, "
        "pushes, activity, push_only FROM activity ORDER BY month, repo_name, login"
    ).fetchall()
    values = store.conn.execute(
        "SELECT o.month, o.kind, coalesce(r.name, d.name), o.value FROM openrank o "
        "LEFT JOIN (SELECT DISTINCT repo_id AS id, repo_name AS name FROM activity) r ON o.kind = 'repo' AND r.id = o.entity_id "
        "LEFT JOIN (SELECT DISTINCT developer_id AS id, login AS name FROM activity) d "
        "ON o.kind = 'developer' AND d.id = o.entity_id"
    ).fetchall()
    return pairs, {(month, kind, name): value for month, kind, name, value in values}


# ClickHouse's public github_events table ("GitHub Events Dataset", ClickHouse docs;
# ClickHouse/github-explorer), the columns activity reads, with their documented types.
GITHUB_EVENTS = """
CREATE TABLE github_events (
    file_time DateTime,
    event_type Enum8('CommitCommentEvent' = 1, 'CreateEvent' = 2, 'DeleteEvent' = 3, 'ForkEvent' = 4,
        'GollumEvent' = 5, 'IssueCommentEvent' = 6, 'IssuesEvent' = 7, 'MemberEvent' = 8, 'PublicEvent' = 9,
        'PullRequestEvent' = 10, 'PullRequestReviewCommentEvent' = 11, 'PushEvent' = 12, 'ReleaseEvent' = 13,
        'SponsorshipEvent' = 14, 'WatchEvent' = 15, 'GistEvent' = 16, 'FollowEvent' = 17, 'DownloadEvent' = 18,
        'PullRequestReviewEvent' = 19, 'ForkApplyEvent' = 20, 'Event' = 21, 'TeamAddEvent' = 22),
    actor_login LowCardinality(String),
    repo_name LowCardinality(String),
    created_at DateTime,
    updated_at DateTime,
    action Enum8('none' = 0, 'created' = 1, 'added' = 2, 'edited' = 3, 'deleted' = 4, 'opened' = 5, 'closed' = 6,
        'reopened' = 7, 'assigned' = 8, 'unassigned' = 9, 'labeled' = 10, 'unlabeled' = 11, 'review_requested' = 12,
        'review_request_removed' = 13, 'synchronize' = 14, 'started' = 15, 'published' = 16, 'update' = 17,
        'create' = 18, 'fork' = 19, 'merged' = 20),
    comment_id UInt64,
    number UInt32,
    title String,
    merged UInt8,
    push_size UInt32
) ENGINE = MergeTree ORDER BY (event_type, repo_name, created_at)
"""
FROM_EVENTS = {
    "github_events": (
        GITHUB_EVENTS,
        "INSERT INTO github_events SELECT created_at, type, actor_login, repo_name, created_at, created_at, "
        "coalesce(action, 'none'), coalesce(comment_id, 0), coalesce(issue_number, 0), coalesce(title, ''), 0, 1 "
        "FROM events",
    ),
    # OpenDigger's events table, as its global OpenRank query reads it (globalOpenrank.ts lines 101-133).
    "opendigger": (
        "CREATE TABLE opendigger_events (platform LowCardinality(String), type LowCardinality(String), "
        "action LowCardinality(String), actor_id UInt64, actor_login String, repo_id UInt64, repo_name String, "
        "created_at DateTime, issue_id UInt64, issue_title String, issue_comment_id UInt64, "
        "pull_review_comment_id UInt64, push_id UInt64) ENGINE = MergeTree ORDER BY (repo_id, created_at)",
        "INSERT INTO opendigger_events SELECT 'GitHub', type, coalesce(action, ''), actor_id, actor_login, repo_id, "
        "repo_name, created_at, repo_id * 100000 + coalesce(issue_number, 0), coalesce(title, ''), "
        "if(type = 'IssueCommentEvent', comment_id, 0), if(type = 'PullRequestReviewCommentEvent', comment_id, 0), "
        "coalesce(push_id, 0) FROM events",
    ),
}


@pytest.mark.parametrize("schema", ["github_events", "opendigger"])
def test_the_server_schemas_give_the_same_pairs_and_openrank(schema, hours, sqlite_path, tmp_path):
    folder = tmp_path / "server"
    with Store(tmp_path / "server.db") as store:
        with open_engine(f"chdb://{folder}", store) as engine:
            import_files(engine, hours)
            for statement in FROM_EVENTS[schema]:
                engine.command(statement)
            if schema == "opendigger":  # OpenDigger's table is called events: take this project's away
                engine.command("EXCHANGE TABLES events AND opendigger_events")
        with open_engine(f"chdb://{folder}?schema={schema}", store) as engine:
            assert engine.schema == schema
            summary = compute_archive_openrank(store, engine, **OPTIONS)
        assert summary.computed == ["2024-01", "2024-02"]
        if schema == "opendigger":  # GitHub ids: the very rows of the SQLite path
            assert store.conn.execute(ACTIVITY).fetchall() == sqlite_path.conn.execute(ACTIVITY).fetchall()
            assert store.conn.execute(OPENRANK).fetchall() == sqlite_path.conn.execute(OPENRANK).fetchall()
            return
        ids = store.query("SELECT max(repo_id) AS repo, max(developer_id) AS developer FROM activity")[0]
        assert ids["repo"] < 0 and ids["developer"] < 0  # derived from names, never a GitHub id
        pairs, values = _by_name(store)
        expected_pairs, expected_values = _by_name(sqlite_path)
        assert pairs == expected_pairs
        assert values.keys() == expected_values.keys()
        assert values == pytest.approx(expected_values, abs=1e-9)  # ids by name: another node order


def test_import_resumes_per_file_and_analysis_per_month(hours, tmp_path):
    with Store(tmp_path / "resume.db") as store, open_engine("chdb", store) as engine:
        first = import_files(engine, hours[:2])
        assert compute_archive_openrank(store, engine).computed == ["2024-01", "2024-02"]
        events = engine.rows("SELECT count() FROM events")[0][0]
        # An import killed in its last file leaves rows without the file's done mark: read again, once.
        engine.command(f"DELETE FROM archive_files WHERE startsWith(file, '{hours[1].name}|')")
        again = import_files(engine, hours[:2])
        assert again.done_before == [hours[0].name] and again.files == 1 and again.imported < first.imported
        assert engine.rows("SELECT count() FROM events")[0][0] == events
        assert compute_archive_openrank(store, engine).skipped == ["2024-01", "2024-02"]
        third = import_files(engine, hours)
        assert third.done_before == [hours[0].name, hours[1].name] and third.files == 1
        summary = compute_archive_openrank(store, engine)
        assert summary.skipped == ["2024-01"] and summary.computed == ["2024-02"]


def test_an_engine_import_shows_its_progress_as_the_sqlite_import_does(hours, tmp_path, caplog):
    # Without a terminal (pytest's stderr is none): a line when it starts and one when it ends, not one a file.
    with Store(tmp_path / "progress.db") as store, open_engine("chdb", store) as engine:
        with caplog.at_level("INFO", logger="ecometrics.collector.archive_engine"):
            import_files(engine, hours, progress=True)
    lines = [r.getMessage() for r in caplog.records if r.name == "ecometrics.collector.archive_engine"]
    assert lines[0] == f"gharchive (engine): started (about {len(hours)} files)", lines
    assert lines[-1].startswith(f"gharchive (engine): {len(hours)} files in "), lines


def test_bad_lines_and_a_truncated_file_are_reported_by_file_and_line_and_the_rest_imported(tmp_path):
    at = "2024-01-15T10:00:00Z"
    good = [event(n, "PushEvent", actor=CAROL, repo=REPO, created_at=at, push_id=n) for n in range(1, 6)]
    lines: list[dict | bytes] = [
        *good[:2],
        b"{this is not json",
        {"id": "7", "actor": {"id": 1}},
        *good[2:],
        b"",
        b"[1, 2]",
    ]
    bad_lines = write_hour(tmp_path / "2024-01-15-10.json.gz", lines)
    more = [
        event(n, "IssuesEvent", actor=CAROL, repo=REPO, created_at=at, action="opened", number=n) for n in range(20, 23)
    ]
    other = write_hour(tmp_path / "2024-01-15-12.json.gz", [more[0], b"nope", *more[1:]])
    cut = write_hour(tmp_path / "2024-01-15-11.json.gz", synthetic_hour(3000, repos=10), compresslevel=1)
    cut.write_bytes(cut.read_bytes()[: cut.stat().st_size // 2])
    files = [bad_lines, cut, other]
    with Store(tmp_path / "sqlite.db") as sqlite:
        expected = import_gharchive(sqlite, files, all_repos=True)
        kept_events = sqlite.count("events")  # the engine keeps the types the SQLite importer keeps
    expected_where = [report.split(": ")[0] for report in expected.corrupt]
    assert expected_where[:3] == [f"{bad_lines}:3", f"{bad_lines}:4", f"{bad_lines}:9"]
    assert expected_where[4] == f"{other}:2"
    assert expected.corrupt[3].startswith(f"{cut}:") and "ends early" in expected.corrupt[3]
    # the SQLite importer's reader: the same reports, word for word, parsed here or in processes
    for parallel in (False, True):
        with Store(tmp_path / f"engine-{parallel}.db") as store, open_engine("chdb", store) as engine:
            result = import_files(engine, files, parallel=parallel)
            stored = engine.rows("SELECT count() FROM events")[0][0]
        assert result.corrupt == expected.corrupt, parallel
        assert (result.lines, result.corrupt_count, result.imported, stored) == (
            expected.lines,
            expected.corrupt_count,
            kept_events,
            kept_events,
        )


def test_engine_errors_are_one_line_without_the_password(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    db = str(tmp_path / "cli.db")
    with Store(db) as store:
        with pytest.raises(InputError, match="not an engine"):
            open_engine("mysql://root@127.0.0.1/x", store)
        with pytest.raises(InputError, match="schema 'nope' is unknown"):
            open_engine("chdb:///tmp/x?schema=nope", store)
    # port 9 (discard) on loopback: refused at once
    assert main(["--db", db, "analyze", "openrank", "--engine", "clickhouse://reader:s3cret@127.0.0.1:9/gh"]) != 0
    err = capsys.readouterr().err
    assert "clickhouse://reader@127.0.0.1:9/gh: cannot connect" in err and "s3cret" not in err
    assert main(["--db", db, "analyze", "lineage", "--engine", "chdb"]) != 0
    assert "--engine computes OpenRank only" in capsys.readouterr().err


def test_cli_imports_with_chdb_then_analyzes_openrank_there(hours, sqlite_path, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    db = str(tmp_path / "cli.db")
    assert main(["--db", db, "import", "gharchive", *map(str, hours), "--engine", "chdb"]) == 0
    assert "3 file(s)" in capsys.readouterr().out
    assert main(["--db", db, "analyze", "openrank", "--engine", "chdb"]) == 0
    with Store(db) as store:
        assert [row["month"] for row in store.query("SELECT month FROM openrank_months ORDER BY month")] == [
            "2024-01",
            "2024-02",
        ]
        assert store.count("openrank") > 100


def _label(store) -> None:
    """A label: the generated repos of owner org20."""
    store.replace_rows("labels", ("id", "type", "name", "imported_at"), [(":companies/five", "Company", "Five", "-")])
    store.replace_rows("label_entities", ("label_id", "entity_type", "entity_id", "name"), [(":companies/five", "org", 20, "org20")])  # fmt: skip


def _opendigger_metrics(store, rows, schema) -> tuple[dict, dict, dict]:
    """Repos', developers' and labels' metrics (a label: the generated repos of owner org20)."""
    _label(store)
    window = opendigger.Window("2023-06", "2024-03")
    repos = {repo_id: (m.name, dict(m.values)) for repo_id, m in opendigger.compute(rows, schema, window).items()}
    developers = {d: (m.name, dict(m.values)) for d, m in opendigger.compute_developers(rows, schema, window).items()}
    labels = {label: dict(m.values) for label, m in opendigger.compute_labels(store, rows, schema, window).items()}
    return repos, developers, labels


def test_chdb_gives_the_sqlite_paths_opendigger_metrics(hours, tmp_path):
    """Every OpenDigger metric of the hand-worked story (tests/test_opendigger.py) and the generated hours."""
    files = [*hours, write_hour(tmp_path / "2024-01-01-0.json.gz", story())]
    files.append(write_hour(tmp_path / "2024-01-02-0.json.gz", mail_pushes()))
    with Store(tmp_path / "sqlite.db") as sqlite:
        import_gharchive(sqlite, files, all_repos=True)
        expected = _opendigger_metrics(sqlite, lambda text: sqlite.conn.execute(text).fetchall(), SQLITE_EVENTS)
    with Store(tmp_path / "engine.db") as store, open_engine("chdb", store) as engine:
        import_files(engine, files)
        found = _opendigger_metrics(store, engine.rows, ENGINE_EVENTS)
    repos, developers, labels = found
    assert len(repos) > 30 and repos[STORY_REPO[0]][1]["stars"] == {"2024-01": 2, "2024Q1": 2, "2024": 2}
    assert len(developers) > 100 and labels[":companies/five"]["participants"]
    assert repos[MAIL[0]][1]["contributor_email_suffixes"]["2024-02"] == [["mit.edu", 2], ["", 1]]
    assert found == expected


def test_an_engine_made_before_the_metric_columns_gets_them_and_keeps_every_type(hours, tmp_path):
    with Store(tmp_path / "old.db") as store, open_engine("chdb", store) as engine:
        engine.command(
            "CREATE TABLE events (id String, type LowCardinality(String), action LowCardinality(Nullable(String)), "
            "actor_id Nullable(Int64), actor_login String, repo_id Nullable(Int64), repo_name String, "
            "created_at DateTime('UTC'), issue_number Nullable(Int64), comment_id Nullable(Int64), "
            "push_id Nullable(Int64), title Nullable(String), file LowCardinality(String)) "
            "ENGINE = MergeTree ORDER BY tuple()"
        )
        import_files(engine, hours[:1])
        kinds = {row[0] for row in engine.rows("SELECT DISTINCT type FROM events")}
        added = engine.rows("SELECT count() FROM events WHERE pull_additions IS NOT NULL")[0][0]
    assert {"WatchEvent", "ForkEvent", "PullRequestReviewEvent", "CreateEvent"} <= kinds
    assert added > 0  # the pull requests' lines reached the added column


def test_both_engines_write_identical_opendigger_trees(hours, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    files = [*map(str, hours), str(write_hour(tmp_path / "2024-01-01-0.json.gz", story()))]
    files.append(str(write_hour(tmp_path / "2024-01-02-0.json.gz", mail_pushes())))
    trees = {}
    for name, engine in (("sqlite", []), ("chdb", ["--engine", "chdb"])):
        db = str(tmp_path / f"{name}.db")
        assert main(["--db", db, "import", "gharchive", *files, *(engine or ["--all"])]) == 0
        assert main(["--db", db, "analyze", "openrank", *engine]) == 0  # for openrank.json
        with Store(db) as store:  # a label's files, community_openrank_details and meta.json among them
            _label(store)
        out = tmp_path / f"{name}-tree"
        assert main(["--db", db, "export", "opendigger", "--out", str(out), *engine]) == 0
        assert "2023-06 to 2024-03" in capsys.readouterr().out
        trees[name] = {path.relative_to(out): path.read_bytes() for path in out.rglob("*.*")}  # .json, .csv
        window = tmp_path / f"{name}-window.csv"  # the count metrics over a window, on each engine
        assert main(["--db", db, "export", "opendigger_window", "--since", "2024-01-05", "--until", "2024-02-01",
                     "--out", str(window), *engine]) == 0  # fmt: skip
        trees[name][window.name.replace(name, "")] = window.read_bytes()
    assert len(trees["sqlite"]) > 500 and trees["chdb"] == trees["sqlite"]
    written = {str(path) for path in trees["sqlite"]}  # the stored global OpenRank's files, repos' and developers'
    assert {"github/acme/rocket/openrank.json", "github/alice/openrank.json"} <= written
    assert "github/acme/mail/contributor_email_suffixes.json" in written
    assert {"repo_list.csv", "user_list.csv"} <= written
    assert {"github/acme/rocket/meta.json", "github/alice/meta.json", "companies/five/meta.json"} <= written
    assert "companies/five/community_openrank_details.json" in written
    assert b"acme/rocket,2024-01-05T00:00:00Z,2024-02-01T00:00:00Z,2,1,4," in trees["chdb"]["-window.csv"]


def test_both_engines_refuse_the_same_hostile_lines_by_file_and_line(tmp_path):
    # The schema is declared once (ecometrics.collector.gharchive.Event); chDB checks it in SQL.
    good = list(synthetic_hour(30, repos=4, developers=10, seed=9))
    accepted_by_both = [  # a payload field the type's record does not declare is not read, so not checked
        _watch(951, payload={"action": "started", "issue": "not an issue", "push_id": {"x": 1}}),
        _watch(952, payload=None),
    ]
    lines = [*good[:10], *(line for _, line in HOSTILE + RAW_HOSTILE), *accepted_by_both, *good[10:]]
    path = write_hour(tmp_path / "2024-01-15-10.json.gz", lines)
    with Store(tmp_path / "sqlite.db") as sqlite:
        expected = import_gharchive(sqlite, [path], all_repos=True)
    with Store(tmp_path / "engine.db") as store, open_engine("chdb", store) as engine:
        result = import_files(engine, [path])
        stored = engine.rows("SELECT id, repo_id, actor_login FROM events")
    hostile_lines = list(range(11, 11 + len(HOSTILE) + len(RAW_HOSTILE)))
    assert [int(where.split(":")[1]) for where in expected.corrupt] == hostile_lines, expected.corrupt
    assert [int(where.split(":")[1]) for where in result.corrupt] == hostile_lines, result.corrupt
    assert expected.imported == 32 and result.lines == expected.lines
    assert not {row[0] for row in stored} & {"900", "901", "902"}
    assert all(0 < row[1] < 2**63 for row in stored)


def _watch(event_id: int, **changes) -> dict:
    item = event(event_id, "WatchEvent", actor=CAROL, repo=REPO, created_at="2024-01-15T10:30:00Z")
    item.update(changes)
    return item


def test_done_files_are_known_by_content_not_by_name(tmp_path):
    # A truncated download re-fetched complete, or a file of the same name from another folder, is new.
    whole = list(synthetic_hour(400, repos=10, seed=11))
    complete = write_hour(_mkdir(tmp_path / "complete") / "2024-01-15-10.json.gz", whole)
    cut = _mkdir(tmp_path / "cut") / "2024-01-15-10.json.gz"
    cut.write_bytes(complete.read_bytes()[: complete.stat().st_size // 2])
    other = write_hour(_mkdir(tmp_path / "other") / "2024-01-15-10.json.gz", synthetic_hour(50, repos=10, seed=12))
    with Store(tmp_path / "sqlite.db") as sqlite:
        import_gharchive(sqlite, [complete, other], all_repos=True)
        kept_events = sqlite.count("events")  # the engine keeps the types the SQLite importer keeps
    with Store(tmp_path / "engine.db") as store, open_engine("chdb", store) as engine:
        first = import_files(engine, [cut])
        assert first.files == 1 and "ends early" in first.corrupt[-1]
        again = import_files(engine, [complete])
        assert again.done_before == [] and again.files == 1 and again.lines == 400
        elsewhere = import_files(engine, [other])
        assert elsewhere.done_before == [] and elsewhere.files == 1
        assert import_files(engine, [complete, other]).done_before == [complete.name] * 2
        # each event once, as SQLite holds them: the cut copy's events are the complete one's
        assert engine.rows("SELECT count(), uniqExact(id) FROM events")[0] == (kept_events, kept_events)


def test_the_same_file_twice_in_one_import_is_read_once(tmp_path):
    hour = write_hour(_mkdir(tmp_path / "a") / "2024-01-15-10.json.gz", synthetic_hour(100, repos=5, seed=3))
    copy = _mkdir(tmp_path / "b") / hour.name
    copy.write_bytes(hour.read_bytes())
    with Store(tmp_path / "engine.db") as store, open_engine("chdb", store) as engine:
        result = import_files(engine, [hour, copy], parallel=True)
        assert result.done_before == [copy.name] and result.files == 1 and result.imported > 0
        assert engine.rows("SELECT count(), uniqExact(id) FROM events")[0] == (result.imported, result.imported)
    assert not list(tmp_path.glob(".gharchive-*"))  # the parsers' scratch folder, beside the chDB folder, is gone


def _mkdir(folder):
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# The server layouts with the columns OpenDigger's metrics read. OpenDigger's events table
# (docs/assets/data_description.csv) under its names; its payload columns are Nullable here,
# so that a field the generated events lack stays unknown on both sides.
OPENDIGGER_METRIC_EVENTS = (
    "CREATE TABLE opendigger_events (platform LowCardinality(String), type LowCardinality(String), "
    "action LowCardinality(String), actor_id UInt64, actor_login String, repo_id UInt64, repo_name String, "
    "created_at DateTime, issue_id UInt64, issue_title String, issue_comment_id UInt64, "
    "pull_review_comment_id UInt64, push_id UInt64, pull_merged Nullable(UInt8), issue_author_id Nullable(UInt64), "
    "issue_author_login Nullable(String), issue_created_at Nullable(DateTime), issue_closed_at Nullable(DateTime), "
    "issue_comments Nullable(UInt16), pull_merged_at Nullable(DateTime), pull_commits Nullable(UInt16), "
    "pull_additions Nullable(UInt32), pull_deletions Nullable(UInt32), pull_changed_files Nullable(UInt32), "
    "pull_review_comments Nullable(UInt16), pull_review_id Nullable(UInt64), "
    "pull_review_state Nullable(String), `push_commits.name` Array(String), `push_commits.email` Array(String)) "
    "ENGINE = MergeTree ORDER BY (repo_id, created_at)",
    "INSERT INTO opendigger_events SELECT 'GitHub', type, coalesce(action, ''), actor_id, actor_login, repo_id, "
    "repo_name, created_at, repo_id * 100000 + coalesce(issue_number, 0), coalesce(title, ''), "
    "if(type = 'IssueCommentEvent', comment_id, 0), if(type = 'PullRequestReviewCommentEvent', comment_id, 0), "
    "coalesce(push_id, 0), merged, author_id, author_login, issue_created_at, issue_closed_at, issue_comments, "
    "pull_merged_at, pull_commits, pull_additions, pull_deletions, pull_changed_files, pull_review_comments, "
    "pull_review_id, pull_review_state, push_commit_names, push_commit_emails FROM events",
)
# github_events (ClickHouse's "GitHub Events Dataset"), with the item's columns: no issue creation
# time and no review ids (those metrics are missing there), times of 1970 and 0 for unset.
GITHUB_METRIC_EVENTS = (
    GITHUB_EVENTS.replace(
        "    push_size UInt32\n",
        "    push_size UInt32,\n    creator_user_login LowCardinality(String),\n    closed_at DateTime,\n"
        "    merged_at DateTime,\n    comments UInt32,\n    commits UInt32,\n    additions UInt32,\n"
        "    deletions UInt32,\n    changed_files UInt32,\n    review_comments UInt32,\n"
        "    review_state Enum8('none' = 0, 'approved' = 1, 'changes_requested' = 2, 'commented' = 3,"
        " 'dismissed' = 4, 'pending' = 5)\n",
    ),
    "INSERT INTO github_events SELECT created_at, type, actor_login, repo_name, created_at, created_at, "
    "coalesce(action, 'none'), coalesce(comment_id, 0), coalesce(issue_number, 0), coalesce(title, ''), "
    "coalesce(merged, 0), 1, coalesce(author_login, ''), coalesce(issue_closed_at, toDateTime(0)), "
    "coalesce(pull_merged_at, toDateTime(0)), coalesce(issue_comments, 0), coalesce(pull_commits, 0), "
    "coalesce(pull_additions, 0), coalesce(pull_deletions, 0), coalesce(pull_changed_files, 0), "
    "coalesce(pull_review_comments, 0), coalesce(pull_review_state, 'none') FROM events",
)
# What github_events can answer as OpenDigger defines it: the counts that need no issue
# creation time, no review id and no comment count that an event without the field would fake as 0.
GITHUB_EVENTS_METRICS = (
    "stars", "technical_fork", "attention", "participants", "issues_new", "issues_closed", "issue_comments",
    "change_requests", "change_requests_accepted", "change_requests_reviews", "issues_and_change_request_active",
    "contributors", "contributors_detail", "new_contributors", "active_dates_and_times", "activity", "bus_factor",
)  # fmt: skip


def test_the_server_layouts_give_the_sqlite_paths_opendigger_metrics(hours, tmp_path):
    files = [*hours, write_hour(tmp_path / "2024-01-01-0.json.gz", story())]
    files.append(write_hour(tmp_path / "2024-01-02-0.json.gz", mail_pushes()))
    window = opendigger.Window("2023-06", "2024-03")
    with Store(tmp_path / "sqlite.db") as sqlite:
        import_gharchive(sqlite, files, all_repos=True)
        expected = opendigger.compute(lambda text: sqlite.conn.execute(text).fetchall(), SQLITE_EVENTS, window)
    by_name = {m.name: dict(m.values) for m in expected.values()}
    folder = tmp_path / "server"
    with Store(tmp_path / "server.db") as store:
        with open_engine(f"chdb://{folder}", store) as engine:
            import_files(engine, files)
            for statement in (*OPENDIGGER_METRIC_EVENTS, *GITHUB_METRIC_EVENTS):
                engine.command(statement)
            engine.command("EXCHANGE TABLES events AND opendigger_events")
        with open_engine(f"chdb://{folder}?schema=opendigger", store) as engine:
            found = opendigger.compute(engine.rows, activity_sql.SCHEMAS["opendigger"], window)
        assert {repo_id: dict(m.values) for repo_id, m in found.items()} == {
            repo_id: dict(m.values) for repo_id, m in expected.items()
        }
        with open_engine(f"chdb://{folder}?schema=github_events", store) as engine:
            named = opendigger.compute(engine.rows, activity_sql.SCHEMAS["github_events"], window)
    assert {m.name for m in named.values()} == set(by_name)
    for metrics in named.values():
        for metric in GITHUB_EVENTS_METRICS:
            assert metrics.values.get(metric) == by_name[metrics.name].get(metric), (metrics.name, metric)
