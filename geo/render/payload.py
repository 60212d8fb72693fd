"""Pure: the plain data a map page shows, and the words and figures around it.

:func:`map_payload` turns a theatre, a layer and its figures into one JSON-ready dict (the *payload*): geometry
quantised and ready for Leaflet, tooltip lines, legend entries, caption, attribution. The page's own script
(``frontline.js``) draws it, putting every text in with ``textContent``; :mod:`geo.render.mapping` wraps it in a
folium map; the matplotlib fallback of :mod:`geo.render.embed` draws the same payload; the timeline (issue 5)
can reuse it per date. Nothing here opens a file or imports folium.

Words and figures (decided here, used by the caption, the legend and the alt text alike):

* km² figures: thousands separated by commas, no decimals from 100 km² up, one decimal below
  (:func:`format_km2`); percentages to the whole percent (one decimal below 10%).
* caption: ``"Ukrainian-held: 1,253 km² · Contested: 400 km² · retaken since the peak (1,376 km², 2024-08-29):
  12%"``; with a change, ``"since 2024-08-12: 35 km² gained, 12 km² lost"`` is added.
* change styles: ground gained in solid dark indigo (:data:`GAINED_COLOUR`: newly held ground, darker than the
  held fill), ground lost in crimson, hatched, with a dashed edge (:data:`LOST_COLOUR`; the hatching and the dash
  are its second cue); the change drawn is that of ``change_status`` (default ``"union"``: every area status
  together, i.e. the ground held moved), so that overlapping per-status changes are not stacked.
* the palette (decided from measurement, ``tests/render/test_palette.py``): every pair of the default area
  classes (held, contested, gained, and lost) is at least ΔE 20 apart in CAM02-UCS, as drawn (each fill
  composited at its opacity over the map's background), under normal vision and simulated deuteranopia,
  protanopia and tritanopia (Machado 2009 at full severity, through colorspacious), except the pairs with the
  lost fill, which cannot be kept apart from both blue and indigo under protanopia and carries hatching and a
  dashed edge instead. The bundled theatre's contested colour is amber for the same reason: its former grey was
  ΔE 15 from the held blue under protanopia.
* dates: one style on every map, ``24 Aug 2024`` (:func:`format_day`), and ``12 Aug → 24 Aug 2024`` for a
  change (:func:`format_span`); sentences (alt text, description) write the month in full
  (:func:`format_date`).
* places: ranked by an explicit ``rank`` property (1 first), else ``population`` (largest first), else their
  ``kind`` (city, town, urban-type settlement, district centre, village), else the file's order; the map draws
  them in that order and drops a place whose label would overlap one drawn before it or leave the frame.
  Country names come from the ``countries`` context (points with a ``name``), drawn in capitals on either side
  of the border; a name whose point lies outside the frame drawn is left out (never moved, which could put it
  on the wrong side).
"""

from __future__ import annotations

import hashlib
import json
import math

from . import messages
from .geometry import (
    CONTEXT_GRID,
    NOMINAL_SIZE,
    context_tolerance,
    expand,
    for_context,
    geojson,
    leaflet_bounds,
    leaflet_latlng,
    lines,
    polygons,
    quantise,
)
from .safe import class_token, clean_text, safe_url

PAYLOAD_VERSION = 1
GAINED_COLOUR = "#1b1464"
LOST_COLOUR = "#c2185b"
#: a comparison map: the ground both sources show, and each source's own (B's hatched: its second cue)
BOTH_COLOUR = "#000000"  # at 0.45 over the map: a dark grey
ONLY_A_COLOUR = "#92c5de"
ONLY_B_COLOUR = "#e66101"
COMPARE_KINDS = ("both", "only_a", "only_b")
_COMPARE_COLOURS = {"both": BOTH_COLOUR, "only_a": ONLY_A_COLOUR, "only_b": ONLY_B_COLOUR}
BORDER_COLOUR = "#333333"
OUTLINE_COLOUR = "#8a8a8a"
PLACE_COLOUR = "#222222"
UNION = "union"
#: the catalogue's words that the page's script writes (hints, labels): carried in the payload, in its language
PAGE_WORDS = ("hint_touch", "hint_wheel", "hint_wheel_mac", "interactive_map", "km2")
CHANGE_KINDS = ("gained", "lost")
_PLACE_NAME_KEYS = ("name", "name_en", "label", "title")
#: the order of settlement kinds when no rank or population is given (substring match, first wins)
_KIND_ORDER = ("city", "town", "urban", "district", "village")


