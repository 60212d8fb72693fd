"""compare: ground in both sources, only in A, only in B, and IoU; identities on every pair, real series included."""

import json
import shutil

import numpy as np
import pyproj
import pytest
import shapely
from common import EMPTY, THEATRE, layer, square, write
from conftest import add_bundled_reconstruction, make_real_store, need_shared_data

from geo.area import layer_areas, theatre_centre
from geo.compare import compare_layers
from geo.errors import InvalidInput
from geo.importers import ImportOptions, import_collection, import_paths
from geo.store import Store
from geo.theatre import Status, Theatre

ABS = 1e-6  # km²: the identities hold to floating-point error, far below this


def check_identities(c: dict, where=""):
    """area = both + only + noise for each side, and IoU = both / union, for the union and each status."""
    for key, f in [("union", c)] + list(c["statuses"].items()):
        assert f["area_a_km2"] == pytest.approx(f["both_km2"] + f["only_a_km2"] + f["noise_a_km2"], abs=ABS), \
            (where, key)
        assert f["area_b_km2"] == pytest.approx(f["both_km2"] + f["only_b_km2"] + f["noise_b_km2"], abs=ABS), \
            (where, key)
        union = f["both_km2"] + f["only_a_km2"] + f["noise_a_km2"] + f["only_b_km2"] + f["noise_b_km2"]
        if union == 0:
            assert f["iou"] is None
        else:
            assert f["iou"] == pytest.approx(f["both_km2"] / union, rel=1e-9, abs=1e-12), (where, key)


def laea(centre):
    return pyproj.Transformer.from_crs(
        "EPSG:4326", f"+proj=laea +lat_0={centre[1]} +lon_0={centre[0]} +ellps=WGS84 +units=m", always_xy=True)


def union_of(collection, statuses):
    """Independently of geo: the union of the area statuses' polygons, with shapely alone."""
    geoms = [shapely.geometry.shape(f["geometry"]) for f in collection["features"]
             if f["properties"]["status"] in statuses]
    return shapely.union_all(geoms) if geoms else shapely.Polygon()


def independent_iou(a, b, statuses, centre):
    tr = laea(centre)
    pa, pb = (shapely.transform(union_of(x, statuses), lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))
              for x in (a, b))
    u = shapely.union(pa, pb).area
    return None if u == 0 else shapely.intersection(pa, pb).area / u


# ---- the pure function --------------------------------------------------------------------------------------
@pytest.mark.parametrize("a,b", [
    (layer(square(35.0, 51.0)), layer(square(35.05, 51.02))),
    (layer(square(35.0, 51.0), square(35.05, 51.0, status="contested")), layer(square(35.02, 51.0, 0.2))),
    (EMPTY, layer(square(35.0, 51.0))),
    (layer(square(35.0, 51.0)), layer(square(35.5, 51.5))),  # disjoint: IoU 0
    (EMPTY, EMPTY),
])
@pytest.mark.parametrize("noise", [(0.0, 0.0), (0.01, 20.0)])
def test_identities_and_iou_against_shapely(a, b, noise):
    c = compare_layers(a, b, THEATRE, min_area_km2=noise[0], tolerance_m=noise[1]).as_dict()
    check_identities(c)
    assert c["area_a_km2"] == pytest.approx(layer_areas(a, THEATRE).total_km2, abs=1e-9)
    assert c["area_b_km2"] == pytest.approx(layer_areas(b, THEATRE).total_km2, abs=1e-9)
    want = independent_iou(a, b, ("held", "contested"), theatre_centre(THEATRE))
    assert c["iou"] == (None if want is None else pytest.approx(want, rel=1e-9))
    if noise == (0.0, 0.0):
        assert c["area_a_km2"] == pytest.approx(c["both_km2"] + c["only_a_km2"], abs=ABS)


