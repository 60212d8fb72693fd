"""Pure: ground gained, lost and net between two layers; slivers counted apart as noise; places.

For each area status ``s`` and for the union of all area statuses, with ``A`` the dissolved geometry on the first
date and ``B`` on the second:

- gained = B − A (held on B, not on A), lost = A − B (held on A, not on B);
- each is split into its parts; a part is **noise** when it is smaller than ``min_area_km2`` or thinner than
  ``tolerance_m`` (a negative buffer of half the tolerance leaves nothing): two layers digitised apart disagree
  along every edge by a few metres, and those slivers are not ground taken or lost;
- ``gained_km2`` and ``lost_km2`` sum the parts above the noise; ``noise_km2`` sums the noise parts (gained and
  lost together, unsigned); ``net_km2`` is area(B) − area(A) exactly, so that

  ``net_km2 == gained_km2 - lost_km2 + noise_net_km2`` (``noise_net_km2`` = noise gained − noise lost),

  and with no noise threshold (``min_area_km2=0, tolerance_m=0``) ``net_km2 == gained_km2 - lost_km2``;
- ``net_pct`` is ``net_km2`` as a percentage of area(A) (None where A is empty).

Everything is computed in one WGS84 LAEA projection shared by both layers, the theatre's (:mod:`geo.area`), so
the identity holds to floating-point error and the areas equal those of ``frontline area``; change polygons are
returned in lon/lat.

The two differences are computed **locally** (:mod:`geo.overlay`): two layers of a series share almost all their
edges, so the overlay runs only in boxes around the edges one of them lacks, and the pieces (figures and
polygons) are those of the full overlay. Where the locality does not hold (more than half of a boundary changed,
as between far-apart dates; too many boxes; an empty side; any GEOS error or failed check) the full overlay is
used, and ``DiffResult.overlay`` says which was used for each status and why (``overlay="full"`` forces it).

The defaults (``DEFAULT_MIN_AREA_KM2``, ``DEFAULT_TOLERANCE_M``) were chosen from the real DeepState series: see
the README's "Noise" section for the measurement.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from .area import (
    UNION,
    centre_of,
    centre_parts,
    dissolve,
    dissolve_shapes,
    feature_geometries,
    feature_statuses,
    laea_transformer,
    shapes_digest,
    theatre_centre,
)
from .overlay import METHODS as OVERLAYS
from .overlay import Boundary, boundary, differences
from .theatre import Theatre

#: Change parts smaller than this are noise (km²).
DEFAULT_MIN_AREA_KM2 = 0.01
#: Change parts thinner than this are noise (metres).
DEFAULT_TOLERANCE_M = 20.0


@dataclass
class StatusChange:
    """Changes of one status (or of the union) between two layers."""

    status: str
    area_a_km2: float
    area_b_km2: float
    gained_km2: float
    lost_km2: float
    noise_km2: float
    noise_net_km2: float

    @property
    def net_km2(self) -> float:
        return self.area_b_km2 - self.area_a_km2

    @property
    def net_pct(self) -> float | None:
        return None if self.area_a_km2 == 0 else 100.0 * self.net_km2 / self.area_a_km2

    @property
    def changed(self) -> bool:
        return self.gained_km2 > 0 or self.lost_km2 > 0

    def as_dict(self) -> dict:
        return {"status": self.status, "area_a_km2": self.area_a_km2, "area_b_km2": self.area_b_km2,
                "gained_km2": self.gained_km2, "lost_km2": self.lost_km2, "net_km2": self.net_km2,
                "net_pct": self.net_pct, "noise_km2": self.noise_km2, "noise_net_km2": self.noise_net_km2}


@dataclass
class DiffResult:
    """The changes between two layers: per status, for the union, the change polygons and the places."""

    changes: dict[str, StatusChange]
    features: list[dict] = field(default_factory=list)
    min_area_km2: float = DEFAULT_MIN_AREA_KM2
    tolerance_m: float = DEFAULT_TOLERANCE_M
    places: list[dict] = field(default_factory=list)
    #: how each status's differences were computed: ``same``, ``local`` or ``full: <why>`` (not in as_dict)
    overlay: dict = field(default_factory=dict)

    @property
    def union(self) -> StatusChange:
        return self.changes[UNION]

    @property
    def changed(self) -> bool:
        """True where anything changed beyond the noise (``diff --exit-code``)."""
        return any(c.changed for c in self.changes.values()) or bool(self.places)

    def collection(self) -> dict:
        """The change polygons as a GeoJSON FeatureCollection (``kind``, ``status``, ``area_km2``)."""
        return {"type": "FeatureCollection", "features": self.features}

    def file_collection(self, properties: dict) -> dict:
        """The change polygons for a file (``diff --geojson``): coordinates with six decimals (RFC 7946's
        advice, :func:`geo.geojson.rfc7946_geometry`) and ``properties`` (the two dates) in every feature.
        """
        import shapely

        from .geojson import feature

        return {"type": "FeatureCollection", "features": [
            feature(shapely.from_geojson(json.dumps(f["geometry"])), {**f["properties"], **properties})
            for f in self.features]}

    def as_dict(self) -> dict:
        return {"changes": {k: v.as_dict() for k, v in self.changes.items()},
                "noise": {"min_area_km2": self.min_area_km2, "tolerance_m": self.tolerance_m},
                "places": self.places}


@dataclass
class PreparedLayer:
    """A layer made ready for diffs: its digest, each area status dissolved, their union, and the projections.

    Made by :func:`prepare_layer`; a series diffs each layer twice (as the later date of one pair and the
    earlier of the next), and a layer identical in content to another needs no diff at all.
    """

    digest: str
    dissolved: dict
    union: object
    statuses: tuple
    _projected: dict = field(default_factory=dict, repr=False)
    _centre_parts: tuple | None = field(default=None, repr=False)

    def geometries(self) -> list:
        """The dissolved area statuses in vocabulary order, then their union (lon/lat)."""
        return [self.dissolved[s] for s in self.statuses] + [self.union]

    def projected(self, centre: tuple[float, float]):
        """:meth:`geometries` in the LAEA centred at ``centre`` (computed once per centre)."""
        if centre not in self._projected:
            import numpy as np
            import shapely

            fwd = laea_transformer(*centre)
            geoms = self.geometries()
            # with one area status the union is that status's own geometry object (prepare_layer): project it once
            first = {id(g): i for i, g in reversed(list(enumerate(geoms)))}
            distinct = sorted(set(first.values()))
            done = shapely.transform(np.asarray([geoms[i] for i in distinct], dtype=object),
                                     lambda x, y: fwd.transform(x, y), interleaved=False)
            at = {i: k for k, i in enumerate(distinct)}
            self._projected[centre] = np.asarray([done[at[first[id(g)]]] for g in geoms], dtype=object)
        return self._projected[centre]

    def centre_parts(self) -> tuple:
        """:func:`geo.area.centre_parts` of :meth:`geometries`, computed once (a layer is in two pairs)."""
        if self._centre_parts is None:
            self._centre_parts = centre_parts(self.geometries())
        return self._centre_parts

    def boundary(self, centre: tuple[float, float], index: int) -> Boundary:
        """The :func:`geo.overlay.boundary` of ``projected(centre)[index]``, from a small cache.

        A series compares each layer twice, with the date before and the date after, so the last few
        boundaries are kept (by content digest, vocabulary, centre and index: :data:`BOUNDARY_CACHE` of them)
        rather than one per layer, which would double what a long series holds in memory.
        """
        key = (self.digest, self.statuses, centre, index)
        with _BOUNDARIES_LOCK:
            hit = _BOUNDARIES.pop(key, None)
        if hit is None:
            hit = boundary(self.projected(centre)[index])
        with _BOUNDARIES_LOCK:  # diffs may run in several threads
            _BOUNDARIES[key] = hit
            while len(_BOUNDARIES) > BOUNDARY_CACHE:
                del _BOUNDARIES[next(iter(_BOUNDARIES))]
        return hit


#: How many boundaries :meth:`PreparedLayer.boundary` keeps (least recently used dropped first): the statuses and
#: union of the two layers of a pair, and of the next pair's earlier layer.
BOUNDARY_CACHE = 16
_BOUNDARIES: dict = {}
_BOUNDARIES_LOCK = threading.Lock()


def _pair_centre(a: PreparedLayer, b: PreparedLayer) -> tuple[float, float]:
    """``_centre(a.geometries() + b.geometries())``, from each layer's parts kept."""
    import numpy as np

    pa, pb = a.centre_parts(), b.centre_parts()
    return centre_of(*(np.concatenate([x, y]) for x, y in zip(pa, pb, strict=True)))


