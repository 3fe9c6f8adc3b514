"""The polars loaders: typed columns, parsed times, read-only access, clear errors."""

import datetime as dt
import sqlite3

import polars as pl
import pytest

from ecometrics.analysis import frames
from ecometrics.analysis.fields import ID
from ecometrics.collector.store import DEMO_MARKER, Store
from ecometrics.core.errors import InputError


@pytest.fixture()
def db_path(tmp_path):
    path = tmp_path / "frames.db"
    with Store(path) as store:
        store.upsert(
            "repos",
            [{"id": 7, "full_name": "lab/tool", "owner": "lab", "name": "tool", "created_at": "2025-01-02T03:04:05Z"}],
        )
        store.upsert("developers", [{"id": 9, "login": "ada"}])
        store.upsert(
            "models",
            [
                {"id": "a/b", "created_at": "2024-09-16T11:47:41.000Z", "last_modified": "2024-09-17T00:00:00+00:00"},
            ],
        )
        store.upsert("model_snapshots", [{"model_id": "a/b", "date": "2025-01-03", "downloads_30d": 5}])
        store.upsert(
            "openrank",
            [
                {"kind": "repo", "entity_id": 7, "month": "2025-01", "value": 2.5},
                {"kind": "developer", "entity_id": 9, "month": "2025-01", "value": 1.5},
                {"kind": "developer", "entity_id": 99, "month": "2025-01", "value": 0.5},
            ],
        )
        store.upsert(
            "activity",
            [
                {
                    "month": "2025-01",
                    "repo_id": 7,
                    "repo_name": "lab/tool",
                    "developer_id": 99,
                    "login": "seen-only",
                    "issues_opened": 1,
                    "issue_comments": 0,
                    "issues_closed": 0,
                    "review_comments": 0,
                    "prs_opened": 0,
                    "pushes": 0,
                    "activity": 22.235,
                    "push_only": 0,
                }
            ],
        )
    return path


def test_times_are_parsed_from_every_format_the_sources_write(db_path):
    repos = frames.repos(db_path)
    assert repos["created_at"].to_list() == [dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC)]
    models = frames.models(db_path)
    assert models.row(0, named=True)["created_at"] == dt.datetime(2024, 9, 16, 11, 47, 41, tzinfo=dt.UTC)
    assert models.row(0, named=True)["last_modified"] == dt.datetime(2024, 9, 17, tzinfo=dt.UTC)
    assert frames.model_snapshots(db_path)["date"].to_list() == [dt.date(2025, 1, 3)]


def test_empty_tables_keep_their_columns_and_types(db_path):
    stars = frames.stargazers(db_path)
    assert stars.height == 0
    assert stars.schema == pl.Schema(
        {
            "repo_id": pl.Int64,
            "user_id": pl.Int64,
            "login": pl.String,
            "starred_at": pl.Datetime("us", "UTC"),
            "removed_at": pl.Datetime("us", "UTC"),
        }
    )


def test_openrank_carries_names_from_repos_developers_or_activity(db_path):
    developers = frames.openrank(db_path, "developer")
    assert developers.select("name", "value").rows() == [("ada", 1.5), ("seen-only", 0.5)]
    assert developers["month_start"].to_list() == [dt.date(2025, 1, 1)] * 2
    assert frames.openrank(db_path, "repo")["name"].to_list() == ["lab/tool"]
    with pytest.raises(InputError, match="choose repo or developer"):
        frames.openrank(db_path, "org")


def test_connect_is_read_only_and_defaults_to_ECOMETRICS_DB(db_path, monkeypatch, tmp_path):
    monkeypatch.setenv("ECOMETRICS_DB", str(db_path))
    conn = frames.connect()
    assert frames.repos(conn).height == 1
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        conn.execute("DELETE FROM repos")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ECOMETRICS_DB")
    with pytest.raises(InputError, match="ecometrics.db: no such database; set ECOMETRICS_DB"):
        frames.connect()


def test_synthetic_marker_of_demo_databases(db_path):
    assert frames.synthetic(db_path) is None
    with Store(db_path) as store:
        store.set_meta(DEMO_MARKER, "fakehub seed=0 scale=small")
    assert frames.synthetic(db_path) == "fakehub seed=0 scale=small"


def test_times_are_utc_aware_as_in_the_parquet_exports_so_the_two_join(db_path, tmp_path):
    """A frame of the store and the Parquet export of the same table join on a time column:
    both are Datetime("us", "UTC") (a naive frame against the export's UTC fails to join)."""
    from ecometrics.analysis.export import TIMESTAMP, conform

    repos = frames.repos(db_path).select("id", "created_at")
    exported = conform(repos.rename({"id": "repo_id"}), {"repo_id": ID, "created_at": TIMESTAMP})
    exported.write_parquet(tmp_path / "repos.parquet")
    joined = repos.join(pl.read_parquet(tmp_path / "repos.parquet"), on="created_at")
    assert joined["repo_id"].to_list() == [7]