def test_a_layer_against_itself_and_geometries():
    a = layer(square(35.0, 51.0), square(35.05, 51.0, status="contested"))
    c = compare_layers(a, json.loads(json.dumps(a)), THEATRE)
    assert c.union.iou == 1.0 and c.union.only_a_km2 == 0 == c.union.only_b_km2
    b = layer(square(35.03, 51.0), square(35.05, 51.0, status="contested"))
    c = compare_layers(a, b, THEATRE, with_features=True)
    fcs = c.collections({"date_a": "2024-08-24"})
    assert set(fcs) == {"both", "only_a", "only_b"}
    for kind, fc in fcs.items():
        for f in fc["features"]:
            figs = c.statuses[f["properties"]["status"]]
            assert f["properties"]["kind"] == kind and f["properties"]["date_a"] == "2024-08-24"
            assert f["properties"]["area_km2"] == pytest.approx(getattr(figs, f"{kind}_km2"), abs=1e-6)
            if f["geometry"] is not None:  # its own area, measured again, is the figure
                g = {"type": "FeatureCollection", "features": [
                    {"type": "Feature", "properties": {"status": "held"}, "geometry": f["geometry"]}]}
                assert layer_areas(g, THEATRE).total_km2 == pytest.approx(f["properties"]["area_km2"], rel=1e-4)


def test_statuses_are_matched_by_key_and_bad_ones_refused():
    other = Theatre("other", "Other", (Status("contested", "Grey", "#999999"), Status("ru", "RU", "#aa0000")),
                    bbox=THEATRE.bbox)
    a = layer(square(35.0, 51.0, status="contested"))
    b = layer(square(35.0, 51.0, status="contested"), square(35.3, 51.0, status="ru"))
    c = compare_layers(a, b, THEATRE, other)
    assert list(c.statuses) == ["contested", "union"]
    assert c.statuses["contested"].iou == pytest.approx(1.0) and c.union.iou == pytest.approx(0.5, rel=1e-3)
    with pytest.raises(InvalidInput, match="shared statuses are contested"):
        compare_layers(a, b, THEATRE, other, statuses=["held"])
    with pytest.raises(InvalidInput):
        compare_layers(a, b, THEATRE, min_area_km2=-1)


# ---- the command ----------------------------------------------------------------------------------------------
@pytest.fixture
def two(demo, tmp_path, run_cli):
    """Theatres 'demo' and 'other' (the same region), two dates each, one in common."""
    shutil.copytree(demo / "demo", demo / "other", ignore=shutil.ignore_patterns(".frontline"))
    for theatre, date, lay in (
            ("demo", "2024-08-24", layer(square(35.0, 51.0), square(35.1, 51.0, status="contested"))),
            ("demo", "2024-08-25", layer(square(35.0, 51.0))),
            ("other", "2024-08-24", layer(square(35.02, 51.01), square(35.12, 51.0, 0.05, status="contested"))),
            ("other", "2024-08-26", layer(square(35.0, 51.0)))):
        f = write(tmp_path / f"{theatre}-{date}.geojson", lay)
        assert run_cli("--layers", demo, "import", theatre, f).exit_code == 0
    return demo


