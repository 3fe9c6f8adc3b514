"""The labs across Hugging Face and ModelScope, on the demo database: per-platform downloads and a
total in families, origins and labs; lab_months joins each lab's GitHub side with both hubs."""

import sqlite3
from pathlib import Path

import nbformat
import polars as pl
import pytest
from nbclient import NotebookClient

from ecometrics.analysis import hubs
from ecometrics.analysis.export import build_table
from ecometrics.analysis.lineage import analyze_lineage
from ecometrics.collector.hf import collect_hf
from ecometrics.collector.hf_client import HfClient
from ecometrics.collector.modelscope import collect_modelscope
from ecometrics.collector.modelscope_client import ModelScopeClient
from ecometrics.collector.store import Store
from ecometrics.core.config import HuggingFaceConfig, ModelScopeConfig
from ecometrics.core.ecosystem import LABS, modelscope_owners, modelscope_same_as
from ecometrics.fakehub import FakeHub


@pytest.fixture(scope="module")
def tables(demo_db):
    with Store(demo_db, readonly=True) as store:
        return {kind: build_table(store, kind) for kind in ("families", "origins", "labs", "lab_months")}


def modelscope_latest(demo_db, family: str, owners: str) -> tuple[int, int, int]:
    """(models, of them not on Hugging Face, all-time downloads at their latest snapshot) of a family on
    ModelScope: the models whose Hugging Face twin is of the family, and the unlinked ones of its owners."""
    conn = sqlite3.connect(demo_db)
    try:
        return conn.execute(
            "SELECT count(*), sum(m.same_as IS NULL), sum(s.downloads_all_time) FROM models m "
            "JOIN model_snapshots s ON s.platform = m.platform AND s.model_id = m.id "
            "AND s.date = (SELECT max(date) FROM model_snapshots WHERE platform = 'modelscope') "
            "LEFT JOIN model_lineage l ON l.model_id = m.same_as "
            "WHERE m.platform = 'modelscope' AND m.status = 'ok' AND CASE WHEN l.family IS NOT NULL "
            "THEN '+' || l.family || '+' LIKE '%+' || ? || '+%' ELSE m.author IN (SELECT value FROM json_each(?)) END",
            (family, owners),
        ).fetchone()
    finally:
        conn.close()


def test_the_demo_collected_modelscope_and_linked_the_twins(demo_db):
    conn = sqlite3.connect(demo_db)
    rows = dict(conn.execute("SELECT platform, count(*) FROM models GROUP BY platform").fetchall())
    linked = conn.execute(
        "SELECT count(*) FROM models ms JOIN models hf ON hf.platform = 'huggingface' AND hf.id = ms.same_as "
        "WHERE ms.platform = 'modelscope'"
    ).fetchone()[0]
    glm = conn.execute("SELECT same_as FROM models WHERE platform = 'modelscope' AND id = 'ZhipuAI/glm-4-9b-chat'")
    nights = conn.execute("SELECT count(DISTINCT date) FROM model_snapshots WHERE platform = 'modelscope'")
    assert rows["modelscope"] > 20 and linked > 10 and nights.fetchone()[0] == 2  # a snapshot each nightly run
    assert glm.fetchone() == ("zai-org/glm-4-9b-chat",)


def test_families_gain_modelscope_downloads_and_a_total_counting_a_model_on_both_hubs_once(tables, demo_db):
    families = {row["family"]: row for row in tables["families"].to_dicts()}
    qwen = families["Qwen"]
    models, only_here, downloads = modelscope_latest(demo_db, "Qwen", '["Qwen"]')
    assert (qwen["modelscope_models"], qwen["modelscope_downloads"]) == (models, downloads)
    assert qwen["all_models"] == qwen["models"] + only_here < qwen["models"] + models  # twins counted once
    assert qwen["total_downloads"] == qwen["downloads_all_time"] + downloads
    glm = families["GLM"]  # ModelScope's ZhipuAI is the GLM lab of Hugging Face's THUDM and zai-org
    assert (glm["modelscope_models"], glm["modelscope_downloads"]) == modelscope_latest(demo_db, "GLM", '["ZhipuAI"]')[
        ::2
    ]
    assert (
        families["Phi"]["modelscope_models"] == 0
        and families["Phi"]["total_downloads"] == families["Phi"]["downloads_all_time"]
    )
    origins = {row["origin"]: row for row in tables["origins"].to_dicts()}
    cn = [row for row in families.values() if row["origin"] == "CN"]
    assert origins["CN"]["modelscope_downloads"] == sum(row["modelscope_downloads"] for row in cn)
    assert (
        origins["US"]["total_downloads"] == origins["US"]["downloads_all_time"] + origins["US"]["modelscope_downloads"]
    )


