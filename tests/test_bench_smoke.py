"""The benchmark runs end to end on a few real layers (the benchmark itself is ``make bench``, not a test)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, need_ukraine_data, ukraine_data_dir


def test_bench_quick_runs(shared_data, tmp_path):
    need_ukraine_data()
    out = tmp_path / "results"
    r = subprocess.run([sys.executable, "-m", "bench", "--quick", "--layers-limit", "5", "--repeat", "1",
                        "--no-animate", "--shared", str(shared_data), "--ukraine", str(ukraine_data_dir()),
                        "--out", str(out)],
                       cwd=REPO, capture_output=True, text=True, timeout=600)
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
    assert {v["task"] for v in doc["targets"] if "task" in v} >= {"area, cold", "changes, cold", "map, warm",
                                                                  "timeline, warm"}
    md = (out / "results.md").read_text()
    assert "| task |" in md and "### The whole front" in md and "### Growth" in md

    # the whole front: every way that can run here ran, the others say why
    front = doc["front"]
    assert front["layers"] == 5 and front["pairs"] == 4
    rows = {row["task"]: row["ways"] for row in front["tasks"]}
    assert set(rows) == {"import", "area", "changes", "timeline"}
    for task, ways in rows.items():
        for way, x in ways.items():
            assert ("median_s" in x) != ("skipped" in x), (task, way, x)
    assert all(w in rows["area"] and "median_s" in rows["area"][w] for w in ("frontline", "loop", "floor"))
    # the import against the baseline revision, in the same run, wherever git has that revision
    from bench.front import baseline_revision

    has_rev = subprocess.run(["git", "-C", str(REPO), "cat-file", "-e", baseline_revision() + "^{commit}"],
                             capture_output=True).returncode == 0
    if has_rev:
        assert rows["import"]["baseline"]["median_s"] > 0, rows["import"]["baseline"]
        assert any(t["target"].startswith("import, against") for t in front["targets"])
    else:
        assert "skipped" in rows["import"]["baseline"]
    # frontline's areas against the independent reference, and its changes against the plain loop's overlay
    assert rows["area"]["frontline"]["area_check"]["dates"] == 5
    assert rows["area"]["frontline"]["area_check"]["within"], rows["area"]["frontline"]["area_check"]
    fl, loop = rows["changes"]["frontline"], rows["changes"]["loop"]
    assert fl["pairs"] == loop["pairs"] == 4
    assert fl["gained_km2"] > 0
    assert abs(fl["gained_km2"] - loop["gained_km2"]) < 1e-6 and abs(fl["lost_km2"] - loop["lost_km2"]) < 1e-6
    if "median_s" in rows["changes"].get("duckdb", {}):  # geodesic on lon/lat differences: near, not equal
        assert abs(rows["changes"]["duckdb"]["gained_km2"] - fl["gained_km2"]) < 1e-3 * fl["gained_km2"]
    imp = rows["import"]["frontline"]
    assert imp["store_bytes"] == imp["internal_bytes"] + imp["current_bytes"] > 0
    assert rows["timeline"]["frontline"]["bytes"] > 1000
    assert {t["target"] for t in front["targets"]} >= {"timeline --assets inline, page", "changes, no cache",
                                                       "area --all, no cache", "store on disk"}

    # the growth curve: each point measured, bytes growing with the dates
    g = doc["front_growth"]
    assert [p["dates"] for p in g["points"]] == [4, 12]
    assert g["series"]["invalid"] == 0 and g["series"]["bumps"] > 0
    for p in g["points"]:
        for key in ("import/frontline", "area/frontline", "changes/frontline", "timeline/frontline"):
            assert p["ways"][key]["seconds"] > 0 and p["ways"][key]["peak_mb"] > 10
    a, b = g["points"]
    assert b["input_bytes"] > a["input_bytes"]
    assert b["ways"]["import/frontline"]["store_bytes"] > a["ways"]["import/frontline"]["store_bytes"]
    assert Path(out / "front_growth.png").stat().st_size > 1000


def test_synthetic_series_is_valid_continuous_and_brings_new_ground(tmp_path):
    """The growth series: every layer valid, the first leg the real layers, later legs new edges a day."""
    import shapely

    from bench.front_growth import _edge_keys, synthesize, walk

    daily = need_ukraine_data() / "deepstate" / "daily"
    real = sorted(str(p) for p in daily.glob("*.geojson"))[:5]
    res = synthesize(real, 13, tmp_path / "s")
    paths = res["paths"]
    assert len(paths) == 13 and res["stats"]["invalid"] == 0
    assert [walk(t, 5) for t in range(13)] == [0, 1, 2, 3, 4, 3, 2, 1, 0, 1, 2, 3, 4]
    assert [Path(p).read_bytes() for p in paths[:5]] == [Path(p).read_bytes() for p in real]
    geoms = []
    for p in paths:
        g = shapely.from_geojson(Path(p).read_bytes())
        g = shapely.get_geometry(g, 0)
        assert g.geom_type == "MultiPolygon" and g.is_valid
        geoms.append(g)
    edges = [_edge_keys(g) for g in geoms]
    seen = set().union(*edges[:5])
    new = 0
    for t in range(1, 13):
        shared = len(edges[t] & edges[t - 1]) / len(edges[t])
        assert shared > 0.8, (t, shared)  # continuous: a day keeps most of the day before
        if t >= 5:
            new += len(edges[t] - seen)
        seen |= edges[t]
    assert new > 0  # the walk back alone would bring nothing new: the bumps do


def test_spawn_reports_the_childs_own_peak():
    """A child's ru_maxrss starts at its parent's peak: the launcher keeps the benchmark's memory out of it."""
    from bench.run import spawn

    ballast = bytearray(300 * 2**20)
    ballast[::4096] = b"x" * len(ballast[::4096])  # touched, so resident
    r = spawn([sys.executable, "-c", "pass"])
    assert r["rc"] == 0
    assert r["peak_mb"] < 100, r["peak_mb"]
    big = spawn([sys.executable, "-c", "b = bytearray(200 * 2**20); b[::4096] = b'x' * len(b[::4096])"])
    assert big["peak_mb"] > 190
    del ballast


@pytest.fixture(autouse=True)
def _bench_on_path(monkeypatch):
    monkeypatch.syspath_prepend(str(REPO))
