"""Pure: one HTML page for a whole dated series: map, date slider, area chart, dated events.

This module takes plain data (the theatre's settings, the dated layers as GeoJSON dicts, their areas, the
events and context as GeoJSON dicts) and returns a string. It opens no file and imports no folium; the command
(``geo.commands.timeline``) reads the store and the pinned assets and passes them in.

Decisions, written down because nobody was there to ask
------------------------------------------------------
*Our own page, not folium's TimestampedGeoJson.* TimestampedGeoJson stores every day in full (60 days of one
5,000-vertex polygon: 10.7 MB) and pulls jQuery, jQuery UI, moment and leaflet-timedimension from CDNs. The page
here is HTML, pinned Leaflet 1.9.3 (through :mod:`geo.render.assets`) and ``timeline.js`` / ``timeline.css`` of
ours, always inlined (they are small and there is no CDN copy of them to pin).

*Boundaries are shipped once, across dates* (:mod:`geo.topology`). Each layer's polygons and lines are put on
the 1e-5 degree grid (integers, about 1 m; rounded half up with numpy, as GEOS rounds: drawing needs no
topology-safe snapping, the figures are measured on the store's own geometry) and added, one date after another, to a
:class:`geo.topology.Topology`: every distinct stretch of boundary is one *arc* (``arcs``), and each ring or line
is a list of slices of arcs. A *shape* (``shapes``) is one polygon (exterior and holes) or one line of one status,
written as its tokens: a whole arc as its id, any other slice as ``[arc, i, j]`` (vertices ``i`` to ``j``,
backwards when ``i > j``), ``-1`` between rings. A shape is stored once, whichever dates draw it; a new shape
that replaces one of its status on a date (the dropped shape sharing the most tokens) is stored as the edits that
make it from that one (``[status, kind, base, [[s, e, tokens...], ...]]``: replace ``base[s:e]``) when they are
shorter than its tokens. ``show`` says, for each date whose set of shapes changed, which shapes appear (id) and
which go (``~id``). So the page grows with what changes, not with days × vertices: the whole front's 353 days
(about a million vertices) are some 1,700 arcs of 13,000 vertices. *Frames* (``frames``, one index per date in
``at``) hold the rest of a date (its km², version and source), each distinct frame once. Dates are stored as day
steps from the first date. ``timeline.js`` rebuilds a date's shapes from the arcs (and caches each shape it
rebuilt); :func:`date_shapes` is the same rebuild in Python, for tests. The page ships these lists packed
(:mod:`geo.render.packing`: strings of base-44 integers, read back into the same lists by ``timeline.js``), and
the choice between a shape's tokens and its edits is made on the characters each form packs to.

*Lines are drawn, never filled or measured.* Statuses of kind ``line`` (the contact line) are shapes like the
others, drawn as polylines above the areas; the caption and the chart show area statuses and their union only.

*An empty layer is a real layer* ("nothing held that day"): a date with no shapes and 0 km².

*Streaming.* ``layers`` may be any iterable (the command reads the store one date at a time): each layer is
reduced to references as it comes and dropped, so the whole series' geometry is never held at once. A list is
sorted by date; any other iterable must come in date order.

*Text is data.* Every string from data (title, labels, sources, notes, event texts, place names, attribution)
goes through :func:`geo.render.safe.clean_text` here and reaches the page inside the JSON blob
(:func:`geo.render.safe.script_json`: ``<``, ``>``, ``&``, U+2028/9 and ``{{`` escaped), which ``timeline.js``
writes with ``textContent``; never ``innerHTML``. What the server writes as HTML (title, description, caption,
legend, table, attribution) goes through :func:`geo.render.safe.html_text` (and U+2028/9 as references). Event
links pass :func:`geo.render.safe.safe_url` (http(s) only) or are dropped. Leaflet's own attribution control is
switched off because it inserts HTML (and its default prefix draws a flag); ours uses ``textContent``.

*Sources.* A layer's recorded source is often a local file path; the page shows a source only when it is a URL or
a plain text (``DeepStateMap daily``), never a path (:func:`display_source`): a path reveals the editor's folders,
and a per-date file name would cost bytes on every date. The theatre's attribution lines name the data's origin.

*Events* are kept when their date is a valid date inside the page's first..last date; they are sorted by date
then title. Their list is in the HTML (the script turns each date into a button), so the blob carries only what
the script draws (date, title, point), not the texts a second time. An event shows on the chart as a marker at
its date, and, when it has a point, on the map as a circle from its date onwards (the events of the shown date
are drawn larger).

*The opening date* is the date in the URL's hash (``#2024-08-24``) or, if the hash names a date without a
layer, the latest date before it (the layer then in force); without a hash, the ``start`` date given to
:func:`timeline_data` (``frontline timeline --start``, the same rule; before the first layer it is refused), and
by default *the peak*: the last date is where the map is almost empty, the peak where it shows the most.

*The peak* is the first date on which the union of the area statuses is largest.

*Nothing is ever blank.* Without JavaScript, or with Leaflet unloaded (``--assets cdn`` and the CDN unreachable;
or its script loaded but not its stylesheet, which would draw a broken map),
the reader gets the page the server wrote: the title, the opening date's caption and figures, the layer line, the
legend, the table of figures, the events (texts, sources, links) and the attribution, all escaped with
:func:`geo.render.safe.html_text`, and an empty
``#fl-static-map`` where a server-drawn SVG of the opening date's map is to go. The script marks ``<html>``
``fl-js`` when it runs with Leaflet (the live pieces show, so that they have a size to draw into) and ``fl-live``
once the map has drawn (the static map and the note that the live page did not load are hidden); an error on the
way removes both. In CDN mode the Leaflet tags go at the end of the body and the script is ``defer``: a CDN that
hangs holds up nothing the reader needs, where tags in the head would hold up the whole page. The caption is
written by both sides (``_caption_html`` here, ``writeCaption`` in the JS: a browser test checks that they agree
to the character), so the numbers use one rule: :func:`number` rounds ties away from zero on the float's exact
value, as JavaScript's ``toFixed`` does.

*The table of figures* has one row per run of dates whose figures are the same (``8 Aug → 11 Aug 2024``), not one
per date: every date is covered, and on the real 258-day DeepState series it is 90 rows and 8.7 KB instead of
about 25 KB for 258 rows (the page: 297 KB with Leaflet from the CDN, 278 KB before it had a fallback). It sits
in a closed ``<details>``: one line for sighted readers, who can open it; the ``<summary>`` is reached by screen
readers, for whom the chart (a picture of the same numbers) is otherwise mute.

*Dates* have two forms and one rule: short ``24 Aug 2024`` (table, chart, controls and events), long
``24 August 2024`` (caption, controls on a wide screen); a range ``12 Aug → 24 Aug 2024`` names the year once
when both ends share it. Every string a reader sees is in :data:`TEXT`, which the page's script also receives.

*Phones (320–1280 px).* The controls stay on one row (Play/Pause as an icon with a hidden label under 560 px, the
short date, the permalink moved to the layer line). The chart is drawn at its container's width in CSS px
(viewBox = px) and drawn again when that width changes, so its text is 12 px at every width, where a 640-unit
viewBox scaled to a phone made it 6 px. The map's height follows the shape of the ground it fits (240–520 px).
*The ground that matters* is the bounds of every area shape of the series (:func:`_bounds`, kept with numpy
as the layers go by), not of the lines (a
contact line can run along a whole front) nor of the context: every date's ground is then in view on opening. On
the real series it is the peak's own bounds to within 0.03°, and at 375 px the ground fills 78 % of the map's
width. The data's attribution is the footer under the map, not
a box over it (on a phone that box covered a third of the map); the map keeps "Leaflet" (as text, without
Leaflet's flag) and the tiles' line.

*Gestures.* One finger and a plain wheel scroll the page; two fingers, or ctrl/cmd with the wheel, move the map,
with a hint over the map when a reader tries otherwise (Leaflet.GestureHandling's behaviour, in a few lines of
``timeline.js``). Keyboard and buttons zoom as ever.

*Accessibility.* The chart is an SVG ``role="group"`` with a label; its event markers are buttons with labels and
24 px targets inside it (a focusable marker inside ``role="img"`` is axe's ``nested-interactive``). axe-core
4.14 finds no serious or critical violation at 375 and 1280 px, html-validate (``recommended``, nothing relaxed)
no error. Links open in a new tab with ``rel="noopener noreferrer nofollow"`` (the page is embedded in an iframe).

*Determinism.* Sorted keys, integer coordinates, areas rounded to 1e-3 km², no ids or times generated: the
same inputs give the same bytes.

*A Content-Security-Policy* meta element allows our two inline elements by hash, the CDN origin in CDN mode,
images from the tile host (and ``data:``), and nothing else: no request can leave the file with inline assets and
no tiles, whatever a payload tries.
"""

