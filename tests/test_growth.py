"""Growth metrics (SPEC 6.5) on hand-built star histories, events and snapshots.

Every expected number below is counted by hand from the rows this file writes.
"""

import datetime as dt

import polars as pl
import pytest

from ecometrics.analysis import growth
from ecometrics.analysis.export import build_table, write_table
from ecometrics.analysis.lineage import analyze_lineage
from ecometrics.collector.store import Store

AS_OF = dt.datetime(2025, 2, 20, tzinfo=dt.UTC)  # the newest row written below is a snapshot of this day

# lab/fast was created on Wednesday 2025-01-01 00:00 UTC.
FAST_STARS = [
    "2025-01-01T01:00:00Z",  # +1 h                -> first 3 days
    "2025-01-03T00:00:00Z",  # +2 d                -> first 3 days
    "2025-01-03T23:59:59Z",  # just under 3 days   -> first 3 days
    "2025-01-04T00:00:00Z",  # exactly 3 days      -> first 10 days only
    "2025-01-10T00:00:00Z",  # +9 d                -> first 10 days
    "2025-01-16T00:00:00Z",  # +15 d               -> first 30 days
    "2025-01-30T00:00:00Z",  # +29 d               -> first 30 days; in the 30 days up to 2025-02-19
    "2025-02-10T00:00:00Z",  # +40 d               -> in the 30 days up to 2025-02-19 only
]
# lab/new was created 5 days before AS_OF: its 10- and 30-day windows are still open.
NEW_STARS = ["2025-02-15T12:00:00Z", "2025-02-17T00:00:00Z", "2025-02-19T00:00:00Z"]


def event(n, type_, actor_id, login, created_at, repo_id=1, is_bot=0, action="created"):
    return {
        "id": f"e{n}",
        "type": type_,
        "action": action,
        "actor_id": actor_id,
        "actor_login": login,
        "repo_id": repo_id,
        "repo_name": "lab/fast",
        "created_at": created_at,
        "is_bot": is_bot,
        "source": "rest",
    }


