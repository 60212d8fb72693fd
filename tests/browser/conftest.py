"""Real headless Chromium (Debian's, at /usr/bin/chromium) driven by Playwright.

Locally the browser tests skip, with the reason, where Chromium or Playwright is missing; in CI (``CI=true``)
they fail instead: they must run there (``scripts/ensure-browser`` installs Chromium and fills the asset cache).
Every request that is not to a ``file:`` URL is aborted and recorded, so a page that tries to leave its file
fails its test.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("FRONTLINE_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _unavailable(reason: str):
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI must run the browser tests: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser(chromium):
    """The session's one Chromium (tests/conftest.py)."""
    return chromium


@pytest.fixture(scope="session")
def asset_dir():
    from render.helpers import assets_cache

    return assets_cache()


@dataclass
class PageLog:
    console: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    dialogs: list = field(default_factory=list)
    requests: list = field(default_factory=list)
    blocked: list = field(default_factory=list)

    def problems(self) -> list:
        bad = [f"console {t}: {m}" for t, m in self.console if t in ("error", "warning")]
        bad += [f"page error: {e}" for e in self.errors]
        bad += [f"dialog: {d}" for d in self.dialogs]
        bad += [f"request left the file: {u}" for u in self.blocked]
        return bad


@pytest.fixture
def open_page(browser, tmp_path):
    """Open an HTML string or file in a fresh context; return ``(page, log)`` once the map has drawn."""
    contexts = []

    def open_(html, *, size=(900, 650), name="page.html"):
        path = Path(html) if isinstance(html, Path) else tmp_path / name
        if not isinstance(html, Path):
            path.write_text(html, encoding="utf-8")
        ctx = browser.new_context(viewport={"width": size[0], "height": size[1]})
        contexts.append(ctx)
        log = PageLog()

        def block(route):
            log.blocked.append(route.request.url)
            route.abort()

        ctx.route(re.compile(r"^(?!file:)[a-z][a-z0-9+.-]*:"), block)
        page = ctx.new_page()
        page.on("console", lambda m: log.console.append((m.type, m.text)))
        page.on("pageerror", lambda e: log.errors.append(str(e)))
        page.on("dialog", lambda d: (log.dialogs.append(d.message), d.dismiss()))
        page.on("request", lambda r: log.requests.append(r.url))
        page.goto(path.resolve().as_uri(), wait_until="load")
        page.wait_for_selector(".fl-caption", timeout=10_000)
        return page, log

    yield open_
    for c in contexts:
        c.close()