def format_km2(value: float, lang: str = "en") -> str:
    """km² as text: ``1,253`` from 100 up, ``12.3`` below, in the language's separators (:mod:`.messages`).

    Examples
    --------
    >>> format_km2(1253.4), format_km2(12.34), format_km2(0), format_km2(1148.3, "de")
    ('1,253', '12.3', '0', '1.148')
    """
    return messages.km2(value, lang)


def format_pct(value: float, lang: str = "en") -> str:
    """A percentage as text: whole percent from 10 up, one decimal below.

    Examples
    --------
    >>> format_pct(12.4), format_pct(3.25), format_pct(0.0)
    ('12%', '3.2%', '0%')
    """
    return messages.pct(value, lang)


def format_date(date: str, lang: str = "en") -> str:
    """``2024-08-24`` → ``24 August 2024`` (``24 серпня 2024``, ``24. August 2024``): dates in sentences.

    Examples
    --------
    >>> format_date("2024-08-04")
    '4 August 2024'
    """
    return messages.long_date(date, lang)


def format_day(date: str, lang: str = "en") -> str:
    """``2024-08-24`` → ``24 Aug 2024``: the one date style of the maps' headings, labels and captions.

    Examples
    --------
    >>> format_day("2024-08-04"), format_day("2024-08-04", "uk")
    ('4 Aug 2024', '4 серпня 2024')
    """
    return messages.day(date, lang)


def format_span(since: str | None, date: str, lang: str = "en") -> str:
    """The dates of a map: ``24 Aug 2024``, or for a change ``12 Aug → 24 Aug 2024`` (the year once where both
    dates share it).

    Examples
    --------
    >>> format_span("2024-08-12", "2024-08-24")
    '12 Aug → 24 Aug 2024'
    >>> format_span("2024-12-31", "2025-01-06")
    '31 Dec 2024 → 6 Jan 2025'
    >>> format_span(None, "2024-08-24")
    '24 Aug 2024'
    """
    return messages.span(since, date, lang)


def change_totals(changes: dict | None, status: str = UNION) -> dict:
    """km² gained and lost in a change FeatureCollection for ``status`` (``kind``/``status``/``area_km2``).

    Examples
    --------
    >>> change_totals({"features": [{"properties": {"kind": "gained", "status": "union", "area_km2": 2.5}}]})
    {'gained': 2.5, 'lost': 0.0}
    >>> change_totals(None)
    {'gained': 0.0, 'lost': 0.0}
    """
    out = {"gained": 0.0, "lost": 0.0}
    for f in (changes or {}).get("features", []):
        p = f.get("properties") or {}
        if p.get("status") == status and p.get("kind") in out:
            out[p["kind"]] += float(p.get("area_km2") or 0.0)
    return {k: round(v, 6) for k, v in out.items()}