from __future__ import annotations

import base64
import contextvars
import datetime as dt
import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from importlib import resources
from itertools import chain

import numpy as np

from ..errors import InvalidInput
from ..topology import Topology, shapes_of, shapes_of_geometry
from . import messages
from .assets import checked_minified, minify_css, minify_js
from .geometry import SCALE, context_tolerance, encode_part, expand, for_context, lines
from .packing import PLAIN_SCHEMA, pack_payload
from .safe import clean_text, html_text, safe_url, script_json
from .theme import theme_css

SCHEMA = PLAIN_SCHEMA
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_FILE_RE = re.compile(r"\.((geo)?json|gpkg|kml|kmz|shp|fgb|zip|csv)$", re.IGNORECASE)
_SCRIPT_END = re.compile(r"</(script|style)", re.IGNORECASE)


# ---- geometry --------------------------------------------------------------------------------------------------
def _grid(coords) -> np.ndarray:
    """(lon, lat) degrees as integer 1e-5 degree units (float64 holding integers: exact keys for the topology)."""
    if isinstance(coords, np.ndarray):  # from shapely (the store's binary form): already an (n, 2) array
        c = coords[:, :2].astype(np.float64, copy=False)
        return np.floor(c * SCALE + 0.5)
    if not coords:
        return np.empty((0, 2))
    try:  # read flat: several times faster than np.asarray on nested lists
        flat = np.fromiter(chain.from_iterable(coords), dtype=np.float64)
    except (ValueError, TypeError):
        flat = np.empty(0)
    if len(flat) == 2 * len(coords):  # the common case, 2-D positions
        c = flat.reshape(-1, 2)
    else:  # positions with an altitude (or malformed): the general way
        c = np.array([p[:2] for p in coords], dtype=np.float64)
    # half up, as GEOS's fixed precision model rounds (shapely.set_precision, which these pages used before):
    # DeepState's 6-decimal coordinates are often exact ties at 1e-5 (281 of the whole front's 3,029 one day)
    return np.floor(c[:, :2] * SCALE + 0.5)


def _layer_shapes(layer: Mapping, index: Mapping[str, int], kinds: Mapping[str, str],
                  date: str) -> list[tuple[int, str, object]]:
    """One layer's shapes for :meth:`geo.topology.Topology.add`: ``(status index, "P"|"L", grid coordinates)``.

    From the layer's ``shapes`` (each feature's ``(status, shapely geometry)``, as the store's binary form holds
    them) where it has them, else from its ``collection`` (GeoJSON): the same coordinates either way.
    """
    if "shapes" in layer:
        features = [(st, g, shapes_of_geometry) for st, g in layer["shapes"]]
    else:
        features = [((f.get("properties") or {}).get("status"), f.get("geometry"), shapes_of)
                    for f in layer["collection"].get("features", []) or []]
    out = []
    for st, geometry, walk in features:
        if st not in index:
            raise InvalidInput(f"{date}: status {st!r} is not in the vocabulary ({', '.join(index)})")
        for kind, coords in walk(geometry, kinds[st]):
            out.append((index[st], kind, [_grid(r) for r in coords] if kind == "P" else _grid(coords)))
    return out


def _tokens(rings) -> tuple:
    """A shape's references as one flat token sequence: refs, ``-1`` between rings (exterior, then holes)."""
    out: list = []
    for n, ring in enumerate(rings):
        if n:
            out.append(-1)
        out.extend(ring)
    return tuple(out)


def _json_tokens(tokens, arcs) -> list:
    """Tokens as the page writes them: a whole arc walked forwards as its id, any other slice as ``[a, i, j]``."""
    return [t if t == -1 else t[0] if t[1] == 0 and t[2] == len(arcs[t[0]]) - 1 else list(t) for t in tokens]


def _edits(base: tuple, new: tuple) -> list[tuple[int, int, tuple]]:
    """``new`` as replacements of ``base[s:e]``: ``(s, e, tokens)``, ascending, without overlap.

    A patience diff: the tokens found once in each (almost every reference: a shape rarely walks a slice twice)
    anchor the longest run of them in the same order; what lies between two anchors is replaced, less what it
    starts and ends with in common. Not always the shortest script, always a correct one, and linear-ish where
    ``difflib`` took milliseconds a shape.

    Examples
    --------
    >>> _edits((1, 2, 3, 4, 5), (1, 9, 3, 4, 8, 5))
    [(1, 2, (9,)), (4, 4, (8,))]
    >>> _edits((1, 2), (1, 2)), _edits((), (7,))
    ([], [(0, 0, (7,))])
    """
    from bisect import bisect_left
    from collections import Counter

    def once(seq) -> dict:
        """Each token found once in ``seq`` and its index (built in C where no token repeats, the usual case)."""
        at = dict(zip(seq, range(len(seq)), strict=True))
        if len(at) < len(seq):
            counts = Counter(seq)
            at = {t: k for t, k in at.items() if counts[t] == 1}
        return at

    in_base, in_new = once(base), once(new)
    # the anchors (in base, in new), in the order of new (a dict keeps its keys in the order they came)
    pairs = [(in_base[t], j) for t, j in in_new.items() if t in in_base]
    # the longest run of pairs increasing in base too (patience sorting, with links back); where all of them
    # already are (a shape edited in a few places), that run is all of them, as the sorting would find
    if all(a[0] < b[0] for a, b in zip(pairs, pairs[1:], strict=False)):
        chain_ = pairs
    else:
        chain_ = _longest_run(pairs, bisect_left)
    out = []
    i0 = j0 = 0
    for i, j in [*chain_, (len(base), len(new))]:
        if i - i0 or j - j0:  # a gap between two anchors: trim what it starts and ends with in common
            m = min(i - i0, j - j0)
            lead = 0
            while lead < m and base[i0 + lead] == new[j0 + lead]:
                lead += 1
            trail = 0
            while trail < m - lead and base[i - 1 - trail] == new[j - 1 - trail]:
                trail += 1
            if i - i0 - lead - trail or j - j0 - lead - trail:
                out.append((i0 + lead, i - trail, new[j0 + lead:j - trail]))
        i0, j0 = i + 1, j + 1
    return out


