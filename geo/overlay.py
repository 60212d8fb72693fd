"""Pure: the two differences of two polygonal geometries, computed only where their boundaries differ.

Two layers of a series a day apart repeat almost every edge of each other: the ground that changed hands lies
where the boundaries differ, in a few stretches. :func:`differences` finds those stretches and runs the overlay
only there, in a box around each, instead of over the whole front.

Why it is exact. Orient both geometries alike (exteriors counter-clockwise, holes clockwise: the interior on the
left of every edge). An edge present in both, with the same direction, has the same side inside in both, so near
it the two geometries coincide: the boundary of ``a − b`` and of ``b − a`` consists of **changed edges** only
(directed edges one side lacks; vertices are compared exactly, so a ring that starts at another vertex, or runs
the other way round before orienting, has no changed edge). Each connected piece of a difference is bounded by
changed edges, and the pieces of its boundary meet one another, so it lies inside the box of one group of runs
of changed edges whose boxes touch. Around each run of consecutive changed edges of a ring we take its bounding
box padded by :data:`PAD_M`, merge boxes that touch or overlap until none do, clip both geometries to each box
and difference them there: within a box ``(a ∩ W) − (b ∩ W) = (a − b) ∩ W``, and since every piece lies inside
one box, at least ``PAD_M`` from its sides, no piece is cut by a box edge and none needs merging with a piece of
another box (merged boxes neither touch nor overlap): the pieces are the full overlay's connected pieces. Where a
shared edge crosses a box side both clipped geometries carry the same new vertex (the same segment clipped by
the same rectangle), which cancels in the difference. The pad matters: with none, a box side runs along a
changed edge's end and GEOS meets degenerate input (219 of 768 pairs of the whole front raised errors in the
issue's measurement). tests/test_local_diff.py compares figures and pieces with the full overlay on every
consecutive pair of the real series and on far-apart pairs.

Checks on every local result, any of which sends the pair to the full overlay instead (``Differences.reason``
says which):

- a piece that reaches within half the pad of its box's side (the locality argument did not hold numerically);
- ``area(b) − area(a)`` differs from ``area(b − a) − area(a − b)`` by more than :data:`IDENTITY_TOL_M2` plus a
  relative 1e-12 of the two areas (a piece missed);
- any GEOS error while clipping or differencing, or a clipped piece that is not valid.

And where the locality does not hold, the full overlay is used from the start:

- either geometry is not a Polygon or MultiPolygon; one is empty and the other not (every edge is changed);
  either has two edges with the same key (a repeated directed edge, which no valid polygon has, or a hash
  collision; both empty is answered at once: nothing differs);
- more than :data:`MAX_CHANGED_SHARE` of either boundary's edges changed (far-apart dates), more than
  :data:`MAX_RUNS` runs, or more than :data:`MAX_BOXES` boxes after merging (clipping the whole geometry once per
  box would cost more than the overlay saves), or one box covering both geometries' extent.

Coordinates are planar (metres: the diff's LAEA projection); never use this on lon/lat. Lines are never
differenced here (the diff measures area statuses only).
"""

from __future__ import annotations

from dataclasses import dataclass

#: Padding of each changed run's box (metres in the projection).
PAD_M = 1.0
#: Above this share of a boundary's edges changed, the full overlay is used.
MAX_CHANGED_SHARE = 0.5
#: Above this many runs of changed edges (both sides together), the full overlay is used.
MAX_RUNS = 2000
#: Above this many boxes after merging, the full overlay is used.
MAX_BOXES = 200
#: Absolute tolerance of the area identity checked on every local result (m²).
IDENTITY_TOL_M2 = 0.01

METHODS = ("local", "full")


@dataclass(frozen=True)
class Boundary:
    """A polygonal geometry oriented (exteriors counter-clockwise) and its directed edges.

    ``start`` and ``end`` hold each edge's ends as complex numbers (x + iy), ``ring`` the ring each edge belongs
    to (consecutive edges of one ring are consecutive here). ``keys`` is a 64-bit hash of each edge's four
    coordinates' bits, ``order`` sorts them: a lookup aid only, every match it finds is confirmed on the
    coordinates themselves. ``repeats`` is true where two edges share a key (a repeated edge, or a collision:
    either way the full overlay is used). Made once per geometry by :func:`boundary`.
    """

    geometry: object
    start: object
    end: object
    ring: object
    keys: object
    order: object
    polygonal: bool
    repeats: bool = False

    @property
    def edges(self) -> int:
        return len(self.start)


