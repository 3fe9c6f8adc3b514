"""Profiles: where developers and repository owners say they are, read through GraphQL
``nodes(ids:)`` (100 ids a document), kept a month, and geocoded offline."""

from __future__ import annotations

import requests
from test_github_collector import collect, github_config

from ecometrics.analysis.geocode import geocode
from ecometrics.collector.github import PROFILES_LEFT, PROFILES_READ
from ecometrics.collector.store import Store
from ecometrics.fakehub import FakeHub
from ecometrics.fakehub.graphql import node_id

AUTH = {"Authorization": "bearer t"}
QUERY = """query($ids: [ID!]!) { nodes(ids: $ids) { __typename id
  ... on User { login databaseId location company } ... on Organization { login databaseId location } } }"""


def nodes(hub, ids):
    return requests.post(f"{hub.url}/graphql", json={"query": QUERY, "variables": {"ids": ids}}, headers=AUTH).json()


def test_fakehub_answers_nodes_as_github_does(fakehub):
    world = fakehub.world.github
    user = world.users.user_id(500)
    org_id = world.orgs["mistralai"]
    out = nodes(fakehub, [node_id("User", user), node_id("Organization", org_id), "bm9wZQ=="])
    first, org, missing = out["data"]["nodes"]
    location, company, _ = world.user_profile(500)
    assert first == {"__typename": "User", "id": node_id("User", user), "login": world.users.login(500),
                     "databaseId": user, "location": location or None, "company": company or None}  # fmt: skip
    assert org["login"] == "mistralai" and org["location"] == "Paris, France" and "company" not in org
    assert missing is None
    assert out["errors"][0]["type"] == "NOT_FOUND" and out["errors"][0]["path"] == ["nodes", 2]
    # more than 100 ids: the whole document is refused (sourcecred/sourcecred pull 908)
    too_many = nodes(fakehub, [node_id("User", world.users.user_id(k)) for k in range(101)])
    assert too_many["data"] is None
    assert too_many["errors"][0]["type"] == "ARGUMENT_LIMIT"
    assert too_many["errors"][0]["message"] == "You may not provide more than 100 node ids; you provided 101."


def profile_calls(hub) -> int:
    return hub.stats()["by_endpoint"].get("graphql.nodes", {}).get("requests", 0)


def test_profiles_cost_a_request_per_100_accounts_and_nothing_again_within_the_month(tmp_path):
    config = github_config(orgs=[], repos=["vllm-project/vllm"], activity=False, contributors=False)
    with FakeHub(collaborator_of="*", seed=0, scale="small") as hub, Store(tmp_path / "gh.db") as store:
        result = collect(store, hub, config)
        assert not result.partial, result.reason
        accounts = store.query(
            "SELECT count(*) AS n FROM (SELECT node_id FROM developers WHERE is_bot = 0"
            " UNION SELECT owner_node_id FROM repos)"
        )[0]["n"]
        assert accounts > 2_000
        assert store.count("profiles") == accounts == result.counters[PROFILES_READ]
        assert profile_calls(hub) == -(-accounts // 100) <= 1.05 * accounts / 100

        # what was stored is what the profiles say, and geocodes to fakehub's country for each
        truth = hub.truth(include_models=False)["github"]
        stored = {r["login"]: r for r in store.query("SELECT * FROM profiles")}
        world = hub.world.github
        for login, row in list(stored.items())[:500]:
            if login in world.orgs:
                assert geocode(row["location"]).country == truth["org_countries"][login]
                continue
            location, company, country = world.user_profile(world.users.index(login))
            assert (row["location"], row["company"]) == (location or None, company or None)
            assert geocode(row["location"]).country == country == truth["user_countries"][login]

        hub.reset_stats()
        again = collect(store, hub, config)
        assert profile_calls(hub) == 0 and again.counters[PROFILES_READ] == 0


def test_profiles_read_per_run_are_bounded_and_the_rest_wait_for_the_next_run(tmp_path):
    config = github_config(orgs=[], repos=["MoonshotAI/Kimi-VL"], activity=False, contributors=False,
                           profiles_per_run=40)  # fmt: skip
    with FakeHub(collaborator_of="*", seed=0, scale="small") as hub, Store(tmp_path / "gh.db") as store:
        first = collect(store, hub, config)
        accounts = store.query("SELECT count(*) AS n FROM developers WHERE is_bot = 0")[0]["n"] + 1  # + the owner
        assert accounts > 80
        assert first.counters[PROFILES_READ] == 40 and first.counters[PROFILES_LEFT] == accounts - 40
        assert profile_calls(hub) == 1
        second = collect(store, hub, config)
        assert second.counters[PROFILES_READ] == 40 and second.counters[PROFILES_LEFT] == accounts - 80
        assert store.count("profiles") == 80


def test_a_profile_is_read_again_after_thirty_days_and_not_before(tmp_path):
    config = github_config(orgs=[], repos=["MoonshotAI/Kimi-VL"], activity=False, contributors=False)
    with FakeHub(collaborator_of="*", seed=0, scale="small") as hub, Store(tmp_path / "gh.db") as store:
        first = collect(store, hub, config)
        read_first = first.counters[PROFILES_READ]
        assert read_first == store.count("profiles") > 0
        hub.advance(days=29)  # read on 2025-09-01; on 2025-09-30 only accounts new since are asked
        new = collect(store, hub, config).counters[PROFILES_READ]
        assert new == store.count("profiles") - read_first
        hub.advance(days=1)  # 30 days on: every profile of the first run is due again
        again = collect(store, hub, config).counters[PROFILES_READ]
        assert again == read_first
        assert {r["fetched_at"] for r in store.query("SELECT DISTINCT fetched_at FROM profiles")} == {
            "2025-09-30",
            "2025-10-01",
        }
