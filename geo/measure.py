"""Areas of stored layers: reads from the store, computes with :mod:`geo.area`, caches by content hash.

This is the glue between the store (I/O) and the pure area module; the CLI and the renderers call it.
"""

from __future__ import annotations

import hashlib
import json

from .area import (
    METHOD,
    areas_by_region,
    feature_geometries,
    series_areas,
    shape_areas,
    theatre_centre,
)
from .dates import in_range
from .results import ResultCache, results_cache
from .store import BaseStore, parse_date


def compute_areas(store: BaseStore, theatre: str, dates: list[str] | None = None, *, as_of: str | None = None,
                  by_region: bool = False, method: str = METHOD, in_force: bool = False) -> list[dict]:
    """Areas per status for ``dates`` (None: every date; []: the latest), as plain dicts.

    Each row: ``date`` (the date asked for), ``layer_date`` (the layer measured: the same date, or with
    ``in_force`` the layer in force on it), ``version``, ``sha256``, ``areas_km2``, ``total_km2`` (the union of
    the assessed statuses: the headline), ``method``, ``range_km2`` (``[low, high]``, where the theatre has
    claimed statuses: :func:`geo.area.area_range`) and, with ``by_region``, ``regions``: a list of
    ``{"region", "areas"}``. Results are cached by the layer's sha256, the theatre's vocabulary and (by region)
    the regions file's hash, never by date.

    Raises
    ------
    NotFound
        The theatre has no layer (as the store stood at ``as_of``), or a date has none (see
        :meth:`~geo.store.BaseStore.entry`).
    """
    latest = store.require_latest(theatre, as_of=as_of)
    if dates is None:
        wanted = list(latest)
    else:
        wanted = dates or [list(latest)[-1]]
    entries = [store.entry(theatre, d, as_of=as_of, in_force=in_force) for d in wanted]
    return entry_areas(store, theatre, entries, by_region=by_region, method=method, dates=wanted)


def entry_areas(store: BaseStore, theatre: str, entries: list, *, by_region: bool = False,
                method: str = METHOD, dates: list[str] | None = None, shapes: list | None = None) -> list[dict]:
    """:func:`compute_areas` of the given log entries (any versions, such as every one a feed lists); each
    row's ``date`` is ``dates[i]`` where given (the date asked for), else the entry's own date.

    ``shapes``, each entry's :meth:`~geo.store.BaseStore.shapes` where the caller has read them already (the
    timeline reads each layer once for its map and its figures), saves reading them again.
    """
    t = store.theatre(theatre)
    wanted = dates if dates is not None else [e.date for e in entries]
    vocab = ",".join(s + ("~claimed" if s in t.claimed_statuses else "") for s in t.area_statuses) + \
        f"@{theatre_centre(t) or 'centroid'}"
    regions = store.regions(theatre) if by_region else {}
    if by_region and not regions:
        from .errors import InvalidInput

        raise InvalidInput(f"theatre {theatre!r} has no named regions ([region] regions = FILE in theatre.toml)")
    rkey = ""
    if regions:
        import shapely

        rkey = hashlib.sha256(json.dumps({k: shapely.to_wkt(v, rounding_precision=9) for k, v in
                                          sorted(regions.items())}).encode()).hexdigest()[:16]
    cache = results_cache(store, theatre, "area")
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
        if regions:
            results = []
            for _, e, _ in todo:
                coll = json.loads(store.object_bytes(theatre, e.sha256))
                per = areas_by_region(coll, t, regions, method=method)
                total = series_areas([coll], t, method=method)[0]
                results.append({**total.as_dict(), "regions": [{"region": k, "areas": v.as_dict()}
                                                               for k, v in per.items()]})
        else:
            if shapes is not None:
                read = (_statuses_geometries(shapes[i]) for i, _, _ in todo)
            else:
                read = stored_shapes(store, theatre, [e for _, e, _ in todo])
            # the same content hash, the same layer: measured once a chunk, as shapes_digest would find
            results = (a.as_dict() for a in shape_areas(read, t, method=method, valid=True,
                                                          keys=[e.sha256 for _, e, _ in todo]))
        for (i, e, key), res in zip(todo, results, strict=True):
            cache.put(key, res)
            out[i] = _row(wanted[i], e, res)
        cache.save()
    return out


