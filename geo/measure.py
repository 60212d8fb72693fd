"""Areas of stored layers: reads from the store, computes with :mod:`geo.area`, caches by content hash.

This is the glue between the store (I/O) and the pure area module; the CLI and the renderers call it.
"""

from __future__ import annotations

import hashlib
import json

from .area import METHOD, areas_by_region, series_areas, theatre_centre
from .cache import ResultCache
from .store import BaseStore, parse_date


def compute_areas(store: BaseStore, theatre: str, dates: list[str] | None = None, *, as_of: str | None = None,
                  by_region: bool = False, method: str = METHOD, in_force: bool = False) -> list[dict]:
    """Areas per status for ``dates`` (None: every date; []: the latest), as plain dicts.

    Each row: ``date`` (the date asked for), ``layer_date`` (the layer measured: the same date, or with
    ``in_force`` the layer in force on it), ``version``, ``sha256``, ``areas_km2``, ``total_km2``, ``method``
    and, with ``by_region``, ``regions``: a list of ``{"region", "areas"}``. Results are cached by the layer's
    sha256, the theatre's vocabulary and (by region) the regions file's hash, never by date.

    Raises
    ------
    NotFound
        The theatre has no layer (as the store stood at ``as_of``), or a date has none (see
        :meth:`~geo.store.BaseStore.entry`).
    """
    t = store.theatre(theatre)
    latest = store.require_latest(theatre, as_of=as_of)
    if dates is None:
        wanted = list(latest)
    else:
        wanted = dates or [list(latest)[-1]]
    entries = [store.entry(theatre, d, as_of=as_of, in_force=in_force) for d in wanted]
    vocab = ",".join(t.area_statuses) + f"@{theatre_centre(t)}"
    regions = store.regions(theatre) if by_region else {}
    if by_region and not regions:
        from .errors import InvalidInput

        raise InvalidInput(f"theatre {theatre!r} has no named regions ([region] regions = FILE in theatre.toml)")
    rkey = ""
    if regions:
        import shapely

        rkey = hashlib.sha256(json.dumps({k: shapely.to_wkt(v, rounding_precision=9) for k, v in
                                          sorted(regions.items())}).encode()).hexdigest()[:16]
    cache = store.result_cache(theatre, "area")
    out: list[dict | None] = [None] * len(entries)
    todo = []
    for i, e in enumerate(entries):
        key = f"{e.sha256}|{method}|{vocab}|{rkey}"
        hit = cache.get(key)
        if hit is not None:
            store.object_bytes(theatre, e.sha256)  # re-hash: a corrupted version is refused, cached or not
            out[i] = _row(wanted[i], e, hit)
        else:
            todo.append((i, e, key))
    if todo:
        raws = [store.object_bytes(theatre, e.sha256) for _, e, _ in todo]
        layers = [json.loads(b) for b in raws]
        if regions:
            results = []
            for coll in layers:
                per = areas_by_region(coll, t, regions, method=method)
                total = series_areas([coll], t, method=method)[0]
                results.append({**total.as_dict(), "regions": [{"region": k, "areas": v.as_dict()}
                                                               for k, v in per.items()]})
        else:
            results = [a.as_dict() for a in series_areas(layers, t, method=method, raws=raws)]
        for (i, e, key), res in zip(todo, results, strict=True):
            cache.put(key, res)
            out[i] = _row(wanted[i], e, res)
        cache.save()
    return out


def _row(date: str, e, res: dict) -> dict:
    return {**res, "date": date, "layer_date": e.date, "version": e.version, "sha256": e.sha256}


def _settlements_key(settlements: dict | None) -> str:
    if not settlements:
        return ""
    return hashlib.sha256(json.dumps(settlements, sort_keys=True).encode()).hexdigest()[:16]


def load_settlements(store: BaseStore, theatre: str) -> dict | None:
    """The theatre's settlements, validated (None where it has none)."""
    from .validate import validate_settlements

    data = store.context(theatre, "settlements")
    if data is None:
        return None
    return validate_settlements(data, where=store.context_where(theatre, "settlements"))


#: keys of a diff summary that name the dates and versions it was asked for: never cached, always set afresh
DIFF_CONTEXT_KEYS = ("date_a", "date_b", "layer_date_a", "layer_date_b", "version_a", "version_b", "sha256_a",
                     "sha256_b")


