"""export: the series in one file, read back with pyogrio and pyarrow and checked against `area`."""

import datetime as dt
import json
import sys

import pytest
import shapely
from common import layer, square, write

from geo.area import layer_areas
from geo.store import Store

pyogrio = pytest.importorskip("pyogrio")
pq = pytest.importorskip("pyarrow.parquet")

SUFFIXES = (".gpkg", ".fgb", ".parquet", ".geojson")


def read_back(path):
    """Rows as plain dicts (dates as YYYY-MM-DD text, None for empty) and shapely geometries, by a peer reader."""
    if path.suffix == ".parquet":
        table = pq.read_table(path)
        geo = json.loads(table.schema.metadata[b"geo"])
        assert geo["primary_column"] == "geometry" and geo["columns"]["geometry"]["encoding"] == "WKB"
        rows = table.drop(["geometry"]).to_pylist()
        geoms = [None if w is None else shapely.from_wkb(w) for w in table.column("geometry").to_pylist()]
    else:
        df = pyogrio.read_dataframe(path)
        assert pyogrio.read_info(path)["crs"] in ("EPSG:4326", "OGC:CRS84")
        geoms = list(df.geometry)
        rows = df.drop(columns="geometry").to_dict("records")
    out = []
    for row, g in zip(rows, geoms, strict=True):
        for k in ("date", "valid_from", "valid_to"):
            v = row[k]
            row[k] = None if v is None or v != v else v.isoformat()[:10] if hasattr(v, "isoformat") else str(v)
        out.append({**row, "geometry": None if g is None or g.is_empty else g})
    return out


def check_export(run_cli, root, theatre, path, *extra, areas=None):
    r = run_cli("--layers", root, "export", theatre, "-o", path, *extra)
    assert r.exit_code == 0, r.stderr
    rows = read_back(path)
    if areas is None:
        areas = {a["date"]: a for a in run_cli("--layers", root, "area", theatre, "--all", "--json").json()["dates"]}
    t = Store(root).theatre(theatre)
    dates = sorted(areas)
    following = dict(zip(dates, dates[1:] + [None], strict=True))
    for row in rows:
        assert set(row) >= {"date", "valid_from", "valid_to", "status", "area_km2", "version", "sha256", "source",
                            "geometry"}
        assert row["valid_from"] == row["date"] and row["valid_to"] == following[row["date"]]
        if "--all-versions" not in extra:
            a = areas[row["date"]]
            assert (row["version"], row["sha256"]) == (a["version"], a["sha256"])
            assert row["area_km2"] == a["areas_km2"][row["status"]]  # the figure of `area`, bit for bit
        g = row["geometry"]
        if g is None:
            assert row["area_km2"] == 0
            continue
        assert g.geom_type == "MultiPolygon" and g.is_valid
        measured = layer_areas({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"status": row["status"]},
             "geometry": json.loads(shapely.to_geojson(g))}]}, t).areas_km2[row["status"]]
        # six decimals (GeoJSON) move a 1,000 km² figure by well under 1e-5 of it; the binary formats keep doubles
        assert measured == pytest.approx(row["area_km2"], rel=1e-5 if path.suffix == ".geojson" else 1e-9)
    return rows


