"""SIGKILL a real ``frontline import`` at random moments, a share of them inside the write and rename.

Each run imports one big layer (or a folder of :data:`FOLDER_FILES`, read in two worker processes: ``--jobs 2``)
into a store with history and kills the process:

- *random* runs sleep a random delay in [0, 1.1 x the measured duration of an import] and kill; most land while
  the file is read and validated, since the writes take a few milliseconds of the half second an import lasts;
- *aimed* runs watch the store folder (no hook in ``geo/``, no strace) for one of the write protocol's steps,
  chosen at random: a pack's temporary file appearing, the pack renamed into place, the log's temporary
  file appearing, the log replaced, the current file's temporary file appearing; then kill at once or after a
  few hundred microseconds.

Where each kill landed is read from what the killed process left (temporary files, the pack, the log, the
current file) before ``verify`` runs, and counted. After each kill: ``frontline verify`` exits 0; the log as it
stood before is a byte-for-byte prefix of the log after; every as-of answer recorded before is unchanged; the
interrupted version is wholly there (log entry, intact object and binary form in a pack, current file) or wholly
absent (log and current file unchanged; at most an unreferenced pack). A killed import's worker processes do not
outlive it (they are looked for by their command line, which they share with it).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from geo.importers import POOL_MIN_FILES

from .conftest import add_figure, count
from .helpers import big_layer, frontline_cmd, layer, run_cli, run_sub, write_json

VERTICES = 20_000  # about 600 kB a version: a write of ~1 ms, an import of ~0.4 s
FOLDER_FILES = POOL_MIN_FILES  # enough files for the import's worker processes to start

PHASES = (
    "before writing (reading, validating)",
    "writing the pack (temporary file)",
    "pack renamed, log not yet committed",
    "writing the log (temporary file)",
    "log committed, current file not yet replaced",
    "all written, process not yet exited",
    "finished before the kill",
)
INSIDE = set(PHASES[1:5])
EVENTS = ("pack tmp", "pack", "log tmp", "log", "current tmp")


def _canonical(collection: dict, root: Path) -> bytes:
    """The bytes the store will record for ``collection`` (validated as the importer does)."""
    from geo.store import Store, canonical_bytes
    from geo.validate import validate_layer

    t = Store(root).theatre("kursk")
    return canonical_bytes(validate_layer(collection, t).collection)


class Watch:
    """Cheap polling of the store folder for the write protocol's steps of one version."""

    def __init__(self, root: Path, sha: str, date: str):
        self.tdir = root / "kursk"
        self.meta = self.tdir / ".frontline"
        self.packdir = self.meta / "objects" / "packs"
        self.packs_before = _packs(root)
        self.cur_prefix = f".{date}.geojson."
        self.log = self.meta / "log.jsonl"
        self.log_size = self.log.stat().st_size if self.log.exists() else 0

    def seen(self, event: str) -> bool:
        if event == "pack tmp":
            try:
                return any(n.endswith(".tmp") for n in os.listdir(self.packdir))
            except FileNotFoundError:
                return False
        if event == "pack":
            try:
                return any(n.endswith(".pack") and n not in self.packs_before for n in os.listdir(self.packdir))
            except FileNotFoundError:
                return False
        if event == "log tmp":
            return any(n.startswith(".log.jsonl.") for n in os.listdir(self.meta))
        if event == "log":
            try:
                return self.log.stat().st_size != self.log_size
            except FileNotFoundError:
                return False
        if event == "current tmp":
            return any(n.startswith(self.cur_prefix) for n in os.listdir(self.tdir))
        raise ValueError(event)


def _packs(root: Path) -> set[str]:
    d = root / "kursk" / ".frontline" / "objects" / "packs"
    return {n for n in os.listdir(d) if n.endswith(".pack")} if d.is_dir() else set()


def _tmp_files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob(".*.tmp")}


def _asof_answers(root: Path, stamps: list[str]) -> dict:
    from geo.store import Store

    s = Store(root)
    return {t: {d: e.sha256 for d, e in s.latest("kursk", as_of=t).items()} for t in stamps}


