"""The results as JSON (``frontline.bench/v1``) and as a Markdown table."""

from __future__ import annotations

import json
from pathlib import Path

SCHEMA = "frontline.bench/v1"
#: task row → (target kind, threshold): speed-up at least, or size ratio at most
TARGETS = {"area, cold": ("speedup", 5.0), "area, warm": ("speedup", 5.0), "changes, cold": ("speedup", 3.0),
           "map, warm": ("size", 0.5), "timeline, warm": ("size", 0.2)}
PROCESS_TARGET_S = 0.5

def _mb(b: float) -> str:
    return f"{b / 1e6:,.2f} MB" if b >= 1e5 else f"{b / 1e3:,.0f} kB"


def verdicts(res: dict) -> list[dict]:
    out = []
    if "real" not in res:  # --front-only: the whole front carries its own targets
        return out
    for row in res["real"]["tasks"]:
        if row["task"] not in TARGETS:
            continue
        kind, thr = TARGETS[row["task"]]
        if kind == "speedup":
            val, met, text = row["speedup"], row["speedup"] >= thr, f"≥ {thr:g}× faster"
        else:
            val, met, text = row["size_ratio"], row["size_ratio"] <= thr, f"HTML ≤ {thr:g} of the notebook's"
        out.append({"task": row["task"], "target": text, "value": val, "met": met})
    for p in res["real"]["processes"]:
        if p["command"].startswith("frontline area"):
            out.append({"task": p["command"], "target": f"< {PROCESS_TARGET_S} s whole process",
                        "value": p["median_s"], "met": p["median_s"] < PROCESS_TARGET_S})
    return out


def markdown(res: dict) -> str:
    m = res["machine"]
    lines = [f"Measured {res['date']} on {m['cpu']} ({m['cores']} cores, {m['memory']}), {m['os']}; Python "
             f"{m['python']}, shapely {m['shapely']} (GEOS {m['geos']}), pyproj {m['pyproj']} (PROJ {m['proj']}), "
             f"geopandas {m['geopandas']}, folium {m['folium']}"
             + (f", DuckDB {m['duckdb']}" if m.get("duckdb") else "") + "; the whole run took "
             f"{res['elapsed_s'] / 60:.1f} min (" + ", ".join(f"{k} {v / 60:.1f}" for k, v in
                                                         res.get("elapsed_parts_s", {}).items()) + ")."]
    if "real" in res:
        lines += kursk_markdown(res)
    if res.get("front"):
        from .front import markdown as front_markdown

        lines += front_markdown(res["front"])
    if res.get("front_growth"):
        from .front_growth import markdown as growth_markdown

        lines += growth_markdown(res["front_growth"]) + ["", "![growth of the whole front](front_growth.png)"]
    return "\n".join(lines) + "\n"


def kursk_markdown(res: dict) -> list[str]:
    real = res["real"]
    lines = ["", "### Kursk: frontline against the notebook way", "",
             f"{real['layers']} real daily layers ({real['first']} to {real['last']}); medians of "
             f"{real['repeat']} runs per way, the two ways alternating, each run a fresh process with its "
             "libraries already imported (as in a notebook kernel); peak = that process's maximum resident memory.",
             "",
             "| task | frontline | notebook | speed-up | frontline peak | notebook peak "
             "| output size (frontline / notebook) |",
             "|---|---:|---:|---:|---:|---:|---|"]
    for row in real["tasks"]:
        fl, nb = row["frontline"], row["notebook"]
        size = ""
        if "bytes" in fl and "bytes" in nb:
            size = f"{_mb(fl['bytes'])} / {_mb(nb['bytes'])} ({row['size_ratio']:.2f}×)"
        lines.append(f"| {row['task']} | {fl['median_s']:.3f} s | {nb['median_s']:.3f} s | "
                     f"**{row['speedup']:.1f}×** | {fl['peak_mb']:.0f} MB | {nb['peak_mb']:.0f} MB | {size} |")
    lines += ["", "| whole process | median | min | runs | peak |", "|---|---:|---:|---:|---:|"]
    for p in real["processes"]:
        lines.append(f"| `{p['command']}` | {p['median_s']:.3f} s | {p['min_s']:.3f} s | {p['n']} | "
                     f"{p['peak_mb']:.0f} MB |")
    lines.append(f"| floor: `python -c \"import shapely, pyproj\"` | {real['import_floor_s']:.3f} s | | | |")
    c = real["area_check"]
    lines += ["", f"Agreement: frontline's km² (LAEA on WGS84) and the notebook's (EPSG:6933) differ by at most "
              f"{c['max_abs_km2']:.3f} km² ({100 * c['max_rel']:.3f} %) on any date and status.", "",
              "| target | wanted | measured | |", "|---|---|---:|---|"]
    for v in verdicts(res):
        val = f"{v['value']:.2f} s" if "process" in v["target"] else (
            f"{v['value']:.1f}×" if "faster" in v["target"] else f"{v['value']:.3f}")
        lines.append(f"| {v['task']} | {v['target']} | {val} | {'met' if v['met'] else '**missed**'} |")
    g = res.get("growth")
    if g:
        lines += ["", "Growth (synthetic perturbed front; cold, one run per point):", "",
                  "| dates | vertices | import | area | changes | timeline | input | store | timeline HTML "
                  "| map HTML / notebook's |",
                  "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
        for p in g["by_dates"] + g["by_vertices"]:
            maps = (f"{p['map_bytes'] / 1e3:,.0f} kB / {p['nb_map_bytes'] / 1e3:,.0f} kB "
                    f"({p['map_bytes'] / p['nb_map_bytes']:.2f})" if "map_bytes" in p else "")
            lines.append(f"| {p['dates']:,} | {p['vertices']:,} | {p['import_s']:.2f} s | {p['area_s']:.2f} s | "
                         f"{p['changes_s']:.2f} s | {p['timeline_s']:.2f} s | {_mb(p['input_bytes'])} | "
                         f"{_mb(p['store_bytes'])} | {_mb(p['timeline_bytes'])} | {maps} |")
    if res.get("animate"):
        from .animate import markdown as animate_markdown

        lines += animate_markdown(res["animate"])
    return lines


def write(res: dict, out: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    doc = {"schema": SCHEMA, **res, "targets": verdicts(res) + (res["front"]["targets"] if res.get("front") else [])}
    j = out / "results.json"
    j.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    md = out / "results.md"
    md.write_text(markdown(res))
    return j, md
