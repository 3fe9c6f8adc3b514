"""Activity per (repo, developer, month): OpenDigger's weights over distinct actions, bots removed."""

from __future__ import annotations

import polars as pl
import pytest

from ecometrics.analysis.activity import activity_frame, compute_activity, event_months
from ecometrics.collector.store import Store
from ecometrics.core.bots import bot_expr, is_bot_login
from ecometrics.core.errors import InputError

# OpenDigger's global-OpenRank weights as it publishes them (src/cron/tasks/globalOpenrank.ts),
# written out by hand rather than read from the code under test.
ISSUE_OPENED, ISSUE_COMMENT, ISSUE_CLOSED, REVIEW_COMMENT, PR_OPENED, PUSH = (
    22.235,
    5.252,
    9.712,
    7.427,
    40.679,
    14.695,
)
AT = "2024-05-02T12:00:00Z"
_ids = iter(range(1, 10**6))


def ev(kind, action, actor, repo, *, login=None, at=AT, issue=None, comment=None, push=None, is_bot=0):
    return {
        "id": f"e{next(_ids)}",
        "type": kind,
        "action": action,
        "actor_id": actor,
        "actor_login": login or f"dev{actor}",
        "repo_id": repo,
        "repo_name": f"o/r{repo}",
        "created_at": at,
        "issue_number": issue,
        "comment_id": comment,
        "push_id": push,
        "merged": None,
        "is_bot": is_bot,
        "source": "rest",
    }


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "a.db") as store:
        yield store


def pairs(frame):
    return {(row["repo_id"], row["developer_id"]): row for row in frame.iter_rows(named=True)}


def test_weighted_distinct_counts(store):
    store.upsert(
        "events",
        [
            ev("IssuesEvent", "opened", 1, 10, issue=1),
            ev("IssuesEvent", "opened", 1, 10, issue=1),  # the same issue seen twice
            ev("IssuesEvent", "reopened", 1, 10, issue=1),  # not counted
            ev("IssuesEvent", "closed", 1, 10, issue=2),
            ev("PullRequestEvent", "closed", 1, 10, issue=3),  # closing a PR is not closing an issue
            ev("PullRequestEvent", "opened", 1, 10, issue=4),
            ev("IssueCommentEvent", "created", 1, 10, issue=1, comment=100),
            ev("IssueCommentEvent", "created", 1, 10, issue=1, comment=100),  # REST and GH Archive copies
            ev("IssueCommentEvent", "created", 1, 10, issue=1, comment=101),
            ev(
                "IssueCommentEvent", "deleted", 1, 10, issue=1, comment=102
            ),  # counted whatever the action (globalOpenrank.ts:111)
            ev("PullRequestReviewCommentEvent", "created", 1, 10, issue=4, comment=200),
            ev("PushEvent", None, 1, 10, push="sha1"),
            ev("PushEvent", None, 1, 10, push="sha1"),
            ev("PushEvent", None, 1, 10, push="sha2"),
            ev("WatchEvent", "started", 1, 10),  # not activity
            ev("IssuesEvent", "opened", 1, 10, issue=9, at="2024-06-01T00:00:00Z"),  # next month
        ],
    )
    row = pairs(activity_frame(store, "2024-05"))[(10, 1)]
    counts = {
        k: row[k]
        for k in ("issues_opened", "issue_comments", "issues_closed", "review_comments", "prs_opened", "pushes")
    }
    assert counts == {
        "issues_opened": 1,
        "issue_comments": 3,
        "issues_closed": 1,
        "review_comments": 1,
        "prs_opened": 1,
        "pushes": 2,
    }
    expected = ISSUE_OPENED + 3 * ISSUE_COMMENT + ISSUE_CLOSED + REVIEW_COMMENT + PR_OPENED + 2 * PUSH
    assert row["activity"] == pytest.approx(expected)
    assert row["push_only"] is False and row["month"] == "2024-05" and row["login"] == "dev1"
    assert event_months(store) == ["2024-05", "2024-06"]
    assert event_months(store, "2024-06") == ["2024-06"] and event_months(store, to_month="2024-05") == ["2024-05"]


def test_push_only_pairs_are_marked_and_weights_are_parameters(store):
    store.upsert(
        "events",
        [
            ev("PushEvent", None, 1, 10, push="a"),
            ev("IssueCommentEvent", "created", 2, 10, issue=1, comment=5),
        ],
    )
    frame = pairs(activity_frame(store, "2024-05"))
    assert frame[(10, 1)]["push_only"] is True and frame[(10, 1)]["activity"] == pytest.approx(PUSH)
    assert frame[(10, 2)]["push_only"] is False
    reweighted = pairs(activity_frame(store, "2024-05", weights={"pushes": 0.0, "issue_comments": 2.0}))
    assert (10, 1) not in reweighted  # no activity left
    assert reweighted[(10, 2)]["activity"] == pytest.approx(2.0)
    with pytest.raises(InputError, match="stars"):
        activity_frame(store, "2024-05", weights={"stars": 1.0})
    with pytest.raises(InputError, match="2024-5"):
        activity_frame(store, "2024-5")


