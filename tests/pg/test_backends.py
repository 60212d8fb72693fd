"""The store's promises on both backends: the scenarios of tests/test_store.py, and their PostGIS twins.

Scenarios that use only the store's interface are imported from tests/test_store.py as they are and run here
against the folder and against PostGIS (the ``store`` fixture of this folder's conftest is parametrised). Those
that reach into the folder's files there (corruption, interrupted writes) have PostGIS counterparts below that
reach into the tables instead.
"""

from __future__ import annotations

import json

import pytest
from common import EMPTY, SQUARE, THEATRE, TWO_STATUSES
from test_store import (  # noqa: F401  (collected again here, against both backends)
    test_a_null_geometry_round_trips_as_none,
    test_as_of_reproduces_the_store_as_it_stood,
    test_missing_date_names_the_nearest,
    test_recorded_at_must_move_forward,
    test_revision_keeps_every_version,
    test_shapes_read_the_binary_form_without_parsing_geojson,
    test_verify_sound_store,
)

from geo.errors import CorruptStore, InvalidInput, NotFound
from geo.store import canonical_bytes, copy_theatre, open_store, sha256, verify


def test_record_and_read_back(store):
    r = store.record("demo", "2024-08-24", SQUARE, source="s1", note="n1")
    assert r.created and r.entry.version == 1 and r.entry.sha256 == sha256(canonical_bytes(SQUARE))
    layer = store.read("demo", "2024-08-24")
    assert layer.collection == json.loads(canonical_bytes(SQUARE))
    assert (layer.source, layer.note, layer.version) == ("s1", "n1", 1)
    assert store.object_bytes("demo", r.entry.sha256) == canonical_bytes(SQUARE)


def test_identical_content_records_nothing(store):
    store.record("demo", "2024-08-24", SQUARE)
    before = store.log("demo")
    r = store.record("demo", "2024-08-24", json.loads(json.dumps(SQUARE)))
    assert not r.created and r.entry.version == 1
    assert store.log("demo") == before


def test_record_many_is_all_or_nothing(store):
    store.record("demo", "2024-08-24", SQUARE)
    with pytest.raises(InvalidInput):
        store.record_many("demo", [("2024-08-25", SQUARE, "", ""), ("2024-02-30", SQUARE, "", "")])
    assert store.dates("demo") == ["2024-08-24"]
    res = store.record_many("demo", [("2024-08-25", SQUARE, "a", ""), ("2024-08-25", EMPTY, "b", ""),
                                     ("2024-08-26", SQUARE, "c", "")])
    assert [r.entry.seq for r in res] == [2, 3, 4] and [r.entry.version for r in res] == [1, 2, 1]
    stamps = [e.recorded_at for e in store.log("demo")]
    assert stamps == sorted(set(stamps))


def test_names_that_leave_the_store_are_refused(store):
    for bad in ("../x", "/etc", "a/b", "..", "", "A"):
        with pytest.raises(InvalidInput):
            store.theatre(bad)
    with pytest.raises(NotFound):
        store.theatre("other")
    with pytest.raises(InvalidInput, match="already exists"):
        store.init(THEATRE)


def test_settings_files_and_context(store):
    from dataclasses import replace

    places = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Sudzha"}, "geometry": {"type": "Point",
                                                                          "coordinates": [35.27, 51.19]}}]}
    t = replace(store.theatre("demo"), context={"settlements": "context/settlements.geojson"})
    store.update_settings("demo", t, {"context/settlements.geojson": json.dumps(places).encode()})
    assert store.context("demo", "settlements") == places
    assert store.theatre("demo").context == {"settlements": "context/settlements.geojson"}
    assert store.theatre_files("demo") == {"context/settlements.geojson": json.dumps(places).encode()}
    assert store.context("demo", "border") is None


