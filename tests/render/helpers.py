"""Shared pieces of the rendering and browser tests: theatres, layers, the real data, hostile texts, assets."""

from __future__ import annotations

import copy
import json
import os
import re
from pathlib import Path

import pytest

from geo.theatre import Status, Theatre

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data" / "render"
ARTIFACTS = REPO / "artifacts"
REAL_DATE = "2024-08-24"

HELD = Status("held", "Held", "#1f6fb4")
CONTESTED = Status("contested", "Contested", "#9e9e9e")
FRONT = Status("front", "Front line", "#d62728", "line")
THEATRE = Theatre("demo", "Demo theatre", (HELD, CONTESTED, FRONT), bbox=(34.0, 50.5, 36.5, 52.0),
                  attribution=("Front line: Example Map (https://example.org/map)",))
KURSK = Theatre("kursk", "Kursk incursion, 2024-2025", (
    Status("ua_controlled", "Ukrainian-held", "#1f6fb4"), Status("grey_zone", "Contested", "#9e9e9e"),
    Status("contact_line", "Front line", "#d62728", "line")), bbox=(34.0, 50.8, 36.2, 52.0),
    attribution=("Front line: DeepStateMap (deepstatemap.live)",))


def load(name: str) -> dict:
    """A fixture of tests/data/render (see its README for the origin of each file)."""
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def small_inputs(**over) -> dict:
    """``build_map`` keyword arguments for the small hand-made layer, context and change."""
    kw = {"theatre": THEATRE, "collection": load("small.geojson"), "date": "2024-09-01",
          "areas_km2": {"held": 78.01, "contested": 156.0}, "total_km2": 234.01,
          "sources": [{"version": 2, "source": "https://example.org/data/2024-09-01.geojson",
                       "note": "drawn by hand for the tests", "recorded_at": "2024-09-02T10:00:00.000000Z"}],
          "context": {"border": load("small-border.geojson"), "settlements": load("small-settlements.geojson"),
                      "outlines": load("small-outlines.geojson")},
          "peak": {"date": "2024-08-20", "total_km2": 300.0, "retaken_pct": 22.0}}
    kw.update(over)
    return kw


def change_inputs(**over) -> dict:
    return small_inputs(changes=load("small-changes.geojson"), since="2024-08-25", **over)


# ---- the real data -----------------------------------------------------------------------------------------
def shared_data_dir() -> Path:
    """``../shared/data/kursk`` beside the repository, or ``$FRONTLINE_SHARED_DATA``; read, never copied."""
    env = os.environ.get("FRONTLINE_SHARED_DATA")
    return Path(env) if env else (REPO / ".." / "shared" / "data" / "kursk").resolve()


def need_real_data() -> Path:
    d = shared_data_dir()
    if not (d / "deepstate" / "daily" / f"{REAL_DATE}.geojson").is_file():
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the real-data rendering tests, but {d} is absent")
        pytest.skip(f"real data absent: {d} (read from ../shared at run time, never copied into the repo)")
    return d


def real_inputs(**over) -> dict:
    """``build_map`` keyword arguments for the real 2024-08-24 layer with its context."""
    from geo.area import layer_areas

    d = need_real_data()
    layer = json.loads((d / "deepstate" / "daily" / f"{REAL_DATE}.geojson").read_text(encoding="utf-8"))
    ctx = {k: json.loads((d / "context" / f).read_text(encoding="utf-8"))
           for k, f in (("border", "border.geojson"), ("outlines", "oblasts.geojson"),
                        ("settlements", "settlements.geojson"))}
    a = layer_areas(layer, KURSK)
    kw = {"theatre": KURSK, "collection": layer, "date": REAL_DATE, "areas_km2": a.areas_km2,
          "total_km2": a.total_km2, "context": ctx,
          "sources": [{"version": 1, "source": "https://github.com/DanielRose2310/deepstatemaps-history",
                       "note": "", "recorded_at": "2024-08-25T00:00:00.000000Z"}]}
    kw.update(over)
    return kw


