"""Download anomaly flags on constructed series, the expected flags worked out by hand from the rules
of ecometrics.analysis.anomalies (WINDOW_DAYS 28, MIN_WINDOW 7, K 5, MAD scaled by 1.4826, floored at 1)."""

import datetime as dt
import json

import pytest

from ecometrics.collector.store import Store
from ecometrics.jobs.cli import main


def _day(n):
    return (dt.date(2025, 1, 1) + dt.timedelta(days=n - 1)).isoformat()


def _series(model_id, points):
    """Snapshots (date, downloads_30d, downloads_all_time) of one model."""
    return [
        {"model_id": model_id, "date": d, "downloads_30d": recent, "downloads_all_time": total}
        for d, recent, total in points
    ]


@pytest.fixture(scope="module")
def flagged(tmp_path_factory):
    folder = tmp_path_factory.mktemp("anomalies")
    db = folder / "a.db"
    # b/spike: gains per day on days 2..9, then 95 on day 10 (running all-time total from 1000).
    gains = [20, 30, 10, 40, 20, 30, 10, 20, 95]
    totals = [1000]
    for gain in gains:
        totals.append(totals[-1] + gain)
    with Store(db) as store:
        store.upsert("models", [{"id": m, "author": m.split("/")[0]} for m in ("a/drop", "b/spike", "c/recent")])
        store.upsert("model_snapshots", _series("a/drop", [(_day(1), 5, 100), (_day(2), 5, 120), (_day(3), 5, 110)]))
        store.upsert("model_snapshots", _series("b/spike", [(_day(i + 1), 10, t) for i, t in enumerate(totals)]))
        store.upsert(
            "model_snapshots",
            _series("c/recent", [("2025-01-01", 100, 1000), ("2025-01-31", 400, 1500), ("2025-02-01", 700, 1550)]),
        )
    out = folder / "d.json"
    assert main(["--db", str(db), "export", "model_downloads", "--out", str(out)]) == 0
    return {(r["model_id"], r["date"]): r for r in json.loads(out.read_text())}


def test_an_all_time_count_lower_than_the_day_before_is_flagged_and_kept(flagged):
    # 100 -> 120 (+20) -> 110 (-10): only day 3 went down; day 1 has no previous snapshot to judge by.
    assert [flagged[("a/drop", _day(n))]["all_time_decreased"] for n in (1, 2, 3)] == [None, False, True]
    assert flagged[("a/drop", _day(3))]["downloads_all_time"] == 110  # kept as stored, not corrected
    assert flagged[("a/drop", _day(3))]["downloads_gained"] == -10


def test_a_gain_above_median_plus_five_robust_deviations_of_the_trailing_window_is_flagged(flagged):
    # Day 10: the window is days 2..9, gains 20 30 10 40 20 30 10 20 (8 >= 7).
    #   sorted 10 10 20 20 20 30 30 40 -> median (20+20)/2 = 20
    #   |gain - 20| = 0 10 10 20 0 10 10 0, sorted 0 0 0 10 10 10 10 20 -> MAD (10+10)/2 = 10
    #   bound = 20 + 5 * 1.4826 * 10 = 94.13; the day's 95 > 94.13 -> flagged.
    day10 = flagged[("b/spike", _day(10))]
    assert day10["gain_bound"] == pytest.approx(94.1, abs=0.05) and day10["gain_outlier"] is True
    # Day 9: window days 2..8, gains 20 30 10 40 20 30 10 (7): sorted 10 10 20 20 30 30 40 -> median 20;
    #   deviations 0 10 10 20 0 10 10, sorted 0 0 10 10 10 10 20 -> MAD 10; bound 94.13; 20 is below.
    assert flagged[("b/spike", _day(9))]["gain_outlier"] is False
    # Day 8: only 6 earlier gains (days 2..7) in the window: no bound, no judgement.
    assert flagged[("b/spike", _day(8))]["gain_bound"] is None
    assert flagged[("b/spike", _day(8))]["gain_outlier"] is None


def test_a_thirty_day_count_above_the_all_time_growth_is_flagged(flagged):
    # 01-01: no snapshot 30 days before: compared with the all-time count, 100 <= 1000.
    # 01-31: baseline 01-01 (30 days before): growth 1500 - 1000 = 500; 400 <= 500.
    # 02-01: latest snapshot >= 30 days before is still 01-01: growth 1550 - 1000 = 550; 700 > 550.
    flags = [flagged[("c/recent", d)]["downloads_30d_above_growth"] for d in ("2025-01-01", "2025-01-31", "2025-02-01")]
    assert flags == [False, False, True]
    assert flagged[("c/recent", "2025-02-01")]["downloads_30d"] == 700  # kept as stored
