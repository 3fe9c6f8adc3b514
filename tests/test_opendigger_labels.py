"""OpenDigger's label files (companies, countries, ...) on a small GH Archive file, worked out by hand.

OpenDigger's monthly export (X-lab2017/open-digger ``src/cron/tasks/monthlyExport.ts``
``exportLabelMetrics``) computes each label type's metrics with ``option.repoLabel =
LabelUtil.get(type)`` and ``groupBy: type`` (``src/labelDataUtils.ts``, ``src/metrics/basic.ts``):

- ``getRepoWhereClause`` keeps the events of repositories a label of that type lists (by
  repo or by organisation);
- ``getLabelJoinClause`` joins each kept event to every ``flatten_labels`` row of the
  label that matches its repo (``Repo``), its organisation (``Org``) or its actor
  (``User``): a country's developers count wherever they work in the type's repositories,
  and an event matched twice (a label listing a repository and its organisation, or a
  repository and the actor) is two rows, which ``COUNT()`` and ``SUM(activity)`` see twice.

Every expected value below is that arithmetic, written in a comment.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from gharchive_fixtures import event, write_hour

from ecometrics.analysis import opendigger
from ecometrics.analysis import opendigger_sql as sql
from ecometrics.analysis.activity_sql import SQLITE_EVENTS
from ecometrics.analysis.opendigger_files import write_tree
from ecometrics.collector.gharchive import import_gharchive
from ecometrics.collector.store import Store

ACME, CNLIB, USAPP, LONE = (2001, "acme/rocket"), (2002, "cn-team/lib"), (2003, "usco/app"), (2004, "lone/tool")
LI, BOB, ANN = (31, "li"), (32, "bob"), (33, "ann")
LABELS = [
    (":companies/acme", "Company", "Acme"),
    (":divisions/CN", "Division-0", "China"),
    (":divisions/US", "Division-0", "United States"),
    (":communities/usfriends", "Community", "US Friends"),  # a type whose files OpenDigger does not export
]
PARENTS = {":companies/acme": [":divisions/US", ":communities/usfriends"]}
ENTITIES = [
    (":companies/acme", "org", 77, "acme"),  # acme/rocket through its organisation ...
    (":companies/acme", "repo", ACME[0], ACME[1]),  # ... and by name: two rows of the label
    (":divisions/CN", "repo", CNLIB[0], CNLIB[1]),
    (":divisions/CN", "user", LI[0], LI[1]),  # a Chinese developer, wherever she works
    (":divisions/US", "repo", USAPP[0], USAPP[1]),
    (":communities/usfriends", "repo", USAPP[0], USAPP[1]),
]


def story() -> list[dict]:
    def at(n: int, kind: str, who: tuple[int, str], repo: tuple[int, str], when: str, **fields) -> dict:
        return event(n, kind, actor=who, repo=repo, created_at=when, **fields)

    return [
        at(1, "IssuesEvent", LI, USAPP, "2024-01-02T00:00:00Z", action="opened", number=1),
        at(2, "IssueCommentEvent", LI, USAPP, "2024-01-03T00:00:00Z", number=1, comment_id=501),
        at(3, "IssuesEvent", LI, LONE, "2024-01-04T00:00:00Z", action="opened", number=1),
        at(4, "IssuesEvent", BOB, CNLIB, "2024-01-05T00:00:00Z", action="opened", number=1),
        at(5, "IssueCommentEvent", BOB, CNLIB, "2024-01-06T00:00:00Z", number=1, comment_id=502),
        at(6, "IssueCommentEvent", LI, CNLIB, "2024-01-07T00:00:00Z", number=1, comment_id=503),
        at(7, "WatchEvent", LI, ACME, "2024-01-08T00:00:00Z"),
        at(8, "IssueCommentEvent", BOB, ACME, "2024-01-09T00:00:00Z", number=9, comment_id=504),
        at(9, "WatchEvent", ANN, USAPP, "2024-01-10T00:00:00Z"),
        at(10, "WatchEvent", LI, CNLIB, "2024-02-01T00:00:00Z"),
    ]


# Global OpenRank as `analyze openrank` stores it (lone/tool's is no Division-0 or Company repository's).
GLOBAL = [(ACME[0], "2024-01", 1.5), (ACME[0], "2024-02", 1.0), (USAPP[0], "2024-01", 2.0),
          (CNLIB[0], "2024-01", 3.0), (CNLIB[0], "2024-02", 0.5), (LONE[0], "2024-01", 4.0)]  # fmt: skip
# acme/rocket's community OpenRank as `analyze community-openrank` stores it (its values are tested elsewhere):
# its other repositories have none, so OpenDigger's normalisation shares their global OpenRank by activity.
COMMUNITY = [
    (ACME[0], "2024-01", "developer", BOB[0], BOB[1], 3.0),
    (ACME[0], "2024-01", "developer", ANN[0], ANN[1], 1.0),
    (ACME[0], "2024-01", "developer", 99, "dep[bot]", 1.0),  # a bot: left out of the shares
    (ACME[0], "2024-01", "issue", 9, "an issue", 5.0),
    (ACME[0], "2024-01", "repo", ACME[0], ACME[1], 0.5),
    (ACME[0], "2024-02", "developer", BOB[0], BOB[1], 1.0),
]


def _label_rows(store: Store) -> None:
    store.replace_rows(
        "labels",
        ("id", "type", "name", "parents", "imported_at"),
        [(*label, json.dumps(PARENTS.get(label[0], [])), "-") for label in LABELS],
    )
    store.replace_rows("label_entities", ("label_id", "entity_type", "entity_id", "name"), ENTITIES)
    store.upsert("openrank", [{"kind": "repo", "entity_id": r, "month": m, "value": v} for r, m, v in GLOBAL])
    store.replace_rows("community_openrank", ("repo_id", "month", "node_type", "node_id", "name", "value"), COMMUNITY)


WINDOW = opendigger.Window("2024-01", "2024-03")


@pytest.fixture(scope="module")
def hour(tmp_path_factory):
    return write_hour(tmp_path_factory.mktemp("labels") / "2024-01-01-0.json.gz", story())


@pytest.fixture(scope="module")
def store(hour, tmp_path_factory):
    with Store(tmp_path_factory.mktemp("labels-db") / "e.db") as store:
        import_gharchive(store, [hour], all_repos=True)
        _label_rows(store)
        yield store


@pytest.fixture(scope="module")
def labels(store):
    return opendigger.compute_labels(store, lambda text: store.conn.execute(text).fetchall(), SQLITE_EVENTS, WINDOW)


def test_a_country_counts_its_developers_work_in_the_types_repositories(labels):
    cn = labels[":divisions/CN"].values
    # Division-0's repositories: cn-team/lib, usco/app. CN's events: those of cn-team/lib (4, 5, 6, 10)
    # and li's in usco/app (1, 2); li's in lone/tool (3, no Division-0 label) and acme/rocket (7) are not.
    # chaossIssuesNew, distinct issues: usco/app #1 (1) and cn-team/lib #1 (4): 2, the same number in two repos
    assert cn["issues_new"] == {"2024-01": 2, "2024Q1": 2, "2024": 2}
    # repoIssueComments, COUNT() of the joined rows: 2 (li) + 5 (repo) + 6 (repo and li: two rows) = 1 + 1 + 2
    assert cn["issue_comments"] == {"2024-01": 4, "2024Q1": 4, "2024": 4}
    # repoParticipants: li, bob
    assert cn["participants"] == {"2024-01": 2, "2024Q1": 2, "2024": 2}
    # chaossIssuesAndChangeRequestActive: usco/app #1, cn-team/lib #1
    assert cn["issues_and_change_request_active"] == {"2024-01": 2, "2024Q1": 2, "2024": 2}
    # repoStars: li's star of cn-team/lib in February (10); ann's of usco/app (9) is not China's
    assert cn["stars"] == {"2024-02": 1, "2024Q1": 1, "2024": 1}
    # getRepoActivity, per (repo, developer, month) row, each joined row summed:
    #   usco/app li: sqrt(2.2235 * 1 issue + 0.5252 * 1 comment) = sqrt(2.7487) = 1.657920, one row (li)
    #   cn-team/lib bob: the same 1.657920, one row (the repo)
    #   cn-team/lib li: sqrt(0.5252) = 0.724707, two rows (the repo and li)
    #   1.657920 + 1.657920 + 2 * 0.724707 = 4.765254 -> 4.77
    assert cn["activity"] == {"2024-01": 4.77, "2024Q1": 4.77, "2024": 4.77}
    # the details are the joined rows, ROUND(activity, 2), highest first
    assert cn["activity_details"]["2024-01"] == [["bob", 1.66], ["li", 1.66], ["li", 0.72], ["li", 0.72]]


def test_a_country_without_listed_developers_is_its_repositories(labels):
    us = labels[":divisions/US"].values
    # usco/app's events: 1, 2 (li), 9 (ann's star)
    assert us["issues_new"] == {"2024-01": 1, "2024Q1": 1, "2024": 1}
    assert us["issue_comments"] == {"2024-01": 1, "2024Q1": 1, "2024": 1}
    assert us["stars"] == {"2024-01": 1, "2024Q1": 1, "2024": 1}
    assert us["activity"] == {"2024-01": 1.66, "2024Q1": 1.66, "2024": 1.66}  # sqrt(2.7487) = 1.657920


def test_a_repository_listed_with_its_organisation_is_joined_twice(labels):
    acme = labels[":companies/acme"].values
    # Company's repositories: acme/rocket only; li is no Company's developer. Event 8 joins the
    # label's Repo row and its Org row: COUNT() 2; the star (7) is one distinct stargazer
    assert acme["issue_comments"] == {"2024-01": 2, "2024Q1": 2, "2024": 2}
    assert acme["stars"] == {"2024-01": 1, "2024Q1": 1, "2024": 1}
    assert acme["participants"] == {"2024-01": 1, "2024Q1": 1, "2024": 1}
    # bob's row sqrt(0.5252) = 0.724707, twice: 1.449414 -> 1.45
    assert acme["activity"] == {"2024-01": 1.45, "2024Q1": 1.45, "2024": 1.45}
    assert acme["activity_details"]["2024-01"] == [["bob", 0.72], ["bob", 0.72]]


def test_community_openrank_details_share_each_repositorys_openrank_among_its_developers(labels):
    """monthlyExport.ts exportLabelMetrics: indices.ts getRepoCommunityOpenrank (limit 100) over the
    normalized_community_openrank rows (scripts/importNormalizedCommunityOpenrank.ts): per repository and
    month, its global OpenRank g shared among its developers who are not bots, g * x / sum(x), x each one's
    community OpenRank where it was computed, else each one's activity; stored as Float32. Per label,
    period and developer the SUM over the joined rows (getLabelJoinClause), highest first:
    [platform, id (a UInt64, quoted by ClickHouse's JSON), login, sum]."""
    acme = labels[":companies/acme"].values["community_openrank_details"]
    # acme/rocket, community OpenRank (dep[bot] left out): Jan 1.5 * 3 / (3 + 1) = 1.125 (bob), 1.5 * 1 / 4
    # = 0.375 (ann); Feb 1.0 * 1 / 1 = 1 (bob). Joined twice (the label lists the repo and its org): 2.25, 0.75;
    # 2; the quarter and year bob 2.25 + 2 = 4.25, ann 0.75
    assert acme == {
        "2024-01": [["GitHub", "32", "bob", 2.25], ["GitHub", "33", "ann", 0.75]],
        "2024-02": [["GitHub", "32", "bob", 2]],
        "2024Q1": [["GitHub", "32", "bob", 4.25], ["GitHub", "33", "ann", 0.75]],
        "2024": [["GitHub", "32", "bob", 4.25], ["GitHub", "33", "ann", 0.75]],
    }
    # usco/app has no community OpenRank: by activity (basicActivitySqlComponent), li alone in January
    # (ann only starred): 2.0 * a / a = 2
    us = labels[":divisions/US"].values["community_openrank_details"]
    assert us == {key: [["GitHub", "31", "li", 2]] for key in ("2024-01", "2024Q1", "2024")}
    # China: li's row of usco/app joins its developer row: 2. cn-team/lib, January, by activity:
    # bob sqrt(2.2235 + 0.5252) = a = 1.657920, li sqrt(0.5252) = b = 0.724707, a + b = 2.382627;
    # bob 3 * a / 2.382627 = 2.087511, as Float32 2.0875113010406494; li 3 * b / 2.382627 = 0.912489,
    # as Float32 0.9124887585639954, joined twice (the repository and li): li 2 + 2 * 0.9124887585639954
    # = 3.824977517. February: cn-team/lib has only li's star, no activity; lone/tool (4.0) is no
    # Division-0 repository, so li's work there is not China's
    cn = labels[":divisions/CN"].values["community_openrank_details"]
    assert set(cn) == {"2024-01", "2024Q1", "2024"}
    (li, li_id, li_value), (bob, bob_id, bob_value) = [(row[2], row[1], row[3]) for row in cn["2024-01"]]
    assert (li, li_id, bob, bob_id) == ("li", "31", "bob", "32")
    assert li_value == pytest.approx(3.8249775171279907, abs=1e-12)
    assert bob_value == pytest.approx(2.0875113010406494, abs=1e-12)


def test_meta_json_of_repositories_developers_and_labels(store, labels):
    """monthlyExport.ts: processMetric writes meta.json of each repo, user and label of getRepoActivity,
    getUserActivity and repoStars ({updatedAt, type, id}); exportLabelData adds a repo's labels,
    exportUserInfo a user's info, exportLabelMeta a label's name, type, parents and top 5 repos."""
    from ecometrics.analysis.opendigger_meta import meta_files

    rows = lambda text: store.conn.execute(text).fetchall()  # noqa: E731
    repos = opendigger.compute(rows, SQLITE_EVENTS, WINDOW)
    developers = opendigger.compute_developers(rows, SQLITE_EVENTS, WINDOW)
    store.replace_rows("profiles", ("node_id", "account_id", "login", "type", "location", "company", "fetched_at"),
                       [("U_li", LI[0], LI[1], "User", "Hangzhou", None, "-")])  # fmt: skip
    metas = meta_files(store, rows, SQLITE_EVENTS, WINDOW, repos.values(), developers.values(), labels.values())
    # updatedAt: the newest event of the range (event 10, 2024-02-01T00:00:00Z = 1706745600 s), not the clock
    stamp = {"updatedAt": 1706745600000}
    # exportLabelData: the labels of types Project, Community, Foundation, Company, Tech-0, University-0,
    # Institution-0, Division-0 listing the repo or its organisation, once each (arrayDistinct), by
    # priority, highest first (Division-0 8 ... Community 3 ... Project 1); lone/tool has none
    assert metas["usco/app"] == {**stamp, "type": "repo", "id": USAPP[0], "labels": [
        {"id": ":divisions/US", "name": "United States", "type": "Division-0"},
        {"id": ":communities/usfriends", "name": "US Friends", "type": "Community"},
    ]}  # fmt: skip
    assert metas["acme/rocket"]["labels"] == [{"id": ":companies/acme", "name": "Acme", "type": "Company"}]
    assert metas["lone/tool"] == {**stamp, "type": "repo", "id": LONE[0]}
    # exportUserInfo: {location, bio, name, company}, undefined ones dropped by JSON.stringify
    assert metas["li"] == {**stamp, "type": "user", "id": LI[0], "info": {"location": "Hangzhou"}}
    assert metas["bob"] == {**stamp, "type": "user", "id": BOB[0]}
    assert "ann" not in metas  # she only starred: no activity
    # exportLabelMeta: id, name, label_type; parents of the exported types (the Community one is not);
    # repos: global OpenRank from the year before the newest event's (2023) on, the organisation's summed
    # over its repos: acme 1.5 + 1.0 = 2.5 and acme/rocket 2.5, highest first (a tie: by name), a repo under
    # an organisation listed before it left out, the first 5
    assert metas[":companies/acme"] == {
        **stamp, "type": "label", "id": ":companies/acme", "name": "Acme", "label_type": "Company",
        "labels": [{"id": ":divisions/US", "name": "United States", "type": "Division-0"}],
        "repos": [{"platform": "GitHub", "name": "acme"}],
    }  # fmt: skip
    # China lists cn-team/lib (3.0 + 0.5) and li, who is no repository
    assert metas[":divisions/CN"]["repos"] == [{"platform": "GitHub", "name": "cn-team/lib"}]
    assert ":communities/usfriends" not in metas


def _one_pass_and_per_grain(rows, schema) -> list[tuple[list, list]]:
    """counts_sql over every grain at once and grain by grain, for a label's join and without one."""
    joined = sql.joined_rows_sql([ACME[0]], [USAPP[0]], [LI[0]])
    pairs = []
    for repo_ids, label in (((), None), ((ACME[0], CNLIB[0], USAPP[0]), joined)):
        for by_repo in (False, True):
            kw = {"since": "2024-01-01", "until": "2024-03-01", "repo_ids": repo_ids, "by_repo": by_repo}
            one = sorted(map(tuple, rows(sql.counts_sql(schema, sql.GRAINS, joined=label, **kw))), key=repr)
            each = [tuple(r) for g in sql.GRAINS for r in rows(sql.counts_sql(schema, g, joined=label, **kw))]
            pairs.append((one, sorted(each, key=repr)))
    return pairs


def test_one_pass_over_the_grains_counts_what_each_grain_counts(store):
    # the label counts read every grain in one pass; each grain's rows are those of its own query
    for one, each in _one_pass_and_per_grain(lambda text: store.conn.execute(text).fetchall(), SQLITE_EVENTS):
        assert one == each and {row[1] for row in one} >= {"2024-01", "2024Q1", "2024"}


def test_chdb_writes_the_same_label_files(hour, labels, tmp_path):
    pytest.importorskip("chdb", reason="the archive extra is not installed: pip install 'ecometrics[archive]'")
    from ecometrics.analysis.activity_sql import ENGINE_EVENTS
    from ecometrics.collector.archive_engine import import_files, open_engine

    with Store(tmp_path / "engine.db") as store, open_engine("chdb", store) as engine:
        _label_rows(store)
        import_files(engine, [hour])
        found = opendigger.compute_labels(store, engine.rows, ENGINE_EVENTS, WINDOW)
        for one, each in _one_pass_and_per_grain(engine.rows, ENGINE_EVENTS):  # ARRAY JOIN as CROSS JOIN
            assert one == each and {row[1] for row in one} >= {"2024-01", "2024Q1", "2024"}
    write_tree([], tmp_path / "sqlite", labels=labels.values())
    write_tree([], tmp_path / "chdb", labels=found.values())
    ours = {p.relative_to(tmp_path / "sqlite"): p.read_bytes() for p in (tmp_path / "sqlite").rglob("*.json")}
    theirs = {p.relative_to(tmp_path / "chdb"): p.read_bytes() for p in (tmp_path / "chdb").rglob("*.json")}
    # acme 6 files, CN 7, US 7 (the ones with a value), each also openrank and community_openrank_details
    assert len(ours) == 26
    assert ours == theirs
    # JSON.stringify: a whole number without a point
    assert ours[Path("companies/acme/community_openrank_details.json")] == (
        b'{"2024":[["GitHub","32","bob",4.25],["GitHub","33","ann",0.75]],'
        b'"2024-01":[["GitHub","32","bob",2.25],["GitHub","33","ann",0.75]],"2024-02":[["GitHub","32","bob",2]],'
        b'"2024Q1":[["GitHub","32","bob",4.25],["GitHub","33","ann",0.75]]}'
    )


def test_unrounded_numbers_are_written_as_javascript_writes_them():
    from ecometrics.analysis.opendigger_files import js_number

    # ECMA-262 Number::toString: exponent form below 1e-6 and from 1e21 only, no zero-padded exponent,
    # whole numbers without a point; Python's repr would write 1e-07, 1.5e-05, 2.0, 1.234e+16
    assert [js_number(x) for x in (1e-7, 1.5e-5, 2.0, 1.234e16, 1e21, 0.1 + 0.2, 2.5e-7)] == [
        "1e-7", "0.000015", "2", "12340000000000000", "1e+21", "0.30000000000000004", "2.5e-7",
    ]  # fmt: skip


def test_import_and_compare_read_the_label_folders(hour, tmp_path, capsys):
    """OpenDigger's label files are DIR/{type}/{name}/ (monthlyExport.ts processMetric: ``row.id.substring(1)``),
    beside github/: import and compare read them as a label's (``:companies/acme``)."""
    from ecometrics.jobs.cli import main

    db = str(tmp_path / "cli.db")
    assert main(["--db", db, "import", "gharchive", str(hour), "--all"]) == 0
    with Store(db) as store:
        _label_rows(store)
    out, window = tmp_path / "od", ["--from", "2024-01", "--to", "2024-03"]
    assert main(["--db", db, "export", "opendigger", "--out", str(out), *window]) == 0
    capsys.readouterr()
    assert main(["--db", db, "import", "opendigger", str(out)]) == 0
    # the 26 label files of test_chdb_writes_the_same_label_files, of acme, CN and US
    assert "26 of 3 label(s)" in capsys.readouterr().out
    with Store(db) as store:
        assert store.query("SELECT value FROM opendigger_values WHERE repo = ':divisions/CN' AND metric = 'stars' "
                           "AND period = '2024-02'") == [{"value": 1.0}]  # fmt: skip
    assert main(["--db", db, "compare", "opendigger", str(out), *window]) == 0
    assert ": 0 differ" in capsys.readouterr().out
    # theirs says China had 3 stars in February and acme's ann had 0.5 community OpenRank in January
    (out / "divisions/CN/stars.json").write_text('{"2024":1,"2024-02":3,"2024Q1":1}')
    details = out / "companies/acme/community_openrank_details.json"
    details.write_text(details.read_text().replace('"2024-01":[["GitHub","32","bob",2.25],["GitHub","33","ann",0.75]]',
                                                   '"2024-01":[["GitHub","32","bob",2.25],["GitHub","33","ann",0.5]]'))  # fmt: skip
    assert main(["--db", db, "compare", "opendigger", str(out), *window]) == 0
    printed = capsys.readouterr().out
    assert ": 2 differ" in printed
    assert re.search(r":divisions/CN\s+stars\s+1\s+-2\n", printed)  # 1 - 3
    # a list: the entries in one and not the other, ann's 0.75 and 0.5
    assert re.search(r":companies/acme\s+community_openrank_details\s+1\s+2\.0\n", printed)