def prepare_layer(collection: dict, theatre: Theatre, *, raw: bytes | str | None = None,
                  known: dict | None = None, valid: bool = False) -> PreparedLayer:
    """Dissolve a layer's area statuses and their union once, for :func:`diff_layers`.

    ``raw``: the layer's GeoJSON text, if the caller has it, to parse faster. ``known``: layers prepared before,
    by digest; a layer with the same statuses and geometries as one of them is that one, not dissolved again.
    ``valid``: the polygons are known to be valid (a layer read from the store passed validation when it was
    recorded), so a status held by one polygon skips GEOS's validity check (:func:`geo.area.dissolve_shapes`).
    """
    return prepare_shapes(feature_statuses(collection), feature_geometries(collection, raw), theatre, known=known,
                          valid=valid)


def prepare_shapes(feature_status: Sequence, geoms: Sequence, theatre: Theatre, *, known: dict | None = None,
                   valid: bool = False) -> PreparedLayer:
    """:func:`prepare_layer` of a layer given as its features' statuses and geometries (the store's binary
    form, :meth:`geo.store.BaseStore.shapes`): nothing to parse.
    """
    import shapely

    statuses = tuple(theatre.area_statuses)
    digest = shapes_digest(feature_status, geoms)
    if known is not None and digest in known and known[digest].statuses == statuses:
        return known[digest]
    d = dissolve_shapes(feature_status, geoms, statuses, valid=valid)
    parts = [g for g in d.values() if not g.is_empty]
    union = parts[0] if len(parts) == 1 else shapely.union_all(parts) if parts else shapely.Polygon()
    p = PreparedLayer(digest, d, union, statuses)
    if known is not None:
        known[digest] = p
    return p


