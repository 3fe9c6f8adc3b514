"""The GitHub collector against the behaviours of the real API that fakehub models by default.

Each test names the behaviour (see ``ecometrics.fakehub.github_rest``, ``ecometrics.fakehub.graphql``,
``ecometrics.fakehub.generator`` and ``ecometrics.fakehub.server`` for their sources) and checks what a user
would see: rows equal to fakehub's ground truth, a run that is not partial, and
statuses and notes that say what happened. Waits pass on fakehub's rate-limit clock
(``sleep=hub.sleep``, ``clock=hub.rate_time``), never on the wall clock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import Any

import polars as pl
import pytest
from test_github_collector import ORGS, REPOS, assert_matches_truth, expected_rows, stored_rows, tracked

from ecometrics.analysis.growth import launch_velocity
from ecometrics.analysis.rankings import repo_figures
from ecometrics.analysis.views import stars_daily
from ecometrics.collector.github import collect_github
from ecometrics.collector.github_client import CachedPage, GitHubClient
from ecometrics.collector.store import Store
from ecometrics.core.config import GithubConfig
from ecometrics.fakehub import FakeHub


def client_for(hub, **overrides) -> GitHubClient:
    """A client whose waits pass on fakehub's rate-limit clock: honoured exactly, at no cost."""
    options = {"token": "test-token", "base_url": hub.url, "timeout": 2.0, "sleep": hub.sleep, "clock": hub.rate_time}
    return GitHubClient(**{**options, **overrides})


def collect(store, hub, config=None, page_size=100, **client_options):
    config = config or GithubConfig(orgs=list(ORGS), repos=list(REPOS), max_rate_wait=900.0)
    client = client_for(hub, **client_options)
    return collect_github(store, config, progress=False, client=client, stats_wait=0.0, page_size=page_size)


def test_deep_listings_follow_the_link_cursor_past_the_page_number_limit(tmp_path):
    """1. Past page 10 the activity listings answer 422; their Link names an ``after=`` cursor."""
    # GitHub's limit is page 10 and up; here page 2, so that small listings are deep
    repos = ["Genesis-Embodied-AI/Genesis", "ggml-org/llama.cpp"]
    config = GithubConfig(orgs=[], repos=repos, star_history=False, contributors=False)
    with (
        FakeHub(collaborator_of="*", seed=0, scale="small", page_number_limit=1) as hub,
        Store(tmp_path / "gh.db") as store,
    ):
        deep = tracked(hub.truth(), [], repos)["Genesis-Embodied-AI/Genesis"]
        assert min(len(deep[k]) for k in ("issues", "issue_comments", "commits")) > 200  # three pages or more
        result = collect(store, hub, config=config)
        assert not result.partial, result.reason
        expected, stored = expected_rows(hub.truth(), [], repos)["events"], stored_rows(store)["events"]
        assert expected == stored
        # unchanged, every page is asked again under the spelling it was stored with: all 304
        hub.reset_stats()
        assert not collect(store, hub, config=config).partial
        rerun = hub.stats()
        assert rerun["requests"] - rerun["by_status"].get("304", 0) == 1, rerun["by_endpoint"]  # the metadata
        log = hub.stats()["log"]
        assert not [entry for entry in log if entry["status"] == 422]
        assert hub.stats()["by_endpoint"]["repos.issues.comments"]["by_status"].get("422") is None


def test_null_items_in_a_stargazer_connection_are_skipped_and_counted(tmp_path):
    """2. Accounts GitHub no longer shows are null items in ``edges``/``nodes``."""
    with FakeHub(collaborator_of="*", seed=0, scale="small") as hub, Store(tmp_path / "gh.db") as store:
        truth = hub.truth()
        hidden = sum(len(repo["hidden_stars"]) for repo in tracked(truth).values())
        assert hidden > 0
        result = collect(store, hub)
        assert not result.partial, result.reason
        assert expected_rows(truth)["stargazers"] == stored_rows(store)["stargazers"]
        assert result.counters.get("github: null stargazer items skipped") == hidden
        # the next run does not mistake the hidden stars for missing ones
        hub.reset_stats()
        again = collect(store, hub)
        assert not again.partial, again.reason
        assert hub.stats()["by_endpoint"]["graphql"]["requests"] == 1


