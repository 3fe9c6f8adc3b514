"""The ModelScope collector against fakehub on loopback, through the official client: stored rows
equal fakehub's truth, faults and SIGKILL change nothing, bad input is one line, the store upgrades."""

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from ecometrics.collector.hf import collect_hf
from ecometrics.collector.hf_client import HfClient
from ecometrics.collector.modelscope import collect_modelscope
from ecometrics.collector.modelscope_client import ModelScopeClient
from ecometrics.collector.store import SCHEMA_VERSION, Store
from ecometrics.core.config import HuggingFaceConfig, ModelScopeConfig
from ecometrics.core.ecosystem import LABS, modelscope_owners, modelscope_same_as
from ecometrics.fakehub import FakeHub

REPO = Path(__file__).resolve().parents[1]
MS_LAB_AUTHORS = [author for lab in LABS if lab.modelscope_owners for author in lab.hf_authors]


@pytest.fixture(autouse=True)
def no_saved_login(tmp_path, monkeypatch):
    monkeypatch.setenv("MODELSCOPE_HOME", str(tmp_path / "modelscope-home"))
    monkeypatch.delenv("MODELSCOPE_API_TOKEN", raising=False)


def client(hub: FakeHub, **options) -> ModelScopeClient:
    """An anonymous client whose retry waits pass on fakehub's rate clock instead of the wall clock."""
    options.setdefault("sleep", hub.sleep)
    return ModelScopeClient(hub.url, "", backoff=0.001, max_wait=0.01, **options)


def config(**options) -> ModelScopeConfig:
    options.setdefault("owners", modelscope_owners())
    options.setdefault("same_as", modelscope_same_as())
    return ModelScopeConfig(**options)


def ms_rows(db: Path) -> dict[str, set]:
    """The ModelScope rows a pass leaves, without the time they were written."""
    conn = sqlite3.connect(db)
    try:
        return {
            "models": set(
                conn.execute(
                    "SELECT id, author, created_at, last_modified, pipeline_tag, license, gated, status, same_as "
                    "FROM models WHERE platform = 'modelscope'"
                )
            ),
            "snapshots": set(
                conn.execute(
                    "SELECT model_id, date, downloads_30d, downloads_all_time, likes, trending_score "
                    "FROM model_snapshots WHERE platform = 'modelscope'"
                )
            ),
        }
    finally:
        conn.close()


def expected_rows(truth: dict, owners, hf_stored: set[str]) -> dict[str, set]:
    today = truth["now"][:10]
    chosen = {m: r for m, r in truth["modelscope"]["models"].items() if m.split("/")[0] in owners}
    return {
        "models": {
            (
                m,
                m.split("/")[0],
                r["created_at"],
                r["last_modified"],
                r["tasks"][0],
                r["license"],
                "false",
                "ok",
                r["hf_id"] if r["hf_id"] in hf_stored else None,
            )
            for m, r in chosen.items()
        },  # fmt: skip
        "snapshots": {(m, today, None, r["downloads"], r["likes"], None) for m, r in chosen.items()},
    }


def collect_both(db: Path, hub: FakeHub, **ms_options):
    """The labs' Hugging Face models (no derivatives), then ModelScope, as ``collect all`` orders them."""
    with Store(db) as store:
        hf = HfClient(hub.url, token=False, backoff=0.001, max_wait=0.01, sleep=hub.expire_hf_budget)
        collect_hf(store, HuggingFaceConfig(authors=MS_LAB_AUTHORS, derivative_depth=0), progress=False, client=hf)
        return collect_modelscope(store, config(**ms_options), client=client(hub))


def test_stored_models_and_snapshots_equal_the_truth_and_twins_are_linked(tmp_path):
    db = tmp_path / "ms.db"
    with FakeHub(seed=0, scale="small") as hub:
        result = collect_both(db, hub)
        truth = hub.truth()
    assert not result.partial, result.reason
    with Store(db) as store:
        hf_stored = {r["id"] for r in store.query("SELECT id FROM models WHERE platform = 'huggingface'")}
    assert ms_rows(db) == expected_rows(truth, modelscope_owners(), hf_stored)
    linked = {m: r["hf_id"] for m, r in truth["modelscope"]["models"].items() if r["hf_id"]}
    assert linked["ZhipuAI/glm-4-9b-chat"] == "zai-org/glm-4-9b-chat" and linked["Qwen/Qwen3-0.6B"] == "Qwen/Qwen3-0.6B"
    assert set(linked.values()) <= hf_stored  # every twin was collected, so every twin is linked
    # Qwen/Qwen3-0.6B is on both hubs: two rows, one per platform, each with its own downloads
    with Store(db) as store:
        both = store.query(
            "SELECT platform, downloads_all_time FROM model_snapshots WHERE model_id = 'Qwen/Qwen3-0.6B' ORDER BY 1"
        )
    assert [row["platform"] for row in both] == ["huggingface", "modelscope"]
    assert both[1]["downloads_all_time"] == truth["modelscope"]["models"]["Qwen/Qwen3-0.6B"]["downloads"]
    assert both[0]["downloads_all_time"] == truth["hf"]["models"]["Qwen/Qwen3-0.6B"]["downloadsAllTime"]


