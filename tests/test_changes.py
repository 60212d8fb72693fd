"""``changes``, ``diff --period`` and ``--in-force`` on the bundled store and on small stores built here.

The headline figures (peak, share retaken, last date) are checked against every date measured independently
here, with pyproj's geodesic area of each current layer file (not frontline's code path).
"""

import json
import re
import shutil
from pathlib import Path

import pytest
import shapely
from common import SQUARE, layer, square
from pyproj import Geod

REPO = Path(__file__).resolve().parents[1]
BUNDLED = REPO / "layers" / "kursk"
AREA_STATUSES = ("ua_controlled", "grey_zone")


@pytest.fixture
def kursk(tmp_path):
    """A copy of the bundled store (its caches left behind), so the tests write nothing in the repository."""
    root = tmp_path / "layers"
    shutil.copytree(BUNDLED, root / "kursk", ignore=shutil.ignore_patterns("cache"))
    return root


def geodesic_union_km2(path: Path) -> float:
    """km² of the union of the area statuses of one GeoJSON file, by pyproj.Geod on each oriented polygon."""
    feats = json.loads(path.read_text())["features"]
    geoms = [shapely.from_geojson(json.dumps(f["geometry"])) for f in feats
             if f["properties"]["status"] in AREA_STATUSES]
    if not geoms:
        return 0.0
    union = shapely.union_all(geoms)
    polys = getattr(union, "geoms", [union])
    geod = Geod(ellps="WGS84")
    return sum(abs(geod.geometry_area_perimeter(shapely.geometry.polygon.orient(p))[0]) for p in polys) / 1e6


@pytest.fixture(scope="module")
def every_date():
    """{date: km²} of every bundled layer, measured independently."""
    return {p.stem: geodesic_union_km2(p) for p in sorted(BUNDLED.glob("*.geojson"))}


@pytest.mark.parametrize("every", [None, "month", "week", "quarter", "year", "10", "45 days"])
def test_headline_figures_come_from_every_date(kursk, run_cli, every_date, every):
    args = ["--layers", kursk, "changes", "kursk"] + (["--every", every] if every else [])
    r = run_cli(*args)
    assert r.exit_code == 0, r.stderr
    peak_date = max(every_date, key=every_date.get)
    last = max(every_date)
    retaken = 100 * (every_date[peak_date] - every_date[last]) / every_date[peak_date]
    m = re.search(r"^peak: ([\d,.]+) km² on (\S+) \(over every date, (\d+) from (\S+) to (\S+)\)$", r.output, re.M)
    assert m, r.output
    assert m.group(2) == peak_date
    assert float(m.group(1).replace(",", "")) == pytest.approx(every_date[peak_date], abs=0.01)
    assert (int(m.group(3)), m.group(4), m.group(5)) == (len(every_date), min(every_date), last)
    m = re.search(r"^retaken since the peak by (\S+): ([\d.]+)%", r.output, re.M)
    assert m.group(1) == last and float(m.group(2)) == pytest.approx(retaken, abs=0.051)
    doc = run_cli(*args, "--json").json()
    assert doc["pairs"][-1]["to"] == last  # the last layer is never dropped
    assert doc["peak"]["date"] == peak_date and doc["last"]["date"] == last
    assert doc["last"]["retaken_pct"] == pytest.approx(retaken, abs=1e-3)


def test_calendar_months_step_on_the_first_through_the_layer_in_force(kursk, run_cli, every_date):
    doc = run_cli("--layers", kursk, "changes", "kursk", "--every", "month", "--json").json()
    dates = sorted(every_date)
    points = [doc["pairs"][0]["from"]] + [p["to"] for p in doc["pairs"]]
    assert points[0] == dates[0] and points[-1] == dates[-1]
    assert all(p.endswith("-01") for p in points[1:-1])
    months = {p[:7] for p in points[1:-1]}
    assert months == {d[:7] for d in dates} - {dates[0][:7]}  # the 1st of every month after the first layer's
    for p in doc["pairs"]:
        for key, layer_key in (("from", "from_layer_date"), ("to", "to_layer_date")):
            assert p[layer_key] == max(d for d in dates if d <= p[key])
        assert p["total_km2"] == pytest.approx(every_date[p["to_layer_date"]], abs=0.01)
    text = run_cli("--layers", kursk, "changes", "kursk", "--every", "month").output
    assert "2024-12-01 2025-01-01" in text and "2024-11-10 → 2024-12-31" in text


def test_pairs_carry_their_own_dates_when_a_version_repeats(tmp_path, run_cli):
    """The same content on several days: the cached summary must not lend one pair's dates to the next."""
    root = tmp_path / "layers"
    region = tmp_path / "region.geojson"
    region.write_text(json.dumps(layer(square(34.0, 50.5, 2.0))))
    run_cli("--layers", root, "init", "demo", "--status", "held=Held", "--region", region)
    a, b = SQUARE, layer(square(35.0, 51.0, 0.2))
    for day, content in (("2024-08-01", a), ("2024-08-02", b), ("2024-08-03", b), ("2024-08-04", b),
                         ("2024-08-05", a)):
        f = tmp_path / f"{day}.geojson"
        f.write_text(json.dumps(content))
        assert run_cli("--layers", root, "import", "demo", f).exit_code == 0
    for _ in range(2):  # cold, then from the cache
        pairs = run_cli("--layers", root, "changes", "demo", "--json").json()["pairs"]
        assert [(p["from"], p["to"]) for p in pairs] == [("2024-08-01", "2024-08-02"), ("2024-08-02", "2024-08-03"),
                                                          ("2024-08-03", "2024-08-04"), ("2024-08-04", "2024-08-05")]
        d = run_cli("--layers", root, "diff", "demo", "2024-08-03", "2024-08-04", "--json").json()
        assert (d["date_a"], d["date_b"]) == ("2024-08-03", "2024-08-04")


