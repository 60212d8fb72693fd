"""Pure: km² per status on the WGS84 ellipsoid.

Method (``METHOD``): the polygons of each status are dissolved (overlaps within a status counted once), then
projected to a Lambert azimuthal equal-area projection on the WGS84 ellipsoid centred near the layer and measured
with shapely's planar area. LAEA preserves area exactly on the ellipsoid; what remains is the difference between
a straight edge in the projection and a geodesic edge: measured 2e-9 to 4e-8 relative on the real Kursk layers
(edges of a few hundred metres) and 1e-6 on a hand-drawn polygon with 50 km edges, against
``pyproj.Geod.geometry_area_perimeter`` on oriented polygons (tests/test_area.py). Never Web Mercator (2.55 times
too large at 51° N), never degrees.

The centre is the centre of the theatre's region (``bbox`` in theatre.toml) where it has one, so that all the
layers of a theatre, and the diffs between them, share one projection: areas and diffs then agree to rounding
(area(B) − area(A) = gained − lost to 1e-6 km²) and a whole series is projected in one vectorised call. A
theatre without a region uses each layer's area-weighted centroid rounded to 0.1 degree (:func:`_centre`).
Either way an area depends only on the layer's content and the theatre's settings (results are cached by both).

The edge model: an edge is straight in the LAEA, which is within 1e-6 of a geodesic for polygons a few
kilometres across (property test, any latitude within 70 degrees; 1e-6 is reached by 10 km triangles) and within
4e-8 on the real Kursk layers. RFC 7946 calls an edge straight in lon/lat instead; for the short edges of
digitised front lines (hundreds of metres) the models agree closely, for a 50 km edge they do not, so draw long
edges with intermediate vertices. Set operations in lon/lat (dissolve) put new vertices on the lon/lat line
of an edge, a few centimetres off its LAEA chord: inclusion-exclusion over lon/lat unions then holds to about
1e-5 relative on 2 km edges (tests/test_area.py); diffs run their set operations in the projection, where it is
exact.

Lines (statuses of kind ``line``) are never measured.

The headline total of a layer is the union of its *assessed* area statuses; statuses marked ``certainty =
"claimed"`` in theatre.toml (a grey zone, ground claimed but not established) are measured but kept out of it, and
the layer's figure becomes a range, ``range_km2 = (assessed, assessed and claimed)`` (:func:`area_range`).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from .theatre import Theatre

METHOD = "laea-wgs84"
GEODESIC = "geodesic-wgs84"
METHODS = (METHOD, GEODESIC)
UNION = "union"


@dataclass(frozen=True)
class LayerArea:
    """Areas of one layer: km² per area status, the headline total, the method and, where the theatre has
    claimed statuses, the range.

    ``total_km2`` is the union of the *assessed* area statuses (all of them where none is claimed); with claimed
    statuses, ``range_km2`` is ``(total_km2, union of every area status)``, else None.
    """

    areas_km2: dict
    total_km2: float
    method: str = METHOD
    range_km2: tuple[float, float] | None = None

    def as_dict(self) -> dict:
        out = {"areas_km2": dict(self.areas_km2), "total_km2": self.total_km2, "method": self.method}
        if self.range_km2 is not None:
            out["range_km2"] = list(self.range_km2)
        return out


@dataclass(frozen=True)
class AreaRange:
    """Ground as a range: the headline (assessed statuses) and the most (assessed and claimed).

    ``low_km2`` is the union of ``low_statuses`` (the assessed area statuses: the headline total), ``high_km2``
    the union of ``high_statuses`` (every area status, claimed ones included); ``low_km2 <= high_km2``.
    """

    low_km2: float
    high_km2: float
    low_statuses: tuple[str, ...]
    high_statuses: tuple[str, ...]

    def rounded(self, ndigits: int = 0) -> tuple[float, float]:
        """The two ends rounded for a caption (``ndigits`` decimals), never crossing: low ≤ high.

        Examples
        --------
        >>> AreaRange(1148.4, 1300.6, ("held",), ("held", "contested")).rounded()
        (1148, 1301)
        """
        lo, hi = round(self.low_km2, ndigits or None), round(self.high_km2, ndigits or None)
        return lo, max(lo, hi)


def area_range(area, theatre: Theatre) -> AreaRange | None:
    """The range of a layer's figures, for a caption such as "1,148–1,301 km² (held – held and contested)".

    Parameters
    ----------
    area : LayerArea or dict
        A layer's areas: a :class:`LayerArea`, its ``as_dict()``, or a row of :func:`geo.measure.compute_areas`
        (or one region's ``areas`` under ``regions``).
    theatre : Theatre
        Names which statuses are claimed (``certainty = "claimed"`` in theatre.toml).

    Returns
    -------
    AreaRange or None
        None where the theatre has no claimed status: its total is a single figure.

    Examples
    --------
    >>> from geo.theatre import Theatre, Status
    >>> t = Theatre("demo", "Demo", (Status("held", "Held", "#112233"),
    ...                              Status("grey", "Contested", "#999999", certainty="claimed")))
    >>> empty = layer_areas({"type": "FeatureCollection", "features": []}, t)
    >>> area_range(empty, t)
    AreaRange(low_km2=0.0, high_km2=0.0, low_statuses=('held',), high_statuses=('held', 'grey'))
    >>> area_range({"total_km2": 1148.2, "range_km2": [1148.2, 1301.0]}, t).rounded()
    (1148, 1301)
    >>> area_range(empty, Theatre("one", "One", (Status("held", "Held", "#112233"),))) is None
    True
    """
    if not theatre.claimed_statuses:
        return None
    rng = area.get("range_km2") if isinstance(area, dict) else area.range_km2
    if rng is None:
        raise ValueError("these areas were measured without the theatre's claimed statuses")
    low, high = float(rng[0]), float(rng[1])
    return AreaRange(low, max(low, high), theatre.assessed_statuses, theatre.area_statuses)


def feature_geometries(collection: dict, raw: bytes | str | None = None) -> list:
    """The shapely geometry of each feature of ``collection``, in order (None for a null geometry).

    ``raw``, the collection's own GeoJSON text when the caller has it (the store's object bytes), is parsed by
    GEOS in one call, about three times faster than a geometry at a time; the result is the same (the same
    decimal text parsed to the same doubles). Without it, or where the two do not line up, each geometry is
    parsed on its own.
    """
    import shapely

    feats = collection.get("features", [])
    if raw is not None and feats and all(isinstance(f.get("geometry"), dict) for f in feats):
        try:
            whole = shapely.from_geojson(raw)
        except shapely.errors.GEOSException:
            whole = None
        if whole is not None and whole.geom_type == "GeometryCollection" and \
                shapely.get_num_geometries(whole) == len(feats):
            return list(shapely.get_geometry(whole, range(len(feats))))
    return [shapely.from_geojson(json.dumps(f["geometry"])) if isinstance(f.get("geometry"), dict) else None
            for f in feats]


def layer_digest(collection: dict, geometries: Sequence) -> str:
    """A digest of what a layer holds for measuring: each feature's status and geometry, nothing else.

    Two layers with the same digest have the same areas and an empty diff, whatever their other properties
    (the real daily layers carry their date in every feature, so identical ground on two dates has two
    different hashes in the store but one digest here).
    """
    return shapes_digest(feature_statuses(collection), geometries)


def feature_statuses(collection: dict) -> list:
    """The ``status`` property of each feature of ``collection``, in order (None where it has none)."""
    return [(f.get("properties") or {}).get("status") for f in collection.get("features", [])]


def shapes_digest(statuses: Sequence, geometries: Sequence) -> str:
    """:func:`layer_digest` of a layer given as its features' statuses and geometries."""
    import hashlib

    import numpy as np
    import shapely

    h = hashlib.sha256(json.dumps(list(statuses)).encode())
    wkb = shapely.to_wkb(np.asarray(list(geometries), dtype=object)) if len(statuses) else []
    if len(wkb) != len(statuses):
        raise ValueError("one geometry per feature")
    for w in wkb:
        h.update(b"\0" if w is None else len(w).to_bytes(8, "little") + w)
    return h.hexdigest()


