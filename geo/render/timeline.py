"""Pure: one HTML page for a whole dated series: map, date slider, area chart, dated events.

This module takes plain data (the theatre's settings, the dated layers as GeoJSON dicts, their areas, the
events and context as GeoJSON dicts) and returns a string. It opens no file and imports no folium; the command
(``geo.commands.timeline``) reads the store and the pinned assets and passes them in.

Decisions, written down because nobody was there to ask
------------------------------------------------------
*Our own page, not folium's TimestampedGeoJson.* TimestampedGeoJson stores every day in full (60 days of one
5,000-vertex polygon: 10.7 MB) and pulls jQuery, jQuery UI, moment and leaflet-timedimension from CDNs. The page
here is HTML, pinned Leaflet 1.9.4 (through :mod:`geo.render.assets`) and ``timeline.js`` / ``timeline.css`` of
ours, always inlined (they are small and there is no CDN copy of them to pin).

*Each distinct part is stored once.* Every feature is split into its parts (polygons, line strings), each part
quantised to about 1 m with ``shapely.set_precision(part, 1e-5)`` in lon/lat (topology-safe; plain rounding can
make large polygons invalid) and normalised, so that the same ground drawn from another start vertex is the
same part. A *frame* is what one date shows: its set of parts, its km² and the version and source of its layer.
Frames are stored once too and each date names its frame, so a layer identical to another date's costs one
small integer; identical parts shared by different dates cost nothing more. Dates are stored as day steps from
the first date.

*Coordinates* are integers in units of 1e-5 degree, lon before lat, delta-encoded along each ring or line
(first vertex absolute, then differences): about 9 bytes a vertex instead of 22 for decimal text. Polygon rings
drop their closing vertex (Leaflet closes them). The one conversion to Leaflet's (lat, lon) order is
``decode`` in ``timeline.js``.

*Lines are drawn, never filled or measured.* Statuses of kind ``line`` (the contact line) are parts like the
others, drawn as polylines above the areas; the caption and the chart show area statuses and their union only.

*An empty layer is a real layer* ("nothing held that day"): a frame with no parts and 0 km².

*Text is data.* Every string from data (title, labels, sources, notes, event texts, place names, attribution)
goes through :func:`geo.render.safe.clean_text` here and reaches the page only inside the JSON blob
(:func:`geo.render.safe.script_json`: ``<``, ``>``, ``&``, U+2028/9 and ``{{`` escaped), which ``timeline.js``
writes with ``textContent``; never ``innerHTML``. Only the title is also written into ``<title>`` and ``<h1>`` on
the server side, through :func:`geo.render.safe.html_text`. Event links pass :func:`geo.render.safe.safe_url`
(http(s) only) or are dropped. Leaflet's own attribution control is switched off because it inserts HTML; ours
uses ``textContent``.

*Sources.* A layer's recorded source is often a local file path; the page shows a source only when it is a URL or
a plain text (``DeepStateMap daily``), never a path (:func:`display_source`): a path reveals the editor's folders,
and a per-date file name would cost bytes on every date. The theatre's attribution lines name the data's origin.

*Events* are kept when their date is a valid date inside the page's first..last date; they are sorted by date
then title. An event shows on the chart as a marker at its date, and, when it has a point, on the map as a
circle from its date onwards (the events of the shown date are drawn larger).

*The opening date* is the date in the URL's hash (``#2024-08-24``) or, if the hash names a date without a
layer, the latest date before it (the layer then in force); without a hash, the latest date.

*The peak* is the first date on which the union of the area statuses is largest.

*Determinism.* Sorted keys, integer coordinates, areas rounded to 1e-3 km², no ids or times generated: the
same inputs give the same bytes.

*A Content-Security-Policy* meta element allows our two inline elements by hash, the CDN origin in CDN mode,
images from the tile host (and ``data:``), and nothing else: no request can leave the file with inline assets and
no tiles, whatever a payload tries.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import math
import re
from collections.abc import Mapping, Sequence
from importlib import resources

from ..errors import InvalidInput
from .assets import squeeze
from .geometry import SCALE, context_tolerance, encode_part, expand, for_context, lines, quantise
from .safe import clean_text, html_text, safe_url, script_json

SCHEMA = "frontline.timeline/v1"
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_FILE_RE = re.compile(r"\.((geo)?json|gpkg|kml|kmz|shp|fgb|zip|csv)$", re.IGNORECASE)
_SCRIPT_END = re.compile(r"</(script|style)", re.IGNORECASE)


# ---- geometry --------------------------------------------------------------------------------------------------
def _parts(geometry: dict | None, kind: str) -> list:
    """Quantised, normalised parts of a GeoJSON geometry: polygons for area statuses, lines for line statuses."""
    import shapely

    if not geometry:
        return []
    g = shapely.from_geojson(json.dumps(geometry))
    if g.is_empty:
        return []
    want = ("Polygon",) if kind == "area" else ("LineString", "LinearRing")
    out = []
    for p in shapely.get_parts(g):
        if p.geom_type == "GeometryCollection" or p.geom_type.startswith("Multi"):
            out.extend(_parts(json.loads(shapely.to_geojson(p)), kind))
            continue
        if p.geom_type == "LinearRing":
            p = shapely.LineString(p.coords)
        if p.geom_type not in want:
            continue
        q = quantise(p)
        for qp in shapely.get_parts(q):  # a polygon can split when snapped to the grid
            if qp.geom_type in want and not qp.is_empty:
                out.append(shapely.normalize(qp))
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
def timeline_data(theatre, layers: Sequence[Mapping], areas: Sequence[Mapping], *, events: Mapping | None = None,
                  context: Mapping[str, Mapping | None] | None = None, tiles: Mapping | None = None,
                  start: str | None = None) -> dict:
    """Build the page's data: distinct parts, distinct frames, one frame index per date, events, context.

    Parameters
    ----------
    theatre : geo.theatre.Theatre
        Title, statuses (key, label, colour, kind), attribution lines.
    layers : sequence of mappings
        One per date: ``date`` (``YYYY-MM-DD``), ``collection`` (GeoJSON FeatureCollection, each feature's
        ``properties.status`` a key of the vocabulary), and optionally ``version`` and ``source``.
    areas : sequence of mappings
        Rows of :func:`geo.measure.compute_areas` (``date``, ``areas_km2``, ``total_km2``), one per layer.
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
        Plain JSON-able data under ``schema`` ``frontline.timeline/v1``.

    Raises
    ------
    InvalidInput
        No layers, a date twice, a date without its area row, a status outside the vocabulary, or a ``start``
        before the first layer.

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
    >>> data["start"], data["steps"], data["at"], len(data["parts"])
    ('2024-08-06', [0, 1, 1], [0, 1, 1], 1)
    >>> data["frames"][0]["parts"], data["peak"], data["open"]
    ([], 1, 1)
    >>> timeline_data(t, [{"date": "2024-08-06", "collection": empty}], rows[:1], start="2024-09-01")["open"]
    0
    """
    if not layers:
        raise InvalidInput("nothing to draw: no dated layers")
    statuses = list(theatre.statuses)
    index = {s.key: i for i, s in enumerate(statuses)}
    kinds = {s.key: s.kind for s in statuses}
    area_keys = [s.key for s in statuses if s.kind == "area"]
    by_date = {}
    for row in areas:
        by_date[row["date"]] = row
    layers = sorted(layers, key=lambda x: x["date"])
    parts: list = []
    part_ids: dict[str, int] = {}
    frames: list = []
    frame_ids: dict[str, int] = {}
    sources: list[str] = []
    source_ids: dict[str, int] = {}
    dates: list[str] = []
    at: list[int] = []
    totals: list[float] = []
    for layer in layers:
        date = _valid_date(layer.get("date"))
        if date is None:
            raise InvalidInput(f"invalid layer date {layer.get('date')!r}")
        if dates and date == dates[-1]:
            raise InvalidInput(f"two layers for {date}")
        row = by_date.get(date)
        if row is None:
            raise InvalidInput(f"no areas for {date}: measure every layer drawn")
        ids = set()
        for f in layer["collection"].get("features", []):
            st = (f.get("properties") or {}).get("status")
            if st not in index:
                raise InvalidInput(f"{date}: status {st!r} is not in the vocabulary ({', '.join(index)})")
            for p in _parts(f.get("geometry"), kinds[st]):
                enc = encode_part(p)
                if enc is None:
                    continue
                rec = [index[st], enc[0], enc[1]]
                key = json.dumps(rec, separators=(",", ":"))
                if key not in part_ids:
                    part_ids[key] = len(parts)
                    parts.append(rec)
                ids.add(part_ids[key])
        km2 = [round(float(row["areas_km2"].get(k, 0.0)), 3) for k in area_keys]
        total = round(float(row["total_km2"]), 3)
        src = display_source(layer.get("source", ""))
        if src not in source_ids:
            source_ids[src] = len(sources)
            sources.append(src)
        frame = {"parts": sorted(ids), "km2": km2 + [total], "version": int(layer.get("version") or 0),
                 "source": source_ids[src]}
        fkey = json.dumps(frame, sort_keys=True, separators=(",", ":"))
        if fkey not in frame_ids:
            frame_ids[fkey] = len(frames)
            frames.append(frame)
        dates.append(date)
        at.append(frame_ids[fkey])
        totals.append(total)
    first = dt.date.fromisoformat(dates[0])
    days = [(dt.date.fromisoformat(d) - first).days for d in dates]
    steps = [0] + [b - a for a, b in zip(days, days[1:], strict=False)]
    peak = max(range(len(totals)), key=lambda i: (totals[i], -i))
    opening = peak if start is None else _on_or_before(dates, start)
    bounds = _bounds(parts, theatre)
    return {
        "schema": SCHEMA,
        "theatre": theatre.name,
        "title": clean_text(theatre.title, max_len=200),
        "statuses": [{"key": s.key, "label": clean_text(s.label, max_len=80), "colour": s.colour, "kind": s.kind}
                     for s in statuses],
        "area_statuses": [index[k] for k in area_keys],
        "attribution": [clean_text(a, max_len=300) for a in theatre.attribution],
        "start": dates[0],
        "steps": steps,
        "at": at,
        "frames": frames,
        "parts": parts,
        "sources": sources,
        "peak": peak,
        "open": opening,
        "bounds": bounds,
        "events": _events(events, dates[0], dates[-1]),
        "context": _context(context or {}, bounds),
        "tiles": _tiles(tiles),
    }


def _on_or_before(dates: list[str], start: str) -> int:
    """Index of the latest date on or before ``start``; InvalidInput if ``start`` is not a date or is before all."""
    day = _valid_date(start)
    if day is None:
        raise InvalidInput(f"invalid start date {start!r}: use YYYY-MM-DD")
    if day < dates[0]:
        raise InvalidInput(f"start date {day} is before the first layer ({dates[0]})")
    return max(i for i, d in enumerate(dates) if d <= day)


def _bounds(parts: list, theatre) -> list[int]:
    """[west, south, east, north] in integer 1e-5 degrees of every area part of the series.

    Of every line part if there is no area part; else the theatre's bbox.
    """
    w = s = math.inf
    e = n = -math.inf
    chosen = [p for p in parts if p[1] == "P"] or parts
    for _, _, rings in chosen:
        for ring in rings:
            x = y = 0
            for i in range(0, len(ring), 2):
                x += ring[i]
                y += ring[i + 1]
                w, e, s, n = min(w, x), max(e, x), min(s, y), max(n, y)
    if w == math.inf:
        if theatre.bbox:
            return [round(v * SCALE) for v in theatre.bbox]
        return [-18000000, -8500000, 18000000, 8500000]
    return [w, s, e, n]


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


def _context(context: Mapping, bounds: list[int]) -> dict:
    """Context for orientation: border and outlines as lines, clipped to the view (the parts' bounds and half
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
    fc = context.get("settlements") or {}
    for f in fc.get("features", []) or []:
        pt = _point(f.get("geometry"))
        name = clean_text((f.get("properties") or {}).get("name"), max_len=80)
        if pt and name:
            out["places"].append({"name": name, "point": pt})
    out["places"].sort(key=lambda p: (p["name"], p["point"]))
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


# ---- the page --------------------------------------------------------------------------------------------------
def _own(name: str) -> str:
    text = resources.files("geo.render").joinpath(name).read_text(encoding="utf-8")
    if _SCRIPT_END.search(text):
        raise InvalidInput(f"{name} contains '</script' or '</style' and cannot be inlined")
    return text


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def _asset_sources(tags: str) -> tuple[list[str], list[str]]:
    """CSP sources the asset tags need: the origins they load from, the hashes of inline scripts."""
    origins = {m.group(1) for m in re.finditer(r'(?:src|href)="(https://[^/"]+)/', tags)}
    hashes = {_csp_hash(m.group(1)) for m in re.finditer(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", tags, re.S)}
    return sorted(origins), sorted(hashes)


def timeline_html(data: Mapping, *, asset_tags: str) -> str:
    """Write the page: the assets' tags, our CSS and JS inline, the data as one escaped JSON blob.

    Parameters
    ----------
    data : mapping
        The result of :func:`timeline_data`.
    asset_tags : str
        The ``<link>``/``<script>`` (or inline ``<style>``/``<script>``) tags of the pinned Leaflet, as made by
        :mod:`geo.render.assets` (trusted HTML: it never contains data).

    Returns
    -------
    str
        The whole HTML document.
    """
    css = squeeze(_own("timeline.css"))
    js = squeeze(_own("timeline.js"))
    blob = script_json(data)
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
    title = html_text(data.get("title", ""), max_len=200)
    n = len(data["steps"])
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{html_text(csp, max_len=100_000)}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{title}</title>\n"
        f"{asset_tags.strip()}\n"
        f"<style>\n{css}</style>\n"
        "</head>\n<body>\n"
        '<main class="fl-timeline">\n'
        f'<h1 class="fl-title">{title}</h1>\n'
        '<div class="fl-body">\n'
        '<div id="fl-map" class="fl-map" role="region" aria-label="Map of the front line on the chosen date"></div>\n'
        '<div class="fl-side">\n'
        '<div id="fl-chart" class="fl-chart" role="group" aria-label="Area over time"></div>\n'
        '<ul id="fl-legend" class="fl-legend"></ul>\n'
        "</div>\n</div>\n"
        '<div class="fl-controls">\n'
        '<button id="fl-play" type="button" class="fl-button" aria-pressed="false">Play</button>\n'
        '<button id="fl-prev" type="button" class="fl-button" aria-label="Previous date">&#8249;</button>\n'
        f'<input id="fl-slider" class="fl-slider" type="range" min="0" max="{max(n - 1, 0)}" step="1" '
        f'value="{max(n - 1, 0)}" aria-label="Date">\n'
        '<button id="fl-next" type="button" class="fl-button" aria-label="Next date">&#8250;</button>\n'
        '<output id="fl-date" class="fl-date" for="fl-slider"></output>\n'
        '<a id="fl-permalink" class="fl-permalink" href="#">Link to this date</a>\n'
        "</div>\n"
        '<p id="fl-caption" class="fl-caption" aria-live="polite"></p>\n'
        '<p id="fl-layer" class="fl-layer"></p>\n'
        '<section class="fl-events" aria-labelledby="fl-events-h">\n'
        '<h2 id="fl-events-h">Events</h2>\n<ol id="fl-event-list" class="fl-event-list"></ol>\n</section>\n'
        '<footer id="fl-attribution" class="fl-attribution"></footer>\n'
        "<noscript><p>This page needs JavaScript to draw the map and the chart.</p></noscript>\n"
        "</main>\n"
        f'<script type="application/json" id="fl-data">{blob}</script>\n'
        f"<script>{js}</script>\n"
        "</body>\n</html>\n"
    )
