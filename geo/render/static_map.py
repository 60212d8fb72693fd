"""Pure: the static image of a map, drawn server-side as SVG from its payload (no browser, no Leaflet).

Three uses, one drawing:

* the fallback inside every map page: what a reader sees with JavaScript off, or when Leaflet cannot load (a
  blocked CDN), and what prints (the print stylesheet swaps the live map for it);
* ``frontline embed --static svg``: a standalone SVG for print desks, with title, legend, caption and credits;
* the timeline's fallback for its opening date.

Decisions:

* Projection: equirectangular with the x axis scaled by cos(latitude) at the view's centre (what the eye expects at
  a theatre's scale; within 0.3% of Web Mercator's shape over a 1° view). Lon/lat become pixels in
  :func:`_projector`, the one place of that conversion here.
* Geometry is simplified in pixel space to a third of a pixel and clipped to the frame, so a phone-sized image
  of a whole-front layer stays small; coordinates are written to 0.1 px.
* Labels: countries first (capitals, spaced), then places in their rank order (:func:`geo.render.payload.
  place_rank`); a place is drawn only if its label fits inside the frame at one of four positions (right, left,
  above, below its dot) without overlapping a label or dot drawn before it: lower-ranked places drop out, as a
  graphics editor would drop them. Text widths are estimated from the font size (0.6 em a character for the
  bold labels; generous, so that an estimate never lets two labels touch).
* Text from data is escaped for XML (:func:`geo.render.safe.html_text`), never markup; the SVG holds no script,
  link or external reference, so it is safe to inline and to publish as a file.
* Deterministic: the same payload and size give the same bytes.
"""

from __future__ import annotations

import json
import math
import textwrap

from .safe import html_text

#: the map's background (the same as the live page's)
BACKGROUND = "#f3f1ec"
CHAR_EM = 0.6  # width of one character of a bold label, in ems (an over-estimate for Latin and Cyrillic)


def _projector(bounds, box):
    """lon/lat → pixel (x, y) inside ``box`` (x0, y0, x1, y1) for Leaflet ``bounds`` [[s, w], [n, e]]."""
    (s, w), (n, e) = bounds
    lat0 = math.radians((s + n) / 2)
    kx = math.cos(lat0)
    bw, bh = box[2] - box[0], box[3] - box[1]
    dx, dy = max((e - w) * kx, 1e-9), max(n - s, 1e-9)
    k = min(bw / dx, bh / dy)
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    mx, my = (w + e) / 2, (s + n) / 2

    def xy(lon, lat):
        return cx + (lon - mx) * kx * k, cy - (lat - my) * k

    return xy


def _shapely(geometry):
    import shapely

    if not geometry:
        return None
    try:
        return shapely.from_geojson(json.dumps(geometry))
    except Exception:  # noqa: BLE001 - a geometry shapely refuses is not drawn
        return None


def _to_pixels(geometry, xy, frame):
    """The geometry in pixel space, simplified to a third of a pixel and clipped to ``frame`` plus a margin."""
    import numpy as np
    import shapely

    g = _shapely(geometry)
    if g is None or g.is_empty:
        return None

    def tf(lonlat):
        x, y = xy(lonlat[:, 0], lonlat[:, 1])
        return np.column_stack([x, y])

    p = shapely.transform(g, tf)
    p = shapely.simplify(p, 0.33, preserve_topology=True)
    x0, y0, x1, y1 = frame
    p = shapely.clip_by_rect(p, x0 - 4, y0 - 4, x1 + 4, y1 + 4)
    return None if p.is_empty else p


def _tenths(v: int) -> str:
    """``v`` tenths of a pixel as the shortest SVG number: 140 → ``14``, -23 → ``-2.3``, 5 → ``.5``."""
    sign, v = ("-", -v) if v < 0 else ("", v)
    whole, tenth = divmod(v, 10)
    return sign + (str(whole) if not tenth else f"{whole or ''}.{tenth}")


def _numbers(values) -> str:
    """SVG path numbers with no separator where none is needed (before a minus; a ``.5`` after a ``1.5``)."""
    out, dot = [], False
    for text in values:
        if out and not (text[0] == "-" or (dot and text.lstrip("-")[0] == ".")):
            out.append(" ")
        out.append(text)
        dot = "." in text
    return "".join(out)