def test_labs_and_lab_months_join_github_with_both_hubs(tables):
    labs = {row["family"]: row for row in tables["labs"].to_dicts()}
    families = {row["family"]: row for row in tables["families"].to_dicts()}
    for column in ("modelscope_models", "modelscope_downloads", "all_models", "total_downloads"):
        assert labs["Qwen"][column] == families["Qwen"][column]
    months = tables["lab_months"]
    assert months.select("family", "month").is_unique().all()  # one row per lab per month
    last = months["month"].max()
    latest = {row["family"]: row for row in months.filter(pl.col("month") == last).to_dicts()}
    qwen = latest["Qwen"]
    assert qwen["modelscope_downloads"] == families["Qwen"]["modelscope_downloads"]
    assert qwen["hf_downloads"] + qwen["modelscope_downloads"] == qwen["total_downloads"]
    assert qwen["stars"] > 0 and qwen["openrank"] > 0 and qwen["partial_month"]
    # earlier months have GitHub history but no model snapshot: their hub figures are unknown, not zero
    earlier = months.filter((pl.col("family") == "Qwen") & (pl.col("month") < last))
    assert earlier.height and earlier["total_downloads"].is_null().all() and earlier["openrank"].is_not_null().any()
    assert earlier["stars"].to_list() == sorted(earlier["stars"].to_list())  # stars at each month's end


# -- the functions of ecometrics.analysis.hubs, on a database the collectors built from fakehub -------------

MS_LAB_AUTHORS = [author for lab in LABS if lab.modelscope_owners for author in lab.hf_authors]
FAMILY_OF_OWNER = {owner: lab.family for lab in LABS for owner in lab.modelscope_owners}
ORIGIN = {lab.family: lab.origin for lab in LABS}


@pytest.fixture(scope="module")
def two_hubs(tmp_path_factory):
    """(database, [(day, truth)]): the labs' Hugging Face models and their ModelScope owners
    collected on two days, the lineage analysed after the first."""
    db = tmp_path_factory.mktemp("hubs") / "hubs.db"
    nights = []
    with (
        pytest.MonkeyPatch.context() as env,
        FakeHub(collaborator_of="*", seed=0, scale="small") as hub,
        Store(db) as store,
    ):
        env.setenv("MODELSCOPE_HOME", str(db.parent / "modelscope-home"))  # no saved login is read or written
        for night in range(2):
            if night:
                hub.advance(1)
            hf = HfClient(hub.url, token=False, backoff=0.001, max_wait=0.01, sleep=hub.expire_hf_budget)
            collect_hf(store, HuggingFaceConfig(authors=MS_LAB_AUTHORS, derivative_depth=0), progress=False, client=hf)
            ms = ModelScopeClient(hub.url, "", backoff=0.001, max_wait=0.01, sleep=hub.sleep)
            config = ModelScopeConfig(owners=modelscope_owners(), same_as=modelscope_same_as())
            assert not collect_modelscope(store, config, client=ms).partial
            if not night:
                analyze_lineage(store, influence=False)
            truth = hub.truth()
            nights.append((truth["now"][:10], truth))
    return db, nights


def truth_families(db, truth: dict) -> tuple[dict[str, str], dict[str, str]]:
    """(Hugging Face model -> family, ModelScope model -> family) for fakehub's truth: a Hugging
    Face model's family is its lineage's; a ModelScope model's its twin's, else its owner's lab."""
    with Store(db, readonly=True) as store:
        lineage = {r["model_id"]: r["family"] for r in store.query("SELECT model_id, family FROM model_lineage")}
        stored_hf = {r["id"] for r in store.query("SELECT id FROM models WHERE platform = 'huggingface'")}
    hf = {m: lineage[m] for m in stored_hf if lineage.get(m)}
    ms = {
        m: hf.get(r["hf_id"]) or FAMILY_OF_OWNER[m.split("/")[0]]
        for m, r in truth["modelscope"]["models"].items()
        if m.split("/")[0] in FAMILY_OF_OWNER
    }
    return hf, ms


