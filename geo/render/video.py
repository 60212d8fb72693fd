"""The series as an animation: one frame per date, drawn server-side with matplotlib, written as GIF, MP4 or WebM.

Pure over plain data (the theatre, the dated layers as GeoJSON, their areas, the context): the command
(``geo.commands.animate``) reads the store and hands frames in one at a time, so memory stays bounded by one
layer whatever the series' length.

Decisions:

* Each frame is the theatre's map of that day: the ground in its statuses, lines as lines, the context (border,
  outlines, places and country names placed once for the whole series, as :func:`geo.render.static_map.
  place_labels` places them: by rank, never overlapping, inside the frame), the date stamp, the figures of the day
  (the same words and numbers as the maps' caption, from the same area results as ``frontline area``), a small
  area chart of the whole series whose cursor moves, and the attribution on every frame.
* The view is fixed for the whole animation (the bounds of every frame's ground, and the theatre's box where
  there is none), so the map never jumps; the projection is the static map's (x scaled by cos(latitude)).
* Sizes: ``square`` 1080×1080, ``landscape`` 1920×1080, ``portrait`` 1080×1920, or ``WxH`` (even numbers, for
  yuv420p video). Text sizes follow the frame's shorter side.
* Deterministic: the same inputs give the same frames, byte for byte (Agg, no timestamps); GIFs are encoded by
  Pillow with one palette for the whole film (taken from the frame of the peak, which holds every colour) and no
  dithering, so two runs give identical files.
* A GIF is streamed (:class:`_GifStream`): each frame is written as soon as the next one differs from it, with
  Pillow's header and frame encoders, so memory holds three frames whatever the series' length (Pillow's
  ``save(save_all=True)`` kept every frame: 353 frames at 1080 px peaked at 574 MB). Its frames show the same
  pixels for the same times as Pillow's writer did; it is smaller (a sixth, on the whole front) because inside
  each frame's changed box the unchanged pixels are transparent, and no frame repeats the palette. It is written
  beside the output and renamed, so a failed run leaves no half file and the older one intact.
* MP4 (H.264, yuv420p, ``+faststart``: plays in every browser and on every phone) and WebM (VP9) through
  imageio with the ffmpeg binary that imageio-ffmpeg ships, with ``macro_block_size=1`` (no padding: 1080 stays
  1080). The encoders look ahead fewer frames than their defaults, because each frame looked ahead is held in
  the ffmpeg child (about 3.7 MB at 1080 px): x264 20 instead of medium's 40 (the child's peak on the whole front
  at 1080 px 308–334 → 223–237 MB; the file 4 % smaller, PSNR 58.0 instead of 58.7 dB, no visible difference),
  libvpx 10 instead of 25 (265 → 216–226 MB; the same bytes on the whole front and on Kursk). Both stay flat
  with the number of frames (353 and 769).
* ``hold_last`` repeats the last frame for that many seconds (a GIF lengthens its last frame instead).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from ..errors import InvalidInput, MissingResource
from . import messages
from .payload import format_day, format_km2, place_rank
from .safe import clean_text
from .static_map import wrap_text

TOTAL_FILL = "#7a7a7a"  # the chart's fill of all held ground (the union), as on the timeline
SIZES = {"square": (1080, 1080), "landscape": (1920, 1080), "portrait": (1080, 1920)}
FORMATS = ("gif", "mp4", "webm")
THEMES = {
    "light": {"bg": "#ffffff", "map": "#f3f1ec", "text": "#1d1d1d", "muted": "#4d4d4d", "border": "#333333",
              "outline": "#8a8a8a", "place": "#222222", "halo": "#ffffff", "grid": "#dddddd"},
    "dark": {"bg": "#15171a", "map": "#23262b", "text": "#f0f0f0", "muted": "#c4c4c4", "border": "#d0d0d0",
             "outline": "#7a7a7a", "place": "#eeeeee", "halo": "#15171a", "grid": "#3a3d42"},
}


def parse_size(text: str) -> tuple[int, int]:
    """A preset name or ``WxH`` → (width, height) in pixels, each even and between 240 and 3840.

    Examples
    --------
    >>> parse_size("square"), parse_size("720x720")
    ((1080, 1080), (720, 720))
    >>> parse_size("721x720")
    Traceback (most recent call last):
    ...
    geo.errors.InvalidInput: size '721x720': width and height must be even numbers from 240 to 3840 (yuv420p video)
    """
    if text in SIZES:
        return SIZES[text]
    m = re.fullmatch(r"(\d{2,4})x(\d{2,4})", text or "")
    if not m:
        raise InvalidInput(f"size {text!r}: choose {', '.join(SIZES)} or WxH (e.g. 720x720)")
    w, h = int(m.group(1)), int(m.group(2))
    if not all(240 <= v <= 3840 and v % 2 == 0 for v in (w, h)):
        raise InvalidInput(f"size {text!r}: width and height must be even numbers from 240 to 3840 (yuv420p video)")
    return w, h


@dataclass(frozen=True)
class Frame:
    """One frame's data: the date shown, the layer drawn (the one in force), its areas."""

    date: str
    layer_date: str
    collection: Mapping
    areas_km2: Mapping
    total_km2: float