def test_compare_cli(two, tmp_path, run_cli):
    r = run_cli("--layers", two, "compare", "demo", "other", "2024-08-24", "--json")
    assert r.exit_code == 0, r.stderr
    doc = r.json()
    assert doc["schema"] == "frontline.compare/v1" and list(doc) == sorted(doc)
    assert set(doc["statuses"]) == {"held", "contested"}
    check_identities(doc)
    area_a = run_cli("--layers", two, "area", "demo", "2024-08-24", "--json").json()["dates"][0]
    assert doc["area_a_km2"] == pytest.approx(area_a["total_km2"], abs=1e-9)
    assert doc["statuses"]["held"]["area_a_km2"] == pytest.approx(area_a["areas_km2"]["held"], abs=1e-9)
    out = tmp_path / "cmp.geojson"
    r = run_cli("--layers", two, "compare", "demo", "other", "2024-08-24", "--geojson", out)
    assert r.exit_code == 0 and "only B" in r.output
    feats = json.loads(out.read_text())["features"]
    for kind in ("both", "only_a", "only_b"):
        (u,) = [f for f in feats if f["properties"]["kind"] == kind and f["properties"]["status"] == "union"]
        assert u["properties"]["area_km2"] == pytest.approx(doc[f"{kind}_km2"], abs=1e-6)
        assert u["properties"]["theatre_b"] == "other" and u["properties"]["date_b"] == "2024-08-24"
    csv = run_cli("--layers", two, "compare", "demo", "other", "--all", "--csv").output.splitlines()
    assert csv[0] == "date_a,date_b,status,area_a_km2,area_b_km2,both_km2,only_a_km2,only_b_km2,noise_a_km2," \
                     "noise_b_km2,iou"
    assert len(csv) == 1 + 3 and all(line.startswith("2024-08-24,2024-08-24,") for line in csv[1:])
    series = run_cli("--layers", two, "compare", "demo", "other", "--all", "--json").json()
    assert [d["date_a"] for d in series["dates"]] == ["2024-08-24"]


def test_compare_cli_errors(two, run_cli):
    before = sorted((p, p.stat().st_mtime_ns) for p in two.rglob("*") if p.is_file() and "cache" not in p.parts)
    cases = [(("demo", "other", "2024-08-25"), 1, "no layer on 2024-08-25"),
             (("demo", "other", "--all", "--from", "2024-08-25"), 1, "no date in common"),
             (("demo", "other", "2024-08-24", "--all"), 2, "give a DATE or --all"),
             (("demo", "other"), 2, "give a DATE or --all"),
             (("demo", "other", "2024-08-24", "--status", "front"), 2, "shared statuses are held, contested"),
             (("demo", "nowhere", "2024-08-24"), 1, "nowhere"),
             (("demo", "other", "2024-08-24", "--by", "region"), 2, "no named regions"),
             (("demo", "../x", "2024-08-24"), 2, "invalid theatre name")]
    for args, code, text in cases:
        r = run_cli("--layers", two, "compare", *args)
        assert r.exit_code == code and text in r.stderr and len(r.stderr.strip().splitlines()) == 1, (args, r.stderr)
    after = sorted((p, p.stat().st_mtime_ns) for p in two.rglob("*") if p.is_file() and "cache" not in p.parts)
    assert after == before


# ---- the real series --------------------------------------------------------------------------------------------
def clone_settings(root, src, dest):
    shutil.copytree(root / src / "context", root / dest / "context")
    shutil.copy(root / src / "theatre.toml", root / dest / "theatre.toml")


def shifted(collection, metres, centre):
    fwd, inv = laea(centre), pyproj.Transformer.from_crs(laea(centre).target_crs, "EPSG:4326", always_xy=True)
    out = []
    for f in collection["features"]:
        g = shapely.geometry.shape(f["geometry"])
        g = shapely.transform(g, lambda xy: np.column_stack(fwd.transform(xy[:, 0], xy[:, 1])))
        g = shapely.affinity.translate(g, xoff=metres)
        g = shapely.transform(g, lambda xy: np.column_stack(inv.transform(xy[:, 0], xy[:, 1])))
        out.append({**f, "geometry": json.loads(shapely.to_geojson(g))})
    return {"type": "FeatureCollection", "features": out}


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    """The real DeepState series as 'kursk', imported again as 'again', shifted 100 m east as 'shifted', and the
    bundled reconstruction as 'kursk-recon' (with kursk's region) and 'recon-own' (with its own)."""
    shared = need_shared_data()
    root = make_real_store(tmp_path_factory.mktemp("sources") / "layers", shared)
    store = Store(root)
    clone_settings(root, "kursk", "again")
    import_paths(store, "again", [shared / "deepstate" / "daily"], ImportOptions(source="the same, again"))
    clone_settings(root, "kursk", "shifted")
    centre = theatre_centre(store.theatre("kursk"))
    for lay in store.read_all("kursk"):
        import_collection(store, "shifted", shifted(lay.collection, 100.0, centre), date=lay.date, repair=True)
    add_bundled_reconstruction(root, bbox=store.theatre("kursk").bbox)  # one region for both sources
    add_bundled_reconstruction(root, "recon-own")  # with its own region, so another projection centre
    return root


