"""Draw the coarse outline of Kursk Oblast that ``build.py`` clips the layers to; writes ``region.geojson``.

Run once by hand (its output is committed):

    .venv/bin/python recipes/kursk/make_region.py

The outline is hand-drawn: the northern, eastern and southern sides (against Bryansk, Oryol, Lipetsk,
Voronezh and Belgorod oblasts) are the vertices in ``HAND_DRAWN`` below, placed by eye so that the
towns known to be in Kursk Oblast fall inside and those of the neighbouring oblasts outside (GeoNames
positions: Zheleznogorsk, Kastornoye, Gorshechnoye, Belaya inside; Sevsk, Trosna, Livny, Volovo,
Stary Oskol, Prokhorovka, Ivnya, Rakitnoye outside). It is good to a few kilometres at best and
says so in its properties. The side facing Ukraine is the Natural Earth border line of
``border.geojson`` between the two tripoints (both estimated), so that layers clipped to this outline
never spill across the state border on the map.
"""

from __future__ import annotations

import json
from pathlib import Path

import shapely
from shapely.geometry import Point, Polygon, mapping
from shapely.geometry.polygon import orient

HERE = Path(__file__).resolve().parent
BRYANSK_TRIPOINT = (34.08, 52.05)   # Kursk / Bryansk / Ukraine, estimated
BELGOROD_TRIPOINT = (35.33, 50.93)  # Kursk / Belgorod / Ukraine, estimated
# From the Bryansk tripoint clockwise (north, east, south) to the Belgorod tripoint, lon/lat.
HAND_DRAWN = [
    (34.30, 52.06), (34.60, 52.10), (34.80, 52.28), (35.10, 52.38), (35.40, 52.43), (35.62, 52.40),
    (35.85, 52.33), (36.20, 52.36), (36.50, 52.32), (36.80, 52.20), (37.00, 52.14), (37.25, 52.02),
    (37.45, 51.98), (37.75, 52.00), (37.95, 51.96), (38.30, 51.97), (38.55, 51.85), (38.45, 51.70),
    (38.30, 51.62), (38.20, 51.48), (37.95, 51.43), (37.70, 51.42), (37.45, 51.43), (37.20, 51.36),
    (37.00, 51.24), (36.75, 51.14), (36.45, 51.13), (36.15, 51.12), (35.90, 51.00), (35.70, 50.96),
    (35.50, 50.92),
]


def main() -> None:
    border = json.loads((HERE / "border.geojson").read_text())["features"][0]["geometry"]
    line = shapely.LineString(border["coordinates"])
    # The border runs north-west to south-east; keep the stretch between the two tripoints.
    a = line.project(Point(BRYANSK_TRIPOINT))
    b = line.project(Point(BELGOROD_TRIPOINT))
    stretch = shapely.ops.substring(line, b, a)  # from the Belgorod tripoint back north-west
    ring = [BRYANSK_TRIPOINT, *HAND_DRAWN, *stretch.coords]
    poly = orient(Polygon([(round(x, 5), round(y, 5)) for x, y in ring]).simplify(0.002), 1.0)
    if not poly.is_valid:
        raise SystemExit(f"outline is not valid: {shapely.is_valid_reason(poly)}")
    feature = {
        "type": "Feature",
        "properties": {
            "name": "Kursk Oblast (coarse outline)",
            "coarse": True,
            "source": "hand-drawn by the frontline authors from known town positions (GeoNames); the side "
                      "facing Ukraine follows Natural Earth (public domain) between estimated tripoints; "
                      "good to a few km; see recipes/kursk/make_region.py",
        },
        "geometry": mapping(poly),
    }
    text = json.dumps({"type": "FeatureCollection", "features": [feature]}, sort_keys=True)
    (HERE / "region.geojson").write_text(text + "\n")
    from pyproj import Geod
    area, _ = Geod(ellps="WGS84").geometry_area_perimeter(poly)
    print(f"{len(poly.exterior.coords)} vertices, {area / 1e6:,.0f} km2 (Kursk Oblast: about 30,000)")


if __name__ == "__main__":
    import shapely.ops  # noqa: F401  (substring)

    main()
