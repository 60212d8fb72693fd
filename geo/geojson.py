"""Pure: GeoJSON for files handed to other tools (``diff --geojson``, ``compare --geojson``, exports, feeds).

RFC 7946 (section 11.2) advises six decimal places for coordinates: about 0.1 m, far below what a digitised
front line can tell, and a third of the size of full double precision. :func:`rfc7946_geometry` snaps a shapely
geometry to that grid with ``shapely.set_precision`` (topology-safe: plain rounding can leave a polygon
self-intersecting) and writes each coordinate as the shortest text of its six-decimal value.
:func:`dumps_collection` writes a FeatureCollection deterministically (sorted keys, compact, UTF-8).

The stored layers are not touched by this: the store keeps every coordinate as imported.
"""

from __future__ import annotations

import json

#: Decimal places of coordinates in files we write (RFC 7946, section 11.2).
DECIMALS = 6


def rfc7946_geometry(geom, decimals: int = DECIMALS) -> dict | None:
    """The GeoJSON geometry of a lon/lat shapely ``geom`` on a ``10**-decimals`` degree grid; None if empty.

    Polygons are oriented counter-clockwise outside, clockwise in holes (RFC 7946, section 3.1.6).

    Parameters
    ----------
    geom : shapely geometry or None
        In lon/lat (WGS84).
    decimals : int
        Decimal places kept (default 6, RFC 7946's advice).

    Returns
    -------
    dict or None

    Examples
    --------
    >>> import shapely
    >>> rfc7946_geometry(shapely.Point(35.12345678, 51.0000004))
    {'type': 'Point', 'coordinates': [35.123457, 51.0]}
    >>> rfc7946_geometry(shapely.box(35.0, 51.0, 35.1, 51.1))["coordinates"][0][:2]
    [[35.0, 51.0], [35.1, 51.0]]
    >>> rfc7946_geometry(shapely.Polygon()) is None
    True
    """
    import numpy as np
    import shapely

    if geom is None or geom.is_empty:
        return None
    snapped = shapely.set_precision(geom, 10.0 ** -decimals)
    if snapped.is_empty:
        return None
    snapped = shapely.orient_polygons(snapped, exterior_cw=False)
    coords = np.round(shapely.get_coordinates(snapped), decimals) + 0.0  # + 0.0 turns -0.0 into 0.0
    return json.loads(shapely.to_geojson(shapely.set_coordinates(snapped, coords)))


def feature(geom, properties: dict, decimals: int = DECIMALS) -> dict:
    """A GeoJSON Feature of ``geom`` (see :func:`rfc7946_geometry`; null where empty) with ``properties``.

    Examples
    --------
    >>> import shapely
    >>> feature(shapely.Point(35, 51), {"status": "held"})
    {'type': 'Feature', 'properties': {'status': 'held'}, 'geometry': {'type': 'Point', 'coordinates': [35.0, 51.0]}}
    """
    return {"type": "Feature", "properties": dict(properties), "geometry": rfc7946_geometry(geom, decimals)}


def dumps_collection(collection: dict) -> bytes:
    r"""A FeatureCollection as compact, key-sorted UTF-8 JSON with a trailing newline (byte-identical per input).

    Examples
    --------
    >>> dumps_collection({"type": "FeatureCollection", "features": []})
    b'{"features":[],"type":"FeatureCollection"}\n'
    """
    return json.dumps(collection, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8") + b"\n"