def dissolve(collection: dict, statuses: Sequence[str], *, geometries: Sequence | None = None) -> dict:
    """Union the polygons of each status; return ``{status: shapely geometry}`` (empty where none).

    ``geometries`` are the features' geometries already parsed (:func:`feature_geometries`), if the caller has
    them. A status held by one valid polygon is that polygon: the union of one valid geometry is itself.

    Examples
    --------
    >>> d = dissolve({"type": "FeatureCollection", "features": []}, ["held"])
    >>> d["held"].is_empty
    True
    """
    if geometries is None:
        geometries = feature_geometries(collection)
    return dissolve_shapes(feature_statuses(collection), geometries, statuses)


def dissolve_shapes(feature_status: Sequence, geometries: Sequence, statuses: Sequence[str], *,
                    valid: bool = False) -> dict:
    """:func:`dissolve` of a layer given as its features' statuses and geometries (one each, in order).

    ``valid`` says the polygons are known to be valid: a layer read from the store passed validation when it was
    recorded (invalid polygons are refused or mended with make_valid, :mod:`geo.validate`), so a status held by
    one polygon is taken as it is, without GEOS's validity check (0.77 s over the 353 whole-front layers).
    """
    import shapely

    groups: dict[str, list] = {s: [] for s in statuses}
    for st, g in zip(feature_status, geometries, strict=True):
        if st in groups and g is not None:
            groups[st].append(g)
    out = {}
    for st, geoms in groups.items():
        geoms = [g for g in geoms if g.geom_type in ("Polygon", "MultiPolygon")]
        if len(geoms) == 1 and (valid or geoms[0].is_valid):
            out[st] = geoms[0]
            continue
        out[st] = shapely.union_all(geoms) if geoms else shapely.Polygon()
        if not out[st].is_valid:  # a union of valid inputs is valid; keep the guard cheap and explicit
            out[st] = shapely.make_valid(out[st])
    return out


