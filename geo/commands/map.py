"""``frontline map THEATRE DATE``: the interactive map of a date, or of the change since an earlier date.

The store is read here (the layer, its figures, the peak, the context, the change) and plain data is passed to
:func:`geo.render.mapping.build_map`, which never opens the store. folium is imported only when this runs.

Decisions: the peak in the caption is the peak of the union of area statuses over the dates up to DATE (what a
reader knew on that date), left out of the caption on the peak date itself; the change drawn with ``--since`` is
that of the union, above the noise thresholds of :mod:`geo.diff`; the default output is
``maps/THEATRE-DATE.html``, and ``maps/THEATRE-DATE-since-SINCE.html`` with ``--since`` (a change map never
overwrites the plain map of the date). Tiles default to none: the context layers keep the map legible, the page
stays deterministic and self-contained, and readers' browsers send nothing to a tile server unless asked
(``--tiles CartoDB.Positron``). With ``--in-force``, a DATE (or ``--since``) without a layer is drawn from the
layer in force, the latest before it; the command prints ``in force: DATE → layer of D``, the caption's figures
and peak are those of the layer drawn, and the file keeps the name of the date asked for.
"""

from __future__ import annotations

import time
from pathlib import Path

import click

from ._common import BASE_URL, DATE, THEATRE, as_of_option, in_force_option, lang_option, layer_note, store_from_ctx

CONTEXT_KINDS = ("border", "outlines", "settlements", "countries")


def default_name(theatre: str, date: str, since: str | None, compare: str | None = None) -> str:
    """File stem of a map: ``kursk-2024-08-24``, ``kursk-2024-08-24-since-2024-08-12`` or
    ``kursk-2024-08-24-vs-kursk-nzz``.
    """
    return f"{theatre}-{date}" + (f"-since-{since}" if since else "") + (f"-vs-{compare}" if compare else "")


def map_inputs(store, theatre: str, date: str, *, since: str | None = None, as_of: str | None = None,
               in_force: bool = False, compare: str | None = None) -> dict:
    """Read everything a map of ``date`` needs from the store, as keyword arguments of ``build_map``.

    With ``in_force``, ``date`` (and ``since``) without a layer are read through the layer in force, the latest
    before it: ``date`` in the result is then the layer's date, ``requested_date`` the date asked for (the key
    is present only where the two differ, so that the page can say "last update D"), and ``since`` the date of
    the layer the change is measured from.

    With ``compare`` (another theatre of the store: another source of the same ground), the comparison of the
    two layers (:func:`geo.measure.compute_compare`, with the noise rules of ``diff``) replaces A's statuses on
    the map: B's layer is the one of the same date, or with ``in_force`` the one in force on it.
    """
    from ..diff import peak_and_retaken
    from ..measure import compute_areas, compute_diff, load_settlements

    t = store.theatre(theatre)
    layer = store.read(theatre, date, as_of=as_of, in_force=in_force)
    rows = [r for r in compute_areas(store, theatre, None, as_of=as_of) if r["date"] <= layer.date]
    row = next(r for r in rows if r["date"] == layer.date)
    pk = peak_and_retaken(rows)
    peak = None
    if (pk["peak"] is not None and pk["peak"]["date"] != layer.date
            and pk["retaken_pct"].get(layer.date) is not None):
        peak = {**pk["peak"], "retaken_pct": pk["retaken_pct"][layer.date]}
    context = {}
    for kind in CONTEXT_KINDS:
        data = load_settlements(store, theatre) if kind == "settlements" else store.context(theatre, kind)
        if data:
            context[kind] = data
    changes = None
    if since:
        result, summary = compute_diff(store, theatre, since, layer.date, as_of=as_of, with_features=True,
                                       in_force=in_force)
        changes = result.collection()
        since = summary["layer_date_a"]
    out = {"theatre": t, "collection": layer.collection, "date": layer.date, "areas_km2": row["areas_km2"],
           "total_km2": row["total_km2"], "sources": layer.sources, "context": context, "changes": changes,
           "since": since, "peak": peak, "range_km2": row.get("range_km2")}
    if compare:
        from ..measure import compute_compare

        tb = store.theatre(compare)
        b = store.read(compare, date, as_of=as_of, in_force=in_force)
        result, summary = compute_compare(store, theatre, compare, layer.date, b.date, as_of=as_of,
                                          with_features=True)
        out["comparison"] = {"collections": result.collections(), "union": summary,
                             "a": t.title, "b": tb.title, "attribution": list(tb.attribution),
                             "sources": [{**src, "date": b.date} for src in b.sources]}
    if layer.date != date:
        out["requested_date"] = date
    return out


def in_force_lines(inputs: dict, since: str | None) -> list[str]:
    """The ``in force: D → layer of L`` lines a map command prints for dates read through the layer in force."""
    lines = []
    if "requested_date" in inputs:
        lines.append(f"in force: {layer_note(inputs['requested_date'], inputs['date'])}")
    if since and inputs["since"] != since:
        lines.append(f"in force: {layer_note(since, inputs['since'])} (--since)")
    return lines