def test_secondary_rate_limits_in_graphql_and_rest_are_waited_out(tmp_path):
    """3. A secondary limit comes as 200-with-errors or 403, with or without ``retry-after``."""
    waits: list[float] = []
    with FakeHub(
        collaborator_of="*",  # reads star lists: a collaborator of every repository
        seed=0,
        scale="small",
        secondary_graphql_points=4,
        secondary_rest_points=10,
        still_rate_clock=True,
    ) as hub:

        def sleep(seconds: float) -> None:
            waits.append(seconds)
            hub.sleep(seconds)

        with Store(tmp_path / "gh.db") as store:
            result = collect(store, hub, sleep=sleep)
            assert not result.partial, result.reason
            assert_matches_truth(store, hub.truth())
        endpoints = hub.stats()["by_endpoint"]
        graphql_refusals = endpoints["graphql.secondary_limited"]["by_status"]
        assert graphql_refusals.get("200") and graphql_refusals.get("403")
        assert endpoints["secondary_limited"]["requests"] > 0
        # without retry-after (and budget left) GitHub asks for at least a minute
        assert any(w >= 60 for w in waits)


def test_items_updated_during_a_walk_are_not_lost(tmp_path):
    """4. An item updated mid-walk moves behind the cursor; offset pages would shift."""
    config = GithubConfig(orgs=["deepseek-ai"], repos=[], contributors=False, star_history=False)
    with (
        FakeHub(collaborator_of="*", seed=0, scale="small", clock_step_seconds=6 * 3600) as hub,
        Store(tmp_path / "gh.db") as store,
    ):
        first = collect(store, hub, config=config)
        assert not first.partial, first.reason
        hub.clock_step_seconds = 0  # time stops; an incremental run catches up from the checkpoints
        second = collect(store, hub, config=config)
        assert not second.partial, second.reason
        expected, stored = expected_rows(hub.truth(), ["deepseek-ai"], [])["events"], stored_rows(store)["events"]
        assert expected == stored, (len(expected - stored), len(stored - expected))


def test_an_aliased_repository_that_fails_is_retried_and_a_blocked_one_is_recorded(tmp_path):
    """5. FORBIDDEN and partial timeouts carry a path: neither is "missing", nor a rename."""
    config = GithubConfig(orgs=[], repos=[*REPOS, "deepseek-ai/DeepSeek-Blocked", "QwenLM/Qwen3", "OpenBMB/MiniCPM"])
    with (
        FakeHub(collaborator_of="*", seed=0, scale="small", faults="partial:0.4") as hub,
        Store(tmp_path / "gh.db") as store,
    ):
        result = collect(store, hub, config=config)
        assert not result.partial, result.reason
        statuses = {r["full_name"]: r["status"] for r in store.query("SELECT full_name, status FROM repos")}
        assert statuses == {
            "MoonshotAI/Kimi-VL": "ok",
            "zai-org/GLM-4": "renamed",
            "QwenLM/Qwen3": "ok",
            "OpenBMB/MiniCPM": "ok",
        }
        assert hub.stats()["faults"].get("partial")
        assert not [n for n in result.notes if "is now" in n and "GLM-4" not in n], result.notes
        assert any("DeepSeek-Blocked" in n and "blocked" in n for n in result.notes), result.notes
        assert any("DeepSeek-Legacy" in n and "not found" in n for n in result.notes), result.notes


def test_an_aliased_repository_failing_every_time_makes_the_run_partial(tmp_path):
    config = GithubConfig(orgs=[], repos=["QwenLM/Qwen3"], activity=False, contributors=False)
    with (
        FakeHub(collaborator_of="*", seed=0, scale="small", faults="partial:1.0") as hub,
        Store(tmp_path / "gh.db") as store,
    ):
        result = collect(store, hub, config=config)
        assert result.partial and "QwenLM/Qwen3" in result.reason
        assert store.query("SELECT count(*) AS n FROM repos")[0]["n"] == 0


UNSTARRED = ["Genesis-Embodied-AI/Genesis", "MoonshotAI/Kimi-VL"]  # repos some of whose users remove stars