def stored_shapes(store: BaseStore, theatre: str, entries: list):
    """Each entry's layer as ``(statuses, geometries)`` (one per feature), from the store's binary form (no
    GeoJSON parsed), streamed in the entries' order (the store keeps the pack last read, so date order reads each
    pack once).
    """
    for e in entries:
        yield _statuses_geometries(store.shapes(theatre, e))


def _statuses_geometries(shapes) -> tuple[list, list]:
    return [p.get("status") for p in shapes.properties], list(shapes.geometries)


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
    t = store.theatre(theatre)
    ea = store.entry(theatre, date_a, as_of=as_of, in_force=in_force)
    eb = store.entry(theatre, date_b, as_of=as_of, in_force=in_force)
    return _diff_entries(store, theatre, t, parse_date(date_a), parse_date(date_b), ea, eb, statuses=statuses,
                         min_area_km2=min_area_km2, tolerance_m=tolerance_m, with_features=with_features,
                         settlements=settlements, cache=cache, prepared=prepared)


def _diff_entries(store: BaseStore, theatre: str, t, date_a: str, date_b: str, ea, eb, *, statuses=None,
                  min_area_km2=None, tolerance_m=None, with_features=False, settlements=None, cache=None,
                  prepared=None):
    """:func:`compute_diff` of the entries ``ea`` and ``eb`` already looked up (for the dates asked, ``date_a``
    and ``date_b``), in theatre ``t``: a series looks its entries up once, not twice per pair.
    """
    from .diff import DEFAULT_MIN_AREA_KM2, DEFAULT_TOLERANCE_M, diff_layers

    context = {"date_a": date_a, "date_b": date_b, "layer_date_a": ea.date,
               "layer_date_b": eb.date, "version_a": ea.version, "version_b": eb.version, "sha256_a": ea.sha256,
               "sha256_b": eb.sha256}
    min_area = DEFAULT_MIN_AREA_KM2 if min_area_km2 is None else min_area_km2
    tol = DEFAULT_TOLERANCE_M if tolerance_m is None else tolerance_m
    st = list(statuses) if statuses else None
    vocab = ",".join(st or t.area_statuses) + f"@{theatre_centre(t) or 'centroid'}"
    memo = {} if prepared is None else prepared
    skey = memo.get(("settlements", id(settlements)))
    if skey is None:  # hashing the settlements costs more than a cached diff: once per series
        skey = memo[("settlements", id(settlements))] = _settlements_key(settlements)
    key = f"{ea.sha256}|{eb.sha256}|{min_area!r}|{tol!r}|{vocab}|{skey}"
    own_cache = cache is None
    cache = cache or results_cache(store, theatre, "diff")
    hit = None if with_features else cache.get(key)
    if hit is not None:
        store.object_bytes(theatre, ea.sha256)  # re-hash both versions: never a figure from a corrupted one
        store.object_bytes(theatre, eb.sha256)
        return None, {**{k: v for k, v in hit.items() if k not in DIFF_CONTEXT_KEYS}, **context}
    a, b = (_prepared(store, theatre, t, e, memo) for e in (ea, eb))
    result = diff_layers(a, b, t, statuses=st, min_area_km2=min_area, tolerance_m=tol, settlements=settlements,
                         with_features=with_features)
    content = {**result.as_dict(), "changed": result.changed}
    cache.put(key, content)
    if own_cache:
        cache.save()
    return result, {**content, **context}


def _prepared(store: BaseStore, theatre: str, t, entry, memo: dict):
    """The version of ``entry`` read from its binary form (hash checked) and prepared for diffs, once per version
    and once per content. Stored layers passed validation when recorded (``valid``).
    """
    from .diff import prepare_shapes

    if entry.sha256 not in memo:
        statuses, geoms = _statuses_geometries(store.shapes(theatre, entry))
        memo[entry.sha256] = prepare_shapes(statuses, geoms, t, known=memo.setdefault("by digest", {}), valid=True)
    return memo[entry.sha256]