def _path_data(g) -> str:
    """Path data of a pixel-space geometry, to a tenth of a pixel: each ring's first vertex absolute, the others
    relative (``l``), in the fewest characters SVG's grammar allows. The vertices are rounded once, absolutely, and
    the steps taken between rounded vertices: the same points as absolute ``L`` commands (what this wrote before,
    a third longer), with no error summed along a ring.

    Examples
    --------
    >>> import shapely
    >>> _path_data(shapely.Polygon([(10, 10), (24.04, 10), (23.9, 12.55), (10, 10)]))
    'M10 10l14 0-.1 2.6Z'
    """
    import shapely

    out = []

    def ring(coords, close):
        if len(coords) < 2:
            return
        pts = [(int(f"{x:.1f}".replace(".", "")), int(f"{y:.1f}".replace(".", ""))) for x, y in coords]
        steps = [_tenths(v) for (x0, y0), (x1, y1) in zip(pts, pts[1:], strict=False) for v in (x1 - x0, y1 - y0)]
        out.append("M" + _numbers([_tenths(pts[0][0]), _tenths(pts[0][1])]) + "l" + _numbers(steps)
                   + ("Z" if close else ""))

    for part in shapely.get_parts(g):
        t = part.geom_type
        if t == "Polygon":
            ring(part.exterior.coords[:-1], True)
            for hole in part.interiors:
                ring(hole.coords[:-1], True)
        elif t in ("LineString", "LinearRing"):
            ring(part.coords, False)
        elif t.startswith("Multi") or t == "GeometryCollection":
            inner = _path_data(part)
            if inner:
                out.append(inner)
    return "".join(out)


def _text_width(text: str, size: float, em: float = CHAR_EM) -> float:
    return len(text) * size * em


GAP = 3.0  # pixels kept free around every label and dot


def _overlaps(a, b) -> bool:
    return a[0] - GAP < b[2] and a[2] + GAP > b[0] and a[1] - GAP < b[3] and a[3] + GAP > b[1]


def place_labels(places, xy, frame, *, size: float = 12.0, countries=()):
    """Choose the labels that fit: a list of ``(kind, text, x, y, anchor, dot)`` to draw, in drawing order.

    ``places`` and ``countries`` are the payload's ``[{"n", "ll"}]`` in rank order; ``frame`` is the pixel box
    every label must stay inside. Countries are placed first, centred on their point (left out where the point
    is outside the frame); each place at the first of right, left, above and below its dot that overlaps nothing
    placed before it.

    Examples
    --------
    >>> xy = lambda lon, lat: (lon, lat)
    >>> two = [{"n": "Alpha", "ll": [50, 50]}, {"n": "Beta", "ll": [51, 52]}]
    >>> [lab[1] for lab in place_labels(two, xy, (0, 0, 400, 300))]
    ['Alpha']
    >>> place_labels([], xy, (0, 0, 400, 300))
    []
    """
    x0, y0, x1, y1 = frame
    taken: list = []
    out = []
    big = size * 1.25
    for c in countries:
        text = c["n"]
        px, py = xy(c["ll"][1], c["ll"][0])
        if not (x0 <= px <= x1 and y0 <= py <= y1):
            continue  # never moved in: that could put a country's name on the wrong side of the border
        w = _text_width(text, big, 0.78)  # letter-spaced capitals
        px = min(max(px, x0 + w / 2 + 2), x1 - w / 2 - 2)  # kept whole inside the frame, on its own side
        py = min(max(py, y0 + big + 2), y1 - 4)
        box = (px - w / 2, py - big, px + w / 2, py + 3)
        if box[0] < x0 or box[2] > x1 or any(_overlaps(box, t) for t in taken):
            continue
        taken.append(box)
        out.append(("country", text, px, py, "middle", False))
    for p in places:
        text = p["n"]
        px, py = xy(p["ll"][1], p["ll"][0])
        dot = (px - 3, py - 3, px + 3, py + 3)
        if not (x0 <= px <= x1 and y0 <= py <= y1) or any(_overlaps(dot, t) for t in taken):
            continue
        w = _text_width(text, size)
        h = size * 1.15
        options = [
            ((px + 5, py - h / 2, px + 5 + w, py + h / 2), (px + 5, py + size * 0.36, "start")),
            ((px - 5 - w, py - h / 2, px - 5, py + h / 2), (px - 5, py + size * 0.36, "end")),
            ((px - w / 2, py - 4 - h, px + w / 2, py - 4), (px, py - 4 - size * 0.25, "middle")),
            ((px - w / 2, py + 4, px + w / 2, py + 4 + h), (px, py + 4 + size * 0.9, "middle")),
        ]
        for box, (tx, ty, anchor) in options:
            inside = box[0] >= x0 + 1 and box[2] <= x1 - 1 and box[1] >= y0 + 1 and box[3] <= y1 - 1
            if inside and not any(_overlaps(box, t) for t in taken):
                taken.extend([box, dot])
                out.append(("place", text, tx, ty, anchor, (px, py)))
                break
    return out


