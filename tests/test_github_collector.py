"""The GitHub collector against fakehub (real HTTP on loopback) into a real SQLite file.

The tracked set mixes two orgs (one with a repo that disappears on day 7), generated
orgs, a renamed repo listed under its old name and a repo deleted before the start; the
stored stargazers, contributors and events must equal fakehub's ground truth for it.
"""

from __future__ import annotations

import email.utils
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import polars as pl
import pytest

from ecometrics.analysis.activity import activity_frame
from ecometrics.collector.github import collect_github
from ecometrics.collector.github_client import GitHubClient
from ecometrics.collector.http import backoff_delay, retry_after_seconds
from ecometrics.collector.store import BUDGET_META, Store
from ecometrics.core.bots import is_bot_login
from ecometrics.core.config import GithubConfig
from ecometrics.core.errors import InputError
from ecometrics.fakehub import FakeHub

ORGS = ["MiniMax-AI", "silver-ai", "icy-labs"]
REPOS = ["MoonshotAI/Kimi-VL", "THUDM/GLM-4", "deepseek-ai/DeepSeek-Legacy"]
FAULTS = "429:0.05,5xx:0.05,timeout:0.02,truncate:0.02"


def github_config(**overrides) -> GithubConfig:
    return GithubConfig(**{"orgs": list(ORGS), "repos": list(REPOS), "max_rate_wait": 30.0, **overrides})


def fast_client(hub, **overrides) -> GitHubClient:
    """A client for fakehub whose waits pass on fakehub's rate-limit clock: honoured, at no cost."""
    options = {
        "token": "test-token",
        "base_url": hub.url,
        "timeout": 2.0,
        "sleep": hub.sleep,
        "clock": hub.rate_time,
        **overrides,
    }
    return GitHubClient(**options)


def collect(store, hub, config=None, **client_options):
    config = config or github_config()
    client = fast_client(hub, max_rate_wait=config.max_rate_wait, **client_options)
    return collect_github(store, config, progress=False, client=client, stats_wait=0.0)


def requests_spent(stats) -> int:
    """Requests that count against a budget: everything but 304s."""
    return stats["requests"] - stats["by_status"].get("304", 0)


# -- what the store holds vs what fakehub says is true ----------------------------------


def tracked(truth, orgs=ORGS, repos=REPOS) -> dict:
    truth = truth["github"]
    names = {name for org in orgs for name in truth["orgs"].get(org, [])}
    names |= {truth["renamed"].get(name, name) for name in repos}
    return {name: repo for name, repo in truth["repos"].items() if name in names}


def expected_rows(truth, orgs=ORGS, repos=REPOS, reviews=True) -> dict[str, set]:
    stars, contributors, events = set(), set(), set()
    for repo in tracked(truth, orgs, repos).values():
        rid = repo["id"]
        stars |= {(rid, user_id, login, at) for user_id, login, at in repo["stars"]}
        contributors |= {(rid, login, n) for login, n in repo["contributors"].items()}
        contributors |= {(rid, f"anon:{author}", n) for author, n in repo["anonymous_contributors"].items()}
        for issue in repo["issues"]:
            kind = "PullRequestEvent" if issue["is_pull_request"] else "IssuesEvent"
            events.add((kind, "opened", rid, issue["number"], issue["user"], issue["created_at"], None))
            if issue["closed_at"]:
                merged = issue["merged"] if issue["is_pull_request"] else None
                events.add((kind, "closed", rid, issue["number"], issue["closed_by"], issue["closed_at"], merged))
            for review in issue.get("reviews", ()) if reviews else ():  # with the details (GraphQL: a token)
                events.add(
                    (
                        "PullRequestReviewEvent",
                        "created",
                        rid,
                        issue["number"],
                        review["user"],
                        review["submitted_at"],
                        None,
                    )
                )
        for c in repo["issue_comments"]:
            events.add(("IssueCommentEvent", "created", rid, c["issue_number"], c["user"], c["created_at"], c["id"]))
        for c in repo["review_comments"]:
            events.add(
                ("PullRequestReviewCommentEvent", "created", rid, c["pull_number"], c["user"], c["created_at"], c["id"])
            )
        for c in repo["commits"]:
            events.add(("PushEvent", None, rid, c["sha"], c["author"], c["date"], None))
    return {"stargazers": stars, "contributors": contributors, "events": events}