def boundary(geometry) -> Boundary:
    """Orient ``geometry`` and list its directed edges, for :func:`differences`.

    Examples
    --------
    >>> import shapely
    >>> b = boundary(shapely.box(0, 0, 1, 1, ccw=False))
    >>> b.edges, b.polygonal, [complex(z) for z in b.start[:2]]
    (4, True, [0j, (1+0j)])
    >>> boundary(shapely.Polygon()).edges
    0
    """
    import numpy as np
    import shapely

    polygonal = geometry is not None and shapely.get_type_id(geometry) in (3, 6)  # Polygon, MultiPolygon
    if not polygonal or geometry.is_empty:
        none = np.zeros(0, dtype=np.complex128)
        nokeys = np.zeros(0, dtype=np.uint64)
        return Boundary(geometry, none, none, np.zeros(0, dtype=np.int64), nokeys, nokeys.astype(np.int64),
                        polygonal)
    g = shapely.orient_polygons(geometry, exterior_cw=False)
    rings = shapely.get_rings(shapely.get_parts(g))
    xy, idx = shapely.get_coordinates(rings, return_index=True)
    z = np.ascontiguousarray(xy).view(np.complex128).ravel()
    inner = idx[:-1] == idx[1:]  # consecutive coordinates of the same ring: an edge
    start, end = z[:-1][inner], z[1:][inner]
    keys = _edge_keys(start, end)
    order = np.argsort(keys, kind="stable")
    repeats = bool((keys[order][1:] == keys[order][:-1]).any())
    return Boundary(g, start, end, idx[:-1][inner], keys, order, True, repeats)


def _edge_keys(start, end):
    """A 64-bit hash of each directed edge's coordinates (their IEEE bits), for sorting and lookup."""
    import numpy as np

    bits = np.stack([start.real, start.imag, end.real, end.imag], axis=1).view(np.uint64)
    h = np.zeros(len(bits), dtype=np.uint64)
    for col, k in zip(bits.T, (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93),
                      strict=True):
        h = (h ^ col) * np.uint64(k)
        h ^= h >> np.uint64(31)
    return h


@dataclass(frozen=True)
class Differences:
    """``a − b`` and ``b − a``, how they were computed (``local``, ``full`` or ``same``), and why not locally."""

    a_minus_b: object
    b_minus_a: object
    method: str
    reason: str = ""
    boxes: int = 0


def differences(a, b, *, method: str = "local", pad_m: float = PAD_M) -> Differences:
    """Compute ``a − b`` and ``b − a`` of two planar polygonal geometries, locally where it holds.

    Parameters
    ----------
    a, b : shapely geometry or Boundary
        Polygonal geometries in one planar projection (metres), or their :func:`boundary` (made once per
        geometry when a series compares each one twice).
    method : {"local", "full"}
        ``local`` (the default) overlays only around the changed edges and falls back to the full overlay where
        the locality does not hold (see the module's docstring for when); ``full`` always overlays the whole
        geometries (the reference the local method is tested against).
    pad_m : float
        The padding of each changed run's box.

    Returns
    -------
    Differences
        ``a_minus_b`` and ``b_minus_a`` as shapely geometries: the full overlay's own results, or a MultiPolygon
        of the local pieces (an empty Polygon where nothing differs); ``method`` is ``same`` where the two
        boundaries have the same directed edges (nothing differs), ``local`` or ``full``.

    Raises
    ------
    InvalidInput
        An unknown ``method``.

    Examples
    --------
    >>> import shapely
    >>> ring = [(0, 0), (100, 0), (200, 0), (200, 100), (100, 100), (0, 100)]
    >>> grown = ring[:4] + [(100, 150)] + ring[5:]               # one vertex moved 50 m north
    >>> d = differences(shapely.Polygon(ring), shapely.Polygon(grown))
    >>> d.method, d.boxes, d.a_minus_b.is_empty, round(d.b_minus_a.area, 6)
    ('local', 1, True, 5000.0)
    >>> differences(shapely.Polygon(ring), shapely.Polygon(ring[2:] + ring[:2])).method  # another start vertex
    'same'
    >>> empty = shapely.Polygon()
    >>> d = differences(empty, empty)
    >>> d.method, d.a_minus_b.is_empty
    ('same', True)
    """
    import shapely

    if method not in METHODS:
        from .errors import InvalidInput

        raise InvalidInput(f"unknown overlay method {method!r}: use one of {', '.join(METHODS)}")
    ba = a if isinstance(a, Boundary) else boundary(a)
    bb = b if isinstance(b, Boundary) else boundary(b)
    if method == "full":
        return _full(ba, bb, "asked for")
    if not (ba.polygonal and bb.polygonal):
        return _full(ba, bb, "not polygonal")
    if ba.edges == 0 and bb.edges == 0:
        return Differences(shapely.Polygon(), shapely.Polygon(), "same")
    if ba.edges == 0 or bb.edges == 0:
        return _full(ba, bb, "one side empty")
    found = _changed(ba, bb)
    if isinstance(found, str):
        return _full(ba, bb, found)
    ca, cb = found
    if not ca.any() and not cb.any():
        return Differences(shapely.Polygon(), shapely.Polygon(), "same")
    if ca.sum() > MAX_CHANGED_SHARE * ba.edges or cb.sum() > MAX_CHANGED_SHARE * bb.edges:
        return _full(ba, bb, "most of the boundary changed")
    boxes = _run_boxes(ba, ca, pad_m) + _run_boxes(bb, cb, pad_m)
    if len(boxes) > MAX_RUNS:
        return _full(ba, bb, "too many changed runs")
    boxes = merge_boxes(boxes)
    if len(boxes) > MAX_BOXES:
        return _full(ba, bb, "too many boxes")
    ext = _extent(ba.geometry, bb.geometry)
    if any(x0 <= ext[0] and y0 <= ext[1] and x1 >= ext[2] and y1 >= ext[3] for x0, y0, x1, y1 in boxes):
        return _full(ba, bb, "one box covers everything")
    try:
        local = _local(ba, bb, boxes, pad_m)
    except shapely.errors.GEOSException:
        return _full(ba, bb, "GEOS error in a box")
    if isinstance(local, str):
        return _full(ba, bb, local)
    return local