@pytest.fixture()
def store(tmp_path):
    store = Store(tmp_path / "growth.db")
    store.upsert(
        "repos",
        [
            {"id": 1, "full_name": "lab/fast", "owner": "lab", "name": "fast", "created_at": "2025-01-01T00:00:00Z"},
            {"id": 2, "full_name": "lab/new", "owner": "lab", "name": "new", "created_at": "2025-02-15T00:00:00Z"},
            {
                "id": 3,
                "full_name": "lab/unharvested",
                "owner": "lab",
                "name": "unharvested",
                "created_at": "2024-06-01T00:00:00Z",
            },
            {"id": 4, "full_name": "lab/quiet", "owner": "lab", "name": "quiet", "created_at": "2024-06-01T00:00:00Z"},
        ],
    )
    store.upsert(
        "repo_snapshots",
        [
            {"repo_id": 1, "date": "2025-02-19", "stars": 8},
            {"repo_id": 2, "date": "2025-02-19", "stars": 3},
            {"repo_id": 3, "date": "2025-02-18", "stars": 400},
            {"repo_id": 3, "date": "2025-02-19", "stars": 500},  # stars, but no star history collected
            {"repo_id": 4, "date": "2025-02-19", "stars": 0},
        ],
    )
    store.upsert(
        "stargazers",
        [
            *({"repo_id": 1, "user_id": 100 + i, "login": f"u{i}", "starred_at": t} for i, t in enumerate(FAST_STARS)),
            *({"repo_id": 2, "user_id": 200 + i, "login": f"v{i}", "starred_at": t} for i, t in enumerate(NEW_STARS)),
        ],
    )
    store.upsert("developers", [{"id": 15, "login": "helper", "is_bot": 1}])
    store.upsert(
        "events",
        [
            event(1, "IssuesEvent", 10, "ada", "2025-01-02T00:00:00Z", action="opened"),
            event(2, "IssueCommentEvent", 11, "bob", "2025-01-06T00:00:00Z"),
            event(3, "IssueCommentEvent", 10, "ada", "2025-01-07T00:00:00Z"),  # ada again: one participant
            event(4, "PullRequestEvent", 12, "dependabot[bot]", "2025-01-03T00:00:00Z", action="opened"),
            event(5, "PushEvent", 13, "cy", "2025-01-02T00:00:00Z", action=None),  # a push is not participation
            event(6, "PullRequestReviewCommentEvent", 14, "dee", "2025-01-21T00:00:00Z"),  # day 20
            event(7, "IssueCommentEvent", 15, "helper", "2025-01-04T00:00:00Z"),  # marked as bot by a collector
            event(8, "IssueCommentEvent", 16, "github-actions", "2025-01-05T00:00:00Z"),  # a known bot login
            event(9, "IssueCommentEvent", 18, "eve", "2025-01-06T00:00:00Z", is_bot=1),  # marked as bot by a collector
            event(10, "IssueCommentEvent", 17, "fay", "2025-02-05T00:00:00Z"),  # day 35: after the first 30 days
            # lab/quiet's activity is collected from its first days on, with no participant: zero, not unknown.
            event(11, "PushEvent", 13, "cy", "2024-06-05T00:00:00Z", repo_id=4, action=None),
            # lab/unharvested's collected activity starts months after its launch.
            event(12, "IssueCommentEvent", 11, "bob", "2025-02-01T00:00:00Z", repo_id=3),
        ],
    )
    store.upsert(
        "models",
        [
            {
                "id": "Qwen/base",
                "author": "Qwen",
                "created_at": "2024-12-01T00:00:00Z",
                "children_count": {"finetune": 10, "quantized": 5},
            },
            {"id": "x/single", "author": "x", "created_at": "2025-01-01T00:00:00Z"},
            {"id": "a/ft1", "author": "a", "created_at": "2025-01-15T00:00:00Z"},
            {"id": "a/q1", "author": "a", "created_at": "2025-02-05T00:00:00Z"},
            {"id": "b/q2", "author": "b", "created_at": "2025-02-06T00:00:00Z"},
            {"id": "c/merge", "author": "c", "created_at": "2025-02-18T00:00:00Z"},
        ],
    )
    store.upsert(
        "model_snapshots",
        [
            {"model_id": "Qwen/base", "date": "2025-02-01", "downloads_30d": 100, "downloads_all_time": 1000},
            {"model_id": "Qwen/base", "date": "2025-02-10", "downloads_30d": 150, "downloads_all_time": 1200},
            {"model_id": "Qwen/base", "date": "2025-02-13", "downloads_30d": 160, "downloads_all_time": 1300},
            {"model_id": "Qwen/base", "date": "2025-02-20", "downloads_30d": 200, "downloads_all_time": 1500},
            {"model_id": "x/single", "date": "2025-02-20", "downloads_30d": 7, "downloads_all_time": 9},
        ],
    )
    store.upsert(
        "model_edges",
        [
            {"parent": "Qwen/base", "child": "a/ft1", "relation": "finetune", "source": "hub"},
            {"parent": "Qwen/base", "child": "a/q1", "relation": "quantized", "source": "hub"},
            {"parent": "Qwen/base", "child": "b/q2", "relation": "quantized", "source": "hub"},
            {"parent": "Qwen/base", "child": "c/merge", "relation": "merge", "source": "hub"},
            {"parent": "x/single", "child": "c/merge", "relation": "merge", "source": "hub"},
            {"parent": "Qwen/base", "child": "d/uncollected", "relation": "finetune", "source": "hub"},
        ],
    )
    yield store
    store.close()


def by_repo(frame, repo):
    rows = frame.filter(pl.col("repo") == repo).to_dicts()
    assert len(rows) == 1, rows
    return rows[0]


def test_the_data_is_observed_until_the_newest_snapshot_day(store):
    assert growth.observed_until(store) == AS_OF


def test_stars_per_day_count_each_utc_day_and_run_a_total(store):
    days = growth.stars_per_day(store).filter(pl.col("repo") == "lab/fast")
    assert days.select("day", "stars", "total").rows() == [
        (dt.date(2025, 1, 1), 1, 1),
        (dt.date(2025, 1, 3), 2, 3),
        (dt.date(2025, 1, 4), 1, 4),
        (dt.date(2025, 1, 10), 1, 5),
        (dt.date(2025, 1, 16), 1, 6),
        (dt.date(2025, 1, 30), 1, 7),
        (dt.date(2025, 2, 10), 1, 8),
    ]


