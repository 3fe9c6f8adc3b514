"""The store: migrations, idempotent upserts, page + checkpoint atomicity, on real files."""

import ast
import sqlite3
from pathlib import Path

import pytest

from ecometrics.collector.store import (
    BUDGET_META,
    DEMO_MARKER,
    EVENT_PAYLOAD_COLUMNS,
    EVENT_ROW_COLUMNS,
    MIGRATIONS,
    MODEL_COLUMNS,
    MODEL_SNAPSHOT_COLUMNS,
    SCHEMA_VERSION,
    Store,
    StoreError,
)


def test_new_file_gets_the_latest_schema_in_wal_mode(tmp_path):
    store = Store(tmp_path / "e.db")
    assert store.version == SCHEMA_VERSION
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert {"repos", "stargazers", "events", "models", "model_edges", "job_runs", "checkpoints"} <= set(store.tables())


@pytest.mark.parametrize("start", range(1, SCHEMA_VERSION))
def test_migration_upgrades_an_older_file_with_its_rows_intact(tmp_path, start):
    path = tmp_path / "old.db"
    old = Store(path, migrate=False)
    old.migrate(to=start)
    assert old.version == start
    old.upsert("repos", [{"id": 41881900, "full_name": "QwenLM/Qwen3", "owner": "QwenLM", "name": "Qwen3"}])
    old.upsert(
        "stargazers", [{"repo_id": 41881900, "user_id": 7, "login": "ada", "starred_at": "2025-01-02T00:00:00Z"}]
    )
    old.upsert("models", [{"id": "Qwen/Qwen3-8B", "author": "Qwen"}])
    old.set_checkpoint("github:stargazers", "41881900", "Y3Vyc29yOjE=")
    old.close()

    upgraded = Store(path)
    assert upgraded.version == SCHEMA_VERSION
    assert upgraded.query("SELECT full_name FROM repos") == [{"full_name": "QwenLM/Qwen3"}]
    assert upgraded.count("stargazers") == 1
    assert upgraded.query("SELECT id FROM models") == [{"id": "Qwen/Qwen3-8B"}]
    assert upgraded.checkpoint("github:stargazers", "41881900") == "Y3Vyc29yOjE="


def test_an_event_stored_before_the_payload_fields_has_them_unknown_not_zero(tmp_path):
    path = tmp_path / "old.db"
    old = Store(path, migrate=False)
    old.migrate(to=next(n for n, sql in enumerate(MIGRATIONS) if "ADD COLUMN issue_created_at" in sql))
    assert not set(EVENT_PAYLOAD_COLUMNS) & {column["name"] for column in old.query("PRAGMA table_info(events)")}
    old.conn.execute(
        "INSERT INTO events (id, type, action, created_at, merged, source) "
        "VALUES ('1', 'PullRequestEvent', 'closed', '2024-01-01T00:00:00Z', 1, 'gharchive')"
    )
    old.conn.commit()
    old.close()
    upgraded = Store(path)
    (row,) = upgraded.query(f"SELECT {', '.join(EVENT_PAYLOAD_COLUMNS)} FROM events")
    assert row == dict.fromkeys(EVENT_PAYLOAD_COLUMNS)  # NULL: unknown


def test_reopening_applies_nothing_twice(tmp_path):
    Store(tmp_path / "e.db").close()
    assert Store(tmp_path / "e.db").migrate() == 0


def test_a_file_from_a_newer_ecometrics_is_refused(tmp_path):
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer than this ecometrics"):
        Store(path)


def test_upsert_is_idempotent_and_updates_in_place(tmp_path):
    store = Store(tmp_path / "e.db")
    row = {"id": 1, "login": "octocat", "type": "User"}
    store.upsert("developers", [row])
    store.upsert("developers", [row])
    assert store.count("developers") == 1
    store.upsert("developers", [{"id": 1, "login": "octocat-renamed"}])
    assert store.query("SELECT login, type FROM developers") == [{"login": "octocat-renamed", "type": "User"}]


def test_upsert_keep_existing_leaves_stored_rows_alone(tmp_path):
    store = Store(tmp_path / "e.db")
    store.upsert("developers", [{"id": 1, "login": "first"}])
    store.upsert("developers", [{"id": 1, "login": "second"}, {"id": 2, "login": "new"}], keep_existing=True)
    assert store.query("SELECT login FROM developers ORDER BY id") == [{"login": "first"}, {"login": "new"}]