@contextlib.contextmanager
def a_month_of_removed_stars(tmp_path) -> Iterator[tuple[FakeHub, Store, Any]]:
    """Two nights a month apart on :data:`UNSTARRED`: (hub, store, the second night's result)."""
    config = GithubConfig(orgs=[], repos=UNSTARRED, activity=False, contributors=False)
    with FakeHub(collaborator_of="*", seed=0, scale="small") as hub, Store(tmp_path / "gh.db") as store:
        collect(store, hub, config=config)
        hub.advance(days=30)
        yield hub, store, collect(store, hub, config=config)


def test_unstarred_users_leave_the_stored_stargazers(tmp_path):
    """6. Users remove stars; the stored set follows, and removals keep their date."""
    with a_month_of_removed_stars(tmp_path) as (hub, store, result):
        assert not result.partial, result.reason
        truth = hub.truth()
        assert expected_rows(truth, [], UNSTARRED)["stargazers"] == stored_rows(store)["stargazers"]
        removed = store.query("SELECT removed_at FROM stargazers WHERE removed_at IS NOT NULL")
        assert removed and {r["removed_at"] for r in removed} == {"2025-10-01"}
        assert any("stars were removed" in note for note in result.notes), result.notes


def test_truth_the_api_withholds_is_stored_as_unknown_or_anonymous(tmp_path):
    """7. No line counts for big histories; only the first authors linked to users."""
    config = GithubConfig(orgs=["deepseek-ai"], repos=[], activity=False, star_history=False)
    with FakeHub(collaborator_of="*", seed=0, scale="small", stats_commit_limit=200, contributor_email_limit=5) as hub:
        with Store(tmp_path / "gh.db") as store:
            result = collect(store, hub, config=config)
            assert not result.partial, result.reason
            truth = hub.truth()
            expected, stored = (
                expected_rows(truth, ["deepseek-ai"], [])["contributors"],
                stored_rows(store)["contributors"],
            )
            assert expected == stored
            repos = tracked(truth, ["deepseek-ai"], [])
            assert any(repo["anonymous_contributors"] for repo in repos.values())
            big = {r["id"] for r in repos.values() if len(r["commits"]) >= 200}
            small = {r["id"] for r in repos.values()} - big
            assert big and small
            weeks = store.query("SELECT repo_id, additions, deletions FROM contributor_weeks")
            assert all(w["additions"] is None and w["deletions"] is None for w in weeks if w["repo_id"] in big)
            assert all(w["additions"] > 0 for w in weeks if w["repo_id"] in small)
            counted = store.query(
                "SELECT repo_id, contributors, anonymous_contributors FROM repo_snapshots WHERE contributors IS NOT NULL"
            )
            for row in counted:
                repo = next(r for r in repos.values() if r["id"] == row["repo_id"])
                assert (row["contributors"], row["anonymous_contributors"]) == (
                    len(repo["contributors"]),
                    len(repo["anonymous_contributors"]),
                )


def test_a_secondary_limit_without_retry_after_and_no_budget_left_waits_for_the_reset(tmp_path):
    """7. GitHub's order: retry-after, else x-ratelimit-reset when remaining is 0, else a minute."""
    waits: list[float] = []
    with FakeHub(
        collaborator_of="*",  # reads star lists: a collaborator of every repository
        seed=0,
        scale="small",
        rest_budget=3,
        secondary_rest_points=3,
        rate_window_seconds=30,
        still_rate_clock=True,
    ) as hub:

        def sleep(seconds: float) -> None:
            waits.append(seconds)
            hub.sleep(seconds)

        client = client_for(hub, sleep=sleep)
        for _ in range(3):
            assert client.get("/repos/vllm-project/vllm").status == 200
        assert client.get("/repos/vllm-project/vllm").status == 200  # the 1st refusal says retry-after
        assert len(waits) == 1 and waits[0] >= 30, waits
        for _ in range(2):
            assert client.get("/repos/vllm-project/vllm").status == 200
        # the 2nd refusal has no retry-after and no budget left: the reset is waited for, not a minute
        assert client.get("/repos/vllm-project/vllm").status == 200
        assert len(waits) >= 2 and 1 <= waits[1] <= 32 < 60, waits  # reset + 1 s