def expected_downloads(db, day: str, truth: dict) -> dict[tuple, tuple[int, int]]:
    """(date, family, origin, platform) -> (downloads, models), from fakehub's truth; a model of
    a merged family (``Llama+Qwen``) is in each."""
    hf, ms = truth_families(db, truth)
    out: dict[tuple, list[int]] = {}
    for platform, families, downloads in (
        ("huggingface", hf, {m: truth["hf"]["models"][m]["downloadsAllTime"] for m in hf}),
        ("modelscope", ms, {m: r["downloads"] for m, r in truth["modelscope"]["models"].items()}),
    ):
        for model_id, merged in families.items():
            for family in merged.split("+"):
                row = out.setdefault((day, family, ORIGIN.get(family), platform), [0, 0])
                row[0] += downloads[model_id]
                row[1] += 1
    return {key: (downloads, models) for key, (downloads, models) in out.items()}


def test_hub_downloads_equal_the_truth_per_day_family_and_platform(two_hubs):
    db, nights = two_hubs
    series = hubs.hub_downloads(db)
    got = {
        (str(r["date"]), r["family"], r["origin"], r["platform"]): (r["downloads"], r["models"])
        for r in series.to_dicts()
    }
    expected = {}
    for day, truth in nights:
        expected |= expected_downloads(db, day, truth)
    assert got == expected
    assert {day for day, *_ in got} == {day for day, _ in nights}  # a point per night
    # Qwen/Qwen3-0.6B is on both hubs: in Qwen's count on each, with each hub's own downloads
    day, truth = nights[-1]
    hf, ms = truth_families(db, truth)
    assert hf["Qwen/Qwen3-0.6B"] == ms["Qwen/Qwen3-0.6B"] == "Qwen"
    qwen = {
        r["platform"]: r
        for r in series.filter((pl.col("family") == "Qwen") & (pl.col("date").cast(pl.String) == day)).to_dicts()
    }
    assert qwen["huggingface"]["downloads"] == sum(
        truth["hf"]["models"][m]["downloadsAllTime"] for m, f in hf.items() if "Qwen" in f.split("+")
    )
    assert qwen["modelscope"]["downloads"] == sum(
        truth["modelscope"]["models"][m]["downloads"] for m, f in ms.items() if f == "Qwen"
    )


def test_modelscope_families_and_the_totals_count_a_model_on_both_hubs_once(two_hubs):
    db, nights = two_hubs
    day, truth = nights[-1]
    hf, ms = truth_families(db, truth)
    qwen = {m: truth["modelscope"]["models"][m] for m, f in ms.items() if f == "Qwen"}
    only_here = [m for m, r in qwen.items() if r["hf_id"] is None]
    assert only_here and len(only_here) < len(qwen) and "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B" in qwen
    members = {r["model_id"]: r for r in hubs.modelscope_members(db).to_dicts()}
    assert members["Qwen/Qwen3-0.6B"] == {
        "model_id": "Qwen/Qwen3-0.6B", "same_as": "Qwen/Qwen3-0.6B", "family": "Qwen", "origin": "CN"}  # fmt: skip
    assert members["ZhipuAI/glm-4-9b-chat"]["same_as"] == "zai-org/glm-4-9b-chat"
    assert set(members) == set(ms)  # every stored ModelScope model, the private one not among them
    side = {r["family"]: r for r in hubs.modelscope_families(db).to_dicts()}
    ms_downloads = sum(r["downloads"] for r in qwen.values())
    assert (side["Qwen"]["modelscope_models"], side["Qwen"]["modelscope_only"], side["Qwen"]["modelscope_downloads"]) == (
        len(qwen), len(only_here), ms_downloads)  # fmt: skip
    hf_qwen = [m for m, f in hf.items() if "Qwen" in f.split("+")]
    hf_downloads = sum(truth["hf"]["models"][m]["downloadsAllTime"] for m in hf_qwen)
    [latest] = hubs.lab_months(db).filter((pl.col("family") == "Qwen") & (pl.col("month") == day[:7])).to_dicts()
    assert (latest["hf_models"], latest["hf_downloads"], latest["modelscope_models"]) == (
        len(hf_qwen), hf_downloads, len(qwen))  # fmt: skip
    assert latest["all_models"] == len(hf_qwen) + len(only_here)  # the twins are Hugging Face's models already
    assert latest["total_downloads"] == hf_downloads + ms_downloads  # two hubs' downloads: they add up
    table = pl.DataFrame({"family": ["Qwen", "Phi"], "models": [3, 2], "downloads_all_time": [10, 20]})
    joined = {r["family"]: r for r in hubs.with_modelscope(table, db, "family").to_dicts()}
    assert (joined["Qwen"]["all_models"], joined["Qwen"]["total_downloads"]) == (3 + len(only_here), 10 + ms_downloads)
    assert (joined["Phi"]["modelscope_models"], joined["Phi"]["all_models"], joined["Phi"]["total_downloads"]) == (
        0,
        2,
        20,
    )


