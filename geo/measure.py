"""Areas of stored layers: reads from the store, computes with :mod:`geo.area`, caches by content hash.

This is the glue between the store (I/O) and the pure area module; the CLI and the renderers call it.
"""

from __future__ import annotations

import hashlib
import json

from .area import METHOD, areas_by_region, series_areas
from .cache import ResultCache
from .store import Store


def compute_areas(store: Store, theatre: str, dates: list[str] | None = None, *, as_of: str | None = None,
                  by_region: bool = False, method: str = METHOD) -> list[dict]:
    """Areas per status for ``dates`` (None: every date; []: the latest), as plain dicts.

    Each row: ``date``, ``version``, ``sha256``, ``areas_km2``, ``total_km2``, ``method`` and, with
    ``by_region``, ``regions``: a list of ``{"region", "areas"}``. Results are cached by the layer's sha256, the
    theatre's vocabulary and (by region) the regions file's hash.
    """
    t = store.theatre(theatre)
    latest = store.latest(theatre, as_of=as_of)
    if dates is None:
        wanted = list(latest)
    else:
        wanted = dates or ([list(latest)[-1]] if latest else [])
    entries = [store.entry(theatre, d, as_of=as_of) for d in wanted]
    vocab = ",".join(t.area_statuses)
    regions = store.regions(theatre) if by_region else {}
    if by_region and not regions:
        from .errors import InvalidInput

        raise InvalidInput(f"theatre {theatre!r} has no named regions ([region] regions = FILE in theatre.toml)")
    rkey = ""
    if regions:
        import shapely

        rkey = hashlib.sha256(json.dumps({k: shapely.to_wkt(v, rounding_precision=9) for k, v in
                                          sorted(regions.items())}).encode()).hexdigest()[:16]
    cache = ResultCache(store, theatre, "area")
    out: list[dict | None] = [None] * len(entries)
    todo = []
    for i, e in enumerate(entries):
        key = f"{e.sha256}|{method}|{vocab}|{rkey}"
        hit = cache.get(key)
        if hit is not None:
            out[i] = _row(e, hit)
        else:
            todo.append((i, e, key))
    if todo:
        layers = [json.loads(store.object_bytes(theatre, e.sha256)) for _, e, _ in todo]
        if regions:
            results = []
            for coll in layers:
                per = areas_by_region(coll, t, regions, method=method)
                total = series_areas([coll], t, method=method)[0]
                results.append({**total.as_dict(), "regions": [{"region": k, "areas": v.as_dict()}
                                                               for k, v in per.items()]})
        else:
            results = [a.as_dict() for a in series_areas(layers, t, method=method)]
        for (i, e, key), res in zip(todo, results, strict=True):
            cache.put(key, res)
            out[i] = _row(e, res)
        cache.save()
    return out


def _row(e, res: dict) -> dict:
    row = {"date": e.date, "version": e.version, "sha256": e.sha256, **res}
    return row
