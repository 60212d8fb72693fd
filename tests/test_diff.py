import json

import pytest
import shapely
from common import EMPTY, SQUARE, THEATRE, layer, square
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.area import layer_areas
from geo.diff import diff_layers, peak_and_retaken, place_timeline


def test_diff_of_a_layer_with_itself_is_empty():
    for c in (EMPTY, SQUARE, layer(square(35, 51), square(35.2, 51, status="contested"))):
        r = diff_layers(c, c, THEATRE)
        assert not r.changed and r.features == []
        assert all(x.gained_km2 == 0 and x.lost_km2 == 0 for x in r.changes.values())


def test_gain_and_loss_in_two_sectors_are_both_reported():
    a = layer(square(35.0, 51.0, 0.1), square(35.5, 51.0, 0.1))
    b = layer(square(35.0, 51.0, 0.15), square(35.5, 51.0, 0.05))  # grows in one sector, shrinks in another
    r = diff_layers(a, b, THEATRE)
    u = r.union
    assert u.gained_km2 > 50 and u.lost_km2 > 50
    kinds = {f["properties"]["kind"] for f in r.features}
    assert kinds == {"gained", "lost"}
    assert all(f["properties"]["area_km2"] > 0 for f in r.features)


def test_slivers_are_noise_not_gains():
    a = layer(square(35.0, 51.0, 0.1))
    b = layer(square(35.0, 51.0, 0.1 + 1e-5))  # ~1 m wider: slivers along two edges
    r = diff_layers(a, b, THEATRE)
    assert r.union.gained_km2 == 0 and r.union.noise_km2 > 0 and not r.changed
    raw = diff_layers(a, b, THEATRE, min_area_km2=0, tolerance_m=0)
    assert raw.union.gained_km2 == pytest.approx(r.union.noise_km2, rel=1e-3)


def test_places_that_changed_hands():
    places = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Inside"},
         "geometry": {"type": "Point", "coordinates": [35.05, 51.05]}},
        {"type": "Feature", "properties": {"name": "Unknown"}, "geometry": None}]}
    r = diff_layers(EMPTY, SQUARE, THEATRE, settlements=places)
    assert r.places == [{"name": "Inside", "from": None, "to": "held", "kind": "taken"}]
    r = diff_layers(SQUARE, EMPTY, THEATRE, settlements=places)
    assert r.places[0]["kind"] == "lost"


def test_place_timeline_ranges():
    pt = shapely.Point(35.05, 51.05)
    series = [("d1", EMPTY), ("d2", SQUARE), ("d3", SQUARE), ("d4", EMPTY)]
    assert place_timeline(pt, series, THEATRE) == [
        {"status": None, "from": "d1", "to": "d1"}, {"status": "held", "from": "d2", "to": "d3"},
        {"status": None, "from": "d4", "to": "d4"}]


def test_peak_and_retaken():
    r = peak_and_retaken([{"date": "a", "total_km2": 10}, {"date": "b", "total_km2": 40},
                          {"date": "c", "total_km2": 10}])
    assert r["peak"] == {"date": "b", "total_km2": 40}
    assert r["retaken_pct"] == {"a": None, "b": 0.0, "c": 75.0}


coords = st.tuples(st.floats(34.9, 35.3), st.floats(50.9, 51.3), st.floats(0.005, 0.2))


@settings(max_examples=50, deadline=None)
@given(st.lists(coords, min_size=0, max_size=4), st.lists(coords, min_size=0, max_size=4),
       st.sampled_from(["held", "contested"]))
