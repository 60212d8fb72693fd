"""The CLI: exit codes, one-line errors, JSON with schema keys, the store untouched by failures, start-up cost."""

import hashlib
import json
import subprocess
import sys

import pytest
from common import BOWTIE, SQUARE, layer, square, write


def snapshot(root):
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != "lock"}


def test_import_area_history(demo, tmp_path, run_cli):
    f = write(tmp_path / "held-2024-08-24.geojson", SQUARE)
    r = run_cli("--layers", demo, "import", "demo", f, "--source", "https://example.org/a", "--note", "first")
    assert r.exit_code == 0, r.stderr
    assert "2024-08-24  version 1" in r.output
    r = run_cli("--layers", demo, "import", "demo", f)
    assert r.exit_code == 0 and "unchanged" in r.output
    r = run_cli("--layers", demo, "area", "demo", "2024-08-24", "--json")
    doc = r.json()
    assert doc["schema"] == "frontline.area/v1"
    row = doc["dates"][0]
    assert set(row) >= {"date", "version", "sha256", "areas_km2", "total_km2", "method"}
    assert row["areas_km2"]["held"] == pytest.approx(78.01, abs=0.01)
    assert list(doc) == sorted(doc)
    r = run_cli("--layers", demo, "area", "demo", "--all", "--csv")
    assert r.output.splitlines()[0] == "date,held_km2,contested_km2,total_km2"
    r = run_cli("--layers", demo, "history", "demo", "2024-08-24")
    assert "source: https://example.org/a" in r.output


def test_missing_date_exits_1_naming_nearest(demo, tmp_path, run_cli):
    for d in ("2024-08-20", "2024-08-28"):
        run_cli("--layers", demo, "import", "demo", write(tmp_path / f"{d}.geojson", SQUARE))
    r = run_cli("--layers", demo, "area", "demo", "2024-08-24")
    assert r.exit_code == 1
    assert r.stderr.strip() == ("frontline: error: theatre 'demo' has no layer on 2024-08-24; "
                                "nearest: 2024-08-20, 2024-08-28 (--in-force reads the layer in force: the "
                                "latest before it)")