def diff_layers(a: dict | PreparedLayer, b: dict | PreparedLayer, theatre: Theatre, *,
                statuses: Sequence[str] | None = None, min_area_km2: float = DEFAULT_MIN_AREA_KM2,
                tolerance_m: float = DEFAULT_TOLERANCE_M, settlements: dict | None = None,
                with_features: bool = True, overlay: str = "local") -> DiffResult:
    """Compare two layers of ``theatre``.

    Parameters
    ----------
    a, b : dict or PreparedLayer
        Normalised layers (GeoJSON FeatureCollections), the earlier and the later one, or the same prepared by
        :func:`prepare_layer` for this theatre. Dates out of order are answered too: the caller notes the
        negative time.
    statuses : sequence of str, optional
        Area statuses to report (default: all); the union is always over all area statuses.
    min_area_km2, tolerance_m : float
        The noise thresholds (0 disables each).
    settlements : dict, optional
        A GeoJSON FeatureCollection of named points; places whose status differs between ``a`` and ``b`` are
        listed in ``result.places``.
    with_features : bool
        Build the change polygons (``result.features``, in lon/lat); without, only the figures and places.
    overlay : {"local", "full"}
        ``local`` (the default): overlay only where the boundaries differ, the full overlay where that does not
        hold (:mod:`geo.overlay`); ``full``: always the whole geometries (the reference). Figures and polygons
        are the same either way; ``result.overlay`` records what was done.

    Returns
    -------
    DiffResult

    Examples
    --------
    >>> from geo.theatre import Theatre, Status
    >>> t = Theatre("demo", "Demo", (Status("held", "Held", "#112233"),))
    >>> empty = {"type": "FeatureCollection", "features": []}
    >>> r = diff_layers(empty, empty, t)
    >>> r.union.gained_km2, r.union.lost_km2, r.changed
    (0.0, 0.0, False)
    """
    import shapely

    if min_area_km2 < 0 or tolerance_m < 0:
        from .errors import InvalidInput

        raise InvalidInput("noise thresholds must be zero or positive")
    if overlay not in OVERLAYS:
        from .errors import InvalidInput

        raise InvalidInput(f"unknown overlay {overlay!r}: use one of {', '.join(OVERLAYS)}")
    all_area = list(theatre.area_statuses)
    wanted = list(all_area if statuses is None else statuses)
    for s in wanted:
        theatre.status(s)  # unknown status -> error listing the known ones
    pa_, pb_ = (x if isinstance(x, PreparedLayer) else prepare_layer(x, theatre) for x in (a, b))
    if list(pa_.statuses) != all_area or list(pb_.statuses) != all_area:
        raise ValueError("a prepared layer of another vocabulary")
    keys = wanted + [UNION]
    pick = [all_area.index(s) for s in wanted] + [len(all_area)]
    centre = theatre_centre(theatre) or _pair_centre(pa_, pb_)
    pa, pb = pa_.projected(centre)[pick], pb_.projected(centre)[pick]
    same = pa_.digest == pb_.digest  # the same statuses and geometries: nothing gained, nothing lost
    how: dict[str, str] = {}
    if same:
        gained = lost = [None] * len(keys)
        how = dict.fromkeys(keys, "same")
    else:
        # one area status: the union is that status's geometry (prepare_layer), so difference it once and let the
        # union share the result. On the whole front (one status, 352 consecutive pairs, no result cache) changes
        # took 16.5 s against 26.4 s differencing both (medians of 3 in one run), the figures identical.
        once = len(all_area) == 1 and len(keys) == 2
        gained, lost = [], []
        for i, key in enumerate(keys):
            if once and i == 1:
                gained.append(gained[0])
                lost.append(lost[0])
                how[key] = how[keys[0]]
            elif overlay == "full":
                gained.append(shapely.difference(pb[i], pa[i]))
                lost.append(shapely.difference(pa[i], pb[i]))
                how[key] = "full: asked for"
            else:
                d = differences(pa_.boundary(centre, pick[i]), pb_.boundary(centre, pick[i]))
                gained.append(d.b_minus_a)
                lost.append(d.a_minus_b)
                how[key] = d.method + (f": {d.reason}" if d.reason else "")

    changes: dict[str, StatusChange] = {}
    features: list[dict] = []
    inv = laea_transformer(*centre, inverse=True) if with_features and not same else None
    for i, key in enumerate(keys):
        g_parts, g_mask, g_area = _noise_mask(gained[i], min_area_km2, tolerance_m)
        l_parts, l_mask, l_area = _noise_mask(lost[i], min_area_km2, tolerance_m)
        # summed in the parts' order, one by one, as the loop over the parts did: the same figures to the bit
        sum_g, noise_g = (float(sum(g_area[m].tolist())) / 1e6 for m in (g_mask, ~g_mask))
        sum_l, noise_l = (float(sum(l_area[m].tolist())) / 1e6 for m in (l_mask, ~l_mask))
        g_keep = [p for p, k in zip(g_parts, g_mask, strict=True) if k]
        l_keep = [p for p, k in zip(l_parts, l_mask, strict=True) if k]
        changes[key] = StatusChange(key, float(shapely.area(pa[i])) / 1e6, float(shapely.area(pb[i])) / 1e6,
                                    sum_g, sum_l, noise_g + noise_l, noise_g - noise_l)
        if inv is None:
            continue
        for kind, parts in (("gained", g_keep), ("lost", l_keep)):
            for p in parts:
                ll = shapely.transform(p, lambda x, y: inv.transform(x, y), interleaved=False)
                ll = shapely.orient_polygons(ll, exterior_cw=False)
                features.append({"type": "Feature",
                                 "properties": {"kind": kind, "status": key,
                                                "area_km2": round(float(shapely.area(p)) / 1e6, 6)},
                                 "geometry": json.loads(shapely.to_geojson(ll))})
    features.sort(key=lambda f: (f["properties"]["status"], f["properties"]["kind"], -f["properties"]["area_km2"]))
    places = changed_places(settlements, pa_.dissolved, pb_.dissolved, all_area) if settlements and not same else []
    return DiffResult(changes, features, min_area_km2, tolerance_m, places, how)


