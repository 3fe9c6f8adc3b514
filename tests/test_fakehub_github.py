"""fakehub's GitHub REST API as PyGithub and plain requests see it, over loopback."""

import datetime as dt

import pytest
import requests
from github import Auth, Github, GithubException, RateLimitExceededException, UnknownObjectException

from ecometrics.fakehub import FakeHub


@pytest.fixture(scope="module")
def truth0():
    """The ground truth of seed 0 at the start: the same for every fresh small hub."""
    return FakeHub(collaborator_of="*", seed=0, scale="small").truth(include_models=False)


def client(hub, per_page=100, token="t") -> Github:
    return Github(base_url=hub.url, auth=Auth.Token(token), per_page=per_page, retry=None)


def repo_with_stars(truth, low, high) -> dict:
    """The first repo (by name) whose star count is within [low, high]."""
    return next(r for name, r in sorted(truth["github"]["repos"].items()) if low <= r["stargazers_count"] <= high)


def test_organisation_repos_are_the_ground_truth(fakehub, truth0):
    truth = truth0["github"]
    org = client(fakehub).get_organization("QwenLM")
    names = sorted(repo.full_name for repo in org.get_repos())
    assert names == truth["orgs"]["QwenLM"]
    assert names and org.public_repos == len(names)


def test_stargazers_with_dates_across_pages_match_the_count_and_the_truth(fakehub, truth0):
    truth = truth0
    expected = repo_with_stars(truth, 250, 2000)
    repo = client(fakehub).get_repo(expected["full_name"])
    stargazers = list(repo.get_stargazers_with_dates())
    # the count includes accounts GitHub no longer shows; the listing leaves them out
    assert len(stargazers) <= repo.stargazers_count == expected["stargazers_count"]
    got = [[s.user.id, s.user.login, s.starred_at.strftime("%Y-%m-%dT%H:%M:%SZ")] for s in stargazers]
    assert got == expected["stars"]
    pages = fakehub.stats()["by_endpoint"]["repos.stargazers"]["requests"]
    assert pages == -(-repo.stargazers_count // 100) > 2
    assert len({s.user.id for s in stargazers}) == len(stargazers)  # a user stars once


def test_stargazer_pages_stop_at_400(fakehub, truth0):
    genesis = truth0["github"]["repos"]["Genesis-Embodied-AI/Genesis"]
    assert genesis["stargazers_count"] > 40 * 400  # more stars than 400 pages of 40 show
    url = f"{fakehub.url}/repos/Genesis-Embodied-AI/Genesis/stargazers"
    headers = {"Authorization": "token t", "Accept": "application/vnd.github.star+json"}
    last = requests.get(url, params={"per_page": 40, "page": 400}, headers=headers)
    assert last.status_code == 200 and 35 <= len(last.json()) <= 40  # hidden accounts leave it short
    assert 'rel="next"' not in last.headers.get("Link", "")
    beyond = requests.get(url, params={"per_page": 40, "page": 401}, headers=headers)
    assert beyond.status_code == 422 and "pagination is limited" in beyond.json()["message"]


def test_launch_burst(truth0):
    genesis = truth0["github"]["repos"]["Genesis-Embodied-AI/Genesis"]
    created = dt.datetime.fromisoformat(genesis["created_at"])
    ten_days = created + dt.timedelta(days=10)
    early = sum(1 for _, _, at in genesis["stars"] if dt.datetime.fromisoformat(at) <= ten_days)
    assert 19_000 <= early <= 21_000


def test_contributors_are_commit_counts(fakehub, truth0):
    truth = truth0
    expected = repo_with_stars(truth, 250, 2000)
    repo = client(fakehub).get_repo(expected["full_name"])
    got = {c.login: c.contributions for c in repo.get_contributors()}
    assert got == expected["contributors"]
    with_anon = requests.get(
        f"{fakehub.url}/repos/{expected['full_name']}/contributors",
        params={"anon": "1", "per_page": 100},
        headers={"Authorization": "token t"},
    ).json()
    anonymous = {c["name"]: c["contributions"] for c in with_anon if c["type"] == "Anonymous"}
    assert anonymous == expected["anonymous_contributors"]


def test_issues_since_a_date(fakehub, truth0):
    truth = truth0
    expected = max(truth["github"]["repos"].values(), key=lambda r: len(r["issues"]))
    since = dt.datetime(2025, 8, 1, tzinfo=dt.UTC)
    want = sorted(i["number"] for i in expected["issues"] if dt.datetime.fromisoformat(i["updated_at"]) >= since)
    assert 0 < len(want) < len(expected["issues"])
    repo = client(fakehub).get_repo(expected["full_name"])
    got = list(repo.get_issues(state="all", since=since))
    assert sorted(i.number for i in got) == want
    prs = {i["number"] for i in expected["issues"] if i["is_pull_request"]}
    assert {i.number for i in got if "/pull/" in i.html_url} == prs & set(want)
    assert all(i.updated_at >= since for i in got)


def test_conditional_request_is_answered_304_and_not_charged(fakehub):
    gh = client(fakehub)
    repo = gh.get_repo("vllm-project/vllm")
    remaining = gh.get_rate_limit().resources.core.remaining
    assert repo.update() is False  # If-None-Match matched: 304, nothing changed
    assert gh.get_rate_limit().resources.core.remaining == remaining
    assert fakehub.stats()["by_status"]["304"] == 1
    fakehub.advance(1)  # stars arrive, the ETag changes
    assert repo.update() is True


def test_renamed_repo_redirects_and_deleted_repo_is_missing(fakehub, truth0):
    gh = client(fakehub)
    truth = truth0["github"]
    old, new = next(iter(truth["renamed"].items()))
    moved = gh.get_repo(old)
    assert moved.full_name == new and moved.id == truth["repos"][new]["id"]
    for name in truth["deleted"]:
        with pytest.raises(UnknownObjectException):
            gh.get_repo(name)


def test_repo_deleted_later_disappears_from_listings(fakehub):
    gh = client(fakehub)
    assert "MiniMax-AI/MiniMax-Text-Preview" in [r.full_name for r in gh.get_organization("MiniMax-AI").get_repos()]
    fakehub.advance(7)
    assert "MiniMax-AI/MiniMax-Text-Preview" not in [r.full_name for r in gh.get_organization("MiniMax-AI").get_repos()]
    assert "MiniMax-AI/MiniMax-Text-Preview" in fakehub.truth(include_models=False)["github"]["deleted"]
    with pytest.raises(UnknownObjectException):
        gh.get_repo("MiniMax-AI/MiniMax-Text-Preview")


def test_bots_take_part(fakehub, truth0):
    truth = truth0["github"]
    actors = {i["user"] for r in truth["repos"].values() for i in r["issues"]}
    actors |= {c["user"] for r in truth["repos"].values() for c in r["issue_comments"]}
    assert any(login.endswith("[bot]") for login in actors)
    bot = requests.get(f"{fakehub.url}/users/dependabot[bot]").json()
    assert bot["type"] == "Bot"


def test_stats_contributors_answers_202_until_ready(fakehub, truth0):
    url = f"{fakehub.url}/repos/vllm-project/vllm/stats/contributors"
    first = requests.get(url, headers={"Authorization": "token t"})
    assert first.status_code == 202
    second = requests.get(url, headers={"Authorization": "token t"})
    assert second.status_code == 200
    truth = truth0["github"]["repos"]["vllm-project/vllm"]
    assert {e["author"]["login"]: e["total"] for e in second.json()} == truth["contributors"]


def test_stats_contributors_weeks_start_on_sundays(fakehub):
    """GitHub's docs ("Get all contributor commit activity") give ``"w": 1367712000``, Sunday
    2013-05-05 00:00 UTC: a week is counted from Sunday midnight UTC."""
    url = f"{fakehub.url}/repos/Genesis-Embodied-AI/Genesis/stats/contributors"
    while (answer := requests.get(url, headers={"Authorization": "token t"})).status_code == 202:
        pass  # fakehub answers 202 once per repository and day, then the statistics
    starts = {week["w"] for contributor in answer.json() for week in contributor["weeks"]}
    assert starts and {dt.datetime.fromtimestamp(w, dt.UTC).strftime("%A %H:%M:%S") for w in starts} == {
        "Sunday 00:00:00"
    }


def test_stats_contributors_lists_only_the_top_100_contributors(fakehub, truth0):
    """GitHub's statistics have no pagination: the 100 contributors with the most commits."""
    truth = truth0["github"]["repos"]["Genesis-Embodied-AI/Genesis"]
    assert len(truth["contributors"]) > 100
    url = f"{fakehub.url}/repos/Genesis-Embodied-AI/Genesis/stats/contributors"
    assert requests.get(url, headers={"Authorization": "token t"}).status_code == 202
    listed = requests.get(url, headers={"Authorization": "token t"}).json()
    assert len(listed) == 100
    assert "Link" not in requests.get(url, headers={"Authorization": "token t"}).headers
    fewest_listed = min(e["total"] for e in listed)
    unlisted = set(truth["contributors"]) - {e["author"]["login"] for e in listed}
    assert unlisted and all(truth["contributors"][login] <= fewest_listed for login in unlisted)


def test_contributors_of_a_history_too_large_answer_403_with_githubs_message():
    with FakeHub(collaborator_of="*", seed=0, scale="small", contributors_history_limit=300) as hub:
        commits = {name: len(r["commits"]) for name, r in hub.truth(include_models=False)["github"]["repos"].items()}
        big = next(name for name, n in commits.items() if n > 300)
        small = next(name for name, n in commits.items() if 0 < n <= 300)
        refused = requests.get(f"{hub.url}/repos/{big}/contributors", params={"anon": 1})
        assert refused.status_code == 403
        assert refused.json()["message"] == (
            "The history or contributor list is too large to list contributors for this repository via the API."
        )
        assert "X-RateLimit-Remaining" in refused.headers and refused.headers["X-RateLimit-Remaining"] != "0"
        assert requests.get(f"{hub.url}/repos/{small}/contributors").status_code == 200


def test_a_blocked_repository_is_listed_by_its_org_but_answers_451(fakehub):
    """Takedowns stay in the owner's listings; only the repository itself is blocked."""
    listed = requests.get(f"{fakehub.url}/orgs/deepseek-ai/repos", params={"per_page": 100}).json()
    blocked = [r for r in listed if r["full_name"] == "deepseek-ai/DeepSeek-Blocked"]
    assert len(blocked) == 1 and not blocked[0]["private"] and not blocked[0]["fork"]
    assert isinstance(blocked[0]["id"], int) and blocked[0]["owner"]["login"] == "deepseek-ai"
    assert blocked[0]["id"] not in {r["id"] for r in listed if r is not blocked[0]}
    direct = requests.get(f"{fakehub.url}/repos/deepseek-ai/DeepSeek-Blocked")
    assert direct.status_code == 451 and direct.json()["block"]["reason"] == "dmca"


def test_a_blocked_repository_keeps_its_place_in_a_sorted_listing(fakehub):
    """The listing's order holds for every item, the taken-down one included."""
    for sort, field in (("full_name", "full_name"), ("created", "created_at"), ("pushed", "pushed_at")):
        for direction in ("asc", "desc"):
            params = {"per_page": 100, "sort": sort, "direction": direction}
            listed = requests.get(f"{fakehub.url}/orgs/deepseek-ai/repos", params=params).json()
            keys = [r[field].lower() if field == "full_name" else r[field] for r in listed]
            assert keys == sorted(keys, reverse=direction == "desc"), (sort, direction)


def test_date_header_follows_the_simulated_clock(fakehub):
    r = requests.get(f"{fakehub.url}/repos/vllm-project/vllm")
    assert r.headers["Date"] == "Mon, 01 Sep 2025 12:00:00 GMT"
    fakehub.advance(3)
    assert requests.get(f"{fakehub.url}/rate_limit").headers["Date"] == "Thu, 04 Sep 2025 12:00:00 GMT"


def test_budget_runs_out_with_403_until_reset_and_304s_are_free():
    with FakeHub(
        collaborator_of="*", seed=0, scale="small", rest_budget=5
    ) as hub:  # GitHub's hour, passed on the rate clock
        url = f"{hub.url}/repos/vllm-project/vllm"
        auth = {"Authorization": "token budget"}
        first = requests.get(url, headers=auth)
        etag = first.headers["ETag"]
        for _ in range(4):
            assert requests.get(url, headers={**auth, "If-None-Match": etag}).status_code == 304
        assert first.headers["X-RateLimit-Remaining"] == "4"
        for expected_remaining in ("3", "2", "1", "0"):
            assert requests.get(url, headers=auth).headers["X-RateLimit-Remaining"] == expected_remaining
        refused = requests.get(url, headers=auth)
        assert refused.status_code == 403
        assert refused.headers["X-RateLimit-Remaining"] == "0"
        assert refused.json()["message"].startswith("API rate limit exceeded")
        reset = int(refused.headers["X-RateLimit-Reset"])
        assert hub.rate_time() + 3590 < reset <= hub.rate_time() + 3601
        with pytest.raises(RateLimitExceededException):
            Github(base_url=hub.url, auth=Auth.Token("budget"), retry=None).get_repo("vllm-project/vllm")
        other = requests.get(url, headers={"Authorization": "token other"})  # budgets are per token
        assert other.status_code == 200
        hub.sleep(reset - hub.rate_time() - 1)
        assert requests.get(url, headers=auth).status_code == 403  # a second before the reset: still spent
        hub.sleep(1)
        again = requests.get(url, headers=auth)
        assert again.status_code == 200 and again.headers["X-RateLimit-Remaining"] == "4"


def test_unauthenticated_budget_is_60_and_bad_tokens_are_refused(fakehub):
    r = requests.get(f"{fakehub.url}/rate_limit").json()
    assert r["resources"]["core"]["limit"] == 60
    bad = requests.get(f"{fakehub.url}/repos/vllm-project/vllm", headers={"Authorization": "token invalid-x"})
    assert bad.status_code == 401
    with pytest.raises(GithubException) as error:
        client(fakehub, token="invalid-x").get_repo("vllm-project/vllm")
    assert error.value.status == 401


def test_comments_review_comments_and_commits_since_a_date(fakehub, truth0):
    expected = truth0["github"]["repos"]["vllm-project/vllm"]
    since = dt.datetime(2025, 8, 15, tzinfo=dt.UTC)
    until = dt.datetime(2025, 8, 25, tzinfo=dt.UTC)

    def after(at, start=since, end=None):
        moment = dt.datetime.fromisoformat(at)
        return moment >= start and (end is None or moment <= end)

    repo = client(fakehub).get_repo("vllm-project/vllm")
    comments = list(repo.get_issues_comments(since=since))
    assert [(c.id, c.user.login) for c in comments] == [
        (c["id"], c["user"]) for c in expected["issue_comments"] if after(c["created_at"])
    ]
    reviews = list(repo.get_pulls_comments(since=since))
    assert [c.id for c in reviews] == [c["id"] for c in expected["review_comments"] if after(c["created_at"])]
    commits = list(repo.get_commits(since=since, until=until))
    want = [c for c in expected["commits"] if after(c["date"], since, until)]
    assert sorted(c.sha for c in commits) == sorted(c["sha"] for c in want) and commits
    assert {c.author.login if c.author else None for c in commits} == {c["author"] for c in want}


def test_issue_events_name_who_closed_each_issue_newest_first(fakehub, truth0):
    expected = max(truth0["github"]["repos"].values(), key=lambda r: len(r["issues"]))
    closed = [i for i in expected["issues"] if i["closed_at"]]
    repo = client(fakehub, per_page=20).get_repo(expected["full_name"])
    fakehub.reset_stats()
    events = list(repo.get_issues_events())
    pages = fakehub.stats()["by_endpoint"]["repos.issues.events"]["requests"]
    assert pages == -(-len(events) // 20) > 1
    stamps = [e.created_at for e in events]
    assert stamps == sorted(stamps, reverse=True) and [e.id for e in events] == sorted(
        (e.id for e in events), reverse=True
    )
    closers = {
        e.issue.number: (e.actor.login, e.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"))
        for e in events
        if e.event == "closed"
    }
    assert closers == {i["number"]: (i["closed_by"], i["closed_at"]) for i in closed}
    merged = {e.issue.number for e in events if e.event == "merged"}
    assert merged == {i["number"] for i in closed if i["merged"]}
    # closers differ from the authors for pull requests and some issues: a maintainer's work
    assert any(i["closed_by"] != i["user"] for i in closed) and any(i["closed_by"] == i["user"] for i in closed)
    # a single issue names its closer, as GitHub's does
    number = closed[0]["number"]
    assert repo.get_issue(number).closed_by.login == closed[0]["closed_by"]

    # page 1 asked again with its ETag: 304, not charged
    url = f"{fakehub.url}/repos/{expected['full_name']}/issues/events"
    headers = {"Authorization": "token t"}
    first = requests.get(url, params={"per_page": 20}, headers=headers)
    assert first.status_code == 200 and 'rel="next"' in first.headers["Link"]
    remaining = int(first.headers["X-RateLimit-Remaining"])
    again = requests.get(url, params={"per_page": 20}, headers={**headers, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and int(again.headers["X-RateLimit-Remaining"]) == remaining
    item = first.json()[0]
    assert {"id", "event", "actor", "created_at", "issue"} <= set(item) and item["actor"]["type"] in ("User", "Bot")
