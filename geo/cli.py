"""The ``frontline`` command line: a thin click group over the Python API.

Commands live in ``geo/commands/<module>.py``, each exposing a click command named ``command``, and are imported
only when invoked (kart's lazy group), so ``frontline --help`` and ``frontline area`` never import folium or
geopandas. Library errors (``geo.errors.FrontlineError``) become one line on stderr and their exit code here,
and only here.
"""

from __future__ import annotations

import importlib
import sys

import click

from .errors import FrontlineError

#: command name → module under geo.commands, and its one-line help (kept here so --help imports nothing).
COMMANDS = {
    "init": ("init", "Create a theatre: title, status vocabulary, region."),
    "import": ("importing", "Import dated layers (GeoJSON, GeoPackage, KML, Shapefile, FlatGeobuf, DeepState)."),
    "dates": ("dates", "List the dates that have a layer."),
    "context": ("context", "Add a context layer: settlements, events, border, region outlines."),
    "history": ("history", "List every recorded version of one date's layer."),
    "verify": ("verify", "Re-hash every version and check the log; exit 1 on any problem."),
    "copy": ("copy", "Copy theatres with their whole history between stores (folder, PostGIS)."),
    "area": ("area", "km² per status on the WGS84 ellipsoid, for dates or --all."),
    "diff": ("diff", "Ground gained, lost and net between two dates, and the places that changed hands."),
    "changes": ("changes", "Consecutive changes over the series, the peak and the share retaken."),
    "places": ("places", "One place's timeline: the date ranges it lay inside each status."),
    "compare": ("compare", "Two sources side by side: km² held in both, only in A, only in B, and the IoU."),
    "feed": ("feed", "A change feed of every recorded version: JSON Feed 1.1 or RSS 2.0 with GeoRSS."),
    "export": ("export", "The whole series in one file (GeoPackage, FlatGeobuf, GeoParquet, GeoJSON)."),
    "map": ("map", "Render the interactive map of a date (HTML)."),
    "embed": ("embed", "Write an iframe snippet, alt text and a static PNG beside a map."),
    "assets": ("assets", "Manage the pinned web assets (Leaflet) used by the maps."),
    "timeline": ("timeline", "Render one page for the whole series: slider, area chart, events."),
    "chart": ("chart", "Draw the area-over-time chart as SVG or PNG."),
    "animate": ("animate", "Write the series as an animated GIF, MP4 or WebM: a map a date, figures, a chart."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return [name for name, (mod, _) in COMMANDS.items() if _module_exists(mod)]

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        mod, _ = COMMANDS[name]
        try:
            module = importlib.import_module(f"geo.commands.{mod}")
        except ModuleNotFoundError as exc:
            if exc.name == f"geo.commands.{mod}":
                return None
            raise
        return module.command

    def format_commands(self, ctx, formatter):
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _module_exists(mod: str) -> bool:
    from importlib.util import find_spec

    return find_spec(f"geo.commands.{mod}") is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--layers", "layers", metavar="DIR|URL", envvar="FRONTLINE_LAYERS",
              help="The store (default ./layers, or $FRONTLINE_LAYERS).")
@click.version_option(package_name="frontline", prog_name="frontline")
@click.pass_context
def cli(ctx, layers):
    """frontline: versioned dated front-line layers, areas on the ellipsoid, changes, and safe maps."""
    ctx.obj = {"layers": layers}


def main(argv=None):
    """Entry point: run the CLI and turn frontline errors into one line and their exit code."""
    try:
        rv = cli.main(args=argv, prog_name="frontline", standalone_mode=False)
    except FrontlineError as exc:
        from .commands._common import plain

        click.echo(f"frontline: error: {plain(exc.message)}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("frontline: aborted", err=True)
        sys.exit(130)
    except click.UsageError as exc:  # one line, like every other error (click's own shows three)
        from .commands._common import plain

        cmd = exc.ctx.command_path if exc.ctx is not None else "frontline"
        click.echo(f"frontline: error: {plain(' '.join(exc.format_message().split()))} "
                   f"(see '{cmd} --help')", err=True)
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        sys.exit(1)
    sys.exit(rv if isinstance(rv, int) else 0)


if __name__ == "__main__":
    main()