def stored_rows(store: Store) -> dict[str, set]:
    latest = "(SELECT max(date) FROM contributors d WHERE d.repo_id = c.repo_id)"
    contributors = {
        (r["repo_id"], r["login"] or r["contributor"].split("@")[0], r["contributions"])
        for r in store.query(f"SELECT * FROM contributors c WHERE date = {latest}")
    }
    events = set()
    for e in store.query("SELECT * FROM events"):
        if e["type"] == "PushEvent":
            events.add((e["type"], None, e["repo_id"], e["push_id"], e["actor_login"], e["created_at"], None))
        elif e["type"] in ("IssueCommentEvent", "PullRequestReviewCommentEvent"):
            key = e["comment_id"]
            events.add(
                (e["type"], e["action"], e["repo_id"], e["issue_number"], e["actor_login"], e["created_at"], key)
            )
        else:
            merged = None if e["merged"] is None else bool(e["merged"])
            events.add(
                (e["type"], e["action"], e["repo_id"], e["issue_number"], e["actor_login"], e["created_at"], merged)
            )
    return {
        "stargazers": {
            tuple(r.values())
            for r in store.query("SELECT repo_id, user_id, login, starred_at FROM stargazers WHERE removed_at IS NULL")
        },
        "contributors": contributors,
        "events": events,
    }


def all_rows(store: Store) -> dict[str, list]:
    """Every collected row, minus bookkeeping timestamps, for run-vs-run comparisons."""
    tables = ("repos", "repo_snapshots", "stargazers", "developers", "contributors", "contributor_weeks", "events")
    rows = {}
    for table in tables:
        columns = [c for c in store.columns(table) if c != "updated_at"]
        rows[table] = sorted(tuple(r.values()) for r in store.query(f"SELECT {', '.join(columns)} FROM {table}"))
    return rows


def assert_matches_truth(store: Store, truth, orgs=ORGS, repos=REPOS, *, keep_deleted=False, reviews=True) -> None:
    expected, stored = expected_rows(truth, orgs, repos, reviews), stored_rows(store)
    if keep_deleted:  # the history of a repo deleted since stays stored; compare the others
        live = {repo["id"] for repo in tracked(truth, orgs, repos).values()}
        stored = {
            table: {row for row in rows if row[0 if table != "events" else 2] in live} for table, rows in stored.items()
        }
    for table in expected:
        missing, extra = expected[table] - stored[table], stored[table] - expected[table]
        assert not missing and not extra, (
            f"{table}: {len(missing)} missing e.g. {sorted(missing)[:2]}, {len(extra)} extra e.g. {sorted(extra)[:2]}"
        )


# -- the specification ----------------------------------------------------------------------