def test_a_new_base_url_moves_every_resumed_walk_with_it(tmp_path):
    """Checkpoints and validators are stored relative to the API base: a new port is all that changes."""
    with Store(tmp_path / "gh.db") as store:
        with FakeHub(collaborator_of="*", seed=0, scale="small", page_number_limit=1) as first:
            assert not collect(store, first).partial
            old = first.url
        stored = [r["cursor"] for r in store.query("SELECT cursor FROM checkpoints WHERE source LIKE 'github:%'")]
        assert stored and not [c for c in stored if old in (c or "")]
        assert not store.query("SELECT url FROM http_cache WHERE url LIKE 'http%'")
        with FakeHub(
            collaborator_of="*", seed=0, scale="small", page_number_limit=1
        ) as second:  # the same world on another port
            second.advance(days=1)
            result = collect(store, second)
            assert not result.partial, result.reason
            assert_matches_truth(store, second.truth(), keep_deleted=True)


def test_without_a_network_the_first_request_fails_at_once_naming_github_api_url(tmp_path):
    import socket

    from ecometrics.collector.github_client import GitHubUnreachable

    with socket.socket() as closed:  # a port nobody listens on: connection refused
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    client = GitHubClient(token="t", base_url=f"http://127.0.0.1:{port}", sleep=lambda s: pytest.fail("waited"))
    with Store(tmp_path / "gh.db") as store, pytest.raises(GitHubUnreachable) as info:
        collect_github(store, GithubConfig(repos=["vllm-project/vllm"]), progress=False, client=client)
    message = str(info.value)
    assert "\n" not in message and "GITHUB_API_URL" in message and "connection refused" in message
    assert f"127.0.0.1:{port}" in message


def test_a_connection_dropped_before_any_answer_is_retried_not_taken_for_no_network():
    from ecometrics.fakehub.faults import Faults

    with FakeHub(collaborator_of="*", seed=0, scale="small", faults="timeout:0.5") as hub:
        # a repository whose first ask fakehub drops (fault draws are a pure function of seed and URL)
        name = next(
            n
            for n in sorted(hub.truth(False)["github"]["repos"])
            if Faults("timeout:0.5", 0).draw(f"GET /repos/{n}?[]") == "timeout"
        )
        client = client_for(hub, backoff=0.001)
        response = client.get(f"/repos/{name}")
        assert response.status == 200 and response.data["full_name"] == name
        assert client.requests_by_status["error"] >= 1


def test_the_retry_waits_of_a_run_are_bounded(tmp_path):
    """An API that stopped answering ends the run as partial once retries waited long enough without an answer."""
    waits: list[float] = []
    with (
        FakeHub(collaborator_of="*", seed=0, scale="small", faults="5xx:1.0") as hub,
        Store(tmp_path / "gh.db") as store,
    ):

        def sleep(seconds: float) -> None:
            waits.append(seconds)
            hub.sleep(seconds)

        result = collect(store, hub, sleep=sleep, backoff=5.0, max_retry_seconds=60.0, max_attempts=50)
        assert result.partial and "retries already waited" in result.reason, result.reason
        assert sum(waits) <= 60.0


def test_commits_of_a_branch_merged_later_are_read_though_their_dates_are_older(tmp_path):
    """/commits lists the history as it landed; a merged branch brings older dates to the top."""
    repos = ["Genesis-Embodied-AI/Genesis", "ggml-org/llama.cpp", "Significant-Gravitas/AutoGPT"]
    config = GithubConfig(orgs=[], repos=repos, star_history=False, contributors=False)
    # pages of 5, so that the commits of ten days fill several of them
    with FakeHub(collaborator_of="*", seed=0, scale="small") as hub, Store(tmp_path / "gh.db") as store:
        assert not collect(store, hub, config=config, page_size=5).partial
        before = {c["sha"] for r in tracked(hub.truth(), [], repos).values() for c in r["commits"]}
        hub.advance(days=10)
        assert not collect(store, hub, config=config, page_size=5).partial
        truth = hub.truth()
        late = [
            c
            for r in tracked(truth, [], repos).values()
            for c in r["commits"]
            if c["sha"] not in before and c["date"] < truth["now"][:10] and c["landed_at"] > c["date"]
        ]
        assert late, "the test needs commits that landed after newer ones"
        expected, stored = expected_rows(truth, [], repos)["events"], stored_rows(store)["events"]
        assert expected == stored, (len(expected - stored), len(stored - expected))