def test_diff_period_is_the_change_between_the_layers_in_force(kursk, run_cli):
    p = run_cli("--layers", kursk, "diff", "kursk", "--period", "2025-01", "--json").json()
    d = run_cli("--layers", kursk, "diff", "kursk", "2025-01-01", "2025-02-01", "--in-force", "--json").json()
    assert p["changes"] == d["changes"]
    assert (p["date_a"], p["layer_date_a"], p["date_b"], p["layer_date_b"]) == (
        "2025-01-01", "2024-12-31", "2025-02-01", "2025-01-31")
    assert (p["days"], p["layer_days"], p["period"]) == (31, 31, "2025-01")
    q = run_cli("--layers", kursk, "diff", "kursk", "--period", "2025-Q1", "--json").json()
    assert (q["date_a"], q["date_b"], q["layer_date_b"]) == ("2025-01-01", "2025-04-01", "2025-03-20")
    text = run_cli("--layers", kursk, "diff", "kursk", "--period", "2025-01").output
    assert "in force: 2025-01-01 → layer of 2024-12-31" in text


@pytest.mark.parametrize("args,code,message", [
    (["diff", "kursk", "2025-01-01", "2025-02-01"], 1, "no layer on 2025-01-01; nearest: 2024-12-31, 2025-01-06"),
    (["diff", "kursk", "--period", "2024-08"], 1, "no layer in force on 2024-08-01: its first layer is of 2024-08-06"),
    (["diff", "kursk", "2024-08-01", "2024-09-01", "--in-force"], 1, "no layer in force on 2024-08-01"),
    (["diff", "kursk", "--period", "2025-13"], 2, "month 13 is not 01 to 12"),
    (["diff", "kursk", "2024-08-06", "--period", "2025-01"], 2, "give DATE_A DATE_B or --period, not both"),
    (["diff", "kursk", "2024-08-06"], 2, "give DATE_A and DATE_B, or --period"),
    (["changes", "kursk", "--every", "fortnight"], 2, "--every 'fortnight'"),
    (["changes", "kursk", "--every", "month", "--from", "2024-08-01"], 1, "no layer in force on 2024-08-01"),
])
def test_date_errors_are_one_line(kursk, run_cli, args, code, message):
    r = run_cli("--layers", kursk, *args)
    assert r.exit_code == code and r.output == ""
    assert len(r.stderr.strip().splitlines()) == 1 and message in r.stderr


def test_area_in_force_names_the_layer_used(kursk, run_cli):
    doc = run_cli("--layers", kursk, "area", "kursk", "2025-01-01", "2024-12-31", "--in-force", "--json").json()
    (a, b) = doc["dates"]
    assert (a["date"], a["layer_date"], b["date"], b["layer_date"]) == ("2025-01-01", "2024-12-31", "2024-12-31",
                                                                          "2024-12-31")
    assert a["areas_km2"] == b["areas_km2"]
    text = run_cli("--layers", kursk, "area", "kursk", "2025-01-01", "--in-force").output
    assert text.splitlines()[1].startswith("2025-01-01 → layer of 2024-12-31  v1")
    csv = run_cli("--layers", kursk, "area", "kursk", "2025-01-01", "--in-force", "--csv").output.splitlines()
    assert csv[0].startswith("date,layer_date,") and csv[1].startswith("2025-01-01,2024-12-31,")


def test_area_without_a_date_is_the_latest_and_all_is_every_date(kursk, run_cli, every_date):
    rows = run_cli("--layers", kursk, "area", "kursk", "--json").json()["dates"]
    assert [r["date"] for r in rows] == [max(every_date)]
    rows = run_cli("--layers", kursk, "area", "kursk", "--all", "--json").json()["dates"]
    assert [r["date"] for r in rows] == sorted(every_date)


def test_changes_in_force_begins_with_the_layer_in_force_on_from(kursk, run_cli):
    plain = run_cli("--layers", kursk, "changes", "kursk", "--from", "2025-01-01", "--json").json()["pairs"]
    assert plain[0]["from"] == "2025-01-06"
    forced = run_cli("--layers", kursk, "changes", "kursk", "--from", "2025-01-01", "--in-force", "--json").json()
    assert (forced["pairs"][0]["from"], forced["pairs"][0]["from_layer_date"]) == ("2025-01-01", "2024-12-31")
    assert forced["first"]["date"] == "2024-12-31"


def test_areas_read_beside_the_diffs_give_what_one_thread_gives(kursk, monkeypatch):
    """The folder store lets compute_changes measure the areas in a second thread; the answer is the same."""
    from geo.measure import compute_changes
    from geo.store import Store

    monkeypatch.setenv("FRONTLINE_NO_CACHE", "1")
    store = Store(kursk)
    assert store.concurrent_reads
    both = compute_changes(store, "kursk")
    monkeypatch.setattr(Store, "concurrent_reads", False)
    one = compute_changes(Store(kursk), "kursk")
    assert json.dumps(both, sort_keys=True) == json.dumps(one, sort_keys=True)
    assert len(both["pairs"]) == len(both["dates"]) - 1 > 10
