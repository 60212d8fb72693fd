"""The map of a date, and of the change since an earlier date, as a folium map that is safe, small and deterministic.

Use from a notebook::

    from geo.render.mapping import build_map, save_map
    m = build_map(theatre, layer.collection, date=layer.date, areas_km2=a.areas_km2, total_km2=a.total_km2,
                  sources=layer.sources, context={"border": ..., "settlements": ...})
    m            # displays in Jupyter
    save_map(m, "maps/kursk-2024-08-24.html")

How the page is put together (decided here):

* :class:`FrontlineMap` is a ``folium.Map`` whose ``default_js``/``default_css`` are empty: folium's ten CDN
  files (jQuery, Bootstrap, Font Awesome, …) are replaced by the pinned Leaflet JS and CSS only
  (:mod:`geo.render.assets`), with SRI hashes (``assets="cdn"``) or inline (``assets="inline"``).
* All data (texts and geometry) travels in one JSON blob (``<script type="application/json">``, escaped by
  :func:`geo.render.safe.script_json`) read by our own small script (``frontline.js``), which writes every text
  with ``textContent``. Our pieces are :class:`Raw` elements: their text is inserted as it is and never
  compiled as a Jinja template (folium's ``MacroElement`` compiles its rendered output a second time, which is
  how ``{{ 7*7 }}`` in a folium tooltip becomes 49). No data reaches folium's own templates; the only values
  folium renders are the map centre and zoom (numbers) and the tile provider (from xyzservices, not data).
* Deterministic: before rendering, every element's id (branca draws them at random) is replaced by one derived
  from a digest of the payload and the element's position in the tree; JSON has sorted keys; coordinates are
  quantised to 1e-5°. Rendering the same inputs twice gives the same bytes.
* Small: in the page, geometry is packed (:func:`geo.render.geometry.pack`: integers on the 1e-5° grid,
  delta-encoded, about 10 bytes a vertex against folium's 40) and ``frontline.js`` unpacks it for Leaflet; our JS
  and CSS go in without indentation and comment lines (:func:`geo.render.assets.squeeze`).
* Readers first (:func:`page_body`): everything a reader needs is in the file as HTML, written on the server and
  escaped: ``<html lang>``, ``<title>``, a description and Open Graph/Twitter meta; the title and dates; the
  legend; the caption; a table of the figures (status, km², change) in a ``<details>``; a one-line credit
  whose "Sources" disclosure opens the whole attribution (never a scroll box), every link opening a new tab
  (``target="_blank" rel="noopener"``). Under the live map lies the static drawing of the same map
  (:mod:`geo.render.static_map`, two sizes: narrow frames and wide ones), which is what a reader sees with
  JavaScript off or when Leaflet cannot load, and what prints; ``frontline.js`` hides it only once Leaflet has
  drawn (class ``fl-live`` on ``<html>``).
* Layout: title and dates above the map (two lines at most on a phone), legend over the map's top right on wide
  frames and below the map on narrow ones (under 640 px), then caption, figures and credit. The map takes
  ``clamp(240px, 100vw, 640px)`` of height on a narrow frame and ``clamp(220px, 62vw, 640px)`` on a wide one,
  and the rest of a taller frame; the page fills its frame (an iframe in an article) unless ``width``/``height``
  fix it in pixels. In a frame, the page posts its natural height to its parent
  (``{"frontline-height": {KEY: px}}``) for the embed's loader (:mod:`geo.render.embed`).
* Leaflet's attribution control is off (its default prefix draws a flag, a statement the newsroom did not
  make, and it takes HTML): Leaflet, the tiles and the sources are credited in our own credit line, as plain
  links. One finger scrolls the page and two fingers pan the map; ctrl (or ⌘) + wheel zooms, a plain wheel
  scrolls the page, each with a short hint (Leaflet.GestureHandling's behaviour, in a few lines of
  ``frontline.js``). Pinch zoom of the page stays allowed (no ``user-scalable=no``).
* A Content-Security-Policy ``<meta>`` (:func:`content_security_policy`) lets only the page's own inline scripts
  (by hash), the pinned CDN and the tile server in: defence in depth behind the escaping, and the page's own
  guarantee that, inline and without tiles, no request leaves the file.
* Tiles: ``tiles=None`` (or ``"none"``) draws none (the context layers keep the map legible); a name is looked
  up in xyzservices (``"CartoDB.Positron"``). Providers that need an API key are refused, except where the key
  is only an optional ``key=`` query parameter (CARTO), which is dropped.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import tempfile
from importlib import resources
from pathlib import Path

import folium
from branca.element import Element, Figure
from folium.template import Template

from ..errors import InvalidInput
from .assets import ASSET_MODES, asset_hosts, head_html, squeeze
from .geometry import pack, zoom_for_bounds
from .messages import msg
from .payload import UNION, format_km2, map_payload, payload_key
from .safe import clean_text, html_text, safe_url, script_json
from .static_map import hatch_pattern, map_svg
from .theme import theme_css
from .tiles import tile_provider  # noqa: F401  (part of this module's API)


def _static(name: str) -> str:
    return resources.files("geo.render").joinpath(name).read_text(encoding="utf-8")


def packed(payload: dict) -> dict:
    """The payload as written into the page: every geometry in the compact form of
    :func:`geo.render.geometry.pack` (the payload itself keeps GeoJSON, for matplotlib and for notebooks).
    """
    out = dict(payload)
    out["features"] = [{**f, "g": pack(f["g"])} for f in payload["features"]]
    out["changes"] = [{**f, "g": pack(f["g"])} for f in payload["changes"]]
    ctx = dict(payload.get("context") or {})
    for k in ("border", "outlines"):
        if ctx.get(k):
            ctx[k] = pack(ctx[k])
    out["context"] = ctx
    return out


class Raw(Element):
    """An element whose text is emitted as it is: never compiled or rendered as a Jinja template."""

    def __init__(self, html: str, name: str = "Raw"):
        super().__init__()
        self._name = name
        self.html = html

    def render(self, **kwargs) -> str:
        return self.html


class Overlay(Element):
    """Our part of the page: CSS, the payload blob, ``frontline.js``, the header and footer, the draw call."""

    def __init__(self, payload: dict, *, width: int | None = None, height: int | None = None, theme: str = "light"):
        super().__init__()
        self._name = "FrontlineOverlay"
        self.payload = payload
        self.width = width
        self.height = height
        self.theme = theme

    def render(self, **kwargs) -> str:
        figure = self.get_root()
        if not isinstance(figure, Figure):
            raise InvalidInput("the frontline overlay must sit in a folium Map inside a Figure")
        key = self.payload["key"]
        css = squeeze(_static("frontline.css")) + theme_css(self.theme)
        # claimed ground is hatched in its status's colour (the pattern is in the page's body: page_body)
        css += "".join(f".fl-s-{k}.fl-claimed{{fill:url(#fl-hatch-s-{k})}}\n"
                       for k, st in self.payload.get("statuses", {}).items() if st.get("claimed"))
        if self.width and self.height:
            css += (f"html,body{{width:{int(self.width)}px;height:{int(self.height)}px;min-height:0}}\n"
                    ".fl-mapbox{height:auto;flex:1 1 0}\n")
        head = (f"<style>\n{css}</style>\n"
                f'<script type="application/json" id="fl-data-{key}">{script_json(packed(self.payload))}</script>\n'
                f"<script>\n{squeeze(_static('frontline.js'))}</script>\n")
        figure.header.add_child(Raw(head, "FrontlineHead"), name="frontline_head")
        script = f'frontline.draw({self._parent.get_name()}, frontline.payload("fl-data-{key}"));\n}}\n'
        figure.script.add_child(Raw(script, "FrontlineScript"), name="frontline_script")
        return ""


_INLINE_SCRIPT_RE = re.compile(r"<script>(.*?)</script>", re.S)


def content_security_policy(html: str, *, script_hosts=(), img_hosts=()) -> str:
    """The CSP of a page: only its own inline scripts (by sha256), the pinned CDN, data: images and the tiles.

    ``default-src 'none'``: no fetch, frame, font, object or form is allowed, so the page itself refuses to
    send a request anywhere but the CDN (``assets="cdn"``) and the tile server (``tiles=…``). Inline scripts
    run only if their hash is listed: a script that text from data could ever smuggle in would not run.
    Inline styles are allowed (folium writes ``<style>`` blocks; Leaflet positions elements with styles).

    Examples
    --------
    >>> content_security_policy("<script>var a = 1;</script>")  # doctest: +NORMALIZE_WHITESPACE +ELLIPSIS
    "default-src 'none'; script-src 'sha256-...'; style-src 'unsafe-inline'; img-src data:;
    base-uri 'none'; form-action 'none'"
    """
    hashes = sorted({"'sha256-" + base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode() + "'"
                     for body in _INLINE_SCRIPT_RE.findall(html)})
    parts = [
        "default-src 'none'",
        "script-src " + " ".join([*hashes, *script_hosts]),
        "style-src " + " ".join(["'unsafe-inline'", *script_hosts]),
        "img-src " + " ".join(["data:", *img_hosts]),
        "base-uri 'none'",
        "form-action 'none'",
    ]
    return "; ".join(parts)


def tile_origin(provider) -> str | None:
    """The CSP source of a tile provider's images: ``https://*.basemaps.cartocdn.com``, or its scheme alone."""
    if provider is None:
        return None
    from urllib.parse import urlsplit

    url = provider.build_url(fill_subdomain=False) if hasattr(provider, "build_url") else str(provider)
    parts = urlsplit(url.replace("{s}", "x"))
    host = parts.netloc
    if "{s}" in url.split("//", 1)[-1].split("/", 1)[0]:
        host = "*." + host.split(".", 1)[1] if "." in host else host
    if parts.scheme not in ("http", "https") or "{" in host or not host:
        return "https:"
    return f"{parts.scheme}://{host}"