def test_faults_at_five_percent_end_with_the_same_rows(tmp_path):
    # three nights of every owner and every model by id: enough requests that each kind of fault is met
    def three_nights(db: Path, faults: str | None) -> dict:
        with FakeHub(seed=0, scale="small", faults=faults) as hub:
            ids = sorted(hub.truth(include_models=False)["modelscope"]["models"])
            for night in range(3):
                if night:
                    hub.advance(1)
                result = collect_modelscope(Store(db), config(models=ids), client=client(hub))
                assert not result.partial, result.reason
            return hub.stats()["faults"]

    assert three_nights(tmp_path / "clean.db", None) == {}
    faults = three_nights(tmp_path / "faulted.db", "429:0.02,5xx:0.01,timeout:0.01,truncate:0.01")
    assert set(faults) == {"429", "5xx", "timeout", "truncate"}, f"not every kind of fault was met: {faults}"
    assert ms_rows(tmp_path / "faulted.db") == ms_rows(tmp_path / "clean.db")
    assert len({row[1] for row in ms_rows(tmp_path / "clean.db")["snapshots"]}) == 3  # a snapshot a night


def test_a_model_listed_by_id_is_collected_and_an_unknown_one_is_recorded_not_found(tmp_path):
    db = tmp_path / "models.db"
    with FakeHub(seed=0, scale="small") as hub:
        result = collect_modelscope(
            Store(db), config(owners=[], models=["OpenBMB/MiniCPM4-8B", "Qwen/no-such-model"]), client=client(hub)
        )
        truth = hub.truth(include_models=False)["modelscope"]["models"]
    assert result.partial and "Qwen/no-such-model" in result.reason and "[modelscope] models" in result.reason
    rows = {row[0]: row for row in ms_rows(db)["models"]}
    assert rows["Qwen/no-such-model"][7] == "not_found"
    assert rows["OpenBMB/MiniCPM4-8B"][2] == truth["OpenBMB/MiniCPM4-8B"]["created_at"]


def test_a_configured_private_model_is_recorded_not_found_and_the_pass_goes_on(tmp_path):
    db = tmp_path / "private.db"
    with FakeHub(seed=0, scale="small") as hub:
        private = hub.truth(include_models=False)["modelscope"]["private"][0]
        result = collect_modelscope(
            Store(db), config(owners=[], models=[private, "OpenBMB/MiniCPM4-8B"]), client=client(hub)
        )
        forbidden = hub.stats()["by_endpoint"]["ms.legacy_model"]["by_status"]
    # the OpenAPI surface said not found, the legacy one refused in a 200's envelope
    assert forbidden == {"200": 1}
    assert result.partial and private in result.reason and "private" in result.reason
    rows = {row[0]: row for row in ms_rows(db)["models"]}
    assert rows[private][7] == "not_found" and rows["OpenBMB/MiniCPM4-8B"][7] == "ok"
    assert private not in {row[0] for row in ms_rows(db)["snapshots"]}  # no downloads of 0 stored for it