def test_a_walk_that_ended_on_a_full_page_still_finds_what_came_after_it():
    """A full last page answers 304 while new items sit behind it: the next walk starts from ``since``."""
    import functools

    from ecometrics.collector.github_rows import item_stamps
    from ecometrics.collector.github_walk import ListingWalker

    with FakeHub(collaborator_of="*", seed=0, scale="small") as hub:
        client = client_for(hub)
        cache: dict[str, dict] = {}

        def validators(url):
            row = cache.get(url)
            return CachedPage(row["etag"], row["last_modified"], row["next_url"], row["items"]) if row else CachedPage()

        path, params = "/repos/deepseek-ai/DeepSeek-V3/issues/comments", {"sort": "updated", "direction": "asc"}
        everything = lambda: {c["id"] for r in client.pages(path, {**params, "per_page": 100}) for c in r.data}  # noqa: E731
        walker = ListingWalker(client, validators, page_size=len(everything()))  # one page, exactly full
        stamps = functools.partial(item_stamps, "issue_comments")
        checkpoint, seen = None, set()

        def walk() -> None:
            nonlocal checkpoint
            for step in walker.by_update(path, params, checkpoint, None, stamps):
                seen.update(item["id"] for item in step.items)
                checkpoint = step.checkpoint
                if step.cache_row:
                    cache[step.cache_row["url"]] = step.cache_row

        walk()
        hub.advance(days=3)
        walk()
        missed = everything() - seen
        assert len(seen) > walker.page_size and not missed, missed


def test_contributors_read_in_exactly_full_pages_stay_complete_as_people_join(tmp_path):
    """A listing read whole, whose last page was exactly full, still finds entries added after it."""
    repo = "MoonshotAI/Kimi-VL"
    config = GithubConfig(orgs=[], repos=[repo], star_history=False, activity=False)
    with FakeHub(collaborator_of="*", seed=0, scale="small") as hub, Store(tmp_path / "gh.db") as store:
        first = tracked(hub.truth(), [], [repo])[repo]
        size = len(first["contributors"]) + len(first["anonymous_contributors"])
        assert not collect(store, hub, config=config, page_size=size).partial  # one page, exactly full
        hub.advance(days=30)
        now = tracked(hub.truth(), [], [repo])[repo]
        assert len(now["contributors"]) + len(now["anonymous_contributors"]) > size
        assert not collect(store, hub, config=config, page_size=size).partial
        expected, stored = expected_rows(hub.truth(), [], [repo])["contributors"], stored_rows(store)["contributors"]
        assert expected == stored, (expected - stored, stored - expected)


def test_a_spent_graphql_budget_is_waited_out_in_both_shapes_github_sends(tmp_path):
    """RATE_LIMITED with remaining 0, and RATE_LIMIT/graphql_rate_limit with points still shown."""
    with (
        FakeHub(collaborator_of="*", seed=0, scale="small", graphql_budget=8) as hub,
        Store(tmp_path / "gh.db") as store,
    ):
        result = collect(store, hub, max_rate_wait=7200.0)  # the hour's reset is waited for (on fakehub's clock)
        assert not result.partial, result.reason
        assert_matches_truth(store, hub.truth())
        assert hub.stats()["by_endpoint"]["graphql.rate_limited"]["requests"] >= 2


def test_a_metadata_document_github_times_out_on_is_asked_again_in_halves(tmp_path):
    """A whole-document timeout (502/504) fails again when asked again: the batch halves."""
    # each aliased repository of the metadata document asks for 22 nodes: 10 are 220, 5 are 110
    with (
        FakeHub(collaborator_of="*", seed=0, scale="small", graphql_timeout_nodes=120) as hub,
        Store(tmp_path / "gh.db") as store,
    ):
        names = sorted(hub.truth(include_models=False)["github"]["repos"])[:10]
        config = GithubConfig(orgs=[], repos=names, activity=False, contributors=False)
        result = collect(store, hub, config=config)
        assert not result.partial, result.reason
        stored = {r["full_name"] for r in store.query("SELECT full_name FROM repos")}
        assert stored == set(names)
        assert expected_rows(hub.truth(), [], names)["stargazers"] == stored_rows(store)["stargazers"]
        # the first document timed out once; the smaller ones were asked from then on
        assert hub.stats()["by_endpoint"]["graphql.timeout"]["requests"] == 1


