"""Pure validation and normalisation of a layer: RFC 7946 checks and the repair policy.

A *layer* is a GeoJSON FeatureCollection whose features each carry a ``status`` from the theatre's vocabulary.
:func:`validate_layer` takes the parsed JSON and returns a normalised copy, or raises
:class:`~geo.errors.ValidationError` naming the feature and the problem. It never reads files.

The policy, decided once here:

- geometry must fit the status's kind: ``area`` statuses take Polygon/MultiPolygon, ``line`` statuses take
  LineString/MultiLineString; anything else (points, collections, null) is refused;
- positions are ``[lon, lat]`` (a third value, Z, is dropped and the result says so); NaN and Infinity,
  non-numbers and values outside [-180, 180] x [-90, 90] are refused;
- rings must be closed and hold at least four positions; lines at least two;
- with a theatre ``bbox``: a geometry lying wholly outside it is refused, as "lat/lon swapped" where the swapped
  coordinates would fall inside;
- invalid polygons (self-intersections, …) are refused with the location shapely reports; with ``repair=True``
  they are mended with ``shapely.make_valid`` (polygonal parts kept) and the result lists what was mended;
- polygons are re-oriented to RFC 7946's right-hand rule (exterior counter-clockwise): a normalisation, not a
  repair, since orientation carries no meaning in GeoJSON readers.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from itertools import chain

from .errors import LimitExceeded, ValidationError
from .geomio import from_arrays, nested_lists, to_geojson_dict
from .theatre import Theatre

AREA_TYPES = ("Polygon", "MultiPolygon")
LINE_TYPES = ("LineString", "MultiLineString")
#: Default vertex limit per layer (the largest real Kursk layer holds about 1,500).
DEFAULT_MAX_VERTICES = 2_000_000


@dataclass
class ValidatedLayer:
    """A normalised layer and what normalising it did."""

    collection: dict
    repairs: list[str] = field(default_factory=list)
    #: Each feature's shapely geometry, the same as :func:`geo.geomio.to_shapely` of its normalised GeoJSON (the
    #: store's binary form is made from them: :func:`geo.store.encode_layer`).
    shapes: list = field(default_factory=list)
    dropped_z: bool = False
    vertices: int = 0

    @property
    def note(self) -> str:
        """A one-line account of repairs, for the version's note (empty when nothing was mended)."""
        parts = []
        if self.repairs:
            parts.append("repaired with make_valid: " + "; ".join(self.repairs))
        if self.dropped_z:
            parts.append("Z values dropped")
        return ". ".join(parts)


def status_of(properties: dict, *, status: str | None, status_field: str, status_map: dict | None) -> object:
    """Return the raw status of a feature before it is checked against the vocabulary."""
    if status is not None:
        raw = status
    else:
        raw = properties.get(status_field)
    if status_map and isinstance(raw, str) and raw in status_map:
        raw = status_map[raw]
    return raw


