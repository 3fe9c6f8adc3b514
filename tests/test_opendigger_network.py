"""OpenDigger's developer_network.json and repo_network.json, worked out by hand.

The definition is X-lab2017/open-digger ``src/cron/tasks/networkExport.ts`` (``generateRepoNetwork``,
``generateUserNetwork``, ``processData``). The store holds test_opendigger's GH Archive story (so
acme/rocket and its developers are exported) and, as ``ecometrics analyze openrank`` stores them, a
hand-made month of activity and global OpenRank: each activity a square, so ``sqrt`` is a whole number.
An export ``--from 2024-01 --to 2024-03`` is exported in 2024-04: activity months Jan, Feb, Mar;
OpenRank window ``>= 2024-01-01 AND < 2024-03-01``: Jan and Feb.
"""

from __future__ import annotations

from gharchive_fixtures import write_hour
from test_opendigger import REPO, story

from ecometrics.collector.store import Store

BOOSTER, THING = (1002, "acme/booster"), (1003, "other/thing")
ALICE, BOB, CAROL, DAVE = (11, "alice"), (12, "bob"), (13, "carol"), (14, "dave")

# (month, repo, developer, activity, push_only); act = sum over Jan-Mar of sqrt(activity)
ACTIVITY = [
    ("2024-01", REPO, ALICE, 4.0, 0),  # sqrt 2 |
    ("2024-02", REPO, ALICE, 9.0, 0),  # sqrt 3 | alice in rocket: 5
    ("2024-01", REPO, BOB, 1.0, 0),  # bob in rocket: 1
    ("2024-03", REPO, CAROL, 16.0, 0),  # carol in rocket: 4
    ("2023-12", REPO, DAVE, 100.0, 0),  # before the activity months: none
    ("2024-04", REPO, DAVE, 100.0, 0),  # after them: none
    ("2024-02", BOOSTER, ALICE, 25.0, 0),  # alice in booster: 5
    ("2024-02", BOOSTER, BOB, 9.0, 0),  # bob in booster: 3
    ("2024-02", BOOSTER, CAROL, 36.0, 1),  # pushes only: not in the OpenRank network, none
    ("2024-03", THING, BOB, 4.0, 0),  # bob in thing: 2
    ("2024-01", THING, CAROL, 1.0, 0),  # carol in thing: 1
    ("2024-03", THING, DAVE, 9.0, 0),  # dave in thing: 3
]
# (kind, id, month, value): selected when one month of Jan-Feb is above e = 2.718...
OPENRANK = [
    ("repo", REPO[0], "2024-01", 3.0),  # above e: selected; Jan + Feb = 3.0 + 1.25 = 4.25
    ("repo", REPO[0], "2024-02", 1.25),
    ("repo", REPO[0], "2024-03", 0.5),  # March is not in the OpenRank window
    ("repo", BOOSTER[0], "2024-01", 0.5),
    ("developer", ALICE[0], "2024-01", 2.0),  # 2 + 2 = 4 > e, but no month above e: no files
    ("developer", ALICE[0], "2024-02", 2.0),
    ("developer", BOB[0], "2024-02", 3.0),  # selected
    ("developer", CAROL[0], "2024-03", 5.0),  # above e in March only: no files, no OpenRank value
    ("developer", DAVE[0], "2024-01", 0.125),  # toFixed(2) rounds the exact 0.125 half up: 0.13
]


def _export(tmp_path):
    from ecometrics.jobs.cli import main

    hour = write_hour(tmp_path / "2024-01-01-0.json.gz", story())
    db = str(tmp_path / "net.db")
    assert main(["--db", db, "import", "gharchive", str(hour), "--all"]) == 0
    with Store(db) as store:
        store.replace_rows(
            "activity",
            ("month", "repo_id", "repo_name", "developer_id", "login", "issues_opened", "issue_comments",
             "issues_closed", "review_comments", "prs_opened", "pushes", "activity", "push_only"),
            [(m, r[0], r[1], d[0], d[1], 0, 0, 0, 0, 0, 0, a, p) for m, r, d, a, p in ACTIVITY],
        )  # fmt: skip
        store.upsert("openrank", [{"kind": k, "entity_id": i, "month": m, "value": v} for k, i, m, v in OPENRANK])
    out = tmp_path / "od"
    assert main(["--db", db, "export", "opendigger", "--out", str(out), "--from", "2024-01", "--to", "2024-03"]) == 0
    return db, out


