"""The hand-made bad files of ``tests/data/bad`` and the path attacks, through the real CLI (in-process).

Promise: every bad file ends in exit 2 with one line on stderr naming the file, or in success with a valid layer;
never a traceback; a refused import leaves the store byte for byte as it was.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from .conftest import add_figure
from .helpers import BAD_DIR, assert_refused_cleanly, layer, run_cli, snapshot, snapshot_diff, write_json
from .open_bugs import xfail_if_open


def _manifest() -> list[dict]:
    rows = []
    for line in (BAD_DIR / "README.md").read_text(encoding="utf-8").splitlines():
        if not line.startswith("| ") or line.startswith("| file ") or line.startswith("|---"):
            continue
        cells = [c.strip().replace("\\|", "|") for c in line.strip().strip("|").split(" | ")]
        file, expect, args, must, bug, intent = cells
        rows.append({"file": file, "expect": expect, "args": args.split(), "must": must, "bug": bug,
                     "intent": intent})
    return rows


MANIFEST = _manifest()


def test_corpus_is_complete():
    """At least 40 files, each listed once with its origin, and no file left unlisted."""
    listed = [r["file"] for r in MANIFEST]
    on_disk = sorted(p.name for p in BAD_DIR.iterdir() if p.name not in ("README.md", "make_corpus.py"))
    assert len(listed) == len(set(listed))
    assert sorted(listed) == on_disk
    assert len(listed) >= 40
    assert all(r["intent"] for r in MANIFEST)
    assert {r["expect"] for r in MANIFEST} <= {"refuse", "accept"}


@pytest.fixture
def history_store(store_root, tmp_path) -> Path:
    """The theatre with two dates of history, so that a refused import has something to spoil."""
    for i, d in enumerate(("2024-08-09", "2024-08-10")):
        f = write_json(tmp_path / "in" / f"{d}.geojson", layer(i))
        assert run_cli(["--layers", str(store_root), "import", "kursk", str(f)]).exit_code == 0
    assert run_cli(["--layers", str(store_root), "verify"]).exit_code == 0
    return store_root


@pytest.mark.parametrize("row", MANIFEST, ids=[r["file"] for r in MANIFEST])
def test_bad_file(row, history_store, tmp_path, request):
    xfail_if_open(request, row["bug"])
    src = BAD_DIR / row["file"]
    path = tmp_path / "input" / row["file"]
    path.parent.mkdir()
    shutil.copyfile(src, path)
    before = snapshot(history_store)
    res = run_cli(["--layers", str(history_store), "import", "kursk", str(path), *row["args"]])
    add_figure("hostile_files", corpus_files_tried=1)
    if row["expect"] == "refuse":
        assert_refused_cleanly(res, 2)
        assert row["file"] in res.stderr, f"the message does not name the file: {res.stderr!r}"
        if row["must"]:
            assert row["must"].lower() in res.stderr.lower(), res.stderr
        assert snapshot_diff(before, snapshot(history_store)) == [], "a refused import changed the store"
        add_figure("hostile_files", corpus_refused=1)
    else:
        assert res.exit_code == 0, res
        assert "Traceback" not in res.stderr
        ver = run_cli(["--layers", str(history_store), "verify"])
        assert ver.exit_code == 0, ver
        add_figure("hostile_files", corpus_accepted=1)


def test_failed_folder_import_changes_nothing(history_store, tmp_path, request):
    """A folder whose last file is bad: nothing of the folder is recorded (validation comes first)."""
    folder = tmp_path / "batch"
    for i, d in enumerate(("2024-08-11", "2024-08-12")):
        write_json(folder / f"{d}.geojson", layer(10 + i))
    shutil.copyfile(BAD_DIR / "2024-08-10-bow-tie.geojson", folder / "2024-08-13-bow-tie.geojson")
    before = snapshot(history_store)
    res = run_cli(["--layers", str(history_store), "import", "kursk", str(folder)])
    assert_refused_cleanly(res, 2)
    assert snapshot_diff(before, snapshot(history_store)) == []


@pytest.mark.parametrize("bad", ["2024-08-10-huge-number-property.geojson", "2024-08-10-lone-surrogate.geojson"])
def test_folder_with_unstorable_last_file_changes_nothing(bad, history_store, tmp_path, request):
    """Bugs B1/B2/B5: a file that validates but cannot be serialised must not let earlier files of the folder land.

    ``import_paths`` validates every file, then records them one by one; ``canonical_bytes`` (in
    ``Store.record``) is the first to meet the infinite float or the lone surrogate, after the earlier files of the
    folder are committed.
    """
    xfail_if_open(request, "B5")
    folder = tmp_path / "batch"
    write_json(folder / "2024-08-11.geojson", layer(20))
    shutil.copyfile(BAD_DIR / bad, folder / bad.replace("2024-08-10", "2024-08-12"))
    before = snapshot(history_store)
    res = run_cli(["--layers", str(history_store), "import", "kursk", str(folder)])
    assert_refused_cleanly(res, 2)
    assert snapshot_diff(before, snapshot(history_store)) == []


# ---- path attacks -------------------------------------------------------------------------------------------
BAD_NAMES = ["../evil", "..", ".", "/tmp/evil", "kursk/../../evil", "a/b", "", ".frontline", "Kursk",
             "kursk\x00", "x" * 64, "kursk\n", "-rf", "../" * 20 + "etc", "~root", "C:\\evil", "\\\\host\\share",
             "kursk;rm", "ку́рск"]


@pytest.mark.parametrize("name", BAD_NAMES, ids=[repr(n)[:24] for n in BAD_NAMES])
@pytest.mark.parametrize("command", ["import", "init", "area", "verify", "history"])
def test_theatre_name_cannot_leave_the_store(name, command, store_root, tmp_path):
    f = write_json(tmp_path / "2024-08-10.geojson", layer(1))
    args = {"import": ["import", "--", name, str(f)], "init": ["init", "--", name], "area": ["area", "--", name],
            "verify": ["verify", "--", name], "history": ["history", "--", name, "2024-08-10"]}[command]
    outside = snapshot(tmp_path)
    res = run_cli(["--layers", str(store_root), *args])
    add_figure("hostile_files", path_attacks_tried=1)
    assert res.exit_code == 2, res
    assert "Traceback" not in res.stderr
    assert "theatre" in res.stderr.lower()
    changed = [p for p in snapshot_diff(outside, snapshot(tmp_path))]
    assert changed == [], f"{command} {name!r} changed files: {changed}"
    assert not (tmp_path / "evil").exists() and not Path("/tmp/evil").exists()


@pytest.mark.parametrize("key,value", [
    ("polygon", "../../../../etc/passwd"), ("polygon", "/etc/passwd"), ("regions", "../outside.geojson"),
    ("polygon", "C:/Windows/win.ini"), ("polygon", "context/../../outside.geojson"),
])
def test_theatre_toml_paths_cannot_leave_the_theatre(key, value, store_root, tmp_path):
    """A theatre.toml edited to point outside the theatre folder is refused when read (exit 2)."""
    toml = store_root / "kursk" / "theatre.toml"
    text = toml.read_text(encoding="utf-8")
    text = text.replace('polygon = "context/region.geojson"', f'{key} = "{value}"')
    toml.write_text(text, encoding="utf-8")
    write_json(tmp_path / "outside.geojson", {"type": "FeatureCollection", "features": []})
    for args in (["area", "kursk", "--by", "region"], ["import", "kursk", "--format", "deepstate",
                                                       str(write_json(tmp_path / "2024-08-10.geojson", layer(1)))]):
        res = run_cli(["--layers", str(store_root), *args])
        add_figure("hostile_files", path_attacks_tried=1)
        assert_refused_cleanly(res, 2)
        assert "relative" in res.stderr


def test_import_through_a_symlinked_current_file_leaves_its_target_alone(store_root, tmp_path):
    """A current file replaced by a symlink to a file outside the store: the write replaces the link, not the target."""
    f1 = write_json(tmp_path / "a" / "2024-08-10.geojson", layer(1))
    f2 = write_json(tmp_path / "b" / "2024-08-10.geojson", layer(2))
    assert run_cli(["--layers", str(store_root), "import", "kursk", str(f1)]).exit_code == 0
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"do not touch\n")
    current = store_root / "kursk" / "2024-08-10.geojson"
    current.unlink()
    os.symlink(victim, current)
    res = run_cli(["--layers", str(store_root), "import", "kursk", str(f2)])
    add_figure("hostile_files", path_attacks_tried=1)
    assert "Traceback" not in res.stderr
    assert victim.read_bytes() == b"do not touch\n"


@pytest.mark.parametrize("special", ["/dev/zero", "/dev/urandom", "/proc/self/environ", "fifo"])
def test_special_files_are_refused_without_reading_forever(special, store_root, tmp_path):
    """Devices, /proc files and FIFOs report size 0: refused as empty instead of read without end."""
    if special == "fifo":
        special = str(tmp_path / "2024-08-10.geojson")
        os.mkfifo(special)
    elif not Path(special).exists():
        pytest.skip(f"{special} does not exist here")
    before = snapshot(store_root)
    res = run_cli(["--layers", str(store_root), "import", "kursk", special, "--date", "2024-08-10"])
    add_figure("hostile_files", path_attacks_tried=1)
    assert_refused_cleanly(res, 2)
    assert snapshot_diff(before, snapshot(store_root)) == []
