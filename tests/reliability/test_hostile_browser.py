"""Hostile text typed where editors type it, rendered by the real commands, read by real Chromium.

For each payload a store is built through the CLI with the payload in every text field an editor fills:
theatre title (``init --title``), status labels (``init --status``), attribution (``init --attribution``),
sources and notes (``import --source/--note``), a feature's name property, place names and alternative names
(``context settlements``), event titles, texts and sources (``context events``). Then ``frontline map``,
``frontline map --since`` and ``frontline timeline`` write three pages, opened in headless Chromium with every
request off the file blocked. The page is hovered, clicked and stepped through its dates.

Promise: no dialog, no page error, no console error, no request leaving the file, no element or handler made
from data; and the text is shown literally (control characters removed and long text cut with an ellipsis, as
``geo.render.safe.clean_text`` documents), in every field the page shows.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from .conftest import add_figure
from .helpers import REPO, layer, region_file, run_cli, write_json

CHROMIUM = os.environ.get("FRONTLINE_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

PAYLOADS = [
    "<script>alert('xss-1')</script>",
    "<img src=x onerror=alert('xss-2')>",
    "<svg/onload=alert('xss-3')>",
    '"><script>alert(\'xss-4\')</script>',
    "' onmouseover='alert(5)' x='",
    "</script><script>alert('xss-6')</script><!--",
    "</title></style></textarea><script>alert('xss-7')</script>",
    "javascript:alert('xss-8')",
    '<a href="javascript:alert(9)">click me</a>',
    "<iframe srcdoc=\"<script>parent.alert('xss-10')</script>\"></iframe>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('xss-11')>",
    "<base href=\"javascript:alert('xss-12')//\">",
    "<meta http-equiv=refresh content=\"0;url=javascript:alert(13)\">",
    "{{ 7*7 }} {{ config }}",
    "{% for i in range(3) %}loop{% endfor %} {# c #}",
    "{{constructor.constructor('alert(16)')()}}",
    "${alert('xss-17')} `${7*7}` <%= 7*7 %>",
    "'-alert('xss-18')-'\\\";alert(18);//",
    "line\u2028sep\u2029para\u2028</script>",
    "\u202eevil.exe\u202c \u200fקורסק\u200f \u2066isolate\u2069",
    "zero\u200bwidth\ufeffbom \U0001F600 \u0301accent",
    "nul\x00 bell\x07 esc\x1b[31m red del\x7f",
    "&lt;script&gt;alert(23)&lt;/script&gt; &amp;amp; &#60;b&#62;",
    "\\u003cscript\\u003ealert(24)\\u003c/script\\u003e",
    "<style>*{display:none!important}</style>hidden?",
    "L" * 100_000,
]

DANGEROUS_DOM = ("script:not([src]):not([type='application/json'])", "iframe", "object", "embed", "base",
                 "meta[http-equiv]", "[onerror]", "[onload]", "[onmouseover]", "[onclick]", "a[href^='javascript' i]",
                 "img[src='x']")


def _unavailable(reason: str):
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI must run the browser tests: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def assets_env():
    cache = Path(os.environ.get("FRONTLINE_ASSETS") or REPO / ".assets" / "cache")
    env = {"FRONTLINE_ASSETS": str(cache)}
    res = run_cli(["assets", "check"], env=env)
    if res.exit_code != 0:
        _unavailable(f"the pinned web assets are not in {cache}: run scripts/ensure-browser")
    return env


def build_store(tmp: Path, p: str, env: dict) -> dict[str, Path]:
    """A store with ``p`` in every text field, and the three pages rendered from it."""
    root = tmp / "layers"

    def cli(*args):
        res = run_cli(["--layers", str(root), *args], env=env)
        assert res.exit_code == 0, res
        return res

    cli("init", "kursk", "--region", str(region_file(tmp / "region.geojson")), "--title", "T:" + p,
        "--status", f"ua_controlled=L1:{p}", "--status", f"grey_zone=L2:{p}",
        "--status", f"contact_line=L3:{p}:#d62728:line", "--attribution", "A:" + p)
    for i, d in enumerate(("2024-08-10", "2024-08-20")):
        lay = layer(i + 1, features=2 + i)
        for f in lay["features"]:
            f["properties"]["name"] = "F:" + p
        cli("import", "kursk", str(write_json(tmp / "in" / f"{d}.geojson", lay)), "--source", "S:" + p,
            "--note", "N:" + p)
    places = write_json(tmp / "places.geojson", {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "P:" + p, "alt_names": ["PA:" + p]},
         "geometry": {"type": "Point", "coordinates": [35.01, 51.3]}}]})
    cli("context", "kursk", "settlements", str(places))
    events = write_json(tmp / "events.geojson", {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"date": d, "title": "E:" + p, "text": "ET:" + p, "source": "ES:" + p,
                                           "url": "https://example.org/report"},
         "geometry": {"type": "Point", "coordinates": [35.05, 51.3]}} for d in ("2024-08-10", "2024-08-20")]})
    cli("context", "kursk", "events", str(events))
    pages = {"map": tmp / "map.html", "change map": tmp / "change.html", "timeline": tmp / "timeline.html"}
    cli("map", "kursk", "2024-08-20", "--assets", "inline", "-o", str(pages["map"]))
    cli("map", "kursk", "2024-08-20", "--since", "2024-08-10", "--assets", "inline", "-o", str(pages["change map"]))
    cli("timeline", "kursk", "--assets", "inline", "-o", str(pages["timeline"]))
    return pages


def shown(p: str) -> str:
    """What a reader should see of ``p``: as clean_text leaves it, whitespace aside."""
    from geo.render.safe import clean_text

    return _squash(clean_text(p))


def _squash(s: str) -> str:
    return re.sub(r"[\s\u2028\u2029]+", "", s)


def visit(ctx, path: Path, kind: str, baseline: dict | None = None) -> tuple[str, list[str], dict]:
    """Open, hover, click and step through the page; return (its text, problems seen, element counts).

    Element counts of :data:`DANGEROUS_DOM` above those of the same page made from plain text are problems (the
    page has its own inline scripts and a CSP meta element; data must add none).
    """
    problems: list[str] = []

    def block(route):
        problems.append(f"request left the file: {route.request.url[:200]}")
        route.abort()

    ctx.unroute_all()
    ctx.route(re.compile(r"^(?!file:)[a-z][a-z0-9+.-]*:"), block)
    page = ctx.new_page()
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message[:200]}"), d.dismiss()))
    page.on("pageerror", lambda e: problems.append(f"page error: {str(e)[:300]}"))
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text[:300]}")
            if m.type in ("error", "warning") else None)
    page.on("popup", lambda pg: problems.append(f"popup opened: {pg.url[:200]}"))
    try:
        page.goto(path.resolve().as_uri(), wait_until="load")
        page.wait_for_function("document.body && document.body.innerText.indexOf('T:') >= 0", timeout=10_000)
        # hover and click across the map area, where polygons, places and events are drawn
        for x, y in ((500, 350), (450, 330), (600, 400)):
            page.mouse.move(x, y)
            page.mouse.click(x, y)
        if kind == "timeline":
            for sel in ("#fl-prev", "#fl-next", "#fl-prev", ".fl-event-date", ".fl-chart-event"):
                loc = page.locator(sel)
                if loc.count():
                    loc.first.click()
            page.keyboard.press("End")
        page.wait_for_timeout(100)
        counts = page.evaluate("sels => Object.fromEntries(sels.map(s => [s, document.querySelectorAll(s).length]))",
                               list(DANGEROUS_DOM))
        if baseline is not None:
            problems += [f"element from data: {s} ({n} against {baseline.get(s, 0)})" for s, n in counts.items()
                         if n > baseline.get(s, 0)]
        if page.evaluate("typeof window.__pwned !== 'undefined'"):
            problems.append("script ran")
        text = page.evaluate("document.title + '\\n' + document.body.innerText")
    finally:
        page.close()
    return text, problems, counts


ALWAYS = {"map": ("T:", "L1:", "L2:", "L3:", "A:"), "change map": ("T:", "L1:", "L2:", "L3:", "A:"),
          "timeline": ("T:", "L1:", "L2:", "L3:", "A:", "E:", "ET:")}
IF_SHOWN = ("S:", "N:", "P:", "ES:", "F:", "PA:")


@pytest.fixture(scope="module")
def baseline(chromium, assets_env, tmp_path_factory) -> dict:
    """Element counts of the three pages made from plain text."""
    pages = build_store(tmp_path_factory.mktemp("plain"), "Sudzha", assets_env)
    out = {}
    ctx = chromium.new_context(viewport={"width": 1000, "height": 700})
    for kind, path in pages.items():
        _, problems, counts = visit(ctx, path, kind)
        assert problems == [], f"{kind} from plain text: {problems}"
        out[kind] = counts
    ctx.close()
    return out


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("payload", PAYLOADS, ids=[f"p{i:02d}" for i in range(len(PAYLOADS))])
def test_hostile_text_in_every_field_is_inert_and_literal(payload, chromium, assets_env, baseline, tmp_path):
    pages = build_store(tmp_path, payload, assets_env)
    want = shown(payload)
    head = want[:60]
    fields_checked = 0
    ctx = chromium.new_context(viewport={"width": 1000, "height": 700})
    request_finalizer = ctx.close
    for kind, path in pages.items():
        text, problems, _ = visit(ctx, path, kind, baseline[kind])
        assert problems == [], f"{kind}: {problems}"
        flat = _squash(text)
        for prefix in ALWAYS[kind]:
            assert prefix + head in flat, f"{kind}: {prefix} not shown literally; page text: {text[:800]!r}"
            fields_checked += 1
        for prefix in IF_SHOWN:
            for m in re.finditer(re.escape(prefix), flat):
                after = flat[m.end():m.end() + len(head)]
                if after[:2] == head[:2]:  # this prefix is ours, not part of other text
                    assert after == head, f"{kind}: {prefix} shown altered: {after!r} for {head!r}"
                    fields_checked += 1
                    break
        if len(payload) > 10_000:
            assert len(text) < len(payload), f"{kind}: a {len(payload):,}-character text was shown whole"
    request_finalizer()
    add_figure("hostile_text", payloads_tried=1, pages_opened=len(pages), fields_checked=fields_checked)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JAVASCRIPT:alert(1)", " javascript:alert(1)",
                                 "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)", "//evil.example",
                                 "file:///etc/passwd"])
def test_event_links_other_than_http_are_refused(url, tmp_path):
    root = tmp_path / "layers"
    assert run_cli(["--layers", str(root), "init", "kursk"]).exit_code == 0
    ev = write_json(tmp_path / "events.geojson", {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"date": "2024-08-10", "title": "x", "url": url}, "geometry": None}]})
    res = run_cli(["--layers", str(root), "context", "kursk", "events", str(ev)])
    assert res.exit_code == 2 and "Traceback" not in res.stderr, res
    add_figure("hostile_text", link_payloads_refused=1)
