"""geo.topology: arcs shared across dates, references that rebuild every ring exactly, stable as dates are added.

Rings are compared up to rotation and orientation (the module's promise), after dropping consecutive repeats and
the closing vertex; lines exactly, without consecutive repeats. The real series (both of them, every layer) are
read from ``../shared/data`` and skipped with a reason where absent.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from common import shape_key
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.topology import Topology, rebuild, ring_coords, shapes_of


def as_given(shapes) -> list:
    return sorted(k for k in (shape_key(*s) for s in shapes) if k is not None)


def as_rebuilt(topo, i) -> list:
    return sorted(shape_key(key, kind, rings if kind == "P" else rings[0]) for key, kind, rings in rebuild(topo, i))


def sq(x, y, d=2.0, *, turn=0, reverse=False):
    ring = [(x, y), (x + d, y), (x + d, y + d), (x, y + d)]
    ring = ring[turn:] + ring[:turn]
    if reverse:
        ring = ring[::-1]
    return np.array(ring + ring[:1], dtype=float)


# ---- small cases --------------------------------------------------------------------------------------------
def test_the_same_ring_from_another_start_or_the_other_way_round_is_one_arc_and_one_reference():
    topo = Topology()
    for turn, reverse in ((0, False), (2, False), (1, True), (3, True)):
        topo.add([("a", "P", [sq(0, 0, turn=turn, reverse=reverse)])])
    assert len(topo.arcs) == 1
    assert len({tuple(layer) for layer in map(tuple, topo.layers)}) == 1  # the same description every date
    assert all(as_rebuilt(topo, i) == as_given([("a", "P", [sq(0, 0)])]) for i in range(4))


def test_a_changed_stretch_is_a_new_arc_and_the_rest_a_slice_of_the_old_one():
    topo = Topology()
    topo.add([("a", "P", [sq(0, 0, 4)])])
    bent = np.array([(0, 0), (4, 0), (4, 4), (2, 5), (0, 4), (0, 0)], dtype=float)
    topo.add([("a", "P", [bent])])
    assert len(topo.arcs) == 2 and len(topo.arcs[1]) == 3  # only (4,4) (2,5) (0,4) is new
    assert as_rebuilt(topo, 1) == as_given([("a", "P", [bent])])


def test_neighbours_share_the_boundary_between_them_walked_both_ways():
    topo = Topology()
    topo.add([("a", "P", [sq(0, 0)]), ("b", "P", [sq(2, 0)])])
    # b's west side is a's east side: b adds only its three other sides
    assert sum(len(a) - 1 for a in topo.arcs) == 4 + 3
    assert as_rebuilt(topo, 0) == as_given([("a", "P", [sq(0, 0)]), ("b", "P", [sq(2, 0)])])


def test_holes_repeated_vertices_a_ring_touching_itself_and_open_rings():
    hole = sq(1, 1, 1, reverse=True)
    with_repeats = np.array([(0, 0), (0, 0), (5, 0), (5, 5), (5, 5), (5, 5), (0, 5), (0, 0)], dtype=float)
    # a figure eight through (2, 2) (touches itself at one vertex), given without its closing vertex
    eight = np.array([(0, 0), (2, 0), (2, 2), (4, 2), (4, 4), (2, 4), (2, 2), (0, 2)], dtype=float)
    shapes = [("holed", "P", [sq(0, 0, 4), hole]), ("rep", "P", [with_repeats]), ("eight", "P", [eight])]
    topo = Topology()
    topo.add(shapes)
    assert as_rebuilt(topo, 0) == as_given(shapes)
    (holed,) = [s for s in rebuild(topo, 0) if s[0] == "holed"]
    assert len(holed[2]) == 2  # the exterior, then the hole


def test_lines_stay_open_and_keep_their_direction_and_share_arcs_with_rings():
    ring = sq(0, 0, 4)
    line = np.array([(4, 4), (4, 0), (0, 0), (-3, -3)], dtype=float)  # two sides of the square backwards, then on
    topo = Topology()
    topo.add([("area", "P", [ring]), ("line", "L", line)])
    got = {k: rings for k, _, rings in rebuild(topo, 0)}
    assert got["line"][0].tolist() == line.tolist()
    assert sum(len(a) - 1 for a in topo.arcs) == 4 + 1  # the line's only own edge is (0,0) -> (-3,-3)


def test_degenerate_shapes_are_dropped_and_an_empty_layer_is_a_layer():
    topo = Topology()
    flat = np.array([(0, 0), (1, 1), (0, 0)], dtype=float)
    assert topo.add([("a", "P", [flat]), ("b", "L", np.array([(1, 1), (1, 1)], dtype=float))]) == 0
    assert topo.layers[0] == [] and rebuild(topo, 0) == []
    assert topo.add([]) == 1 and topo.layers[1] == []
    with pytest.raises(ValueError, match="unknown shape kind"):
        topo.add([("a", "X", [])])


def test_ring_coords_walks_slices_backwards():
    arcs = [np.array([(0, 0), (1, 0), (2, 0)], dtype=float), np.array([(2, 0), (1, 1), (0, 0)], dtype=float)]
    assert ring_coords(arcs, [(1, 2, 0), (0, 2, 0)]).tolist() == [[0, 0], [1, 1], [2, 0], [1, 0], [0, 0]]


def test_shapes_of_walks_geojson():
    g = {"type": "GeometryCollection", "geometries": [
        {"type": "MultiPolygon", "coordinates": [[[[0, 0], [1, 0], [1, 1], [0, 0]]], []]},
        {"type": "Point", "coordinates": [0, 0]}, {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}]}
    assert shapes_of(g, "area") == [("P", [[[0, 0], [1, 0], [1, 1], [0, 0]]])]
    assert shapes_of(g, "line") == [("L", [[0, 0], [1, 1]])]


# ---- properties ---------------------------------------------------------------------------------------------
def _walk(draw_moves, start=(0, 0)):
    """A closed lattice walk: a ring that may touch itself, repeat vertices and run back over its own edges."""
    x, y = start
    pts = [(x, y)]
    for dx, dy in draw_moves:
        x, y = x + dx, y + dy
        pts.append((x, y))
    return pts


moves = st.lists(st.sampled_from([(1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (0, 0)]), min_size=2, max_size=14)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.tuples(moves, st.integers(0, 3), st.booleans(), st.booleans()), max_size=3),
                min_size=1, max_size=5))
def test_any_series_rebuilds_exactly_and_adding_never_changes_an_earlier_date(series):
    topo = Topology()
    given_layers, seen = [], []
    for layer in series:
        shapes = []
        for k, (m, x0, closed, rev) in enumerate(layer):
            pts = _walk(m, (x0, 0))
            if rev:
                pts = pts[::-1]
            arr = np.array(pts, dtype=float)
            shapes.append((k, "P", [arr]) if closed else (k, "L", arr))
        topo.add(shapes)
        given_layers.append(shapes)
        seen.append(json.dumps(topo.layers[-1]))
        for i, shapes_i in enumerate(given_layers):
            assert json.dumps(topo.layers[i]) == seen[i]  # what an earlier date references never changes
            assert as_rebuilt(topo, i) == as_given(shapes_i)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.tuples(moves, st.integers(-3, 3), st.booleans()), max_size=3), min_size=1, max_size=5))
def test_integer_keys_give_the_same_topology_as_float_keys(series):
    """Topology(integer=True) keys a vertex by one int64 in the order of x + iy: the same arcs and references;
    coordinates that are not integers are refused."""
    plain, fast = Topology(), Topology(integer=True)
    for layer in series:
        shapes = [(k, "P", [np.array(_walk(m, (x0, -x0)), dtype=float)]) if closed
                  else (k, "L", np.array(_walk(m, (x0, -x0)), dtype=float))
                  for k, (m, x0, closed) in enumerate(layer)]
        plain.add(shapes)
        fast.add(shapes)
    assert fast.layers == plain.layers
    assert [a.tolist() for a in fast.arcs] == [a.tolist() for a in plain.arcs]
    with pytest.raises(ValueError, match="integer"):
        Topology(integer=True).add([(0, "L", np.array([[0.5, 0.0], [1.0, 1.0]]))])


def test_deterministic():
    def build():
        topo = Topology()
        for k in range(5):
            bent = np.array([(0, 0), (4, 0), (4, 4), (2, 4 + k), (0, 4), (0, 0)], dtype=float)
            topo.add([("a", "P", [bent]), ("b", "L", bent[:3])])
        return [a.tolist() for a in topo.arcs], topo.layers

    assert build() == build()


# ---- the real series ----------------------------------------------------------------------------------------
def _grid(r):
    return np.rint(np.asarray(r, dtype=float)[:, :2] * 1e5)


def _series(folder):
    for f in sorted((folder / "deepstate" / "daily").glob("*.geojson")):
        fc = json.loads(f.read_text(encoding="utf-8"))
        shapes = []
        for feat in fc["features"]:
            status = (feat.get("properties") or {}).get("status", "ru_occupied")
            kind = "line" if status == "contact_line" else "area"
            for k, c in shapes_of(feat["geometry"], kind):
                shapes.append((status, k, [_grid(r) for r in c] if k == "P" else _grid(c)))
        yield f.stem, shapes


@pytest.mark.realdata
@pytest.mark.slow
@pytest.mark.parametrize("which", ["ukraine", "kursk"])
def test_every_layer_of_the_real_series_rebuilds_exactly(which):
    from conftest import need_shared_data, need_ukraine_data

    folder = need_ukraine_data() if which == "ukraine" else need_shared_data()
    topo = Topology()
    first_refs = None
    vertices = 0
    for n, (date, shapes) in enumerate(_series(folder)):
        topo.add(shapes)
        assert as_rebuilt(topo, n) == as_given(shapes), date
        vertices += sum(len(r) - 1 for _, k, c in shapes for r in (c if k == "P" else [c]))
        if n == 0:
            first_refs = json.dumps(topo.layers[0])
    assert json.dumps(topo.layers[0]) == first_refs
    stored = sum(len(a) for a in topo.arcs)
    print(f"\n{which}: {n + 1} layers, {vertices:,} vertices given, {len(topo.arcs):,} arcs holding {stored:,} "
          f"vertices ({topo.vertex_count:,} distinct, {topo.edge_count:,} edges)")
    assert stored * 20 < vertices  # each boundary once: a twentieth of the vertices or less