def _longest_run(pairs: list[tuple[int, int]], bisect_left) -> list[tuple[int, int]]:
    """The longest run of ``pairs`` (ordered by their second) increasing in their first too: patience sorting,
    with links back (the one :func:`_edits` has always taken).
    """
    tails: list[int] = []
    tail_at: list[int] = []
    back = [-1] * len(pairs)
    for k, (i, _) in enumerate(pairs):
        at = bisect_left(tails, i)
        if at == len(tails):
            tails.append(i)
            tail_at.append(k)
        else:
            tails[at], tail_at[at] = i, k
        back[k] = tail_at[at - 1] if at else -1
    chain_: list[tuple[int, int]] = []
    k = tail_at[-1] if tail_at else -1
    while k >= 0:
        chain_.append(pairs[k])
        k = back[k]
    chain_.reverse()
    return chain_


def _arcs_json(arcs) -> list[list[int]]:
    """The arcs as the page stores them: integer 1e-5 degree (lon, lat), each vertex as its difference from the
    one before, the first vertex of an arc from the last of the arc before (the first of all from 0): an arc
    usually starts where the boundary left an older one, nearby, so its start costs a few digits, not fourteen.

    Examples
    --------
    >>> import numpy as np
    >>> _arcs_json([np.array([[3500000., 5100000.], [3500010., 5100000.]]), np.array([[3500010., 5100000.],
    ...             [3500010., 5100020.]])])
    [[3500000, 5100000, 10, 0], [0, 0, 0, 20]]
    """
    out, last = [], np.zeros(2, dtype=np.int64)
    for arc in arcs:
        q = arc.astype(np.int64)
        out.append(np.diff(q, axis=0, prepend=last[None, :]).ravel().tolist())
        last = q[-1]
    return out


# ---- text ------------------------------------------------------------------------------------------------------
def display_source(source) -> str:
    """The part of a recorded source that a published page shows: a URL or a plain text, never a file path.

    A file path tells a reader nothing but the editor's folders (or, for a daily file, the date again), and a
    per-date file name would cost bytes on every date and stop identical layers sharing a frame; it is dropped.

    Examples
    --------
    >>> display_source("/home/ed/data/daily/2024-08-24.geojson")
    ''
    >>> display_source("2024-08-24.geojson")
    ''
    >>> display_source("https://deepstatemap.live/en")
    'https://deepstatemap.live/en'
    >>> display_source("DeepStateMap daily")
    'DeepStateMap daily'
    """
    text = clean_text(source, max_len=300)
    if not text or safe_url(text):
        return text
    if "/" in text or "\\" in text or _FILE_RE.search(text):
        return ""
    return clean_text(text, max_len=120)


def _valid_date(value) -> str | None:
    if not isinstance(value, str) or not _DATE_RE.fullmatch(value):
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        return None


def _point(geometry) -> list[int] | None:
    """An event's point as integer 1e-5 degrees [lon, lat], or None if absent or not a sane Point."""
    if not isinstance(geometry, Mapping) or geometry.get("type") != "Point":
        return None
    c = geometry.get("coordinates")
    if not isinstance(c, (list, tuple)) or len(c) < 2:
        return None
    try:
        lon, lat = float(c[0]), float(c[1])
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        return None
    return [round(lon * SCALE), round(lat * SCALE)]


# ---- the payload -----------------------------------------------------------------------------------------------
def timeline_data(theatre, layers: Iterable[Mapping], areas: Sequence[Mapping], *, events: Mapping | None = None,
                  context: Mapping[str, Mapping | None] | None = None, tiles: Mapping | None = None,
                  start: str | None = None, lang: str = "en") -> dict:
    """Build the page's data: arcs, shapes as references to them, the shapes each date shows, distinct frames,
    one frame index per date, events, context.

    Parameters
    ----------
    theatre : geo.theatre.Theatre
        Title, statuses (key, label, colour, kind), attribution lines.
    layers : iterable of mappings
        One per date: ``date`` (``YYYY-MM-DD``), ``collection`` (GeoJSON FeatureCollection, each feature's
        ``properties.status`` a key of the vocabulary), and optionally ``version`` and ``source``. Read once,
        one at a time (a generator is fine; it must then come in date order; a list is sorted).
    areas : sequence of mappings
        Rows of :func:`geo.measure.compute_areas` (``date``, ``areas_km2``, ``total_km2``), one per layer; read
        only for a layer that brings no row of its own (``area``, as the command's layers do: they are measured
        as they are read).
    events : mapping, optional
        GeoJSON FeatureCollection of events: properties ``date``, ``title``, ``text``, ``source``, ``url``; the
        geometry a Point or null.
    context : mapping, optional
        ``{"border": fc, "outlines": fc, "settlements": fc}``, any of them None or absent.
    tiles : mapping, optional
        ``{"url", "attribution", "max_zoom", "subdomains"}`` of a tile layer (https), or None for none.
    start : str, optional
        The date the page opens on (``YYYY-MM-DD``): the latest layer on or before it. Default: the peak.

    Returns
    -------
    dict
        Plain JSON-able data under ``schema`` ``frontline.timeline/v2``.

    Raises
    ------
    InvalidInput
        No layers, a date twice (or, from an iterator, out of order), a date without its area row, a status
        outside the vocabulary, or a ``start`` before the first layer.

    Examples
    --------
    >>> from geo.theatre import Theatre, Status
    >>> t = Theatre("demo", "Demo", (Status("held", "Held", "#112233"),))
    >>> sq = {"type": "Polygon", "coordinates": [[[35, 51], [35.01, 51], [35.01, 51.01], [35, 51]]]}
    >>> layer = {"type": "FeatureCollection", "features": [
    ...     {"type": "Feature", "properties": {"status": "held"}, "geometry": sq}]}
    >>> empty = {"type": "FeatureCollection", "features": []}
    >>> rows = [{"date": d, "areas_km2": {"held": a}, "total_km2": a}
    ...         for d, a in (("2024-08-06", 0.0), ("2024-08-07", 0.39), ("2024-08-08", 0.39))]
    >>> data = timeline_data(t, [{"date": "2024-08-06", "collection": empty},
    ...                          {"date": "2024-08-07", "collection": layer},
    ...                          {"date": "2024-08-08", "collection": layer}], rows)
    >>> data["start"], data["steps"], data["at"], len(data["arcs"]), data["shapes"]
    ('2024-08-06', [0, 1, 1], [0, 1, 1], 1, [[0, 'P', [0]]])
    >>> data["show"], data["peak"], data["open"]  # date 0 shows nothing, date 1 shape 0, date 2 the same
    ([[0], [1, 0]], 1, 1)
    >>> timeline_data(t, [{"date": "2024-08-06", "collection": empty}], rows[:1], start="2024-09-01")["open"]
    0
    """
    statuses = list(theatre.statuses)
    index = {s.key: i for i, s in enumerate(statuses)}
    kinds = {s.key: s.kind for s in statuses}
    area_keys = [s.key for s in statuses if s.kind == "area"]
    area_idx = {index[k] for k in area_keys}
    by_date: dict | None = None  # the rows by date, read from ``areas`` for a layer that brings none
    if isinstance(layers, (list, tuple)):
        layers = sorted(layers, key=lambda x: str(x.get("date")))
    topo = Topology(integer=True)  # grid coordinates: integers (the faster vertex index)
    shapes: list = []  # the page's shapes: [status, kind, tokens] or [status, kind, base, edits]
    shape_tokens: list[tuple] = []
    shape_ids: dict[tuple, int] = {}
    tokens_out: dict = {}  # each reference's page form and packed characters (_token_out)
    shape_chars: list[int] = []  # each shape's tokens' packed characters (_shape_entry)
    show: list = []
    shown: set[int] = set()
    frames: list = []
    frame_ids: dict[str, int] = {}
    sources: list[str] = []
    source_ids: dict[str, int] = {}
    dates: list[str] = []
    at: list[int] = []
    totals: list[float] = []
    box = [math.inf, math.inf, -math.inf, -math.inf]
    line_box = list(box)
    for layer in layers:  # one at a time: only the arcs and references are kept, never the layers
        date = _valid_date(layer.get("date"))
        if date is None:
            raise InvalidInput(f"invalid layer date {layer.get('date')!r}")
        if dates and date <= dates[-1]:
            raise InvalidInput(f"two layers for {date}" if date == dates[-1] else
                               f"layers out of order: {date} after {dates[-1]}")
        row = layer.get("area")
        if row is None:
            if by_date is None:
                by_date = {r["date"]: r for r in areas}
            row = by_date.get(date)
        if row is None:
            raise InvalidInput(f"no areas for {date}: measure every layer drawn")
        given = _layer_shapes(layer, index, kinds, date)
        for areas_, b in ((True, box), (False, line_box)):  # the layer's area vertices, then its line vertices
            parts = [r for si, kind, coords in given if (si in area_idx) == areas_
                     for r in (coords if kind == "P" else (coords,))]
            pts = np.concatenate(parts) if parts else ()
            if len(pts):
                lo, hi = pts.min(axis=0), pts.max(axis=0)
                b[:] = [min(b[0], lo[0]), min(b[1], lo[1]), max(b[2], hi[0]), max(b[3], hi[1])]
        topo.add(given)
        ids = set()
        new_here = []
        for si, kind, rings in topo.layers[-1]:
            key = (si, kind, _tokens(rings))
            if key not in shape_ids:
                shape_ids[key] = len(shape_tokens)
                shape_tokens.append(key[2])
                new_here.append(key)
                shapes.append(None)
            ids.add(shape_ids[key])
        gone = sorted(shown - ids)
        for key in new_here:
            shapes[shape_ids[key]] = _shape_entry(key, shape_ids[key], gone, shapes, shape_tokens, topo.arcs,
                                                  tokens_out, shape_chars)
        change = [~k for k in gone] + sorted(ids - shown)
        if change or not show:
            show.append([len(dates), *change])
        shown = ids
        km2 = [round(float(row["areas_km2"].get(k, 0.0)), 3) for k in area_keys]
        total = round(float(row["total_km2"]), 3)
        src = display_source(layer.get("source", ""))
        if src not in source_ids:
            source_ids[src] = len(sources)
            sources.append(src)
        frame = {"km2": km2 + [total], "version": int(layer.get("version") or 0), "source": source_ids[src]}
        fkey = json.dumps(frame, sort_keys=True, separators=(",", ":"))
        if fkey not in frame_ids:
            frame_ids[fkey] = len(frames)
            frames.append(frame)
        dates.append(date)
        at.append(frame_ids[fkey])
        totals.append(total)
    if not dates:
        raise InvalidInput("nothing to draw: no dated layers")
    first = dt.date.fromisoformat(dates[0])
    days = [(dt.date.fromisoformat(d) - first).days for d in dates]
    steps = [0] + [b - a for a, b in zip(days, days[1:], strict=False)]
    peak = max(range(len(totals)), key=lambda i: (totals[i], -i))
    opening = peak if start is None else _on_or_before(dates, start)
    bounds = _bounds(box, line_box, theatre)
    return {
        "schema": SCHEMA,
        "theatre": theatre.name,
        "title": clean_text(theatre.title_in(lang), max_len=200),
        "statuses": [{"key": s.key, "label": clean_text(s.label_in(lang), max_len=80), "colour": s.colour,
                      "kind": s.kind}
                     for s in statuses],
        "area_statuses": [index[k] for k in area_keys],
        "attribution": [clean_text(a, max_len=300) for a in theatre.attribution],
        "start": dates[0],
        "steps": steps,
        "at": at,
        "frames": frames,
        "arcs": _arcs_json(topo.arcs),
        "shapes": shapes,
        "show": show,
        "sources": sources,
        "peak": peak,
        "open": opening,
        "bounds": bounds,
        "events": _events(events, dates[0], dates[-1]),
        "context": _context(context or {}, bounds, lang),
        "tiles": _tiles(tiles),
    }