def test_a_page_and_its_checkpoint_commit_together(tmp_path):
    store = Store(tmp_path / "e.db")
    store.upsert("repos", [{"id": 1, "full_name": "o/r", "owner": "o", "name": "r"}])
    page = [{"repo_id": 1, "user_id": i, "login": f"u{i}", "starred_at": f"2025-01-0{i}T00:00:00Z"} for i in (1, 2)]
    store.save_page({"stargazers": page}, checkpoint=("github:stargazers", "1", "cursor-2"))
    assert store.count("stargazers") == 2
    assert store.checkpoint("github:stargazers", "1") == "cursor-2"


def test_an_exception_mid_page_leaves_neither_rows_nor_checkpoint(tmp_path):
    path = tmp_path / "e.db"
    store = Store(path)
    store.upsert("repos", [{"id": 1, "full_name": "o/r", "owner": "o", "name": "r"}])

    def page_that_breaks():
        yield {"repo_id": 1, "user_id": 1, "login": "u1", "starred_at": "2025-01-01T00:00:00Z"}
        raise ConnectionError("connection lost mid-page")

    with pytest.raises(ConnectionError):
        with store.transaction():
            store.upsert(
                "stargazers", [{"repo_id": 1, "user_id": 9, "login": "u9", "starred_at": "2025-01-09T00:00:00Z"}]
            )
            store.save_page({"stargazers": page_that_breaks()}, checkpoint=("github:stargazers", "1", "cursor-1"))
    store.close()

    reopened = Store(path)  # a fresh connection sees only what was committed
    assert reopened.count("stargazers") == 0
    assert reopened.checkpoint("github:stargazers", "1") is None


def test_foreign_keys_are_enforced(tmp_path):
    store = Store(tmp_path / "e.db")
    with pytest.raises(sqlite3.IntegrityError):
        store.upsert("repo_snapshots", [{"repo_id": 404, "date": "2025-01-01", "stars": 1}])


def test_a_file_that_is_not_sqlite_names_itself(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("these are notes, not a database\n" * 100)
    with pytest.raises(StoreError, match="notes.db"):
        Store(path)
    assert path.read_text().startswith("these are notes")


def test_rows_with_different_columns_keep_what_they_do_not_name(tmp_path):
    store = Store(tmp_path / "e.db")
    store.upsert("developers", [{"id": 1, "login": "octocat", "type": "User"}, {"id": 2, "login": "ci", "type": "Bot"}])
    store.upsert(
        "developers", [{"id": 1, "login": "octocat"}, {"id": 2, "login": "ci-bot", "type": "Bot", "is_bot": 1}]
    )
    assert store.query("SELECT id, login, type, is_bot FROM developers ORDER BY id") == [
        {"id": 1, "login": "octocat", "type": "User", "is_bot": 0},
        {"id": 2, "login": "ci-bot", "type": "Bot", "is_bot": 1},
    ]


def _files(folder):
    return sorted(path.name for path in folder.iterdir())


def test_a_newer_file_is_refused_byte_for_byte_before_anything_is_changed(tmp_path):
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)  # a rollback-journal file, as another tool would leave it
    conn.execute("CREATE TABLE kept (x)")
    conn.execute("INSERT INTO kept VALUES (1)")
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    for readonly in (False, True):
        with pytest.raises(StoreError, match="newer than this ecometrics"):
            Store(path, readonly=readonly)
    assert path.read_bytes() == before
    assert _files(tmp_path) == ["future.db"]  # no -wal, -shm or -journal either


def test_a_reader_opens_read_only_and_changes_nothing(tmp_path):
    path = tmp_path / "e.db"
    with Store(path) as store:
        store.upsert("developers", [{"id": 1, "login": "octocat"}])
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = DELETE")  # a rollback-journal file, e.g. copied from elsewhere
    conn.close()
    before = path.read_bytes()
    with Store(path, readonly=True) as reader:
        assert reader.count("developers") == 1
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            reader.conn.execute("DELETE FROM developers")
    assert path.read_bytes() == before
    assert _files(tmp_path) == ["e.db"]