def _keep_only(memo: dict, sha: str) -> None:
    """Forget every prepared layer of ``memo`` (see :func:`compute_diff`) but version ``sha``'s."""
    kept = memo.get(sha)
    for k in [k for k in memo if isinstance(k, str) and k not in (sha, "by digest")]:
        del memo[k]
    if "by digest" in memo:
        memo["by digest"] = {d: p for d, p in memo["by digest"].items() if p is kept}


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

    latest = store.require_latest(theatre, as_of=as_of)
    all_dates = list(latest)
    points = change_points(all_dates, start=start, end=end, every=every, in_force=in_force)
    if len(points) < 2:
        raise NotFound(f"theatre {theatre!r} has a single date to compare in that range ({points[0][0]}): "
                       "a change needs two")
    lo, hi = points[0][1], points[-1][0]
    every_date = [d for d in all_dates if lo <= d <= hi]
    settlements = load_settlements(store, theatre)
    cache = results_cache(store, theatre, "diff")
    pairs_iter = list(zip(points, points[1:], strict=False))
    if progress is not None:
        pairs_iter = progress(pairs_iter)

    t = store.theatre(theatre)

    def diffs():
        pairs, prepared = [], {}
        for (a, la), (b, lb) in pairs_iter:  # each point's layer is the one in force on it
            _, summary = _diff_entries(store, theatre, t, a, b, latest[la], latest[lb], min_area_km2=min_area_km2,
                                       tolerance_m=tolerance_m, settlements=settlements, cache=cache,
                                       prepared=prepared)
            pairs.append(summary)
            _keep_only(prepared, summary["sha256_b"])  # a pair's second layer is the next one's first: hold no more
        return pairs

    if store.concurrent_reads:
        # the areas of every date and the diffs read the same layers but share nothing else: on two cores the
        # areas (GEOS and PROJ, which let go of the GIL) run beside the diffs
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1, thread_name_prefix="frontline-areas") as pool:
            areas_job = pool.submit(compute_areas, store, theatre, every_date, as_of=as_of)
            pairs = diffs()
            areas = areas_job.result()
    else:
        areas = compute_areas(store, theatre, every_date, as_of=as_of)
        pairs = diffs()
    cache.save()
    pk = peak_and_retaken([{"date": r["date"], "total_km2": r["total_km2"]} for r in areas])
    ends = {k: {"date": r["date"], "total_km2": r["total_km2"]} for k, r in (("first", areas[0]), ("last", areas[-1]))}
    return {"points": points, "dates": [p for p, _ in points], "pairs": pairs, "areas": areas, **pk, **ends}


def compute_compare(store: BaseStore, theatre_a: str, theatre_b: str, date_a: str, date_b: str | None = None, *,
                    as_of: str | None = None, statuses=None, min_area_km2: float | None = None,
                    tolerance_m: float | None = None, by_region: bool = False, with_features: bool = False,
                    prepared: dict | None = None):
    """Compare theatre A's layer of ``date_a`` with theatre B's of ``date_b`` (default: the same date).

    The pair of layer dates is the caller's choice: the same date, or the layers in force on a date that one of
    them lacks, resolved before the call. Returns ``(Comparison, summary)``: the summary is
    :meth:`geo.compare.Comparison.as_dict` with ``theatre_a``/``theatre_b``, ``date_a``/``date_b``,
    ``version_*`` and ``sha256_*`` and, with ``by_region``, ``regions``: a list of ``{"region", ...figures}``
    over theatre A's named regions. ``prepared`` (a dict kept by the caller) holds each layer read once.
    """
    from .compare import compare_layers
    from .diff import DEFAULT_MIN_AREA_KM2, DEFAULT_TOLERANCE_M
    from .errors import InvalidInput

    ta, tb = store.theatre(theatre_a), store.theatre(theatre_b)
    ea = store.entry(theatre_a, date_a, as_of=as_of)
    eb = store.entry(theatre_b, date_b or date_a, as_of=as_of)
    memo = {} if prepared is None else prepared
    pa = _prepared(store, theatre_a, ta, ea, memo.setdefault(theatre_a, {}))
    pb = _prepared(store, theatre_b, tb, eb, memo.setdefault(theatre_b, {}))
    opts = {"statuses": list(statuses) if statuses else None,
            "min_area_km2": DEFAULT_MIN_AREA_KM2 if min_area_km2 is None else min_area_km2,
            "tolerance_m": DEFAULT_TOLERANCE_M if tolerance_m is None else tolerance_m}
    result = compare_layers(pa, pb, ta, tb, with_features=with_features, **opts)
    summary = {"theatre_a": theatre_a, "theatre_b": theatre_b, "date_a": ea.date, "date_b": eb.date,
               "version_a": ea.version, "version_b": eb.version, "sha256_a": ea.sha256, "sha256_b": eb.sha256,
               **result.as_dict()}
    if by_region:
        regions = store.regions(theatre_a)
        if not regions:
            raise InvalidInput(f"theatre {theatre_a!r} has no named regions ([region] regions = FILE in theatre.toml)")
        summary["regions"] = [{"region": name, **compare_layers(pa, pb, ta, tb, within=geom, **opts).as_dict()}
                              for name, geom in sorted(regions.items())]
    return result, summary


