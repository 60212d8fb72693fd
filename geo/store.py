"""I/O: the store of theatres, dated layers, their versions and the log.

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
        d = asdict(self)
        d.pop("check")
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


def default_store(option: str | None = None) -> Store:
    return Store(default_root(option))


class Store:
    """A folder of theatres. Cheap to create; nothing is read until asked.

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

    def init(self, theatre: Theatre) -> None:
        """Create a theatre folder with its ``theatre.toml``; refuse if it exists."""
        d = self.theatre_dir(theatre.name)
        if (d / "theatre.toml").exists():
            raise InvalidInput(f"theatre {theatre.name!r} already exists in {self.root}")
        (d / META / "objects").mkdir(parents=True, exist_ok=True)
        _atomic_write(d / "theatre.toml", theatre.to_toml().encode())

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

    def context_path(self, name: str, kind: str) -> Path | None:
        """Path of a context file named in theatre.toml (``border``, ``outlines``, ``settlements``, ``events``)."""
        t = self.theatre(name)
        rel = t.context.get(kind)
        if rel is None:
            return None
        return self.theatre_dir(name) / check_relative_path(rel, kind)

    def context(self, name: str, kind: str) -> dict | None:
        """Parsed GeoJSON of a context file, or None where the theatre has none."""
        path = self.context_path(name, kind)
        if path is None:
            return None
        return _read_json(path)

    def region_geometry(self, name: str):
        """The theatre's region polygon (shapely, lon/lat), or None."""
        t = self.theatre(name)
        if not t.region_polygon:
            return None
        return _polygonal_union(_read_json(self.theatre_dir(name) / check_relative_path(t.region_polygon, "region")))

    def regions(self, name: str) -> dict:
        """Named regions for ``area --by region``: ``{name: shapely polygon}``; empty where none configured."""
        t = self.theatre(name)
        if not t.regions:
            return {}
        data = _read_json(self.theatre_dir(name) / check_relative_path(t.regions, "regions"))
        import shapely

        out: dict = {}
        for f in data.get("features", []):
            key = str((f.get("properties") or {}).get(t.regions_field, "")) or "unnamed"
            g = shapely.from_geojson(json.dumps(f["geometry"]))
            out[key] = shapely.union_all([out[key], g]) if key in out else g
        return out

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

    def history(self, name: str, date: str) -> list[LogEntry]:
        date = parse_date(date)
        entries = [e for e in self.log(name) if e.date == date]
        if not entries:
            raise self._no_layer(name, date, None)
        return entries

    def entry(self, name: str, date: str, *, as_of: str | None = None, version: int | None = None) -> LogEntry:
        date = parse_date(date)
        entries = [e for e in self._visible(name, as_of) if e.date == date]
        if version is not None:
            entries = [e for e in entries if e.version == version]
            if not entries:
                raise NotFound(f"theatre {name!r} has no version {version} of {date}")
        if not entries:
            raise self._no_layer(name, date, as_of)
        return entries[-1]

    def _no_layer(self, name: str, date: str, as_of: str | None) -> NoLayerOnDate:
        dates = self.dates(name, as_of=as_of)
        when = f" as of {as_of}" if as_of else ""
        if not dates:
            return NoLayerOnDate(f"theatre {name!r} has no layers{when}")
        before = [d for d in dates if d < date]
        after = [d for d in dates if d > date]
        near = ", ".join(x for x in (before[-1] if before else "", after[0] if after else "") if x)
        return NoLayerOnDate(f"theatre {name!r} has no layer on {date}{when}; nearest: {near}")

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

    def read(self, name: str, date: str, *, as_of: str | None = None, version: int | None = None) -> Layer:
        """The layer of ``date`` (its latest version, or as the store stood at ``as_of``, or ``version``)."""
        e = self.entry(name, date, as_of=as_of, version=version)
        return self._layer(name, e)

    def _layer(self, name: str, e: LogEntry) -> Layer:
        data = self.object_bytes(name, e.sha256)
        return Layer(name, e.date, e.version, e.sha256, e.recorded_at, e.source, e.note, e.recorded_by,
                     json.loads(data))

    def read_all(self, name: str, *, as_of: str | None = None, dates=None) -> list[Layer]:
        latest = self.latest(name, as_of=as_of)
        wanted = latest if dates is None else {d: latest[d] for d in dates if d in latest}
        return [self._layer(name, e) for e in wanted.values()]

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
        """Record several versions in one commit: all land, or none (a single rename of the log).

        ``items`` is a sequence of ``(date, collection, source, note)``. An item identical to its date's current
        version (or to the previous item of the same date) records nothing. With ``recorded_at``, the first new
        entry gets that time and the next ones a microsecond more each.
        """
        self.theatre(name)
        prepared = []
        for date, collection, source, note in items:
            date = parse_date(date)
            data = canonical_bytes(collection)
            prepared.append((date, data, sha256(data), str(source or ""), str(note or ""),
                             len(collection.get("features", []))))
        who = str(recorded_by if recorded_by is not None else _user())
        with self.lock(name):
            self.recover(name)
            entries = list(self.log(name))
            log_path = self._log_path(name)
            old = log_path.read_bytes() if log_path.exists() else b""
            if recorded_at is not None:
                stamp = parse_timestamp(recorded_at)
                if entries and stamp <= entries[-1].recorded_at:
                    raise InvalidInput(f"recorded_at {stamp} is not after the log's last entry "
                                       f"({entries[-1].recorded_at})")
                now = _parse_stamp(stamp)
            else:
                now = dt.datetime.now(dt.UTC)
            results, new_lines, objects, currents = [], [], {}, {}
            prev_line = _last_line(old)
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
                line = entry.line()
                entries.append(entry)
                new_lines.append(line)
                prev_line = line
                objects[digest] = data
                currents[date] = data
                results.append(RecordResult(entry, True))
            if not new_lines:
                return results
            for digest, data in objects.items():
                obj = self.object_path(name, digest)
                if not (obj.exists() and sha256(obj.read_bytes()) == digest):
                    obj.parent.mkdir(parents=True, exist_ok=True)
                    _atomic_write(obj, data)
            _atomic_write(log_path, old + b"".join(new_lines))  # the commit point
            for date, data in currents.items():
                _atomic_write(self.theatre_dir(name) / f"{date}.geojson", data)
            return results

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


# ---- verify ------------------------------------------------------------------------------------------------
def verify(store: Store, name: str) -> VerifyReport:
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


def _last_line(raw: bytes) -> bytes:
    if not raw:
        return b""
    lines = raw.splitlines(keepends=True)
    return lines[-1]


def _atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a reader sees the old or the new bytes, never a mix."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; stored layers are ordinary readable files
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
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
