"""GH Archive import: generated hourly files -> events, over a real SQLite file."""

from __future__ import annotations

import gzip
import json

import pytest
from gharchive_fixtures import api_order, event, synthetic_hour, write_hour

from ecometrics.collector.gharchive import import_gharchive
from ecometrics.collector.store import Store
from ecometrics.core.errors import InputError
from ecometrics.jobs.cli import main

TRACKED = (11, "TrackedOrg/engine")
BY_NAME = (12, "solo/tool")
UNTRACKED = (13, "elsewhere/thing")
ALICE, BOT = (1, "alice"), (2, "ci[bot]")
AT = "2024-01-15T10:00:00Z"


def hour_events() -> list:
    return [
        event(1, "IssuesEvent", actor=ALICE, repo=TRACKED, created_at=AT, action="opened", number=5),
        event(2, "IssueCommentEvent", actor=ALICE, repo=TRACKED, created_at=AT, number=5, comment_id=77),
        event(3, "PullRequestEvent", actor=ALICE, repo=BY_NAME, created_at=AT, action="closed", number=9, merged=True),
        event(4, "PullRequestReviewCommentEvent", actor=BOT, repo=TRACKED, created_at=AT, number=9, comment_id=88),
        event(5, "PushEvent", actor=ALICE, repo=TRACKED, created_at=AT, push_id=123456789),
        event(6, "PushEvent", actor=ALICE, repo=UNTRACKED, created_at=AT, push_id=1),
        b"{this is not json",  # line 7
        event(8, "DownloadEvent", actor=ALICE, repo=TRACKED, created_at=AT),
        event(9, "FollowEvent", actor=ALICE, repo=TRACKED, created_at=AT),
        {"id": "10", "type": "WatchEvent", "actor": {"id": 1}, "repo": {"id": 11}},  # line 10: no created_at
        # Events API key order: the payload's pull request (with repo objects of its own) comes first.
        api_order(event(11, "PullRequestEvent", actor=ALICE, repo=TRACKED, created_at=AT, action="opened", number=10)),
        api_order(event(12, "PullRequestEvent", actor=ALICE, repo=UNTRACKED, created_at=AT, action="opened", number=1)),
        event(13, "WatchEvent", actor=ALICE, repo=TRACKED, created_at=AT),
    ]


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "gh.db") as store:
        store.upsert("repos", [{"id": BY_NAME[0], "full_name": BY_NAME[1], "owner": "solo", "name": "tool"}])
        yield store


def rows(store):
    return {row["id"]: row for row in store.query("SELECT * FROM events")}


@pytest.mark.parametrize("parallel", [False, True], ids=["in-process", "parser-process"])
def test_tracked_events_are_imported_with_their_fields(store, tmp_path, parallel):
    path = write_hour(tmp_path / "2024-01-15-10.json.gz", hour_events())
    result = import_gharchive(store, [path], orgs=["trackedorg"], parallel=parallel)  # owners: any case
    events = rows(store)
    assert sorted(events, key=int) == ["1", "2", "3", "4", "5", "11", "13"]
    assert events["1"]["type"] == "IssuesEvent" and events["1"]["action"] == "opened"
    assert events["1"]["issue_number"] == 5 and events["1"]["actor_login"] == "alice"
    assert events["1"]["repo_id"] == 11 and events["1"]["repo_name"] == "TrackedOrg/engine"
    assert events["1"]["created_at"] == AT and events["1"]["source"] == "gharchive"
    assert (events["2"]["comment_id"], events["2"]["issue_number"]) == (77, 5)
    assert (events["3"]["merged"], events["3"]["issue_number"]) == (1, 9)  # tracked via the repos table
    assert (events["4"]["comment_id"], events["4"]["is_bot"], events["1"]["is_bot"]) == (88, 1, 0)
    assert events["5"]["push_id"] == "123456789"
    assert events["11"]["repo_id"] == 11  # the top-level repo, not the pull request's
    assert result.imported == 7 and result.lines == 13 and result.files == 1
    assert result.untracked == 2
    assert result.skipped_types == {"DownloadEvent": 1, "FollowEvent": 1}
    assert result.corrupt_count == 2
    assert result.corrupt[0].startswith(f"{path}:7: not JSON")
    assert result.corrupt[1].startswith(f"{path}:10: WatchEvent without")
    assert "2 corrupt line(s)" in result.summary()
    assert store.checkpoint("gharchive", path.name) == "13"
    assert not list(tmp_path.glob(".gharchive-*"))  # the parser's scratch batches are gone


