"""Results derived from stored content (areas, diff summaries), cached by content hash; safe to delete at any time.

The store knows nothing of this cache: the measures (:mod:`geo.measure`) build every key from content hashes the
store reports (each log entry's ``sha256``, the theatre's vocabulary, the method, the regions file's hash), so an
entry can never be stale: changed content has another key. A cache file is ``{"entries": {key: result},
"sha256": …}`` and carries the sha256 of its entries: a file that fails it (a flipped byte, a hand edit) is ignored
whole and rebuilt, so it can never print a wrong figure. Callers still re-hash the stored versions behind a hit, so
a corrupted version is refused even when its result is cached. Writes are atomic and best-effort (a read-only
folder just does not cache); ``FRONTLINE_NO_CACHE=1`` writes nothing (and the files already there are still read:
they cannot be stale).

Where the files live (decided here, for each backend; :func:`cache_dir`):

- ``$FRONTLINE_CACHE_DIR/<theatre>/`` when that variable is set, whatever the store (the keys are content hashes,
  so two stores sharing the folder can only share correct results);
- a folder store: ``<theatre>/.frontline/cache/`` as before (found through the store's public
  :meth:`~geo.store.Store.theatre_dir`), so the results travel and vanish with the theatre;
- a PostGIS store: a per-user folder, ``$XDG_CACHE_HOME/frontline/pg-<h>/<theatre>/`` (``~/.cache`` without
  ``XDG_CACHE_HOME``) where ``<h>`` is the first 16 hex digits of the sha256 of the store's URL *without its
  password* (:attr:`~geo.store.BaseStore.location`): each editor keeps their own, nothing derived goes into the
  shared database, and no password is written to disk. (The PostGIS ``result_cache`` table of schema 1 is no longer
  used; an old store keeps it, unread.)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path

from .store import BaseStore, Store
from .store.files import _atomic_write

#: Bump when a cached computation changes its results or their shape (3: a diff summary holds its content only,
#: never the dates and versions of the call that computed it; each call sets its own).
CACHE_VERSION = "3"


def cache_dir(store: BaseStore, theatre: str) -> Path:
    """The folder of ``theatre``'s cached results for ``store`` (see the module's docstring)."""
    env = os.environ.get("FRONTLINE_CACHE_DIR")
    if env:
        return Path(env) / theatre
    if isinstance(store, Store):
        return store.theatre_dir(theatre) / ".frontline" / "cache"
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "frontline"
    return base / f"pg-{hashlib.sha256(store.location.encode()).hexdigest()[:16]}" / theatre


def results_cache(store: BaseStore, theatre: str, kind: str) -> ResultCache:
    """The cache of ``kind`` results (``area``, ``diff``) of ``theatre`` in ``store``."""
    return ResultCache(cache_dir(store, theatre) / f"{kind}-v{CACHE_VERSION}.json")


class ResultCache:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._data: dict | None = None
        self._dirty = False

    def _load(self) -> dict:
        if self._data is None:
            try:
                doc = json.loads(self.path.read_text(encoding="utf-8"))
                entries = doc["entries"]
                if not isinstance(entries, dict) or doc["sha256"] != _digest(entries):
                    raise ValueError("cache checksum mismatch")
                self._data = entries
            except (OSError, ValueError, UnicodeDecodeError, KeyError, TypeError):
                self._data = {}
        return self._data

    def get(self, key: str):
        return self._load().get(key)

    def put(self, key: str, value) -> None:
        self._load()[key] = value
        self._dirty = True

    def save(self) -> None:
        if not self._dirty or os.environ.get("FRONTLINE_NO_CACHE"):
            return
        with contextlib.suppress(OSError):
            doc = {"entries": self._data, "sha256": _digest(self._data)}
            _atomic_write(self.path, json.dumps(doc, sort_keys=True, separators=(",", ":")).encode())
        self._dirty = False


def _digest(entries: dict) -> str:
    return hashlib.sha256(json.dumps(entries, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