def _split_noise(geom, min_area_km2: float, tolerance_m: float):
    """Split a projected (metres) change geometry into (kept parts, noise parts)."""
    parts, keep_mask = _noise_mask(geom, min_area_km2, tolerance_m)[:2]
    return [p for p, k in zip(parts, keep_mask, strict=True) if k], \
        [p for p, k in zip(parts, keep_mask, strict=True) if not k]


def _noise_mask(geom, min_area_km2: float, tolerance_m: float):
    """The polygons of ``geom``, which of them are kept (not noise), and their areas in m², in one pass each."""
    import numpy as np
    import shapely

    if geom is None or geom.is_empty:
        return [], np.zeros(0, dtype=bool), np.zeros(0)
    parts = shapely.get_parts(geom)
    parts = parts[(shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)]
    areas = shapely.area(parts)
    keep = areas / 1e6 >= min_area_km2
    if tolerance_m > 0 and keep.any():
        keep[keep] = ~shapely.is_empty(shapely.buffer(parts[keep], -tolerance_m / 2))
    return list(parts), keep, areas


# ---- places --------------------------------------------------------------------------------------------------
def place_names(props: dict) -> list[str]:
    """A place's names: ``name`` first, then ``alt_names`` and any ``name_*`` properties."""
    names = [str(props.get("name", ""))]
    alt = props.get("alt_names") or []
    if isinstance(alt, str):
        alt = [alt]
    names += [str(x) for x in alt]
    names += [str(v) for k, v in sorted(props.items()) if k.startswith("name_") and isinstance(v, str)]
    seen, out = set(), []
    for n in names:
        if n and n not in seen:
            seen.add(n)
            out.append(n)
    return out


