"""``frontline compare A B DATE``: two sources side by side: km² held in both, only in A, only in B, and the IoU.

A and B are theatres of the same store, one per source (``kursk`` from DeepState, ``kursk-nzz``): a theatre is one
source's history, with its own versions, as-of reads and ``verify``.
"""

from __future__ import annotations

from pathlib import Path

import click

from ._common import (
    DATE,
    THEATRE,
    as_of_option,
    date_range_options,
    emit_json,
    fmt_km2,
    in_force_option,
    noise_options,
    plain,
    store_from_ctx,
)

CSV_FIELDS = ("area_a_km2", "area_b_km2", "both_km2", "only_a_km2", "only_b_km2", "noise_a_km2", "noise_b_km2",
              "iou")


@click.command("compare")
@click.argument("theatre_a", metavar="A", type=THEATRE)
@click.argument("theatre_b", metavar="B", type=THEATRE)
@click.argument("date", type=DATE, required=False)
@click.option("--all", "all_dates", is_flag=True, help="Every date both theatres have a layer on.")
@date_range_options
@click.option("--status", "statuses", multiple=True, help="Only these shared statuses (repeat); the union is "
              "always shown.")
@click.option("--by", "by", type=click.Choice(["region"]), default=None,
              help="Split each figure by A's named regions.")
@noise_options("Parts of only-A or only-B")
@in_force_option
@as_of_option
@click.option("--json", "as_json", is_flag=True, help="JSON with a schema key (frontline.compare/v1).")
@click.option("--csv", "as_csv", is_flag=True, help="A row per date, status (and region).")
@click.option("--geojson", "geojson_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the geometries (kind both/only_a/only_b, status, area_km2) of DATE to FILE.")
def command(theatre_a, theatre_b, date, all_dates, date_from, date_to, statuses, by, min_area, tolerance, in_force,
            as_of, as_json, as_csv, geojson_out):
    """Compare source A's layer with source B's on DATE (or --all dates both have).

    With --in-force, a side without a layer on DATE is read through the layer in force on it (the latest before
    it); with --all, the dates are then those either side has, from the later of the two first layers on, each
    side read through its layer in force (``date_a``/``date_b`` name the layers compared).
    """
    from ..area import theatre_centre
    from ..measure import common_dates, compare_series, compute_compare
    from ._common import check_date_range

    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")
    if bool(date) == all_dates:
        raise click.UsageError("give a DATE or --all")
    if (date_from or date_to) and not all_dates:
        raise click.UsageError("--from and --to go with --all")
    if geojson_out is not None and all_dates:
        raise click.UsageError("--geojson writes one date's geometries: give a DATE, not --all")
    check_date_range(date_from, date_to)
    store = store_from_ctx()
    ta, tb = store.theatre(theatre_a), store.theatre(theatre_b)
    opts = {"as_of": as_of, "statuses": statuses or None, "min_area_km2": min_area, "tolerance_m": tolerance,
            "by_region": by == "region"}
    if all_dates and in_force:
        from ..dates import in_force as layer_in_force
        from ..dates import in_range
        from ..errors import NotFound

        da, db = store.dates(theatre_a, as_of=as_of), store.dates(theatre_b, as_of=as_of)
        # every date either side has, from the later of the two first layers on (both have one in force there)
        first = max(da[0], db[0], date_from or "") if da and db else None
        dates = in_range(sorted(set(da) | set(db)), start=first, end=date_to) if first else []
        if not dates:
            raise NotFound(f"theatres {theatre_a!r} and {theatre_b!r} have no date on which both have a layer "
                           "in force")
        pairs = [(layer_in_force(da, d), layer_in_force(db, d)) for d in dates]
        rows = compare_series(store, theatre_a, theatre_b, pairs, **opts)
        for row, d in zip(rows, dates, strict=True):
            row["date"] = d
    elif all_dates:
        dates = common_dates(store, theatre_a, theatre_b, as_of=as_of, start=date_from, end=date_to)
        rows = compare_series(store, theatre_a, theatre_b, [(d, d) for d in dates], **opts)
    else:
        date_a = store.entry(theatre_a, date, as_of=as_of, in_force=in_force).date
        date_b = store.entry(theatre_b, date, as_of=as_of, in_force=in_force).date
        result, row = compute_compare(store, theatre_a, theatre_b, date_a, date_b,
                                      with_features=geojson_out is not None, **opts)
        if in_force:
            row["date"] = date
        rows = [row]
        if geojson_out is not None:
            _write_geojson(geojson_out, result, row)
    if not as_json and not as_csv and theatre_centre(ta) != theatre_centre(tb):
        click.echo(f"note: B is measured in A's projection (their regions differ), so its km² may differ from "
                   f"'frontline area {tb.name}' by up to about 1e-5 of the figure", err=True)
    if as_json:
        head = {"theatre_a": theatre_a, "theatre_b": theatre_b, "as_of": as_of, "unit": "km2"}
        emit_json("compare/v1", {**head, "dates": rows} if all_dates else {**head, **rows[0]})
    elif as_csv:
        _print_csv(rows, by)
    else:
        _print_human(ta, tb, rows, by, all_dates)


