"""The local diff (geo.overlay) against the full overlay: the same figures and the same pieces, on every pair.

The real series are read from their files (json + shapely; the licensed data stays in ../shared; features keep
their geometry and status only), each layer prepared once; each pair is diffed twice, locally (the default) and
with ``overlay="full"``, and the two must agree: gained, lost and noise per status and for the union to
1e-6 km², the same number of change polygons of each kind, each local polygon matched by one full one whose
symmetric difference with it is below 1e-15 square degrees (about 1e-5 m²).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import shapely
from common import EMPTY, THEATRE, layer
from conftest import need_shared_data, need_ukraine_data
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.diff import diff_layers, prepare_layer
from geo.errors import InvalidInput
from geo.overlay import boundary, differences, merge_boxes
from geo.theatre import Status, Theatre

KM2 = 1e-6  # the figures' agreement, km²
DEG2 = 1e-15  # the polygons' symmetric difference, square degrees


def agree(a, b, theatre: Theatre) -> dict:
    """Diff ``a`` and ``b`` locally and fully, assert they agree, return the local result's overlay methods."""
    loc = diff_layers(a, b, theatre)
    full = diff_layers(a, b, theatre, overlay="full")
    assert loc.changes.keys() == full.changes.keys()
    for key, c in loc.changes.items():
        f = full.changes[key]
        for name in ("area_a_km2", "area_b_km2", "gained_km2", "lost_km2", "noise_km2", "noise_net_km2"):
            assert getattr(c, name) == pytest.approx(getattr(f, name), abs=KM2), (key, name, loc.overlay)
    assert loc.places == full.places

    def pieces(r):
        out: dict = {}
        for x in r.features:
            k = (x["properties"]["status"], x["properties"]["kind"])
            out.setdefault(k, []).append(shapely.from_geojson(json.dumps(x["geometry"])))
        return out

    pl, pf = pieces(loc), pieces(full)
    assert {k: len(v) for k, v in pl.items()} == {k: len(v) for k, v in pf.items()}  # the same connected pieces
    for k, parts in pl.items():  # each local piece is one full piece: same place, same size, same shape
        for p in parts:
            c = p.centroid
            twins = [q for q in pf[k] if abs(q.area - p.area) < DEG2 and q.centroid.distance(c) < 1e-7]
            assert len(twins) == 1, (k, p.area, loc.overlay)
            assert shapely.symmetric_difference(p, twins[0]).area < DEG2, (k, loc.overlay)
    return loc.overlay


# ---- the real series -------------------------------------------------------------------------------------------
def _ukraine():
    d = need_ukraine_data() / "deepstate" / "daily"
    t = Theatre("ua", "Whole front", (Status("ru_occupied", "Russian-occupied", "#d62728"),))

    def read(p: Path) -> tuple[dict, bytes]:
        raw = p.read_bytes()
        return {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"status": "ru_occupied"}, "geometry": f["geometry"]}
            for f in json.loads(raw)["features"]]}, raw

    return t, [read(p) for p in sorted(d.glob("*.geojson"))]


def _kursk():
    d = need_shared_data() / "deepstate" / "daily"
    t = Theatre("kursk", "Kursk", (
        Status("ua_controlled", "Ukrainian-held", "#1f6fb4"), Status("grey_zone", "Contested", "#9e9e9e"),
        Status("contact_line", "Front line", "#d62728", "line")), bbox=(33.9, 50.7, 38.7, 52.6))

    def read(p: Path) -> tuple[dict, bytes]:
        raw = p.read_bytes()
        return {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"status": f["properties"]["status"]}, "geometry": f["geometry"]}
            for f in json.loads(raw)["features"]]}, raw

    return t, [read(p) for p in sorted(d.glob("*.geojson"))]


@pytest.mark.parametrize("series", ["ukraine", "kursk"])
def test_local_equals_full_on_every_pair_of_the_real_series(series):
    theatre, layers = {"ukraine": _ukraine, "kursk": _kursk}[series]()
    assert len(layers) == {"ukraine": 353, "kursk": 258}[series]
    known: dict = {}
    prepared = [prepare_layer(c, theatre, raw=raw, known=known) for c, raw in layers]  # raw: parsed by GEOS
    n = len(prepared)
    pairs = [(i, i + 1) for i in range(n - 1)]  # every consecutive pair
    far = [(i, i + 7) for i in range(0, n - 7, 7)] + [(i, i + 30) for i in range(0, n - 30, 30)]
    far += [(0, n - 1), (n - 1, 0), (n // 2, n // 3)]  # first and last both ways, and a pair out of order
    seen: dict[str, Counter] = {"consecutive": Counter(), "far": Counter()}
    for group, todo in (("consecutive", pairs), ("far", far)):
        for i, j in todo:
            how = agree(prepared[i], prepared[j], theatre)
            seen[group].update(v.split(":")[0] for v in how.values())
    print(series, {k: dict(v) for k, v in seen.items()})
    # the test is about the local method: most consecutive pairs must have taken it, not the fallback
    done = seen["consecutive"]
    assert done["local"] > 0.8 * (done["local"] + done["full"])


# ---- synthetic cases -----------------------------------------------------------------------------------------
def disc(lon=35.2, lat=51.2, r=0.1, n=64) -> shapely.Polygon:
    """A ring of ``4 n`` vertices in lon/lat: enough edges that a few changed ones are a local change."""
    return shapely.Point(lon, lat).buffer(r, quad_segs=n)


def coll(*pairs) -> dict:
    """A layer from ``(geometry, status)`` pairs."""
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"status": s}, "geometry": json.loads(shapely.to_geojson(g))}
        for g, s in pairs]}


