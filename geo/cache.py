"""I/O: results derived from stored content, cached by content hash (safe to delete at any time).

A cache file is ``{"entries": {key: result}, "sha256": …}`` under ``<theatre>/.frontline/cache/``. Keys are
built from the sha256 of every input and the method version, so an entry can never be stale: changed content has
another key. The file carries the sha256 of its entries: a file that fails it (a flipped byte, a hand edit) is
ignored whole and rebuilt, so it can never print a wrong figure. Callers still re-hash the stored versions behind
a hit, so that a corrupted version is refused even when its result is cached. Writes are atomic and best-effort
(a read-only store just does not cache).

This is the folder store's cache; a store hands out its own through ``store.result_cache(theatre, kind)`` (the
PostGIS store keeps the same entries, under the same keys, in a table: ``geo.store.postgis.TableCache``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os

from .store.files import _atomic_write

META = ".frontline"

#: Bump when a cached computation changes its results or their shape (3: a diff summary holds its content only,
#: never the dates and versions of the call that computed it; each call sets its own).
CACHE_VERSION = "3"


class ResultCache:
    def __init__(self, store, theatre: str, kind: str):
        self.path = store.theatre_dir(theatre) / META / "cache" / f"{kind}-v{CACHE_VERSION}.json"
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
            except (FileNotFoundError, ValueError, UnicodeDecodeError, KeyError, TypeError):
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