def test_a_reader_of_an_older_file_refuses_it_as_it_is(tmp_path):
    path = tmp_path / "old.db"
    with Store(path, migrate=False) as store:
        store.migrate(to=2)
    before = path.read_bytes()
    with pytest.raises(StoreError, match="schema version 2 is older.*ecometrics migrate"):
        Store(path, readonly=True)
    assert path.read_bytes() == before
    with Store(path) as writer:  # a writer upgrades it
        assert writer.version == len(MIGRATIONS)


# -- migration 10: checkpoints hold resume cursors only ------------------------------------


def test_an_upgrade_from_migration_9_moves_budgets_and_the_demo_marker_to_meta(tmp_path):
    path = tmp_path / "v9.db"
    with Store(path, migrate=False) as old:
        old.migrate(to=9)
        old.set_checkpoint("github:stargazers", "41881900", '{"after": "Y3Vyc29yOjE=", "hidden": 2}')
        old.set_checkpoint("hf:full_hub", "models", "/api/models?cursor=abc")
        old.set_checkpoint("budget", "github:core", "4990 of 5000 left, reset 2025-01-01T01:00:00Z")
        old.set_checkpoint("budget", "hf", "990 of 1000 requests left in this window")
        old.set_checkpoint("demo", "synthetic", "fakehub seed=0 scale=small")
        stamps = {(row["source"], row["key"]): row["updated_at"] for row in old.query("SELECT * FROM checkpoints")}

    with Store(path) as upgraded:
        assert upgraded.version == SCHEMA_VERSION
        assert upgraded.query("SELECT source, key, cursor FROM checkpoints ORDER BY source") == [
            {"source": "github:stargazers", "key": "41881900", "cursor": '{"after": "Y3Vyc29yOjE=", "hidden": 2}'},
            {"source": "hf:full_hub", "key": "models", "cursor": "/api/models?cursor=abc"},
        ]
        assert upgraded.meta_items(BUDGET_META) == [
            {
                "key": "github:core",
                "value": "4990 of 5000 left, reset 2025-01-01T01:00:00Z",
                "updated_at": stamps[("budget", "github:core")],
            },
            {
                "key": "hf",
                "value": "990 of 1000 requests left in this window",
                "updated_at": stamps[("budget", "hf")],
            },
        ]
        assert upgraded.meta(DEMO_MARKER) == "fakehub seed=0 scale=small"


def test_meta_values_are_read_listed_by_prefix_and_are_not_data_rows(tmp_path):
    store = Store(tmp_path / "e.db")
    run = store.start_run("collect:hf")
    store.set_meta(BUDGET_META + "github:core", "1 of 5000 left")
    store.set_meta(BUDGET_META + "hf", "5 of 1000 left")
    store.set_meta(BUDGET_META + "hf", "4 of 1000 left")
    store.set_meta(DEMO_MARKER, "fakehub seed=1 scale=small")
    assert store.meta(BUDGET_META + "hf") == "4 of 1000 left"
    assert store.meta("nothing:here") is None
    assert [(item["key"], item["value"]) for item in store.meta_items(BUDGET_META)] == [
        ("github:core", "1 of 5000 left"),
        ("hf", "4 of 1000 left"),
    ]
    assert store.rows_since(run) == 0


def test_checkpoints_of_a_source_are_read_and_cleared_together(tmp_path):
    store = Store(tmp_path / "e.db")
    store.set_checkpoint("hf:tracked", "info:Qwen/Qwen3-8B", "Qwen/Qwen3-8B")
    store.set_checkpoint("hf:tracked", "children:Qwen/Qwen3-8B", "done")
    store.set_checkpoint("hf:full_hub", "models", "/api/models?cursor=abc")
    assert store.checkpoints("hf:tracked") == {"info:Qwen/Qwen3-8B": "Qwen/Qwen3-8B", "children:Qwen/Qwen3-8B": "done"}
    store.clear_checkpoints("hf:tracked")
    assert store.checkpoints("hf:tracked") == {}
    assert store.checkpoint("hf:full_hub", "models") == "/api/models?cursor=abc"


# -- derived tables ----------------------------------------------------------------------------

COMMUNITY_COLUMNS = ("repo_id", "month", "node_type", "node_id", "name", "value")


def _community(repo_id, month, value):
    return (repo_id, month, "repo", repo_id, f"o/r{repo_id}", value)


