"""The store's interface (:class:`BaseStore`) and what every backend shares: layers, results, the record code."""

from __future__ import annotations

import abc
import contextlib
import datetime as dt
import getpass
import json
import os
from dataclasses import dataclass, field

from ..errors import CorruptStore, InvalidInput, NoLayerOnDate, NotFound
from ..theatre import Theatre, check_relative_path
from .log import LogEntry, _parse_stamp, canonical_bytes, format_timestamp, parse_date, parse_timestamp, sha256
from .packs import LayerShapes, read_blob, shapes_blob, shapes_by_parsing

DEFAULT_LOCK_TIMEOUT = 60.0


@dataclass(frozen=True)
class Layer:
    """One version of one date's layer, as read from the store."""

    theatre: str
    date: str
    version: int
    sha256: str
    recorded_at: str
    source: str
    note: str
    recorded_by: str
    collection: dict

    @property
    def source_metadata(self) -> dict:
        """The source file's own metadata kept at import (``{}`` where it had none).

        See :func:`geo.importers.source_metadata`.
        """
        meta = self.collection.get("source_metadata")
        return dict(meta) if isinstance(meta, dict) else {}

    @property
    def sources(self) -> list[dict]:
        return [{"version": self.version, "source": self.source, "note": self.note, "recorded_at": self.recorded_at}]


@dataclass(frozen=True)
class RecordResult:
    entry: LogEntry
    created: bool


@dataclass
class VerifyReport:
    theatre: str
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    versions: int = 0
    dates: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {"theatre": self.theatre, "ok": self.ok, "problems": self.problems, "notes": self.notes,
                "versions": self.versions, "dates": self.dates}


