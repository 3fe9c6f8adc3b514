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

from analysis.crawl import crawl_completeness
from collector.hf import collect_hf
from collector.hf_client import HfClient
from collector.store import Store
from fakehub import FakeHub
from jobs.config import HuggingFaceConfig

FAULTS = "429:0.05,5xx:0.05,timeout:0.02,truncate:0.02"
REPO = Path(__file__).resolve().parent.parent


def client(hub: FakeHub, **options) -> HfClient:
    # token=False: no HF_TOKEN from the environment, so gated models answer 401.
    return HfClient(hub.url, token=False, backoff=0.001, max_wait=0.01, timeout=10, **options)


@pytest.fixture(scope="module")
def hub():
    with FakeHub(seed=0, scale="small") as hub:
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


def table_rows(path: Path) -> dict[str, set[tuple]]:
    """What a user would compare: every collected row, without the write timestamps."""
    with Store(path) as store:
        return {
            "models": stored(store, "SELECT id, author, created_at, last_modified, library, pipeline_tag, license, "
                                    "parameters, gated, children_count, status, tracked FROM models"),
            "model_snapshots": stored(store, "SELECT * FROM model_snapshots"),
            "model_edges": stored(store, "SELECT * FROM model_edges"),
        }  # fmt: skip


def test_tracked_authors_and_models_equal_the_hub_to_the_configured_depth(hub, truth, tmp_path):
    known = truth["hf"]["models"]
    config = HuggingFaceConfig(authors=["Qwen"], models=["mistralai/Mistral-7B-v0.1"], derivative_depth=2)
    store = Store(tmp_path / "hf.db")

    result = collect_hf(store, config, progress=False, client=client(hub))

    expected = expected_crawl(truth, {"Qwen"}, config.models, depth=2)
    assert not result.partial, result.reason
    assert len(expected) > 100
    assert stored(store, "SELECT id FROM models") == {(m,) for m in expected}
    today = truth["now"][:10]
    assert stored(store, "SELECT * FROM model_snapshots") == {
        (m, today, known[m]["downloads"], known[m]["downloadsAllTime"], known[m]["likes"], known[m]["trendingScore"])
        for m in expected
    }
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
        [sys.executable, "-m", "jobs.cli", "--db", str(store.path), "export", "completeness", "--format", "json"],
        capture_output=True, text=True, check=True,
    )
    assert json.loads(exported.stdout) == frame.to_dicts()  # `ecometrics export completeness`


def test_faults_429_5xx_timeouts_and_truncated_bodies_end_with_the_same_rows(tmp_path):
    config = HuggingFaceConfig(authors=["Qwen", "deepseek-ai"], models=["mistralai/Mistral-7B-v0.1"])
    clean, faulty = tmp_path / "clean.db", tmp_path / "faulty.db"
    # 100 models a page: a tracked crawl and a full-Hub crawl make a few hundred requests.
    with FakeHub(seed=0, scale="small", hf_page_size=100) as hub:
        for full_hub in (False, True):
            collect_hf(Store(clean), config, full_hub=full_hub, progress=False, client=client(hub))

    with FakeHub(seed=0, scale="small", faults=FAULTS, hf_page_size=100) as flaky:
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


def test_a_hub_refusing_detail_expands_in_listings_keeps_the_stored_children_counts(hub, tmp_path):
    config = HuggingFaceConfig(authors=["deepseek-ai"], derivative_depth=1)
    store = Store(tmp_path / "hf.db")
    collect_hf(store, config, progress=False, client=client(hub))
    before = table_rows(tmp_path / "hf.db")
    assert all(row[9] is not None for row in before["models"])  # children_count, from expanded listings

    with FakeHub(seed=0, scale="small", hf_detail_only_expand=True) as strict:
        result = collect_hf(store, config, progress=False, client=client(strict))

    assert not result.partial, result.reason
    assert any("refuses baseModels/childrenModelCount" in note for note in result.notes)
    assert table_rows(tmp_path / "hf.db") == before


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


