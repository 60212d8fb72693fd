"""The 10-year growth curve: a synthetic whole-front series grown from the real 353 days, measured as it grows.

**The series.** Day t of the synthetic series is a real layer moved by a smooth local field:

- *Walk*: the real layers R[0..352] are walked forward, then back, then forward again (a ping-pong without
  repeating the turning layer: t = 0..352 is R[t], t = 353..704 is R[704 − t], …), so that every day differs from
  the one before exactly as a real day does from its neighbour: continuous, a few stretches changed, ground gained
  (forward) or given back (backward). Alone, the walk would bring nothing new after the first leg.
- *New ground*: each leg after the first (352 days) brings ``BUMPS_PER_LEG`` bumps. A bump is a displacement
  field d(p) = a(t) · φ(|p − c| / r) · u, with φ(s) = (1 − s²)³ on s < 1 (zero outside, C²), a centre c on a
  vertex of the *active* front (a vertex of the last real layer that the first lacks: the ground that changed in
  the real year, not the coast or the border), a random unit direction u, radius r = ``RADIUS``° and full
  amplitude ``AMPLITUDE``°, reached linearly over ``GROW_DAYS`` days from the bump's start day (uniform in its
  leg) and kept from then on. Day t's layer is R[walk(t)] moved by every bump started so far, applied in start
  order. The bump's Lipschitz constant is 1.72 · a / r ≈ 0.34 < 1, so each bump is a homeomorphism of the plane,
  and so is their composition: a valid polygon stays valid and its rings keep their order (checked after rounding
  to 6 decimals, as the files are written: ``invalid`` in the stats counts the layers that needed
  ``make_valid`` — zero in every run so far). Each growing bump moves its stretch of the front a little every
  day for ``GROW_DAYS`` days (new edges each day), and once grown moves every later leg's real changes there to
  new places (the walk back over that stretch is new ground too).
- *Rate*: the real year has 1,014,997 vertices but 11,745 distinct edges at 1e-5° (about 25 new edges a day
  after the first layer's ~2,900); ``BUMPS_PER_LEG`` is chosen so that the synthetic legs add edges at about
  that rate, and :func:`synthesize` measures the distinct edges at 1e-5° of the series it wrote (``stats``) so
  that the rate is a figure of the run, not a claim.
- Dates: the real dates for the first 353 layers (so the 353-date point *is* the real series), then one a day
  from 2025-07-01 on. Files are written in the real files' layout (a FeatureCollection with ``name`` and ``crs``,
  one feature, no properties, 6 decimals); the first leg links the real files. Seeded: the same series every run.

**The points.** For each number of dates n in :data:`POINTS`, the first n layers: frontline's ``import`` of the
folder, ``area --all`` and ``changes`` cold (no result cache), ``timeline --assets inline`` (time, peak memory,
page bytes) and the store's bytes; beside them the plain shapely loop and DuckDB spatial on area and changes
(:mod:`bench.front_work`), each one process, one run per point. The other ways are **capped**: a way whose time,
extrapolated linearly from its last point, would pass :data:`CAP_S` seconds is not run at the larger points
(marked ``capped`` in the table; a single point is never capped, having no last point). frontline is never
capped. A measurement that fails is recorded (``failed`` with the error's end) and the run goes on; ``python -m
bench`` then exits 1 after writing the results.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil
import time
from pathlib import Path

POINTS = (100, 353, 769, 1500, 3650)
QUICK_POINTS = (4, 12)  # with --layers-limit 5: the real layers, then two legs of bumps
LEG = 352
BUMPS_PER_LEG = 8
RADIUS, AMPLITUDE, GROW_DAYS = 0.15, 0.03, 20
SEED = 14
CAP_S = 120.0
EDGE_GRID = 1e5  # 1e-5 degree
#: the ways of the growth table: (task, way)
MEASURES = (("import", "frontline"), ("area", "frontline"), ("changes", "frontline"), ("timeline", "frontline"),
            ("area", "loop"), ("changes", "loop"), ("area", "duckdb"), ("changes", "duckdb"))


def walk(t: int, n: int) -> int:
    """The real layer of day ``t``: forward, back, forward… over ``n`` layers, the turning layer not repeated."""
    if n == 1:
        return 0
    u = t % (2 * (n - 1))
    return u if u < n else 2 * (n - 1) - u


def _dates(real_dates: list[str], count: int) -> list[str]:
    out = list(real_dates[:count])
    last = dt.date.fromisoformat(real_dates[-1])
    out += [(last + dt.timedelta(days=i)).isoformat() for i in range(1, count - len(out) + 1)]
    return out


def _bumps(legs: int, front_pts, rng, leg: int):
    """Each leg's bumps: (start day, centre x, centre y, unit dx, unit dy), the first leg none."""
    out = []
    for k in range(1, legs + 1):
        for _ in range(BUMPS_PER_LEG):
            start = k * leg + 1 + int(rng.integers(0, leg))  # leg k: days k·leg + 1 … (k + 1)·leg
            cx, cy = front_pts[int(rng.integers(0, len(front_pts)))]
            ang = float(rng.uniform(0, 2 * math.pi))
            out.append((start, float(cx), float(cy), math.cos(ang), math.sin(ang)))
    out.sort()
    return out


