"""The views analysts ask for, on the demo database: star history, contributors, organisations, downloads."""

import json
import sqlite3
import xml.etree.ElementTree as ET

import polars as pl
import pytest

from ecometrics.jobs.cli import main


def export_json(db, kind, tmp_path, *options):
    out = tmp_path / f"{kind}.json"
    assert main(["--db", str(db), "export", kind, "--out", str(out), *options]) == 0
    return json.loads(out.read_text())


def test_plot_stars_writes_png_and_svg_marked_synthetic(demo_db, tmp_path, capsys):
    png, svg = tmp_path / "stars.png", tmp_path / "stars.svg"
    assert (
        main(["--db", str(demo_db), "plot", "stars", "QwenLM/Qwen3", "deepseek-ai/DeepSeek-R1", "--out", str(png)]) == 0
    )
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG") and b"Synthetic data" in data  # the PNG text chunk
    assert main(["--db", str(demo_db), "plot", "stars", "qwenlm/qwen3", "--log", "--out", str(svg)]) == 0
    assert "Synthetic data" in ET.parse(svg).getroot().find(".//{http://purl.org/dc/elements/1.1/}description").text
    assert "mathdefault" not in svg.read_text()  # log ticks read 10, 100, 1,000, not unparsed mathtext
    assert "partial month (still growing)" in svg.read_text()  # the demo's last month, shaded as in the report

    capsys.readouterr()
    assert main(["--db", str(demo_db), "plot", "stars", "nobody/nothing", "--out", str(tmp_path / "x.png")]) == 2
    assert "nobody/nothing: not a collected repository" in capsys.readouterr().err
    assert main(["--db", str(demo_db), "plot", "stars", "QwenLM/Qwen3", "--out", str(tmp_path / "x.pdf")]) == 2
    assert not (tmp_path / "x.png").exists() and not (tmp_path / "x.pdf").exists()


def test_daily_stars_add_up_to_the_star_history(demo_db, tmp_path):
    rows = pl.DataFrame(export_json(demo_db, "stars_daily", tmp_path))
    conn = sqlite3.connect(demo_db)
    # stars found removed keep their row but are stars no more
    standing = "SELECT repo_id, count(*) FROM stargazers WHERE removed_at IS NULL GROUP BY repo_id"
    stored = dict(conn.execute(standing).fetchall())
    assert conn.execute("SELECT count(*) FROM stargazers WHERE removed_at IS NOT NULL").fetchone()[0] > 0
    # a repository whose stargazers GitHub withholds: GitHub's stars per day (star_counts), every day counted
    counted = "SELECT repo_id, sum(stars) FROM star_counts GROUP BY repo_id HAVING sum(stars) > 0"
    stored |= dict(conn.execute(counted).fetchall())
    sums = dict(rows.group_by("repo_id").agg(pl.col("stars").sum()).iter_rows())
    assert sums == stored
    last = rows.group_by("repo_id").agg(pl.col("total").last())
    assert dict(last.iter_rows()) == stored


def test_contributor_growth_counts_active_and_first_time_contributors(demo_db, tmp_path):
    rows = export_json(demo_db, "contributor_growth", tmp_path)
    conn = sqlite3.connect(demo_db)
    repo_id, name = conn.execute("SELECT id, full_name FROM repos WHERE full_name = 'QwenLM/Qwen3'").fetchone()
    pairs = conn.execute(
        "SELECT DISTINCT substr(created_at, 1, 7), actor_id FROM events WHERE repo_id = ? AND actor_id IS NOT NULL "
        "AND (type = 'PushEvent' OR (type = 'PullRequestEvent' AND action = 'opened')) "
        "AND actor_login NOT LIKE '%[bot]'",
        (repo_id,),
    ).fetchall()
    first_stored = conn.execute(
        "SELECT substr(min(created_at), 1, 7) FROM events WHERE repo_id = ?", (repo_id,)
    ).fetchone()[0]
    first = {}
    for month, actor in sorted(pairs):
        first.setdefault(actor, month)
    mine = {row["month"]: row for row in rows if row["repo"] == name}
    assert {m: r["active_contributors"] for m, r in mine.items()} == {
        m: len({a for mm, a in pairs if mm == m}) for m, _ in pairs
    }
    assert {m: r["new_contributors"] for m, r in mine.items()} == {
        m: None if m == first_stored else sum(1 for a, f in first.items() if f == m) for m, _ in pairs
    }
    reaches = conn.execute(
        "SELECT max(m) FROM (SELECT max(created_at) AS m FROM events UNION ALL "
        "SELECT max(date) FROM repo_snapshots UNION ALL SELECT max(starred_at) FROM stargazers)"
    ).fetchone()[0]
    assert {m: r["partial_month"] for m, r in mine.items()} == {m: m == reaches[:7] for m in mine}


def test_organisation_and_lab_rollups_add_up_their_repositories_and_families(demo_db, tmp_path):
    repos = export_json(demo_db, "repos", tmp_path)
    orgs = {row["org"]: row for row in export_json(demo_db, "orgs", tmp_path)}
    qwen_repos = [r for r in repos if r["repo"].startswith("QwenLM/")]
    assert orgs["QwenLM"]["family"] == "Qwen" and orgs["QwenLM"]["repos"] == len(qwen_repos)
    assert orgs["QwenLM"]["stars"] == sum(r["stars"] for r in qwen_repos)
    assert orgs["QwenLM"]["openrank"] == pytest.approx(sum(r["openrank"] or 0 for r in qwen_repos), abs=0.01)
    assert orgs["Genesis-Embodied-AI"]["family"] is None
    labs = {row["family"]: row for row in export_json(demo_db, "labs", tmp_path)}
    families = {row["family"]: row for row in export_json(demo_db, "families", tmp_path)}
    assert labs["GLM"]["orgs"] == 2 and labs["GLM"]["stars"] == orgs["THUDM"]["stars"] + orgs["zai-org"]["stars"]
    assert labs["Qwen"]["models"] == families["Qwen"]["models"]
    assert labs["Qwen"]["downloads_30d"] == families["Qwen"]["downloads_30d"]


def test_downloads_over_time_per_model_and_per_family(demo_db, tmp_path):
    models = pl.DataFrame(export_json(demo_db, "model_downloads", tmp_path))
    conn = sqlite3.connect(demo_db)
    hf_snapshots = "SELECT count(*) FROM model_snapshots WHERE platform = 'huggingface'"  # ModelScope's: lab_months
    assert models.height == conn.execute(hf_snapshots).fetchone()[0]
    one = models.filter(pl.col("model_id") == models["model_id"][0]).sort("date")
    assert one["downloads_gained"].to_list()[1:] == one["downloads_all_time"].diff().to_list()[1:]
    families = pl.DataFrame(export_json(demo_db, "family_downloads", tmp_path))
    date, expected = conn.execute(
        "SELECT s.date, sum(s.downloads_30d) FROM model_snapshots s JOIN model_lineage l USING (model_id) "
        "WHERE s.platform = 'huggingface' AND (l.family = 'DeepSeek' OR l.family LIKE 'DeepSeek+%' "
        "OR l.family LIKE '%+DeepSeek' OR l.family LIKE '%+DeepSeek+%') "
        "GROUP BY s.date ORDER BY s.date DESC LIMIT 1"
    ).fetchone()
    row = families.filter((pl.col("family") == "DeepSeek") & (pl.col("date") == date)).row(0, named=True)
    assert row["downloads_30d"] == expected
