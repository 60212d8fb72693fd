"""An import in worker processes writes what an import in one process writes, and fails the same way.

``geo.importers.import_paths`` reads, validates and encodes files in ``jobs`` processes; the commit stays in the
calling process. These tests compare ``jobs=1`` and ``jobs=2`` byte for byte (the packs are named by the sha256
of their bytes, so equal names are equal contents), on the bundled layers and on the real series.
"""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest
import shapely
from common import layer, square, write
from conftest import REPO, make_real_store, need_shared_data, need_ukraine_data

from geo.errors import InvalidInput, ValidationError
from geo.geomio import to_shapely
from geo.importers import POOL_MIN_FILES, ImportOptions, import_jobs, import_paths
from geo.store import Store, encode_layer
from geo.store.packs import shapes_blob
from geo.theatre import Status, Theatre
from geo.validate import validate_layer

BUNDLED = REPO / "layers" / "kursk"


def _bundled_store(root: Path) -> Store:
    shutil.copytree(BUNDLED / "context", root / "k" / "context")
    (root / "k" / "theatre.toml").write_text((BUNDLED / "theatre.toml").read_text())
    return Store(root)


def _contents(root: Path, name: str) -> dict:
    """What an import wrote, without the clock: each entry's fields but its time (and so its chain), the packs'
    names, the current files' bytes."""
    tdir = root / name
    log = [json.loads(x) for x in (tdir / ".frontline" / "log.jsonl").read_text().splitlines()]
    entries = [{k: v for k, v in e.items() if k not in ("recorded_at", "prev", "check")} for e in log]
    packs = sorted(p.name for p in (tdir / ".frontline").rglob("*.pack"))
    currents = {p.name: p.read_bytes() for p in sorted(tdir.glob("*.geojson"))}
    return {"entries": entries, "packs": packs, "currents": currents}


def test_the_bundled_layers_imported_in_two_processes_equal_one(tmp_path):
    files = sorted(BUNDLED.glob("*.geojson"))
    assert len(files) >= POOL_MIN_FILES  # else the pool would not start and this would compare nothing
    out = {}
    for jobs in (1, 2):
        store = _bundled_store(tmp_path / f"j{jobs}")
        res = import_paths(store, "k", [BUNDLED], ImportOptions(source="bundled"), jobs=jobs)
        assert len(res) == len(files) and all(r.created for _, r in res)
        assert [p.path for p, _ in res] == [str(f) for f in files]
        assert store.verify("k").ok
        out[jobs] = _contents(tmp_path / f"j{jobs}", "k")
    assert out[1] == out[2]
    assert out[1]["packs"]


def test_a_bad_file_fails_the_same_way_in_two_processes_and_writes_nothing(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for i in range(POOL_MIN_FILES + 4):
        write(src / f"2024-08-{10 + i:02d}.geojson", layer(square(34.5 + 0.01 * i, 51.0, 0.2)))
    bad = src / "2024-08-15.geojson"
    bad.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"status": "held"},
         "geometry": {"type": "Polygon", "coordinates": [[[34.5, 51.0], [34.6, 51.0], [34.6, 51.1]]]}}]}))
    errors = {}
    for jobs in (1, 2):
        root = tmp_path / f"j{jobs}"
        store = Store(root)
        store.init(Theatre.from_toml((BUNDLED / "theatre.toml").read_text(), "k"))
        before = sorted((p.relative_to(root), p.read_bytes()) for p in root.rglob("*") if p.is_file())
        with pytest.raises(ValidationError) as exc:
            import_paths(store, "k", [src], ImportOptions(status="ua_controlled"), jobs=jobs)
        errors[jobs] = (type(exc.value), str(exc.value), exc.value.exit_code, exc.value.where, exc.value.feature)
        after = sorted((p.relative_to(root), p.read_bytes()) for p in root.rglob("*") if p.is_file())
        assert after == before
    assert errors[1] == errors[2]
    assert "2024-08-15.geojson" in errors[1][1] and "closed ring needs at least 4" in errors[1][1]


def test_with_threads_running_the_workers_come_from_a_fork_server(tmp_path, monkeypatch):
    """A notebook kernel runs threads; a fork would copy them mid-flight, so the pool must not fork then."""
    import multiprocessing

    seen = []
    real = multiprocessing.get_context
    monkeypatch.setattr(multiprocessing, "get_context", lambda m=None: seen.append(m) or real(m))
    stop = threading.Event()
    t = threading.Thread(target=stop.wait, daemon=True)
    t.start()
    try:
        store = _bundled_store(tmp_path / "t")
        import_paths(store, "k", [BUNDLED], ImportOptions(source="bundled"), jobs=2)
    finally:
        stop.set()
        t.join()
    assert seen == ["forkserver"]
    store1 = _bundled_store(tmp_path / "one")
    import_paths(store1, "k", [BUNDLED], ImportOptions(source="bundled"), jobs=1)
    assert _contents(tmp_path / "t", "k") == _contents(tmp_path / "one", "k")


def test_jobs_from_the_environment(monkeypatch):
    monkeypatch.setenv("FRONTLINE_JOBS", "3")
    assert import_jobs() == 3
    assert import_jobs(1) == 1
    monkeypatch.setenv("FRONTLINE_JOBS", "many")
    with pytest.raises(InvalidInput, match="FRONTLINE_JOBS='many'"):
        import_jobs()
    monkeypatch.setenv("FRONTLINE_JOBS", "0")
    with pytest.raises(InvalidInput, match="at least 1"):
        import_jobs()
    monkeypatch.delenv("FRONTLINE_JOBS")
    assert 1 <= import_jobs() <= 8


