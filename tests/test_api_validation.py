"""API records are validated where they enter: a record that does not meet its declared schema
is skipped, counted with its endpoint in the run log, and never stored.

fakehub's hostile control (off by default: the real APIs send no garbage) gives the first star
of every stargazer page a time that is not a time, in REST and GraphQL alike, the first
repository of every GraphQL metadata answer a ``createdAt`` that is not a time, the first
contributor of every ``/contributors`` page a negative count, and the first four entries of
every ``/stats/contributors`` answer one fault each (negative or fractional commits in a week, a
``total`` that is a string, an ``author`` that is a list).
"""

from __future__ import annotations

from datetime import datetime

import pytest
from test_github_collector import collect, github_config

from ecometrics.collector.store import Store
from ecometrics.fakehub import FakeHub
from ecometrics.fakehub.hostile import NOT_A_TIME, STATS_SPOILERS
from ecometrics.jobs.cli import main

REPOS = ["MoonshotAI/Kimi-VL", "THUDM/GLM-4"]
UNRENAMED = ["MoonshotAI/Kimi-VL", "MiniMax-AI/MiniMax-Text-Preview"]  # one metadata document, no second


@pytest.mark.parametrize("token", ["test-token", ""], ids=["graphql", "rest"])
def test_a_star_time_that_is_not_a_time_is_skipped_counted_and_never_stored(
    tmp_path, monkeypatch, capsys, caplog, token
):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "gh.db"
    config = github_config(orgs=[], repos=REPOS)
    with FakeHub(collaborator_of="*", seed=0, scale="small", hostile_records=True) as hub, Store(db) as store:
        with caplog.at_level("INFO", logger="ecometrics.collector.github"):
            result = collect(store, hub, config=config, token=token)
        pages = hub.stats()["by_endpoint"]["graphql" if token else "repos.stargazers"]["requests"]
        skipped = {what: n for what, n in result.counters.items() if "invalid" in what and "stargazers" in what}
        assert skipped, result.counters
        assert 0 < sum(skipped.values()) <= pages
        run_log = caplog.records[-1].getMessage()  # the run's last line: its counts
        assert "github: invalid records skipped (stargazers" in run_log, run_log
        assert "at `$.starred" in caplog.text  # the first reason, with its field
        stars = store.query("SELECT starred_at FROM stargazers")
        assert stars and NOT_A_TIME not in {row["starred_at"] for row in stars}
        for row in stars:
            datetime.fromisoformat(row["starred_at"])  # every stored time is a time
    assert main(["--db", str(db), "analyze", "openrank"]) == 0
    assert main(["--db", str(db), "export", "repos", "--format", "json"]) == 0
    assert "Traceback" not in capsys.readouterr().err


def test_a_bad_repository_and_contributor_are_skipped_counted_and_never_stored(tmp_path, monkeypatch, capsys, caplog):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "gh.db"
    config = github_config(orgs=[], repos=UNRENAMED)
    with FakeHub(collaborator_of="*", seed=0, scale="small", hostile_records=True) as hub, Store(db) as store:
        with caplog.at_level("INFO", logger="ecometrics.collector.github"):
            result = collect(store, hub, config=config, token="test-token")
        counters = result.counters
        # one metadata document for both repositories: its first alias, r0, is the bad one
        assert counters["github: invalid records skipped (repository metadata (GraphQL))"] == 1, counters
        # the repository collected has one /contributors page, whose first contributor is bad
        assert counters["github: invalid records skipped (contributors)"] == 1, counters
        assert "at `$.createdAt`" in caplog.text and "at `$.contributions`" in caplog.text
        repos = store.query("SELECT id, full_name, created_at FROM repos")
        assert len(repos) == 1 and repos[0]["full_name"] in UNRENAMED, repos  # the other one is collected
        assert NOT_A_TIME not in {row["created_at"] for row in repos}
        datetime.fromisoformat(repos[0]["created_at"])
        assert {row["repo_id"] for row in store.query("SELECT repo_id FROM repo_snapshots")} == {repos[0]["id"]}
        assert store.query("SELECT 1 FROM stargazers WHERE repo_id = ?", (repos[0]["id"],))
        contributions = store.query("SELECT repo_id, contributions FROM contributors")
        assert contributions and {row["repo_id"] for row in contributions} == {repos[0]["id"]}
        assert all(row["contributions"] >= 0 for row in contributions)
    assert main(["--db", str(db), "analyze", "openrank"]) == 0
    assert main(["--db", str(db), "export", "repos", "--format", "json"]) == 0
    assert "Traceback" not in capsys.readouterr().err