def _full(ba: Boundary, bb: Boundary, reason: str) -> Differences:
    import shapely

    a, b = ba.geometry, bb.geometry
    return Differences(shapely.difference(a, b), shapely.difference(b, a), "full", reason)


def _changed(ba: Boundary, bb: Boundary):
    """The changed-edge masks of both sides (directed edges the other lacks), or why they cannot be used."""
    if ba.repeats or bb.repeats:
        return "a repeated edge"
    return ~_found(ba, bb), ~_found(bb, ba)


def _found(ba: Boundary, bb: Boundary):
    """Which of ``ba``'s edges ``bb`` has too: same key, then the same four coordinates exactly."""
    import numpy as np

    sorted_b = bb.keys[bb.order]
    pos = np.minimum(np.searchsorted(sorted_b, ba.keys), len(sorted_b) - 1)
    j = bb.order[pos]
    return (sorted_b[pos] == ba.keys) & (bb.start[j] == ba.start) & (bb.end[j] == ba.end)


def _run_boxes(bd: Boundary, changed, pad: float) -> list[tuple[float, float, float, float]]:
    """The padded bounding box of each run of consecutive changed edges of one ring."""
    import numpy as np

    if not changed.any():
        return []
    prev = np.concatenate([[False], changed[:-1] & (bd.ring[:-1] == bd.ring[1:])])
    first = np.flatnonzero(changed & ~prev)  # positions where a run starts
    where = np.flatnonzero(changed)
    s, e = bd.start[where], bd.end[where]
    x0, x1 = np.minimum(s.real, e.real), np.maximum(s.real, e.real)
    y0, y1 = np.minimum(s.imag, e.imag), np.maximum(s.imag, e.imag)
    cut = np.searchsorted(where, first)  # each run's first edge among the changed ones
    return list(zip((np.minimum.reduceat(x0, cut) - pad).tolist(), (np.minimum.reduceat(y0, cut) - pad).tolist(),
                    (np.maximum.reduceat(x1, cut) + pad).tolist(), (np.maximum.reduceat(y1, cut) + pad).tolist(),
                    strict=True))


