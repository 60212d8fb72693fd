"""The timeline page as readers get it, in headless Debian Chromium, on the bundled store and the real series.

At 320 (controls only), 375, 768 and 1280 px: the controls on one row, the smallest text on screen (every visible
text node's computed font size, SVG text scaled by its screen transform) at least 10 px, the title at most two
lines on a phone, the map at least 200 px high, and axe-core with no serious or critical violation. html-validate
(``html-validate:recommended``, nothing relaxed: the pages pass it whole) finds no error in the four files. With
JavaScript off, and with the CDN unreachable, the server's page shows the title, the caption with the opening
date's figures (those of ``frontline area``), the table and the attribution. The page opens on the peak, or on
``--start`` / the hash. The map lets one finger and a plain wheel scroll the page; two fingers and ctrl + wheel
move it. Links from data open in a new tab with ``rel="noopener"``. Print hides the controls.

axe-core and html-validate come from ``$FRONTLINE_NPM`` (default ``.assets/npm``; ``npm install axe-core@4.14.1
html-validate@11.21.1`` there); without them those tests skip with the reason, except under ``CI=true``. Node 20
cannot glob with html-validate 11 (``fs.globSync`` arrived in Node 22), so the file is given on stdin.
Screenshots: ``artifacts/timeline/{series}-{width}-{js,nojs}.png``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest

from .conftest import REPO, caption_figures, frontline, skip_or_fail

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDTHS = (375, 768, 1280)
CONTROLS = ("#fl-play", "#fl-prev", "#fl-slider", "#fl-next", "#fl-date")
HTML_VALIDATE = "html-validate/bin/html-validate.mjs"
AXE = "axe-core/axe.min.js"

#: every visible text node: its font size on screen (SVG text scaled by its CTM), smallest first
TEXT_SIZES = """() => {
  const out = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) {
    const t = walk.currentNode;
    if (!t.textContent.trim()) { continue; }
    const e = t.parentElement;
    if (!e || e.closest("script, style, title")) { continue; }
    const r = document.createRange();
    r.selectNodeContents(t);
    const box = Array.from(r.getClientRects()).find((q) => q.width > 0 && q.height > 0);
    if (!box) { continue; }
    const cs = getComputedStyle(e);
    if (cs.visibility !== "visible" || +cs.opacity === 0) { continue; }
    let size = parseFloat(cs.fontSize);
    if (e instanceof SVGElement) {
      const m = e.getScreenCTM();
      size *= Math.sqrt(Math.abs(m.a * m.d - m.b * m.c));
    }
    out.push([Math.round(size * 100) / 100, t.textContent.trim().slice(0, 40)]);
  }
  return out.sort((a, b) => a[0] - b[0]);
}"""
CHART_TEXT_SIZES = TEXT_SIZES.replace("document.body", 'document.getElementById("fl-chart")')
#: the series' ground (data.bounds) in the map's frame: wholly inside, and its share of the width and the height
FIT = """() => {
  const m = window.frontlineTimeline.map, size = m.getSize();
  const b = JSON.parse(document.getElementById("fl-data").textContent).bounds;
  const sw = m.latLngToContainerPoint([b[1] / 1e5, b[0] / 1e5]);
  const ne = m.latLngToContainerPoint([b[3] / 1e5, b[2] / 1e5]);
  return { inside: sw.x >= 0 && ne.x <= size.x && ne.y >= 0 && sw.y <= size.y,
           across: (ne.x - sw.x) / size.x, down: (sw.y - ne.y) / size.y };
}"""
AXE_RUN = """async () => {
  const r = await axe.run(document, { resultTypes: ["violations"] });
  return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
}"""


# ---- the pages and the tools -------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def npm_dir() -> os.PathLike:
    from pathlib import Path

    d = Path(os.environ.get("FRONTLINE_NPM") or REPO / ".assets" / "npm") / "node_modules"
    if not (d / AXE).is_file() or not (d / HTML_VALIDATE).is_file():
        skip_or_fail(f"axe-core or html-validate absent under {d}: npm install --prefix $FRONTLINE_NPM "
                     "axe-core@4.14.1 html-validate@11.21.1")
    return d


@pytest.fixture(scope="session")
def bundled_pages(asset_cache, tmp_path_factory) -> dict:
    """The bundled Kursk store's page, CDN and inline (no tiles), written by the CLI."""
    out = tmp_path_factory.mktemp("tl-bundled")
    pages = {}
    for mode in ("cdn", "inline"):
        path = out / f"bundled-{mode}.html"
        proc = frontline("--layers", REPO / "layers", "timeline", "kursk", "--assets", mode, "-o", path,
                         env={"FRONTLINE_ASSETS": str(asset_cache)})
        assert proc.returncode == 0, proc.stderr
        pages[mode] = path
    return pages


