"""Every command against both backends, a theatre's history round-tripped folder -> PostGIS -> folder, and
writers racing on the server.

The round trip must give back, byte for byte, the folder it started from: the log, every object, the current
files, theatre.toml and the context files (everything but the derived cache and the lock file; packs compared
version by version).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from common import SQUARE, TWO_STATUSES, layer, square

from geo.store import Store, open_store, verify


def write(path: Path, obj) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj))
    return path


def snapshot(root: Path) -> dict:
    """Every file's hash, with each pack opened into its versions (how versions fall into packs depends on the
    commits that wrote them, which a copy does not repeat: the versions and their binary forms must be equal)."""
    from geo.store.packs import OpenPack

    out = {}
    for p in sorted(root.rglob("*")):
        if not p.is_file() or p.name == "lock" or "cache" in p.relative_to(root).parts:
            continue
        if p.suffix == ".pack":
            op = OpenPack.of(p.stem, p.read_bytes())
            for d in op.digests():
                out[f"{p.parent.relative_to(root)}/{d}"] = (hashlib.sha256(op.geojson(d)).hexdigest(),
                                                            hashlib.sha256(op.blob(d)).hexdigest())
            continue
        out[str(p.relative_to(root))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


SETTLEMENTS = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"name": "Sudzha", "population": 5000},
     "geometry": {"type": "Point", "coordinates": [35.05, 51.05]}}]}


def build_history(loc, tmp_path: Path, run_cli) -> None:
    """A theatre 'demo' with a region, settlements, three dates and a revision, through the CLI."""
    region = write(tmp_path / "in" / "region.geojson", layer(square(34.0, 50.5, 2.0)))
    r = run_cli("--layers", loc, "init", "demo", "--title", "Demo", "--status", "held=Held:#1f6fb4",
                "--status", "contested=Contested", "--status", "front=Front line:#d62728:line", "--region", region)
    assert r.exit_code == 0, r.stderr
    r = run_cli("--layers", loc, "context", "demo", "settlements", write(tmp_path / "in" / "s.geojson", SETTLEMENTS))
    assert r.exit_code == 0, r.stderr
    files = [write(tmp_path / "in" / "a" / "2024-08-20.geojson", SQUARE),
             write(tmp_path / "in" / "a" / "2024-08-24.geojson", TWO_STATUSES)]
    r = run_cli("--layers", loc, "import", "demo", tmp_path / "in" / "a", "--source", "https://example.org/a")
    assert r.exit_code == 0, r.stderr
    r = run_cli("--layers", loc, "import", "demo", files[0], "--date", "2024-08-28", "--note", "no change")
    assert r.exit_code == 0, r.stderr
    bigger = layer(square(35.0, 51.0, 0.2), square(35.2, 51.0, status="contested"))
    r = run_cli("--layers", loc, "import", "demo", write(tmp_path / "in" / "b" / "2024-08-24.geojson", bigger),
                "--note", "revised")
    assert r.exit_code == 0, r.stderr


def test_every_command_on_both_backends(location, tmp_path, run_cli):
    build_history(location, tmp_path, run_cli)
    L = ("--layers", location)
    dates = [line.split()[0] for line in run_cli(*L, "dates", "demo").output.splitlines()]
    assert dates == ["2024-08-20", "2024-08-24", "2024-08-28"]
    hist = run_cli(*L, "history", "demo", "2024-08-24")
    assert hist.exit_code == 0 and "\nv2  " in hist.output and "revised" in hist.output
    first = open_store(location).history("demo", "2024-08-24")[0].recorded_at
    area = run_cli(*L, "area", "demo", "--all", "--json").json()
    assert [r["version"] for r in area["dates"]] == [1, 2, 1]
    assert area["dates"][1]["areas_km2"]["held"] == pytest.approx(4 * 78.0, rel=0.01)
    old = run_cli(*L, "area", "demo", "2024-08-24", "--as-of", first, "--json").json()
    assert old["dates"][0]["version"] == 1
    assert run_cli(*L, "area", "demo", "2024-08-22").exit_code == 1
    diff = run_cli(*L, "diff", "demo", "2024-08-20", "2024-08-24", "--json")
    assert diff.exit_code == 0, diff.stderr
    assert run_cli(*L, "changes", "demo", "--json").exit_code == 0
    places = run_cli(*L, "places", "demo", "Sudzha", "--json")
    assert places.exit_code == 0, places.stderr
    out = tmp_path / "maps" / "demo.html"
    r = run_cli(*L, "map", "demo", "2024-08-24", "--since", "2024-08-20", "-o", out)
    assert r.exit_code == 0, r.stderr
    assert "Sudzha" in out.read_text()
    r = run_cli(*L, "timeline", "demo", "-o", tmp_path / "maps" / "t.html")
    assert r.exit_code == 0, r.stderr
    v = run_cli(*L, "verify", "--json")
    assert v.exit_code == 0 and v.json()["theatres"][0]["versions"] == 4
    assert run_cli(*L, "init", "demo").exit_code == 2  # exists already
    assert run_cli(*L, "area", "nowhere").exit_code == 1


def test_both_backends_give_the_same_answers(pg_location, tmp_path, run_cli):
    folder = tmp_path / "layers"
    for loc, sub in ((str(folder), "f"), (pg_location, "p")):
        build_history(loc, tmp_path / sub, run_cli)
    for args in (["area", "demo", "--all", "--json"], ["diff", "demo", "2024-08-20", "2024-08-24", "--json"],
                 ["changes", "demo", "--json"], ["places", "demo", "Sudzha", "--json"], ["dates", "demo"]):
        a, b = run_cli("--layers", folder, *args), run_cli("--layers", pg_location, *args)
        assert a.exit_code == b.exit_code == 0
        assert a.output == b.output, args


def test_round_trip_folder_postgis_folder(pg_location, tmp_path, run_cli):
    start = tmp_path / "start"
    build_history(str(start), tmp_path, run_cli)
    r = run_cli("copy", start, pg_location, "demo")
    assert r.exit_code == 0 and "4 of 4 log entries" in r.output, r.output + r.stderr
    back = tmp_path / "back"
    r = run_cli("copy", pg_location, back, "--json")
    assert r.exit_code == 0 and r.json()["theatres"][0]["appended"] == 4
    assert snapshot(back) == snapshot(start)  # byte for byte: log, objects, current files, settings, context
    pg, f = open_store(pg_location), Store(start)
    assert pg.log("demo") == f.log("demo")
    assert verify(pg, "demo").ok and verify(Store(back), "demo").ok
    # nothing new: a second copy moves nothing; new entries move incrementally
    assert "0 of 4" in run_cli("copy", start, pg_location).output
    write(tmp_path / "c" / "2024-08-30.geojson", SQUARE)
    assert run_cli("--layers", pg_location, "import", "demo", tmp_path / "c" / "2024-08-30.geojson").exit_code == 0
    assert "1 of 5" in run_cli("copy", pg_location, start).output
    assert snapshot(start) != snapshot(back) and Store(start).log("demo") == pg.log("demo")
    # a destination with another history is refused
    write(tmp_path / "d" / "2024-08-31.geojson", SQUARE)
    assert run_cli("--layers", back, "import", "demo", tmp_path / "d" / "2024-08-31.geojson").exit_code == 0
    r = run_cli("copy", back, pg_location)
    assert r.exit_code == 2 and "differs" in r.stderr


# ---- writers racing -------------------------------------------------------------------------------------------------
WRITERS, PER_WRITER = 4, 25
DATES = [f"2024-09-{i + 1:02d}" for i in range(PER_WRITER)]


def _race_layer(w: int, i: int) -> dict:
    return layer(square(35.0 + 0.01 * w, 51.0 + 0.001 * i, 0.05, props={"writer": w, "i": i}))


def test_four_editors_import_the_same_dates_at_once(location, tmp_path, run_cli):
    """4 processes x 25 `frontline import` each, all on the same 25 dates: 100 versions, none lost, in order."""
    build_history(location, tmp_path, run_cli)
    before = len(open_store(location).log("demo"))
    files = [[write(tmp_path / f"w{w}" / f"{d}.geojson", _race_layer(w, i)) for i, d in enumerate(DATES)]
             for w in range(WRITERS)]
    errors: list = []

    def worker(w):
        for f in files[w]:
            p = subprocess.run([sys.executable, "-m", "geo.cli", "--layers", location, "import", "demo", str(f),
                                "--source", f"editor {w}"], capture_output=True, text=True)
            if p.returncode != 0:
                errors.append(p.stderr)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    s = open_store(location)
    log = s.log("demo")
    assert len(log) == before + WRITERS * PER_WRITER
    assert [e.seq for e in log] == list(range(1, len(log) + 1))
    for d in DATES:
        hist = s.history("demo", d)
        assert [e.version for e in hist] == [1, 2, 3, 4]
        assert sorted(e.source for e in hist) == [f"editor {w}" for w in range(WRITERS)]
    assert verify(s, "demo").ok
