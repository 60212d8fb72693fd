import hashlib
import json
import multiprocessing as mp
import time

import pytest
from common import EMPTY, SQUARE, THEATRE, TWO_STATUSES

from geo.errors import CorruptStore, InvalidInput, NoLayerOnDate, NotFound
from geo.store import Store, canonical_bytes, parse_timestamp, verify


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "layers")
    s.init(THEATRE)
    return s


def snapshot(root):
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != "lock"}


def test_record_and_read_back(store):
    r = store.record("demo", "2024-08-24", SQUARE, source="s1", note="n1")
    assert r.created and r.entry.version == 1
    layer = store.read("demo", "2024-08-24")
    assert layer.collection == json.loads(canonical_bytes(SQUARE))
    assert (layer.source, layer.note, layer.version) == ("s1", "n1", 1)
    # the current file is plain GeoJSON with exactly the version's bytes
    cur = store.theatre_dir("demo") / "2024-08-24.geojson"
    assert hashlib.sha256(cur.read_bytes()).hexdigest() == r.entry.sha256
    assert json.loads(cur.read_text())["type"] == "FeatureCollection"


def test_revision_keeps_every_version(store):
    store.record("demo", "2024-08-24", SQUARE)
    store.record("demo", "2024-08-24", TWO_STATUSES)
    store.record("demo", "2024-08-24", EMPTY)
    hist = store.history("demo", "2024-08-24")
    assert [e.version for e in hist] == [1, 2, 3]
    for e in hist:  # every version still readable
        assert store.read("demo", "2024-08-24", version=e.version).sha256 == e.sha256
    assert store.read("demo", "2024-08-24").collection == EMPTY | {}


def test_identical_content_records_nothing(store):
    store.record("demo", "2024-08-24", SQUARE)
    before = snapshot(store.root)
    r = store.record("demo", "2024-08-24", json.loads(json.dumps(SQUARE)))
    assert not r.created and r.entry.version == 1
    assert snapshot(store.root) == before


def test_as_of_reproduces_the_store_as_it_stood(store):
    store.record("demo", "2024-08-24", SQUARE)
    t1 = store.history("demo", "2024-08-24")[-1].recorded_at
    store.record("demo", "2024-08-25", SQUARE)
    store.record("demo", "2024-08-24", TWO_STATUSES)
    assert store.read("demo", "2024-08-24", as_of=t1).version == 1
    assert store.read("demo", "2024-08-24").version == 2
    assert store.dates("demo", as_of=t1) == ["2024-08-24"]
    with pytest.raises(NoLayerOnDate):
        store.read("demo", "2024-08-25", as_of=t1)
    with pytest.raises(NoLayerOnDate):
        store.read("demo", "2024-08-24", as_of="2000-01-01T00:00:00.000000Z")


def test_missing_date_names_the_nearest(store):
    store.record("demo", "2024-08-20", SQUARE)
    store.record("demo", "2024-08-28", SQUARE)
    with pytest.raises(NoLayerOnDate, match="nearest: 2024-08-20, 2024-08-28"):
        store.read("demo", "2024-08-24")


def test_in_force_reads_the_latest_layer_before_never_after(store):
    store.record("demo", "2024-08-20", SQUARE)
    store.record("demo", "2024-08-28", TWO_STATUSES)
    assert store.entry("demo", "2024-08-24", in_force=True).date == "2024-08-20"
    assert store.read("demo", "2024-08-27", in_force=True).collection == store.read("demo", "2024-08-20").collection
    assert store.entry("demo", "2024-08-28", in_force=True).date == "2024-08-28"
    assert store.entry("demo", "2030-01-01", in_force=True).date == "2024-08-28"
    with pytest.raises(NoLayerOnDate, match="no layer in force on 2024-08-19: its first layer is of 2024-08-20"):
        store.entry("demo", "2024-08-19", in_force=True)
    t1 = store.history("demo", "2024-08-20")[-1].recorded_at
    assert store.entry("demo", "2030-01-01", in_force=True, as_of=t1).date == "2024-08-20"


def test_an_as_of_before_every_recording_says_so(store):
    store.record("demo", "2024-08-20", SQUARE)
    first = store.log("demo")[0].recorded_at
    with pytest.raises(NotFound, match=f"no layer recorded by 2000-01-01T00:00:00.000000Z: the first was recorded "
                                       f"at {first} \\(--as-of is the time the store was written"):
        store.require_latest("demo", as_of="2000-01-01T00:00:00.000000Z")
    assert list(store.require_latest("demo")) == ["2024-08-20"]


