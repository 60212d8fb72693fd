"""Embedding a map in an article: the iframe snippet, and a static PNG for print, social cards and no-JS readers.

Decisions (Datawrapper's responsive embed is the model):

* The snippet is an ``<iframe>`` with ``title``, ``loading="lazy"``, ``referrerpolicy="no-referrer"`` and
  ``sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox"`` (the map's scripts run, its links open
  a new tab, nothing in the frame can touch the article), full width, with a sensible size *without* script: the
  ratio (default 4:3) as CSS ``aspect-ratio`` and a ``min-height`` of 660 px, so that a phone's frame still
  holds the title, a map of at least 200 px, the legend and the caption.
* With the snippet's small loader script, the frame takes the height the page asks for: the page posts
  ``{"frontline-height": {KEY: px}}`` to its parent; the loader accepts a message only from the window of one
  of its own frames (``event.source === frame.contentWindow``), whose origin is the map's origin or ``"null"``
  (a sandboxed frame without ``allow-same-origin`` has an opaque origin), and a height between 200 and 4,000 px.
  It is idempotent: pasting several maps in one article installs one listener.
* No ``<noscript>`` image: with JavaScript off, the frame's page shows its own static drawing, so an image as
  well would show the map twice. The PNG (and the alt text) are for where no iframe goes: AMP, RSS, print, social.
* The PNG is a screenshot of the page in headless Chromium (:func:`screenshot`) where Chromium and Playwright
  are present, with ``html.fl-static-shot`` set: no zoom buttons or hints, the sources opened, every label inside.
  Otherwise it is drawn with matplotlib from the same payload (:func:`draw_png`). ``embed --static svg`` writes
  the server-side drawing of :mod:`geo.render.static_map` instead, for print desks.
"""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..errors import InvalidInput, MissingResource
from .safe import clean_text, html_text, safe_url

DEFAULT_RATIO = (4, 3)
PNG_SIZE = (1200, 900)
CHROMIUM_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync")


def check_src(src: str) -> str:
    """``src`` if it is an http(s) URL or a plain relative path (letters, digits, ``._-/``), else raise.

    Examples
    --------
    >>> check_src("kursk-2024-08-24.html")
    'kursk-2024-08-24.html'
    >>> check_src("javascript:alert(1)")
    Traceback (most recent call last):
    ...
    geo.errors.InvalidInput: 'javascript:alert(1)' is neither an http(s) URL nor a plain relative path
    """
    import re

    if safe_url(src) or re.fullmatch(r"(?!/)(?!.*\.\.)[A-Za-z0-9._/-]{1,300}", src or ""):
        return src
    raise InvalidInput(f"{src!r} is neither an http(s) URL nor a plain relative path")


#: the loader pasted with every snippet (constant: no data in it); see the module's decisions
LOADER = (
    "<script>!function(){if(window.frontlineEmbed)return;window.frontlineEmbed=1;"
    "window.addEventListener(\"message\",function(e){var d=e.data&&e.data[\"frontline-height\"];"
    "if(!d||typeof d!==\"object\")return;var f=document.querySelectorAll(\"iframe[data-frontline]\");"
    "for(var i=0;i<f.length;i++){if(f[i].contentWindow!==e.source)continue;var o;"
    "try{o=new URL(f[i].src,location.href).origin}catch(x){return}"
    "if(e.origin!==o&&e.origin!==\"null\")return;for(var k in d){var h=+d[k];"
    "if(h>=200&&h<=4000){f[i].style.height=Math.ceil(h)+\"px\";f[i].style.minHeight=\"0\";"
    "f[i].style.aspectRatio=\"auto\"}}}})}();</script>"
)


def iframe_snippet(src: str, *, title: str, alt: str | None = None, png: str | None = None,
                   ratio=DEFAULT_RATIO, min_height: int = 660) -> str:
    """The HTML to paste into an article: a full-width iframe at ``ratio`` without script, and the loader that
    lets it take the height its page asks for.

    ``alt`` and ``png`` are kept for callers that pass them (the alt text and the PNG are written beside the
    snippet for AMP, RSS and social posts); the snippet itself shows no image (see the module's decisions).

    Examples
    --------
    >>> s = iframe_snippet("m.html", title="Map <1>")
    >>> 'title="Map &lt;1&gt;"' in s and 'loading="lazy"' in s and "aspect-ratio:4/3" in s and "<noscript" not in s
    True
    """
    w, h = (int(v) for v in ratio)
    if w <= 0 or h <= 0:
        raise InvalidInput(f"aspect ratio {ratio!r} must be two positive numbers")
    out = [
        f'<iframe data-frontline src="{html_text(check_src(src))}" title="{html_text(title)}" loading="lazy" '
        'referrerpolicy="no-referrer" sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox" '
        f'style="display:block;width:100%;border:0;aspect-ratio:{w}/{h};min-height:{int(min_height)}px"></iframe>',
        LOADER,
    ]
    return "\n".join(out) + "\n"


