"""Bugs this suite found in ``geo/`` that are still open: their tests are marked ``xfail(strict=True)``.

Strict: the day a bug is fixed its test passes, the xfail turns into a failure, and the entry must be removed
here. Details and suggested fixes are in RELIABILITY.md ("Bugs found").
"""

from __future__ import annotations

import os

import pytest

OPEN_BUGS = {
    "B1": "a float that overflows to infinity (1e400) in a property validates, then json.dumps(allow_nan=False) "
          "in store.canonical_bytes raises ValueError: traceback",
    "B2": "a lone surrogate (\\ud800) in a string validates, then .encode('utf-8') in store.canonical_bytes raises "
          "UnicodeEncodeError: traceback",
    "B3": "an unhashable status (a list or an object) raises TypeError at `raw not in kinds` in "
          "validate.validate_layer: traceback",
    "B4": "an OGR file whose CRS cannot be transformed to WGS84 raises pyproj ProjError/CRSError in "
          "importers._read_ogr: traceback",
    "B5": "import_paths records files one by one after validating all: a file that fails in Store.record "
          "(B1, B2) leaves the earlier files of the same import committed",
    "B6": "measure.compute_areas answers from the cache without reading the object: a corrupted or deleted "
          "version still gets its figure, exit 0",
    "B7": "the area cache is not checked: a byte changed in .frontline/cache/area-v1.json prints a wrong figure",
    "B8": "verify misses a changed byte in the log's last line (only a successor's `prev` protects a line): "
          "source, note, features or recorded_at (hence --as-of answers) can change unnoticed",
}

#: ``FRONTLINE_RELIABILITY_FIXED=B1,B2`` treats those as fixed without editing this file (to check a fix).
for _b in filter(None, os.environ.get("FRONTLINE_RELIABILITY_FIXED", "").split(",")):
    OPEN_BUGS.pop(_b.strip(), None)


def xfail_if_open(request, *bugs: str) -> None:
    """Mark the running test xfail(strict) if any of ``bugs`` is still open."""
    open_ = [b for b in bugs if b and b in OPEN_BUGS]
    if open_:
        reason = "; ".join(f"{b}: {OPEN_BUGS[b]}" for b in open_)
        request.applymarker(pytest.mark.xfail(strict=True, reason=f"open bug {reason}"))


def is_open(bug: str) -> bool:
    return bug in OPEN_BUGS