LEAFLET = {"text": "Leaflet", "href": "https://leafletjs.com"}


def _link(text: str, href: str | None) -> str:
    url = safe_url(href) if href else None
    if url is None:
        return html_text(text, max_len=2000)
    return (f'<a href="{html_text(url, max_len=2000)}" target="_blank" rel="noopener">'
            f"{html_text(text, max_len=2000)}</a>")


def _swatch(it: dict) -> str:
    colour = html_text(it.get("colour", "#444444"))
    claimed = " fl-sw-claimed" if it.get("claimed") else ""
    return f'<span class="fl-sw fl-sw-{html_text(it["kind"])}{claimed}" style="--c:{colour}"></span>'


def figures_table(payload: dict) -> str:
    """The figures of the map as an HTML table (status, km², and the change when the map shows one)."""
    t = payload.get("table") or {}
    lang = payload.get("lang", "en")
    change = t.get("change")
    head = (f'<tr><th scope="col">{html_text(msg(lang, "table_status"))}</th>'
            f'<th scope="col">{html_text(msg(lang, "km2"))}</th>')
    if change is not None:
        head += (f'<th scope="col">{html_text(msg(lang, "table_gained", date=t.get("since")))}</th>'
                 f'<th scope="col">{html_text(msg(lang, "table_lost"))}</th>')
    rows = []

    def row(label, km2, g=None, lo=None, total=False):
        cells = f'<th scope="row">{html_text(label)}</th><td>{format_km2(km2, lang)}</td>'
        if change is not None:
            cells += f"<td>{format_km2(g or 0, lang)}</td><td>{format_km2(lo or 0, lang)}</td>"
        return f'<tr class="fl-total">{cells}</tr>' if total else f"<tr>{cells}</tr>"

    for r in t.get("rows", []):
        rows.append(row(r["label"], r["km2"], r.get("gained"), r.get("lost")))
    if t.get("total") is not None and len(t.get("rows", [])) > 1:
        rows.append(row(msg(lang, "table_union"), t["total"], (change or {}).get("gained"),
                        (change or {}).get("lost"), total=True))
    caption = html_text(msg(lang, "table_caption", span=payload.get("span", "")))
    return (f'<table class="fl-table"><caption>{caption}</caption><thead>' + head + "</tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")


