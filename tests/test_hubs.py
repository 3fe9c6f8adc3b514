"""The labs across Hugging Face and ModelScope, on the demo database: per-platform downloads and a
total in families, origins and labs; lab_months joins each lab's GitHub side with both hubs."""

import sqlite3

import polars as pl
import pytest

from analysis.export import build_table
from collector.store import Store


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
