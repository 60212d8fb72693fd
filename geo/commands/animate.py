"""``frontline animate THEATRE -o FILE.gif|.mp4|.webm``: the series as an animation, one frame per date.

The store is read here one layer at a time (memory stays bounded by one layer) and plain data goes to
:mod:`geo.render.video`, which draws with matplotlib and writes with Pillow (GIF) or imageio-ffmpeg (MP4, WebM).

Decisions: the frames are every layer date in ``--from``..``--to``, or, with ``--every``, the points of
``changes --every`` (calendar boundaries through the layer in force, or N-day steps; :func:`geo.dates.
change_points`); the frame's figures come from the same cached areas as ``frontline area``; the chart holds every
date drawn; the view is fixed over the whole film (the bounds of every frame's ground). A progress bar shows on a
terminal.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from ._common import (
    THEATRE,
    as_of_option,
    check_date_range,
    date_range_options,
    in_force_option,
    lang_option,
    store_from_ctx,
)


@click.command("animate")
@click.argument("theatre", type=THEATRE)
@date_range_options
@click.option("--every", default=None, metavar="N|week|month|quarter|year",
              help="One frame every N days, or on each calendar boundary (the layer in force on it); "
                   "default: every layer.")
@click.option("--size", "size", default="square", show_default=True, metavar="square|landscape|portrait|WxH",
              help="Frame size: square 1080×1080, landscape 1920×1080, portrait 1080×1920, or WxH (even).")
@click.option("--fps", type=click.FloatRange(0.5, 60), default=8.0, show_default=True, help="Frames a second.")
@click.option("--hold-last", type=click.FloatRange(0, 60), default=2.0, show_default=True,
              help="Seconds the last frame stays on screen.")
@click.option("--theme", type=click.Choice(["light", "dark"]), default="light", show_default=True,
              help="Light or dark frames.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Output file: .gif, .mp4 (H.264) or .webm (VP9).")
@lang_option
@in_force_option
@as_of_option
def command(theatre, date_from, date_to, every, size, fps, hold_last, theme, output, lang, in_force, as_of):
    """Write THEATRE's series as an animated GIF, MP4 or WebM: the map of each date, its figures and a chart."""
    from ..dates import change_points
    from ..errors import InvalidInput
    from ..measure import compute_areas
    from ..render import video

    fmt = output.suffix.lstrip(".").lower()
    if fmt not in video.FORMATS:
        raise click.BadParameter(f"{output.name}: give a file ending in .gif, .mp4 or .webm", param_hint="-o")
    try:
        frame_size = video.parse_size(size)
    except InvalidInput as exc:
        raise click.BadParameter(exc.message, param_hint="--size") from None
    check_date_range(date_from, date_to)
    t0 = time.perf_counter()
    store = store_from_ctx()
    t = store.theatre(theatre)
    points = change_points(sorted(store.require_latest(theatre, as_of=as_of)), start=date_from, end=date_to,
                           every=every, in_force=in_force)
    layer_dates = sorted({ld for _, ld in points})
    rows = {r["date"]: r for r in compute_areas(store, theatre, layer_dates, as_of=as_of)}
    series = [(d, float(rows[ld]["total_km2"])) for d, ld in points]

    def layers():
        for d, ld in points:
            yield d, ld, store.read(theatre, ld, as_of=as_of).collection

    bounds = video.series_bounds(c for _, _, c in layers())
    context = {k: store.context(theatre, k) for k in ("border", "outlines", "settlements", "countries")}
    film = video.Film(theatre=t, series=series, context={k: v for k, v in context.items() if v}, bounds=bounds,
                      size=frame_size, theme=theme, lang=lang)
    frames = (video.Frame(date=d, layer_date=ld, collection=c, areas_km2=rows[ld]["areas_km2"],
                          total_km2=float(rows[ld]["total_km2"])) for d, ld, c in layers())
    renderer = video.Renderer(film)  # one renderer: its background and labels are drawn once for the whole film
    palette = None
    if fmt == "gif":  # one palette for the whole film, from the peak frame (it holds every colour)
        peak_date, peak_layer = max(points, key=lambda p: (float(rows[p[1]]["total_km2"]), p[0]))
        palette = renderer.draw(video.Frame(peak_date, peak_layer,
                                            store.read(theatre, peak_layer, as_of=as_of).collection,
                                            rows[peak_layer]["areas_km2"], float(rows[peak_layer]["total_km2"])))
    pixels = (renderer.draw(f) for f in frames)
    if sys.stderr.isatty():
        with click.progressbar(pixels, length=len(points), label="frames", file=sys.stderr) as bar:
            n = video.write(output, bar, fps=fps, hold_last=hold_last, palette_from=palette)
    else:
        n = video.write(output, pixels, fps=fps, hold_last=hold_last, palette_from=palette)
    mb = output.stat().st_size / 1e6
    click.echo(f"{output} ({len(points)} dates, {n} frames, {frame_size[0]}x{frame_size[1]}, {mb:.2f} MB, "
               f"{time.perf_counter() - t0:.1f} s)")