def test_bots_are_excluded(store):
    store.upsert("developers", [{"id": 4, "login": "ci-runner", "is_bot": 1}])
    store.upsert(
        "events",
        [
            ev("IssueCommentEvent", "created", 1, 10, login="renovate[bot]", issue=1, comment=1),
            ev("IssueCommentEvent", "created", 2, 10, login="Mergify", issue=1, comment=2),  # in the default list
            ev("IssueCommentEvent", "created", 3, 10, login="helper", issue=1, comment=3, is_bot=1),
            ev("IssueCommentEvent", "created", 4, 10, login="ci-runner", issue=1, comment=4),
            ev("IssueCommentEvent", "created", 5, 10, login="human", issue=1, comment=5),
        ],
    )
    # A collector's is_bot mark (a login configured then) is a hint: the rule in force decides.
    assert set(pairs(activity_frame(store, "2024-05"))) == {(10, 3), (10, 4), (10, 5)}
    configured = activity_frame(store, "2024-05", bots=["HELPER", "ci-runner"])
    assert set(pairs(configured)) == {(10, 5)}
    assert set(pairs(activity_frame(store, "2024-05", bots=["human"]))) == {(10, 3), (10, 4)}


def test_the_bot_rule_as_a_function_and_as_an_expression_agree():
    logins = ["renovate[bot]", "Dependabot[BOT]", "Mergify", "copilot", "helper", "human", "", None]
    extra = ["Helper"]
    expected = [True, True, True, True, True, False, False, False]
    assert [is_bot_login(login, extra) for login in logins] == expected
    frame = pl.DataFrame({"login": logins}, schema={"login": pl.String})
    assert frame.select(bot_expr("login", extra))["login"].to_list() == expected
    assert not is_bot_login("helper")


def test_developers_in_more_than_300_repos_are_removed_with_their_activity(store):
    events = [ev("IssueCommentEvent", "created", 1, 1000 + k, issue=1, comment=k) for k in range(301)]
    events += [ev("IssueCommentEvent", "created", 2, 2000 + k, issue=1, comment=10_000 + k) for k in range(300)]
    events.append(ev("IssueCommentEvent", "created", 3, 1000, issue=1, comment=99_999))
    store.upsert("events", events)
    frame = activity_frame(store, "2024-05")
    developers = set(frame["developer_id"])
    assert 1 not in developers and 2 in developers  # 301 repos is too many, 300 is not
    assert set(frame.filter(frame["repo_id"] < 2000)["repo_id"]) == {1000}  # only repo 1000 had someone else
    assert 1 in set(activity_frame(store, "2024-05", max_repos=301)["developer_id"])


def test_repos_left_below_one_drop_out(store):
    store.upsert(
        "events",
        [
            ev("IssueCommentEvent", "created", 1, 10, issue=1, comment=1),
            ev("IssueCommentEvent", "created", 1, 11, issue=1, comment=2),
            ev("IssueCommentEvent", "created", 2, 11, issue=1, comment=3),
        ],
    )
    frame = activity_frame(store, "2024-05", weights={"issue_comments": 0.5})
    assert set(pairs(frame)) == {(11, 1), (11, 2)}  # repo 10 has 0.5 < 1, repo 11 has 1.0


def test_compute_activity_stores_each_month(store):
    store.upsert(
        "events",
        [
            ev("IssuesEvent", "opened", 1, 10, issue=1),
            ev("PushEvent", None, 2, 10, push="x", at="2024-07-09T00:00:00Z"),
        ],
    )
    summary = compute_activity(store)
    assert (summary.months, summary.rows_written) == ({"2024-05": 1, "2024-07": 1}, 2)
    columns = activity_frame(store, "2024-07").columns
    july = store.query(f"SELECT {', '.join(columns)} FROM activity WHERE month = '2024-07'")
    assert july == activity_frame(store, "2024-07").with_columns(pl.col("push_only").cast(pl.Int64)).to_dicts()
    assert july[0]["push_only"] == 1
    store.upsert("events", [ev("IssuesEvent", "opened", 3, 10, issue=2)])
    assert compute_activity(store, "2024-05", "2024-05").months == {"2024-05": 2}
    assert not store.query("SELECT * FROM openrank")  # activity only


