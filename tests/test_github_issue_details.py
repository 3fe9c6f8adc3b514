"""The GitHub collector's issue and pull request details (GraphQL ``issues`` / ``pullRequests``)
against fakehub on loopback, into a real SQLite file: the stored event fields equal fakehub's truth."""

from __future__ import annotations

import json

from ecometrics.collector.github import collect_github
from ecometrics.collector.github_client import GitHubClient
from ecometrics.collector.store import EVENT_PAYLOAD_COLUMNS, Store
from ecometrics.core.config import GithubConfig
from ecometrics.fakehub import FakeHub

REPOS = ["MoonshotAI/Kimi-VL", "THUDM/GLM-4", "zai-org/Open-AutoGLM"]
PULL_FIELDS = ("pull_merged_at", "pull_additions", "pull_deletions", "pull_changed_files", "pull_commits")


def config(**overrides) -> GithubConfig:
    # profiles off: their nodes(ids:) requests are counted in tests/test_profiles.py, not here
    options = {
        "repos": list(REPOS),
        "star_history": False,
        "contributors": False,
        "profiles": False,
        "max_rate_wait": 30.0,
    }
    return GithubConfig(**{**options, **overrides})


def client(hub, max_rate_wait: float) -> GitHubClient:
    return GitHubClient(
        token="test-token",
        base_url=hub.url,
        timeout=10.0,  # a ceiling only: a loaded machine may answer slowly
        sleep=hub.sleep,
        clock=hub.rate_time,
        max_rate_wait=max_rate_wait,
    )


def collect(store, hub, *, page_size=100, **overrides):
    settings = config(**overrides)
    github = client(hub, settings.max_rate_wait)
    result = collect_github(store, settings, progress=False, client=github, page_size=page_size)
    return result, github


def tracked(truth) -> dict:
    names = {truth["github"]["renamed"].get(name, name) for name in REPOS}
    return {name: repo for name, repo in truth["github"]["repos"].items() if name in names}


def events(store) -> dict[str, dict]:
    return {row["id"]: row for row in store.query("SELECT * FROM events")}


def assert_details_match_truth(store, truth) -> None:
    stored = events(store)
    checked = 0
    for repo in tracked(truth).values():
        rid = repo["id"]
        for issue in repo["issues"]:
            kind = "PullRequestEvent" if issue["is_pull_request"] else "IssuesEvent"
            opened = stored[f"rest:{kind}:opened:{rid}:{issue['number']}"]
            # opened: the issue's creation; what it was at that moment beyond that is unknown (NULL, not 0)
            assert opened["issue_created_at"] == issue["created_at"]
            assert opened["issue_closed_at"] is None
            assert all(opened[column] is None for column in PULL_FIELDS)
            if issue["closed_at"]:
                closed = stored[f"rest:{kind}:closed:{rid}:{issue['number']}"]
                assert closed["issue_created_at"] == issue["created_at"]
                assert closed["issue_closed_at"] == issue["closed_at"]
                if issue["is_pull_request"]:
                    assert closed["pull_merged_at"] == issue["merged_at"]
                    assert bool(closed["merged"]) == issue["merged"]
                    assert closed["pull_additions"] == issue["additions"]
                    assert closed["pull_deletions"] == issue["deletions"]
                    assert closed["pull_changed_files"] == issue["changed_files"]
                    assert closed["pull_commits"] == issue["commits_count"]
                else:
                    assert all(closed[column] is None for column in PULL_FIELDS)
                # the count at the closing is not what GitHub shows now: unknown
                assert closed["issue_comments"] is None and closed["pull_review_comments"] is None
            for review in issue.get("reviews", ()):
                row = stored[f"rest:PullRequestReviewEvent:created:{rid}:{review['id']}"]
                assert (row["type"], row["action"], row["issue_number"]) == (
                    "PullRequestReviewEvent",
                    "created",
                    issue["number"],
                )
                assert row["actor_login"] == review["user"] and row["created_at"] == review["submitted_at"]
                assert row["pull_review_id"] == review["id"]
                assert row["pull_review_state"] == review["state"].lower()
                assert row["issue_created_at"] == issue["created_at"]
                checked += 1
    assert checked > 0  # reviews were there to compare
    reviews = {k for k, row in stored.items() if row["type"] == "PullRequestReviewEvent"}
    expected = {
        f"rest:PullRequestReviewEvent:created:{repo['id']}:{review['id']}"
        for repo in tracked(truth).values()
        for issue in repo["issues"]
        for review in issue.get("reviews", ())
    }
    assert reviews == expected


