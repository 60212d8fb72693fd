"""The whole front (issue 14): frontline beside a plain shapely loop, DuckDB spatial, PostGIS and the parse floor.

On the 353-day DeepStateMap series (``../shared/data/ukraine/deepstate/daily/``, one MultiPolygon a day, status
``ru_occupied`` given at import, the store built like ``tests/conftest.py:make_ukraine_store``). Each measurement
is one fresh ``python -m bench.front_work TASK WAY`` process (libraries imported before the clock starts), its
peak resident memory that process's own ``ru_maxrss`` through ``os.wait4``; the table gives medians over
``repeat`` runs, the ways of a task taking turns to go first. frontline's area, changes and timeline run **cold**:
``FRONTLINE_NO_CACHE=1`` and every ``cache`` folder under the theatre's ``.frontline/`` removed before each run
(what the store itself keeps counts, as the issue says). Each repeat imports the folder into a fresh store (the
import row) and measures the other tasks on that store.

Decisions where the issue is silent: the timeline runs cold too (its page is a function of the store alone, and a
warm page would measure the cache); PostGIS's row times the query alone, the layers loaded into a temporary table
first in the same process (so its peak includes the load); the parse floor's LAEA is one projection centred on the
first layer (as the plain loop's), where frontline centres its own; DuckDB's areas are geodesic
(``ST_Area_Spheroid``) and so are compared with ``reference_areas.csv`` like frontline's.
"""

from __future__ import annotations

import csv
import os
import shutil
import statistics
from pathlib import Path

from .run import REPO
from .run import measure as run_measure

#: (task, ways) in the order of the table; each way's process is :mod:`bench.front_work`
PLAN = (("import", ("frontline", "baseline")), ("area", ("frontline", "loop", "duckdb", "postgis", "floor")),
        ("changes", ("frontline", "loop", "duckdb", "postgis")), ("timeline", ("frontline",)))
WAYS = ("frontline", "baseline", "loop", "duckdb", "postgis", "floor")
#: The revision the import is measured against in the same run (the "today" of issue 14: main before its work);
#: ``$FRONTLINE_BENCH_BASELINE`` names another.
BASELINE = "2f200aa"
WAY_NAMES = {"frontline": "frontline", "baseline": f"frontline at {BASELINE} (before)", "loop": "plain shapely loop",
             "duckdb": "DuckDB spatial", "postgis": "PostGIS", "floor": "parse floor"}
NO_CACHE = {"FRONTLINE_NO_CACHE": "1"}
#: frontline's areas against the independent geodesic reference (the issue's "every figure unchanged")
AREA_TOLERANCE_KM2 = 0.01


def ukraine_dir(option: str | None, kursk_shared: Path) -> Path:
    """``--ukraine``, else ``$FRONTLINE_UKRAINE_DATA``, else ``ukraine/`` beside the Kursk folder."""
    if option:
        return Path(option)
    env = os.environ.get("FRONTLINE_UKRAINE_DATA")
    return Path(env) if env else kursk_shared.parent / "ukraine"


def clear_cache(store: Path) -> None:
    meta = Path(store) / "ua" / ".frontline"
    if meta.is_dir():
        for d in sorted((p for p in meta.rglob("cache") if p.is_dir()), key=lambda p: -len(p.parts)):
            shutil.rmtree(d, ignore_errors=True)


def measure(task: str, way: str, args: dict, *, env: dict | None = None, baseline: Path | None = None) -> dict:
    """:func:`bench.run.measure` of a ``bench.front_work`` process; with ``baseline`` (a tree of
    :func:`baseline_tree`), frontline's task run on that tree's ``geo`` (``python -P``: the working directory's
    own ``geo`` is not on the path)."""
    if baseline is not None:
        return run_measure(task, "frontline", args, env={**(env or {}), "PYTHONPATH": str(baseline)},
                           module="bench.front_work", flags=("-P",))
    return run_measure(task, way, args, env=env, module="bench.front_work")


def baseline_revision() -> str:
    return os.environ.get("FRONTLINE_BENCH_BASELINE") or BASELINE


