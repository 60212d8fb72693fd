import math

import pytest
from common import BOWTIE, EMPTY, LINE, SQUARE, THEATRE, layer, square

from geo.errors import LimitExceeded, ValidationError
from geo.validate import validate_events, validate_layer, validate_settlements


def test_empty_layer_is_valid():
    assert validate_layer(EMPTY, THEATRE).collection == EMPTY


def test_valid_layer_is_normalised_ccw():
    f = square(35.0, 51.0)
    f["geometry"]["coordinates"][0].reverse()  # clockwise
    out = validate_layer(layer(f), THEATRE).collection
    ring = out["features"][0]["geometry"]["coordinates"][0]
    # shoelace: positive = counter-clockwise (RFC 7946 right-hand rule)
    area2 = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False))
    assert area2 > 0


def test_lines_are_kept_for_line_statuses():
    out = validate_layer(layer(square(35.0, 51.0), LINE), THEATRE).collection
    assert [f["geometry"]["type"] for f in out["features"]] == ["Polygon", "LineString"]


def test_z_is_dropped_and_said():
    f = square(35.0, 51.0)
    f["geometry"]["coordinates"][0] = [p + [120.0] for p in f["geometry"]["coordinates"][0]]
    v = validate_layer(layer(f), THEATRE)
    assert v.dropped_z and "Z values dropped" in v.note
    assert all(len(p) == 2 for p in v.collection["features"][0]["geometry"]["coordinates"][0])


def _bad(mutate):
    f = square(35.0, 51.0)
    mutate(f)
    return layer(f)


@pytest.mark.parametrize("collection,expect", [
    ({"type": "Feature"}, "not a FeatureCollection"),
    ([], "not a GeoJSON object"),
    ({"type": "FeatureCollection"}, "'features' is missing"),
    (layer(LINE | {"properties": {"status": "held"}}), "is not Polygon or MultiPolygon"),
    (_bad(lambda f: f["geometry"].update(type="Point", coordinates=[35, 51])), "'Point' is not Polygon"),
    (_bad(lambda f: f["geometry"]["coordinates"][0].pop()), "not closed"),
    (_bad(lambda f: f["geometry"].update(coordinates=[[[35, 51], [35.1, 51], [35, 51]]])), "at least 4"),
    (_bad(lambda f: f["geometry"]["coordinates"][0][1].__setitem__(0, math.nan)), "NaN or Infinity"),
    (_bad(lambda f: f["geometry"]["coordinates"][0][1].__setitem__(0, math.inf)), "NaN or Infinity"),
    (_bad(lambda f: f["geometry"]["coordinates"][0][1].__setitem__(0, "35")), "not a number"),
    (_bad(lambda f: f["geometry"]["coordinates"][0][1].__setitem__(0, True)), "not a number"),
    (_bad(lambda f: f["geometry"]["coordinates"][0][1].__setitem__(0, 200.0)), "out of lon/lat range"),
    (_bad(lambda f: f["properties"].update(status="occupied")), "unknown status 'occupied': known statuses"),
    (_bad(lambda f: f["properties"].pop("status")), "no status"),
    (_bad(lambda f: f.update(geometry=None)), "geometry is missing or null"),
    (layer(BOWTIE), "Self-intersection"),
    (layer(square(51.0, 35.0)), "lat/lon swapped"),
    (layer(square(10.0, 10.0)), "outside the theatre's region"),
])
def test_bad_layers_are_refused_with_feature_index(collection, expect):
    with pytest.raises(ValidationError) as e:
        validate_layer(collection, THEATRE, where="in.geojson")
    assert expect in str(e.value)
    assert "\n" not in e.value.message
    if isinstance(collection, dict) and collection.get("features"):
        assert "feature 0" in str(e.value)


def test_repair_mends_self_intersection_and_records_it():
    v = validate_layer(layer(BOWTIE), THEATRE, repair=True)
    assert v.repairs and "Self-intersection" in v.note
    import shapely

    g = shapely.from_geojson(__import__("json").dumps(v.collection["features"][0]["geometry"]))
    assert g.is_valid and g.area > 0


def test_status_map_and_status_override():
    f = square(35.0, 51.0, status="liberated")
    out = validate_layer(layer(f), THEATRE, status_map={"liberated": "held"}).collection
    assert out["features"][0]["properties"]["status"] == "held"
    out = validate_layer(layer(f), THEATRE, status="contested").collection
    assert out["features"][0]["properties"]["status"] == "contested"


def test_vertex_limit():
    with pytest.raises(LimitExceeded, match="vertex limit"):
        validate_layer(SQUARE, THEATRE, max_vertices=4)


def test_settlements_need_points_and_names():
    ok = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Sudzha", "alt_names": ["Суджа"]},
         "geometry": {"type": "Point", "coordinates": [35.27, 51.19]}},
        {"type": "Feature", "properties": {"name": "Guevo"}, "geometry": None}]}
    assert len(validate_settlements(ok)["features"]) == 2
    bad = {"type": "FeatureCollection", "features": [square(35.0, 51.0) | {"properties": {"name": "x"}}]}
    with pytest.raises(ValidationError, match="must be a Point"):
        validate_settlements(bad)
    nameless = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [35, 51]}}]}
    with pytest.raises(ValidationError, match="non-empty 'name'"):
        validate_settlements(nameless)


def test_events_refuse_non_http_links():
    ev = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"date": "2024-08-06", "title": "t", "url": "javascript:alert(1)"},
         "geometry": None}]}
    with pytest.raises(ValidationError, match="http"):
        validate_events(ev)