def test_organisation_families_name_each_labs_github_organisations(two_hubs):
    db, _ = two_hubs
    with Store(db, readonly=True) as store:
        families = hubs.organisation_families(store)
    assert {org: families[org] for org in ("qwenlm", "thudm", "zai-org", "meta-llama")} == {
        "qwenlm": "Qwen", "thudm": "GLM", "zai-org": "GLM", "meta-llama": "Llama"}  # fmt: skip


def test_the_hubs_notebook_draws_both_figures_from_both_hubs_of_the_demo_database(demo_db, tmp_path, monkeypatch):
    monkeypatch.setenv("ECOMETRICS_DB", str(demo_db))  # the kernel inherits the environment
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")  # PNGs, headless
    notebook = nbformat.read(Path(__file__).resolve().parents[1] / "notebooks" / "05_hubs.ipynb", as_version=4)
    NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    drawn = [cell for cell in code if any("image/png" in o.get("data", {}) for o in cell.outputs)]
    assert len(drawn) == sum("plt.show()" in cell.source for cell in code) == 2  # every figure drawn
    text = "".join(o.get("text", "") for cell in code for o in cell.outputs if o.output_type == "stream")
    rows = hubs.hub_downloads(demo_db).height
    assert f"{rows} (day, lab, hub) rows; hubs: ['huggingface', 'modelscope']" in text
    by_origin = "".join(o["data"].get("text/plain", "") for o in drawn[0].outputs if o.output_type == "execute_result")
    assert "modelscope" in by_origin and "huggingface" in by_origin


def test_lab_months_count_repositories_once_they_exist_and_leave_unknown_openrank_null(tmp_path):
    """Qwen's organisation QwenLM has A (created January 2024) and B (created March 2024); only A
    has OpenRank, and only in March. January: 1 repository (B does not exist yet), OpenRank
    unknown (null, not 0.0); March: 2 repositories, OpenRank 2.5 (A's alone)."""
    with Store(tmp_path / "l.db") as store:
        store.upsert(
            "repos",
            [
                {
                    "id": 1,
                    "full_name": "QwenLM/A",
                    "owner": "QwenLM",
                    "name": "A",
                    "created_at": "2024-01-05T00:00:00Z",
                },
                {
                    "id": 2,
                    "full_name": "QwenLM/B",
                    "owner": "QwenLM",
                    "name": "B",
                    "created_at": "2024-03-05T00:00:00Z",
                },
            ],
        )
        store.upsert(
            "stargazers",
            [
                {"repo_id": 1, "user_id": 10, "login": "u", "starred_at": "2024-01-06T00:00:00Z"},
                {"repo_id": 2, "user_id": 10, "login": "u", "starred_at": "2024-03-06T00:00:00Z"},
            ],
        )
        store.upsert("openrank", [{"kind": "repo", "entity_id": 1, "month": "2024-03", "value": 2.5}])
        qwen = hubs.lab_months(store).filter(pl.col("family") == "Qwen").select("month", "repos", "stars", "openrank")
        assert qwen.to_dicts() == [
            {"month": "2024-01", "repos": 1, "stars": 1, "openrank": None},
            {"month": "2024-03", "repos": 2, "stars": 2, "openrank": 2.5},
        ]