def chromium_path() -> str | None:
    """Chromium to use: ``$FRONTLINE_CHROMIUM``, else ``/usr/bin/chromium``, else ``chromium`` on PATH."""
    env = os.environ.get("FRONTLINE_CHROMIUM")
    if env:
        return env if Path(env).exists() else None
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def screenshot(html_path, png_path, *, size=PNG_SIZE, timeout_ms: int = 20000, full_page: bool = False) -> Path:
    """Open ``html_path`` in headless Chromium and save a PNG of the page at ``size`` pixels (``full_page``: as
    tall as the page, at least ``size``'s height, so the opened sources are whole).

    Raises
    ------
    MissingResource
        No Chromium or no Playwright.
    """
    exe = chromium_path()
    if exe is None:
        raise MissingResource("no Chromium: install it (apt-get install chromium, or scripts/ensure-browser) "
                              "or set $FRONTLINE_CHROMIUM")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise MissingResource("Playwright is not installed: pip install playwright") from None
    png_path = Path(png_path)

    def run():
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=exe, args=list(CHROMIUM_ARGS))
            try:
                page = browser.new_page(viewport={"width": int(size[0]), "height": int(size[1])})
                page.goto(Path(html_path).resolve().as_uri(), wait_until="load", timeout=timeout_ms)
                page.wait_for_selector(".fl-caption", timeout=timeout_ms)
                try:
                    page.wait_for_load_state("networkidle", timeout=5000)  # tiles, where there is a network
                except Exception:  # noqa: BLE001 - a basemap that never settles must not stop the screenshot
                    pass
                # a still image: no controls, the sources opened (what the static image must credit)
                page.evaluate("document.documentElement.classList.add('fl-static-shot');"
                              "document.querySelectorAll('.fl-sources').forEach(function(d){d.open=true});"
                              "window.dispatchEvent(new Event('resize'))")
                page.wait_for_timeout(100)
                page.screenshot(path=str(png_path), full_page=full_page)
            finally:
                browser.close()

    # Playwright's sync API refuses a thread that already runs an event loop (Jupyter, or another
    # Playwright session): a worker thread of its own always works.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(run).result()
    return png_path


def _mpl(text) -> str:
    # matplotlib reads $...$ as mathtext: escape the dollar so data is drawn literally.
    return clean_text(text).replace("$", r"\$")


def _draw_geojson(ax, g, **kw):
    t = g["type"]
    c = g.get("coordinates")
    if t == "Polygon":
        c = [c]
    if t in ("Polygon", "MultiPolygon"):
        from matplotlib.patches import Polygon as MplPolygon

        for poly in c:
            ax.add_patch(MplPolygon(poly[0], closed=True, **kw))
            for hole in poly[1:]:
                ax.add_patch(MplPolygon(hole, closed=True, facecolor="white", edgecolor=kw.get("edgecolor"),
                                        linewidth=kw.get("linewidth", 1), zorder=kw.get("zorder", 1)))
    elif t in ("LineString", "MultiLineString"):
        for line in ([c] if t == "LineString" else c):
            xs, ys = zip(*line, strict=True)
            ax.plot(xs, ys, color=kw.get("edgecolor"), linewidth=kw.get("linewidth", 1),
                    linestyle=kw.get("linestyle", "-"), zorder=kw.get("zorder", 1))
    elif t == "GeometryCollection":
        for sub in g["geometries"]:
            _draw_geojson(ax, sub, **kw)


