"""The map, the change map and the article embed as readers get them: real Chromium at 375, 768 and 1280 px,
JavaScript on and off, the CDN blocked, axe-core and html-validate, print. Every page is served from a loopback
HTTP server; screenshots are kept under ``artifacts/readers/`` and the measured figures are printed (``-s``).

The pages are made by the CLI from the bundled store (``layers/kursk``), as a desk would make them.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "artifacts" / "readers"
WIDTHS = (375, 768, 1280)
HEIGHTS = {375: 812, 768: 1024, 1280: 900}
DATE, SINCE = "2024-08-24", "2024-08-12"


def npm_dir() -> Path:
    return Path(os.environ.get("FRONTLINE_NPM") or REPO / ".assets" / "npm")


def need_tool(path: Path) -> Path:
    if not path.exists():
        reason = f"{path} is missing: scripts/ensure-browser installs axe-core and html-validate"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("CI must run the readers' tests: " + reason)
        pytest.skip(reason)
    return path


@pytest.fixture(scope="module")
def site(tmp_path_factory, run_cli_module):
    """A folder with the map, the change map (inline and CDN), the embed and an article holding its snippet."""
    root = tmp_path_factory.mktemp("site")
    store = root / "layers"
    shutil.copytree(REPO / "layers" / "kursk", store / "kursk", ignore=shutil.ignore_patterns("cache", "lock"))
    L = ("--layers", store)
    # a second source of the same ground for the comparison map: the reconstruction's 13 Sep layer as its 24 Aug
    shutil.copytree(store / "kursk", store / "kursk-b")
    toml = (store / "kursk-b" / "theatre.toml").read_text(encoding="utf-8")
    (store / "kursk-b" / "theatre.toml").write_text(toml.replace(
        'title.en = "Kursk incursion, 2024-2025 (approximate reconstruction)"', 'title.en = "Second source"'),
        encoding="utf-8")
    code, err = run_cli_module(*L, "import", "kursk-b", REPO / "layers" / "kursk" / "2024-09-13.geojson",
                               "--date", DATE, "--source", "https://example.org/second-source")
    assert code == 0, err
    for args in (
                 ("map", "kursk", DATE, "--compare", "kursk-b", "-o", root / "compare.html", "--assets", "inline"),
                 ("timeline", "kursk", "--compare", "kursk-b", "-o", root / "timeline-compare.html",
                  "--assets", "inline"),("map", "kursk", DATE, "-o", root / "map.html", "--assets", "inline"),
                 ("map", "kursk", DATE, "--since", SINCE, "-o", root / "change.html", "--assets", "inline"),
                 ("map", "kursk", DATE, "-o", root / "map-cdn.html"),
                 ("map", "kursk", DATE, "--since", SINCE, "--theme", "dark", "--lang", "uk", "-o",
                  root / "map-dark-uk.html", "--assets", "inline"),
                 ("map", "kursk", DATE, "--theme", "auto", "-o", root / "map-auto.html", "--assets", "inline"),
                 ("timeline", "kursk", "--theme", "dark", "-o", root / "timeline-dark.html", "--assets", "inline"),
                 ("timeline", "kursk", "-o", root / "timeline.html", "--assets", "inline"),
                 ("embed", "kursk", DATE, "--since", SINCE, "-o", root / "embed", "--assets", "inline",
                  "--static", "svg")):
        code, err = run_cli_module(*L, *args)
        assert code == 0, err
    stem = f"kursk-{DATE}-since-{SINCE}"
    snippet = (root / "embed" / f"{stem}.embed.html").read_text(encoding="utf-8")
    article = ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Article</title>"
               "<style>body{font:17px/1.5 Georgia,serif;margin:0 auto;max-width:680px;padding:0 16px}</style>"
               "</head><body><h1>What changed in Kursk</h1>" + "<p>Lorem ipsum dolor sit amet. </p>" * 6
               + snippet + "<p>After the map.</p>" * 20 + "</body></html>")
    (root / "embed" / "article.html").write_text(article, encoding="utf-8")
    return root, stem


@pytest.fixture(scope="module")
def run_cli_module():
    from geo.cli import main

    def run(*args):
        try:
            main([str(a) for a in args])
            return 0, ""
        except SystemExit as exc:
            return (exc.code if isinstance(exc.code, int) else 0), ""

    return run


@pytest.fixture(scope="module")
def server(site):
    root, _ = site
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture
def reader(browser, server):
    """Open a served page as a reader at a width; every request off the loopback server is aborted and kept."""
    contexts = []

    def open_(path, width, *, js=True, bypass_csp=False, wait=".fl-caption"):
        ctx = browser.new_context(viewport={"width": width, "height": HEIGHTS[width]}, java_script_enabled=js,
                                  bypass_csp=bypass_csp)
        contexts.append(ctx)
        log = {"errors": [], "blocked": [], "console": []}

        def route(r):
            if r.request.url.startswith(server):
                r.continue_()
            else:
                log["blocked"].append(r.request.url)
                r.abort()

        ctx.route("**/*", route)
        page = ctx.new_page()
        page.on("pageerror", lambda e: log["errors"].append(str(e)))
        page.on("console", lambda m: log["console"].append((m.type, m.text)))
        page.goto(f"{server}/{path}", wait_until="load")
        page.wait_for_selector(wait, state="attached", timeout=15_000)
        page.wait_for_timeout(300)
        return page, log

    yield open_
    for c in contexts:
        c.close()


def shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


SMALLEST_TEXT = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const n = walker.currentNode;
    if (!n.textContent.trim()) continue;
    const e = n.parentElement;
    const s = getComputedStyle(e);
    if (s.visibility === 'hidden' || s.display === 'none') continue;
    const r = document.createRange(); r.selectNodeContents(n);
    const rects = [...r.getClientRects()].filter(b => b.width > 0 && b.height > 0 && b.bottom > 0 &&
                                                  b.top < innerHeight * 3);
    if (!rects.length) continue;
    let size = parseFloat(s.fontSize);
    const svg = e.closest('svg');
    if (svg && svg.getScreenCTM()) size *= svg.getScreenCTM().a;
    if (e.closest('[aria-hidden=true]') && !svg) continue;
    out.push([size, n.textContent.trim().slice(0, 30)]);
  }
  out.sort((a, b) => a[0] - b[0]);
  return out[0] || [null, ''];
}"""

