"""``frontline history THEATRE DATE``: every version of a date."""

from __future__ import annotations

import click

from ._common import DATE, THEATRE, as_of_option, emit_json, in_force_option, layer_note, plain, store_from_ctx


@click.command("history")
@click.argument("theatre", type=THEATRE)
@click.argument("date", type=DATE)
@in_force_option
@as_of_option
@click.option("--json", "as_json", is_flag=True, help="JSON with a schema key.")
def command(theatre, date, in_force, as_of, as_json):
    """List every recorded version of THEATRE's layer on DATE, oldest first (--as-of: those recorded by then)."""
    from ..errors import NotFound

    store = store_from_ctx()
    layer_date = store.entry(theatre, date, as_of=as_of, in_force=in_force).date
    entries = [e for e in store.history(theatre, layer_date) if as_of is None or e.recorded_at <= as_of]
    if not entries:  # entry() found one: cannot happen, but never print nothing
        raise NotFound(f"theatre {theatre!r} has no version of {layer_date}")
    if as_json:
        emit_json("history/v1", {"theatre": theatre, "date": date, "layer_date": layer_date, "as_of": as_of,
                                 "versions": [{k: getattr(e, k) for k in ("version", "sha256", "recorded_at",
                                                                          "recorded_by", "source", "note", "features")}
                                              for e in entries]})
        return
    if layer_date != date:
        click.echo(f"in force: {layer_note(date, layer_date)}")
    for e in entries:
        click.echo(f"v{e.version}  {e.recorded_at}  {e.sha256[:12]}  {plain(e.recorded_by)}  {e.features} feature(s)")
        if e.source:
            click.echo(f"    source: {plain(e.source)}")
        if e.note:
            click.echo(f"    note: {plain(e.note)}")
