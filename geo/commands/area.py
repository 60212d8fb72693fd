"""``frontline area THEATRE [DATE...|--all]``: km² per status on the WGS84 ellipsoid."""

from __future__ import annotations

import click

from ._common import DATE, THEATRE, as_of_option, emit_json, fmt_km2, in_force_option, layer_note, plain, store_from_ctx


@click.command("area")
@click.argument("theatre", type=THEATRE)
@click.argument("dates", nargs=-1, type=DATE)
@click.option("--all", "all_dates", is_flag=True, help="Every date that has a layer.")
@in_force_option
@as_of_option
@click.option("--by", "by", type=click.Choice(["region"]), default=None,
              help="Split each figure by the theatre's named regions.")
@click.option("--method", type=click.Choice(["laea-wgs84", "geodesic-wgs84"]), default="laea-wgs84",
              show_default=True, help="Equal-area projection (fast) or pyproj's geodesic area (reference).")
@click.option("--json", "as_json", is_flag=True, help="JSON with a schema key.")
@click.option("--csv", "as_csv", is_flag=True, help="A row per date, a column per status and the total.")
def command(theatre, dates, all_dates, in_force, as_of, by, method, as_json, as_csv):
    """Area held per status on each DATE (no DATE: the latest date; --all: every date), and their union.

    With --in-force, a DATE without a layer is measured on the layer in force (the latest before it); the
    date column then reads ``2025-01-01 → layer of 2024-12-31``, the JSON rows carry ``date`` and
    ``layer_date`` (always both), and the CSV gains a ``layer_date`` column.

    Statuses marked ``certainty = "claimed"`` in theatre.toml are kept out of the total, which then comes with a
    range: ``range_km2 = [assessed, assessed and claimed]``.
    """
    from ..measure import compute_areas

    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")
    if dates and all_dates:
        raise click.UsageError("give DATEs or --all, not both")
    store = store_from_ctx()
    t = store.theatre(theatre)
    rows = compute_areas(store, theatre, None if all_dates else list(dates), as_of=as_of,
                         by_region=by == "region", method=method, in_force=in_force)
    statuses = list(t.area_statuses)
    ranged = bool(t.claimed_statuses)  # claimed statuses: the total is the assessed ground, then a range
    if as_json:
        emit_json("area/v1", {"theatre": theatre, "as_of": as_of, "unit": "km2", "dates": rows})
        return
    if as_csv:
        head = (["date"] + (["layer_date"] if in_force else []) + (["region"] if by else [])
                + [f"{s}_km2" for s in statuses] + ["total_km2"])
        head += ["range_low_km2", "range_high_km2"] if ranged else []
        click.echo(",".join(head))
        for r in rows:
            parts = [(x["region"], x["areas"]) for x in r["regions"]] if by else [(None, r)]
            lead = [r["date"]] + ([r["layer_date"]] if in_force else [])
            for region, a in parts:
                vals = [f"{a['areas_km2'][s]:.3f}" for s in statuses] + [f"{a['total_km2']:.3f}"]
                vals += [f"{v:.3f}" for v in a["range_km2"]] if ranged else []
                click.echo(",".join(lead + ([_csv(plain(region))] if by else []) + vals))
        return
    labels = [plain(t.status(s).label) for s in statuses]
    width = max(len(layer_note(r["date"], r["layer_date"])) for r in rows)
    click.echo("  ".join([f"{'date':<{width}}", "version"] + ([f"{'region':<18}"] if by else [])
                         + [f"{lab:>16}" for lab in labels] + [f"{'total km²':>14}"]
                         + ([f"{'range km²':>22}"] if ranged else [])))
    for r in rows:
        parts = [(x["region"], x["areas"]) for x in r["regions"]] if by else [(None, r)]
        for region, a in parts:
            cells = [f"{layer_note(r['date'], r['layer_date']):<{width}}", f"v{r['version']:<6}"]
            cells += [f"{plain(region):<18}"] if by else []
            cells += [f"{fmt_km2(a['areas_km2'][s]):>16}" for s in statuses] + [f"{fmt_km2(a['total_km2']):>14}"]
            if ranged:
                cells.append(f"{fmt_km2(a['range_km2'][0]) + '–' + fmt_km2(a['range_km2'][1]):>22}")
            click.echo("  ".join(cells))
    if ranged:
        claimed = ", ".join(plain(t.status(s).label) for s in t.claimed_statuses)
        click.echo(f"total: assessed ground; claimed ({claimed}) is kept out of it and gives the range "
                   "(assessed – assessed and claimed)")


def _csv(v: str) -> str:
    return '"' + v.replace('"', '""') + '"' if any(c in v for c in ',"\n') else v
