"""Ground as a range: ``certainty = "claimed"`` statuses kept out of the headline total, and the range."""

import json

import pytest
import shapely
from common import EMPTY, layer, square, write

from geo.area import area_range, areas_km2, layer_areas
from geo.errors import InvalidInput
from geo.theatre import CERTAINTIES, Status, Theatre

HELD = Status("held", "Held", "#1f6fb4")
GREY = Status("grey", "Contested", "#9e9e9e", certainty="claimed")
RANGED = Theatre("demo", "Demo", (HELD, GREY, Status("front", "Front", "#d62728", "line")), bbox=(34, 50.5, 36.5, 52))
PLAIN = Theatre("demo", "Demo", (HELD, Status("grey", "Contested", "#9e9e9e")), bbox=(34, 50.5, 36.5, 52))
# held and grey overlap by half of the grey square, so the range's high end is not the sum of the two
OVERLAP = layer(square(35.0, 51.0, 0.1), square(35.05, 51.0, 0.1, status="grey"))


def test_toml_round_trip_and_default():
    t = Theatre.from_toml(RANGED.to_toml(), "demo")
    assert t.status("grey").certainty == "claimed" and t.status("held").certainty == "assessed"
    assert t.claimed_statuses == ("grey",) and t.assessed_statuses == ("held",)
    assert "certainty" not in PLAIN.to_toml()  # the default is not written: old files keep their bytes


def test_unknown_certainty_is_refused_listing_the_valid_ones():
    text = RANGED.to_toml().replace('certainty = "claimed"', 'certainty = "rumoured"')
    with pytest.raises(InvalidInput) as exc:
        Theatre.from_toml(text, "demo")
    for c in CERTAINTIES:
        assert c in exc.value.message
    assert "rumoured" in exc.value.message


def test_claimed_ground_is_out_of_the_total_and_in_the_range():
    a = layer_areas(OVERLAP, RANGED)
    held, grey = (shapely.from_geojson(json.dumps(f["geometry"])) for f in OVERLAP["features"])
    union = float(areas_km2([shapely.union(held, grey)])[0])
    assert a.total_km2 == pytest.approx(a.areas_km2["held"], rel=1e-9)
    assert a.range_km2[0] == a.total_km2
    assert a.range_km2[1] == pytest.approx(union, rel=1e-7)
    assert a.range_km2[1] < a.areas_km2["held"] + a.areas_km2["grey"]
    r = area_range(a, RANGED)
    assert (r.low_km2, r.high_km2) == a.range_km2 and r.low_statuses == ("held",)
    assert r.high_statuses == ("held", "grey")
    # the same layer in a theatre without claimed statuses: one figure, the union of all
    b = layer_areas(OVERLAP, PLAIN)
    assert b.range_km2 is None and "range_km2" not in b.as_dict() and area_range(b, PLAIN) is None
    assert b.total_km2 == pytest.approx(a.range_km2[1], rel=1e-12)
    assert layer_areas(EMPTY, RANGED).range_km2 == (0.0, 0.0)


def test_area_cli_range(tmp_path, run_cli):
    root = tmp_path / "layers"
    region = write(tmp_path / "region.geojson", layer(square(34.0, 50.5, 2.0)))
    assert run_cli("--layers", root, "init", "demo", "--status", "held=Held", "--status", "grey=Contested",
                   "--region", region).exit_code == 0
    toml = root / "demo" / "theatre.toml"
    toml.write_text(toml.read_text().replace('key = "grey"', 'key = "grey"\ncertainty = "claimed"'))
    write(tmp_path / "2024-08-24.geojson", OVERLAP)
    assert run_cli("--layers", root, "import", "demo", tmp_path / "2024-08-24.geojson").exit_code == 0
    row = run_cli("--layers", root, "area", "demo", "--json").json()["dates"][0]
    assert row["total_km2"] == pytest.approx(row["areas_km2"]["held"], rel=1e-9)
    assert row["range_km2"][0] == row["total_km2"] and row["range_km2"][1] > row["total_km2"]
    out = run_cli("--layers", root, "area", "demo").output
    lo, hi = (f"{v:,.3f}" for v in row["range_km2"])
    assert f"{lo}–{hi}" in out and "claimed (Contested)" in out
    csv = run_cli("--layers", root, "area", "demo", "--csv").output.splitlines()
    assert csv[0].endswith(",total_km2,range_low_km2,range_high_km2")
    assert csv[1].endswith(f",{row['range_km2'][0]:.3f},{row['range_km2'][1]:.3f}")
    # an unknown certainty: one line, exit 2, listing the valid ones; nothing stored changes
    toml.write_text(toml.read_text().replace('"claimed"', '"maybe"'))
    r = run_cli("--layers", root, "area", "demo")
    assert r.exit_code == 2 and len(r.stderr.strip().splitlines()) == 1
    assert "choose one of assessed, claimed" in r.stderr


def test_range_by_region():
    from geo.area import areas_by_region

    west, east = shapely.box(34.0, 50.5, 35.075, 52.0), shapely.box(35.075, 50.5, 36.5, 52.0)
    per = areas_by_region(OVERLAP, RANGED, {"west": west, "east": east})
    whole = layer_areas(OVERLAP, RANGED)
    for a in per.values():
        assert a.total_km2 == pytest.approx(a.areas_km2["held"], rel=1e-9) and a.range_km2[0] == a.total_km2
        assert a.range_km2[1] >= a.total_km2
    # the two halves tile the layer: their ranges add up to the whole's
    assert sum(a.range_km2[0] for a in per.values()) == pytest.approx(whole.range_km2[0], rel=1e-5)
    assert sum(a.range_km2[1] for a in per.values()) == pytest.approx(whole.range_km2[1], rel=1e-5)
    assert per["east"].range_km2[1] > per["east"].range_km2[0]  # the grey square reaches past the held one