@dataclass
class Film:
    """What stays the same over every frame: the theatre, the series' totals for the chart, the context."""

    theatre: object
    series: Sequence[tuple[str, float]]  # (date, union km²) of every date drawn, for the chart
    context: Mapping = field(default_factory=dict)
    bounds: tuple[float, float, float, float] | None = None  # west, south, east, north
    size: tuple[int, int] = SIZES["square"]
    theme: str = "light"
    lang: str = "en"


def figures_text(theatre, areas_km2: Mapping, lang: str = "en") -> str:
    """The figures of a frame, in the maps' words: ``Ukrainian-held: 1,148 km² · Contested: 153 km²``.

    Examples
    --------
    >>> from geo.theatre import Theatre, Status
    >>> figures_text(Theatre("d", "D", (Status("held", "Held", "#112233"),)), {"held": 1148.3})
    'Held: 1,148 km²'
    >>> figures_text(Theatre("d", "D", (Status("held", "Held", "#112233"),)), {})
    'Held: 0 km²'
    """
    unit = messages.msg(lang, "km2")
    return " · ".join(messages.msg(lang, "figure", label=clean_text(s.label_in(lang)), km2=unit,
                                   value=format_km2(areas_km2.get(s.key, 0.0), lang))
                      for s in theatre.statuses if s.kind == "area")