def moved(poly: shapely.Polygon, k: int, dx: float, dy: float) -> shapely.Polygon:
    """``poly`` with its ``k``-th vertex moved by (dx, dy) degrees."""
    xy = list(poly.exterior.coords)[:-1]
    xy[k] = (xy[k][0] + dx, xy[k][1] + dy)
    return shapely.Polygon(xy, [list(i.coords) for i in poly.interiors])


def test_a_ring_rotated_or_reversed_is_no_change():
    d = disc()
    ring = list(d.exterior.coords)[:-1]
    rotated = shapely.Polygon(ring[100:] + ring[:100])
    reversed_ = shapely.Polygon(ring[::-1])
    for other in (rotated, reversed_):
        how = agree(coll((d, "held")), coll((other, "held")), THEATRE)
        assert set(how.values()) == {"same"}
        r = diff_layers(coll((d, "held")), coll((other, "held")), THEATRE, min_area_km2=0, tolerance_m=0)
        assert r.union.gained_km2 == 0 and r.union.lost_km2 == 0


def test_one_stretch_moved_is_diffed_locally():
    a, b = disc(), moved(moved(disc(), 10, 0.01, 0.005), 11, 0.01, 0.004)
    how = agree(coll((a, "held")), coll((b, "held")), THEATRE)
    assert how["held"] == "local" and how["union"] == "local"
    u = diff_layers(coll((a, "held")), coll((b, "held")), THEATRE).union
    assert u.gained_km2 + u.lost_km2 > 0.1  # a 0.4 km² bulge, above the noise


def test_a_new_island_and_a_hole_that_appears():
    a = disc()
    island = shapely.box(35.5, 51.15, 35.52, 51.17)
    hole = shapely.box(35.19, 51.19, 35.21, 51.21)
    with_island = coll((shapely.MultiPolygon([a, island]), "held"))
    with_hole = coll((shapely.Polygon(a.exterior, [hole.exterior]), "held"))
    for x, y in ((coll((a, "held")), with_island), (with_island, coll((a, "held"))),
                 (coll((a, "held")), with_hole), (with_hole, coll((a, "held")))):
        how = agree(x, y, THEATRE)
        assert how["held"] == "local", how
    r = diff_layers(coll((a, "held")), with_hole, THEATRE, min_area_km2=0, tolerance_m=0)
    assert r.union.gained_km2 == 0 and r.union.lost_km2 == pytest.approx(r.union.area_a_km2 - r.union.area_b_km2)


def test_a_status_swap_inside_the_same_outline():
    d = disc()
    west, east = shapely.clip_by_rect(d, 35.0, 51.0, 35.2, 51.4), shapely.clip_by_rect(d, 35.2, 51.0, 35.4, 51.4)
    a = coll((west, "held"), (east, "contested"))
    b = coll((west, "contested"), (east, "held"))
    how = agree(a, b, THEATRE)
    assert how["union"] == "same"  # the same outline: nothing changed hands between held and nothing
    r = diff_layers(a, b, THEATRE, min_area_km2=0, tolerance_m=0)
    assert r.changes["held"].gained_km2 == pytest.approx(r.changes["held"].area_b_km2)
    assert r.union.gained_km2 == 0 and r.union.lost_km2 == 0
    # and a contested strip carved out of the held ground inside an unchanged outline
    strip = shapely.box(35.1, 51.0, 35.12, 51.4)
    c = coll((shapely.difference(d, strip), "held"), (shapely.intersection(d, strip), "contested"))
    agree(coll((d, "held")), c, THEATRE)