def test_collected_rows_equal_the_ground_truth(tmp_path):
    with FakeHub(collaborator_of="*", seed=0, scale="small") as hub, Store(tmp_path / "gh.db") as store:
        result = collect(store, hub)
        truth = hub.truth()
        assert_matches_truth(store, truth)
        assert result.rows_written > 0 and not result.partial, result.reason

        # the renamed repo is kept under its id with its new name; the deleted ones are recorded
        glm = truth["github"]["repos"]["zai-org/GLM-4"]
        assert store.query("SELECT full_name, status FROM repos WHERE id = ?", (glm["id"],)) == [
            {"full_name": "zai-org/GLM-4", "status": "renamed"}
        ]
        assert any("DeepSeek-Legacy" in note for note in result.notes)
        # one daily snapshot per repo, with the API's numbers
        kimi = truth["github"]["repos"]["MoonshotAI/Kimi-VL"]
        snap = store.query("SELECT * FROM repo_snapshots WHERE repo_id = ?", (kimi["id"],))
        assert len(snap) == 1
        assert (snap[0]["stars"], snap[0]["forks"], snap[0]["watchers"]) == (
            kimi["stargazers_count"],
            kimi["forks_count"],
            kimi["subscribers_count"],
        )
        assert snap[0]["contributors"] == len(kimi["contributors"])
        # bots flagged in events and developers
        bots = store.query("SELECT DISTINCT actor_login FROM events WHERE is_bot = 1")
        assert bots and all(b["actor_login"].endswith("[bot]") for b in bots)
        # weekly commit stats arrived despite the first 202s, and no week is all zeros
        assert store.count("contributor_weeks") > 0
        assert (
            store.query(
                "SELECT count(*) AS n FROM contributor_weeks WHERE commits = 0 AND additions = 0 AND deletions = 0"
            )[0]["n"]
            == 0
        )


def graphql_requests(stats) -> int:
    return stats["by_endpoint"].get("graphql", {}).get("requests", 0)


