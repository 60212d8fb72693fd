"""Fixtures of the timeline tests: the pinned assets, the real series built through the CLI, Chromium.

Origins: the real series is ``../shared/data/kursk/deepstate/daily/`` (or ``$FRONTLINE_SHARED_DATA``), read at run
time and never copied into the repository; the Kursk Oblast polygon is extracted from the shared
``context/oblasts.geojson`` into a temporary file. The small stores are built here from ``tests/common.py``.
Without the real data or without Chromium the tests skip with a reason, except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: the three dates the issue names, and the reference figures' columns
CHECK_DATES = ("2024-08-24", "2025-01-25", "2025-03-13")
#: a figure of the caption: "1,252.8 km²" (no-break space)
NUMBER = re.compile(r"(-?[\d,]+\.\d)\u00a0km\u00b2")


def caption_figures(page) -> dict[str, float]:
    """The caption's figures by status key (``total`` for their union), as numbers."""
    out = {}
    for span in page.locator("#fl-caption .fl-fig[data-status]").all():
        m = NUMBER.search(span.inner_text())
        assert m, span.inner_text()
        out[span.get_attribute("data-status")] = float(m.group(1).replace(",", ""))
    return out


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def skip_or_fail(reason: str):
    if in_ci():
        pytest.fail(f"CI must run this test, but {reason}")
    pytest.skip(reason)


def shared_dir() -> Path:
    env = os.environ.get("FRONTLINE_SHARED_DATA")
    return Path(env) if env else (REPO / ".." / "shared" / "data" / "kursk").resolve()


def frontline(*args, cwd=None, env=None) -> subprocess.CompletedProcess:
    """Run the real CLI in a subprocess (as an editor would); fail with its stderr on a non-zero exit."""
    proc = subprocess.run([sys.executable, "-m", "geo.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd or REPO, env={**os.environ, **(env or {})})
    return proc


@pytest.fixture(scope="session")
def timeline_shared() -> Path:
    d = shared_dir()
    if not (d / "deepstate" / "daily").is_dir():
        skip_or_fail(f"real data absent: {d} (read from ../shared at run time, never copied)")
    return d


@pytest.fixture(scope="session")
def asset_cache(tmp_path_factory) -> Path:
    """A cache of the pinned Leaflet, filled from the npm install in ``.assets/npm`` or the default cache."""
    from geo.render import assets

    default = assets.cache_dir()
    if not assets.check(default):
        root = default
    else:
        npm = REPO / ".assets" / "npm"
        if not (npm / "node_modules" / "leaflet").is_dir():
            skip_or_fail("no pinned Leaflet: run scripts/ensure-browser (npm install leaflet@1.9.3)")
        root = tmp_path_factory.mktemp("assets")
        assets.fetch(root, from_npm=npm)
    os.environ["FRONTLINE_ASSETS"] = str(root)
    return root


@pytest.fixture(scope="session")
def real_timeline_store(timeline_shared, tmp_path_factory) -> Path:
    """The 258 daily layers in a fresh store, made with `frontline init` and `frontline import` as documented.

    The layers are clipped to Kursk Oblast on import (``--clip``): ``reference_areas.csv`` counts Kursk Oblast
    (its Belgorod column apart), and the page's caption shows what the store holds.
    """
    tmp = tmp_path_factory.mktemp("tl-real")
    oblasts = json.loads((timeline_shared / "context" / "oblasts.geojson").read_text(encoding="utf-8"))
    region = tmp / "kursk-oblast.geojson"
    region.write_text(json.dumps({"type": "FeatureCollection", "features": [
        f for f in oblasts["features"] if f["properties"].get("name") == "Kursk Oblast"]}), encoding="utf-8")
    root = tmp / "layers"
    for args in (["init", "kursk", "--status", "ua_controlled=Ukrainian-held", "--status", "grey_zone=Contested",
                  "--status", "contact_line=Front line:#d62728:line", "--region", region],
                 ["import", "kursk", "--clip", timeline_shared / "deepstate" / "daily"]):
        proc = frontline("--layers", root, *args)
        assert proc.returncode == 0, proc.stderr
    return root


@pytest.fixture(scope="session")
def reference_figures(timeline_shared) -> dict:
    import csv

    with open(timeline_shared / "deepstate" / "reference_areas.csv", newline="", encoding="utf-8") as f:
        return {r["date"]: {k: float(v) for k, v in r.items() if k != "date"} for r in csv.DictReader(f)}


@pytest.fixture(scope="session")
def real_pages(real_timeline_store, asset_cache, tmp_path_factory) -> dict:
    """The real series' timeline page, CDN and inline (no tiles), written by the CLI."""
    out = tmp_path_factory.mktemp("tl-pages")
    pages = {}
    for mode in ("cdn", "inline"):
        path = out / f"kursk-{mode}.html"
        proc = frontline("--layers", real_timeline_store, "timeline", "kursk", "--assets", mode, "-o", path,
                         env={"FRONTLINE_ASSETS": str(asset_cache)})
        assert proc.returncode == 0, proc.stderr
        pages[mode] = path
    return pages


@pytest.fixture(scope="session")
def browser(chromium):
    """The session's one headless Debian Chromium (tests/conftest.py)."""
    return chromium


class PageWatch:
    """A page that records console errors, page errors, dialogs and every request that is not the file."""

    def __init__(self, browser, width=1280, height=900):
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("dialog", self._dialog)
        self.page.on("request", lambda r: self.requests.append(r.url))

    def _dialog(self, d):
        self.dialogs.append(d.message)
        d.dismiss()

    def open(self, path: Path, hash_: str = ""):
        self.url = path.resolve().as_uri()
        # Anything that is not our file is aborted, and recorded: the test then fails on it.
        self.page.route("**/*", lambda route: route.continue_() if route.request.url.split("#")[0] == self.url
                        else route.abort())
        self.page.goto(self.url + (f"#{hash_}" if hash_ else ""))
        self.page.wait_for_function("window.frontlineTimeline && window.frontlineTimeline.index >= 0")
        return self.page

    def outside(self) -> list[str]:
        return [u for u in self.requests if u.split("#")[0] != self.url]

    def close(self):
        self.page.close()


@pytest.fixture
def watch(browser):
    pages = []

    def make(**kw):
        w = PageWatch(browser, **kw)
        pages.append(w)
        return w

    yield make
    for w in pages:
        w.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
