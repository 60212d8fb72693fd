"""``frontline embed THEATRE DATE``: the map, and beside it an iframe snippet, a one-sentence alt text and a PNG.

Files written in the output folder (default ``maps/``), for a stem ``kursk-2024-08-24`` (with ``--since``,
``kursk-2024-08-24-since-2024-08-12``): ``STEM.html`` (the map), ``STEM.embed.html`` (the snippet to paste),
``STEM.alt.txt`` (the alt text), ``STEM.png`` (for AMP, RSS and print), ``STEM.card.png`` (1200×630, the
page's ``og:image`` and large Twitter card, absolute under ``--base-url``: title, date, map, figures, credits)
and, with ``--static svg``, ``STEM.svg`` (the server-drawn map with its title, legend, caption and credits, for
print desks). The snippet names the map by its file name, or under ``--base-url`` where it will be published.

The PNG is a Chromium screenshot of a self-contained copy of the map (assets inline, so that it draws without a
network) where Chromium, Playwright and the asset cache are present; else matplotlib draws it (``--png
matplotlib`` forces that; ``--png chromium`` fails with exit 3 where Chromium is missing).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import click

from ._common import BASE_URL, DATE, THEATRE, store_from_ctx
from .map import default_name, in_force_lines, map_inputs, map_options, social_card


@click.command("embed")
@click.argument("theatre", type=THEATRE)
@click.argument("date", type=DATE)
@click.option("-o", "--output", "outdir", type=click.Path(file_okay=False, path_type=Path), default=Path("maps"),
              show_default=True, help="Folder to write the map, snippet, alt text and PNG into.")
@click.option("--base-url", type=BASE_URL, default=None, metavar="URL",
              help="Where the files will be published (http(s)); default: relative file names.")
@click.option("--ratio", default="4:3", show_default=True, metavar="W:H", help="Aspect ratio of the iframe box.")
@click.option("--png", "png_mode", type=click.Choice(["auto", "chromium", "matplotlib"]), default="auto",
              show_default=True, help="How to draw the static PNG: a Chromium screenshot, or matplotlib.")
@click.option("--static", "static_kind", type=click.Choice(["png", "svg"]), default="png", show_default=True,
              help="Also write the static map as SVG (server-drawn, with title, legend, caption and credits) for "
                   "print desks; the PNG is written either way.")
@map_options
def command(theatre, date, outdir, base_url, ratio, png_mode, static_kind, since, compare, in_force, lang, theme,
            as_of, tiles, assets, title, width, height):
    """Write THEATRE's map of DATE with an iframe snippet, alt text and a static PNG for articles."""
    from ..errors import MissingResource
    from ..render import assets as asset_cache
    from ..render.embed import PNG_SIZE, chromium_path, draw_png, iframe_snippet, screenshot
    from ..render.mapping import build_map, save_map
    from ..render.messages import msg
    from ..render.payload import alt_text, change_totals

    if (width is None) != (height is None):
        raise click.UsageError("give both --width and --height, or neither")
    try:
        rw, rh = (int(v) for v in ratio.split(":"))
    except ValueError:
        raise click.BadParameter(f"{ratio!r}: expected W:H, e.g. 16:9", param_hint="--ratio") from None
    t0 = time.perf_counter()
    store = store_from_ctx()
    if since and compare:
        raise click.UsageError("--since and --compare draw different maps: give one of them")
    inputs = map_inputs(store, theatre, date, since=since, as_of=as_of, in_force=in_force, compare=compare)
    notes = in_force_lines(inputs, since)
    stem = default_name(theatre, date, since, compare)
    outdir.mkdir(parents=True, exist_ok=True)
    base = base_url or ""
    image = f"{base}{stem}.card.png"
    m = build_map(**inputs, title=title, tiles=tiles, assets=assets, width=width, height=height, image=image,
                  lang=lang, theme=theme)
    html_path = save_map(m, outdir / f"{stem}.html")

    t = inputs["theatre"]
    totals = change_totals(inputs["changes"]) if since else None
    alt = alt_text(t, inputs["date"], inputs["areas_km2"], title=title, peak=inputs["peak"], since=since,
                   totals=totals, requested_date=inputs.get("requested_date"), lang=lang,
                   range_km2=inputs.get("range_km2"), comparison=inputs.get("comparison"))
    (outdir / f"{stem}.alt.txt").write_text(alt + "\n", encoding="utf-8")

    png_path = outdir / f"{stem}.png"
    size = (width, height) if width and height else PNG_SIZE
    how = "matplotlib"
    can_chromium = chromium_path() is not None and not asset_cache.check(asset_cache.cache_dir())
    if png_mode == "chromium" and not can_chromium:
        raise MissingResource("--png chromium needs Chromium (scripts/ensure-browser) and the asset cache "
                              "(frontline assets fetch)")
    if png_mode != "matplotlib" and can_chromium:
        inline = build_map(**inputs, title=title, tiles=tiles, assets="inline", width=width, height=height,
                           lang=lang, theme="light" if theme == "auto" else theme)
        with tempfile.TemporaryDirectory() as tmp:
            screenshot(save_map(inline, Path(tmp) / "map.html"), png_path, size=size,
                       full_page=not (width and height))
        how = "chromium"
    else:
        draw_png(m.payload, png_path, size=size)

    card_path = outdir / f"{stem}.card.png"
    card_path.write_bytes(social_card(inputs, title=title, lang=lang, theme="dark" if theme == "dark" else "light"))
    written = [html_path, outdir / f"{stem}.embed.html", outdir / f"{stem}.alt.txt", png_path, card_path]
    if static_kind == "svg":
        from ..render.static_map import map_svg

        svg_path = outdir / f"{stem}.svg"
        svg_path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n' + map_svg(m.payload, standalone=True) + "\n",
                            encoding="utf-8")
        written.append(svg_path)
    frame_title = msg(lang, "frame_title", title=m.payload["title"], span=m.payload["span"])
    snippet = iframe_snippet(f"{base}{html_path.name}", title=frame_title, alt=alt, png=f"{base}{png_path.name}",
                             ratio=(rw, rh))
    (outdir / f"{stem}.embed.html").write_text(snippet, encoding="utf-8")
    for p in written:
        click.echo(f"{p} ({p.stat().st_size / 1024:.1f} KB)")
    click.echo(f"png drawn with {how}; {time.perf_counter() - t0:.2f} s")
    for line in notes:
        click.echo(line)
