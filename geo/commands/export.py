"""``frontline export THEATRE -o FILE``: the whole series in one file (GeoPackage, FlatGeobuf, GeoParquet, GeoJSON)."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import THEATRE, as_of_option, check_date_range, date_range_options, plain, store_from_ctx


@click.command("export")
@click.argument("theatre", type=THEATRE)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="FILE.gpkg, .fgb, .parquet (GeoParquet) or .geojson.")
@date_range_options
@click.option("--all-versions", "all_versions", is_flag=True,
              help="Every recorded version of each date, not only the latest.")
@as_of_option
def command(theatre, output, date_from, date_to, all_versions, as_of):
    """Write THEATRE's series to FILE: a feature per area status per date.

    Each with date, valid_from, valid_to, status, area_km2, version, sha256 and source: what QGIS's temporal
    controller animates and what a GeoParquet reader loads.
    """
    from ..export import export_format, write_records
    from ..measure import export_records

    check_date_range(date_from, date_to)
    export_format(output)  # a bad suffix is refused before the store is read
    store = store_from_ctx()
    rows = export_records(store, theatre, start=date_from, end=date_to, all_versions=all_versions, as_of=as_of)
    dates: set = set()
    _, count = write_records((dates.add(r["date"]) or r for r in rows), output, layer=theatre)
    first, last = min(dates), max(dates)
    click.echo(f"{plain(output)}: {count} feature(s), {len(dates)} date(s) from {first} to {last}")