def star_pages(counts: dict[str, int]) -> int:
    return sum(-(-n // 100) for n in counts.values())


def detail_pages(truth) -> int:
    """GraphQL pages a first walk of the repositories' pull request and issue details reads."""
    pages = 0
    for repo in tracked(truth).values():
        prs = sum(i["is_pull_request"] for i in repo["issues"])
        pages += max(1, -(-prs // 100)) + max(1, -(-(len(repo["issues"]) - prs) // 100))
    return pages


def test_second_run_is_cheap_and_a_day_later_fetches_only_what_is_new(tmp_path):
    with FakeHub(collaborator_of="*", seed=0, scale="small") as hub, Store(tmp_path / "gh.db") as store:
        collect(store, hub)
        first = hub.stats()
        day0 = {name: repo["stargazers_count"] for name, repo in tracked(hub.truth()).items()}
        # one GraphQL document for the metadata of all repos, then pages of 100 stargazers, and the details
        assert graphql_requests(first) == 1 + star_pages(day0) + detail_pages(hub.truth())

        hub.reset_stats()
        second = collect(store, hub)
        again = hub.stats()
        assert not second.partial, second.reason
        assert requests_spent(again) < requests_spent(first) / 4, (again["by_endpoint"], first["by_endpoint"])
        assert again["by_status"].get("304", 0) > 0
        # metadata only: no stargazer page asked again, no details walk (their newest updates are stored)
        assert graphql_requests(again) == 1

        hub.advance(days=1)
        hub.reset_stats()
        third = collect(store, hub)
        later = hub.stats()
        assert not third.partial, third.reason
        truth = hub.truth()
        assert_matches_truth(store, truth)
        new_stars = {name: repo["stargazers_count"] - day0[name] for name, repo in tracked(truth).items()}
        assert sum(new_stars.values()) > 0
        # stargazer pages continue from the saved cursors: only pages of new stars
        # and the details walks of the repositories whose issues or pull requests were updated: a page each
        assert 1 + star_pages(new_stars) <= graphql_requests(later) <= 1 + star_pages(new_stars) + 2 * len(day0)
        assert requests_spent(later) < requests_spent(first) / 2
        # a second daily snapshot, taken on the API's (simulated) day
        assert {r["date"] for r in store.query("SELECT DISTINCT date FROM repo_snapshots")} == {
            "2025-09-01",
            "2025-09-02",
        }

        # a week later a listed repo is gone: recorded as not found, the rest still complete
        hub.advance(days=6)
        week = collect(store, hub)
        assert not week.partial, week.reason
        assert_matches_truth(store, hub.truth(), keep_deleted=True)
        gone = store.query("SELECT status FROM repos WHERE full_name = 'MiniMax-AI/MiniMax-Text-Preview'")
        assert gone == [{"status": "not_found"}]
        assert any("MiniMax-Text-Preview not found" in note for note in week.notes)


def test_issues_closed_count_for_their_closers_from_rest_data(tmp_path):
    """OpenDigger's "issues closed" term needs the closer, which only /issues/events names."""
    with FakeHub(collaborator_of="*", seed=0, scale="small") as hub, Store(tmp_path / "gh.db") as store:
        collect(store, hub, github_config(orgs=["silver-ai"], repos=[]))
        repos = tracked(hub.truth(), ["silver-ai"], [])
        closings = Counter(
            (name, issue["closed_by"], issue["closed_at"][:7])
            for name, repo in repos.items()
            for issue in repo["issues"]
            if issue["closed_at"] and not issue["is_pull_request"] and not is_bot_login(issue["closed_by"])
        )
        month = Counter(m for _, _, m in closings.elements()).most_common(1)[0][0]
        expected = {(name, login): n for (name, login, m), n in closings.items() if m == month}
        frame = activity_frame(store, month).filter(pl.col("issues_closed") > 0)
        got = {(row["repo_name"], row["login"]): row["issues_closed"] for row in frame.iter_rows(named=True)}
        assert got == expected, (set(expected) - set(got), set(got) - set(expected))
        # closers who did not open the issue get the credit: a maintainer's work counts
        authors = {(name, i["user"]) for name, r in repos.items() for i in r["issues"] if i["closed_at"]}
        assert set(got) - authors


def test_new_stars_are_fetched_when_unstars_keep_the_count_unchanged(tmp_path):
    with FakeHub(collaborator_of="*", seed=0, scale="small") as hub, Store(tmp_path / "gh.db") as store:
        collect(store, hub)
        hub.advance(days=1)
        truth = hub.truth()
        stored = {
            r["repo_id"]: r["n"] for r in store.query("SELECT repo_id, count(*) AS n FROM stargazers GROUP BY repo_id")
        }
        name, repo = max(tracked(truth).items(), key=lambda item: item[1]["stargazers_count"] - stored[item[1]["id"]])
        new = repo["stargazers_count"] - stored[repo["id"]]
        assert new > 0
        # as many earlier stargazers unstarred since: GitHub's count is the stored count
        store.upsert("stargazers", [
            {"repo_id": repo["id"], "user_id": 10**9 + k, "login": f"left-{k}", "starred_at": "2020-01-01T00:00:00Z"}
            for k in range(new)
        ])  # fmt: skip
        count = store.query("SELECT count(*) AS n FROM stargazers WHERE repo_id = ?", (repo["id"],))[0]["n"]
        assert count == repo["stargazers_count"]

        result = collect(store, hub)

        assert not result.partial, result.reason
        assert expected_rows(truth)["stargazers"] <= stored_rows(store)["stargazers"], name


def test_faults_do_not_change_the_rows(tmp_path):
    with FakeHub(collaborator_of="*", seed=0, scale="small") as hub, Store(tmp_path / "clean.db") as clean:
        collect(clean, hub)
        expected = all_rows(clean)
    waits: list[float] = []

    with (
        FakeHub(collaborator_of="*", seed=0, scale="small", faults=FAULTS) as hub,
        Store(tmp_path / "faulty.db") as faulty,
    ):

        def record_wait(seconds: float) -> None:
            waits.append(seconds)
            hub.sleep(seconds)

        result = collect(faulty, hub, sleep=record_wait, backoff=0.001)
        assert not result.partial, result.reason
        faults = hub.stats()["faults"]
        assert set(faults) == {"429", "5xx", "timeout", "truncate"}, faults
        assert result.requests.get("429") and result.requests.get("error")
        assert all_rows(faulty) == expected
    assert waits.count(1.0) == faults["429"] == result.requests["429"]  # fakehub's Retry-After: 1, honoured each time


def test_the_last_budgets_seen_are_kept_for_status_and_are_no_checkpoints(tmp_path):
    with FakeHub(collaborator_of="*", seed=0, scale="small") as hub, Store(tmp_path / "gh.db") as store:
        collect(store, hub)
        budgets = {item["key"]: item["value"] for item in store.meta_items(BUDGET_META)}
        assert {"github:core", "github:graphql"} <= set(budgets)
        assert all(" left, reset " in value for value in budgets.values())
        assert store.checkpoints("budget") == {}


def test_a_budget_too_small_ends_partial_and_the_next_run_completes(tmp_path):
    with FakeHub(collaborator_of="*", seed=0, scale="small", rest_budget=60, graphql_budget=1000) as hub:
        with Store(tmp_path / "gh.db") as store:
            first = collect(store, hub, config=github_config(max_rate_wait=0.5))
            assert first.partial
            assert "budget" in first.reason and "resumes" in first.reason
            # the next run may wait out the hour (on fakehub's rate clock); it finishes the data
            result = collect(store, hub, config=github_config(max_rate_wait=7200))
            assert not result.partial, result.reason
            assert_matches_truth(store, hub.truth())


def test_a_run_killed_mid_collection_resumes_to_the_same_rows(tmp_path):
    with FakeHub(collaborator_of="*", seed=0, scale="small") as hub:
        with Store(tmp_path / "whole.db") as whole:
            collect(whole, hub)
        script = textwrap.dedent(
            f"""
            import sys, time
            from ecometrics.collector.github import collect_github
            from ecometrics.collector.github_client import GitHubClient
            from ecometrics.collector.store import Store
            from ecometrics.core.config import GithubConfig
            config = GithubConfig(orgs={ORGS!r}, repos={REPOS!r})
            client = GitHubClient(token="t", base_url={hub.url!r})
            collect_github(Store(sys.argv[1]), config, progress=False, client=client, stats_wait=0.0)
            """
        )
        db = tmp_path / "killed.db"
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
        held = hub.pause_after(40)  # killed inside its 41st request, some pages of each kind in
        process = subprocess.Popen([sys.executable, "-c", script, str(db)], env=env)
        try:
            assert held.wait(120), "the collector never made 41 requests"
            assert _count(db, "stargazers") + _count(db, "events") > 300, "the pages before the held one are committed"
            process.send_signal(signal.SIGKILL)
        finally:
            process.kill()  # a no-op after SIGKILL; ends a held collector when an assertion failed
            process.wait()
            hub.resume()
        assert process.returncode == -signal.SIGKILL
        with Store(tmp_path / "whole.db") as whole:
            expected = all_rows(whole)
        with Store(db) as store:
            interrupted = all_rows(store)
            assert (
                0
                < len(interrupted["stargazers"]) + len(interrupted["events"])
                < len(expected["stargazers"]) + len(expected["events"])
            )
            result = collect(store, hub)
            assert not result.partial, result.reason
            assert all_rows(store) == expected


def _count(db: Path, table: str) -> int:
    import sqlite3

    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_unauthenticated_runs_on_rest_alone_with_a_warning(tmp_path, caplog):
    repos = ["MoonshotAI/Kimi-VL", "THUDM/GLM-4"]
    config = github_config(orgs=[], repos=repos)
    with FakeHub(collaborator_of="*", seed=0, scale="small") as hub, Store(tmp_path / "gh.db") as store:
        with caplog.at_level("WARNING"):
            result = collect(store, hub, config=config, token="")
        assert "GITHUB_TOKEN is not set" in caplog.text
        assert not result.partial, result.reason
        assert "graphql" not in hub.stats()["by_endpoint"]
        assert_matches_truth(store, hub.truth(), orgs=[], repos=repos, reviews=False)  # GraphQL needs a token
        assert store.query("SELECT full_name, status FROM repos ORDER BY full_name") == [
            {"full_name": "MoonshotAI/Kimi-VL", "status": "ok"},
            {"full_name": "zai-org/GLM-4", "status": "renamed"},
        ]


def test_a_refused_token_is_a_one_line_input_error(tmp_path):
    with FakeHub(collaborator_of="*", seed=0, scale="small") as hub, Store(tmp_path / "gh.db") as store:
        with pytest.raises(InputError, match="GITHUB_TOKEN was refused .*Bad credentials.*set a valid token"):
            collect(store, hub, token="invalid-token")


def test_export_repos_table(tmp_path):
    from ecometrics.analysis.rankings import repos_table

    with FakeHub(collaborator_of="*", seed=0, scale="small") as hub, Store(tmp_path / "gh.db") as store:
        collect(store, hub, config=github_config(activity=False))
        truth = hub.truth()
        table = repos_table(store)
    expected = {name: repo["stargazers_count"] for name, repo in tracked(truth).items()}
    assert dict(zip(table["repo"], table["stars"], strict=True)) == expected  # two columns of one table
    assert table["stars"].to_list() == sorted(expected.values(), reverse=True)
    for column in (
        "forks",
        "watchers",
        "open_issues",
        "contributors",
        "stars_7d",
        "stars_30d",
        "created_at",
        "language",
    ):
        assert column in table.columns
    row = table.filter(table["repo"] == "MoonshotAI/Kimi-VL").row(0, named=True)
    kimi = truth["github"]["repos"]["MoonshotAI/Kimi-VL"]
    assert (row["forks"], row["watchers"], row["open_issues"]) == (
        kimi["forks_count"],
        kimi["subscribers_count"],
        kimi["open_issues"],
    )
    assert row["contributors"] == len(kimi["contributors"])
    assert row["created_at"] == kimi["created_at"] and row["language"] == kimi["language"]
    # the snapshot day is fakehub's 2025-09-01: 30 days are 2025-08-03 .. 2025-09-01
    assert row["stars_30d"] == sum("2025-08-03" <= at[:10] <= "2025-09-01" for _, _, at in kimi["stars"])
    assert row["stars_7d"] == sum("2025-08-26" <= at[:10] <= "2025-09-01" for _, _, at in kimi["stars"])
    # a month before the first snapshot: stars counted from the history up to its last day
    with Store(tmp_path / "gh.db") as store:
        august = repos_table(store, month="2025-08").filter(pl.col("repo") == "MoonshotAI/Kimi-VL").row(0, named=True)
    assert august["stars"] == sum(at < "2025-09-01" for _, _, at in kimi["stars"])
    assert august["forks"] is None and august["date"] == "2025-08-31"


def test_command_line_collects_and_exports(tmp_path, monkeypatch, capsys):
    from ecometrics.jobs.cli import main

    config = tmp_path / "ecometrics.toml"
    config.write_text('[github]\nrepos = ["MoonshotAI/Kimi-VL", "deepseek-ai/DeepSeek-Legacy"]\ncontributors = false\n')
    db, out = tmp_path / "gh.db", tmp_path / "repos.json"
    with FakeHub(collaborator_of="*", seed=0, scale="small") as hub:
        monkeypatch.setenv("GITHUB_API_URL", hub.url)
        monkeypatch.setenv("GITHUB_TOKEN", "cli-token")
        assert main(["--config", str(config), "--db", str(db), "collect", "github"]) == 0
        stars = hub.truth()["github"]["repos"]["MoonshotAI/Kimi-VL"]["stargazers_count"]
    assert (
        main(["--config", str(config), "--db", str(db), "export", "repos", "--format", "json", "--out", str(out)]) == 0
    )
    rows = json.loads(out.read_text())
    assert [(r["repo"], r["stars"]) for r in rows] == [("MoonshotAI/Kimi-VL", stars)]


def test_a_collect_where_no_org_or_repo_exists_fails_naming_the_api_url(tmp_path, monkeypatch, capsys):
    # All of them 404: misspelt, or GITHUB_API_URL is not a GitHub API (an Enterprise host
    # without /api/v3, a proxy). Before, this was "0 rows", exit 0, the 404s only in INFO lines.
    from ecometrics.jobs.cli import main

    config = tmp_path / "ecometrics.toml"
    config.write_text('[github]\norgs = ["no-such-org-x"]\nrepos = ["no-such-org-y/nothing"]\n')
    with FakeHub(seed=0, scale="small") as hub:
        monkeypatch.setenv("GITHUB_API_URL", hub.url)
        monkeypatch.setenv("GITHUB_TOKEN", "cli-token")
        assert main(["--config", str(config), "--db", str(tmp_path / "gh.db"), "collect", "github", "-q"]) == 1
        url = hub.url
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("ecometrics: ")]
    assert len(lines) == 1, lines
    assert "none of the 2 orgs and repos in [github] was found at " + url in lines[0]
    assert "GITHUB_API_URL" in lines[0]


@pytest.fixture
def tokyo_local_time():
    """The process's local zone set to UTC+9, so a date read as local time is 9 hours off."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Tokyo"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


def test_retry_after_reads_delay_seconds_and_http_dates_in_utc_whatever_the_local_zone(tokyo_local_time):
    import datetime as dt

    assert time.localtime(0).tm_hour == 9
    now = dt.datetime(2025, 9, 1, 12, 0, 0, tzinfo=dt.UTC)
    assert retry_after_seconds({"Retry-After": "120"}, now) == 120.0
    assert retry_after_seconds({"retry-after": " 7 "}, now) == 7.0
    assert retry_after_seconds("Mon, 01 Sep 2025 12:01:30 GMT", now) == 90.0
    # "-0000" parses without a zone: UTC all the same, not Tokyo's 21:01:30
    assert retry_after_seconds({"Retry-After": "Mon, 01 Sep 2025 12:01:30 -0000"}, now) == 90.0
    assert retry_after_seconds("Mon, 01 Sep 2025 11:00:00 GMT", now) == 0.0  # already past
    assert retry_after_seconds({}, now) is None
    assert retry_after_seconds("soon", now) is None
    # without ``now`` the wall clock counts: a date 60 s ahead is about 60 s away
    ahead = email.utils.format_datetime(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=60)).replace("+0000", "-0000")
    assert 55 <= retry_after_seconds(ahead) <= 60


def test_backoff_is_full_jitter_below_an_exponential_ceiling():
    delays = {retry: [backoff_delay(retry, 1.0, 10.0) for _ in range(200)] for retry in (1, 2, 3, 6)}
    for retry, ceiling in ((1, 1.0), (2, 2.0), (3, 4.0), (6, 10.0)):
        assert all(0.0 <= d <= ceiling for d in delays[retry])
        assert max(delays[retry]) > ceiling / 2 and min(delays[retry]) < ceiling / 2  # spread, not fixed


def test_without_a_terminal_a_pass_logs_its_start_each_repository_and_its_end(tmp_path, caplog):
    """Cron mail shows a GitHub pass's course as it shows a Hub crawl's: started, per repository, ended."""
    config = github_config(orgs=[], repos=["MoonshotAI/Kimi-VL"], activity=False)
    with FakeHub(collaborator_of="*", seed=0, scale="small") as hub, Store(tmp_path / "gh.db") as store:
        with caplog.at_level("INFO", logger="ecometrics.collector.github"):  # pytest's stderr is no terminal
            collect_github(store, config, progress=True, client=fast_client(hub), stats_wait=0.0)
    lines = [r.getMessage() for r in caplog.records if r.name == "ecometrics.collector.github"]
    assert any(line.startswith("github pages: started (about ") for line in lines), lines
    assert any(line.startswith("github: 1/1 MoonshotAI/Kimi-VL: ") for line in lines), lines
    assert any(line.startswith("github pages: ") and " pages in " in line for line in lines), lines


def test_the_stored_bot_flag_is_the_bot_rule():
    # A built-in bot login without the "[bot]" suffix, a configured one, GitHub's type "Bot", a person.
    from ecometrics.collector.github_rows import developer_row

    users = [
        {"id": 1, "login": "renovate-bot", "type": "User"},
        {"id": 2, "login": "CI-Runner", "type": "User"},
        {"id": 3, "login": "Copilot", "type": "Bot"},
        {"id": 4, "login": "octocat", "type": "User"},
    ]
    flags = [developer_row(user, {"ci-runner"})["is_bot"] for user in users]
    assert flags == [True, True, True, False]


def test_github_enterprise_layout_collects_what_the_plain_layout_collects(tmp_path, monkeypatch):
    """GitHub Enterprise Server: REST at https://HOST/api/v3, GraphQL at https://HOST/api/graphql.
    With GITHUB_API_URL set to the REST root (as GitHub Actions sets it there) the run stores
    exactly the rows a run against the plain layout stores."""
    config = github_config(orgs=["MiniMax-AI"], repos=["MoonshotAI/Kimi-VL"])
    with FakeHub(collaborator_of="*", seed=0, scale="small") as hub, Store(tmp_path / "plain.db") as store:
        plain = collect(store, hub, config=config)
        assert not plain.partial, plain.reason
        plain_rows = all_rows(store)
    with (
        FakeHub(collaborator_of="*", seed=0, scale="small", enterprise=True) as hub,
        Store(tmp_path / "enterprise.db") as store,
    ):
        monkeypatch.setenv("GITHUB_API_URL", hub.url + "/api/v3")
        enterprise = collect(store, hub, config=config, base_url=None)
        assert not enterprise.partial, enterprise.reason
        assert all_rows(store) == plain_rows
        assert store.count("stargazers") > 0 and store.count("events") > 0
        assert hub.stats()["by_endpoint"]["graphql"]["by_status"] == {
            "200": hub.stats()["by_endpoint"]["graphql"]["requests"]
        }


def test_the_graphql_endpoint_is_derived_from_the_rest_root_as_pygithub_does(monkeypatch):
    monkeypatch.delenv("GITHUB_GRAPHQL_URL", raising=False)
    assert GitHubClient(token="t", base_url="https://api.github.com").graphql_url == "https://api.github.com/graphql"
    assert (
        GitHubClient(token="t", base_url="https://ghe.example/api/v3/").graphql_url == "https://ghe.example/api/graphql"
    )
    assert GitHubClient(token="t", base_url="http://127.0.0.1:8000").graphql_url == "http://127.0.0.1:8000/graphql"
    monkeypatch.setenv("GITHUB_GRAPHQL_URL", "https://proxy.example/gql")
    assert GitHubClient(token="t", base_url="https://ghe.example/api/v3").graphql_url == "https://proxy.example/gql"


def test_fakehub_enterprise_layout_answers_404_where_github_enterprise_does():
    import requests

    with FakeHub(collaborator_of="*", seed=0, scale="small", enterprise=True) as hub:
        headers = {"Authorization": "Bearer t"}
        assert requests.get(hub.url + "/api/v3/repos/MoonshotAI/Kimi-VL", headers=headers).status_code == 200
        assert requests.get(hub.url + "/repos/MoonshotAI/Kimi-VL", headers=headers).status_code == 404
        query = {"query": "query { viewer { login } }"}
        assert requests.post(hub.url + "/api/v3/graphql", json=query, headers=headers).status_code == 404
        assert requests.post(hub.url + "/api/graphql", json=query, headers=headers).status_code == 200
