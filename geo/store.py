"""I/O: the store of theatres, dated layers, their versions and the log.

Two backends behind one interface (:class:`BaseStore`): a folder (:class:`Store`, the default, described here)
and PostgreSQL with PostGIS (:class:`geo.pgstore.PgStore`, for a desk of editors writing at once; see
``docs/postgis.md``). :func:`default_store` picks one from ``--layers`` / ``$FRONTLINE_LAYERS``: a
``postgresql://`` URL is PostGIS, anything else a folder. Both keep the same log entries, hash the same canonical
bytes and number, stamp and chain entries with the same code (:meth:`BaseStore.record_many`), so a theatre copied
between them (:func:`copy_theatre`) keeps its hashes.

Layout of a store folder (default ``./layers``; ``--layers DIR`` or ``$FRONTLINE_LAYERS``)::

    layers/
      kursk/
        theatre.toml                      settings (geo.theatre)
        2024-08-24.geojson                the current version of that date: plain RFC 7946 GeoJSON
        context/…                         optional context files named in theatre.toml
        .frontline/
          log.jsonl                       append-only log, one JSON object a line
          objects/ab/ab12….geojson        every version ever recorded, named by its sha256
          lock                            the writers' lock (flock)
          cache/                          derived results keyed by content hash (safe to delete)

A version's bytes are the canonical serialisation of its layer (:func:`canonical_bytes`: sorted keys, no
whitespace, UTF-8, shortest round-trip floats, one trailing newline); its id is the sha256 of those bytes. The
current file of a date holds exactly the bytes of the date's latest version.

Log entry fields: ``seq`` (1, 2, … over the theatre), ``date``, ``version`` (1, 2, … per date), ``sha256``,
``recorded_at`` (UTC, ``YYYY-MM-DDTHH:MM:SS.ffffffZ``, strictly increasing), ``source``, ``note``,
``recorded_by``, ``features``, ``prev``: the sha256 of the previous log line, so that an edited or removed line
breaks the chain, and ``check``: the sha256 of the entry's other fields, so that a changed byte shows even in the
last line. (These catch accidents and careless edits; they are not signatures against a forger who rewrites the
whole log.)

Writing (:meth:`Store.record`, :meth:`Store.record_many` for a whole import), under an exclusive ``flock`` on
``.frontline/lock``:

1. each object is written to a temporary file, fsynced and renamed into ``objects/`` (then the folder is fsynced);
2. the log is rewritten whole to a temporary file with the new line appended, fsynced and renamed over
   ``log.jsonl``: **this rename is the commit**;
3. the current file of each date is replaced the same way.

A kill before step 2 leaves at most an unreferenced object (``verify`` mentions it; it costs nothing). A kill
between steps 2 and 3 leaves a current file that still holds the previous version of its date (or none): every
later write, and ``verify``, first rolls such files forward from the log (:meth:`Store.recover`). A current file
whose bytes match no recorded version was edited by hand: it is never overwritten, and ``verify`` reports it.

Reads never take the lock: the log is replaced atomically, objects never change. Every object read is
re-hashed; a mismatch raises :class:`~geo.errors.CorruptStore` instead of returning wrong data.
"""

from __future__ import annotations

import abc
import contextlib
import datetime as dt
import errno
import fcntl
import getpass
import hashlib
import json
import os
import re
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from .errors import CorruptStore, InvalidInput, LockTimeout, NoLayerOnDate, NotFound
from .theatre import Theatre, check_name, check_relative_path

META = ".frontline"
LOG = "log.jsonl"
DEFAULT_LOCK_TIMEOUT = 60.0
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_LOG_FIELDS = (
    "seq", "date", "version", "sha256", "recorded_at", "source", "note", "recorded_by", "features", "prev", "check",
)


