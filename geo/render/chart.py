"""Pure: the area-over-time chart of a series as a static image (SVG or PNG), drawn with matplotlib, for print.

It is the same chart as the timeline page's (:mod:`geo.render.timeline`): the union of the area statuses filled,
each area status as a line, the peak marked and labelled, and the dated events. :func:`chart_series` turns the
rows of :func:`geo.measure.compute_areas` and an events collection into plain data; :func:`draw_chart` draws that
data as the bytes of an image. Neither opens a file.

Decisions, written down because nobody was there to ask
------------------------------------------------------
*matplotlib is optional* (the ``chart`` extra; the test extra has it): a missing matplotlib is a
:class:`~geo.errors.MissingResource` (exit 3) naming the install command.

*Events* are drawn as dotted vertical lines numbered in date order, with a numbered list under the chart (date
and title, cut to fit its column): titles written along the lines collide within a week of each other, and a
print chart must stay legible at column width.

*Lines* (statuses of kind ``line``, the contact line) have no area: they are not in the chart, as on the page.

*Text is data*: every string passes :func:`geo.render.safe.clean_text` (controls and bidi overrides removed) and
``$`` is escaped so that matplotlib never reads it as mathtext. In SVG the text is drawn as glyph paths
(``svg.fonttype = "path"``); matplotlib also repeats each text in an XML comment, escaped (``<``, ``&``, and ``--``
broken up), so no text from data is ever markup in the file.

*Determinism*: the SVG's ids use a fixed ``svg.hashsalt`` and its metadata carry no date; the PNG carries no
``Software`` stamp. The same inputs give the same bytes with the same matplotlib and fonts.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence

from ..errors import InvalidInput, MissingResource
from . import messages
from .safe import clean_text

SCHEMA = "frontline.chart/v1"
FORMATS = ("svg", "png")
#: Width and height in pixels at 100 dpi (the SVG's size in points is the same number times 0.72).
DEFAULT_SIZE = (1000, 520)
MAX_EVENT_TITLE = 90
LIST_TITLE = 68  # characters of an event's title in the list under the chart (two columns)
MARKER_ROWS = 3


def chart_series(theatre, areas: Sequence[Mapping], *, events: Mapping | None = None, lang: str = "en") -> dict:
    """The chart's data: dates, km² per area status and their union, the peak, and the events in range.

    Parameters
    ----------
    theatre : geo.theatre.Theatre
        Title and statuses (label, colour, kind).
    areas : sequence of mappings
        Rows of :func:`geo.measure.compute_areas`: ``date``, ``areas_km2``, ``total_km2``.
    events : mapping, optional
        GeoJSON FeatureCollection of events (properties ``date`` and ``title``); those outside the first..last
        date of ``areas`` or without a valid date are left out.

    Raises
    ------
    InvalidInput
        No rows.

    Examples
    --------
    >>> from geo.theatre import Theatre, Status
    >>> t = Theatre("demo", "Demo", (Status("held", "Held", "#112233"),))
    >>> rows = [{"date": "2024-08-06", "areas_km2": {"held": 1.0}, "total_km2": 1.0},
    ...         {"date": "2024-08-09", "areas_km2": {"held": 3.0}, "total_km2": 3.0},
    ...         {"date": "2024-08-12", "areas_km2": {"held": 3.0}, "total_km2": 3.0}]
    >>> s = chart_series(t, rows)
    >>> s["peak"], s["total"], s["series"][0]["label"]
    (1, [1.0, 3.0, 3.0], 'Held')
    """
    if not areas:
        raise InvalidInput("nothing to chart: no dated layers")
    rows = sorted(areas, key=lambda r: r["date"])
    area_statuses = [s for s in theatre.statuses if s.kind == "area"]
    dates = [r["date"] for r in rows]
    total = [round(float(r["total_km2"]), 3) for r in rows]
    peak = max(range(len(total)), key=lambda i: (total[i], -i))  # the first date of the largest area
    series = [{"key": s.key, "label": clean_text(s.label_in(lang), max_len=80), "colour": s.colour,
               "km2": [round(float(r["areas_km2"].get(s.key, 0.0)), 3) for r in rows]} for s in area_statuses]
    evs = []
    for f in (events or {}).get("features", []) if isinstance(events, Mapping) else []:
        p = f.get("properties") if isinstance(f, Mapping) else None
        if not isinstance(p, Mapping):
            continue
        d = p.get("date")
        try:
            ok = isinstance(d, str) and dt.date.fromisoformat(d).isoformat() == d
        except ValueError:
            ok = False
        if ok and dates[0] <= d <= dates[-1]:
            evs.append({"date": d, "title": clean_text(p.get("title") or "", max_len=MAX_EVENT_TITLE)})
    evs.sort(key=lambda e: (e["date"], e["title"]))
    return {"schema": SCHEMA, "title": clean_text(theatre.title_in(lang), max_len=200), "dates": dates,
            "total": total, "series": series, "peak": peak, "events": evs, "lang": messages.check_lang(lang)}


def _mpl(text: str) -> str:
    return text.replace("$", r"\$")


def _km2(x: float, lang: str = "en") -> str:
    return messages.number(x, 0 if x >= 10 else 1, lang) + "\u00a0" + messages.msg(lang, "km2")


def draw_chart(series: Mapping, fmt: str = "svg", *, size: tuple[int, int] = DEFAULT_SIZE) -> bytes:
    """Draw ``series`` (from :func:`chart_series`) as the bytes of an SVG or PNG file (``fmt``).

    Raises
    ------
    InvalidInput
        A format other than svg or png.
    MissingResource
        matplotlib is not installed.
    """
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise InvalidInput(f"a chart is drawn as svg or png, not {fmt!r}")
    try:
        import matplotlib
        import matplotlib.dates
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.dates import AutoDateLocator
        from matplotlib.figure import Figure
    except ImportError:
        raise MissingResource("drawing a chart needs matplotlib: pip install 'frontline[chart]'") from None

    dates = [dt.date.fromisoformat(d) for d in series["dates"]]
    lang = series.get("lang", "en")
    total = series["total"]
    events = series["events"]
    dpi = 100
    list_rows = (len(events) + 1) // 2
    extra = 0.2 * list_rows + (0.15 if list_rows else 0)  # inches for the numbered list of events
    w, h = size[0] / dpi, size[1] / dpi + extra
    with matplotlib.rc_context({"svg.hashsalt": "frontline", "svg.fonttype": "path", "font.size": 10}):
        fig = Figure(figsize=(w, h), dpi=dpi)
        FigureCanvasAgg(fig)
        bottom = (0.45 + extra) / h
        ax = fig.add_axes((0.08, bottom, 0.88, 1 - bottom - 0.75 / h))
        ax.fill_between(dates, total, step=None, color="#888888", alpha=0.18, linewidth=0, label="_nolegend_")
        ax.plot(dates, total, color="#333333", linewidth=1.6, label=_mpl(messages.msg(lang, "chart_total")))
        for s in series["series"]:
            if len(series["series"]) > 1 or s["km2"] != total:
                ax.plot(dates, s["km2"], color=s["colour"], linewidth=1.3, label=_mpl(s["label"]))
        p = series["peak"]
        ax.plot([dates[p]], [total[p]], "o", color="#c0392b", markersize=6, zorder=5)
        right = p > 0.6 * (len(dates) - 1)
        peak_text = messages.catalogue()[lang]["timeline"]["peak"].format(
            km2=_km2(total[p], lang), date=messages.day(series["dates"][p], lang))
        ax.annotate(_mpl(peak_text), (dates[p], total[p]),
                    xytext=(-8 if right else 8, 6), textcoords="offset points", ha="right" if right else "left",
                    fontsize=9, color="#c0392b")
        top = max(total) if max(total) > 0 else 1.0
        ax.set_ylim(0, top * 1.18)
        span = (dates[-1] - dates[0]).days or 1
        margin = dt.timedelta(days=max(1, round(span * 0.01)))  # whole days: a date drops a fraction
        ax.set_xlim(dates[0] - margin, dates[-1] + margin)
        # numbered markers above the curve, stepped down a row where they would touch the one before
        min_gap = span * 0.028 * 1000 / size[0]
        last_x: list[dt.date | None] = [None] * MARKER_ROWS
        for i, e in enumerate(events, 1):
            d = dt.date.fromisoformat(e["date"])
            row = next((r for r in range(MARKER_ROWS) if last_x[r] is None or (d - last_x[r]).days >= min_gap),
                       i % MARKER_ROWS)
            last_x[row] = d
            ax.axvline(d, color="#555555", linewidth=0.7, linestyle=":", zorder=1)
            ax.text(d, top * (1.12 - 0.075 * row), str(i), ha="center", va="center", fontsize=7.5, zorder=6,
                    bbox={"boxstyle": "circle,pad=0.2", "facecolor": "white", "edgecolor": "#555555",
                          "linewidth": 0.6})
        loc = AutoDateLocator()
        ax.xaxis.set_major_locator(loc)
        months = messages.catalogue()[lang]["months_axis"]  # a month alone: the nominative, abbreviated

        def month_tick(v, pos):  # the language's month names, the year under January and the first tick
            d = matplotlib.dates.num2date(v)
            return months[d.month - 1] + (f"\n{d.year}" if d.month == 1 or pos == 0 else "")

        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(month_tick))
        ax.set_ylabel(messages.msg(lang, "km2"))
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: messages.number(v, 0, lang)))
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=1 + len(series["series"]), fontsize=8,
                  frameon=False)
        fig.text(0.08, 1 - 0.3 / h, _mpl(series["title"]), fontsize=13, fontweight="bold", va="center")
        for i, e in enumerate(events):
            col, row = divmod(i, list_rows)
            d = dt.date.fromisoformat(e["date"])
            title = e["title"] if len(e["title"]) <= LIST_TITLE else e["title"][:LIST_TITLE - 1] + "…"
            fig.text(0.08 + 0.46 * col, (extra - 0.1 - 0.2 * row) / h,
                     _mpl(f"{i + 1}  {messages.day(e['date'], lang)}  {title}"), fontsize=8, va="center")
        buf = io.BytesIO()
        if fmt == "svg":
            fig.savefig(buf, format="svg", metadata={"Date": None})
        else:
            fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()