LABELS = """(sel) => {
  const frame = document.querySelector(sel || '.folium-map').getBoundingClientRect();
  const boxes = [...document.querySelectorAll('.fl-place, .fl-country')]
    .filter(e => getComputedStyle(e).visibility !== 'hidden').map(e => e.getBoundingClientRect());
  const legend = document.querySelector('.fl-legend');
  const over = legend && getComputedStyle(legend).position === 'absolute' ? legend.getBoundingClientRect() : null;
  const underLegend = over ? boxes.filter(a => a.left < over.right && a.right > over.left && a.top < over.bottom
                                             && a.bottom > over.top).length : 0;
  let overlaps = 0, outside = 0;
  boxes.forEach((a, i) => {
    if (a.left < frame.left || a.right > frame.right || a.top < frame.top || a.bottom > frame.bottom) outside++;
    boxes.slice(i + 1).forEach(b => {
      if (a.left < b.right && a.right > b.left && a.top < b.bottom && a.bottom > b.top) overlaps++;
    });
  });
  return {shown: boxes.length, overlaps, outside, underLegend};
}"""


def box(page, selector):
    return page.eval_on_selector(selector, "e => { const r = e.getBoundingClientRect(); "
                                           "return {x: r.x, y: r.y, w: r.width, h: r.height}; }")


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", ["map", "change", "compare"])
def test_map_pages_at_each_width(reader, name, width):
    page, log = reader(f"{name}.html", width)
    page.wait_for_selector("html.fl-live", timeout=10_000)
    shot(page, f"{name}-{width}")
    assert not log["errors"] and not log["blocked"], log
    vw, vh = width, HEIGHTS[width]
    mp = box(page, ".folium-map")
    share = mp["w"] * mp["h"] / (vw * vh)
    title = box(page, ".fl-title")
    line = float(page.eval_on_selector(".fl-title", "e => parseFloat(getComputedStyle(e).lineHeight)"))
    size, text = page.evaluate(SMALLEST_TEXT)
    labels = page.evaluate(LABELS)
    print(f"\n{name} @{width}: map {mp['w']:.0f}x{mp['h']:.0f} px = {share:.0%} of the frame; title "
          f"{title['h'] / line:.1f} lines; smallest text {size:.1f} px ({text!r}); labels {labels}")
    assert mp["h"] >= 200 and share > 0.5
    assert round(title["h"] / line) <= 2
    assert size >= 10, text
    assert labels["shown"] >= 5 and labels["overlaps"] == 0 and labels["outside"] == 0
    assert labels["underLegend"] == 0
    # the static drawing is hidden once Leaflet drew; the legend is off the map on a phone, over it on a desk
    assert page.eval_on_selector(".fl-static", "e => getComputedStyle(e).display") == "none"
    legend = box(page, ".fl-legend")
    if width < 640:
        assert legend["y"] >= mp["y"] + mp["h"] - 1
    else:
        assert legend["y"] < mp["y"] + mp["h"]
    # Leaflet credited as a plain link, no flag; every link opens a new tab
    assert page.locator(".leaflet-attribution-flag, .leaflet-control-attribution").count() == 0
    links = page.eval_on_selector_all("a[href]:not(.leaflet-control-zoom-in):not(.leaflet-control-zoom-out)",
                                      "as => as.map(a => [a.textContent, a.target, a.rel])")
    assert ["Leaflet", "_blank", "noopener"] in links
    assert all(t == "_blank" and "noopener" in r for _, t, r in links), links