def test_a_private_model_a_token_can_read_is_not_stored(tmp_path):
    # the owner's listing and the legacy surface show its owner a private model (private, Visibility 1);
    # a run stores what an anonymous one does
    db = tmp_path / "private-token.db"
    with FakeHub(seed=0, scale="small") as hub:
        truth = hub.truth(include_models=False)["modelscope"]
        private = truth["private"][0]
        owner = private.split("/")[0]
        with_token = ModelScopeClient(hub.url, "ms-test", backoff=0.001, max_wait=0.01, sleep=hub.sleep)
        result = collect_modelscope(Store(db), config(owners=[owner], models=[private]), client=with_token)
        shown = hub.stats()["by_endpoint"]["ms.legacy_model"]["by_status"]
        listed = hub.stats()["by_endpoint"]["ms.models"]["requests"]
    assert shown == {"200": 1}
    assert result.partial and private in result.reason and "private" in result.reason
    public = {m for m in truth["models"] if m.startswith(owner + "/")}
    # the listing walked once: the private model it shows counts in its total, though not stored
    assert listed == -(-(len(public) + 1) // 50)
    assert {row[0]: row[7] for row in ms_rows(db)["models"]} == {private: "not_found"} | dict.fromkeys(public, "ok")
    assert {row[0] for row in ms_rows(db)["snapshots"]} == public


def test_a_listing_whose_order_moves_between_pages_is_read_again_until_complete(tmp_path):
    # every request moves the clock a day: downloads grow and the default order (by downloads) shifts
    with FakeHub(seed=0, scale="small", clock_step_seconds=86_400) as hub:
        models = ModelScopeClient(hub.url, "", sleep=hub.sleep).owner_models("Qwen")
        total = len([m for m in hub.truth(include_models=False)["modelscope"]["models"] if m.startswith("Qwen/")])
    assert len({m.repo_id for m in models}) == len(models) >= total - 1  # at most the one released meanwhile


# -- the command line -------------------------------------------------------------------

CONFIG = """
[modelscope]
owners = {owners}
same_as = {{ ZhipuAI = ["THUDM", "zai-org"] }}
"""


def ecometrics(workdir: Path, endpoint: str, *args, token: str | None = None, background: bool = False):
    env = {**os.environ, "MODELSCOPE_ENDPOINT": endpoint, "MODELSCOPE_HOME": str(workdir / "ms-home")}
    env.pop("MODELSCOPE_API_TOKEN", None)
    if token is not None:
        env["MODELSCOPE_API_TOKEN"] = token
    command = [sys.executable, "-m", "ecometrics.jobs.cli", "--config", str(workdir / "ecometrics.toml"), *args]
    if background:
        return subprocess.Popen(command, cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, timeout=120)


def workdir_with(tmp_path: Path, owners: list[str]) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "ecometrics.toml").write_text(CONFIG.format(owners="[" + ", ".join(f'"{o}"' for o in owners) + "]"))
    return tmp_path


def error_line(result) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("ecometrics: ")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_sigkill_mid_collection_then_a_rerun_ends_identical_to_one_clean_pass(tmp_path):
    owners = modelscope_owners()
    clean, killed = workdir_with(tmp_path / "clean", owners), workdir_with(tmp_path / "killed", owners)
    with FakeHub(seed=0, scale="small") as hub:
        assert ecometrics(clean, hub.url, "collect", "modelscope").returncode == 0
        held = hub.pause_after(3)  # three owners answered and written, the fourth request held
        process = ecometrics(killed, hub.url, "collect", "modelscope", background=True)
        try:
            assert held.wait(60), "the collection never reached its fourth request"
            with Store(killed / "ecometrics.db", readonly=True) as store:
                assert 0 < store.count("models")
            process.send_signal(signal.SIGKILL)
            process.wait(30)
        finally:
            hub.resume()
        assert process.returncode == -signal.SIGKILL
        rerun = ecometrics(killed, hub.url, "collect", "modelscope")
    assert rerun.returncode == 0, rerun.stderr
    assert ms_rows(killed / "ecometrics.db") == ms_rows(clean / "ecometrics.db")


def test_an_unknown_owner_is_one_line_exit_3_and_the_known_owners_are_still_collected(tmp_path):
    workdir = workdir_with(tmp_path, ["No-Such-Lab", "Qwen"])
    with FakeHub(seed=0, scale="small") as hub:
        result = ecometrics(workdir, hub.url, "collect", "modelscope")
    assert result.returncode == 3
    line = error_line(result)
    assert "'No-Such-Lab'" in line and "[modelscope] owners" in line
    assert {row[1] for row in ms_rows(workdir / "ecometrics.db")["models"]} == {"Qwen"}


