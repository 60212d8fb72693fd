"""One measured whole-front task in its own process: ``python -m bench.front_work TASK WAY ARGS_JSON``.

The whole-front ways (:mod:`bench.front`): ``frontline`` through its command line (``geo.cli.main`` in this
process, stdout to a file), the **plain shapely loop** (what a careful script does: ``json`` + ``shapely.from_geojson``
per file, pyproj to a LAEA, shapely's area; per consecutive pair ``difference`` both ways), **DuckDB spatial**
(the ``duckdb-extension-spatial`` wheel's extension file LOADed offline, the files read with ``read_json_objects``,
``ST_FlipCoordinates`` then ``ST_Area_Spheroid``; changes by ``ST_Difference`` against ``lag(geom)``), **PostGIS**
(``FRONTLINE_TEST_PG``: the layers loaded untimed, the query timed; area on ``geography``) and the **parse
floor** (bytes → ``shapely.from_geojson`` → LAEA → area, no overlay, nothing else).

As in :mod:`bench.work`, each way imports its libraries before the clock starts; the last stdout line is
``BENCH {json}``. Areas come back in the result (``areas``: date → km²) so that the parent checks them against
``reference_areas.csv``; changes come back as the summed gained and lost km², a cross-check between the ways.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from .work import _cli

THEATRE = "ua"
STATUS = "ru_occupied"
SOURCE = "DeepStateMap daily (cyterat/deepstate-map-data)"


def _files(args) -> list[str]:
    return sorted(str(p) for p in Path(args["folder"]).glob("*.geojson"))


def _date(path: str) -> str:
    return Path(path).stem


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def store_sizes(root: Path) -> dict:
    """Bytes of the theatre's ``.frontline/`` folder (without a result cache) and of its current files."""
    tdir = Path(root) / THEATRE
    meta = tdir / ".frontline"
    internal = sum(p.stat().st_size for p in meta.rglob("*") if p.is_file() and "cache" not in
                   p.relative_to(meta).parts) if meta.is_dir() else 0
    current = sum(p.stat().st_size for p in tdir.rglob("*") if p.is_file() and meta not in p.parents)
    return {"internal_bytes": internal, "current_bytes": current, "store_bytes": internal + current}


def init_store(root: Path) -> None:
    """The theatre of ``tests/conftest.py:make_ukraine_store`` (one status ``ru_occupied``), nothing imported."""
    from geo.store import Store
    from geo.theatre import Status, Theatre

    Store(root).init(Theatre(THEATRE, "Russian-occupied Ukraine (DeepStateMap daily)",
                             (Status(STATUS, "Russian-occupied", "#d62728"),)))


# ---- frontline ------------------------------------------------------------------------------------------------
def _frontline_imports(*modules) -> None:
    import importlib

    import numpy  # noqa: F401
    import pyproj  # noqa: F401
    import shapely  # noqa: F401

    import geo.cli  # noqa: F401

    for m in modules:  # imported before the clock starts, as a notebook kernel has them
        importlib.import_module(m)


def fl_import(args) -> dict:
    _frontline_imports("geo.commands.importing", "geo.importers", "geo.validate")
    root = Path(args["dest"])
    init_store(root)
    t = time.perf_counter()
    _cli(str(root), "import", THEATRE, args["folder"], "--status", STATUS, "--source", SOURCE)
    seconds = time.perf_counter() - t
    import resource

    # the import's worker processes (reaped when its pool shuts down): the largest one's peak
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"seconds": seconds, "workers_peak_mb": workers, **store_sizes(root)}


def fl_area(args) -> dict:
    _frontline_imports("geo.commands.area", "geo.measure", "geo.area")
    out = Path(args["out"])
    t = time.perf_counter()
    _cli(args["store"], "area", THEATRE, "--all", "--json", out=out)
    s = time.perf_counter() - t
    doc = json.loads(out.read_text())
    return {"seconds": s, "areas": {r["date"]: r["areas_km2"].get(STATUS, 0.0) for r in doc["dates"]}}