def compute_diff(store: BaseStore, theatre: str, date_a: str, date_b: str, *, as_of: str | None = None,
                 statuses=None, min_area_km2: float | None = None, tolerance_m: float | None = None,
                 with_features: bool = False, settlements: dict | None = None, cache: ResultCache | None = None,
                 prepared: dict | None = None, in_force: bool = False):
    """Diff two stored dates. Returns ``(DiffResult or None, summary dict)``.

    The summary (numbers and places, no polygons) is cached by the two versions' hashes, the thresholds, the
    statuses and the settlements' hash; the full :class:`~geo.diff.DiffResult` with its polygons is computed
    only when ``with_features`` is true. ``prepared``, a dict kept by the caller across calls, holds each layer
    read once and dissolved once (:func:`geo.diff.prepare_layer`), by version hash and by content digest.

    The cache is keyed by content, so it holds content only: the dates, versions and hashes
    (:data:`DIFF_CONTEXT_KEYS`) are those of this call, never those of the call that filled the cache (the same
    version often stands for several days). ``date_a``/``date_b`` are the dates asked for and
    ``layer_date_a``/``layer_date_b`` the layers compared: the same, but for a date read through the layer in
    force (``in_force``).
    """
    from .diff import DEFAULT_MIN_AREA_KM2, DEFAULT_TOLERANCE_M, diff_layers

    t = store.theatre(theatre)
    ea = store.entry(theatre, date_a, as_of=as_of, in_force=in_force)
    eb = store.entry(theatre, date_b, as_of=as_of, in_force=in_force)
    context = {"date_a": parse_date(date_a), "date_b": parse_date(date_b), "layer_date_a": ea.date,
               "layer_date_b": eb.date, "version_a": ea.version, "version_b": eb.version, "sha256_a": ea.sha256,
               "sha256_b": eb.sha256}
    min_area = DEFAULT_MIN_AREA_KM2 if min_area_km2 is None else min_area_km2
    tol = DEFAULT_TOLERANCE_M if tolerance_m is None else tolerance_m
    st = list(statuses) if statuses else None
    vocab = ",".join(st or t.area_statuses) + f"@{theatre_centre(t)}"
    memo = {} if prepared is None else prepared
    skey = memo.get(("settlements", id(settlements)))
    if skey is None:  # hashing the settlements costs more than a cached diff: once per series
        skey = memo[("settlements", id(settlements))] = _settlements_key(settlements)
    key = f"{ea.sha256}|{eb.sha256}|{min_area!r}|{tol!r}|{vocab}|{skey}"
    own_cache = cache is None
    cache = cache or store.result_cache(theatre, "diff")
    hit = None if with_features else cache.get(key)
    if hit is not None:
        store.object_bytes(theatre, ea.sha256)  # re-hash both versions: never a figure from a corrupted one
        store.object_bytes(theatre, eb.sha256)
        return None, {**{k: v for k, v in hit.items() if k not in DIFF_CONTEXT_KEYS}, **context}
    a, b = (_prepared(store, theatre, t, e.sha256, memo) for e in (ea, eb))
    result = diff_layers(a, b, t, statuses=st, min_area_km2=min_area, tolerance_m=tol, settlements=settlements,
                         with_features=with_features)
    content = {**result.as_dict(), "changed": result.changed}
    cache.put(key, content)
    if own_cache:
        cache.save()
    return result, {**content, **context}


def _prepared(store: BaseStore, theatre: str, t, sha: str, memo: dict):
    """The version ``sha`` read (hash checked) and prepared for diffs, once per version and once per content."""
    from .diff import prepare_layer

    if sha not in memo:
        raw = store.object_bytes(theatre, sha)
        memo[sha] = prepare_layer(json.loads(raw), t, raw=raw, known=memo.setdefault("by digest", {}))
    return memo[sha]


def compute_changes(store: BaseStore, theatre: str, *, start: str | None = None, end: str | None = None,
                    every: str | None = None, as_of: str | None = None, min_area_km2: float | None = None,
                    tolerance_m: float | None = None, in_force: bool = False, progress=None) -> dict:
    """Changes between the points of the series, and the headline figures from every date.

    The points are those of :func:`geo.dates.change_points` (every date, N-day steps, or calendar boundaries
    read through the layer in force). The headline figures never depend on ``every``: the peak of the union,
    each date's share retaken since it and the last date come from every layer date from the first point's
    layer to the last point (so a thinned table never hides the real peak or the last layer).

    Returns ``{"points": [(date, layer_date)], "dates": [date...], "pairs": [diff summaries], "areas": [area
    rows of every date], "peak": {...}, "retaken_pct": {layer date: pct or None}, "first": {...}, "last":
    {...}}``; ``first``/``last`` are ``{"date", "total_km2"}`` of the first and last of every date.

    Raises
    ------
    InvalidInput
        ``start`` after ``end``, or a bad ``every``.
    NotFound
        No layer (as of ``as_of``), none in the range, or a single point: nothing to compare.
    """
    from .dates import change_points
    from .diff import peak_and_retaken
    from .errors import NotFound

    all_dates = list(store.require_latest(theatre, as_of=as_of))
    points = change_points(all_dates, start=start, end=end, every=every, in_force=in_force)
    if len(points) < 2:
        raise NotFound(f"theatre {theatre!r} has a single date to compare in that range ({points[0][0]}): "
                       "a change needs two")
    lo, hi = points[0][1], points[-1][0]
    every_date = [d for d in all_dates if lo <= d <= hi]
    areas = compute_areas(store, theatre, every_date, as_of=as_of)
    settlements = load_settlements(store, theatre)
    cache = store.result_cache(theatre, "diff")
    pairs_iter = list(zip(points, points[1:], strict=False))
    if progress is not None:
        pairs_iter = progress(pairs_iter)
    pairs, prepared = [], {}
    for (a, _), (b, _) in pairs_iter:
        _, summary = compute_diff(store, theatre, a, b, as_of=as_of, min_area_km2=min_area_km2,
                                  tolerance_m=tolerance_m, settlements=settlements, cache=cache, prepared=prepared,
                                  in_force=True)
        pairs.append(summary)
    cache.save()
    pk = peak_and_retaken([{"date": r["date"], "total_km2": r["total_km2"]} for r in areas])
    ends = {k: {"date": r["date"], "total_km2": r["total_km2"]} for k, r in (("first", areas[0]), ("last", areas[-1]))}
    return {"points": points, "dates": [p for p, _ in points], "pairs": pairs, "areas": areas, **pk, **ends}
