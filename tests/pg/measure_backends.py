"""Measure both backends on the real series (not a test; the figures go into docs/postgis.md).

    FRONTLINE_TEST_PG=$(scripts/ensure-postgres) .venv/bin/python tests/pg/measure_backends.py

1. build the folder store of the 258 real daily layers (tests/conftest.py: make_real_store) in a temporary
   folder, and copy it to a fresh PostGIS schema;
2. time ``frontline area kursk --all`` on each, as a user runs it (a new process): the first run (nothing cached)
   and the median of three more (cached figures; the versions are still re-hashed);
3. time a 100-version concurrent import on each: 4 processes x 25 versions of the same 25 dates, each version its
   own commit (the store API, ``import_collection``), and the same through the CLI (4 workers running 25
   ``frontline import`` processes each).
Nothing is written into the repository; the real data are read from ../shared.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE.parents[1])]

WRITERS, PER_WRITER = 4, 25
DATES = [f"2024-09-{i + 1:02d}" for i in range(PER_WRITER)]


def _layer(w: int, i: int) -> dict:
    from common import layer, square

    return layer(square(35.0 + 0.01 * w, 51.0 + 0.001 * i, 0.05, props={"writer": w, "i": i}))


def _api_writer(location: str, w: int) -> None:
    from geo.importers import import_collection
    from geo.store import open_store

    s = open_store(location)
    for i, d in enumerate(DATES):
        import_collection(s, "race", _layer(w, i), date=d, source=f"editor {w}")


def frontline(*args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "geo.cli", *map(str, args)], capture_output=True, text=True,
                          env=env, check=True)


def time_area(location: str) -> dict:
    t0 = time.perf_counter()
    first = frontline("--layers", location, "area", "kursk", "--all")
    cold = time.perf_counter() - t0
    warm = []
    for _ in range(3):
        t0 = time.perf_counter()
        again = frontline("--layers", location, "area", "kursk", "--all")
        warm.append(time.perf_counter() - t0)
        assert again.stdout == first.stdout
    return {"first_s": round(cold, 2), "cached_median_s": round(statistics.median(warm), 2),
            "rows": len(first.stdout.splitlines())}


def race(location: str, tmp: Path) -> dict:
    from dataclasses import replace

    from common import THEATRE

    from geo.store import open_store, verify

    s = open_store(location)
    s.init(replace(THEATRE, name="race"))
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_api_writer, args=(location, w)) for w in range(WRITERS)]
    t0 = time.perf_counter()
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    api = time.perf_counter() - t0
    assert all(p.exitcode == 0 for p in procs)
    s = open_store(location)
    assert len(s.log("race")) == 100 and verify(s, "race").ok

    s.init(replace(THEATRE, name="race2"))
    files = []
    for w in range(WRITERS):
        mine = []
        for i, d in enumerate(DATES):
            f = tmp / f"race-{uuid.uuid4().hex[:6]}" / f"{d}.geojson"
            f.parent.mkdir(parents=True)
            f.write_text(json.dumps(_layer(w, i)))
            mine.append(f)
        files.append(mine)

    def worker(w):
        for f in files[w]:
            frontline("--layers", location, "import", "race2", f)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(WRITERS)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    cli = time.perf_counter() - t0
    s = open_store(location)
    assert len(s.log("race2")) == 100 and verify(s, "race2").ok
    return {"api_4x25_commits_s": round(api, 2), "cli_4x25_processes_s": round(cli, 2)}


def main() -> None:
    from conftest import make_real_store, need_shared_data

    from geo.store import Store, copy_theatre, open_store

    url = os.environ["FRONTLINE_TEST_PG"]
    schema = f"m_{uuid.uuid4().hex[:8]}"
    pg_loc = f"{url}{'&' if '?' in url else '?'}schema={schema}"
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmpd:
        tmp = Path(tmpd)
        t0 = time.perf_counter()
        root = make_real_store(tmp / "layers", need_shared_data())
        out["folder_import_258_s"] = round(time.perf_counter() - t0, 2)
        t0 = time.perf_counter()
        copy_theatre(Store(root), open_store(pg_loc), "kursk")
        out["copy_folder_to_postgis_s"] = round(time.perf_counter() - t0, 2)
        t0 = time.perf_counter()
        copy_theatre(open_store(pg_loc), Store(tmp / "back"), "kursk")
        out["copy_postgis_to_folder_s"] = round(time.perf_counter() - t0, 2)
        try:
            for name, loc in (("folder", str(root)), ("postgis", pg_loc)):
                out[name] = {"area_all": time_area(loc), "concurrent_import": race(loc, tmp)}
        finally:
            import psycopg

            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