def test_months_are_parsed_in_one_place(store):
    from ecometrics.analysis.rankings import repos_table
    from ecometrics.core.dates import month_end, months_between, next_month

    assert [month_end(m) for m in ("2024-02", "2025-02", "2025-12")] == ["2024-02-29", "2025-02-28", "2025-12-31"]
    assert (next_month("2025-12"), months_between("2024-11", "2025-02")) == ("2026-01", 3)
    for bad in ("2025-13", "2025-1", "2025-02-01"):
        with pytest.raises(InputError, match=f"--month '{bad}' is not YYYY-MM"):
            repos_table(store, month=bad)


# -- which pairs enter the OpenRank network (globalOpenrank.ts lines 101-133) --------------


def test_pushes_and_closing_a_pull_request_put_a_pair_in_the_network(store):
    store.upsert(
        "events",
        [
            {**ev("PullRequestEvent", "closed", 1, 10, issue=7), "merged": 1},  # merging is closing
            ev("PushEvent", None, 1, 10, push="m1"),
            ev("PushEvent", None, 2, 10, push="p1"),  # pushes only
            ev("PullRequestEvent", "closed", 3, 10, issue=8),  # closing alone weighs nothing
            ev("IssueCommentEvent", "edited", 4, 10, issue=1, comment=9),  # weighs, but is no valid event
        ],
    )
    frame = pairs(activity_frame(store, "2024-05"))
    assert frame[(10, 1)]["push_only"] is False and frame[(10, 1)]["activity"] == pytest.approx(PUSH)
    assert frame[(10, 2)]["push_only"] is True
    assert (10, 3) not in frame  # activity 0: HAVING activity > 0
    assert frame[(10, 4)]["push_only"] is True and frame[(10, 4)]["activity"] == pytest.approx(ISSUE_COMMENT)


def test_the_300_pair_limit_counts_network_pairs_only(store):
    events = [ev("IssueCommentEvent", "created", 1, 1000 + k, issue=1, comment=k) for k in range(300)]
    events += [ev("PushEvent", None, 1, 3000 + k, push=f"x{k}") for k in range(5)]  # not network pairs
    store.upsert("events", events)
    assert 1 in set(activity_frame(store, "2024-05")["developer_id"])


def test_the_weight_is_rounded_to_3_decimals(store):
    store.upsert("events", [ev("IssueCommentEvent", "created", 1, 10, issue=1, comment=k) for k in range(3)])
    row = pairs(activity_frame(store, "2024-05", weights={"issue_comments": 1.23456}))[(10, 1)]
    assert row["activity"] == 3.704  # ROUND(3 × 1.23456 = 3.70368, 3)


def test_snyk_issues_are_left_out_from_gh_archive_titles(store, tmp_path):
    from gharchive_fixtures import event as archive_event
    from gharchive_fixtures import write_hour

    from ecometrics.collector.gharchive import import_gharchive

    alice, bob, repo = (1, "alice"), (2, "bob"), (10, "o/r10")
    snyk = archive_event(1, "IssuesEvent", actor=alice, repo=repo, created_at=AT, action="opened", number=5)
    snyk["payload"]["issue"]["title"] = "[SNYK] Security upgrade requests from 2.19.1 to 2.20"
    comment = archive_event(2, "IssueCommentEvent", actor=bob, repo=repo, created_at=AT, number=5, comment_id=50)
    comment["payload"]["issue"] = snyk["payload"]["issue"]  # opened by alice, commented by bob
    pull = archive_event(3, "PullRequestEvent", actor=alice, repo=repo, created_at=AT, action="opened", number=6)
    pull["payload"]["pull_request"]["title"] = "[snyk] Fix for 1 vulnerability"
    plain = archive_event(4, "IssuesEvent", actor=bob, repo=repo, created_at=AT, action="opened", number=7)
    path = write_hour(tmp_path / "2024-05-02-12.json.gz", [snyk, comment, pull, plain])
    import_gharchive(store, [path], all_repos=True)
    stored = {row["id"]: row for row in store.query("SELECT id, title, author_id, author_login FROM events")}
    assert stored["1"]["title"].startswith("[SNYK]") and stored["3"]["title"].startswith("[snyk]")
    assert (stored["2"]["author_id"], stored["2"]["author_login"]) == (1, "alice")  # the issue's author
    # A REST comment carries no title: the issue's title from the same month leaves it out too.
    store.upsert("events", [ev("IssueCommentEvent", "created", 3, 10, issue=5, comment=51)])
    frame = pairs(activity_frame(store, "2024-05"))
    assert set(frame) == {(10, 2)}
    assert frame[(10, 2)]["issues_opened"] == 1 and frame[(10, 2)]["issue_comments"] == 0


