r"""Pure: the timeline page's data blob packed into short strings of integers, and unpacked again.

:func:`geo.render.timeline.timeline_data` returns plain lists (arcs, shapes, the shapes each date shows, frames,
one frame index and one day step per date); written as JSON, those integers were 80 % of the blob (``-1234,``:
six bytes for one coordinate step). :func:`pack_payload` writes each of these six lists as one string of
variable-length integers (the day steps and frame indices share one), and ``timeline.js`` (``unpack``) reads them
back into the very lists it used before;
:func:`unpack_payload` is the same reading in Python, for tests and for readers of the page. Nothing is
rounded or dropped: ``unpack_payload(pack_payload(data)) == data`` (a property test checks it), so the page
draws what it drew, vertex for vertex.

Decisions, written down because nobody was there to ask
------------------------------------------------------
*The digits* are 88 printable ASCII characters: ``!`` to ``~`` less ``"``, ``&``, ``<``, ``>``, ``\`` and
``{``: none needs an escape in a JSON string, none is escaped by :func:`geo.render.safe.script_json` (``<``,
``>``, ``&``, ``{{``), so a packed string reaches the page byte for byte. A number is written low digits first
in base 44: the first 44 characters end a number, the other 44 carry a digit and say that more follow. So 0–43
take one character, up to 1,935 two, up to 85,183 three. Base 44 rather than base 32 (the base64 VLQ of source
maps): a coordinate step on the 1e-5 degree grid is typically a few hundred units, two characters in base 44
and often three in base 32; measured on the real Kursk and whole-front pages, 8 % fewer bytes for the arcs.
Signed numbers are zigzag-coded (0, −1, 1, −2 … → 0, 1, 2, 3 …).

*No other trick.* The grid stays 1e-5 degree (about 0.7 m east–west at 51° N, 1.9 px at zoom 18, where a
reader with tiles can zoom): the page must draw the store's layers on that grid exactly (a browser test reads
Leaflet's latlngs back and compares them with equality, not a tolerance). The packing is deterministic, so the
same data gives the same bytes.

The five strings (``n`` a count; ``z`` zigzag)
---------------------------------------------
``arcs``
    per arc: ``n`` vertices, then each vertex as two z steps (lon, lat) from the vertex before (the first from
    the last vertex of the arc before); but each end of an arc is first a reference to a vertex seen before, how
    far back it is among the distinct vertices seen so far (``1`` the newest: an arc often starts or ends near the
    one before), or ``0`` and its two steps. An arc leaves and rejoins older
    boundaries at vertices they already have: on the real pages 90 % of the ends are references, two
    characters where two steps took six (Kursk's arcs 11.2 → 9.3 KB, the whole front's 63 → 54 KB).
``shapes``
    per shape: ``status * 4 + 2 * (kind is "L") + (written as edits)``; then either ``n`` and ``n`` tokens, or
    the distance back to its base shape, the number of edits and per edit: its start after the last edit's end,
    its length in the base, ``n`` and ``n`` tokens. A token: ``0`` between rings, ``2a + 1`` arc ``a`` whole,
    ``2a + 2`` then ``i`` and z ``j - i``: the slice ``[a, i, j]``.
``show``
    per change: the days after the last change (its date index), ``n`` ids, then the ids gone and new in one
    ascending run, each as ``2 * (its step from the one before) + (gone)``.
``frames``
    per frame: each status's km² in 1e-3 km² as a z step from the frame before, their union's as the z of its
    difference from their sum (0 where they do not overlap), then ``z(version step) * S + source`` (``S`` the
    number of sources).
``days``
    per date: ``3 * (its day step) + c``, ``c`` 0 where it shows the frame of the date before, 1 the next frame,
    2 another: the z step of its frame index follows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping

#: the 88 digits: printable ASCII less the six characters a JSON string in a <script> would have to escape
DIGITS = "".join(c for c in map(chr, range(0x21, 0x7F)) if c not in '"&<>\\{')
BASE = len(DIGITS) // 2  # 44: a digit below it ends a number
_VALUE = {c: i for i, c in enumerate(DIGITS)}
_END = DIGITS[:BASE]
_MORE = DIGITS[BASE:]
#: the blob's packed strings, and the plain lists they hold
PACKED = ("arcs", "shapes", "show", "frames", "days")
PLAIN = ("arcs", "shapes", "show", "frames", "at", "steps")
#: The schema of the plain data these lists are packed from (:func:`geo.render.timeline.timeline_data`'s, which
#: takes it from here: the packing is the lower module, and the two must agree).
PLAIN_SCHEMA = "frontline.timeline/v2"
SCHEMA = "frontline.timeline/v3"
_BLOB = re.compile(r'<script type="application/json" id="fl-data">(.*?)</script>', re.S)


def zigzag(v: int) -> int:
    """0, -1, 1, -2, 2 … as 0, 1, 2, 3, 4 …"""
    return 2 * v if v >= 0 else -2 * v - 1


def unzigzag(u: int) -> int:
    return u // 2 if u % 2 == 0 else -(u + 1) // 2


def pack_ints(values: Iterable[int]) -> str:
    """Unsigned integers as one string of base-44 digits, low digits first.

    Examples
    --------
    >>> pack_ints([0, 43, 44, 1935, 1936])
    '!PQ#~PQQ#'
    >>> unpack_ints(pack_ints([0, 43, 44, 1935, 1936, 10 ** 12]))
    [0, 43, 44, 1935, 1936, 1000000000000]
    """
    out = []
    for v in values:
        if v < 0:
            raise ValueError(f"pack_ints takes unsigned integers, not {v}")
        while v >= BASE:
            v, d = divmod(v, BASE)
            out.append(_MORE[d])
        out.append(_END[v])
    return "".join(out)


def digits(v: int) -> int:
    """How many characters :func:`pack_ints` writes for the unsigned ``v``.

    Examples
    --------
    >>> [digits(v) for v in (0, 43, 44, 1935, 1936)]
    [1, 1, 2, 2, 3]
    """
    n = 1
    while v >= BASE:
        v //= BASE
        n += 1
    return n


def token_chars(t) -> int:
    """The characters of one shape token (as :func:`pack_shapes` writes it)."""
    if t == -1:
        return 1
    if isinstance(t, int):
        return digits(2 * t + 1)
    a, i, j = t
    return digits(2 * a + 2) + digits(i) + digits(zigzag(j - i))


def unpack_ints(text: str) -> list[int]:
    out, v, m = [], 0, 1
    for c in text:
        d = _VALUE[c]
        if d >= BASE:
            v += (d - BASE) * m
            m *= BASE
        else:
            out.append(v + d * m)
            v, m = 0, 1
    if m != 1:
        raise ValueError("packed integers end inside a number")
    return out


# ---- the six lists -------------------------------------------------------------------------------------------
def _tokens_out(tokens, out: list) -> None:
    for t in tokens:
        if t == -1:
            out.append(0)
        elif isinstance(t, int):
            out.append(2 * t + 1)
        else:
            a, i, j = t
            out += [2 * a + 2, i, zigzag(j - i)]


def _tokens_in(it, n: int) -> list:
    out: list = []
    for _ in range(n):
        c = next(it)
        if c == 0:
            out.append(-1)
        elif c % 2:
            out.append((c - 1) // 2)
        else:
            i = next(it)
            out.append([(c - 2) // 2, i, i + unzigzag(next(it))])
    return out


def pack_arcs(arcs: list[list[int]]) -> str:
    """The arcs (each the flat steps of :func:`geo.render.timeline._arcs_json`) with their ends as references.

    Examples
    --------
    >>> arcs = [[10, 20, 5, 0, 0, 5, -5, -5], [0, 0, 0, 7, 5, -2]]  # a closed triangle; an arc from its first
    >>> unpack_ints(pack_arcs(arcs))  # vertex to its third: the triangle's end and both ends of arc 2 are references
    [4, 0, 20, 40, 10, 0, 0, 10, 3, 3, 3, 0, 14, 2]
    >>> unpack_arcs(pack_arcs(arcs)) == arcs
    True
    """
    out: list[int] = []
    ids: dict[tuple[int, int], int] = {}
    x = y = 0
    for a in arcs:
        n = len(a) // 2
        if n < 2:
            raise ValueError("an arc has two vertices or more")
        out.append(n)
        for k in range(n):
            px, py = x + a[2 * k], y + a[2 * k + 1]
            ref = ids.get((px, py)) if k in (0, n - 1) else None
            if ref is not None:
                out.append(len(ids) - ref)  # how far back among the vertices seen: 1 the newest
            else:
                if k in (0, n - 1):
                    out.append(0)
                out += [zigzag(px - x), zigzag(py - y)]
            x, y = px, py
            ids.setdefault((px, py), len(ids))
    return pack_ints(out)


def unpack_arcs(text: str) -> list[list[int]]:
    v, out, k = unpack_ints(text), [], 0
    pts: list[tuple[int, int]] = []
    ids: dict[tuple[int, int], int] = {}
    x = y = 0
    while k < len(v):
        n, k = v[k], k + 1
        flat = []
        for j in range(n):
            code = v[k] if j in (0, n - 1) else 0
            if j in (0, n - 1):
                k += 1
            if code:
                px, py = pts[len(pts) - code]
            else:
                px, py = x + unzigzag(v[k]), y + unzigzag(v[k + 1])
                k += 2
            flat += [px - x, py - y]
            x, y = px, py
            if (px, py) not in ids:
                ids[(px, py)] = len(pts)
                pts.append((px, py))
        out.append(flat)
    return out


def pack_shapes(shapes: list) -> str:
    out: list[int] = []
    for k, e in enumerate(shapes):
        si, kind = e[0], e[1]
        delta = len(e) == 4
        out.append(si * 4 + 2 * (kind == "L") + delta)
        if not delta:
            out.append(len(e[2]))
            _tokens_out(e[2], out)
            continue
        out += [k - e[2], len(e[3])]
        end = 0
        for s, stop, *tokens in e[3]:
            out += [s - end, stop - s, len(tokens)]
            _tokens_out(tokens, out)
            end = stop
    return pack_ints(out)


def unpack_shapes(text: str) -> list:
    it, out = iter(unpack_ints(text)), []
    for h in it:
        si, kind = h // 4, "L" if h & 2 else "P"
        if not h & 1:
            out.append([si, kind, _tokens_in(it, next(it))])
            continue
        base, ops, end = len(out) - next(it), [], 0
        for _ in range(next(it)):
            s = end + next(it)
            end = s + next(it)
            ops.append([s, end, *_tokens_in(it, next(it))])
        out.append([si, kind, base, ops])
    return out


def pack_show(show: list) -> str:
    out: list[int] = []
    last = 0
    for entry in show:
        gone = sorted(~k for k in entry[1:] if k < 0)
        new = sorted(k for k in entry[1:] if k >= 0)
        if [~k for k in gone] + new != list(entry[1:]):
            raise ValueError(f"a change of shapes must list the gone ids, then the new ones, each ascending: {entry}")
        ids = sorted([(k, 1) for k in gone] + [(k, 0) for k in new])
        out += [entry[0] - last, len(ids)]
        prev = 0
        for k, is_gone in ids:
            out.append(2 * (k - prev) + is_gone)
            prev = k
        last = entry[0]
    return pack_ints(out)


def unpack_show(text: str) -> list:
    it, out, last = iter(unpack_ints(text)), [], 0
    for step in it:
        last += step
        gone, new, prev = [], [], 0
        for _ in range(next(it)):
            u = next(it)
            prev += u // 2
            (gone if u % 2 else new).append(prev)
        out.append([last, *[~k for k in gone], *new])
    return out


def pack_frames(frames: list[Mapping], sources: int) -> str:
    out: list[int] = []
    prev: list[int] = []
    version = 0
    for f in frames:
        milli = [round(v * 1000) for v in f["km2"]]
        if [m / 1000 for m in milli] != list(f["km2"]):
            raise ValueError(f"a frame's km² must be rounded to 1e-3: {f['km2']}")
        if not 0 <= f["source"] < sources:
            raise ValueError(f"a frame's source is an index into the {sources} sources: {f['source']}")
        if len(prev) != len(milli):
            prev = [0] * len(milli)
        # the statuses as steps from the frame before; the last figure (their union) as its difference from their
        # sum: 0 where they do not overlap, whatever it is
        out += [zigzag(m - p) for m, p in zip(milli[:-1], prev[:-1], strict=True)]
        out.append(zigzag(milli[-1] - sum(milli[:-1])))
        out.append(zigzag(f["version"] - version) * sources + f["source"])
        prev, version = milli, f["version"]
    return pack_ints(out)


def unpack_frames(text: str, width: int, sources: int) -> list[dict]:
    v, out, prev, version = unpack_ints(text), [], [0] * width, 0
    for k in range(0, len(v), width + 1):
        prev = [p + unzigzag(u) for p, u in zip(prev[:-1], v[k:k + width - 1], strict=True)]
        prev.append(sum(prev) + unzigzag(v[k + width - 1]))
        version += unzigzag(v[k + width] // sources)
        out.append({"km2": [m / 1000 for m in prev], "source": v[k + width] % sources, "version": version})
    return out


def pack_days(steps: list[int], at: list[int]) -> str:
    """Each date's day step and frame as one number, ``3 * step + c``: ``c`` 0 the frame before, 1 the next one,
    2 another (its z step from the frame before follows).
    """
    out: list[int] = []
    prev = 0
    for step, frame in zip(steps, at, strict=True):
        d = frame - prev
        out.append(3 * step + (d if d in (0, 1) else 2))
        if d not in (0, 1):
            out.append(zigzag(d))
        prev = frame
    return pack_ints(out)


def unpack_days(text: str) -> tuple[list[int], list[int]]:
    it, steps, at, frame = iter(unpack_ints(text)), [], [], 0
    for v in it:
        step, c = divmod(v, 3)
        frame += c if c < 2 else unzigzag(next(it))
        steps.append(step)
        at.append(frame)
    return steps, at


# ---- the blob ------------------------------------------------------------------------------------------------
def pack_payload(data: Mapping) -> dict:
    """``data`` (of :func:`geo.render.timeline.timeline_data`) with its six lists packed in five strings (the
    module's docstring), under ``schema`` ``frontline.timeline/v3``; every other key as it is.
    """
    out = {k: v for k, v in data.items() if k not in PLAIN}
    return {**out, "schema": SCHEMA, "arcs": pack_arcs(data["arcs"]), "shapes": pack_shapes(data["shapes"]),
            "show": pack_show(data["show"]), "frames": pack_frames(data["frames"], len(data["sources"])),
            "days": pack_days(data["steps"], data["at"])}


def unpack_payload(blob: Mapping) -> dict:
    """The plain data of a packed blob: what :func:`geo.render.timeline.timeline_data` returned.

    Examples
    --------
    >>> d = {"schema": "frontline.timeline/v2", "area_statuses": [0], "arcs": [[3500000, 5100000, 10, -3]],
    ...      "shapes": [[0, "P", [0]], [0, "P", 0, [[0, 1, [0, 1, 0], -1, 0]]]], "show": [[0, 0], [2, ~0, 1]],
    ...      "frames": [{"km2": [1.5, 1.5], "source": 0, "version": 1}], "sources": [""], "at": [0, 0, 0],
    ...      "steps": [0, 1, 1]}
    >>> unpack_payload(pack_payload(d)) == d
    True
    """
    if blob.get("schema") != SCHEMA:
        raise ValueError(f"not a packed timeline blob: schema {blob.get('schema')!r}")
    steps, at = unpack_days(blob["days"])
    out = {k: v for k, v in blob.items() if k not in PACKED}
    return {**out, "schema": PLAIN_SCHEMA, "arcs": unpack_arcs(blob["arcs"]), "shapes": unpack_shapes(blob["shapes"]),
            "show": unpack_show(blob["show"]),
            "frames": unpack_frames(blob["frames"], len(blob["area_statuses"]) + 1, len(blob["sources"])),
            "at": at, "steps": steps}


def page_data(html: str) -> dict:
    """The plain data of a timeline page: its ``#fl-data`` blob, unpacked."""
    m = _BLOB.search(html)
    if not m:
        raise ValueError("no #fl-data blob in the page")
    return unpack_payload(json.loads(m.group(1)))
