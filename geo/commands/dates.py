"""``frontline dates THEATRE``: the dates that have a layer, or with ``--gaps`` the days that have none.

Decisions: ``--gaps`` lists each run of missing days between the first and the last layer (days before the
first or after the last are not gaps: the series has not begun or has not been updated), then a summary line;
a series without gaps says so in one line (exit 0: that is an answer). A theatre without layers, or an
``--as-of`` before every recording, is an error (exit 1), never an empty list.
"""

from __future__ import annotations

import click

from ._common import THEATRE, as_of_option, emit_json, store_from_ctx


@click.command("dates")
@click.argument("theatre", type=THEATRE)
@as_of_option
@click.option("--gaps", "gaps", is_flag=True, help="List the days without a layer (and runs of them) between the "
                                                     "first and the last layer.")
@click.option("--json", "as_json", is_flag=True, help="JSON with a schema key.")
def command(theatre, as_of, gaps, as_json):
    """List THEATRE's dates with their current version (--gaps: the missing days instead)."""
    store = store_from_ctx()
    latest = store.require_latest(theatre, as_of=as_of)
    if gaps:
        _print_gaps(theatre, list(latest), as_of, as_json)
        return
    if as_json:
        emit_json("dates/v1", {"theatre": theatre, "as_of": as_of, "dates": [
            {"date": d, "version": e.version, "sha256": e.sha256} for d, e in latest.items()]})
        return
    for d, e in latest.items():
        click.echo(f"{d}  v{e.version}  {e.sha256[:12]}  {e.features} feature(s)")


def _print_gaps(theatre: str, dates: list[str], as_of: str | None, as_json: bool) -> None:
    from ..dates import gaps

    runs = gaps(dates)
    missing = sum(n for _, _, n in runs)
    if as_json:
        emit_json("gaps/v1", {"theatre": theatre, "as_of": as_of, "first": dates[0], "last": dates[-1],
                              "layers": len(dates), "missing_days": missing,
                              "gaps": [{"from": a, "to": b, "days": n} for a, b, n in runs]})
        return
    for a, b, n in runs:
        click.echo(f"{a} … {b}  {n} days" if n > 1 else f"{a}               1 day")
    span = f"between {dates[0]} and {dates[-1]} ({len(dates)} layers)"
    if runs:
        click.echo(f"{missing} missing day(s) in {len(runs)} gap(s) {span}")
    else:
        click.echo(f"no missing day {span}")