def _shape_entry(key: tuple, k: int, gone: list[int], shapes: list, shape_tokens: list[tuple], arcs,
                 tokens_out: dict, chars: list[int]) -> list:
    """A new shape (its id ``k``) as the page stores it: its tokens, or the edits that make it from a shape the
    same date dropped (of its status and kind, the one sharing the most tokens) when they are shorter.

    Shorter as the page ships them: the characters :func:`geo.render.packing.pack_shapes` writes for each form,
    counted from each token's own count (``tokens_out``: each reference's page form and characters, kept over
    the build), so that neither form is written out to be measured. (The JSON lengths decided before the blob was
    packed; counted packed, the whole front's shapes are a little shorter and the build skips two JSON encodings
    of every new shape.) ``chars`` holds, per shape, its tokens' characters: a shape made by edits counts its
    own from its base's and the edits', so that the build's work on a shape follows what changed, not its length.
    """
    from .packing import digits

    def count(tokens) -> int:
        return sum((tokens_out[t] if t in tokens_out else _token_out(t, arcs, tokens_out))[1] for t in tokens)

    si, kind, tokens = key
    candidates = [g for g in gone if shapes[g] is not None and shapes[g][:2] == [si, kind]]
    best = candidates[0] if len(candidates) == 1 else None
    if len(candidates) > 1:
        mine, best_shared = set(tokens), 0
        for g in candidates:
            shared = len(mine.intersection(shape_tokens[g]))
            if shared > best_shared:
                best, best_shared = g, shared
    if best is None:
        chars.append(count(tokens))
        return [si, kind, [tokens_out[t][0] for t in tokens]]
    base = shape_tokens[best]
    ops = _edits(base, tokens)
    own = chars[best]
    delta_chars, end = digits(k - best) + digits(len(ops)), 0  # the header: the same for both forms
    for s, e, t in ops:
        added = count(t)
        own += added - count(base[s:e])
        delta_chars += digits(s - end) + digits(e - s) + digits(len(t)) + added
        end = e
    chars.append(own)
    if delta_chars < digits(len(tokens)) + own:
        return [si, kind, best, [[s, e, *(tokens_out[x][0] for x in t)] for s, e, t in ops]]
    return [si, kind, [(tokens_out[t] if t in tokens_out else _token_out(t, arcs, tokens_out))[0] for t in tokens]]


def _token_out(t, arcs, cache: dict) -> tuple:
    """A token's page form (:func:`_json_tokens`) and its packed characters, each reference's worked out once."""
    got = cache.get(t)
    if got is None:
        from .packing import token_chars

        form = _json_tokens((t,), arcs)[0]
        got = cache[t] = (form, token_chars(form))
    return got