def test_names_that_leave_the_store_are_refused(store):
    for bad in ("../x", "/etc", "a/b", "..", "", "A"):
        with pytest.raises(InvalidInput):
            store.theatre_dir(bad)
    with pytest.raises(NotFound):
        store.theatre("other")


def test_verify_sound_store(store):
    store.record("demo", "2024-08-24", SQUARE)
    store.record("demo", "2024-08-24", EMPTY)
    r = verify(store, "demo")
    assert r.ok and r.versions == 2 and r.dates == 1


def _pack_of(store, digest):
    return store.packs_dir("demo") / f"{store.pack_map('demo')[digest][0]}.pack"


def _corrupt_object(store):
    e = store.history("demo", "2024-08-24")[0]
    p = _pack_of(store, e.sha256)
    data = bytearray(p.read_bytes())
    data[-10] ^= 0x01  # inside the packed streams
    p.write_bytes(bytes(data))


def _delete_object(store):
    _pack_of(store, store.history("demo", "2024-08-24")[0].sha256).unlink()


def _truncate_log(store):
    p = store.theatre_dir("demo") / ".frontline" / "log.jsonl"
    p.write_bytes(p.read_bytes()[:-40])


def _edit_current(store):
    p = store.theatre_dir("demo") / "2024-08-25.geojson"
    p.write_text(p.read_text().replace("51.0", "51.01"))


def _drop_last_log_line(store):
    p = store.theatre_dir("demo") / ".frontline" / "log.jsonl"
    lines = p.read_bytes().splitlines(keepends=True)
    p.write_bytes(b"".join(lines[:-1]))


@pytest.mark.parametrize("corrupt,expect", [
    (_corrupt_object, "corrupted"), (_delete_object, "missing"), (_truncate_log, "truncated"),
    (_edit_current, "edited by hand"), (_drop_last_log_line, "no recorded version"),
])
def test_verify_reports_corruption(store, corrupt, expect):
    store.record("demo", "2024-08-24", SQUARE)
    store.record("demo", "2024-08-24", TWO_STATUSES)
    store.record("demo", "2024-08-25", SQUARE)
    corrupt(store)
    r = verify(store, "demo")
    assert not r.ok
    assert any(expect in p for p in r.problems), r.problems


def test_reading_a_corrupted_version_is_refused(store):
    store.record("demo", "2024-08-24", SQUARE)
    _corrupt_object(store)
    with pytest.raises(CorruptStore, match="corrupted"):
        store.read("demo", "2024-08-24")


def test_interrupted_write_is_rolled_forward(store):
    store.record("demo", "2024-08-24", SQUARE)
    v1 = (store.theatre_dir("demo") / "2024-08-24.geojson").read_bytes()
    store.record("demo", "2024-08-24", TWO_STATUSES)
    # simulate a kill between the log commit and the current-file rename
    (store.theatre_dir("demo") / "2024-08-24.geojson").write_bytes(v1)
    r = verify(store, "demo")
    assert r.ok and any("rolled forward" in n for n in r.notes)
    assert hashlib.sha256((store.theatre_dir("demo") / "2024-08-24.geojson").read_bytes()).hexdigest() == \
        store.history("demo", "2024-08-24")[-1].sha256


def test_recorded_at_must_move_forward(store):
    store.record("demo", "2024-08-24", SQUARE, recorded_at="2026-01-01T00:00:00Z")
    with pytest.raises(InvalidInput, match="not after"):
        store.record("demo", "2024-08-25", SQUARE, recorded_at="2025-01-01T00:00:00Z")


def test_parse_timestamp():
    assert parse_timestamp("2024-08-24") == "2024-08-24T23:59:59.999999Z"
    with pytest.raises(InvalidInput):
        parse_timestamp("yesterday")


def _writer(root, k, n):
    s = Store(root)
    for i in range(n):
        f = {"type": "Feature", "properties": {"status": "held", "writer": k, "i": i},
             "geometry": {"type": "Polygon", "coordinates": [[[35, 51], [35.1, 51], [35.1, 51.1], [35, 51]]]}}
        s.record("demo", f"2024-09-{k + 1:02d}", {"type": "FeatureCollection", "features": [f]})


def test_concurrent_writers_all_land(store):
    ctx = mp.get_context("fork")
    procs = [ctx.Process(target=_writer, args=(store.root, k, 10)) for k in range(3)]
    t0 = time.monotonic()
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert all(p.exitcode == 0 for p in procs), [p.exitcode for p in procs]
    assert time.monotonic() - t0 < 60
    s = Store(store.root)
    assert len(s.log("demo")) == 30
    assert all(len(s.history("demo", f"2024-09-{k + 1:02d}")) == 10 for k in range(3))
    assert verify(s, "demo").ok