def _community_values(store):
    return {(r["repo_id"], r["month"]): r["value"] for r in store.query("SELECT * FROM community_openrank")}


def test_replace_rows_replaces_only_the_rows_it_is_scoped_to(tmp_path):
    store = Store(tmp_path / "e.db")
    rows = [_community(1, "2025-01", 0.5), _community(2, "2025-01", 0.5), _community(1, "2025-02", 1.0)]
    assert store.replace_rows("community_openrank", COMMUNITY_COLUMNS, rows) == 3

    written = store.replace_rows(
        "community_openrank",
        COMMUNITY_COLUMNS,
        [_community(1, "2025-01", 0.9)],
        where={"month": "2025-01", "repo_id": [1]},
    )
    assert written == 1
    assert _community_values(store) == {(1, "2025-01"): 0.9, (2, "2025-01"): 0.5, (1, "2025-02"): 1.0}

    store.replace_rows("community_openrank", COMMUNITY_COLUMNS, [], where={"month": "2025-01", "repo_id": []})
    assert _community_values(store) == {(1, "2025-01"): 0.9, (2, "2025-01"): 0.5, (1, "2025-02"): 1.0}

    store.replace_rows("community_openrank", COMMUNITY_COLUMNS, [_community(3, "2025-03", 1.0)])
    assert _community_values(store) == {(3, "2025-03"): 1.0}


def test_a_replacement_that_fails_leaves_the_rows_it_would_have_replaced(tmp_path):
    store = Store(tmp_path / "e.db")
    columns = ("model_id", "value", "computed_at")
    store.replace_rows("model_influence", columns, [("Qwen/Qwen3-8B", 1.0, "2025-01-01T00:00:00Z")])
    with pytest.raises(sqlite3.IntegrityError):  # value is NOT NULL
        store.replace_rows("model_influence", columns, [("a/b", 2.0, "t"), ("a/c", None, "t")])
    assert store.query("SELECT model_id, value FROM model_influence") == [{"model_id": "Qwen/Qwen3-8B", "value": 1.0}]


# -- GitHub ----------------------------------------------------------------------------------------


def _repo(store, repo_id=1, full_name="QwenLM/Qwen3"):
    owner, name = full_name.split("/")
    store.upsert("repos", [{"id": repo_id, "full_name": full_name, "owner": owner, "name": name}])


def _event(number, login, **fields):
    event = dict.fromkeys(EVENT_ROW_COLUMNS)
    event.update(id=str(number), type="IssuesEvent", action="opened", actor_id=7, actor_login=login, repo_id=1)
    event.update(repo_name="QwenLM/Qwen3", created_at="2025-01-01T00:00:00Z", issue_number=number, is_bot=0)
    event.update(fields)
    return tuple(event[column] for column in EVENT_ROW_COLUMNS)


def test_events_merge_from_rows_and_staged_files_with_the_files_checkpoint(tmp_path):
    store = Store(tmp_path / "e.db")
    staged = tmp_path / "staged-1.db"
    conn = sqlite3.connect(staged)
    conn.execute(f"CREATE TABLE events ({', '.join(EVENT_ROW_COLUMNS)})")
    conn.executemany(
        f"INSERT INTO events VALUES ({', '.join('?' * len(EVENT_ROW_COLUMNS))})", [_event(1, "ada"), _event(2, "ada")]
    )
    conn.commit()
    conn.close()

    merged = store.merge_events(
        [_event(2, "ada-renamed"), _event(3, "bob")],
        staged=[staged],
        source="gharchive",
        checkpoint=("gharchive", "2025-01-01-0.json.gz", "3"),
    )
    assert merged == 4
    assert store.query("SELECT id, actor_login, source FROM events ORDER BY id") == [
        {"id": "1", "actor_login": "ada", "source": "gharchive"},
        {"id": "2", "actor_login": "ada-renamed", "source": "gharchive"},
        {"id": "3", "actor_login": "bob", "source": "gharchive"},
    ]
    assert store.checkpoint("gharchive", "2025-01-01-0.json.gz") == "3"
    assert {row[1] for row in store.conn.execute("PRAGMA database_list")} <= {"main", "temp"}  # staged files detached

    assert store.merge_events([_event(3, "bob")], source="gharchive") == 1  # idempotent
    assert store.count("events") == 3
    before = store.conn.total_changes
    store.merge_events([_event(3, "bob")], source="gharchive")  # held as given: not rewritten
    assert store.conn.total_changes == before
    store.merge_events([_event(3, "bob")], source="api")  # one column differs: rewritten
    assert store.conn.total_changes == before + 1
    assert store.query("SELECT source FROM events WHERE id = '3'") == [{"source": "api"}]


