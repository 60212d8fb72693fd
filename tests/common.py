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


def ring_key(ring) -> tuple | None:
    """A closed ring up to rotation and orientation: its smallest rotation either way round (None: degenerate).

    Consecutive repeats and the closing vertex are dropped first; ``ring`` is any sequence of points (lists,
    tuples or an array).
    """
    import numpy as np

    out: list[tuple] = []
    for p in map(tuple, np.asarray(ring).tolist()):
        if not out or p != out[-1]:
            out.append(p)
    while len(out) > 1 and out[0] == out[-1]:
        out.pop()
    if len(set(out)) < 3:
        return None
    low = min(out)  # the rotations that start at the smallest vertex, either way round: the least of them
    return min(tuple(seq[i:] + seq[:i]) for seq in (out, out[::-1]) for i in range(len(seq)) if seq[i] == low)


def line_key(line) -> tuple:
    """A line's points without consecutive repeats."""
    import numpy as np

    out: list[tuple] = []
    for p in map(tuple, np.asarray(line).tolist()):
        if not out or p != out[-1]:
            out.append(p)
    return tuple(out)


def shape_key(key, kind, coords):
    """``(status, kind, rings)`` of a shape up to the order of its holes and each ring's rotation and orientation;
    ``coords`` a polygon's rings (kind ``P``) or a line (``L``). None for a degenerate shape."""
    if kind == "L":
        line = line_key(coords)
        return (key, kind, (line,)) if len(line) >= 2 else None  # a line of one point has no length
    rings = [ring_key(r) for r in coords]
    if not rings or rings[0] is None:
        return None
    return (key, kind, (rings[0], *sorted(r for r in rings[1:] if r is not None)))


def write(path, obj):
    """Write ``obj`` (text, or JSON of a dict) to ``path``; return the path."""
    path.write_text(obj if isinstance(obj, str) else json.dumps(obj))
    return path
