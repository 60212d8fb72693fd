"""Write the hand-made bad files of this folder and their manifest (README.md). Run once; the files are committed.

Each entry: file name, expected outcome (``refuse``: exit 2 and one line on stderr; ``accept``: exit 0), extra
``frontline import`` arguments, a word the error must contain, an open bug id (see RELIABILITY.md) and the origin
or intent. The theatre they are imported into is the suite's synthetic Kursk theatre: bbox about 34.5-36.3 E,
50.8-51.9 N, statuses ua_controlled / grey_zone (areas) and contact_line (a line).

    .venv/bin/python tests/data/bad/make_corpus.py
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
SQ = [[35.0, 51.2], [35.1, 51.2], [35.1, 51.3], [35.0, 51.3], [35.0, 51.2]]
BOWTIE = [[35.0, 51.2], [35.1, 51.3], [35.1, 51.2], [35.0, 51.3], [35.0, 51.2]]


def poly(coords, status="ua_controlled", gtype="Polygon", **props):
    return {"type": "Feature", "properties": {"status": status, **props},
            "geometry": {"type": gtype, "coordinates": coords}}


def fc(*features, **extra):
    return {"type": "FeatureCollection", **extra, "features": list(features)}


def js(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode()


GOOD = js(fc(poly([SQ])))
SQ_TEXT = json.dumps([SQ])

ENTRIES: list[tuple[str, str, str, str, str, str, bytes]] = [
    # (file, expect, args, must contain, bug, origin / intent, bytes)
    ("2024-08-10-not-json.geojson", "refuse", "", "JSON", "",
     "an HTML error page saved as .geojson (a scraper's 502)", b"<html><body>502 Bad Gateway</body></html>\n"),
    ("2024-08-10-truncated.geojson", "refuse", "", "JSON", "",
     "a download cut off half way", GOOD[: len(GOOD) // 2]),
    ("2024-08-10-truncated-one-byte.geojson", "refuse", "", "JSON", "",
     "a download missing only its last byte", GOOD[:-1]),
    ("2024-08-10-bom-utf8.geojson", "accept", "", "", "",
     "UTF-8 with a byte-order mark (Windows Notepad): RFC 7946 readers may ignore it; decided: accepted",
     b"\xef\xbb\xbf" + GOOD),
    ("2024-08-10-utf16-le-bom.geojson", "refuse", "", "UTF-8", "",
     "saved as 'Unicode' by Windows tools (UTF-16 LE with BOM)", "\ufeff".encode("utf-16-le") + GOOD.decode()
     .encode("utf-16-le")),
    ("2024-08-10-utf16-be.geojson", "refuse", "", "JSON", "",
     "UTF-16 BE without a BOM", GOOD.decode().encode("utf-16-be")),
    ("2024-08-10-latin1-property.geojson", "refuse", "", "UTF-8", "",
     "a Latin-1 place name (Суджа typed in CP1251) inside otherwise ASCII JSON",
     js(fc(poly([SQ]))).replace(b'"status"', b'"name": "' + "Суджа".encode("cp1251") + b'", "status"')),
    ("2024-08-10-array.geojson", "refuse", "", "GeoJSON object", "",
     "a bare JSON array of features", js([poly([SQ])])),
    ("2024-08-10-feature-alone.geojson", "refuse", "", "FeatureCollection", "",
     "a single Feature, not wrapped in a collection (geojson.io 'save feature')", js(poly([SQ]))),
    ("2024-08-10-geometry-alone.geojson", "refuse", "", "FeatureCollection", "",
     "a bare Polygon geometry", js({"type": "Polygon", "coordinates": [SQ]})),
    ("2024-08-10-lowercase-type.geojson", "refuse", "", "FeatureCollection", "",
     "'featurecollection' in lower case (hand-written)",
     js({"type": "featurecollection", "features": [poly([SQ])]})),
    ("2024-08-10-json-null.geojson", "refuse", "", "", "", "the JSON value null", b"null"),
    ("2024-08-10-json-string.geojson", "refuse", "", "", "", "a JSON string", b'"FeatureCollection"'),
    ("2024-08-10-null-geometry.geojson", "refuse", "", "geometry", "",
     "a feature whose geometry is null (an unlocated Telegram report)",
     js(fc({"type": "Feature", "properties": {"status": "ua_controlled"}, "geometry": None}))),
    ("2024-08-10-point-in-area.geojson", "refuse", "", "Point", "",
     "a Point with an area status (a village marker mixed into the layer)",
     js(fc(poly([35.05, 51.25], gtype="Point")))),
    ("2024-08-10-line-as-area.geojson", "refuse", "", "LineString", "",
     "a LineString with an area status", js(fc(poly(SQ, gtype="LineString")))),
    ("2024-08-10-polygon-as-line.geojson", "refuse", "", "Polygon", "",
     "a Polygon with the line status contact_line", js(fc(poly([SQ], status="contact_line")))),
    ("2024-08-10-geometrycollection.geojson", "refuse", "", "GeometryCollection", "",
     "a GeometryCollection holding a polygon (QGIS 'collect geometries')",
     js(fc({"type": "Feature", "properties": {"status": "ua_controlled"},
            "geometry": {"type": "GeometryCollection", "geometries": [{"type": "Polygon", "coordinates": [SQ]}]}}))),
    ("2024-08-10-unclosed-ring.geojson", "refuse", "", "not closed", "",
     "a ring whose last position is not its first (hand-digitised)", js(fc(poly([SQ[:-1] + [[35.0, 51.21]]])))),
    ("2024-08-10-three-position-ring.geojson", "refuse", "", "at least 4", "",
     "a closed ring of three positions (a line, not an area)", js(fc(poly([[SQ[0], SQ[1], SQ[0]]])))),
    ("2024-08-10-bow-tie.geojson", "refuse", "", "Self-intersection", "",
     "a self-intersecting bow-tie (vertices dragged across)", js(fc(poly([BOWTIE])))),
    ("2024-08-10-bow-tie-repair.geojson", "accept", "--repair", "", "",
     "the same bow-tie with --repair: mended by make_valid and noted", js(fc(poly([BOWTIE])))),
    ("2024-08-10-hole-outside-shell.geojson", "refuse", "", "invalid polygon", "",
     "an interior ring outside its exterior ring",
     js(fc(poly([SQ, [[35.5, 51.5], [35.5, 51.6], [35.6, 51.6], [35.5, 51.5]]])))),
    ("2024-08-10-degenerate-ring.geojson", "refuse", "", "", "",
     "a ring of four identical positions", js(fc(poly([[SQ[0]] * 4])))),
    ("2024-08-10-nan.geojson", "refuse", "", "NaN", "",
     "NaN as a coordinate (Python json.dumps of a float('nan'))",
     GOOD.replace(b"35.1, 51.2", b"NaN, 51.2", 1)),
    ("2024-08-10-infinity.geojson", "refuse", "", "Infinity", "",
     "Infinity as a coordinate", GOOD.replace(b"35.1, 51.2", b"Infinity, 51.2", 1)),
    ("2024-08-10-minus-infinity.geojson", "refuse", "", "Infinity", "",
     "-Infinity as a coordinate", GOOD.replace(b"35.1, 51.2", b"-Infinity, 51.2", 1)),
    ("2024-08-10-huge-number.geojson", "refuse", "", "Infinity", "",
     "1e400 as a coordinate: valid JSON grammar, overflows to infinity",
     GOOD.replace(b"35.1, 51.2", b"1e400, 51.2", 1)),
    ("2024-08-10-huge-number-property.geojson", "refuse", "", "", "B1",
     "1e400 in a property (a scraped 'area' field): overflows to infinity, cannot be stored as JSON",
     js(fc(poly([SQ]))).replace(b'"status"', b'"area_m2": 1e400, "status"')),
    ("2024-08-10-huge-integer.geojson", "refuse", "", "", "",
     "an integer of 5,000 digits (past Python's int parsing limit)",
     js(fc(poly([SQ]))).replace(b'"status"', b'"id": ' + b"9" * 5000 + b', "status"')),
    ("2024-08-10-strings-as-coordinates.geojson", "refuse", "", "not a number", "",
     "coordinates quoted as strings (a CSV converter)",
     js(fc(poly([[[str(x), str(y)] for x, y in SQ]])))),
    ("2024-08-10-booleans-as-coordinates.geojson", "refuse", "", "not a number", "",
     "true/false as coordinates", js(fc(poly([[[True, False]] * 5])))),
    ("2024-08-10-null-coordinates.geojson", "refuse", "", "coordinates", "",
     "coordinates null", js(fc(poly(None)))),
    ("2024-08-10-empty-polygon.geojson", "refuse", "", "no rings", "",
     "a Polygon with no rings", js(fc(poly([])))),
    ("2024-08-10-empty-multipolygon.geojson", "refuse", "", "MultiPolygon", "",
     "a MultiPolygon with no polygons", js(fc(poly([], gtype="MultiPolygon")))),
    ("2024-08-10-polygon-too-shallow.geojson", "refuse", "", "", "",
     "Polygon coordinates one level too shallow (a ring given as the polygon)", js(fc(poly(SQ)))),
    ("2024-08-10-polygon-too-deep.geojson", "refuse", "", "", "",
     "Polygon coordinates one level too deep (MultiPolygon nesting under type Polygon)", js(fc(poly([[SQ]])))),
    ("2024-08-10-one-value-position.geojson", "refuse", "", "[lon, lat]", "",
     "a position with a single value", js(fc(poly([[[35.0]] + SQ[1:]])))),
    ("2024-08-10-four-value-position.geojson", "refuse", "", "values", "",
     "positions with four values (XYZM from a GPS export)", js(fc(poly([[p + [150.0, 7.0] for p in SQ]])))),
    ("2024-08-10-lon-200.geojson", "refuse", "", "range", "",
     "longitude 200", js(fc(poly([[[200.0, y] if i == 1 else [x, y] for i, (x, y) in enumerate(SQ)]])))),
    ("2024-08-10-lat-95.geojson", "refuse", "", "range", "",
     "latitude 95", js(fc(poly([[[x, 95.0] if i == 2 else [x, y] for i, (x, y) in enumerate(SQ)]])))),
    ("2024-08-10-latlon-swapped.geojson", "refuse", "", "swapped", "",
     "a Kursk polygon with [lat, lon] order (Google Maps copy-paste)", js(fc(poly([[[y, x] for x, y in SQ]])))),
    ("2024-08-10-outside-region.geojson", "refuse", "", "outside", "",
     "a polygon around Paris in the Kursk theatre (wrong layer)",
     js(fc(poly([[[x - 32.7, y - 2.4] for x, y in SQ]])))),
    ("2024-08-10-web-mercator-metres.geojson", "refuse", "", "range", "",
     "EPSG:3857 metres with an old-style 'crs' member (GeoJSON 2008)",
     js(fc(poly([[[x * 111319.49, y * 111319.49 * 1.3] for x, y in SQ]]),
           crs={"type": "name", "properties": {"name": "EPSG:3857"}}))),
    ("2024-08-10-unknown-status.geojson", "refuse", "", "known statuses", "",
     "a status outside the vocabulary ('liberated' from another map's legend)", js(fc(poly([SQ], status="liberated")))),
    ("2024-08-10-missing-status.geojson", "refuse", "", "status", "",
     "a feature with no status property",
     js(fc({"type": "Feature", "properties": {"name": "x"}, "geometry": {"type": "Polygon", "coordinates": [SQ]}}))),
    ("2024-08-10-status-null.geojson", "refuse", "", "status", "", "status null", js(fc(poly([SQ], status=None)))),
    ("2024-08-10-status-number.geojson", "refuse", "", "status", "", "status 1", js(fc(poly([SQ], status=1)))),
    ("2024-08-10-status-list.geojson", "refuse", "", "status", "B3",
     "status given as a list of labels", js(fc(poly([SQ], status=["ua_controlled"])))),
    ("2024-08-10-status-object.geojson", "refuse", "", "status", "B3",
     "status given as an object (a translated label)", js(fc(poly([SQ], status={"en": "ua_controlled"})))),
    ("2024-02-30-impossible-date.geojson", "refuse", "", "2024-02-30", "",
     "an impossible date in the file name", GOOD),
    ("2024-13-01-month-13.geojson", "refuse", "", "2024-13-01", "", "month 13 in the file name", GOOD),
    ("2024-08-10-empty.geojson", "refuse", "", "empty", "", "an empty file (0 bytes)", b""),
    ("2024-08-10-whitespace.geojson", "refuse", "", "JSON", "", "a file of blank lines", b"\n\n   \n"),
    ("2024-08-10-deeply-nested.geojson", "refuse", "", "", "",
     "20,000 nested arrays as coordinates (a recursion bomb)",
     b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"status":"ua_controlled"},'
     b'"geometry":{"type":"Polygon","coordinates":' + b"[" * 20_000 + b"]" * 20_000 + b"}}]}"),
    ("2024-08-10-features-object.geojson", "refuse", "", "features", "",
     "'features' an object keyed by id instead of a list", js({"type": "FeatureCollection", "features":
                                                               {"a": poly([SQ])}})),
    ("2024-08-10-features-string.geojson", "refuse", "", "features", "",
     "'features' a string", js({"type": "FeatureCollection", "features": "[]"})),
    ("2024-08-10-features-missing.geojson", "refuse", "", "features", "",
     "no 'features' member", js({"type": "FeatureCollection"})),
    ("2024-08-10-feature-number.geojson", "refuse", "", "Feature", "",
     "a number where a feature should be", js(fc(poly([SQ]), 42))),
    ("2024-08-10-properties-array.geojson", "refuse", "", "properties", "",
     "'properties' an array", js(fc({"type": "Feature", "properties": ["ua_controlled"],
                                     "geometry": {"type": "Polygon", "coordinates": [SQ]}}))),
    ("2024-08-10-geometry-type-list.geojson", "refuse", "", "", "",
     "geometry 'type' an array", js(fc({"type": "Feature", "properties": {"status": "ua_controlled"},
                                        "geometry": {"type": ["Polygon"], "coordinates": [SQ]}}))),
    ("2024-08-10-lone-surrogate.geojson", "refuse", "", "", "B2",
     "a lone UTF-16 surrogate escape in a name (\\ud800, from a JavaScript string cut in half)",
     js(fc(poly([SQ]))).replace(b'"status"', b'"name": "Sudzha \\ud800", "status"')),
    ("2024-08-10-duplicate-keys.geojson", "accept", "", "", "",
     "duplicated keys ('status' twice): decided: accepted, the last one wins as in every JSON parser we use",
     GOOD.replace(b'"status": "ua_controlled"', b'"status": "liberated", "status": "ua_controlled"')),
    ("2024-08-10-three-d.geojson", "accept", "", "", "",
     "3-D positions (DeepState exports): Z dropped and noted", js(fc(poly([[p + [0.0] for p in SQ]])))),
    ("2024-08-10-empty-collection.geojson", "accept", "", "", "",
     "an empty FeatureCollection: a real layer meaning 'nothing held that day'", js(fc())),
    ("2024-08-10-hostile-text.geojson", "accept", "", "", "",
     "script tags, NUL and RTL marks in properties: text is data, stored as it is (escaping is the renderer's job)",
     js(fc(poly([SQ], name="<script>alert(1)</script>\u0000\u202e{{7*7}}",
                note="</script><img src=x onerror=alert(1)>")))),
    ("2024-08-10-unclosed-ring.kml", "refuse", "", "closed", "B13",
     "a hand-edited KML whose ring does not repeat its first position (GDAL passes the open ring on)",
     b'<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark>'
     b'<ExtendedData><Data name="status"><value>ua_controlled</value></Data></ExtendedData><Polygon>'
     b'<outerBoundaryIs><LinearRing><coordinates>35.0,51.2 35.1,51.2 35.1,51.3 35.0,51.3</coordinates>'
     b'</LinearRing></outerBoundaryIs></Polygon></Placemark></Document></kml>\n'),
    ("2024-08-10-list-property.gpkg", "accept", "", "", "B14",
     "GeoJSON saved under a .gpkg name, with a list-valued property (GDAL sniffs the content, reads a list field)",
     js(fc(poly([SQ], ids=[1, 2])))),
    ("2024-08-10-garbage.gpkg", "refuse", "", "GDAL", "",
     "a text file named .gpkg", b"this is not a GeoPackage\n"),
    ("2024-08-10-garbage.shp", "refuse", "", "GDAL", "",
     "a lone .shp with random bytes (no .shx, .dbf)", bytes(range(256)) * 4),
    ("2024-08-10-billion-laughs.kml", "refuse", "", "GDAL", "",
     "a KML with nested XML entities (billion laughs): must not expand",
     b'<?xml version="1.0"?>\n<!DOCTYPE kml [\n <!ENTITY a "' + b"a" * 70 + b'">\n'
     + b"".join(b' <!ENTITY ' + bytes([c]) + b' "' + (b"&" + bytes([c - 1]) + b";") * 20 + b'">\n'
                for c in range(ord("b"), ord("h")))
     + b']>\n<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>&g;</name>'
     b'<Polygon><outerBoundaryIs><LinearRing><coordinates>35.0,51.2 35.1,51.2 35.1,51.3 35.0,51.2'
     b'</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></Document></kml>\n'),
]


def ogr_entries():
    """Binary files written with GDAL: a local engineering CRS, a point layer."""
    import geopandas as gpd
    import shapely

    out = []
    path = HERE / "2024-08-10-local-crs.fgb"
    gpd.GeoDataFrame({"status": ["ua_controlled"]}, geometry=[shapely.Polygon([(0, 0), (1000, 0), (1000, 1000)])],
                     crs='LOCAL_CS["site grid",UNIT["metre",1]]').to_file(path, driver="FlatGeobuf")
    out.append((path.name, "refuse", "", "", "B4",
                "FlatGeobuf in a local engineering CRS that cannot be transformed to WGS84"))
    path = HERE / "2024-08-10-points.fgb"
    gpd.GeoDataFrame({"status": ["ua_controlled"]}, geometry=[shapely.Point(35.05, 51.25)],
                     crs="EPSG:4326").to_file(path, driver="FlatGeobuf")
    out.append((path.name, "refuse", "", "Point", "", "FlatGeobuf of points with an area status"))
    return out


def main():
    rows = []
    for name, expect, args, must, bug, intent, data in ENTRIES:
        (HERE / name).write_bytes(data)
        rows.append((name, expect, args, must, bug, intent))
    rows += ogr_entries()
    lines = [
        "# Hand-made bad input files",
        "",
        "Each file is imported by `tests/reliability/test_corpus.py` into the suite's synthetic Kursk theatre",
        "(bbox about 34.5-36.3 E, 50.8-51.9 N; statuses `ua_controlled`, `grey_zone` (areas), `contact_line` (a",
        "line)). `refuse`: exit 2, one line on stderr naming the file, containing *must*, and the store unchanged",
        "byte for byte. `accept`: exit 0 and `verify` passes. *bug*: an open bug in `geo/` (see RELIABILITY.md);",
        "its test is marked xfail(strict) until fixed. The files were written by `make_corpus.py` (the origin of",
        "each is the *intent* column); rerun it only to add files.",
        "",
        "| file | expect | args | must | bug | origin / intent |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in r) + " |")
    (HERE / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(rows)} files")


if __name__ == "__main__":
    main()