def baseline_tree(work: Path) -> Path:
    """The baseline revision's files (``git archive``) in ``work``, with this tree's ``bench/`` over its own, so
    that the same measuring code runs the old ``geo``. Raises RuntimeError where git or the revision is missing.
    """
    import subprocess

    rev = baseline_revision()
    dest = work / f"baseline-{rev}"
    if not (dest / "geo").is_dir():
        dest.mkdir(parents=True, exist_ok=True)
        try:
            archive = subprocess.run(["git", "-C", str(REPO), "archive", rev, "geo"], capture_output=True,
                                     check=True).stdout
            subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            shutil.rmtree(dest, ignore_errors=True)
            raise RuntimeError(f"no tree of revision {rev}: {exc}") from None
    shutil.rmtree(dest / "bench", ignore_errors=True)
    shutil.copytree(REPO / "bench", dest / "bench", ignore=shutil.ignore_patterns("results", "__pycache__"))
    return dest


def task_args(task: str, way: str, folder: Path, store: Path, work: Path) -> tuple[dict, dict | None]:
    """The arguments of one measurement and its environment: frontline measured cold (the result cache removed
    and ``FRONTLINE_NO_CACHE``), an import into ``store`` from ``folder``, the other tasks on ``store``."""
    if task == "import":
        dest = store if way == "frontline" else store.with_name(store.name + f"-{way}")
        return {"folder": str(folder), "dest": str(dest)}, None
    args = {"folder": str(folder), "store": str(store), "out": str(work / f"{task}-{way}.out")}
    if way != "frontline":
        return args, None
    clear_cache(store)
    return args, NO_CACHE


def available_ways() -> tuple[dict, dict]:
    """The ways this machine can run, and a note for each it cannot."""
    notes = {}
    if not (REPO / ".git").exists():
        notes["baseline"] = "skipped: not a git checkout (the baseline revision is read with git archive)"
    try:
        import duckdb  # noqa: F401

        from .front_work import duckdb_extension
        duckdb_extension()
    except (ImportError, RuntimeError) as exc:
        notes["duckdb"] = f"skipped: {exc} (pip install -e '.[bench]')"
    if not os.environ.get("FRONTLINE_TEST_PG"):
        notes["postgis"] = ("skipped: no server (set FRONTLINE_TEST_PG, as make bench does through "
                            "scripts/ensure-postgres)")
    else:
        try:
            import psycopg  # noqa: F401
        except ImportError:
            notes["postgis"] = "skipped: psycopg is not installed (pip install -e '.[postgis]')"
    return {w: w not in notes for w in WAYS}, notes


def reference_areas(ukraine: Path) -> dict:
    path = ukraine / "deepstate" / "reference_areas.csv"
    with open(path, newline="") as f:
        return {r["date"]: float(r["ru_occupied_km2"]) for r in csv.DictReader(f)}


def area_check(areas: dict, ref: dict) -> dict:
    diffs = {d: abs(km2 - ref[d]) for d, km2 in areas.items() if d in ref}
    worst = max(diffs, key=diffs.get) if diffs else None
    return {"dates": len(diffs), "max_abs_km2": diffs[worst] if worst else None, "worst_date": worst,
            "within": all(v <= AREA_TOLERANCE_KM2 for v in diffs.values()) and len(diffs) == len(areas)}


def summarise(samples: list[dict]) -> dict:
    s = [x["seconds"] for x in samples]
    out = {"median_s": statistics.median(s), "min_s": min(s), "max_s": max(s), "n": len(s),
           "process_median_s": statistics.median(x["process_s"] for x in samples),
           "peak_mb": statistics.median(x["peak_mb"] for x in samples),
           "peak_max_mb": max(x["peak_mb"] for x in samples)}
    if "workers_peak_mb" in samples[-1]:
        out["workers_peak_mb"] = max(x["workers_peak_mb"] for x in samples)
    for k in ("bytes", "store_bytes", "internal_bytes", "current_bytes", "pairs", "gained_km2", "lost_km2",
              "gained_above_noise_km2", "lost_above_noise_km2"):
        if k in samples[-1]:
            out[k] = samples[-1][k]
    return out


def link_folder(dest: Path, files: list[str]) -> Path:
    """A folder of symbolic links to ``files`` (the importer and the other ways read a folder)."""
    dest.mkdir(parents=True, exist_ok=True)
    for f in files:
        (dest / Path(f).name).symlink_to(Path(f).resolve())
    return dest


