"""GH Archive lines are validated against one declared schema before anything is stored.

Each hostile line below is one a stranger's file can hold (types, ranges, dates); each is
skipped and reported as ``FILE:LINE``, the good lines around it are imported, and the
database stays readable: ``analyze openrank`` and ``export repos`` still succeed.
"""

from __future__ import annotations

import gzip
import json
import sys

import pytest
from gharchive_fixtures import HOSTILE, RAW_HOSTILE, hostile_push, synthetic_hour, write_hour

from ecometrics.collector.gharchive import import_gharchive
from ecometrics.collector.store import Store
from ecometrics.jobs.cli import main

REPO, ALICE = (11, "acme/engine"), (1, "alice")
AT = "2024-01-15T10:00:00Z"


def _lines() -> list:
    good = list(synthetic_hour(40, repos=4, developers=10, seed=5))
    hostile = [line for _, line in HOSTILE] + [line for _, line in RAW_HOSTILE]
    return good[:20] + hostile + good[20:]


@pytest.fixture(scope="module")
def hour(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    return write_hour(folder / "2024-01-15-10.json.gz", _lines())


@pytest.mark.parametrize("parallel", [False, True], ids=["in-process", "parser-process"])
def test_each_hostile_line_is_skipped_by_file_and_line_and_the_rest_imported(hour, tmp_path, parallel):
    with Store(tmp_path / "gh.db") as store:
        result = import_gharchive(store, [hour], all_repos=True, parallel=parallel)
        assert result.imported == 40 and store.count("events") == 40
        reported = [where.split(":", 2) for where in result.corrupt]
        expected_lines = list(range(21, 21 + len(HOSTILE) + len(RAW_HOSTILE)))
        assert [int(line) for _, line, _ in reported] == expected_lines, result.corrupt
        assert {file for file, _, _ in reported} == {str(hour)}
        assert result.corrupt_count == len(expected_lines)
        stored = store.query("SELECT id, repo_id, actor_id, actor_login, created_at, action, push_id FROM events")
        assert "900" not in {row["id"] for row in stored} and "901" not in {row["id"] for row in stored}
        for row in stored:
            assert isinstance(row["repo_id"], int) and 0 < row["repo_id"] < 2**63
            assert isinstance(row["actor_login"], str)
            assert row["created_at"].startswith("2024-01-15T10:")


def test_the_reason_names_the_field(hour, tmp_path):
    with Store(tmp_path / "gh.db") as store:
        result = import_gharchive(store, [hour], all_repos=True)
    reasons = dict(
        zip([name for name, _ in HOSTILE], [where.split(": ", 1)[1] for where in result.corrupt], strict=False)
    )
    assert "$.repo.id" in reasons["repo id a string"]
    assert "$.actor.login" in reasons["login a list"]
    assert "$.created_at" in reasons["created_at not a calendar date"]
    assert "$.payload.push_id" in reasons["push_id an object"]
    assert "$.payload.commits" in reasons["commits a string"] and "$.payload.commits" in reasons["a commit a string"]
    assert "$.payload.commits[0].author.email" in reasons["a commit e-mail a number"]


def test_push_ids_as_numbers_or_digit_strings_are_stored_as_text(tmp_path):
    path = write_hour(
        tmp_path / "2024-01-15-10.json.gz",
        [hostile_push(id="1", **{"payload.push_id": 77}), hostile_push(id="2", **{"payload.push_id": "78"})],
    )
    with Store(tmp_path / "gh.db") as store:
        result = import_gharchive(store, [path], all_repos=True)
        assert result.corrupt_count == 0
        assert [row["push_id"] for row in store.query("SELECT push_id FROM events ORDER BY id")] == ["77", "78"]


def test_after_hostile_lines_analysis_and_exports_still_succeed(hour, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    db = str(tmp_path / "cli.db")
    assert main(["--db", db, "import", "gharchive", str(hour), "--all"]) == 0
    out = capsys.readouterr()
    assert "40 events imported" in out.out and f"{hour}:21:" in out.out + out.err
    assert main(["--db", db, "analyze", "openrank"]) == 0
    assert main(["--db", db, "export", "repos", "--format", "json"]) == 0
    assert "Traceback" not in capsys.readouterr().err


def test_a_line_past_the_depth_bound_is_refused_however_deep_the_stack_may_go(tmp_path):
    """ClickHouse reads 1,024 levels (ecometrics.collector.gharchive.MAX_DEPTH); a line nested one deeper is
    refused by the SQLite importer too, whether or not Python's recursion limit would let msgspec
    read it (a process that raised the limit must not accept what chDB refuses)."""
    from ecometrics.collector.gharchive import MAX_DEPTH

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(20_000)
    try:
        within, past = (
            json.dumps(hostile_push()).replace('"public": true', f'"x": {"[" * d}{"]" * d}', 1)
            for d in (MAX_DEPTH - 1, MAX_DEPTH)
        )
        path = write_hour(tmp_path / "2024-01-15-10.json.gz", [json.loads(within)])
        with path.open("ab") as handle:  # a second gzip member: the file's line 2
            handle.write(gzip.compress(past.encode() + b"\n"))
        with Store(tmp_path / "deep.db") as store:
            result = import_gharchive(store, [path], all_repos=True)
            held = store.count("events")
    finally:
        sys.setrecursionlimit(limit)
    assert held == 1  # the line 1,024 levels deep (the event object and 1,023 arrays) is read
    assert [where.split(":")[1] for where in result.corrupt] == ["2"], result.corrupt