class BaseStore(abc.ABC):
    """What every store backend provides; the commands, the importers and the measures use only this.

    A backend implements the primitives (abstract below): the theatres and their settings files, the log, the
    stored bytes of a version, a *writer* (:meth:`_writing`: the theatre's exclusive write lock or transaction,
    with the log as it stands under it) and :meth:`verify`. Everything else (as-of reads,
    history, record with its version numbering and hash chain, appending copied history) is written once here,
    so both backends number, stamp and chain entries with the same code and hash the same canonical bytes.
    """

    #: Where the store is, for messages: a folder path or a URL without its password.
    location: str = ""
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT
    #: Reads may run in several threads at once (measure reads areas beside diffs where they may). The folder
    #: keeps what it holds per thread; the PostGIS backend has one connection, so it says no.
    concurrent_reads: bool = False

    # ---- primitives ---------------------------------------------------------------------------------------
    @abc.abstractmethod
    def theatres(self) -> list[str]:
        """The names of the theatres, sorted."""

    @abc.abstractmethod
    def init(self, theatre: Theatre, *, files: dict[str, bytes] | None = None, toml: str | None = None) -> None:
        """Create a theatre with its settings and the files they name; refuse if it exists.

        ``files`` maps paths relative to the theatre (``context/region.geojson``) to their bytes; ``toml`` is the
        settings text to keep verbatim (a copy keeps it byte for byte), else ``theatre.to_toml()``.
        """

    @abc.abstractmethod
    def theatre(self, name: str) -> Theatre:
        """The theatre's settings; NotFound (listing the known theatres) if there is none."""

    @abc.abstractmethod
    def theatre_toml(self, name: str) -> str:
        """The settings text (``theatre.toml``) exactly as stored."""

    @abc.abstractmethod
    def theatre_file(self, name: str, rel: str) -> bytes:
        """The bytes of a file the settings name (context layers, region polygons); NotFound if absent."""

    @abc.abstractmethod
    def file_where(self, name: str, rel: str) -> str:
        """How to name that file in a message (a path, or ``URL#theatre/rel``)."""

    @abc.abstractmethod
    def update_settings(self, name: str, theatre: Theatre, files: dict[str, bytes] | None = None) -> None:
        """Store ``files`` and then the new settings, under the writers' lock (settings are not versioned)."""

    @abc.abstractmethod
    def log(self, name: str) -> list[LogEntry]:
        """Every log entry of a theatre, oldest first. Raises CorruptStore on a broken log."""

    @abc.abstractmethod
    def object_bytes(self, name: str, digest: str) -> bytes:
        """The bytes of a stored version, re-hashed; CorruptStore if missing or altered."""

    @abc.abstractmethod
    def shape_form(self, name: str, digest: str) -> bytes | None:
        """The binary form of a stored version (:mod:`geo.store.packs`), or None where the version has none (it
        was written before binary forms existed). CorruptStore where the stored form is damaged.
        """

    @abc.abstractmethod
    def _writing(self, name: str) -> contextlib.AbstractContextManager[_Writer]:
        """Hold the theatre's write lock; yield a writer holding the log as it stands under that lock."""

    @abc.abstractmethod
    def verify(self, name: str) -> VerifyReport:
        """Re-hash every version and check the log and the stored data against each other."""

    # ---- settings files -------------------------------------------------------------------------------------
    def theatre_files(self, name: str) -> dict[str, bytes]:
        """Every file the settings name, ``{relative path: bytes}`` (what a copy must carry along)."""
        t = self.theatre(name)
        rels = [p for p in (t.region_polygon, t.regions, *t.context.values()) if p]
        out = {}
        for rel in sorted(set(rels)):
            with contextlib.suppress(NotFound):
                out[rel] = self.theatre_file(name, check_relative_path(rel, "context"))
        return out

    def _settings_json(self, name: str, rel: str, what: str):
        data = self.theatre_file(name, check_relative_path(rel, what))
        try:
            return json.loads(data.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"{self.file_where(name, rel)}: not valid JSON ({exc})") from None

    def context(self, name: str, kind: str) -> dict | None:
        """Parsed GeoJSON of a context layer, or None where the theatre has none."""
        rel = self.theatre(name).context.get(kind)
        return None if rel is None else self._settings_json(name, rel, kind)

    def context_where(self, name: str, kind: str) -> str:
        """How to name a context layer in a message."""
        rel = self.theatre(name).context.get(kind)
        return self.file_where(name, rel) if rel else f"{name}: no {kind}"

    def region_geometry(self, name: str):
        """The theatre's region polygon (shapely, lon/lat), or None."""
        t = self.theatre(name)
        if not t.region_polygon:
            return None
        return _polygonal_union(self._settings_json(name, t.region_polygon, "region"))

    def regions(self, name: str) -> dict:
        """Named regions for ``area --by region``: ``{name: shapely polygon}``; empty where none configured."""
        t = self.theatre(name)
        if not t.regions:
            return {}
        data = self._settings_json(name, t.regions, "regions")
        import shapely

        out: dict = {}
        for f in data.get("features", []):
            key = str((f.get("properties") or {}).get(t.regions_field, "")) or "unnamed"
            g = shapely.from_geojson(json.dumps(f["geometry"]))
            out[key] = shapely.union_all([out[key], g]) if key in out else g
        return out

    # ---- reading ---------------------------------------------------------------------------------------------
    def _visible(self, name: str, as_of: str | None) -> list[LogEntry]:
        entries = self.log(name)
        if as_of is None:
            return entries
        return [e for e in entries if e.recorded_at <= as_of]

    def latest(self, name: str, *, as_of: str | None = None) -> dict[str, LogEntry]:
        """``{date: entry}`` of the latest version of each date (as the store stood at ``as_of``)."""
        out: dict[str, LogEntry] = {}
        for e in self._visible(name, as_of):
            out[e.date] = e
        return dict(sorted(out.items()))

    def dates(self, name: str, *, as_of: str | None = None) -> list[str]:
        return list(self.latest(name, as_of=as_of))

    def require_latest(self, name: str, *, as_of: str | None = None) -> dict[str, LogEntry]:
        """:meth:`latest`, or raise :class:`NotFound` where it is empty (never an empty answer).

        The message says why: the theatre has no layer yet, or ``as_of`` precedes every recording (with the
        time of the first, since ``--as-of`` is so often taken for a front-line date).
        """
        latest = self.latest(name, as_of=as_of)
        if latest:
            return latest
        raise self._no_layer(name, None, as_of)

    def history(self, name: str, date: str) -> list[LogEntry]:
        date = parse_date(date)
        entries = [e for e in self.log(name) if e.date == date]
        if not entries:
            raise self._no_layer(name, date, None)
        return entries

    def entry(self, name: str, date: str, *, as_of: str | None = None, version: int | None = None,
              in_force: bool = False) -> LogEntry:
        """The latest version of ``date``'s layer (as the store stood at ``as_of``, or ``version``).

        With ``in_force``, a date without a layer means the latest layer before it (:func:`geo.dates.in_force`):
        the entry returned then carries that layer's date. A date before the first layer is an error either way.
        """
        date = parse_date(date)
        by_date = self._by_date(name, as_of)
        if in_force and date not in by_date:
            from ..dates import in_force as layer_in_force

            found = layer_in_force(sorted(by_date), date)
            if found is None:
                raise self._no_layer(name, date, as_of, in_force=True)
            date = found
        entries = by_date.get(date, [])
        if version is not None:
            entries = [e for e in entries if e.version == version]
            if not entries:
                raise NotFound(f"theatre {name!r} has no version {version} of {date}")
        if not entries:
            raise self._no_layer(name, date, as_of)
        return entries[-1]

    def _by_date(self, name: str, as_of: str | None) -> dict[str, list[LogEntry]]:
        """The visible entries of each date, in log order; kept for the log as it stands (a series asks a few
        hundred dates of the same log: a scan of the log for each cost 0.2 s on the whole front).
        """
        visible = self._visible(name, as_of)
        key = (name, as_of, len(visible), visible[-1].check if visible else None)
        memo = getattr(self, "_by_date_memo", None)
        if memo is not None and memo[0] == key:
            return memo[1]
        by: dict[str, list[LogEntry]] = {}
        for e in visible:
            by.setdefault(e.date, []).append(e)
        self._by_date_memo = (key, by)
        return by

    def _no_layer(self, name: str, date: str | None, as_of: str | None, *, in_force: bool = False) -> NoLayerOnDate:
        from ..dates import nearest

        dates = self.dates(name, as_of=as_of)
        when = f" as of {as_of}" if as_of else ""
        if not dates:
            log = self.log(name) if as_of else []
            if log:
                return NoLayerOnDate(
                    f"theatre {name!r} had no layer recorded by {as_of}: the first was recorded at "
                    f"{log[0].recorded_at} (--as-of is the time the store was written, not a front-line date)")
            return NoLayerOnDate(f"theatre {name!r} has no layers{when}")
        if in_force:
            return NoLayerOnDate(f"theatre {name!r} has no layer in force on {date}{when}: its first layer is of "
                                 f"{dates[0]}")
        near = ", ".join(x for x in nearest(dates, date) if x)
        hint = "" if not near else f"; nearest: {near}"
        return NoLayerOnDate(f"theatre {name!r} has no layer on {date}{when}{hint} (--in-force reads the layer "
                             "in force: the latest before it)")

    def read(self, name: str, date: str, *, as_of: str | None = None, version: int | None = None,
             in_force: bool = False) -> Layer:
        """The layer of ``date`` (its latest version, or as the store stood at ``as_of``, or ``version``).

        With ``in_force``, the layer in force on ``date`` (see :meth:`entry`); ``Layer.date`` is the layer's.
        """
        e = self.entry(name, date, as_of=as_of, version=version, in_force=in_force)
        return self._layer(name, e)

    def _layer(self, name: str, e: LogEntry) -> Layer:
        data = self.object_bytes(name, e.sha256)
        return Layer(name, e.date, e.version, e.sha256, e.recorded_at, e.source, e.note, e.recorded_by,
                     json.loads(data))

    def shapes(self, name: str, entry: LogEntry) -> LayerShapes:
        """The features of the version ``entry`` names as shapely geometries and property dicts.

        Read from the version's binary form (its own hash checked, and in a folder the pack's): no GeoJSON is
        parsed. A version without one (an older store) is parsed from its GeoJSON object, re-hashed.
        """
        blob = self.shape_form(name, entry.sha256)
        if blob is None:
            return shapes_by_parsing(entry, self.object_bytes(name, entry.sha256))
        try:
            return read_blob(entry, blob)
        except CorruptStore as exc:
            raise CorruptStore(f"theatre {name!r}: {exc}; refusing to use it; run 'frontline verify {name}'") from None

    def storage_order(self, name: str, entries) -> list[LogEntry]:
        """``entries`` in the order reads are cheapest (the folder: pack by pack); here, as given."""
        return list(entries)

    def iter_shapes(self, name: str, entries):
        """:meth:`shapes` of each entry, in storage order (:meth:`storage_order`: for a store written date by date,
        date order), one at a time: each pack is decompressed once and at most one is held.
        """
        for e in self.storage_order(name, entries):
            yield self.shapes(name, e)

    def iter_layers(self, name: str, entries):
        """The :class:`Layer` of each entry (parsed GeoJSON), in storage order, one at a time."""
        for e in self.storage_order(name, entries):
            yield self._layer(name, e)

    def read_all(self, name: str, *, as_of: str | None = None, dates=None) -> list[Layer]:
        latest = self.latest(name, as_of=as_of)
        wanted = latest if dates is None else {d: latest[d] for d in dates if d in latest}
        return [self._layer(name, e) for e in wanted.values()]

    # ---- writing ---------------------------------------------------------------------------------------------
    def record(self, name: str, date: str, collection: dict, *, source: str = "", note: str = "",
               recorded_by: str | None = None, recorded_at: str | None = None) -> RecordResult:
        """Record ``collection`` (already validated) as a new version of ``date``.

        Identical content to the date's current version records nothing (``created`` is False).
        ``recorded_at`` (UTC) is for migrating history; it must be later than every entry in the log.
        """
        return self.record_many(name, [(date, collection, source, note)], recorded_by=recorded_by,
                                recorded_at=recorded_at)[0]

    def record_many(self, name: str, items, *, recorded_by: str | None = None,
                    recorded_at: str | None = None) -> list[RecordResult]:
        """Record several versions in one commit: all land, or none.

        ``items`` is an iterable of ``(date, collection, source, note)``, read whole before anything is written
        (a generator keeps one layer's GeoJSON in memory at a time: each is kept only as its canonical bytes and
        binary form). ``collection`` is a validated layer, or the :class:`EncodedLayer` of one
        (:func:`encode_layer`, which an import runs in its worker processes); its bytes are re-hashed here. An item
        identical to its date's current version (or to the previous item of the same date) records nothing. With
        ``recorded_at``, the first new entry gets that time and the next ones a microsecond more each. Without it,
        the time is the writer's clock (the folder: this machine's; PostGIS: the server's, one clock for every
        editor), moved a microsecond past the log's last entry where needed so that the log stays strictly ordered.
        """
        self.theatre(name)
        prepared = []
        for date, collection, source, note in items:  # items may be a generator: each layer is let go once encoded
            date = parse_date(date)
            if isinstance(collection, EncodedLayer):  # made elsewhere (another process): its hash is checked
                enc = collection
                if sha256(enc.data) != enc.sha256:
                    raise InvalidInput(f"{date}: the encoded layer's bytes do not hash to its sha256")
            else:
                enc = encode_layer(collection)
            prepared.append((date, enc.data, enc.sha256, str(source or ""), str(note or ""), enc.features, enc.blob))
            del collection, enc
        who = str(recorded_by if recorded_by is not None else _user())
        with self._writing(name) as w:
            entries = list(w.entries)
            if recorded_at is not None:
                stamp = parse_timestamp(recorded_at)
                if entries and stamp <= entries[-1].recorded_at:
                    raise InvalidInput(f"recorded_at {stamp} is not after the log's last entry "
                                       f"({entries[-1].recorded_at})")
                now = _parse_stamp(stamp)
            else:
                now = w.now()
            results, new, objects, blobs = [], [], {}, {}
            prev_line = w.last_line
            by_date: dict[str, list[LogEntry]] = {}  # one pass, not a scan of the log per item
            for e in entries:
                by_date.setdefault(e.date, []).append(e)
            for date, data, digest, source, note, nfeat, blob in prepared:
                same_date = by_date.setdefault(date, [])
                if same_date and same_date[-1].sha256 == digest:
                    results.append(RecordResult(same_date[-1], False))
                    continue
                stamp = format_timestamp(now)
                if entries and stamp <= entries[-1].recorded_at:  # keep the log strictly ordered
                    stamp = format_timestamp(_parse_stamp(entries[-1].recorded_at) + dt.timedelta(microseconds=1))
                now = _parse_stamp(stamp) + dt.timedelta(microseconds=1)
                entry = LogEntry(seq=len(entries) + 1, date=date, version=len(same_date) + 1, sha256=digest,
                                 recorded_at=stamp, source=source, note=note, recorded_by=who, features=nfeat,
                                 prev=sha256(prev_line)).sealed()
                entries.append(entry)
                same_date.append(entry)
                new.append(entry)
                prev_line = entry.line()
                if digest not in objects:
                    objects[digest] = data
                    blobs[digest] = blob
                results.append(RecordResult(entry, True))
            if new:
                w.commit(new, objects, blobs)
            return results

    def append_entries(self, name: str, new: list[LogEntry], objects: dict[str, bytes]) -> None:
        """Append log entries recorded elsewhere, verbatim, with their versions' bytes: one commit.

        This is how a copy moves history between stores (``frontline copy``): every field is kept (seq, version,
        sha256, recorded_at, source, note, recorded_by, features, prev, check), so both sides hold the same
        chain. The entries must continue this store's log exactly (next seq, chained to its last line, later
        times, versions numbered on), carry a valid checksum, and come with bytes that hash to their sha256;
        anything else is refused with InvalidInput and nothing is written.
        """
        self.theatre(name)
        for digest, data in objects.items():
            if sha256(data) != digest:
                raise CorruptStore(f"theatre {name!r}: the bytes given for version {digest[:12]} do not hash to it")
        blobs = {digest: shapes_blob(digest, json.loads(data)) for digest, data in objects.items()}
        with self._writing(name) as w:
            entries = list(w.entries)
            prev_line = w.last_line
            per_date: dict[str, int] = {}
            for x in entries:
                per_date[x.date] = per_date.get(x.date, 0) + 1
            for e in new:
                n_date = per_date.get(e.date, 0)
                why = None
                if e.seq != len(entries) + 1:
                    why = f"seq {e.seq} does not follow {len(entries)}"
                elif e.prev != sha256(prev_line):
                    why = f"entry {e.seq} is not chained to the log's last entry (the histories differ)"
                elif e.check != e.expected_check():
                    why = f"entry {e.seq}: its checksum does not match its fields"
                elif entries and e.recorded_at <= entries[-1].recorded_at:
                    why = f"entry {e.seq}: recorded_at is not after the log's last entry"
                elif e.version != n_date + 1:
                    why = f"entry {e.seq}: version {e.version} of {e.date} does not follow {n_date}"
                elif e.sha256 not in objects:
                    why = f"entry {e.seq}: the bytes of version {e.sha256[:12]} were not given"
                if why:
                    raise InvalidInput(f"theatre {name!r}: cannot append: {why}")
                entries.append(e)
                per_date[e.date] = n_date + 1
                prev_line = e.line()
            if new:
                w.commit(list(new), objects, blobs)


