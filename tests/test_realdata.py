"""The real DeepState series (../shared/data/kursk): areas against reference_areas.csv, raw snapshots, changes."""

import json

import pytest
import shapely

from geo.diff import place_timeline
from geo.measure import compute_areas, compute_changes, compute_diff, load_settlements
from geo.store import Store

pytestmark = pytest.mark.realdata


def by_region(store):
    return {r["date"]: {x["region"]: x["areas"] for x in r["regions"]}
            for r in compute_areas(store, "kursk", None, by_region=True)}


def test_every_reference_row_to_0_05_km2(real_store, reference_areas):
    store = Store(real_store)
    rows = by_region(store)
    assert sorted(rows) == sorted(reference_areas)
    worst = 0.0
    for date, ref in reference_areas.items():
        kursk = rows[date].get("Kursk Oblast", {"areas_km2": {"ua_controlled": 0, "grey_zone": 0}, "total_km2": 0})
        belg = rows[date].get("Belgorod Oblast", {"total_km2": 0.0})
        for got, want in ((kursk["areas_km2"]["ua_controlled"], ref["ua_controlled_km2"]),
                          (kursk["areas_km2"]["grey_zone"], ref["grey_zone_km2"]),
                          (kursk["total_km2"], ref["union_km2"]), (belg["total_km2"], ref["belgorod_km2"])):
            worst = max(worst, abs(got - want))
    print(f"largest error against reference_areas.csv: {worst:.6f} km2")
    assert worst <= 0.05


def test_raw_deepstate_snapshots_to_0_5_km2(tmp_path, shared_data, reference_areas, run_cli):
    from conftest import make_real_store

    root = make_real_store(tmp_path / "layers", shared_data, daily=False)
    r = run_cli("--layers", root, "import", "kursk", shared_data / "deepstate" / "raw", "--format", "deepstate",
                "--source", "DeepStateMap raw snapshots")
    assert r.exit_code == 0, r.stderr
    store = Store(root)
    rows = {r["date"]: r for r in compute_areas(store, "kursk", None)}
    assert len(rows) == len(list((shared_data / "deepstate" / "raw").glob("*.geojson")))
    worst = 0.0
    for date, row in rows.items():
        ref = reference_areas[date]
        for got, want in ((row["areas_km2"]["ua_controlled"], ref["ua_controlled_km2"]),
                          (row["areas_km2"]["grey_zone"], ref["grey_zone_km2"]), (row["total_km2"], ref["union_km2"])):
            worst = max(worst, abs(got - want))
    print(f"raw snapshots: largest error {worst:.4f} km2 over {len(rows)} dates")
    assert worst <= 0.5


def test_peak_loss_and_sudzha(real_store):
    store = Store(real_store)
    res = compute_changes(store, "kursk")
    # peak of the union over Kursk Oblast: the series' Belgorod parts are at most a few km2 near the peak
    assert "2024-08-21" <= res["peak"]["date"] <= "2024-08-27"
    assert res["peak"]["total_km2"] == pytest.approx(1253, abs=2)
    # between 2024-09-04 and 2025-01-25 the loss dominates
    span = [p for p in res["pairs"] if "2024-09-04" <= p["date_a"] and p["date_b"] <= "2025-01-25"]
    gained = sum(p["changes"]["union"]["gained_km2"] for p in span)
    lost = sum(p["changes"]["union"]["lost_km2"] for p in span)
    assert lost > 3 * gained
    # Sudzha lies inside the polygons from 2024-08-14 to 2025-03-12 (inclusive)
    places = load_settlements(store, "kursk")
    sudzha = next(f for f in places["features"] if f["properties"]["name"] == "Sudzha")
    ranges = place_timeline(shapely.from_geojson(json.dumps(sudzha["geometry"])),
                            [(x.date, x.collection) for x in store.read_all("kursk")], store.theatre("kursk"))
    inside = [r for r in ranges if r["status"] is not None]
    assert len(inside) == 1
    assert inside[0]["from"] == "2024-08-14"
    assert "2025-03-11" <= inside[0]["to"] <= "2025-03-12"


def test_gained_minus_lost_against_areas_for_every_pair(real_store):
    store = Store(real_store)
    areas = {r["date"]: r for r in compute_areas(store, "kursk", None)}
    dates = sorted(areas)
    worst = 0.0
    for a, b in zip(dates, dates[1:], strict=False):
        _, s = compute_diff(store, "kursk", a, b, min_area_km2=0, tolerance_m=0)
        for key in ("ua_controlled", "grey_zone", "union"):
            c = s["changes"][key]
            want = (areas[b]["total_km2"] - areas[a]["total_km2"] if key == "union"
                    else areas[b]["areas_km2"][key] - areas[a]["areas_km2"][key])
            worst = max(worst, abs((c["gained_km2"] - c["lost_km2"]) - want))
    print(f"largest |gained - lost - (area B - area A)|: {worst:.2e} km2")
    assert worst < 1e-6


def test_default_noise_keeps_the_identity_with_noise_net(real_store):
    store = Store(real_store)
    _, s = compute_diff(store, "kursk", "2024-09-04", "2025-01-25")
    u = s["changes"]["union"]
    assert u["net_km2"] == pytest.approx(u["gained_km2"] - u["lost_km2"] + u["noise_net_km2"], abs=1e-6)
    assert u["lost_km2"] > 500 and u["noise_km2"] < 1
