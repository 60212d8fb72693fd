"""Build the bundled Kursk store, ``layers/kursk``, from the reconstruction in this folder.

    .venv/bin/python recipes/kursk/build.py            # rebuilds layers/kursk from scratch
    .venv/bin/python recipes/kursk/build.py --check    # also prints the area of every layer

Inputs (all in this folder, all written by hand from public facts; see README.md):

- ``lines.json``: the dated versions. Each polygon is a list of vertices, and each vertex is
  ``[settlement, east_km, north_km]``: a point that many kilometres east and north of a named settlement of
  ``settlements.geojson`` (``[name, 0, 0]`` runs through the settlement). Vertices far beyond the state border
  only close the polygon on the Ukrainian side; the polygon is then cut to ``region.geojson`` (Kursk Oblast,
  whose side facing Ukraine is the Natural Earth border), so no layer spills into Ukraine.
- ``settlements.geojson``, ``events.geojson``, ``region.geojson``, ``border.geojson``, ``countries.geojson``
  (where the map writes the countries' names): copied into the
  theatre's ``context/`` folder.

Everything goes through the project's API (``Store.init``, ``import_collection``), with validation and no
repair, and with fixed ``recorded_at`` timestamps: running the build twice gives byte-identical files.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
from pathlib import Path

import shapely
from shapely.geometry import Polygon, shape

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO))

from geo.area import layer_areas  # noqa: E402
from geo.importers import import_collection  # noqa: E402
from geo.store import Store, verify  # noqa: E402
from geo.theatre import Status, Theatre  # noqa: E402

NAME = "kursk"
CONTEXT_FILES = {  # theatre.toml key -> file name, copied from this folder into <theatre>/context/
    "border": "border.geojson",
    "countries": "countries.geojson",
    "settlements": "settlements.geojson",
    "events": "events.geojson",
}
REGION_FILE = "region.geojson"
#: All versions are stamped on one fixed day, a second apart, so that a rebuild is byte-identical.
RECORDED_AT = "2026-11-28T00:{minute:02d}:{second:02d}Z"
RECORDED_BY = "frontline reconstruction (recipes/kursk/build.py)"
GITIGNORE = "# runtime state of the store, written by recipes/kursk/build.py\n.frontline/lock\n.frontline/cache/\n"
PRECISION_DEG = 1e-5  # about 1 m: coordinates are snapped to this grid, keeping polygons valid

THEATRE = Theatre(
    name=NAME,
    title="Kursk incursion, 2024-2025 (approximate reconstruction)",
    # in the readers' languages (--lang): neutral, descriptive titles, as a desk would write them
    titles=(("de", "Kämpfe im Gebiet Kursk, 2024–2025 (ungefähre Rekonstruktion)"),
            ("ru", "Бои в Курской области, 2024–2025 (приблизительная реконструкция)"),
            ("uk", "Бої в Курській області, 2024–2025 (приблизна реконструкція)")),
    statuses=(
        Status("ua_controlled", "Ukrainian-held", "#1f6fb4", "area",
               labels=(("de", "Ukrainisch kontrolliert"), ("ru", "Под контролем Украины"),
                       ("uk", "Під контролем України"))),
        Status("grey_zone", "Contested", "#f0a830", "area",
               labels=(("de", "Umkämpft"), ("ru", "Серая зона"), ("uk", "Сіра зона"))),
    ),
    bbox=(34.0, 50.8, 36.2, 52.0),
    region_polygon="context/region.geojson",
    context={k: f"context/{v}" for k, v in CONTEXT_FILES.items()},
    attribution=(
        "Front line: approximate reconstruction for demonstration, drawn by hand through named settlements "
        "from public reporting (officials' statements, news agencies, ISW); not survey data",
        "State border: Natural Earth (public domain)",
        "Town positions: GeoNames (CC BY 4.0); village positions: Wikipedia coordinates",
    ),
)


def load_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def settlement_index(settlements: dict) -> dict[str, tuple[float, float]]:
    """Map each settlement name to its ``(lon, lat)``."""
    return {f["properties"]["name"]: tuple(f["geometry"]["coordinates"]) for f in settlements["features"]}


def vertex(spec, places: dict[str, tuple[float, float]]) -> tuple[float, float]:
    """Return the ``(lon, lat)`` of ``[name, east_km, north_km]`` (offsets on a local sphere, metre-exact enough).

    Examples
    --------
    >>> vertex(["A", 0, 0], {"A": (35.0, 51.0)})
    (35.0, 51.0)
    >>> vertex(["A", 0, 11.1], {"A": (35.0, 51.0)})
    (35.0, 51.1)
    """
    name, east_km, north_km = spec
    if name not in places:
        raise KeyError(f"vertex {spec!r}: no settlement named {name!r} in settlements.geojson")
    lon, lat = places[name]
    km_per_deg_lat = 111.0
    km_per_deg_lon = km_per_deg_lat * math.cos(math.radians(lat))
    return round(lon + east_km / km_per_deg_lon, 5), round(lat + north_km / km_per_deg_lat, 5)


def ring_polygon(ring_specs, places) -> Polygon:
    poly = Polygon([vertex(v, places) for v in ring_specs])
    if not poly.is_valid:
        raise ValueError(f"drawn ring is not valid ({shapely.is_valid_reason(poly)}): {ring_specs}")
    return poly


def polygonal(geom):
    """Keep only the polygonal parts of ``geom`` (an intersection can leave lines or points on edges)."""
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and not p.is_empty]
    return shapely.union_all(parts) if parts else Polygon()


def status_geometry(rings, places, region, minus=None):
    """Union of the drawn rings, cut to the region (and minus ``minus``), snapped to the coordinate grid."""
    if not rings:
        return Polygon()
    geom = shapely.union_all([ring_polygon(r, places) for r in rings])
    geom = shapely.intersection(geom, region)
    if minus is not None and not minus.is_empty:
        geom = shapely.difference(geom, minus)
    geom = polygonal(shapely.set_precision(polygonal(geom), PRECISION_DEG))
    # Sub-hectare crumbs left where a drawn edge grazes the border are not worth keeping.
    parts = [p for p in shapely.get_parts(geom) if p.area > 1e-6]
    geom = shapely.union_all(parts) if parts else Polygon()
    return shapely.orient_polygons(geom, exterior_cw=False)


def feature(status: str, geom) -> list[dict]:
    if geom.is_empty:
        return []
    return [{"type": "Feature", "properties": {"status": status}, "geometry": json.loads(shapely.to_geojson(geom))}]


def layer_collection(version: dict, places, region) -> dict:
    """The GeoJSON layer of one version of ``lines.json``: Ukrainian-held, then contested (disjoint)."""
    held = status_geometry(version.get("ua_controlled", []), places, region)
    grey = status_geometry(version.get("grey_zone", []), places, region, minus=held)
    return {"type": "FeatureCollection", "features": feature("ua_controlled", held) + feature("grey_zone", grey)}


def source_text(version: dict) -> str:
    """One line per report: ``outlet (date): what it said``."""
    return " | ".join(f"{s['outlet']} ({s['date']}): {s['said']}" for s in version["sources"])


def note_text(version: dict) -> str:
    drawn = "; ".join(version.get("drawn_through", []))
    parts = [version.get("note", "").strip()]
    if drawn:
        parts.append("Line drawn through: " + drawn)
    parts.append("Approximate reconstruction for demonstration (recipes/kursk)")
    return ". ".join(p.rstrip(".") for p in parts if p) + "."


def build(root: Path, *, check: bool = False) -> list[tuple[str, float, float]]:
    """Rebuild ``<root>/kursk`` from scratch; return ``(date, ua_km2, total_km2)`` for every layer."""
    places = settlement_index(load_json(HERE / "settlements.geojson"))
    region = shape(load_json(HERE / REGION_FILE)["features"][0]["geometry"])
    lines = load_json(HERE / "lines.json")
    store = Store(root)
    tdir = store.theatre_dir(NAME)
    if tdir.exists():
        shutil.rmtree(tdir)
    store.init(THEATRE)
    (tdir / "context").mkdir()
    for fname in (*CONTEXT_FILES.values(), REGION_FILE):
        shutil.copyfile(HERE / fname, tdir / "context" / fname)
    rows = []
    versions = sorted(lines["versions"], key=lambda v: v["date"])
    for i, version in enumerate(versions):
        coll = layer_collection(version, places, region)
        import_collection(store, NAME, coll, date=version["date"], source=source_text(version),
                          note=note_text(version), repair=False, recorded_by=RECORDED_BY,
                          recorded_at=RECORDED_AT.format(minute=i // 60, second=i % 60))
        a = layer_areas(store.read(NAME, version["date"]).collection, THEATRE)
        rows.append((version["date"], a.areas_km2["ua_controlled"], a.total_km2))
    report = verify(store, NAME)
    if not report.ok:
        raise SystemExit("verify failed: " + "; ".join(report.problems))
    # The writers' lock and the derived-results cache are runtime state, not data: keep them out of git.
    (tdir / ".frontline" / "lock").unlink(missing_ok=True)
    (tdir / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
    if check:
        for date, ua, total in rows:
            print(f"{date}  ua_controlled {ua:8.1f} km2  total {total:8.1f} km2")
    return rows


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--layers", default=str(REPO / "layers"), help="store folder (default: the repository's)")
    ap.add_argument("--check", action="store_true", help="print the area of every layer")
    args = ap.parse_args(argv)
    rows = build(Path(args.layers), check=args.check)
    print(f"built {len(rows)} layers of {NAME!r} in {args.layers}")


if __name__ == "__main__":
    main()