def test_identity_area_b_minus_area_a_equals_gained_minus_lost(boxes_a, boxes_b, status):
    a = layer(*[square(x, y, d) for x, y, d in boxes_a])
    b = layer(*[square(x, y, d, status=status) for x, y, d in boxes_b])
    r = diff_layers(a, b, THEATRE, min_area_km2=0, tolerance_m=0)
    for c in r.changes.values():
        assert c.gained_km2 >= 0 and c.lost_km2 >= 0
        assert c.net_km2 == pytest.approx(c.gained_km2 - c.lost_km2, abs=1e-6)
    # and the diff's areas are those of geo.area when both layers share a projection centre
    d = diff_layers(a, b, THEATRE)
    for c in d.changes.values():
        assert c.net_km2 == pytest.approx(c.gained_km2 - c.lost_km2 + c.noise_net_km2, abs=1e-6)
    la = layer_areas(a, THEATRE)
    assert r.union.area_a_km2 == pytest.approx(la.total_km2, rel=1e-6, abs=1e-9)


def test_change_polygons_are_valid_geojson():
    a = layer(square(35.0, 51.0, 0.1))
    b = layer(square(35.05, 51.0, 0.1))
    for f in diff_layers(a, b, THEATRE).features:
        g = shapely.from_geojson(json.dumps(f["geometry"]))
        assert g.is_valid and not g.is_empty


def test_prepared_layers_and_the_same_ground_under_other_properties():
    from geo.diff import prepare_layer

    a = layer(square(35, 51, props={"date": "2024-08-24"}), square(35.2, 51, status="contested"))
    b = layer(square(35, 51, props={"date": "2024-08-25"}), square(35.2, 51, status="contested"))
    c = layer(square(35, 51, 0.2, props={"date": "2024-08-26"}))
    r = diff_layers(a, b, THEATRE)
    assert not r.changed and r.union.gained_km2 == 0 and r.union.area_a_km2 == r.union.area_b_km2 > 0
    known = {}
    pa, pb, pc = (prepare_layer(x, THEATRE, raw=json.dumps(x), known=known) for x in (a, b, c))
    assert pa is pb and pa is not pc and len(known) == 2  # the same ground is dissolved once
    # prepared or not, the same answer, polygons and all
    for x, y in ((a, c), (c, a)):
        full = diff_layers(x, y, THEATRE)
        fast = diff_layers(prepare_layer(x, THEATRE), prepare_layer(y, THEATRE), THEATRE)
        assert fast.as_dict() == full.as_dict() and fast.features == full.features and full.changed
    bare = diff_layers(pa, pc, THEATRE, with_features=False)
    assert bare.features == [] and bare.as_dict() == diff_layers(a, c, THEATRE).as_dict()


def test_one_area_status_shares_its_difference_with_the_union():
    """With a single area status the union is that status: both report the same change, computed once."""
    import shapely

    from geo.diff import diff_layers, prepare_layer
    from geo.theatre import Status, Theatre

    t = Theatre("one", "One", (Status("held", "Held", "#112233"), Status("front", "Front", "#d62728", "line")))

    def layer(*boxes):
        return {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"status": "held"}, "geometry": json.loads(shapely.to_geojson(b))}
            for b in boxes]}

    a = layer(shapely.box(35.0, 51.0, 35.2, 51.2))
    b = layer(shapely.box(35.05, 51.0, 35.3, 51.2))
    r = diff_layers(a, b, t, with_features=True)
    held, union = r.changes["held"], r.changes["union"]
    assert held.gained_km2 == pytest.approx(union.gained_km2) and held.lost_km2 == pytest.approx(union.lost_km2)
    assert held.gained_km2 > 0 and held.lost_km2 > 0
    pa, pb = prepare_layer(a, t), prepare_layer(b, t)
    assert shapely.equals(pa.union, pa.dissolved["held"]) and shapely.equals(pb.union, pb.dissolved["held"])
    # the same figures as differencing each one apart (the theatre with a second, empty status takes that path)
    t2 = Theatre("two", "Two", (Status("held", "Held", "#112233"), Status("grey", "Grey", "#f0a830")))
    r2 = diff_layers(a, b, t2)
    assert r2.changes["union"].gained_km2 == pytest.approx(union.gained_km2, abs=1e-9)
    assert r2.changes["union"].lost_km2 == pytest.approx(union.lost_km2, abs=1e-9)