def test_parser_processes_taking_chunks_in_turn_give_what_one_parser_gives(tmp_path):
    lines: list = list(synthetic_hour(3000, repos=30, seed=3))
    for line in (501, 1702, 3002):  # corrupt lines
        lines.insert(line - 1, b'{"id": "broken')
    first = write_hour(tmp_path / "2024-01-15-10.json.gz", lines)
    second = write_hour(tmp_path / "2024-01-15-11.json.gz", synthetic_hour(700, repos=30, seed=4))
    seen = {}
    for parallel in (False, True):
        with Store(tmp_path / f"parallel-{parallel}.db") as store:
            # ~80 lines per chunk: many chunks per file, dealt to the parsers in turn
            result = import_gharchive(store, [first, second], all_repos=True, parallel=parallel, chunk_bytes=64 * 1024)
            seen[parallel] = (
                result.imported,
                result.lines,
                result.corrupt,
                store.query("SELECT * FROM events ORDER BY id"),
                [store.checkpoint("gharchive", path.name) for path in (first, second)],
            )
    assert seen[True] == seen[False]
    imported, total, corrupt, events, checkpoints = seen[True]
    assert (imported, total, checkpoints) == (3700, 3703, ["3003", "700"])
    assert [where.split(":")[:2] for where in corrupt] == [[str(first), line] for line in ("501", "1702", "3002")]
    assert {event["source"] for event in events} == {"gharchive"}


@pytest.mark.parametrize("parallel", [False, True])
def test_an_id_seen_twice_in_a_file_keeps_its_last_line_whatever_columns_each_fills(tmp_path, parallel):
    # Rows are staged by the columns they fill: line 1's layout (no pull request counts) is met
    # first, so were rows staged layout by layout, line 3 would be stored before line 2.
    lines = [
        event(9, "IssuesEvent", actor=ALICE, repo=TRACKED, created_at=AT, action="opened", number=1),
        event(
            5, "IssuesEvent", actor=ALICE, repo=TRACKED, created_at=AT, action="opened", number=2, item={"commits": 3}
        ),
        event(5, "IssuesEvent", actor=ALICE, repo=TRACKED, created_at=AT, action="closed", number=2),
    ]
    path = write_hour(tmp_path / "2024-01-15-10.json.gz", lines)
    with Store(tmp_path / "gh.db") as store:
        import_gharchive(store, [path], all_repos=True, parallel=parallel)
        stored = store.query("SELECT action, pull_commits FROM events WHERE id = '5'")
    assert stored == [{"action": "closed", "pull_commits": None}]


def test_import_is_idempotent_and_all_keeps_every_repo(store, tmp_path):
    path = write_hour(tmp_path / "h.json.gz", hour_events())
    import_gharchive(store, [path], repos=["TrackedOrg/Engine"])
    import_gharchive(store, [path], repos=["TrackedOrg/Engine"])
    assert sorted(rows(store), key=int) == ["1", "2", "3", "4", "5", "11", "13"]
    everything = import_gharchive(store, [path], all_repos=True)
    assert everything.untracked == 0
    assert sorted(rows(store), key=int) == ["1", "2", "3", "4", "5", "6", "11", "12", "13"]


