"""``frontline assets``: the pinned web assets (Leaflet JS and CSS) that maps load or inline.

``frontline assets fetch`` fills the cache (``$FRONTLINE_ASSETS`` or ``./.assets/cache``) from the installed
XStatic-Leaflet package (else the CDN); ``--from-npm DIR`` copies them from
``npm install --prefix DIR leaflet@1.9.3`` instead. Every file is checked against its pinned SRI hash before it
is written. ``frontline assets list`` shows the pins and whether each is cached; ``frontline assets check``
exits 3 where one is missing.
"""

from __future__ import annotations

from pathlib import Path

import click


@click.group("assets")
def command():
    """Manage the pinned web assets (Leaflet) used by the maps."""


@command.command("fetch")
@click.option("--from-npm", "from_npm", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
              help="Copy from an npm install (the --prefix folder, its node_modules, or the package folder).")
@click.option("--cache", "cache", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The cache folder (default $FRONTLINE_ASSETS or ./.assets/cache).")
def fetch_cmd(from_npm, cache):
    """Fill the asset cache from the installed package, the CDN or an npm install, checking each file's hash."""
    from ..render.assets import cache_dir, fetch

    root = cache_dir(cache)
    for p in fetch(root, from_npm=from_npm):
        click.echo(str(p))


@command.command("list")
@click.option("--cache", "cache", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The cache folder (default $FRONTLINE_ASSETS or ./.assets/cache).")
def list_cmd(cache):
    """List the pinned assets, their hashes and whether each is cached."""
    from ..render.assets import cache_dir, check, pinned

    root = cache_dir(cache)
    bad = set(check(root))
    for a in pinned():
        click.echo(f"{a.spec}/{a.file}  {a.integrity}  {'missing' if a.name in bad else 'cached'}")


@command.command("check")
@click.option("--cache", "cache", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The cache folder (default $FRONTLINE_ASSETS or ./.assets/cache).")
def check_cmd(cache):
    """Exit 0 where every pinned asset is cached and intact, else 3 naming the missing ones."""
    from ..errors import MissingResource
    from ..render.assets import cache_dir, check

    root = cache_dir(cache)
    bad = check(root)
    if bad:
        raise MissingResource(f"not cached in {root}: {', '.join(bad)}; run `frontline assets fetch`")
    click.echo(f"all pinned assets cached in {root}")