def fl_changes(args) -> dict:
    _frontline_imports("geo.commands.changes", "geo.measure", "geo.diff")
    out = Path(args["out"])
    t = time.perf_counter()
    _cli(args["store"], "changes", THEATRE, "--json", out=out)
    s = time.perf_counter() - t
    pairs = json.loads(out.read_text())["pairs"]
    # frontline counts slivers apart as noise (geo.diff); the other ways overlay without a threshold, so the
    # comparable figure adds the noise back: noise_net = net − gained + lost, noise gained = (noise + noise_net) / 2
    g = lo = 0.0
    for p in pairs:
        noise_net = p["net_km2"] - p["gained_km2"] + p["lost_km2"]
        g += p["gained_km2"] + (p["noise_km2"] + noise_net) / 2
        lo += p["lost_km2"] + (p["noise_km2"] - noise_net) / 2
    return {"seconds": s, "pairs": len(pairs), "gained_km2": g, "lost_km2": lo,
            "gained_above_noise_km2": sum(p["gained_km2"] for p in pairs),
            "lost_above_noise_km2": sum(p["lost_km2"] for p in pairs)}


def fl_timeline(args) -> dict:
    _frontline_imports("geo.commands.timeline", "geo.render.timeline")
    out = Path(args["out"])
    t = time.perf_counter()
    _cli(args["store"], "timeline", THEATRE, "--assets", "inline", "-o", str(out))
    return {"seconds": time.perf_counter() - t, "bytes": out.stat().st_size}


# ---- the plain shapely loop -----------------------------------------------------------------------------------
def _loop_setup(files):
    """A notebook's set-up: one LAEA on WGS84 centred on the first layer's bounding box (not timed)."""
    import pyproj
    import shapely

    g = _loop_parse(files[0])
    w, s, e, n = shapely.bounds(g)
    crs = f"+proj=laea +lat_0={(s + n) / 2:.1f} +lon_0={(w + e) / 2:.1f} +ellps=WGS84 +units=m +no_defs"
    return pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)


def _loop_parse(path: str):
    import shapely

    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    geoms = [shapely.from_geojson(json.dumps(ft["geometry"])) for ft in doc["features"] if ft.get("geometry")]
    return geoms[0] if len(geoms) == 1 else shapely.union_all(geoms)


def _loop_project(g, tr):
    import shapely

    return shapely.transform(g, lambda x, y: tr.transform(x, y), interleaved=False)


def loop_area(args) -> dict:
    import shapely

    files = _files(args)
    tr = _loop_setup(files)
    t = time.perf_counter()
    areas = {_date(f): shapely.area(_loop_project(_loop_parse(f), tr)) / 1e6 for f in files}
    return {"seconds": time.perf_counter() - t, "areas": areas}


def loop_changes(args) -> dict:
    """Streamed: each layer parsed and projected once, kept until the next pair is done."""
    import shapely

    files = _files(args)
    tr = _loop_setup(files)
    t = time.perf_counter()
    gained = lost = 0.0
    prev = None
    pairs = 0
    for f in files:
        g = _loop_project(_loop_parse(f), tr)
        if prev is not None:
            gained += shapely.area(shapely.difference(g, prev)) / 1e6
            lost += shapely.area(shapely.difference(prev, g)) / 1e6
            pairs += 1
        prev = g
    return {"seconds": time.perf_counter() - t, "pairs": pairs, "gained_km2": gained, "lost_km2": lost}


# ---- the parse floor ------------------------------------------------------------------------------------------
def floor_area(args) -> dict:
    """The least any tool must do for ``area --all``: the bytes to GEOS in one C call, LAEA, area."""
    import numpy as np
    import shapely

    files = _files(args)
    tr = _loop_setup(files)
    t = time.perf_counter()
    raw = [Path(f).read_bytes() for f in files]
    colls = shapely.from_geojson(raw)  # a FeatureCollection parses to a GeometryCollection of its features
    geoms = shapely.get_geometry(colls, 0)
    projected = shapely.transform(geoms, lambda x, y: tr.transform(x, y), interleaved=False)
    km2 = np.asarray(shapely.area(projected)) / 1e6
    return {"seconds": time.perf_counter() - t, "areas": {_date(f): float(a) for f, a in zip(files, km2,
                                                                                          strict=True)}}


# ---- DuckDB spatial -------------------------------------------------------------------------------------------
def duckdb_extension() -> Path:
    """The spatial extension file inside the ``duckdb-extension-spatial`` wheel (LOADed offline, no INSTALL)."""
    import duckdb_extension_spatial

    found = sorted(Path(duckdb_extension_spatial.__file__).parent.glob("extensions/*/spatial.duckdb_extension"))
    if not found:
        raise RuntimeError("duckdb-extension-spatial has no extensions/*/spatial.duckdb_extension")
    return found[-1]