def status_at(point, dissolved: dict, statuses: Sequence[str]) -> str | None:
    """The first status (vocabulary order) whose dissolved polygon covers ``point``; None when outside all."""
    import shapely

    for s in statuses:
        g = dissolved.get(s)
        if g is not None and not g.is_empty and shapely.covers(g, point):
            return s
    return None


def changed_places(settlements: dict, da: dict, db: dict, statuses: Sequence[str]) -> list[dict]:
    """Places whose status differs between two dissolved layers: ``taken`` (now inside), ``lost``, ``changed``."""
    import shapely

    out = []
    for f in settlements.get("features", []):
        props = f.get("properties") or {}
        if not f.get("geometry"):
            continue  # a place whose position is unknown (null geometry) has no status
        pt = shapely.from_geojson(json.dumps(f["geometry"]))
        sa, sb = status_at(pt, da, statuses), status_at(pt, db, statuses)
        if sa == sb:
            continue
        kind = "taken" if sa is None else "lost" if sb is None else "changed"
        out.append({"name": str(props.get("name", "")), "from": sa, "to": sb, "kind": kind})
    out.sort(key=lambda p: (p["kind"], p["name"]))
    return out


def place_timeline(point, layers: Sequence[tuple[str, dict]], theatre: Theatre) -> list[dict]:
    """Date ranges for which ``point`` lay inside each status (or none), over ``[(date, layer), ...]`` in order.

    Each range: ``{"status": key or None, "from": first date, "to": last date with that status}``.
    """
    statuses = theatre.area_statuses
    ranges: list[dict] = []
    for date, coll in layers:
        st = status_at(point, dissolve(coll, statuses), statuses)
        if ranges and ranges[-1]["status"] == st:
            ranges[-1]["to"] = date
        else:
            ranges.append({"status": st, "from": date, "to": date})
    return ranges


def peak_and_retaken(rows: Sequence[dict]) -> dict:
    """The peak of ``total_km2`` over rows ``{date, total_km2}`` and each date's share retaken since it.

    ``retaken_pct`` is ``(peak − total) / peak × 100`` for dates on or after the peak, None before it.

    Examples
    --------
    >>> peak_and_retaken([{"date": "d1", "total_km2": 2.0}, {"date": "d2", "total_km2": 4.0},
    ...                   {"date": "d3", "total_km2": 1.0}])["retaken_pct"]
    {'d1': None, 'd2': 0.0, 'd3': 75.0}
    >>> peak_and_retaken([])["peak"] is None
    True
    """
    if not rows:
        return {"peak": None, "retaken_pct": {}}
    best = max(rows, key=lambda r: (r["total_km2"], [-ord(c) for c in r["date"]]))
    peak = {"date": best["date"], "total_km2": best["total_km2"]}
    out = {}
    for r in rows:
        if r["date"] < best["date"] or best["total_km2"] == 0:
            out[r["date"]] = None
        else:
            out[r["date"]] = 100.0 * (best["total_km2"] - r["total_km2"]) / best["total_km2"]
    return {"peak": peak, "retaken_pct": out}