@pytest.fixture(params=["bundled", "real"])
def series(request):
    """(name, store, pages) of the bundled store and of the real series (which skips without the real data)."""
    if request.param == "bundled":
        return "bundled", REPO / "layers", request.getfixturevalue("bundled_pages")
    return "real", request.getfixturevalue("real_timeline_store"), request.getfixturevalue("real_pages")


@pytest.fixture
def context(browser):
    made = []

    def make(width=1280, height=800, **kw):
        ctx = browser.new_context(viewport={"width": width, "height": height}, **kw)
        made.append(ctx)
        return ctx

    yield make
    for ctx in made:
        ctx.close()


def open_page(ctx, path, *, hash_="", live=True):
    """Open the file; every other request (the CDN's included) aborted and recorded.

    Returns (page, page errors, other requests).
    """
    page = ctx.new_page()
    errors, other = [], []
    page.on("pageerror", lambda e: errors.append(str(e)))
    url = path.resolve().as_uri()

    def route(r):
        if r.request.url.split("#")[0] == url:
            return r.continue_()
        other.append(r.request.url)
        return r.abort()

    page.route("**/*", route)
    page.goto(url + (f"#{hash_}" if hash_ else ""))
    if live:
        page.wait_for_function("document.documentElement.classList.contains('fl-live')")
    else:
        page.wait_for_load_state("load")
    return page, errors, other


def peak_date(store, theatre="kursk") -> str:
    proc = frontline("--layers", store, "area", "kursk", "--all", "--json")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)["dates"]
    best = max(range(len(rows)), key=lambda i: (round(rows[i]["total_km2"], 3), -i))
    return rows[best]["date"]


def area_figures(store, date) -> dict[str, float]:
    proc = frontline("--layers", store, "area", "kursk", date, "--json")
    assert proc.returncode == 0, proc.stderr
    row = json.loads(proc.stdout)["dates"][0]
    return {**row["areas_km2"], "total": row["total_km2"]}


def check_figures(page, store, date):
    got, want = caption_figures(page), area_figures(store, date)
    assert set(got) == set(want)
    for k, v in want.items():
        assert abs(got[k] - v) <= 0.05 + 1e-9, (date, k, got[k], v)  # the caption rounds to 0.1 km²


def one_row(page, selectors=CONTROLS) -> bool:
    """The controls' boxes share a row: each one's top is above every other's bottom (measured in one go)."""
    boxes = page.evaluate("(sel) => sel.map((s) => { const r = document.querySelector(s).getBoundingClientRect(); "
                          "return [r.top, r.bottom, r.width]; })", list(selectors))
    assert all(b[2] > 0 for b in boxes), (selectors, boxes)
    return max(b[0] for b in boxes) < min(b[1] for b in boxes)


# ---- layout, text size, accessibility ------------------------------------------------------------------------------
@pytest.mark.parametrize("width", WIDTHS)
def test_layout_text_and_axe_at_each_width(series, width, context, npm_dir, artifacts):
    name, store, pages = series
    ctx = context(width=width, bypass_csp=True)
    page, errors, other = open_page(ctx, pages["inline"])
    assert one_row(page), "the controls wrap"
    sizes = page.evaluate(TEXT_SIZES)
    assert sizes and sizes[0][0] >= 10, sizes[:5]
    map_h = page.locator("#fl-map").bounding_box()["height"]
    assert map_h >= 200
    # the map fits the held ground of the series, and the ground fills the map across or down
    fit = page.evaluate(FIT)
    assert fit["inside"], fit
    assert max(fit["across"], fit["down"]) >= 0.75, fit
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing wider than the screen
    # Leaflet credited as plain text on the map, never through its own control (whose prefix draws a flag)
    assert page.locator(".fl-map-attribution").inner_text().startswith("Leaflet")
    assert page.locator(".leaflet-control-attribution, .leaflet-attribution-flag").count() == 0
    title = page.locator(".fl-title")
    lines = title.bounding_box()["height"] / float(title.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)"))
    if width <= 375:
        assert lines <= 2.05, lines
    # the chart is drawn at its width: one SVG unit is one CSS px
    svg_box = page.locator("#fl-chart svg").bounding_box()
    assert page.locator("#fl-chart svg").get_attribute("viewBox") == f"0 0 {round(svg_box['width'])} " \
        f"{page.locator('#fl-chart svg').get_attribute('height')}"
    chart_min = min(size for size, _ in page.evaluate(CHART_TEXT_SIZES))
    (artifacts / "timeline").mkdir(exist_ok=True)
    if width in (375, 1280):
        page.screenshot(path=str(artifacts / "timeline" / f"{name}-{width}-js.png"), full_page=True)
    page.add_script_tag(path=str(npm_dir / AXE))
    violations = page.evaluate(AXE_RUN)
    bad = [v for v in violations if v["impact"] in ("serious", "critical")]
    print(f"{name} @{width}px: smallest text {sizes[0]}, smallest chart text {chart_min} px, map {map_h:.0f} px "
          f"high, the ground {fit['across']:.0%} across and {fit['down']:.0%} down it, title {lines:.1f} lines, "
          f"axe violations {violations}")
    assert bad == []
    assert errors == [] and other == []


