"""import hub-stats: small Parquet files in the dataset's schema (the Hub API's field names and types, as
cfahlgren1/hub-stats' models.parquet stores them) round-trip into export model_downloads."""

import datetime as dt
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ecometrics.collector.store import Store
from ecometrics.jobs.cli import main

# models.parquet's columns: the Hub API's fields (collector/hubstats.py cites the sources); the importer
# reads id, downloads, downloadsAllTime, likes and trendingScore and must pass over the rest.
SCHEMA = pa.schema([
    ("_id", pa.string()),
    ("id", pa.string()),
    ("author", pa.string()),
    ("createdAt", pa.timestamp("us", tz="UTC")),
    ("lastModified", pa.timestamp("us", tz="UTC")),
    ("downloads", pa.int64()),
    ("downloadsAllTime", pa.int64()),
    ("likes", pa.int64()),
    ("trendingScore", pa.int64()),
    ("pipeline_tag", pa.string()),
    ("library_name", pa.string()),
    ("tags", pa.list_(pa.string())),
    ("safetensors", pa.struct([("total", pa.int64())])),
])  # fmt: skip
CREATED = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def write_day(path, rows):
    """A models.parquet of (id, downloads, downloadsAllTime) rows in the dataset's schema."""
    table = pa.Table.from_pylist(
        [
            {
                "_id": f"{n:024x}",
                "id": model_id,
                "author": (model_id or "/").split("/")[0],
                "createdAt": CREATED,
                "lastModified": CREATED,
                "downloads": recent,
                "downloadsAllTime": total,
                "likes": 3,
                "trendingScore": 1,
                "pipeline_tag": "text-generation",
                "library_name": "transformers",
                "tags": ["transformers"],
                "safetensors": {"total": 7_000_000_000},
            }  # fmt: skip
            for n, (model_id, recent, total) in enumerate(rows)
        ],
        schema=SCHEMA,
    )
    pq.write_table(table, path)
    return path


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "h.db"
    with Store(path) as store:
        store.upsert("models", [{"id": "Qwen/Qwen3-8B", "author": "Qwen"}, {"id": "fan/tune", "author": "fan"}])
        store.upsert(  # the first collection run, on 2024-09-02
            "model_snapshots",
            [{"model_id": "Qwen/Qwen3-8B", "date": "2024-09-02", "downloads_30d": 500, "downloads_all_time": 9000}],
        )
    return path


def snapshots(db):
    with Store(db, migrate=False) as store:
        return store.query("SELECT model_id, date, downloads_all_time, source FROM model_snapshots ORDER BY 1, 2")


def test_days_before_the_first_run_are_imported_marked_and_exported(db, tmp_path, capsys):
    day1 = write_day(
        tmp_path / "models-2024-09-01.parquet",
        [("Qwen/Qwen3-8B", 400, 8000), ("fan/tune", 10, 100), ("some/other", 1, 1), ("not a repo id", 1, 1),
         ("fan/tune-2", -5, 3), (None, 1, 1)],
    )  # fmt: skip
    day2 = write_day(tmp_path / "models-2024-09-02.parquet", [("Qwen/Qwen3-8B", 1, 1), ("fan/tune", 12, 130)])
    assert main(["--db", str(db), "import", "hub-stats", str(day1), str(day2)]) == 0
    out = capsys.readouterr().out
    # Day 1: Qwen and fan/tune imported; some/other is not stored; three bad rows (rows 4, 5 and 6).
    # Day 2: fan/tune imported; Qwen's 2024-09-02 was collected from the API and is kept.
    assert "2 file(s), 8 rows, 3 snapshots imported, 1 of days already held, 1 of models not stored" in out
    assert "3 bad row(s) skipped: models-2024-09-01.parquet: row 4: id 'not a repo id'" in out
    assert "row 5: downloads -5 is not a whole count" in out and "row 6: id None" in out
    assert snapshots(db) == [
        {"model_id": "Qwen/Qwen3-8B", "date": "2024-09-01", "downloads_all_time": 8000, "source": "hub-stats"},
        {"model_id": "Qwen/Qwen3-8B", "date": "2024-09-02", "downloads_all_time": 9000, "source": "api"},
        {"model_id": "fan/tune", "date": "2024-09-01", "downloads_all_time": 100, "source": "hub-stats"},
        {"model_id": "fan/tune", "date": "2024-09-02", "downloads_all_time": 130, "source": "hub-stats"},
    ]

    exported = tmp_path / "downloads.json"
    assert main(["--db", str(db), "export", "model_downloads", "--out", str(exported)]) == 0
    rows = {(r["model_id"], r["date"]): r for r in json.loads(exported.read_text())}
    assert rows[("Qwen/Qwen3-8B", "2024-09-01")]["source"] == "hub-stats"
    assert rows[("Qwen/Qwen3-8B", "2024-09-01")]["downloads_30d"] == 400
    assert rows[("Qwen/Qwen3-8B", "2024-09-02")]["source"] == "api"
    assert rows[("Qwen/Qwen3-8B", "2024-09-02")]["downloads_gained"] == 1000  # 9000 - 8000 across the sources

    # Importing the same files again adds nothing.
    assert main(["--db", str(db), "import", "hub-stats", str(day1), str(day2)]) == 0
    assert "0 snapshots imported, 4 of days already held" in capsys.readouterr().out


