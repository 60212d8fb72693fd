"""One measured task, run in its own process: ``python -m bench.work TASK WAY ARGS_JSON``.

The parent (:mod:`bench.run`) starts one process per measurement and reads its peak memory from ``os.wait4``.
Inside, the libraries a way needs are imported first and not timed (a notebook has done its imports before the
cell runs; frontline's lazy command modules are imported before the clock starts too), then the task's work is
timed with ``time.perf_counter``. The last line on stdout is ``BENCH {"seconds": …, …}``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: EPSG:6933, the equal-area CRS of the notebook way (WGS 84 / NSIDC EASE-Grid 2.0 Global).
EQUAL_AREA = 6933


def _files(args) -> list[str]:
    return list(args["files"])


def _date(path: str) -> str:
    return Path(path).stem


# ---- frontline ------------------------------------------------------------------------------------------------
def _frontline_imports(*modules):
    import importlib

    import numpy  # noqa: F401
    import pyproj  # noqa: F401
    import shapely  # noqa: F401

    import geo.cli  # noqa: F401

    for m in modules:
        importlib.import_module(m)


def _cli(store: str, *argv, out=None) -> None:
    """``frontline --layers STORE ARGV`` in this process, stdout to the file ``out`` (default: thrown away); a
    non-zero exit raises."""
    from geo.cli import main

    with open(out or os.devnull, "w") as null, contextlib.redirect_stdout(null):
        try:
            main(["--layers", store, *argv])
        except SystemExit as exc:
            if exc.code not in (0, None):
                raise RuntimeError(f"frontline {' '.join(argv)} exited {exc.code}") from None


def fl_import(args) -> dict:
    sys.path.insert(0, str(REPO / "tests"))
    from conftest import make_real_store

    from geo.importers import ImportOptions, import_paths
    from geo.store import Store

    _frontline_imports("geo.validate")
    root = Path(args["dest"])
    make_real_store(root, Path(args["shared"]), daily=False)
    t = time.perf_counter()
    import_paths(Store(root), "kursk", _files(args), ImportOptions(source="DeepStateMap daily"))
    # the layers, their versions and the log; not the theatre's context files (the notebook folder has none)
    return {"seconds": time.perf_counter() - t, "bytes": _du(root / "kursk") - _du(root / "kursk" / "context")}


def fl_area(args) -> dict:
    _frontline_imports("geo.commands.area", "geo.measure", "geo.area")
    t = time.perf_counter()
    _cli(args["store"], "area", "kursk", "--all", "--json")
    return {"seconds": time.perf_counter() - t}


def fl_changes(args) -> dict:
    _frontline_imports("geo.commands.changes", "geo.measure", "geo.diff")
    t = time.perf_counter()
    _cli(args["store"], "changes", "kursk", "--json")
    return {"seconds": time.perf_counter() - t}


def fl_map(args) -> dict:
    _frontline_imports("geo.commands.map", "geo.render.mapping", "folium")
    out = Path(args["out"])
    t = time.perf_counter()
    _cli(args["store"], "map", "kursk", args["date"], "-o", str(out))
    return {"seconds": time.perf_counter() - t, "bytes": out.stat().st_size}


def fl_timeline(args) -> dict:
    _frontline_imports("geo.commands.timeline", "geo.render.timeline")
    out = Path(args["out"])
    t = time.perf_counter()
    _cli(args["store"], "timeline", "kursk", "-o", str(out))
    return {"seconds": time.perf_counter() - t, "bytes": out.stat().st_size}


# ---- the notebook way -----------------------------------------------------------------------------------------
def nb_import(args) -> dict:
    import geopandas as gpd

    dest = Path(args["dest"])
    dest.mkdir(parents=True)
    t = time.perf_counter()
    for f in _files(args):
        gdf = gpd.read_file(f)
        gdf.to_file(dest / Path(f).name, driver="GeoJSON")
    return {"seconds": time.perf_counter() - t, "bytes": _du(dest)}


def nb_area(args) -> dict:
    import geopandas as gpd

    t = time.perf_counter()
    rows = {}
    for f in _files(args):
        gdf = gpd.read_file(f)
        if len(gdf) == 0:
            rows[_date(f)] = {}
            continue
        per = gdf.to_crs(EQUAL_AREA).dissolve(by="status").area / 1e6
        rows[_date(f)] = {k: float(v) for k, v in per.items()}
    return {"seconds": time.perf_counter() - t, "areas": rows}


def nb_changes(args) -> dict:
    import geopandas as gpd

    t = time.perf_counter()
    layers = []
    for f in _files(args):
        gdf = gpd.read_file(f)
        if len(gdf):
            gdf = gdf.to_crs(EQUAL_AREA)
            gdf = gdf[gdf.geom_type.isin(["Polygon", "MultiPolygon"])][["status", "geometry"]]
        layers.append(gdf)
    pairs = []
    for a, b in zip(layers, layers[1:], strict=False):
        if len(a) == 0 or len(b) == 0:  # overlay refuses an empty frame without columns: the notebook checks
            ga = float(b.area.sum()) / 1e6 if len(b) else 0.0
            lo = float(a.area.sum()) / 1e6 if len(a) else 0.0
        else:
            ga = float(gpd.overlay(b, a, how="difference").area.sum()) / 1e6
            lo = float(gpd.overlay(a, b, how="difference").area.sum()) / 1e6
        pairs.append((ga, lo))
    return {"seconds": time.perf_counter() - t, "pairs": len(pairs)}


def nb_map(args) -> dict:
    import folium
    import geopandas as gpd

    out = Path(args["out"])
    t = time.perf_counter()
    gdf = gpd.read_file(args["file"])
    w, s, e, n = gdf.total_bounds
    m = folium.Map(location=[(s + n) / 2, (w + e) / 2], zoom_start=9, tiles=None)
    gdf["date"] = gdf["date"].astype(str)  # else GeoJson(gdf) fails: the 'date' column reads as Timestamps
    folium.GeoJson(gdf).add_to(m)
    m.save(str(out))
    return {"seconds": time.perf_counter() - t, "bytes": out.stat().st_size}


def nb_map_context(args) -> dict:
    """The notebook map with the same content as frontline's: the layer and the theatre's settlements."""
    import folium
    import geopandas as gpd

    out = Path(args["out"])
    t = time.perf_counter()
    gdf = gpd.read_file(args["file"])
    gdf["date"] = gdf["date"].astype(str)
    w, s, e, n = gdf.total_bounds
    m = folium.Map(location=[(s + n) / 2, (w + e) / 2], zoom_start=9, tiles=None)
    folium.GeoJson(gdf).add_to(m)
    folium.GeoJson(gpd.read_file(args["settlements"]), tooltip=folium.GeoJsonTooltip(["name"])).add_to(m)
    m.save(str(out))
    return {"seconds": time.perf_counter() - t, "bytes": out.stat().st_size}


def nb_timeline(args) -> dict:
    import folium
    import geopandas as gpd
    import shapely
    from folium.plugins import TimestampedGeoJson

    out = Path(args["out"])
    t = time.perf_counter()
    features = []
    for f in _files(args):
        gdf = gpd.read_file(f)
        if len(gdf) == 0:
            continue
        # the same precision as frontline's page: a grid of 1e-5 degree (about 1 m)
        gdf["geometry"] = shapely.set_precision(gdf.geometry.values, 1e-5)
        for feat in json.loads(gdf[["status", "geometry"]].to_json(drop_id=True))["features"]:
            feat["properties"]["times"] = [_date(f)]
            features.append(feat)
    m = folium.Map(location=[51.4, 35.3], zoom_start=9, tiles=None)
    TimestampedGeoJson({"type": "FeatureCollection", "features": features}, period="P1D", duration="P1D",
                       add_last_point=False).add_to(m)
    m.save(str(out))
    return {"seconds": time.perf_counter() - t, "bytes": out.stat().st_size}


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


TASKS = {
    ("import", "frontline"): fl_import, ("import", "notebook"): nb_import,
    ("area", "frontline"): fl_area, ("area", "notebook"): nb_area,
    ("changes", "frontline"): fl_changes, ("changes", "notebook"): nb_changes,
    ("map", "frontline"): fl_map, ("map", "notebook"): nb_map, ("map+context", "notebook"): nb_map_context,
    ("timeline", "frontline"): fl_timeline, ("timeline", "notebook"): nb_timeline,
}


def main(argv: list[str]) -> None:
    task, way, raw = argv
    args = json.loads(raw)
    for p in (args.get("dest"),):
        if p:
            shutil.rmtree(p, ignore_errors=True)
    result = TASKS[(task, way)](args)
    sys.stdout.write("BENCH " + json.dumps(result) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
