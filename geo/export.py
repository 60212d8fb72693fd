"""The whole series in one file, for QGIS's temporal controller and GeoParquet readers (geopandas, DuckDB).

One feature per area status per date (per version with ``all_versions``), with the attributes:

``date``        the layer's date
``valid_from``  the same date: the day the layer comes into force
``valid_to``    the next date that has a layer in the store (empty for the last): the day it is replaced, so an
                animation shows each layer from ``valid_from`` up to, not including, ``valid_to``
``status``      the status key
``area_km2``    the status's km² on the ellipsoid, the figure ``frontline area`` gives
``version``, ``sha256``, ``source``, ``recorded_at``: which version of the date, its hash, its source, when recorded

The geometry is the status's dissolved ground as a MultiPolygon in lon/lat (WGS84), null where the status holds
nothing that day (the row says so; a reader still sees the date). Lines (kind ``line``) are not exported: they
have no area, and a layer of mixed geometry types is split in two by QGIS.

Formats, by the file's suffix: ``.geojson`` (RFC 7946, six decimals, dates as ``YYYY-MM-DD`` text: no extra
dependency), ``.gpkg`` (GeoPackage, Date fields), ``.fgb`` (FlatGeobuf, DateTime fields; written without its
spatial index, which cannot hold a null geometry) and ``.parquet`` (GeoParquet 1.x through geopandas's writer,
``date32`` columns). The three binary formats are written through Arrow and need pyarrow: ``pip install
'frontline[export]'`` (exit 3 where it is missing).

:func:`series_records` is pure (layers in, rows out); :func:`write_records` writes rows to a file; both work in
a notebook (``geo.measure.export_records`` reads the store).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from .theatre import Theatre

#: Suffix → (name, GDAL driver or None).
FORMATS = {".geojson": ("GeoJSON", None), ".gpkg": ("GeoPackage", "GPKG"), ".fgb": ("FlatGeobuf", "FlatGeobuf"),
           ".parquet": ("GeoParquet", None)}
COLUMNS = ("date", "valid_from", "valid_to", "status", "area_km2", "version", "sha256", "source", "recorded_at")
DATE_COLUMNS = ("date", "valid_from", "valid_to")


def export_format(path) -> str:
    """The suffix of ``path`` if it names a format we write; else InvalidInput listing them (exit 2).

    Examples
    --------
    >>> export_format("kursk.GPKG")
    '.gpkg'
    >>> export_format("kursk.shp")
    Traceback (most recent call last):
    ...
    geo.errors.InvalidInput: kursk.shp: write a .geojson, .gpkg, .fgb or .parquet file
    """
    from .errors import InvalidInput

    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise InvalidInput(f"{Path(path).name}: write a .geojson, .gpkg, .fgb or .parquet file")
    return suffix


def series_records(layers: Iterable[tuple[dict, dict]], theatre: Theatre, areas: Sequence[dict],
                   next_dates: dict[str, str | None]) -> list[dict]:
    """One row per area status per layer: the attributes of the module's table and a ``geometry``.

    Parameters
    ----------
    layers : iterable of (version, collection)
        ``version`` is a dict with ``date``, ``version``, ``sha256``, ``source``, ``recorded_at`` (a log entry's
        fields); ``collection`` the layer. Read once, in order: a generator keeps one layer in memory at a time.
    theatre : Theatre
        Its area statuses, in vocabulary order.
    areas : sequence of dict
        Each layer's ``areas_km2`` (a row of :func:`geo.measure.compute_areas`), in the order of ``layers``.
    next_dates : dict
        Each date's ``valid_to``: the next date that has a layer, or None.

    Returns
    -------
    list of dict
        ``geometry`` is a shapely MultiPolygon in lon/lat, or None where the status holds nothing.

    Examples
    --------
    >>> from geo.theatre import Theatre, Status
    >>> t = Theatre("demo", "Demo", (Status("held", "Held", "#112233"),))
    >>> v = {"date": "2024-08-24", "version": 1, "sha256": "ab", "source": "", "recorded_at": "2024-08-24T20:00Z"}
    >>> rows = series_records([(v, {"type": "FeatureCollection", "features": []})], t,
    ...                       [{"areas_km2": {"held": 0.0}}], {"2024-08-24": None})
    >>> {k: rows[0][k] for k in ("date", "valid_to", "status", "area_km2", "geometry")}
    {'date': '2024-08-24', 'valid_to': None, 'status': 'held', 'area_km2': 0.0, 'geometry': None}
    """
    import shapely

    from .area import dissolve

    out = []
    for (v, coll), area in zip(layers, areas, strict=True):
        d = dissolve(coll, theatre.area_statuses)
        for s in theatre.area_statuses:
            g = d[s]
            polys = [p for p in shapely.get_parts(g) if p.geom_type == "Polygon" and not p.is_empty]
            out.append({"date": v["date"], "valid_from": v["date"], "valid_to": next_dates[v["date"]],
                        "status": s, "area_km2": area["areas_km2"][s], "version": v["version"],
                        "sha256": v["sha256"], "source": v["source"], "recorded_at": v["recorded_at"],
                        "geometry": shapely.multipolygons(polys) if polys else None})
    return out


def write_records(records: list[dict], path, *, layer: str = "frontline") -> Path:
    """Write rows of :func:`series_records` to ``path``, in the format its suffix names; return the path.

    The file appears whole or not at all (written beside it, then renamed). ``layer`` names the table inside a
    GeoPackage.
    """
    import shutil
    import tempfile

    path = Path(path)
    suffix = export_format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmpdir = tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        tmp = Path(tmpdir) / f"export{suffix}"
        if suffix == ".geojson":
            _write_geojson(records, tmp)
        else:
            _write_arrow(records, tmp, suffix, layer)
        os.replace(tmp, path)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    return path


def _write_geojson(records: list[dict], path: Path) -> None:
    from .geojson import dumps_collection, feature

    feats = [feature(r["geometry"], {k: r[k] for k in COLUMNS}) for r in records]
    path.write_bytes(dumps_collection({"type": "FeatureCollection", "features": feats}))


def records_frame(records: list[dict]):
    """The rows as a geopandas GeoDataFrame in EPSG:4326, dates as ``datetime.date`` (what a notebook wants)."""
    import datetime as dt

    import geopandas as gpd

    cols = {k: [r[k] for r in records] for k in COLUMNS}
    for k in DATE_COLUMNS:
        cols[k] = [None if v is None else dt.date.fromisoformat(v) for v in cols[k]]
    return gpd.GeoDataFrame(cols, geometry=[r["geometry"] for r in records], crs="EPSG:4326")


def _write_arrow(records: list[dict], path: Path, suffix: str, layer: str) -> None:
    try:
        import pyarrow  # noqa: F401 - the Arrow writers need it; say so before anything is written
    except ImportError:
        from .errors import MissingResource

        raise MissingResource(f"writing {FORMATS[suffix][0]} needs pyarrow: pip install 'frontline[export]'") \
            from None
    frame = records_frame(records)
    if suffix == ".parquet":
        frame.to_parquet(path, index=False)  # GeoParquet: geopandas's writer over pyarrow
        return
    import pyogrio

    options = {"SPATIAL_INDEX": "NO"} if suffix == ".fgb" else {}
    pyogrio.write_dataframe(frame, path, driver=FORMATS[suffix][1], layer=layer, use_arrow=True,
                            layer_options=options or None)
