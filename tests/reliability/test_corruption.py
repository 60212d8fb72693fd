"""Corruption of a store on disk: ``verify`` names it with exit 1, reads refuse it, never a wrong figure.

Decision (written here and in RELIABILITY.md): a *current file* edited by hand is a problem for ``verify``, but
reads never use current files; they use the recorded, hashed versions, so ``area`` keeps giving the recorded
figure (not the edited one) and exits 0.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest

from .conftest import add_figure, count
from .helpers import layer, run_cli, write_json
from .open_bugs import xfail_if_open

DATES = ("2024-08-10", "2024-08-11", "2024-08-12")
NO_CACHE = {"FRONTLINE_NO_CACHE": "1"}


def cli(root, *args, env=None):
    return run_cli(["--layers", str(root), *args], env=env)


def area_json(root, *args, env=NO_CACHE):
    res = cli(root, "area", "kursk", *args, "--json", env=env)
    return res, (json.loads(res.stdout) if res.exit_code == 0 else None)


@pytest.fixture
def hist(store_root, tmp_path):
    """Three dates; the first holds three versions. Returns (root, log entries, as-of stamps, figures)."""
    seed = 0
    for d in DATES:
        for _ in range(3 if d == DATES[0] else 1):
            seed += 1
            f = write_json(tmp_path / "in" / str(seed) / f"{d}.geojson", layer(seed, features=2 + seed % 3))
            assert cli(store_root, "import", "kursk", str(f)).exit_code == 0
    log = [json.loads(x) for x in (store_root / "kursk" / ".frontline" / "log.jsonl").read_text().splitlines()]
    stamps = [e["recorded_at"] for e in log]
    figures = {}
    for t in stamps:
        res, doc = area_json(store_root, "--all", "--as-of", t)
        assert res.exit_code == 0, res
        figures[t] = doc["dates"]
    return store_root, log, stamps, figures


def objects(root: Path, log) -> list[Path]:
    """The file holding each entry's version: its pack (each import of one file here is one commit, one pack)."""
    from geo.store import Store

    pmap = Store(root).pack_map("kursk")
    paths = [root / "kursk" / ".frontline" / "objects" / "packs" / f"{pmap[e['sha256']][0]}.pack" for e in log]
    assert len(set(paths)) == len(paths), "one pack a version expected"
    return paths


def flip(path: Path, pos: int, bit: int = 1) -> None:
    os.chmod(path, 0o644)
    b = bytearray(path.read_bytes())
    b[pos] ^= bit
    path.write_bytes(bytes(b))


def verify_fails(root, *words) -> str:
    res = cli(root, "verify", "kursk")
    assert res.exit_code == 1, res
    assert "Traceback" not in res.stderr
    for w in words:
        assert w in res.stdout, res.stdout
    return res.stdout


def refused(res) -> None:
    assert res.exit_code == 1, res
    assert "Traceback" not in res.stderr
    assert res.stdout == "" or "km" not in res.stdout, f"a figure was printed: {res.stdout!r}"
    assert res.stderr.startswith("frontline: error: "), res.stderr


def test_sound_store_verifies(hist):
    root, *_ = hist
    res = cli(root, "verify", "kursk")
    assert res.exit_code == 0, res


def test_flipped_byte_in_latest_version(hist):
    root, log, stamps, figs = hist
    latest_first = log[2]  # 2024-08-10 version 3
    flip(objects(root, log)[2], 40)
    out = verify_fails(root, "2024-08-10 version 3", "corrupted")
    problems = [x for x in out.splitlines() if "problem:" in x]
    assert len(problems) == 2 and ".pack: pack" in problems[0] and "2024-08-10 version 3" in problems[1], out
    res, _ = area_json(root, "2024-08-10")
    refused(res)
    assert "corrupted" in res.stderr and latest_first["sha256"][:12] in res.stderr
    # the other dates still read, with the same figures
    res, doc = area_json(root, "2024-08-11", "2024-08-12")
    assert res.exit_code == 0 and doc["dates"] == figs[stamps[-1]][1:]
    # as of before version 3, the intact version 2 is drawn, with its figure
    res, doc = area_json(root, "2024-08-10", "--as-of", stamps[1])
    assert res.exit_code == 0 and doc["dates"] == figs[stamps[1]][:1]
    add_figure("corruption", detected=1, kinds=["flipped byte, latest version"])


def test_flipped_byte_in_older_version(hist):
    root, log, stamps, figs = hist
    flip(objects(root, log)[0], 10, 0x20)
    verify_fails(root, "2024-08-10 version 1", "corrupted")
    refused(area_json(root, "2024-08-10", "--as-of", stamps[0])[0])
    res, doc = area_json(root, "--all")
    assert res.exit_code == 0 and doc["dates"] == figs[stamps[-1]]
    add_figure("corruption", detected=1, kinds=["flipped byte, older version"])


