"""``frontline timeline THEATRE``: one page for the whole series: map, date slider, area chart, events.

The store is read here (every layer in the date range, its areas, the events and context files) and plain data
is passed to :mod:`geo.render.timeline`, which never opens the store. folium is not used: the page is our own
(see that module's docstring for why); tiles are named through ``geo.render.tiles``, as for the maps.

Decisions: the default output is ``maps/THEATRE-timeline.html``; ``--from``/``--to`` are inclusive and a range
with no layer is an error (exit 1), as is ``--from`` after ``--to`` (exit 2); tiles default to none, as for
``frontline map`` (the page must read without a network); the page opens on the peak unless ``--start DATE``
names another date (the latest layer on or before it; a date before the first layer is refused, exit 2); the
file is written to a temporary name and renamed, so a reader never sees half a page.

*Streaming.* The layers are read one date at a time (:class:`StoreLayers`, a lazy sequence over the store) and
each is reduced to arc references by :func:`geo.render.timeline.timeline_data` before the next is read: the
command never holds every layer's geometry (the whole front's 353 layers were 505 MB at once). The same reading
measures the areas (:class:`StoreLayers` hands each layer on with its row): each layer is read once, where the
figures used to read the whole series a first time. The opening date's layer is read again for the static map and
the social card.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import click

from ._common import (
    DATE,
    THEATRE,
    as_of_option,
    check_date_range,
    date_range_options,
    in_force_option,
    lang_option,
    layer_note,
    store_from_ctx,
)
from .map import base_url_option

CONTEXT_KINDS = ("border", "outlines", "settlements", "countries")


def select_dates(store, theatre: str, *, date_from: str | None = None, date_to: str | None = None,
                 as_of: str | None = None, in_force: bool = False) -> list[str]:
    """The dates with a layer between ``date_from`` and ``date_to`` (inclusive), oldest first.

    With ``in_force``, a ``date_from`` without a layer begins the range at the layer in force on it (the latest
    before it) rather than at the first layer after it.

    Raises
    ------
    NotFound
        No layer in that range (or at all, as of ``as_of``), or none in force on ``date_from``.
    """
    from ..errors import NotFound

    lo = date_from
    if in_force and date_from:
        lo = store.entry(theatre, date_from, as_of=as_of, in_force=True).date
    dates = [d for d in store.require_latest(theatre, as_of=as_of)
             if (lo is None or d >= lo) and (date_to is None or d <= date_to)]
    if not dates:
        span = f" between {date_from or 'the start'} and {date_to or 'the end'}" if date_from or date_to else ""
        raise NotFound(f"theatre {theatre!r} has no layer{span}")
    return dates


class StoreLayers(Sequence):
    """The layers of ``dates`` as the timeline reads them, each read from the store only when asked for.

    Each item is ``{"date", "shapes", "version", "source"}``, ``shapes`` each feature's ``(status, shapely
    geometry)`` from the version's binary form (:meth:`geo.store.BaseStore.shapes`: no GeoJSON parsed); nothing
    is kept between reads, so iterating holds one layer at a time. :meth:`with_collection` gives a layer's GeoJSON
    (the opening date, which the server draws).

    *Read once for the map and the figures.* Iterating reads :data:`geo.area.CHUNK` layers at a time, measures
    their areas from the shapes just read (:func:`geo.measure.entry_areas`, the result cache first) and yields
    each with its row (``"area"``), so that a cold build reads every layer once where it read each twice (once for
    :func:`geo.measure.compute_areas`, once for the map); a chunk is what :func:`geo.area.shape_areas` held at
    once anyway. :meth:`areas` gives every row afterwards (measured then, the old way, where the layers were not
    iterated to the end).
    """

    def __init__(self, store, theatre: str, dates: list[str], *, as_of: str | None = None):
        self._store, self._theatre, self._as_of = store, theatre, as_of
        self.dates = list(dates)
        self._rows: dict[str, dict] = {}

    def __len__(self) -> int:
        return len(self.dates)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        e = self._store.entry(self._theatre, self.dates[i], as_of=self._as_of)
        return self._item(e, self._store.shapes(self._theatre, e))

    @staticmethod
    def _item(e, shapes) -> dict:
        return {"date": e.date, "shapes": [(p.get("status"), g) for p, g in zip(shapes.properties, shapes.geometries,
                                                                                  strict=True)],
                "version": e.version, "source": e.source}

    def __iter__(self):
        from ..area import CHUNK
        from ..measure import entry_areas

        for lo in range(0, len(self.dates), CHUNK):
            dates = self.dates[lo:lo + CHUNK]
            entries = [self._store.entry(self._theatre, d, as_of=self._as_of) for d in dates]
            shapes = [self._store.shapes(self._theatre, e) for e in entries]
            rows = entry_areas(self._store, self._theatre, entries, dates=dates, shapes=shapes)
            for k, (e, row) in enumerate(zip(entries, rows, strict=True)):
                self._rows[e.date] = row
                item = self._item(e, shapes[k])
                shapes[k] = None  # the chunk lets go of each layer once it is handed on
                yield {**item, "area": row}

    def areas(self) -> list[dict]:
        """The area rows of every date (:func:`geo.measure.compute_areas`), oldest first."""
        if len(self._rows) < len(self.dates):
            from ..measure import compute_areas

            rows = compute_areas(self._store, self._theatre, self.dates, as_of=self._as_of)
            self._rows = {r["date"]: r for r in rows}
        return [self._rows[d] for d in self.dates]

    def with_collection(self, i: int) -> dict:
        """Layer ``i`` as ``{"date", "collection", "version", "source"}``: its GeoJSON, read and parsed."""
        x = self._store.read(self._theatre, self.dates[i], as_of=self._as_of)
        return {"date": x.date, "collection": x.collection, "version": x.version, "source": x.source}


class LayerAreas(Sequence):
    """The area rows of a :class:`StoreLayers`, asked for only when used (:meth:`StoreLayers.areas`): the
    timeline takes each layer's row from the layer itself, so that iterating the layers measures them.
    """

    def __init__(self, layers: StoreLayers):
        self._layers = layers

    def __len__(self) -> int:
        return len(self._layers)

    def __getitem__(self, i):
        return self._layers.areas()[i]

    def __iter__(self):
        return iter(self._layers.areas())


def timeline_inputs(store, theatre: str, *, date_from: str | None = None, date_to: str | None = None,
                    as_of: str | None = None, in_force: bool = False) -> dict:
    """Read what a timeline page needs from the store, as keyword arguments of ``timeline_data``.

    ``layers`` is a :class:`StoreLayers`: each layer is read when it is used, and measured as it is read;
    ``areas`` (a :class:`LayerAreas`) measures every layer on its own only when it is used before the layers
    were iterated. With ``in_force`` and a ``date_to``
    after the last layer drawn, ``requested_date`` holds ``date_to`` (the
    page's last date is then the layer in force on it, older than asked: "last update D"); the key is absent
    otherwise.

    Raises
    ------
    NotFound
        No layer between ``date_from`` and ``date_to``.
    """
    from ..measure import load_settlements

    t = store.theatre(theatre)
    dates = select_dates(store, theatre, date_from=date_from, date_to=date_to, as_of=as_of, in_force=in_force)
    layers = StoreLayers(store, theatre, dates, as_of=as_of)
    context = {}
    for kind in CONTEXT_KINDS:
        data = load_settlements(store, theatre) if kind == "settlements" else store.context(theatre, kind)
        if data:
            context[kind] = data
    out = {"theatre": t, "layers": layers, "areas": LayerAreas(layers), "events": store.context(theatre, "events"),
           "context": context}
    if in_force and date_to and dates[-1] != date_to:
        out["requested_date"] = date_to
    return out


def tiles_spec(name: str | None) -> dict | None:
    """The tile layer named by ``--tiles`` as plain data for the page, or None for ``none``."""
    if name is None or name.lower() in ("", "none"):
        return None
    from ..render.tiles import tile_provider

    p = tile_provider(name)
    sub = p.get("subdomains", "abc")
    return {"url": p.build_url(fill_subdomain=False, scale_factor="{r}"), "attribution": p.get("attribution", ""),
            "max_zoom": int(p.get("max_zoom", 18)), "subdomains": "".join(sub) if isinstance(sub, list) else sub}


def write_atomic(path: Path, data: str | bytes) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` through a temporary file renamed into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def opening_map(inputs: dict, layer: dict, lang: str = "en") -> str:
    """The server-drawn SVG of ``layer``, the date the page opens on (:mod:`geo.render.static_map`): what readers
    see without JavaScript or without Leaflet, and what prints.
    """
    from ..render.payload import map_payload
    from ..render.static_map import map_svg

    row = next(r for r in inputs["areas"] if r["date"] == layer["date"])
    payload = map_payload(inputs["theatre"], layer["collection"], date=layer["date"], areas_km2=row["areas_km2"],
                          total_km2=row["total_km2"], context=inputs["context"], lang=lang)
    return map_svg(payload, width=760, height=560, id_prefix="fl-tl", label=payload["description"], hatches=())


@click.command("timeline")
@click.argument("theatre", type=THEATRE)
@date_range_options
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Output file (default maps/THEATRE-timeline.html).")
@click.option("--assets", type=click.Choice(["cdn", "inline"]), default="cdn", show_default=True,
              help="Leaflet from the CDN with SRI hashes, or inline from the asset cache "
                   "($FRONTLINE_ASSETS or ./.assets/cache; fill it with `frontline assets fetch`).")
@click.option("--tiles", default="none", show_default=True, metavar="NAME|none",
              help="Basemap tiles by xyzservices name (e.g. CartoDB.Positron), or none.")
@base_url_option
@click.option("--theme", type=click.Choice(["light", "dark", "auto"]), default="light", show_default=True,
              help="Light or dark page, or auto (dark where the reader's system asks for it).")
@click.option("--compare", "compare", type=THEATRE, default=None, metavar="THEATRE",
              help="Also draw another theatre's total (another source) on the chart, over the same dates.")
@click.option("--start", "start", type=DATE, default=None,
              help="Date the page opens on (the latest layer on or before it; default: the peak).")
@lang_option
@in_force_option
@as_of_option
def command(theatre, date_from, date_to, output, assets, tiles, base_url, card, theme, compare, start, lang, in_force,
            as_of):
    """Render one page for THEATRE's whole series: map, date slider, area chart and events."""
    from ..render.assets import head_html
    from ..render.timeline import timeline_data, timeline_html

    check_date_range(date_from, date_to)
    t0 = time.perf_counter()
    tile_data = tiles_spec(tiles)
    asset_tags = head_html(assets)  # before reading the store: a missing cache fails fast (exit 3)
    store = store_from_ctx()
    inputs = timeline_inputs(store, theatre, date_from=date_from, date_to=date_to, as_of=as_of, in_force=in_force)
    notes, first, last = [], inputs["layers"].dates[0], inputs["layers"].dates[-1]
    if date_from and first < date_from:
        notes.append(f"in force: {layer_note(date_from, first)}")
    requested = inputs.pop("requested_date", None)
    if requested:
        notes.append(f"in force: {layer_note(requested, last)}")
    data = timeline_data(**inputs, tiles=tile_data, start=start, lang=lang)
    if compare:
        from ..measure import compute_areas
        from ..render.timeline import compare_series

        span = [d for d in store.dates(compare, as_of=as_of) if first <= d <= last]
        data["compare"] = compare_series(store.theatre(compare), compute_areas(store, compare, span, as_of=as_of)
                                         if span else [])
    out_path = output or Path("maps") / f"{theatre}-timeline.html"
    image = None
    opening = inputs["layers"].with_collection(data["open"])  # read again: the one layer the server draws
    if card or base_url:
        from .map import social_card, write_card

        layer = opening
        row = next(r for r in inputs["areas"] if r["date"] == layer["date"])
        card_path = out_path.with_name(out_path.name.removesuffix(".html") + ".card.png")
        opening = {"theatre": inputs["theatre"], "date": layer["date"], "collection": layer["collection"],
                   "areas_km2": row["areas_km2"], "total_km2": row["total_km2"], "context": inputs["context"]}
        if write_card(card_path, lambda: social_card(opening, lang=lang, theme="dark" if theme == "dark"
                                                     else "light")):
            image = (base_url or "") + card_path.name
            notes.append(f"{card_path} (social card of the opening date, og:image)")
        else:
            notes.append("no social card (og:image): matplotlib is not installed (pip install 'frontline[video]')")
    html = timeline_html(data, asset_tags=asset_tags, static_map=opening_map(inputs, opening, lang),
                         last_update=(requested, last) if requested else None, theme=theme, lang=lang, image=image)
    path = write_atomic(out_path, html)
    size = path.stat().st_size
    click.echo(f"{path} ({len(inputs['layers'])} dates, {len(data['arcs'])} arcs, {len(data['shapes'])} shapes, "
               f"{size / 1024:.1f} KB, {time.perf_counter() - t0:.2f} s)")
    for line in notes:
        click.echo(line)