def test_stars_per_week_group_by_weeks_starting_monday(store):
    weeks = growth.stars_per_week(store).filter(pl.col("repo") == "lab/fast")
    # 2025-01-01 is a Wednesday: its week starts on Monday 2024-12-30 and runs to Saturday the 4th.
    assert weeks.select("week", "stars", "total").rows() == [
        (dt.date(2024, 12, 30), 4, 4),
        (dt.date(2025, 1, 6), 1, 5),
        (dt.date(2025, 1, 13), 1, 6),
        (dt.date(2025, 1, 27), 1, 7),
        (dt.date(2025, 2, 10), 1, 8),
    ]


def test_launch_velocity_counts_stars_in_the_first_days_after_creation(store):
    velocity = growth.launch_velocity(store, as_of=AS_OF)
    fast = by_repo(velocity, "lab/fast")
    assert (fast["stars_first_3d"], fast["stars_first_10d"], fast["stars_first_30d"]) == (3, 5, 7)
    new = by_repo(velocity, "lab/new")
    assert (new["stars_first_3d"], new["stars_first_10d"], new["stars_first_30d"]) == (2, None, None)  # still open
    unharvested = by_repo(velocity, "lab/unharvested")
    assert (unharvested["stars_first_3d"], unharvested["stars_first_30d"]) == (None, None)  # unknown, not zero
    quiet = by_repo(velocity, "lab/quiet")
    assert (quiet["stars_first_3d"], quiet["stars_first_30d"]) == (0, 0)  # a snapshot says it has no stars


def test_early_participants_are_distinct_people_not_bots_not_pushes(store):
    # The collectors' is_bot marks are hints: only the bot rule and the configured logins decide.
    unconfigured = growth.early_participants(store, as_of=AS_OF).sort("repo_id")
    assert unconfigured.row(0) == (1, 4, 5)  # + helper and eve
    participants = growth.early_participants(store, as_of=AS_OF, bots=["Helper", "eve"]).sort("repo_id")
    assert participants.rows() == [
        (1, 2, 3),  # ada, bob in 10 days; + dee on day 20
        (2, None, None),  # created 5 days ago
        (3, None, None),  # its collected activity begins after its first 30 days: unknown
        (4, 0, 0),
    ]


def test_growth_table_is_registered_for_export_and_ranks_launch_velocity_first(store, tmp_path):
    table = build_table(store, "growth", bots=["helper", "eve"])
    assert table.columns == [
        "repo",
        "created_at",
        "stars",
        "stars_first_3d",
        "stars_first_10d",
        "stars_first_30d",
        "participants_first_10d",
        "participants_first_30d",
    ]
    # By stars in the first 10 days (5, 0), the repos where it is unknown last, by stars.
    assert table["repo"].to_list() == ["lab/fast", "lab/quiet", "lab/unharvested", "lab/new"]
    fast = by_repo(table, "lab/fast")
    assert fast["stars"] == 8 and fast["stars_first_10d"] == 5 and fast["participants_first_30d"] == 3
    assert by_repo(table, "lab/unharvested")["stars"] == 500  # the latest snapshot
    markdown = write_table(table, "md", tmp_path / "growth.md").read_text()
    assert "| lab/fast |" in markdown


def test_the_repos_export_carries_launch_velocity_beside_the_last_days_stars(store):
    repos = build_table(store, "repos", bots=["helper", "eve"])
    columns = repos.columns
    assert columns[columns.index("stars_7d") :][:6] == [
        "stars_7d",
        "stars_30d",
        "stars_first_3d",
        "stars_first_10d",
        "stars_first_30d",
        "participants_first_30d",
    ]
    fast = by_repo(repos, "lab/fast")
    # The last 30 days up to the snapshot day 2025-02-19 hold the stars of 2025-01-30 and 2025-02-10;
    # the first 30 days after creation hold 7.
    assert (fast["stars_7d"], fast["stars_30d"]) == (0, 2)
    assert (fast["stars_first_3d"], fast["stars_first_10d"], fast["stars_first_30d"]) == (3, 5, 7)
    assert fast["participants_first_30d"] == 3
    new = by_repo(repos, "lab/new")
    assert (new["stars_30d"], new["stars_first_3d"], new["stars_first_10d"], new["participants_first_30d"]) == (
        3,
        2,
        None,
        None,
    )
    # --month 2025-01: the windows are judged at the month's end, when lab/fast's first 30 days
    # (to 2025-01-31 00:00) were over; its last 30 days are 2025-01-02 .. 2025-01-31.
    january = by_repo(build_table(store, "repos", month="2025-01", bots=["helper", "eve"]), "lab/fast")
    assert (january["stars_30d"], january["stars_first_30d"], january["participants_first_30d"]) == (6, 7, 3)
    december = by_repo(build_table(store, "repos", month="2024-12"), "lab/fast")
    assert (december["stars"], december["stars_first_3d"]) == (0, None)  # not launched yet