def displace(x, y, bumps, t: int):
    """Coordinates moved by every bump started by day ``t``, in start order (a composition of homeomorphisms)."""
    import numpy as np

    x, y = np.array(x, dtype=float), np.array(y, dtype=float)
    for start, cx, cy, ux, uy in bumps:
        if start > t:
            break
        a = AMPLITUDE * min(1.0, (t - start + 1) / GROW_DAYS)
        s2 = ((x - cx) ** 2 + (y - cy) ** 2) / RADIUS ** 2
        m = s2 < 1
        if not m.any():
            continue
        w = a * (1 - s2[m]) ** 3
        x[m] += w * ux
        y[m] += w * uy
    return x, y


def _ring_text(coords) -> str:
    return "[ " + ", ".join(f"[ {x!r}, {y!r} ]" for x, y in coords) + " ]"


def layer_text(name: str, geom) -> str:
    """A layer in the real files' layout (OGR's GeoJSON: name, crs, one feature without properties)."""
    polys = list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]
    body = ", ".join("[ " + ", ".join(_ring_text(r.coords) for r in (p.exterior, *p.interiors)) + " ]"
                     for p in polys if not p.is_empty)
    return ('{\n"type": "FeatureCollection",\n'
            f'"name": "{name}",\n'
            '"crs": { "type": "name", "properties": { "name": "urn:ogc:def:crs:OGC:1.3:CRS84" } },\n'
            '"features": [\n'
            '{ "type": "Feature", "properties": { }, "geometry": { "type": "MultiPolygon", "coordinates": [ '
            f'{body} ] }} }}\n]\n}}\n')


def _edge_keys(geom):
    """The undirected edges of ``geom`` on the 1e-5° grid, as a set of (point, point) integer pairs."""
    import numpy as np
    import shapely

    keys = set()
    rings = []
    for p in (geom.geoms if geom.geom_type == "MultiPolygon" else [geom]):
        rings += [p.exterior, *p.interiors]
    for r in rings:
        c = np.rint(shapely.get_coordinates(r) * EDGE_GRID).astype(np.int64)
        code = (c[:, 0] + (1 << 23)) << 24 | (c[:, 1] + (1 << 23))
        a, b = code[:-1], code[1:]
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        keep = lo != hi
        keys.update(zip(lo[keep].tolist(), hi[keep].tolist(), strict=True))
    return keys


