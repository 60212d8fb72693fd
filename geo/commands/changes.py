"""``frontline changes THEATRE``: changes between the points of the series, the peak, the share retaken.

Decisions: ``--every month|week|quarter|year`` steps on calendar boundaries (the 1st of each month, quarter or year,
the Monday of each ISO week) read through the layer in force on each, from the first date of the range to its last
(both kept, so the first and last steps may be short); ``--every N`` keeps N-day steps over the layer dates (and the
last date). Where a point was read through an earlier layer, the ``layers used`` column names the two layers the row
compares (blank where both dates have their own layer). The peak, the share retaken and the last date are always
taken over every date of the range, whatever ``--every`` thins: the footer says how many dates that is. ``--from``
after ``--to`` is bad input (exit 2); a range with no layer, or a single date, is a negative answer (exit 1).
"""

from __future__ import annotations

import click

from ._common import (
    DATE,
    THEATRE,
    as_of_option,
    emit_json,
    fmt_km2,
    in_force_option,
    noise_options,
    plain,
    progress,
    store_from_ctx,
)


@click.command("changes")
@click.argument("theatre", type=THEATRE)
@click.option("--from", "start", type=DATE, default=None, help="First date of the range (default: the first layer).")
@click.option("--to", "end", type=DATE, default=None, help="Last date of the range (default: the last layer).")
@click.option("--every", default=None, metavar="N|'N days'|week|month|quarter|year",
              help="Step N days over the layer dates, or on calendar boundaries (ISO weeks, the 1st of each "
                   "month, quarter, year) through the layer in force on each. The peak and the share retaken "
                   "always come from every date.")
@noise_options()
@in_force_option
@as_of_option
@click.option("--json", "as_json", is_flag=True, help="JSON with a schema key.")
@click.option("--csv", "as_csv", is_flag=True, help="A row per step.")
def command(theatre, start, end, every, min_area, tolerance, in_force, as_of, as_json, as_csv):
    """Table of changes (union of statuses) over the series, the peak, and each date's share retaken since it."""
    from ..measure import compute_changes

    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")
    store = store_from_ctx()
    res = compute_changes(store, theatre, start=start, end=end, every=every, as_of=as_of, min_area_km2=min_area,
                          tolerance_m=tolerance, in_force=in_force, progress=lambda it: progress(it, "diffing"))
    total = {r["date"]: r["total_km2"] for r in res["areas"]}
    rows = []
    for p in res["pairs"]:
        u = p["changes"]["union"]
        rows.append({"from": p["date_a"], "to": p["date_b"], "from_layer_date": p["layer_date_a"],
                     "to_layer_date": p["layer_date_b"], "gained_km2": u["gained_km2"], "lost_km2": u["lost_km2"],
                     "net_km2": u["net_km2"], "noise_km2": u["noise_km2"], "total_km2": total[p["layer_date_b"]],
                     "retaken_pct": res["retaken_pct"].get(p["layer_date_b"]),
                     "places": [{k: x[k] for k in ("name", "kind", "from", "to")} for x in p["places"]]})
    last_pct = res["retaken_pct"].get(res["last"]["date"])
    if as_json:
        emit_json("changes/v1", {"theatre": theatre, "as_of": as_of, "every": every, "peak": res["peak"],
                                 "pairs": rows, "first": res["first"], "last": {**res["last"], "retaken_pct": last_pct},
                                 "dates_measured": len(res["areas"])})
        return
    if as_csv:
        click.echo("from,to,from_layer_date,to_layer_date,gained_km2,lost_km2,net_km2,noise_km2,total_km2,retaken_pct")
        for r in rows:
            pct = "" if r["retaken_pct"] is None else f"{r['retaken_pct']:.2f}"
            click.echo(f"{r['from']},{r['to']},{r['from_layer_date']},{r['to_layer_date']},{r['gained_km2']:.3f},"
                       f"{r['lost_km2']:.3f},{r['net_km2']:.3f},{r['noise_km2']:.3f},{r['total_km2']:.3f},{pct}")
        return
    layers = any(r["from"] != r["from_layer_date"] or r["to"] != r["to_layer_date"] for r in rows)
    click.echo(f"{'from':<11}{'to':<11}{'gained':>10}{'lost':>10}{'net':>11}{'held km²':>12}{'retaken':>9}"
               + ("  layers used" if layers else ""))
    for r in rows:
        pct = "" if r["retaken_pct"] is None else f"{r['retaken_pct']:.1f}%"
        differs = r["from"] != r["from_layer_date"] or r["to"] != r["to_layer_date"]
        used = f"  {r['from_layer_date']} → {r['to_layer_date']}" if differs else ""
        click.echo(f"{r['from']:<11}{r['to']:<11}{fmt_km2(r['gained_km2']):>10}{fmt_km2(r['lost_km2']):>10}"
                   f"{r['net_km2']:>+11,.3f}{fmt_km2(r['total_km2']):>12}{pct:>9}{used}".rstrip())
        for pl in r["places"]:
            click.echo(f"    {pl['kind']}: {plain(pl['name'])}")
    n, first, last = len(res["areas"]), res["first"]["date"], res["last"]["date"]
    click.echo(f"peak: {fmt_km2(res['peak']['total_km2'])} km² on {res['peak']['date']} "
               f"(over every date, {n} from {first} to {last})")
    if last_pct is not None:
        click.echo(f"retaken since the peak by {last}: {last_pct:.1f}% ({fmt_km2(res['last']['total_km2'])} km² held)")