def _classify(root, before_log: bytes, before_tmp: set, before_packs: set, plan, rc) -> str:
    """Where the kill landed, read from what the killed process left behind.

    One import is one commit (``Store.record_many``): its packs first, then the log, then the current files.
    """
    if rc == 0:
        return PHASES[6]
    log = (root / "kursk" / ".frontline" / "log.jsonl").read_bytes()
    committed = len(log) > len(before_log)
    new_tmp = _tmp_files(root) - before_tmp
    if committed:
        for date, data, _ in plan:
            cur = root / "kursk" / f"{date}.geojson"
            if not (cur.exists() and cur.read_bytes() == data):
                return PHASES[4]
        return PHASES[5]
    if any(".log.jsonl." in t for t in new_tmp):
        return PHASES[3]
    if any(t.endswith(".pack.tmp") or (".pack." in t and t.endswith(".tmp")) for t in new_tmp):
        return PHASES[1]
    if _packs(root) - before_packs:
        return PHASES[2]
    return PHASES[0]


@pytest.mark.slow
def _outliving(arg: str, wait_s: float = 10.0) -> list[int]:
    """Processes whose command line holds ``arg`` (a killed import's workers share it), once they had
    ``wait_s`` to go."""
    end = time.monotonic() + wait_s
    while True:
        found = []
        for d in Path("/proc").iterdir():
            if d.name.isdigit():
                try:
                    if arg.encode() in (d / "cmdline").read_bytes().split(b"\0"):
                        found.append(int(d.name))
                except OSError:
                    pass
        if not found or time.monotonic() > end:
            return found
        time.sleep(0.05)


