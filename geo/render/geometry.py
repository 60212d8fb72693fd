"""Pure: geometry made ready for a web map: quantised, simplified for the zoom shown, serialised compactly.

Coordinates stay (lon, lat) here, as in GeoJSON (Leaflet's ``L.geoJSON`` reads that order itself); the only
places where they become Leaflet's (lat, lon) are :func:`leaflet_latlng` and :func:`leaflet_bounds`.

* :func:`quantise` snaps coordinates to a grid of :data:`GRID` degrees (1e-5°: about 1.1 m north-south and 0.7 m
  east-west at 51° N) with ``shapely.set_precision``, which keeps polygons valid (plain rounding of coordinates
  made a 200k-vertex polygon invalid, measured here). :func:`geojson` then writes each coordinate with at most
  :data:`DECIMALS` decimals, the shortest text that reads back as the grid value (about 22 bytes a vertex
  instead of 40 at full precision). The pages store it more compactly still (:func:`pack`: integers on the
  grid, delta-encoded, about 10 bytes a vertex); the payload handed to Python callers stays GeoJSON.
* Context layers (border, region outlines) are clipped to the view with a margin and simplified with a
  tolerance of half a pixel at the zoom that fits the view (:func:`context_tolerance`), then snapped to
  :data:`CONTEXT_GRID` (1e-4°, about 10 m, below that tolerance): exact to the eye at the zoom shown.
  The front-line layer itself is never simplified, only quantised: its shape is the news.
"""

from __future__ import annotations

import math

GRID = 1e-5
DECIMALS = 5
#: grid of the context layers (about 10 m): finer than their simplification tolerance at any zoom we fit.
CONTEXT_GRID = 1e-4
TILE = 256
MAX_ZOOM = 13
#: size the map is assumed to have when none is given (pixels); only used to choose the simplification.
NOMINAL_SIZE = (800, 600)


def quantise(geom, grid: float = GRID):
    """Snap ``geom`` to a ``grid``-degree grid, topology-safe (``shapely.set_precision``).

    Examples
    --------
    >>> from shapely import Point, Polygon
    >>> quantise(Point(35.1234567, 51.7654321)).wkt
    'POINT (35.12346 51.76543)'
    >>> quantise(Polygon()).is_empty
    True
    """
    import shapely

    if geom is not None and not geom.is_empty and not geom.is_valid:
        geom = shapely.make_valid(geom)  # the store holds valid layers; a hand-made one may not be
    return shapely.set_precision(geom, grid)


def _round(obj, ndigits: int):
    if isinstance(obj, float):
        v = round(obj, ndigits)
        return 0.0 if v == 0 else v
    if isinstance(obj, (list, tuple)):
        return [_round(o, ndigits) for o in obj]
    return obj


def geojson(geom, ndigits: int = DECIMALS) -> dict | None:
    """GeoJSON geometry dict of a (quantised) shapely geometry, coordinates rounded to ``ndigits``; None if empty.

    Examples
    --------
    >>> from shapely import LineString
    >>> geojson(LineString([(35.000001, 51.1), (35.2, 51.200004)]))
    {'type': 'LineString', 'coordinates': [[35.0, 51.1], [35.2, 51.2]]}
    >>> geojson(LineString()) is None
    True
    """
    from shapely.geometry import mapping

    if geom is None or geom.is_empty:
        return None
    m = mapping(geom)
    if m["type"] == "GeometryCollection":
        return {"type": "GeometryCollection", "geometries": [g for g in map(geojson, geom.geoms) if g]}
    return {"type": m["type"], "coordinates": _round(m["coordinates"], ndigits)}


def polygons(geom) -> list:
    """The non-empty Polygons of any geometry (MultiPolygon parts, polygons of a collection), in order."""
    if geom is None or geom.is_empty:
        return []
    if geom.geom_type == "Polygon":
        return [geom]
    if hasattr(geom, "geoms"):
        return [p for g in geom.geoms for p in polygons(g)]
    return []


def lines(geom):
    """The linework of ``geom``: polygons become their boundaries, lines stay, points are dropped."""
    import shapely

    if geom is None or geom.is_empty:
        return shapely.MultiLineString()
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom.boundary
    if geom.geom_type in ("LineString", "MultiLineString", "LinearRing"):
        return geom
    if hasattr(geom, "geoms"):
        parts = [lines(g) for g in geom.geoms]
        return shapely.union_all([p for p in parts if not p.is_empty]) if parts else shapely.MultiLineString()
    return shapely.MultiLineString()


def zoom_for_bounds(bounds, size=NOMINAL_SIZE) -> int:
    """The largest Web Mercator zoom at which ``bounds`` (west, south, east, north) fits ``size`` pixels.

    Examples
    --------
    >>> zoom_for_bounds((34.5, 50.9, 35.8, 51.6))
    9
    """
    w, s, e, n = bounds
    width, height = size

    def y(lat):
        lat = max(min(lat, 85.0), -85.0)
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    dx = max(e - w, 1e-9) / 360.0
    dy = max(y(n) - y(s), 1e-9) / (2 * math.pi)
    z = min(math.log2(width / TILE / dx), math.log2(height / TILE / dy))
    return int(max(0, min(MAX_ZOOM, math.floor(z))))