def front_benchmark(work: Path, ukraine: Path, *, limit: int | None, repeat: int, log) -> dict:
    daily = ukraine / "deepstate" / "daily"
    files = sorted(str(p) for p in daily.glob("*.geojson"))
    if limit:
        files = files[:limit]
    folder = link_folder(work / "src", files)
    dates = [Path(f).stem for f in files]
    ok, notes = available_ways()
    log(f"whole front: {len(files)} layers {dates[0]}..{dates[-1]}; ways "
        + ", ".join(w for w in WAYS if ok[w]) + (f" ({'; '.join(notes.values())})" if notes else ""))
    samples = {(t, w): [] for t, ways in PLAN for w in ways if ok[w]}
    base = None
    if ok["baseline"]:
        try:
            base = baseline_tree(work)
        except RuntimeError as exc:
            ok["baseline"], notes["baseline"] = False, f"skipped: {exc}"
            samples = {k: v for k, v in samples.items() if k[1] != "baseline"}
    for r in range(repeat):
        store = work / f"store-{r}"
        for task, ways in PLAN:
            ways = [w for w in ways if ok[w]]
            k = r % len(ways)
            for way in ways[k:] + ways[:k]:  # each way goes first in turn
                args, env = task_args(task, way, folder, store, work)
                samples[(task, way)].append(measure(task, way, args, env=env,
                                                    baseline=base if way == "baseline" else None))
            log(f"  repeat {r + 1}/{repeat} {task}: " + ", ".join(
                f"{w} {samples[(task, w)][-1]['seconds']:.2f} s" for w in ways))
        if r:
            shutil.rmtree(work / f"store-{r - 1}", ignore_errors=True)
        shutil.rmtree(work / f"store-{r}-baseline", ignore_errors=True)
    ref = reference_areas(ukraine)
    rows = []
    for task, ways in PLAN:
        row = {"task": task, "ways": {}}
        for w in ways:
            if not ok[w]:
                row["ways"][w] = {"skipped": notes[w]}
                continue
            row["ways"][w] = summarise(samples[(task, w)])
            if task == "area":
                row["ways"][w]["area_check"] = area_check(samples[(task, w)][-1]["areas"], ref)
        rows.append(row)
    input_bytes = sum(Path(f).stat().st_size for f in files)
    return {"layers": len(files), "first": dates[0], "last": dates[-1], "pairs": len(files) - 1,
            "repeat": repeat, "input_bytes": input_bytes, "tasks": rows, "notes": notes,
            "targets": targets(rows, input_bytes)}


def _way(rows, task, way):
    for r in rows:
        if r["task"] == task:
            w = r["ways"].get(way)
            return None if w is None or "skipped" in w else w
    return None


def targets(rows: list[dict], input_bytes: int) -> list[dict]:
    """The issue's targets that the 353-day series measures, each against the others in the same run."""
    out = []

    def add(name, wanted, value, met, fmt):
        out.append({"target": name, "wanted": wanted, "value": value, "met": met, "format": fmt})

    tl = _way(rows, "timeline", "frontline")
    if tl:
        add("timeline --assets inline, page", "≤ 0.5 MB", tl["bytes"], tl["bytes"] <= 0.5e6, "MB")
        add("timeline --assets inline, build", "≤ 3 s", tl["median_s"], tl["median_s"] <= 3, "s")
    ch, chl = _way(rows, "changes", "frontline"), _way(rows, "changes", "loop")
    if ch and chl:
        add("changes, no cache", "≥ 5× faster than the plain loop", chl["median_s"] / ch["median_s"],
            chl["median_s"] / ch["median_s"] >= 5, "x")
    ar, fl, dk = _way(rows, "area", "frontline"), _way(rows, "area", "floor"), _way(rows, "area", "duckdb")
    if ar and fl:
        add("area --all, no cache", "≤ 1.5× the parse floor", ar["median_s"] / fl["median_s"],
            ar["median_s"] / fl["median_s"] <= 1.5, "ratio")
    if ar and dk:
        add("area --all, no cache", "faster than DuckDB spatial", dk["median_s"] / ar["median_s"],
            ar["median_s"] < dk["median_s"], "x")
    peaks = [(r["task"], r["ways"]["frontline"]["peak_max_mb"]) for r in rows if "frontline" in r["ways"]]
    if peaks:
        task, peak = max(peaks, key=lambda p: p[1])
        add(f"peak memory of any command ({task})", "≤ 300 MB (the issue's figure is on 769 days)", peak,
            peak <= 300, "MB")
    imp = _way(rows, "import", "frontline")
    imb = _way(rows, "import", "baseline")
    if imp and imb:
        add(f"import, against {baseline_revision()} in the same run", "≥ 2× faster",
            imb["median_s"] / imp["median_s"], imb["median_s"] / imp["median_s"] >= 2, "x")
    if imp:
        add("store on disk", "≤ 0.3× the input bytes", imp["store_bytes"] / input_bytes,
            imp["store_bytes"] / input_bytes <= 0.3, "ratio")
    if ar:
        c = ar["area_check"]
        add("areas against reference_areas.csv", f"within {AREA_TOLERANCE_KM2} km²", c["max_abs_km2"], c["within"],
            "km2")
    return out