def test_sigkill_during_import(store_root, tmp_path):
    n = count("crashes")
    rng = random.Random(int(os.environ.get("FRONTLINE_RELIABILITY_SEED", "20240806")))
    root = store_root
    # history: six dates, some with several versions
    for i, d in enumerate(["2024-08-06", "2024-08-07", "2024-08-08", "2024-08-06", "2024-08-09", "2024-08-07",
                           "2024-08-10", "2024-08-06"]):
        f = write_json(tmp_path / "hist" / str(i) / f"{d}.geojson", layer(1000 + i))
        assert run_cli(["--layers", str(root), "import", "kursk", str(f)]).exit_code == 0
    # calibrate: one whole import of a big layer, unkilled
    f = write_json(tmp_path / "cal" / "2024-08-11.geojson", big_layer(0, VERTICES))
    t0 = time.monotonic()
    assert run_sub("--layers", str(root), "import", "kursk", str(f)).returncode == 0
    duration = time.monotonic() - t0

    phases: Counter = Counter()
    modes: Counter = Counter()
    landed = absent = 0
    dates_pool = ["2024-08-06", "2024-08-07", "2024-08-11"]
    for run in range(n):
        log_path = root / "kursk" / ".frontline" / "log.jsonl"
        before_log = log_path.read_bytes()
        stamps = [json.loads(x)["recorded_at"] for x in before_log.splitlines()]
        before_answers = _asof_answers(root, stamps)
        before_tmp = _tmp_files(root)
        before_packs = _packs(root)
        # what to import: one big layer (a new date or a new version of an old one), or a folder of several
        folder = run % 4 == 3
        src = tmp_path / "runs" / str(run)
        plan = []
        for k in range(FOLDER_FILES if folder else 1):
            if folder:  # dates in date order (the order a folder is imported in)
                date = f"2025-{1 + k:02d}-{run % 28 + 1:02d}"
            else:
                date = rng.choice(dates_pool + [f"2024-08-{12 + run % 19:02d}"])
            coll = big_layer(10_000 + run * 10 + k, VERTICES)
            write_json(src / f"{date}.geojson", coll)
            data = _canonical(coll, root)
            plan.append((date, data, hashlib.sha256(data).hexdigest()))
        before_cur = {d: (root / "kursk" / f"{d}.geojson").read_bytes()
                      if (root / "kursk" / f"{d}.geojson").exists() else None for d, _, _ in plan}
        target = src if folder else src / f"{plan[0][0]}.geojson"

        aimed = rng.random() < 2 / 3
        # the first folder is killed while its workers read (half a file's import into eight): what the check of
        # outliving workers below needs
        while_reading = folder and run == 3
        aimed = aimed and not while_reading
        mode = "aimed" if aimed else "random"
        modes[mode] += 1
        env = {**os.environ, "FRONTLINE_NO_CACHE": "1"}
        jobs = ("--jobs", "2") if folder else ()
        proc = subprocess.Popen(frontline_cmd("--layers", str(root), "import", "kursk", str(target), *jobs),
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        if aimed:
            k = rng.randrange(len(plan))
            watch = Watch(root, plan[k][2], plan[k][0])
            event = rng.choice(EVENTS)
            deadline = time.monotonic() + 30 * duration + 10
            while proc.poll() is None and not watch.seen(event) and time.monotonic() < deadline:
                pass
            jitter = rng.choice([0.0, 0.0, rng.uniform(0, 0.0005)])
            end = time.monotonic() + jitter
            while time.monotonic() < end:
                pass
        elif while_reading:
            time.sleep(0.5 * duration)
        else:
            time.sleep(rng.uniform(0, 1.1 * duration * (FOLDER_FILES / 2 if folder else 1)))
        try:
            proc.send_signal(signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=60)
        if folder:  # before reading its stderr: a worker left behind would hold that pipe open
            left = _outliving(str(target))
            assert not left, f"run {run}: the killed import's workers outlived it: {left}"
        _, err = proc.communicate(timeout=60)
        rc = proc.returncode
        assert rc in (0, -signal.SIGKILL), f"run {run}: import exited {rc}: {err[-2000:]!r}"
        phase = _classify(root, before_log, before_tmp, before_packs, plan, rc)
        phases[phase] += 1
        if while_reading:
            assert phase == PHASES[0], f"run {run}: meant to be killed while reading, it was killed {phase}"

        # the store after the kill
        ver = run_sub("--layers", str(root), "verify", "kursk")
        assert ver.returncode == 0, f"run {run} ({phase}): verify failed:\n{ver.stdout}{ver.stderr}"
        log_after = log_path.read_bytes()
        assert log_after.startswith(before_log), f"run {run}: the log before the kill is not a prefix of the log"
        assert _asof_answers(root, stamps) == before_answers, f"run {run}: an as-of answer changed"
        new = [json.loads(x) for x in log_after[len(before_log):].splitlines()]
        assert [e["sha256"] for e in new] in ([], [sha for _, _, sha in plan]), \
            f"run {run}: an import is one commit, all its versions or none; the log gained {len(new)}"
        from geo.store import Store

        reader = Store(root)
        for k, (date, data, sha) in enumerate(plan):
            cur = root / "kursk" / f"{date}.geojson"
            if k < len(new):
                landed += 1
                assert reader.object_bytes("kursk", sha) == data and cur.read_bytes() == data, \
                    f"run {run}: {date} half there"
                assert reader.shape_form("kursk", sha) is not None, f"run {run}: {date} landed without its binary form"
            else:
                absent += 1
                assert (cur.read_bytes() if cur.exists() else None) == before_cur[date], \
                    f"run {run}: {date} absent from the log but its current file changed"
        # every earlier version still reads back whole (re-hashed)
        if run % 5 == 0:
            s = Store(root)
            for e in s.log("kursk")[: len(stamps)]:
                s.object_bytes("kursk", e.sha256)
                s.shapes("kursk", e)

    # the store still takes writes
    f = write_json(tmp_path / "after" / "2024-12-31.geojson", layer(4242))
    assert run_sub("--layers", str(root), "import", "kursk", str(f)).returncode == 0
    assert run_sub("--layers", str(root), "verify", "kursk").returncode == 0
    inside = sum(v for k, v in phases.items() if k in INSIDE)
    leftovers = len(_tmp_files(root))
    add_figure("crashes", runs=n, survived=n, versions_landed=landed, versions_absent=absent,
               kills_inside_write_and_rename=inside, import_seconds=round(duration, 3),
               modes=dict(modes), phases=dict(phases), temporary_files_left=leftovers, versions_lost=0)
    print(f"\ncrash runs: {n}; phases: {dict(phases)}; inside the write and rename: {inside}")
    assert inside >= max(1, n // 4), f"too few kills landed inside the write and rename: {dict(phases)}"