def merge_boxes(boxes):
    """Merge boxes ``(xmin, ymin, xmax, ymax)`` that touch or overlap, repeatedly, until none do.

    Returns the merged boxes sorted; each input box lies inside exactly one of them.

    Examples
    --------
    >>> merge_boxes([(0, 0, 4, 1), (3, 2, 4, 3), (0, 2, 1, 3), (0.5, 0.5, 0.6, 2.5)])  # the merged box takes in a third
    [(0.0, 0.0, 4.0, 3.0)]
    >>> merge_boxes([(0, 0, 1, 1), (2, 2, 3, 3)])
    [(0.0, 0.0, 1.0, 1.0), (2.0, 2.0, 3.0, 3.0)]
    >>> merge_boxes([])
    []
    """
    out = [tuple(float(v) for v in b) for b in boxes]
    if len(out) > SMALL_MERGE:
        out = _merge_boxes_array(out)
    merged = True
    while merged:  # a pass that merges nothing leaves every pair apart: each box met every box kept before it
        merged = False
        kept: list[tuple[float, float, float, float]] = []
        for b in sorted(out):
            for k, r in enumerate(kept):
                if b[0] <= r[2] and r[0] <= b[2] and b[1] <= r[3] and r[1] <= b[3]:
                    kept[k] = (min(b[0], r[0]), min(b[1], r[1]), max(b[2], r[2]), max(b[3], r[3]))
                    merged = True
                    break
            else:
                kept.append(b)
        out = kept
    return sorted(out)


#: Up to this many boxes are merged pair by pair in Python (microseconds); more go through numpy first.
SMALL_MERGE = 64


def _merge_boxes_array(boxes):
    """:func:`merge_boxes` of many boxes: connected components of the touch graph in numpy, until stable."""
    import numpy as np

    b = np.asarray(boxes, dtype=float).reshape(-1, 4)
    while len(b) > 1:
        touch = ((b[:, None, 0] <= b[None, :, 2]) & (b[None, :, 0] <= b[:, None, 2])
                 & (b[:, None, 1] <= b[None, :, 3]) & (b[None, :, 1] <= b[:, None, 3]))
        label = np.arange(len(b))
        while True:  # each box takes the smallest label it touches, to a fixed point
            new = np.where(touch, label[None, :], len(b)).min(axis=1)
            if (new == label).all():
                break
            label = new
        groups, inverse = np.unique(label, return_inverse=True)
        if len(groups) == len(b):
            break
        out = np.empty((len(groups), 4))
        out[:, :2], out[:, 2:] = np.inf, -np.inf
        np.minimum.at(out[:, 0], inverse, b[:, 0])
        np.minimum.at(out[:, 1], inverse, b[:, 1])
        np.maximum.at(out[:, 2], inverse, b[:, 2])
        np.maximum.at(out[:, 3], inverse, b[:, 3])
        b = out
    return [tuple(float(v) for v in row) for row in b]


def _extent(*geoms) -> tuple[float, float, float, float]:
    import numpy as np
    import shapely

    bd = shapely.bounds(np.asarray(geoms, dtype=object))
    return float(bd[:, 0].min()), float(bd[:, 1].min()), float(bd[:, 2].max()), float(bd[:, 3].max())


def _local(ba: Boundary, bb: Boundary, boxes, pad: float):
    """The differences box by box, checked; a reason string where a check fails."""
    import numpy as np
    import shapely

    w = np.asarray(boxes, dtype=float)
    xa = np.array([shapely.clip_by_rect(ba.geometry, *box) for box in boxes], dtype=object)
    xb = np.array([shapely.clip_by_rect(bb.geometry, *box) for box in boxes], dtype=object)
    if not (shapely.is_valid(xa).all() and shapely.is_valid(xb).all()):
        return "a clipped piece is not valid"
    out = []
    for res in (shapely.difference(xa, xb), shapely.difference(xb, xa)):
        parts, box = shapely.get_parts(res, return_index=True)
        keep = (shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)  # a difference of polygons is polygonal
        parts, box = parts[keep], box[keep]
        if len(parts):
            pb = shapely.bounds(parts)
            inner = w[box]
            margin = pad / 2
            if not ((pb[:, 0] > inner[:, 0] + margin).all() and (pb[:, 1] > inner[:, 1] + margin).all()
                    and (pb[:, 2] < inner[:, 2] - margin).all() and (pb[:, 3] < inner[:, 3] - margin).all()):
                return "a piece reaches its box's side"
        out.append(shapely.multipolygons(parts) if len(parts) else shapely.Polygon())
    lost, gained = out
    net = shapely.area(bb.geometry) - shapely.area(ba.geometry)
    tol = IDENTITY_TOL_M2 + 1e-12 * (shapely.area(ba.geometry) + shapely.area(bb.geometry))
    if abs(net - (shapely.area(gained) - shapely.area(lost))) > tol:
        return "the areas do not add up"
    return Differences(lost, gained, "local", "", len(boxes))