BAD_INPUTS = {
    "not-json": "{not json",
    "truncated": json.dumps(SQUARE)[:-20],
    "empty": "",
    "not-a-collection": json.dumps(square(35, 51)),
    "point": json.dumps(layer({"type": "Feature", "properties": {"status": "held"},
                                "geometry": {"type": "Point", "coordinates": [35, 51]}})),
    "unclosed": json.dumps(layer({"type": "Feature", "properties": {"status": "held"}, "geometry": {
        "type": "Polygon", "coordinates": [[[35, 51], [35.1, 51], [35.1, 51.1], [35, 51.1]]]}})),
    "too-short": json.dumps(layer({"type": "Feature", "properties": {"status": "held"}, "geometry": {
        "type": "Polygon", "coordinates": [[[35, 51], [35.1, 51], [35, 51]]]}})),
    "self-intersection": json.dumps(layer(BOWTIE)),
    "out-of-range": json.dumps(layer(square(190, 51))),
    "swapped": json.dumps(layer(square(51.0, 35.0))),
    "nan": json.dumps(SQUARE).replace("51.1", "NaN", 1),
    "infinity": json.dumps(SQUARE).replace("51.1", "Infinity", 1),
    "unknown-status": json.dumps(layer(square(35, 51, status="occupied"))),
    "utf16": json.dumps(SQUARE).encode("utf-16").decode("latin-1"),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_exits_2_one_line_store_untouched(demo, tmp_path, run_cli, name):
    run_cli("--layers", demo, "import", "demo", write(tmp_path / "2024-08-01.geojson", SQUARE))
    before = snapshot(demo)
    path = tmp_path / f"{name}-2024-08-24.geojson"
    text = BAD_INPUTS[name]
    path.write_bytes(text.encode("latin-1") if name == "utf16" else text.encode())
    r = run_cli("--layers", demo, "import", "demo", path)
    assert r.exit_code == 2, (r.output, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("frontline: error: ") and str(path) in lines[0]
    assert snapshot(demo) == before


def test_bad_date_and_names(demo, tmp_path, run_cli):
    f = write(tmp_path / "2024-02-30.geojson", SQUARE)
    r = run_cli("--layers", demo, "import", "demo", f)
    assert r.exit_code == 2 and "day is out of range" in r.stderr
    r = run_cli("--layers", demo, "import", "demo", write(tmp_path / "x.geojson", SQUARE), "--date", "2024-13-01")
    assert r.exit_code == 2
    r = run_cli("--layers", demo, "area", "../etc", "--all")
    assert r.exit_code == 2 and "invalid theatre name" in r.stderr
    r = run_cli("--layers", demo, "import", "demo", write(tmp_path / "nodate.geojson", SQUARE))
    assert r.exit_code == 2 and "no date" in r.stderr


def test_one_bad_file_in_a_folder_imports_nothing(demo, tmp_path, run_cli):
    folder = tmp_path / "series"
    folder.mkdir()
    write(folder / "2024-08-01.geojson", SQUARE)
    write(folder / "2024-08-02.geojson", layer(BOWTIE))
    before = snapshot(demo)
    r = run_cli("--layers", demo, "import", "demo", folder)
    assert r.exit_code == 2 and "2024-08-02" in r.stderr
    assert snapshot(demo) == before
    r = run_cli("--layers", demo, "import", "demo", folder, "--repair")
    assert r.exit_code == 0
    r = run_cli("--layers", demo, "history", "demo", "2024-08-02", "--json")
    assert "make_valid" in r.json()["versions"][0]["note"]


def test_verify_exit_codes(demo, tmp_path, run_cli):
    run_cli("--layers", demo, "import", "demo", write(tmp_path / "2024-08-01.geojson", SQUARE))
    assert run_cli("--layers", demo, "verify", "demo").exit_code == 0
    obj = next((demo / "demo" / ".frontline" / "objects").rglob("*.pack"))
    data = bytearray(obj.read_bytes())
    data[len(data) // 2] ^= 0x08
    obj.write_bytes(bytes(data))
    r = run_cli("--layers", demo, "verify", "demo")
    assert r.exit_code == 1 and "corrupted" in r.output
    r = run_cli("--layers", demo, "area", "demo", "2024-08-01")
    assert r.exit_code == 1 and "corrupted" in r.stderr


def test_geopackage_in_web_mercator_is_reprojected(demo, tmp_path, run_cli):
    import geopandas as gpd
    import shapely

    gdf = gpd.GeoDataFrame({"status": ["held"]}, geometry=[shapely.box(35.0, 51.0, 35.1, 51.1)], crs=4326)
    path = tmp_path / "2024-08-24.gpkg"
    gdf.to_crs(3857).to_file(path, engine="pyogrio")
    r = run_cli("--layers", demo, "import", "demo", path)
    assert r.exit_code == 0, r.stderr
    r = run_cli("--layers", demo, "area", "demo", "2024-08-24", "--json")
    assert r.json()["dates"][0]["areas_km2"]["held"] == pytest.approx(78.01, abs=0.01)


STARTUP = """
import json, sys
from geo.cli import main
try:
    main(sys.argv[1:])
except SystemExit as e:
    code = e.code
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("folium", "geopandas", "pandas", "branca",
               "jinja2", "matplotlib", "pyogrio", "xyzservices"))
print(json.dumps({"code": code, "heavy": heavy}), file=sys.stderr)
"""


@pytest.mark.parametrize("args", [["--help"], ["area", "demo", "--all"], ["verify", "demo"],
                                  ["history", "demo", "2024-08-24"], ["diff", "demo", "2024-08-24", "2024-08-24"],
                                  ["compare", "demo", "demo", "2024-08-24"]])
def test_commands_that_draw_nothing_stay_light(demo, tmp_path, run_cli, args):
    run_cli("--layers", demo, "import", "demo", write(tmp_path / "2024-08-24.geojson", SQUARE))
    p = subprocess.run([sys.executable, "-c", STARTUP, "--layers", str(demo), *args], capture_output=True,
                       text=True, timeout=60)
    res = json.loads(p.stderr.strip().splitlines()[-1])
    assert res["code"] in (0, None), p.stderr
    assert res["heavy"] == []


def test_import_clip_to_the_region(demo, tmp_path, run_cli):
    # the region is the square 34..36 E, 50.5..52.5 N; this square straddles its eastern edge (half outside)
    f = write(tmp_path / "2024-08-24.geojson", layer(square(35.9, 51.0, 0.2)))
    r = run_cli("--layers", demo, "import", "demo", f, "--clip", "--json")
    assert r.exit_code == 0, r.stderr
    whole = run_cli("--layers", demo, "area", "demo", "2024-08-24", "--json").json()["dates"][0]["total_km2"]
    r = run_cli("--layers", demo, "history", "demo", "2024-08-24")
    assert "clipped to the theatre's region polygon" in r.output
    g = write(tmp_path / "2024-08-25.geojson", layer(square(35.9, 51.0, 0.2)))
    assert run_cli("--layers", demo, "import", "demo", g).exit_code == 0  # not clipped by default
    unclipped = run_cli("--layers", demo, "area", "demo", "2024-08-25", "--json").json()["dates"][0]["total_km2"]
    assert whole == pytest.approx(unclipped / 2, rel=0.01)


def test_import_clip_without_a_region_is_refused(tmp_path, run_cli):
    root = tmp_path / "layers"
    assert run_cli("--layers", root, "init", "bare", "--status", "held=Held").exit_code == 0
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    r = run_cli("--layers", root, "import", "bare", write(tmp_path / "2024-08-24.geojson", SQUARE), "--clip")
    assert r.exit_code == 2 and "no region polygon" in r.stderr
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before