def date_shapes(data: Mapping, i: int) -> list[tuple[int, str, list[list[tuple[int, int]]]]]:
    """The shapes date ``i`` of a payload draws, rebuilt from its arcs and references as ``timeline.js`` does:
    ``(status index, "P"|"L", rings)``, each ring a list of integer 1e-5 degree ``(lon, lat)``; polygon rings
    without their closing vertex (as Leaflet takes them). For tests and for readers of the payload.

    Examples
    --------
    >>> from geo.theatre import Theatre, Status
    >>> t = Theatre("demo", "Demo", (Status("held", "Held", "#112233"),))
    >>> sq = {"type": "Polygon", "coordinates": [[[35, 51], [35.01, 51], [35.01, 51.01], [35, 51]]]}
    >>> fc = {"type": "FeatureCollection", "features": [
    ...     {"type": "Feature", "properties": {"status": "held"}, "geometry": sq}]}
    >>> data = timeline_data(t, [{"date": "2024-08-06", "collection": fc}],
    ...                      [{"date": "2024-08-06", "areas_km2": {"held": 0.39}, "total_km2": 0.39}])
    >>> date_shapes(data, 0)
    [(0, 'P', [[(3500000, 5100000), (3501000, 5100000), (3501000, 5101000)]])]
    """
    arcs, last = [], np.zeros(2, dtype=np.int64)
    for a in data["arcs"]:
        arcs.append(last + np.cumsum(np.asarray(a, dtype=np.int64).reshape(-1, 2), axis=0))
        last = arcs[-1][-1]
    tokens: dict[int, list] = {}

    def tokens_of(k: int) -> list:
        if k not in tokens:
            e = data["shapes"][k]
            if len(e) == 3:
                tokens[k] = list(e[2])
            else:
                base, out, at = tokens_of(e[2]), [], 0
                for s, end, *new in e[3]:
                    out += base[at:s] + new
                    at = end
                tokens[k] = out + base[at:]
        return tokens[k]

    on: set[int] = set()
    for entry in data["show"]:
        if entry[0] > i:
            break
        for k in entry[1:]:
            if k < 0:
                on.discard(~k)
            else:
                on.add(k)
    out = []
    for k in sorted(on):
        si, kind = data["shapes"][k][:2]
        rings, ring = [], []
        for t in [*tokens_of(k), -1]:
            if t == -1:
                pts = [tuple(p) for p in ring]
                if kind == "P" and len(pts) > 1 and pts[0] == pts[-1]:
                    pts.pop()
                rings.append(pts)
                ring = []
                continue
            a, s, e = (t, 0, len(arcs[t]) - 1) if isinstance(t, int) else t
            piece = arcs[a][s:e + 1] if e > s else arcs[a][e:s + 1][::-1]
            ring.extend(piece.tolist() if not ring else piece[1:].tolist())
        out.append((si, kind, rings))
    return out


def _on_or_before(dates: list[str], start: str) -> int:
    """Index of the latest date on or before ``start``; InvalidInput if ``start`` is not a date or is before all."""
    day = _valid_date(start)
    if day is None:
        raise InvalidInput(f"invalid start date {start!r}: use YYYY-MM-DD")
    if day < dates[0]:
        raise InvalidInput(f"start date {day} is before the first layer ({dates[0]})")
    return max(i for i, d in enumerate(dates) if d <= day)


def _bounds(box: list[float], line_box: list[float], theatre) -> list[int]:
    """[west, south, east, north] in integer 1e-5 degrees of every area shape of the series (``box``, kept as the
    layers went by); of every line (``line_box``) if there is no area shape; else the theatre's bbox.
    """
    for b in (box, line_box):
        if b[0] != math.inf:
            return [int(v) for v in b]
    if theatre.bbox:
        return [round(v * SCALE) for v in theatre.bbox]
    return [-18000000, -8500000, 18000000, 8500000]


def _events(collection: Mapping | None, first: str, last: str) -> list[dict]:
    out = []
    for f in (collection or {}).get("features", []) or []:
        if not isinstance(f, Mapping):
            continue
        p = f.get("properties") or {}
        date = _valid_date(p.get("date"))
        if date is None or not (first <= date <= last):
            continue
        ev = {
            "date": date,
            "title": clean_text(p.get("title"), max_len=200),
            "text": clean_text(p.get("text"), max_len=500),
            "source": clean_text(p.get("source"), max_len=200),
            "url": safe_url(p.get("url")),
            "point": _point(f.get("geometry")),
        }
        out.append(ev)
    out.sort(key=lambda e: (e["date"], e["title"], e["text"]))
    return out


def _context(context: Mapping, bounds: list[int], lang: str = "en") -> dict:
    """Context for orientation: border and outlines as lines, clipped to the view (the shapes' bounds and half
    as much again around them) and simplified to half a pixel at the zoom that fits it
    (:func:`geo.render.geometry.for_context`); settlements as labelled points.
    """
    import shapely

    view = expand(tuple(v / SCALE for v in bounds), 0.5)
    tol = context_tolerance(view)
    out: dict = {"lines": [], "places": []}
    for kind in ("outlines", "border"):
        fc = context.get(kind) or {}
        for f in fc.get("features", []) or []:
            geom = f.get("geometry")
            if not geom:
                continue
            g = for_context(lines(shapely.from_geojson(json.dumps(geom))), view, tol)
            for p in shapely.get_parts(g):
                if p.geom_type == "LinearRing":
                    p = shapely.LineString(p.coords)
                enc = encode_part(p) if p.geom_type == "LineString" else None
                if enc:
                    out["lines"].append({"kind": kind, "line": enc[1][0]})
    from .payload import place_rank

    fc = context.get("settlements") or {}
    ranked = []
    for i, f in enumerate(fc.get("features", []) or []):
        pt = _point(f.get("geometry"))
        props = f.get("properties") or {}
        name = clean_text(messages.localized(props, "name", lang), max_len=80)
        if pt and name:
            ranked.append((place_rank(props, i), {"name": name, "point": pt}))
    # in rank order (explicit rank, population, kind, the file's order): the page drops the lower-ranked labels
    # that would overlap one drawn before them or leave the map
    out["places"] = [p for _, p in sorted(ranked, key=lambda r: r[0])]
    # country names on either side of the border (the context's countries), drawn before the places
    for f in (context.get("countries") or {}).get("features", []) or []:
        pt = _point(f.get("geometry"))
        name = clean_text(messages.localized(f.get("properties") or {}, "name", lang), max_len=60)
        if pt and name:
            out.setdefault("countries", []).append({"name": name.upper(), "point": pt})
    return out


def _tiles(tiles: Mapping | None) -> dict | None:
    if not tiles:
        return None
    url = str(tiles.get("url", ""))
    probe = url.replace("{", "").replace("}", "")
    if not url.startswith("https://") or safe_url(probe) is None:
        raise InvalidInput(f"tile URL {url!r} must be an https URL template")
    return {"url": url, "attribution": clean_text(tiles.get("attribution", ""), max_len=300),
            "max_zoom": int(tiles.get("max_zoom") or 18), "subdomains": clean_text(tiles.get("subdomains", ""),
                                                                                   max_len=16)}


def tile_origin(tiles: Mapping | None) -> str | None:
    """The CSP source for a tile URL template (``https://*.host`` when it has a ``{s}`` subdomain)."""
    if not tiles:
        return None
    host = tiles["url"].split("/")[2]
    return "https://" + re.sub(r"^\{s\}\.", "*.", host)


def dates_of(data: Mapping) -> list[str]:
    """The ISO dates of a payload, rebuilt from its start and day steps (as ``timeline.js`` does).

    Examples
    --------
    >>> dates_of({"start": "2024-08-30", "steps": [0, 1, 2]})
    ['2024-08-30', '2024-08-31', '2024-09-02']
    """
    d = dt.date.fromisoformat(data["start"])
    out = []
    for s in data["steps"]:
        d += dt.timedelta(days=s)
        out.append(d.isoformat())
    return out


# ---- words and numbers ---------------------------------------------------------------------------------------
#: Every string a reader sees, in one place (a later issue moves them to a message catalogue). The page's script
#: gets the same dict in its data blob (``text``), so the JavaScript holds no reader-facing string of its own.
_LANG = contextvars.ContextVar("frontline_timeline_lang", default="en")