# ---- assets ------------------------------------------------------------------------------------------------
def assets_cache() -> Path:
    """The asset cache, filled from .assets/npm where that exists; skip (fail in CI) where it cannot be had."""
    from geo.errors import MissingResource
    from geo.render.assets import cache_dir, check, fetch

    root = cache_dir(os.environ.get("FRONTLINE_ASSETS") or REPO / ".assets" / "cache")
    if check(root):
        npm = REPO / ".assets" / "npm"
        try:
            if npm.is_dir():
                fetch(root, from_npm=npm)
        except MissingResource:
            pass
    if check(root):
        msg = f"pinned assets not cached in {root}: run scripts/ensure-browser"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return root


# ---- hostile text ------------------------------------------------------------------------------------------
LONG = "A" * 100_000
PAYLOADS = [
    "<script>alert(1337)</script>",
    "<img src=x onerror=alert(1337)>",
    "<svg onload=alert(1337)>",
    '"><script>alert(1337)</script>',
    "'><img src=x onerror=alert(1337)>",
    '" onmouseover="alert(1337)" x="',
    "</script><script>alert(1337)</script>",
    "</title><script>alert(1337)</script>",
    "</style><script>alert(1337)</script>",
    "<iframe src=javascript:alert(1337)></iframe>",
    '<a href="javascript:alert(1337)">click</a>',
    "javascript:alert(1337)",
    "JaVaScRiPt:alert(1337)",
    "data:text/html,<script>alert(1337)</script>",
    "{{ 7*7 }}",
    "{% for x in range(3) %}X{% endfor %}",
    "{{ foo",
    "{# unclosed comment",
    "{{ self.__init__.__globals__ }}",
    "`${alert(1337)}`",
    "line\u2028separator\u2029paragraph",
    "\u202eRTL override\u202c and \u200fמפה\u200f",
    "&lt;b&gt;entity&amp;amp;",
    "\\u003cscript\\u003ealert(1337)\\u003c/script\\u003e",
    "<!-- comment ]]> <![CDATA[",
    "$\\alpha$ mathtext $",
    "nul\x00 and bell\x07",
    "<style>body{display:none}</style>",
    LONG,
]


def hostile_inputs(text: str, *, changes: bool = True) -> dict:
    """``build_map`` arguments with ``text`` in every text field: title, labels, attribution, source, note, places."""
    t = Theatre("demo", text, (Status("held", text, "#1f6fb4"), Status("contested", "2 " + text, "#9e9e9e"),
                               Status("front", "3 " + text, "#d62728", "line")), attribution=(text,))
    places = copy.deepcopy(load("small-settlements.geojson"))
    for f in places["features"]:
        f["properties"]["name"] = text
    kw = small_inputs(theatre=t, sources=[{"version": 1, "source": text, "note": text, "recorded_at": text}],
                      context={"settlements": places, "border": load("small-border.geojson")}, title=None)
    if changes:
        kw.update(changes=load("small-changes.geojson"), since="2024-08-25")
    return kw


BLOB_RE = re.compile(r'<script type="application/json" id="fl-data-[0-9a-f]+">(.*?)</script>', re.S)


def structure(html: str) -> set:
    """The (tag, attribute names) pairs of a page: what text from data must never add to."""
    from html.parser import HTMLParser

    seen = set()

    class P(HTMLParser):
        def handle_starttag(self, tag, attrs):
            seen.add((tag, tuple(sorted(a for a, _ in attrs))))
            for a, v in attrs:
                assert not (a in ("href", "src") and (v or "").strip().lower().startswith(("javascript:", "data:"))), v

    P(convert_charrefs=True).feed(html)
    return seen


def split_blob(html: str) -> tuple[str, str]:
    """(the JSON payload blob, the page without it): all data text must sit in the blob, escaped."""
    m = BLOB_RE.search(html)
    assert m, "no payload blob in the page"
    return m.group(1), html[: m.start(1)] + html[m.end(1):]