def validate_layer(
    collection,
    theatre: Theatre,
    *,
    where: str = "",
    repair: bool = False,
    status: str | None = None,
    status_field: str = "status",
    status_map: dict | None = None,
    max_vertices: int = DEFAULT_MAX_VERTICES,
) -> ValidatedLayer:
    """Check a parsed GeoJSON layer against RFC 7946 and the theatre, and normalise it.

    Parameters
    ----------
    collection : dict
        Parsed GeoJSON; must be a FeatureCollection.
    theatre : Theatre
        Supplies the status vocabulary and the region's bbox.
    where : str, optional
        Names the input (a file) in error messages.
    repair : bool, optional
        Mend invalid polygons with ``shapely.make_valid`` instead of refusing them.
    status, status_field, status_map : optional
        ``status`` gives every feature one status; otherwise it is read from the property ``status_field`` and
        translated through ``status_map`` (``{raw: key}``).
    max_vertices : int, optional
        Refuse the layer once more positions than this have been seen.

    Returns
    -------
    ValidatedLayer

    Raises
    ------
    ValidationError
        On the first problem, naming the feature index.
    LimitExceeded
        Past ``max_vertices``.

    Examples
    --------
    An empty FeatureCollection is a real layer, meaning "nothing held that day":

    >>> from geo.theatre import Theatre, Status
    >>> t = Theatre("demo", "Demo", (Status("held", "Held", "#112233"),))
    >>> validate_layer({"type": "FeatureCollection", "features": []}, t).collection
    {'type': 'FeatureCollection', 'features': []}
    >>> validate_layer({"type": "Feature"}, t)
    Traceback (most recent call last):
    ...
    geo.errors.ValidationError: not a FeatureCollection (type is 'Feature')
    """
    import shapely

    if not isinstance(collection, dict):
        raise ValidationError(f"not a GeoJSON object (found {type(collection).__name__})", where=where)
    if collection.get("type") != "FeatureCollection":
        raise ValidationError(f"not a FeatureCollection (type is {collection.get('type')!r})", where=where)
    features = collection.get("features")
    if not isinstance(features, list):
        raise ValidationError("'features' is missing or not a list", where=where)

    kinds = {s.key: s.kind for s in theatre.statuses}
    out_features = []
    result = ValidatedLayer(collection={})
    counter = _Counter(max_vertices, where)
    for i, feat in enumerate(features):
        def fail(problem, _i=i):
            raise ValidationError(problem, where=where, feature=_i)

        if not isinstance(feat, dict) or feat.get("type") != "Feature":
            kind = feat.get("type") if isinstance(feat, dict) else type(feat).__name__
            fail(f"not a Feature (type is {kind!r})")
        props = feat.get("properties")
        if props is None:
            props = {}
        if not isinstance(props, dict):
            fail("'properties' is not an object")
        raw = status_of(props, status=status, status_field=status_field, status_map=status_map)
        if raw is None:
            fail(f"no status: property {status_field!r} is missing (known statuses: {', '.join(kinds)})")
        if not isinstance(raw, str) or raw not in kinds:
            fail(f"unknown status {_short(raw)}: known statuses are {', '.join(kinds)}")
        geom = feat.get("geometry")
        if not isinstance(geom, dict):
            fail("geometry is missing or null")
        gtype = geom.get("type")
        allowed = AREA_TYPES if kinds[raw] == "area" else LINE_TYPES
        if gtype not in allowed:
            what = "an area" if kinds[raw] == "area" else "a line"
            fail(f"geometry type {gtype!r} is not {' or '.join(allowed)}, as status {raw!r} is {what}")
        try:
            coords, had_z = _check_coordinates(gtype, geom.get("coordinates"), counter)
        except _Problem as exc:
            fail(str(exc))
        result.dropped_z |= had_z
        shape = from_arrays(gtype, coords)  # the same geometry as from_geojson of its text, without the text
        if theatre.bbox is not None:
            _check_region(shape, theatre.bbox, fail)
        if gtype in AREA_TYPES:
            if not shapely.is_valid(shape):
                reason = shapely.is_valid_reason(shape)
                if not repair:
                    fail(f"invalid polygon: {reason} (use --repair to mend it with make_valid)")
                shape = _make_polygonal(shapely.make_valid(shape))
                if shape.is_empty:
                    fail(f"invalid polygon: {reason}; make_valid left no area")
                result.repairs.append(f"feature {i}: {reason}")
            shape = shapely.orient_polygons(shape, exterior_cw=False)
            clean = _geojson_geometry(shape)
        else:
            clean = {"type": gtype, "coordinates": nested_lists(coords)}
        new_props = {k: v for k, v in props.items() if k != status_field}
        new_props["status"] = raw
        try:  # what the store will write must be strict JSON in UTF-8
            json.dumps(new_props, allow_nan=False, ensure_ascii=False).encode("utf-8")
        except (ValueError, UnicodeEncodeError) as exc:
            kind = "a number too large (or NaN)" if isinstance(exc, ValueError) else "an unpaired surrogate"
            fail(f"a property holds {kind}, which is not valid JSON text")
        out_features.append({"type": "Feature", "properties": new_props, "geometry": clean})
        result.shapes.append(shape)
    result.collection = {"type": "FeatureCollection", "features": out_features}
    if isinstance(collection.get("source_metadata"), dict):  # kept by an import: a stored layer re-validates as is
        result.collection["source_metadata"] = collection["source_metadata"]
    result.vertices = counter.n
    return result


