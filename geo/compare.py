"""Pure: two sources' layers side by side: ground held in both, only in A, only in B, and their IoU.

Nobody publishes "the" front line; a desk compares sources before it publishes. For the union of the area
statuses of each layer, and for each area status the two vocabularies share (same key), with ``A`` and ``B`` the
dissolved geometries:

- ``both`` = A ∩ B; ``only_a`` = A − B; ``only_b`` = B − A;
- ``only_a`` and ``only_b`` are split into parts and the noise rules of :mod:`geo.diff` apply: a part smaller
  than ``min_area_km2`` or thinner than ``tolerance_m`` is **noise** (two sources digitised apart disagree along
  every edge by a few metres), counted in ``noise_a_km2`` / ``noise_b_km2``, not as disagreement;
- ``iou`` = area(A ∩ B) / area(A ∪ B), from the geometry (noise does not change it); None where both are empty.

Everything is computed in one LAEA projection on WGS84, A's theatre's (:func:`geo.area.theatre_centre`; B's
where A has no region; else the layers' own centre), as :mod:`geo.diff` does, so that

  ``area_a_km2 == both_km2 + only_a_km2 + noise_a_km2`` and ``area_b_km2 == both_km2 + only_b_km2 + noise_b_km2``

to floating-point error (1e-6 km² is far above it), and with no noise thresholds (``min_area_km2=0,
tolerance_m=0``) ``area_a_km2 == both_km2 + only_a_km2`` exactly as the issue states it. ``area_a_km2`` equals
``frontline area A``'s figure; so does ``area_b_km2`` where both theatres share a projection centre (the same
region bbox), and otherwise it differs from ``frontline area B`` only by the edge model (an edge straight in one
LAEA is not straight in another): up to 6.1e-6 of the figure (5.6e-4 km²) for the bundled reconstruction, whose
hand-drawn edges are kilometres long, under its own region against the real series' (README, "compare").

The union here is over every area status, claimed ones included (as in :mod:`geo.diff`); statuses are matched by
key only, and a theatre's labels or certainties do not enter the figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .area import UNION, _centre, _polygonal, laea_transformer, project_laea, theatre_centre
from .diff import DEFAULT_MIN_AREA_KM2, DEFAULT_TOLERANCE_M, PreparedLayer, _split_noise, prepare_layer
from .theatre import Theatre

#: The kinds of comparison geometry, in drawing order.
KINDS = ("both", "only_a", "only_b")


@dataclass(frozen=True)
class StatusComparison:
    """One status (or the union) of two layers compared: km² in both, only in A, only in B, noise, IoU."""

    status: str
    area_a_km2: float
    area_b_km2: float
    both_km2: float
    only_a_km2: float
    only_b_km2: float
    noise_a_km2: float
    noise_b_km2: float
    union_km2: float

    @property
    def iou(self) -> float | None:
        """Intersection over union, area(A ∩ B) / area(A ∪ B); None where A and B are both empty."""
        return None if self.union_km2 <= 0 else min(1.0, self.both_km2 / self.union_km2)

    def as_dict(self) -> dict:
        return {"area_a_km2": self.area_a_km2, "area_b_km2": self.area_b_km2, "both_km2": self.both_km2,
                "only_a_km2": self.only_a_km2, "only_b_km2": self.only_b_km2, "noise_a_km2": self.noise_a_km2,
                "noise_b_km2": self.noise_b_km2, "iou": self.iou}


@dataclass
class Comparison:
    """Two layers compared: per shared status and for the union (``statuses[UNION]``), with the geometries."""

    statuses: dict[str, StatusComparison]
    min_area_km2: float = DEFAULT_MIN_AREA_KM2
    tolerance_m: float = DEFAULT_TOLERANCE_M
    #: ``{(kind, status): lon/lat shapely geometry}`` for kind in :data:`KINDS` (``with_features=True``).
    geometries: dict = field(default_factory=dict)

    @property
    def union(self) -> StatusComparison:
        return self.statuses[UNION]

    def collections(self, properties: dict | None = None) -> dict[str, dict]:
        """The comparison as GeoJSON: ``{"both": FC, "only_a": FC, "only_b": FC}`` (what a comparison map draws).

        Each FeatureCollection holds one feature per status and the union, with ``kind``, ``status`` and
        ``area_km2`` (and ``properties``) in its properties; ``only_*`` leave the noise out. Coordinates in
        lon/lat with six decimals (:func:`geo.geojson.rfc7946_geometry`). Needs ``with_features=True``.
        """
        from .geojson import feature

        if not self.geometries:
            raise ValueError("compare with with_features=True to have the geometries")
        out = {}
        for kind in KINDS:
            feats = []
            for key, c in self.statuses.items():
                km2 = {"both": c.both_km2, "only_a": c.only_a_km2, "only_b": c.only_b_km2}[kind]
                feats.append(feature(self.geometries[(kind, key)],
                                     {"kind": kind, "status": key, "area_km2": round(km2, 6), **(properties or {})}))
            out[kind] = {"type": "FeatureCollection", "features": feats}
        return out

    def as_dict(self) -> dict:
        """The union's figures at the top level, each shared status under ``statuses``, and the noise rules."""
        return {**self.union.as_dict(),
                "statuses": {k: v.as_dict() for k, v in self.statuses.items() if k != UNION},
                "noise": {"min_area_km2": self.min_area_km2, "tolerance_m": self.tolerance_m}}


