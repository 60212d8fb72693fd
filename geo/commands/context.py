"""``frontline context THEATRE KIND FILE``: add or replace a context layer (settlements, events, border…)."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import THEATRE, store_from_ctx


@click.command("context")
@click.argument("theatre", type=THEATRE)
@click.argument("kind", type=click.Choice(["settlements", "events", "border", "outlines", "countries"]))
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def command(theatre, kind, path):
    """Validate FILE and install it as THEATRE's KIND layer (copied into context/, named in theatre.toml)."""
    import dataclasses
    import json

    from ..importers import read_file
    from ..validate import validate_events, validate_settlements

    store = store_from_ctx()
    t = store.theatre(theatre)
    data = read_file(path, fmt="geojson" if path.suffix.lower() in (".geojson", ".json") else "auto")
    if kind == "settlements":
        data = validate_settlements(data, where=str(path))
    elif kind == "events":
        data = validate_events(data, where=str(path))
    else:
        from ..errors import ValidationError

        if data.get("type") != "FeatureCollection":
            raise ValidationError("not a FeatureCollection", where=str(path))
    rel = f"context/{kind}.geojson"
    new = dataclasses.replace(t, context={**t.context, kind: rel})
    store.update_settings(theatre, new, {rel: (json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n").encode()})
    click.echo(f"{theatre}: {kind} set from {path} ({len(data.get('features', []))} features)")
