"""Continuations the API refuses later: a stored REST ``after=`` cursor (422) and a stored
GraphQL stargazer cursor (``INVALID_CURSOR_ARGUMENTS``). fakehub refuses cursors older than
its cursor lifetime (a week on its simulated clock, on by default), so a run a week and a day
after a walk was interrupted meets the refusal. No page may be lost: a walk that has not read
its last page is unfinished whatever its first page says, and a refused cursor falls back to
a bounded re-walk, newest first, down to what is stored."""

from __future__ import annotations

import json

import pytest
from test_github_collector import expected_rows, fast_client, github_config, stored_rows

from ecometrics.collector.github import collect_github
from ecometrics.collector.store import Store
from ecometrics.fakehub import FakeHub

REPO = "MoonshotAI/Kimi-VL"
PAGE = 5  # items a page, so the repository's commits take several pages
# (fakehub options, days the clock advances between the runs):
CASES = {
    # the default lifetime, a run a week and a day later: new items sit above the stored ones
    "a week later": ({}, 8),
    # a second passes per request and a cursor lives 5 seconds: the listing is unchanged, so
    # its first page answers 304 while the walk below it is unfinished
    "unchanged listing": ({"clock_step_seconds": 1, "cursor_lifetime_seconds": 5}, 0),
}


def run(store, hub, *, max_rate_wait=7200.0):
    config = github_config(orgs=[], repos=[REPO], contributors=False, max_rate_wait=max_rate_wait)
    client = fast_client(hub, max_rate_wait=max_rate_wait)
    return collect_github(store, config, progress=False, client=client, stats_wait=0.0, page_size=PAGE)


def requests_before_second_commits_page(tmp_path, options: dict) -> int:
    """How many REST requests a first run makes before its second page of commits: a run
    with that budget stops with the commits walk unfinished, its next page's cursor stored."""
    with (
        FakeHub(collaborator_of="*", seed=0, scale="small", page_number_limit=1, **options) as hub,
        Store(tmp_path / "probe.db") as store,
    ):
        run(store, hub)
        rest = [r for r in hub.stats()["log"] if not r["endpoint"].startswith("graphql")]
    commits = [k for k, r in enumerate(rest) if r["endpoint"] == "repos.commits"]
    assert len(commits) >= 3, "the commits listing takes three pages or more"
    return commits[1]


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_refused_commits_cursor_and_a_refused_star_cursor_lose_no_page(tmp_path, case):
    options, days = CASES[case]
    budget = requests_before_second_commits_page(tmp_path, options)
    with FakeHub(collaborator_of="*", seed=0, scale="small", page_number_limit=1, rest_budget=budget, **options) as hub:
        with Store(tmp_path / "gh.db") as store:
            first = run(store, hub, max_rate_wait=0.0)
            assert first.partial, "the budget ends the first run inside the commits walk"
            repo_id = hub.truth(include_models=False)["github"]["repos"][REPO]["id"]
            resume = json.loads(store.checkpoint("github:commits", str(repo_id)))["resume"]
            assert "after=" in resume  # an unfinished walk, its next page named by a cursor
            star_cursor = json.loads(store.checkpoint("github:stargazers", str(repo_id)))["after"]

            if days:
                hub.advance(days=days)  # both cursors are now older than the cursor lifetime
            hub.sleep(3600)  # and the REST budget has reset
            hub.reset_stats()
            second = run(store, hub)
            statuses = hub.stats()["by_endpoint"]
            assert statuses["repos.commits"]["by_status"].get("422"), "the stored commits cursor was refused"
            assert not second.partial, second.reason
            truth = hub.truth(include_models=False)
            expected, stored = expected_rows(truth, [], [REPO]), stored_rows(store)
            for table in ("stargazers", "events"):  # contributors are not collected here
                missing, extra = expected[table] - stored[table], stored[table] - expected[table]
                assert not missing and not extra, (table, len(missing), len(extra))
            if days:  # new stars arrived, so the star walk went on from its (refused) cursor
                assert json.loads(store.checkpoint("github:stargazers", str(repo_id)))["after"] != star_cursor
            assert "resume" not in json.loads(store.checkpoint("github:commits", str(repo_id)))
