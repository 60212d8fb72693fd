"""``frontline dates THEATRE``: the dates that have a layer."""

from __future__ import annotations

import click

from ._common import THEATRE, as_of_option, emit_json, store_from_ctx


@click.command("dates")
@click.argument("theatre", type=THEATRE)
@as_of_option
@click.option("--json", "as_json", is_flag=True)
def command(theatre, as_of, as_json):
    """List THEATRE's dates with their current version."""
    store = store_from_ctx()
    latest = store.latest(theatre, as_of=as_of)
    if as_json:
        emit_json("dates/v1", {"theatre": theatre, "as_of": as_of, "dates": [
            {"date": d, "version": e.version, "sha256": e.sha256} for d, e in latest.items()]})
        return
    for d, e in latest.items():
        click.echo(f"{d}  v{e.version}  {e.sha256[:12]}  {e.features} feature(s)")