def test_a_change_bounded_by_several_runs_needs_the_boxes_merged():
    """A strip cut across a disc: the lost strip is bounded by four runs (two of each side); no run's own box
    holds it, only their merged box does."""
    d = disc()
    strip = shapely.box(35.0, 51.195, 35.4, 51.205)
    b = shapely.difference(d, strip)
    assert b.geom_type == "MultiPolygon"
    how = agree(coll((d, "held")), coll((b, "held")), THEATRE)
    assert how["held"] == "local"
    r = diff_layers(coll((d, "held")), coll((b, "held")), THEATRE, min_area_km2=0, tolerance_m=0)
    assert r.union.lost_km2 == pytest.approx(r.union.area_a_km2 - r.union.area_b_km2, abs=KM2)


def test_empty_layers_and_far_apart_layers_take_the_full_overlay():
    d = coll((disc(), "held"))
    assert set(agree(EMPTY, EMPTY, THEATRE).values()) == {"same"}
    assert agree(EMPTY, d, THEATRE)["held"] == "full: one side empty"
    assert agree(d, EMPTY, THEATRE)["union"] == "full: one side empty"
    far = coll((disc(35.25, 51.22, 0.12, 50), "held"))  # every edge differs
    assert agree(d, far, THEATRE)["held"] == "full: most of the boundary changed"
    with_line = layer(*d["features"], {"type": "Feature", "properties": {"status": "front"},
                                       "geometry": {"type": "LineString", "coordinates": [[35, 51], [35.3, 51.2]]}})
    assert set(agree(d, with_line, THEATRE).values()) == {"same"}  # lines are never measured


def test_an_unknown_overlay_is_refused():
    with pytest.raises(InvalidInput, match="local, full"):
        diff_layers(EMPTY, EMPTY, THEATRE, overlay="fast")
    with pytest.raises(InvalidInput, match="local, full"):
        differences(shapely.Polygon(), shapely.Polygon(), method="fast")


def test_overlay_level_geometries_equal_the_full_overlay():
    """In the projection, each difference's pieces equal the full overlay's exactly where shapely says so."""
    a = shapely.Polygon([(x * 100.0, 0.0) for x in range(50)] + [(4900.0, 1000.0), (0.0, 1000.0)])
    b = moved(moved(a, 20, 0, 30.0), 30, 0, -25.0)
    loc, full = differences(a, b), differences(a, b, method="full")
    assert loc.method == "local" and loc.boxes == 2 and full.method == "full"
    for x, y in ((loc.a_minus_b, full.a_minus_b), (loc.b_minus_a, full.b_minus_a)):
        assert shapely.equals(x, y) and not x.is_empty
    assert boundary(a).edges == len(a.exterior.coords) - 1  # one edge per pair of consecutive vertices


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50), st.integers(0, 10), st.integers(0, 10)),
                max_size=30))
def test_merged_boxes_are_apart_and_hold_every_box(raw):
    boxes = [(x, y, x + w, y + h) for x, y, w, h in raw]
    out = merge_boxes(boxes)
    for i, p in enumerate(out):
        for q in out[i + 1:]:
            assert p[2] < q[0] or q[2] < p[0] or p[3] < q[1] or q[3] < p[1]  # neither touch nor overlap
    for b in boxes:
        assert sum(o[0] <= b[0] and o[1] <= b[1] and b[2] <= o[2] and b[3] <= o[3] for o in out) == 1


def test_many_boxes_merge_the_same_through_numpy():
    import numpy as np

    from geo import overlay

    rng = np.random.default_rng(14)
    for n in (65, 200, 1000):
        xy = rng.uniform(0, 60 * n ** 0.5, (n, 2))  # crowded enough to merge, not into one
        wh = rng.uniform(0, 30, (n, 2))
        boxes = [tuple(r) for r in np.hstack([xy, xy + wh])]
        assert len(boxes) > overlay.SMALL_MERGE  # the numpy path, then the pairwise pass
        out = merge_boxes(boxes)
        small = overlay.SMALL_MERGE
        try:
            overlay.SMALL_MERGE = n  # the same boxes merged pair by pair only
            assert merge_boxes(boxes) == out
        finally:
            overlay.SMALL_MERGE = small
        assert 1 < len(out) < n


def test_prepare_layer_valid_skips_only_the_validity_check():
    from common import BOWTIE

    good = coll((disc(), "held"))
    a, b = prepare_layer(good, THEATRE), prepare_layer(good, THEATRE, valid=True)
    assert a.digest == b.digest and all(shapely.equals(a.dissolved[s], b.dissolved[s]) for s in a.statuses)
    # an invalid polygon is mended unless the caller vouches for it (a stored layer passed validation)
    bad = layer(BOWTIE)
    assert prepare_layer(bad, THEATRE).dissolved["held"].is_valid
    assert not prepare_layer(bad, THEATRE, valid=True).dissolved["held"].is_valid