def test_random_flips_in_objects_are_all_detected(hist):
    """Flip one random bit of one random object, check, put it back; repeat."""
    root, log, stamps, figs = hist
    rng = random.Random(7)
    objs = objects(root, log)
    n = max(5, count("crashes") // 2)
    for _ in range(n):
        k = rng.randrange(len(objs))
        size = objs[k].stat().st_size
        pos, bit = rng.randrange(size), 1 << rng.randrange(8)
        flip(objs[k], pos, bit)
        verify_fails(root, f"{log[k]['date']} version {log[k]['version']}")
        refused(area_json(root, log[k]["date"], "--as-of", stamps[k])[0])
        flip(objs[k], pos, bit)
    assert cli(root, "verify", "kursk").exit_code == 0
    add_figure("corruption", detected=n, kinds=[f"{n} random bit flips in objects"])


def test_truncated_object(hist):
    root, log, stamps, figs = hist
    p = objects(root, log)[3]
    os.chmod(p, 0o644)
    p.write_bytes(p.read_bytes()[:100])
    verify_fails(root, "2024-08-11 version 1", "corrupted")
    refused(area_json(root, "2024-08-11")[0])
    add_figure("corruption", detected=1, kinds=["truncated object"])


def test_deleted_object(hist):
    root, log, stamps, figs = hist
    objects(root, log)[4].unlink()
    verify_fails(root, "2024-08-12 version 1", "missing")
    res, _ = area_json(root, "2024-08-12")
    refused(res)
    assert "missing" in res.stderr
    add_figure("corruption", detected=1, kinds=["deleted object"])


@pytest.mark.parametrize("cut", ["mid-line", "last byte", "half"])
def test_truncated_log(hist, cut):
    root, log, stamps, figs = hist
    p = root / "kursk" / ".frontline" / "log.jsonl"
    raw = p.read_bytes()
    keep = {"mid-line": len(raw) - 40, "last byte": len(raw) - 1, "half": len(raw) // 2}[cut]
    if raw[keep - 1:keep] == b"\n":
        keep -= 1
    p.write_bytes(raw[:keep])
    verify_fails(root, "truncated")
    for args in (("2024-08-10",), ("--all",), ("2024-08-10", "--as-of", stamps[0])):
        refused(area_json(root, *args)[0])
    add_figure("corruption", detected=1, kinds=[f"truncated log ({cut})"])


def test_log_cut_at_a_line_boundary(hist):
    """The last whole line removed: the log parses, but the current file and the object it names betray it."""
    root, log, stamps, figs = hist
    p = root / "kursk" / ".frontline" / "log.jsonl"
    lines = p.read_bytes().splitlines(keepends=True)
    p.write_bytes(b"".join(lines[:-1]))
    verify_fails(root, "2024-08-12")
    add_figure("corruption", detected=1, kinds=["log cut at a line boundary"])


@pytest.mark.parametrize("line", [0, 2, 3])
def test_edited_log_line(hist, line):
    """A line of the log edited: its own checksum no longer matches (and the next line's ``prev`` breaks)."""
    root, log, stamps, figs = hist
    p = root / "kursk" / ".frontline" / "log.jsonl"
    lines = p.read_bytes().splitlines(keepends=True)
    lines[line] = lines[line].replace(b'"source":""', b'"source":"x"')
    p.write_bytes(b"".join(lines))
    verify_fails(root, f"line {line + 1}: its checksum does not match")
    refused(area_json(root, "--all")[0])
    add_figure("corruption", detected=1, kinds=[f"log line {line + 1} of {len(lines)} edited"])


def test_removed_log_line(hist):
    root, log, stamps, figs = hist
    p = root / "kursk" / ".frontline" / "log.jsonl"
    lines = p.read_bytes().splitlines(keepends=True)
    del lines[1]
    p.write_bytes(b"".join(lines))
    verify_fails(root, "log:")
    refused(area_json(root, "--all")[0])
    add_figure("corruption", detected=1, kinds=["log line removed"])


def test_current_file_edited_by_hand(hist):
    root, log, stamps, figs = hist
    cur = root / "kursk" / "2024-08-11.geojson"
    os.chmod(cur, 0o644)
    doc = json.loads(cur.read_bytes())
    doc["features"][0]["geometry"]["coordinates"][0][1][0] += 0.5
    cur.write_text(json.dumps(doc), encoding="utf-8")
    verify_fails(root, "2024-08-11", "edited by hand")
    res, out = area_json(root, "--all")
    assert res.exit_code == 0 and out["dates"] == figs[stamps[-1]], "a read used the edited current file"
    # an import never overwrites the hand edit either
    before = cur.read_bytes()
    f = write_json(root.parent / "x" / "2024-08-12.geojson", layer(99))
    assert cli(root, "import", "kursk", str(f)).exit_code == 0
    assert cur.read_bytes() == before
    add_figure("corruption", detected=1, kinds=["current file edited by hand"])


def test_stray_dated_file(hist):
    root, *_ = hist
    write_json(root / "kursk" / "2024-09-01.geojson", layer(5))
    verify_fails(root, "2024-09-01.geojson", "no recorded version")
    add_figure("corruption", detected=1, kinds=["dated file with no recorded version"])


def test_deleted_current_file_is_restored(hist):
    """Not corruption: a missing current file is rebuilt from its object by verify (noted, exit 0)."""
    root, log, stamps, figs = hist
    cur = root / "kursk" / "2024-08-10.geojson"
    before = cur.read_bytes()
    cur.unlink()
    res = cli(root, "verify", "kursk")
    assert res.exit_code == 0 and "rolled forward" in res.stdout, res
    assert cur.read_bytes() == before


# ---- open bugs ----------------------------------------------------------------------------------------------
def test_area_refuses_a_corrupted_version_even_with_a_warm_cache(hist, request):
    """B6: ``compute_areas`` answers a cache hit without reading the object."""
    xfail_if_open(request, "B6")
    root, log, stamps, figs = hist
    assert area_json(root, "--all", env={})[0].exit_code == 0  # warms the cache
    flip(objects(root, log)[4], 30)
    refused(area_json(root, "2024-08-12", env={})[0])


def test_area_refuses_a_deleted_version_even_with_a_warm_cache(hist, request):
    xfail_if_open(request, "B6")
    root, log, stamps, figs = hist
    assert area_json(root, "--all", env={})[0].exit_code == 0
    objects(root, log)[4].unlink()
    refused(area_json(root, "2024-08-12", env={})[0])


def test_a_tampered_cache_never_gives_a_wrong_figure(hist, request):
    """B7: a digit changed in the cache file is printed as the area."""
    xfail_if_open(request, "B7")
    root, log, stamps, figs = hist
    assert area_json(root, "--all", env={})[0].exit_code == 0
    caches = list((root / "kursk" / ".frontline" / "cache").glob("area*.json"))
    assert caches
    for c in caches:
        c.write_text(c.read_text().replace('"total_km2":', '"total_km2":9'), encoding="utf-8")
    res, doc = area_json(root, "--all", env={})
    if res.exit_code == 0:
        assert doc["dates"] == figs[stamps[-1]], "a figure from a tampered cache was printed"
    else:
        refused(res)


@pytest.mark.parametrize("field,old,new", [
    ("source", b'"source":""', b'"source":"X"'),
    ("features", b'"features":', b'"features":1'),
    ("recorded_at", b'"recorded_at":"2', b'"recorded_at":"3'),
])
def test_verify_sees_a_changed_last_log_line(hist, request, field, old, new):
    """B8: nothing after the last line checks it (``prev`` protects only lines that have a successor)."""
    xfail_if_open(request, "B8")
    root, log, stamps, figs = hist
    p = root / "kursk" / ".frontline" / "log.jsonl"
    lines = p.read_bytes().splitlines(keepends=True)
    assert old in lines[-1]
    lines[-1] = lines[-1].replace(old, new, 1)
    p.write_bytes(b"".join(lines))
    verify_fails(root, "log")


# ---- packs of many versions, binary forms, indexes -----------------------------------------------------------
@pytest.fixture
def packed(store_root, tmp_path):
    """One import of 40 dates: two packs (32 + 8 versions). Returns (root, log entries, figures)."""
    folder = tmp_path / "many"
    for i in range(40):
        write_json(folder / f"2024-09-{1 + i % 30:02d}.geojson" if i < 30 else
                   folder / f"2024-10-{1 + i - 30:02d}.geojson", layer(i + 1, features=2 + i % 3))
    assert cli(store_root, "import", "kursk", str(folder)).exit_code == 0
    log = [json.loads(x) for x in (store_root / "kursk" / ".frontline" / "log.jsonl").read_text().splitlines()]
    res, doc = area_json(store_root, "--all")
    assert res.exit_code == 0 and len(doc["dates"]) == 40
    return store_root, log, doc["dates"]


def _pack_parts(root):
    from geo.store import Store, packs

    s = Store(root)
    out = []
    for f in sorted(s.packs_dir("kursk").glob("*.pack")):
        data = f.read_bytes()
        index = packs.pack_index(data)
        out.append((f, index, [v[0] for v in index["versions"]]))
    return out


@pytest.mark.parametrize("part", ["index", "geojson stream", "shapes stream", "last byte"])
def test_a_flipped_byte_anywhere_in_a_pack_refuses_its_versions_and_only_them(packed, part):
    """A pack is re-hashed whole before any of it is used: a flip in its index, in either stream or at its end
    refuses every version it holds (verify names each), and the versions of the other pack still read."""
    from geo.store import packs

    root, log, figs = packed
    (f, index, digests), (other, _, other_digests) = sorted(_pack_parts(root), key=lambda x: -len(x[2]))
    base = index["start"]
    pos = {"index": len(packs.PACK_MAGIC) + 20, "geojson stream": base + index["geojson"][1] // 3,
           "shapes stream": base + index["shapes"][0] + index["shapes"][1] // 3,
           "last byte": f.stat().st_size - 1}[part]
    flip(f, pos, 0x10)
    by_sha = {e["sha256"]: e for e in log}
    out = verify_fails(root, "corrupted")
    for d in digests:
        assert f"{by_sha[d]['date']} version 1" in out
    for d in digests[:3]:
        refused(area_json(root, by_sha[d]["date"])[0])
    res, doc = area_json(root, *[by_sha[d]["date"] for d in other_digests])
    assert res.exit_code == 0 and doc["dates"] == [x for x in figs if x["date"] in {by_sha[d]["date"]
                                                                                     for d in other_digests}]
    add_figure("corruption", detected=1, kinds=[f"flipped byte in a pack of {len(digests)} versions ({part})"])


def test_random_flips_in_packs_are_all_detected_by_every_read(packed):
    """Random bits of the packs, one at a time: verify, the GeoJSON read and the shapes read all refuse."""
    from geo.errors import CorruptStore
    from geo.store import Store

    root, log, figs = packed
    rng = random.Random(11)
    parts = _pack_parts(root)
    by_sha = {e["sha256"]: e for e in log}
    n = max(8, count("crashes") // 2)
    for _ in range(n):
        f, _, digests = parts[rng.randrange(len(parts))]
        pos, bit = rng.randrange(f.stat().st_size), 1 << rng.randrange(8)
        flip(f, pos, bit)
        d = digests[rng.randrange(len(digests))]
        verify_fails(root, f"{by_sha[d]['date']} version 1")
        s = Store(root)
        e = next(x for x in s.log("kursk") if x.sha256 == d)
        reads = {"read": lambda s=s, e=e: s.read("kursk", e.date), "shapes": lambda s=s, e=e: s.shapes("kursk", e),
                 "iter_shapes": lambda s=s, e=e: list(s.iter_shapes("kursk", [e])),
                 "iter_layers": lambda s=s, e=e: list(s.iter_layers("kursk", [e]))}
        for what, read in reads.items():
            with pytest.raises(CorruptStore):
                read()
                pytest.fail(f"{what} returned data from a flipped pack")
        flip(f, pos, bit)
    assert cli(root, "verify", "kursk").exit_code == 0
    add_figure("corruption", detected=n, kinds=[f"{n} random bit flips in packs of up to 32 versions"])


def test_a_pack_whose_index_lies_is_refused(packed, tmp_path):
    """A pack rewritten with a consistent hash but an index that points a version at another's bytes (a writer's
    bug, not a flipped bit): the object's own hash and the binary form's own hash still refuse it."""
    from geo.errors import CorruptStore
    from geo.store import Store, packs

    root, log, figs = packed
    f, index, digests = max(_pack_parts(root), key=lambda x: len(x[2]))
    op = packs.OpenPack.of(f.stem, f.read_bytes())
    items = [(d, op.geojson(d), op.blob(d)) for d in digests]
    a, b = items[0], items[1]
    items[0] = (a[0], b[1], b[2])  # version a's slot holds b's bytes
    bad = packs.make_pack(items)
    f.unlink()
    import hashlib

    (f.parent / f"{hashlib.sha256(bad).hexdigest()}.pack").write_bytes(bad)
    s = Store(root)
    e = next(x for x in s.log("kursk") if x.sha256 == a[0])
    for read in (lambda: s.read("kursk", e.date), lambda: s.shapes("kursk", e)):
        with pytest.raises(CorruptStore):
            read()
    verify_fails(root, f"{e.date} version 1")
    add_figure("corruption", detected=1, kinds=["pack index pointing a version at another's bytes"])
