"""Four writers at once into one store, each importing 25 distinct versions, while a reader keeps reading.

The 25 dates are the same for every writer, with distinct content, so each date ends with four versions whose
numbers (1..4) had to be decided under the lock: a race would show as duplicated numbers or a lost version.

- *folders*: 4 ``frontline import`` processes, each given a folder of 25 files;
- *processes*: 4 workers, each running 25 ``frontline import`` processes one after another (100 processes).

Afterwards: all 100 versions in the log (seq 1..100, hash chain intact), versions 1..4 on each date, each current
file holding its date's latest version, ``verify`` exit 0; the reader never saw an error or a torn read.
"""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path

import pytest

from .conftest import add_figure, count
from .helpers import frontline_cmd, layer, run_sub, write_json

WRITERS, PER_WRITER = 4, 25
DATES = [f"2024-{8 + i // 28:02d}-{i % 28 + 1:02d}" for i in range(PER_WRITER)]


def _inputs(tmp: Path) -> tuple[list[list[Path]], set[str]]:
    from geo.store import Store, canonical_bytes
    from geo.validate import validate_layer

    files, shas = [], set()
    t = None
    for w in range(WRITERS):
        mine = []
        for i, d in enumerate(DATES):
            coll = layer(w * 1000 + i + 1)
            mine.append(write_json(tmp / f"w{w}" / f"{d}.geojson", coll))
            if t is None:
                t = Store(tmp.parent / "layers").theatre("kursk")
            shas.add(hashlib.sha256(canonical_bytes(validate_layer(coll, t).collection)).hexdigest())
        files.append(mine)
    return files, shas


class Reader(threading.Thread):
    """Reads every date's latest version (re-hashed) in a loop until told to stop; records any error."""

    def __init__(self, root: Path):
        super().__init__(daemon=True)
        self.root, self.stop, self.errors, self.reads = root, threading.Event(), [], 0

    def run(self):
        from geo.store import Store

        while not self.stop.is_set():
            try:
                s = Store(self.root)
                for layer_ in s.read_all("kursk"):
                    assert layer_.collection["type"] == "FeatureCollection"
                self.reads += 1
            except Exception as exc:  # any error is a finding: keep it
                self.errors.append(repr(exc))
            time.sleep(0.005)


def _check(root: Path, shas: set[str]) -> None:
    from geo.store import Store

    s = Store(root)
    log = s.log("kursk")  # raises CorruptStore on a broken chain or order
    assert len(log) == WRITERS * PER_WRITER, f"{len(log)} versions recorded, expected {WRITERS * PER_WRITER}"
    assert [e.seq for e in log] == list(range(1, len(log) + 1))
    assert {e.sha256 for e in log} == shas, "a version is missing or foreign"
    for d in DATES:
        es = [e for e in log if e.date == d]
        assert [e.version for e in es] == list(range(1, WRITERS + 1)), f"{d}: versions {[e.version for e in es]}"
        assert (root / "kursk" / f"{d}.geojson").read_bytes() == s.object_bytes("kursk", es[-1].sha256)
    ver = run_sub("--layers", str(root), "verify", "kursk")
    assert ver.returncode == 0, ver.stdout + ver.stderr


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["folders", "processes"])
def test_four_concurrent_writers(mode, tmp_path, region):
    import subprocess

    from .helpers import init_args, run_cli

    rounds = count("concurrency_rounds")
    landed = 0
    reads = 0
    t0 = time.monotonic()
    for r in range(rounds):
        base = tmp_path / f"round{r}"
        root = base / "layers"
        assert run_cli(init_args(root, region)).exit_code == 0
        files, shas = _inputs(base / "in")
        reader = Reader(root)
        reader.start()
        failures: list[str] = []

        def writer(mine, _root=root, _fail=failures):
            if mode == "folders":
                p = run_sub("--layers", str(_root), "import", "kursk", str(mine[0].parent), timeout=300)
                if p.returncode:
                    _fail.append(p.stderr[-2000:])
                return
            for f in mine:
                p = run_sub("--layers", str(_root), "import", "kursk", str(f), timeout=300)
                if p.returncode:
                    _fail.append(p.stderr[-2000:])

        threads = [threading.Thread(target=writer, args=(m,)) for m in files]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        reader.stop.set()
        reader.join()
        assert not failures, failures
        assert not reader.errors, f"the reader saw errors during the writes: {reader.errors[:3]}"
        _check(root, shas)
        # a CLI reader afterwards agrees
        out = subprocess.run(frontline_cmd("--layers", str(root), "dates", "kursk"), capture_output=True, text=True)
        assert out.returncode == 0 and len(out.stdout.splitlines()) == PER_WRITER
        landed += WRITERS * PER_WRITER
        reads += reader.reads
    add_figure("concurrency", **{f"{mode}_rounds": rounds, f"{mode}_versions_landed": landed,
                                 f"{mode}_versions_expected": rounds * WRITERS * PER_WRITER,
                                 f"{mode}_reads_during_writes": reads,
                                 f"{mode}_seconds": round(time.monotonic() - t0, 1)})


def test_a_held_lock_times_out_cleanly_and_a_killed_holder_frees_it(store_root, tmp_path):
    """Another process holds the writer lock: a writer gives up with LockTimeout (exit code 75), changing
    nothing; once the holder is SIGKILLed, the kernel drops its flock and the next import lands at once.

    The timeout (60 s) cannot be set from the command line, so the waiting writer runs through the Python API.
    """
    import signal
    import subprocess
    import sys

    from geo.errors import LockTimeout
    from geo.store import Store

    from .helpers import run_cli, snapshot, snapshot_diff

    lock = store_root / "kursk" / ".frontline" / "lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, os, sys, time\n"
        "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\n"
        "print('held', flush=True)\n"
        "time.sleep(600)\n"), str(lock)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        before = snapshot(store_root)
        t0 = time.monotonic()
        with pytest.raises(LockTimeout) as exc:
            Store(store_root, lock_timeout=0.5).record("kursk", "2024-08-10", layer(1))
        assert exc.value.exit_code == 75 and 0.5 <= time.monotonic() - t0 < 5
        assert snapshot_diff(before, snapshot(store_root)) == []
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    f = write_json(tmp_path / "2024-08-10.geojson", layer(1))
    t0 = time.monotonic()
    assert run_cli(["--layers", str(store_root), "import", "kursk", str(f)]).exit_code == 0
    assert time.monotonic() - t0 < 10
    add_figure("concurrency", lock_timeouts_clean=1, killed_lock_holder_freed=1)