def shared_statuses(theatre_a: Theatre, theatre_b: Theatre) -> list[str]:
    """The area status keys both theatres have, in A's order.

    Examples
    --------
    >>> from geo.theatre import Theatre, Status
    >>> a = Theatre("a", "A", (Status("held", "Held", "#112233"), Status("grey", "Grey", "#999999")))
    >>> b = Theatre("b", "B", (Status("grey", "Contested", "#888888"), Status("ru", "RU", "#aa0000")))
    >>> shared_statuses(a, b)
    ['grey']
    """
    keys_b = set(theatre_b.area_statuses)
    return [s for s in theatre_a.area_statuses if s in keys_b]


def compare_layers(a: dict | PreparedLayer, b: dict | PreparedLayer, theatre_a: Theatre,
                   theatre_b: Theatre | None = None, *, statuses: Sequence[str] | None = None,
                   min_area_km2: float = DEFAULT_MIN_AREA_KM2, tolerance_m: float = DEFAULT_TOLERANCE_M,
                   within=None, with_features: bool = False) -> Comparison:
    """Compare layer ``a`` of ``theatre_a`` with layer ``b`` of ``theatre_b`` (default: the same theatre).

    Parameters
    ----------
    a, b : dict or PreparedLayer
        Normalised layers (GeoJSON FeatureCollections), or the same prepared by :func:`geo.diff.prepare_layer`
        for their theatres. They may be of any two dates: the caller picks the pair.
    theatre_a, theatre_b : Theatre
        The two sources' settings: their vocabularies and projection centres.
    statuses : sequence of str, optional
        Shared status keys to report (default: every shared one, :func:`shared_statuses`); the union is always
        over all of each layer's area statuses.
    min_area_km2, tolerance_m : float
        The noise thresholds of :mod:`geo.diff` (0 disables each).
    within : shapely geometry, optional
        A lon/lat polygon (a region): compare only the ground inside it.
    with_features : bool
        Keep the geometries (:attr:`Comparison.geometries`, :meth:`Comparison.collections`).

    Returns
    -------
    Comparison

    Raises
    ------
    InvalidInput
        A negative noise threshold, or a status that is not an area status of both theatres.

    Examples
    --------
    >>> import shapely
    >>> from geo.theatre import Theatre, Status
    >>> t = Theatre("demo", "Demo", (Status("held", "Held", "#112233"),), bbox=(34.0, 50.0, 36.0, 52.0))
    >>> def layer(*boxes):
    ...     return {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"status": "held"},
    ...             "geometry": shapely.geometry.mapping(shapely.box(*b))} for b in boxes]}
    >>> c = compare_layers(layer((35.0, 51.0, 35.1, 51.1)), layer((35.05, 51.0, 35.15, 51.1)), t)
    >>> round(c.union.iou, 3), round(c.union.only_a_km2, 3), round(c.union.only_b_km2, 3)
    (0.333, 39.006, 39.006)
    >>> empty = {"type": "FeatureCollection", "features": []}
    >>> e = compare_layers(empty, layer((35.0, 51.0, 35.1, 51.1)), t)
    >>> e.union.both_km2, e.union.iou, round(e.union.only_b_km2, 2)
    (0.0, 0.0, 78.01)
    >>> compare_layers(empty, empty, t).union.iou is None
    True
    """
    import shapely

    from .errors import InvalidInput

    if min_area_km2 < 0 or tolerance_m < 0:
        raise InvalidInput("noise thresholds must be zero or positive")
    theatre_b = theatre_b or theatre_a
    shared = shared_statuses(theatre_a, theatre_b)
    wanted = list(shared if statuses is None else statuses)
    for s in wanted:
        if s not in shared:
            raise InvalidInput(f"status {s!r} is not an area status of both {theatre_a.name!r} and "
                               f"{theatre_b.name!r}: shared statuses are {', '.join(shared) or 'none'}")
    pa_ = a if isinstance(a, PreparedLayer) else prepare_layer(a, theatre_a)
    pb_ = b if isinstance(b, PreparedLayer) else prepare_layer(b, theatre_b)
    keys = wanted + [UNION]
    ga = [pa_.dissolved[s] for s in wanted] + [pa_.union]
    gb = [pb_.dissolved[s] for s in wanted] + [pb_.union]
    centre = theatre_centre(theatre_a) or theatre_centre(theatre_b) or _centre(ga + gb)
    pick_a = [list(pa_.statuses).index(s) for s in wanted] + [len(pa_.statuses)]
    pick_b = [list(pb_.statuses).index(s) for s in wanted] + [len(pb_.statuses)]
    if within is None:
        pa, pb = pa_.projected(centre)[pick_a], pb_.projected(centre)[pick_b]
    else:  # clipped in lon/lat, as `area --by region` does, so that the figures are the same
        pa, pb = (project_laea(_clip(p, wanted, within), centre) for p in (pa_, pb_))
    same = within is None and pa_.digest == pb_.digest  # the same statuses and geometries: full agreement
    both = pa if same else shapely.intersection(pa, pb)
    only_a = [None] * len(keys) if same else shapely.difference(pa, pb)
    only_b = [None] * len(keys) if same else shapely.difference(pb, pa)
    inv = laea_transformer(*centre, inverse=True) if with_features else None
    out: dict[str, StatusComparison] = {}
    geoms: dict = {}
    for i, key in enumerate(keys):
        a_keep, a_noise = _split_noise(only_a[i], min_area_km2, tolerance_m)
        b_keep, b_noise = _split_noise(only_b[i], min_area_km2, tolerance_m)
        area_a, area_b = float(shapely.area(pa[i])) / 1e6, float(shapely.area(pb[i])) / 1e6
        both_km2 = area_a if same else float(shapely.area(both[i])) / 1e6
        union_km2 = area_a if same else float(shapely.area(shapely.union(pa[i], pb[i]))) / 1e6
        out[key] = StatusComparison(key, area_a, area_b, both_km2, _km2(a_keep), _km2(b_keep), _km2(a_noise),
                                    _km2(b_noise), union_km2)
        if inv is not None:
            for kind, g in (("both", _polygonal(both[i])), ("only_a", _join(a_keep)), ("only_b", _join(b_keep))):
                ll = shapely.transform(g, lambda x, y: inv.transform(x, y), interleaved=False)
                geoms[(kind, key)] = ll
    return Comparison(out, min_area_km2, tolerance_m, geoms)


def _clip(p: PreparedLayer, wanted: list[str], region) -> list:
    """``wanted`` statuses of ``p`` and the union of all its statuses, each clipped to ``region`` (lon/lat)."""
    import shapely

    parts = {s: _polygonal(shapely.intersection(g, region)) if not g.is_empty else shapely.Polygon()
             for s, g in p.dissolved.items()}
    nonempty = [g for g in parts.values() if not g.is_empty]
    return [parts[s] for s in wanted] + [shapely.union_all(nonempty) if nonempty else shapely.Polygon()]


def _km2(parts) -> float:
    import shapely

    return float(sum(shapely.area(p) for p in parts)) / 1e6


def _join(parts):
    import shapely

    return shapely.multipolygons(parts) if parts else shapely.Polygon()

