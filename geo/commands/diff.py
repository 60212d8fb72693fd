"""``frontline diff THEATRE DATE_A DATE_B``: ground gained, lost and net, and the places that changed hands."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import DATE, THEATRE, as_of_option, emit_json, fmt_km2, noise_options, plain, store_from_ctx


@click.command("diff")
@click.argument("theatre", type=THEATRE)
@click.argument("date_a", type=DATE)
@click.argument("date_b", type=DATE)
@click.option("--status", "statuses", multiple=True, help="Only these statuses (repeat); the union is always shown.")
@noise_options()
@as_of_option
@click.option("--json", "as_json", is_flag=True, help="JSON with a schema key.")
@click.option("--geojson", "geojson_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the change polygons (kind gained/lost, status, area_km2, both dates) to FILE, "
                   "coordinates with 6 decimals (RFC 7946).")
@click.option("--exit-code", "exit_code", is_flag=True, help="Exit 1 where anything changed beyond the noise.")
def command(theatre, date_a, date_b, statuses, min_area, tolerance, as_of, as_json, geojson_out, exit_code):
    """Compare THEATRE's layers on DATE_A and DATE_B (B before A is answered, with the negative time noted)."""
    import datetime as dt

    from ..geojson import dumps_collection
    from ..measure import compute_diff, load_settlements
    from ..store import _atomic_write

    store = store_from_ctx()
    t = store.theatre(theatre)
    for s in statuses:
        t.status(s)
    result, summary = compute_diff(store, theatre, date_a, date_b, as_of=as_of, statuses=statuses or None,
                                   min_area_km2=min_area, tolerance_m=tolerance,
                                   with_features=geojson_out is not None, settlements=load_settlements(store, theatre))
    days = (dt.date.fromisoformat(date_b) - dt.date.fromisoformat(date_a)).days
    if geojson_out is not None:
        dates = {k: summary[k] for k in ("date_a", "date_b", "version_a", "version_b")}
        _atomic_write(geojson_out, dumps_collection(result.file_collection(dates)))
    if as_json:
        emit_json("diff/v1", {"theatre": theatre, "as_of": as_of, "days": days, **summary})
    else:
        _print_human(t, summary, days)
    if exit_code and summary["changed"]:
        click.get_current_context().exit(1)


def _print_human(t, s, days):
    note = f" ({days} days)" if days >= 0 else f" ({days} days: B is before A, so time runs backwards)"
    click.echo(f"{plain(t.title)}: {s['date_a']} (v{s['version_a']}) → {s['date_b']} (v{s['version_b']}){note}")
    click.echo(f"{'status':<20}{'A km²':>12}{'B km²':>12}{'gained':>11}{'lost':>11}{'net':>11}{'net %':>9}"
               f"{'noise':>9}")
    for key, c in s["changes"].items():
        label = "all (union)" if key == "union" else plain(t.status(key).label)
        pct = "" if c["net_pct"] is None else f"{c['net_pct']:+.1f}"
        click.echo(f"{label[:19]:<20}{fmt_km2(c['area_a_km2']):>12}{fmt_km2(c['area_b_km2']):>12}"
                   f"{fmt_km2(c['gained_km2']):>11}{fmt_km2(c['lost_km2']):>11}{c['net_km2']:>+11,.3f}{pct:>9}"
                   f"{fmt_km2(c['noise_km2']):>9}")
    n = s["noise"]
    click.echo(f"noise: change parts under {n['min_area_km2']:g} km² or thinner than {n['tolerance_m']:g} m "
               "are counted apart, not as gains or losses")
    for p in s["places"]:
        click.echo(f"place {p['kind']}: {plain(p['name'])} ({p['from'] or 'none'} → {p['to'] or 'none'})")
