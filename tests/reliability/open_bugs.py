"""Bugs this suite found in ``geo/`` that are still open: their tests are marked ``xfail(strict=True)``.

Strict: the day a bug is fixed its test passes, the xfail turns into a failure, and the entry must be removed
here. Details and suggested fixes are in RELIABILITY.md ("Bugs found").
"""

from __future__ import annotations

import os

import pytest

OPEN_BUGS: dict[str, str] = {
    # B1-B8 and B10 were fixed in geo/; see RELIABILITY.md "Bugs found".
    "B9": "the size limit is checked on a .zip/.kmz as stored, and the vertex limit only after pyogrio has read "
          "every feature: a 330 kB zip (85 MB inside) took 18 s and 1.3 GB before the vertex limit refused it",
    "B11": "text on the command line that is not valid UTF-8 (Python hands it over as lone surrogates) makes "
           "init, import --source/--note crash with UnicodeEncodeError; init leaves a half-made theatre folder",
    "B12": "text from data (sources, notes, labels, titles) is printed to the terminal as it is: escape "
           "sequences in a scraped source (ESC ], ESC [ 2J, BEL) reach the editor's terminal through "
           "`frontline history` and `area`",
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