def series_bounds(collections: Iterable[Mapping]) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) of every area and line in the collections, or None for none."""
    import shapely

    w = s = math.inf
    e = n = -math.inf
    for c in collections:
        for f in c.get("features", []):
            g = f.get("geometry")
            if not g:
                continue
            b = shapely.bounds(shapely.from_geojson(json.dumps(g)))
            if not all(map(math.isfinite, b)):
                continue
            w, s, e, n = min(w, b[0]), min(s, b[1]), max(e, b[2]), max(n, b[3])
    return None if w == math.inf else (w, s, e, n)


def _layout(size, title_lines: int):
    """Boxes of the frame, in figure fractions, from pixel sizes that follow the shorter side."""
    w, h = size
    u = min(w, h) / 1080
    pad = 30 * u
    title_h = 34 * u * title_lines
    band = pad + title_h + 12 * u + 52 * u + 10 * u + 30 * u  # title, date stamp, figures
    credit_h = 3 * 18 * u + pad * 0.6
    fx, fy = (lambda px: px / w), (lambda py: py / h)
    if w > h * 1.3:  # landscape: the map on the left, the words and the chart on the right
        side = 0.64
        return u, {"map": (fx(pad), fy(credit_h + pad * 0.5), side - fx(2 * pad), 1 - fy(credit_h + 1.5 * pad)),
                   "chart": (side + fx(90 * u), fy(credit_h + 60 * u), 1 - side - fx(90 * u + pad), fy(220 * u)),
                   "title": (side, 1 - fy(pad)), "date": (side, 1 - fy(pad + title_h + 12 * u)),
                   "figs": (side, 1 - fy(pad + title_h + 74 * u)), "credit": (fx(pad), fy(pad * 0.6)),
                   "text_w": (1 - side) * w - pad}
    chart_h = 150 * u
    chart_y = credit_h + 48 * u
    map_y = chart_y + chart_h + 30 * u
    return u, {"map": (fx(pad), fy(map_y), 1 - fx(2 * pad), 1 - fy(map_y + band + 14 * u)),
               "chart": (fx(pad + 110 * u), fy(chart_y), 1 - fx(2 * pad + 130 * u), fy(chart_h)),
               "title": (fx(pad), 1 - fy(pad)), "date": (fx(pad), 1 - fy(pad + title_h + 12 * u)),
               "figs": (fx(pad), 1 - fy(pad + title_h + 74 * u)), "credit": (fx(pad), fy(pad * 0.6)),
               "text_w": w - 2 * pad}


def _rings_path(geometry):
    """A matplotlib Path of a GeoJSON geometry's polygons (holes by even-odd), or of its lines (None, lines)."""
    import numpy as np
    import shapely
    from matplotlib.path import Path

    g = shapely.from_geojson(json.dumps(geometry))
    verts, codes, lines = [], [], []
    for part in shapely.get_parts(g):
        if part.geom_type == "Polygon":
            for ring in [part.exterior, *part.interiors]:
                xy = np.asarray(ring.coords)
                if len(xy) < 4:
                    continue
                verts.append(xy)
                codes.append(np.array([Path.MOVETO] + [Path.LINETO] * (len(xy) - 2) + [Path.CLOSEPOLY]))
        elif part.geom_type in ("LineString", "LinearRing"):
            lines.append(np.asarray(part.coords))
        elif part.geom_type.startswith("Multi") or part.geom_type == "GeometryCollection":
            sub = _rings_path(json.loads(shapely.to_geojson(part)))
            if sub[0] is not None:
                verts.append(sub[0].vertices)
                codes.append(sub[0].codes)
            lines.extend(sub[1])
    path = Path(np.concatenate(verts), np.concatenate(codes)) if verts else None
    return path, lines


