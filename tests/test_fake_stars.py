"""StarScout's two detectors on a constructed star history, the expected flags worked out by hand from
its source's thresholds (analysis/fake_stars.py: low activity needs 50 such stars on a repository; CopyCatch
needs 50 users starring 10 repositories within 15 days of their centres, rho 0.5), and on fakehub's planted
campaigns."""

import datetime as dt
import json

import pytest

from ecometrics.collector.store import Store
from ecometrics.jobs.cli import main


def _at(day, hour=0):
    return (dt.datetime(2025, 3, 1, tzinfo=dt.UTC) + dt.timedelta(days=day, hours=hour)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _facts(uid, created, followers=0, repositories=0, contributions=0):
    return {
        "user_id": uid, "login": f"u{uid}", "created_at": created, "followers": followers,
        "repositories": repositories, "contributions": contributions, "status": "ok", "fetched_at": _at(40),
    }  # fmt: skip


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stars")
    db = folder / "s.db"
    repos, stars, facts = {}, [], []

    def repo(name):
        repos[name] = 1000 + len(repos)
        return repos[name]

    def star(name, uid, at):
        stars.append({"repo_id": repos[name], "user_id": uid, "login": f"u{uid}", "starred_at": at})

    # low/enough: 50 accounts created the day they star it, nothing else -> all 50 flagged; two more
    # accounts created that day but with 5 followers, or 3 contributions, are not low-activity.
    # low/short: 49 such accounts -> below StarScout's 50, none flagged.
    repo("low/enough"), repo("low/short")
    for k in range(50):
        star("low/enough", 1 + k, _at(k % 3, 12)), facts.append(_facts(1 + k, _at(k % 3, 2)))
    star("low/enough", 60, _at(1, 12)), facts.append(_facts(60, _at(1, 2), followers=5))
    star("low/enough", 61, _at(1, 12)), facts.append(_facts(61, _at(1, 2), contributions=3))
    for k in range(49):
        star("low/short", 100 + k, _at(5, 12)), facts.append(_facts(100 + k, _at(5, 1)))
    # lock/r0..r9: 50 aged accounts star all ten within two days: each seed's centre is inside those
    # days, its 50 users hit 10 of 10 (>= 0.5 * 10) repositories, every repository has 50 of their
    # stars (>= n = 50), 10 >= m * rho = 5 of them -> all 500 stars flagged, one campaign.
    # near/s0..s9: the same with 49 accounts plus one organic star each, far apart: 50 stars seed a
    # cluster, but 49 users < n = 50 -> nothing flagged.
    # gha/watched: no stargazers walked, 50 GH Archive WatchEvents by accounts with no facts and no other
    # event (one day, one action, one repository: the SQL rule) -> 50 stars, all suspected.
    repo("gha/watched")
    watches = [
        {"id": f"w{k}", "type": "WatchEvent", "action": "started", "actor_id": 600 + k, "actor_login": f"u{600 + k}",
         "repo_id": repos["gha/watched"], "repo_name": "gha/watched", "created_at": _at(6, k % 20), "source": "gharchive"}
        for k in range(50)
    ]  # fmt: skip
    for r in range(10):
        repo(f"lock/r{r}"), repo(f"near/s{r}")
    for u in range(50):
        uid = 1000 + u
        facts.append(_facts(uid, "2019-01-01T00:00:00Z", followers=10, repositories=8, contributions=300))
        for r in range(10):
            star(f"lock/r{r}", uid, _at(10 + (u + r) % 2, u % 24))
    for u in range(49):
        uid = 2000 + u
        facts.append(_facts(uid, "2019-01-01T00:00:00Z", followers=10, repositories=8, contributions=300))
        for r in range(10):
            star(f"near/s{r}", uid, _at(20 + (u + r) % 2, u % 24))
    for r in range(10):
        star(f"near/s{r}", 3000 + r, _at(80 + 5 * r))
        facts.append(_facts(3000 + r, "2018-01-01T00:00:00Z", followers=3, repositories=2, contributions=40))
    with Store(db) as store:
        store.upsert(
            "repos",
            [{"id": i, "full_name": n, "owner": n.split("/")[0], "name": n.split("/")[1]} for n, i in repos.items()],
        )
        store.upsert("stargazers", stars)
        store.save_account_facts(facts)
        store.upsert("events", watches)
        counts = {}
        for row in stars:
            counts[row["repo_id"]] = counts.get(row["repo_id"], 0) + 1
        store.upsert("repo_snapshots", [{"repo_id": i, "date": "2025-06-01", "stars": n} for i, n in counts.items()])

    def export(kind, *options):
        out = folder / f"{kind}{len(options)}.json"
        assert main(["--db", str(db), "export", kind, "--out", str(out), *options]) == 0
        return json.loads(out.read_text())

    tables = {kind: export(kind) for kind in ("star_trust", "star_campaigns", "repos")}
    tables["repos_cleaned"] = export("repos", "--exclude-suspected")
    tables["daily_cleaned"] = export("stars_daily", "--exclude-suspected")
    tables["db"] = db
    return tables


def test_low_activity_stars_are_flagged_from_fifty_on_a_repository(exported):
    months = {(r["repo"], r["month"]): r for r in exported["star_trust"]}
    enough = months[("low/enough", "2025-03")]
    # 52 stars, the 50 low-activity ones suspected: 50 / 52 = 0.9615
    assert (enough["stars"], enough["suspected_stars"], enough["low_activity_stars"]) == (52, 50, 50)
    assert enough["suspected_share"] == pytest.approx(0.9615, abs=1e-4) and enough["campaigns"] == 1
    assert months[("low/short", "2025-03")]["suspected_stars"] == 0
    watched = months[("gha/watched", "2025-03")]  # from GH Archive WatchEvents, judged by their events
    assert (watched["stars"], watched["suspected_stars"], watched["low_activity_stars"]) == (50, 50, 50)


def test_lockstep_flags_fifty_accounts_starring_ten_repositories_together_and_not_forty_nine(exported):
    months = {(r["repo"], r["month"]): r for r in exported["star_trust"]}
    for r in range(10):
        lock = months[(f"lock/r{r}", "2025-03")]
        assert (lock["stars"], lock["suspected_stars"], lock["lockstep_stars"], lock["low_activity_stars"]) == (
            50, 50, 50, 0,
        )  # fmt: skip
        assert months[(f"near/s{r}", "2025-03")]["suspected_stars"] == 0
    campaigns = [c for c in exported["star_campaigns"] if c["detector"] == "lockstep"]
    assert len({c["campaign"] for c in campaigns}) == 1 and len(campaigns) == 10  # one campaign, ten repositories
    first = campaigns[0]
    assert (first["stars"], first["accounts"]) == (50, 50)
    # its window: the first and last of its stars, 2025-03-11 00:00 to 2025-03-12 23:00
    assert first["window_start"] >= "2025-03-11T00:00:00Z" and first["window_end"] <= "2025-03-12T23:00:00Z"
    low = [c for c in exported["star_campaigns"] if c["detector"] == "low-activity"]
    assert sorted((c["repo"], c["stars"]) for c in low) == [("gha/watched", 50), ("low/enough", 50)]


def test_fakehub_campaigns_are_found_and_its_viral_burst_is_left_alone(tmp_path):
    """fakehub plants its campaigns by default and reports them in its truth; collected with the account
    facts (one nodes query per 100 accounts), the detectors find >= 90% of the planted stars and flag
    no more than 2% of the organic ones, none of the viral burst's."""
    from ecometrics.analysis.fake_stars import star_events, suspected_stars
    from ecometrics.collector.account_facts import QUERIES_COUNTER
    from ecometrics.collector.github import collect_github
    from ecometrics.collector.github_client import GitHubClient
    from ecometrics.core.config import GithubConfig
    from ecometrics.fakehub import FakeHub

    with FakeHub(collaborator_of="*", seed=0, scale="small") as hub, Store(tmp_path / "gh.db") as store:
        gh = hub.truth(include_models=False)["github"]
        campaigns = gh["star_campaigns"]
        assert {c["kind"] for c in campaigns} == {"new_accounts", "aged_accounts"}
        burst = "zai-org/Open-AutoGLM"
        assert burst in gh["viral_bursts"]
        targets = sorted({repo for c in campaigns for repo in c["repos"]})
        config = GithubConfig(repos=[*targets, burst], activity=False, contributors=False, account_facts=10**6)
        client = GitHubClient(token="t", base_url=hub.url, timeout=5.0, sleep=hub.sleep, clock=hub.rate_time)
        result = collect_github(store, config, progress=False, client=client, stats_wait=0.0)
        assert not result.partial, result.reason
        accounts = store.count("star_account_facts")
        assert accounts == store.query("SELECT count(DISTINCT user_id) AS n FROM stargazers")[0]["n"]
        assert result.counters[QUERIES_COUNTER] == -(-accounts // 100)  # the minimum: one query per 100
        stars = star_events(store)
        flagged = suspected_stars(store, stars)
        names = {row["id"]: row["full_name"] for row in store.query("SELECT id, full_name FROM repos")}
    planted = set()
    for c in campaigns:
        ids = set(c["account_ids"])
        planted |= {(repo, row[0]) for repo in c["repos"] for row in gh["repos"][repo]["stars"] if row[0] in ids}
    seen = {(names[r], u) for r, u in stars.select("repo_id", "user_id").iter_rows()}
    hits = {(names[r], u) for r, u in flagged.select("repo_id", "user_id").iter_rows()}
    assert planted <= seen
    assert len(planted & hits) / len(planted) >= 0.9
    organic = seen - planted
    assert len(organic & hits) / len(organic) <= 0.02
    assert any(p[0] == burst for p in seen)  # the viral burst's stars were collected
    assert not {p for p in hits if p[0] == burst}


def test_exclude_suspected_takes_the_suspected_stars_out_of_rankings_and_star_histories(exported):
    stored = {r["repo"]: r["stars"] for r in exported["repos"]}
    cleaned = {r["repo"]: r["stars"] for r in exported["repos_cleaned"]}
    # low/enough: 52 - 50 low-activity; lock/r0: 50 - 50 lockstep; near/s0 and low/short: nothing suspected
    assert (stored["low/enough"], cleaned["low/enough"]) == (52, 2)
    assert (stored["lock/r0"], cleaned["lock/r0"]) == (50, 0)
    assert cleaned["near/s0"] == stored["near/s0"] == 50 and cleaned["low/short"] == 49
    daily = [r for r in exported["daily_cleaned"] if r["repo"] == "low/enough"]
    assert [(r["date"], r["stars"], r["total"]) for r in daily] == [("2025-03-02", 2, 2)]  # the two kept, day 1
    assert not [r for r in exported["daily_cleaned"] if r["repo"] == "lock/r0"]


def test_a_nightly_export_runs_each_detector_once_and_writes_the_same_tables(exported, monkeypatch):
    """star_trust and star_campaigns share one detection per export run; their rows are those of
    ``ecometrics export`` of each table alone (the expected values checked above)."""
    from ecometrics.analysis import fake_stars
    from ecometrics.core.config import Config
    from ecometrics.jobs.pipeline import export

    calls = {"low_activity_stars": 0, "lockstep_stars": 0}
    for name in calls:
        detector = getattr(fake_stars, name)

        def counted(*args, _detector=detector, _name=name, **kwargs):
            calls[_name] += 1
            return _detector(*args, **kwargs)

        monkeypatch.setattr(fake_stars, name, counted)
    out = exported["db"].parent / "nightly"
    with Store(exported["db"]) as store:
        export(store, Config(), out_dir=out, formats=["json"])
    assert calls == {"low_activity_stars": 1, "lockstep_stars": 1}
    for kind in ("star_trust", "star_campaigns"):
        assert json.loads((out / f"{kind}.json").read_text()) == exported[kind]


def test_exclude_suspected_is_refused_where_it_has_no_meaning(exported, tmp_path, capsys):
    assert main(["--db", str(tmp_path / "none.db"), "export", "models", "--exclude-suspected"]) == 2
    assert "export models has no --exclude-suspected; tables with it are repos, stars_daily" in capsys.readouterr().err


def star_a_known_and_an_unknown_account(store, user_id: int, login: str) -> None:
    """One repository starred by the account ``user_id`` fakehub knows, then by id 999, which it does not."""
    store.upsert("repos", [{"id": 1, "full_name": "o/r", "owner": "o", "name": "r"}])
    store.upsert("stargazers", [
        {"repo_id": 1, "user_id": user_id, "login": login, "starred_at": "2025-01-01T00:00:00Z"},
        {"repo_id": 1, "user_id": 999, "login": "gone", "starred_at": "2025-01-02T00:00:00Z"},
    ])  # fmt: skip


def test_nodes_answers_users_facts_refuses_over_100_ids_and_nulls_an_unknown_id(tmp_path):
    """fakehub's nodes(ids:) as GitHub's: a legacy user id resolves, an unknown one is null with NOT_FOUND at its
    index; the collector stores that account as not_found and asks for no account twice."""
    import requests

    from ecometrics.collector.account_facts import ACCOUNT_FACTS_QUERY, fetch_account_facts, legacy_node_id
    from ecometrics.collector.github_client import GitHubClient
    from ecometrics.fakehub import FakeHub

    with FakeHub(collaborator_of="*", seed=0, scale="small") as hub:
        headers = {"Authorization": "Bearer t"}
        ids = [legacy_node_id(1_000_010), legacy_node_id(999)]
        answer = requests.post(
            hub.url + "/graphql", json={"query": ACCOUNT_FACTS_QUERY, "variables": {"ids": ids}}, headers=headers
        ).json()
        known, unknown = answer["data"]["nodes"]
        assert known["databaseId"] == 1_000_010 and known["followers"]["totalCount"] >= 2 and unknown is None
        assert answer["errors"][0]["type"] == "NOT_FOUND" and answer["errors"][0]["path"] == ["nodes", 1]
        too_many = requests.post(
            hub.url + "/graphql",
            json={
                "query": ACCOUNT_FACTS_QUERY,
                "variables": {"ids": [legacy_node_id(1_000_000 + k) for k in range(101)]},
            },
            headers=headers,
        ).json()
        assert too_many["data"] is None and "100" in too_many["errors"][0]["message"]

        with Store(tmp_path / "f.db") as store:
            star_a_known_and_an_unknown_account(store, 1_000_010, known["login"])
            client = GitHubClient(token="t", base_url=hub.url, timeout=5.0, sleep=hub.sleep, clock=hub.rate_time)
            assert fetch_account_facts(store, client, limit=10) == (1, 2)  # one query for both accounts
            statuses = {r["user_id"]: r["status"] for r in store.query("SELECT * FROM star_account_facts")}
            assert statuses == {1_000_010: "ok", 999: "not_found"}
            assert fetch_account_facts(store, client, limit=10) == (0, 0)  # cached: nothing asked again


def test_an_account_a_partial_answer_left_unread_is_asked_again_not_stored_as_gone(tmp_path):
    """A ``nodes`` item that is null because its resolution timed out (an error with its path and
    no type, fakehub's ``node`` fault) says nothing about the account: only a ``NOT_FOUND`` is
    final. The run stores neither account, marks nothing gone, and the next run reads both."""
    from ecometrics.collector.account_facts import fetch_account_facts
    from ecometrics.collector.github_client import GitHubClient
    from ecometrics.fakehub import FakeHub

    with Store(tmp_path / "f.db") as store:
        with FakeHub(collaborator_of="*", seed=0, scale="small", faults="node:1") as hub:
            login = hub.truth(include_models=False)["github"]["repos"]["vllm-project/vllm"]["stars"][0]
            star_a_known_and_an_unknown_account(store, login[0], login[1])
            client = GitHubClient(token="t", base_url=hub.url, timeout=5.0, sleep=hub.sleep, clock=hub.rate_time)
            unread: list[int] = []
            assert fetch_account_facts(store, client, limit=10, unread=unread) == (1, 0)
            assert sorted(unread) == [999, login[0]]
            assert store.count("star_account_facts") == 0
        with FakeHub(collaborator_of="*", seed=0, scale="small") as hub:
            client = GitHubClient(token="t", base_url=hub.url, timeout=5.0, sleep=hub.sleep, clock=hub.rate_time)
            assert fetch_account_facts(store, client, limit=10) == (1, 2)
            statuses = {r["user_id"]: r["status"] for r in store.query("SELECT * FROM star_account_facts")}
            assert statuses == {login[0]: "ok", 999: "not_found"}


def test_a_run_whose_account_facts_were_left_unread_is_partial_and_says_the_next_run_asks_again(tmp_path):
    from ecometrics.collector.github import GitHubCollector
    from ecometrics.collector.github_client import GitHubClient
    from ecometrics.core.config import GithubConfig
    from ecometrics.fakehub import FakeHub

    with Store(tmp_path / "f.db") as store, FakeHub(collaborator_of="*", seed=0, scale="small", faults="node:1") as hub:
        star = hub.truth(include_models=False)["github"]["repos"]["vllm-project/vllm"]["stars"][0]
        star_a_known_and_an_unknown_account(store, star[0], star[1])
        client = GitHubClient(token="t", base_url=hub.url, timeout=5.0, sleep=hub.sleep, clock=hub.rate_time)
        config = GithubConfig(repos=[], account_facts=10)
        collector = GitHubCollector(store, config, client, stats_polls=0, stats_wait=0.0)
        collector.collect_account_facts()
        assert collector.result.partial
        assert "2 account facts could not be read; the next run asks again" in collector.result.reason
        assert store.count("star_account_facts") == 0