def test_gated_and_deleted_models_are_recorded_and_the_run_goes_on(hub, truth, tmp_path):
    gated = "meta-llama/Llama-3.1-8B"
    assert gated in truth["hf"]["gated"]
    config = HuggingFaceConfig(
        authors=["deepseek-ai"], models=[gated, "nobody/deleted-model"], derivative_depth=1
    )
    store = Store(tmp_path / "hf.db")

    result = collect_hf(store, config, progress=False, client=client(hub))

    assert not result.partial
    assert result.requests == {"200": result.requests["200"], "401": 1, "404": 1}
    assert stored(store, "SELECT id, status FROM models WHERE status != 'ok'") == {
        (gated, "gated"), ("nobody/deleted-model", "not_found")
    }
    assert any(gated in note and "gated" in note for note in result.notes)
    # the rest of the run: the author's models, and the gated model's public derivatives
    assert stored(store, "SELECT id FROM models WHERE author = 'deepseek-ai'") == {
        (model,) for model, record in truth["hf"]["models"].items() if record["author"] == "deepseek-ai"
    }
    assert stored(store, "SELECT child FROM model_edges WHERE parent = ?".replace("?", repr(gated))) == {
        (c,) for c in children_of(truth).get(gated, ())
    }
    assert children_of(truth).get(gated)


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
    from jobs.cli import main

    config = tmp_path / "ecometrics.toml"
    config.write_text('[huggingface]\nauthors = ["deepseek-ai"]\nderivative_depth = 1\n')
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    db = tmp_path / "hf.db"

    assert main(["--config", str(config), "--db", str(db), "collect", "hf"]) == 0

    with Store(db) as store:
        assert stored(store, "SELECT id FROM models") == {
            (m,) for m in expected_crawl(truth, {"deepseek-ai"}, [], 1)
        }
        run = store.last_runs(1)[0]
        assert (run["job"], run["status"]) == ("collect:hf", "ok")
        assert json.loads(run["api_requests"])["200"] > 0
        assert run["rows_written"] > 0


CRAWL = """
import sys
from collector.hf import collect_hf
from collector.hf_client import HfClient
from collector.store import Store
from jobs.config import HuggingFaceConfig
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


def test_a_full_hub_crawl_killed_with_sigkill_resumes_to_the_same_rows(tmp_path):
    whole, killed = tmp_path / "whole.db", tmp_path / "killed.db"
    # 50 models a page: the small Hub's 3,500 models take 70 pages, time enough to kill one.
    with FakeHub(seed=0, scale="small", hf_page_size=50) as hub:
        result = collect_hf(Store(whole), HuggingFaceConfig(), full_hub=True, progress=False, client=client(hub))
        pages = result.requests["200"]
        assert pages == 70 and not result.partial

        crawler = subprocess.Popen([sys.executable, "-c", CRAWL, str(killed), hub.url], cwd=REPO)
        deadline = time.monotonic() + 60
        while checkpoint(killed) is None and crawler.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        os.kill(crawler.pid, signal.SIGKILL)
        crawler.wait()
        assert crawler.returncode == -signal.SIGKILL
        cursor = checkpoint(killed)
        assert cursor, "the crawl finished before it could be killed"
        with Store(killed) as store:
            assert 0 < store.count("models") < 3500

        resumed = collect_hf(Store(killed), HuggingFaceConfig(), full_hub=True, progress=False, client=client(hub))

    assert not resumed.partial
    assert resumed.requests["200"] < pages  # it went on from the checkpoint, not from page 1
    assert checkpoint(killed) is None  # the crawl is complete: the next one starts afresh
    assert table_rows(killed) == table_rows(whole)
    with Store(whole) as store:
        assert store.count("models") == 3500
        assert store.count("model_edges") > 2000
