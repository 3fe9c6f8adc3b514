"""The demo: the nightly pipeline offline, every export written and labelled synthetic."""

import json
import sqlite3

import polars as pl
import pyarrow.parquet as pq

from ecometrics.jobs.demo import print_rankings


def test_the_demo_leaves_every_export_format_and_a_family_tree(demo_db):
    exports = demo_db.parent / "exports"
    for kind in ("repos", "developers", "models", "families", "growth"):
        for fmt in ("csv", "parquet", "json", "md"):
            assert (exports / f"{kind}.{fmt}").stat().st_size > 0, f"{kind}.{fmt}"
    assert pl.read_csv(exports / "repos.csv").height == len(json.loads((exports / "repos.json").read_text()))
    assert (exports / "family_tree.graphml").read_text().startswith("<?xml")


def test_every_demo_output_says_the_data_is_synthetic(demo_db, capsys):
    exports = demo_db.parent / "exports"
    assert "Synthetic data" in (exports / "SYNTHETIC_DATA.txt").read_text()
    assert "Synthetic data" in (exports / "models.md").read_text().splitlines()[2]
    assert b"Synthetic data" in pq.read_metadata(exports / "models.parquet").metadata[b"note"]

    print_rankings(demo_db, top=3)
    screen = capsys.readouterr().out
    assert screen.count("synthetic") >= 8  # every table's title
    assert "Repositories by OpenRank" in screen and "Families by downloads" in screen


def test_the_demo_ran_several_nights_so_growth_and_monthly_openrank_exist(demo_db):
    conn = sqlite3.connect(demo_db)
    runs = conn.execute("SELECT status FROM job_runs WHERE job = 'run'").fetchall()
    assert runs == [("ok",), ("ok",)]
    assert conn.execute("SELECT count(DISTINCT date) FROM repo_snapshots").fetchone()[0] == 2
    assert conn.execute("SELECT count(DISTINCT date) FROM model_snapshots").fetchone()[0] == 2
    assert conn.execute("SELECT count(DISTINCT month) FROM openrank").fetchone()[0] >= 3


def test_the_demos_last_night_also_builds_the_report_site(demo_db):
    """A user publishing rankings gets the site too: the last night's run writes it, once."""
    conn = sqlite3.connect(demo_db)
    assert conn.execute("SELECT count(*) FROM job_runs WHERE job = 'report' AND status = 'ok'").fetchone() == (1,)
    site = demo_db.parent / "report"
    assert "Synthetic data" in (site / "index.html").read_text()
    assert (site / "rankings" / "repos.html").is_file()


def test_the_demo_collects_some_star_histories_and_counts_the_others_per_day(demo_db):
    """The demo's token is a collaborator of the labs' organisations only (ecometrics.jobs.demo.DEMO_COLLABORATOR_OF)."""
    conn = sqlite3.connect(demo_db)
    restricted = {
        name
        for (name,) in conn.execute(
            "SELECT r.full_name FROM star_access a JOIN repos r ON r.id = a.repo_id WHERE a.restricted = 1"
        )
    }
    collected = {
        name
        for (name,) in conn.execute("SELECT DISTINCT r.full_name FROM stargazers s JOIN repos r ON r.id = s.repo_id")
    }
    assert "vllm-project/vllm" in restricted and "QwenLM/Qwen3" in collected
    assert not restricted & collected
    # the others' stars per day come from GitHub's star history (changelog 2026-09-04)
    counted = {
        name
        for (name,) in conn.execute("SELECT DISTINCT r.full_name FROM star_counts c JOIN repos r ON r.id = c.repo_id")
    }
    assert counted == restricted
