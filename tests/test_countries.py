"""The by-country view: collected from fakehub it reproduces fakehub's truth per country, and on
a hand-made store its labels, placeholders, OpenRank shares and Hub figures are the arithmetic of
their definitions (analysis/countries.py)."""

from __future__ import annotations

from collections import defaultdict

import pytest
from test_github_collector import collect, expected_rows, github_config, tracked

from ecometrics.analysis.countries import account_countries, countries_table
from ecometrics.analysis.export import build_table
from ecometrics.collector.store import Store
from ecometrics.fakehub import FakeHub

ORGS = ["MiniMax-AI", "mistralai", "silver-ai", "icy-labs"]
REPOS = ["MoonshotAI/Kimi-VL", "huggingface/lerobot"]


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """A store collected from a small fakehub, and fakehub's truth at the end of the collection."""
    path = tmp_path_factory.mktemp("countries") / "gh.db"
    with FakeHub(collaborator_of="*", seed=0, scale="small") as hub, Store(path) as store:
        result = collect(store, hub, github_config(orgs=ORGS, repos=REPOS))
        assert not result.partial, result.reason
        return path, hub.truth(include_models=False)


def by_country(rows: dict[str, set[str]], countries: dict[str, str | None]) -> tuple[dict, float]:
    """Logins per month -> ({(country, month): distinct located logins}, {month: share located})."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    coverage = {}
    for month, logins in rows.items():
        located = [countries[login] for login in logins if countries.get(login)]
        for country in located:
            counts[(country, month)] += 1
        coverage[month] = len(located) / len(logins)
    return dict(counts), coverage


def test_the_view_reproduces_fakehubs_truth_per_country(collected):
    path, truth = collected
    with Store(path) as store:
        table = countries_table(store)
    rows = {(r["country"], r["month"]): r for r in table.iter_rows(named=True)}
    github = truth["github"]
    repos = tracked(truth, ORGS, REPOS)
    countries = github["user_countries"]
    nobody = set(github["bots"]) | {"ghost"}  # bots and GitHub's placeholder for deleted accounts

    # repositories and their standing stars at each month's end, by the owner's country
    star_months = sorted({at[:7] for repo in repos.values() for _, _, at in repo["stars"]})
    for month in star_months:
        existing = [r for r in repos.values() if r["created_at"][:7] <= month]
        placed = defaultdict(lambda: [0, 0])
        for repo in existing:
            country = github["org_countries"][repo["owner"]]
            if country:
                placed[country][0] += 1
                placed[country][1] += sum(1 for _, _, at in repo["stars"] if at[:7] <= month)
        for country, (n, stars) in placed.items():
            row = rows[(country, month)]
            assert (row["repos"], row["stars"]) == (n, stars), (country, month)
            assert row["stars_per_repo"] == pytest.approx(stars / n)
            assert row["repos_coverage"] == pytest.approx(sum(n for n, _ in placed.values()) / len(existing))
    assert {c for c, m in rows if rows[(c, m)]["repos"]} == {"CN", "FR"} | {
        github["org_countries"][o] for o in ("silver-ai", "icy-labs") if github["org_countries"][o]
    }

    # active developers: distinct people with an event in the month, by their own country
    active: dict[str, set[str]] = defaultdict(set)
    for event in expected_rows(truth, ORGS, REPOS)["events"]:
        login, at = event[4], event[5]
        if login and login not in nobody:
            active[at[:7]].add(login)
    expected, coverage = by_country(active, countries)
    got = {(c, m): r["active_developers"] for (c, m), r in rows.items() if r["active_developers"]}
    assert got == expected
    for (_, month), row in rows.items():
        if month in coverage:
            assert row["active_developers_coverage"] == pytest.approx(coverage[month])

    # contributors of the last snapshot (today's)
    month = max(m for _, m in rows)
    people = {login for repo in repos.values() for login in repo["contributors"] if login not in nobody}
    expected, coverage = by_country({month: people}, countries)
    got = {(c, m): r["contributors"] for (c, m), r in rows.items() if r["contributors"]}
    assert got == expected
    assert all(r["contributors_coverage"] == pytest.approx(coverage[month]) for (_, m), r in rows.items() if m == month)


def test_export_countries_writes_every_format(collected, tmp_path):
    path, _ = collected
    with Store(path) as store:
        frame = build_table(store, "countries")
    assert frame.height and frame["country"].null_count() == 0


def hand_made_store(path) -> Store:
    """Five accounts, one repository each, a division label and GitHub's ghost placeholder."""
    store = Store(path)
    profiles = [  # (id, login, type, location)
        (1, "alice", "User", "Beijing"),
        (2, "bob", "User", "Seattle, WA"),
        (3, "carol", "User", "Earth"),  # unknown
        (4, "dave", "User", "Berlin"),  # labelled China by OpenDigger: the label wins
        (10, "acme-ai", "Organization", "Paris, France"),
    ]
    store.upsert("profiles", [
        {"node_id": f"n{i}", "account_id": i, "login": login, "type": kind, "location": loc, "status": "ok",
         "fetched_at": "2025-09-01"} for i, login, kind, loc in profiles
    ])  # fmt: skip
    store.upsert("developers", [
        {"id": i, "login": login, "type": kind, "is_bot": 0} for i, login, kind, _ in profiles if kind == "User"
    ] + [{"id": 99, "login": "ghost", "type": "User", "is_bot": 0}])  # fmt: skip
    store.upsert("labels", [{"id": ":divisions/CN", "type": "Division-0", "name": "China", "imported_at": "x"}])
    store.upsert("label_entities", [{"label_id": ":divisions/CN", "entity_type": "user", "entity_id": 4}])
    store.upsert("repos", [
        {"id": 100, "full_name": "acme-ai/one", "owner": "acme-ai", "name": "one", "created_at": "2025-01-05T00:00:00Z"},
        {"id": 101, "full_name": "alice/two", "owner": "alice", "name": "two", "created_at": "2025-01-05T00:00:00Z"},
        {"id": 102, "full_name": "carol/three", "owner": "carol", "name": "three", "created_at": "2025-02-05T00:00:00Z"},
    ])  # fmt: skip
    stars = [(100, 1, "2025-01-10"), (100, 2, "2025-02-10"), (101, 2, "2025-01-11"), (102, 1, "2025-02-11")]
    store.upsert("stargazers", [{"repo_id": r, "user_id": u, "starred_at": f"{d}T00:00:00Z"} for r, u, d in stars])
    events = [(1, "2025-02-01"), (2, "2025-02-02"), (3, "2025-02-03"), (4, "2025-02-04"), (99, "2025-02-05")]
    store.upsert("events", [
        {"id": f"e{k}", "type": "IssuesEvent", "actor_id": a, "repo_id": 100, "created_at": f"{d}T00:00:00Z",
         "is_bot": 0, "source": "rest"} for k, (a, d) in enumerate(events)
    ])  # fmt: skip
    store.upsert("openrank", [
        {"kind": "developer", "entity_id": a, "month": "2025-02", "value": v} for a, v in ((1, 4.0), (2, 3.0), (3, 2.0), (4, 1.0))
    ])  # fmt: skip
    # Hub models: two of Chinese origin, one American, one of a cross-family merge (no one country)
    lineage = {"org/a": "CN", "org/b": "CN", "org/c": "US", "org/d": "CN+US"}
    store.upsert("models", [{"platform": "huggingface", "id": m} for m in lineage])
    store.upsert("model_lineage", [
        {"model_id": m, "origin": o, "parents": 0, "direct_derivatives": 0, "finetune": 0, "adapter": 0,
         "quantized": 0, "merge": 0, "all_derivatives": 0, "max_depth": 0, "descendant_downloads_30d": 0,
         "descendant_downloads_all_time": 0, "computed_at": "x"} for m, o in lineage.items()
    ])  # fmt: skip
    snapshots = [  # (model, date, likes, downloads); a model's last snapshot of the month counts
        ("org/a", "2025-02-01", 1, 10), ("org/a", "2025-02-20", 10, 100), ("org/b", "2025-02-20", 30, 300),
        ("org/c", "2025-02-20", 5, 50), ("org/d", "2025-02-20", 7, 70),
    ]  # fmt: skip
    store.upsert("model_snapshots", [
        {"platform": "huggingface", "model_id": m, "date": d, "likes": k, "downloads_all_time": n}
        for m, d, k, n in snapshots
    ])  # fmt: skip
    return store