@pytest.mark.parametrize("width", (320, 375))
def test_controls_stay_on_one_row_on_a_phone_even_while_playing(bundled_pages, context, width):
    page, errors, _ = open_page(context(width=width), bundled_pages["inline"])
    assert one_row(page)
    title = page.locator(".fl-title")
    line = float(title.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)"))
    assert title.bounding_box()["height"] <= 2.05 * line
    sizes = page.evaluate(TEXT_SIZES)
    assert sizes[0][0] >= 10, sizes[:5]
    print(f"@{width}px: smallest text {sizes[0]}")
    page.click("#fl-play")
    assert one_row(page)  # "Pause" is no wider than "Play"
    page.click("#fl-play")
    assert page.locator("#fl-date .fl-date-short").is_visible()
    assert not page.locator("#fl-date .fl-date-long").is_visible()
    assert errors == []


def test_the_chart_is_redrawn_at_its_new_width(bundled_pages, context):
    ctx = context(width=1280)
    page, errors, _ = open_page(ctx, bundled_pages["inline"])
    wide = page.locator("#fl-chart svg").get_attribute("width")
    page.set_viewport_size({"width": 375, "height": 800})
    page.wait_for_function("(w) => document.querySelector('#fl-chart svg').getAttribute('width') !== w", arg=wide)
    box = page.locator("#fl-chart svg").bounding_box()
    assert abs(float(page.locator("#fl-chart svg").get_attribute("width")) - box["width"]) < 1
    assert page.evaluate(TEXT_SIZES)[0][0] >= 10
    assert errors == []


def test_html_validate_finds_no_error(series, npm_dir, tmp_path):
    name, _, pages = series
    node = shutil.which("node")
    if node is None:
        skip_or_fail("node is not on PATH (html-validate runs on Node)")
    config = tmp_path / "htmlvalidate.json"
    config.write_text(json.dumps({"extends": ["html-validate:recommended"]}), encoding="utf-8")
    for mode, path in pages.items():
        with open(path, "rb") as f:
            proc = subprocess.run([node, str(npm_dir / HTML_VALIDATE), "--config", str(config), "--formatter",
                                   "json", "--stdin", "--stdin-filename", path.name], stdin=f,
                                  capture_output=True, text=True, timeout=120)
        assert proc.stdout.strip(), proc.stderr
        results = json.loads(proc.stdout)
        errors = [m for r in results for m in r["messages"] if m["severity"] == 2]
        print(f"html-validate {name} {mode}: {len(errors)} errors, "
              f"{sum(r['warningCount'] for r in results)} warnings")
        assert errors == [], errors[:5]
        assert proc.returncode == 0


