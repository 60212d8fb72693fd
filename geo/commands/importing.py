"""``frontline import THEATRE PATH...``: validate and record dated layers."""

from __future__ import annotations

import click

from ..importers import DEFAULT_MAX_BYTES, FORMATS
from ..validate import DEFAULT_MAX_VERTICES
from ._common import DATE, TEXT, THEATRE, emit_json, plain, progress, store_from_ctx


def _status_map(ctx, param, values):
    out = {}
    for v in values:
        if "=" not in v:
            raise click.BadParameter(f"{v!r}: expected FROM=TO")
        k, t = v.split("=", 1)
        out[k] = t
    return out


@click.command("import")
@click.argument("theatre", type=THEATRE)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--date", type=DATE, help="Date of the layer (else from the file name or a 'date' property).")
@click.option("--source", default="", type=TEXT, help="Where the layer comes from (text or URL).")
@click.option("--note", default="", type=TEXT, help="A note recorded with the version.")
@click.option("--status", default=None, type=TEXT, help="Give every feature this status.")
@click.option("--status-field", default="status", show_default=True, help="Property holding the status.")
@click.option("--status-map", multiple=True, callback=_status_map, metavar="FROM=TO",
              help="Translate a status value; repeat.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="auto", show_default=True,
              help="auto: by file suffix; geojson; deepstate: a raw DeepStateMap export (labels mapped, clipped); "
                   "ogr: any format pyogrio reads.")
@click.option("--repair", is_flag=True, help="Mend invalid polygons with make_valid (recorded in the note).")
@click.option("--clip/--no-clip", default=None,
              help="Clip each layer to the theatre's region polygon, dropping border slivers (default: only "
                   "DeepState snapshots are clipped).")
@click.option("--max-bytes", type=click.IntRange(min=1), default=None,
              help=f"Refuse files larger than this (default {DEFAULT_MAX_BYTES:,}, or $FRONTLINE_MAX_BYTES).")
@click.option("--max-vertices", type=click.IntRange(min=1), default=None,
              help=f"Refuse layers with more vertices (default {DEFAULT_MAX_VERTICES:,}, "
                   "or $FRONTLINE_MAX_VERTICES).")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Processes reading and validating files (default: one per CPU, or $FRONTLINE_JOBS; 1: this one).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def command(theatre, paths, date, source, note, status, status_field, status_map, fmt, repair, clip, max_bytes,
            max_vertices, jobs, as_json):
    """Import PATH (files, or folders of dated files) into THEATRE; a failed import changes nothing."""
    from ..importers import ImportOptions, import_paths, limits_from_env

    limits = limits_from_env()
    if max_bytes:
        limits["max_bytes"] = max_bytes
    if max_vertices:
        limits["max_vertices"] = max_vertices
    opts = ImportOptions(date=date, source=source, note=note, status=status, status_field=status_field,
                         status_map=status_map or None, fmt=fmt, repair=repair, clip=clip, **limits)
    store = store_from_ctx()
    results = import_paths(store, theatre, paths, opts, progress=lambda it: progress(it, "importing"), jobs=jobs)
    if as_json:
        emit_json("import/v1", {"theatre": theatre, "imported": [
            {"path": p.path, "date": r.entry.date, "version": r.entry.version, "sha256": r.entry.sha256,
             "created": r.created} for p, r in results]})
        return
    new = sum(r.created for _, r in results)
    for p, r in results:
        if r.created:
            click.echo(f"{r.entry.date}  version {r.entry.version}  {r.entry.sha256[:12]}  {plain(p.path)}")
        else:
            click.echo(f"{r.entry.date}  unchanged: identical to version {r.entry.version}, nothing recorded")
    if len(results) > 1:
        click.echo(f"{new} new version(s), {len(results) - new} unchanged")
