"""Import keeps a source file's own metadata (RFC 7946 foreign members, GDAL's CRS and metadata) in the version."""

import json

import pytest
from common import SQUARE, layer, square, write

from geo.store import Store

META = {"date": "2024-08-24", "source_repo": "example/history", "snapshot_unix": 1724500000,
        "original_data": "DeepStateMap <history> & \"API\""}


def test_geojson_foreign_members_are_kept(demo, tmp_path, run_cli):
    doc = {**SQUARE, "name": "deepstate_kursk_2024-08-24", "metadata": META, "bbox": [35, 51, 35.1, 51.1],
           "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}}
    f = write(tmp_path / "2024-08-24.geojson", doc)
    assert run_cli("--layers", demo, "import", "demo", f).exit_code == 0
    got = Store(demo).read("demo", "2024-08-24")
    assert got.source_metadata == {"metadata": META, "name": "deepstate_kursk_2024-08-24"}
    assert "bbox" not in got.collection and "crs" not in got.collection  # they describe the file's coordinates
    r = run_cli("--layers", demo, "import", "demo", f)
    assert r.exit_code == 0 and "unchanged" in r.output  # the same file, the same version
    plain = write(tmp_path / "2024-08-25.geojson", SQUARE)
    assert run_cli("--layers", demo, "import", "demo", plain).exit_code == 0
    assert Store(demo).read("demo", "2024-08-25").source_metadata == {}


def test_deepstate_raw_metadata_is_kept(demo, tmp_path, run_cli):
    raw = {"type": "FeatureCollection", "metadata": META, "features": [
        {"type": "Feature", "properties": {"name": "Звільнено /// Liberated /// geoJSON.status.dismissed"},
         "geometry": square(35.0, 51.0)["geometry"]}]}
    f = write(tmp_path / "2024-08-24_raw.geojson", raw)
    r = run_cli("--layers", demo, "import", "demo", f, "--format", "deepstate", "--status-map",
                "geoJSON.status.dismissed=held")
    assert r.exit_code == 0, r.stderr
    assert Store(demo).read("demo", "2024-08-24").source_metadata == {"metadata": META}


def test_ogr_source_crs_is_kept(demo, tmp_path, run_cli):
    gpd = pytest.importorskip("geopandas")
    gdf = gpd.GeoDataFrame.from_features(SQUARE["features"], crs=4326)
    path = tmp_path / "held-2024-08-24.gpkg"
    gdf.to_crs(3857).to_file(path, engine="pyogrio")
    assert run_cli("--layers", demo, "import", "demo", path).exit_code == 0
    meta = Store(demo).read("demo", "2024-08-24").source_metadata
    assert "3857" in meta["source_crs"]


def test_metadata_that_is_not_json_text_is_refused(demo, tmp_path, run_cli):
    before = sorted(p for p in demo.rglob("*") if p.is_file())
    f = tmp_path / "2024-08-24.geojson"
    f.write_text(json.dumps(layer(square(35.0, 51.0)))[:-1] + ', "metadata": {"x": "\\ud800"}}')
    r = run_cli("--layers", demo, "import", "demo", f)
    assert r.exit_code == 2 and "metadata" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert sorted(p for p in demo.rglob("*") if p.is_file()) == before


def test_real_daily_metadata_is_kept(real_store, shared_data):
    store = Store(real_store)
    for date in ("2024-08-06", "2024-08-24", "2025-03-01"):
        src = json.loads((shared_data / "deepstate" / "daily" / f"{date}.geojson").read_text())
        assert store.read("kursk", date).source_metadata == {"metadata": src["metadata"], "name": src["name"]}


def test_a_stored_layer_with_metadata_revalidates_and_reimports_unchanged(demo, tmp_path, run_cli):
    from geo.importers import import_collection
    from geo.validate import validate_layer

    f = write(tmp_path / "2024-08-24.geojson", {**SQUARE, "metadata": META})
    assert run_cli("--layers", demo, "import", "demo", f).exit_code == 0
    store = Store(demo)
    stored = store.read("demo", "2024-08-24").collection
    assert validate_layer(stored, store.theatre("demo")).collection == stored
    assert not import_collection(store, "demo", stored, date="2024-08-24").created  # the same version