def context_tolerance(bounds, size=NOMINAL_SIZE) -> float:
    """Simplification tolerance in degrees for context layers: half a pixel at the zoom that fits ``bounds``."""
    zoom = zoom_for_bounds(bounds, size)
    lat = (bounds[1] + bounds[3]) / 2
    deg_per_px = 360.0 / (TILE * 2**zoom)
    return 0.5 * deg_per_px * math.cos(math.radians(lat))


def expand(bounds, fraction: float):
    """``bounds`` grown by ``fraction`` of its width and height on every side."""
    w, s, e, n = bounds
    dx, dy = (e - w) * fraction, (n - s) * fraction
    return (w - dx, s - dy, e + dx, n + dy)


def for_context(geom, view, tolerance: float, grid: float = CONTEXT_GRID):
    """Clip ``geom`` to ``view`` (west, south, east, north), simplify by ``tolerance`` degrees, snap to ``grid``."""
    import shapely

    if geom is None or geom.is_empty:
        return geom
    clipped = shapely.clip_by_rect(geom, *view)
    if clipped.is_empty:
        return clipped
    return quantise(shapely.simplify(clipped, tolerance, preserve_topology=True), grid)


def leaflet_latlng(lon: float, lat: float) -> list:
    """(lon, lat) → Leaflet's ``[lat, lon]``, rounded to the grid.

    Examples
    --------
    >>> leaflet_latlng(35.270556, 51.191389)
    [51.19139, 35.27056]
    """
    return [_round(float(lat), DECIMALS), _round(float(lon), DECIMALS)]


def leaflet_bounds(bounds) -> list:
    """(west, south, east, north) → Leaflet's ``[[south, west], [north, east]]``: the one (lat, lon) swap.

    Examples
    --------
    >>> leaflet_bounds((34.5, 50.9, 35.8, 51.6))
    [[50.9, 34.5], [51.6, 35.8]]
    """
    w, s, e, n = bounds
    return [[_round(float(s), DECIMALS), _round(float(w), DECIMALS)],
            [_round(float(n), DECIMALS), _round(float(e), DECIMALS)]]


# ---- compact coordinates for our pages -------------------------------------------------------------------------
SCALE = round(1 / GRID)  # integer units per degree of the compact form: 100,000


def _delta(coords) -> list[int]:
    """Integer 1e-5 degree coordinates (lon, lat), first vertex absolute, then differences, flattened."""
    import numpy as np

    q = np.rint(np.asarray(coords, dtype=float)[:, :2] * SCALE).astype(np.int64)
    d = np.diff(q, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    return d.ravel().tolist()


def encode_part(part) -> tuple[str, list] | None:
    """Encode one quantised Polygon or LineString as ``(kind, rings)``; ``None`` if empty.

    ``kind`` is ``"P"`` (rings: exterior then holes, closing vertex dropped) or ``"L"`` (one line).

    Examples
    --------
    >>> import shapely
    >>> encode_part(shapely.Polygon([(35, 51), (35.001, 51), (35.001, 51.001), (35, 51)]))
    ('P', [[3500000, 5100000, 100, 0, 0, 100]])
    >>> encode_part(shapely.LineString([(35, 51), (35.00001, 51.00002)]))
    ('L', [[3500000, 5100000, 1, 2]])
    >>> encode_part(shapely.Polygon()) is None
    True
    """
    if part is None or part.is_empty:
        return None
    if part.geom_type == "Polygon":
        rings = [part.exterior, *part.interiors]
        out = [_delta(r.coords[:-1]) for r in rings if len(r.coords) >= 4]
        return ("P", out) if out else None
    if part.geom_type == "LineString":
        return ("L", [_delta(part.coords)]) if len(part.coords) >= 2 else None
    return None


def pack(geometry: dict | None) -> dict | None:
    """A GeoJSON geometry (already on the :data:`GRID`) in the pages' compact form: ``{"z": [[kind, rings], ...]}``.

    Each Polygon or LineString part is :func:`encode_part`-ed: integer 1e-5 degree coordinates, delta-encoded,
    rings without their closing vertex; about 9 bytes a vertex instead of 22. Points and empty parts are
    dropped. ``frontline.js`` (``unpack``) turns it back into GeoJSON for Leaflet.

    Examples
    --------
    >>> pack({"type": "LineString", "coordinates": [[35.0, 51.0], [35.00001, 51.00002]]})
    {'z': [['L', [[3500000, 5100000, 1, 2]]]]}
    >>> pack(None) is None
    True
    """
    import json

    import shapely

    if not geometry:
        return None
    parts = [shapely.from_geojson(json.dumps(geometry))]
    while any(p.geom_type.startswith("Multi") or p.geom_type == "GeometryCollection" for p in parts):
        parts = list(shapely.get_parts(parts))  # one level of nesting a round
    out = [list(e) for e in (encode_part(p) for p in parts) if e is not None]
    return {"z": out}
