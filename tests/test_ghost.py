"""GitHub's ``ghost``: the one account deleted users' issues, pull requests and comments are
credited to (login ``ghost``, id 10137; GitHub docs, "Side effects of account deletion").

fakehub credits a share of them to it by default. Its events are kept (they happened in the
repository) but it is no person: no ranking, contributor count or OpenRank network, global or
community, may hold it, whether its events came from the REST collector or GH Archive.
"""

from __future__ import annotations

import polars as pl
import pytest
from gharchive_fixtures import event, write_hour
from test_github_collector import collect, tracked

from ecometrics.analysis.activity import activity_frame
from ecometrics.analysis.community import community_network, compute_community_openrank
from ecometrics.analysis.export import TABLES
from ecometrics.analysis.global_openrank import compute_global_openrank
from ecometrics.collector.gharchive import import_gharchive
from ecometrics.collector.store import Store
from ecometrics.core.bots import GHOST_ID, GHOST_LOGIN, bot_expr, is_person
from ecometrics.core.config import Config
from ecometrics.fakehub import FakeHub
from ecometrics.jobs.status import render_status

# Tables that need a window to build: the first 30 days after creation.
WINDOW_OPTIONS = {"opendigger_window": {"days_after_creation": 30}}


def ghost_events_in(truth_repos: dict) -> int:
    """What GitHub credits to ghost in these repositories: issues and pull requests opened or
    closed, issue comments and review comments."""
    count = 0
    for repo in truth_repos.values():
        count += sum(issue["user"] == GHOST_LOGIN for issue in repo["issues"])
        count += sum(issue["closed_by"] == GHOST_LOGIN for issue in repo["issues"])
        count += sum(c["user"] == GHOST_LOGIN for c in repo["issue_comments"] + repo["review_comments"])
    return count


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """The tracked set collected from fakehub, with global and community OpenRank computed."""
    path = tmp_path_factory.mktemp("ghost") / "gh.db"
    with FakeHub(collaborator_of="*", seed=0, scale="small") as hub, Store(path) as store:
        result = collect(store, hub)
        assert not result.partial, result.reason
        truth = hub.truth(include_models=False)
        compute_global_openrank(store)
        compute_community_openrank(store)
    return path, truth


def test_fakehub_credits_deleted_accounts_to_ghost_and_says_so_in_its_truth(collected):
    _, truth = collected
    assert truth["github"]["users"][GHOST_LOGIN] == GHOST_ID
    assert truth["github"]["ghost"]["id"] == GHOST_ID
    assert truth["github"]["ghost"]["events"] == ghost_events_in(truth["github"]["repos"]) > 0


def test_ghost_events_are_kept_and_status_says_how_many(collected):
    path, truth = collected
    expected = ghost_events_in(tracked(truth))
    with Store(path) as store:
        stored = store.query("SELECT count(*) AS n, min(actor_id) AS id FROM events WHERE actor_login = 'ghost'")[0]
        assert (stored["n"], stored["id"]) == (expected, GHOST_ID) and expected > 0
        status = render_status(store, Config())
    line = next(line for line in status.splitlines() if line.strip().startswith("ghost"))
    assert line.split() == ["ghost", "(deleted", "accounts)", f"{expected:,}", "events,", "never", "ranked"]


def test_ghost_is_ranked_nowhere_and_links_nothing(collected):
    path, _ = collected
    with Store(path) as store:
        assert (
            store.query("SELECT count(*) AS n FROM activity WHERE developer_id = ? OR login = 'ghost'", (GHOST_ID,))[0][
                "n"
            ]
            == 0
        )
        assert (
            store.query("SELECT count(*) AS n FROM openrank WHERE kind = 'developer' AND entity_id = ?", (GHOST_ID,))[
                0
            ]["n"]
            == 0
        )
        assert (
            store.query(
                "SELECT count(*) AS n FROM community_openrank WHERE node_type = 'developer' AND node_id = ?",
                (GHOST_ID,),
            )[0]["n"]
            == 0
        )
        for kind, table in TABLES.items():
            frame = table.build(store, **WINDOW_OPTIONS.get(kind, {}))
            for column, dtype in frame.schema.items():
                if dtype == pl.String:
                    assert GHOST_LOGIN not in frame[column].to_list(), (kind, column)


def test_the_person_rule_knows_ghost():
    assert not is_person("ghost") and not is_person("Ghost") and not is_person("dependabot[bot]")
    assert is_person("ghostwriter") and is_person("octocat")
    names = pl.DataFrame({"login": ["ghost", "octocat", "renovate[bot]", None]})
    assert names.select(bot_expr("login"))["login"].to_list() == [True, False, True, False]


def test_ghost_from_gh_archive_counts_for_its_repositories_but_links_none(tmp_path):
    """Ghost comments on two repositories that share no person: neither the activity nor the
    community network joins them through it."""
    ghost, alice, bob = (GHOST_ID, GHOST_LOGIN), (1, "alice"), (2, "bob")
    r1, r2 = (101, "org/one"), (102, "org/two")
    at = "2024-01-10T10:00:00Z"
    hour = write_hour(
        tmp_path / "2024-01-10-10.json.gz",
        [
            event(1, "IssuesEvent", actor=alice, repo=r1, created_at=at, action="opened", number=1),
            event(2, "IssueCommentEvent", actor=ghost, repo=r1, created_at=at, number=1, comment_id=11),
            event(3, "IssuesEvent", actor=bob, repo=r2, created_at=at, action="opened", number=1),
            event(4, "IssueCommentEvent", actor=ghost, repo=r2, created_at=at, number=1, comment_id=12),
        ],
    )
    with Store(tmp_path / "a.db") as store:
        import_gharchive(store, [hour], all_repos=True)
        assert store.query("SELECT count(*) AS n FROM events WHERE actor_id = ?", (GHOST_ID,))[0]["n"] == 2
        frame = activity_frame(store, "2024-01", min_repo_activity=0)
        assert sorted(frame["login"].to_list()) == ["alice", "bob"]
        network = community_network(store, 101, "2024-01")
        assert network is not None and ("developer", GHOST_ID) not in network.keys
