"""Growth: a synthetic series made by perturbing the real front, timed as the dates and the vertices grow.

The real Ukrainian-held polygon of one date is densified (``shapely.segmentize``) to about V vertices, and the
real contact line is kept as the line status. Date i moves every vertex by a smooth displacement field

    x' = x + A sin(2π y / λ + φ_i),   y' = y + A cos(2π x / λ + ψ_i)

with A = 0.01° and λ = 0.5°: its Lipschitz constant 2πA/λ ≈ 0.13 is below 1, so the map is injective and every
polygon stays valid, while consecutive dates differ (the phases drift by 0.07 and 0.05 a day) as a real front
does. Each point is measured in one process: import into a fresh store, area of every date (cold), changes over
every consecutive pair (cold), the store's size on disk and the timeline page's size.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
AMPLITUDE, WAVELENGTH = 0.01, 0.5
BASE_DATE = "2024-08-24"


def base_geometries(shared: Path):
    import shapely

    data = json.loads((shared / "deepstate" / "daily" / f"{BASE_DATE}.geojson").read_text())
    poly = line = None
    for f in data["features"]:
        g = shapely.from_geojson(json.dumps(f["geometry"]))
        if f["properties"]["status"] == "ua_controlled":
            poly = g
        elif f["properties"]["status"] == "contact_line":
            line = g
    return poly, line


def densify(geom, vertices: int):
    """``geom`` segmentized so that it has about ``vertices`` vertices."""
    import shapely

    step = shapely.length(geom) / vertices
    return shapely.segmentize(geom, step)


def perturb(geom, i: int):
    import numpy as np
    import shapely

    k = 2 * math.pi / WAVELENGTH

    def move(x, y):
        return (x + AMPLITUDE * np.sin(k * y + 0.07 * i), y + AMPLITUDE * np.cos(k * x + 0.05 * i))

    return shapely.transform(geom, move, interleaved=False)


def write_series(dest: Path, shared: Path, *, dates: int, vertices: int) -> tuple[list[str], int]:
    """Write ``dates`` daily GeoJSON layers to ``dest``; return the paths and the polygon's vertex count."""
    import shapely

    poly, line = base_geometries(shared)
    poly = densify(poly, vertices)
    nverts = int(shapely.get_num_coordinates(poly))
    dest.mkdir(parents=True, exist_ok=True)
    day0 = dt.date(2024, 8, 6)
    paths = []
    for i in range(dates):
        date = (day0 + dt.timedelta(days=i)).isoformat()
        feats = [{"type": "Feature", "properties": {"status": s, "date": date},
                  "geometry": json.loads(shapely.to_geojson(perturb(g, i)))}
                 for s, g in (("ua_controlled", poly), ("contact_line", line))]
        p = dest / f"{date}.geojson"
        p.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
        paths.append(str(p))
    return paths, nverts


def point(work: Path, shared: Path, dates: int, vertices: int) -> dict:
    """One growth point, measured in this process."""
    import contextlib

    sys.path.insert(0, str(REPO / "tests"))
    import shapely  # noqa: F401
    from conftest import make_real_store

    from geo.cli import main as cli
    from geo.importers import ImportOptions, import_paths
    from geo.measure import compute_areas, compute_changes
    from geo.store import Store

    os.environ["FRONTLINE_NO_CACHE"] = "1"
    files, nverts = write_series(work / "src", shared, dates=dates, vertices=vertices)
    root = work / "store"
    make_real_store(root, shared, daily=False)
    store = Store(root)
    out = {"dates": dates, "vertices": nverts, "input_bytes": sum(Path(f).stat().st_size for f in files)}
    t = time.perf_counter()
    import_paths(store, "kursk", files, ImportOptions(source="synthetic"))
    out["import_s"] = time.perf_counter() - t
    t = time.perf_counter()
    compute_areas(store, "kursk")
    out["area_s"] = time.perf_counter() - t
    t = time.perf_counter()
    compute_changes(store, "kursk")
    out["changes_s"] = time.perf_counter() - t
    tdir = root / "kursk"
    # layers, versions and log; not the result cache, nor the theatre's context files (real, not synthetic)
    out["store_bytes"] = sum(p.stat().st_size for p in tdir.rglob("*")
                             if p.is_file() and "cache" not in p.parts and "context" not in p.parts)
    html = work / "timeline.html"
    t = time.perf_counter()
    with open(os.devnull, "w") as null, contextlib.redirect_stdout(null):
        try:
            cli(["--layers", str(root), "timeline", "kursk", "-o", str(html)])
        except SystemExit as exc:
            if exc.code not in (0, None):
                raise
    out["timeline_s"] = time.perf_counter() - t
    out["timeline_bytes"] = html.stat().st_size
    # the map of the first date, frontline's (with its context) and the notebook's folium.GeoJson of the file
    map_html = work / "map.html"
    with open(os.devnull, "w") as null, contextlib.redirect_stdout(null):
        try:
            cli(["--layers", str(root), "map", "kursk", Path(files[0]).stem, "-o", str(map_html)])
        except SystemExit as exc:
            if exc.code not in (0, None):
                raise
    out["map_bytes"] = map_html.stat().st_size
    from bench.work import nb_map

    out["nb_map_bytes"] = nb_map({"file": files[0], "out": str(work / "map-nb.html")})["bytes"]
    return out


def plot(results: dict, png: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(11, 8), constrained_layout=True)
    for col, (axis, key, other) in enumerate((("by_dates", "dates", "vertices"), ("by_vertices", "vertices", "dates"))):
        pts = results[axis]
        if not pts:
            continue
        x = [p[key] for p in pts]
        fixed = pts[0][other]
        ax = axes[0][col]
        for name, label in (("import_s", "import"), ("area_s", "area, all dates (cold)"),
                            ("changes_s", "changes, all pairs (cold)"), ("timeline_s", "timeline page")):
            ax.plot(x, [p[name] for p in pts], marker="o", label=label)
        ax.set(xscale="log", yscale="log", ylabel="seconds",
               title=f"time vs {key} ({other} ≈ {fixed:,})")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
        ax = axes[1][col]
        for name, label in (("input_bytes", "input GeoJSON"), ("store_bytes", "store on disk"),
                            ("timeline_bytes", "timeline HTML"), ("map_bytes", "map HTML (first date)"),
                            ("nb_map_bytes", "notebook map HTML (folium.GeoJson)")):
            if all(name in p for p in pts):
                ax.plot(x, [p[name] / 1e6 for p in pts], marker="o", label=label)
        ax.set(xscale="log", yscale="log", xlabel=f"number of {key}", ylabel="MB", title=f"size vs {key}")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("frontline growth on a synthetic perturbed Kursk front")
    fig.savefig(png, dpi=110)
    plt.close(fig)
    return png


if __name__ == "__main__":
    # python -m bench.growth WORKDIR SHARED DATES VERTICES: one point, printed as "BENCH {json}"
    w, s, d, v = sys.argv[1:]
    sys.stdout.write("BENCH " + json.dumps(point(Path(w), Path(s), int(d), int(v))) + "\n")