def _fmt(v: float, fmt: str) -> str:
    return {"MB": f"{v / 1e6:.2f} MB" if v > 1e4 else f"{v:.0f} MB", "s": f"{v:.2f} s", "x": f"{v:.2f}×",
            "ratio": f"{v:.2f}", "km2": f"{v:.4f} km²"}[fmt]


def markdown(front: dict) -> list[str]:
    ways = [w for w in WAYS if any(w in r["ways"] for r in front["tasks"])]
    lines = ["", f"### The whole front: {front['layers']} daily layers ({front['first']} to {front['last']}), "
             f"status `ru_occupied`", "",
             f"Each figure the median of {front['repeat']} runs, each run a fresh process (libraries imported "
             "first, then the work timed); peak = that process's maximum resident memory (median of the runs). "
             "frontline cold: `FRONTLINE_NO_CACHE=1`, the result cache removed.", "",
             "| task | " + " | ".join(WAY_NAMES[w] for w in ways) + " |",
             "|---|" + "---:|" * len(ways)]
    label = {"import": "`import` of the folder", "area": "`area --all --json`, no cache",
             "changes": f"`changes --json`, {front['pairs']} pairs, no cache",
             "timeline": "`timeline --assets inline`, no cache"}
    for r in front["tasks"]:
        cells = []
        for w in ways:
            x = r["ways"].get(w)
            if x is None:
                cells.append("")
            elif "skipped" in x:
                cells.append("skipped")
            else:
                c = f"{x['median_s']:.2f} s, {x['peak_mb']:.0f} MB"
                if x.get("workers_peak_mb"):
                    c += f" (workers {x['workers_peak_mb']:.0f} MB each at most)"
                if "bytes" in x:
                    c += f", page **{x['bytes'] / 1e6:.2f} MB**"
                cells.append(c)
        lines.append(f"| {label[r['task']]} | " + " | ".join(cells) + " |")
    imp = _way(front["tasks"], "import", "frontline")
    if imp:
        lines += ["", f"Store on disk after the import: **{imp['store_bytes'] / 1e6:.1f} MB** for "
                  f"{front['input_bytes'] / 1e6:.1f} MB of input ({imp['store_bytes'] / front['input_bytes']:.2f}×): "
                  f"`.frontline/` {imp['internal_bytes'] / 1e6:.1f} MB, the current dated files "
                  f"{imp['current_bytes'] / 1e6:.1f} MB."]
    checks = []
    for w in ways:
        x = _way(front["tasks"], "area", w)
        if x and x["area_check"]["max_abs_km2"] is not None:
            c = x["area_check"]
            checks.append(f"{WAY_NAMES[w]} {c['max_abs_km2']:.4f} km² ({c['worst_date']})")
    if checks:
        lines += ["", "Largest difference from `reference_areas.csv` (geodesic, independent) on any date: "
                  + "; ".join(checks) + "."]
    sums = [(WAY_NAMES[w], x) for w in ways if (x := _way(front["tasks"], "changes", w))]
    if sums:
        lines += ["", "Changes summed over the pairs (gained / lost km², frontline's noise slivers added back; "
                  "above its noise threshold frontline reports "
                  + (f"{x['gained_above_noise_km2']:,.3f} / {x['lost_above_noise_km2']:,.3f}"
                     if (x := _way(front["tasks"], "changes", "frontline")) else "—") + "): " + "; ".join(
            f"{n} {x['gained_km2']:,.3f} / {x['lost_km2']:,.3f}" for n, x in sums) + "."]
    for w, note in front["notes"].items():
        lines.append(f"\n{WAY_NAMES[w]}: {note}.")
    lines += ["", "| target (issue 14, 353-day series) | wanted | measured | |", "|---|---|---:|---|"]
    for t in front["targets"]:
        lines.append(f"| {t['target']} | {t['wanted']} | {_fmt(t['value'], t['format'])} | "
                     f"{'met' if t['met'] else '**missed**'} |")
    return lines