def wrap_text(text: str, width_px: float, size: float, lines: int | None = None, *, em: float = 0.55) -> list[str]:
    """``text`` in lines of at most ``width_px`` at ``size`` px (``em`` of a character, estimated), at most
    ``lines`` of them (the last ending in ``…`` where text was left out).

    Examples
    --------
    >>> wrap_text("one two three four", 60, 10)
    ['one two', 'three four']
    >>> wrap_text("one two three four five six seven", 60, 10, 1)
    ['one two…']
    >>> wrap_text("", 60, 10)
    ['']
    """
    out = textwrap.wrap(text, max(12, int(width_px / (size * em)))) or [""]
    if lines is not None and len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1].rstrip(" ,.;:") + "…"
    return out


def hatch_pattern(pid: str, colour: str) -> str:
    """An SVG hatch pattern (a light fill and diagonal strokes of ``colour``): the second cue of a fill.

    Examples
    --------
    >>> hatch_pattern("h", "#c2185b").startswith('<pattern id="h"')
    True
    """
    c = html_text(colour)
    return (f'<pattern id="{html_text(pid)}" width="6" height="6" patternUnits="userSpaceOnUse" '
            f'patternTransform="rotate(45)"><rect width="6" height="6" fill="{c}" fill-opacity="0.18"/>'
            f'<line x1="0" y1="0" x2="0" y2="6" stroke="{c}" stroke-width="2.2"/></pattern>')


def _swatch(item: dict, x: float, y: float, size: float, hatch: str) -> str:
    """A legend swatch: a filled box for areas and changes (hatched for lost ground), a line, or a dot."""
    c = html_text(item.get("colour", "#444444"))
    kind = item.get("kind")
    w, h = size * 1.4, size * 0.85
    if kind in ("area", "gained", "both", "only_a"):
        op = "0.42" if kind == "area" else "0.55"
        return (f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{c}" fill-opacity="{op}" '
                f'stroke="{c}" stroke-width="1.2"/>')
    if kind in ("lost", "only_b"):
        return (f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="url(#{hatch}-{kind})" '
                f'stroke="{c}" stroke-width="1.5" stroke-dasharray="3 2"/>')
    if kind == "place":
        return f'<circle cx="{x + w / 2:.1f}" cy="{y + h / 2:.1f}" r="3" fill="{c}"/>'
    dash = ' stroke-dasharray="6 3"' if kind == "border" else ""
    return (f'<line x1="{x:.1f}" y1="{y + h / 2:.1f}" x2="{x + w:.1f}" y2="{y + h / 2:.1f}" stroke="{c}" '
            f'stroke-width="{3 if kind == "line" else 1.6}"{dash}/>')