class _Problem(Exception):
    pass


class _Counter:
    def __init__(self, limit, where):
        self.n, self.limit, self.where = 0, limit, where

    def add(self, k):
        self.n += k
        if self.n > self.limit:
            raise LimitExceeded(
                f"{self.where + ': ' if self.where else ''}more than {self.limit:,} vertices "
                f"(the vertex limit; raise it with --max-vertices or FRONTLINE_MAX_VERTICES)"
            )


def _position(p, had_z):
    if not isinstance(p, list) or len(p) < 2:
        raise _Problem(f"a position must be [lon, lat], found {_short(p)}")
    if len(p) > 3:
        raise _Problem(f"a position has {len(p)} values, expected 2 or 3: {_short(p)}")
    for v in p:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise _Problem(f"a coordinate is not a number: {_short(p)}")
        if not math.isfinite(v):
            raise _Problem(f"a coordinate is NaN or Infinity: {_short(p)}")
    lon, lat = float(p[0]), float(p[1])
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise _Problem(f"coordinates out of lon/lat range: {_short(p)}")
    return [lon, lat], had_z or len(p) == 3


def _plain_positions(ring):
    """``ring`` as an ``(n, 2)`` float64 array when every position is a plain 2-D one in range, else None.

    The import's fast path (numpy over the whole ring instead of :func:`_position` per position): it accepts
    exactly what the per-position checks accept for 2-D positions, and anything else (3-D, a bool, a string, a
    NaN, out of range) goes the slow way, which names the problem.
    """
    import numpy as np

    if set(map(type, ring)) != {list} or set(map(len, ring)) != {2}:
        return None
    if not set(map(type, chain.from_iterable(ring))) <= {float, int}:  # bool is not int here: type() is exact
        return None
    try:
        a = np.array(ring, dtype=np.float64)
    except (OverflowError, ValueError):
        return None
    lon, lat = a[:, 0], a[:, 1]
    if not (np.isfinite(a).all() and (np.abs(lon) <= 180).all() and (np.abs(lat) <= 90).all()):
        return None
    return a


def _ring(ring, counter, had_z, *, closed):
    """One ring or line checked, as an ``(n, 2)`` float64 array of its lon/lat (a third value dropped)."""
    import numpy as np

    if not isinstance(ring, list):
        raise _Problem(f"expected a list of positions, found {_short(ring)}")
    counter.add(len(ring))
    out = _plain_positions(ring) if ring else None
    if out is None:
        slow = []
        for p in ring:
            q, had_z = _position(p, had_z)
            slow.append(q)
        out = np.array(slow, dtype=np.float64).reshape(-1, 2)
    if closed:
        if len(out) < 4:
            raise _Problem(f"a ring has {len(out)} positions; a closed ring needs at least 4")
        if (out[0] != out[-1]).any():
            raise _Problem(f"a ring is not closed: it starts at {out[0].tolist()} and ends at {out[-1].tolist()}")
    elif len(out) < 2:
        raise _Problem(f"a line has {len(out)} position(s); it needs at least 2")
    return out, had_z