# ---- nothing is ever blank -----------------------------------------------------------------------------------------
def check_fallback(page, store, title_text):
    peak = peak_date(store)
    assert page.locator("h1.fl-title").inner_text() == title_text
    assert page.locator("#fl-caption").is_visible()
    assert page.locator("#fl-caption .fl-caption-date").inner_text() == long_date_of(peak)
    check_figures(page, store, peak)
    summary = page.locator("details.fl-figures summary")
    assert summary.is_visible()
    summary.click()
    assert page.locator("table.fl-table tbody tr").first.is_visible()
    assert page.evaluate("document.querySelector('.fl-figures').scrollWidth <= innerWidth - 24")  # the table fits
    assert page.locator("#fl-attribution").is_visible()
    assert "WGS84" in page.locator("#fl-attribution").inner_text()
    assert page.locator(".fl-fallback-note").is_visible()
    assert page.locator("#fl-static-map").count() == 1
    events = json.loads(page.locator("#fl-data").text_content())["events"]
    assert page.locator("#fl-event-list li").count() == len(events)  # the events too, read without a script
    if events:
        assert page.locator("#fl-event-list li").first.is_visible()
    for live in ("#fl-map", ".fl-controls", "#fl-chart", "#fl-permalink"):
        assert not page.locator(live).is_visible(), live


def long_date_of(iso):
    from geo.render.timeline import long_date

    return long_date(iso)


def title_of(path) -> str:
    import html

    return html.unescape(re.search(r"<title>(.*?)</title>", path.read_text(encoding="utf-8")).group(1))


@pytest.mark.parametrize("width", (375, 1280))
def test_without_javascript_the_page_shows_its_figures(series, context, width, artifacts):
    name, store, pages = series
    page, errors, _ = open_page(context(width=width, java_script_enabled=False), pages["inline"], live=False)
    (artifacts / "timeline").mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / "timeline" / f"{name}-{width}-nojs.png"), full_page=True)
    check_fallback(page, store, title_of(pages["inline"]))
    assert page.evaluate("document.documentElement.className") == ""


def test_with_the_cdn_unreachable_the_page_shows_its_figures(series, context):
    name, store, pages = series
    page, errors, other = open_page(context(width=375), pages["cdn"], live=False)
    page.wait_for_timeout(200)
    assert any(u.startswith("https://cdn.jsdelivr.net/") for u in other)  # Leaflet was asked for, and refused
    check_fallback(page, store, title_of(pages["cdn"]))
    assert errors == []  # no page error: the script sees no Leaflet and leaves the page be


def serve_leaflet(asset_cache, css=True):
    """A route that serves the CDN's Leaflet from the pinned cache (the same bytes, so SRI passes), or not its CSS."""
    def route(r):
        name = r.request.url.rsplit("/", 1)[-1]
        wanted = css or name != "leaflet.css"
        if r.request.url.startswith("https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/") and wanted:
            return r.fulfill(path=str(asset_cache / "leaflet@1.9.3" / "dist" / name),
                             headers={"Access-Control-Allow-Origin": "*"})
        return r.abort()
    return route


def test_from_the_cdn_the_live_page_draws_and_without_its_css_the_fallback_stays(bundled_pages, context,
                                                                                 asset_cache):
    page = context(width=375).new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route("https://**/*", serve_leaflet(asset_cache))
    page.goto(bundled_pages["cdn"].resolve().as_uri())
    page.wait_for_function("document.documentElement.classList.contains('fl-live')")
    assert page.locator("path.fl-part").count() > 0 and not page.locator(".fl-fallback-note").is_visible()
    page.close()
    page = context(width=375).new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route("https://**/*", serve_leaflet(asset_cache, css=False))
    page.goto(bundled_pages["cdn"].resolve().as_uri())
    page.wait_for_load_state("load")
    assert page.evaluate("typeof L") == "object"  # the script came, its stylesheet did not
    assert page.evaluate("document.documentElement.className") == ""
    assert page.locator(".fl-fallback-note").is_visible() and not page.locator("#fl-map").is_visible()
    assert errors == []
    page.close()


def test_a_cdn_that_hangs_holds_up_nothing(bundled_pages, context):
    """The CDN never answers: the title and the figures still show at once (Leaflet's tags are last, deferred)."""
    page = context(width=375).new_page()
    held = []
    page.route("https://**/*", lambda route: held.append(route))  # never continued nor aborted: a CDN that hangs
    page.goto(bundled_pages["cdn"].resolve().as_uri(), wait_until="commit")
    page.locator("#fl-caption .fl-fig-total").wait_for(state="visible", timeout=3000)
    assert page.locator("h1.fl-title").is_visible() and page.locator("#fl-attribution").is_visible()
    assert any("/leaflet@1.9.3/" in r.request.url for r in held)  # Leaflet was asked for, and never came
    assert not page.evaluate("document.documentElement.classList.contains('fl-js')")
    page.close()