def test_results_cache_lives_where_its_docstring_says(tmp_path, monkeypatch):
    """geo.results decides where results go: $FRONTLINE_CACHE_DIR, else the folder's theatre, else (PostGIS) a
    per-user folder named by the URL without its password."""
    from geo.results import cache_dir, results_cache
    from geo.store.postgis import PgStore

    monkeypatch.delenv("FRONTLINE_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    folder = Store(tmp_path / "layers")
    assert cache_dir(folder, "demo") == tmp_path / "layers" / "demo" / ".frontline" / "cache"
    a = cache_dir(PgStore("postgresql://ed:secret@db/desk"), "demo")
    b = cache_dir(PgStore("postgresql://ed:other@db/desk"), "demo")
    c = cache_dir(PgStore("postgresql://ed@db/desk?schema=two"), "demo")
    assert a == b != c and a.parent.parent == tmp_path / "xdg" / "frontline" and "secret" not in str(a)
    monkeypatch.setenv("FRONTLINE_CACHE_DIR", str(tmp_path / "c"))
    assert cache_dir(folder, "demo") == cache_dir(PgStore("postgresql://db/x"), "demo") == tmp_path / "c" / "demo"
    cache = results_cache(folder, "demo", "area")
    cache.put("k", {"v": 1})
    cache.save()
    assert results_cache(folder, "demo", "area").get("k") == {"v": 1}
    monkeypatch.setenv("FRONTLINE_NO_CACHE", "1")
    cache = results_cache(folder, "demo", "area")
    cache.put("k2", 2)
    cache.save()
    assert results_cache(folder, "demo", "area").get("k2") is None


# ---- binary forms and packs ----------------------------------------------------------------------------------
def _layers(n):
    """n layers like consecutive days: a square whose east edge moves, one with a null-geometry feature."""
    out = []
    for i in range(n):
        x = 35.1 + i / 1000
        sq = {"type": "Feature", "properties": {"status": "held", "i": i},
              "geometry": {"type": "Polygon", "coordinates": [[[35, 51], [x, 51], [x, 51.1], [35, 51.1], [35, 51]]]}}
        out.append({"type": "FeatureCollection", "features": [sq]})
    return out


def test_shapes_read_the_binary_form_without_parsing_geojson(store, monkeypatch):
    import json as json_module

    import shapely

    store.record("demo", "2024-08-24", SQUARE)
    store.record("demo", "2024-08-25", EMPTY)
    e, empty = store.entry("demo", "2024-08-24"), store.entry("demo", "2024-08-25")
    want = [shapely.from_geojson(json_module.dumps(f["geometry"])) for f in SQUARE["features"]]

    def no_parse(*a, **k):
        raise AssertionError("a GeoJSON parse")

    monkeypatch.setattr(shapely, "from_geojson", no_parse)
    monkeypatch.setattr(json_module, "loads", no_parse)
    monkeypatch.setattr("geo.store.packs.json.loads", lambda b: json_module.JSONDecoder().decode(b.decode()))
    got = store.shapes("demo", e)
    assert got.entry == e and len(got) == len(SQUARE["features"])
    assert [p for p in got.properties] == [f["properties"] for f in SQUARE["features"]]
    assert all(shapely.equals_exact(a, b, 0) for a, b in zip(got.geometries, want, strict=True))
    assert len(store.shapes("demo", empty)) == 0


def test_a_null_geometry_round_trips_as_none(store):
    layer = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": None, "geometry": None}, *SQUARE["features"]]}
    store.record("demo", "2024-08-24", layer)  # record takes layers already validated; null geometry allowed
    got = store.shapes("demo", store.entry("demo", "2024-08-24"))
    assert got.geometries[0] is None and got.geometries[1] is not None and got.properties[0] == {}
    assert verify(store, "demo").ok


def test_a_commit_writes_packs_of_at_most_32_versions_and_streams_pack_by_pack(store):
    from geo.store import packs

    layers = _layers(70)
    store.record_many("demo", [(f"2024-{7 + i // 28:02d}-{1 + i % 28:02d}", c, "", "") for i, c in enumerate(layers)])
    pfiles = sorted(store.packs_dir("demo").glob("*.pack"))
    assert len(pfiles) == 3 and not list((store.theatre_dir("demo") / ".frontline" / "objects").glob("??/*"))
    for f in pfiles:
        assert hashlib.sha256(f.read_bytes()).hexdigest() == f.stem
    sizes = sorted(len(packs.pack_index(f.read_bytes())["versions"]) for f in pfiles)
    assert sizes == [6, 32, 32]
    entries = list(store.latest("demo").values())
    opened = []
    real = store.open_pack

    def counting(name, pack):
        held = getattr(store._held, "pack", None)  # the pack this thread holds decompressed
        if held is None or held.name != pack:
            opened.append(pack)
        return real(name, pack)

    store.open_pack = counting
    got = list(store.iter_shapes("demo", entries[::-1]))  # asked backwards: still pack by pack
    assert len(opened) == 3 and sorted(g.entry.seq for g in got) == [e.seq for e in entries]
    assert [g.properties[0]["i"] for g in sorted(got, key=lambda g: g.entry.seq)] == list(range(70))
    layers_read = list(store.iter_layers("demo", entries))
    assert [x.collection for x in sorted(layers_read, key=lambda x: x.date)] == \
        [store.read("demo", e.date).collection for e in entries]
    assert verify(store, "demo").ok


def _flip_in(store, where):
    """Flip a byte of the pack holding 2024-08-24's version: in its index, its GeoJSON or its binary forms."""
    from geo.store import packs

    p = _pack_of(store, store.entry("demo", "2024-08-24").sha256)
    data = bytearray(p.read_bytes())
    index = packs.pack_index(bytes(data))
    base = index["start"]
    at = {"index": len(packs.PACK_MAGIC) + 5, "geojson": base + index["geojson"][1] // 2,
          "shapes": base + index["shapes"][0] + index["shapes"][1] // 2}[where]
    data[at] ^= 0x04
    p.write_bytes(bytes(data))


@pytest.mark.parametrize("where", ["index", "geojson", "shapes"])
def test_a_flipped_byte_in_a_pack_is_refused_and_reported(store, where):
    store.record("demo", "2024-08-24", SQUARE)
    _flip_in(store, where)
    s = Store(store.root)  # a fresh reader: nothing cached
    e = s.log("demo")[0]
    for read in (lambda: s.read("demo", "2024-08-24"), lambda: s.shapes("demo", e),
                 lambda: list(s.iter_shapes("demo", [e]))):
        with pytest.raises(CorruptStore):
            read()
    r = verify(s, "demo")
    assert not r.ok and any("corrupted" in p or "missing" in p for p in r.problems), r.problems


def test_a_binary_form_that_disagrees_with_its_object_is_a_problem(store, monkeypatch):
    from geo.store import packs

    real = packs.shapes_blob

    def wrong(digest, collection, geometries=None):  # a writer's bug: the WKB of another geometry
        other = {"type": "FeatureCollection", "features": [
            {**f, "geometry": {"type": "Point", "coordinates": [0, 0]}} for f in collection["features"]]}
        return real(digest, other)

    monkeypatch.setattr("geo.store.base.shapes_blob", wrong)
    store.record("demo", "2024-08-24", SQUARE)
    monkeypatch.undo()
    r = verify(store, "demo")
    assert any("geometries differ" in p for p in r.problems), r.problems


def test_an_old_store_with_loose_objects_reads_by_parsing_and_verify_notes_it(store):
    from geo.store.files import _atomic_write

    store.record("demo", "2024-08-24", SQUARE)
    e = store.entry("demo", "2024-08-24")
    data = store.object_bytes("demo", e.sha256)
    for f in store.packs_dir("demo").glob("*.pack"):  # turn it into a store of before packs: loose objects only
        f.unlink()
    _atomic_write(store.object_path("demo", e.sha256), data)
    s = Store(store.root)
    assert s.read("demo", "2024-08-24").collection == json.loads(data)
    assert s.shapes("demo", e).properties == [f["properties"] for f in SQUARE["features"]]
    r = verify(s, "demo")
    assert r.ok and any("no binary form" in n for n in r.notes), r.notes
    s.record("demo", "2024-08-25", EMPTY)  # a new commit packs only what is new
    assert len(list(s.packs_dir("demo").glob("*.pack"))) == 1 and verify(s, "demo").ok


def test_a_pack_left_by_an_interrupted_import_is_noted_then_reused(store):
    from geo.store import packs
    from geo.store.files import _atomic_write

    c = SQUARE
    data = canonical_bytes(c)
    digest = hashlib.sha256(data).hexdigest()
    pack = packs.make_pack([(digest, data, packs.shapes_blob(digest, c))])
    _atomic_write(store.packs_dir("demo") / f"{hashlib.sha256(pack).hexdigest()}.pack", pack)  # killed before the log
    r = verify(store, "demo")
    assert r.ok and any("unreferenced pack" in n for n in r.notes)
    store.record("demo", "2024-08-24", c)
    assert len(list(store.packs_dir("demo").glob("*.pack"))) == 1
    r = verify(store, "demo")
    assert r.ok and not any("unreferenced" in n for n in r.notes)