def test_a_bad_repository_of_an_owners_rest_listing_is_skipped_counted_and_never_stored(
    tmp_path, monkeypatch, capsys, caplog
):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "gh.db"
    config = github_config(orgs=["icy-labs"], repos=[])
    with FakeHub(collaborator_of="*", seed=0, scale="small", hostile_records=True) as hub, Store(db) as store:
        owned = [name for name in hub.truth()["github"]["repos"] if name.startswith("icy-labs/")]
        with caplog.at_level("INFO", logger="ecometrics.collector.github"):
            result = collect(store, hub, config=config, token="")  # REST alone: no GraphQL without a token
        # the owner's listing is one page (4 repositories), whose first item is bad
        assert result.counters["github: invalid records skipped (repositories (REST))"] == 1, result.counters
        assert "at `$.created_at`" in caplog.text
        repos = store.query("SELECT full_name, created_at FROM repos")
        assert len(repos) == len(owned) - 1 and {row["full_name"] for row in repos} < set(owned), repos
        for row in repos:
            datetime.fromisoformat(row["created_at"])  # every stored time is a time
    assert main(["--db", str(db), "analyze", "openrank"]) == 0
    assert main(["--db", str(db), "export", "repos", "--format", "json"]) == 0
    assert "Traceback" not in capsys.readouterr().err


def test_the_hostile_control_is_off_by_default_and_switches_at_run_time(tmp_path):
    import requests

    with FakeHub(collaborator_of="*", seed=0, scale="small") as hub:
        assert not hub.hostile_records
        assert requests.post(f"{hub.url}/_fakehub/hostile?on=1", timeout=5).json() == {"hostile_records": True}
        assert hub.hostile_records
        requests.post(f"{hub.url}/_fakehub/hostile?on=0", timeout=5)
        assert not hub.hostile_records


def test_a_bad_profile_is_skipped_counted_and_never_stored(tmp_path, caplog):
    # the first node of every nodes(ids:) answer carries databaseId -1: one a document of 100
    config = github_config(orgs=[], repos=UNRENAMED, activity=False, contributors=False)  # r0 is skipped
    with (
        FakeHub(collaborator_of="*", seed=0, scale="small", hostile_records=True) as hub,
        Store(tmp_path / "gh.db") as store,
    ):
        with caplog.at_level("INFO", logger="ecometrics.collector.github"):
            result = collect(store, hub, config)
        documents = hub.stats()["by_endpoint"]["graphql.nodes"]["requests"]
        assert result.counters["github: invalid records skipped (profiles (GraphQL))"] == documents > 0
        assert "at `$.databaseId`" in caplog.text
        stored = store.query("SELECT account_id FROM profiles WHERE status = 'ok'")
        assert stored and all(row["account_id"] is None or row["account_id"] > 0 for row in stored)


def test_bad_account_facts_are_skipped_counted_and_never_stored(tmp_path):
    from ecometrics.collector.account_facts import fetch_account_facts
    from ecometrics.collector.github_client import GitHubClient

    with (
        FakeHub(collaborator_of="*", seed=0, scale="small", hostile_records=True) as hub,
        Store(tmp_path / "f.db") as store,
    ):
        store.upsert("repos", [{"id": 1, "full_name": "o/r", "owner": "o", "name": "r"}])
        store.upsert("stargazers", [
            {"repo_id": 1, "user_id": 1_000_010, "login": "a", "starred_at": "2025-01-02T00:00:00Z"},
            {"repo_id": 1, "user_id": 1_000_011, "login": "b", "starred_at": "2025-01-01T00:00:00Z"},
        ])  # fmt: skip
        client = GitHubClient(token="t", base_url=hub.url, timeout=5.0, sleep=hub.sleep, clock=hub.rate_time)
        invalid: list[str] = []
        assert fetch_account_facts(store, client, limit=10, invalid=invalid) == (1, 1)  # the first is bad
        assert len(invalid) == 1 and "at `$.databaseId`" in invalid[0]
        rows = store.query("SELECT user_id, status FROM star_account_facts")
        assert len(rows) == 1 and rows[0]["status"] == "ok", rows  # the bad one is not stored (asked again)


def test_a_bad_issue_or_pull_request_node_is_skipped_counted_and_never_stored(tmp_path):
    from ecometrics.collector.github_rows import issue_detail_events

    good = {"number": 7, "createdAt": "2025-01-01T00:00:00Z", "updatedAt": "2025-01-03T00:00:00Z",
            "closedAt": "2025-01-02T00:00:00Z", "mergedAt": "2025-01-02T00:00:00Z", "merged": True,
            "additions": 3, "deletions": 1, "changedFiles": 1, "commits": {"totalCount": 1},
            "reviews": {"nodes": [{"fullDatabaseId": "55", "submittedAt": "2025-01-01T12:00:00Z", "state": "APPROVED"}]}}  # fmt: skip
    bad_time = {**good, "number": 8, "createdAt": NOT_A_TIME}
    bad_count = {**good, "number": 9, "additions": -1}
    bad_review = {**good, "number": 10, "reviews": {"nodes": [{"fullDatabaseId": "x1", "submittedAt": "2025-01-01T12:00:00Z"}]}}  # fmt: skip
    page = issue_detail_events(1, "o/r", "pull_requests", [bad_time, None, good, bad_count, bad_review], ())
    assert len(page.invalid) == 3, page.invalid
    assert "at `$.createdAt`" in page.invalid[0] and "at `$.additions`" in page.invalid[1]
    with Store(tmp_path / "e.db") as store:
        store.upsert("repos", [{"id": 1, "full_name": "o/r", "owner": "o", "name": "r"}])
        store.upsert("events", page.events)
        numbers = {row["issue_number"] for row in store.query("SELECT issue_number FROM events")}
        assert numbers == {7}
    issues = issue_detail_events(1, "o/r", "issues", [{**good, "number": "12"}, good], ())
    assert len(issues.invalid) == 1 and {event["issue_number"] for event in issues.events} == {7}


