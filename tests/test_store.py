"""The store: migrations, idempotent upserts, page + checkpoint atomicity, on real files."""

import sqlite3

import pytest

from collector.store import MIGRATIONS, SCHEMA_VERSION, Store, StoreError


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


def test_a_reader_of_an_older_file_upgrades_it_like_a_writer(tmp_path):
    path = tmp_path / "old.db"
    with Store(path, migrate=False) as store:
        store.migrate(to=2)
    with Store(path, readonly=True) as reader:
        assert reader.version == len(MIGRATIONS) and not reader.readonly