def page_body(payload: dict, map_html: str) -> str:
    """The page's body around the Leaflet container ``map_html``: header, stage (live map, static drawing,
    gesture hint, legend), caption, figures, credits. Every text is escaped here; nothing waits for a script.
    """
    key = payload["key"]
    lang = payload.get("lang", "en")
    legend = "".join(f'<li class="fl-li fl-li-{html_text(it["kind"])}">{_swatch(it)}'
                     f'<span class="fl-t">{html_text(it["label"])}</span>'
                     + (f' <span class="fl-v">{html_text(it["value"])}</span>' if it.get("value") else "") + "</li>"
                     for it in payload.get("legend", []))
    credits = [*payload.get("attribution", []), {**LEAFLET, "label": msg(lang, "credit_map")}]
    items = "".join(f'<li>{html_text(a.get("label", ""))}{_link(a.get("text", ""), a.get("href"))}</li>'
                    for a in credits)
    short = " · ".join(x for x in [(payload.get("attribution") or [{}])[0].get("text", ""), "Leaflet"] if x)
    desc = payload.get("description", "")
    narrow = map_svg(payload, width=360, height=300, font=12, id_prefix=f"fl-n-{key}", css_class="fl-static-narrow",
                     label=desc)
    wide = map_svg(payload, width=760, height=520, font=13, id_prefix=f"fl-w-{key}", css_class="fl-static-wide",
                   label=desc)
    # hatch patterns of the live map: lost ground, B's own ground in a comparison, and each claimed status
    col = payload["colours"]
    claimed = [(k, st["colour"]) for k, st in payload.get("statuses", {}).items() if st.get("claimed")]
    defs = (hatch_pattern("fl-hatch", col["lost"]) + hatch_pattern("fl-hatch-only_b", col.get("only_b", col["lost"]))
            + "".join(hatch_pattern(f"fl-hatch-s-{k}", c) for k, c in claimed))
    return (
        f'<header class="fl-head"><h1 class="fl-title">{html_text(payload["title"])}</h1> '
        f'<p class="fl-date">{html_text(payload.get("span", ""))}</p></header>\n'
        '<main class="fl-main">\n'
        f'<div class="fl-stage"><div class="fl-mapbox">\n{map_html}\n'
        f'<div class="fl-static">{narrow}{wide}'
        "</div>\n"
        '<div class="fl-hint" aria-hidden="true"></div></div>\n'
        f'<ul class="fl-legend">{legend}</ul></div>\n'
        '<footer class="fl-foot">\n'
        f'<p class="fl-caption">{html_text(payload.get("caption", ""), max_len=2000)}</p>\n'
        f'<details class="fl-figures"><summary>{html_text(msg(lang, "figures"))}</summary>'
        f"{figures_table(payload)}</details>\n"
        f'<details class="fl-sources"><summary><span class="fl-credit">{html_text(msg(lang, "sources"))}: '
        f"{html_text(short, max_len=2000)}"
        f'</span></summary><ul class="fl-attr">{items}</ul></details>\n'
        "</footer>\n</main>\n"
        f'<svg class="fl-defs" width="0" height="0" aria-hidden="true" focusable="false"><defs>{defs}</defs></svg>\n'
    )