def test_country_names_on_either_side_of_the_border(reader):
    page, _ = reader("change.html", 1280)
    page.wait_for_selector("html.fl-live")
    shown = page.eval_on_selector_all(".fl-country", "es => es.filter(e => getComputedStyle(e).visibility "
                                                     "!== 'hidden').map(e => e.textContent)")
    assert sorted(shown) == ["RUSSIA", "UKRAINE"]


@pytest.mark.parametrize("width", (375, 1280))
@pytest.mark.parametrize("name", ["map.html", "change.html", "map-cdn.html"])
def test_without_javascript_the_page_shows_the_static_map(reader, name, width):
    page, log = reader(name, width, js=False)
    shot(page, f"nojs-{name[:-5]}-{width}")
    svg = box(page, ".fl-static-narrow" if width < 640 else ".fl-static-wide")
    assert svg["h"] >= 200 and svg["w"] >= width * 0.8
    for sel in (".fl-title", ".fl-date", ".fl-caption", ".fl-legend", ".fl-sources summary"):
        assert page.locator(sel).first.is_visible(), sel
    caption = page.inner_text(".fl-caption")
    assert "Ukrainian-held: 1,148 km²" in caption
    assert page.title().startswith("Kursk incursion")
    # the static drawing carries labels, every one inside it and none overlapping
    texts = page.eval_on_selector_all(".fl-static svg:not([style*=none]) text", "ts => ts.length")
    assert texts >= 5


@pytest.mark.parametrize("width", (375, 1280))
def test_cdn_blocked_leaves_the_static_map_and_no_error(reader, width):
    page, log = reader("map-cdn.html", width)
    shot(page, f"nocdn-map-{width}")
    assert any("cdn.jsdelivr.net" in u for u in log["blocked"])
    assert not log["errors"], log["errors"]
    assert page.eval_on_selector("html", "e => e.classList.contains('fl-live')") is False
    assert box(page, ".fl-static")["h"] >= 200
    assert page.locator(".fl-caption").is_visible()


@pytest.mark.parametrize("width", (375, 1280))
@pytest.mark.parametrize("name", ["map.html", "change.html", "compare.html", "embed/article.html",
                                  "map-dark-uk.html", "timeline-dark.html"])
def test_axe_reports_no_serious_or_critical_violation(reader, name, width):
    axe = need_tool(npm_dir() / "node_modules" / "axe-core" / "axe.min.js")
    page, _ = reader(name, width, bypass_csp=True, wait="body")
    page.wait_for_timeout(500)
    page.add_script_tag(path=str(axe))
    result = page.evaluate("async () => { const r = await axe.run(document, {iframes: true}); "
                           "return r.violations.map(v => [v.id, v.impact, v.nodes.length]); }")
    print(f"\naxe {name} @{width}: {result}")
    assert [v for v in result if v[1] in ("serious", "critical")] == []


def test_html_validate_finds_no_error(site):
    tool = need_tool(npm_dir() / "node_modules" / "html-validate" / "bin" / "html-validate.mjs")
    root, stem = site
    config = REPO / "tests" / "browser" / "htmlvalidate.json"
    files = [root / "map.html", root / "change.html", root / "compare.html", root / "map-cdn.html",
             root / "map-dark-uk.html", root / "map-auto.html", root / "embed" / f"{stem}.html"]
    r = subprocess.run(["node", str(tool), "--config", str(config), "--formatter", "json", *map(str, files)],
                       capture_output=True, text=True, timeout=120)
    report = json.loads(r.stdout or "[]")
    errors = [(Path(f["filePath"]).name, m["ruleId"], m["message"]) for f in report for m in f["messages"]
              if m["severity"] == 2]
    print(f"\nhtml-validate: {len(errors)} errors over {len(files)} pages")
    assert errors == [] and r.returncode == 0, errors[:10]