def laea_crs(lon: float, lat: float) -> str:
    """PROJ string of the LAEA projection on WGS84 centred at (lon, lat)."""
    return f"+proj=laea +lat_0={lat:g} +lon_0={lon:g} +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"


@functools.lru_cache(maxsize=64)
def laea_transformer(lon: float, lat: float, *, inverse: bool = False):
    """The (cached) pyproj Transformer from lon/lat to the LAEA at (lon, lat), or back with ``inverse``.

    Building a Transformer costs about 20 ms; a series of a few hundred layers shares one or two.
    """
    import pyproj

    a, b = "EPSG:4326", laea_crs(lon, lat)
    return pyproj.Transformer.from_crs(b, a, always_xy=True) if inverse else pyproj.Transformer.from_crs(
        a, b, always_xy=True)


def _centre(geoms) -> tuple[float, float]:
    """The projection centre of geometries measured without a theatre region: their area-weighted centroid in
    lon/lat, rounded to 0.1 degree (the bounding box's centre where they have no area).

    The centroid, not the bounding box's centre: LAEA's straight edges depart from geodesics with the distance
    from the centre, so the centre belongs where the ground is. On the whole front (353 layers, 9° of longitude,
    the ground heavy in the south-east) the bbox centre left the areas 0.0109 km² below the geodesic reference
    at worst, the centroid 0.0064 km² (tests/test_realdata_months.py).
    """
    return centre_of(*centre_parts(geoms))