def test_the_live_caption_is_the_servers_caption(series, context):
    """timeline.js and timeline.py write the opening date's caption alike, to the character."""
    name, store, pages = series
    off, _, _ = open_page(context(java_script_enabled=False), pages["inline"], live=False)
    on, errors, _ = open_page(context(), pages["inline"])
    assert on.locator("#fl-caption").inner_text() == off.locator("#fl-caption").inner_text()
    assert on.locator("#fl-layer").inner_text() == off.locator("#fl-layer").inner_text()
    assert errors == []


def test_the_table_holds_every_date_once(series):
    """One row per run of dates with the same figures, named by its first and last date, with the run's figures."""
    from geo.render.timeline import date_range, number

    name, store, pages = series
    html = pages["cdn"].read_text(encoding="utf-8")
    proc = frontline("--layers", store, "area", "kursk", "--all", "--json")
    assert proc.returncode == 0, proc.stderr
    keys = [s["key"] for s in json.loads(re.search(r'id="fl-data">(.*?)</script>', html, re.S).group(1))["statuses"]
            if s["kind"] == "area"]
    want, last = [], None
    for row in json.loads(proc.stdout)["dates"]:
        figures = tuple(round(row["areas_km2"].get(k, 0.0), 3) for k in keys) + (round(row["total_km2"], 3),)
        if figures == last:
            want[-1][1] = row["date"]
        else:
            want.append([row["date"], row["date"], figures])
        last = figures
    got = re.findall(r'<tr><th scope="row">([^<]+)</th>((?:<td>[^<]*</td>)+)</tr>', html)
    assert [g[0].replace("\u00a0", " ") for g in got] == [date_range(a, b) for a, b, _ in want]
    assert [re.findall(r"<td>([^<]*)</td>", g[1]) for g in got] == [[number(v) for v in f] for _, _, f in want]
    table = re.search(r'<details class="fl-figures">.*?</details>', html, re.S).group(0)
    print(f"{name}: {len(got)} rows for {sum(1 for _ in json.loads(proc.stdout)['dates'])} dates, "
          f"the table {len(table.encode()):,} B")


# ---- where the page opens ----------------------------------------------------------------------------------------
def test_it_opens_on_the_peak(series, context):
    name, store, pages = series
    page, errors, _ = open_page(context(width=375), pages["inline"])
    peak = peak_date(store)
    assert page.evaluate("window.frontlineTimeline.date") == peak
    assert page.evaluate("location.hash") == f"#{peak}"
    check_figures(page, store, peak)
    assert errors == []


def test_start_opens_on_the_layer_then_in_force_and_the_hash_wins(context, asset_cache, tmp_path):
    env = {"FRONTLINE_ASSETS": str(asset_cache)}
    out = tmp_path / "start.html"
    proc = frontline("--layers", REPO / "layers", "timeline", "kursk", "--assets", "inline", "--start",
                     "2024-08-10", "-o", out, env=env)
    assert proc.returncode == 0, proc.stderr
    page, errors, _ = open_page(context(), out)
    assert page.evaluate("window.frontlineTimeline.date") == "2024-08-09"  # no layer on the 10th
    check_figures(page, REPO / "layers", "2024-08-09")
    assert "since the peak" not in page.locator("#fl-caption").inner_text()  # the 9th is before the peak
    page2, _, _ = open_page(context(), out, hash_="2025-03-13")
    assert page2.evaluate("window.frontlineTimeline.date") == "2025-03-13"
    assert "since the peak" in page2.locator("#fl-caption").inner_text()
    off, _, _ = open_page(context(java_script_enabled=False), out, live=False)
    assert off.locator("#fl-caption .fl-caption-date").inner_text() == "9 August 2024"
    assert errors == []
    proc = frontline("--layers", REPO / "layers", "timeline", "kursk", "--start", "2024-08-01", "-o", out, env=env)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "before the first layer (2024-08-06)" in proc.stderr


# ---- the map does not trap the page's scroll -----------------------------------------------------------------------
def map_state(page):
    return page.evaluate("(() => { const m = window.frontlineTimeline.map; const c = m.getCenter(); "
                         "return { zoom: m.getZoom(), lat: c.lat, lng: c.lng, y: window.scrollY, "
                         "hint: document.getElementById('fl-map').classList.contains('fl-hint-on') }; })()")