def head_meta(payload: dict, *, image: str | None = None) -> str:
    """``<title>``, description, Open Graph and Twitter meta of a map page, escaped (the file itself carries them,
    for link previews, screen readers and readers without JavaScript).
    """
    title = html_text(f"{payload['title']} · {payload.get('span', '')}", max_len=400)
    desc = html_text(payload.get("description", ""), max_len=1000)
    out = [f"<title>{title}</title>", f'<meta name="description" content="{desc}">',
           f'<meta property="og:title" content="{title}">', f'<meta property="og:description" content="{desc}">',
           '<meta property="og:type" content="website">']
    if image:
        out.append(f'<meta property="og:image" content="{html_text(image, max_len=2000)}">')
        out.append('<meta name="twitter:card" content="summary_large_image">')
    else:
        out.append('<meta name="twitter:card" content="summary">')
    out.append(f'<meta name="twitter:title" content="{title}">')
    return "\n".join(out) + "\n"


class FrontlineFigure(Figure):
    """Our own document around folium's parts: lang, meta, the readers' body, scripts inside ``<body>``, and a
    Content-Security-Policy computed from the page it renders.
    """

    def __init__(self, *, script_hosts=(), img_hosts=()):
        super().__init__()
        self.script_hosts = tuple(script_hosts)
        self.img_hosts = tuple(img_hosts)
        self.payload: dict | None = None
        self.image: str | None = None
        self.theme = "light"
        self.header._children.clear()  # branca's charset meta: ours is written below

    def render(self, **kwargs) -> str:
        for child in self._children.values():
            child.render(**kwargs)
        header = self.header.render(**kwargs)
        body = self.html.render(**kwargs)
        script = self.script.render(**kwargs)
        p = self.payload or {}
        if p:
            body = page_body(p, body)
        html = (
            f'<!DOCTYPE html>\n<html lang="{html_text(p.get("lang", "en"))}" data-theme="{html_text(self.theme)}">\n'
            '<head>\n<meta charset="utf-8">\n'
            "@@CSP@@"
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            '<meta name="referrer" content="no-referrer">\n'
            + (head_meta(p, image=self.image) if p else "")
            + "\n".join(ln.rstrip() for ln in header.splitlines()) + "\n</head>\n<body>\n" + body
            + "\n<script>\n" + "\n".join(ln.rstrip() for ln in script.splitlines()) + "\n</script>\n</body>\n</html>\n"
        )
        csp = content_security_policy(html, script_hosts=self.script_hosts, img_hosts=self.img_hosts)
        return html.replace("@@CSP@@", f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n', 1)


class FrontlineMap(folium.Map):
    """A ``folium.Map`` that loads only the pinned Leaflet assets and renders deterministically.

    Build it with :func:`build_map`. The attribute ``payload`` holds the data drawn (see
    :func:`geo.render.payload.map_payload`).
    """

    default_js: list = []
    default_css: list = []
    # folium's template less its header (a viewport meta that blocks pinch zoom, folium's global switches, styles
    # that fight our layout); the map is created only where Leaflet loaded, so a blocked CDN leaves the static
    # drawing and no script error.
    _template = Template("""
        {% macro header(this, kwargs) %}{% endmacro %}
        {% macro html(this, kwargs) %}<div class="folium-map" id={{ this.get_name()|tojson }}></div>{% endmacro %}
        {% macro script(this, kwargs) %}
            if (window.L) {
            var {{ this.get_name() }} = L.map(
                {{ this.get_name()|tojson }},
                {
                    center: {{ this.location|tojson }},
                    crs: L.CRS.{{ this.crs }},
                    ...{{this.options|tojavascript}}
                }
            );
        {% endmacro %}
    """)

    def __init__(self, payload: dict, *, assets_html: str, tiles=None, width: int | None = None,
                 height: int | None = None, script_hosts=(), theme: str = "light"):
        (s, w), (n, e) = payload["bounds"]
        size = (width or 800, height or 600)
        super().__init__(location=[round((s + n) / 2, 5), round((w + e) / 2, 5)],
                         zoom_start=zoom_for_bounds((w, s, e, n), size), tiles=None, control_scale=False,
                         zoom_snap=0.25, attribution_control=False, scroll_wheel_zoom=False)
        origin = tile_origin(tiles)
        figure = FrontlineFigure(script_hosts=script_hosts, img_hosts=(origin,) if origin else ())
        figure.payload = payload
        figure.theme = theme
        figure.add_child(self)
        self.payload = payload
        self.assets_html = assets_html
        if tiles is not None:
            folium.TileLayer(tiles=tiles).add_to(self)
        Overlay(payload, width=width, height=height, theme=theme).add_to(self)

    def render(self, **kwargs):
        figure = self.get_root()
        _assign_ids(figure, self.payload["key"])
        figure.header.add_child(Raw(self.assets_html, "FrontlineAssets"), name="frontline_assets")
        super().render(**kwargs)


def _assign_ids(root: Element, key: str) -> None:
    """Replace branca's random element ids with ``<key>_<n>``, n the element's position in the tree.

    Only the figure's element tree is numbered (the map, its layers, our overlay), not the header/html/script
    parts, which grow as the page renders: so the numbers, and the bytes, are the same at every render.
    """
    counter = 0

    def walk(el):
        nonlocal counter
        el._id = f"{key}_{counter}"
        counter += 1
        for child in list(el._children.values()):
            walk(child)

    walk(root)


def build_map(theatre, collection: dict, *, date: str, areas_km2: dict, total_km2: float | None = None,
              sources=(), context: dict | None = None, changes: dict | None = None, since: str | None = None,
              change_status: str = UNION, peak: dict | None = None, title: str | None = None,
              tiles: str | None = None, assets: str = "cdn", assets_dir: str | os.PathLike | None = None,
              width: int | None = None, height: int | None = None, image: str | None = None,
              requested_date: str | None = None, lang: str = "en", range_km2=None,
              comparison: dict | None = None, theme: str = "light") -> FrontlineMap:
    """Build the map of a date (and of the change since ``since``) as a ``folium.Map``.

    Pure over plain data: it never opens the store. Parameters are those of
    :func:`geo.render.payload.map_payload`, plus:

    Parameters
    ----------
    tiles : str or None
        An xyzservices provider name, or None / ``"none"`` for no basemap (the default).
    assets : {"cdn", "inline"}
        Load Leaflet from the CDN with SRI hashes, or inline it from the asset cache.
    assets_dir : path, optional
        The asset cache (default ``$FRONTLINE_ASSETS`` or ``./.assets/cache``).
    width, height : int, optional
        Fixed page size in pixels; by default the page fills its frame.
    image : str, optional
        URL (or relative path) of the map's static image, for ``og:image`` and a large Twitter card.
    requested_date : str, optional
        The date asked for under ``--in-force`` when the layer drawn is older (the page says "last update D").
    lang : {"en", "uk", "ru", "de"}
        The readers' language: every word of the page (:mod:`geo.render.messages`).
    theme : {"light", "dark", "auto"}
        Light or dark page, or ``auto``: dark where the reader's system asks for it (``prefers-color-scheme``).
    range_km2, comparison :
        Ground as a range and sources side by side: see :func:`geo.render.payload.map_payload`.

    Returns
    -------
    FrontlineMap

    Raises
    ------
    InvalidInput
        Unknown ``assets`` mode or tiles, a non-positive size, an unknown ``change_status``.
    MissingResource
        ``assets="inline"`` and the pinned assets are not in the cache.

    Examples
    --------
    >>> from geo.theatre import Theatre, Status
    >>> t = Theatre("demo", "Demo", (Status("held", "Held", "#112233"),))
    >>> m = build_map(t, {"type": "FeatureCollection", "features": []}, date="2024-08-24", areas_km2={})
    >>> html = render_html(m)
    >>> "leaflet@1.9.3" in html and "jquery" not in html.lower()
    True
    """
    if assets not in ASSET_MODES:
        raise InvalidInput(f"unknown assets mode {assets!r}: choose one of {', '.join(ASSET_MODES)}")
    theme_css(theme)  # an unknown theme is refused before anything is built
    for v, what in ((width, "width"), (height, "height")):
        if v is not None and (int(v) <= 0 or int(v) > 10000):
            raise InvalidInput(f"{what} {v!r} must be a number of pixels between 1 and 10000")
    if change_status != UNION:
        theatre.status(change_status)
    provider = tile_provider(tiles)
    assets_html = head_html(assets, cache_root=assets_dir)
    payload = map_payload(theatre, collection, date=date, areas_km2=areas_km2, total_km2=total_km2,
                          sources=sources, context=context, changes=changes, since=since,
                          change_status=change_status, peak=peak, title=title,
                          size=(int(width), int(height)) if width and height else None,
                          requested_date=requested_date, lang=lang, range_km2=range_km2, comparison=comparison)
    if provider is not None and provider.get("attribution"):
        payload["attribution"].append({"label": msg(lang, "credit_tiles"), "text": clean_text(provider["attribution"]),
                                       "href": None})
        payload["key"] = payload_key(payload)
    m = FrontlineMap(payload, assets_html=assets_html, tiles=provider,
                     width=int(width) if width else None, height=int(height) if height else None,
                     script_hosts=asset_hosts() if assets == "cdn" else (), theme=theme)
    m.get_root().image = image
    return m


def render_html(m: folium.Map) -> str:
    """The full HTML page of a map (deterministic for a :class:`FrontlineMap`)."""
    return m.get_root().render()


def save_map(m: folium.Map, path: str | os.PathLike) -> Path:
    """Write the map's page to ``path`` (UTF-8, atomically: a temporary file renamed); return the path."""
    path = Path(path)
    data = render_html(m).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