def test_a_collected_day_replaces_an_imported_one(db, tmp_path):
    write_day(tmp_path / "models-2024-09-03.parquet", [("fan/tune", 1, 140)])
    assert main(["--db", str(db), "import", "hub-stats", str(tmp_path / "models-2024-09-03.parquet")]) == 0
    with Store(db) as store:
        store.save_model_page(
            models=[("fan/tune", "fan", None, None, None, None, None, None, None, None, "ok", "2024-09-03")],
            snapshots=[("fan/tune", "2024-09-03", 2, 150, 0, 0.0)],
            edges=[],
        )
    assert snapshots(db)[-1] == {
        "model_id": "fan/tune",
        "date": "2024-09-03",
        "downloads_all_time": 150,
        "source": "api",
    }


@pytest.mark.parametrize(
    ("name", "columns", "options", "error"),
    [
        ("models.parquet", None, [], "no date in the file name; name it like models-2024-09-01.parquet or pass --date"),
        ("models-2024-09-01.parquet", ["id", "downloads"], [], "no column downloadsAllTime"),
        ("models-2024-13-01.parquet", None, [], "'2024-13-01' is not a date"),
    ],
)
def test_a_wrong_file_is_refused_in_one_line_and_nothing_is_stored(db, tmp_path, capsys, name, columns, options, error):
    path = write_day(tmp_path / name, [("fan/tune", 1, 1)])
    if columns:
        pq.write_table(pq.read_table(path, columns=columns), path)
    before = snapshots(db)
    assert main(["--db", str(db), "import", "hub-stats", str(path), *options]) == 2
    err = capsys.readouterr().err
    assert error in err and err.count("\n") == 1 and "Traceback" not in err
    assert snapshots(db) == before


def test_date_names_the_day_of_a_single_undated_file(db, tmp_path, capsys):
    path = write_day(tmp_path / "models.parquet", [("fan/tune", 1, 77)])
    assert main(["--db", str(db), "import", "hub-stats", str(path), "--date", "2024-08-31"]) == 0
    assert snapshots(db)[-1] == {
        "model_id": "fan/tune",
        "date": "2024-08-31",
        "downloads_all_time": 77,
        "source": "hub-stats",
    }


def _damaged(path):
    """``path`` with 64 bytes of its last column chunk's pages flipped (its footer whole): pyarrow opens
    it, and its decompressor refuses the pages when they are read."""
    data = bytearray(path.read_bytes())
    start = len(data) * 3 // 4
    for at in range(start, start + 64):
        data[at] ^= 0xFF
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("kind", ["not Parquet", "damaged pages", "a FIFO"])
def test_a_hostile_file_is_refused_in_one_line_and_nothing_is_stored(db, tmp_path, capsys, kind):
    import os

    path = tmp_path / "models-2024-09-01.parquet"
    if kind == "not Parquet":
        path.write_text("id,downloads\nfan/tune,3\n")
    elif kind == "damaged pages":
        # two batches' worth of rows of a stored model: the first batch would be written before the damage
        write_day(path, [("fan/tune", n, n) for n in range(2)] + [(f"x/m{n}", n, n) for n in range(3000)])
        _damaged(path)
    else:
        os.mkfifo(path)  # opening it to read would wait for a writer for ever
    before = snapshots(db)
    assert main(["--db", str(db), "import", "hub-stats", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: " in err and err.count("\n") == 1 and "Traceback" not in err, err
    assert snapshots(db) == before


def test_a_damaged_file_after_a_good_one_stores_nothing_of_either(db, tmp_path, capsys):
    """The files are decoded as they are written, so the good file's rows, written first, are rolled back."""
    good = write_day(tmp_path / "models-2024-08-30.parquet", [("fan/tune", 1, 50)])
    damaged = write_day(tmp_path / "models-2024-08-31.parquet", [(f"x/m{n}", n, n) for n in range(3000)])
    _damaged(damaged)
    before = snapshots(db)
    assert main(["--db", str(db), "import", "hub-stats", str(good), str(damaged)]) == 2
    err = capsys.readouterr().err
    assert f"{damaged}: cannot read it as Parquet" in err and err.count("\n") == 1, err
    assert snapshots(db) == before
