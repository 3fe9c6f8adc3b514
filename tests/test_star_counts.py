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

from ecometrics.analysis import frames, growth
from ecometrics.analysis.export import build_table
from ecometrics.analysis.plots import star_history
from ecometrics.collector.store import Store
from ecometrics.core.config import GithubConfig
from ecometrics.fakehub import FakeHub
from tests.test_github_collector import collect

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
    assert history(hub, per_page=30, page=100).json() == []  # past the weeks (3,000 of them): an empty page
    assert history(hub, page=101).status_code == 422  # page numbers stop at 100


def test_only_api_version_2026_03_10_serves_it(hub):
    answer = history(hub, headers={"Accept": "application/vnd.github+json"})
    assert answer.status_code == 404
    ok = history(hub)
    assert ok.headers["X-GitHub-Api-Version-Selected"] == "2026-03-10"
    assert ok.headers["X-RateLimit-Resource"] == "core"


def test_a_missing_repository_is_404(hub):
    assert history(hub, repo="zai-org/no-such-repo").status_code == 404


# -- the collector: a withheld repository's stars per day --------------------------------

REPOS = ["MoonshotAI/Kimi-VL", "zai-org/GLM-4"]


def config(**overrides) -> GithubConfig:
    options = {"orgs": [], "repos": list(REPOS), "max_rate_wait": 30.0, "contributors": False, "activity": False}
    return GithubConfig(**{**options, **overrides})


def counted(store: Store) -> dict[str, tuple[int, str, str, int]]:
    """full name -> (stars counted, first day, last day, days stored) of the stored daily counts."""
    rows = store.query(
        "SELECT r.full_name AS name, sum(c.stars) AS stars, min(c.day) AS first, max(c.day) AS last, count(*) AS days "
        "FROM star_counts c JOIN repos r ON r.id = c.repo_id GROUP BY r.full_name"
    )
    return {row["name"]: (row["stars"], row["first"], row["last"], row["days"]) for row in rows}


def test_a_withheld_repository_has_its_stars_per_day_stored_adding_up_to_its_count(tmp_path):
    with FakeHub(seed=0, scale="small") as hub, Store(tmp_path / "gh.db") as store:
        result = collect(store, hub, config=config())
        assert not result.partial, result.reason
        today = store.conn.execute("SELECT max(date) FROM repo_snapshots").fetchone()[0]
        snapshots = {
            row["full_name"]: row["stars"]
            for row in store.query("SELECT r.full_name, s.stars FROM repos r JOIN repo_snapshots s ON s.repo_id = r.id")
        }
        counts = counted(store)
        assert set(counts) == set(REPOS)
        for name in REPOS:
            stars, first, last, days = counts[name]
            assert stars == snapshots[name] > 0  # every standing star, on its day
            assert last == today  # the days still to come of the current week are not stored
            assert dt.date.fromisoformat(first).weekday() == 6  # the creation week's Sunday
            assert days == (dt.date.fromisoformat(last) - dt.date.fromisoformat(first)).days + 1  # no gap
        assert store.query("SELECT count(*) AS n FROM stargazers")[0]["n"] == 0  # no accounts: none are given
        # a second run reads the history again: stars given since and stars removed since change past days
        hub.advance(3)
        collect(store, hub, config=config())
        assert all(counted(store)[name][2] > counts[name][2] for name in REPOS)


def test_a_listed_repository_is_not_asked_for_its_daily_counts(tmp_path):
    with FakeHub(seed=0, scale="small", collaborator_of="*") as hub, Store(tmp_path / "gh.db") as store:
        collect(store, hub, config=config())
        assert counted(store) == {}
        assert "repos.stargazers.history" not in hub.stats()["by_endpoint"]


def test_an_invalid_week_is_skipped_counted_and_its_days_stay_unknown(tmp_path):
    with FakeHub(seed=0, scale="small", hostile_records=True) as hub, Store(tmp_path / "gh.db") as store:
        result = collect(store, hub, config=config())  # the hostile control spoils the first repository's metadata
        pages = hub.stats()["by_endpoint"]["repos.stargazers.history"]["requests"]
        skipped = result.counters["github: invalid records skipped (star history (REST))"]
        assert pages > 1 and skipped == pages  # the first (newest) week of each page
        [(stars, first, last, days)] = counted(store).values()
        span = (dt.date.fromisoformat(last) - dt.date.fromisoformat(first)).days + 1
        # no day of a skipped week is stored, not even as 0: the current week (page 1's first)
        # is past the last stored day, each other page's first week a 7-day hole inside the span
        assert days == span - 7 * (skipped - 1)
        assert store.query("SELECT count(*) AS n FROM star_counts WHERE stars < 0")[0]["n"] == 0


@pytest.mark.parametrize("week", [2**39, 253402300800])  # year 19391; 10000-01-01 00:00 UTC
def test_a_week_past_the_calendar_is_skipped_not_a_crash(week):
    # the collector makes a date of each day of a week: one past year 9999 must not reach it
    from ecometrics.collector.api_records import StarHistoryWeek, checked

    invalid: list[str] = []
    good = {"week": 1767484800, "total": 0, "days": [0] * 7}  # 2026-01-04, a Sunday
    bad = {"week": week, "total": 0, "days": [0] * 7}
    assert checked([good, bad], StarHistoryWeek, invalid) == [good] and len(invalid) == 1
    last = dt.datetime.fromtimestamp(253402300799 - 6 * 86400, dt.UTC)  # the last week that fits
    assert last.date() + dt.timedelta(days=6) == dt.date(9999, 12, 31)


