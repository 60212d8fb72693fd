"""The folder backend (:class:`Store`), the default.

The other backend is PostgreSQL with PostGIS (:class:`geo.store.postgis.PgStore`, see ``docs/postgis.md``). Both
keep the same log entries, hash the same canonical bytes and number, stamp and chain entries with the same code
(:meth:`~geo.store.BaseStore.record_many`), and keep the same binary forms (:mod:`geo.store.packs`), so a theatre
copied between them (:func:`~geo.store.copy_theatre`) keeps its hashes.

Layout of a store folder (default ``./layers``; ``--layers DIR`` or ``$FRONTLINE_LAYERS``)::

    layers/
      kursk/
        theatre.toml                      settings (geo.theatre)
        2024-08-24.geojson                the current version of that date: plain RFC 7946 GeoJSON (QGIS opens it)
        context/…                         optional context files named in theatre.toml
        .frontline/                       the store's own keeping
          log.jsonl                       append-only log, one JSON object a line
          objects/packs/9f3c….pack        up to 32 versions of one commit, each as canonical GeoJSON and as its
                                          binary form (properties + WKB), in two lzma streams; named by the
                                          sha256 of the pack's bytes; the index of its versions at its start
          objects/ab/ab12….geojson        (older stores) one version, loose, named by its sha256; still read
          lock                            the writers' lock (flock)
          cache/                          results cache of geo.results, not the store's (safe to delete)

A version's bytes are the canonical serialisation of its layer (:func:`~geo.store.canonical_bytes`: sorted keys,
no whitespace, UTF-8, shortest round-trip floats, one trailing newline); its id is the sha256 of those bytes. The
current file of a date holds exactly the bytes of the date's latest version. Which pack holds a version is read
from the packs' indexes (:meth:`Store.pack_map`); a version found in no pack is looked for as a loose object.

Log entry fields: ``seq`` (1, 2, … over the theatre), ``date``, ``version`` (1, 2, … per date), ``sha256``,
``recorded_at`` (UTC, ``YYYY-MM-DDTHH:MM:SS.ffffffZ``, strictly increasing), ``source``, ``note``,
``recorded_by``, ``features``, ``prev``: the sha256 of the previous log line, so that an edited or removed line
breaks the chain, and ``check``: the sha256 of the entry's other fields, so that a changed byte shows even in the
last line. (These catch accidents and careless edits; they are not signatures against a forger who rewrites the
whole log.)

Writing (:meth:`Store.record`, :meth:`Store.record_many` for a whole import), under an exclusive ``flock`` on
``.frontline/lock``:

1. the commit's new versions are written in packs of up to 32 (in the commit's order), each to a temporary
   file, fsynced and renamed into ``objects/packs/`` (then the folder is fsynced); a version already in an
   intact pack (one left by an interrupted import, say) is not written again;
2. the log is rewritten whole to a temporary file with the new lines appended, fsynced and renamed over
   ``log.jsonl``: **this rename is the commit**;
3. the current file of each date is replaced the same way (each fsynced, the folder once at the end).

A kill before step 2 leaves at most an unreferenced pack (``verify`` mentions it; the next import of the same
content reuses it). A kill between steps 2 and 3 leaves a current file that still holds the previous version of
its date (or none): every later write, and ``verify``, first rolls such files forward from the log
(:meth:`Store.recover`). A current file whose bytes match no recorded version was edited by hand: it is never
overwritten, and ``verify`` reports it.

Reads never take the lock: the log is replaced atomically, packs and objects never change. Every pack read is
re-hashed whole, then every object in it against its id, and every binary form checks its own hash; a mismatch
raises :class:`~geo.errors.CorruptStore` instead of returning wrong data. A reader holds one pack at a time,
decompressed (a few MB); :meth:`~geo.store.BaseStore.iter_shapes` reads pack by pack.

Decision: a commit of one version (a daily ``import`` of one file) writes a pack of one, compressed alone
(about 0.25x of its bytes instead of 0.01-0.03x); nothing repacks them yet.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import os
import re
import threading
import time
from pathlib import Path

from ..errors import CorruptStore, InvalidInput, LockTimeout, NotFound
from ..theatre import Theatre, check_name, check_relative_path
from .base import DEFAULT_LOCK_TIMEOUT, BaseStore, LogEntry, VerifyReport, _Writer
from .files import _atomic_write, _atomic_write_many
from .log import _last_line, _parse_log, sha256
from .packs import PACK_VERSIONS, OpenPack, make_pack, pack_index

META = ".frontline"
LOG = "log.jsonl"


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

    concurrent_reads = True

    def __init__(self, root, *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT):
        self.root = Path(root)
        self.location = str(self.root)
        self.lock_timeout = lock_timeout
        self._log_cache: dict[str, tuple[tuple, list[LogEntry]]] = {}
        self._theatre_cache: dict[str, tuple[tuple, Theatre]] = {}
        self._pack_maps: dict[str, tuple[tuple, dict[str, list[str]]]] = {}
        self._pack_heads: dict[str, dict | None] = {}  # a pack's index, by its name (content-addressed: final)
        self._held = threading.local()  # the one pack held decompressed, per thread (measure reads in two)

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

    def packs_dir(self, name: str) -> Path:
        return self.theatre_dir(name) / META / "objects" / "packs"

    def pack_map(self, name: str) -> dict[str, list[str]]:
        """``{version sha256: [pack names]}`` from the indexes of the theatre's packs (re-read when packs change).

        An unreadable index leaves its pack out (its versions then read as missing, and ``verify`` reports it).
        """
        d = self.packs_dir(name)
        try:
            st = d.stat()
        except FileNotFoundError:
            return {}
        key = (st.st_mtime_ns, st.st_ino, st.st_size)
        cached = self._pack_maps.get(name)
        if cached and cached[0] == key:
            return cached[1]
        out: dict[str, list[str]] = {}
        for f in sorted(d.glob("*.pack")):
            if f.stem not in self._pack_heads:
                try:
                    with open(f, "rb") as fh:
                        head = fh.read(1 << 16)
                        while b"\n" not in head[8:] and len(head) < 1 << 24:
                            more = fh.read(1 << 16)
                            if not more:
                                break
                            head += more
                except OSError:
                    continue
                self._pack_heads[f.stem] = pack_index(head)
            index = self._pack_heads[f.stem]
            for v in index["versions"] if index else []:
                out.setdefault(v[0], []).append(f.stem)
        self._pack_maps[name] = (key, out)
        return out

    def open_pack(self, name: str, pack: str) -> OpenPack:
        """The pack ``pack`` read whole and re-hashed (the last one opened is kept). CorruptStore if altered."""
        held = getattr(self._held, "pack", None)
        if held is not None and held.name == pack and held.theatre == name:
            return held
        self._held.pack = None
        try:
            data = (self.packs_dir(name) / f"{pack}.pack").read_bytes()
        except FileNotFoundError:
            raise CorruptStore(f"pack {pack[:12]} is missing") from None
        op = OpenPack.of(pack, data)
        op.theatre = name
        self._held.pack = op
        return op

    def _in_packs(self, name: str, digest: str, what):
        """``what(open pack)`` from the first intact pack holding ``digest``; (None, error) where none does."""
        error = None
        for pack in self.pack_map(name).get(digest, []):
            try:
                return what(self.open_pack(name, pack)), None
            except CorruptStore as exc:
                error = exc
        return None, error

    def object_bytes(self, name: str, digest: str) -> bytes:
        """The bytes of a stored version, re-hashed; CorruptStore if missing or altered.

        Read from a pack (the pack re-hashed whole, then the object against its id), else from a loose object of
        an older store.
        """
        path = self.object_path(name, digest)
        data, error = self._in_packs(name, digest, lambda op: op.geojson(digest))
        if data is not None:
            return data
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            if error is None:
                error = self._damaged_pack(name)
            if error is not None:
                raise CorruptStore(f"theatre {name!r}: version {digest[:12]} is corrupted or lost ({error}); "
                                   f"refusing to use it; run 'frontline verify {name}'") from None
            raise CorruptStore(f"theatre {name!r}: version {digest[:12]} is missing from the store; "
                               f"run 'frontline verify {name}'") from None
        if sha256(data) != digest:
            raise CorruptStore(f"theatre {name!r}: version {digest[:12]} is corrupted (its hash does not match); "
                               f"refusing to use it; run 'frontline verify {name}'")
        return data

    def _damaged_pack(self, name: str) -> CorruptStore | None:
        """The error of the first pack that fails its hash (for a version found nowhere: a flipped byte in a
        pack's index can hide the version it names), else None. Only on that error path: it reads every pack.
        """
        for f in sorted(self.packs_dir(name).glob("*.pack")) if self.packs_dir(name).is_dir() else []:
            try:
                OpenPack.of(f.stem, f.read_bytes())
            except CorruptStore as exc:
                return exc
        return None

    def shape_form(self, name: str, digest: str) -> bytes | None:
        blob, error = self._in_packs(name, digest, lambda op: op.blob(digest))
        if blob is not None:
            return blob
        if error is not None:
            raise CorruptStore(f"theatre {name!r}: version {digest[:12]}: {error}; refusing to use it; "
                               f"run 'frontline verify {name}'")
        if not self.object_path(name, digest).exists():
            self.object_bytes(name, digest)  # missing, or lost in a damaged pack: raises and says which
        return None  # a loose object of an older store: no binary form

    def storage_order(self, name: str, entries) -> list[LogEntry]:
        """Pack by pack (packs in the order their first entry comes), each in its own order; loose ones in place."""
        pmap = self.pack_map(name)
        groups: dict[str, list[tuple[int, LogEntry]]] = {}
        for i, e in enumerate(entries):
            packs = pmap.get(e.sha256)
            if not packs:
                groups.setdefault(f"loose-{i}", []).append((0, e))
                continue
            index = self._pack_heads.get(packs[0]) or {"versions": []}
            pos = next((k for k, v in enumerate(index["versions"]) if v[0] == e.sha256), 0)
            groups.setdefault(packs[0], []).append((pos, e))
        return [e for g in groups.values() for _, e in sorted(g, key=lambda x: x[0])]

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
        from .verify import _verify_folder

        return _verify_folder(self, name)


class _FolderWriter(_Writer):
    """Steps 1-3 of the folder's write, under its flock: objects, then the log's rename (the commit), currents."""

    def __init__(self, store: Store, name: str, entries: list[LogEntry], old: bytes):
        self.store, self.name, self.entries, self.old = store, name, entries, old
        self.last_line = _last_line(old)

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def commit(self, new: list[LogEntry], objects: dict[str, bytes], blobs: dict[str, bytes]) -> None:
        store, name = self.store, self.name
        todo = []
        for digest, data in objects.items():
            blob, _ = store._in_packs(name, digest, lambda op, d=digest: (op.geojson(d), op.blob(d)))
            if blob is None:  # not in an intact pack (a pack left by an interrupted import is reused)
                todo.append((digest, data, blobs[digest]))
        for i in range(0, len(todo), PACK_VERSIONS):
            pack = make_pack(todo[i:i + PACK_VERSIONS])
            _atomic_write(store.packs_dir(name) / f"{sha256(pack)}.pack", pack)
        _atomic_write(store._log_path(name), self.old + b"".join(e.line() for e in new))  # the commit point
        currents = {e.date: e.sha256 for e in new}
        _atomic_write_many({store.theatre_dir(name) / f"{date}.geojson":
                            objects[digest] if digest in objects else store.object_bytes(name, digest)
                            for date, digest in currents.items()})

