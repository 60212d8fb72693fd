"""The publishing kit's targets: ``frontline animate`` of the real 258-day Kursk series as whole processes.

Targets (issue 13): a 1080×1080 MP4 in under 60 s on 2 cores; a GIF under 8 MB at 720 px. Also measured: the
landscape MP4 and the square GIF, their sizes, and each process's peak memory. Run by ``python -m bench``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .run import build_store, spawn

#: (name, output file, extra arguments)
RUNS = (
    ("MP4 square 1080×1080", "square.mp4", ()),
    ("MP4 landscape 1920×1080", "landscape.mp4", ("--size", "landscape")),
    ("GIF 720×720", "s720.gif", ("--size", "720x720")),
    ("GIF square 1080×1080", "square.gif", ()),
)


def animate_benchmark(work: Path, shared: Path, *, limit: int | None, log) -> dict:
    files = sorted(str(p) for p in (shared / "deepstate" / "daily").glob("*.geojson"))[:limit]
    store = build_store(work / "layers", shared, files)
    rows = []
    for name, out, extra in RUNS:
        log(f"animate {name}")
        path = work / out
        r = spawn([sys.executable, "-m", "geo.cli", "--layers", str(store), "animate", "kursk", "-o", str(path),
                   *extra])
        if r["rc"] != 0:
            raise RuntimeError(f"animate {name} failed:\n{r['stderr'][-2000:]}")
        rows.append({"what": name, "wall_s": r["wall"], "peak_mb": r["peak_mb"], "bytes": path.stat().st_size})
    return {"layers": len(files), "runs": rows}


def markdown(res: dict) -> list[str]:
    lines = ["", f"`frontline animate` of {res['layers']} real daily layers, whole processes, cold:", "",
             "| output | wall | size | peak | target |", "|---|---:|---:|---:|---|"]
    targets = {"MP4 square 1080×1080": ("under 60 s", lambda r: r["wall_s"] < 60),
               "GIF 720×720": ("under 8 MB", lambda r: r["bytes"] < 8e6)}
    for r in res["runs"]:
        want, ok = targets.get(r["what"], ("", None))
        verdict = f"{want}: {'met' if ok(r) else '**missed**'}" if ok else ""
        lines.append(f"| {r['what']} | {r['wall_s']:.1f} s | {r['bytes'] / 1e6:.2f} MB | {r['peak_mb']:.0f} MB | "
                     f"{verdict} |")
    return lines