@pytest.mark.parametrize("width", WIDTHS)
def test_article_embed_takes_the_height_its_page_asks_for(reader, site, width):
    _, stem = site
    page, log = reader("embed/article.html", width, wait="iframe")
    frame_el = page.locator("iframe[data-frontline]")
    frame_el.scroll_into_view_if_needed()
    frame = page.frame_locator("iframe[data-frontline]")
    frame.locator("html.fl-live").wait_for(state="attached", timeout=15_000)
    page.wait_for_timeout(400)
    fb = box(page, "iframe[data-frontline]")
    inner = page.frames[1]
    natural = inner.evaluate("() => frontline.naturalHeight(document.querySelector('.fl-mapbox'))")
    scroll = inner.evaluate("() => [document.documentElement.scrollHeight, document.documentElement.clientHeight]")
    mp = inner.evaluate("() => { const r = document.querySelector('.folium-map').getBoundingClientRect(); "
                        "return [r.width, r.height]; }")
    frame_el.screenshot(path=str(ARTIFACTS / f"article-embed-{width}.png"))
    print(f"\narticle @{width}: frame {fb['w']:.0f}x{fb['h']:.0f} (asked {natural}), map {mp[0]:.0f}x{mp[1]:.0f} "
          f"= {mp[1] / fb['h']:.0%} of the frame's height")
    assert abs(fb["h"] - natural) <= 2
    assert scroll[0] <= scroll[1] + 1, "the frame scrolls inside: its page is taller than the frame"
    assert mp[1] >= 200 and mp[1] > fb["h"] / 2


def test_article_embed_without_javascript_shows_one_map(reader, site):
    page, _ = reader("embed/article.html", 375, js=False, wait="iframe")
    page.locator("iframe").scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    shot(page, "article-nojs-375")
    assert page.locator("img, noscript").count() == 0  # no second, fallback copy beside the frame
    inner = page.frames[1]
    svg = inner.evaluate("() => { const r = document.querySelector('.fl-static-narrow').getBoundingClientRect(); "
                         "return r.height; }")
    assert svg >= 200
    # without the loader the frame keeps its own size: the caption and the sources still show in it, unscrolled
    bottom, frame_h = inner.evaluate("() => [document.querySelector('.fl-sources').getBoundingClientRect().bottom, "
                                     "innerHeight]")
    assert bottom <= frame_h, (bottom, frame_h)


def test_loader_ignores_messages_from_other_windows(reader):
    page, _ = reader("embed/article.html", 375, wait="iframe")
    page.wait_for_timeout(800)
    before = box(page, "iframe[data-frontline]")["h"]
    page.evaluate("window.postMessage({'frontline-height': {x: 3000}}, '*')")  # the article itself, not the frame
    page.wait_for_timeout(200)
    assert box(page, "iframe[data-frontline]")["h"] == before


def test_wheel_scrolls_the_page_and_ctrl_wheel_zooms_the_map(reader):
    page, _ = reader("map.html", 1280)
    page.wait_for_selector("html.fl-live")
    name = page.eval_on_selector(".folium-map", "e => e.id")
    zoom = page.evaluate(f"() => {name}.getZoom()")
    page.mouse.move(640, 400)
    page.mouse.wheel(0, -300)
    page.wait_for_timeout(200)
    assert page.evaluate(f"() => {name}.getZoom()") == zoom
    assert "fl-show" in page.get_attribute(".fl-hint", "class")
    assert "ctrl" in page.inner_text(".fl-hint")
    page.keyboard.down("Control")
    page.mouse.wheel(0, -300)
    page.keyboard.up("Control")
    page.wait_for_timeout(400)
    assert page.evaluate(f"() => {name}.getZoom()") > zoom


def test_print_shows_the_static_map_and_no_controls(reader):
    page, _ = reader("change.html", 1280)
    page.wait_for_selector("html.fl-live")
    page.emulate_media(media="print")
    assert page.eval_on_selector(".fl-static-wide", "e => getComputedStyle(e).display") == "block"
    assert page.eval_on_selector(".folium-map", "e => getComputedStyle(e).display") == "none"
    assert page.eval_on_selector(".fl-static", "e => e.getBoundingClientRect().height") >= 300
    pdf = ARTIFACTS / "change-print.pdf"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.pdf(path=str(pdf), format="A4")
    assert pdf.stat().st_size > 10_000