def _check_coordinates(gtype, coords, counter):
    had_z = False
    if not isinstance(coords, list):
        raise _Problem(f"'coordinates' is missing or not an array in a {gtype}")

    def polygon(rings):
        nonlocal had_z
        if not isinstance(rings, list) or not rings:
            raise _Problem("a polygon has no rings")
        out = []
        for r in rings:
            q, had_z = _ring(r, counter, had_z, closed=True)
            out.append(q)
        return out

    def line(pos):
        nonlocal had_z
        q, had_z = _ring(pos, counter, had_z, closed=False)
        return q

    if gtype == "Polygon":
        return polygon(coords), had_z
    if gtype == "MultiPolygon":
        if not coords:
            raise _Problem("a MultiPolygon with no polygons")
        return [polygon(p) for p in coords], had_z
    if gtype == "LineString":
        return line(coords), had_z
    if not coords:
        raise _Problem("a MultiLineString with no lines")
    return [line(p) for p in coords], had_z


def _check_region(shape, bbox, fail):
    w, s, e, n = bbox
    x0, y0, x1, y1 = shape.bounds
    if x1 < w or x0 > e or y1 < s or y0 > n:
        if not (y1 < w or y0 > e or x1 < s or x0 > n):
            fail(f"lat/lon swapped: the geometry lies outside the theatre's region {list(bbox)}, "
                 "and inside it with the coordinates swapped (GeoJSON is [lon, lat])")
        fail(f"the geometry (bounds {[round(v, 4) for v in shape.bounds]}) lies outside the theatre's "
             f"region {list(bbox)}: misplaced coordinates?")


def _make_polygonal(geom):
    import shapely

    parts = shapely.get_parts(geom)
    polys = [p for p in parts if p.geom_type in AREA_TYPES]
    if not polys:
        return shapely.Polygon()
    out = shapely.union_all(polys)
    return out


def _geojson_geometry(shape) -> dict:
    return to_geojson_dict(shape)


def _dumps(obj) -> str:
    import json

    return json.dumps(obj, allow_nan=False)


def _short(v, n: int = 60) -> str:
    s = repr(v)
    return s if len(s) <= n else s[: n - 1] + "…"


#: Border slivers: where more than ``SLIVER_OUTSIDE`` of a source polygon lies outside the region, its clipped
#: parts under ``SLIVER_KM2`` are dropped (two borders digitised apart leave thin slivers along the line).
SLIVER_OUTSIDE = 0.9
SLIVER_KM2 = 0.5


def clip_layer(collection: dict, region, theatre: Theatre, *, sliver_km2: float = SLIVER_KM2,
               sliver_outside: float = SLIVER_OUTSIDE) -> dict:
    """Clip the features of a normalised layer to ``region`` (a shapely polygon in lon/lat).

    Lines are clipped too; features left empty are dropped. Border slivers: where more than ``sliver_outside``
    of a source polygon's area lies outside the region (a polygon drawn over the neighbouring country), the
    clipped parts smaller than ``sliver_km2`` are dropped: the region's border and the source's were digitised
    apart and disagree by tens of metres, which leaves thin slivers along the line. Pure: returns a new layer.
    """
    import shapely

    from .area import areas_km2

    kinds = {s.key: s.kind for s in theatre.statuses}
    shapely.prepare(region)
    out = []
    for feat in collection["features"]:
        shape = shapely.from_geojson(_dumps(feat["geometry"]))
        clipped = shapely.intersection(shape, region)
        is_area = kinds.get(feat["properties"]["status"]) == "area"
        keep = AREA_TYPES if is_area else LINE_TYPES
        parts = [p for p in shapely.get_parts(clipped) if p.geom_type in keep and not p.is_empty]
        if is_area and parts and sliver_km2 > 0:
            whole, inside = areas_km2([shape, clipped])
            if whole > 0 and (whole - inside) / whole > sliver_outside:
                sizes = areas_km2(parts)
                parts = [p for p, a in zip(parts, sizes, strict=True) if a >= sliver_km2]
        if not parts:
            continue
        if is_area:
            geom = shapely.orient_polygons(shapely.union_all(parts), exterior_cw=False)
        else:
            geom = shapely.line_merge(shapely.multilinestrings(parts)) if len(parts) > 1 else parts[0]
        if geom.is_empty:
            continue
        out.append({"type": "Feature", "properties": dict(feat["properties"]),
                    "geometry": _geojson_geometry(geom)})
    return {"type": "FeatureCollection", "features": out}