def test_a_passing_graphql_502_on_a_star_page_is_asked_again_not_given_up(tmp_path):
    """A brief 502 carries the timeout body too: a star page, which cannot ask for less, asks again."""
    repos = ["vllm-project/vllm", "MoonshotAI/Kimi-VL"]
    # profiles off: fakehub's log keeps the last 200 requests, and their nodes(ids:) pages would push the first out
    config = GithubConfig(orgs=[], repos=repos, activity=False, contributors=False, profiles=False)
    with (
        FakeHub(collaborator_of="*", seed=0, scale="small", faults="5xx:0.3") as hub,
        Store(tmp_path / "gh.db") as store,
    ):
        result = collect(store, hub, config=config, sleep=hub.sleep)
        assert not result.partial, result.reason
        assert expected_rows(hub.truth(), [], repos)["stargazers"] == stored_rows(store)["stargazers"]
        graphql = [entry["status"] for entry in hub.stats()["log"] if entry["path"] == "/graphql"]
        # the first answered GraphQL request is the metadata document (a fault before it is that document
        # asked again: which request draws a fault depends on the documents' text); a 502 after it met a star page
        answered = graphql.index(200)
        assert 502 in graphql[answered + 1 :], graphql


def test_a_repository_github_times_out_on_even_alone_makes_the_run_partial_not_stuck(tmp_path):
    with (
        FakeHub(collaborator_of="*", seed=0, scale="small", graphql_timeout_nodes=10) as hub,
        Store(tmp_path / "gh.db") as store,
    ):
        config = GithubConfig(orgs=[], repos=["QwenLM/Qwen3", "OpenBMB/MiniCPM"], activity=False, contributors=False)
        result = collect(store, hub, config=config)
        said = [result.reason, *result.notes]
        for name in config.repos:
            assert result.partial and any(name in line and "timed out" in line for line in said), said
        # halved to one and asked again a bounded number of times, not retried for minutes
        assert hub.stats()["by_endpoint"]["graphql.timeout"]["requests"] <= 1 + 2 * 4


def test_weekly_commits_cover_only_the_top_100_contributors_and_the_run_log_says_so(tmp_path):
    """/stats/contributors lists the 100 contributors with the most commits, no page 2."""
    repos = ["Genesis-Embodied-AI/Genesis", "vllm-project/vllm"]
    config = GithubConfig(orgs=[], repos=repos, activity=False, star_history=False)
    with FakeHub(collaborator_of="*", seed=0, scale="small") as hub, Store(tmp_path / "gh.db") as store:
        truth = tracked(hub.truth(), [], repos)
        assert len(truth["Genesis-Embodied-AI/Genesis"]["contributors"]) > 100
        assert len(truth["vllm-project/vllm"]["contributors"]) < 100
        result = collect(store, hub, config=config)
        assert not result.partial, result.reason
        weekly = {
            r["full_name"]: r["n"]
            for r in store.query(
                "SELECT full_name, count(DISTINCT developer_id) AS n FROM contributor_weeks "
                "JOIN repos ON repos.id = repo_id GROUP BY full_name"
            )
        }
        assert weekly == {
            "Genesis-Embodied-AI/Genesis": 100,
            "vllm-project/vllm": len(truth["vllm-project/vllm"]["contributors"]),
        }
        assert (
            result.counters[
                "github: repositories whose weekly commits read this run cover only their top 100 contributors"
            ]
            == 1
        )
        # the daily snapshot is the complete list
        assert expected_rows(hub.truth(), [], repos)["contributors"] == stored_rows(store)["contributors"]