def test_contributors_carry_forward_from_the_last_snapshot_day_with_their_counts(tmp_path):
    store = Store(tmp_path / "e.db")
    _repo(store)
    common = {"repo_id": 1, "date": "2025-01-01"}
    store.upsert(
        "contributors",
        [
            {**common, "contributor": "7", "developer_id": 7, "login": "ada", "contributions": 5},
            {**common, "contributor": "anon:bob@example.com", "developer_id": None, "login": None, "contributions": 2},
        ],
    )
    store.upsert("repo_snapshots", [{"repo_id": 1, "date": "2025-01-02", "stars": 3}])

    assert store.carry_contributors_forward(1, "2025-01-02") == 2
    assert store.query("SELECT contributor, contributions FROM contributors WHERE date = '2025-01-02' ORDER BY 1") == [
        {"contributor": "7", "contributions": 5},
        {"contributor": "anon:bob@example.com", "contributions": 2},
    ]
    assert store.query("SELECT contributors, anonymous_contributors FROM repo_snapshots WHERE date = '2025-01-02'") == [
        {"contributors": 1, "anonymous_contributors": 1}
    ]
    assert store.carry_contributors_forward(1, "2025-01-02") == 0  # today's snapshot is the latest already


def test_stars_not_seen_by_a_whole_walk_are_marked_removed_once(tmp_path):
    store = Store(tmp_path / "e.db")
    _repo(store, 1)
    _repo(store, 2, "QwenLM/Qwen-Agent")
    star = {"starred_at": "2025-01-01T00:00:00Z"}
    store.upsert("stargazers", [{**star, "repo_id": 1, "user_id": user} for user in (1, 2, 3)])
    store.upsert("stargazers", [{**star, "repo_id": 2, "user_id": 2}])

    assert store.mark_stars_removed(1, {1, 3}, "2025-02-01") == 1
    assert store.mark_stars_removed(1, {1, 3}, "2025-02-02") == 0
    assert store.query("SELECT repo_id, user_id, removed_at FROM stargazers WHERE removed_at IS NOT NULL") == [
        {"repo_id": 1, "user_id": 2, "removed_at": "2025-02-01"}
    ]


def test_a_repository_status_is_recorded_by_its_name_in_any_case(tmp_path):
    store = Store(tmp_path / "e.db")
    _repo(store)
    assert store.mark_repo_status("qwenlm/QWEN3", "blocked") is True
    assert store.mark_repo_status("nobody/nothing", "not_found") is False
    [row] = store.query("SELECT status, updated_at FROM repos")
    assert row["status"] == "blocked" and row["updated_at"]


# -- Hugging Face -------------------------------------------------------------------------------------


def _model(model_id, **fields):
    model = dict.fromkeys(MODEL_COLUMNS)
    model.update(id=model_id, author=model_id.split("/")[0], status="ok", updated_at="2025-01-01T00:00:00Z")
    model.update(fields)
    return tuple(model[column] for column in MODEL_COLUMNS)


def _snapshot(model_id, downloads, date="2025-01-01"):
    return (model_id, date, downloads, downloads * 10, 1, 0.5)


def _edges(store):
    return store.query("SELECT child, parent, relation, source FROM model_edges ORDER BY child, parent")