def _labels(fig, ax, ctx, col, size):
    """Places and countries chosen as on the page (:func:`geo.render.static_map.place_labels`): in rank order,
    never overlapping, never leaving the frame.
    """
    from .static_map import place_labels

    ax.apply_aspect()
    height = size[1]
    box = ax.get_window_extent()
    frame = (box.x0, height - box.y1, box.x1, height - box.y0)

    def xy(lon, lat):
        x, y = ax.transData.transform((lon, lat))
        return x, height - y

    px_font = 8 * 100 / 72  # 8 pt at 100 dpi, in pixels
    for kind, text, x, y, anchor, dot in place_labels(ctx.get("places", []), xy, frame, size=px_font,
                                                      countries=ctx.get("countries", [])):
        ha = {"start": "left", "end": "right", "middle": "center"}[anchor]
        if kind == "country":
            fig.text(x / size[0], 1 - y / height, _mpl(text), fontsize=10, fontweight="bold", color="#5c5c5c",
                     ha="center", va="baseline")
            continue
        fig.text(dot[0] / size[0], 1 - dot[1] / height, "●", fontsize=5, color=col["place"], ha="center",
                 va="center")
        fig.text(x / size[0], 1 - y / height, _mpl(text), fontsize=8, fontweight="bold", ha=ha, va="baseline")


def draw_png(payload: dict, png_path, *, size=PNG_SIZE, dpi: int = 100) -> Path:
    """Draw the payload of a map (:func:`geo.render.payload.map_payload`) as a PNG with matplotlib.

    Raises
    ------
    MissingResource
        matplotlib is not installed.
    """
    import math

    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch
    except ImportError:
        raise MissingResource("matplotlib is not installed: pip install matplotlib (or install Chromium)") from None

    fig = Figure(figsize=(size[0] / dpi, size[1] / dpi), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.02, 0.1, 0.96, 0.8))
    ax.set_facecolor("#f3f1ec")
    ctx = payload.get("context", {})
    col = payload["colours"]
    if "outlines" in ctx:
        _draw_geojson(ax, ctx["outlines"], edgecolor=col["outlines"], linewidth=0.8, zorder=1)
    if "border" in ctx:
        _draw_geojson(ax, ctx["border"], edgecolor=col["border"], linewidth=1.4, linestyle="--", zorder=2)
    for f in payload["features"]:
        st = payload["statuses"][f["s"]]
        if st["kind"] == "line":
            _draw_geojson(ax, f["g"], edgecolor=st["colour"], linewidth=2.2, zorder=5)
        else:
            _draw_geojson(ax, f["g"], facecolor=st["colour"], edgecolor=st["colour"], alpha=0.5, linewidth=0.8,
                          zorder=3)
    for f in payload["changes"]:
        c = col[f["k"]]
        _draw_geojson(ax, f["g"], facecolor=c, edgecolor=c, alpha=0.55 if f["k"] == "gained" else 0.3,
                      linewidth=1.2, linestyle="-" if f["k"] == "gained" else "--", zorder=4)
    (s, w), (n, e) = payload["bounds"]
    ax.set_xlim(w, e)
    ax.set_ylim(s, n)
    ax.set_aspect(1 / math.cos(math.radians((s + n) / 2)), adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    _labels(fig, ax, ctx, col, size)
    handles = []
    for it in payload["legend"]:
        label = _mpl(it["label"] + (f" {it['value']}" if it["value"] else ""))
        if it["kind"] in ("area", "gained", "lost"):
            handles.append(Patch(facecolor=it["colour"], edgecolor=it["colour"], alpha=0.6, label=label))
        elif it["kind"] == "place":
            handles.append(Line2D([], [], marker="o", linestyle="", color=it["colour"], label=label))
        else:
            handles.append(Line2D([], [], color=it["colour"], label=label,
                                  linestyle="--" if it["kind"] == "border" else "-"))
    if handles:
        # beside the map, never over its labels
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, framealpha=0.92)
    head = _mpl(payload["title"]) + "   " + _mpl(payload.get("span") or payload["dateText"])
    fig.text(0.02, 0.95, head, fontsize=14, fontweight="bold", va="center")
    fig.text(0.02, 0.075, _mpl(payload["caption"]), fontsize=9, va="center", wrap=True)
    # the whole attribution, wrapped: a static image is published without its page, so it must credit everything
    import textwrap

    credits = " · ".join(_mpl(a["label"] + a["text"]) for a in payload["attribution"])
    per_line = max(60, int(size[0] / 4.6))
    lines = textwrap.wrap(credits, per_line)
    step = min(0.016, 0.05 / max(len(lines), 1))
    for i, ln in enumerate(lines):
        fig.text(0.02, 0.05 - i * step, ln, fontsize=7 if step >= 0.012 else 5.5, color="#555555", va="top")
    png_path = Path(png_path)
    fig.savefig(png_path, dpi=dpi, metadata={"Software": None})
    return png_path