class Renderer:
    """Draws frames of a :class:`Film` with matplotlib, redrawing only what a date changes.

    The background (map, context lines, title, credits, the chart) is drawn once and restored for each frame;
    the place and country labels are drawn once on a transparent layer composited over each frame (so the
    ground never covers a name); each frame draws only its ground, its date, its figures and the chart's cursor.
    """

    def __init__(self, film: Film):
        try:
            from matplotlib.backends.backend_agg import FigureCanvasAgg
            from matplotlib.figure import Figure
        except ImportError:
            raise MissingResource("animate needs matplotlib: pip install 'frontline[video]'") from None
        import numpy as np

        if film.theme not in THEMES:
            raise InvalidInput(f"unknown theme {film.theme!r}: choose one of {', '.join(THEMES)}")
        self.film = film
        self.col = col = THEMES[film.theme]
        w, h = film.size
        t = film.theatre
        u0 = min(w, h) / 1080
        landscape = w > h * 1.3
        text_w = ((1 - 0.64) * w - 30 * u0) if landscape else (w - 60 * u0)
        self.lang = lang = messages.check_lang(film.lang)
        title = wrap_text(clean_text(t.title_in(lang), max_len=200), text_w, 34 * u0 * 0.9, 2, em=0.58)
        self.unit, box = _layout(film.size, len(title))
        u = self.unit
        self.fig = fig = Figure(figsize=(w / 100, h / 100), dpi=100, facecolor=col["bg"])
        self.canvas = FigureCanvasAgg(fig)
        ax = fig.add_axes(box["map"])
        self._view(ax, box["map"])
        self.ax = ax
        self._context_lines(film.context)
        pt = 72 / 100  # points per pixel at 100 dpi
        fig.text(*box["title"], "\n".join(title), fontsize=30 * u * pt * 1.0, fontweight="bold", color=col["text"],
                 va="top", linespacing=1.1)
        self.date = fig.text(*box["date"], "", fontsize=48 * u * pt, fontweight="bold", color=col["text"], va="top",
                             animated=True)
        self.figs = fig.text(*box["figs"], "", fontsize=25 * u * pt, color=col["text"], va="top", animated=True)
        self.figs_width = box["text_w"]
        credits = " · ".join([*(clean_text(a, max_len=300) for a in t.attribution), messages.msg(lang, "made_with")])
        credit_lines = wrap_text(credits, w - 60 * u, 15 * u, 3, em=0.58)
        fig.text(*box["credit"], "\n".join(credit_lines), fontsize=15 * u * pt,
                 color=col["muted"], va="bottom", linespacing=1.15)
        self.cax = None
        self.text_x = box["title"][0]
        self._chart(fig.add_axes(box["chart"]))
        self.canvas.draw()
        self.background = self.canvas.copy_from_bbox(fig.bbox)
        # the labels, once, on a transparent layer of the same geometry
        over = Figure(figsize=(w / 100, h / 100), dpi=100)
        over.patch.set_alpha(0)
        oc = FigureCanvasAgg(over)
        oax = over.add_axes(box["map"])
        self._view(oax, box["map"])
        oax.patch.set_alpha(0)
        oax.set_axis_off()
        self._labels(oax, film.context)
        oc.draw()
        rgba = np.asarray(oc.buffer_rgba()).astype(np.float32) / 255.0
        alpha = rgba[:, :, 3:4]
        self._mask = np.nonzero(alpha[:, :, 0] > 0)
        self._over_a = alpha[self._mask]
        self._over_rgb = rgba[:, :, :3][self._mask]
        self.dynamic: list = []

    def _view(self, ax, box):
        film, col = self.film, self.col
        w, h = film.size
        ax.set_facecolor(col["map"])
        for side in ax.spines.values():
            side.set_visible(False)
        ax.set_xticks([])
        ax.set_yticks([])
        west, south, east, north = film.bounds or film.theatre.bbox or (-180.0, -60.0, 180.0, 75.0)
        dx, dy = (east - west) * 0.08, (north - south) * 0.08
        west, south, east, north = west - dx, south - dy, east + dx, north + dy
        kx = math.cos(math.radians((south + north) / 2))
        bw, bh = box[2] * w, box[3] * h
        cx, cy = (west + east) / 2, (south + north) / 2
        half_x = max((east - west) / 2, (north - south) / 2 * bw / bh / kx)
        half_y = half_x * kx * bh / bw
        ax.set_xlim(cx - half_x, cx + half_x)
        ax.set_ylim(cy - half_y, cy + half_y)

    def _context_lines(self, ctx: Mapping):
        import numpy as np

        col, u = self.col, self.unit
        for kind, colour, width, style in (("outlines", col["outline"], 1.2, "-"),
                                           ("border", col["border"], 2.4, (0, (6, 3, 1.5, 3)))):
            for f in (ctx.get(kind) or {}).get("features", []):
                if not f.get("geometry"):
                    continue
                path, lines = _rings_path(f["geometry"])
                if path is not None:
                    lines = lines + [np.asarray(path.vertices)]
                for ln in lines:
                    self.ax.plot(ln[:, 0], ln[:, 1], color=colour, linewidth=width * u, linestyle=style, zorder=2)

    def _labels(self, ax, ctx: Mapping):
        from matplotlib.patheffects import withStroke

        from .static_map import place_labels

        col, u = self.col, self.unit
        places = []
        for f in (ctx.get("settlements") or {}).get("features", []):
            g, p = f.get("geometry") or {}, f.get("properties") or {}
            if g.get("type") == "Point" and p.get("name"):
                places.append((p, {"n": clean_text(messages.localized(p, "name", self.lang), max_len=60),
                                   "ll": [g["coordinates"][1], g["coordinates"][0]]}))
        places = [x for _, x in sorted(((place_rank(p, i), x) for i, (p, x) in enumerate(places)),
                                       key=lambda r: r[0])]
        countries = [{"n": clean_text(messages.localized(f["properties"], "name", self.lang)).upper(),
                      "ll": [f["geometry"]["coordinates"][1], f["geometry"]["coordinates"][0]]}
                     for f in (ctx.get("countries") or {}).get("features", [])
                     if (f.get("geometry") or {}).get("type") == "Point" and (f.get("properties") or {}).get("name")]
        h = self.film.size[1]
        ax.figure.canvas.draw()
        bbox = ax.get_window_extent()
        frame = (bbox.x0, h - bbox.y1, bbox.x1, h - bbox.y0)

        def xy(lon, lat):
            x, y = ax.transData.transform((lon, lat))
            return x, h - y

        size_px = 19 * u
        pt = 72 / 100
        halo = [withStroke(linewidth=3.5 * u, foreground=col["halo"])]
        inv = ax.transData.inverted()
        for kind, text, x, y, anchor, dot in place_labels(places, xy, frame, size=size_px, countries=countries):
            lon, lat = inv.transform((x, h - y))
            if kind == "country":
                ax.text(lon, lat, text, fontsize=size_px * 1.25 * pt, fontweight="bold", color=col["muted"],
                        ha="center", va="baseline", path_effects=halo)
                continue
            dlon, dlat = inv.transform((dot[0], h - dot[1]))
            ax.plot([dlon], [dlat], "o", color=col["place"], markersize=6 * u * pt, markeredgecolor=col["halo"],
                    markeredgewidth=1 * u)
            ha = {"start": "left", "end": "right", "middle": "center"}[anchor]
            ax.text(lon, lat, text, fontsize=size_px * pt, fontweight="bold", color=col["place"], ha=ha,
                    va="baseline", path_effects=halo)

    def _chart(self, cax):
        import datetime as dt

        col, u = self.col, self.unit
        pt = 72 / 100
        series = self.film.series
        cax.set_facecolor(col["bg"])
        for side in ("top", "right"):
            cax.spines[side].set_visible(False)
        for side in ("left", "bottom"):
            cax.spines[side].set_color(col["muted"])
        cax.tick_params(colors=col["muted"], labelsize=16 * u * pt, length=4 * u)
        if not series:  # a card: the headline figure where the chart would be
            cax.set_visible(False)
            _, y0, _, ch = cax.get_position().bounds
            self.headline = self.fig.text(self.text_x, y0 + ch * 1.2, "", fontsize=64 * u * pt, fontweight="bold",
                                          color=col["text"], va="bottom", animated=True)
            self.fig.text(self.text_x, y0 + ch * 1.05, messages.msg(self.lang, "held_together"), fontsize=22 * u * pt,
                          color=col["muted"], va="top")
            return
        d0 = dt.date.fromisoformat(series[0][0])
        self._day = {d: (dt.date.fromisoformat(d) - d0).days for d, _ in series}
        xs = [self._day[d] for d, _ in series]
        ys = [v for _, v in series]
        cax.fill_between(xs, ys, color=TOTAL_FILL, alpha=0.35, linewidth=0)
        cax.plot(xs, ys, color=col["text"], linewidth=2 * u)
        top = max(ys) or 1.0
        cax.set_ylim(0, top * 1.15)
        cax.set_xlim(xs[0], max(xs[-1], xs[0] + 1))
        cax.set_yticks([0, top])
        cax.set_yticklabels(["0", f"{format_km2(top, self.lang)} {messages.msg(self.lang, 'km2')}"])
        ticks = sorted({0, xs[-1]})
        cax.set_xticks(ticks)
        labels = [format_day(series[0][0], self.lang), format_day(series[-1][0], self.lang)][:len(ticks)]
        cax.set_xticklabels(labels)
        for lab, ha in zip(cax.get_xticklabels(), ("left", "right"), strict=False):
            lab.set_horizontalalignment(ha)
        self.cursor = cax.axvline(xs[0], color=col["text"], linewidth=2.5 * u, animated=True)
        (self.dot,) = cax.plot([xs[0]], [ys[0]], "o", color=col["text"], markersize=9 * u * pt, animated=True)
        self.cax = cax

    def draw(self, frame: Frame):
        """Draw ``frame`` and return the figure's pixels as an (H, W, 3) uint8 array."""
        import numpy as np
        from matplotlib.collections import LineCollection
        from matplotlib.patches import PathPatch

        self.canvas.restore_region(self.background)
        u = self.unit
        for order, s in enumerate(self.film.theatre.statuses):
            for f in frame.collection.get("features", []):
                if (f.get("properties") or {}).get("status") != s.key or not f.get("geometry"):
                    continue
                path, lines = _rings_path(f["geometry"])
                if s.kind == "area" and path is not None:
                    self.ax.draw_artist(PathPatch(path, facecolor=s.colour, edgecolor=s.colour, alpha=0.55,
                                                  linewidth=1.5 * u, zorder=3 + order * 0.01, figure=self.fig,
                                                  transform=self.ax.transData, clip_box=self.ax.bbox))
                segs = list(lines)
                if s.kind == "line" and path is not None:
                    segs.append(np.asarray(path.vertices))
                if segs and s.kind == "line":
                    lc = LineCollection(segs, colors=s.colour, linewidths=4 * u, zorder=5, figure=self.fig,
                                        transform=self.ax.transData)
                    lc.set_clip_box(self.ax.bbox)
                    self.ax.draw_artist(lc)
        lang = self.lang
        day = format_day(frame.date, lang)
        stale = messages.msg(lang, "last_update", date=format_day(frame.layer_date, lang))
        self.date.set_text(day + (f"  ({stale})" if frame.layer_date != frame.date else ""))
        pt = 72 / 100
        figs = wrap_text(figures_text(self.film.theatre, frame.areas_km2, lang), self.figs_width, 25 * u * pt * 1.39,
                         2, em=0.58)
        self.figs.set_text("\n".join(figs))
        self.fig.draw_artist(self.date)
        self.fig.draw_artist(self.figs)
        if getattr(self, "headline", None) is not None:
            self.headline.set_text(f"{format_km2(frame.total_km2, self.lang)} {messages.msg(self.lang, 'km2')}")
            self.fig.draw_artist(self.headline)
        if self.cax is not None and frame.date in self._day:
            x = self._day[frame.date]
            self.cursor.set_xdata([x, x])
            self.dot.set_data([x], [frame.total_km2])
            self.cax.draw_artist(self.cursor)
            self.cax.draw_artist(self.dot)
        out = np.asarray(self.canvas.buffer_rgba())[:, :, :3].astype(np.float32) / 255.0
        out[self._mask] = self._over_rgb * self._over_a + out[self._mask] * (1 - self._over_a)
        return (out * 255.0 + 0.5).astype(np.uint8)


