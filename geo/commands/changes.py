"""``frontline changes THEATRE``: consecutive changes over the series, the peak, the share retaken."""

from __future__ import annotations

import click

from ._common import DATE, THEATRE, as_of_option, emit_json, fmt_km2, plain, progress, store_from_ctx


@click.command("changes")
@click.argument("theatre", type=THEATRE)
@click.option("--from", "start", type=DATE, default=None, help="First date.")
@click.option("--to", "end", type=DATE, default=None, help="Last date.")
@click.option("--every", default=None, metavar="N|'N days'|week|month", help="Thin the dates first.")
@click.option("--min-area", "min_area", type=click.FloatRange(min=0), default=None, metavar="KM2")
@click.option("--tolerance", type=click.FloatRange(min=0), default=None, metavar="M")
@as_of_option
@click.option("--json", "as_json", is_flag=True)
@click.option("--csv", "as_csv", is_flag=True)
def command(theatre, start, end, every, min_area, tolerance, as_of, as_json, as_csv):
    """Table of consecutive changes (union of statuses), the peak, and each date's share retaken since it."""
    from ..measure import compute_changes

    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")
    store = store_from_ctx()
    res = compute_changes(store, theatre, start=start, end=end, every=every, as_of=as_of, min_area_km2=min_area,
                          tolerance_m=tolerance, progress=lambda it: progress(it, "diffing"))
    rows = []
    total = {r["date"]: r["total_km2"] for r in res["areas"]}
    for p in res["pairs"]:
        u = p["changes"]["union"]
        rows.append({"from": p["date_a"], "to": p["date_b"], "gained_km2": u["gained_km2"], "lost_km2": u["lost_km2"],
                     "net_km2": u["net_km2"], "noise_km2": u["noise_km2"], "total_km2": total[p["date_b"]],
                     "retaken_pct": res["retaken_pct"].get(p["date_b"]),
                     "places": [{k: x[k] for k in ("name", "kind", "from", "to")} for x in p["places"]]})
    if as_json:
        emit_json("changes/v1", {"theatre": theatre, "as_of": as_of, "peak": res["peak"], "pairs": rows,
                                 "first": ({"date": res["dates"][0], "total_km2": total[res["dates"][0]]}
                                           if res["dates"] else None)})
        return
    if as_csv:
        click.echo("from,to,gained_km2,lost_km2,net_km2,noise_km2,total_km2,retaken_pct")
        for r in rows:
            pct = "" if r["retaken_pct"] is None else f"{r['retaken_pct']:.2f}"
            click.echo(f"{r['from']},{r['to']},{r['gained_km2']:.3f},{r['lost_km2']:.3f},{r['net_km2']:.3f},"
                       f"{r['noise_km2']:.3f},{r['total_km2']:.3f},{pct}")
        return
    click.echo(f"{'from':<11}{'to':<11}{'gained':>10}{'lost':>10}{'net':>11}{'held km²':>12}{'retaken':>9}")
    for r in rows:
        pct = "" if r["retaken_pct"] is None else f"{r['retaken_pct']:.1f}%"
        click.echo(f"{r['from']:<11}{r['to']:<11}{fmt_km2(r['gained_km2']):>10}{fmt_km2(r['lost_km2']):>10}"
                   f"{r['net_km2']:>+11,.3f}{fmt_km2(r['total_km2']):>12}{pct:>9}")
        for pl in r["places"]:
            click.echo(f"    {pl['kind']}: {plain(pl['name'])}")
    if res["peak"]:
        click.echo(f"peak: {fmt_km2(res['peak']['total_km2'])} km² on {res['peak']['date']}")
        if res["dates"]:
            last = res["dates"][-1]
            pct = res["retaken_pct"].get(last)
            if pct is not None:
                click.echo(f"retaken since the peak by {last}: {pct:.1f}%")