def common_dates(store: BaseStore, theatre_a: str, theatre_b: str, *, as_of: str | None = None,
                 start: str | None = None, end: str | None = None) -> list[str]:
    """The dates (within ``[start, end]``) on which both theatres have a layer; NotFound where there is none."""
    from .errors import NotFound

    dates_b = set(store.dates(theatre_b, as_of=as_of))
    both = in_range([d for d in store.dates(theatre_a, as_of=as_of) if d in dates_b], start=start, end=end)
    if not both:
        span = f" between {start or 'the first date'} and {end or 'the last'}" if start or end else ""
        raise NotFound(f"theatres {theatre_a!r} and {theatre_b!r} have no date in common{span}")
    return both


def compare_series(store: BaseStore, theatre_a: str, theatre_b: str, pairs: list[tuple[str, str]] | None = None,
                   **kwargs) -> list[dict]:
    """:func:`compute_compare` over ``pairs`` of layer dates (default: every date both theatres have, each
    paired with itself: :func:`common_dates`); returns the summaries, in order.
    """
    if pairs is None:
        pairs = [(d, d) for d in common_dates(store, theatre_a, theatre_b, as_of=kwargs.get("as_of"))]
    prepared: dict = {}
    return [compute_compare(store, theatre_a, theatre_b, a, b, prepared=prepared, **kwargs)[1] for a, b in pairs]


