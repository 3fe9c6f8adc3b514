"""OpenDigger's repository metrics on a small GH Archive file, each value worked out by hand.

The file (:func:`story`) is one repository's first quarter of 2024, plus one merge in
2023-06 that only the all-history metrics (new and inactive contributors) see. Every
expected value below is derived from OpenDigger's definition (X-lab2017/open-digger
``src/metrics/chaoss.ts``, ``metrics.ts``, ``indices.ts``; the function is named at each
test) with the arithmetic in a comment; none is produced by the code under test.
"""

from __future__ import annotations

import re

import pytest
from gharchive_fixtures import event, write_hour

from ecometrics.analysis import opendigger
from ecometrics.analysis.activity_sql import SQLITE_EVENTS
from ecometrics.collector.gharchive import import_gharchive
from ecometrics.collector.store import EVENT_PAYLOAD_COLUMNS, Store

REPO = (1001, "acme/rocket")
ALICE, BOB, CAROL, DAVE, ERIN, BOT = (
    (11, "alice"),
    (12, "bob"),
    (13, "carol"),
    (14, "dave"),
    (16, "erin"),
    (15, "ci[bot]"),
)


def _user(who: tuple[int, str]) -> dict:
    return {"id": who[0], "login": who[1], "type": "User"}


def story() -> list[dict]:
    """The events, numbered as the comments below cite them."""
    issue1 = {"user": _user(BOB), "created_at": "2024-01-02T10:00:00Z"}
    issue5 = {"user": _user(CAROL), "created_at": "2024-01-20T12:00:00Z"}
    issue3 = {"user": _user(DAVE), "created_at": "2024-02-01T00:00:00Z"}
    pull2 = {"user": _user(CAROL), "created_at": "2024-01-05T08:00:00Z", "additions": 30, "deletions": 5}
    pull4 = {"user": _user(BOB), "created_at": "2024-02-10T00:00:00Z", "additions": 7, "deletions": 3}
    pull6 = {"user": _user(DAVE), "created_at": "2024-03-05T00:00:00Z", "additions": 1, "deletions": 1}
    pull0 = {"user": _user(ERIN), "created_at": "2023-06-01T00:00:00Z"}

    def at(n: int, kind: str, who: tuple[int, str], when: str, **fields) -> dict:
        return event(n, kind, actor=who, repo=REPO, created_at=when, **fields)

    return [
        at(100, "PullRequestEvent", ALICE, "2023-06-15T00:00:00Z", action="closed", number=100, merged=True,
           item=pull0),
        # January
        at(1, "IssuesEvent", BOB, "2024-01-02T10:00:00Z", action="opened", number=1, item={**issue1, "comments": 0}),
        at(2, "IssueCommentEvent", ALICE, "2024-01-03T09:00:00Z", number=1, comment_id=501, item=issue1),
        at(3, "IssuesEvent", ALICE, "2024-01-06T12:00:00Z", action="closed", number=1, item=issue1),
        at(4, "PullRequestEvent", CAROL, "2024-01-05T08:00:00Z", action="opened", number=2, merged=False,
           item={**pull2, "comments": 0}),
        at(5, "PullRequestReviewCommentEvent", ALICE, "2024-01-05T20:00:00Z", number=2, comment_id=601, item=pull2),
        at(6, "PullRequestEvent", ALICE, "2024-01-08T08:00:00Z", action="closed", number=2, merged=True,
           item=pull2),
        at(7, "WatchEvent", DAVE, "2024-01-10T00:00:00Z"),
        at(8, "WatchEvent", DAVE, "2024-01-11T00:00:00Z"),
        at(9, "ForkEvent", DAVE, "2024-01-12T00:00:00Z"),
        at(10, "WatchEvent", BOB, "2024-01-12T01:00:00Z"),
        at(11, "PushEvent", BOT, "2024-01-12T02:00:00Z", push_id=9001),
        at(20, "IssuesEvent", CAROL, "2024-01-20T12:00:00Z", action="opened", number=5,
           item={**issue5, "comments": 0}),
        at(21, "IssuesEvent", CAROL, "2024-01-25T08:00:00Z", action="closed", number=5, item=issue5),
        # February
        at(12, "IssuesEvent", DAVE, "2024-02-01T00:00:00Z", action="opened", number=3, item={**issue3, "comments": 0}),
        at(13, "IssueCommentEvent", DAVE, "2024-02-02T00:00:00Z", number=3, comment_id=502, item=issue3),
        at(14, "IssueCommentEvent", BOT, "2024-02-03T00:00:00Z", number=3, comment_id=503, item=issue3),
        at(15, "PullRequestEvent", BOB, "2024-02-10T00:00:00Z", action="opened", number=4, merged=False,
           item={**pull4, "comments": 0}),
        at(16, "PullRequestReviewEvent", CAROL, "2024-02-12T00:00:00Z", number=4, review={"state": "approved"},
           item=pull4),
        at(17, "PullRequestEvent", CAROL, "2024-02-15T00:00:00Z", action="closed", number=4, merged=True,
           item=pull4),
        at(22, "IssuesEvent", CAROL, "2024-02-20T00:00:00Z", action="reopened", number=5, item=issue5),
        # March
        at(19, "PullRequestEvent", DAVE, "2024-03-05T00:00:00Z", action="opened", number=6, merged=False,
           item={**pull6, "comments": 0}),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("opendigger")
    path = write_hour(folder / "2024-01-01-0.json.gz", story())
    with Store(folder / "e.db") as store:
        import_gharchive(store, [path], all_repos=True)
        yield store


@pytest.fixture(scope="module")
def ours(store):
    rows = store.conn.execute
    computed = opendigger.compute(
        lambda text: rows(text).fetchall(), SQLITE_EVENTS, opendigger.Window("2024-01", "2024-03")
    )
    assert list(computed) == [REPO[0]]
    assert computed[REPO[0]].name == REPO[1]
    return computed[REPO[0]].values


def test_the_payload_fields_are_stored_and_unknown_ones_are_null(store):
    columns = ", ".join(EVENT_PAYLOAD_COLUMNS)
    merged = store.query(f"SELECT {columns} FROM events WHERE id = '6'")[0]
    # the fixture's pull request: commits 1, additions 30, deletions 5, changed_files 1; no merged_at, closed_at
    assert merged == {
        "issue_created_at": "2024-01-05T08:00:00Z", "issue_closed_at": None, "issue_comments": None,
        "pull_merged_at": None, "pull_commits": 1, "pull_additions": 30, "pull_deletions": 5,
        "pull_changed_files": 1, "pull_review_comments": None, "pull_review_id": None, "pull_review_state": None,
    }  # fmt: skip
    review = store.query("SELECT pull_review_id, pull_review_state FROM events WHERE id = '16'")[0]
    assert review == {"pull_review_id": 3_000_004, "pull_review_state": "approved"}  # 3_000_000 + number 4
    star = store.query(f"SELECT {columns} FROM events WHERE id = '7'")[0]
    assert set(star.values()) == {None}  # a star carries none of them: unknown, not 0


def test_issue_and_change_request_counts(ours):
    # chaossIssuesNew: IssuesEvent opened/reopened, distinct issues. Jan #1, #5; Feb #3, #5 (reopened); Q1 #1 #3 #5
    assert ours["issues_new"] == {"2024-01": 2, "2024-02": 2, "2024Q1": 3, "2024": 3}
    # chaossIssuesClosed: Jan #1 (ev 3), #5 (ev 21)
    assert ours["issues_closed"] == {"2024-01": 2, "2024Q1": 2, "2024": 2}
    # repoIssueComments: IssueCommentEvent created, every row: Jan ev 2; Feb ev 13, 14 (a bot's too)
    assert ours["issue_comments"] == {"2024-01": 1, "2024-02": 2, "2024Q1": 3, "2024": 3}
    # chaossChangeRequests: PullRequestEvent opened: #2, #4, #6
    assert ours["change_requests"] == {"2024-01": 1, "2024-02": 1, "2024-03": 1, "2024Q1": 3, "2024": 3}
    # chaossChangeRequestsAccepted: closed and merged: #2 (Jan), #4 (Feb); #100 is before the window
    assert ours["change_requests_accepted"] == {"2024-01": 1, "2024-02": 1, "2024Q1": 2, "2024": 2}
    # chaossChangeRequestReviews: distinct review comments: 601 (Jan); a review (ev 16) is not one
    assert ours["change_requests_reviews"] == {"2024-01": 1, "2024Q1": 1, "2024": 1}
    # chaossIssuesAndChangeRequestActive: distinct issues of the four types: Jan #1 #2 #5, Feb #3 #4 #5, Mar #6
    assert ours["issues_and_change_request_active"] == {
        "2024-01": 3, "2024-02": 3, "2024-03": 1, "2024Q1": 6, "2024": 6,
    }  # fmt: skip


def test_stars_forks_attention_participants(ours):
    # repoStars: distinct WatchEvent actors: dave (twice), bob -> 2
    assert ours["stars"] == {"2024-01": 2, "2024Q1": 2, "2024": 2}
    # chaossTechnicalFork: ForkEvent rows: 1
    assert ours["technical_fork"] == {"2024-01": 1, "2024Q1": 1, "2024": 1}
    # getAttention: 2 stars + 2 * 1 forker = 4
    assert ours["attention"] == {"2024-01": 4, "2024Q1": 4, "2024": 4}
    # repoParticipants: distinct actors of the four types. Jan bob alice carol; Feb dave ci[bot] bob carol; Mar dave;
    # Q1: alice bob carol dave ci[bot] = 5
    assert ours["participants"] == {"2024-01": 3, "2024-02": 4, "2024-03": 1, "2024Q1": 5, "2024": 5}


def test_contributors_new_and_inactive(ours):
    # chaossContributors: distinct authors of merged pull requests: carol (#2, Jan), bob (#4, Feb)
    assert ours["contributors"] == {"2024-01": 1, "2024-02": 1, "2024Q1": 2, "2024": 2}
    assert ours["contributors_detail"] == {
        "2024-01": ["carol"], "2024-02": ["bob"], "2024Q1": ["bob", "carol"], "2024": ["bob", "carol"],
    }  # fmt: skip
    # chaossNewContributors: first merge over all history: erin 2023-06 (outside), carol Jan, bob Feb
    assert ours["new_contributors"] == {"2024-01": 1, "2024-02": 1, "2024Q1": 2, "2024": 2}
    assert ours["new_contributors_detail"]["2024Q1"] == ["bob", "carol"]
    # chaossInactiveContributors: at T = Feb 1, Mar 1, Apr 1 (month ends) and Apr 1 (Q1's end) erin (last merge
    # 2023-06-15, before T - 6 months = Aug 1, Sep 1, Oct 1) is inactive; carol and bob merged within 6 months.
    # 2024 has not ended by Apr 1: no value.
    assert ours["inactive_contributors"] == {"2024-01": 1, "2024-02": 1, "2024-03": 1, "2024Q1": 1}


def test_code_change_lines(ours):
    # chaossCodeChangeLines: SUM over PullRequestEvent rows (opened and closed alike).
    # Jan: ev 4 + ev 6 = 30 + 30 = 60 added, 5 + 5 = 10 removed; Feb: 7 + 7 = 14, 3 + 3 = 6; Mar: 1, 1
    assert ours["code_change_lines_add"] == {"2024-01": 60, "2024-02": 14, "2024-03": 1, "2024Q1": 75, "2024": 75}
    assert ours["code_change_lines_remove"] == {"2024-01": 10, "2024-02": 6, "2024-03": 1, "2024Q1": 17, "2024": 17}
    # by sum: add - remove; Mar 1 - 1 = 0 is the default, left out
    assert ours["code_change_lines_sum"] == {"2024-01": 50, "2024-02": 8, "2024Q1": 58, "2024": 58}


def test_activity_and_bus_factor(ours):
    # basicActivitySqlComponent: sqrt(0.5252 comments + 2.2235 issues + 4.0679 PRs + 0.7427 review comments
    # + 2.0339 merged PRs credited to the author).
    # Jan: bob sqrt(2.2235) = 1.49114; alice sqrt(0.5252 + 0.7427) = 1.12601;
    #      carol sqrt(4.0679 + 2.0339 + 2.2235) = sqrt(8.3253) = 2.88536        -> sum 5.50251 -> 5.5
    # Feb: dave sqrt(2.2235 + 0.5252) = 1.65792; bob sqrt(4.0679 + 2.0339) = 2.47018; ci[bot] sqrt(0.5252) = 0.72471;
    #      carol 0 (a reopening) is left out                                     -> sum 4.85281 -> 4.85
    # Mar: dave sqrt(4.0679) = 2.01690 -> 2.02; Q1 = 5.50251 + 4.85281 + 2.01690 = 12.37222 -> 12.37
    assert ours["activity"] == {"2024-01": 5.5, "2024-02": 4.85, "2024-03": 2.02, "2024Q1": 12.37, "2024": 12.37}
    assert ours["activity_details"]["2024-01"] == [["carol", 2.89], ["bob", 1.49], ["alice", 1.13]]
    assert ours["activity_details"]["2024Q1"] == [
        ["carol", 2.89], ["bob", 2.47], ["dave", 2.02], ["dave", 1.66], ["bob", 1.49], ["alice", 1.13],
        ["ci[bot]", 0.72],
    ]  # fmt: skip
    # chaossBusFactor: counts ceil(activity), bots out; quantileExactWeighted(0.5)(c, c) = the least c whose
    # cumulative weight reaches ceil(total / 2).
    # Jan: bob 2, alice 2, carol 3: weights 2->4, 3->3, total 7, ceil(3.5) = 4 reached at 2 -> all three
    # Feb: dave 2, bob 3, carol 0: weights 0->0, 2->2, 3->3, total 5, ceil(2.5) = 3 reached at 3 -> bob
    # Mar: dave 3 -> dave
    # Q1 (distinct over the quarter): bob #1 #4 open + #4 merged = sqrt(8.3253) -> 3; alice 2; carol 3;
    #     dave sqrt(2.2235 + 0.5252 + 4.0679) = 2.61 -> 3: weights 2->2, 3->9, total 11, ceil(5.5) = 6 reached at 3
    assert ours["bus_factor"] == {"2024-01": 3, "2024-02": 1, "2024-03": 1, "2024Q1": 3, "2024": 3}
    assert ours["bus_factor_detail"] == {
        "2024-01": [["carol", 3], ["alice", 2], ["bob", 2]],
        "2024-02": [["bob", 3]],
        "2024-03": [["dave", 3]],
        "2024Q1": [["bob", 3], ["carol", 3], ["dave", 3]],
        "2024": [["bob", 3], ["carol", 3], ["dave", 3]],
    }


def test_active_dates_and_times(ours):
    # chaossActiveDatesAndTimes (normalize 10): March's one event, Tuesday 2024-03-05 00h -> (2 - 1) * 24 + 0 = 24,
    # round(1 * 10 / 1) = 10; every other hour 0
    assert ours["active_dates_and_times"]["2024-03"] == [10 if hour == 24 else 0 for hour in range(168)]
    # January's 13 events fall in 12 (weekday, hour) slots (2024-01-01 is a Monday); Saturday 12h holds two
    # (Jan 6 and Jan 20): round(2 * 10 / 2) = 10 there, round(1 * 10 / 2) = 5 (half to even) in the 11 others
    january = ours["active_dates_and_times"]["2024-01"]
    assert january[(6 - 1) * 24 + 12] == 10 and january[(5 - 1) * 24 + 1] == 5
    assert sorted(value for value in january if value) == [5] * 11 + [10]


def test_issue_time_metrics(ours):
    # chaossResponseTime (issue): #1 opened Jan 2, alice comments Jan 3 -> 1 day; #5 opened Jan 20, closed Jan 25
    # (a closing is a response) -> 5; #3 opened Feb 1, only its author and a bot comment -> 15 (no response).
    # Jan [1, 5]: avg 3, quantiles 1, 2, 3, 4, 5; levels (<= 3, 7, 15, more) [1, 1, 0, 0]
    # Q1 [1, 5, 15]: avg 7, quantile positions 0, 0.5, 1, 1.5, 2 -> 1, 3, 5, 10, 15
    assert ours["issue_response_time"] == {
        "avg": {"2024-01": 3, "2024-02": 15, "2024Q1": 7, "2024": 7},
        "levels": {"2024-01": [1, 1, 0, 0], "2024-02": [0, 0, 1, 0], "2024Q1": [1, 1, 1, 0], "2024": [1, 1, 1, 0]},
        "quantile_0": {"2024-01": 1, "2024-02": 15, "2024Q1": 1, "2024": 1},
        "quantile_1": {"2024-01": 2, "2024-02": 15, "2024Q1": 3, "2024": 3},
        "quantile_2": {"2024-01": 3, "2024-02": 15, "2024Q1": 5, "2024": 5},
        "quantile_3": {"2024-01": 4, "2024-02": 15, "2024Q1": 10, "2024": 10},
        "quantile_4": {"2024-01": 5, "2024-02": 15, "2024Q1": 15, "2024": 15},
    }
    # chaossResolutionDuration (issue, by open): only #1 ends closed (#5 was reopened, #3 is open):
    # created Jan 2 10:00, closed Jan 6 12:00 -> 4 days, level 1 (<= 7)
    four = {"2024-01": 4, "2024Q1": 4, "2024": 4}
    assert ours["issue_resolution_duration"] == {
        "avg": four, "levels": dict.fromkeys(four, [0, 1, 0, 0]), **{f"quantile_{q}": four for q in range(5)},
    }  # fmt: skip
    # chaossAge (issue): open at T with opened < T <= closed (never closed: T <= Apr 1). At Feb 1 none (#3 opens
    # at Feb 1 00:00, not before); at Mar 1 #3, Feb 1 -> Mar 1 = 29 days (<= 30: level 1); at Apr 1 29 + 31 = 60
    # (<= 60: level 2), also Q1's end. 2024 has not ended.
    assert ours["issue_age"] == {
        "avg": {"2024-02": 29, "2024-03": 60, "2024Q1": 60},
        "levels": {"2024-02": [0, 1, 0, 0], "2024-03": [0, 0, 1, 0], "2024Q1": [0, 0, 1, 0]},
        **{f"quantile_{q}": {"2024-02": 29, "2024-03": 60, "2024Q1": 60} for q in range(5)},
    }


def test_change_request_time_metrics(ours):
    # chaossResponseTime (change request): #2 opened Jan 5 08:00, alice's review comment Jan 5 20:00 -> 0 days;
    # #4 opened Feb 10, carol's review Feb 12 -> 2; #6 opened Mar 5, no response -> 15.
    # Q1 [0, 2, 15]: avg 17 / 3 = 5.67; quantiles 0, 1, 2, 8.5, 15; a 0 is a value, not OpenDigger's default (NaN)
    assert ours["change_request_response_time"]["avg"] == {
        "2024-01": 0, "2024-02": 2, "2024-03": 15, "2024Q1": 5.67, "2024": 5.67,
    }  # fmt: skip
    assert ours["change_request_response_time"]["quantile_3"]["2024Q1"] == 8.5  # 2 + 0.5 * (15 - 2)
    assert ours["change_request_response_time"]["levels"]["2024Q1"] == [2, 0, 1, 0]
    # chaossResolutionDuration (change request): #2 Jan 5 -> Jan 8 = 3; #4 Feb 10 -> Feb 15 = 5; Q1 avg 4
    assert ours["change_request_resolution_duration"]["avg"] == {"2024-01": 3, "2024-02": 5, "2024Q1": 4, "2024": 4}
    assert ours["change_request_resolution_duration"]["quantile_1"]["2024Q1"] == 3.5  # 3 + 0.25 * 2
    assert ours["change_request_resolution_duration"]["levels"]["2024Q1"] == [1, 1, 0, 0]
    # chaossAge (change request): at Apr 1 #6 is open, Mar 5 -> Apr 1 = 27 days (<= 30: level 1)
    assert ours["change_request_age"]["avg"] == {"2024-03": 27, "2024Q1": 27}
    assert ours["change_request_age"]["levels"] == {"2024-03": [0, 1, 0, 0], "2024Q1": [0, 1, 0, 0]}


def test_october_2021_is_estimated_as_opendigger_does():
    # monthlyExport.ts: 2021-10-raw keeps the count; 2021-10 = round(0.15 Aug + 0.35 Sep + 0.35 Nov + 0.15 Dec);
    # a missing Aug takes Dec, a missing Sep takes Nov: 0.15 * 40 + 0.35 * 30 + 0.35 * 30 + 0.15 * 40 = 33
    values = {
        "stars": {"2021-10": 5, "2021-09": 0, "2021-11": 30, "2021-12": 40},
        "code_change_lines_add": {"2021-10": 5},
    }
    opendigger._estimate_data_loss(values)
    assert values["stars"]["2021-10"] == 33 and values["stars"]["2021-10-raw"] == 5
    assert values["code_change_lines_add"] == {"2021-10": 5}  # disableDataLoss


@pytest.fixture(scope="module")
def cli_db(tmp_path_factory):
    from ecometrics.jobs.cli import main

    folder = tmp_path_factory.mktemp("cli")
    hour = write_hour(folder / "2024-01-01-0.json.gz", story())
    db = str(folder / "cli.db")
    assert main(["--db", db, "import", "gharchive", str(hour), "--all"]) == 0
    return db


def test_export_writes_opendigger_files_byte_for_byte(cli_db, tmp_path, capsys):
    from ecometrics.jobs.cli import main

    out = tmp_path / "od"
    assert (
        main(["--db", cli_db, "export", "opendigger", "--out", str(out), "--from", "2024-01", "--to", "2024-03"]) == 0
    )
    assert "of 1 repo(s), 5 developer(s) and 0 label(s), 2024-01 to 2024-03" in capsys.readouterr().out
    folder = out / "github" / "acme" / "rocket"
    # JSON.stringify of the object monthlyExport.ts fills month, quarter, year: integer keys (years) first
    assert (folder / "stars.json").read_text() == '{"2024":2,"2024-01":2,"2024Q1":2}'
    assert (folder / "contributors_detail.json").read_text() == (
        '{"2024":["bob","carol"],"2024-01":["carol"],"2024-02":["bob"],"2024Q1":["bob","carol"]}'
    )
    assert (folder / "issue_resolution_duration.json").read_text() == (
        '{"avg":{"2024":4,"2024-01":4,"2024Q1":4},"levels":{"2024":[0,1,0,0],"2024-01":[0,1,0,0],'
        '"2024Q1":[0,1,0,0]},' + ",".join(f'"quantile_{q}":{{"2024":4,"2024-01":4,"2024Q1":4}}' for q in range(5)) + "}"
    )
    assert not (folder / "issues_new-raw.json").exists()
    # each metric has a value here but openrank (no global OpenRank computed in this store)
    assert set(opendigger.FILES) - {path.stem for path in folder.iterdir()} == {"openrank"}
    assert len(list(folder.iterdir())) == 32  # the 31 metric files and meta.json
    # monthlyExport.ts processMetric (getRepoActivity): {updatedAt, type, id}; updatedAt the newest event of the
    # range, ev 19 at 2024-03-05T00:00:00Z: 1704067200 (2024-01-01) + (31 + 29 + 4) * 86400 = 1709596800 s;
    # no labels (exportLabelData: none imported)
    assert (folder / "meta.json").read_text() == '{"updatedAt":1709596800000,"type":"repo","id":1001}'
    assert (out / "github" / "bob" / "meta.json").read_text() == '{"updatedAt":1709596800000,"type":"user","id":12}'
    # the one push's commit (ev 11, ci[bot]) has no e-mail: '' (contributorEmailSuffixes: splitByChar of '')
    assert (
        folder / "contributor_email_suffixes.json"
    ).read_text() == '{"2024":[["",1]],"2024-01":[["",1]],"2024Q1":[["",1]]}'
    # getUserActivity: bob's activity per month (sqrt(2.2235) = 1.49114 in Jan, sqrt(4.0679 + 2.0339) = 2.47018
    # in Feb), summed per period: 3.96132 -> 3.96; his distinct counts summed likewise
    developer = out / "github" / "bob"
    assert (developer / "activity.json").read_text() == '{"2024":3.96,"2024-01":1.49,"2024-02":2.47,"2024Q1":3.96}'
    assert (developer / "merged_pull.json").read_text() == '{"2024":1,"2024-02":1,"2024Q1":1}'
    assert sorted(path.name for path in developer.glob("*.json")) == [
        "activity.json", "merged_pull.json", "meta.json", "open_issue.json", "open_pull.json",
    ]  # fmt: skip
    # a bot is a developer too (getUserActivity withBot true): ci[bot]'s comment, sqrt(0.5252) = 0.72
    assert (out / "github" / "ci[bot]" / "activity.json").read_text() == '{"2024":0.72,"2024-02":0.72,"2024Q1":0.72}'
    assert not (out / "github" / "erin").exists()  # her merge is before the window


def test_import_then_compare_against_our_own_export_reports_no_difference(cli_db, tmp_path, capsys):
    from ecometrics.jobs.cli import main

    out = tmp_path / "od"
    window = ["--from", "2024-01", "--to", "2024-03"]
    assert main(["--db", cli_db, "export", "opendigger", "--out", str(out), *window]) == 0
    assert main(["--db", cli_db, "import", "opendigger", str(out)]) == 0
    # 31 files of the repo; the developers' 3 (alice) + 4 (bob) + 4 (carol) + 4 (dave) + 2 (ci[bot])
    assert "48 metric file(s) of 1 repo(s) and 5 developer(s)" in capsys.readouterr().out
    with Store(cli_db) as store:
        stored = store.query("SELECT value FROM opendigger_values WHERE repo = 'acme/rocket' AND metric = 'stars' "
                             "AND period = '2024-01'")  # fmt: skip
        assert stored == [{"value": 2.0}]
        assert store.query("SELECT detail FROM opendigger_values WHERE metric = 'bus_factor_detail' AND period = "
                           "'2024-02'") == [{"detail": '[["bob",3]]'}]  # fmt: skip
    assert main(["--db", cli_db, "compare", "opendigger", str(out), *window]) == 0
    assert ": 0 differ" in capsys.readouterr().out
    # theirs says 5 stars in January and lists another contributor: both reported, with by how much
    (out / "github/acme/rocket/stars.json").write_text('{"2024":2,"2024-01":5,"2024Q1":2}')
    (out / "github/acme/rocket/contributors_detail.json").write_text('{"2024-01":["carol","zed"]}')
    report = tmp_path / "differences.csv"
    assert main(["--db", cli_db, "compare", "opendigger", str(out), *window, "--out", str(report)]) == 0
    printed = capsys.readouterr().out
    assert ": 4 differ" in printed  # stars 2024-01, contributors_detail 2024-01, 02 (missing), Q1
    # per repo and metric: how many values differ and the largest difference
    assert re.search(r"acme/rocket\s+stars\s+1\s+-3\n", printed)
    # 2024-01 [carol] vs [carol, zed]: 1 entry; 2024-02 and 2024Q1 are missing there (no size); 2024 is not over
    assert re.search(r"acme/rocket\s+contributors_detail\s+3\s+1\.0\n", printed)
    lines = report.read_text().splitlines()
    assert lines[0] == "repo,metric,period,ours,theirs,difference"
    assert "acme/rocket,stars,2024-01,2,5,-3" in lines
    assert 'acme/rocket,contributors_detail,2024-01,"[""carol""]","[""carol"",""zed""]",1.0' in lines


def test_a_bad_opendigger_file_is_skipped_and_named(cli_db, tmp_path, capsys):
    from ecometrics.jobs.cli import main

    folder = tmp_path / "od" / "github" / "acme" / "rocket"
    folder.mkdir(parents=True)
    (folder / "stars.json").write_text('{"2024-01": 3}')
    (folder / "participants.json").write_text('{"2024-13": 3}')  # no 13th month
    (folder / "bus_factor_detail.json").write_text("[1, 2")
    (folder / "meta.json").write_text('{"updatedAt": 1}')  # not a metric file: left alone
    assert main(["--db", cli_db, "import", "opendigger", str(tmp_path / "od")]) == 3
    captured = capsys.readouterr()
    assert "1 metric file(s) of 1 repo(s) and 0 developer(s), 1 other file(s) left alone, 2 bad file(s)" in captured.out
    assert f"{folder / 'participants.json'}: not OpenDigger's participants file" in captured.err
    assert f"{folder / 'bus_factor_detail.json'}: not OpenDigger's bus_factor_detail file" in captured.err
    assert main(["--db", cli_db, "import", "opendigger", str(tmp_path / "nowhere")]) == 2
    assert "not a folder" in capsys.readouterr().err


def test_count_metrics_over_a_window_and_the_first_days_after_creation(cli_db, tmp_path, capsys):
    import polars as pl

    from ecometrics.jobs.cli import main

    out = tmp_path / "window.csv"
    args = ["--db", cli_db, "export", "opendigger_window", "--out", str(out)]
    assert main([*args, "--since", "2024-01-05", "--until", "2024-01-12"]) == 0
    (row,) = pl.read_csv(out).to_dicts()
    # [Jan 5, Jan 12): ev 4 (#2 opened, 30/5 lines), 5 (review comment 601), 3 (#1 closed), 6 (#2 merged, 30/5),
    # 7 and 8 (dave stars twice); the fork (ev 9) is at Jan 12 00:00, outside. Participants carol, alice;
    # carol's first merge (Jan 8) is in it.
    expected = {
        "stars": 1, "technical_fork": 0, "attention": 1, "participants": 2, "issues_new": 0, "issues_closed": 1,
        "issue_comments": 0, "change_requests": 1, "change_requests_accepted": 1, "change_requests_reviews": 1,
        "issues_and_change_request_active": 2, "contributors": 1, "new_contributors": 1,
        "code_change_lines_add": 60, "code_change_lines_remove": 10, "code_change_lines_sum": 50,
    }  # fmt: skip
    assert {key: row[key] for key in expected} == expected
    assert (row["repo"], row["since"], row["until"]) == ("acme/rocket", "2024-01-05T00:00:00Z", "2024-01-12T00:00:00Z")
    # a window past the last stored event (Mar 5): unknown, not 0
    assert main([*args, "--since", "2024-03-01", "--until", "2024-04-01"]) == 0
    (row,) = pl.read_csv(out).to_dicts()
    assert row["stars"] is None and row["participants"] is None
    # the first 10 days after the repository's creation (Jan 2 00:00 -> Jan 12 00:00) add ev 1 (#1 opened by bob)
    # and 2 (alice's comment): participants bob, alice, carol
    with Store(cli_db) as store:
        store.upsert("repos", [{"id": REPO[0], "full_name": REPO[1], "owner": "acme", "name": "rocket",
                                "created_at": "2024-01-02T00:00:00Z"}])  # fmt: skip
    assert main([*args, "--days-after-creation", "10"]) == 0
    (row,) = pl.read_csv(out).to_dicts()
    assert (row["participants"], row["issues_new"], row["issue_comments"], row["stars"]) == (3, 1, 1, 1)
    assert row["until"] == "2024-01-12T00:00:00Z"
    capsys.readouterr()
    assert main([*args]) == 2
    assert "pass --days-after-creation N, or --since YYYY-MM-DD and --until YYYY-MM-DD" in capsys.readouterr().err
    assert main(["--db", cli_db, "export", "repos", "--since", "2024-01-01"]) == 2
    assert "has no --since" in capsys.readouterr().err


def test_a_label_counts_its_repositories_as_one(tmp_path):
    from ecometrics.analysis.opendigger_files import write_tree

    booster, other = (1002, "acme/booster"), (1003, "other/thing")
    extra = [
        event(200, "WatchEvent", actor=DAVE, repo=booster, created_at="2024-01-20T00:00:00Z"),
        event(201, "WatchEvent", actor=ALICE, repo=booster, created_at="2024-01-21T00:00:00Z"),
        event(202, "WatchEvent", actor=ERIN, repo=other, created_at="2024-01-21T00:00:00Z"),
    ]
    path = write_hour(tmp_path / "2024-01-01-0.json.gz", [*story(), *extra])
    with Store(tmp_path / "labels.db") as store:
        import_gharchive(store, [path], all_repos=True)
        store.replace_rows(
            "labels",
            ("id", "type", "name", "parents", "imported_at"),
            [(":companies/acme", "Company", "Acme", "[]", "2024-01-01T00:00:00Z")],
        )
        store.replace_rows(
            "label_entities", ("label_id", "entity_type", "entity_id", "name"), [(":companies/acme", "org", 77, "acme")]
        )
        store.upsert("openrank", [
            {"kind": "repo", "entity_id": rid, "month": "2024-01", "value": value}
            for rid, value in ((REPO[0], 1.0), (booster[0], 0.25), (other[0], 9.0))
        ])  # fmt: skip
        window = opendigger.Window("2024-01", "2024-03")
        labels = opendigger.compute_labels(
            store, lambda text: store.conn.execute(text).fetchall(), SQLITE_EVENTS, window
        )
    acme = labels[":companies/acme"].values
    # repoStars grouped by the label: acme/rocket's dave and bob, acme/booster's dave and alice: 3 distinct actors
    # (not 2 + 2); other/thing is not the label's
    assert acme["stars"] == {"2024-01": 3, "2024Q1": 3, "2024": 3}
    # acme/booster has no event of the four types: the participants are acme/rocket's
    assert acme["participants"] == {"2024-01": 3, "2024-02": 4, "2024-03": 1, "2024Q1": 5, "2024": 5}
    assert acme["activity"]["2024Q1"] == 12.37  # as the repo's (test_activity_and_bus_factor)
    # getRepoOpenrank grouped by the label: SUM over its repositories, 1.0 + 0.25 (other/thing's 9.0 is not its)
    assert acme["openrank"] == {"2024-01": 1.25, "2024Q1": 1.25, "2024": 1.25}
    assert set(acme) <= set(opendigger.LABEL_FILES) and "attention" not in acme
    written, _ = write_tree([], tmp_path / "od", labels=labels.values())
    assert (tmp_path / "od" / "companies" / "acme" / "stars.json").read_text() == '{"2024":3,"2024-01":3,"2024Q1":3}'
    assert written == len(acme)


def test_a_month_without_data_has_no_value_and_partial_months_are_named(cli_db, tmp_path, capsys):
    import json

    from ecometrics.jobs.cli import main

    # The store holds one GH Archive hour (2024-01-01-0, of January's 31 * 24 = 744) and events of 2024-01..03;
    # of 2024-04 and 2024-05 it holds nothing. The all-history metrics would still have a value there:
    # chaossInactiveContributors at May 1 and Jun 1 (erin, last merge 2023-06-15, before Nov 1 and Dec 1) and
    # chaossAge at May 1 (#3 still open, Feb 1 -> May 1 = 29 + 31 + 30 = 90 days). A month without data is
    # missing, not a value: no key, and 2024Q2 (no month of it covered) has none either.
    out = tmp_path / "od"
    assert (
        main(["--db", cli_db, "export", "opendigger", "--out", str(out), "--from", "2024-01", "--to", "2024-05"]) == 0
    )
    captured = capsys.readouterr()
    folder = out / "github" / "acme" / "rocket"
    inactive = json.loads((folder / "inactive_contributors.json").read_text())
    assert inactive == {"2024-01": 1, "2024-02": 1, "2024-03": 1, "2024Q1": 1}
    age = json.loads((folder / "issue_age.json").read_text())
    assert age["avg"] == {"2024-02": 29, "2024-03": 60, "2024Q1": 60}
    # coverage.json beside github/: every month of the range, its GH Archive hours and whether data is held
    coverage = json.loads((out / "coverage.json").read_text())
    assert coverage["from"] == "2024-01" and coverage["to"] == "2024-05"
    assert coverage["months"]["2024-01"] == {
        "hours_held": 1, "hours_in_month": 744, "complete": False, "data": True, "known_loss": None,
    }  # fmt: skip
    # February (29 days: 696 hours): events are held (from the one file), no hour of GH Archive
    assert coverage["months"]["2024-02"]["hours_held"] == 0 and coverage["months"]["2024-02"]["data"] is True
    assert coverage["months"]["2024-04"] == {
        "hours_held": 0, "hours_in_month": 720, "complete": False, "data": False, "known_loss": None,
    }  # fmt: skip
    assert "2024-01 (1 of 744 hours)" in captured.err and "without data: 2024-04, 2024-05" in captured.err
    # the extra file is not a metric file: import leaves it alone
    assert main(["--db", cli_db, "import", "opendigger", str(out)]) == 0


def test_a_known_loss_month_is_named_in_coverage(tmp_path, capsys):
    import json

    from ecometrics.jobs.cli import main

    # one hour of 2021-10 (GH Archive's known loss, gharchive.org#261); 2021-10 has 31 * 24 = 744 hours
    hour = write_hour(tmp_path / "2021-10-05-3.json.gz", [event(1, "WatchEvent", actor=BOB, repo=REPO,
                                                                   created_at="2021-10-05T03:00:00Z")])  # fmt: skip
    db = str(tmp_path / "k.db")
    assert main(["--db", db, "import", "gharchive", str(hour), "--all"]) == 0
    out = tmp_path / "od"
    assert main(["--db", db, "export", "opendigger", "--out", str(out)]) == 0
    month = json.loads((out / "coverage.json").read_text())["months"]["2021-10"]
    assert (month["hours_held"], month["hours_in_month"]) == (1, 744)
    assert "igrigorik/gharchive.org/issues/261" in month["known_loss"]
    assert "known loss: 2021-10" in capsys.readouterr().err


def test_a_window_in_months_without_data_is_null(cli_db, tmp_path):
    import polars as pl

    from ecometrics.jobs.cli import main

    # 2023-09: between the first stored event (2023-06-15) and the last (2024-03-05), yet the store holds no
    # hour and no event of it: unknown, not 0 stars
    out = tmp_path / "window.csv"
    args = ["--db", cli_db, "export", "opendigger_window", "--out", str(out)]
    assert main([*args, "--since", "2023-09-01", "--until", "2023-10-01"]) == 0
    (row,) = pl.read_csv(out).to_dicts()
    assert row["stars"] is None and row["participants"] is None
    # [2024-02-01, 2024-03-05): both months hold events; one change request opened (ev 15, pull #4, Feb 10;
    # pull #6 opens at Mar 5 00:00, outside); no WatchEvent, so 0 stars, a known 0
    assert main([*args, "--since", "2024-02-01", "--until", "2024-03-05"]) == 0
    (row,) = pl.read_csv(out).to_dicts()
    assert row["stars"] == 0 and row["change_requests"] == 1


def test_compare_reports_months_without_data_as_not_covered(cli_db, tmp_path, capsys):
    import json

    from ecometrics.jobs.cli import main

    # The store holds data of 2024-01..03 only (one GH Archive hour of January, events of Jan-Mar); of 2024-04
    # and 2024-05 nothing. Theirs has values there: 7 stars in April; inactive contributors 1 in April, 3 in
    # May and 2 in 2024Q2. Ours would say 0 stars (no file key) and, from the all-history merges, 1 inactive
    # contributor at May 1 and Jun 1 (erin): neither is a difference, each is a value of a month we hold no
    # data of: 1 (stars 04) + 2 (inactive 04, 05) = 3 values not covered; 2024Q2 ends after the window's
    # last month (2024-06 > 2024-05), so it is neither compared nor counted.
    out = tmp_path / "od"
    window = ["--from", "2024-01", "--to", "2024-05"]
    assert main(["--db", cli_db, "export", "opendigger", "--out", str(out), *window]) == 0
    folder = out / "github" / "acme" / "rocket"
    stars = json.loads((folder / "stars.json").read_text())
    (folder / "stars.json").write_text(json.dumps({**stars, "2024-04": 7}))
    inactive = json.loads((folder / "inactive_contributors.json").read_text())
    (folder / "inactive_contributors.json").write_text(
        json.dumps({**inactive, "2024-04": 1, "2024-05": 3, "2024Q2": 2})
    )
    capsys.readouterr()
    assert main(["--db", cli_db, "compare", "opendigger", str(out), *window]) == 0
    printed = capsys.readouterr().out
    assert ": 0 differ" in printed
    assert "3 value(s) of months without data here (2024-04, 2024-05): not covered" in printed


def test_openrank_files_sum_the_stored_global_openrank_per_period(tmp_path, capsys):
    from ecometrics.jobs.cli import main

    hour = write_hour(tmp_path / "2024-01-01-0.json.gz", story())
    db = str(tmp_path / "or.db")
    assert main(["--db", db, "import", "gharchive", str(hour), "--all"]) == 0
    with Store(db) as store:  # global OpenRank as `analyze openrank` stores it (its values are tested elsewhere)
        store.upsert("openrank", [
            {"kind": "repo", "entity_id": REPO[0], "month": "2023-12", "value": 5.0},
            {"kind": "repo", "entity_id": REPO[0], "month": "2024-01", "value": 1.234},
            {"kind": "repo", "entity_id": REPO[0], "month": "2024-02", "value": 2.346},
            {"kind": "repo", "entity_id": REPO[0], "month": "2024-03", "value": 0.001},
            {"kind": "developer", "entity_id": BOB[0], "month": "2024-01", "value": 0.5},
            {"kind": "developer", "entity_id": BOB[0], "month": "2024-02", "value": 0.125},
            {"kind": "developer", "entity_id": ALICE[0], "month": "2024-03", "value": 0.7},
            {"kind": "developer", "entity_id": ALICE[0], "month": "2024-04", "value": 9.0},  # after the range
        ])  # fmt: skip
    out = tmp_path / "od"
    assert main(["--db", db, "export", "opendigger", "--out", str(out), "--from", "2024-01", "--to", "2024-03"]) == 0
    # indices.ts getRepoOpenrank: ROUND(SUM(openrank), 2) of global_openrank per period. Jan 1.234 -> 1.23;
    # Feb 2.346 -> 2.35; Mar 0.001 -> 0, the default, left out; Q1 and 2024 1.234 + 2.346 + 0.001 = 3.581 -> 3.58
    # (2023-12 is outside the range)
    repo = out / "github" / "acme" / "rocket" / "openrank.json"
    assert repo.read_text() == '{"2024":3.58,"2024-01":1.23,"2024-02":2.35,"2024Q1":3.58}'
    # getUserOpenrank: Jan 0.5; Feb 0.125 -> ClickHouse rounds a Float64's half to even: 0.12; Q1 0.625 -> 0.62
    developer = out / "github" / "bob" / "openrank.json"
    assert developer.read_text() == '{"2024":0.62,"2024-01":0.5,"2024-02":0.12,"2024Q1":0.62}'
    assert (out / "github" / "alice" / "openrank.json").read_text() == '{"2024":0.7,"2024-03":0.7,"2024Q1":0.7}'
    assert not (out / "github" / "carol" / "openrank.json").exists()  # none stored of her
    # monthlyExport.ts exportAllRepoList / exportAllUserList: the exported ones with a global OpenRank, by
    # argMax(openrank, created_at) descending (the range's last month here): acme/rocket (2024-03, 0.001);
    # alice (2024-03, 0.7) before bob (2024-02, 0.125)
    assert (out / "repo_list.csv").read_text() == "id,platform,repo_name\n1001,github,acme/rocket\n"
    assert (out / "user_list.csv").read_text() == "id,platform,actor_login\n11,github,alice\n12,github,bob\n"
    # compare reads openrank.json too: ours against ours is no difference; a changed value is one
    capsys.readouterr()
    assert main(["--db", db, "compare", "opendigger", str(out), "--from", "2024-01", "--to", "2024-03"]) == 0
    assert ": 0 differ" in capsys.readouterr().out
    repo.write_text('{"2024-01":1.5}')
    assert main(["--db", db, "compare", "opendigger", str(out), "--from", "2024-01", "--to", "2024-03"]) == 0
    # 2024-01 1.23 vs 1.5 (-0.27); 2024-02 and 2024Q1 theirs lacks (2024 is not wholly in the range)
    printed = capsys.readouterr().out
    assert ": 3 differ" in printed and re.search(r"acme/rocket\s+openrank\s+3\s+-0\.27\n", printed)


def _push(n: int, when: str, commits: list[tuple[str, str | None]], repo: tuple[int, str]) -> dict:
    """A PushEvent whose commits have these authors' names and e-mails (None: the payload has no email)."""
    pushed = event(n, "PushEvent", actor=ALICE, repo=repo, created_at=when, push_id=8000 + n)
    pushed["payload"]["commits"] = [
        {"sha": f"{n:040d}", "author": {"name": name, **({"email": email} if email else {})}, "message": "m"}
        for name, email in commits
    ]
    return pushed


MAIL = (2001, "acme/mail")


def mail_pushes() -> list[dict]:
    """Pushes to acme/mail whose commits carry their authors' e-mails (events 901-906)."""
    return [
        _push(901, "2024-01-05T00:00:00Z", [("alice", "alice@acme.com"), ("alice", "a@acme.com")], MAIL),
        _push(902, "2024-01-06T00:00:00Z", [("bob", "bob@gmail.com")], MAIL),
        _push(903, "2024-01-07T00:00:00Z", [("bob", "bob@acme.com"), ("bob", "bob@acme.com")], MAIL),
        _push(904, "2024-02-02T00:00:00Z", [("carol", "carol-at-nowhere"), ("carol", None)], MAIL),
        _push(905, "2024-02-03T00:00:00Z", [("dave", "dave@mit.edu"), ("dave", "d@mit.edu"), ("erin", "e@acme.com")],
              MAIL),
        event(906, "PushEvent", actor=BOB, repo=MAIL, created_at="2024-03-01T00:00:00Z", push_id=8906),  # no e-mail
    ]  # fmt: skip


def test_contributor_email_suffixes_as_opendigger_counts_them(tmp_path):
    from ecometrics.jobs.cli import main

    hour = write_hour(tmp_path / "2024-01-01-0.json.gz", mail_pushes())
    db = str(tmp_path / "mail.db")
    assert main(["--db", db, "import", "gharchive", str(hour), "--all"]) == 0
    with Store(db) as store:  # the commits' authors as GH Archive gives them; none known of a push without commits
        stored = store.query("SELECT id, push_commit_names, push_commit_emails FROM events ORDER BY id")
    # one entry per commit, '' for a missing e-mail (OpenDigger's Nested push_commits: a row per commit)
    assert stored[3] == {"id": "904", "push_commit_names": '["carol","carol"]',
                         "push_commit_emails": '["carol-at-nowhere",""]'}  # fmt: skip
    assert stored[5] == {"id": "906", "push_commit_names": '["bob"]', "push_commit_emails": '[""]'}
    out = tmp_path / "od"
    assert main(["--db", db, "export", "opendigger", "--out", str(out), "--from", "2024-01", "--to", "2024-03"]) == 0
    # metrics.ts contributorEmailSuffixes: per push, every commit author name x every commit e-mail's part after
    # the first '@' (two arrayJoins of one row: their product); per (period, author) the suffix anyHeavy picks
    # (here always a strict majority); per period [suffix, authors], most authors first.
    # 2024-01: alice: push 1, 2 names x 2 e-mails: acme.com x 4; bob: push 2 gmail.com x 1, push 3 2 x 2 acme.com
    #   x 4 -> acme.com. [["acme.com", 2]]
    # 2024-02: carol: push 904, 2 names x 2 e-mails, one without '@', one '' -> splitByChar('@', x)[2] = '' x 4;
    #   dave: push 905,
    #   2 names x 3 e-mails: mit.edu x 4, acme.com x 2 -> mit.edu; erin: 1 name x 3: mit.edu x 2, acme.com x 1 ->
    #   mit.edu. [["mit.edu", 2], ["", 1]]
    # 2024-03: bob: push 906's commit has no e-mail: '' x 1. [["", 1]]
    # 2024Q1 and 2024: alice acme.com; bob acme.com (gmail.com 1, acme.com 4, '' 1); carol ''; dave and erin
    # mit.edu -> acme.com 2, mit.edu 2, '' 1 (a tie of counts: by suffix)
    suffixes = out / "github" / "acme" / "mail" / "contributor_email_suffixes.json"
    whole = '[["acme.com",2],["mit.edu",2],["",1]]'
    assert suffixes.read_text() == (
        f'{{"2024":{whole},"2024-01":[["acme.com",2]],"2024-02":[["mit.edu",2],["",1]],"2024-03":[["",1]],'
        f'"2024Q1":{whole}}}'
    )


def test_a_login_two_accounts_held_is_the_folder_of_the_one_active_last(tmp_path, capsys):
    """GitHub frees a login when its account renames or is deleted, and another account may take
    it (docs.github.com "Changing your GitHub username"), so two ids can carry one login in GH
    Archive. Their files would share ``github/{login}/``: the account active last holds the login
    now, so its files are written and the other's are not (whatever order an engine returns)."""
    from ecometrics.jobs.cli import main

    former, current = (700_001, "carol"), (13, "carol")  # the higher id used the login first
    events = [
        event(801, "IssuesEvent", actor=former, repo=REPO, created_at="2024-01-03T00:00:00Z", action="opened", number=1),
        event(802, "IssuesEvent", actor=current, repo=REPO, created_at="2024-02-03T00:00:00Z", action="opened", number=2),
    ]  # fmt: skip
    hour = write_hour(tmp_path / "2024-01-01-0.json.gz", events)
    db = str(tmp_path / "logins.db")
    assert main(["--db", db, "import", "gharchive", str(hour), "--all"]) == 0
    out = tmp_path / "od"
    assert main(["--db", db, "export", "opendigger", "--out", str(out), "--from", "2024-01", "--to", "2024-02"]) == 0
    assert "1 repo(s), 1 developer(s)" in capsys.readouterr().out
    # indices.ts getUserActivity: open_issue weighs 2.2235: one issue opened in 2024-02 -> sqrt(2.2235) = 1.49
    assert (out / "github" / "carol" / "activity.json").read_text() == '{"2024":1.49,"2024-02":1.49,"2024Q1":1.49}'
