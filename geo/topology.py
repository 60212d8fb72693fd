"""Pure: topology in time. The boundaries of a series of dated layers split into arcs where they diverge, each
distinct arc stored once, and each date's geometry described as references to slices of those arcs.

TopoJSON shares a boundary between neighbours; this module shares it between *dates* as well: across the 353
daily whole-front layers there are about a million vertices but only some twelve thousand distinct edges, because
each day repeats almost all of the day before. Geometries go in (coordinate arrays, or GeoJSON geometries through
:func:`shapes_of`), arcs and references come out; the module opens no file and knows nothing of the store or of
pages. :func:`rebuild` turns references back into coordinates (the timeline page's ``timeline.js`` mirrors it).

Decisions, written down because nobody was there to ask
------------------------------------------------------
*A reference is a slice of an arc*: ``(arc, i, j)`` is the vertices ``arcs[arc][i..j]``, walked from ``i`` to
``j`` (``i > j``: backwards), ``i != j``. A ring or line is a list of references whose slices join end to start.
An arc is never changed once made: a ring that follows part of an old arc references that part, and its new
stretches (runs of edges no arc has, in either direction) become new arcs. So :meth:`Topology.add` never
changes what an earlier date references (a test asserts it), and the result depends only on the layers and
their order: the same inputs give the same arcs and references.

*Exact.* Vertex identity is equality of coordinates (two float64, bit for bit but for ``-0.0 == 0.0``), never a
tolerance: quantise before adding if the grid matters (the timeline page adds integer 1e-5 degree coordinates).
Edges are keyed by the pair of vertex ids (an int64 each) and looked up in a sorted index (numpy
``searchsorted``), in both directions: a boundary walked the other way round (a neighbour's, or a ring whose
orientation changed) shares the same arc.

*Rings* are compared up to rotation and orientation: the closing vertex and consecutive repeated vertices are
dropped (they draw nothing and have no edge), exteriors are oriented counter-clockwise and holes clockwise (RFC
7946; a ring of zero area keeps its order), and a ring's references start at its reference of smallest
``(arc, min(i, j))``, so that the same ring drawn from another start vertex is described the same way and a
ring's description is stable from one date to the next. A ring that is all of one closed arc is ``(arc, 0,
n-1)``. Rings with fewer than three distinct vertices, lines with fewer than two, and polygons whose exterior
is such a ring are dropped (they have no area or no length). Holes are ordered by their first reference.
Rings that touch themselves (a vertex or an edge twice) and rings whose first vertex differs from the last are
handled like the others; a ring that walks an edge twice may store that edge in two arcs (correct, rare).

*Lines* are open: their direction is kept, they are never rotated.

*An empty layer* is a layer with no shapes; it is a date like the others.

Examples
--------
>>> import numpy as np
>>> topo = Topology()
>>> sq = np.array([[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]], dtype=float)
>>> topo.add([("held", "P", [sq])])
0
>>> topo.layers[0]
[('held', 'P', (((0, 0, 4),),))]
>>> moved = np.array([[2, 0], [2, 2], [1, 3], [0, 2], [0, 0], [2, 0]], dtype=float)  # one corner pushed out
>>> topo.add([("held", "P", [moved])])
1
>>> topo.layers[1], len(topo.arcs)
([('held', 'P', (((0, 0, 2), (1, 0, 2), (0, 3, 4)),))], 2)
>>> [r.tolist() for r in rebuild(topo, 1)[0][2]]
[[[0.0, 0.0], [2.0, 0.0], [2.0, 2.0], [1.0, 3.0], [0.0, 2.0], [0.0, 0.0]]]
>>> topo.add([])  # an empty layer
2
>>> rebuild(topo, 2)
[]
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Iterable, Mapping, Sequence

import numpy as np

#: a slice of an arc: (arc id, first vertex index, last vertex index); backwards when first > last
Ref = tuple[int, int, int]
#: one shape of a layer: (key, kind "P" or "L", rings): a polygon's rings (exterior first) or a line's one "ring"
Shape = tuple[Hashable, str, tuple[tuple[Ref, ...], ...]]

_SHIFT = np.int64(32)


def _edge_keys(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a.astype(np.int64) << _SHIFT) | b.astype(np.int64)


def _clean(coords, ring: bool) -> np.ndarray:
    """(n, 2) float64 without consecutive repeats (and, for a ring, without its closing vertex)."""
    c = np.asarray(coords, dtype=np.float64)
    if c.ndim != 2 or c.shape[0] == 0:
        return np.empty((0, 2))
    c = np.ascontiguousarray(c[:, :2])
    keep = np.ones(len(c), dtype=bool)
    keep[1:] = np.any(c[1:] != c[:-1], axis=1)
    c = c[keep]
    if ring:
        while len(c) > 1 and np.array_equal(c[0], c[-1]):
            c = c[:-1]
    return c


def _signed_area2(c: np.ndarray) -> float:
    x0, y0 = c[:, 0] - c[0, 0], c[:, 1] - c[0, 1]  # about the first vertex: no cancellation on large coordinates
    return float(np.dot(x0[:-1], y0[1:]) - np.dot(x0[1:], y0[:-1]))  # the closing edge ends at (0, 0): no term


class _Index:
    """A sorted map of keys (int64 or complex128) to int64 values, in two levels: a large sorted array and a small
    one that new keys are inserted into, folded into the large one when it grows past an eighth of it.

    Inserting into one sorted array copied the whole index on every add (the edges of a long series: 100,000
    and more), a cost that grew with the series; here an add copies the small level, and the large one is
    copied only each time the small one has grown by an eighth of it. The same lookups, the same answers.
    """

    def __init__(self, dtype) -> None:
        self._k = [np.empty(0, dtype=dtype), np.empty(0, dtype=dtype)]  # large, small: each sorted
        self._v = [np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)]

    def __len__(self) -> int:
        return len(self._k[0]) + len(self._k[1])

    def find(self, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(hit, value)`` of each query key: hit a bool mask, value defined where hit."""
        hit = np.zeros(len(q), dtype=bool)
        val = np.zeros(len(q), dtype=np.int64)
        (k0, k1), (v0, v1) = self._k, self._v
        if len(k0):
            at = np.minimum(np.searchsorted(k0, q), len(k0) - 1)
            hit = k0[at] == q
            val[hit] = v0[at[hit]]
        if len(k1):  # the small level, for the keys the large one has not (most are there: a day repeats the last)
            rest = np.flatnonzero(~hit)
            if len(rest):
                at = np.minimum(np.searchsorted(k1, q[rest]), len(k1) - 1)
                h = k1[at] == q[rest]
                hit[rest[h]] = True
                val[rest[h]] = v1[at[h]]
        return hit, val

    def add(self, keys: np.ndarray, values: np.ndarray) -> None:
        """Add ``keys`` (sorted, distinct, none in the index yet) with their values."""
        if not len(keys):
            return
        at = np.searchsorted(self._k[1], keys)
        self._k[1], self._v[1] = np.insert(self._k[1], at, keys), np.insert(self._v[1], at, values)
        if len(self._k[1]) > max(1024, len(self._k[0]) // 8):
            at = np.searchsorted(self._k[0], self._k[1])
            self._k[0], self._v[0] = np.insert(self._k[0], at, self._k[1]), np.insert(self._v[0], at, self._v[1])
            self._k[1], self._v[1] = self._k[1][:0], self._v[1][:0]


class Topology:
    """Arcs and each added layer's references to them, built one layer at a time (see the module's docstring).

    ``integer``: every coordinate is an integer below 2**30 in magnitude (the timeline's 1e-5 degree grid;
    checked, ValueError otherwise), so that a vertex is keyed by one int64, ``(x + 2**30) << 32 | (y + 2**31)``,
    where any float pair is keyed as ``x + iy``: the same order (x, then y), so the same ids, arcs and
    references, and the sorted index searched twice as fast.

    Attributes
    ----------
    arcs : list of numpy.ndarray
        Each arc's vertices, ``(n, 2)`` float64, ``n >= 2``; a closed arc's last vertex equals its first.
    layers : list of list of Shape
        Per :meth:`add`, its shapes in the order given (empty ones dropped): ``(key, kind, rings)``, each ring a
        tuple of references.
    """

    def __init__(self, *, integer: bool = False) -> None:
        self._integer = integer
        self.arcs: list[np.ndarray] = []
        self.layers: list[list[Shape]] = []
        self._arc_vids: list[np.ndarray] = []
        self._vertices = _Index(np.int64 if integer else np.complex128)  # vertex key -> its id
        self._edges = _Index(np.int64)  # directed edge key -> its arc << 32 | its position there (pos -> pos + 1)
        self._pending: dict[int, tuple[int, int]] = {}  # edges of arcs made during the current add
        self._seen: dict[tuple[bool, bytes], tuple[Ref, ...]] = {}  # references of each ring already described
        self._raw: dict[tuple, tuple[bool, bytes] | None] = {}  # each ring's raw bytes -> its key in _seen
        self._last: dict[tuple, tuple] = {}  # the last add's rings by place: (role, raw coordinates, key)
        self._next: dict[tuple, tuple] = {}  # ... and this add's

    # ---- counts ---------------------------------------------------------------------------------------------
    @property
    def vertex_count(self) -> int:
        """Distinct vertices seen over every layer added."""
        return len(self._vertices)

    @property
    def edge_count(self) -> int:
        """Directed edges stored in the arcs (each distinct undirected edge once, but for rare repeats)."""
        return len(self._edges) + len(self._pending)

    # ---- building -------------------------------------------------------------------------------------------
    def add(self, shapes: Iterable[tuple[Hashable, str, Sequence]]) -> int:
        """Add one date's layer; return its index in :attr:`layers`.

        Parameters
        ----------
        shapes : iterable of (key, kind, coords)
            ``kind`` ``"P"``: ``coords`` is a polygon's rings, exterior first, each ``(n, 2)`` coordinates (closed
            or not); ``"L"``: ``coords`` is one line's ``(n, 2)`` coordinates. ``key`` is any hashable (the
            page uses the status's index) and comes back in :attr:`layers` as given.

        Returns
        -------
        int
            The index of the layer (0 for the first).
        """
        # each ring or line as the key of its cleaned coordinates (and those coordinates, where it is new); a ring
        # given before byte for byte is known by its raw bytes alone, without cleaning it again (on the whole
        # front, 6 of a day's 7 polygons are yesterday's, vertex for vertex)
        prepared = []  # (key, kind, [(cleaned key, cleaned coords or None), ...])
        for n_shape, (key, kind, coords) in enumerate(shapes):
            if kind == "P":
                rings = []
                for k, r in enumerate(coords):
                    got = self._ring(r, "P" if k == 0 else "H", (n_shape, k))
                    if got is None:
                        if k == 0:
                            break  # no exterior: no polygon
                        continue
                    rings.append(got)
                if rings:
                    prepared.append((key, "P", rings))
            elif kind == "L":
                got = self._ring(coords, "L", (n_shape, 0))
                if got is not None:
                    prepared.append((key, "L", [got]))
            else:
                raise ValueError(f"unknown shape kind {kind!r}: use 'P' (polygon) or 'L' (line)")
        # a ring seen before, vertex for vertex, has the references it had then (arcs never change): only the
        # others are looked up
        keys = [k for _, _, rings in prepared for k, _ in rings]
        todo, first = [], {}
        for k, c in (ring for _, _, rings in prepared for ring in rings):
            if k not in self._seen and k not in first:
                first[k] = len(todo)
                todo.append(c)
        vids = self._vertex_ids(todo)
        out: list[Shape] = []
        n = 0
        for key, kind, rings in prepared:
            refs = []
            for _, c in rings:
                got = self._seen.get(keys[n])
                if got is None:  # the first of its kind, in this layer and before
                    got = self._seen[keys[n]] = self._describe(c, vids[first[keys[n]]], closed=kind == "P")
                refs.append(got)
                n += 1
            if kind == "P":
                refs = [refs[0], *sorted(refs[1:], key=lambda r: (r[0][0], min(r[0][1], r[0][2])))]
            out.append((key, kind, tuple(refs)))
        self._merge_pending()
        self._last, self._next = self._next, {}
        self.layers.append(out)
        return len(self.layers) - 1

    def _ring(self, coords, role: str, pos: tuple) -> tuple[tuple[bool, bytes], np.ndarray | None] | None:
        """A ring (``role`` ``"P"`` an exterior, ``"H"`` a hole) or a line (``"L"``) as ``(key, coords)``: the key
        of its cleaned, oriented coordinates and those coordinates, or None where it is dropped (too few vertices;
        a ring of zero area walked back and forth). A ring given before byte for byte comes back from its raw
        bytes, with coordinates None: its key is then in ``_seen`` (every key of an add is described in it).

        ``pos`` is its place in the add (shape, ring): a ring equal to the one at the same place in the add before
        (the usual case: a layer repeats the last) is known by one comparison, without hashing its bytes.
        """
        raw = np.ascontiguousarray(coords, dtype=np.float64)
        last = self._last.get(pos)
        if last is not None and last[0] == role and last[1].shape == raw.shape and np.array_equal(last[1], raw):
            self._next[pos] = last
            return None if last[2] is None else (last[2], None)
        rkey = (role, raw.shape, hashlib.blake2b(raw.tobytes(), digest_size=16).digest())
        if rkey in self._raw:
            key = self._raw[rkey]
            self._next[pos] = (role, raw.copy(), key)
            return None if key is None else (key, None)
        c = _clean(raw, ring=role != "L")
        if role == "L":
            c = c if len(c) >= 2 else None
        elif len(c) < 3:
            c = None
        else:
            area = _signed_area2(c)
            if area == 0 and len(np.unique(c.view(np.complex128))) < 3:  # back and forth: no ring
                c = None
            elif (area < 0) if role == "P" else (area > 0):
                c = c[::-1].copy()
        key = None if c is None else (role != "L", hashlib.blake2b(c.tobytes(), digest_size=16).digest())
        self._raw[rkey] = key
        self._next[pos] = (role, raw.copy(), key)
        return None if key is None else (key, c)

    def _vertex_ids(self, parts: list[np.ndarray]) -> list[np.ndarray]:
        """Vertex ids of every part's vertices; new coordinates get the next ids (in sorted order: deterministic).

        Each vertex is looked up in the sorted index first: a changed ring is mostly vertices seen before, and
        only the few that are not are sorted (to number them), where sorting every vertex given cost the most.
        """
        if not parts:
            return []
        z = self._vertex_keys(np.concatenate(parts))
        n_old = len(self._vertices)
        found, flat = self._vertices.find(z)
        if not found.all():
            new = ~found
            uniq, inverse = np.unique(z[new], return_inverse=True)
            ids = np.arange(n_old, n_old + len(uniq), dtype=np.int64)
            flat[new] = ids[inverse.ravel()]
            self._vertices.add(uniq, ids)
        out, start = [], 0
        for p in parts:
            out.append(flat[start:start + len(p)])
            start += len(p)
        return out

    def _vertex_keys(self, c: np.ndarray) -> np.ndarray:
        """Each vertex's key: ``x + iy``, or with ``integer`` one int64 of the same order."""
        if not self._integer:
            return c.view(np.complex128).ravel()
        if len(c) and not (np.array_equal(c, np.floor(c)) and np.abs(c).max() < 2 ** 30):
            raise ValueError("Topology(integer=True) takes integer coordinates below 2**30 in magnitude")
        xy = c.astype(np.int64)
        return ((xy[:, 0] + (1 << 30)) << 32) | (xy[:, 1] + (1 << 31))

    def _lookup(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Arc and position of each directed edge key in the sorted index (arc -1 where absent)."""
        hit, packed = self._edges.find(keys)
        arc = np.where(hit, packed >> _SHIFT, -1)
        pos = np.where(hit, packed & 0xFFFFFFFF, 0)
        return arc, pos

    def _describe(self, c: np.ndarray, v: np.ndarray, *, closed: bool) -> tuple[Ref, ...]:
        """The references of one cleaned ring (``closed``) or line: shared runs as slices, new runs as new arcs."""
        if closed:
            a, b = v, np.concatenate((v[1:], v[:1]))
        else:
            a, b = v[:-1], v[1:]
        m = len(a)
        fwd, bwd = _edge_keys(a, b), _edge_keys(b, a)
        arc, pos = self._lookup(fwd)
        step = np.ones(m, dtype=np.int64)
        miss = arc < 0
        if miss.any():
            arc_b, pos_b = self._lookup(bwd[miss])
            idx = np.flatnonzero(miss)
            got = arc_b >= 0
            arc[idx[got]], pos[idx[got]], step[idx[got]] = arc_b[got], pos_b[got], -1
        if self._pending:
            for k in np.flatnonzero(arc < 0).tolist():
                hit = self._pending.get(int(fwd[k]))
                s = 1
                if hit is None:
                    hit, s = self._pending.get(int(bwd[k])), -1
                if hit is not None:
                    arc[k], pos[k], step[k] = hit[0], hit[1], s
        # edge k continues edge k-1's run: both new, or the same arc walked the same way one position on
        cont = np.empty(m, dtype=bool)
        cont[1:] = (arc[1:] == arc[:-1]) & (step[1:] == step[:-1]) & ((arc[1:] < 0) | (pos[1:] == pos[:-1] + step[1:]))
        cont[0] = closed and bool(arc[0] == arc[-1] and step[0] == step[-1] and
                                  (arc[0] < 0 or pos[0] == pos[-1] + step[0]))
        starts = np.flatnonzero(~cont)
        if len(starts) == 0:  # a ring no arc has any edge of (a run with no break has no arc: it is all new)
            return ((self._new_arc(np.vstack([c, c[:1]]), np.append(v, v[0])), 0, m),)
        first = int(starts[0])
        rel = starts - first  # runs from a run's start: none wraps past the end
        ends = np.append(rel[1:], m) - 1
        k0, k1 = starts, (ends + first) % m
        ra, rs = arc[k0], step[k0]
        ri = np.where(rs > 0, pos[k0], pos[k0] + 1)
        rj = np.where(rs > 0, pos[k1] + 1, pos[k1])
        refs: list[Ref] = list(zip(ra.tolist(), ri.tolist(), rj.tolist(), strict=True))
        for n in np.flatnonzero(ra < 0).tolist():  # new runs: new arcs
            idx = (np.arange(rel[n], ends[n] + 1) + first) % m
            verts = np.append(idx, (idx[-1] + 1) % len(v))
            refs[n] = (self._new_arc(c[verts], v[verts]), 0, len(idx))
        if closed:
            if len(refs) == 2 and refs[0][0] == refs[1][0]:  # all of one closed arc, from another start
                a0, n_arc = refs[0][0], len(self.arcs[refs[0][0]]) - 1
                if self._arc_closed(a0) and abs(refs[0][2] - refs[0][1]) + abs(refs[1][2] - refs[1][1]) == n_arc:
                    return ((a0, 0, n_arc) if refs[0][2] > refs[0][1] else (a0, n_arc, 0),)
            # start at the reference of smallest (arc, min(i, j)); new arcs are numbered in run order, after all
            big = np.int64(len(self.arcs))
            low = int(np.lexsort((np.where(ra < 0, 0, np.minimum(ri, rj)),
                                  np.where(ra < 0, big + np.arange(len(ra)), ra)))[0])
            refs = refs[low:] + refs[:low]
        return tuple(refs)

    def _arc_closed(self, a: int) -> bool:
        ids = self._arc_vids[a]
        return bool(ids[0] == ids[-1])

    def _new_arc(self, coords: np.ndarray, vids: np.ndarray) -> int:
        a = len(self.arcs)
        self.arcs.append(np.array(coords, dtype=np.float64))
        self._arc_vids.append(np.asarray(vids, dtype=np.int64))
        keys = _edge_keys(vids[:-1], vids[1:]).tolist()
        for p, k in enumerate(keys):
            self._pending.setdefault(k, (a, p))
        return a

    def _merge_pending(self) -> None:
        if not self._pending:
            return
        items = sorted(self._pending.items())
        keys = np.array([k for k, _ in items], dtype=np.int64)
        arcs = np.array([v[0] for _, v in items], dtype=np.int64)
        poss = np.array([v[1] for _, v in items], dtype=np.int64)
        fresh = self._lookup(keys)[0] < 0  # a repeat of an indexed edge keeps its first place
        self._edges.add(keys[fresh], (arcs[fresh] << _SHIFT) | poss[fresh])
        self._pending = {}


# ---- back to coordinates -----------------------------------------------------------------------------------
def ring_coords(arcs: Sequence[np.ndarray], refs: Sequence[Ref], *, closed: bool = True) -> np.ndarray:
    """The coordinates of one ring (closed: its last vertex repeats the first) or line from its references.

    Examples
    --------
    >>> import numpy as np
    >>> arcs = [np.array([[0., 0.], [1., 0.], [1., 1.]]), np.array([[1., 1.], [0., 1.], [0., 0.]])]
    >>> ring_coords(arcs, [(0, 0, 2), (1, 0, 2)]).tolist()
    [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]
    >>> ring_coords(arcs, [(0, 2, 1)], closed=False).tolist()
    [[1.0, 1.0], [1.0, 0.0]]
    """
    pieces = []
    for n, (a, i, j) in enumerate(refs):
        s = arcs[a][i:j + 1] if j > i else arcs[a][j:i + 1][::-1]
        pieces.append(s if n == 0 else s[1:])
    out = np.concatenate(pieces) if pieces else np.empty((0, 2))
    if closed and len(out) and not np.array_equal(out[0], out[-1]):
        out = np.vstack([out, out[:1]])
    return out


def rebuild(topology: Topology, index: int) -> list[tuple[Hashable, str, list[np.ndarray]]]:
    """The coordinates of layer ``index``: ``(key, kind, rings)`` per shape, rings closed, lines open.

    Each rebuilt ring equals the ring added up to rotation and orientation, without consecutive repeats.
    """
    return [(key, kind, [ring_coords(topology.arcs, r, closed=kind == "P") for r in rings])
            for key, kind, rings in topology.layers[index]]


# ---- from GeoJSON ------------------------------------------------------------------------------------------
def shapes_of(geometry: Mapping | None, kind: str = "area") -> list[tuple[str, list]]:
    """The polygons (``kind`` ``"area"``) or lines (``"line"``) of a GeoJSON geometry as ``(kind, coords)``.

    Polygons come as ``("P", rings)``, lines as ``("L", line)``; multi-geometries and collections are walked;
    other types (points, and polygons in a line status or lines in an area status) are skipped.

    Examples
    --------
    >>> shapes_of({"type": "MultiLineString", "coordinates": [[[0, 0], [1, 1]]]}, "line")
    [('L', [[0, 0], [1, 1]])]
    >>> shapes_of({"type": "LineString", "coordinates": [[0, 0], [1, 1]]}, "area"), shapes_of(None)
    ([], [])
    """
    if not geometry:
        return []
    t, c = geometry.get("type"), geometry.get("coordinates")
    if t == "GeometryCollection":
        return [s for g in geometry.get("geometries") or [] for s in shapes_of(g, kind)]
    if kind == "area":
        if t == "Polygon":
            return [("P", c)] if c else []
        if t == "MultiPolygon":
            return [("P", p) for p in c or [] if p]
        return []
    if t == "LineString":
        return [("L", c)] if c else []
    if t == "MultiLineString":
        return [("L", ln) for ln in c or [] if ln]
    return []


def shapes_of_geometry(geom, kind: str = "area") -> list[tuple[str, list]]:
    """:func:`shapes_of` of a shapely geometry: ``("P", rings)`` or ``("L", line)``, coordinates as ``(n, 2)``
    numpy arrays (each ring closed, as GeoJSON gives it), the same shapes in the same order.

    Examples
    --------
    >>> import shapely
    >>> [(k, [r.tolist() for r in c]) for k, c in shapes_of_geometry(shapely.box(0, 0, 1, 1))]
    [('P', [[[1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0], [1.0, 0.0]]])]
    >>> shapes_of_geometry(shapely.LineString([(0, 0), (1, 1)]), "area"), shapes_of_geometry(None)
    ([], [])
    """
    import shapely

    if geom is None or geom.is_empty:
        return []
    out: list[tuple[str, list]] = []
    for part in shapely.get_parts(geom):
        t = part.geom_type
        if t in ("GeometryCollection", "MultiPolygon", "MultiLineString"):  # nested in a collection
            out.extend(shapes_of_geometry(part, kind))
        elif kind == "area" and t == "Polygon" and not part.is_empty:
            out.append(("P", [shapely.get_coordinates(part.exterior)] +
                        [shapely.get_coordinates(r) for r in part.interiors]))
        elif kind == "line" and t == "LineString" and not part.is_empty:
            out.append(("L", shapely.get_coordinates(part)))
    return out
