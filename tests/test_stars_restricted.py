"""Stargazer lists are GitHub's to admins and collaborators only (since July 2026).

GitHub changelog 2026-06-30, "Upcoming access restrictions to public API endpoints and UI views":
``/repos/{owner}/{repo}/stargazers`` is "limited to admins and collaborators", and "Some users may
begin receiving empty responses or a 403 Forbidden status". GraphQL's ``stargazers`` connection
answers ``FORBIDDEN`` while the scalar ``stargazerCount`` works (anuraghazra/github-readme-stats
pull 4921, pkgjs/statusboard pull 54). fakehub refuses by default; ``collaborator_of`` names the
repositories the token may list. A refused list is not a failure: the collector keeps the count,
records the restriction and says so once a run, and reads the repository's stars per day from
GitHub's privacy-safe star history instead (changelog 2026-09-04; tests/test_star_counts.py).
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import requests

from ecometrics.analysis.export import build_table
from ecometrics.analysis.plots import star_history
from ecometrics.collector.store import Store
from ecometrics.core.config import Config, GithubConfig
from ecometrics.fakehub import FakeHub
from ecometrics.jobs.status import render_status
from tests.test_github_collector import collect, fast_client

REPOS = ["MoonshotAI/Kimi-VL", "zai-org/GLM-4"]
HEADERS = {"Authorization": "Bearer test-token"}
STARS = """query { repository(owner: "zai-org", name: "GLM-4") {
  stargazerCount watchers { totalCount } stargazers(first: 5) { totalCount edges { starredAt } } } }"""


def config(**overrides) -> GithubConfig:
    options = {"orgs": [], "repos": list(REPOS), "max_rate_wait": 30.0, "contributors": False}
    return GithubConfig(**{**options, **overrides})


@pytest.fixture(scope="module")
def restricted_hub():
    with FakeHub(seed=0, scale="small") as hub:  # the default: a collaborator of nothing
        yield hub


def test_rest_stargazers_answer_403_to_a_token_that_is_not_a_collaborator(restricted_hub):
    answer = requests.get(f"{restricted_hub.url}/repos/zai-org/GLM-4/stargazers", headers=HEADERS, timeout=5)
    assert answer.status_code == 403
    assert answer.json()["message"] == "You do not have permission to view the stargazers of this repository"
    repo = requests.get(f"{restricted_hub.url}/repos/zai-org/GLM-4", headers=HEADERS, timeout=5).json()
    assert repo["stargazers_count"] > 0  # the count stays public


def test_graphql_stargazers_answer_forbidden_and_the_count_still_works(restricted_hub):
    answer = requests.post(f"{restricted_hub.url}/graphql", json={"query": STARS}, headers=HEADERS, timeout=5)
    body = answer.json()
    assert answer.status_code == 200
    [error] = body["errors"]
    assert (error["type"], error["path"]) == ("FORBIDDEN", ["repository", "stargazers"])
    assert body["data"]["repository"] is None  # the connection is non-null: the null reaches the repository
    counts = 'query { repository(owner: "zai-org", name: "GLM-4") { stargazerCount watchers { totalCount } } }'
    body = requests.post(f"{restricted_hub.url}/graphql", json={"query": counts}, headers=HEADERS, timeout=5).json()
    assert "errors" not in body and body["data"]["repository"]["stargazerCount"] > 0


def test_a_collaborator_lists_the_stars_of_its_repositories_only():
    with FakeHub(seed=0, scale="small", collaborator_of={"zai-org/glm-4"}) as hub:
        mine = requests.get(f"{hub.url}/repos/zai-org/GLM-4/stargazers", headers=HEADERS, timeout=5)
        other = requests.get(f"{hub.url}/repos/MoonshotAI/Kimi-VL/stargazers", headers=HEADERS, timeout=5)
    assert (mine.status_code, other.status_code) == (200, 403) and mine.json()
    with FakeHub(seed=0, scale="small", collaborator_of="MoonshotAI/*") as hub:  # an organisation's repositories
        other = requests.get(f"{hub.url}/repos/MoonshotAI/Kimi-VL/stargazers", headers=HEADERS, timeout=5)
    assert other.status_code == 200


def test_the_empty_variant_answers_an_empty_page():
    with FakeHub(seed=0, scale="small", stargazer_refusal="empty") as hub:
        rest = requests.get(f"{hub.url}/repos/zai-org/GLM-4/stargazers", headers=HEADERS, timeout=5)
        body = requests.post(f"{hub.url}/graphql", json={"query": STARS}, headers=HEADERS, timeout=5).json()
    assert (rest.status_code, rest.json()) == (200, [])
    node = body["data"]["repository"]
    assert node["stargazerCount"] > 0 and node["stargazers"] == {"totalCount": 0, "edges": []}


def restricted_rows(store: Store) -> dict[str, int]:
    rows = store.query(
        "SELECT r.full_name AS name, count(s.user_id) AS stars FROM repos r "
        "JOIN star_access a ON a.repo_id = r.id AND a.restricted = 1 "
        "LEFT JOIN stargazers s ON s.repo_id = r.id GROUP BY r.full_name"
    )
    return {row["name"]: row["stars"] for row in rows}


@pytest.mark.parametrize("refusal", ["forbidden", "empty"])
def test_a_refused_star_list_is_recorded_not_failed_and_the_count_kept(tmp_path, caplog, refusal):
    caplog.set_level(logging.INFO)
    with FakeHub(seed=0, scale="small", stargazer_refusal=refusal) as hub, Store(tmp_path / "gh.db") as store:
        result = collect(store, hub, config=config())
        assert not result.partial, result.reason
        assert restricted_rows(store) == {name: 0 for name in REPOS}
        counts = {
            r["full_name"]: r["stars"]
            for r in store.query("SELECT r.full_name, s.stars FROM repos r JOIN repo_snapshots s ON s.repo_id = r.id")
        }
        assert all(counts[name] > 0 for name in REPOS)  # stargazerCount, from the metadata
        said = [r for r in caplog.records if "GitHub restricts stargazer lists" in r.getMessage()]
        assert [r.levelname for r in said] == ["INFO"]  # every one's stars per day read: nothing to mail from cron
        summary = [r.getMessage() for r in said]
        assert len(summary) == 1 and "the stargazers of 2 repositories not collected" in summary[0]
        assert "star history (changelog 2026-09-04), 2 read this run" in summary[0]
        # a second run asks each restricted repository once, with one request
        hub.reset_stats()
        collect(store, hub, config=config())
        assert hub.stats()["by_endpoint"]["graphql"]["requests"] <= 1 + len(REPOS)


def standing_stars_by(hub, name: str, day: str) -> int:
    """fakehub's truth: the stars of ``name`` given by the end of ``day`` that still stand now."""
    github = hub.world.github
    repo = github.by_name(name)
    given = repo.star_times[repo.standing_stars(github.clock.now)]
    end = dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC) + dt.timedelta(days=1)
    return int((given < end.timestamp()).sum())