@cache
def page_text(lang: str = "en") -> dict:
    """Every string of the page in ``lang`` (from :mod:`geo.render.messages`), with the language's month names,
    date patterns and number separators; the page's script receives the same dict (``text`` in its data), so
    the JavaScript holds no reader-facing string or format of its own.

    Examples
    --------
    >>> page_text("uk")["play"], page_text("de")["day_pattern"]
    ('Відтворити', '{d}. {m} {y}')
    """
    m = messages.catalogue()[messages.check_lang(lang)]
    return {"months_short": m["months_day"], "months_long": m["months_long"], "months_axis": m["months_axis"],
            **m["timeline"],
            "hint_touch": m["hint_touch"], "hint_wheel": m["hint_wheel"], "hint_wheel_mac": m["hint_wheel_mac"],
            "thousands": m["thousands"], "decimal": m["decimal"], "day_pattern": m["day_pattern"],
            "day_month_pattern": m["day_month_pattern"], "km2_unit": m["km2"]}


def _t() -> dict:
    """The page's strings in the language being written (:func:`timeline_html` sets it)."""
    return page_text(_LANG.get())


#: the English strings (the default language), as a constant for callers that read them
TEXT = page_text("en")
#: the words of :func:`page_text` that ``timeline.js`` writes (``T.key``), the only ones its data carries: the
#: others are written by the server into the HTML (a test checks that the script asks for no other)
SCRIPT_TEXT = ("chart_axis", "chart_label", "day_pattern", "decimal", "event_marker", "hint_touch", "hint_wheel",
               "hint_wheel_mac", "km2_unit", "layer", "layer_source", "months_axis", "months_long", "months_short",
               "pause", "peak", "play", "since_peak", "thousands", "total")
SEP = " \u00b7 "


def _day_month_year(iso: str, months: str) -> str:
    t = _t()
    return t["day_pattern"].format(d=int(iso[8:10]), m=t[months][int(iso[5:7]) - 1], y=iso[:4])


def short_date(iso: str) -> str:
    """``24 Aug 2024``: the page's short date (tables, chart, controls on a phone).

    Examples
    --------
    >>> short_date("2024-08-06")
    '6 Aug 2024'
    """
    return _day_month_year(iso, "months_short")


def long_date(iso: str) -> str:
    """``24 August 2024``: the page's long date (the caption).

    Examples
    --------
    >>> long_date("2024-08-24")
    '24 August 2024'
    """
    return _day_month_year(iso, "months_long")


def date_range(first: str, last: str) -> str:
    """``12 Aug → 24 Aug 2024``; the year on both ends only when it changes; one date when they are equal.

    Examples
    --------
    >>> date_range("2024-08-12", "2024-08-24")
    '12 Aug → 24 Aug 2024'
    >>> date_range("2024-08-06", "2025-04-30")
    '6 Aug 2024 → 30 Apr 2025'
    >>> date_range("2024-08-06", "2024-08-06")
    '6 Aug 2024'
    """
    if first == last:
        return short_date(first)
    head = short_date(first)
    if first[:4] == last[:4]:
        t = _t()
        head = t["day_month_pattern"].format(d=int(first[8:10]), m=t["months_short"][int(first[5:7]) - 1])
    return f"{head} \u2192 {short_date(last)}"