def figures(theatre, areas_km2: dict, *, peak: dict | None = None, since: str | None = None,
            totals: dict | None = None, lang: str = "en", range_km2=None, comparison: dict | None = None
            ) -> list[str]:
    """The figures of a map as short phrases, in order: each area status, the peak, the change.

    ``peak`` is ``{"date", "total_km2", "retaken_pct"}`` (as :func:`geo.diff.peak_and_retaken` gives for a
    date); ``totals`` is :func:`change_totals` of the change since ``since``.

    Examples
    --------
    >>> from geo.theatre import Theatre, Status
    >>> t = Theatre("demo", "Demo", (Status("held", "Held", "#112233"),))
    >>> figures(t, {"held": 1253.2}, peak={"date": "2024-08-29", "total_km2": 1376.0, "retaken_pct": 8.9})
    ['Held: 1,253 km²', 'retaken since the peak (1,376 km², 29 Aug 2024): 8.9%']
    >>> figures(t, {})
    ['Held: 0 km²']
    """
    out = []
    unit = messages.msg(lang, "km2")
    for s in theatre.statuses:
        if s.kind == "area":
            out.append(messages.msg(lang, "figure", label=clean_text(s.label_in(lang)), km2=unit,
                                    value=format_km2(areas_km2.get(s.key, 0.0), lang)))
    if range_km2 and getattr(theatre, "claimed_statuses", ()):
        low = [clean_text(s.label_in(lang)) for s in theatre.statuses if s.kind == "area" and s.certainty != "claimed"]
        high = [clean_text(s.label_in(lang)) for s in theatre.statuses if s.kind == "area"]
        joiner = f" {messages.msg(lang, 'and')} "
        out.append(messages.msg(lang, "range", low=format_km2(range_km2[0], lang), high=format_km2(range_km2[1], lang),
                                km2=unit, low_label=joiner.join(low), high_label=joiner.join(high)))
    if comparison:
        u = comparison["union"]
        out.append(messages.msg(lang, "compare_caption", both=format_km2(u["both_km2"], lang), km2=unit,
                                a=comparison["a"], b=comparison["b"], only_a=format_km2(u["only_a_km2"], lang),
                                only_b=format_km2(u["only_b_km2"], lang),
                                iou=messages.number(u["iou"], 2, lang) if u.get("iou") is not None else "–"))
    if peak and peak.get("retaken_pct") is not None:
        out.append(messages.msg(lang, "retaken", value=format_km2(peak["total_km2"], lang), km2=unit,
                                date=format_day(peak["date"], lang), pct=format_pct(peak["retaken_pct"], lang)))
    if since and totals is not None:
        out.append(messages.msg(lang, "since_change", date=format_day(since, lang), km2=unit,
                                gained=format_km2(totals["gained"], lang), lost=format_km2(totals["lost"], lang)))
    return out


def caption(theatre, areas_km2: dict, **kw) -> str:
    """The caption: :func:`figures` joined with `` · ``."""
    return " · ".join(figures(theatre, areas_km2, **kw))


def alt_text(theatre, date: str, areas_km2: dict, *, title: str | None = None, requested_date: str | None = None,
             lang: str = "en", **kw) -> str:
    """One sentence describing the map for readers who cannot see it, with its figures.

    Examples
    --------
    >>> from geo.theatre import Theatre, Status
    >>> t = Theatre("demo", "Demo", (Status("held", "Held", "#112233"),))
    >>> alt_text(t, "2024-08-24", {"held": 12.0})
    'Map of Demo on 24 August 2024 showing Held: 12.0 km².'
    """
    what = clean_text(title or theatre.title_in(lang))
    figs = figures(theatre, areas_km2, lang=lang, **kw)
    body = "; ".join(figs) if figs else messages.msg(lang, "no_areas")
    if requested_date and requested_date != date:
        return messages.msg(lang, "alt_in_force", what=what, date=format_date(requested_date, lang),
                            layer=format_date(date, lang), body=body)
    return messages.msg(lang, "alt", what=what, date=format_date(date, lang), body=body)


def _bounds_of(geoms):
    import shapely

    geoms = [g for g in geoms if g is not None and not g.is_empty]
    if not geoms:
        return None
    b = shapely.total_bounds(geoms)
    return tuple(float(v) for v in b)


def _shape(geometry):
    import shapely

    if not geometry:
        return None
    try:
        g = shapely.from_geojson(json.dumps(geometry))
    except Exception:  # noqa: BLE001 - shapely raises GEOSException or ValueError for bad geometry
        return None
    if not g.is_empty and not g.is_valid:
        g = shapely.make_valid(g)  # before exploding, so that each valid part gets its own tooltip
    return g


def _place_name(props: dict, lang: str = "en") -> str:
    for k in _PLACE_NAME_KEYS:
        v = messages.localized(props, k, lang)
        if v:
            return clean_text(v, max_len=120)
    return ""


