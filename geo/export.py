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
dependency), ``.gpkg`` (GeoPackage, Date fields), ``.fgb`` (FlatGeobuf; written without its spatial index, which
cannot hold a null geometry) and ``.parquet`` (GeoParquet 1.0 through pyarrow's ParquetWriter, ``date32``
columns, ``geo`` metadata without the optional ``bbox``). The three binary formats are written through Arrow, a
batch of :data:`BATCH` rows at a time (:func:`arrow_schema`), and need pyarrow: ``pip install
'frontline[export]'`` (exit 3 where it is missing).

:func:`series_records` / :func:`iter_records` are pure (layers in, rows out); :func:`write_records` writes rows
to a file; both work in a notebook (``geo.measure.export_records`` reads the store).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Sequence
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
    return list(iter_records(layers, theatre, areas, next_dates))


def iter_records(layers: Iterable[tuple[dict, dict]], theatre: Theatre, areas: Iterable[dict],
                 next_dates: dict[str, str | None]) -> Iterator[dict]:
    """:func:`series_records` as a generator: one layer is read, dissolved and let go at a time."""
    import shapely

    from .area import dissolve

    for (v, coll), area in zip(layers, areas, strict=True):
        d = dissolve(coll, theatre.area_statuses)
        for s in theatre.area_statuses:
            g = d[s]
            polys = [p for p in shapely.get_parts(g) if p.geom_type == "Polygon" and not p.is_empty]
            yield {"date": v["date"], "valid_from": v["date"], "valid_to": next_dates[v["date"]],
                   "status": s, "area_km2": area["areas_km2"][s], "version": v["version"],
                   "sha256": v["sha256"], "source": v["source"], "recorded_at": v["recorded_at"],
                   "geometry": shapely.multipolygons(polys) if polys else None}


def write_records(records: Iterable[dict], path, *, layer: str = "frontline") -> tuple[Path, int]:
    """Write rows of :func:`iter_records` to ``path``, in the format its suffix names; return the path and
    the number of rows written.

    The rows are consumed as they come, :data:`BATCH` at a time, so that memory does not grow with the series
    (the whole front's 353 layers written at once held 409 MB). The file appears whole or not at all (written
    beside it, then renamed). ``layer`` names the table inside a GeoPackage.
    """
    import shutil
    import tempfile

    path = Path(path)
    suffix = export_format(path)
    if suffix != ".geojson":
        _need_pyarrow(suffix)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmpdir = tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        tmp = Path(tmpdir) / f"export{suffix}"
        if suffix == ".geojson":
            count = _write_geojson(records, tmp)
        else:
            count = _write_arrow(records, tmp, suffix, layer)
        os.replace(tmp, path)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    return path, count


#: rows per batch written to a binary format
BATCH = 64


def _write_geojson(records: Iterable[dict], path: Path) -> int:
    """One FeatureCollection, written a feature at a time (the bytes :func:`geo.geojson.dumps_collection` gives)."""
    from .geojson import dumps_collection, feature

    count = 0
    with open(path, "wb") as f:
        f.write(b'{"features":[')
        for r in records:
            text = dumps_collection(feature(r["geometry"], {k: r[k] for k in COLUMNS}))[:-1]
            f.write((b"," if count else b"") + text)
            count += 1
        f.write(b'],"type":"FeatureCollection"}\n')
    return count


def records_frame(records: list[dict]):
    """The rows as a geopandas GeoDataFrame in EPSG:4326, dates as ``datetime.date`` (what a notebook wants)."""
    import datetime as dt

    import geopandas as gpd

    cols = {k: [r[k] for r in records] for k in COLUMNS}
    for k in DATE_COLUMNS:
        cols[k] = [None if v is None else dt.date.fromisoformat(v) for v in cols[k]]
    return gpd.GeoDataFrame(cols, geometry=[r["geometry"] for r in records], crs="EPSG:4326")


def _need_pyarrow(suffix: str) -> None:
    try:
        import pyarrow  # noqa: F401 - the Arrow writers need it; say so before anything is written
    except ImportError:
        from .errors import MissingResource

        raise MissingResource(f"writing {FORMATS[suffix][0]} needs pyarrow: pip install 'frontline[export]'") \
            from None


def arrow_schema():
    """The Arrow schema of an export: the module's columns (dates as ``date32``) and a WKB ``geometry`` column
    marked as GeoArrow WKB in lon/lat (EPSG:4326).
    """
    import pyarrow as pa
    import pyproj

    crs = pyproj.CRS("EPSG:4326").to_json_dict()
    fields = [pa.field(k, pa.date32()) for k in DATE_COLUMNS] + [
        pa.field("status", pa.string()), pa.field("area_km2", pa.float64()), pa.field("version", pa.int64()),
        pa.field("sha256", pa.string()), pa.field("source", pa.string()), pa.field("recorded_at", pa.string()),
        pa.field("geometry", pa.binary(), metadata={"ARROW:extension:name": "geoarrow.wkb",
                                                     "ARROW:extension:metadata": json.dumps({"crs": crs})})]
    geo = {"version": "1.0.0", "primary_column": "geometry",
           "columns": {"geometry": {"encoding": "WKB", "geometry_types": ["MultiPolygon"], "crs": crs}}}
    return pa.schema(fields, metadata={"geo": json.dumps(geo)})


def _batches(records: Iterable[dict], schema, counter: list) -> Iterator:
    import datetime as dt
    from itertools import islice

    import numpy as np
    import pyarrow as pa
    import shapely

    it = iter(records)
    while chunk := list(islice(it, BATCH)):
        cols = {k: [r[k] for r in chunk] for k in COLUMNS}
        for k in DATE_COLUMNS:
            cols[k] = [None if v is None else dt.date.fromisoformat(v) for v in cols[k]]
        cols["geometry"] = list(shapely.to_wkb(np.asarray([r["geometry"] for r in chunk], dtype=object)))
        counter[0] += len(chunk)
        yield pa.record_batch([pa.array(cols[f.name], type=f.type) for f in schema], schema=schema)


def _write_arrow(records: Iterable[dict], path: Path, suffix: str, layer: str) -> int:
    """GeoParquet through pyarrow's ParquetWriter (a row group per batch; the ``geo`` metadata of GeoParquet
    1.0 without the optional ``bbox``, which is not known before the last row), GeoPackage and FlatGeobuf through
    ``pyogrio.write_arrow`` reading the same batches as a stream.
    """
    import pyarrow as pa

    schema = arrow_schema()
    count = [0]
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        with pq.ParquetWriter(path, schema) as writer:
            for batch in _batches(records, schema, count):
                writer.write_batch(batch)
        return count[0]
    import pyogrio

    options = {"SPATIAL_INDEX": "NO"} if suffix == ".fgb" else {}
    reader = pa.RecordBatchReader.from_batches(schema, _batches(records, schema, count))
    pyogrio.write_arrow(reader, path, driver=FORMATS[suffix][1], layer=layer, geometry_name="geometry",
                        geometry_type="MultiPolygon", crs="EPSG:4326", layer_options=options or None)
    return count[0]