CARD_SIZE = (1200, 630)


def social_card(theatre, frame: Frame, *, context: Mapping | None = None, bounds=None, series=(),
                theme: str = "light", lang: str = "en") -> bytes:
    r"""A 1200×630 PNG for link previews (``og:image``): title, date, the map, the figures, the attribution.

    The same drawing as a frame of :func:`render` (so a card and a video frame of the same date agree), with the
    chart of ``series`` where given; deterministic (no metadata written).

    Examples
    --------
    >>> from geo.theatre import Theatre, Status
    >>> t = Theatre("demo", "Demo", (Status("held", "Held", "#112233"),), bbox=(35.0, 51.0, 35.5, 51.3))
    >>> png = social_card(t, Frame("2024-08-24", "2024-08-24", {"features": []}, {}, 0.0))
    >>> png[:8] == b"\x89PNG\r\n\x1a\n"
    True
    """
    import io

    from PIL import Image

    film = Film(theatre=theatre, series=list(series), context=context or {}, bounds=bounds, size=CARD_SIZE,
                theme=theme, lang=lang)
    px = Renderer(film).draw(frame)
    buf = io.BytesIO()
    Image.fromarray(px, "RGB").save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def render(film: Film, frames: Iterable[Frame]) -> Iterator:
    """Yield each frame's pixels (an (H, W, 3) uint8 array) in order."""
    r = Renderer(film)
    for f in frames:
        yield r.draw(f)