@pytest.mark.parametrize(
    "case, token, fragments",
    [
        ("bad token", "invalid-token", ("MODELSCOPE_API_TOKEN", "refused", "https://modelscope.cn/my/myaccesstoken")),
        ("unreachable", None, ("cannot reach ModelScope", "MODELSCOPE_ENDPOINT")),
    ],
)
def test_a_bad_token_or_an_unreachable_endpoint_fails_the_step_in_one_line_and_changes_nothing(
    tmp_path, case, token, fragments
):
    workdir = workdir_with(tmp_path, ["Qwen"])
    with FakeHub(seed=0, scale="small") as hub:
        assert ecometrics(workdir, hub.url, "collect", "modelscope").returncode == 0
        before = ms_rows(workdir / "ecometrics.db")
        hub.advance(3)  # a second pass would store another day
        endpoint = hub.url if case == "bad token" else "http://127.0.0.1:9"
        result = ecometrics(workdir, endpoint, "collect", "modelscope", token=token)
    assert result.returncode == 1, result.stderr  # the step failed, as a refused HF_TOKEN fails collect hf
    line = error_line(result)
    assert all(fragment in line for fragment in fragments), line
    assert "invalid-token" not in result.stderr  # the token itself is never shown
    assert ms_rows(workdir / "ecometrics.db") == before


# -- the store --------------------------------------------------------------------------


def test_a_database_at_migration_10_upgrades_keeping_every_model_as_hugging_faces(tmp_path):
    db = tmp_path / "old.db"
    with Store(db, migrate=False) as store:
        store.migrate(to=10)
        store.conn.execute(
            "INSERT INTO models (id, author, gated, status, tracked) VALUES ('Qwen/Qwen3-8B', 'Qwen', 'false', 'ok', 1)"
        )
        store.conn.execute("INSERT INTO model_snapshots VALUES ('Qwen/Qwen3-8B', '2025-09-01', 10, 100, 5, 1.5)")
        assert store.version == 10
    with Store(db) as store:
        assert store.version == SCHEMA_VERSION
        assert store.query("SELECT platform, id, author, gated, status, tracked, same_as FROM models") == [
            {"platform": "huggingface", "id": "Qwen/Qwen3-8B", "author": "Qwen", "gated": "false", "status": "ok",
             "tracked": 1, "same_as": None}
        ]  # fmt: skip
        assert store.query("SELECT * FROM model_snapshots") == [
            {"platform": "huggingface", "model_id": "Qwen/Qwen3-8B", "date": "2025-09-01", "downloads_30d": 10,
             "downloads_all_time": 100, "likes": 5, "trending_score": 1.5, "source": "api"}
        ]  # fmt: skip
        # the same id on ModelScope is a second row, not an overwrite
        store.save_modelscope_models(
            [{"id": "Qwen/Qwen3-8B", "author": "Qwen", "status": "ok"}],
            [{"model_id": "Qwen/Qwen3-8B", "date": "2025-09-01", "downloads_all_time": 7, "likes": 1}],
        )
        assert store.link_modelscope_models({}) == 1
        assert store.count("models") == 2 and store.count("model_snapshots") == 2
        assert store.query("PRAGMA foreign_key_check") == []


# -- the config -------------------------------------------------------------------------


def test_init_writes_the_labs_that_publish_on_modelscope_with_their_hugging_face_authors(tmp_path):
    import tomllib

    from ecometrics.core.config import parse_config

    done = subprocess.run(
        [sys.executable, "-m", "ecometrics.jobs.cli", "init"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    written = parse_config(tomllib.loads((tmp_path / "ecometrics.toml").read_text())).modelscope
    assert written.owners == modelscope_owners() and {"Qwen", "deepseek-ai", "ZhipuAI"} <= set(written.owners)
    assert written.same_as["ZhipuAI"] == ["THUDM", "zai-org"] and "Qwen" not in written.same_as
    assert "Mistral" not in " ".join(written.owners)  # labs that do not publish there are not listed


@pytest.mark.parametrize(
    "section, message",
    [
        ("models = ['Qwen3-8B']", "modelscope.models[0] 'Qwen3-8B' is not OWNER/NAME"),
        ("owners = ['Qwen/Qwen3-8B']", "modelscope.owners[0] 'Qwen/Qwen3-8B' is not an owner"),
        ("same_as = { ZhipuAI = ['zai-org/glm-4'] }", "modelscope.same_as.ZhipuAI maps an owner to authors"),
        ("owner = ['Qwen']", "unknown key modelscope.owner"),
    ],
)
def test_a_bad_modelscope_section_is_one_line_exit_2(tmp_path, section, message):
    (tmp_path / "ecometrics.toml").write_text(f"[modelscope]\n{section}\n")
    result = ecometrics(tmp_path, "http://127.0.0.1:9", "collect", "modelscope")
    assert result.returncode == 2, result.stderr
    assert message in error_line(result)
    assert not (tmp_path / "ecometrics.db").exists()
