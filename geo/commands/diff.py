"""``frontline diff THEATRE DATE_A DATE_B``: ground gained, lost and net, and the places that changed hands."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import (
    DATE,
    THEATRE,
    as_of_option,
    emit_json,
    fmt_km2,
    in_force_option,
    layer_note,
    noise_options,
    plain,
    store_from_ctx,
)


class PeriodType(click.ParamType):
    """A calendar period (``2025``, ``2025-01``, ``2025-Q1``, ``2025-W03``), parsed at once (exit 2)."""

    name = "PERIOD"

    def convert(self, value, param, ctx):
        from ..dates import parse_period
        from ..errors import InvalidInput

        try:
            return value, *parse_period(value)
        except InvalidInput as exc:
            self.fail(exc.message, param, ctx)


@click.command("diff")
@click.argument("theatre", type=THEATRE)
@click.argument("date_a", type=DATE, required=False)
@click.argument("date_b", type=DATE, required=False)
@click.option("--period", type=PeriodType(), default=None, metavar="YYYY|YYYY-MM|YYYY-Qn|YYYY-Www",
              help="Instead of DATE_A DATE_B: the change over a calendar period, between the layers in force on "
                   "its first day and on the first day after it (2025-01: 2025-01-01 to 2025-02-01).")
@click.option("--status", "statuses", multiple=True, help="Only these statuses (repeat); the union is always shown.")
@noise_options()
@in_force_option
@as_of_option
@click.option("--json", "as_json", is_flag=True, help="JSON with a schema key.")
@click.option("--geojson", "geojson_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the change polygons (kind gained/lost, status, area_km2, both dates) to FILE, "
                   "coordinates with 6 decimals (RFC 7946).")
@click.option("--exit-code", "exit_code", is_flag=True, help="Exit 1 where anything changed beyond the noise.")
def command(theatre, date_a, date_b, period, statuses, min_area, tolerance, in_force, as_of, as_json, geojson_out,
            exit_code):
    """Compare THEATRE's layers on DATE_A and DATE_B (B before A is answered, with the negative time noted).

    With --period, the dates are the first day of the period and the first day after it, always read through
    the layer in force (a period rarely begins on a day with a layer).
    """
    import datetime as dt

    from ..geojson import dumps_collection
    from ..measure import compute_diff, load_settlements
    from ..store import _atomic_write

    if period is not None and (date_a or date_b):
        raise click.UsageError("give DATE_A DATE_B or --period, not both")
    if period is None and not (date_a and date_b):
        raise click.UsageError("give DATE_A and DATE_B, or --period")
    if period is not None:
        _, date_a, date_b = period
        in_force = True
    store = store_from_ctx()
    t = store.theatre(theatre)
    for s in statuses:
        t.status(s)
    result, summary = compute_diff(store, theatre, date_a, date_b, as_of=as_of, statuses=statuses or None,
                                   min_area_km2=min_area, tolerance_m=tolerance,
                                   with_features=geojson_out is not None, settlements=load_settlements(store, theatre),
                                   in_force=in_force)
    days = (dt.date.fromisoformat(date_b) - dt.date.fromisoformat(date_a)).days
    layer_days = (dt.date.fromisoformat(summary["layer_date_b"]) - dt.date.fromisoformat(summary["layer_date_a"])).days
    if geojson_out is not None:
        dates = {k: summary[k] for k in ("date_a", "date_b", "version_a", "version_b")}
        _atomic_write(geojson_out, dumps_collection(result.file_collection(dates)))
    if as_json:
        emit_json("diff/v1", {"theatre": theatre, "as_of": as_of, "days": days, "layer_days": layer_days,
                              "period": period[0] if period else None, **summary})
    else:
        _print_human(t, summary, days, layer_days, period[0] if period else None)
    if exit_code and summary["changed"]:
        click.get_current_context().exit(1)


def _print_human(t, s, days, layer_days, period):
    note = f" ({days} days)" if days >= 0 else f" ({days} days: B is before A, so time runs backwards)"
    what = f"{period}, " if period else ""
    click.echo(f"{plain(t.title)}: {what}{s['date_a']} (v{s['version_a']}) → {s['date_b']} (v{s['version_b']}){note}")
    for key in ("a", "b"):
        if s[f"date_{key}"] != s[f"layer_date_{key}"]:
            click.echo(f"in force: {layer_note(s[f'date_{key}'], s[f'layer_date_{key}'])}")
    if layer_days != days:
        click.echo(f"the layers compared are {layer_days} days apart")
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