def compute_feed(store: BaseStore, theatre: str, *, as_of: str | None = None, base_url: str | None = None,
                 with_changes: bool = False, progress=None) -> tuple[list[dict], dict]:
    """The items of a change feed (:mod:`geo.feed`): one per recorded version, newest first.

    Each version is diffed against the previous date as the store stood when the version was recorded, so
    that an item says exactly what ``frontline diff THEATRE PREVIOUS DATE --as-of RECORDED_AT`` says; the first
    date of a theatre has no previous date (its change figures are None). Returns ``(items, changes)``:
    ``changes`` maps an item's ``id`` to its change polygons for a file
    (:meth:`geo.diff.DiffResult.file_collection`) where ``with_changes`` and there is a previous date. With
    ``base_url`` (already checked: :func:`geo.feed.check_base_url`), each item links to
    ``BASE/changes/THEATRE-DATE-vN.geojson`` and to ``BASE/maps/THEATRE-DATE.html`` (``frontline map``'s name).
    """
    import shapely

    from .errors import NotFound

    entries = store.log(theatre)
    if as_of is not None:
        entries = [e for e in entries if e.recorded_at <= as_of]
    if not entries:
        raise NotFound(f"theatre {theatre!r} has no recorded versions{f' as of {as_of}' if as_of else ''}")
    settlements = load_settlements(store, theatre)
    seen: dict[str, str] = {}  # the dates recorded so far
    todo = []
    for e in entries:
        prev = max((d for d in seen if d < e.date), default=None)
        todo.append((e, prev))
        seen[e.date] = e.sha256
    items, changes, prepared = [], {}, {}
    cache = results_cache(store, theatre, "diff")
    totals = {e.sha256: row["total_km2"] for e, row in zip(entries, entry_areas(store, theatre, entries),
                                                            strict=True)}
    for e, prev in (progress(list(reversed(todo))) if progress else reversed(todo)):
        total = totals[e.sha256]
        item = {"id": f"frontline:{theatre}:{e.date}:v{e.version}:{e.sha256[:12]}", "theatre": theatre,
                "date": e.date, "version": e.version, "sha256": e.sha256, "recorded_at": e.recorded_at,
                "source": e.source, "note": e.note, "previous_date": prev, "gained_km2": None, "lost_km2": None,
                "net_km2": None, "total_km2": total, "bbox": None}
        bounds = None
        if prev is not None:
            result, s = compute_diff(store, theatre, prev, e.date, as_of=e.recorded_at, with_features=True,
                                     settlements=settlements, prepared=prepared, cache=cache)
            u = s["changes"]["union"]
            item.update(gained_km2=u["gained_km2"], lost_km2=u["lost_km2"], net_km2=u["net_km2"])
            fc = result.file_collection({k: s[k] for k in ("date_a", "date_b", "version_a", "version_b")})
            shapes = [shapely.from_geojson(json.dumps(f["geometry"])) for f in fc["features"]
                      if f["properties"]["status"] == "union" and f["geometry"] is not None]
            if shapes:  # the box of the change as written (six decimals: zero-width spikes gone)
                bounds = shapely.total_bounds(shapes)
            if with_changes:
                changes[item["id"]] = fc
        if bounds is None:  # nothing changed, or the first layer: the box of the ground held
            layer = json.loads(store.object_bytes(theatre, e.sha256))
            geoms = [g for g in feature_geometries(layer) if g is not None and not g.is_empty]
            bounds = shapely.total_bounds(geoms) if geoms else None
        if bounds is not None:
            item["bbox"] = [round(float(v), 6) for v in bounds]
        if base_url:
            item["map_url"] = f"{base_url}/maps/{theatre}-{e.date}.html"
            if prev is not None:
                item["change_url"] = f"{base_url}/changes/{theatre}-{e.date}-v{e.version}.geojson"
        items.append(item)
    cache.save()
    return items, changes


def export_records(store: BaseStore, theatre: str, *, start: str | None = None, end: str | None = None,
                   all_versions: bool = False, as_of: str | None = None):
    """The rows of an export (:func:`geo.export.iter_records`, a generator): each date in ``[start, end]`` (its latest
    version, or every version with ``all_versions``), each area status. ``valid_to`` is the next date that has
    a layer in the store, even past ``end``; NotFound where no date is in range.
    """
    from .errors import NotFound
    from .export import iter_records

    t = store.theatre(theatre)
    dates = store.dates(theatre, as_of=as_of)
    wanted = in_range(dates, start=start, end=end)
    if not wanted:
        span = f" between {start or 'the first date'} and {end or 'the last'}" if start or end else ""
        raise NotFound(f"theatre {theatre!r} has no layers{span}{f' as of {as_of}' if as_of else ''}")
    following = dict(zip(dates, dates[1:] + [None], strict=True))
    if all_versions:
        keep = set(wanted)
        entries = [e for e in store.log(theatre) if e.date in keep and (as_of is None or e.recorded_at <= as_of)]
        entries.sort(key=lambda e: (e.date, e.version))
    else:
        entries = [store.entry(theatre, d, as_of=as_of) for d in wanted]
    areas = entry_areas(store, theatre, entries)
    # a generator: one layer's GeoJSON at a time (a whole-front series parsed at once held 400 MB)
    layers = (({"date": e.date, "version": e.version, "sha256": e.sha256, "source": e.source,
                "recorded_at": e.recorded_at}, json.loads(store.object_bytes(theatre, e.sha256))) for e in entries)
    return iter_records(layers, t, areas, following)