def test_a_plain_wheel_scrolls_the_page_and_ctrl_wheel_zooms_the_map(bundled_pages, context):
    page, errors, _ = open_page(context(width=1280, height=500), bundled_pages["inline"])
    box = page.locator("#fl-map").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 60)
    before = map_state(page)
    page.mouse.wheel(0, 200)
    page.wait_for_function("(y) => window.scrollY > y", arg=before["y"])
    after = map_state(page)
    assert after["zoom"] == before["zoom"] and after["hint"]
    assert "ctrl + scroll" in page.locator(".fl-gesture-hint").inner_text()
    page.evaluate("window.scrollTo(0, 0)")
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.keyboard.down("Control")
    page.mouse.wheel(0, -300)
    page.keyboard.up("Control")
    page.wait_for_function("(z) => window.frontlineTimeline.map.getZoom() > z", arg=before["zoom"])
    assert map_state(page)["y"] == 0
    # the buttons and the keyboard still zoom
    page.wait_for_timeout(500)  # the wheel zoom's animation ends
    z = map_state(page)["zoom"]
    page.click(".leaflet-control-zoom-out")
    page.wait_for_function("(z) => window.frontlineTimeline.map.getZoom() < z", arg=z)
    page.wait_for_timeout(500)
    z = map_state(page)["zoom"]
    page.focus("#fl-map")
    page.keyboard.press("+")
    page.wait_for_function("(z) => window.frontlineTimeline.map.getZoom() > z", arg=z)
    assert errors == []


def touch(cdp, kind, points):
    cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [{"x": x, "y": y} for x, y in points]})


def test_one_finger_scrolls_the_page_and_two_fingers_move_the_map(bundled_pages, context):
    ctx = context(width=375, height=640, has_touch=True, is_mobile=True)
    page, errors, _ = open_page(ctx, bundled_pages["inline"])
    cdp = ctx.new_cdp_session(page)
    box = page.locator("#fl-map").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    before = map_state(page)
    touch(cdp, "touchStart", [(x, y)])
    for step in range(1, 9):
        touch(cdp, "touchMove", [(x, y - 15 * step)])
    assert map_state(page)["hint"]
    assert "two fingers" in page.locator(".fl-gesture-hint").inner_text()
    touch(cdp, "touchEnd", [])
    page.wait_for_timeout(300)
    one = map_state(page)
    assert (one["lat"], one["lng"], one["zoom"]) == (before["lat"], before["lng"], before["zoom"])
    assert one["y"] > before["y"]  # the page scrolled instead
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(100)
    box = page.locator("#fl-map").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    touch(cdp, "touchStart", [(x - 40, y), (x + 40, y)])
    for step in range(1, 9):
        touch(cdp, "touchMove", [(x - 40 + 10 * step, y + 6 * step), (x + 40 + 10 * step, y + 6 * step)])
    touch(cdp, "touchEnd", [])
    page.wait_for_timeout(400)
    two = map_state(page)
    assert (two["lat"], two["lng"]) != (before["lat"], before["lng"])
    assert not two["hint"]
    assert errors == []


# ---- legend, links, keyboard, print --------------------------------------------------------------------------------
def test_the_legend_holds_every_fill(series, context):
    name, store, pages = series
    page, errors, _ = open_page(context(), pages["inline"])
    labels = page.locator(".fl-legend .fl-legend-label").all_inner_texts()
    statuses = json.loads(re.search(r'id="fl-data">(.*?)</script>', pages["inline"].read_text(encoding="utf-8"),
                                    re.S).group(1))["statuses"]
    for st in statuses:
        assert st["label"] in labels
    total = [t for t in labels if t.startswith("Total:")]
    assert len(total) == 1
    fill = page.evaluate("getComputedStyle(document.querySelector('.fl-series-total')).fill")
    swatch = page.evaluate("getComputedStyle(document.querySelector('.fl-swatch-total')).backgroundColor")
    assert re.sub(r"[^\d,]", "", fill).split(",")[:3] == re.sub(r"[^\d,.]", "", swatch).split(",")[:3]
    if page.locator(".fl-chart-event").count():
        assert "Event" in labels
    assert errors == []