def test_concurrent_writers_all_land(location):
    import multiprocessing as mp

    from test_store import _writer

    s = open_store(location)
    s.init(THEATRE)
    ctx = mp.get_context("spawn")  # a PostGIS connection must not cross a fork; spawn suits both backends
    procs = [ctx.Process(target=_open_and_write, args=(location, k, 10)) for k in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert all(p.exitcode == 0 for p in procs), [p.exitcode for p in procs]
    s = open_store(location)
    assert len(s.log("demo")) == 30
    assert all(len(s.history("demo", f"2024-09-{k + 1:02d}")) == 10 for k in range(3))
    assert verify(s, "demo").ok
    assert _writer  # the folder's scenario, reused by _open_and_write


def _open_and_write(location, k, n):
    from geo.store import open_store

    s = open_store(location)
    for i in range(n):
        f = {"type": "Feature", "properties": {"status": "held", "writer": k, "i": i},
             "geometry": {"type": "Polygon", "coordinates": [[[35, 51], [35.1, 51], [35.1, 51.1], [35, 51]]]}}
        s.record("demo", f"2024-09-{k + 1:02d}", {"type": "FeatureCollection", "features": [f]})


def test_copy_refuses_a_different_history(location, tmp_path):
    from geo.store import Store

    src = Store(tmp_path / "src")
    src.init(THEATRE)
    src.record("demo", "2024-08-24", SQUARE)
    dest = open_store(location)
    dest.init(THEATRE)
    dest.record("demo", "2024-08-24", EMPTY)
    with pytest.raises(InvalidInput, match="history differs"):
        copy_theatre(src, dest, "demo")
    assert len(dest.log("demo")) == 1
    # a prefix is fine: the copy goes on from where the destination stands
    other = Store(tmp_path / "other")
    copy_theatre(src, other, "demo")
    src.record("demo", "2024-08-25", TWO_STATUSES)
    r = copy_theatre(src, other, "demo")
    assert (r.created, r.appended, r.total) == (False, 1, 2)
    assert other.log("demo") == src.log("demo")


# ---- PostGIS only: the tables ---------------------------------------------------------------------------------------
@pytest.fixture
def pg(pg_location):
    from geo.store.postgis import PgStore

    s = PgStore(pg_location)
    s.init(THEATRE)
    s.record("demo", "2024-08-24", SQUARE)
    s.record("demo", "2024-08-24", TWO_STATUSES)
    s.record("demo", "2024-08-25", SQUARE)
    yield s
    s.close()


def _tamper(pg, sql, *args):
    """Run ``sql`` past the append-only triggers and the foreign keys (as an owner who means it)."""
    with pg.conn.transaction():
        pg.conn.execute("SET LOCAL session_replication_role = replica")
        pg.conn.execute(sql, args)


@pytest.mark.parametrize("sql", [
    "UPDATE log SET note = 'edited' WHERE seq = 1",
    "DELETE FROM log WHERE seq = 3",
    "UPDATE versions SET data = 'x'::bytea || data",
    "DELETE FROM features",
    "TRUNCATE log",
])
def test_versions_and_log_cannot_be_changed(pg, sql):
    import psycopg

    with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
        pg.conn.execute(sql)
    assert len(pg.log("demo")) == 3 and verify(pg, "demo").ok


def _pg_corrupt_version(pg):
    d = pg.history("demo", "2024-08-24")[0].sha256
    _tamper(pg, "UPDATE versions SET data = overlay(data placing '9'::bytea from 11) WHERE sha256 = %s", d)


def _pg_delete_version(pg):
    d = pg.history("demo", "2024-08-24")[0].sha256
    _tamper(pg, "DELETE FROM features WHERE sha256 = %s", d)
    _tamper(pg, "DELETE FROM versions WHERE sha256 = %s", d)


def _pg_edit_log(pg):
    _tamper(pg, "UPDATE log SET source = 'rewritten' WHERE seq = 2")


def _pg_drop_last_entry(pg):
    _tamper(pg, "DELETE FROM log WHERE seq = 3")


def _pg_drop_middle_entry(pg):
    _tamper(pg, "DELETE FROM log WHERE seq = 2")


def _pg_drop_features(pg):
    _tamper(pg, "DELETE FROM features WHERE idx = 1")


def _pg_corrupt_shapes(pg):
    d = pg.history("demo", "2024-08-24")[0].sha256
    _tamper(pg, "UPDATE versions SET shapes = overlay(shapes placing '9'::bytea from 30) WHERE sha256 = %s", d)


def _pg_swap_shapes(pg):
    """A binary form that checks itself but is another version's (a writer's bug, or a copied row)."""
    a, b = (e.sha256 for e in pg.history("demo", "2024-08-24"))
    _tamper(pg, "UPDATE versions SET shapes = (SELECT shapes FROM versions WHERE sha256 = %s) WHERE sha256 = %s",
            b, a)


@pytest.mark.parametrize("corrupt,expect", [
    (_pg_corrupt_shapes, "binary form is corrupted"), (_pg_swap_shapes, "another version"),
    (_pg_corrupt_version, "corrupted"), (_pg_delete_version, "missing"), (_pg_edit_log, "checksum"),
    (_pg_drop_last_entry, "entries removed"), (_pg_drop_middle_entry, "has seq 3"), (_pg_drop_features, "feature rows"),
])
def test_verify_reports_corruption(pg, corrupt, expect):
    corrupt(pg)
    r = verify(pg, "demo")
    assert not r.ok
    assert any(expect in p for p in r.problems), r.problems


@pytest.mark.parametrize("corrupt", [_pg_corrupt_shapes, _pg_swap_shapes])
def test_reading_a_corrupted_binary_form_is_refused(pg, corrupt):
    corrupt(pg)
    e = pg.history("demo", "2024-08-24")[0]
    with pytest.raises(CorruptStore):
        pg.shapes("demo", e)
    with pytest.raises(CorruptStore):
        list(pg.iter_shapes("demo", [e]))


def test_shapes_are_the_same_on_both_backends(pg, tmp_path):
    from geo.store import Store

    folder = Store(tmp_path / "layers")
    copy_theatre(pg, folder, "demo")
    entries = pg.log("demo")
    def by_seq(it):  # each backend streams in its own storage order
        return sorted(it, key=lambda x: x.entry.seq)

    for a, b in zip(by_seq(pg.iter_shapes("demo", entries)), by_seq(folder.iter_shapes("demo", entries)),
                    strict=True):
        assert a.entry == b.entry and a.properties == b.properties
        assert pg.shape_form("demo", a.entry.sha256) == folder.shape_form("demo", b.entry.sha256)
    assert verify(folder, "demo").ok and verify(pg, "demo").ok


def test_a_schema_1_store_gains_the_column_and_reads_its_old_versions_by_parsing(pg):
    """A store written before binary forms: the column is added on first use, old rows (NULL) read by parsing."""
    from geo.store.postgis import PgStore

    _tamper(pg, "UPDATE versions SET shapes = NULL")
    pg.conn.execute("ALTER TABLE versions DROP COLUMN shapes")
    pg.conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    pg.close()
    again = PgStore(pg.url)
    try:
        e = again.history("demo", "2024-08-24")[0]
        assert again.shape_form("demo", e.sha256) is None
        assert again.shapes("demo", e).properties == [f["properties"] for f in
                                                      json.loads(again.object_bytes("demo", e.sha256))["features"]]
        r = verify(again, "demo")
        assert r.ok and any("no binary form" in n for n in r.notes), r
        again.record("demo", "2024-08-27", EMPTY)  # new content: stored with its binary form
        assert again.shape_form("demo", again.history("demo", "2024-08-27")[0].sha256) is not None
    finally:
        again.close()


def test_reading_a_corrupted_version_is_refused(pg):
    _pg_corrupt_version(pg)
    with pytest.raises(CorruptStore, match="corrupted"):
        pg.read("demo", "2024-08-24", version=1)


def test_a_changed_log_is_refused_for_reading_and_writing(pg):
    _pg_edit_log(pg)
    pg._log_cache.clear()
    with pytest.raises(CorruptStore, match="corrupt"):
        pg.log("demo")
    with pytest.raises(CorruptStore, match="refusing to write"):
        pg.record("demo", "2024-08-26", SQUARE)


def test_geometry_is_postgis_in_4326(pg):
    rows = pg.conn.execute("SELECT date::text, version, status, ST_SRID(geom), GeometryType(geom), "
                           "ST_Area(geom::geography) / 1e6 FROM current_features "
                           "ORDER BY date, idx").fetchall()
    assert rows == [("2024-08-24", 2, "held", 4326, "POLYGON", pytest.approx(78.006, abs=0.01)),
                    ("2024-08-24", 2, "contested", 4326, "POLYGON", pytest.approx(78.006, abs=0.01)),
                    ("2024-08-25", 1, "held", 4326, "POLYGON", pytest.approx(78.006, abs=0.01))]
    n = pg.conn.execute("SELECT count(*) FROM version_features").fetchone()[0]
    assert n == 4  # 1 + 2 + 1 features over the three log entries
    gids = pg.conn.execute("SELECT gid FROM version_features").fetchall()
    assert len(set(gids)) == n
    cols = pg.conn.execute("SELECT f_table_name, srid, type FROM geometry_columns WHERE f_table_schema = %s "
                           "ORDER BY 1", (pg.schema,)).fetchall()
    assert cols == [("current_features", 4326, "GEOMETRY"), ("features", 4326, "GEOMETRY"),
                    ("version_features", 4326, "GEOMETRY")]


def test_server_down_is_a_temporary_error():
    from geo.store.postgis import PgStore, StoreUnavailable

    s = PgStore("postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(StoreUnavailable) as exc:
        s.theatres()
    assert exc.value.exit_code == 75


def test_a_read_only_role_reads_and_is_refused_writing(pg, tmp_path, run_cli):
    """A desk's readers (QGIS users, the publishing job) get SELECT only: reads work, a write exits 3."""
    import uuid
    from urllib.parse import urlsplit, urlunsplit

    role = f"reader_{uuid.uuid4().hex[:8]}"
    pg.conn.execute(f"CREATE ROLE {role} LOGIN")
    try:
        pg.conn.execute(f'GRANT USAGE ON SCHEMA "{pg.schema}" TO {role}')
        pg.conn.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{pg.schema}" TO {role}')
        parts = urlsplit(pg.url)
        url = urlunsplit(parts._replace(netloc=f"{role}@{parts.netloc.rsplit('@', 1)[-1]}"))
        r = run_cli("--layers", url, "area", "demo", "--all", "--json")
        assert r.exit_code == 0 and len(r.json()["dates"]) == 2
        assert run_cli("--layers", url, "verify").exit_code == 0
        f = tmp_path / "2024-08-30.geojson"
        f.write_text(json.dumps(SQUARE))
        r = run_cli("--layers", url, "import", "demo", f)
        assert r.exit_code == 3 and "permission denied" in r.stderr
        assert len(pg.log("demo")) == 3
    finally:
        pg.conn.execute(f'DROP OWNED BY {role}')
        pg.conn.execute(f"DROP ROLE {role}")


def _first_use(location, k):
    from geo.store.postgis import PgStore
    from geo.theatre import Status, Theatre

    s = PgStore(location)
    s.init(Theatre(f"t{k}", f"T{k}", (Status("held", "Held", "#112233"),)))


def test_first_users_of_a_fresh_schema_create_it_once(pg_location):
    """Four processes opening an empty schema at once: one creates it, all use it."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_first_use, args=(pg_location, k)) for k in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    assert open_store(pg_location).theatres() == ["t0", "t1", "t2", "t3"]