def _duckdb():
    import duckdb

    con = duckdb.connect()
    con.execute(f"LOAD '{duckdb_extension()}'")
    return con


_DUCK_LOAD = """CREATE TABLE layers AS SELECT parse_filename(filename, true) AS date,
  ST_GeomFromGeoJSON(json_extract(json, '$.features[0].geometry')) AS geom
  FROM read_json_objects(?, filename = true, maximum_object_size = 1000000000)"""


def duckdb_area(args) -> dict:
    files = _files(args)
    con = _duckdb()
    t = time.perf_counter()
    con.execute(_DUCK_LOAD, [files])
    rows = con.execute("SELECT date, ST_Area_Spheroid(ST_FlipCoordinates(geom)) / 1e6 FROM layers "
                       "ORDER BY date").fetchall()
    return {"seconds": time.perf_counter() - t, "areas": dict(rows)}


def duckdb_changes(args) -> dict:
    files = _files(args)
    con = _duckdb()
    t = time.perf_counter()
    con.execute(_DUCK_LOAD, [files])
    n, gained, lost = con.execute("""
        SELECT count(*), sum(ST_Area_Spheroid(ST_FlipCoordinates(ST_Difference(geom, prev)))) / 1e6,
               sum(ST_Area_Spheroid(ST_FlipCoordinates(ST_Difference(prev, geom)))) / 1e6
        FROM (SELECT geom, lag(geom) OVER (ORDER BY date) AS prev FROM layers) WHERE prev IS NOT NULL""").fetchone()
    return {"seconds": time.perf_counter() - t, "pairs": n, "gained_km2": gained or 0.0, "lost_km2": lost or 0.0}


# ---- PostGIS --------------------------------------------------------------------------------------------------
def _postgis(files):
    """A connection with the layers in a temporary table ``layers(date, geom)`` (loading not timed)."""
    import psycopg

    con = psycopg.connect(os.environ["FRONTLINE_TEST_PG"], autocommit=True)
    con.execute("CREATE TEMP TABLE layers (date text PRIMARY KEY, geom geometry(MultiPolygon, 4326))")
    with con.cursor() as cur:
        for f in files:
            doc = json.loads(Path(f).read_text())
            cur.execute("INSERT INTO layers VALUES (%s, ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(%s), 4326)))",
                        (_date(f), json.dumps(doc["features"][0]["geometry"])))
    con.execute("ANALYZE layers")
    return con


def postgis_area(args) -> dict:
    con = _postgis(_files(args))
    t = time.perf_counter()
    rows = con.execute("SELECT date, ST_Area(geom::geography) / 1e6 FROM layers ORDER BY date").fetchall()
    return {"seconds": time.perf_counter() - t, "areas": dict(rows)}


def postgis_changes(args) -> dict:
    con = _postgis(_files(args))
    t = time.perf_counter()
    n, gained, lost = con.execute("""
        SELECT count(*), sum(ST_Area(ST_Difference(geom, prev)::geography)) / 1e6,
               sum(ST_Area(ST_Difference(prev, geom)::geography)) / 1e6
        FROM (SELECT geom, lag(geom) OVER (ORDER BY date) AS prev FROM layers) s WHERE prev IS NOT NULL""").fetchone()
    return {"seconds": time.perf_counter() - t, "pairs": n, "gained_km2": gained or 0.0, "lost_km2": lost or 0.0}


TASKS = {
    ("import", "frontline"): fl_import, ("area", "frontline"): fl_area, ("changes", "frontline"): fl_changes,
    ("timeline", "frontline"): fl_timeline,
    ("area", "loop"): loop_area, ("changes", "loop"): loop_changes,
    ("area", "duckdb"): duckdb_area, ("changes", "duckdb"): duckdb_changes,
    ("area", "postgis"): postgis_area, ("changes", "postgis"): postgis_changes,
    ("area", "floor"): floor_area,
}


def main(argv: list[str]) -> None:
    import shutil

    task, way, raw = argv
    args = json.loads(raw)
    if args.get("dest"):
        shutil.rmtree(args["dest"], ignore_errors=True)
    result = TASKS[(task, way)](args)
    sys.stdout.write("BENCH " + json.dumps(result) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
