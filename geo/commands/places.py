"""``frontline places THEATRE NAME``: one place's timeline."""

from __future__ import annotations

import click

from ._common import TEXT, THEATRE, as_of_option, emit_json, plain, store_from_ctx


@click.command("places")
@click.argument("theatre", type=THEATRE)
@click.argument("name", required=False, type=TEXT)
@as_of_option
@click.option("--json", "as_json", is_flag=True, help="JSON with a schema key.")
def command(theatre, name, as_of, as_json):
    """The date ranges for which place NAME lay inside each status (no NAME: list the places).

    A place that never lay inside any status over the whole series is a negative answer (exit 1), not a list
    of "outside" ranges; so is a series without layers (or an --as-of before every recording).
    """
    import json

    import shapely

    from ..diff import place_names, place_timeline
    from ..errors import NotFound
    from ..measure import load_settlements

    store = store_from_ctx()
    t = store.theatre(theatre)
    places = load_settlements(store, theatre)
    if places is None:
        raise NotFound(f"theatre {theatre!r} has no settlements layer ([context] settlements in theatre.toml)")
    if not places["features"]:
        raise NotFound(f"theatre {theatre!r} has a settlements layer without places")
    if name is None:
        for f in places["features"]:
            names = place_names(f["properties"])
            where = "position unknown" if not f["geometry"] else "{:.4f}, {:.4f}".format(*f["geometry"]["coordinates"])
            also = f"  also: {plain(', '.join(names[1:]))}" if names[1:] else ""
            click.echo(f"{plain(names[0])}  ({where}){also}")
        return
    wanted = name.casefold().strip()
    match = [f for f in places["features"] if wanted in {n.casefold() for n in place_names(f["properties"])}]
    if not match:
        raise NotFound(f"no place named {name!r} in theatre {theatre!r}; list them: frontline places {theatre}")
    f = match[0]
    if not f["geometry"]:
        raise NotFound(f"place {name!r} has no known position")
    pt = shapely.from_geojson(json.dumps(f["geometry"]))
    dates = list(store.require_latest(theatre, as_of=as_of))
    layers = [(layer.date, layer.collection) for layer in store.read_all(theatre, as_of=as_of)]
    ranges = place_timeline(pt, layers, t)
    if all(r["status"] is None for r in ranges):
        raise NotFound(f"place {f['properties'].get('name')!r} never lay inside any status of theatre {theatre!r} "
                       f"from {dates[0]} to {dates[-1]}")
    if as_json:
        emit_json("places/v1", {"theatre": theatre, "place": f["properties"].get("name"),
                                "coordinates": f["geometry"]["coordinates"], "ranges": ranges})
        return
    others = ", ".join(place_names(f["properties"])[1:]) or "no other names"
    click.echo(plain(f"{f['properties'].get('name')} ({others})"))
    for r in ranges:
        label = plain(t.status(r["status"]).label) if r["status"] else "outside every status"
        click.echo(f"{r['from']} … {r['to']}  {label}")
