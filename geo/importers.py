"""I/O: read layers from files (GeoJSON; GeoPackage, KML/KMZ, Shapefile, FlatGeobuf through pyogrio; raw
DeepStateMap snapshots), validate them and record them in the store.

Where the date comes from, in order: ``date=``, else a ``YYYY-MM-DD`` in the file name, else a ``date``
property shared by the features (or in the collection's ``metadata``).

A source file's own metadata (GeoJSON's foreign members, GDAL's source CRS and metadata) is kept in the stored
version as its ``source_metadata`` member (:func:`source_metadata`).

Everything is read and validated before anything is written: a failed import leaves the store byte for byte as
it was. Files past ``max_bytes`` are refused before they are read.
"""

from __future__ import annotations

import json
import os
import re
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import InvalidInput, LimitExceeded, ValidationError
from .store import EncodedLayer, RecordResult, Store, encode_layer, parse_date
from .theatre import Theatre
from .validate import DEFAULT_MAX_VERTICES, clip_layer, validate_layer

FORMATS = ("auto", "geojson", "deepstate", "ogr")
#: Default size limit of one input file, in bytes (the largest real Kursk layer is about 30 kB).
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
OGR_SUFFIXES = (".gpkg", ".kml", ".kmz", ".shp", ".fgb", ".zip", ".gml", ".gpx")
GEOJSON_SUFFIXES = (".geojson", ".json")
_NAME_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})")
#: The member of a stored layer that keeps the source file's own metadata (:func:`source_metadata`).
SOURCE_METADATA = "source_metadata"

#: DeepStateMap label keys (the last part of "Звільнено /// Liberated /// geoJSON.status.dismissed") → status.
DEEPSTATE_STATUS = {
    "geoJSON.status.dismissed": "ua_controlled",
    "geoJSON.status.unknown": "grey_zone",
}


@dataclass(frozen=True)
class ImportOptions:
    date: str | None = None
    source: str = ""
    note: str = ""
    status: str | None = None
    status_field: str = "status"
    status_map: dict | None = None
    fmt: str = "auto"
    repair: bool = False
    max_bytes: int = DEFAULT_MAX_BYTES
    max_vertices: int = DEFAULT_MAX_VERTICES
    recorded_by: str | None = None
    #: Clip every layer to the theatre's region polygon (border slivers dropped, see
    #: :func:`geo.validate.clip_layer`). None: only DeepState snapshots, which cover the whole war, are clipped;
    #: other layers are kept as the editor drew them.
    clip: bool | None = None


@dataclass(frozen=True)
class Prepared:
    """A file read and validated, ready to record."""

    path: str
    date: str
    collection: dict | None  # None in what import_paths returns (see there)
    note: str
    #: Each feature's shapely geometry when the validation's still hold (None once the layer was clipped).
    shapes: list | None = None


def limits_from_env() -> dict:
    """``max_bytes`` and ``max_vertices`` from ``$FRONTLINE_MAX_BYTES`` / ``$FRONTLINE_MAX_VERTICES``."""
    out = {}
    for key, env in (("max_bytes", "FRONTLINE_MAX_BYTES"), ("max_vertices", "FRONTLINE_MAX_VERTICES")):
        if os.environ.get(env):
            try:
                out[key] = int(os.environ[env])
            except ValueError:
                raise InvalidInput(f"${env} must be an integer, not {os.environ[env]!r}") from None
    return out


