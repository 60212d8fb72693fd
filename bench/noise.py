"""Measure the change parts between consecutive real layers, to choose the diff's noise thresholds.

    .venv/bin/python bench/noise.py [SHARED_DATA_DIR]

Imports the real daily series into a temporary store, diffs every consecutive pair with no threshold, and
prints how many change parts (and how many km²) fall under each area and width threshold. The width of a part
is estimated as 2 x area / perimeter (exact for a long thin strip).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from conftest import make_real_store, shared_data_dir  # noqa: E402

from geo.area import project_laea, theatre_centre  # noqa: E402
from geo.diff import diff_layers  # noqa: E402
from geo.store import Store  # noqa: E402


def main() -> None:
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else shared_data_dir()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(make_real_store(Path(tmp) / "layers", shared))
        t = store.theatre("kursk")
        layers = store.read_all("kursk")
        areas, widths = [], []
        for a, b in zip(layers, layers[1:], strict=False):
            if a.sha256 == b.sha256:
                continue
            r = diff_layers(a.collection, b.collection, t, min_area_km2=0, tolerance_m=0)
            for f in r.features:
                if f["properties"]["status"] != "union":
                    continue
                p = project_laea([shapely.from_geojson(json.dumps(f["geometry"]))], theatre_centre(t))[0]
                areas.append(p.area / 1e6)
                widths.append(2 * p.area / p.length)
    areas, widths = np.array(areas), np.array(widths)
    print(f"{len(areas)} change parts over {len(layers) - 1} consecutive pairs, {areas.sum():,.1f} km² in all")
    for q in (0.001, 0.01, 0.05, 0.1, 0.5, 1.0):
        m = areas < q
        print(f"  area  < {q:<5} km²: {m.sum():4d} parts, {areas[m].sum():8.3f} km²")
    for w in (5, 10, 20, 30, 50, 100):
        m = widths < w
        print(f"  width < {w:<5} m  : {m.sum():4d} parts, {areas[m].sum():8.3f} km², largest {areas[m].max():.3f} km²")


if __name__ == "__main__":
    main()
