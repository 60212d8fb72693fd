"""The real-data benchmark: each task both ways, alternating, in a fresh process per measurement.

A measurement is one ``python -m bench.work`` process; its peak resident memory is that process's own
``ru_maxrss`` from ``os.wait4`` (not ``RUSAGE_CHILDREN``, which is the maximum over every child ever waited for).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MAP_DATE = "2024-08-24"


#: The launcher: a lean Python (json, os, subprocess) that runs each measured command and reaps it with
#: ``os.wait4``. A child's ``ru_maxrss`` starts at its parent's peak at the fork (Linux copies the memory map's
#: high-water mark into the child and carries it across ``exec``): spawned from the benchmark itself, which has
#: imported geopandas, folium and geo, every figure had a floor of 130 to 180 MB. Spawned from this launcher,
#: whose own peak is about 10 MB, the figure is the command's own.
_LAUNCHER = r"""
import json, os, subprocess, sys, time
for line in sys.stdin:
    req = json.loads(line)
    with open(req["out"], "wb") as fo, open(req["err"], "wb") as fe:
        t = time.perf_counter()
        p = subprocess.Popen(req["cmd"], stdout=fo, stderr=fe, env=req["env"])
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t
    sys.stdout.write(json.dumps({"wall": wall, "rc": os.waitstatus_to_exitcode(status),
                                 "maxrss_kb": usage.ru_maxrss}) + "\n")
    sys.stdout.flush()