def _write_geojson(path: Path, result, row: dict) -> None:
    from ..geojson import dumps_collection
    from ..store import _atomic_write

    props = {k: row[k] for k in ("theatre_a", "theatre_b", "date_a", "date_b", "version_a", "version_b")}
    feats = [f for fc in result.collections(props).values() for f in fc["features"]]
    _atomic_write(path, dumps_collection({"type": "FeatureCollection", "features": feats}))


def _parts(row: dict, by: str | None):
    """``(region or None, figures)`` of a row: the whole, or each region."""
    return [(r["region"], r) for r in row["regions"]] if by else [(None, row)]


def _print_csv(rows: list[dict], by: str | None) -> None:
    from .area import _csv

    click.echo(",".join(["date_a", "date_b"] + (["region"] if by else []) + ["status", *CSV_FIELDS]))
    for row in rows:
        for region, part in _parts(row, by):
            for key, figs in [("union", part)] + sorted(part["statuses"].items()):
                vals = ["" if figs[f] is None else f"{figs[f]:.6f}" if f == "iou" else f"{figs[f]:.3f}"
                        for f in CSV_FIELDS]
                click.echo(",".join([row["date_a"], row["date_b"]] + ([_csv(plain(region))] if by else [])
                                    + [key, *vals]))


def _iou(v) -> str:
    return "–" if v is None else f"{v:.4f}"


def _print_human(ta, tb, rows: list[dict], by: str | None, series: bool) -> None:
    click.echo(f"A: {plain(ta.title)} ({ta.name})   B: {plain(tb.title)} ({tb.name})")
    head = f"{'A km²':>12}{'B km²':>12}{'both':>12}{'only A':>11}{'only B':>11}{'IoU':>8}"
    if series:
        click.echo(f"{'date':<12}" + (f"{'region':<18}" if by else "") + head)
        for row in rows:
            for region, p in _parts(row, by):
                click.echo(f"{row['date_a']:<12}" + (f"{plain(region)[:17]:<18}" if by else "")
                           + _cells(p))
        return
    row = rows[0]
    click.echo(f"{row['date_a']} (A v{row['version_a']}) against {row['date_b']} (B v{row['version_b']})")
    for region, p in _parts(row, by):
        if region is not None:
            click.echo(f"region: {plain(region)}")
        click.echo(f"{'status':<20}" + head + f"{'noise A':>9}{'noise B':>9}")
        for key, figs in [("union", p)] + list(p["statuses"].items()):
            label = "all (union)" if key == "union" else plain(ta.status(key).label)
            click.echo(f"{label[:19]:<20}" + _cells(figs) + f"{fmt_km2(figs['noise_a_km2']):>9}"
                       f"{fmt_km2(figs['noise_b_km2']):>9}")
    n = row["noise"]
    click.echo(f"noise: parts of only-A or only-B under {n['min_area_km2']:g} km² or thinner than "
               f"{n['tolerance_m']:g} m are counted apart, as in diff")


def _cells(f: dict) -> str:
    return (f"{fmt_km2(f['area_a_km2']):>12}{fmt_km2(f['area_b_km2']):>12}{fmt_km2(f['both_km2']):>12}"
            f"{fmt_km2(f['only_a_km2']):>11}{fmt_km2(f['only_b_km2']):>11}{_iou(f['iou']):>8}")