def test_bad_contributor_stats_entries_are_skipped_counted_and_never_stored(tmp_path, monkeypatch, capsys, caplog):
    # the first four entries of every /stats/contributors answer are spoilt, one fault each
    import requests

    monkeypatch.chdir(tmp_path)
    db = tmp_path / "gh.db"
    config = github_config(orgs=[], repos=UNRENAMED, activity=False)
    spoilt = len(STATS_SPOILERS)
    with FakeHub(seed=0, scale="small", hostile_records=True) as hub, Store(db) as store:
        with caplog.at_level("INFO", logger="ecometrics.collector.github"):
            result = collect(store, hub, config=config, token="test-token")
        answers = hub.stats()["by_endpoint"]["repos.stats.contributors"]["by_status"].get("200", 0)
        counted = result.counters["github: invalid records skipped (stats/contributors)"]
        assert counted == spoilt * answers > 0, result.counters
        assert "github: invalid records skipped (stats/contributors)" in caplog.records[-1].getMessage()
        assert "at `$.weeks[0].c`" in caplog.text  # each repository's first reason, with its field
        hub.hostile_records = False  # the same answers, unspoilt: which authors the skipped entries were
        collected = store.query("SELECT id, full_name FROM repos")
        assert collected
        for repo in collected:
            answer = requests.get(
                f"{hub.url}/repos/{repo['full_name']}/stats/contributors",
                headers={"Authorization": "token test-token"},
                timeout=5,
            )
            assert answer.status_code == 200, answer.text
            entries = answer.json()
            assert len(entries) > spoilt
            # every entry has commits (total >= 1), so each would have weeks stored
            assert all(entry["total"] > 0 and entry["author"] for entry in entries)
            bad = {entry["author"]["id"] for entry in entries[:spoilt]}
            good = {entry["author"]["id"] for entry in entries[spoilt:]}
            stored = store.query("SELECT developer_id, commits FROM contributor_weeks WHERE repo_id = ?", (repo["id"],))
            assert {row["developer_id"] for row in stored} == good - bad  # the good ones, none of the bad
            assert all(isinstance(row["commits"], int) and row["commits"] >= 0 for row in stored)
    assert main(["--db", str(db), "analyze", "openrank"]) == 0
    assert main(["--db", str(db), "export", "repos", "--format", "json"]) == 0
    assert "Traceback" not in capsys.readouterr().err


def test_a_bad_hub_model_record_is_skipped_counted_and_never_stored(tmp_path):
    # the first model of every /api/models page and every /api/models/{id} answer has downloads -1
    from ecometrics.collector.hf import collect_hf
    from ecometrics.collector.hf_client import HfClient
    from ecometrics.core.config import HuggingFaceConfig

    config = HuggingFaceConfig(authors=["deepseek-ai"], models=["mistralai/Mistral-7B-v0.1"], derivative_depth=1)
    with FakeHub(seed=0, scale="small", hostile_records=True) as hub, Store(tmp_path / "hf.db") as store:
        client = HfClient(hub.url, token=False, backoff=0.001, max_wait=0.01, timeout=10, sleep=hub.expire_hf_budget)
        result = collect_hf(store, config, progress=False, client=client)
        skipped = {what: n for what, n in result.counters.items() if what.startswith("hf: invalid model records")}
        assert skipped.get("hf: invalid model records skipped (/api/models)", 0) > 0, result.counters
        snapshots = store.query("SELECT downloads_30d FROM model_snapshots")
        assert snapshots and all(row["downloads_30d"] is None or row["downloads_30d"] >= 0 for row in snapshots)


def test_a_bad_modelscope_model_record_is_skipped_counted_and_never_stored(tmp_path, monkeypatch):
    # the first model of every ModelScope listing page, and every model page, has downloads -1
    from test_modelscope import client as ms_client
    from test_modelscope import config as ms_config

    from ecometrics.collector.modelscope import collect_modelscope

    monkeypatch.setenv("MODELSCOPE_HOME", str(tmp_path / "modelscope-home"))  # no saved login
    monkeypatch.delenv("MODELSCOPE_API_TOKEN", raising=False)
    with FakeHub(seed=0, scale="small", hostile_records=True) as hub, Store(tmp_path / "ms.db") as store:
        result = collect_modelscope(store, ms_config(), client=ms_client(hub))
        assert result.counters["modelscope: invalid model records skipped (models)"] > 0, result.counters
        snapshots = store.query("SELECT downloads_all_time FROM model_snapshots")
        assert snapshots and all(row["downloads_all_time"] >= 0 for row in snapshots)
