"""I/O: the store of theatres, dated layers, their versions and the log (a package).

Two backends behind one interface (:class:`BaseStore`): a folder (:class:`Store`, the default; its layout in
:mod:`geo.store.folder`) and PostgreSQL with PostGIS (:class:`geo.store.postgis.PgStore`, for a desk of editors
writing at once; see ``docs/postgis.md``). :func:`default_store` picks one from ``--layers`` /
``$FRONTLINE_LAYERS``: a ``postgresql://`` URL is PostGIS, anything else a folder.

The package::

    geo/store/
      __init__.py   this: opening a store, and the public names re-exported
      base.py       the interface (BaseStore), Layer, RecordResult, VerifyReport, record_many
      log.py        dates, timestamps, canonical bytes, sha256, log entries, parsing, chaining, checks
      files.py      atomic file writes
      packs.py      binary forms (properties + WKB) and lzma packs of versions: bytes in, bytes out
      folder.py     the folder backend (Store)
      postgis.py    the PostGIS backend (PgStore)
      verify.py     verification (the folder's; PostGIS verifies in postgis.py)
      copy.py       copying a theatre between stores

Modules import downwards only (log, files and packs import nothing of the store's backends; base imports log
and packs; the backends, verify and copy import base); nothing here imports the package itself, and the store
knows nothing of the results cache (:mod:`geo.results`).
"""

from __future__ import annotations

import os
from pathlib import Path

from .base import (
    DEFAULT_LOCK_TIMEOUT,
    BaseStore,
    EncodedLayer,
    Layer,
    RecordResult,
    VerifyReport,
    _polygonal_union,
    _user,
    encode_layer,
)
from .copy import CopyResult, copy_theatre
from .files import _atomic_write, _read_json
from .folder import LOG, META, Store
from .log import (
    LogEntry,
    canonical_bytes,
    check_entries,
    format_timestamp,
    parse_date,
    parse_timestamp,
    sha256,
)
from .verify import verify

__all__ = [
    "DEFAULT_LOCK_TIMEOUT", "LOG", "META", "BaseStore", "CopyResult", "EncodedLayer", "Layer", "LogEntry",
    "RecordResult", "Store", "VerifyReport", "canonical_bytes", "check_entries", "copy_theatre", "default_root",
    "default_store", "encode_layer", "format_timestamp", "is_store_url", "open_store", "parse_date",
    "parse_timestamp", "sha256", "verify", "_atomic_write", "_polygonal_union", "_read_json", "_user",
]


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
    """The store at ``location``: a PostGIS URL (:class:`geo.store.postgis.PgStore`) or a folder (:class:`Store`)."""
    if is_store_url(location):
        from .postgis import PgStore

        return PgStore(location, lock_timeout=lock_timeout)
    return Store(location, lock_timeout=lock_timeout)


def default_store(option: str | None = None) -> BaseStore:
    """The store named by ``--layers`` / ``$FRONTLINE_LAYERS`` (a folder or a PostGIS URL), else ``./layers``."""
    location = option or os.environ.get("FRONTLINE_LAYERS") or "layers"
    return open_store(location)