def _point_layer(collection, *, where: str, what: str, check) -> dict:
    """Validate a layer of points-or-null features; ``check(props, fail)`` checks each feature's properties."""
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection" or not isinstance(
            collection.get("features"), list):
        raise ValidationError(f"{what} file must be a GeoJSON FeatureCollection", where=where)
    out = []
    for i, f in enumerate(collection["features"]):
        def fail(problem, _i=i):
            raise ValidationError(problem, where=where, feature=_i)

        if not isinstance(f, dict) or f.get("type") != "Feature":
            fail("not a Feature")
        props = f.get("properties") or {}
        if not isinstance(props, dict):
            fail("'properties' is not an object")
        check(props, fail)
        try:
            json.dumps(props, allow_nan=False, ensure_ascii=False).encode("utf-8")
        except (ValueError, UnicodeEncodeError):
            fail("a property holds a value that is not valid JSON text (a huge number or an unpaired surrogate)")
        geom = f.get("geometry")
        if geom is not None:
            if not isinstance(geom, dict) or geom.get("type") != "Point":
                kind = geom.get("type") if isinstance(geom, dict) else type(geom).__name__
                fail(f"{what} feature must be a Point or have a null geometry, not {_short(kind)}")
            try:
                pos, _ = _position(geom.get("coordinates"), False)
            except _Problem as exc:
                fail(str(exc))
            geom = {"type": "Point", "coordinates": pos}
        out.append({"type": "Feature", "properties": props, "geometry": geom})
    return {"type": "FeatureCollection", "features": out}


def validate_settlements(collection, *, where: str = "") -> dict:
    """Check a settlements layer: named points (``name``, optional ``alt_names``, ``source``).

    A feature with a null geometry is kept as a place whose position is unknown (it never gets a status); any
    other geometry than a Point is refused, and so is a feature without a non-empty ``name``.

    Examples
    --------
    >>> validate_settlements({"type": "FeatureCollection", "features": [
    ...     {"type": "Feature", "properties": {"name": "Sudzha"},
    ...      "geometry": {"type": "Point", "coordinates": [35.27, 51.19]}}]})["features"][0]["properties"]
    {'name': 'Sudzha'}
    """
    def check(props, fail):
        if not isinstance(props.get("name"), str) or not props["name"].strip():
            fail("a place needs a non-empty 'name'")
        alt = props.get("alt_names")
        if alt is not None and not (isinstance(alt, list) and all(isinstance(a, str) for a in alt)):
            fail("'alt_names' must be a list of strings")

    return _point_layer(collection, where=where, what="a settlements", check=check)


def validate_events(collection, *, where: str = "") -> dict:
    """Check an events layer: ``date`` (YYYY-MM-DD) and ``title`` required; a Point or null geometry; a ``url``
    must be http(s) (anything else is refused, so that no ``javascript:`` link survives). Sorted by date.
    """
    import datetime as dt
    import re

    def check(props, fail):
        d = props.get("date")
        try:
            if not (isinstance(d, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", d)):
                raise ValueError
            dt.date.fromisoformat(d)
        except ValueError:
            fail(f"an event needs a 'date' as YYYY-MM-DD, found {_short(d)}")
        if not isinstance(props.get("title"), str) or not props["title"].strip():
            fail("an event needs a non-empty 'title'")
        url = props.get("url")
        if url is not None and not (isinstance(url, str) and re.match(r"^https?://", url, re.I)):
            fail(f"an event's 'url' must be http(s), found {_short(url)}")

    out = _point_layer(collection, where=where, what="an events", check=check)
    out["features"].sort(key=lambda f: f["properties"]["date"])
    return out
