"""GeoJSON geometry objects (parsed, as dicts) to shapely and back, without a JSON text in between (pure).

``shapely.from_geojson(json.dumps(g))`` and ``json.loads(shapely.to_geojson(s))`` print every coordinate to text
and parse it again; for the plain geometries of a front-line layer (polygons and lines with 2-D positions) these
functions build the same geometry from the coordinate lists with shapely's ragged-array constructors, and the
same nested lists from the geometry's coordinates. The doubles are the same either way: Python's ``repr`` and
GEOS's GeoJSON writer both print the shortest text that reads back to the same double, and both readers round
correctly. Anything else (points, collections, 3-D, empties, irregular lists) goes through shapely's GeoJSON
functions, so the result never differs, only the time.
"""

from __future__ import annotations

import json

_POLYGONAL = ("Polygon", "MultiPolygon")
_LINEAR = ("LineString", "MultiLineString")


def to_shapely(g: dict):
    """The shapely geometry of a GeoJSON geometry object, as ``shapely.from_geojson`` would read it."""
    import shapely

    try:
        fast = _to_shapely(g, shapely)
    except Exception:  # noqa: BLE001 - anything irregular goes the slow way, which raises what GEOS says
        fast = None
    return fast if fast is not None else shapely.from_geojson(json.dumps(g))


def _to_shapely(g: dict, shapely):
    import numpy as np

    t, c = g.get("type"), g.get("coordinates")
    if t not in _POLYGONAL + _LINEAR or not isinstance(c, list) or not c:
        return None
    if t in _POLYGONAL:
        polys = [c] if t == "Polygon" else c
        if not all(isinstance(p, list) and p and all(isinstance(r, list) and r for r in p) for p in polys):
            return None
        rings = [r for p in polys for r in p]
        coords = np.array([pt for r in rings for pt in r], dtype=np.float64)
        if coords.ndim != 2 or coords.shape[1] != 2:
            return None
        return _build(t, coords, [len(r) for r in rings], [len(p) for p in polys])
    lines = [c] if t == "LineString" else c
    if not all(isinstance(ln, list) and ln for ln in lines):
        return None
    coords = np.array([pt for ln in lines for pt in ln], dtype=np.float64)
    if coords.ndim != 2 or coords.shape[1] != 2:
        return None
    return _build(t, coords, [len(ln) for ln in lines], None)


def from_arrays(kind: str, coords):
    """The shapely geometry of a polygon, multipolygon, line or multiline whose coordinates nest as GeoJSON's
    do, each ring or line given as an ``(n, 2)`` float64 array (not empty): what :func:`to_shapely` builds from the
    same numbers as lists.

    >>> import numpy as np
    >>> from_arrays("LineString", np.array([[30.0, 50.0], [31.0, 50.5]])).wkt
    'LINESTRING (30 50, 31 50.5)'
    """
    import numpy as np

    if kind in _POLYGONAL:
        polys = [coords] if kind == "Polygon" else coords
        rings = [r for p in polys for r in p]
        return _build(kind, np.concatenate(rings), [len(r) for r in rings], [len(p) for p in polys])
    if kind not in _LINEAR:
        raise ValueError(f"not a polygonal or linear type: {kind!r}")
    lines = [coords] if kind == "LineString" else coords
    return _build(kind, np.concatenate(lines), [len(ln) for ln in lines], None)


def nested_lists(coords):
    """GeoJSON coordinates nesting ``(n, 2)`` arrays as nested lists of floats."""
    if hasattr(coords, "tolist"):
        return coords.tolist()
    return [nested_lists(c) for c in coords]


def _build(kind: str, coords, part_lens: list, poly_lens: list | None):
    """One geometry from ragged arrays: ``coords`` (n, 2), the length of each ring (or line) and, for polygons,
    the number of rings of each polygon.
    """
    import numpy as np
    import shapely

    part_off = np.cumsum([0, *part_lens])
    if kind == "LineString":
        return shapely.from_ragged_array(shapely.GeometryType.LINESTRING, coords, (part_off,))[0]
    if kind == "MultiLineString":
        return shapely.from_ragged_array(shapely.GeometryType.MULTILINESTRING, coords,
                                         (part_off, np.array([0, len(part_lens)])))[0]
    poly_off = np.cumsum([0, *poly_lens])
    if kind == "Polygon":
        return shapely.from_ragged_array(shapely.GeometryType.POLYGON, coords, (part_off, poly_off))[0]
    return shapely.from_ragged_array(shapely.GeometryType.MULTIPOLYGON, coords,
                                     (part_off, poly_off, np.array([0, len(poly_lens)])))[0]


def to_geojson_dict(shape) -> dict:
    """``json.loads(shapely.to_geojson(shape))``, built from the coordinates for 2-D polygons."""
    import shapely

    kind = shape.geom_type
    if kind in _POLYGONAL and not shape.is_empty and not shapely.has_z(shape):
        parts = [shape] if kind == "Polygon" else list(shape.geoms)
        if all(not p.is_empty for p in parts):
            polys = [[shapely.get_coordinates(r).tolist() for r in (p.exterior, *p.interiors)] for p in parts]
            return {"type": kind, "coordinates": polys[0] if kind == "Polygon" else polys}
    return json.loads(shapely.to_geojson(shape))