def test_the_models_export_carries_download_growth(store):
    analyze_lineage(store, influence=False)
    table = build_table(store, "models")
    columns = table.columns
    assert columns[columns.index("downloads_all_time") :][:4] == [
        "downloads_all_time",
        "downloads_gain_7d",
        "downloads_gain_30d",
        "likes",
    ]
    models = {row["model_id"]: row for row in table.iter_rows(named=True)}
    base = models["Qwen/base"]
    assert (base["downloads_gain_7d"], base["downloads_gain_30d"], base["direct_derivatives"]) == (200, 500, 5)
    assert models["x/single"]["downloads_gain_30d"] is None  # a single snapshot
    assert models["a/ft1"]["downloads_gain_30d"] is None  # never snapshotted


def test_download_history_gives_the_change_between_snapshots(store):
    history = growth.download_history(store).filter(pl.col("model_id") == "Qwen/base")
    assert history.select("days", "downloads_gained").rows() == [(None, None), (9, 200), (3, 100), (7, 200)]
    assert history["downloads_per_day"].to_list()[1:] == pytest.approx([200 / 9, 100 / 3, 200 / 7])


def test_download_growth_over_7_and_30_days_from_the_baseline_snapshot(store):
    grown = {row["model_id"]: row for row in growth.download_growth(store).to_dicts()}
    base = grown["Qwen/base"]
    # 7 days: baseline 2025-02-13 (1300, 160); 30 days: the earliest snapshot, 2025-02-01 (1000, 100), 19 days old.
    assert (base["downloads_gain_7d"], base["downloads_30d_change_7d"], base["observed_days_7d"]) == (200, 40, 7)
    assert (base["downloads_gain_30d"], base["downloads_30d_change_30d"], base["observed_days_30d"]) == (500, 100, 19)
    single = grown["x/single"]
    assert (single["downloads_gain_7d"], single["observed_days_30d"]) == (None, None)


def test_derivatives_per_month_by_parent_and_relation(store):
    months = growth.derivatives_per_month(store)
    assert months.rows() == [
        ("Qwen/base", "finetune", "2025-01", 1),
        ("Qwen/base", "merge", "2025-02", 1),
        ("Qwen/base", "quantized", "2025-02", 2),
        ("x/single", "merge", "2025-02", 1),
    ]


def test_model_growth_table_ranks_download_gain_and_counts_recent_derivatives(store):
    table = build_table(store, "model_growth")
    assert table.columns == [
        "model_id",
        "author",
        "created_at",
        "date",
        "downloads_30d",
        "downloads_all_time",
        "downloads_gain_7d",
        "downloads_gain_30d",
        "downloads_30d_change_7d",
        "downloads_30d_change_30d",
        "observed_days_7d",
        "observed_days_30d",
        "derivatives",
        "derivatives_last_30d",
        "hub_children",
    ]
    assert table["model_id"].to_list()[:2] == ["Qwen/base", "x/single"]
    base = table.row(0, named=True)
    assert base["downloads_gain_30d"] == 500
    assert base["derivatives"] == 5  # including the child not collected as a model
    assert base["derivatives_last_30d"] == 3  # a/q1, b/q2, c/merge were created after 2025-01-21
    assert base["hub_children"] == 15
    single = table.row(1, named=True)
    assert (single["derivatives"], single["derivatives_last_30d"], single["hub_children"]) == (1, 1, None)


def test_an_empty_database_gives_empty_tables_with_their_columns(tmp_path):
    empty = Store(tmp_path / "empty.db")
    assert build_table(empty, "growth").height == 0
    assert "stars_first_10d" in build_table(empty, "repos").columns
    assert "downloads_gain_30d" in build_table(empty, "models").columns
    assert "downloads_gain_7d" in build_table(empty, "model_growth").columns
    assert growth.stars_per_week(empty).columns == ["repo_id", "repo", "week", "stars", "total"]
    assert growth.observed_until(empty) is None