def expand_paths(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """Files named, and the dated files inside folders named, in date order within each folder."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files = [f for f in p.iterdir() if f.is_file() and f.suffix.lower() in GEOJSON_SUFFIXES + OGR_SUFFIXES
                     and _NAME_DATE.search(f.name)]
            out.extend(sorted(files, key=lambda f: (_NAME_DATE.search(f.name).group(1), f.name)))
        elif p.exists():
            out.append(p)
        else:
            raise InvalidInput(f"{p}: no such file or folder")
    return out


def read_file(path: Path, *, fmt: str = "auto", max_bytes: int = DEFAULT_MAX_BYTES,
              max_vertices: int = DEFAULT_MAX_VERTICES) -> dict:
    """Read one file as a GeoJSON-like dict in lon/lat (reprojected where the file has another CRS).

    Limits are applied before the data is held in memory: ``max_bytes`` to the file as stored and, for a
    ``.zip``/``.kmz``, to its members' sizes once expanded; ``max_vertices`` while GDAL reads, a batch of
    features at a time.
    """
    path = Path(path)
    if fmt not in FORMATS:
        raise InvalidInput(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such file") from None
    if size > max_bytes:
        raise LimitExceeded(f"{path}: {size:,} bytes is past the size limit of {max_bytes:,} bytes "
                            "(raise it with --max-bytes or FRONTLINE_MAX_BYTES)")
    if size == 0:
        raise ValidationError("the file is empty", where=str(path))
    suffix = path.suffix.lower()
    if fmt in ("geojson", "deepstate") or (fmt == "auto" and suffix not in OGR_SUFFIXES):
        return _read_geojson(path)
    if suffix in (".zip", ".kmz"):
        _check_expanded_size(path, max_bytes)
    return _read_ogr(path, max_vertices=max_vertices)


def _check_expanded_size(path: Path, max_bytes: int) -> None:
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            expanded = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise ValidationError(f"not a readable zip archive ({exc})", where=str(path)) from None
    if expanded > max_bytes:
        raise LimitExceeded(f"{path}: {expanded:,} bytes once expanded is past the size limit of {max_bytes:,} "
                            "bytes (raise it with --max-bytes or FRONTLINE_MAX_BYTES)")


def _reject_constant(name):
    raise ValueError(f"{name} is not valid JSON (NaN and Infinity are not numbers in GeoJSON)")


def _read_geojson(path: Path) -> dict:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(f"not UTF-8 text (byte {exc.start}); GeoJSON must be UTF-8", where=str(path)) from None
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise ValidationError("JSON nested too deeply", where=str(path)) from None
    except ValueError as exc:
        msg = str(exc)
        if "NaN" in msg or "Infinity" in msg:
            raise ValidationError("a coordinate is NaN or Infinity (not valid JSON)", where=str(path)) from None
        hint = " (truncated?)" if "Expecting" in msg and getattr(exc, "pos", 0) >= len(text.rstrip()) - 1 else ""
        raise ValidationError(f"not valid JSON{hint}: {msg}", where=str(path)) from None


#: Features read from GDAL per batch, so that the vertex limit is checked while reading.
OGR_BATCH = 5000


def _read_ogr(path: Path, *, max_vertices: int = DEFAULT_MAX_VERTICES) -> dict:
    try:
        import numpy as np
        import pyogrio
        import shapely
    except ImportError as exc:  # pragma: no cover - pyogrio is a dependency
        raise InvalidInput(f"{path}: reading this format needs pyogrio ({exc})") from None
    batches, seen, vertices, meta = [], 0, 0, {}
    while True:
        try:
            with warnings.catch_warnings():  # GDAL's warnings (an open ring, say) would break the one-line rule
                warnings.simplefilter("ignore", RuntimeWarning)
                meta, _, wkb, cols = pyogrio.raw.read(path, datetime_as_string=True, skip_features=seen,
                                                     max_features=OGR_BATCH)
        except Exception as exc:  # pyogrio raises several DataSourceError/DataLayerError kinds
            raise ValidationError(f"cannot read with GDAL/OGR: {' '.join(str(exc).split())}",
                                  where=str(path)) from None
        shapes = _decode_wkb(wkb, first=seen, where=str(path))
        vertices += int(shapely.get_num_coordinates(shapes).sum())
        if vertices > max_vertices:
            raise LimitExceeded(f"{path}: more than {max_vertices:,} vertices (the vertex limit; raise it with "
                                "--max-vertices or FRONTLINE_MAX_VERTICES)")
        batches.append((shapes, cols))
        seen += len(shapes)
        if len(shapes) < OGR_BATCH:
            break
    names = list(meta.get("fields", []))
    shapes = np.concatenate([b[0] for b in batches]) if batches else np.array([], dtype=object)
    fields = [np.concatenate([b[1][j] for b in batches]) for j in range(len(names))]
    crs = meta.get("crs")
    if crs:
        import pyproj

        try:
            src = pyproj.CRS.from_user_input(crs)
            if not src.equals(pyproj.CRS.from_epsg(4326), ignore_axis_order=True):
                tr = pyproj.Transformer.from_crs(src, "EPSG:4326", always_xy=True)
                shapes = shapely.transform(shapes, lambda x, y: tr.transform(x, y, errcheck=True), interleaved=False)
        except (pyproj.exceptions.CRSError, pyproj.exceptions.ProjError) as exc:
            raise ValidationError(f"cannot reproject from {crs!r} to WGS84: {' '.join(str(exc).split())}",
                                  where=str(path)) from None
    shapes = shapely.force_2d(shapes)
    features = []
    for i, g in enumerate(shapes):
        props = {n: _plain(fields[j][i]) for j, n in enumerate(names)}
        features.append({"type": "Feature", "properties": props,
                         "geometry": None if g is None else json.loads(shapely.to_geojson(g))})
    out = {"type": "FeatureCollection", "features": features}
    if crs:
        out["source_crs"] = str(crs)
    try:
        info = pyogrio.read_info(path)
    except Exception:  # noqa: BLE001 - the data were read; metadata is a courtesy, never a reason to fail
        info = {}
    for key in ("dataset_metadata", "layer_metadata"):
        if info.get(key):
            out[key] = {str(k): str(v) for k, v in info[key].items()}
    return out


def _decode_wkb(wkb, *, first: int, where: str):
    """Decode a batch of WKB from GDAL; a geometry GEOS refuses (a ring that is not closed, say) becomes a
    one-line :class:`ValidationError` naming the feature, never a GEOSException.
    """
    import shapely

    try:
        return shapely.from_wkb(wkb)
    except shapely.errors.GEOSException:
        pass
    for i, one in enumerate(wkb):
        try:
            shapely.from_wkb(one)
        except shapely.errors.GEOSException as exc:
            raise ValidationError(f"feature {first + i}: unreadable geometry: {' '.join(str(exc).split())}",
                                  where=where) from None
    raise ValidationError("unreadable geometry", where=where)  # pragma: no cover - the batch failed, one must


def _plain(v):
    if v is None:
        return None
    if isinstance(v, (list, tuple)) or (hasattr(v, "tolist") and getattr(v, "ndim", 0) > 0):
        return [_plain(x) for x in (v.tolist() if hasattr(v, "tolist") else v)]
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and v != v:
        return None
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    return v


def deepstate_to_layer(raw: dict, *, where: str = "", status_map: dict | None = None) -> tuple[dict, str]:
    """Turn a raw DeepStateMap snapshot into a layer: statuses from label keys, Z dropped, others skipped.

    Features are mapped by the key at the end of their ``name`` label (``… /// geoJSON.status.dismissed``)
    through :data:`DEEPSTATE_STATUS` updated with ``status_map``; points and unmapped labels are skipped and
    counted in the returned note.
    """
    if not isinstance(raw, dict) or raw.get("type") != "FeatureCollection" or not isinstance(
            raw.get("features"), list):
        raise ValidationError("not a FeatureCollection", where=where)
    mapping = dict(DEEPSTATE_STATUS)
    mapping.update(status_map or {})
    out, skipped = [], 0
    for f in raw["features"]:
        props = (f or {}).get("properties") or {}
        label = str(props.get("name", ""))
        key = label.split("///")[-1].strip()
        geom = (f or {}).get("geometry") or {}
        if key not in mapping or geom.get("type") not in ("Polygon", "MultiPolygon"):
            skipped += 1
            continue
        out.append({"type": "Feature", "properties": {"status": mapping[key], "deepstate_label": label.strip()},
                    "geometry": geom})
    note = f"DeepState raw: {len(out)} features mapped, {skipped} skipped (other labels or not polygons)"
    return {"type": "FeatureCollection", "features": out}, note


def source_metadata(data, *, where: str = "") -> dict:
    """A source file's own metadata, to keep in the version's record (:data:`SOURCE_METADATA`).

    For GeoJSON: every top-level member other than ``type``, ``features``, ``bbox`` and ``crs`` (RFC 7946's
    foreign members, such as DeepStateMap's ``metadata`` and ``name``), verbatim; ``bbox`` and ``crs`` describe
    the file's coordinates, which a clip or a reprojection changes. For the GDAL formats: the source CRS and the
    dataset's and layer's metadata, where the file has them. Empty where there is nothing to keep.

    Examples
    --------
    >>> source_metadata({"type": "FeatureCollection", "features": [], "name": "x", "metadata": {"date": "2024"}})
    {'metadata': {'date': '2024'}, 'name': 'x'}
    >>> source_metadata({"type": "FeatureCollection", "features": []})
    {}
    """
    if not isinstance(data, dict):
        return {}
    kept = data.get(SOURCE_METADATA)  # a layer read back from a store carries its metadata already
    meta = dict(kept) if isinstance(kept, dict) else {}
    meta.update((k, v) for k, v in data.items() if k not in ("type", "features", "bbox", "crs", SOURCE_METADATA))
    meta = dict(sorted(meta.items()))
    try:  # the store writes strict JSON in UTF-8
        json.dumps(meta, allow_nan=False, ensure_ascii=False).encode("utf-8")
    except (ValueError, TypeError, UnicodeEncodeError) as exc:
        raise ValidationError(f"the file's metadata is not valid JSON text ({exc})", where=where) from None
    return meta


def _date_for(path: Path, data: dict, explicit: str | None) -> str:
    if explicit:
        return parse_date(explicit)
    m = _NAME_DATE.search(path.name)
    if m:
        return parse_date(m.group(1), f"date in file name {path.name!r}")
    dates = set()
    meta = data.get("metadata") if isinstance(data, dict) else None
    if isinstance(meta, dict) and meta.get("date"):
        dates.add(str(meta["date"]))
    for f in (data.get("features") or []) if isinstance(data, dict) else []:
        if isinstance(f, dict) and isinstance(f.get("properties"), dict) and f["properties"].get("date"):
            dates.add(str(f["properties"]["date"])[:10])
    if len(dates) == 1:
        return parse_date(dates.pop(), "date property")
    if len(dates) > 1:
        raise InvalidInput(f"{path}: features carry several dates ({', '.join(sorted(dates))}); give --date")
    raise InvalidInput(f"{path}: no date: give --date, or put YYYY-MM-DD in the file name or a 'date' property")


def prepare_file(store: Store, name: str, path: Path, opts: ImportOptions, theatre: Theatre | None = None,
                 region=None) -> Prepared:
    """Read and validate one file for theatre ``name``; write nothing."""
    theatre = theatre or store.theatre(name)
    if region is None and _may_clip(opts):
        region = store.region_geometry(name)
    return _prepare(name, Path(path), opts, theatre, region)


def _may_clip(opts: ImportOptions) -> bool:
    return opts.clip if opts.clip is not None else opts.fmt == "deepstate"


def _prepare(name: str, path: Path, opts: ImportOptions, theatre: Theatre, region) -> Prepared:
    """:func:`prepare_file` without the store: ``region`` is the theatre's region polygon (None if it has none)."""
    where = str(path)
    fmt = opts.fmt
    data = read_file(path, fmt=fmt, max_bytes=opts.max_bytes, max_vertices=opts.max_vertices)
    date = _date_for(path, data, opts.date)
    meta = source_metadata(data, where=where)
    notes = []
    status_map = opts.status_map
    if fmt == "deepstate":
        data, dnote = deepstate_to_layer(data, where=where, status_map=opts.status_map)
        notes.append(dnote)
        status_map = None
    v = validate_layer(data, theatre, where=where, repair=opts.repair or fmt == "deepstate",
                       status=opts.status, status_field=opts.status_field, status_map=status_map,
                       max_vertices=opts.max_vertices)
    del data
    collection, shapes = v.collection, v.shapes
    if v.note:
        notes.append(v.note)
    if _may_clip(opts):
        if region is not None:
            collection, shapes = clip_layer(collection, region, theatre), None
            notes.append("clipped to the theatre's region polygon")
        elif opts.clip:
            raise InvalidInput(f"theatre {name!r} has no region polygon to clip to (set one with init --region)")
    if meta:
        collection = {**collection, SOURCE_METADATA: meta}
    return Prepared(where, date, collection, ". ".join(notes), shapes)


def _encode_file(name: str, path: Path, opts: ImportOptions, theatre: Theatre, region) -> tuple[Prepared, EncodedLayer]:
    """One file read, validated and encoded as the store keeps it (a worker process's task: no store here)."""
    p = _prepare(name, path, opts, theatre, region)
    return replace(p, collection=None, shapes=None), encode_layer(p.collection, p.shapes)


#: Fewer files than this are imported in this process: a pool's start (10-25 ms forked, 0.1-0.2 s from a fork
#: server, which then imports geo in each worker) would cost more than it saves on a few small files.
POOL_MIN_FILES = 8


def import_jobs(jobs: int | None = None) -> int:
    """The number of processes an import reads and encodes files in: ``jobs``, else ``$FRONTLINE_JOBS``, else
    the CPUs this process may run on (at most 8); 1 means this process alone.
    """
    if jobs is None:
        raw = os.environ.get("FRONTLINE_JOBS", "").strip()
        if raw:
            try:
                jobs = int(raw)
            except ValueError:
                raise InvalidInput(f"FRONTLINE_JOBS={raw!r}: expected a whole number of processes") from None
        else:
            jobs = min(8, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    if jobs < 1:
        raise InvalidInput(f"jobs must be at least 1, not {jobs}")
    return jobs


def _pool(jobs: int):
    """A process pool: forked while this process runs one thread (the CLI: the workers start with geo imported),
    else from a fork server (a notebook kernel or a server runs threads, which a fork would copy mid-flight).
    """
    import multiprocessing
    import threading
    from concurrent.futures import ProcessPoolExecutor

    method = "fork" if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods() else None
    if method is None:
        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    return ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context(method), initializer=_worker_start,
                               initargs=(os.getpid(),))


def _worker_start(importer: int) -> None:
    """A worker leaves as soon as the import that started it is gone (a SIGKILLed import would otherwise leave
    its workers waiting for tasks forever: each holds both ends of the task queue's pipe, so it never reads EOF).
    A thread checks twice a second that the worker's parent and the importing process are still there. Ctrl-C
    is the importing process's to handle (it stops the pool); a worker ignores it rather than print a traceback.
    """
    import signal
    import threading
    import time

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()

    def watch():
        while True:
            time.sleep(0.5)
            try:
                os.kill(importer, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:  # a process of another user has the pid: ours is gone
                os._exit(1)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="frontline-import-watch", daemon=True).start()


def _encoded(files: list, name: str, opts: ImportOptions, theatre: Theatre, region, jobs: int, progress):
    """``(Prepared, EncodedLayer)`` of each file, in the files' order; in ``jobs`` processes when there are enough
    files. The first file that fails raises its own error, as in one process; the files after it are dropped.
    """
    shown = progress(files) if progress else files
    if jobs == 1 or len(files) < POOL_MIN_FILES:
        for f in shown:
            yield _encode_file(name, f, opts, theatre, region)
        return
    with _pool(min(jobs, len(files))) as pool:
        futures = [pool.submit(_encode_file, name, f, opts, theatre, region) for f in files]
        try:
            for _, fut in zip(shown, futures, strict=True):
                yield fut.result()
        finally:
            for fut in futures:
                fut.cancel()


def import_paths(store: Store, name: str, paths: Sequence, opts: ImportOptions = ImportOptions(),
                 *, progress: Callable | None = None, jobs: int | None = None) -> list[tuple[Prepared, RecordResult]]:
    """Import files and folders into theatre ``name``, all or nothing.

    Every file is read and validated before anything is written, and the versions are then recorded in one
    commit (:meth:`~geo.store.Store.record_many`): a failure anywhere leaves the store as it was.

    Files are read, validated and encoded (:func:`geo.store.encode_layer`) in ``jobs`` worker processes
    (:func:`import_jobs`: by default one per CPU); the store's commit stays in this process, so what is written,
    and every error, is the same as with ``jobs=1``.

    ``progress``, if given, wraps the list of files being read (e.g. a click progress bar).
    Returns one ``(Prepared, RecordResult)`` per file; ``RecordResult.created`` is False where the content
    equals the date's current version. The ``Prepared`` returned has ``collection`` None: each layer is let go
    once the store has encoded it (an import of 769 whole-front layers held 499 MB when every one was kept).
    """
    theatre = store.theatre(name)
    files = expand_paths(paths)
    if not files:
        raise InvalidInput(f"no dated layer files found in {', '.join(map(str, paths))}")
    if opts.date and len(files) > 1:
        raise InvalidInput("--date applies to a single file; name the dates in the file names instead")
    jobs = import_jobs(jobs)
    region = store.region_geometry(name) if _may_clip(opts) else None
    prepared: list[Prepared] = []

    def items():  # one file at a time: the store keeps each as bytes, so no import holds every layer's GeoJSON
        for p, enc in _encoded(files, name, opts, theatre, region, jobs, progress):
            prepared.append(p)
            yield p.date, enc, opts.source, ". ".join(x for x in (opts.note, p.note) if x)

    records = store.record_many(name, items(), recorded_by=opts.recorded_by)
    return list(zip(prepared, records, strict=True))


def import_collection(store: Store, name: str, collection: dict, *, date: str, source: str = "", note: str = "",
                      repair: bool = False, recorded_by: str | None = None,
                      recorded_at: str | None = None) -> RecordResult:
    """Validate a layer given as a dict (from a notebook or a script) and record it, with its metadata."""
    theatre = store.theatre(name)
    meta = source_metadata(collection, where=f"layer {date}")
    v = validate_layer(collection, theatre, where=f"layer {date}", repair=repair)
    if meta:
        v.collection = {**v.collection, SOURCE_METADATA: meta}
    full_note = ". ".join(x for x in (note, v.note) if x)
    return store.record(name, date, v.collection, source=source, note=full_note, recorded_by=recorded_by,
                        recorded_at=recorded_at)