def synthesize(real_files: list[str], count: int, dest: Path, *, log=None) -> dict:
    """Write the first ``count`` synthetic layers to ``dest``; return their paths and the series' figures."""
    import numpy as np
    import shapely

    dest.mkdir(parents=True, exist_ok=True)
    n = len(real_files)
    real = [None] * n

    def load(i):
        if real[i] is None:
            real[i] = shapely.from_geojson(Path(real_files[i]).read_bytes())
            real[i] = shapely.get_geometry(real[i], 0) if real[i].geom_type == "GeometryCollection" else real[i]
        return real[i]

    first = {tuple(p) for p in shapely.get_coordinates(load(0)).tolist()}
    front_pts = [p for p in shapely.get_coordinates(load(n - 1)).tolist() if tuple(p) not in first]
    if not front_pts:  # a tiny series (the smoke test) may not move: any vertex then
        front_pts = shapely.get_coordinates(load(n - 1)).tolist()
    rng = np.random.default_rng(SEED)
    legs = max(0, (count - 1) // max(1, n - 1))
    bumps = _bumps(legs, front_pts, rng, max(1, n - 1))
    dates = _dates([Path(f).stem for f in real_files], count)
    paths, edges, vertices, invalid, bytes_ = [], set(), 0, 0, 0
    t0 = time.perf_counter()
    for t in range(count):
        i = walk(t, n)
        path = dest / f"{dates[t]}.geojson"
        active = [b for b in bumps if b[0] <= t]
        if not active and t < n:
            path.symlink_to(Path(real_files[i]).resolve())
            g = load(i)
        else:
            g = shapely.transform(load(i), lambda xy, act=active, day=t: np.round(
                np.column_stack(displace(xy[:, 0], xy[:, 1], act, day)), 6))
            if not g.is_valid:
                invalid += 1
                g = shapely.make_valid(g)
                g = shapely.multipolygons(shapely.get_parts(g)[shapely.get_type_id(shapely.get_parts(g)) == 3])
            path.write_text(layer_text(f"synthetic_{dates[t].replace('-', '')}", g))
        vertices += int(shapely.get_num_coordinates(g))
        edges |= _edge_keys(g)
        bytes_ += path.stat().st_size
        paths.append(str(path))
        if log and t and t % 500 == 0:
            log(f"    synthetic day {t}: {len(edges):,} distinct edges ({time.perf_counter() - t0:.0f} s)")
    return {"paths": paths, "stats": {"dates": count, "first": dates[0], "last": dates[-1], "vertices": vertices,
                                      "distinct_edges": len(edges), "invalid": invalid, "input_bytes": bytes_,
                                      "bumps": sum(1 for b in bumps if b[0] < count), "seconds":
                                      time.perf_counter() - t0}}


def growth_benchmark(work: Path, ukraine: Path, *, points=POINTS, limit: int | None = None, log) -> dict:
    """The growth points; ``limit`` grows the series from the first ``limit`` real layers only (the smoke test)."""
    from .front import available_ways, link_folder, measure, task_args

    real_files = sorted(str(p) for p in (ukraine / "deepstate" / "daily").glob("*.geojson"))[:limit]
    ok, notes = available_ways()
    log(f"front growth: synthesizing {max(points):,} dates from {len(real_files)} real layers")
    syn = synthesize(real_files, max(points), work / "series", log=log)
    st = syn["stats"]
    log(f"  {st['dates']:,} dates ({st['first']}..{st['last']}), {st['vertices']:,} vertices, "
        f"{st['distinct_edges']:,} distinct edges at 1e-5°, {st['invalid']} made valid, "
        f"{st['input_bytes'] / 1e6:.0f} MB, {st['seconds']:.0f} s")
    out = {"series": st, "points": [], "cap_s": CAP_S, "notes": notes}
    last: dict = {}
    for n in sorted(points):
        folder = link_folder(work / f"in-{n}", syn["paths"][:n])
        store = work / f"store-{n}"
        p = {"dates": n, "input_bytes": sum(Path(f).stat().st_size for f in syn["paths"][:n]), "ways": {}}
        for task, way in MEASURES:
            key = f"{task}/{way}"
            if not ok[way]:
                p["ways"][key] = {"skipped": notes[way]}
                continue
            if way != "frontline" and key in last:
                prev_n, prev_s = last[key]
                if prev_s * n / prev_n > CAP_S:
                    p["ways"][key] = {"capped": f"{prev_s:.1f} s at {prev_n:,} dates, so over {CAP_S:.0f} s here"}
                    continue
            args, env = task_args(task, way, folder, store, work)
            t = time.perf_counter()
            try:
                r = measure(task, way, args, env=env)
            except RuntimeError as exc:  # recorded, not raised: the other points and ways still run
                p["ways"][key] = {"failed": str(exc)[-1500:]}
                log(f"  {n:,} dates {key}: FAILED\n{exc}")
                continue
            r.pop("areas", None)
            p["ways"][key] = r
            last[key] = (n, r["seconds"])
            log(f"  {n:,} dates {key}: {r['seconds']:.2f} s, {r['peak_mb']:.0f} MB"
                + (f", {r['bytes'] / 1e6:.2f} MB page" if "bytes" in r else "")
                + (f", store {r['store_bytes'] / 1e6:.1f} MB" if "store_bytes" in r else "")
                + f" ({time.perf_counter() - t:.0f} s)")
        out["points"].append(p)
        shutil.rmtree(store, ignore_errors=True)
        shutil.rmtree(folder, ignore_errors=True)
    return out


LABELS = {"import/frontline": "frontline import", "area/frontline": "frontline area --all (cold)",
          "changes/frontline": "frontline changes (cold)", "timeline/frontline": "frontline timeline --assets inline",
          "area/loop": "plain loop, area", "changes/loop": "plain loop, changes",
          "area/duckdb": "DuckDB, area", "changes/duckdb": "DuckDB, changes"}


def markdown(g: dict) -> list[str]:
    st = g["series"]
    lines = ["", f"### Growth: a synthetic whole front over {st['dates']:,} dates ({st['first']} to {st['last']})",
             "", f"The real 353 days walked forward and back, each leg after the first moved by smooth local bumps "
             f"(`bench/front_growth.py`): {st['vertices']:,} vertices, **{st['distinct_edges']:,} distinct edges** "
             f"at 1e-5° ({st['bumps']} bumps; {st['invalid']} layers needed make_valid), "
             f"{st['input_bytes'] / 1e6:.0f} MB of GeoJSON. One run per point, each a fresh process, cold; "
             f"the other ways capped where their time would pass {g['cap_s']:.0f} s.", "",
             "| dates | input | " + " | ".join(LABELS[k] for k in LABELS) + " | store | page |",
             "|---:|---:|" + "---:|" * (len(LABELS) + 2)]
    for p in g["points"]:
        cells = []
        for k in LABELS:
            x = p["ways"].get(k, {})
            cells.append("capped" if "capped" in x else "**failed**" if "failed" in x else
                         "skipped" if "skipped" in x or not x else
                         f"{x['seconds']:.2f} s, {x['peak_mb']:.0f} MB")
        imp, tl = p["ways"].get("import/frontline", {}), p["ways"].get("timeline/frontline", {})
        lines.append(f"| {p['dates']:,} | {p['input_bytes'] / 1e6:.1f} MB | " + " | ".join(cells) + " | "
                     + (f"{imp['store_bytes'] / 1e6:.1f} MB" if "store_bytes" in imp else "") + " | "
                     + (f"{tl['bytes'] / 1e6:.2f} MB" if "bytes" in tl else "") + " |")
    return lines


def plot(g: dict, png: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(16, 5.2), constrained_layout=True)
    pts = g["points"]
    for k, label in LABELS.items():
        xs = [p["dates"] for p in pts if "seconds" in p["ways"].get(k, {})]
        if not xs:
            continue
        style = "-" if k.endswith("frontline") else "--"
        axes[0].plot(xs, [p["ways"][k]["seconds"] for p in pts if "seconds" in p["ways"].get(k, {})],
                     style, marker="o", label=label)
        axes[1].plot(xs, [p["ways"][k]["peak_mb"] for p in pts if "seconds" in p["ways"].get(k, {})],
                     style, marker="o", label=label)
    axes[0].set(xscale="log", yscale="log", ylabel="seconds", title="time vs dates")
    axes[1].set(xscale="log", yscale="log", ylabel="peak resident MB", title="peak memory vs dates")
    xs = [p["dates"] for p in pts]
    axes[2].plot(xs, [p["input_bytes"] / 1e6 for p in pts], marker="o", label="input GeoJSON")
    for k, field, label in (("import/frontline", "store_bytes", "store on disk"),
                            ("import/frontline", "internal_bytes", "store: .frontline/"),
                            ("timeline/frontline", "bytes", "timeline page (--assets inline)")):
        ys = [(p["dates"], p["ways"][k][field] / 1e6) for p in pts if field in p["ways"].get(k, {})]
        if ys:
            axes[2].plot(*zip(*ys, strict=True), marker="o", label=label)
    axes[2].set(xscale="log", yscale="log", ylabel="MB", title="bytes vs dates")
    for ax in axes:
        ax.set_xlabel("dates")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    st = g["series"]
    fig.suptitle(f"frontline on a synthetic whole front grown from the real 353 days (up to {st['dates']:,} dates, "
                 f"{st['distinct_edges']:,} distinct edges)")
    fig.savefig(png, dpi=100)
    plt.close(fig)
    return png


if __name__ == "__main__":
    # python -m bench.front_growth UKRAINE DEST COUNT: write the series and print its figures
    import sys

    u, d, c = sys.argv[1:]
    res = synthesize(sorted(str(p) for p in (Path(u) / "deepstate" / "daily").glob("*.geojson")), int(c), Path(d),
                     log=lambda m: print(m, file=sys.stderr, flush=True))
    print(json.dumps(res["stats"]))
