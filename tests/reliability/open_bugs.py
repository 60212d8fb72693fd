"""Bugs this suite found in ``geo/`` that are still open: their tests are marked ``xfail(strict=True)``.

Strict: the day a bug is fixed its test passes, the xfail turns into a failure, and the entry must be removed
here. Details and suggested fixes are in RELIABILITY.md ("Bugs found").
"""

from __future__ import annotations

import os

import pytest

OPEN_BUGS: dict[str, str] = {
    # B1-B14 were fixed in geo/; see RELIABILITY.md "Bugs found". A newly found bug goes here, as
    # "B15": "what it does", until it is fixed.
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
