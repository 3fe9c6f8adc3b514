"""The Hugging Face collector against fakehub over loopback, into real SQLite files.

Expected rows are derived from fakehub's ground truth (``hub.truth()``): the models
reachable from the configured roots within ``derivative_depth`` levels, every parent
edge of each with its relation, and one snapshot per model on the simulated day.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ecometrics.analysis.crawl import crawl_completeness
from ecometrics.collector.hf import collect_hf
from ecometrics.collector.hf_client import HfClient
from ecometrics.collector.store import Store
from ecometrics.core.config import HuggingFaceConfig
from ecometrics.fakehub import FakeHub

FAULTS = "429:0.05,5xx:0.05,timeout:0.02,truncate:0.02"
REPO = Path(__file__).resolve().parent.parent


def client(hub: FakeHub, **options) -> HfClient:
    """An anonymous client (no HF_TOKEN from the environment) whose waits for a spent rate
    limit end the fakehub window at once instead of sleeping."""
    options.setdefault("sleep", hub.expire_hf_budget)
    return HfClient(hub.url, token=False, backoff=0.001, max_wait=0.01, timeout=10, **options)


@pytest.fixture(scope="module")
def hub():
    # Trending scores stay still here: these tests compare stored snapshots with one truth.
    # The moving scores are test_a_full_hub_crawl_under_moving_trending_scores_...'s.
    with FakeHub(seed=0, scale="small", hf_trending_refresh_pages=0) as hub:
        yield hub


@pytest.fixture(scope="module")
def truth(hub):
    return hub.truth()


def children_of(truth) -> dict[str, list[str]]:
    children: dict[str, list[str]] = {}
    for model in truth["hf"]["models"].values():
        for parent in model["parents"]:
            children.setdefault(parent, []).append(model["id"])
    return children


def expected_crawl(truth, authors, models, depth) -> set[str]:
    """Models within ``depth`` levels below the roots (the configured authors' and models)."""
    known = truth["hf"]["models"]
    roots = {m for m, r in known.items() if r["author"] in authors} | {m for m in models if m in known}
    children, found, level = children_of(truth), set(roots), set(roots)
    for _ in range(depth):
        level = {c for parent in level for c in children.get(parent, ())} - found
        found |= level
    return found


def stored(store: Store, sql: str) -> set[tuple]:
    return {tuple(row.values()) for row in store.query(sql)}


def table_rows(path: Path, *, trending: bool = True) -> dict[str, set[tuple]]:
    """What a user would compare: every collected row, without the write timestamps (and,
    for crawls under moving trending scores, without the score each read saw)."""
    snapshot_columns = "model_id, date, downloads_30d, downloads_all_time, likes" + (
        ", trending_score" if trending else ""
    )
    with Store(path) as store:
        return {
            "models": stored(store, "SELECT id, author, created_at, last_modified, library, pipeline_tag, license, "
                                    "parameters, gated, children_count, status, tracked FROM models"),
            "model_snapshots": stored(store, f"SELECT {snapshot_columns} FROM model_snapshots"),
            "model_edges": stored(store, "SELECT * FROM model_edges"),
        }  # fmt: skip


@pytest.mark.parametrize("strategy", ["full listing", "node by node"])
def test_tracked_authors_and_models_equal_the_hub_to_the_configured_depth(hub, truth, tmp_path, strategy):
    known = truth["hf"]["models"]
    # The Hub's size prices the full listing: its own size makes 4 pages the cheaper way here.
    hub_models = truth["hf"]["model_count"] if strategy == "full listing" else 10**9
    config = HuggingFaceConfig(
        authors=["Qwen"], models=["mistralai/Mistral-7B-v0.1"], derivative_depth=2, hub_models=hub_models
    )
    store = Store(tmp_path / "hf.db")

    result = collect_hf(store, config, progress=False, client=client(hub))

    expected = expected_crawl(truth, {"Qwen"}, config.models, depth=2)
    assert not result.partial, result.reason
    assert len(expected) > 100
    assert stored(store, "SELECT id FROM models") == {(m,) for m in expected}
    today = truth["now"][:10]
    snapshot_columns = "model_id, date, downloads_30d, downloads_all_time, likes, trending_score"
    assert stored(store, f"SELECT {snapshot_columns} FROM model_snapshots WHERE platform = 'huggingface'") == {
        (m, today, known[m]["downloads"], known[m]["downloadsAllTime"], known[m]["likes"], known[m]["trendingScore"])
        for m in expected
    }
    assert any(isinstance(known[m]["trendingScore"], float) for m in expected)  # stored as the Hub sends them
    assert stored(store, "SELECT child, parent, relation, source FROM model_edges") == {
        (m, parent, known[m]["relation"], "hub") for m in expected for parent in known[m]["parents"]
    }
    relations = {row[0] for row in stored(store, "SELECT relation FROM model_edges")}
    assert {"finetune", "quantized", "merge"} <= relations
    # metadata as the Hub reports it
    sample = next(m for m in sorted(expected) if known[m]["parents"])
    row = store.query("SELECT * FROM models WHERE id = ?", (sample,))[0]
    assert (row["author"], row["library"], row["pipeline_tag"]) == (
        known[sample]["author"], known[sample]["library_name"], known[sample]["pipeline_tag"])  # fmt: skip
    assert json.loads(row["children_count"]) == known[sample]["childrenModelCount"]
    assert row["created_at"] == known[sample]["created_at"]
    assert any(strategy in note for note in result.notes)
    if strategy == "node by node":
        return  # the models at the depth limit were not listed for children: their counts are unknown

    # Depth 2 stops above some leaves: a root is complete exactly when every model of its
    # collected tree has all its children collected.
    completeness = {r["root"]: r for r in crawl_completeness(store).iter_rows(named=True)}
    children = children_of(truth)
    assert set(completeness) == {m for m in expected if known[m]["author"] == "Qwen"} | set(config.models)
    for root, row in completeness.items():
        tree, level = {root}, {root}
        while level:
            level = {c for m in level for c in children.get(m, ()) if c in expected} - tree
            tree |= level
        reached = all(c in expected for m in tree for c in children.get(m, ()))
        assert (row["completeness"] == 1.0) == reached, root
    assert any(row["completeness"] < 1.0 for row in completeness.values())


def test_completeness_is_full_when_the_depth_reaches_the_leaves(hub, truth, tmp_path):
    depth = max(m["depth"] for m in truth["hf"]["models"].values()) + 1
    config = HuggingFaceConfig(authors=["deepseek-ai"], models=["mistralai/Mistral-7B-v0.1"], derivative_depth=depth)
    store = Store(tmp_path / "hf.db")

    result = collect_hf(store, config, progress=False, client=client(hub))

    assert not result.partial
    assert stored(store, "SELECT id FROM models") == {
        (m,) for m in expected_crawl(truth, {"deepseek-ai"}, config.models, depth)
    }
    frame = crawl_completeness(store)
    assert frame.height == len([m for m in truth["hf"]["models"].values() if m["author"] == "deepseek-ai"]) + 1
    assert frame["completeness"].to_list() == [1.0] * frame.height
    assert frame["children_reported"].sum() > 0
    exported = subprocess.run(
        [
            sys.executable,
            "-m",
            "ecometrics.jobs.cli",
            "--db",
            str(store.path),
            "export",
            "completeness",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(exported.stdout) == frame.to_dicts()  # `ecometrics export completeness`


def test_faults_429_5xx_timeouts_and_truncated_bodies_end_with_the_same_rows(tmp_path):
    config = HuggingFaceConfig(authors=["Qwen", "deepseek-ai"], models=["mistralai/Mistral-7B-v0.1"])
    clean, faulty = tmp_path / "clean.db", tmp_path / "faulty.db"
    # 100 models a page: a tracked crawl and a full-Hub crawl make a few hundred requests.
    # Trending scores stay still: the two hubs serve different numbers of pages.
    with FakeHub(seed=0, scale="small", hf_page_size=100, hf_trending_refresh_pages=0) as hub:
        for full_hub in (False, True):
            collect_hf(Store(clean), config, full_hub=full_hub, progress=False, client=client(hub))

    with FakeHub(seed=0, scale="small", faults=FAULTS, hf_page_size=100, hf_trending_refresh_pages=0) as flaky:
        results = [
            collect_hf(Store(faulty), config, full_hub=full_hub, progress=False, client=client(flaky))
            for full_hub in (False, True)
        ]
        faults = flaky.stats()["faults"]

    assert not any(result.partial for result in results), [result.reason for result in results]
    result = results[0]
    assert faults.get("429") and faults.get("5xx") and faults.get("timeout") and faults.get("truncate"), faults
    assert result.requests.get("429") and (result.requests.get("error") or result.requests.get("truncated"))
    assert table_rows(faulty) == table_rows(clean)


def test_listings_never_ask_for_lineage_expands_and_a_big_tree_costs_the_full_listing(hub, truth, tmp_path):
    # The Hub refuses baseModels/childrenModelCount/usedStorage in listings (400): parents come
    # from the base_model: tags, each root's counts from one /api/models/{id}, and trees whose
    # node-by-node crawl would cost more than listing the whole Hub are read from that listing.
    known = truth["hf"]["models"]
    config = HuggingFaceConfig(
        authors=["Qwen", "deepseek-ai"], derivative_depth=3, hub_models=truth["hf"]["model_count"]
    )
    store = Store(tmp_path / "hf.db")
    hub.reset_stats()

    result = collect_hf(store, config, progress=False, client=client(hub))

    stats = hub.stats()["by_endpoint"]
    roots = [m for m, r in known.items() if r["author"] in ("Qwen", "deepseek-ai")]
    assert "400" not in result.requests and not result.partial, (result.requests, result.reason)
    assert stats["hf.model_info"]["requests"] == len(roots)  # one childrenModelCount per root
    assert stats["hf.models"]["requests"] == 2 + 4  # an author page each, then the Hub's 3,500 models
    assert any("read from one full listing (4 pages)" in note for note in result.notes)
    expected = expected_crawl(truth, {"Qwen", "deepseek-ai"}, [], 3)
    assert stored(store, "SELECT id FROM models") == {(m,) for m in expected}
    assert stored(store, "SELECT child, parent, relation FROM model_edges") == {
        (m, p, known[m]["relation"]) for m in expected for p in known[m]["parents"]
    }
    assert stored(store, "SELECT id, children_count FROM models") == {
        (m, json.dumps(known[m]["childrenModelCount"], sort_keys=True)) for m in expected
    }
    assert not Path(str(store.path) + ".hf-lineage").exists()  # the scratch listing is gone


def test_a_429_waits_for_retry_after_and_is_counted(tmp_path):
    waits: list[float] = []
    with FakeHub(seed=0, scale="small", faults="429:0.5", retry_after_seconds=7) as flaky:
        hub_client = HfClient(flaky.url, token=False, backoff=0.001, sleep=waits.append)
        responses = [hub_client.get("/api/models", [("author", a)]) for a in ("Qwen", "deepseek-ai", "google")]
        served = flaky.stats()["faults"]["429"]

    assert all(r.status == 200 and r.data for r in responses)
    assert hub_client.requests["200"] == 3
    assert hub_client.requests["429"] == len(waits) == served > 0
    assert waits == [7.0] * len(waits)


def test_gated_models_are_collected_and_unavailable_ones_recorded_as_such(hub, truth, tmp_path):
    gated = "meta-llama/Llama-3.1-8B"
    disabled = truth["hf"]["disabled"][0]
    assert truth["hf"]["models"][gated]["gated"] == "manual"
    config = HuggingFaceConfig(
        authors=["deepseek-ai"], models=[gated, "nobody/deleted-model", disabled], derivative_depth=1
    )
    store = Store(tmp_path / "hf.db")

    result = collect_hf(store, config, progress=False, client=client(hub))

    assert not result.partial
    # without a token: a missing repo and a disabled one answer 401; gated ones answer 200
    assert {k: v for k, v in result.requests.items() if k != "200"} == {"401": 2}
    assert stored(store, "SELECT id, status FROM models WHERE status != 'ok'") == {
        ("nobody/deleted-model", "unavailable"),
        (disabled, "unavailable"),
    }
    assert stored(store, f"SELECT status, gated, tracked FROM models WHERE id = {gated!r}") == {("ok", "manual", 1)}
    # the rest of the run: the author's models, and the gated model's public derivatives
    assert stored(store, "SELECT id FROM models WHERE author = 'deepseek-ai'") == {
        (model,) for model, record in truth["hf"]["models"].items() if record["author"] == "deepseek-ai"
    }
    assert stored(store, f"SELECT child FROM model_edges WHERE parent = {gated!r}") == {
        (c,) for c in children_of(truth).get(gated, ())
    }
    assert children_of(truth).get(gated)
    # with a token the Hub says which repos are missing
    with_token = HfClient(hub.url, token="hf_test", backoff=0.001, max_wait=0.01, sleep=hub.expire_hf_budget)
    collect_hf(
        store, HuggingFaceConfig(models=["nobody/deleted-model"], derivative_depth=0), progress=False, client=with_token
    )
    assert stored(store, "SELECT status FROM models WHERE id = 'nobody/deleted-model'") == {("not_found",)}


def test_a_tree_bigger_than_the_cap_stops_there_and_says_so(hub, truth, tmp_path):
    config = HuggingFaceConfig(models=["mistralai/Mistral-7B-v0.1"], derivative_depth=3, max_children_per_root=10)
    store = Store(tmp_path / "hf.db")

    result = collect_hf(store, config, progress=False, client=client(hub))

    assert len(expected_crawl(truth, set(), config.models, 3)) > 11
    assert store.count("models") == 11
    assert any("mistralai/Mistral-7B-v0.1" in note and "max_children_per_root" in note for note in result.notes)
    assert crawl_completeness(store)["completeness"][0] < 1.0


def test_snapshot_day_follows_the_hubs_clock(tmp_path):
    config = HuggingFaceConfig(models=["mistralai/Mistral-7B-v0.1"], derivative_depth=0)
    store = Store(tmp_path / "hf.db")
    with FakeHub(seed=0, scale="small") as hub:
        collect_hf(store, config, progress=False, client=client(hub))
        hub.advance(1)
        collect_hf(store, config, progress=False, client=client(hub))
        truth = hub.truth()["hf"]["models"]["mistralai/Mistral-7B-v0.1"]
    rows = store.query("SELECT date, downloads_all_time FROM model_snapshots ORDER BY date")
    assert [r["date"] for r in rows] == ["2025-09-01", "2025-09-02"]
    assert rows[-1]["downloads_all_time"] == truth["downloadsAllTime"]


def test_collect_hf_command_reads_hf_endpoint_and_records_the_run(hub, truth, tmp_path, monkeypatch, capsys):
    from ecometrics.jobs.cli import main

    config = tmp_path / "ecometrics.toml"
    config.write_text('[huggingface]\nauthors = ["deepseek-ai"]\nderivative_depth = 1\n')
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    db = tmp_path / "hf.db"

    assert main(["--config", str(config), "--db", str(db), "collect", "hf"]) == 0

    with Store(db) as store:
        assert stored(store, "SELECT id FROM models") == {(m,) for m in expected_crawl(truth, {"deepseek-ai"}, [], 1)}
        run = store.last_runs(1)[0]
        assert (run["job"], run["status"]) == ("collect:hf", "ok")
        assert json.loads(run["api_requests"])["200"] > 0
        assert run["rows_written"] > 0


CRAWL = """
import sys
from ecometrics.collector.hf import collect_hf
from ecometrics.collector.hf_client import HfClient
from ecometrics.collector.store import Store
from ecometrics.core.config import HuggingFaceConfig
collect_hf(Store(sys.argv[1]), HuggingFaceConfig(), full_hub=True, progress=False,
           client=HfClient(sys.argv[2], token=False))
"""


def checkpoint(path: Path) -> str | None:
    if not path.exists():
        return None
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        row = conn.execute("SELECT cursor FROM checkpoints WHERE source = 'hf:full_hub'").fetchone()
    except sqlite3.OperationalError:  # the crawler has not created its tables yet
        return None
    finally:
        conn.close()
    return row[0] if row else None


def test_a_full_hub_crawl_killed_twice_with_sigkill_resumes_to_the_rows_of_its_start(tmp_path):
    whole, killed = tmp_path / "whole.db", tmp_path / "killed.db"
    # 50 models a page: the small Hub's 3,500 models take 70 pages, time enough to kill two
    # crawlers; trending scores are recomputed under them (every 20 pages, the default).
    with FakeHub(seed=0, scale="small", hf_page_size=50) as hub:
        at_start = hub.truth()["hf"]["models"]
        result = collect_hf(Store(whole), HuggingFaceConfig(), full_hub=True, progress=False, client=client(hub))
        pages = result.requests["200"]
        assert pages == 70 and not result.partial

        cursors = []
        for _ in range(2):
            held = hub.pause_after(10)  # each crawler is killed inside its 11th request
            crawler = subprocess.Popen([sys.executable, "-c", CRAWL, str(killed), hub.url], cwd=REPO)
            try:
                assert held.wait(120), "the crawler never made 11 requests"
                os.kill(crawler.pid, signal.SIGKILL)
            finally:
                crawler.kill()  # a no-op after SIGKILL; ends a held crawler when an assertion failed
                crawler.wait()
                hub.resume()
            assert crawler.returncode == -signal.SIGKILL
            cursors.append(checkpoint(killed))
            assert cursors[-1] not in (None, *cursors[:-1]), "each crawler committed pages beyond the last"
        with Store(killed) as store:
            assert 0 < store.count("models") < 3500

        resumed = collect_hf(Store(killed), HuggingFaceConfig(), full_hub=True, progress=False, client=client(hub))
        assert hub.truth(include_models=False)["hf"]["trending_epoch"] >= 3

    assert not resumed.partial
    assert resumed.requests["200"] < pages  # it went on from the checkpoint, not from page 1
    assert checkpoint(killed) is None  # the crawl is complete: the next one starts afresh
    assert table_rows(killed, trending=False) == table_rows(whole, trending=False)
    assert stored(Store(killed), "SELECT id FROM models") == {(m,) for m in at_start}
    assert stored(Store(killed), "SELECT child, parent, relation FROM model_edges") == {
        (m, p, r["relation"]) for m, r in at_start.items() for p in r["parents"]
    }


# -- the real Hub's behaviours ----------------------------------------------------------------


def test_a_full_hub_crawl_under_moving_trending_scores_stores_every_model_once(tmp_path):
    # 100 models a page and a recomputation every 5 pages: the default (trending) order
    # moves under the crawl; its creation order does not.
    with FakeHub(seed=0, scale="small", hf_page_size=100, hf_trending_refresh_pages=5) as hub:
        at_start = hub.truth()["hf"]["models"]
        store = Store(tmp_path / "hf.db")
        result = collect_hf(store, HuggingFaceConfig(), full_hub=True, progress=False, client=client(hub))
        assert hub.truth(include_models=False)["hf"]["trending_epoch"] >= 7

    assert not result.partial
    assert result.requests == {"200": 35}  # 3,500 models, 100 a page, each page once
    assert stored(store, "SELECT id FROM models") == {(m,) for m in at_start}
    assert stored(store, "SELECT child, parent, relation FROM model_edges") == {
        (m, p, r["relation"]) for m, r in at_start.items() for p in r["parents"]
    }


def test_a_full_hub_crawl_resumed_after_the_hub_changed_sees_the_start_and_the_next_crawl_the_rest(tmp_path):
    store = Store(tmp_path / "hf.db")
    with FakeHub(seed=0, scale="small", hf_page_size=100, hf_anonymous_budget=10) as hub:
        at_start = set(hub.truth()["hf"]["models"])
        # The budget runs out after 10 pages and this run may not wait: it ends partial.
        stopped = collect_hf(
            store, HuggingFaceConfig(), full_hub=True, progress=False, client=client(hub, max_rate_wait=0)
        )
        assert stopped.partial and "rate limit" in stopped.reason
        first_pages = {m for (m,) in store.conn.execute("SELECT id FROM models")}
        hub.advance(60)  # models are created and deleted meanwhile
        hub.expire_hf_budget()
        later = hub.truth()["hf"]
        deleted = set(later["deleted"])
        assert deleted - first_pages and set(later["models"]) - at_start

        resumed = collect_hf(store, HuggingFaceConfig(), full_hub=True, progress=False, client=client(hub))
        after_resume = stored(store, "SELECT id, status FROM models")
        again = collect_hf(store, HuggingFaceConfig(), full_hub=True, progress=False, client=client(hub))

    assert not resumed.partial and not again.partial
    # the resumed crawl: every model of its start once, but those deleted before their page
    assert after_resume == {(m, "ok") for m in at_start - (deleted - first_pages)}
    # the next crawl: the models created since, and those deleted marked so
    assert stored(store, "SELECT id FROM models WHERE status = 'ok'") == {(m,) for m in later["models"]}
    assert stored(store, "SELECT id FROM models WHERE status = 'deleted'") == {(m,) for m in deleted & first_pages}
    assert any("marked deleted" in note for note in again.notes)


def test_a_full_hub_checkpoint_is_relative_to_the_endpoint_and_resumes_on_another_host(tmp_path):
    whole, moved = tmp_path / "whole.db", tmp_path / "moved.db"
    config = HuggingFaceConfig()
    with FakeHub(seed=0, scale="small", hf_page_size=100, hf_trending_refresh_pages=0) as first:
        collect_hf(Store(whole), config, full_hub=True, progress=False, client=client(first))
    with FakeHub(seed=0, scale="small", hf_page_size=100, hf_anonymous_budget=5, hf_trending_refresh_pages=0) as first:
        collect_hf(Store(moved), config, full_hub=True, progress=False, client=client(first, max_rate_wait=0))
        old_url = first.url
    saved = checkpoint(moved)
    assert saved.startswith("/api/models?") and "127.0.0.1" not in saved
    with FakeHub(seed=0, scale="small", hf_page_size=100, hf_trending_refresh_pages=0) as second:  # a new port
        assert second.url != old_url
        resumed = collect_hf(Store(moved), config, full_hub=True, progress=False, client=client(second))
    assert not resumed.partial and resumed.requests == {"200": 30}  # pages 6..35
    assert table_rows(moved) == table_rows(whole)


def test_the_creation_date_placeholder_of_old_repos_is_stored_as_unknown(hub, truth, tmp_path):
    old = ["google-bert/bert-base-uncased", "openai-community/gpt2"]
    store = Store(tmp_path / "hf.db")
    collect_hf(store, HuggingFaceConfig(models=old, derivative_depth=1), progress=False, client=client(hub))
    assert stored(store, "SELECT id, created_at FROM models WHERE id IN ('google-bert/bert-base-uncased', "
                         "'openai-community/gpt2')") == {(m, None) for m in old}  # fmt: skip
    children = [m for m in store.query("SELECT id, created_at FROM models") if m["id"] not in old]
    assert children and all(m["created_at"] == truth["hf"]["models"][m["id"]]["created_at"] for m in children)


def test_requests_are_paced_by_the_ratelimit_headers_and_the_budget_shows_in_status(tmp_path):
    from ecometrics.core.config import Config
    from ecometrics.jobs.status import render_status

    waits: list[float] = []
    with FakeHub(seed=0, scale="small", hf_page_size=100, hf_anonymous_budget=20, hf_window_seconds=60) as hub:

        def wait(seconds: float) -> None:
            waits.append(seconds)
            hub.expire_hf_budget()

        store = Store(tmp_path / "hf.db")
        result = collect_hf(store, HuggingFaceConfig(), full_hub=True, progress=False, client=client(hub, sleep=wait))
        refused = hub.stats()["by_status"].get("429", 0)

    assert not result.partial and store.count("models") == 3500
    assert refused == 0 and "429" not in result.requests  # it waited before the budget ran out
    assert len(waits) == 35 // 20 and all(1 < w <= 61 for w in waits)  # the reset, + 1 s
    status = render_status(store, Config())
    assert "hf " in status and "of 20 left per 60 s" in status


def test_a_429_without_retry_after_waits_for_the_ratelimit_reset(tmp_path):
    waits: list[float] = []
    with FakeHub(seed=0, scale="small", hf_anonymous_budget=1, hf_window_seconds=30) as hub:
        requests_module = __import__("requests")
        requests_module.get(f"{hub.url}/api/models/Qwen/Qwen3-8B")  # another caller spends the budget

        def wait(seconds: float) -> None:
            waits.append(seconds)
            hub.expire_hf_budget()

        answer = HfClient(hub.url, token=False, sleep=wait).get("/api/models/Qwen/Qwen3-8B")
    assert answer.status == 200
    assert len(waits) == 1 and 1 < waits[0] <= 31


def test_a_bad_hf_token_stops_at_the_first_answer_and_changes_no_stored_row(hub, tmp_path):
    from ecometrics.jobs.cli import main

    config = tmp_path / "ecometrics.toml"
    config.write_text('[huggingface]\nauthors = ["deepseek-ai"]\nmodels = ["Qwen/Qwen3-8B"]\nderivative_depth = 1\n')
    db = tmp_path / "hf.db"
    collect_hf(
        Store(db),
        HuggingFaceConfig(authors=["deepseek-ai"], models=["Qwen/Qwen3-8B"], derivative_depth=1),
        progress=False,
        client=client(hub),
    )
    before = table_rows(db)
    hub.reset_stats()

    env = {**os.environ, "HF_ENDPOINT": hub.url, "HF_TOKEN": "invalid-or-expired-token"}
    done = subprocess.run(
        [sys.executable, "-m", "ecometrics.jobs.cli", "--config", str(config), "--db", str(db), "collect", "hf"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
    )

    assert done.returncode == 1, done.stderr
    output = (done.stdout + done.stderr).strip().splitlines()
    message = [line for line in output if "HF_TOKEN" in line]
    assert message and "Traceback" not in done.stderr, output
    assert "invalid-or-expired-token" not in done.stdout + done.stderr  # the token itself never shows
    assert hub.stats()["by_endpoint"]["hf.auth"]["requests"] == 1  # it stopped at the first answer
    assert table_rows(db) == before
    assert main is not None


def test_a_renamed_root_is_stored_under_its_new_id_keeps_its_alias_and_stays_tracked(hub, truth, tmp_path):
    old, new = "THUDM/glm-4-9b-chat", "zai-org/glm-4-9b-chat"
    store = Store(tmp_path / "hf.db")
    store.upsert("models", [{"id": old, "author": "THUDM", "status": "ok", "tracked": 1}])  # stored before the move

    result = collect_hf(store, HuggingFaceConfig(models=[old], derivative_depth=1), progress=False, client=client(hub))

    assert not result.partial
    assert stored(store, "SELECT id, status, tracked FROM models WHERE id IN ('THUDM/glm-4-9b-chat', "
                         "'zai-org/glm-4-9b-chat')") == {(new, "ok", 1), (old, "renamed", 0)}  # fmt: skip
    assert stored(store, "SELECT alias, model_id FROM model_aliases") == {(old, new)}
    assert stored(store, f"SELECT child FROM model_edges WHERE parent = {new!r}") == {
        (c,) for c in children_of(truth).get(new, ())
    }
    assert any(old in note and new in note for note in result.notes)
    assert [r["root"] for r in crawl_completeness(store).iter_rows(named=True)] == [new]


def test_a_huge_derivative_depth_ends_when_the_trees_do(hub, truth, tmp_path):
    # A leaf and a depth far beyond any tree: the crawl ends with its frontier.
    leaf = next(
        m
        for m, r in sorted(truth["hf"]["models"].items())
        if r["parents"] and not any(r["childrenModelCount"].values())
    )
    script = (
        "import sys\n"
        "from ecometrics.collector.hf import collect_hf\nfrom ecometrics.collector.hf_client import HfClient\n"
        "from ecometrics.collector.store import Store\nfrom ecometrics.core.config import HuggingFaceConfig\n"
        "config = HuggingFaceConfig(models=[sys.argv[3]], derivative_depth=99999999999999999999)\n"
        "result = collect_hf(Store(sys.argv[1]), config, progress=False, client=HfClient(sys.argv[2], token=False))\n"
        "print(result.partial, result.rows_written)\n"
    )
    hub.expire_hf_budget()
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "hf.db"), hub.url, leaf],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[0] == "False" and time.monotonic() - started < 30


def test_a_huge_derivative_depth_in_the_config_is_refused_in_one_line(tmp_path):
    config = tmp_path / "ecometrics.toml"
    config.write_text(
        '[huggingface]\nmodels = ["mistralai/Mistral-7B-v0.1"]\nderivative_depth = 99999999999999999999\n'
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ecometrics.jobs.cli",
            "--config",
            str(config),
            "--db",
            str(tmp_path / "x.db"),
            "collect",
            "hf",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "huggingface.derivative_depth" in lines[0] and "between 0 and 50" in lines[0], lines
    assert not (tmp_path / "x.db").exists()


def _line_with(stream, text: str, timeout: float) -> str | None:
    """The first line of a child's pipe that contains ``text``, or None after ``timeout``."""
    import select

    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        if not select.select([stream], [], [], left)[0]:
            return None
        line = stream.readline()
        if not line:
            return None
        if text in line:
            return line
    return None


def anonymous_collect_hf(endpoint: str, config: Path, db: Path) -> tuple[list[str], dict[str, str]]:
    """``ecometrics collect hf`` as a process of its own against ``endpoint``, without a token: command and environment."""
    env = {**os.environ, "HF_ENDPOINT": endpoint}
    env.pop("HF_TOKEN", None)
    return [sys.executable, "-m", "ecometrics.jobs.cli", "--config", str(config), "--db", str(db), "collect", "hf"], env


def test_sigterm_stops_a_crawl_waiting_for_the_rate_limit_at_once(tmp_path):
    config = tmp_path / "ecometrics.toml"
    config.write_text("[huggingface]\nfull_hub = true\n")
    with FakeHub(seed=0, scale="small", hf_page_size=100, hf_anonymous_budget=3, hf_window_seconds=300) as hub:
        command, env = anonymous_collect_hf(hub.url, config, tmp_path / "hf.db")
        crawler = subprocess.Popen(
            command,
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        # the crawler spends its budget, then says it waits ~300 s for the reset
        assert _line_with(crawler.stderr, "rate limit spent", timeout=60)
        stopped_at = time.monotonic()
        crawler.send_signal(signal.SIGTERM)
        said = _line_with(crawler.stderr, "stop requested", timeout=30)
        took = time.monotonic() - stopped_at
        crawler.wait(timeout=30)
    # the wait is ~300 s: a stop in a few seconds is the signal cutting the wait short, even on a loaded machine
    assert said and took < 10, (said, took)
    assert checkpoint(tmp_path / "hf.db")  # the committed pages stay; the next run resumes


def interrupted_then_resumed(hub, truth, tmp_path, hub_models: int, budget_left: int):
    """A tracked crawl stopped by a spent budget it may not wait for, then run again."""
    config = HuggingFaceConfig(
        authors=["Qwen"], models=["mistralai/Mistral-7B-v0.1"], derivative_depth=3, hub_models=hub_models
    )
    clean = tmp_path / "clean.db"
    whole = collect_hf(Store(clean), config, progress=False, client=client(hub))
    resumed_db = tmp_path / "resumed.db"
    hub.expire_hf_budget()
    hub.hf_anonymous_budget, saved = budget_left, hub.hf_anonymous_budget
    try:
        stopped = collect_hf(Store(resumed_db), config, progress=False, client=client(hub, max_rate_wait=0))
    finally:
        hub.hf_anonymous_budget = saved
        hub.expire_hf_budget()
    resumed = collect_hf(Store(resumed_db), config, progress=False, client=client(hub))
    return whole, stopped, resumed, table_rows(clean), table_rows(resumed_db)


@pytest.mark.parametrize("strategy", ["node by node", "full listing"])
def test_an_interrupted_tracked_crawl_resumes_where_it_stopped(hub, truth, tmp_path, strategy):
    hub_models = 10**9 if strategy == "node by node" else truth["hf"]["model_count"]
    budget = 150 if strategy == "node by node" else 24
    whole, stopped, resumed, clean_rows, resumed_rows = interrupted_then_resumed(
        hub, truth, tmp_path, hub_models, budget
    )
    assert stopped.partial and not resumed.partial and not whole.partial
    assert any("resumed the interrupted tracked crawl" in note for note in resumed.notes)
    assert resumed.total_requests < whole.total_requests - budget // 2, (resumed.requests, whole.requests)
    assert resumed_rows == clean_rows
    with Store(tmp_path / "resumed.db") as store:
        assert store.query("SELECT count(*) AS n FROM checkpoints WHERE source = 'hf:tracked'")[0]["n"] == 0
    assert not Path(str(tmp_path / "resumed.db") + ".hf-lineage").exists()


def test_without_a_network_collect_hf_fails_in_seconds_naming_the_endpoint(tmp_path):
    import socket

    config = tmp_path / "ecometrics.toml"
    config.write_text('[huggingface]\nauthors = ["Qwen", "deepseek-ai"]\n')
    with socket.socket() as probe, FakeHub(seed=0, scale="small") as plain_http:
        probe.bind(("127.0.0.1", 0))  # held, never listening, for the whole test: a connection is refused
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
        tls_to_plain = plain_http.url.replace("http://", "https://")  # the TLS handshake fails
        for endpoint in (closed, tls_to_plain):
            command, env = anonymous_collect_hf(endpoint, config, tmp_path / "hf.db")
            started = time.monotonic()
            done = subprocess.run(
                command,
                capture_output=True,
                text=True,
                env=env,
                cwd=REPO,
                timeout=60,
            )
            took = time.monotonic() - started
            lines = [line for line in (done.stdout + done.stderr).splitlines() if endpoint in line]
            assert done.returncode == 1 and took < 15, (took, done.stdout, done.stderr)
            assert lines and all("HF_ENDPOINT" in line for line in lines) and "Traceback" not in done.stderr, lines


def test_without_a_terminal_a_crawl_logs_its_start_and_end(hub, tmp_path, caplog):
    """Cron mail shows a crawl's course: a line when it starts and one when it ends, not silence."""
    config = HuggingFaceConfig(models=["Qwen/Qwen3-8B"], derivative_depth=1)
    with Store(tmp_path / "hf.db") as store, caplog.at_level("INFO", logger="ecometrics.collector.hf"):
        collect_hf(store, config, progress=True, client=client(hub))  # pytest's stderr is no terminal
    lines = [r.getMessage() for r in caplog.records if r.name == "ecometrics.collector.hf"]
    assert any(line.startswith("hf tracked models: started") for line in lines), lines
    assert any(line.startswith("hf tracked models: ") and " models in " in line for line in lines), lines


def test_huggingface_max_rate_wait_bounds_the_wait_for_a_spent_budget(tmp_path, monkeypatch, capsys):
    """A setting of its own, as github.max_rate_wait: a run that may not wait ends partial, saying why."""
    from ecometrics.jobs.cli import main

    config = tmp_path / "ecometrics.toml"
    config.write_text("[huggingface]\nfull_hub = true\nmax_rate_wait = 0\n")
    monkeypatch.delenv("HF_TOKEN", raising=False)
    with FakeHub(seed=0, scale="small", hf_page_size=100, hf_anonymous_budget=3, hf_window_seconds=300) as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        code = main(["--config", str(config), "--db", str(tmp_path / "hf.db"), "collect", "hf", "--quiet"])
    said = capsys.readouterr().err
    assert code == 3, said
    assert "more than the 0 s" in said and "max_rate_wait" in said, said


def test_private_models_a_token_lists_are_never_stored(tmp_path):
    """A listing asked with a token also lists the private models the token can read
    (huggingface_hub issue #634): with a lab member's token the crawl stores exactly what an
    anonymous one does, tracked and full Hub, and no private model reaches an export."""
    from ecometrics.analysis.export import TABLES

    with FakeHub(seed=0, scale="small", hf_page_size=500, hf_trending_refresh_pages=0) as hub:
        truth = hub.truth()
        private = truth["hf"]["private"]
        assert any(m.startswith("Qwen/") for m in private) and not set(private) & set(truth["hf"]["models"])
        member = HfClient(hub.url, token="hf_lab_member", backoff=0.001, max_wait=0.01, sleep=hub.expire_hf_budget)
        listed = {m["id"] for m in member.get("/api/models", [("author", "Qwen"), ("expand", "private")]).data}
        assert listed & set(private)  # the fake Hub does show them to the token

        config = HuggingFaceConfig(authors=["Qwen", "deepseek-ai"], derivative_depth=1)
        tracked = collect_hf(Store(tmp_path / "member.db"), config, progress=False, client=member)
        anonymous = collect_hf(Store(tmp_path / "anonymous.db"), config, progress=False, client=client(hub))
        assert not tracked.partial and not anonymous.partial, (tracked.reason, anonymous.reason)
        assert table_rows(tmp_path / "member.db") == table_rows(tmp_path / "anonymous.db")

        full = collect_hf(
            Store(tmp_path / "full.db"), HuggingFaceConfig(), full_hub=True, progress=False, client=member
        )
        assert not full.partial, full.reason
        assert stored(Store(tmp_path / "full.db"), "SELECT id FROM models") == {(m,) for m in truth["hf"]["models"]}

        # a configured private model is recorded as a run without the token sees it: unavailable
        named = collect_hf(
            Store(tmp_path / "named.db"), HuggingFaceConfig(models=private[:1], derivative_depth=0),
            progress=False, client=member,
        )  # fmt: skip
        assert stored(Store(tmp_path / "named.db"), "SELECT id, status, created_at FROM models") == {
            (private[0], "unavailable", None)
        }
        assert not stored(Store(tmp_path / "named.db"), "SELECT * FROM model_snapshots"), named.notes

    with Store(tmp_path / "full.db") as store:
        for kind in ("models", "families", "labs"):
            frame = TABLES[kind].build(store)
            text = frame.write_csv()
            assert not any(model in text for model in private), kind


def test_a_body_cut_short_is_retried_whatever_http_library_the_installed_hub_client_uses():
    """huggingface_hub 1.x builds its session on httpx, 2.x on httpx2: the retried failures are
    the installed session's own, so a cut body (its RemoteProtocolError) is retried under both
    (bench/hf_floor_versions.py runs this file under each floor)."""
    from huggingface_hub.utils import get_session

    from ecometrics.collector.hf_client import retry_exceptions, session_transport

    assert type(get_session()).__module__.partition(".")[0] == session_transport().__name__
    assert session_transport().RemoteProtocolError in retry_exceptions()
    with FakeHub(seed=0, scale="small", faults="truncate:0.8") as hub:
        hub_client = client(hub, max_retries=60)
        for model in ("Qwen/Qwen3-8B", "mistralai/Mistral-7B-v0.1", "deepseek-ai/DeepSeek-V3"):
            assert hub_client.get(f"/api/models/{model}").data["id"] == model
        assert hub.stats()["faults"].get("truncate") and hub_client.requests.get("error"), hub_client.requests
