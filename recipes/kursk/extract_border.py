"""Cut the Russia-Ukraine border near Kursk Oblast out of Natural Earth (world-atlas@2.0.2, TopoJSON).

Run once by hand; its output ``border.geojson`` is committed. Natural Earth is public domain; the
world-atlas package (ISC licence, Mike Bostock) only converts it to TopoJSON.

    mkdir -p /tmp/x && cd /tmp/x && npm install world-atlas@2.0.2
    .venv/bin/python recipes/kursk/extract_border.py /tmp/x/node_modules/world-atlas/countries-10m.json

TopoJSON keeps each shared boundary once, as an arc that both countries reference (one of them as
``~i``, i.e. reversed). The arcs referenced by both Russia (ISO 3166 numeric 643) and Ukraine (804)
are their common border. Arc positions are delta-encoded integers; ``transform`` maps them to lon/lat.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import shapely
from shapely.geometry import box, mapping

BBOX = (33.5, 50.3, 36.5, 52.4)  # west, south, east, north: the stretch along Kursk Oblast
HERE = Path(__file__).resolve().parent


def decode_arc(arc, transform):
    """Return the lon/lat positions of one delta-encoded arc."""
    (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
    x = y = 0
    out = []
    for dx, dy in arc:
        x += dx
        y += dy
        out.append((round(x * sx + tx, 6), round(y * sy + ty, 6)))
    return out


def arc_indices(geometry):
    """Return the set of arc indices (non-negative) that a Polygon/MultiPolygon references."""
    rings = geometry["arcs"] if geometry["type"] == "Polygon" else [r for p in geometry["arcs"] for r in p]
    return {i if i >= 0 else ~i for ring in rings for i in ring}


def main(path: str) -> None:
    topo = json.loads(Path(path).read_text())
    geoms = topo["objects"]["countries"]["geometries"]
    by_id = {g.get("id"): g for g in geoms}
    shared = sorted(arc_indices(by_id["643"]) & arc_indices(by_id["804"]))
    lines = [shapely.LineString(decode_arc(topo["arcs"][i], topo["transform"])) for i in shared]
    merged = shapely.line_merge(shapely.intersection(shapely.MultiLineString(lines), box(*BBOX)))
    if merged.geom_type == "MultiLineString":  # keep the longest stretch
        merged = max(merged.geoms, key=lambda g: g.length)
    feature = {
        "type": "Feature",
        "properties": {
            "name": "Russia-Ukraine state border (stretch along Kursk Oblast)",
            "source": "Natural Earth 1:10m Admin 0 countries (public domain), via npm world-atlas@2.0.2 "
                      "countries-10m.json; arcs shared by Russia (643) and Ukraine (804), "
                      f"clipped to lon {BBOX[0]}-{BBOX[2]}, lat {BBOX[1]}-{BBOX[3]}",
            "licence": "public domain (Natural Earth)",
            "made_by": "recipes/kursk/extract_border.py",
        },
        "geometry": mapping(merged),
    }
    fc = {"type": "FeatureCollection", "features": [feature]}
    text = json.dumps(fc, sort_keys=True, separators=(",", ":"))
    (HERE / "border.geojson").write_text(text + "\n")
    print(f"{len(shared)} shared arcs, {len(merged.coords)} vertices, bounds {merged.bounds}")


if __name__ == "__main__":
    main(sys.argv[1])