def test_contributors_github_will_not_list_are_a_note_not_a_failure(tmp_path):
    """/contributors answers 403 "too large to list contributors" for huge histories."""
    with (
        FakeHub(collaborator_of="*", seed=0, scale="small", contributors_history_limit=200) as hub,
        Store(tmp_path / "gh.db") as store,
    ):
        truth = tracked(hub.truth(), ["deepseek-ai"], [])
        big = {name for name, repo in truth.items() if len(repo["commits"]) > 200}
        assert big and set(truth) - big
        config = GithubConfig(orgs=["deepseek-ai"], repos=[], activity=False, star_history=False)
        result = collect(store, hub, config=config)
        assert not result.partial, result.reason
        for name in big:
            assert any(name in note and "does not list contributors" in note for note in result.notes), result.notes
        listed = {
            r["full_name"]
            for r in store.query("SELECT DISTINCT full_name FROM contributors JOIN repos ON repos.id = repo_id")
        }
        assert listed == {
            name for name in set(truth) - big if truth[name]["contributors"] or truth[name]["anonymous_contributors"]
        }
        # the weekly statistics are still read for them
        weekly = {r["repo_id"] for r in store.query("SELECT DISTINCT repo_id FROM contributor_weeks")}
        assert {truth[name]["id"] for name in big} <= weekly


def test_a_blocked_repository_in_an_org_listing_is_recorded_blocked_every_night(tmp_path):
    """DMCA takedowns stay in their owner's listing; REST then answers 451 for the repository."""
    config = GithubConfig(orgs=["deepseek-ai"], repos=[], activity=False, star_history=False)
    with FakeHub(collaborator_of="*", seed=0, scale="small") as hub, Store(tmp_path / "gh.db") as store:
        for night in range(2):
            hub.reset_stats()
            result = collect(store, hub, config=config)
            assert not result.partial, result.reason
            statuses = {r["full_name"]: r["status"] for r in store.query("SELECT full_name, status FROM repos")}
            assert statuses["deepseek-ai/DeepSeek-Blocked"] == "blocked", (night, statuses)
            assert {s for name, s in statuses.items() if name != "deepseek-ai/DeepSeek-Blocked"} == {"ok"}
            asked = [e["path"] for e in hub.stats()["log"] if "DeepSeek-Blocked" in e["path"]]
            # one look at it when the listing changed (a takedown can end); its listings never
            assert asked == ["/repos/deepseek-ai/DeepSeek-Blocked"] or (night and not asked), asked
            assert night or any("DeepSeek-Blocked" in n and "blocked" in n for n in result.notes), result.notes
            assert expected_rows(hub.truth(), ["deepseek-ai"], [])["contributors"] == stored_rows(store)["contributors"]
            hub.advance(1)


def test_removed_stars_count_in_no_daily_series_nor_launch_velocity(tmp_path):
    """Stars found gone keep their row (``removed_at``) but are no longer stars anywhere."""
    with a_month_of_removed_stars(tmp_path) as (hub, store, result):
        assert not result.partial, result.reason
        assert store.query("SELECT count(*) AS n FROM stargazers WHERE removed_at IS NOT NULL")[0]["n"] > 0
        truth = tracked(hub.truth(), [], UNSTARRED)
        daily = stars_daily(store)
        for name, repo in truth.items():
            days = daily.filter(pl.col("repo") == name)
            standing = len(repo["stars"])
            assert (days["stars"].sum(), days["total"][-1]) == (standing, standing), name
        genesis = truth["Genesis-Embodied-AI/Genesis"]
        created = dt.datetime.fromisoformat(genesis["created_at"].replace("Z", "+00:00"))
        first_10d = sum(
            dt.datetime.fromisoformat(at.replace("Z", "+00:00")) < created + dt.timedelta(days=10)
            for _, _, at in genesis["stars"]
        )
        velocity = launch_velocity(store).filter(pl.col("repo") == "Genesis-Embodied-AI/Genesis")
        assert velocity["stars_first_10d"][0] == first_10d
        # the repos table's stars of the last 30 days come from the same standing stars
        figures = repo_figures(store).filter(pl.col("repo") == "Genesis-Embodied-AI/Genesis").row(0, named=True)
        last = dt.date.fromisoformat(str(figures["date"]))
        recent = sum(0 <= (last - dt.date.fromisoformat(at[:10])).days < 30 for _, _, at in genesis["stars"])
        assert figures["stars_30d"] == recent > 0