def issue_pages(truth, page_size) -> int:
    """Documents a first walk reads: the pull requests' and the issues' pages of each repository."""
    pages = 0
    for repo in tracked(truth).values():
        prs = sum(i["is_pull_request"] for i in repo["issues"])
        issues = len(repo["issues"]) - prs
        pages += max(1, -(-prs // page_size)) + max(1, -(-issues // page_size))
    return pages


def points_used(github: GitHubClient) -> int:
    budget = github.budgets["graphql"]
    return budget.limit - budget.remaining


def test_issue_and_pull_request_details_equal_fakehubs_truth_at_the_minimum_cost(tmp_path):
    with FakeHub(collaborator_of="*", seed=0, scale="small") as hub, Store(tmp_path / "gh.db") as store:
        result, github = collect(store, hub)
        assert not result.partial, result.reason
        truth = hub.truth()
        assert_details_match_truth(store, truth)
        # GitHub's floor is 1 point a document: the metadata document and each page cost 1
        pages = issue_pages(truth, 100)
        assert hub.stats()["by_endpoint"]["graphql"]["requests"] == 1 + pages
        assert points_used(github) == 1 + pages

        # a day later: the walks read from the most recently updated down to what is stored
        hub.advance(days=1)
        hub.reset_stats()
        before = points_used(github)
        result, github = collect(store, hub)
        assert not result.partial, result.reason
        assert_details_match_truth(store, hub.truth())
        # one metadata document and at most a page per listing: a day's updates fit in one
        asked = hub.stats()["by_endpoint"]["graphql"]["requests"]
        assert 1 < asked <= 1 + 2 * len(REPOS)
        assert points_used(github) - before == asked  # each at GitHub's minimum, 1 point

        # nothing changed: the metadata document sees each listing's newest update stored, no walk is asked
        hub.reset_stats()
        collect(store, hub)
        assert hub.stats()["by_endpoint"]["graphql"]["requests"] == 1


def test_a_walk_ended_by_the_budget_resumes_from_its_cursor(tmp_path):
    with (
        FakeHub(collaborator_of="*", seed=0, scale="small", graphql_budget=6) as hub,
        Store(tmp_path / "gh.db") as store,
    ):
        first, _ = collect(store, hub, page_size=10, max_rate_wait=0.5)
        assert first.partial and "budget" in first.reason
        states = [json.loads(cursor) for cursor in store.checkpoints("github:pull_request_details").values() if cursor]
        assert any(state.get("resume") for state in states)  # stopped mid-walk, its next page kept
        hub.reset_stats()
        second, _ = collect(store, hub, page_size=10, max_rate_wait=7200)
        assert not second.partial, second.reason
        truth = hub.truth()
        assert_details_match_truth(store, truth)
        # the rest only: fewer documents than a whole walk from the top
        assert hub.stats()["by_endpoint"]["graphql"]["requests"] < 1 + issue_pages(truth, 10)


def test_rest_events_keep_their_ids_and_unknown_fields_stay_null(tmp_path):
    with FakeHub(collaborator_of="*", seed=0, scale="small") as hub, Store(tmp_path / "gh.db") as store:
        collect(store, hub, issue_details=False)
        rest_only = events(store)
        assert all(row[column] is None for row in rest_only.values() for column in EVENT_PAYLOAD_COLUMNS)
        collect(store, hub)
        with_details = events(store)
        # the same opened/closed events, now with their fields; reviews are new rows beside them
        assert {k for k, row in with_details.items() if row["type"] != "PullRequestReviewEvent"} == set(rest_only)
        for key, row in rest_only.items():
            for column in ("type", "action", "actor_id", "actor_login", "created_at", "issue_number", "merged"):
                assert with_details[key][column] == row[column], (key, column)
        pushes = [row for row in with_details.values() if row["type"] == "PushEvent"]
        assert pushes and all(row[c] is None for row in pushes for c in EVENT_PAYLOAD_COLUMNS)


def test_fakehub_serves_pull_request_details_as_github_does(fakehub):
    import requests

    truth = tracked(fakehub.truth())["zai-org/GLM-4"]
    pull = next(i for i in truth["issues"] if i["is_pull_request"] and i["merged"] and i["reviews"])
    auth = {"Authorization": "bearer test-token"}
    query = """query($n: Int!) { repository(owner: "zai-org", name: "GLM-4") { pullRequest(number: $n) {
        mergedAt additions deletions changedFiles commits { totalCount }
        reviews(first: 5) { nodes { fullDatabaseId state submittedAt author { login } } } } } }"""
    answer = requests.post(
        f"{fakehub.url}/graphql", json={"query": query, "variables": {"n": pull["number"]}}, headers=auth
    )
    node = answer.json()["data"]["repository"]["pullRequest"]
    assert (node["mergedAt"], node["additions"], node["deletions"], node["changedFiles"]) == (
        pull["merged_at"],
        pull["additions"],
        pull["deletions"],
        pull["changed_files"],
    )
    assert node["commits"]["totalCount"] == pull["commits_count"]
    assert [int(r["fullDatabaseId"]) for r in node["reviews"]["nodes"]] == [r["id"] for r in pull["reviews"][:5]]
    # a review id past GraphQL's 32-bit Int: databaseId is an error, fullDatabaseId carries it
    too_big = query.replace("fullDatabaseId", "databaseId")
    errors = requests.post(
        f"{fakehub.url}/graphql", json={"query": too_big, "variables": {"n": pull["number"]}}, headers=auth
    ).json()["errors"]
    assert "32-bit" in errors[0]["message"]
    # items of a connection asked without `first`: GitHub's refusal
    unbounded = '{ repository(owner: "zai-org", name: "GLM-4") { issues { nodes { number } } } }'
    refused = requests.post(f"{fakehub.url}/graphql", json={"query": unbounded}, headers=auth).json()
    assert refused["errors"][0]["type"] == "MISSING_PAGINATION_BOUNDARIES"
    # REST's single pull request carries the same size
    rest = requests.get(f"{fakehub.url}/repos/zai-org/GLM-4/pulls/{pull['number']}", headers=auth).json()
    assert (rest["additions"], rest["deletions"], rest["changed_files"], rest["commits"], rest["merged"]) == (
        pull["additions"],
        pull["deletions"],
        pull["changed_files"],
        pull["commits_count"],
        True,
    )


def test_a_repository_collected_from_the_api_gets_opendiggers_code_change_lines(tmp_path):
    import os
    import subprocess
    import sys

    with FakeHub(collaborator_of="*", seed=0, scale="small") as hub, Store(tmp_path / "gh.db") as store:
        collect(store, hub)
        repo = tracked(hub.truth())["zai-org/GLM-4"]
    out = tmp_path / "od"
    out.mkdir()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ecometrics.jobs.cli",
            "--db",
            str(tmp_path / "gh.db"),
            "export",
            "opendigger",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=os.environ,
    )
    assert done.returncode == 0, done.stderr
    added = json.loads((out / "github/zai-org/GLM-4/code_change_lines_add.json").read_text())
    # OpenDigger (chaoss.ts chaossCodeChangeLines) sums pull_additions over every PullRequestEvent of
    # the period: a pull request's size at its opening and again at its closing. The API gives a
    # size only as it is now, which is the closing's; at the opening it is unknown. So a month with
    # an opening has no value (unknown, not a number that leaves the openings out), and a month
    # with closings only has their additions, as fakehub's truth gives them.
    opened, closed = set(), {}
    for issue in repo["issues"]:
        if issue["is_pull_request"]:
            opened.add(issue["created_at"][:7])
            if issue["closed_at"]:
                month = issue["closed_at"][:7]
                closed[month] = closed.get(month, 0) + issue["additions"]
    expected = {month: lines for month, lines in closed.items() if month not in opened and lines}
    assert expected and opened & set(closed)  # months of closings only, and of closings with openings
    assert {key: value for key, value in added.items() if len(key) == 7} == expected
    # a quarter or year holding a month with an opening is unknown as well
    assert all(not any(f"{key[:4]}-{m:02d}" in opened for m in range(1, 13)) for key in added if len(key) == 4)
    # over a window, the same: a month with an opening is null; one of closings only has their lines
    # (counted directly: that month is the last, which export opendigger_window does not take as covered)
    from ecometrics.analysis.activity_sql import SQLITE_EVENTS
    from ecometrics.analysis.export import build_table
    from ecometrics.analysis.opendigger import window_counts
    from ecometrics.core.dates import next_month

    with Store(tmp_path / "gh.db") as store:
        month = sorted(opened & set(closed))[1]  # not the first month: a window starting before it is uncovered
        table = build_table(store, "opendigger_window", since=month + "-01", until=next_month(month) + "-01")
        (row,) = table.filter(repo="zai-org/GLM-4").iter_rows(named=True)
        assert row["code_change_lines_add"] is None and row["change_requests"] is not None
        month = min(expected)
        rows = lambda text: store.conn.execute(text).fetchall()  # noqa: E731
        counts = window_counts(rows, SQLITE_EVENTS, row["repo_id"], month + "-01", next_month(month) + "-01")
        assert counts["code_change_lines_add"] == expected[month]
