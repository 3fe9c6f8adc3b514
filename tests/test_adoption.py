"""ATOM's Relative Adoption Metric on a small constructed set, checked by hand from the published
definition (RAM = model's cumulative downloads at day N / median of the top 10 of its size class at day N,
the top 10 ranked by total downloads)."""

import json

import pytest

from ecometrics.collector.store import Store
from ecometrics.jobs.cli import main

RELEASE = "2025-01-01T00:00:00Z"


def _lineage(model_id, family, origin):
    return {
        "model_id": model_id, "parents": 0, "direct_derivatives": 0, "finetune": 0, "adapter": 0, "quantized": 0,
        "merge": 0, "all_derivatives": 0, "max_depth": 0, "descendant_downloads_30d": 0,
        "descendant_downloads_all_time": 0, "family": family, "origin": origin, "computed_at": RELEASE,
    }  # fmt: skip


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ram")
    db = folder / "ram.db"
    models, snapshots, lineage = [], [], []

    def snap(model_id, date, total):
        snapshots.append({"model_id": model_id, "date": date, "downloads_30d": 0, "downloads_all_time": total})

    # Size class 1-9B: m01..m11 reach 100*i downloads on day 30 (2025-01-31) and 10000*i by 2025-06-01;
    # m12 reaches 5000 on day 30 and stays there, so it ranks below every other by total downloads.
    for i in range(1, 13):
        model_id = f"lab/m{i:02d}"
        models.append({"id": model_id, "author": "lab", "created_at": RELEASE, "parameters": 7 * 10**9})
        day30, latest = (100 * i, 10000 * i) if i <= 11 else (5000, 5000)
        snap(model_id, "2025-01-31", day30)
        snap(model_id, "2025-06-01", latest)
        lineage.append(_lineage(model_id, "A" if i <= 6 else "B", "CN" if i <= 6 else "US"))
    # Size class <1B: x/small is interpolated on day 30 (1000 on 01-21, 3000 on 02-10 -> 2000 on 01-31),
    # y/small has a snapshot on the day (6000).
    for model_id, points in (
        ("x/small", [("2025-01-21", 1000), ("2025-02-10", 3000)]),
        ("y/small", [("2025-01-31", 6000), ("2025-02-10", 9000)]),
    ):
        models.append({"id": model_id, "author": model_id[0], "created_at": RELEASE, "parameters": 5 * 10**8})
        for date, total in points:
            snap(model_id, date, total)
        lineage.append(_lineage(model_id, "A", "CN"))
    # No safetensors parameter count: no size class, no score.
    models.append({"id": "z/unsized", "author": "z", "created_at": RELEASE})
    snap("z/unsized", "2025-01-31", 10**6)
    with Store(db) as store:
        store.upsert("models", models)
        store.upsert("model_snapshots", snapshots)
        store.upsert("model_lineage", lineage)

    def export(kind):
        out = folder / f"{kind}.json"
        assert main(["--db", str(db), "export", kind, "--out", str(out)]) == 0
        return json.loads(out.read_text())

    return {kind: export(kind) for kind in ("adoption", "family_adoption", "origin_adoption")}


def test_ram_divides_by_the_median_of_the_ten_most_downloaded_of_the_size_class_at_the_same_age(exported):
    rows = {r["model_id"]: r for r in exported["adoption"]}
    # Top 10 of 1-9B by total downloads: m02..m11 (m01 has 10000 and m12 5000, the two smallest).
    # Their day-30 values 200, 300, ..., 1100 -> median (600 + 700) / 2 = 650.
    assert rows["lab/m05"]["baseline_day_30"] == 650
    assert rows["lab/m01"]["ram_day_30"] == pytest.approx(100 / 650, abs=5e-4)  # 0.154
    assert rows["lab/m11"]["ram_day_30"] == pytest.approx(1100 / 650, abs=5e-4)  # 1.692
    # m12 is not among the leaders (ranked by total downloads), whatever its day-30 count: 5000 / 650 = 7.692.
    assert rows["lab/m12"]["ram_day_30"] == pytest.approx(7.692, abs=5e-4)
    # Day 90 (2025-04-01) lies between 01-31 and 06-01 (121 days apart, 60 in): m_i has
    # 100i + (10000i - 100i) * 60/121 = 5009.09 i; the baseline is the median over i = 2..11, 5009.09 * 6.5,
    # so m11 scores 11 / 6.5 = 1.692.
    assert rows["lab/m11"]["downloads_day_90"] == round(5009.0909 * 11)  # 55100
    assert rows["lab/m11"]["ram_day_90"] == pytest.approx(11 / 6.5, abs=5e-4)
    # Day 180 (2025-06-30) is after the last snapshot: never extrapolated.
    assert rows["lab/m11"]["ram_day_180"] is None


def test_size_classes_are_scored_apart_and_a_model_without_parameters_is_not_scored(exported):
    rows = {r["model_id"]: r for r in exported["adoption"]}
    # <1B: x/small interpolates to 1000 + 2000 * 10/20 = 2000 on 01-31; y/small has 6000; median 4000.
    assert rows["x/small"]["size_class"] == "<1B" and rows["x/small"]["downloads_day_30"] == 2000
    assert rows["x/small"]["baseline_day_30"] == 4000
    assert (rows["x/small"]["ram_day_30"], rows["y/small"]["ram_day_30"]) == (0.5, 1.5)
    assert rows["z/unsized"]["size_class"] is None and rows["z/unsized"]["ram_day_30"] is None


def test_families_and_origins_summarise_their_models_ram(exported):
    families = {r["family"]: r for r in exported["family_adoption"]}
    # A at day 30: m01..m06 (i/6.5: .154 .308 .462 .615 .769 .923), x .5, y 1.5 -> 8 scored;
    #   sorted .154 .308 .462 .5 .615 .769 .923 1.5 -> median (.5 + .615) / 2 = .558; best 1.5; one above 1.
    a = families["A"]
    assert (a["models"], a["scored_day_30"], a["above_one_day_30"], a["best_ram_day_30"]) == (8, 8, 1, 1.5)
    assert a["median_ram_day_30"] == pytest.approx((0.5 + 400 / 650) / 2, abs=5e-4)
    # B at day 30: m07..m11 (1.077 1.231 1.385 1.538 1.692) and m12 7.692 -> median (1.385 + 1.538) / 2 = 1.462.
    b = families["B"]
    assert (b["scored_day_30"], b["above_one_day_30"]) == (6, 6)
    assert b["median_ram_day_30"] == pytest.approx((900 / 650 + 1000 / 650) / 2, abs=5e-4)
    origins = {r["origin"]: r for r in exported["origin_adoption"]}
    assert origins["CN"]["median_ram_day_30"] == pytest.approx((0.5 + 400 / 650) / 2, abs=5e-4)  # family A's models
    assert origins["US"]["best_ram_day_30"] == pytest.approx(7.692, abs=5e-4)