def number(value: float, decimals: int = 1) -> str:
    """A figure as the page writes it: thousands separated by commas, a true minus sign, ties rounded away from
    zero on the float's exact value (as JavaScript's ``toFixed`` does, so both sides print the same digits).

    Examples
    --------
    >>> number(1252.75), number(-0.04), number(12345.25), number(96.5, 0)
    ('1,252.8', '0.0', '12,345.3', '97')
    """
    from decimal import ROUND_HALF_UP, Decimal

    q = Decimal(abs(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    t = _t()
    text = f"{q:,.{decimals}f}".replace(",", "\x00").replace(".", t["decimal"]).replace("\x00", t["thousands"])
    return ("\u2212" if value < 0 and q != 0 else "") + text


def km2(value: float) -> str:
    r"""``1,252.8 km²`` with a no-break space.

    Examples
    --------
    >>> km2(54.5)
    '54.5\xa0km²'
    """
    return number(value) + "\u00a0" + _t()["km2_unit"]


# ---- the page --------------------------------------------------------------------------------------------------
def _own(name: str) -> str:
    text = resources.files("geo.render").joinpath(name).read_text(encoding="utf-8")
    if _SCRIPT_END.search(text):
        raise InvalidInput(f"{name} contains '</script' or '</style' and cannot be inlined")
    return text


_FEATURE_RE = re.compile(r"/\* if:(\w+) \*/(.*?)/\* end:\1 \*/", re.S)


def _page_css(css: str, features: Mapping[str, bool]) -> str:
    """``timeline.css`` for one page: each block between ``/* if:FEATURE */`` and ``/* end:FEATURE */`` kept only
    where the page has that feature (its rules match nothing on a page without it: 1.6 KB of the 7 KB).

    Examples
    --------
    >>> _page_css("a{}/* if:events */b{}/* end:events */c{}", {"events": False})
    'a{}c{}'
    >>> _page_css("a{}/* if:events */b{}/* end:events */", {"events": True})
    'a{}b{}'
    """
    def keep(m):
        if m.group(1) not in features:
            raise InvalidInput(f"timeline.css names an unknown feature {m.group(1)!r}")
        return m.group(2) if features[m.group(1)] else ""

    return _FEATURE_RE.sub(keep, css)


@cache
def _script() -> str:
    """Our script as the page inlines it: ``timeline.min.js`` (``timeline.js`` with its local names shortened,
    made by ``scripts/minify-js``: :func:`geo.render.assets.minified_script`), checked to be the current source's,
    then through :func:`geo.render.assets.minify_js` (which drops its header).
    """
    return minify_js(checked_minified(_own("timeline.min.js"), "timeline.js", _own("timeline.js")))


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def _asset_sources(tags: str) -> tuple[list[str], list[str]]:
    """CSP sources the asset tags need: the origins they load from, the hashes of inline scripts."""
    origins = {m.group(1) for m in re.finditer(r'(?:src|href)="(https://[^/"]+)/', tags)}
    hashes = {_csp_hash(m.group(1)) for m in re.finditer(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", tags, re.S)}
    return sorted(origins), sorted(hashes)


def _h(value, *, max_len: int = 500) -> str:
    """Escape like :func:`geo.render.safe.html_text`, and U+2028/U+2029 as character references.

    The page holds neither raw (they end a line in JavaScript; a test asserts that none is in the file).
    """
    return html_text(value, max_len=max_len).replace("\u2028", "&#8232;").replace("\u2029", "&#8233;")


def _figures(data: Mapping, i: int) -> list[float]:
    """km² of date ``i``: one per area status, then their union."""
    return list(data["frames"][data["at"][i]]["km2"])


def _area_labels(data: Mapping) -> list[str]:
    return [data["statuses"][si]["label"] for si in data["area_statuses"]]


def _caption_html(data: Mapping, dates: list[str], i: int) -> str:
    """The caption of date ``i``, as ``timeline.js`` writes it (a browser test checks that both agree)."""
    figs = _figures(data, i)
    out = [f'<strong class="fl-caption-date">{_h(long_date(dates[i]))}</strong>']
    for si, v in zip(data["area_statuses"], figs, strict=False):
        st = data["statuses"][si]
        out.append(f'<span class="fl-fig" data-status="{_h(st["key"])}">'
                   f'{_h(st["label"])}: {_h(km2(v))}</span>')
    out.append(f'<span class="fl-fig fl-fig-total" data-status="total">{_h(_t()["total"])}: '
               f'{_h(km2(figs[-1]))}</span>')
    peak_total = _figures(data, data["peak"])[-1]
    if i > data["peak"] and peak_total > 0:
        lost = peak_total - figs[-1]
        text = _t()["since_peak"].format(km2=km2(-lost), pct=number(100 * lost / peak_total, 0))
        out.append(f'<span class="fl-fig fl-fig-peak">{_h(text)}</span>')
    return SEP.join(out)


def _layer_text(data: Mapping, dates: list[str], i: int) -> str:
    frame = data["frames"][data["at"][i]]
    text = _t()["layer"].format(date=short_date(dates[i]), version=frame["version"])
    source = data["sources"][frame["source"]]
    return text + (SEP + _t()["layer_source"].format(source=source) if source else "")


def _legend_html(data: Mapping) -> str:
    """Every fill and line of the map and the chart: the statuses, the chart's total, the events."""
    items = []
    for i, st in enumerate(data["statuses"]):
        kind = "line" if st["kind"] == "line" else "area"
        items.append(f'<li><span class="fl-swatch fl-swatch-{kind} fl-swatch-s{i}" '
                     f'aria-hidden="true"></span><span class="fl-legend-label">{_h(st["label"])}</span></li>')
    total = _t()["total_legend"].format(labels=" + ".join(_area_labels(data)))
    items.append('<li><span class="fl-swatch fl-swatch-total" aria-hidden="true"></span>'
                 f'<span class="fl-legend-label">{_h(total)}</span></li>')
    if data.get("compare"):
        label = _t()["compare_legend"].format(name=data["compare"]["label"])
        items.append('<li><span class="fl-swatch fl-swatch-compare" aria-hidden="true">'
                     f'</span><span class="fl-legend-label">{_h(label)}</span></li>')
    if data["events"]:
        items.append('<li><span class="fl-swatch fl-swatch-event" aria-hidden="true">'
                     f'</span><span class="fl-legend-label">{_h(_t()["event"])}</span></li>')
    return '<ul class="fl-legend">' + "".join(items) + "</ul>"


def compare_series(theatre_b, areas_b: Sequence[Mapping]) -> dict:
    """A second source's union over its dates, for the chart (``timeline --compare B``): its title, its first
    date and day steps (as the page's own dates), and its totals in km² (1e-3).

    Examples
    --------
    >>> from geo.theatre import Theatre, Status
    >>> t = Theatre("b", "Source B", (Status("held", "Held", "#112233"),))
    >>> compare_series(t, [{"date": "2024-08-06", "total_km2": 1.0}, {"date": "2024-08-09", "total_km2": 2.5}])
    {'label': 'Source B', 'start': '2024-08-06', 'steps': [0, 3], 'totals': [1.0, 2.5]}
    """
    rows = sorted(areas_b, key=lambda r: r["date"])
    if not rows:
        raise InvalidInput("the compared theatre has no layer in the page's range")
    first = dt.date.fromisoformat(rows[0]["date"])
    days = [(dt.date.fromisoformat(r["date"]) - first).days for r in rows]
    return {"label": clean_text(theatre_b.title, max_len=200), "start": rows[0]["date"],
            "steps": [0] + [b - a for a, b in zip(days, days[1:], strict=False)],
            "totals": [round(float(r["total_km2"]), 3) for r in rows]}


def _swatch_css(data: Mapping) -> str:
    """The legend's colours as CSS rules (by status index; colours are ``#rrggbb`` or a neutral grey)."""
    rules = []
    for i, st in enumerate(data["statuses"]):
        colour = st["colour"] if re.fullmatch(r"#[0-9a-fA-F]{6}", st["colour"]) else "#444444"
        rules.append(f".fl-swatch-s{i}{{--fl-colour:{colour}}}")
    return "\n".join(rules) + "\n"


def _table_html(data: Mapping, dates: list[str]) -> str:
    """The figures of every date, one row per run of dates with the same figures (``12 Aug → 14 Aug 2024``)."""
    labels = _area_labels(data) + [_t()["total"]]
    head = f'<th scope="col">{_h(_t()["date_column"])}</th>' + "".join(
        f'<th scope="col">{_h(_t()["km2_column"].format(label=label))}</th>' for label in labels)
    rows = []
    start = 0
    for i in range(1, len(dates) + 1):
        if i < len(dates) and _figures(data, i) == _figures(data, start):
            continue
        cells = "".join(f"<td>{number(v)}</td>" for v in _figures(data, start))
        # each date kept whole (no-break spaces); a narrow table breaks a range at its arrow only
        span = date_range(dates[start], dates[i - 1]).replace(" ", "\u00a0").replace("\u00a0\u2192\u00a0", " \u2192 ")
        rows.append(f'<tr><th scope="row">{_h(span)}</th>{cells}</tr>')
        start = i
    summary = _t()["table_summary"].format(range=date_range(dates[0], dates[-1]))
    return ('<details class="fl-figures">\n'
            f"<summary>{_h(summary)}</summary>\n"
            f'<table class="fl-table">\n<caption>{_h(_t()["table_caption"])}</caption>\n'
            f"<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>\n</details>")


def _events_html(events: Sequence[Mapping], shown: str) -> str:
    """The list of events, in the HTML (readable without the script, which turns each date into a button).

    A link is an http(s) URL (:func:`geo.render.safe.safe_url`, already applied) and opens in a new tab without an
    opener or a referrer: the page is embedded in an article's iframe.
    """
    items = []
    for ev in events:
        cls = " fl-current" if ev["date"] == shown else " fl-future" if ev["date"] > shown else ""
        parts = [f'<span class="fl-event-date">{_h(short_date(ev["date"]))}</span>',
                 f'<strong class="fl-event-title">{_h(ev["title"])}</strong>']
        if ev["text"]:
            parts.append(f'<span class="fl-event-text">{_h(ev["text"])}</span>')
        if ev["url"]:
            parts.append(f'<a class="fl-link" href="{_h(ev["url"], max_len=2000)}" target="_blank" '
                         f'rel="noopener noreferrer nofollow">{_h(ev["source"] or _t()["source"])}</a>')
        elif ev["source"]:
            parts.append(f'<span class="fl-source">{_h(ev["source"])}</span>')
        items.append(f'<li class="fl-event{cls}">' + " ".join(parts) + "</li>")
    return '<ol id="fl-event-list" class="fl-event-list">\n' + "\n".join(items) + "\n</ol>"


def _attribution_text(data: Mapping) -> str:
    lines = list(data["attribution"])
    if data.get("tiles") and data["tiles"].get("attribution"):
        lines.append(data["tiles"]["attribution"])
    return SEP.join(lines + [_t()["method"]])


def _split_assets(tags: str, mode_cdn: bool) -> tuple[str, str]:
    """The asset tags for the head and for the end of the body.

    Loaded from a CDN, the stylesheet and the script go at the end of the body, the script ``defer``: a slow or
    unreachable CDN then holds up nothing the reader needs (title, caption, figures, attribution), which a
    ``<link>`` or ``<script>`` in the head would (the parser waits for them). Inline assets stay in the head.
    """
    if not mode_cdn:
        return tags.strip(), ""
    return "", tags.strip().replace("<script src=", "<script defer src=")


def timeline_html(data: Mapping, *, asset_tags: str, static_map: str | None = None,
                  last_update: tuple[str, str] | None = None, theme: str = "light", lang: str = "en",
                  image: str | None = None) -> str:
    """Write the page (:func:`_page`) in the readers' language ``lang`` (:mod:`geo.render.messages`); ``image``
    is the URL of its social card (``og:image``, a large Twitter card).
    """
    token = _LANG.set(messages.check_lang(lang))
    try:
        return _page(data, asset_tags=asset_tags, static_map=static_map, last_update=last_update, theme=theme,
                     lang=lang, image=image)
    finally:
        _LANG.reset(token)


def _page(data: Mapping, *, asset_tags: str, static_map: str | None, last_update: tuple[str, str] | None,
          theme: str, lang: str, image: str | None = None) -> str:
    """Write the page: the assets' tags, our CSS and JS inline, the data as one escaped JSON blob, and the part of
    the page that needs no script (title, caption and figures of the opening date, legend, table, attribution).

    Parameters
    ----------
    data : mapping
        The result of :func:`timeline_data`.
    asset_tags : str
        The ``<link>``/``<script>`` (or inline ``<style>``/``<script>``) tags of the pinned Leaflet, as made by
        :mod:`geo.render.assets` (trusted HTML: it never contains data).
    static_map : str, optional
        The server-drawn SVG of the opening date (:func:`geo.render.static_map.map_svg`: our own markup, every
        text in it escaped), shown without JavaScript or Leaflet and in print.
    last_update : (str, str), optional
        ``(asked, last)`` under ``--in-force`` when the last layer drawn is older than ``--to``: the page says
        "last update" with the last layer's date.
    theme : {"light", "dark", "auto"}
        The page's theme (:mod:`geo.render.theme`).

    Returns
    -------
    str
        The whole HTML document.
    """
    css = minify_css(_page_css(_own("timeline.css"), {
        "events": bool(data["events"]), "compare": bool(data.get("compare")), "stale": bool(last_update),
        "countries": bool((data.get("context") or {}).get("countries"))}) + _swatch_css(data)
        + theme_css(theme, "timeline-dark.css"))
    js = _script()
    # the events' texts, sources and links are in the HTML (_events_html); the script needs only their dates,
    # titles (chart and map labels) and points; of the page's words, only those it writes (SCRIPT_TEXT)
    text = {k: _t()[k] for k in SCRIPT_TEXT}
    if text["months_axis"] == text["months_short"]:  # the same words (English): the script takes the short ones
        del text["months_axis"]
    blob = script_json(pack_payload({**data, "text": text,
                                     "events": [{k: e[k] for k in ("date", "title", "point")}
                                                for e in data["events"]]}))
    if "</" in blob:
        raise InvalidInput("escaped data blob still contains '</'")  # unreachable: '<' is \\u003c
    origins, hashes = _asset_sources(asset_tags)
    tile = tile_origin(data.get("tiles"))
    script_src = " ".join(origins + hashes + [_csp_hash(js)])
    style_src = " ".join(origins + ["'unsafe-inline'"])  # Leaflet positions every layer with inline styles
    img_src = " ".join(["data:"] + ([tile] if tile else []))
    csp = (f"default-src 'none'; script-src {script_src}; style-src {style_src}; img-src {img_src}; "
           "font-src 'none'; connect-src 'none'; frame-src 'none'; object-src 'none'; base-uri 'none'; "
           "form-action 'none'")
    head_assets, body_assets = _split_assets(asset_tags, bool(origins))
    dates = dates_of(data)
    n = len(dates)
    i = data["open"]
    peak = data["peak"]
    title = _h(data.get("title", ""), max_len=200)
    description = _h(_t()["description"].format(
        title=data.get("title", ""), range=date_range(dates[0], dates[-1]), date=long_date(dates[peak]),
        km2=km2(_figures(data, peak)[-1])), max_len=500)
    date_long, date_short = _h(long_date(dates[i])), _h(short_date(dates[i]))
    t = {k: _h(v) for k, v in _t().items() if isinstance(v, str)}
    stale = ""
    if last_update:
        words = _t()["last_update"].format(date=short_date(last_update[1]), asked=short_date(last_update[0]))
        stale = f'<p class="fl-stale">{_h(words)}</p>\n'
    events = (f'<section class="fl-events" aria-labelledby="fl-events-h">\n'
              f'<h2 id="fl-events-h">{t["events"]}</h2>\n{_events_html(data["events"], dates[i])}\n'
              "</section>\n") if data["events"] else ""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{_h(lang)}" data-theme="{_h(theme)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_h(csp, max_len=100_000)}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{title}</title>\n"
        f'<meta name="description" content="{description}">\n'
        f'<meta property="og:title" content="{title}">\n'
        f'<meta property="og:description" content="{description}">\n'
        '<meta property="og:type" content="website">\n'
        + (f'<meta property="og:image" content="{_h(image, max_len=2000)}">\n'
           '<meta name="twitter:card" content="summary_large_image">\n' if image else
           '<meta name="twitter:card" content="summary">\n')
        + (f"{head_assets}\n" if head_assets else "")
        + f"<style>\n{css}</style>\n"
        "</head>\n<body>\n"
        '<main class="fl-timeline">\n'
        f'<h1 class="fl-title">{title}</h1>\n'
        f'<p id="fl-caption" class="fl-caption">{_caption_html(data, dates, i)}</p>\n'
        f"{stale}"
        f'<p class="fl-layer"><span id="fl-layer">{_h(_layer_text(data, dates, i))}</span>'
        f'<span class="fl-needs-live fl-permalink-wrap">{SEP}<a id="fl-permalink" class="fl-permalink" '
        f'href="#{dates[i]}">{t["permalink"]}</a></span></p>\n'
        '<div class="fl-body">\n<div class="fl-main">\n'
        f'<div class="fl-static-map" id="fl-static-map">{static_map or ""}</div>\n'
        f'<section id="fl-map" class="fl-map fl-needs-live" aria-label="{t["map_label"]}"></section>\n'
        '<div class="fl-controls fl-needs-live">\n'
        f'<button id="fl-play" type="button" class="fl-button fl-play"><span class="fl-icon" aria-hidden="true">'
        f'</span><span class="fl-play-label">{t["play"]}</span></button>\n'
        f'<button id="fl-prev" type="button" class="fl-button" aria-label="{t["prev"]}">&#8249;</button>\n'
        f'<input id="fl-slider" class="fl-slider" type="range" min="0" max="{max(n - 1, 0)}" step="1" '
        f'value="{i}" aria-label="{t["slider"]}" aria-valuetext="{date_long}">\n'
        f'<button id="fl-next" type="button" class="fl-button" aria-label="{t["next"]}">&#8250;</button>\n'
        f'<output id="fl-date" class="fl-date" for="fl-slider"><span class="fl-date-long">{date_long}</span>'
        f'<span class="fl-date-short">{date_short}</span></output>\n'
        "</div>\n</div>\n"
        '<div class="fl-side">\n'
        '<div id="fl-chart" class="fl-chart fl-needs-live"></div>\n'
        f"{_legend_html(data)}\n"
        "</div>\n</div>\n"
        f'<p class="fl-fallback-note">{t["fallback"]}</p>\n'
        f"{_table_html(data, dates)}\n"
        f"{events}"
        f'<footer id="fl-attribution" class="fl-attribution">{_h(_attribution_text(data), max_len=5000)}'
        "</footer>\n"
        "</main>\n"
        + (f"{body_assets}\n" if body_assets else "")
        + f'<script type="application/json" id="fl-data">{blob}</script>\n'
        f"<script>{js}</script>\n"
        "</body>\n</html>\n"
    )
