"""The benchmark runs end to end on a few real layers (the benchmark itself is ``make bench``, not a test)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import REPO


def test_bench_quick_runs(shared_data, tmp_path):
    out = tmp_path / "results"
    r = subprocess.run([sys.executable, "-m", "bench", "--quick", "--layers-limit", "5", "--repeat", "1",
                        "--shared", str(shared_data), "--out", str(out)],
                       cwd=REPO, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    doc = json.loads((out / "results.json").read_text())
    assert doc["schema"] == "frontline.bench/v1"
    assert doc["real"]["layers"] == 5
    tasks = {row["task"]: row for row in doc["real"]["tasks"]}
    assert set(tasks) == {"import", "area, cold", "area, warm", "changes, cold", "changes, warm", "map, warm",
                          "map, cold", "map, same content", "timeline, warm", "timeline, cold"}
    for row in tasks.values():
        assert row["frontline"]["median_s"] > 0 and row["notebook"]["median_s"] > 0
        assert row["frontline"]["peak_mb"] > 10
    assert {v["task"] for v in doc["targets"]} >= {"area, cold", "changes, cold", "map, warm", "timeline, warm"}
    assert "| task |" in (out / "results.md").read_text()
    assert Path(out / "growth.png").stat().st_size > 1000