def centre_parts(geoms) -> tuple:
    """What :func:`_centre` reads of each geometry: its area, centroid and bounds (empty and missing ones left
    out), as three arrays. A series keeps them per layer, and :func:`centre_of` of the parts of two layers put
    together is :func:`_centre` of their geometries put together, to the bit.
    """
    import numpy as np
    import shapely

    geoms = np.asarray(geoms, dtype=object)
    geoms = geoms[~shapely.is_empty(geoms) & ~shapely.is_missing(geoms)] if len(geoms) else geoms
    if len(geoms) == 0:
        return np.zeros(0), np.zeros((0, 2)), np.zeros((0, 4))
    return shapely.area(geoms), shapely.get_coordinates(shapely.centroid(geoms)), shapely.bounds(geoms)


def centre_of(weights, centroids, bounds) -> tuple[float, float]:
    """:func:`_centre` from the :func:`centre_parts` of the geometries (concatenated, for several layers)."""
    if len(weights) == 0:
        return 0.0, 0.0
    if weights.sum() > 0:
        lon, lat = (centroids * weights[:, None]).sum(axis=0) / weights.sum()
    else:
        lon = (bounds[:, 0].min() + bounds[:, 2].max()) / 2
        lat = (bounds[:, 1].min() + bounds[:, 3].max()) / 2
    return round(float(lon), 1), round(float(lat), 1)


def theatre_centre(theatre: Theatre | None) -> tuple[float, float] | None:
    """The projection centre shared by a theatre's layers: its region's bbox centre (rounded), or None."""
    if theatre is None or theatre.bbox is None:
        return None
    w, s, e, n = theatre.bbox
    return round((w + e) / 2, 1), round((s + n) / 2, 1)


def project_laea(geoms, centre: tuple[float, float] | None = None):
    """Project lon/lat geometries to the LAEA centred at ``centre`` (default: :func:`_centre` of them)."""
    import numpy as np
    import shapely

    geoms = np.asarray(geoms, dtype=object)
    if centre is None:
        centre = _centre(geoms)
    tr = laea_transformer(*centre)
    return shapely.transform(geoms, lambda x, y: tr.transform(x, y), interleaved=False)


def areas_km2(geoms, *, method: str = METHOD):
    """Area in km² of each lon/lat geometry, vectorised.

    Parameters
    ----------
    geoms : array-like of shapely geometries in lon/lat (WGS84)
    method : {"laea-wgs84", "geodesic-wgs84"}
        ``laea-wgs84`` (default): equal-area projection, vectorised. ``geodesic-wgs84``: pyproj's geodesic area
        of each oriented polygon, one at a time (the reference the first is tested against).

    Returns
    -------
    numpy.ndarray of float

    Examples
    --------
    >>> import shapely
    >>> square = shapely.box(35.0, 51.0, 35.1, 51.1)
    >>> round(float(areas_km2([square])[0]), 3)
    78.01
    >>> float(areas_km2([shapely.Polygon()])[0])
    0.0
    """
    import numpy as np
    import shapely

    geoms = np.asarray(list(geoms) if not isinstance(geoms, np.ndarray) else geoms, dtype=object)
    if method not in METHODS:
        from .errors import InvalidInput

        raise InvalidInput(f"unknown area method {method!r}: choose one of {', '.join(METHODS)}")
    if len(geoms) == 0:
        return np.zeros(0)
    if method == GEODESIC:
        return np.array([geodesic_area_km2(g) for g in geoms])
    out = np.zeros(len(geoms))
    nonempty = ~shapely.is_empty(geoms)
    if nonempty.any():
        out[nonempty] = shapely.area(project_laea(geoms[nonempty])) / 1e6
    return out


def geodesic_area_km2(geom) -> float:
    """Geodesic area (km²) of a lon/lat (Multi)Polygon on WGS84 with pyproj, polygons oriented first."""
    import pyproj
    import shapely

    if geom.is_empty:
        return 0.0
    geod = pyproj.Geod(ellps="WGS84")
    oriented = shapely.orient_polygons(geom, exterior_cw=False)
    area, _ = geod.geometry_area_perimeter(oriented)
    return abs(area) / 1e6