def test_access_granted_later_is_seen_by_the_next_run(tmp_path):
    with FakeHub(seed=0, scale="small") as hub, Store(tmp_path / "gh.db") as store:
        collect(store, hub, config=config())
        assert set(restricted_rows(store)) == set(REPOS)
        status = render_status(store, Config())
        assert "star history restricted by GitHub" in status and all(name in status for name in REPOS)
        today = store.conn.execute("SELECT max(date) FROM repo_snapshots").fetchone()[0]
        last_week = (dt.date.fromisoformat(today) - dt.timedelta(days=7)).isoformat()
        repos = {row["repo"]: row for row in build_table(store, "repos").iter_rows(named=True)}
        for name in REPOS:  # the count kept, the stars per day from GitHub's star history
            assert repos[name]["star_history"] == "daily counts from GitHub" and repos[name]["stars"] > 0
            gained = standing_stars_by(hub, name, today) - standing_stars_by(hub, name, last_week)
            assert repos[name]["stars_7d"] == gained
        drawn = star_history(store, [REPOS[0]])  # drawn from the daily counts, up to the count
        assert drawn["total"][-1] == repos[REPOS[0]]["stars"]
        hub.world.github.collaborator_of = "*"
        collect(store, hub, config=config())
        assert restricted_rows(store) == {}
        assert store.query("SELECT count(*) AS n FROM stargazers")[0]["n"] > 0
        assert {row["star_history"] for row in build_table(store, "repos").iter_rows(named=True)} == {"collected"}


@pytest.mark.parametrize("refusal", ["forbidden", "empty"])
def test_rest_collector_records_a_refusal_as_restricted(tmp_path, refusal):
    """Without a token the collector reads REST ``/stargazers``: a 403 or an empty first page."""
    with FakeHub(seed=0, scale="small", stargazer_refusal=refusal) as hub, Store(tmp_path / "gh.db") as store:
        from ecometrics.collector.github import collect_github

        client = fast_client(hub, token="")
        result = collect_github(store, config(), progress=False, client=client, stats_wait=0.0)
        assert not result.partial, result.reason
        assert restricted_rows(store) == {name: 0 for name in REPOS}


def test_a_missing_repository_in_the_same_document_is_still_missing(tmp_path):
    """The metadata asked again without the refused newest stars keeps the other aliases' errors."""
    gone = "deepseek-ai/DeepSeek-Legacy"  # deleted before fakehub's start
    with FakeHub(seed=0, scale="small") as hub, Store(tmp_path / "gh.db") as store:
        result = collect(store, hub, config=config(repos=[*REPOS, gone]))
        assert not result.partial, result.reason
        assert set(restricted_rows(store)) == set(REPOS)
        assert any(gone in note and "not found" in note for note in result.notes)


def test_a_restricted_repository_keeps_its_row_in_a_past_months_ranking_its_stars_from_the_daily_counts(tmp_path):
    """A month before the first snapshot: a repository with a star history counts its stars from
    it; one whose list GitHub withholds counts them from GitHub's stars per day (the star history
    endpoint), never left out of the ranking: the stars given by the month's end that still stand."""
    with FakeHub(seed=0, scale="small") as hub, Store(tmp_path / "gh.db") as store:
        collect(store, hub, config=config())
        first = store.conn.execute("SELECT min(date) FROM repo_snapshots").fetchone()[0]
        year, month = int(first[:4]), int(first[5:7])
        before = f"{year - (month == 1):04d}-{(month - 2) % 12 + 1:02d}"
        table = build_table(store, "repos", month=before)
        rows = {row["repo"]: row for row in table.iter_rows(named=True)}
        assert set(REPOS) <= set(rows), sorted(rows)
        for name in REPOS:
            assert rows[name]["star_history"] == "daily counts from GitHub"
            assert rows[name]["stars"] == standing_stars_by(hub, name, str(rows[name]["date"])[:10]) > 0
