"""Every real-API behaviour at once: fakehub's defaults (ghost, private Hub models, cursors that
expire, and everything modelled before) in GitHub Enterprise Server's layout. Two nights a week
and a day apart, so the stored star cursors are refused on the second; the stored rows still
equal fakehub's ground truth and ghost is ranked nowhere."""

from __future__ import annotations

import polars as pl
from test_github_collector import assert_matches_truth, collect
from test_hf_collector import expected_crawl, stored

from ecometrics.analysis.community import compute_community_openrank
from ecometrics.analysis.export import TABLES
from ecometrics.analysis.global_openrank import compute_global_openrank
from ecometrics.collector.hf import collect_hf
from ecometrics.collector.hf_client import HfClient
from ecometrics.collector.store import Store
from ecometrics.core.bots import GHOST_ID, GHOST_LOGIN
from ecometrics.core.config import HuggingFaceConfig
from ecometrics.fakehub import FakeHub

# Tables that need a window to build: the first 30 days after creation.
WINDOW_OPTIONS = {"opendigger_window": {"days_after_creation": 30}}


def test_with_every_behaviour_on_the_stored_rows_equal_the_truth_and_ghost_is_ranked_nowhere(tmp_path, monkeypatch):
    with FakeHub(collaborator_of="*", seed=0, scale="small", enterprise=True, hf_trending_refresh_pages=0) as hub:
        monkeypatch.setenv("GITHUB_API_URL", hub.url + "/api/v3")
        with Store(tmp_path / "all.db") as store:
            first = collect(store, hub, base_url=None)
            assert not first.partial, first.reason
            hub.advance(days=8)  # past the cursor lifetime: every stored star cursor is refused
            hub.sleep(3600)
            second = collect(store, hub, base_url=None)
            assert not second.partial, second.reason
            assert any("star cursor was refused" in note for note in second.notes)
            truth = hub.truth()
            assert_matches_truth(store, truth, keep_deleted=True)

            member = HfClient(hub.url, token="hf_lab_member", backoff=0.001, max_wait=0.01, sleep=hub.expire_hf_budget)
            config = HuggingFaceConfig(authors=["Qwen"], derivative_depth=1)
            hf = collect_hf(store, config, progress=False, client=member)
            assert not hf.partial, hf.reason
            known, expected = truth["hf"]["models"], expected_crawl(truth, {"Qwen"}, [], depth=1)
            assert any(m.startswith("Qwen/") for m in truth["hf"]["private"])  # listed to the token, not stored
            assert stored(store, "SELECT id FROM models") == {(m,) for m in expected}
            assert stored(store, "SELECT child, parent, relation FROM model_edges") == {
                (m, parent, known[m]["relation"]) for m in expected for parent in known[m]["parents"]
            }

            compute_global_openrank(store)
            compute_community_openrank(store)
            ghost_events = store.query("SELECT count(*) AS n FROM events WHERE actor_id = ?", (GHOST_ID,))[0]["n"]
            assert ghost_events > 0
            for table, column in (("activity", "developer_id"), ("community_openrank", "node_id")):
                assert not store.query(f"SELECT 1 FROM {table} WHERE {column} = ?", (GHOST_ID,)), table
            assert not store.query("SELECT 1 FROM openrank WHERE kind = 'developer' AND entity_id = ?", (GHOST_ID,))
            for kind, table in TABLES.items():
                frame = table.build(store, **WINDOW_OPTIONS.get(kind, {}))
                cells = {cell for column in frame.columns if frame[column].dtype == pl.String for cell in frame[column]}
                assert GHOST_LOGIN not in cells, kind