def compare_all(run_cli, root, a, b, *extra):
    r = run_cli("--layers", root, "compare", a, b, "--all", "--json", *extra)
    assert r.exit_code == 0, r.stderr
    return r.json()["dates"]


def areas(run_cli, root, theatre):
    return {row["date"]: row for row in run_cli("--layers", root, "area", theatre, "--all", "--json").json()["dates"]}


def test_real_series_against_itself_imported_again(sources, run_cli):
    rows = compare_all(run_cli, sources, "kursk", "again")
    assert len(rows) == 258
    mine = areas(run_cli, sources, "kursk")
    for row in rows:
        check_identities(row, row["date_a"])
        for f in [row] + list(row["statuses"].values()):
            assert f["only_a_km2"] == 0 and f["only_b_km2"] == 0 and f["noise_a_km2"] == 0 == f["noise_b_km2"]
            assert f["iou"] == (None if f["area_a_km2"] == 0 else 1.0)
        assert row["area_a_km2"] == row["area_b_km2"] == mine[row["date_a"]]["total_km2"]


def test_real_series_against_itself_shifted_100_m(sources, run_cli, capsys):
    store = Store(sources)
    centre = theatre_centre(store.theatre("kursk"))
    rows = {r["date_a"]: r for r in compare_all(run_cli, sources, "kursk", "shifted")}
    exact = {r["date_a"]: r for r in compare_all(run_cli, sources, "kursk", "shifted", "--min-area", "0",
                                                 "--tolerance", "0")}
    assert len(rows) == 258
    mine, theirs = areas(run_cli, sources, "kursk"), areas(run_cli, sources, "shifted")
    falls = 0
    for date, row in rows.items():
        check_identities(row, date)
        check_identities(exact[date], date)
        e = exact[date]
        assert e["area_a_km2"] == pytest.approx(e["both_km2"] + e["only_a_km2"], abs=ABS)
        assert e["area_b_km2"] == pytest.approx(e["both_km2"] + e["only_b_km2"], abs=ABS)
        assert row["area_a_km2"] == pytest.approx(mine[date]["total_km2"], abs=ABS)
        assert row["area_b_km2"] == pytest.approx(theirs[date]["total_km2"], abs=ABS)
        a, b = store.read("kursk", date).collection, store.read("shifted", date).collection
        want = independent_iou(a, b, ("ua_controlled", "grey_zone"), centre)
        if want is None:
            assert row["iou"] is None
            continue
        assert row["iou"] == pytest.approx(want, rel=1e-7)
        assert row["iou"] < 1
        falls += 1
    assert falls > 200
    low = min((r for r in rows.values() if r["iou"] is not None), key=lambda r: r["iou"])
    peak = rows["2024-08-24"]
    with capsys.disabled():
        print(f"\nshifted 100 m: IoU {peak['iou']:.4f} on 2024-08-24 ({peak['only_a_km2']:.2f} km² only in A, "
              f"{peak['only_b_km2']:.2f} only in B); lowest {low['iou']:.4f} on {low['date_a']} "
              f"({low['area_a_km2']:.1f} km² held)")