def map_options(f):
    """The options ``map`` and ``embed`` share."""
    f = click.option("--height", type=click.IntRange(1, 10000), default=None, help="Fixed height in pixels.")(f)
    f = click.option("--width", type=click.IntRange(1, 10000), default=None, help="Fixed width in pixels.")(f)
    f = click.option("--title", default=None, help="Title shown above the map (default: the theatre's).")(f)
    f = click.option("--assets", type=click.Choice(["cdn", "inline"]), default="cdn", show_default=True,
                     help="Leaflet from the CDN with SRI hashes, or inline from the asset cache "
                          "($FRONTLINE_ASSETS or ./.assets/cache; fill it with `frontline assets fetch`).")(f)
    f = click.option("--tiles", default="none", show_default=True, metavar="NAME|none",
                     help="Basemap tiles by xyzservices name (e.g. CartoDB.Positron), or none.")(f)
    f = click.option("--theme", type=click.Choice(["light", "dark", "auto"]), default="light", show_default=True,
                     help="Light or dark page, or auto (dark where the reader's system asks for it).")(f)
    f = lang_option(f)
    f = as_of_option(f)
    f = in_force_option(f)
    f = click.option("--compare", "compare", type=THEATRE, default=None, metavar="THEATRE",
                     help="Compare with another theatre of the store (another source): the ground both show, "
                          "and each one's own, with their km² and IoU.")(f)
    f = click.option("--since", type=DATE, default=None, help="Also draw the ground gained and lost since DATE.")(f)
    return f


def social_card(inputs: dict, *, title: str | None = None, lang: str = "en", theme: str = "light") -> bytes:
    """The 1200×630 link-preview card of a map's inputs (:func:`geo.render.video.social_card`)."""
    import dataclasses

    from ..render import video

    t = inputs["theatre"]
    if title:
        t = dataclasses.replace(t, title=title)
    frame = video.Frame(date=inputs.get("requested_date") or inputs["date"], layer_date=inputs["date"],
                        collection=inputs["collection"], areas_km2=inputs["areas_km2"],
                        total_km2=float(inputs["total_km2"]))
    bounds = video.series_bounds([inputs["collection"]] + ([inputs["changes"]] if inputs.get("changes") else []))
    return video.social_card(t, frame, context=inputs.get("context") or {}, bounds=bounds, lang=lang, theme=theme)


def write_card(path: Path, make) -> bool:
    """Write a social card (``make()`` gives its PNG bytes) to ``path``; False where matplotlib is missing (the
    page then goes without ``og:image``: a map is still made, and the command says so).
    """
    from ..errors import MissingResource

    try:
        data = make()
    except MissingResource:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def base_url_option(f):
    """``--card`` and ``--base-url``: the social card beside the page, for the ``og:image`` of link previews."""
    f = click.option("--card", is_flag=True, default=False,
                     help="Also write the 1200×630 social card beside the page (the page's og:image); implied by "
                          "--base-url.")(f)
    return click.option("--base-url", type=BASE_URL, default=None, metavar="URL",
                        help="Where the files will be published (http(s)): writes the social card, and the page's "
                             "og:image is its absolute URL.")(f)


@click.command("map")
@click.argument("theatre", type=THEATRE)
@click.argument("date", type=DATE)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Output file (default maps/THEATRE-DATE.html); with --card, its social card beside it.")
@base_url_option
@map_options
def command(theatre, date, output, base_url, card, since, compare, in_force, lang, theme, as_of, tiles, assets,
            title, width, height):
    """Render the interactive map of THEATRE on DATE as one HTML page."""
    from ..render.mapping import build_map, save_map

    if (width is None) != (height is None):
        raise click.UsageError("give both --width and --height, or neither")
    t0 = time.perf_counter()
    store = store_from_ctx()
    if since and compare:
        raise click.UsageError("--since and --compare draw different maps: give one of them")
    inputs = map_inputs(store, theatre, date, since=since, as_of=as_of, in_force=in_force, compare=compare)
    notes = in_force_lines(inputs, since)
    path = output or Path("maps") / f"{default_name(theatre, date, since, compare)}.html"
    card_path = path.with_name(path.name.removesuffix(".html") + ".card.png")
    image = None
    if card or base_url:
        if write_card(card_path, lambda: social_card(inputs, title=title, lang=lang,
                                                     theme="dark" if theme == "dark" else "light")):
            image = (base_url or "") + card_path.name
            notes.append(f"{card_path} (social card, og:image)")
        else:
            notes.append("no social card (og:image): matplotlib is not installed (pip install 'frontline[video]')")
    m = build_map(**inputs, title=title, tiles=tiles, assets=assets, width=width, height=height, lang=lang,
                  theme=theme, image=image)
    path = save_map(m, path)
    size = path.stat().st_size
    click.echo(f"{path} ({size / 1024:.1f} KB, {time.perf_counter() - t0:.2f} s)")
    for line in notes:
        click.echo(line)