def write(path, pixels: Iterable, *, fps: float = 8.0, hold_last: float = 2.0, palette_from=None) -> int:
    """Write frames to ``path`` (``.gif``, ``.mp4`` or ``.webm``); return the number of frames written.

    ``palette_from`` (an array) gives the GIF its one palette (default: the first frame).
    """
    from pathlib import Path

    path = Path(path)
    fmt = path.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise InvalidInput(f"{path.name}: the output must end in .gif, .mp4 or .webm")
    if not (0.5 <= fps <= 60):
        raise InvalidInput(f"--fps {fps}: choose from 0.5 to 60 frames a second")
    if fmt == "gif":
        return _write_gif(path, pixels, fps, hold_last, palette_from)
    return _write_video(path, pixels, fps, hold_last, fmt)


def _write_gif(path, pixels, fps, hold_last, palette_from) -> int:
    """Quantise each frame to one palette and stream it to the file as it comes (:class:`_GifStream`).

    The file is written beside ``path`` and renamed over it at the end, so a failed or interrupted film leaves
    no half GIF (and an older file of that name intact).
    """
    import os
    import tempfile
    from pathlib import Path

    from PIL import Image

    it = iter(pixels)
    first = next(it, None)
    if first is None:
        raise InvalidInput("no frames to write")
    src = Image.fromarray(palette_from if palette_from is not None else first, "RGB")
    palette = src.quantize(colors=96, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    step = round(1000 / fps)
    held = round(1000 * max(hold_last, 0) / step)

    def quantised(px):
        return Image.fromarray(px, "RGB").quantize(palette=palette, dither=Image.Dither.NONE)

    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            gif = _GifStream(f, quantised(first), step)
            del first
            for px in it:
                gif.add(quantised(px), step)
            gif.close(hold=held * step)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return gif.count


class _GifStream:
    """A looping GIF written frame by frame with Pillow's encoder: memory is three frames whatever their number
    (the one on screen, the one waiting to be written, the one coming).

    Pillow's ``save(save_all=True)`` keeps every frame until the end (one byte a pixel: the whole front's 353
    frames at 1080 px held 400 MB); this writes a GIF of the same pictures as it goes, with Pillow's own pieces
    (:func:`PIL.GifImagePlugin.getheader` for the screen, the one palette and the loop,
    :func:`PIL.GifImagePlugin.getdata` for each frame's control extension and LZW data), and does what Pillow's
    writer does between frames:

    * a frame identical to the one before is not written: its time goes to the one before (so the last frame's
      hold is added to its duration), which is why a frame waits here until the next different one arrives;
    * a frame is cropped to the box that changed since the one before, drawn over it (disposal 1, "leave in
      place"), and inside the box the pixels that did not change are the transparent index (one the palette does
      not use), which LZW packs into almost nothing: a frame shows exactly the pixels Pillow's file shows, in
      fewer bytes (Pillow does this only with ``optimize``, and adds a copy of the palette to every frame when
      none is given; here every frame uses the one global palette).

    All frames must be ``P`` images with the same palette (as :func:`_write_gif` makes them). (``getdata`` keeps
    a frame's bytes in a class it makes per call, which only the cycle collector frees: a few frames' bytes may
    wait for it, never more.)
    """

    def __init__(self, fp, first, duration: int):
        from PIL import GifImagePlugin

        self.fp, self.size = fp, first.size
        header, _ = GifImagePlugin.getheader(first, None, {"loop": 0})
        fp.write(b"".join(header))
        colours = len(first.getpalette() or ()) // 3
        self.transparent = colours if colours < 256 else None
        self.previous = first  # what the screen shows once the pending frame is drawn
        self.pending = (first, (0, 0), None)  # image, offset, transparent index (or None)
        self.duration = duration
        self.count = 1

    def add(self, im, duration: int):
        """Queue frame ``im`` shown for ``duration`` ms; write the frame before it once it is known to differ."""
        from PIL import ImageChops

        self.count += 1
        if im.size != self.size:
            raise ValueError(f"frame {self.count} is {im.size}, the film {self.size}")
        delta = ImageChops.subtract_modulo(im, self.previous)
        box = delta.getbbox(alpha_only=False)
        if box is None:  # the same picture: shown longer
            self.duration += duration
            return
        self._flush()
        crop = im.crop(box) if box != (0, 0, *self.size) else im.copy()
        t = self.transparent
        if t is not None and crop.histogram()[t]:
            t = None  # (never with a palette of fewer than 256 colours, but a pixel must not vanish)
        if t is not None:
            unchanged = delta.crop(box).point([255, *(0,) * 255], "1")
            crop.paste(t, mask=unchanged)
        self.previous = im
        self.pending = (crop, box[:2], t)
        self.duration = duration

    def _flush(self):
        from PIL import GifImagePlugin

        im, offset, t = self.pending
        params = {"duration": self.duration, "disposal": 1}
        if t is not None:
            params["transparency"] = t
        for chunk in GifImagePlugin.getdata(im, offset, **params):
            self.fp.write(chunk)
        self.pending = None

    def close(self, hold: int = 0):
        """Write the last frame, shown ``hold`` ms longer, and the trailer."""
        self.duration += hold
        self._flush()
        self.fp.write(b";")


def _write_video(path, pixels, fps, hold_last, fmt) -> int:
    try:
        import imageio.v2 as imageio
    except ImportError:
        raise MissingResource("MP4 and WebM need imageio and imageio-ffmpeg: pip install 'frontline[video]'") from None
    if fmt == "mp4":
        opts = {"codec": "libx264", "pixelformat": "yuv420p",
                "ffmpeg_params": ["-crf", "20", "-preset", "medium", "-rc-lookahead", "20", "-movflags", "+faststart",
                                  "-threads", "2", "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:v",
                                  "+bitexact"]}
    else:
        opts = {"codec": "libvpx-vp9", "pixelformat": "yuv420p",
                "ffmpeg_params": ["-b:v", "0", "-crf", "34", "-row-mt", "1", "-threads", "2", "-deadline", "good",
                                  "-cpu-used", "4", "-lag-in-frames", "10", "-map_metadata", "-1", "-fflags",
                                  "+bitexact"]}
    n = 0
    writer = imageio.get_writer(str(path), format="FFMPEG", mode="I", fps=fps, macro_block_size=1, quality=None,
                                **opts)
    last = None
    try:
        for px in pixels:
            writer.append_data(px)
            last = px
            n += 1
        if last is None:
            raise InvalidInput("no frames to write")
        for _ in range(round(max(hold_last, 0) * fps)):
            writer.append_data(last)
            n += 1
    finally:
        writer.close()
    return n