def test_a_model_page_keeps_what_a_record_leaves_out_and_replaces_only_hub_parents(tmp_path):
    store = Store(tmp_path / "e.db")
    assert store.add_imported_edges([("Qwen/child", "Qwen/imported-parent", "merge")]) == 1
    written = store.save_model_page(
        models=[_model("Qwen/child", license="apache-2.0", children_count='{"finetune": 1}')],
        snapshots=[_snapshot("Qwen/child", 10)],
        edges=[("Qwen/child", "Qwen/base", "finetune"), ("Qwen/child", "Qwen/old-base", "adapter")],
        checkpoint=("hf:full_hub", "models", "/api/models?cursor=2"),
    )
    assert written == 4
    assert store.checkpoint("hf:full_hub", "models") == "/api/models?cursor=2"

    store.save_model_page(  # a listing's record: no license read, no childrenModelCount
        models=[_model("Qwen/child", updated_at="2025-01-02T00:00:00Z")],
        snapshots=[_snapshot("Qwen/child", 20)],
        edges=[("Qwen/child", "Qwen/base", "quantized")],
    )
    assert store.query("SELECT license, children_count, updated_at FROM models") == [
        {"license": "apache-2.0", "children_count": '{"finetune": 1}', "updated_at": "2025-01-02T00:00:00Z"}
    ]
    assert store.query("SELECT downloads_30d FROM model_snapshots") == [{"downloads_30d": 20}]
    assert _edges(store) == [
        {"child": "Qwen/child", "parent": "Qwen/base", "relation": "quantized", "source": "hub"},
        {"child": "Qwen/child", "parent": "Qwen/imported-parent", "relation": "merge", "source": "import"},
    ]


def test_imported_edges_never_overwrite_a_stored_edge(tmp_path):
    store = Store(tmp_path / "e.db")
    store.save_model_page(models=[_model("o/c")], snapshots=[], edges=[("o/c", "o/p", "finetune")])
    assert store.add_imported_edges([("o/c", "o/p", "adapter"), ("o/c2", "o/p", "merge")]) == 1
    assert store.add_imported_edges([("o/c2", "o/p", "merge")]) == 0
    assert _edges(store) == [
        {"child": "o/c", "parent": "o/p", "relation": "finetune", "source": "hub"},
        {"child": "o/c2", "parent": "o/p", "relation": "merge", "source": "import"},
    ]


def test_model_statuses_renames_roots_and_deletions(tmp_path):
    store = Store(tmp_path / "e.db")
    store.save_model_page(models=[_model("Qwen/a"), _model("Qwen/b"), _model("other/c")], snapshots=[], edges=[])
    store.mark_model_unavailable("gone/x", "not_found")
    store.mark_tracked_models(["other/c"], authors=["QWEN"])
    assert {r["id"] for r in store.query("SELECT id FROM models WHERE tracked = 1")} == {"Qwen/a", "Qwen/b", "other/c"}
    store.mark_tracked_models(["other/c", "Qwen/a"])
    assert {r["id"] for r in store.query("SELECT id FROM models WHERE tracked = 1")} == {"Qwen/a", "other/c"}

    store.record_model_rename("other/c", "other/c2")
    store.set_children_counts({"Qwen/a": {"finetune": 2, "adapter": 0}})
    assert store.mark_models_deleted(before="2025-01-02T00:00:00Z") == 2  # Qwen/a and Qwen/b: ok and older
    assert store.query("SELECT id, author, status, tracked, children_count FROM models ORDER BY id") == [
        {
            "id": "Qwen/a",
            "author": "Qwen",
            "status": "deleted",
            "tracked": 1,
            "children_count": '{"adapter": 0, "finetune": 2}',
        },
        {"id": "Qwen/b", "author": "Qwen", "status": "deleted", "tracked": 0, "children_count": None},
        {"id": "gone/x", "author": "gone", "status": "not_found", "tracked": 0, "children_count": None},
        {"id": "other/c", "author": "other", "status": "renamed", "tracked": 0, "children_count": None},
    ]
    assert store.query("SELECT alias, model_id FROM model_aliases") == [{"alias": "other/c", "model_id": "other/c2"}]