def test_truncated_file_keeps_what_came_before(store, tmp_path):
    path = write_hour(tmp_path / "cut.json.gz", synthetic_hour(3000, repos=10), compresslevel=1)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    whole = write_hour(tmp_path / "whole.json.gz", [event(99, "WatchEvent", actor=ALICE, repo=TRACKED, created_at=AT)])
    result = import_gharchive(store, [path, whole], all_repos=True, parallel=True)
    assert result.corrupt_count == 1 and result.files == 2
    assert result.corrupt[0].startswith(f"{path}:") and "ends early" in result.corrupt[0]
    cut_at = int(result.corrupt[0].split(":")[1])
    assert 100 < cut_at < 3000
    assert store.count("events") == result.imported == cut_at - 1 + 1  # lines before the cut, and the whole file


def test_damaged_gzip_is_reported_by_file_and_line(store, tmp_path):
    path = write_hour(tmp_path / "bad.json.gz", synthetic_hour(3000, repos=10), compresslevel=1)
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(64)  # zeroes over compressed data
    path.write_bytes(bytes(data))
    result = import_gharchive(store, [path], all_repos=True, parallel=True)
    # garbled lines or the broken stream are reported from where the damage starts
    assert result.corrupt_count >= 1 and result.corrupt[0].startswith(f"{path}:")
    assert int(result.corrupt[0].split(":")[1]) > 100
    assert 100 < store.count("events") < 3000


def test_plain_json_lines_concatenated_gzip_and_missing_files(store, tmp_path):
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps(event(1, "WatchEvent", actor=ALICE, repo=TRACKED, created_at=AT)) + "\n")
    assert import_gharchive(store, [plain], all_repos=True).imported == 1
    first = write_hour(tmp_path / "a.json.gz", synthetic_hour(300, seed=1))
    second = write_hour(tmp_path / "b.json.gz", [event(2, "WatchEvent", actor=ALICE, repo=TRACKED, created_at=AT)])
    both = tmp_path / "both.json.gz"  # two gzip members, as `cat a.gz b.gz` makes
    both.write_bytes(first.read_bytes() + second.read_bytes())
    result = import_gharchive(store, [both], all_repos=True)
    assert (result.lines, result.imported, result.corrupt_count) == (301, 301, 0)
    with pytest.raises(InputError, match="nope.json.gz"):
        import_gharchive(store, [tmp_path / "nope.json.gz"])