# -- OpenDigger's published activity (indices.ts basicActivitySqlComponent) -------------


def test_opendigger_activity_credits_a_merge_to_the_pull_requests_author(store):
    from ecometrics.analysis.activity import opendigger_activity, opendigger_activity_by

    merge = {**ev("PullRequestEvent", "closed", 2, 10, issue=4), "merged": 1, "author_id": 1, "author_login": "dev1"}
    store.upsert(
        "events",
        [
            ev("IssueCommentEvent", "created", 1, 10, issue=1, comment=1),
            ev("IssueCommentEvent", "created", 1, 10, issue=1, comment=1),  # the same comment twice
            ev("IssuesEvent", "opened", 1, 10, issue=1),
            ev("PullRequestEvent", "opened", 1, 10, issue=4),
            ev("PullRequestReviewCommentEvent", "created", 2, 10, issue=4, comment=7),
            merge,  # bob merges alice's PR
            {**ev("PullRequestEvent", "closed", 2, 10, issue=5), "merged": 0},  # closed unmerged: nothing
            ev("PushEvent", None, 2, 10, push="x"),  # pushes: nothing
            ev("IssueCommentEvent", "created", 1, 11, issue=1, comment=2),
        ],
    )
    pairs_ = {(r["repo_id"], r["developer_id"]): r for r in opendigger_activity(store, "2024-05").iter_rows(named=True)}
    alice, bob = pairs_[(10, 1)], pairs_[(10, 2)]
    assert (alice["issue_comment"], alice["open_issue"], alice["open_pull"], alice["merged_pull"]) == (1, 1, 1, 1)
    assert alice["activity"] == pytest.approx((0.5252 + 2.2235 + 4.0679 + 2.0339) ** 0.5)
    assert bob["activity"] == pytest.approx(0.7427**0.5) and bob["merged_pull"] == 0
    repos = dict(opendigger_activity_by(store, "2024-05", "repo").iter_rows())
    assert repos[10] == round((0.5252 + 2.2235 + 4.0679 + 2.0339) ** 0.5 + 0.7427**0.5, 2)
    developers = dict(opendigger_activity_by(store, "2024-05", "developer").iter_rows())
    assert developers[1] == round((0.5252 + 2.2235 + 4.0679 + 2.0339) ** 0.5 + 0.5252**0.5, 2)


def test_the_rest_collector_stores_issue_titles_and_authors(tmp_path):
    """The [snyk] rule and the merged-PR credit read titles and authors of REST-collected issues too."""
    from ecometrics.collector.github import collect_github
    from ecometrics.collector.github_client import GitHubClient
    from ecometrics.core.config import GithubConfig
    from ecometrics.fakehub import FakeHub

    with FakeHub(collaborator_of="*", seed=0, scale="small") as hub, Store(tmp_path / "rest.db") as store:
        client = GitHubClient(
            token="t",
            base_url=hub.url,
            timeout=10.0,  # a ceiling only: a loaded machine may answer slowly
            backoff=0.001,
            secondary_wait=0.001,
            sleep=hub.sleep,  # waits pass on fakehub's rate clock, not the wall clock
            clock=hub.rate_time,
        )
        collect_github(store, GithubConfig(orgs=["silver-ai"], repos=[]), progress=False, client=client, stats_wait=0.0)
        github = hub.truth()["github"]
        titles = {
            (name, issue["number"]): (issue["title"], issue["user"])
            for name in github["orgs"]["silver-ai"]
            for issue in github["repos"][name]["issues"]
        }
        opened = store.query(
            "SELECT repo_name, issue_number, title, author_login, actor_login, type FROM events "
            "WHERE type IN ('IssuesEvent', 'PullRequestEvent') AND action = 'opened'"
        )
        assert (
            opened and {(r["repo_name"], r["issue_number"]): (r["title"], r["author_login"]) for r in opened} == titles
        )
        closed = store.query(
            "SELECT e.title, e.author_id FROM events e WHERE e.action = 'closed' AND e.type = 'PullRequestEvent'"
        )
        assert closed and all(row["title"] and row["author_id"] for row in closed)


def test_the_importers_keep_the_event_types_the_activity_query_counts():
    """One list of counted event types: a count of a new type without it would lose its events at
    import (both engines import through ecometrics.collector.gharchive's reader)."""
    from ecometrics.analysis import activity_sql
    from ecometrics.collector import gharchive
    from ecometrics.core.config import ACTIVITY_EVENT_TYPES

    assert set(ACTIVITY_EVENT_TYPES) == {count.event_type for count in activity_sql.COUNTED}
    assert set(ACTIVITY_EVENT_TYPES) <= gharchive.EVENT_TYPES  # gharchive.EVENTS is built from EVENT_TYPES
