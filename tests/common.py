"""Shared test constants: small theatres and layers (shapely's tests/common.py habit)."""

from __future__ import annotations

import copy
import json

from geo.theatre import Status, Theatre

HELD = Status("held", "Held", "#1f6fb4")
CONTESTED = Status("contested", "Contested", "#9e9e9e")
FRONT = Status("front", "Front line", "#d62728", "line")
THEATRE = Theatre("demo", "Demo theatre", (HELD, CONTESTED, FRONT), bbox=(34.0, 50.5, 36.5, 52.0))

EMPTY = {"type": "FeatureCollection", "features": []}


def square(x0, y0, d=0.1, status="held", props=None):
    ring = [[x0, y0], [x0 + d, y0], [x0 + d, y0 + d], [x0, y0 + d], [x0, y0]]
    return {"type": "Feature", "properties": {"status": status, **(props or {})},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def layer(*features):
    return {"type": "FeatureCollection", "features": [copy.deepcopy(f) for f in features]}


SQUARE = layer(square(35.0, 51.0))
TWO_STATUSES = layer(square(35.0, 51.0), square(35.2, 51.0, status="contested"))
LINE = {"type": "Feature", "properties": {"status": "front"},
        "geometry": {"type": "LineString", "coordinates": [[35.0, 51.0], [35.3, 51.2]]}}
BOWTIE = {"type": "Feature", "properties": {"status": "held"},
          "geometry": {"type": "Polygon", "coordinates": [[[35.0, 51.0], [35.1, 51.1], [35.1, 51.0],
                                                           [35.0, 51.1], [35.0, 51.0]]]}}


def write(path, obj):
    """Write ``obj`` (text, or JSON of a dict) to ``path``; return the path."""
    path.write_text(obj if isinstance(obj, str) else json.dumps(obj))
    return path