def test_cli_imports_then_analyzes_openrank(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "cli.db"
    path = write_hour(tmp_path / "2024-01-15-10.json.gz", synthetic_hour(2000, repos=20, developers=60))
    assert main(["--db", str(db), "import", "gharchive", str(path), "--all"]) == 0
    assert "2,000 events imported" in capsys.readouterr().out
    assert main(["--db", str(db), "analyze", "openrank"]) == 0
    with Store(db) as store:
        months = store.query("SELECT month, nodes, converged FROM openrank_months")
        assert [m["month"] for m in months] == ["2024-01"] and months[0]["converged"] == 1
        assert store.count("openrank") == months[0]["nodes"] - 1
    with gzip.open(path) as f:
        assert sum(1 for _ in f) == 2000


def test_cli_exports_developers_as_json(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    db = str(tmp_path / "x.db")
    Store(db).close()  # a reader never creates the database
    assert main(["--db", db, "export", "developers", "--format", "json"]) == 0  # nothing computed yet
    assert json.loads(capsys.readouterr().out) == []
    path = write_hour(tmp_path / "h.json.gz", synthetic_hour(500, repos=5, developers=30))
    assert main(["--db", db, "import", "gharchive", str(path), "--all"]) == 0
    assert main(["--db", db, "analyze", "openrank"]) == 0
    capsys.readouterr()
    assert main(["--db", db, "export", "developers", "--format", "json", "--month", "2024-01", "--top", "3"]) == 0
    table = json.loads(capsys.readouterr().out)
    assert len(table) == 3 and [row["rank"] for row in table] == [1, 2, 3]
    assert {"developer", "openrank", "activity", "month", "repos"} <= set(table[0])
    assert table[0]["month"] == "2024-01" and table[0]["developer"].startswith("dev")
    assert table[0]["openrank"] >= table[1]["openrank"] >= table[2]["openrank"]


def test_a_file_that_is_not_gh_archive_is_an_error_naming_it_and_the_others_stay(store, tmp_path):
    good = write_hour(tmp_path / "2024-01-15-10.json.gz", synthetic_hour(300, seed=2))
    notes = tmp_path / "notes.json.gz"
    with gzip.open(notes, "wt") as handle:
        handle.write("these are meeting notes\nnot events\n")
    with pytest.raises(InputError, match=r"notes\.json\.gz: none of its 2 line\(s\) is a GH Archive event"):
        import_gharchive(store, [good, notes], all_repos=True)
    assert store.count("events") > 0


def test_a_line_without_a_type_is_corrupt_not_an_event_type(store, tmp_path):
    path = write_hour(
        tmp_path / "2024-01-15-10.json.gz",
        [
            event(1, "PushEvent", actor=ALICE, repo=TRACKED, created_at=AT, push_id=1),
            {"id": "2", "actor": {"id": 1}, "repo": {"id": 11, "name": "TrackedOrg/engine"}, "created_at": AT},
            {"id": "3", "type": 7, "repo": {"id": 11, "name": "TrackedOrg/engine"}, "created_at": AT},
        ],
    )
    result = import_gharchive(store, [path], all_repos=True)
    assert result.imported == 1 and not result.skipped_types
    assert [where.split(": ", 1)[1] for where in result.corrupt] == [
        "not a GH Archive event: no type",
        "not a GH Archive event: no type",
    ]
    assert "None" not in result.summary()


def test_a_file_that_is_not_gh_archive_leaves_no_checkpoint(store, tmp_path):
    notes = tmp_path / "notes.json"  # not gzip, not events
    notes.write_text("these are meeting notes\nnot events\n")
    with pytest.raises(InputError, match="none of its 2 line"):
        import_gharchive(store, [notes], all_repos=True)
    assert store.checkpoint("gharchive", "notes.json") is None
    assert store.count("checkpoints") == 0


def test_the_stored_bot_flag_is_the_bot_rule(store, tmp_path):
    # Accounts GitHub runs without the "[bot]" suffix are bots to the bot rule, and so to the flag.
    logins = {21: "github-actions", 22: "Copilot", 23: "dependabot[bot]", 24: "octocat"}
    path = write_hour(
        tmp_path / "2024-01-15-11.json.gz",
        [
            event(n, "PushEvent", actor=(n, login), repo=TRACKED, created_at=AT, push_id=n)
            for n, login in logins.items()
        ],
    )
    import_gharchive(store, [path], all_repos=True)
    flags = {row["actor_login"]: row["is_bot"] for row in store.query("SELECT actor_login, is_bot FROM events")}
    assert flags == {"github-actions": 1, "Copilot": 1, "dependabot[bot]": 1, "octocat": 0}


def test_an_import_shows_its_progress_as_the_collectors_do(store, tmp_path, caplog):
    # Without a terminal (pytest's stderr is none): a line when it starts and one when it ends.
    first = write_hour(tmp_path / "2024-01-15-10.json.gz", hour_events())
    second = write_hour(tmp_path / "2024-01-15-11.json.gz", hour_events()[:2])
    with caplog.at_level("INFO", logger="ecometrics.collector.gharchive"):
        import_gharchive(store, [first, second], all_repos=True, progress=True)
    lines = [r.getMessage() for r in caplog.records if r.name == "ecometrics.collector.gharchive"]
    assert lines[0] == "gharchive: started (about 2 files)", lines
    assert lines[-1].startswith("gharchive: 2 files in "), lines
