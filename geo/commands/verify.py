"""``frontline verify THEATRE``: re-hash every version and check the log."""

from __future__ import annotations

import click

from ._common import THEATRE, emit_json, plain, store_from_ctx


@click.command("verify")
@click.argument("theatres", nargs=-1, type=THEATRE)
@click.option("--json", "as_json", is_flag=True, help="JSON with a schema key.")
def command(theatres, as_json):
    """Check THEATRE (default: every theatre). Exit 0 when sound, 1 on any problem (or no theatre to check)."""
    from ..errors import NotFound
    from ..store import verify

    store = store_from_ctx()
    names = theatres or store.theatres()
    if not names:
        raise NotFound(f"no theatre to verify in {store.location}")
    reports = [verify(store, n) for n in names]
    if as_json:
        emit_json("verify/v1", {"ok": all(r.ok for r in reports), "theatres": [r.as_dict() for r in reports]})
    else:
        for r in reports:
            state = "ok" if r.ok else "FAILED"
            click.echo(f"{r.theatre}: {state}: {r.versions} version(s) of {r.dates} date(s) checked")
            for p in r.problems:
                click.echo(f"  problem: {plain(p)}")
            for n in r.notes:
                click.echo(f"  note: {plain(n)}")
    ctx = click.get_current_context()
    ctx.exit(0 if all(r.ok for r in reports) else 1)
