"""``frontline history THEATRE DATE``: every version of a date."""

from __future__ import annotations

import click

from ._common import DATE, THEATRE, emit_json, plain, store_from_ctx


@click.command("history")
@click.argument("theatre", type=THEATRE)
@click.argument("date", type=DATE)
@click.option("--json", "as_json", is_flag=True)
def command(theatre, date, as_json):
    """List every recorded version of THEATRE's layer on DATE, oldest first."""
    store = store_from_ctx()
    entries = store.history(theatre, date)
    if as_json:
        emit_json("history/v1", {"theatre": theatre, "date": date, "versions": [
            {k: getattr(e, k) for k in ("version", "sha256", "recorded_at", "recorded_by", "source", "note",
                                        "features")} for e in entries]})
        return
    for e in entries:
        click.echo(f"v{e.version}  {e.recorded_at}  {e.sha256[:12]}  {plain(e.recorded_by)}  {e.features} feature(s)")
        if e.source:
            click.echo(f"    source: {plain(e.source)}")
        if e.note:
            click.echo(f"    note: {plain(e.note)}")