def test_embed_png_and_svg_are_still_images_with_the_whole_attribution(site, reader):
    from PIL import Image

    root, stem = site
    png = Image.open(root / "embed" / f"{stem}.png")
    html = (root / "embed" / f"{stem}.html").read_text(encoding="utf-8")
    assert png.size[0] == 1200 and png.size[1] >= 900
    assert f'<meta property="og:image" content="{stem}.card.png">' in html
    assert Image.open(root / "embed" / f"{stem}.card.png").size == (1200, 630)
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    # what the screenshot sets: no controls, no hint, the sources whole
    page, _ = reader(f"embed/{stem}.html", 1280)
    page.wait_for_selector("html.fl-live")
    page.evaluate("document.documentElement.classList.add('fl-static-shot');"
                  "document.querySelectorAll('.fl-sources').forEach(d => d.open = true)")
    assert page.eval_on_selector(".leaflet-control-zoom", "e => getComputedStyle(e).display") == "none"
    assert page.locator(".fl-attr li").last.is_visible()
    svg = (root / "embed" / f"{stem}.svg").read_text(encoding="utf-8")
    assert svg.startswith("<?xml") and "<script" not in svg
    import html as html_lib
    import re

    words = " ".join(html_lib.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg))
    for line in ("State border: Natural Earth (public domain)", "Town positions: GeoNames (CC BY 4.0)"):
        assert line in words


def test_comparison_map_shows_both_sources_and_their_figures(reader):
    page, log = reader("compare.html", 1280)
    page.wait_for_selector("html.fl-live")
    assert page.locator("path.fl-both").count() == 1 and page.locator("path.fl-only_a").count() >= 1
    legend = page.inner_text(".fl-legend")
    assert "Both sources" in legend and "Only Second source" in legend
    caption = page.inner_text(".fl-caption")
    assert "both sources:" in caption and "agreement (IoU):" in caption
    credits = page.eval_on_selector_all(".fl-attr li", "ls => ls.map(l => l.textContent)")
    assert any(c.startswith("Second source: Layer 2024-08-24") for c in credits)
    assert not log["errors"]


def test_timeline_draws_the_second_source_on_the_chart(reader):
    page, log = reader("timeline-compare.html", 1280, wait="#fl-chart svg")
    assert page.locator("polyline.fl-series-compare").count() == 1
    assert "Total of Second source" in page.inner_text(".fl-legend")
    shot(page, "timeline-compare-1280")
    assert not log["errors"]


@pytest.mark.parametrize("width", (375, 1280))
def test_dark_and_ukrainian_pages_as_readers_see_them(reader, width):
    page, log = reader("map-dark-uk.html", width)
    page.wait_for_selector("html.fl-live")
    shot(page, f"map-dark-uk-{width}")
    bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert bg == "rgb(21, 23, 26)"
    assert page.get_attribute("html", "lang") == "uk"
    assert "серпня 2024" in page.inner_text(".fl-date") and "км²" in page.inner_text(".fl-caption")
    assert page.evaluate("getComputedStyle(document.querySelector('path.fl-gained')).fill") == "rgb(224, 224, 255)"
    nojs, _ = reader("map-dark-uk.html", width, js=False)
    shot(nojs, f"map-dark-uk-nojs-{width}")
    assert nojs.evaluate("getComputedStyle(document.querySelector('.fl-svg-bg')).fill") == "rgb(35, 38, 43)"
    tl, log2 = reader("timeline-dark.html", width, wait="#fl-chart svg")
    shot(tl, f"timeline-dark-{width}")
    assert tl.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(21, 23, 26)"
    assert not log["errors"] and not log2["errors"]


def test_auto_theme_follows_the_readers_system(browser, server):
    for scheme, want in (("dark", "rgb(21, 23, 26)"), ("light", "rgb(255, 255, 255)")):
        ctx = browser.new_context(viewport={"width": 375, "height": 812}, color_scheme=scheme)
        page = ctx.new_page()
        page.goto(f"{server}/map-auto.html")
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == want
        ctx.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_timeline_labels_never_overlap_nor_leave_the_map(reader, width):
    page, log = reader("timeline.html", width, wait="#fl-chart svg")
    page.wait_for_selector("html.fl-live")
    page.wait_for_timeout(300)
    labels = page.evaluate(LABELS, "#fl-map")
    print(f"\ntimeline @{width}: labels {labels}")
    assert labels["shown"] >= 5 and labels["overlaps"] == 0 and labels["outside"] == 0
    countries = page.eval_on_selector_all(".fl-country", "es => es.filter(e => getComputedStyle(e).visibility "
                                                         "!== 'hidden').map(e => e.textContent)")
    assert "UKRAINE" in countries
    assert not log["errors"]