def map_svg(payload: dict, *, width: int = 760, height: int = 520, standalone: bool = False,
            font: float = 13.0, id_prefix: str = "fl", css_class: str = "", label: str | None = None,
            hatches: tuple[str, ...] = ("lost", "only_b")) -> str:
    """Draw the payload of a map (:func:`geo.render.payload.map_payload`) as one SVG element.

    Parameters
    ----------
    payload : dict
        The map's payload (GeoJSON geometry, statuses, changes, context, legend, caption, attribution).
    width, height : int
        The drawing's size in SVG units (CSS pixels where it is shown at its own size); ``height`` is the map's
        height, to which a standalone image adds its title, legend, caption and credits.
    standalone : bool
        Also draw the title and dates above the map and the legend, caption and attribution below it (the
        print file of ``embed --static svg``); otherwise the map alone, as the page's fallback under its own
        HTML title and caption.
    font : float
        Label size in SVG units.
    id_prefix : str
        Prefix of the ids inside (the hatch pattern), unique per page when a page holds several drawings.
    css_class : str
        More classes for the ``<svg>`` element (beside ``fl-static-svg``).
    label : str, optional
        The drawing's accessible name: the ``<svg>`` becomes ``role="img"`` with this ``aria-label``.
    hatches : tuple of str
        The change kinds (``lost``, ``only_b``) whose hatch pattern is defined even where this drawing has none of
        them: the map page's stylesheet fills its live layers with ``#fl-hatch-…``. Patterns the drawing uses are
        always defined; the timeline, whose CSS uses none, passes ``()``.

    Returns
    -------
    str
        ``<svg …>…</svg>``; deterministic.

    Examples
    --------
    >>> from geo.theatre import Theatre, Status
    >>> from geo.render.payload import map_payload
    >>> t = Theatre("demo", "Demo", (Status("held", "Held", "#112233"),))
    >>> empty = map_payload(t, {"type": "FeatureCollection", "features": []}, date="2024-08-24", areas_km2={})
    >>> svg = map_svg(empty, width=300, height=200)
    >>> svg.startswith("<svg") and "<script" not in svg
    True
    """
    pad = 0
    top = 0
    lines_below: list[tuple] = []
    if standalone:
        top = int(font * 3.4)
        for it in payload.get("legend", []):
            lines_below.append(("legend", it["label"] + (f": {it['value']}" if it.get("value") else ""), font, it))
        for ln in wrap_text(payload.get("caption", ""), width - 24, font):
            lines_below.append(("caption", ln, font, None))
        credits = " · ".join(a.get("label", "") + a.get("text", "") for a in payload.get("attribution", []))
        for ln in wrap_text(credits, width - 24, font * 0.85):
            lines_below.append(("credit", ln, font * 0.85, None))
    below = int(sum(row[2] * 1.45 for row in lines_below) + (12 if lines_below else 0))
    total_h = top + height + below
    frame = (pad, top, width - pad, top + height)
    xy = _projector(payload["bounds"], (frame[0] + 8, frame[1] + 8, frame[2] - 8, frame[3] - 8))
    col = payload.get("colours", {})
    hatch = f"{id_prefix}-hatch"
    clip = f"{id_prefix}-clip"
    named = f' role="img" aria-label="{html_text(label, max_len=2000)}" focusable="false"' if label else ""
    used = {f.get("k") for f in payload.get("changes", [])} | {row[3].get("kind") for row in lines_below if row[3]}
    classes = " ".join(["fl-static-svg", *css_class.split()])
    out = [f'<svg xmlns="http://www.w3.org/2000/svg"{named} viewBox="0 0 {width} {total_h}" width="{width}" '
           f'height="{total_h}" class="{classes}" font-family="system-ui, -apple-system, \'Segoe UI\', '
           f'Roboto, Arial, sans-serif">',
           "<defs>" + "".join(hatch_pattern(f"{hatch}-{k}", col.get(k, "#c2185b")) for k in ("lost", "only_b")
                              if k in hatches or k in used)
           + "".join(hatch_pattern(f"{hatch}-s-{k}", st["colour"]) for k, st in payload.get("statuses", {}).items()
                     if st.get("claimed")) +
           f'<clipPath id="{clip}"><rect x="{frame[0]}" y="{frame[1]}" width="{frame[2] - frame[0]}" '
           f'height="{frame[3] - frame[1]}"/></clipPath></defs>']
    if standalone:
        out.append(f'<rect width="{width}" height="{total_h}" fill="#ffffff"/>')
        out.append(f'<text x="12" y="{font * 1.6:.1f}" font-size="{font * 1.3:.1f}" font-weight="700" '
                   f'fill="#1d1d1d">{html_text(payload.get("title", ""))}</text>')
        out.append(f'<text x="12" y="{font * 2.9:.1f}" font-size="{font:.1f}" fill="#444444">'
                   f'{html_text(payload.get("span") or payload.get("dateText", ""))}</text>')
    out.append(f'<rect class="fl-svg-bg" x="{frame[0]}" y="{frame[1]}" width="{frame[2] - frame[0]}" '
               f'height="{frame[3] - frame[1]}" fill="{BACKGROUND}"/>')
    out.append(f'<g clip-path="url(#{clip})">')
    ctx = payload.get("context", {})

    def path(geometry, attrs):
        g = _to_pixels(geometry, xy, frame)
        d = _path_data(g) if g is not None else ""
        if d:
            out.append(f'<path d="{d}" {attrs}/>')

    if ctx.get("outlines"):
        path(ctx["outlines"], f'class="fl-svg-outlines" fill="none" stroke="{col.get("outlines", "#8a8a8a")}" '
                              'stroke-width="1"')
    if ctx.get("border"):
        path(ctx["border"], f'class="fl-svg-border" fill="none" stroke="{col.get("border", "#333333")}" '
                            'stroke-width="1.6" '
                            'stroke-dasharray="8 4 2 4"')
    statuses = payload.get("statuses", {})
    for f in payload.get("features", []):
        st = statuses.get(f["s"], {})
        c = st.get("colour", "#444444")
        if st.get("kind") == "line":
            continue
        fill = f'url(#{hatch}-s-{f["s"]})' if st.get("claimed") else c
        path(f["g"], f'fill="{fill}" fill-opacity="{1 if st.get("claimed") else 0.42}" fill-rule="evenodd" '
                     f'stroke="{c}" stroke-width="1.2"')
    for f in payload.get("changes", []):
        c = col.get(f["k"], "#444444")
        if f["k"] in ("lost", "only_b"):  # hatched, with a dashed edge: their second cue
            path(f["g"], f'fill="url(#{hatch}-{f["k"]})" fill-rule="evenodd" stroke="{c}" stroke-width="2" '
                         'stroke-dasharray="5 4"')
        else:
            op = "0.45" if f["k"] == "both" else "0.55"
            path(f["g"], f'class="fl-svg-{f["k"]}" fill="{c}" fill-opacity="{op}" fill-rule="evenodd" stroke="{c}" '
                         'stroke-width="1.5"')
    for f in payload.get("features", []):
        st = statuses.get(f["s"], {})
        if st.get("kind") == "line":
            path(f["g"], f'fill="none" stroke="{st.get("colour", "#444444")}" stroke-width="3" '
                         'stroke-linejoin="round"')
    out.append("</g>")
    labels = place_labels(ctx.get("places", []), xy, frame, size=font, countries=ctx.get("countries", []))
    halo = 'paint-order="stroke" stroke="#ffffff" stroke-width="3" stroke-linejoin="round"'  # themed by class
    # the places' dots, then their names, each set in one group that holds their common attributes (inherited;
    # the theme's class rules still apply to each): labels never overlap a dot (place_labels), so drawing the
    # dots first changes nothing on screen
    dots, names = [], []
    for kind, text, x, y, anchor, dot in labels:
        if kind == "country":
            out.append(f'<text class="fl-svg-country" x="{x:.1f}" y="{y:.1f}" text-anchor="middle" '
                       f'font-size="{font * 1.25:.1f}" '
                       f'font-weight="600" letter-spacing="3" fill="#6b6b6b" {halo}>{html_text(text)}</text>')
            continue
        dots.append(f'<circle cx="{dot[0]:.1f}" cy="{dot[1]:.1f}" r="3"/>')
        names.append(f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{html_text(text)}</text>')
    if dots:  # the theme's class rules (fill, stroke) reach the dots and names from their group, as these do
        out.append(f'<g class="fl-svg-dot" fill="{col.get("place", "#222222")}" stroke="#ffffff" stroke-width="1">'
                   + "".join(dots) + "</g>")
        out.append(f'<g class="fl-svg-place" font-size="{font:.1f}" font-weight="600" fill="#222222" {halo}>'
                   + "".join(names) + "</g>")
    if standalone:
        y = top + height + 12
        for kind, text, size, item in lines_below:
            y += size * 1.45
            fill = {"legend": "#1d1d1d", "caption": "#1d1d1d", "credit": "#555555"}[kind]
            weight = ' font-weight="600"' if kind == "caption" else ""
            x = 12
            if item is not None:
                out.append(_swatch(item, 12, y - size * 0.8, size, hatch))
                x = 12 + size * 2
            out.append(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size:.1f}" fill="{fill}"{weight}>'
                       f'{html_text(text, max_len=2000)}</text>')
    out.append("</svg>")
    return "".join(out)
