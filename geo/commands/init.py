"""``frontline init THEATRE``: create a theatre."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import TEXT, THEATRE, store_from_ctx


@click.command("init")
@click.argument("theatre", type=THEATRE)
@click.option("--title", type=TEXT, help="Title shown on maps (default: the theatre name).")
@click.option("--status", "statuses", multiple=True, type=TEXT, metavar="KEY=LABEL[:COLOUR][:KIND]",
              help="A status of the vocabulary; repeat. KIND is area (default) or line.")
@click.option("--region", "region", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="GeoJSON polygon of the region of interest: copied in, used for its bbox and for clipping.")
@click.option("--attribution", multiple=True, type=TEXT, help="An attribution line; repeat.")
def command(theatre, title, statuses, region, attribution):
    """Create THEATRE with its title, status vocabulary and optional region."""
    from ..store import _read_json
    from ..theatre import Theatre, parse_status_option

    store = store_from_ctx()
    parsed = tuple(parse_status_option(s, i) for i, s in enumerate(statuses))
    if not parsed:
        parsed = (parse_status_option("ua_controlled=Ukrainian-held:#1f6fb4", 0),
                  parse_status_option("grey_zone=Contested:#9e9e9e", 1))
    bbox = polygon = None
    if region is not None:
        import shapely

        from ..store import _polygonal_union

        geom = _polygonal_union(_read_json(region))
        if geom is None:
            from ..errors import InvalidInput

            raise InvalidInput(f"{region}: --region needs a GeoJSON with polygons")
        w, s, e, n = shapely.bounds(geom).tolist()
        pad = 0.1
        bbox = (max(-180.0, w - pad), max(-90.0, s - pad), min(180.0, e + pad), min(90.0, n + pad))
        polygon = "context/region.geojson"
    t = Theatre(name=theatre, title=title or theatre, statuses=parsed, bbox=bbox, region_polygon=polygon,
                attribution=tuple(attribution))
    store.init(t, files={polygon: region.read_bytes()} if region is not None else None)
    click.echo(f"created theatre {theatre!r} in {store.location} with statuses {', '.join(s.key for s in parsed)}")