def test_model_trees_are_copied_from_a_scratch_listing_with_their_counts(tmp_path):
    scratch = tmp_path / "e.db.hf-lineage"
    conn = sqlite3.connect(scratch)
    conn.execute(f"CREATE TABLE models ({', '.join(MODEL_COLUMNS)})")
    conn.execute(f"CREATE TABLE snapshots ({', '.join(MODEL_SNAPSHOT_COLUMNS)})")
    conn.execute("CREATE TABLE edges (child, parent, relation)")
    conn.executemany(
        f"INSERT INTO models VALUES ({', '.join('?' * len(MODEL_COLUMNS))})",
        [_model("r/root", children_count='{"finetune": 1}'), _model("r/child"), _model("x/outside")],
    )
    conn.executemany(
        "INSERT INTO snapshots VALUES (?, ?, ?, ?, ?, ?)", [_snapshot("r/root", 5), _snapshot("r/child", 1)]
    )
    conn.executemany(
        "INSERT INTO edges VALUES (?, ?, ?)", [("r/child", "r/root", "finetune"), ("x/outside", "r/root", "adapter")]
    )
    conn.commit()
    conn.close()
    store = Store(tmp_path / "e.db")
    store.save_model_page(models=[_model("r/child")], snapshots=[], edges=[("r/child", "r/older-base", "adapter")])
    store.add_imported_edges([("r/child", "r/imported", "merge")])

    counts = {"r/child": {"finetune": 0, "adapter": 0, "quantized": 0, "merge": 0}}
    assert store.merge_model_trees(scratch, ["r/child", "r/root"], counts) == 5  # 2 models, 2 snapshots, 1 edge
    assert store.query("SELECT id, children_count FROM models ORDER BY id") == [
        {"id": "r/child", "children_count": '{"adapter": 0, "finetune": 0, "merge": 0, "quantized": 0}'},
        {"id": "r/root", "children_count": '{"finetune": 1}'},
    ]
    assert _edges(store) == [
        {"child": "r/child", "parent": "r/imported", "relation": "merge", "source": "import"},
        {"child": "r/child", "parent": "r/root", "relation": "finetune", "source": "hub"},
    ]
    assert {row[1] for row in store.conn.execute("PRAGMA database_list")} <= {"main", "temp"}  # scratch detached


def test_a_larger_page_cache_lasts_for_its_block_only(tmp_path):
    store = Store(tmp_path / "e.db")
    before = store.conn.execute("PRAGMA cache_size").fetchone()[0]
    with pytest.raises(RuntimeError):
        with store.page_cache(kib=65536):
            assert store.conn.execute("PRAGMA cache_size").fetchone()[0] == -65536
            raise RuntimeError("the import failed")
    assert store.conn.execute("PRAGMA cache_size").fetchone()[0] == before


def test_every_data_write_counts_toward_the_open_run_record(tmp_path):
    store = Store(tmp_path / "e.db")
    run = store.start_run("collect:hf")
    store.save_model_page(
        models=[_model("o/a")], snapshots=[_snapshot("o/a", 1)], edges=[("o/a", "o/base", "finetune")]
    )
    store.replace_rows(
        "model_influence", ("model_id", "value", "computed_at"), [("o/a", 1.0, "t"), ("o/base", 2.0, "t")]
    )
    store.set_checkpoint("hf:full_hub", "models", "/api/models?cursor=2")
    assert store.rows_since(run) == 5
    assert store.query("SELECT rows_written FROM job_runs") == [{"rows_written": 5}]


# -- the one writer ----------------------------------------------------------------------------

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "ATTACH", "DETACH", "CREATE", "DROP", "ALTER", "PRAGMA")


def _sql_text(node):
    """The leading literal text of a SQL argument (a string, an f-string or a concatenation), else ''."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        return str(node.values[0].value)
    if isinstance(node, ast.BinOp):
        return _sql_text(node.left)
    return ""


def _store_connection(node):
    """Whether ``node`` is a store's connection: ``store.conn``, ``self.store.conn``, ``crawl.store.conn``."""
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "conn"
        and (
            (isinstance(node.value, ast.Name) and node.value.id == "store")
            or (isinstance(node.value, ast.Attribute) and node.value.attr == "store")
        )
    )


def test_only_the_store_writes_to_its_database():
    """Every statement that changes the database (or its connection) is a method of Store."""
    root = Path(__file__).resolve().parents[1]
    found = []
    for package in ("collector", "analysis", "jobs", "core"):
        for path in sorted((root / package).rglob("*.py")):
            if path == root / "collector" / "store.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Assign) and _store_connection(node.value):
                    found.append(f"{path.relative_to(root)}:{node.lineno}: holds the store's connection")
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args):
                    continue
                if node.func.attr in ("execute", "executemany", "executescript") and _store_connection(node.func.value):
                    sql = _sql_text(node.args[0]).lstrip().upper()
                    if sql.startswith(WRITES):
                        found.append(f"{path.relative_to(root)}:{node.lineno}: {sql.split()[0]} outside the store")
    assert not found, "\n".join(found)