def test_labels_override_the_ghost_is_nobody_and_shares_are_of_everyone(tmp_path):
    with hand_made_store(tmp_path / "hand.db") as store:
        accounts = {r["login"]: r for r in account_countries(store).iter_rows(named=True)}
        assert accounts["dave"]["country"] == "CN" and accounts["dave"]["reason"] == "label"
        assert accounts["carol"]["country"] is None and "not a place" in accounts["carol"]["reason"]
        rows = {(r["country"], r["month"]): r for r in countries_table(store).iter_rows(named=True)}
    # January: acme-ai/one (FR) and alice/two (CN) exist; carol/three comes in February
    assert (rows[("FR", "2025-01")]["repos"], rows[("FR", "2025-01")]["stars"]) == (1, 1)
    assert (rows[("CN", "2025-01")]["repos"], rows[("CN", "2025-01")]["stars"]) == (1, 1)
    assert rows[("CN", "2025-01")]["repos_coverage"] == 1.0  # 2 of 2 repositories placed
    # February: one (FR) has 2 stars, two (CN) 1, three (carol: Earth) unknown -> coverage 2/3
    assert rows[("FR", "2025-02")]["stars"] == 2 and rows[("FR", "2025-02")]["stars_per_repo"] == 2.0
    assert rows[("CN", "2025-02")]["repos_coverage"] == pytest.approx(2 / 3)
    # active in February: alice (CN), bob (US), carol (unknown), dave (CN by label); ghost is nobody
    assert rows[("CN", "2025-02")]["active_developers"] == 2 and rows[("US", "2025-02")]["active_developers"] == 1
    assert rows[("US", "2025-02")]["active_developers_coverage"] == pytest.approx(3 / 4)
    # OpenRank 4 + 1 = 5 for China of 4 + 3 + 2 + 1 = 10 in all: share 0.5; 3 of 4 developers placed
    assert rows[("CN", "2025-02")]["openrank"] == pytest.approx(5.0)
    assert rows[("CN", "2025-02")]["openrank_share"] == pytest.approx(0.5)
    assert rows[("US", "2025-02")]["openrank_share"] == pytest.approx(0.3)
    assert rows[("US", "2025-02")]["openrank_coverage"] == pytest.approx(0.75)
    # no American repository: none (0), not unknown, and no stars per repository
    assert (rows[("US", "2025-02")]["repos"], rows[("US", "2025-02")]["stars_per_repo"]) == (0, None)
    # models: China has a (10 likes, 100 downloads) and b (30, 300): 20 likes and 200 downloads a
    # model; the merge is unknown, so 3 of 4 models are placed
    china = rows[("CN", "2025-02")]
    assert (china["models"], china["likes_per_model"], china["downloads_per_model"]) == (2, 20.0, 200.0)
    assert (rows[("US", "2025-02")]["models"], rows[("US", "2025-02")]["likes_per_model"]) == (1, 5.0)
    assert china["models_coverage"] == pytest.approx(0.75)
