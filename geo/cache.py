"""I/O: results derived from stored content, cached by content hash (safe to delete at any time).

A cache file is a JSON object ``{key: result}`` under ``<theatre>/.frontline/cache/``. Keys are built from
the sha256 of every input and the method version, so an entry can never be stale: changed content has another
key. Writes are atomic and best-effort (a read-only store just does not cache).
"""

from __future__ import annotations

import contextlib
import json
import os

from .store import META, Store, _atomic_write

#: Bump when a cached computation changes its results.
CACHE_VERSION = "1"


class ResultCache:
    def __init__(self, store: Store, theatre: str, kind: str):
        self.path = store.theatre_dir(theatre) / META / "cache" / f"{kind}-v{CACHE_VERSION}.json"
        self._data: dict | None = None
        self._dirty = False

    def _load(self) -> dict:
        if self._data is None:
            try:
                self._data = json.loads(self.path.read_text(encoding="utf-8"))
                if not isinstance(self._data, dict):
                    self._data = {}
            except (FileNotFoundError, ValueError, UnicodeDecodeError):
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
            data = json.dumps(self._data, sort_keys=True, separators=(",", ":")).encode()
            _atomic_write(self.path, data)
        self._dirty = False
