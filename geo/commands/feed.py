"""``frontline feed THEATRE -o feed.json|feed.xml``: a change feed, one item per recorded version, newest first."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import TEXT, THEATRE, as_of_option, plain, progress, store_from_ctx

#: Output suffix → feed format.
FORMATS = {".json": "json", ".xml": "rss", ".rss": "rss"}


@click.command("feed")
@click.argument("theatre", type=THEATRE)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="feed.json (JSON Feed 1.1) or feed.xml / .rss (RSS 2.0 with GeoRSS boxes).")
@click.option("--base-url", "base_url", type=TEXT, default=None, metavar="URL",
              help="Where the feed is published: items link to URL/maps/THEATRE-DATE.html and to "
                   "URL/changes/THEATRE-DATE-vN.geojson, which are written beside the feed.")
@as_of_option
def command(theatre, output, base_url, as_of):
    """Write THEATRE's change feed: each version's date, ground gained, lost and net, source and note."""
    from ..feed import check_base_url, json_feed, rss_feed
    from ..geojson import dumps_collection
    from ..measure import compute_feed
    from ..store import _atomic_write

    fmt = FORMATS.get(output.suffix.lower())
    if fmt is None:
        raise click.BadParameter(f"{output.name}: name a .json (JSON Feed) or .xml/.rss (RSS) file",
                                 param_hint="-o")
    base = check_base_url(base_url) if base_url is not None else None
    store = store_from_ctx()
    t = store.theatre(theatre)
    items, changes = compute_feed(store, theatre, as_of=as_of, base_url=base, with_changes=base is not None,
                                  progress=lambda it: progress(it, "diffing"))
    if changes:
        folder = output.parent / "changes"
        folder.mkdir(parents=True, exist_ok=True)
        for it in items:
            if it["id"] in changes:
                data = dumps_collection(changes[it["id"]])
                it["change_bytes"] = len(data)
                _atomic_write(folder / f"{theatre}-{it['date']}-v{it['version']}.geojson", data, durable=False)
    if fmt == "json":
        import json

        doc = json_feed(t.title, items, base_url=base, feed_url=f"{base}/{output.name}" if base else None)
        data = json.dumps(doc, sort_keys=True, indent=1, ensure_ascii=False).encode("utf-8") + b"\n"
    else:
        data = rss_feed(t.title, items, base_url=base)
    _atomic_write(output, data)
    extra = f", {len(changes)} change file(s) in {plain(output.parent / 'changes')}" if changes else ""
    click.echo(f"{plain(output)}: {len(items)} item(s), {items[0]['date']} v{items[0]['version']} first{extra}")