def test_network_files_of_a_repository_and_a_developer(tmp_path, capsys):
    from ecometrics.jobs.cli import main

    db, out = _export(tmp_path)
    # f(a, b) = a·b / (a + b), summed over everything both act in.
    # acme/rocket's developers by act: alice 5, carol 4, bob 1. Pairs, the larger id first:
    #   bob-alice:   rocket f(1, 5) = 5/6 = 0.8333 + booster f(3, 5) = 15/8 = 1.875 -> 2.7083 -> 2.71
    #   carol-alice: rocket f(4, 5) = 20/9 = 2.2222 -> 2.22 (carol's booster row is pushes only)
    #   carol-bob:   rocket f(4, 1) = 4/5 = 0.8 + thing f(1, 2) = 2/3 = 0.6667 -> 1.4667 -> 1.47
    # nodes valued by their act in acme/rocket
    rocket = out / "github" / "acme" / "rocket"
    assert (rocket / "developer_network.json").read_text() == (
        '{"nodes":[["alice",5],["carol",4],["bob",1]],'
        '"edges":[["bob","alice",2.71],["carol","alice",2.22],["carol","bob",1.47]]}'
    )
    # repositories related to rocket through alice, bob, carol: booster (alice 2.5 + bob 0.75), thing
    # (bob 2/3 + carol 0.8); pairs among booster, thing, rocket, over every developer acting in both:
    #   booster-rocket: alice f(5, 5) = 2.5 + bob f(3, 1) = 0.75 -> 3.25
    #   thing-rocket:   bob f(2, 1) = 2/3 + carol f(1, 4) = 0.8 -> 1.4667 -> 1.47
    #   thing-booster:  bob f(2, 3) = 6/5 -> 1.2 (dave acts in thing only)
    # nodes valued by OpenRank over Jan-Feb: rocket 4.25, booster 0.5, thing none -> 1
    assert (rocket / "repo_network.json").read_text() == (
        '{"nodes":[["acme/rocket",4.25],["other/thing",1],["acme/booster",0.5]],'
        '"edges":[["acme/booster","acme/rocket",3.25],["other/thing","acme/rocket",1.47],'
        '["other/thing","acme/booster",1.2]]}'
    )
    # bob's related developers: alice 2.7083, carol 1.4667, dave thing f(2, 3) = 1.2; pairs among them and bob:
    #   bob-alice 2.71, carol-alice 2.22, carol-bob 1.47, dave-bob 1.2,
    #   dave-carol: thing f(3, 1) = 0.75; dave-alice share nothing: no edge
    # nodes valued by OpenRank over Jan-Feb: alice 4, bob 3, carol (March only) 1, dave 0.13
    bob = out / "github" / "bob"
    assert (bob / "developer_network.json").read_text() == (
        '{"nodes":[["alice",4],["bob",3],["carol",1],["dave",0.13]],'
        '"edges":[["bob","alice",2.71],["carol","alice",2.22],["carol","bob",1.47],["dave","bob",1.2],'
        '["dave","carol",0.75]]}'
    )
    # bob's repositories by his act: booster 3, thing 2, rocket 1; pairs as rocket's repo network above
    assert (bob / "repo_network.json").read_text() == (
        '{"nodes":[["acme/booster",3],["other/thing",2],["acme/rocket",1]],'
        '"edges":[["acme/booster","acme/rocket",3.25],["other/thing","acme/rocket",1.47],'
        '["other/thing","acme/booster",1.2]]}'
    )
    # no month above e in Jan-Feb: no network files
    for login in ("alice", "carol", "dave"):
        assert not (out / "github" / login / "developer_network.json").exists()
        assert not (out / "github" / login / "repo_network.json").exists()
    # import opendigger leaves them alone, as other files it does not compute
    capsys.readouterr()
    assert main(["--db", db, "import", "opendigger", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "bad file" not in printed and "other file(s) left alone" in printed
    with Store(db) as store:
        metrics = {row[0] for row in store.conn.execute("SELECT DISTINCT metric FROM opendigger_values")}
    assert not metrics & {"developer_network", "repo_network"}


def test_a_lone_developer_is_a_node_and_nothing_related_is_an_empty_file():
    from ecometrics.analysis.opendigger_network import Graph, developer_networks, repo_networks

    # one developer (7, solo) in one repository (1, a/b), act 4
    graph = Graph({1: {7: 4.0}}, {7: {1: 4.0}}, {1: "a/b"}, {7: "solo"}, {"repo": {}, "developer": {}}, set())
    # userNetworkSql's UNION ALL self row (solo, solo, 0): solo is a node, the self row no edge
    # repoNetworkSql (repo): no other repository shares a developer: no rows, no self rows: empty
    assert repo_networks(graph, 1) == {
        "developer_network": {"nodes": [["solo", 4.0]], "edges": []},
        "repo_network": {"nodes": [], "edges": []},
    }
    # userNetworkSql (developer): nobody shares a repository: empty; repoNetworkSql's self row (a/b, a/b, 0)
    assert developer_networks(graph, 7) == {
        "developer_network": {"nodes": [], "edges": []},
        "repo_network": {"nodes": [["a/b", 4.0]], "edges": []},
    }


def test_rounding_as_neo4j_and_javascript_round():
    from ecometrics.analysis.opendigger_network import js_to_fixed, neo4j_round

    # Cypher ROUND(x, 2) rounds half up the decimal the float prints as: 2.675 -> 2.68 (Python's round: 2.67)
    assert neo4j_round(2.675) == 2.68 and neo4j_round(0.125) == 0.13 and neo4j_round(2.7083333) == 2.71
    # toFixed(2) rounds the float's exact value: 2.675 is 2.67499999999999982236431605997495353221893310546875
    # -> 2.67; 0.125 is exact, a tie, the larger: 0.13
    assert js_to_fixed(2.675) == 2.67 and js_to_fixed(0.125) == 0.13