def _number(value) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def place_rank(props: dict, position: int) -> tuple:
    """The sort key of a place: explicit ``rank`` (1 first), else ``population`` (largest first), else its kind
    (city, town, urban-type settlement, district centre, village, anything else), else the file's order.

    Examples
    --------
    >>> sorted([({"kind": "village"}, 0), ({"kind": "town"}, 1), ({"rank": 1, "kind": "village"}, 2)],
    ...        key=lambda x: place_rank(*x))[0][1]
    2
    >>> place_rank({"population": "5000"}, 3) < place_rank({"population": 100}, 0)
    True
    """
    rank = _number(props.get("rank"))
    pop = _number(props.get("population"))
    kind = str(props.get("kind") or "").lower()
    k = next((i for i, word in enumerate(_KIND_ORDER) if word in kind), len(_KIND_ORDER))
    return (rank if rank is not None else math.inf, -(pop or 0.0), k, position)


def map_payload(theatre, collection: dict, *, date: str, areas_km2: dict, total_km2: float | None = None,
                sources=(), context: dict | None = None, changes: dict | None = None, since: str | None = None,
                change_status: str = UNION, peak: dict | None = None, title: str | None = None,
                size: tuple[int, int] | None = None, requested_date: str | None = None, lang: str = "en",
                range_km2=None, comparison: dict | None = None) -> dict:
    """Build the payload of one map: everything the page draws and writes, as plain JSON-ready data.

    Parameters
    ----------
    theatre : geo.theatre.Theatre
        Status vocabulary (labels, colours, kinds), title and attribution lines.
    collection : dict
        The layer (GeoJSON FeatureCollection; features carry ``properties.status``). Features of unknown
        status are skipped. Area statuses are drawn filled, one path per polygon, each with a tooltip giving
        its status and km²; line statuses are drawn as lines, never filled.
    date : str
        The layer's date (``YYYY-MM-DD``).
    areas_km2, total_km2 :
        The layer's figures (:func:`geo.area.layer_areas`); shown in the legend and caption.
    sources : iterable of dict
        The version drawn (:attr:`geo.store.Layer.sources`): ``version``, ``source``, ``note``,
        ``recorded_at``. An ``http(s)`` source becomes a link, anything else text.
    context : dict, optional
        ``{"border": FC, "outlines": FC, "settlements": FC}`` (any may be missing): clipped to the view,
        simplified for the zoom shown, drawn under the layer; settlements with their names as labels, in the
        file's order, which is their priority: a label that would overlap an earlier one is hidden.
    changes, since, change_status :
        The change FeatureCollection of :func:`geo.diff.diff_layers` (``kind``, ``status``, ``area_km2``), the
        earlier date, and which status's change to draw (default the union of area statuses).
    peak : dict, optional
        ``{"date", "total_km2", "retaken_pct"}`` for the caption.
    title : str, optional
        Default: the theatre's title.
    size : (int, int), optional
        Map size in pixels, used only to choose the simplification of the context (default 800×600).
    requested_date : str, optional
        The date asked for, when the layer drawn is the one in force on it (``--in-force``) and older: the
        dates then read ``1 Jan 2025 · last update 31 Dec 2024``, and so do the description and alt text.
    lang : str
        The readers' language (:mod:`geo.render.messages`): every word, date and number of the payload, the
        theatre's labels and title from theatre.toml and the places' ``name:LANG`` where present.
    range_km2 : (float, float), optional
        ``[assessed, assessed and claimed]`` where the theatre has claimed statuses (``area``'s ``range_km2``): the
        caption gives the range, and claimed ground is drawn hatched.
    comparison : dict, optional
        A comparison map (``map A DATE --compare B``): ``{"collections": Comparison.collections(), "union":
        {both_km2, only_a_km2, only_b_km2, iou}, "a": name of A, "b": name of B, "attribution": [B's lines],
        "sources": [B's version]}``. The ground both show is drawn in one style and each source's own in its own
        (B's hatched), instead of A's statuses; A's lines are kept; the legend and caption give the three figures.

    Returns
    -------
    dict
        JSON-ready, deterministic (same inputs, same dict); ``key`` is a digest of the content, used for
        element ids.

    Examples
    --------
    >>> from geo.theatre import Theatre, Status
    >>> t = Theatre("demo", "Demo", (Status("held", "Held", "#112233"),))
    >>> p = map_payload(t, {"type": "FeatureCollection", "features": []}, date="2024-08-24", areas_km2={})
    >>> p["features"], p["caption"]
    ([], 'Held: 0 km²')
    """
    import shapely

    from ..area import areas_km2 as measure

    lang = messages.check_lang(lang)
    unit = messages.msg(lang, "km2")
    statuses = {s.key: s for s in theatre.statuses}
    # --- layer features: polygons exploded (one tooltip per polygon), lines kept whole
    raw = []  # (order, status, geometry)
    order = {s.key: i for i, s in enumerate(theatre.statuses)}
    for f in collection.get("features", []):
        key = (f.get("properties") or {}).get("status")
        if key not in statuses:
            continue
        g = _shape(f.get("geometry"))
        if g is None or g.is_empty:
            continue
        if statuses[key].kind == "area":
            if comparison:
                continue  # the comparison's ground replaces A's statuses
            raw.extend((order[key], key, p) for p in polygons(g))
        else:
            lg = lines(g)
            if not lg.is_empty:
                raw.append((order[key], key, lg))
    # areas before lines, vocabulary order within each; stable for features in file order
    raw.sort(key=lambda r: (statuses[r[1]].kind != "area", r[0]))
    poly_idx = [i for i, r in enumerate(raw) if statuses[r[1]].kind == "area"]
    km2 = measure([raw[i][2] for i in poly_idx]) if poly_idx else []
    part_km2 = dict(zip(poly_idx, (float(v) for v in km2), strict=True))
    features = []
    for i, (_, key, g) in enumerate(raw):
        s = statuses[key]
        gj = geojson(quantise(g))
        if gj is None:
            continue
        tip = [clean_text(s.label_in(lang))]
        if s.kind == "area":
            tip.append(f"{format_km2(part_km2[i], lang)} {unit}")
        features.append({"s": class_token(key), "g": gj, "t": tip})

    # --- changes
    change_feats = []
    totals = change_totals(changes, change_status) if since else None
    if changes and since:
        label = "" if change_status == UNION else clean_text(statuses[change_status].label_in(lang)) + " "
        for f in changes.get("features", []):
            p = f.get("properties") or {}
            if p.get("status") != change_status or p.get("kind") not in CHANGE_KINDS:
                continue
            g = _shape(f.get("geometry"))
            gj = geojson(quantise(g)) if g is not None else None
            if gj is None:
                continue
            what = messages.msg(lang, f"{p['kind']}_since", status=label, date=format_day(since, lang))
            change_feats.append({"k": p["kind"], "g": gj,
                                 "t": [what[:1].upper() + what[1:],
                                       f"{format_km2(p.get('area_km2') or 0, lang)} {unit}"]})

    if comparison:
        names = {"both": messages.msg(lang, "compare_both"),
                 "only_a": messages.msg(lang, "compare_only", name=comparison["a"]),
                 "only_b": messages.msg(lang, "compare_only", name=comparison["b"])}
        for kind in COMPARE_KINDS:
            for f in comparison["collections"].get(kind, {}).get("features", []):
                p = f.get("properties") or {}
                if p.get("status") != UNION:
                    continue
                g = _shape(f.get("geometry"))
                gj = geojson(quantise(g)) if g is not None and not g.is_empty else None
                if gj is not None:
                    change_feats.append({"k": kind, "g": gj,
                                         "t": [names[kind], f"{format_km2(p.get('area_km2') or 0, lang)} {unit}"]})

    # --- the view: the layer and the change, else the theatre's bbox
    shapes = [r[2] for r in raw] + [_shape(f["g"]) for f in change_feats]
    bounds = _bounds_of(shapes) or theatre.bbox or (-180.0, -60.0, 180.0, 75.0)
    if bounds[2] - bounds[0] < 0.02 or bounds[3] - bounds[1] < 0.02:
        cx, cy = (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2
        bounds = (cx - 0.05, cy - 0.05, cx + 0.05, cy + 0.05)
    view = expand(bounds, 0.1)
    # context is clipped well beyond the view (the frame may be wider or taller than the data), so that no cut
    # edge shows at the zoom shown; half the larger side (in screen proportions at this latitude) each way
    reach = 0.5 * max(view[2] - view[0], (view[3] - view[1]) / math.cos(math.radians((view[1] + view[3]) / 2)))
    margin = (view[0] - reach, view[1] - reach / 1.6, view[2] + reach, view[3] + reach / 1.6)
    tol = context_tolerance(view, size or NOMINAL_SIZE)

    # --- context
    ctx_out: dict = {}
    context = context or {}
    legend_ctx = []
    for kind in ("outlines", "border"):
        fc = context.get(kind)
        if not fc:
            continue
        geoms = [lines(_shape(f.get("geometry"))) for f in fc.get("features", [])]
        geoms = [g for g in geoms if g is not None and not g.is_empty]
        if not geoms:
            continue
        merged = for_context(shapely.union_all(geoms), margin, tol, grid=CONTEXT_GRID)
        gj = geojson(merged)
        if gj:
            ctx_out[kind] = gj
            legend_ctx.append({"kind": kind, "label": messages.msg(lang, "state_border" if kind == "border"
                                                                    else "region_boundaries"),
                               "colour": BORDER_COLOUR if kind == "border" else OUTLINE_COLOUR, "value": ""})
    ranked = []
    for i, f in enumerate((context.get("settlements") or {}).get("features", [])):
        g = _shape(f.get("geometry"))
        props = f.get("properties") or {}
        name = _place_name(props, lang)
        if g is None or g.is_empty or g.geom_type != "Point" or not name:
            continue
        if not (margin[0] <= g.x <= margin[2] and margin[1] <= g.y <= margin[3]):
            continue
        q = quantise(g)
        ranked.append((place_rank(props, i), {"n": name, "ll": leaflet_latlng(q.x, q.y)}))
    places = [p for _, p in sorted(ranked, key=lambda r: r[0])]
    countries = []
    for f in (context.get("countries") or {}).get("features", []):
        g = _shape(f.get("geometry"))
        name = _place_name(f.get("properties") or {}, lang)
        if g is None or g.is_empty or g.geom_type != "Point" or not name:
            continue
        if margin[0] <= g.x <= margin[2] and margin[1] <= g.y <= margin[3]:
            q = quantise(g)
            countries.append({"n": name.upper(), "ll": leaflet_latlng(q.x, q.y)})
    if countries:
        ctx_out["countries"] = countries
    if places:
        ctx_out["places"] = places
        legend_ctx.append({"kind": "place", "label": messages.msg(lang, "settlement"), "colour": PLACE_COLOUR,
                           "value": ""})

    # --- legend, caption, attribution
    legend = []
    table = []
    drawn = {f["s"] for f in features}
    if comparison:
        u = comparison["union"]
        for kind, value in (("both", u["both_km2"]), ("only_a", u["only_a_km2"]), ("only_b", u["only_b_km2"])):
            legend.append({"kind": kind, "label": names[kind], "colour": _COMPARE_COLOURS[kind],
                           "value": f"{format_km2(value, lang)} {unit}"})
    for s in theatre.statuses:
        if s.kind == "area" and comparison:
            table.append({"label": clean_text(s.label_in(lang)), "km2": round(float(areas_km2.get(s.key, 0.0)), 3)})
        elif s.kind == "area":
            legend.append({"kind": "area", "s": class_token(s.key), "label": clean_text(s.label_in(lang)),
                           "colour": s.colour, "value": f"{format_km2(areas_km2.get(s.key, 0.0), lang)} {unit}",
                           **({"claimed": True} if getattr(s, "certainty", "") == "claimed" else {})})
            row = {"label": clean_text(s.label_in(lang)), "km2": round(float(areas_km2.get(s.key, 0.0)), 3)}
            if totals is not None:
                row.update(change_totals(changes, s.key))
            table.append(row)
        elif class_token(s.key) in drawn:
            legend.append({"kind": "line", "s": class_token(s.key), "label": clean_text(s.label_in(lang)),
                           "colour": s.colour, "value": ""})
    if totals is not None:
        prefix = "" if change_status == UNION else clean_text(statuses[change_status].label_in(lang)) + " "
        for kind, colour in (("gained", GAINED_COLOUR), ("lost", LOST_COLOUR)):
            text = messages.msg(lang, f"{kind}_since", status=prefix, date=format_day(since, lang))
            legend.append({"kind": kind, "label": text[:1].upper() + text[1:], "colour": colour,
                           "value": f"{format_km2(totals[kind], lang)} {unit}"})
    legend += legend_ctx

    attribution = [_credit(a) for a in theatre.attribution]
    for src in sources or ():
        v = src.get("version")
        text = clean_text(src.get("source"))
        if text:
            attribution.append({**_credit(text), "label": messages.msg(
                lang, "credit_layer", date=clean_text(date), version=f" v{int(v)}" if v else "")})
        note = clean_text(src.get("note"))
        if note:
            attribution.append({"label": messages.msg(lang, "credit_note"), "text": note, "href": None})
    if comparison:
        attribution += [{**_credit(a), "label": f"{comparison['b']}: "} for a in comparison.get("attribution", ())]
        for src in comparison.get("sources", ()):
            text = clean_text(src.get("source"))
            if text:
                attribution.append({**_credit(text), "label": f"{comparison['b']}: " + messages.msg(
                    lang, "credit_layer", date=clean_text(src.get("date", date)),
                    version=f" v{int(src['version'])}" if src.get("version") else "")})

    payload = {
        "v": PAYLOAD_VERSION,
        "lang": lang,
        "title": clean_text(title or theatre.title_in(lang)),
        "date": clean_text(date),
        "dateText": format_day(date, lang),
        "span": format_span(since, requested_date or date, lang) + (
            " · " + messages.msg(lang, "last_update", date=format_day(date, lang))
            if requested_date and requested_date != date else ""),
        "requested": clean_text(requested_date) if requested_date and requested_date != date else None,
        "since": clean_text(since) if since else None,
        "description": alt_text(theatre, date, areas_km2, title=title, peak=peak, since=since, totals=totals,
                                requested_date=requested_date, lang=lang, range_km2=range_km2,
                                comparison=comparison),
        "caption": caption(theatre, areas_km2, peak=peak, since=since, totals=totals, lang=lang,
                           range_km2=range_km2, comparison=comparison),
        "total": None if total_km2 is None else round(float(total_km2), 6),
        "table": {"rows": table, "total": None if total_km2 is None else round(float(total_km2), 3),
                  "change": totals, "since": format_day(since, lang) if since else None},
        "words": {k: messages.msg(lang, k) for k in PAGE_WORDS},
        "statuses": {class_token(s.key): {"label": clean_text(s.label_in(lang)), "colour": s.colour, "kind": s.kind,
                                          "claimed": getattr(s, "certainty", "assessed") == "claimed"}
                     for s in theatre.statuses},
        "features": features,
        "changes": change_feats,
        "context": ctx_out,
        "legend": legend,
        "attribution": attribution,
        "bounds": leaflet_bounds(view),
        "colours": {"gained": GAINED_COLOUR, "lost": LOST_COLOUR, "border": BORDER_COLOUR,
                    "outlines": OUTLINE_COLOUR, "place": PLACE_COLOUR, **_COMPARE_COLOURS},
    }
    payload["key"] = payload_key(payload)
    return payload


def payload_key(payload: dict) -> str:
    """A 12-hex digest of the payload's content (without ``key``), used to derive element ids."""
    body = {k: v for k, v in payload.items() if k != "key"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _credit(text: str) -> dict:
    text = clean_text(text)
    return {"label": "", "text": text, "href": safe_url(text)}