def test_links_open_in_a_new_tab_without_an_opener(context, asset_cache, tmp_path):
    """An event's link (the only links from data) opens a new tab, with no opener and no referrer."""
    from common import THEATRE, layer, square

    from geo.render.assets import head_html
    from geo.render.timeline import timeline_data, timeline_html

    dates = ["2024-08-06", "2024-08-07"]
    events = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": None, "properties": {
            "date": d, "title": "t", "text": "x", "source": "src", "url": f"https://example.org/{d}"}}
        for d in dates]}
    data = timeline_data(THEATRE, [{"date": d, "collection": layer(square(35.0, 51.0))} for d in dates],
                         [{"date": d, "areas_km2": {"held": 77.7}, "total_km2": 77.7} for d in dates], events=events)
    path = tmp_path / "links.html"
    path.write_text(timeline_html(data, asset_tags=head_html("inline")), encoding="utf-8")
    for js in (True, False):
        page, errors, _ = open_page(context(java_script_enabled=js), path, live=js)
        links = page.locator("a[href^='http']").all()
        assert len(links) == 2
        for a in links:
            assert a.is_visible()
            assert a.get_attribute("target") == "_blank"
            assert {"noopener", "noreferrer"} <= set((a.get_attribute("rel") or "").split())
        assert errors == []


def test_every_control_and_chart_marker_works_from_the_keyboard(bundled_pages, context):
    page, errors, _ = open_page(context(), bundled_pages["inline"], hash_="2024-08-24")
    import datetime as dt

    dates = page.evaluate("window.frontlineTimeline.dates")
    days = [dt.date.fromisoformat(e["date"]).toordinal()
            for e in json.loads(page.locator("#fl-data").text_content())["events"]]
    # a marker with no other within a week (close markers overlap on the chart; the list below is their door)
    j = next(k for k in range(1, len(days) - 1) if days[k] - days[k - 1] >= 7 and days[k + 1] - days[k] >= 7)
    event_date = dt.date.fromordinal(days[j]).isoformat()
    marker = page.locator(".fl-chart-event").nth(j)
    label = marker.get_attribute("aria-label")
    assert marker.get_attribute("role") == "button" and label.startswith("Event, ")
    page.focus("#fl-slider")
    for _ in range(60):  # Tab from the slider reaches the chart's markers
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('aria-label')") == label:
            break
    else:
        raise AssertionError("Tab never reached the chart marker")
    page.keyboard.press("Enter")
    assert event_date != "2024-08-24"
    assert page.evaluate("window.frontlineTimeline.date") == max(d for d in dates if d <= event_date)
    # the cursor now stands on that marker, drawn over it: a click still reaches the marker
    # the point where the cursor's line crosses the marker belongs to the marker
    assert marker.evaluate("""m => {
      const line = document.querySelector(".fl-cursor-line").getBoundingClientRect();
      const box = m.querySelector(".fl-hit").getBoundingClientRect();
      const x = line.left + line.width / 2, y = box.top + box.height / 2;
      return x > box.left && x < box.right && document.elementFromPoint(x, y).closest(".fl-chart-event") === m;
    }""")
    assert page.locator("#fl-caption").get_attribute("aria-live") == "polite"  # a new date's figures are read
    page.focus("#fl-play")
    page.keyboard.press("Enter")
    assert page.locator("#fl-play .fl-play-label").inner_text() == "Pause"
    assert page.locator("#fl-caption").get_attribute("aria-live") == "off"  # not four dates a second
    page.keyboard.press("Space")
    assert page.locator("#fl-play .fl-play-label").inner_text() == "Play"
    assert page.locator("#fl-caption").get_attribute("aria-live") == "polite"
    page.focus(".fl-event-date >> nth=0")
    page.keyboard.press("Enter")
    assert page.evaluate("window.frontlineTimeline.date") == dates[0]
    assert errors == []


def test_print_hides_the_controls_and_keeps_the_rest(bundled_pages, context, artifacts):
    page, errors, _ = open_page(context(width=794, height=1123), bundled_pages["inline"])
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    page.emulate_media(media="print")
    page.wait_for_timeout(200)
    for hidden in (".fl-controls", "#fl-permalink", ".leaflet-control-zoom"):
        assert not page.locator(hidden).is_visible(), hidden
    for kept in ("#fl-map", "#fl-chart svg", "#fl-caption", "#fl-attribution", ".fl-legend"):
        assert page.locator(kept).is_visible(), kept
    width = page.locator("#fl-map").bounding_box()["width"]
    assert width <= 186 / 25.4 * 96 + 1  # A4 less 12 mm margins, at 96 px an inch
    (artifacts / "timeline").mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / "timeline" / "bundled-print.png"), full_page=True)
    assert errors == []