def test_real_series_against_the_reconstruction(sources, run_cli, capsys):
    rows = compare_all(run_cli, sources, "kursk", "kursk-recon")
    recon_dates = set(Store(sources).dates("kursk-recon"))
    assert [r["date_a"] for r in rows] == sorted(recon_dates & set(Store(sources).dates("kursk")))
    mine, theirs = areas(run_cli, sources, "kursk"), areas(run_cli, sources, "kursk-recon")
    assert len(rows) == 17
    for row in rows:
        check_identities(row, row["date_a"])
        for side, got in (("a", mine), ("b", theirs)):  # one region, one projection: the figures of `area`
            assert row[f"area_{side}_km2"] == pytest.approx(got[row["date_a"]]["total_km2"], abs=ABS)
            for key, f in row["statuses"].items():
                assert f[f"area_{side}_km2"] == pytest.approx(got[row["date_a"]]["areas_km2"][key], abs=ABS)
    # the reconstruction with a region of its own is measured in A's projection: its figures move by the edge
    # model (its hand-drawn edges are kilometres long), up to 1e-5 of the figure, and the command says so
    own = {r["date_a"]: r for r in compare_all(run_cli, sources, "kursk", "recon-own")}
    theirs_own = areas(run_cli, sources, "recon-own")
    worst = 0.0
    for date, row in own.items():
        check_identities(row, date)
        assert row["both_km2"] == pytest.approx(next(r for r in rows if r["date_a"] == date)["both_km2"], rel=1e-5)
        want = theirs_own[date]["total_km2"]
        assert row["area_b_km2"] == pytest.approx(want, rel=1e-5)
        worst = max(worst, abs(row["area_b_km2"] - want))
    assert worst > ABS  # the deviation is real (else the note below would be noise)
    r = run_cli("--layers", sources, "compare", "kursk", "recon-own", "2024-08-24")
    assert "B is measured in A's projection" in r.stderr
    assert "B is measured" not in run_cli("--layers", sources, "compare", "kursk", "kursk-recon", "2024-08-24").stderr
    by = run_cli("--layers", sources, "compare", "kursk", "kursk-recon", "2024-08-24", "--by", "region", "--json")
    regions = by.json()["regions"]
    for reg in regions:
        check_identities(reg, reg["region"])
    per = run_cli("--layers", sources, "area", "kursk", "2024-08-24", "--by", "region", "--json").json()
    want = {x["region"]: x["areas"] for x in per["dates"][0]["regions"]}
    assert {reg["region"] for reg in regions} == set(want)
    for reg in regions:  # the oblasts overlap along their borders, so they do not add up to the whole
        assert reg["area_a_km2"] == pytest.approx(want[reg["region"]]["total_km2"], abs=1e-5)
        # a clip in lon/lat moves the figures by up to 1e-5 of them (geo.area's docstring)
        assert reg["both_km2"] <= by.json()["both_km2"] * (1 + 1e-5)
    with capsys.disabled():
        r = run_cli("--layers", sources, "compare", "kursk", "kursk-recon", "--all")
        print("\n" + r.output)


def test_compare_in_force_reads_each_side_through_its_layer_in_force(run_cli, tmp_path):
    from pathlib import Path

    REPO_LAYERS = Path(__file__).resolve().parents[1] / "layers"
    root = tmp_path / "layers"
    shutil.copytree(REPO_LAYERS / "kursk", root / "kursk", ignore=shutil.ignore_patterns("cache", "lock"))
    shutil.copytree(REPO_LAYERS / "kursk", root / "kursk-b", ignore=shutil.ignore_patterns("cache", "lock"))
    # 2024-08-25 has no layer on either side: without --in-force an error, with it the layers of 2024-08-24
    bad = run_cli("--layers", root, "compare", "kursk", "kursk-b", "2024-08-25", "--json")
    assert bad.exit_code == 1
    r = run_cli("--layers", root, "compare", "kursk", "kursk-b", "2024-08-25", "--in-force", "--json")
    assert r.exit_code == 0, r.stderr
    j = r.json()
    assert (j["date"], j["date_a"], j["date_b"]) == ("2024-08-25", "2024-08-24", "2024-08-24")
    assert j["only_a_km2"] == 0 and j["only_b_km2"] == 0 and j["iou"] == 1
    s = run_cli("--layers", root, "compare", "kursk", "kursk-b", "--all", "--in-force", "--json").json()
    assert [d["date"] for d in s["dates"]] == sorted(p.stem for p in (root / "kursk").glob("20*.geojson"))