def layer_areas(collection: dict, theatre: Theatre, *, method: str = METHOD) -> LayerArea:
    """km² per area status and for their union, for one layer.

    Examples
    --------
    >>> from geo.theatre import Theatre, Status
    >>> t = Theatre("demo", "Demo", (Status("held", "Held", "#112233"),))
    >>> layer_areas({"type": "FeatureCollection", "features": []}, t).as_dict()
    {'areas_km2': {'held': 0.0}, 'total_km2': 0.0, 'method': 'laea-wgs84'}
    """
    return series_areas([collection], theatre, method=method)[0]


def series_areas(collections: Iterable[dict], theatre: Theatre, *, method: str = METHOD,
                 raws: Sequence | None = None) -> list[LayerArea]:
    """:func:`layer_areas` for many layers (GeoJSON dicts): :func:`shape_areas` of their features.

    ``raws``, each layer's GeoJSON text where the caller has it, makes parsing faster (:func:`feature_geometries`).
    """
    collections = list(collections)
    raws = list(raws) if raws is not None else [None] * len(collections)
    shapes = ((feature_statuses(c), feature_geometries(c, raw)) for c, raw in zip(collections, raws, strict=True))
    return list(shape_areas(shapes, theatre, method=method))


#: layers measured together by :func:`shape_areas`: one projection call per chunk, memory bounded by the chunk
CHUNK = 64


def shape_areas(shapes: Iterable[tuple[Sequence, Sequence]], theatre: Theatre, *, method: str = METHOD,
                valid: bool = False, chunk: int = CHUNK, keys: Iterable | None = None) -> Iterator[LayerArea]:
    """Areas of a stream of layers, each given as ``(statuses, geometries)``: one status and one shapely
    geometry (or None) per feature, as the store's binary form holds them. Yields one :class:`LayerArea` per
    layer, in order.

    Layers are taken ``chunk`` at a time: within a chunk, layers that hold the same statuses and geometries
    (:func:`shapes_digest`) are measured once and the layers that share a projection centre are projected in one
    vectorised call; nothing of a chunk is kept once it is measured, so memory does not grow with the series.
    ``valid``: the polygons are known to be valid (:func:`dissolve_shapes`). ``keys``, one per layer, say which
    layers are the same in place of :func:`shapes_digest` (the store's content hashes: no WKB written to know).

    Examples
    --------
    >>> import shapely
    >>> from geo.theatre import Theatre, Status
    >>> t = Theatre("demo", "Demo", (Status("held", "Held", "#112233"),))
    >>> [round(a.total_km2, 2) for a in shape_areas([(["held"], [shapely.box(35, 51, 35.1, 51.1)]), ([], [])], t)]
    [78.01, 0.0]
    """
    batch: list = []
    keys = iter(keys) if keys is not None else None
    for item in shapes:
        batch.append((item, None if keys is None else next(keys)))
        if len(batch) >= chunk:
            yield from _measure_batch(batch, theatre, method, valid)
            batch = []
    if batch:
        yield from _measure_batch(batch, theatre, method, valid)


def _laea_areas(geoms: Sequence, centre: tuple[float, float]):
    """``shapely.area`` of each geometry projected to the LAEA at ``centre``, in km²; a geometry given twice (a
    single status is its own union, the same object) projected once.

    Tried and left: keeping the area of each distinct polygon across the layers of a series (keyed by its WKB):
    the polygons that repeat are the small ones, and hashing the big one each day cost what projecting the small
    ones saved.
    """
    import numpy as np
    import shapely

    first: dict[int, int] = {}
    distinct: list = []
    where = []
    for g in geoms:
        if id(g) not in first:
            first[id(g)] = len(distinct)
            distinct.append(g)
        where.append(first[id(g)])
    areas = shapely.area(project_laea(np.asarray(distinct, dtype=object), centre)) / 1e6
    return areas[np.asarray(where, dtype=np.int64)]


