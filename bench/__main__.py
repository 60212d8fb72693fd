"""``python -m bench`` (``make bench``): frontline against the notebook way on the Kursk series, the whole front
beside a plain shapely loop, DuckDB spatial and PostGIS, and the 10-year growth curve.

    .venv/bin/python -m bench [--quick] [--layers-limit N] [--repeat N] [--out DIR] [--no-growth] [--shared DIR]
                              [--no-front | --front-only | --growth-only] [--front-repeat N] [--front-points N,N,…]
                              [--kursk-growth] [--ukraine DIR]

Writes ``results.json``, ``results.md``, ``front_growth.png`` (and ``growth.png`` with ``--kursk-growth``) to
``--out`` (default ``bench/results``). The real layers are read from ``../shared/data/kursk`` (or
``$FRONTLINE_SHARED_DATA``) and ``../shared/data/ukraine`` (or ``$FRONTLINE_UKRAINE_DATA``) at run time, never
copied into the repository. See ``bench/README.md`` for what each task does each way.

The perturbed Kursk growth (``bench/growth.py``) is no longer part of the default run: the whole-front growth
curve (``bench/front_growth.py``) took its place, and both together would take ``make bench`` past 30 minutes on
the 2-core machine. ``--kursk-growth`` still runs it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from . import report
from .front_growth import POINTS as FRONT_POINTS
from .front_growth import QUICK_POINTS as FRONT_QUICK_POINTS
from .run import REPO, machine, real_benchmark, spawn

FRONT_REPEAT = 3

#: growth points (dates, vertices): dates grow at a fixed front, then vertices at a fixed number of dates
GROWTH_DATES = (10, 30, 100, 300, 1000)
GROWTH_DATES_VERTICES = 1_000
GROWTH_VERTICES = (1_000, 3_000, 10_000, 30_000, 100_000)
GROWTH_VERTICES_DATES = 10
QUICK_DATES = (2, 3)  # three growth points in all: the smoke test stays short
QUICK_VERTICES = (600,)


def shared_dir(option: str | None) -> Path:
    if option:
        return Path(option)
    env = os.environ.get("FRONTLINE_SHARED_DATA")
    return Path(env) if env else (REPO / ".." / "shared" / "data" / "kursk").resolve()


def run_growth(work: Path, shared: Path, *, quick: bool, log) -> dict:
    import shutil

    dates_axis = QUICK_DATES if quick else GROWTH_DATES
    verts_axis = QUICK_VERTICES if quick else GROWTH_VERTICES
    fixed_v = QUICK_VERTICES[0] if quick else GROWTH_DATES_VERTICES
    fixed_d = QUICK_DATES[0] if quick else GROWTH_VERTICES_DATES
    out = {"by_dates": [], "by_vertices": [],
           "note": "synthetic: the real 2024-08-24 Ukrainian-held polygon densified and moved by a smooth "
                   "field per date (bench/growth.py); cold, one run per point"}
    for axis, pts in (("by_dates", [(d, fixed_v) for d in dates_axis]),
                      ("by_vertices", [(fixed_d, v) for v in verts_axis])):
        for d, v in pts:
            w = work / f"growth-{d}-{v}"
            t = time.perf_counter()
            r = spawn([sys.executable, "-m", "bench.growth", str(w), str(shared), str(d), str(v)])
            lines = [x for x in r["stdout"].splitlines() if x.startswith("BENCH ")]
            if r["rc"] != 0 or not lines:
                raise RuntimeError(f"growth point {d} dates × {v} vertices failed:\n{r['stderr'][-3000:]}")
            p = json.loads(lines[-1][6:])
            p["peak_mb"] = r["peak_mb"]
            out[axis].append(p)
            shutil.rmtree(w, ignore_errors=True)
            log(f"  growth {d} dates × {p['vertices']:,} vertices: import {p['import_s']:.2f} s, area "
                f"{p['area_s']:.2f} s, changes {p['changes_s']:.2f} s, store {p['store_bytes'] / 1e6:.1f} MB, "
                f"timeline {p['timeline_bytes'] / 1e6:.1f} MB ({time.perf_counter() - t:.0f} s)")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="few repeats and a tiny growth run (the smoke test)")
    ap.add_argument("--layers-limit", type=int, default=None, help="use only the first N daily layers")
    ap.add_argument("--repeat", type=int, default=None, help="runs per task and way (default 5; --quick 1)")
    ap.add_argument("--cli-runs", type=int, default=None, help="runs of each whole process (default 15; quick 2)")
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results")
    ap.add_argument("--no-growth", action="store_true", help="skip the synthetic growth series")
    ap.add_argument("--no-animate", action="store_true", help="skip the animation benchmark (frontline animate)")
    ap.add_argument("--shared", default=None, help="the shared Kursk data folder")
    ap.add_argument("--ukraine", default=None, help="the shared whole-front data folder (default: ukraine/ beside "
                    "the Kursk folder, or $FRONTLINE_UKRAINE_DATA)")
    part = ap.add_mutually_exclusive_group()
    part.add_argument("--no-front", action="store_true", help="skip the whole front and its growth curve")
    part.add_argument("--front-only", action="store_true",
                      help="only the whole front and its growth curve (no Kursk tables, no animation)")
    part.add_argument("--growth-only", action="store_true", help="only the whole front's growth curve")
    ap.add_argument("--front-repeat", type=int, default=None,
                    help=f"runs per whole-front task and way (default {FRONT_REPEAT}; --quick 1)")
    ap.add_argument("--front-points", default=None,
                    help="growth points in dates, comma-separated (default "
                         + ",".join(map(str, FRONT_POINTS)) + ")")
    ap.add_argument("--kursk-growth", action="store_true", help="also the perturbed Kursk growth (bench/growth.py)")
    a = ap.parse_args(argv)
    if a.layers_limit is not None and a.layers_limit < 2:
        ap.error("--layers-limit must be at least 2 (changes need a pair)")
    shared = shared_dir(a.shared)
    a.front_only = a.front_only or a.growth_only
    if not a.front_only and not (shared / "deepstate" / "daily").is_dir():
        ap.error(f"no real data at {shared} (set --shared or $FRONTLINE_SHARED_DATA)")
    from .front import ukraine_dir

    ukraine = ukraine_dir(a.ukraine, shared)
    if not a.no_front and not (ukraine / "deepstate" / "daily").is_dir():
        ap.error(f"no whole-front data at {ukraine} (set --ukraine or $FRONTLINE_UKRAINE_DATA, or --no-front)")
    try:
        points = (tuple(int(x) for x in a.front_points.split(",")) if a.front_points else
                  FRONT_QUICK_POINTS if a.quick else FRONT_POINTS)
    except ValueError:
        ap.error("--front-points takes numbers of dates, comma-separated")
    if min(points) < 2:
        ap.error("--front-points: at least 2 dates a point (changes need a pair)")
    front_repeat = a.front_repeat or (1 if a.quick else FRONT_REPEAT)
    repeat = a.repeat or (1 if a.quick else 5)
    cli_runs = a.cli_runs or (1 if a.quick else 15)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    started = time.perf_counter()
    res = {"date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(),
           "command": "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:])}
    with tempfile.TemporaryDirectory(prefix="frontline-bench-") as tmp:
        work = Path(tmp)
        timings = res["elapsed_parts_s"] = {}
        if not a.front_only:
            t = time.perf_counter()
            res["real"] = real_benchmark(work / "real", shared, limit=a.layers_limit, repeat=repeat,
                                         cli_runs=cli_runs, log=log)
            timings["kursk"] = time.perf_counter() - t
            if not a.no_animate:
                from .animate import animate_benchmark

                t = time.perf_counter()
                res["animate"] = animate_benchmark(work / "animate", shared, limit=a.layers_limit, log=log)
                timings["animate"] = time.perf_counter() - t
            if a.kursk_growth and not a.no_growth:
                log("growth")
                t = time.perf_counter()
                res["growth"] = run_growth(work, shared, quick=a.quick, log=log)
                timings["kursk_growth"] = time.perf_counter() - t
        if not a.no_front:
            from .front import front_benchmark

            if not a.growth_only:
                t = time.perf_counter()
                res["front"] = front_benchmark(work / "front", ukraine, limit=a.layers_limit, repeat=front_repeat,
                                               log=log)
                timings["front"] = time.perf_counter() - t
            if not a.no_growth:
                from .front_growth import growth_benchmark

                t = time.perf_counter()
                res["front_growth"] = growth_benchmark(work / "front-growth", ukraine, points=points,
                                                       limit=a.layers_limit, log=log)
                timings["front_growth"] = time.perf_counter() - t
    res["elapsed_s"] = time.perf_counter() - started
    j, md = report.write(res, a.out)
    pngs = []
    if res.get("growth"):
        from .growth import plot

        pngs.append(plot(res["growth"], a.out / "growth.png"))
    if res.get("front_growth"):
        from .front_growth import plot as front_plot

        pngs.append(front_plot(res["front_growth"], a.out / "front_growth.png"))
    sys.stdout.write(md.read_text())
    log(f"wrote {', '.join(str(p) for p in (j, md, *pngs))} in {res['elapsed_s']:.0f} s")
    failed = [f"{p['dates']} dates {k}" for p in res.get("front_growth", {}).get("points", [])
              for k, x in p["ways"].items() if "failed" in x]
    if failed:
        log("failed: " + ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