@pytest.fixture
def series(demo, tmp_path, run_cli):
    """Three dates, a revision of the second, and 'contested' empty on the first."""
    steps = [("2024-08-20", layer(square(35.0, 51.0))),
             ("2024-08-24", layer(square(35.0, 51.0, 0.15), square(35.2, 51.0, status="contested"))),
             ("2024-08-24", layer(square(35.0, 51.0, 0.16), square(35.2, 51.0, status="contested"))),
             ("2024-08-30", layer(square(35.0, 51.0, 0.2), square(35.1, 51.0, status="contested")))]
    for i, (date, lay) in enumerate(steps):
        (tmp_path / f"in{i}").mkdir()
        r = run_cli("--layers", demo, "import", "demo", write(tmp_path / f"in{i}" / f"{date}.geojson", lay),
                    "--source", f"step {i} <&>")
        assert r.exit_code == 0, r.stderr
    return demo


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_export_reads_back_with_the_areas_of_area(series, tmp_path, run_cli, suffix):
    rows = check_export(run_cli, series, "demo", tmp_path / f"out{suffix}")
    assert len(rows) == 3 * 2  # three dates, two area statuses: the line status is not exported
    assert [r["valid_to"] for r in rows[::2]] == ["2024-08-24", "2024-08-30", None]
    first = [r for r in rows if r["date"] == "2024-08-20" and r["status"] == "contested"]
    assert first[0]["geometry"] is None and first[0]["area_km2"] == 0  # held nothing: still a row
    assert rows[2]["source"] == "step 2 <&>" and rows[2]["version"] == 2
    every = check_export(run_cli, series, "demo", tmp_path / f"all{suffix}", "--all-versions")
    assert [(r["date"], r["version"]) for r in every[::2]] == [("2024-08-20", 1), ("2024-08-24", 1),
                                                                ("2024-08-24", 2), ("2024-08-30", 1)]
    part = check_export(run_cli, series, "demo", tmp_path / f"part{suffix}", "--from", "2024-08-21", "--to",
                        "2024-08-24")
    assert {r["date"] for r in part} == {"2024-08-24"} and part[0]["valid_to"] == "2024-08-30"


def test_geoparquet_is_what_geopandas_reads(series, tmp_path, run_cli):
    gpd = pytest.importorskip("geopandas")
    check_export(run_cli, series, "demo", tmp_path / "s.parquet")
    df = gpd.read_parquet(tmp_path / "s.parquet")
    assert df.crs.to_epsg() == 4326 and list(df.columns[:4]) == ["date", "valid_from", "valid_to", "status"]
    assert isinstance(df["date"].iloc[0], dt.date)
    info = pyogrio.read_info(tmp_path / "s.parquet") if "Parquet" in pyogrio.list_drivers() else None
    if info is not None:  # GDAL built with Parquet reads it too
        assert info["features"] == len(df)


def test_export_errors_leave_nothing(series, tmp_path, run_cli, monkeypatch):
    cases = [(("-o", tmp_path / "x.shp"), 2, "write a .geojson, .gpkg, .fgb or .parquet file"),
             (("-o", tmp_path / "x.gpkg", "--from", "2025-01-01"), 1, "no layers between 2025-01-01"),
             (("-o", tmp_path / "x.gpkg", "--from", "2024-08-30", "--to", "2024-08-20"), 2, "is after --to")]
    for args, code, text in cases:
        r = run_cli("--layers", series, "export", "demo", *args)
        assert r.exit_code == code and text in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # as where pyarrow is not installed
    r = run_cli("--layers", series, "export", "demo", "-o", tmp_path / "x.gpkg")
    assert r.exit_code == 3 and "pip install 'frontline[export]'" in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(("x.", ".x."))) == []
    assert run_cli("--layers", series, "export", "demo", "-o", tmp_path / "x.geojson").exit_code == 0


def test_real_series_export(real_store, tmp_path, run_cli, capsys):
    areas = {a["date"]: a for a in run_cli("--layers", real_store, "area", "kursk", "--all", "--json").json()["dates"]}
    for suffix in SUFFIXES:
        rows = check_export(run_cli, real_store, "kursk", tmp_path / f"kursk{suffix}", areas=areas)
        assert len(rows) == 258 * 2
        for date in ("2024-08-24", "2025-03-13"):  # the union of the statuses, measured from the file
            union = shapely.union_all([r["geometry"] for r in rows if r["date"] == date and r["geometry"]])
            got = layer_areas({"type": "FeatureCollection", "features": [
                {"type": "Feature", "properties": {"status": "ua_controlled"},
                 "geometry": json.loads(shapely.to_geojson(union))}]},
                Store(real_store).theatre("kursk")).total_km2
            assert got == pytest.approx(areas[date]["total_km2"], rel=1e-5)
    with capsys.disabled():
        t = pq.read_table(tmp_path / "kursk.parquet").drop(["geometry"]).slice(36, 4)
        print("\n" + t.to_pandas().to_string())