def parse_date(text: str, what: str = "date") -> str:
    """Return ``text`` as a ``YYYY-MM-DD`` string after checking it is a real calendar date.

    Examples
    --------
    >>> parse_date("2024-08-24")
    '2024-08-24'
    >>> parse_date("2024-02-30")
    Traceback (most recent call last):
    ...
    geo.errors.InvalidInput: invalid date '2024-02-30': day is out of range for month
    """
    if not isinstance(text, str) or not _DATE_RE.fullmatch(text.strip()):
        raise InvalidInput(f"invalid {what} {text!r}: expected YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(text.strip()).isoformat()
    except ValueError as exc:
        raise InvalidInput(f"invalid {what} {text!r}: {exc}") from None


def parse_timestamp(text: str) -> str:
    """Parse an ``--as-of`` value into the log's UTC timestamp format.

    A date alone means the end of that day (UTC); a time without a zone is taken as UTC.

    Examples
    --------
    >>> parse_timestamp("2024-08-24")
    '2024-08-24T23:59:59.999999Z'
    >>> parse_timestamp("2024-08-24T12:00:00+02:00")
    '2024-08-24T10:00:00.000000Z'
    """
    s = text.strip()
    if _DATE_RE.fullmatch(s):
        return parse_date(s, "timestamp") + "T23:59:59.999999Z"
    try:
        t = dt.datetime.fromisoformat(s.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"invalid timestamp {text!r}: expected ISO 8601, e.g. 2024-08-24T18:00:00Z") from None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    return format_timestamp(t)


def _parse_stamp(stamp: str) -> dt.datetime:
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def format_timestamp(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_bytes(collection: dict) -> bytes:
    r"""The canonical serialisation of a layer, whose sha256 is the version's id.

    Examples
    --------
    >>> canonical_bytes({"type": "FeatureCollection", "features": []})
    b'{"features":[],"type":"FeatureCollection"}\n'
    """
    text = json.dumps(collection, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.encode("utf-8") + b"\n"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class LogEntry:
    seq: int
    date: str
    version: int
    sha256: str
    recorded_at: str
    source: str = ""
    note: str = ""
    recorded_by: str = ""
    features: int = 0
    prev: str = ""
    check: str = ""

    def expected_check(self) -> str:
        """sha256 of the entry's other fields: a changed byte anywhere in a line, the last included, shows."""
        d = {k: getattr(self, k) for k in _LOG_FIELDS if k != "check"}  # asdict deep-copies: 5x slower
        return sha256(json.dumps(d, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode())

    def sealed(self) -> LogEntry:
        return replace(self, check=self.expected_check())

    def line(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


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


def default_root(option: str | None = None) -> Path:
    """The store folder: ``--layers`` if given, else ``$FRONTLINE_LAYERS``, else ``./layers``."""
    return Path(option or os.environ.get("FRONTLINE_LAYERS") or "layers")


def is_store_url(location) -> bool:
    """True for a PostGIS store URL (``postgresql://…`` or ``postgres://…``), False for a folder.

    Examples
    --------
    >>> is_store_url("postgresql://editor@db.example:5432/desk"), is_store_url("layers")
    (True, False)
    """
    return isinstance(location, str) and location.startswith(("postgresql://", "postgres://"))


def open_store(location, *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> BaseStore:
    """The store at ``location``: a PostGIS URL (:class:`geo.pgstore.PgStore`) or a folder (:class:`Store`)."""
    if is_store_url(location):
        from .pgstore import PgStore

        return PgStore(location, lock_timeout=lock_timeout)
    return Store(location, lock_timeout=lock_timeout)


def default_store(option: str | None = None) -> BaseStore:
    """The store named by ``--layers`` / ``$FRONTLINE_LAYERS`` (a folder or a PostGIS URL), else ``./layers``."""
    location = option or os.environ.get("FRONTLINE_LAYERS") or "layers"
    return open_store(location)


class BaseStore(abc.ABC):
    """What every store backend provides; the commands, the importers and the measures use only this.

    A backend implements the primitives (abstract below): the theatres and their settings files, the log, the
    stored bytes of a version, a *writer* (:meth:`_writing`: the theatre's exclusive write lock or transaction,
    with the log as it stands under it), :meth:`verify` and :meth:`result_cache`. Everything else (as-of reads,
    history, record with its version numbering and hash chain, appending copied history) is written once here,
    so both backends number, stamp and chain entries with the same code and hash the same canonical bytes.
    """

    #: Where the store is, for messages: a folder path or a URL without its password.
    location: str = ""
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT

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
    def _writing(self, name: str) -> contextlib.AbstractContextManager[_Writer]:
        """Hold the theatre's write lock; yield a writer holding the log as it stands under that lock."""

    @abc.abstractmethod
    def verify(self, name: str) -> VerifyReport:
        """Re-hash every version and check the log and the stored data against each other."""

    @abc.abstractmethod
    def result_cache(self, name: str, kind: str):
        """A cache of derived results keyed by content hash (``get``, ``put``, ``save``); see geo.cache."""

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
        visible = self._visible(name, as_of)
        if in_force and not any(e.date == date for e in visible):
            from .dates import in_force as layer_in_force

            found = layer_in_force(sorted({e.date for e in visible}), date)
            if found is None:
                raise self._no_layer(name, date, as_of, in_force=True)
            date = found
        entries = [e for e in visible if e.date == date]
        if version is not None:
            entries = [e for e in entries if e.version == version]
            if not entries:
                raise NotFound(f"theatre {name!r} has no version {version} of {date}")
        if not entries:
            raise self._no_layer(name, date, as_of)
        return entries[-1]

    def _no_layer(self, name: str, date: str | None, as_of: str | None, *, in_force: bool = False) -> NoLayerOnDate:
        from .dates import nearest

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

        ``items`` is a sequence of ``(date, collection, source, note)``. An item identical to its date's current
        version (or to the previous item of the same date) records nothing. With ``recorded_at``, the first new
        entry gets that time and the next ones a microsecond more each. Without it, the time is the writer's
        clock (the folder: this machine's; PostGIS: the server's, one clock for every editor), moved a
        microsecond past the log's last entry where needed so that the log stays strictly ordered.
        """
        self.theatre(name)
        prepared = []
        for date, collection, source, note in items:
            date = parse_date(date)
            data = canonical_bytes(collection)
            prepared.append((date, data, sha256(data), str(source or ""), str(note or ""),
                             len(collection.get("features", []))))
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
            results, new, objects = [], [], {}
            prev_line = w.last_line
            for date, data, digest, source, note, nfeat in prepared:
                same_date = [e for e in entries if e.date == date]
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
                new.append(entry)
                prev_line = entry.line()
                objects[digest] = data
                results.append(RecordResult(entry, True))
            if new:
                w.commit(new, objects)
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
        with self._writing(name) as w:
            entries = list(w.entries)
            prev_line = w.last_line
            for e in new:
                n_date = sum(1 for x in entries if x.date == e.date)
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
                prev_line = e.line()
            if new:
                w.commit(list(new), objects)


class _Writer(abc.ABC):
    """The state a backend's :meth:`BaseStore._writing` yields: the log under the lock, a clock, a commit."""

    entries: list[LogEntry]
    #: The exact bytes of the log's last line (``b""`` for an empty log): the next entry's ``prev`` hashes them.
    last_line: bytes

    @abc.abstractmethod
    def now(self) -> dt.datetime:
        """The time to stamp new entries with (UTC)."""

    @abc.abstractmethod
    def commit(self, new: list[LogEntry], objects: dict[str, bytes]) -> None:
        """Store the new versions' bytes and append ``new`` to the log, atomically."""


class Store(BaseStore):
    """A folder of theatres (the default backend). Cheap to create; nothing is read until asked.

    Examples
    --------
    >>> import tempfile
    >>> from geo.theatre import Theatre, Status
    >>> store = Store(tempfile.mkdtemp())
    >>> store.init(Theatre("demo", "Demo", (Status("held", "Held", "#112233"),)))
    >>> empty = {"type": "FeatureCollection", "features": []}
    >>> store.record("demo", "2024-08-06", empty, source="nothing held yet").created
    True
    >>> store.record("demo", "2024-08-06", empty).created   # same content: nothing new
    False
    >>> store.read("demo", "2024-08-06").collection
    {'features': [], 'type': 'FeatureCollection'}
    """

    def __init__(self, root, *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT):
        self.root = Path(root)
        self.location = str(self.root)
        self.lock_timeout = lock_timeout
        self._log_cache: dict[str, tuple[tuple, list[LogEntry]]] = {}
        self._theatre_cache: dict[str, tuple[tuple, Theatre]] = {}

    # ---- theatres ---------------------------------------------------------------------------------------
    def theatre_dir(self, name: str) -> Path:
        return self.root / check_name(name)

    def theatres(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if (p / "theatre.toml").is_file())

    def init(self, theatre: Theatre, *, files: dict[str, bytes] | None = None, toml: str | None = None) -> None:
        """Create a theatre folder with the files it names and then its ``theatre.toml``; refuse if it exists."""
        d = self.theatre_dir(theatre.name)
        if (d / "theatre.toml").exists():
            raise InvalidInput(f"theatre {theatre.name!r} already exists in {self.root}")
        (d / META / "objects").mkdir(parents=True, exist_ok=True)
        for rel, data in (files or {}).items():
            _atomic_write(d / check_relative_path(rel, "context"), data)
        _atomic_write(d / "theatre.toml", (theatre.to_toml() if toml is None else toml).encode())

    def theatre(self, name: str) -> Theatre:
        path = self.theatre_dir(name) / "theatre.toml"
        try:
            st = path.stat()
            key = (st.st_mtime_ns, st.st_size, st.st_ino)
            cached = self._theatre_cache.get(name)
            if cached and cached[0] == key:
                return cached[1]
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            known = ", ".join(self.theatres()) or "none"
            raise NotFound(f"no theatre {name!r} in {self.root} (theatres: {known})") from None
        t = Theatre.from_toml(text, name)
        self._theatre_cache[name] = (key, t)
        return t

    def theatre_toml(self, name: str) -> str:
        self.theatre(name)
        return (self.theatre_dir(name) / "theatre.toml").read_text(encoding="utf-8")

    def theatre_file(self, name: str, rel: str) -> bytes:
        path = self.theatre_dir(name) / check_relative_path(rel, "context")
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise NotFound(f"{path}: file not found") from None

    def file_where(self, name: str, rel: str) -> str:
        return str(self.theatre_dir(name) / rel)

    def update_settings(self, name: str, theatre: Theatre, files: dict[str, bytes] | None = None) -> None:
        d = self.theatre_dir(name)
        with self.lock(name):
            for rel, data in (files or {}).items():
                _atomic_write(d / check_relative_path(rel, "context"), data)
            _atomic_write(d / "theatre.toml", theatre.to_toml().encode())

    def context_path(self, name: str, kind: str) -> Path | None:
        """Path of a context file named in theatre.toml (``border``, ``outlines``, ``settlements``, ``events``)."""
        t = self.theatre(name)
        rel = t.context.get(kind)
        if rel is None:
            return None
        return self.theatre_dir(name) / check_relative_path(rel, kind)

    def result_cache(self, name: str, kind: str):
        from .cache import ResultCache

        return ResultCache(self, name, kind)

    # ---- the log ----------------------------------------------------------------------------------------
    def _log_path(self, name: str) -> Path:
        return self.theatre_dir(name) / META / LOG

    def log(self, name: str) -> list[LogEntry]:
        """Every log entry of a theatre, oldest first. Raises CorruptStore on an unreadable log."""
        self.theatre(name)  # NotFound for an unknown theatre
        path = self._log_path(name)
        try:
            st = path.stat()
        except FileNotFoundError:
            return []
        key = (st.st_mtime_ns, st.st_size, st.st_ino)
        cached = self._log_cache.get(name)
        if cached and cached[0] == key:
            return cached[1]
        entries, problems = _parse_log(path.read_bytes())
        if problems:
            raise CorruptStore(f"theatre {name!r}: the log is corrupt ({problems[0]}); run 'frontline verify {name}'")
        self._log_cache[name] = (key, entries)
        return entries

    # ---- reading objects --------------------------------------------------------------------------------
    def object_path(self, name: str, digest: str) -> Path:
        if not re.fullmatch(r"[0-9a-f]{64}", digest):
            raise CorruptStore(f"invalid object id {digest!r}")
        return self.theatre_dir(name) / META / "objects" / digest[:2] / f"{digest}.geojson"

    def object_bytes(self, name: str, digest: str) -> bytes:
        """The bytes of a stored version, re-hashed; CorruptStore if missing or altered."""
        path = self.object_path(name, digest)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise CorruptStore(f"theatre {name!r}: version {digest[:12]} is missing from the store; "
                               f"run 'frontline verify {name}'") from None
        if sha256(data) != digest:
            raise CorruptStore(f"theatre {name!r}: version {digest[:12]} is corrupted (its hash does not match); "
                               f"refusing to use it; run 'frontline verify {name}'")
        return data

    # ---- writing ----------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, name: str):
        """Hold the theatre's exclusive writer lock (flock), waiting up to ``lock_timeout`` seconds."""
        meta = self.theatre_dir(name) / META
        meta.mkdir(parents=True, exist_ok=True)
        fd = os.open(meta / "lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + self.lock_timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    if time.monotonic() > deadline:
                        raise LockTimeout(f"theatre {name!r}: another writer held the lock for "
                                          f"{self.lock_timeout:g} s; try again") from None
                    time.sleep(0.01)
            yield
        finally:
            os.close(fd)  # closing releases the flock

    @contextlib.contextmanager
    def _writing(self, name: str):
        with self.lock(name):
            self.recover(name)
            entries = list(self.log(name))
            log_path = self._log_path(name)
            old = log_path.read_bytes() if log_path.exists() else b""
            yield _FolderWriter(self, name, entries, old)

    def recover(self, name: str) -> list[str]:
        """Roll current files forward to the log after an interrupted write; return what was done.

        Only a current file that is absent or holds an *earlier recorded version of its date* is rewritten. Call
        with the lock held (``record`` and ``verify`` do).
        """
        done = []
        path = self._log_path(name)
        if not path.exists():
            return done
        entries, problems = _parse_log(path.read_bytes())
        if problems:
            return done
        by_date: dict[str, list[LogEntry]] = {}
        for e in entries:
            by_date.setdefault(e.date, []).append(e)
        for date, es in by_date.items():
            cur = self.theatre_dir(name) / f"{date}.geojson"
            want = es[-1].sha256
            try:
                have = sha256(cur.read_bytes())
            except FileNotFoundError:
                have = None
            if have == want:
                continue
            if have is None or have in {e.sha256 for e in es[:-1]}:
                try:
                    data = self.object_bytes(name, want)
                except CorruptStore:
                    continue
                _atomic_write(cur, data)
                done.append(f"{date}: current file rolled forward to version {es[-1].version}")
        return done

    def verify(self, name: str) -> VerifyReport:
        return _verify_folder(self, name)


class _FolderWriter(_Writer):
    """Steps 1-3 of the folder's write, under its flock: objects, then the log's rename (the commit), currents."""

    def __init__(self, store: Store, name: str, entries: list[LogEntry], old: bytes):
        self.store, self.name, self.entries, self.old = store, name, entries, old
        self.last_line = _last_line(old)

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def commit(self, new: list[LogEntry], objects: dict[str, bytes]) -> None:
        store, name = self.store, self.name
        for digest, data in objects.items():
            obj = store.object_path(name, digest)
            if not (obj.exists() and sha256(obj.read_bytes()) == digest):
                obj.parent.mkdir(parents=True, exist_ok=True)
                _atomic_write(obj, data)
        _atomic_write(store._log_path(name), self.old + b"".join(e.line() for e in new))  # the commit point
        currents = {e.date: e.sha256 for e in new}
        for date, digest in currents.items():
            data = objects[digest] if digest in objects else store.object_bytes(name, digest)
            _atomic_write(store.theatre_dir(name) / f"{date}.geojson", data)


# ---- verify ------------------------------------------------------------------------------------------------
def verify(store: BaseStore, name: str) -> VerifyReport:
    """Re-hash every version and check the log against the stored data (``store.verify``), either backend.

    Problems (``report.ok`` is False; the CLI exits 1): an unreadable or broken log, a missing or altered version,
    and what is particular to the backend (see :func:`_verify_folder` and ``PgStore.verify``).
    """
    return store.verify(name)


def _verify_folder(store: Store, name: str) -> VerifyReport:
    """Re-hash every version and check the log, the objects and the current files against each other.

    Problems (``report.ok`` is False; the CLI exits 1): an unreadable or truncated log, a broken ``prev`` chain,
    versions out of order, a missing or altered object, a current file that matches no version (edited by
    hand) or lags behind with its object missing, a dated file with no recorded version.
    Notes (not problems): interrupted writes rolled forward, unreferenced objects left by an interrupted import.
    """
    report = VerifyReport(theatre=name)
    store.theatre(name)
    tdir = store.theatre_dir(name)
    with store.lock(name):
        log_path = store._log_path(name)
        raw = log_path.read_bytes() if log_path.exists() else b""
        entries, problems = _parse_log(raw)
        report.problems.extend(f"log: {p}" for p in problems)
        if not problems:
            report.notes.extend(store.recover(name))
        report.versions = len(entries)
        per_date: dict[str, list[LogEntry]] = {}
        for e in entries:
            per_date.setdefault(e.date, []).append(e)
        report.dates = len(per_date)
        for date, es in per_date.items():
            if [e.version for e in es] != list(range(1, len(es) + 1)):
                report.problems.append(f"log: versions of {date} are not numbered 1..{len(es)}")
        referenced = set()
        for e in entries:
            referenced.add(e.sha256)
            try:
                store.object_bytes(name, e.sha256)
            except CorruptStore as exc:
                report.problems.append(f"{e.date} version {e.version}: " + str(exc).split(": ", 1)[-1])
        for date, es in per_date.items():
            cur = tdir / f"{date}.geojson"
            try:
                have = sha256(cur.read_bytes())
            except FileNotFoundError:
                report.problems.append(f"{date}: the current file {cur.name} is missing")
                continue
            if have != es[-1].sha256:
                if have in {e.sha256 for e in es}:
                    report.problems.append(f"{date}: the current file holds an older version, and the latest "
                                           "could not be restored")
                else:
                    report.problems.append(f"{date}: the current file {cur.name} matches no recorded version "
                                           "(edited by hand?)")
        for f in sorted(tdir.glob("*.geojson")):
            if _DATE_RE.fullmatch(f.stem) and f.stem not in per_date:
                report.problems.append(f"{f.name}: a dated file with no recorded version")
        objdir = tdir / META / "objects"
        if objdir.is_dir():
            for f in sorted(objdir.glob("*/*.geojson")):
                if f.stem not in referenced:
                    report.notes.append(f"unreferenced object {f.stem[:12]} (left by an interrupted import)")
    return report




# ---- copy between stores -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class CopyResult:
    theatre: str
    created: bool
    appended: int
    total: int
    settings_differ: bool = False


def copy_theatre(src: BaseStore, dest: BaseStore, name: str, *, batch: int = 64) -> CopyResult:
    """Copy theatre ``name`` with its whole history from ``src`` to ``dest`` (folder or PostGIS, either way).

    A theatre absent from ``dest`` is created with the source's settings text and the files it names, byte for
    byte. Then the log entries ``dest`` lacks are appended verbatim (:meth:`BaseStore.append_entries`: same seq,
    version, sha256, recorded_at, source, note, recorded_by, prev and check), each with its version's bytes,
    re-hashed on reading. ``dest`` must hold a prefix of the source's log: a copy is incremental (run it again
    after new imports and only the new entries move), and a destination whose history differs is refused
    (InvalidInput) with nothing written. Entries go in commits of ``batch``: an interrupted copy leaves a valid
    prefix and the next run goes on from there. Settings of an existing theatre are left alone
    (``settings_differ`` says whether they differ from the source's).
    """
    src_log = src.log(name)
    toml = src.theatre_toml(name)
    created = False
    if name not in dest.theatres():
        dest.init(Theatre.from_toml(toml, name), files=src.theatre_files(name), toml=toml)
        created = True
    have = dest.log(name)
    if have != src_log[:len(have)]:
        first = next((i for i, (a, b) in enumerate(zip(have, src_log, strict=False)) if a != b), len(src_log))
        raise InvalidInput(f"theatre {name!r}: the destination's history differs from the source's from entry "
                           f"{first + 1} on ({len(have)} entries there, {len(src_log)} here); nothing copied")
    rest = src_log[len(have):]
    for i in range(0, len(rest), batch):
        chunk = rest[i:i + batch]
        objects = {e.sha256: src.object_bytes(name, e.sha256) for e in chunk}
        dest.append_entries(name, chunk, objects)
    differ = not created and dest.theatre_toml(name) != toml
    return CopyResult(name, created, len(rest), len(src_log), differ)


# ---- helpers -----------------------------------------------------------------------------------------------
def _parse_log(raw: bytes) -> tuple[list[LogEntry], list[str]]:
    entries: list[LogEntry] = []
    problems: list[str] = []
    if raw and not raw.endswith(b"\n"):
        problems.append("the last line is incomplete (truncated log)")
    prev_line = b""
    for i, line in enumerate(raw.splitlines(keepends=True), 1):
        if not line.endswith(b"\n"):
            break
        try:
            d = json.loads(line)
            if not isinstance(d, dict) or set(d) != set(_LOG_FIELDS):
                raise ValueError("unexpected fields")
            e = LogEntry(**d)
        except (ValueError, TypeError) as exc:
            problems.append(f"line {i} is not a valid entry ({exc.__class__.__name__})")
            break
        if e.seq != i:
            problems.append(f"line {i} has seq {e.seq}")
            break
        if e.check != e.expected_check():
            problems.append(f"line {i}: its checksum does not match its fields (the line was changed)")
            break
        if e.prev != sha256(prev_line):
            problems.append(f"line {i}: the chain of previous-line hashes is broken (a line edited or removed)")
            break
        if entries and e.recorded_at <= entries[-1].recorded_at:
            problems.append(f"line {i}: recorded_at is not after the line before")
            break
        entries.append(e)
        prev_line = line
    return entries, problems


def check_entries(entries: list[LogEntry]) -> list[str]:
    """Check a log given as entries (a backend without log lines): seq, checksums, chain and order.

    Each entry's ``prev`` must be the sha256 of the previous entry's :meth:`LogEntry.line`, exactly as the folder's
    log file holds it. Returns the problems, at most one (checking stops at the first broken entry).
    """
    prev_line = b""
    last = None
    for i, e in enumerate(entries, 1):
        if e.seq != i:
            return [f"entry {i} has seq {e.seq}"]
        if e.check != e.expected_check():
            return [f"entry {i}: its checksum does not match its fields (the entry was changed)"]
        if e.prev != sha256(prev_line):
            return [f"entry {i}: the chain of previous-entry hashes is broken (an entry edited or removed)"]
        if last is not None and e.recorded_at <= last.recorded_at:
            return [f"entry {i}: recorded_at is not after the entry before"]
        prev_line, last = e.line(), e
    return []


def _last_line(raw: bytes) -> bytes:
    if not raw:
        return b""
    lines = raw.splitlines(keepends=True)
    return lines[-1]


def _atomic_write(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` so that a reader sees the old or the new bytes, never a mix.

    ``durable=False`` skips the fsyncs: for derived files that are written by the hundred and can be made again
    (a feed's change files), where a crash may lose the file but never leaves a mix.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; stored layers are ordinary readable files
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            if durable:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if not durable:
        return
    dfd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _read_json(path: Path):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotFound(f"{path}: file not found") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: not valid JSON ({exc})") from None


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