def test_the_cli_takes_jobs(tmp_path, run_cli):
    outs = []
    for jobs in ("1", "2"):
        root = tmp_path / f"j{jobs}"
        _bundled_store(root)
        r = run_cli("--layers", root, "import", "k", BUNDLED, "--jobs", jobs, "--json")
        assert r.exit_code == 0, r.stderr
        outs.append(r.json())
    assert outs[0] == outs[1] and outs[0]["imported"]
    r = run_cli("--layers", tmp_path / "j1", "import", "k", BUNDLED, "--jobs", "0")
    assert r.exit_code == 2 and "--jobs" in r.stderr


def _check_shapes(collection, theatre, **kw):
    v = validate_layer(collection, theatre, **kw)
    assert len(v.shapes) == len(v.collection["features"])
    handed = shapely.to_wkb(v.shapes, output_dimension=3)
    parsed = [shapely.from_geojson(json.dumps(f["geometry"])) for f in v.collection["features"]]
    assert list(handed) == list(shapely.to_wkb(parsed, output_dimension=3))
    assert list(handed) == list(shapely.to_wkb([to_shapely(f["geometry"]) for f in v.collection["features"]],
                                               output_dimension=3))
    enc = encode_layer(v.collection, v.shapes)
    assert enc.blob == shapes_blob(enc.sha256, v.collection)  # the same binary form as from the GeoJSON


def test_validation_hands_over_the_geometries_geos_reads_from_its_output():
    """The store makes the binary form from the validation's geometries: they must be GEOS's reading of the
    normalised GeoJSON, for areas (re-oriented, repaired) and lines alike, 2-D and 3-D input."""
    t = Theatre("demo", "Demo", (Status("held", "Held", "#1f6fb4"), Status("front", "Front", "#d62728", "line")))
    held, line = "held", "front"
    cw = [[34.5, 51.0], [34.5, 51.2], [34.7, 51.2], [34.7, 51.0], [34.5, 51.0]]  # clockwise: re-oriented
    bow = [[34.5, 51.0], [34.7, 51.2], [34.7, 51.0], [34.5, 51.2], [34.5, 51.0]]  # a bow tie: repaired
    feats = [
        {"type": "Feature", "properties": {"status": held}, "geometry": {"type": "Polygon", "coordinates": [cw]}},
        {"type": "Feature", "properties": {"status": held},
         "geometry": {"type": "Polygon", "coordinates": [[[x, y, 5.0] for x, y in cw]]}},
        {"type": "Feature", "properties": {"status": held}, "geometry": {"type": "Polygon", "coordinates": [bow]}},
        {"type": "Feature", "properties": {"status": line},
         "geometry": {"type": "MultiLineString", "coordinates": [[[34, 51], [34.5, 51.25]], [[35.0, 51], [35, 52]]]}},
    ]
    _check_shapes({"type": "FeatureCollection", "features": feats}, t, repair=True)


@pytest.mark.parametrize("series", ["kursk", "ukraine"])
def test_validation_hands_over_geos_geometries_on_every_real_layer(series):
    if series == "kursk":  # the statuses of conftest.make_real_store, lines among them
        folder = need_shared_data() / "deepstate" / "daily"
        t = Theatre("kursk", "Kursk", (Status("ua_controlled", "Ukrainian-held", "#1f6fb4"),
                                       Status("grey_zone", "Contested", "#9e9e9e"),
                                       Status("contact_line", "Front line", "#d62728", "line")))
        kw = {}
    else:
        folder = need_ukraine_data() / "deepstate" / "daily"
        t = Theatre("ua", "UA", (Status("ru_occupied", "Russian-occupied", "#d62728"),))
        kw = {"status": "ru_occupied"}
    files = sorted(folder.glob("*.geojson"))
    assert files
    for f in files:
        _check_shapes(json.loads(f.read_text()), t, **kw)


def test_the_real_kursk_series_in_two_processes_equals_one(tmp_path, monkeypatch):
    shared = need_shared_data()
    out = {}
    for jobs in ("1", "2"):
        monkeypatch.setenv("FRONTLINE_JOBS", jobs)
        root = make_real_store(tmp_path / f"j{jobs}", shared)
        out[jobs] = _contents(root, "kursk")
    assert out["1"] == out["2"] and len(out["1"]["entries"]) > 200


def test_an_encoded_layer_whose_bytes_do_not_hash_to_it_is_refused(tmp_path):
    import dataclasses

    store = _bundled_store(tmp_path / "s")
    coll = json.loads(sorted(BUNDLED.glob("*.geojson"))[0].read_text())
    enc = encode_layer(coll)
    bad = dataclasses.replace(enc, data=enc.data.replace(b"}", b" }", 1))
    with pytest.raises(InvalidInput, match="do not hash to its sha256"):
        store.record_many("k", [("2024-08-06", bad, "", "")])
    assert not (tmp_path / "s" / "k" / ".frontline" / "log.jsonl").exists()
    store.record_many("k", [("2024-08-06", enc, "", "")])
    assert store.entry("k", "2024-08-06").sha256 == enc.sha256