# -- the star figures from the daily counts (hand-made store, hand-worked values) -----------

# A repository created 2026-01-30 12:00 UTC whose stargazers GitHub withholds, its history read
# on 2026-03-05 (the API's day, its snapshot's day). GitHub's days, from the creation week's Sunday:
# 2026-01-25..29: 0 each (before its creation); 01-30: 2; 01-31: 1; 02-01..02-28: 1 each but
# 02-14: 5; 03-01: 0; 03-02: 4; 03-03: 0; 03-04: 1; 03-05: 2.
CREATED = dt.date(2026, 1, 30)
LAST_READ = dt.date(2026, 3, 5)
SPECIAL = {"2026-01-30": 2, "2026-02-14": 5, "2026-03-01": 0, "2026-03-02": 4, "2026-03-03": 0, "2026-03-05": 2}


def daily_counts(without: str | None = None) -> list[tuple[str, int]]:
    days = []
    day = dt.date(2026, 1, 25)
    while day <= LAST_READ:
        text = day.isoformat()
        if text != without:
            days.append((text, 0 if day < CREATED else SPECIAL.get(text, 1)))
        day += dt.timedelta(days=1)
    return days


@pytest.fixture
def counted_store(tmp_path):
    with Store(tmp_path / "counts.db") as store:
        store.upsert(
            "repos",
            [
                {
                    "id": 7,
                    "full_name": "lab/model",
                    "owner": "lab",
                    "name": "model",
                    "created_at": "2026-01-30T12:00:00Z",
                    "status": "ok",
                }
            ],
        )
        store.upsert("repo_snapshots", [{"repo_id": 7, "date": LAST_READ.isoformat(), "stars": 42}])
        store.upsert(
            "star_access", [{"repo_id": 7, "restricted": 1, "refusal": "forbidden", "checked_on": "2026-03-05"}]
        )
        store.save_star_counts(7, daily_counts())
        yield store


def test_stars_per_month_come_from_the_daily_counts(counted_store):
    # January: 01-30 2 + 01-31 1 = 3 (the days before its creation are not its);
    # February: 27 days of 1 + 02-14's 5 = 32; March to the last day read: 0 + 4 + 0 + 1 + 2 = 7
    months = frames.monthly_stars(counted_store)
    assert months.select("month", "stars").rows() == [("2026-01", 3), ("2026-02", 32), ("2026-03", 7)]
    daily = growth.stars_per_day(counted_store)
    assert daily.row(0, named=True) | {"repo_id": 0} == {
        "repo_id": 0,
        "repo": "lab/model",
        "day": CREATED,
        "stars": 2,
        "total": 2,
    }
    assert daily["total"][-1] == 3 + 32 + 7 == 42  # the snapshot's count
    assert star_history(counted_store, ["lab/model"])["total"][-1] == 42  # the plot draws it


def test_the_ranking_counts_recent_and_past_stars_from_the_daily_counts(counted_store):
    [row] = build_table(counted_store, "repos").iter_rows(named=True)
    assert row["star_history"] == "daily counts from GitHub"
    # last 7 days, 02-27..03-05: 1 + 1 + 0 + 4 + 0 + 1 + 2 = 9
    # last 30 days, 02-04..03-05: 02-04..02-28 is 25 days, 24 of 1 and 02-14's 5 = 29, March 7: 36
    assert (row["stars"], row["stars_7d"], row["stars_30d"]) == (42, 9, 36)
    # first 3 days: 01-30 2 + 01-31 1 + 02-01 1 = 4; first 10 (to 02-08): 3 + 8 = 11;
    # first 30 (to 02-28): 3 + 32 = 35
    assert (row["stars_first_3d"], row["stars_first_10d"], row["stars_first_30d"]) == (4, 11, 35)
    [past] = build_table(counted_store, "repos", month="2026-02").iter_rows(named=True)
    assert past["stars"] == 3 + 32  # to the end of February, before the first snapshot


def test_a_day_without_its_count_leaves_the_figures_over_it_unknown(counted_store):
    counted_store.save_star_counts(7, daily_counts(without="2026-02-10"))  # a week's day skipped
    months = dict(frames.monthly_stars(counted_store).select("month", "stars").rows())
    assert months == {"2026-01": 3, "2026-03": 7}  # February unknown, left out, not 31
    daily = growth.stars_per_day(counted_store)
    assert daily["day"][-1] == dt.date(2026, 2, 9) and daily["total"][-1] == 3 + 9  # the total stops at the gap
    [row] = build_table(counted_store, "repos").iter_rows(named=True)
    assert (row["stars"], row["stars_7d"], row["stars_30d"]) == (42, 9, None)
    assert (row["stars_first_10d"], row["stars_first_30d"]) == (11, None)
    [past] = build_table(counted_store, "repos", month="2026-02").iter_rows(named=True)
    assert past["stars"] is None


def test_a_week_that_comes_back_on_the_next_page_is_kept_once(tmp_path):
    """A new week that begins during the walk shifts every week one place on (newest first): the
    first of the next page is the last of the one read. Two days pass with each request here."""
    with FakeHub(seed=0, scale="small", clock_step_seconds=2 * 86_400) as hub, Store(tmp_path / "gh.db") as store:
        result = collect(store, hub, config=config(repos=[REPOS[1]]))
        assert not result.partial, result.reason
        assert hub.stats()["by_endpoint"]["repos.stargazers.history"]["requests"] > 2
        [(stars, first, last, days)] = counted(store).values()
        assert days == (dt.date.fromisoformat(last) - dt.date.fromisoformat(first)).days + 1  # no gap, none twice