"""
_launcher: subprocess.Popen | None = None


def _launch(cmd: list[str], env: dict, out: str, err: str) -> dict:
    global _launcher
    if _launcher is None or _launcher.poll() is not None:
        _launcher = subprocess.Popen([sys.executable, "-I", "-c", _LAUNCHER], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
    _launcher.stdin.write(json.dumps({"cmd": cmd, "env": env, "out": out, "err": err}) + "\n")
    _launcher.stdin.flush()
    line = _launcher.stdout.readline()
    if not line:
        raise RuntimeError(f"the benchmark's launcher died running {cmd}")
    return json.loads(line)


def spawn(cmd: list[str], *, env: dict | None = None) -> dict:
    """Run ``cmd`` to the end; return ``{"wall", "rc", "peak_mb", "stdout", "stderr"}``.

    The command is started by the lean launcher above and reaped there with ``os.wait4``, which returns that one
    child's resource usage (its own peak, not the maximum over every child, nor the benchmark's own memory).
    """
    import tempfile

    full_env = {**os.environ, **(env or {})}
    with tempfile.TemporaryDirectory(prefix="frontline-spawn-") as tmp:
        out, err = os.path.join(tmp, "out"), os.path.join(tmp, "err")
        r = _launch(cmd, full_env, out, err)
        with open(out, "rb") as fo, open(err, "rb") as fe:
            stdout, stderr = fo.read().decode(errors="replace"), fe.read().decode(errors="replace")
    return {"wall": r["wall"], "rc": r["rc"], "peak_mb": r["maxrss_kb"] / 1024, "stdout": stdout, "stderr": stderr}


def measure(task: str, way: str, args: dict, *, env: dict | None = None, module: str = "bench.work",
            flags: tuple = ()) -> dict:
    """One process of ``module`` (``bench.work``, or ``bench.front_work`` for the whole front): its timed seconds
    and extras, its wall time and peak memory. ``flags`` go to Python before ``-m``."""
    r = spawn([sys.executable, *flags, "-m", module, task, way, json.dumps(args)], env=env)
    lines = [x for x in r["stdout"].splitlines() if x.startswith("BENCH ")]
    if r["rc"] != 0 or not lines:
        raise RuntimeError(f"{module} {task}/{way} failed (exit {r['rc']}):\n{r['stderr'][-3000:]}")
    res = json.loads(lines[-1][6:])
    res.update(process_s=r["wall"], peak_mb=r["peak_mb"])
    return res


def machine() -> dict:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GB"
    except (OSError, ValueError, IndexError):
        pass
    import folium
    import geopandas
    import pyproj
    import shapely
    return {"cpu": cpu, "cores": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()],
            "memory": mem, "os": platform.platform(),
            "python": platform.python_version(), "shapely": shapely.__version__, "geos": shapely.geos_version_string,
            "pyproj": pyproj.__version__, "proj": pyproj.proj_version_str, "geopandas": geopandas.__version__,
            "folium": folium.__version__, "duckdb": _version("duckdb"), "postgis_server": bool(
                os.environ.get("FRONTLINE_TEST_PG"))}


def _version(module: str) -> str | None:
    try:
        return __import__(module).__version__
    except ImportError:
        return None


def build_store(root: Path, shared: Path, files: list[str]) -> Path:
    sys.path.insert(0, str(REPO / "tests"))
    from conftest import make_real_store

    from geo.importers import ImportOptions, import_paths
    from geo.store import Store

    make_real_store(root, shared, daily=False)
    import_paths(Store(root), "kursk", files, ImportOptions(source="DeepStateMap daily"))
    return root


def clear_cache(store: Path) -> None:
    shutil.rmtree(store / "kursk" / ".frontline" / "cache", ignore_errors=True)


def summarise(samples: list[dict]) -> dict:
    s = [x["seconds"] for x in samples]
    out = {"median_s": statistics.median(s), "min_s": min(s), "max_s": max(s), "n": len(s),
           "process_median_s": statistics.median(x["process_s"] for x in samples),
           "peak_mb": max(x["peak_mb"] for x in samples)}
    if "bytes" in samples[0]:
        out["bytes"] = samples[-1]["bytes"]
    return out


def real_benchmark(work: Path, shared: Path, *, limit: int | None, repeat: int, cli_runs: int, log) -> dict:
    """Every task of the issue both ways on the real daily layers; returns the results dict."""
    files = sorted(str(p) for p in (shared / "deepstate" / "daily").glob("*.geojson"))
    if limit:
        files = files[:limit]
    dates = [Path(f).stem for f in files]
    map_date = MAP_DATE if MAP_DATE in dates else dates[-1]
    map_file = files[dates.index(map_date)]
    log(f"{len(files)} layers {dates[0]}..{dates[-1]}; building the stores")
    base = build_store(work / "base", shared, files)
    cold, warm = work / "cold", work / "warm"
    shutil.copytree(base, cold)
    shutil.copytree(base, warm)
    clear_cache(cold)
    spawn([sys.executable, "-m", "geo.cli", "--layers", str(warm), "area", "kursk", "--all"])
    spawn([sys.executable, "-m", "geo.cli", "--layers", str(warm), "changes", "kursk"])
    no_cache = {"FRONTLINE_NO_CACHE": "1"}

    common = {"files": files, "shared": str(shared)}
    # (row name, task, frontline args and env, notebook args); None: the notebook row of another task is reused
    plan = [
        ("import", "import", {**common, "dest": str(work / "imp-fl")}, None,
         {**common, "dest": str(work / "imp-nb")}),
        ("area, cold", "area", {"store": str(cold)}, no_cache, common),
        ("area, warm", "area", {"store": str(warm)}, None, None),
        ("changes, cold", "changes", {"store": str(cold)}, no_cache, common),
        ("changes, warm", "changes", {"store": str(warm)}, None, None),
        ("map, warm", "map", {"store": str(warm), "date": map_date, "out": str(work / "map-fl.html")}, None,
         {"file": map_file, "out": str(work / "map-nb.html")}),
        ("map, cold", "map", {"store": str(cold), "date": map_date, "out": str(work / "map-fl-cold.html")}, no_cache,
         None),
        ("map, same content", "map+context", None, None,
         {"file": map_file, "settlements": str(warm / "kursk" / "context" / "settlements.geojson"),
          "out": str(work / "map-nb-ctx.html")}),
        ("timeline, warm", "timeline", {"store": str(warm), "out": str(work / "tl-fl.html")}, None,
         {**common, "out": str(work / "tl-nb.html")}),
        ("timeline, cold", "timeline", {"store": str(cold), "out": str(work / "tl-fl-cold.html")}, no_cache, None),
    ]
    samples: dict = {name: {"frontline": [], "notebook": []} for name, *_ in plan}
    for r in range(repeat):
        for name, task, fl_args, fl_env, nb_args in plan:
            ways = [("frontline", fl_args, fl_env), ("notebook", nb_args, None)]
            if r % 2:
                ways.reverse()  # alternate which way runs first: neither always gets the warmer page cache
            for way, args, env in ways:
                if args is None:
                    continue
                if task == "area" and way == "frontline" and env:
                    clear_cache(cold)
                samples[name][way].append(measure(task, way, args, env=env))
            log(f"  repeat {r + 1}/{repeat} {name}: " + ", ".join(
                f"{w} {s[-1]['seconds']:.3f} s" for w, s in samples[name].items() if s))

    rows = []
    nb_of = {"area, warm": "area, cold", "changes, warm": "changes, cold", "map, cold": "map, warm",
             "timeline, cold": "timeline, warm"}
    fl_of = {"map, same content": "map, warm"}
    for name, *_ in plan:
        fl = summarise(samples[fl_of.get(name, name)]["frontline"])
        nbs = samples[nb_of.get(name, name)]["notebook"]
        nb = summarise(nbs)
        rows.append({"task": name, "frontline": fl, "notebook": nb, "speedup": nb["median_s"] / fl["median_s"],
                     **({"size_ratio": fl["bytes"] / nb["bytes"]} if "bytes" in fl and "bytes" in nb else {})})

    check = area_agreement(base, samples["area, cold"]["notebook"])

    log("whole-process wall times")
    procs = []
    for label, argv, env, store in [
        (f"frontline area kursk {map_date} (warm cache)", ["area", "kursk", map_date], None, warm),
        (f"frontline area kursk {map_date} (cold: no cache)", ["area", "kursk", map_date], no_cache, cold),
        ("frontline --help", ["--help"], None, warm),
    ]:
        runs = []
        for _ in range(cli_runs):
            if env:
                clear_cache(cold)
            res = spawn([str(Path(sys.executable).parent / "frontline"), "--layers", str(store), *argv], env=env)
            if res["rc"] != 0:
                raise RuntimeError(f"{label} failed: {res['stderr']}")
            runs.append(res)
        procs.append({"command": label, "median_s": statistics.median(x["wall"] for x in runs),
                      "min_s": min(x["wall"] for x in runs), "n": len(runs),
                      "peak_mb": max(x["peak_mb"] for x in runs)})
        log(f"  {label}: {procs[-1]['median_s']:.3f} s")
    floor = [spawn([sys.executable, "-c", "import shapely, pyproj"])["wall"] for _ in range(cli_runs)]
    return {"layers": len(files), "first": dates[0], "last": dates[-1], "map_date": map_date, "repeat": repeat,
            "tasks": rows, "processes": procs, "import_floor_s": statistics.median(floor),
            "area_check": check}


def area_agreement(store: Path, nb_samples: list[dict]) -> dict:
    """Largest difference between frontline's km² and the notebook's (EPSG:6933) per date and status."""
    from geo.measure import compute_areas
    from geo.store import Store

    os.environ["FRONTLINE_NO_CACHE"] = "1"
    try:
        rows = compute_areas(Store(store), "kursk")
    finally:
        os.environ.pop("FRONTLINE_NO_CACHE", None)
    nb = nb_samples[-1]["areas"]
    worst_abs, worst_rel = 0.0, 0.0
    for r in rows:
        for status, km2 in r["areas_km2"].items():
            other = nb.get(r["date"], {}).get(status, 0.0)
            worst_abs = max(worst_abs, abs(km2 - other))
            if km2 > 1:
                worst_rel = max(worst_rel, abs(km2 - other) / km2)
    return {"max_abs_km2": worst_abs, "max_rel": worst_rel}
