"""``frontline chart THEATRE``: the timeline's area-over-time chart as a static SVG or PNG, for print.

Decisions: the default output is ``maps/THEATRE-chart.svg``; the format comes from the suffix of ``-o`` (``.svg``
or ``.png``, anything else is exit 2 before the store is read); ``--from``/``--to`` are inclusive as for
``timeline``; the file is written to a temporary name and renamed. The areas come from the same cached
computation as ``frontline area``, so the chart and the page always agree.
"""

from __future__ import annotations

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
    layer_note,
    store_from_ctx,
)


@click.command("chart")
@click.argument("theatre", type=THEATRE)
@date_range_options
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Output file, .svg or .png (default maps/THEATRE-chart.svg).")
@click.option("--width", type=click.IntRange(300, 4000), default=1000, show_default=True, help="Width in pixels.")
@click.option("--height", type=click.IntRange(200, 3000), default=520, show_default=True,
              help="Height in pixels of the chart (the list of events is added below it).")
@lang_option
@in_force_option
@as_of_option
def command(theatre, date_from, date_to, output, width, height, lang, in_force, as_of):
    """Draw THEATRE's area-over-time chart (each status, the peak, the events) as SVG or PNG."""
    from ..measure import compute_areas
    from ..render.chart import FORMATS, chart_series, draw_chart
    from .timeline import select_dates, write_atomic

    path = output or Path("maps") / f"{theatre}-chart.svg"
    fmt = path.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise click.BadParameter(f"{path.name}: give a file ending in .svg or .png", param_hint="-o")
    check_date_range(date_from, date_to)
    t0 = time.perf_counter()
    store = store_from_ctx()
    dates = select_dates(store, theatre, date_from=date_from, date_to=date_to, as_of=as_of, in_force=in_force)
    series = chart_series(store.theatre(theatre), compute_areas(store, theatre, dates, as_of=as_of),
                          events=store.context(theatre, "events"), lang=lang)
    data = draw_chart(series, fmt, size=(width, height))
    write_atomic(path, data)
    click.echo(f"{path} ({len(dates)} dates, {len(series['events'])} events, {len(data) / 1024:.1f} KB, "
               f"{time.perf_counter() - t0:.2f} s)")
    if date_from and dates[0] < date_from:
        click.echo(f"in force: {layer_note(date_from, dates[0])}")
    if in_force and date_to and dates[-1] != date_to:
        click.echo(f"in force: {layer_note(date_to, dates[-1])}")
