"""GH Archive coverage: which hours a month holds, over real hourly files and a real SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from gharchive_fixtures import event, synthetic_hour, write_hour

from ecometrics.analysis.coverage import KNOWN_LOSSES, known_loss, month_coverage, months_covered
from ecometrics.collector.gharchive import hour_of_file, import_gharchive
from ecometrics.collector.store import Store

REPO, ALICE = (11, "org/engine"), (1, "alice")


def one_event_hour(folder, name: str, ident: int):
    hour = name.split(".")[0]
    day, h = hour[:10], int(hour[11:])
    created = f"{day}T{h:02d}:05:00Z"
    return write_hour(folder / name, [event(ident, "WatchEvent", actor=ALICE, repo=REPO, created_at=created)])


def test_file_names_name_their_hour():
    assert hour_of_file("2024-01-15-3.json.gz") == "2024-01-15T03"
    assert hour_of_file("/data/2024-01-15-23.json.gz") == "2024-01-15T23"
    assert hour_of_file("2024-01-15-03.json") == "2024-01-15T03"
    assert hour_of_file("hour.json.gz") is None
    assert hour_of_file("2024-01-15-24.json.gz") is None  # no 24th hour
    assert hour_of_file("2024-02-30-1.json.gz") is None  # no such day


@pytest.mark.parametrize("parallel", [False, True], ids=["in-process", "parser-process"])
def test_each_imported_hour_is_recorded_and_months_count_hours_held_of_hours_in_the_month(tmp_path, parallel):
    files = [
        one_event_hour(tmp_path, "2024-01-15-10.json.gz", 1),
        one_event_hour(tmp_path, "2024-01-15-11.json.gz", 2),
        one_event_hour(tmp_path, "2024-02-01-0.json.gz", 3),
        write_hour(
            tmp_path / "sample.json.gz",
            [event(4, "WatchEvent", actor=ALICE, repo=REPO, created_at="2024-01-15T10:00:00Z")],
        ),
    ]
    cut = write_hour(tmp_path / "2024-01-16-0.json.gz", synthetic_hour(3000, repos=10, hour="2024-01-16T00"))
    data = cut.read_bytes()
    cut.write_bytes(data[: len(data) // 2])  # the stream ends early: the hour is held only in part
    with Store(tmp_path / "gh.db") as store:
        import_gharchive(store, [*files, cut], all_repos=True, parallel=parallel)
        import_gharchive(store, files[:1], all_repos=True, parallel=parallel)  # again: nothing changes
        # January has 31 * 24 = 744 hours, February 2024 (a leap year) 29 * 24 = 696.
        # Held: 2024-01-15T10 and T11 whole; 2024-01-16T00 is damaged, so not held whole;
        # sample.json.gz names no hour and is not counted anywhere.
        assert months_covered(store) == {"2024-01": (2, 744), "2024-02": (1, 696)}
        assert month_coverage(store, "2024-03") == (0, 744)  # 31 days, nothing held
        hours = {row["hour"]: row for row in store.query("SELECT * FROM archive_hours")}
        assert sorted(hours) == ["2024-01-15T10", "2024-01-15T11", "2024-01-16T00", "2024-02-01T00"]
        assert hours["2024-01-15T10"]["file"] == "2024-01-15-10.json.gz" and hours["2024-01-15T10"]["lines"] == 1
        assert hours["2024-01-16T00"]["damaged"] == 1 and hours["2024-01-15T10"]["damaged"] == 0


def test_a_damaged_hour_imported_whole_later_is_held(tmp_path):
    whole = write_hour(tmp_path / "2024-01-16-0.json.gz", synthetic_hour(3000, repos=10, hour="2024-01-16T00"))
    data = whole.read_bytes()
    cut = tmp_path / "cut" / whole.name
    cut.parent.mkdir()
    cut.write_bytes(data[: len(data) // 2])
    with Store(tmp_path / "gh.db") as store:
        import_gharchive(store, [cut], all_repos=True)
        assert months_covered(store) == {"2024-01": (0, 744)}
        import_gharchive(store, [whole], all_repos=True)
        assert months_covered(store) == {"2024-01": (1, 744)}
        import_gharchive(store, [cut], all_repos=True)  # a damaged copy read again does not undo the whole one
        assert months_covered(store) == {"2024-01": (1, 744)}


def test_opendiggers_known_loss_months_are_named():
    assert "2021-10" in KNOWN_LOSSES and "monthlyExport.ts" in known_loss("2021-10")
    assert "2025-05" in KNOWN_LOSSES and "issues/310" in known_loss("2025-05")
    assert known_loss("2024-01") is None


def test_status_and_the_coverage_export_say_hours_held_and_flag_missing_ones(tmp_path):
    one_event_hour(tmp_path, "2021-10-01-0.json.gz", 1)
    files = [str(one_event_hour(tmp_path, f"2024-01-{d:02d}-{h}.json.gz", d * 24 + h)) for d in (1, 2) for h in (0, 1)]
    env = {**os.environ, "ECOMETRICS_DB": str(tmp_path / "e.db")}

    def cli(*args):
        done = subprocess.run(
            [sys.executable, "-m", "ecometrics.jobs.cli", *args], capture_output=True, text=True, env=env
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    cli("import", "gharchive", "--all", *files, str(tmp_path / "2021-10-01-0.json.gz"))
    status = cli("status")
    assert "gharchive coverage" in status
    assert "2024-01  4 of 744 hours  740 missing" in status
    assert "2021-10  1 of 744 hours  743 missing" in status and "known loss" in status
    rows = json.loads(cli("export", "coverage", "--format", "json"))
    by_month = {row["month"]: row for row in rows}
    assert by_month["2024-01"] == {
        "month": "2024-01",
        "hours_held": 4,
        "hours_in_month": 744,
        "hours_damaged": 0,
        "complete": False,
        "known_loss": None,
    }
    assert by_month["2021-10"]["known_loss"].startswith("GH Archive")


def test_a_chdb_import_says_which_hours_it_holds(tmp_path):
    pytest.importorskip("chdb", reason="the archive extra is not installed: pip install 'ecometrics[archive]'")
    from ecometrics.analysis.coverage import engine_months_covered
    from ecometrics.collector.archive_engine import import_files, open_engine

    files = [
        one_event_hour(tmp_path, "2024-01-15-10.json.gz", 1),
        one_event_hour(tmp_path, "2024-01-15-11.json.gz", 2),
        one_event_hour(tmp_path, "2024-02-01-0.json.gz", 3),
    ]
    with Store(tmp_path / "gh.db") as store, open_engine("chdb", store) as engine:
        import_files(engine, files)
        # January: 2 of 31 * 24 = 744 hours; February 2024: 1 of 29 * 24 = 696
        assert engine_months_covered(engine) == {"2024-01": (2, 744), "2024-02": (1, 696)}