def _measure_batch(batch: list, theatre: Theatre, method: str, valid: bool) -> list[LayerArea]:
    import numpy as np

    statuses = theatre.area_statuses
    ranged = bool(theatre.claimed_statuses)
    assessed = [j for j, s in enumerate(statuses) if s in theatre.assessed_statuses]
    width = len(statuses) + 1 + ranged
    fixed = theatre_centre(theatre)
    rows, centres, slot, seen = [], [], [], {}
    for (feature_status, geoms), given in batch:
        key = shapes_digest(feature_status, geoms) if given is None else given
        if key in seen:
            slot.append(seen[key])
            continue
        seen[key] = len(rows)
        slot.append(len(rows))
        d = dissolve_shapes(feature_status, geoms, statuses, valid=valid)
        parts = [d[s] for s in statuses]
        nonempty = [g for g in parts if not g.is_empty]
        union = _union(nonempty)
        rows.append(parts + [union] + ([_union([parts[j] for j in assessed if not parts[j].is_empty])]
                                       if ranged else []))
        centres.append(None if union.is_empty else (fixed or _centre([union])))
    values = np.zeros((len(rows), width))
    if method == GEODESIC:
        for i, row in enumerate(rows):
            values[i] = [geodesic_area_km2(g) for g in row]
    else:
        groups: dict = {}
        for i, c in enumerate(centres):
            if c is not None:
                groups.setdefault(c, []).append(i)
        for c, idx in groups.items():
            geoms = [g for i in idx for g in rows[i]]
            values[idx] = _laea_areas(geoms, c).reshape(len(idx), width)
    return [_layer_area(statuses, v, method, ranged) for v in (values[k] for k in slot)]


def _union(nonempty: list):
    """The union of non-empty geometries (one is itself; none is an empty polygon)."""
    import shapely

    return nonempty[0] if len(nonempty) == 1 else shapely.union_all(nonempty) if nonempty else shapely.Polygon()


def _layer_area(statuses, v, method: str, ranged: bool) -> LayerArea:
    """A LayerArea from one row of values: each status, the union of all, then (ranged) the assessed union."""
    n = len(statuses)
    areas = {s: float(v[j]) for j, s in enumerate(statuses)}
    if not ranged:
        return LayerArea(areas, float(v[n]), method)
    return LayerArea(areas, float(v[n + 1]), method, (float(v[n + 1]), float(v[n])))


def areas_by_region(collection: dict, theatre: Theatre, regions: dict, *, method: str = METHOD) -> dict:
    """km² per region and status: ``{region_name: LayerArea}``.

    ``regions`` maps a region name to a shapely (Multi)Polygon in lon/lat. Each status's dissolved geometry is
    intersected with each region; parts outside every region are not counted.
    """
    import numpy as np
    import shapely

    statuses = theatre.area_statuses
    ranged = bool(theatre.claimed_statuses)
    d = dissolve(collection, statuses)
    names = sorted(regions)
    geoms = []
    for name in names:
        reg = regions[name]
        parts = [shapely.intersection(d[s], reg) if not d[s].is_empty else shapely.Polygon() for s in statuses]
        parts = [_polygonal(p) for p in parts]
        nonempty = [g for g in parts if not g.is_empty]
        geoms.extend(parts + [shapely.union_all(nonempty) if nonempty else shapely.Polygon()])
        if ranged:
            geoms.append(_union([p for s, p in zip(statuses, parts, strict=True)
                                 if s in theatre.assessed_statuses and not p.is_empty]))
    if method == GEODESIC or theatre_centre(theatre) is None:
        values = areas_km2(geoms, method=method)
    else:
        values = np.asarray(shapely.area(project_laea(geoms, theatre_centre(theatre)))) / 1e6
    width = len(statuses) + 1 + ranged
    return {name: _layer_area(statuses, values[k * width:(k + 1) * width], method, ranged)
            for k, name in enumerate(names)}


def _polygonal(geom):
    import shapely

    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()