@dataclass(frozen=True)
class EncodedLayer:
    """A validated layer as the store keeps it: its canonical bytes, their sha256, its number of features and
    its binary form (:func:`~geo.store.packs.shapes_blob`). Plain bytes and numbers: it pickles, so it can be
    made in another process (:func:`geo.importers.import_paths` does) and handed to :meth:`BaseStore.record_many`.
    """

    data: bytes
    sha256: str
    features: int
    blob: bytes


def encode_layer(collection: dict, geometries: list | None = None) -> EncodedLayer:
    """The :class:`EncodedLayer` of a validated layer; ``geometries``: its features' shapely geometries if built."""
    data = canonical_bytes(collection)
    digest = sha256(data)
    return EncodedLayer(data, digest, len(collection.get("features", [])), shapes_blob(digest, collection, geometries))


class _Writer(abc.ABC):
    """The state a backend's :meth:`BaseStore._writing` yields: the log under the lock, a clock, a commit."""

    entries: list[LogEntry]
    #: The exact bytes of the log's last line (``b""`` for an empty log): the next entry's ``prev`` hashes them.
    last_line: bytes

    @abc.abstractmethod
    def now(self) -> dt.datetime:
        """The time to stamp new entries with (UTC)."""

    @abc.abstractmethod
    def commit(self, new: list[LogEntry], objects: dict[str, bytes], blobs: dict[str, bytes]) -> None:
        """Store the new versions' bytes and binary forms (:func:`~geo.store.packs.shapes_blob`, keyed like
        ``objects``) and append ``new`` to the log, atomically.
        """


def _polygonal_union(collection: dict):
    import shapely

    geoms = [shapely.from_geojson(json.dumps(f["geometry"])) for f in collection.get("features", [])
             if f.get("geometry") and f["geometry"].get("type") in ("Polygon", "MultiPolygon")]
    return shapely.union_all(geoms) if geoms else None


def _user() -> str:
    name = os.environ.get("FRONTLINE_USER")
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
