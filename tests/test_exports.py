"""Exports as analysts open them: one schema per table in every format, unknown as null, months, marking."""

import json
import re

import networkx as nx
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ecometrics.analysis.lineage import analyze_lineage
from ecometrics.collector.store import Store
from ecometrics.jobs.cli import main

ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
TABLE_KINDS = ["repos", "developers", "models", "families", "origins", "family_months", "growth", "model_growth"]


def markdown_column(markdown, name):
    lines = [line for line in markdown.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    return [line.strip("|").split("|")[header.index(name)].strip() for line in lines[2:]]


def export(db, kind, out, *options):
    assert main(["--db", str(db), "export", kind, "--out", str(out), *options]) == 0
    return out


@pytest.mark.parametrize("kind", TABLE_KINDS)
def test_every_format_of_a_table_follows_its_one_schema(demo_db, tmp_path, kind):
    parquet = pq.read_table(export(demo_db, kind, tmp_path / f"{kind}.parquet", "--format", "parquet"))
    csv_text = export(demo_db, kind, tmp_path / f"{kind}.csv", "--format", "csv").read_text()
    rows = json.loads(export(demo_db, kind, tmp_path / f"{kind}.json", "--format", "json").read_text())
    markdown = export(demo_db, kind, tmp_path / f"{kind}.md", "--format", "md").read_text()

    for field in parquet.schema:
        assert not pa.types.is_unsigned_integer(field.type), f"{kind}.{field.name} is {field.type}"
        assert not pa.types.is_integer(field.type) or field.type == pa.int64(), f"{kind}.{field.name} is {field.type}"
        if field.name.endswith("_at"):
            assert field.type == pa.timestamp("us", tz="UTC"), f"{kind}.{field.name} is {field.type}"
        if field.name == "date":
            assert field.type == pa.date32(), f"{kind}.{field.name} is {field.type}"
    csv = pl.read_csv(csv_text.encode(), infer_schema=False)
    assert csv.columns == parquet.column_names == list(rows[0])
    times = [name for name in csv.columns if name.endswith("_at")]
    for name in times:
        assert all(ISO_Z.match(v) for v in csv[name].drop_nulls()), f"{kind}.{name} in CSV"
        assert all(ISO_Z.match(row[name]) for row in rows if row[name] is not None), f"{kind}.{name} in JSON"
    for name in ("openrank", "activity", "influence"):
        if name in csv.columns:  # floats at their stated precision: no 244.71099999999998
            assert all(re.fullmatch(r"-?\d+(\.\d{1,3})?", v) for v in csv[name].drop_nulls()), f"{kind}.{name}"
    for name in ("repo_id", "developer_id"):
        if name in csv.columns:  # ids are never formatted
            assert markdown_column(markdown, name) == csv[name].fill_null("").to_list()
    if kind == "repos":
        assert set(csv["archived"]) <= {"true", "false"} and all(isinstance(row["archived"], bool) for row in rows)
        assert " False " not in markdown and " True " not in markdown


def test_the_out_extension_names_the_format_and_a_foreign_one_is_refused(demo_db, tmp_path, capsys):
    assert main(["--db", str(demo_db), "export", "repos", "--out", str(tmp_path / "r.xlsx")]) == 2
    assert ".xlsx is not an export format" in capsys.readouterr().err
    assert not (tmp_path / "r.xlsx").exists()
    assert main(["--db", str(demo_db), "export", "repos", "--format", "csv", "--out", str(tmp_path / "r.json")]) == 2
    assert "--format is csv" in capsys.readouterr().err and not (tmp_path / "r.json").exists()

    export(demo_db, "repos", tmp_path / "r.parquet")
    assert pq.read_table(tmp_path / "r.parquet").num_rows > 0
    export(demo_db, "repos", tmp_path / "r.json")
    assert json.loads((tmp_path / "r.json").read_text())[0]["repo"]
    export(demo_db, "lineage", tmp_path / "tree.gexf", "--root", "Qwen/Qwen3-8B")
    assert nx.read_gexf(tmp_path / "tree.gexf").number_of_nodes() > 1


def test_parents_never_collected_are_unknown_not_zero_and_form_no_family(tmp_path):
    store = Store(tmp_path / "lineage.db")
    store.upsert("models", [{"id": m, "author": m.split("/")[0]} for m in ("Qwen/Qwen3-8B", "fan/tune", "fan/merge")])
    store.upsert("model_snapshots", [
        {"model_id": m, "date": "2025-06-01", "downloads_30d": 5, "downloads_all_time": 50, "likes": 1}
        for m in ("Qwen/Qwen3-8B", "fan/tune", "fan/merge")
    ])  # fmt: skip
    store.upsert("model_edges", [
        {"parent": "ghost/base", "child": "fan/tune", "relation": "finetune", "source": "hub"},
        {"parent": "ghost/base", "child": "fan/merge", "relation": "merge", "source": "hub"},
        {"parent": "Qwen/Qwen3-8B", "child": "fan/merge", "relation": "merge", "source": "hub"},
    ])  # fmt: skip
    analyze_lineage(store, influence=False)
    store.close()

    rows = {
        r["model_id"]: r for r in json.loads(export(tmp_path / "lineage.db", "models", tmp_path / "m.json").read_text())
    }
    ghost = rows["ghost/base"]
    assert (ghost["downloads_30d"], ghost["downloads_all_time"], ghost["likes"]) == (None, None, None)
    assert ghost["collected"] is False and rows["fan/tune"]["collected"] is True
    assert ghost["family"] is None and rows["fan/tune"]["family"] is None  # its only root is unknown
    assert rows["fan/merge"]["family"] == "Qwen"  # the known root's family only
    families = json.loads(export(tmp_path / "lineage.db", "families", tmp_path / "f.json").read_text())
    assert [f["family"] for f in families] == ["Qwen"]


def test_tables_default_to_the_last_complete_month_and_flag_partial_ones(demo_db, tmp_path):
    with Store(demo_db, migrate=False) as store:
        newest = store.conn.execute("SELECT max(month) FROM openrank").fetchone()[0]
        reaches = store.conn.execute("SELECT max(created_at) FROM events").fetchone()[0]
    assert reaches.startswith(newest)  # the demo's clock stops a few days into its newest month

    developers = json.loads(export(demo_db, "developers", tmp_path / "d.json", "--format", "json").read_text())
    previous = f"{int(newest[:4]) - (newest[5:] == '01')}-{(int(newest[5:]) - 2) % 12 + 1:02d}"
    assert {(row["month"], row["partial_month"]) for row in developers} == {(previous, False)}
    repos = json.loads(export(demo_db, "repos", tmp_path / "r.json", "--format", "json").read_text())
    assert {row["openrank_month"] for row in repos if row["openrank"] is not None} == {previous}
    asked = json.loads(
        export(demo_db, "developers", tmp_path / "n.json", "--format", "json", "--month", newest).read_text()
    )
    assert {(row["month"], row["partial_month"]) for row in asked} == {(newest, True)}
    months = json.loads(export(demo_db, "family_months", tmp_path / "fm.json", "--format", "json").read_text())
    assert {row["month"] for row in months if row["partial_month"]} == {newest}


def test_every_artefact_of_a_demo_database_says_its_data_is_synthetic(demo_db, tmp_path):
    import xml.etree.ElementTree as ET

    import pandas as pd

    parquet = export(demo_db, "models", tmp_path / "m.parquet", "--format", "parquet")
    assert b"Synthetic data" in pq.read_schema(parquet).metadata[b"note"]
    assert "Synthetic data" in pd.read_parquet(parquet).attrs["note"]
    assert "Synthetic data" in nx.read_graphml(demo_db.parent / "exports" / "family_tree.graphml").graph["note"]
    root = ["--root", "Qwen/Qwen3-8B"]
    assert (
        "Synthetic data"
        in nx.read_graphml(export(demo_db, "lineage", tmp_path / "t.graphml", "--format", "graphml", *root)).graph[
            "note"
        ]
    )
    assert (
        "Synthetic data"
        in json.loads(export(demo_db, "lineage", tmp_path / "t.json", "--format", "json", *root).read_text())["graph"][
            "note"
        ]
    )
    gexf = ET.parse(export(demo_db, "lineage", tmp_path / "t.gexf", "--format", "gexf", *root)).getroot()
    description = gexf.find("{http://www.gexf.net/1.2draft}meta/{http://www.gexf.net/1.2draft}description")
    assert "Synthetic data" in description.text
    assert nx.read_gexf(tmp_path / "t.gexf").graph["name"] == "Qwen/Qwen3-8B"


def test_every_table_with_an_openrank_column_flags_warm_up_and_partial_months():
    """OpenRank inherits last month's values, so its first months climb from the empty start
    (ecometrics.analysis.global_openrank.WARM_UP_MONTHS): every table showing an ``openrank`` of a month
    says whether that month is within the warm-up or not yet covered to its end."""
    from ecometrics.analysis.export import TABLES

    with_openrank = [kind for kind, table in TABLES.items() if "openrank" in table.schema]
    assert {"repos", "developers"} <= set(with_openrank)  # else the check below passes on nothing
    unflagged = [
        kind for kind in with_openrank if not {"openrank_warm_up", "partial_month"} <= set(TABLES[kind].schema)
    ]
    assert unflagged == []
