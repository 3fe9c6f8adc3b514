"""GitHub's privacy-safe star history: stars per day without the stargazers' identities.

GitHub changelog 2026-09-04, "New API endpoint provides privacy-safe star history data":
``GET /repos/{owner}/{repo}/stargazers/history`` (``X-GitHub-Api-Version: 2026-03-10``) answers
weeks, newest first, each ``{"week": <Unix seconds>, "total": n, "days": [7 counts]}``, for any
public repository. fakehub serves it from its own stars, so the weeks add up to the
``stargazers_count`` it serves; the collector reads it for a repository whose stargazer list is
withheld, and the star figures use the daily counts where the individual stars are missing.
"""

from __future__ import annotations

import datetime as dt

import pytest
import requests

from ecometrics.fakehub import FakeHub

HISTORY_HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2026-03-10"}
REPO = "zai-org/GLM-4"


@pytest.fixture(scope="module")
def hub():
    with FakeHub(seed=0, scale="small") as hub:  # the default: a collaborator of nothing
        yield hub


def history(hub, repo=REPO, headers=HISTORY_HEADERS, **params) -> requests.Response:
    return requests.get(f"{hub.url}/repos/{repo}/stargazers/history", headers=headers, params=params, timeout=5)


def all_weeks(hub, repo=REPO) -> list[dict]:
    weeks, url = [], f"{hub.url}/repos/{repo}/stargazers/history?per_page=30"
    while url:
        answer = requests.get(url, headers=HISTORY_HEADERS, timeout=5)
        assert answer.status_code == 200, answer.text
        weeks += answer.json()
        url = answer.links.get("next", {}).get("url")
    return weeks


def test_the_weeks_add_up_to_the_star_count_newest_first_without_a_token(hub):
    count = requests.get(f"{hub.url}/repos/{REPO}", timeout=5).json()["stargazers_count"]
    weeks = all_weeks(hub)
    assert count > 0 and sum(week["total"] for week in weeks) == count  # no token, no collaborator
    assert all(week["total"] == sum(week["days"]) and len(week["days"]) == 7 for week in weeks)
    starts = [week["week"] for week in weeks]
    assert starts == sorted(starts, reverse=True)  # newest first
    assert all(later - earlier == 7 * 86_400 for later, earlier in zip(starts, starts[1:], strict=False))
    assert all(dt.datetime.fromtimestamp(start, dt.UTC).weekday() == 6 for start in starts)  # Sundays 00:00 UTC


def test_pages_hold_at_most_30_weeks_and_the_link_names_the_next(hub):
    answer = history(hub, per_page=100)
    assert answer.status_code == 200 and len(answer.json()) == 30  # per_page is capped at 30 weeks
    assert "next" in answer.links and "last" in answer.links
    assert history(hub, per_page=30, page=10_000 // 100).json() == []  # past the weeks: an empty page
    assert history(hub, page=101).status_code == 422  # page numbers stop at 100


def test_only_api_version_2026_03_10_serves_it(hub):
    answer = history(hub, headers={"Accept": "application/vnd.github+json"})
    assert answer.status_code == 404
    ok = history(hub)
    assert ok.headers["X-GitHub-Api-Version-Selected"] == "2026-03-10"
    assert ok.headers["X-RateLimit-Resource"] == "core"


def test_a_missing_repository_is_404(hub):
    assert history(hub, repo="zai-org/no-such-repo").status_code == 404
