"""GeoJSON written for other tools: six decimals (RFC 7946's advice), valid polygons, the dates in the properties."""

import json
import re

import pytest
import shapely
from common import layer, square, write

from geo.geojson import rfc7946_geometry

# a polygon with coordinates at full double precision, as a diff in the projection hands them back
FINE = shapely.Polygon([(35.123456789, 51.0000001), (35.2000004, 51.01), (35.19, 51.1234567), (35.1, 51.1)])


def decimals(text):
    return max(len(m) for m in re.findall(r"\d\.(\d+)", text))


def test_six_decimals_valid_and_oriented():
    g = rfc7946_geometry(FINE)
    assert decimals(json.dumps(g)) <= 6
    s = shapely.from_geojson(json.dumps(g))
    assert s.is_valid and s.exterior.is_ccw
    assert s.hausdorff_distance(FINE) < 1e-6
    assert rfc7946_geometry(None) is None


def test_diff_geojson_has_six_decimals_and_both_dates(demo, tmp_path, run_cli):
    a = layer(square(35.0, 51.0, 0.123456789))
    b = layer(square(35.0333333333, 51.0111111111, 0.123456789))
    for d, lay in (("2024-08-24", a), ("2024-08-30", b)):
        assert run_cli("--layers", demo, "import", "demo", write(tmp_path / f"{d}.geojson", lay)).exit_code == 0
    out = tmp_path / "changes.geojson"
    r = run_cli("--layers", demo, "diff", "demo", "2024-08-24", "2024-08-30", "--geojson", out, "--json")
    assert r.exit_code == 0, r.stderr
    summary = r.json()
    text = out.read_text()
    assert decimals(text) <= 6
    feats = json.loads(text)["features"]
    assert feats and all(f["properties"]["date_a"] == "2024-08-24" and f["properties"]["date_b"] == "2024-08-30"
                         and f["properties"]["version_a"] == 1 for f in feats)
    for kind in ("gained", "lost"):
        parts = [f for f in feats if f["properties"]["kind"] == kind and f["properties"]["status"] == "union"]
        assert parts
        assert sum(p["properties"]["area_km2"] for p in parts) == pytest.approx(
            summary["changes"]["union"][f"{kind}_km2"], abs=1e-5)
        for p in parts:
            assert shapely.from_geojson(json.dumps(p["geometry"])).is_valid
