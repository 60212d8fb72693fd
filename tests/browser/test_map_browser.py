"""What a reader sees, in real Chromium: self-contained pages (assets inline, no tiles), no request off the file."""

from __future__ import annotations

import json

import pytest
from render.helpers import (
    ARTIFACTS,
    PAYLOADS,
    change_inputs,
    hostile_inputs,
    need_real_data,
    real_inputs,
    small_inputs,
)

from geo.render.mapping import build_map, render_html
from geo.render.safe import clean_text

pytestmark = pytest.mark.browser


def inline_page(asset_dir, **kw) -> tuple[str, dict]:
    m = build_map(**kw, assets="inline", assets_dir=asset_dir)
    return render_html(m), m.payload


def count(page, selector: str) -> int:
    return page.eval_on_selector_all(selector, "els => els.length")


def texts(page, selector: str) -> list[str]:
    return page.eval_on_selector_all(selector, "els => els.map(e => e.textContent)")


def shoot(page, name: str):
    (ARTIFACTS / "browser").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser" / name))


@pytest.mark.realdata
def test_real_layer_drawn(open_page, asset_dir):
    need_real_data()
    html, p = inline_page(asset_dir, **real_inputs())
    page, log = open_page(html, size=(1000, 750), name="kursk-2024-08-24.html")
    for key in ("ua_controlled", "grey_zone", "contact_line"):
        expected = sum(1 for f in p["features"] if f["s"] == key)
        assert expected > 0 and count(page, f"path.fl-s-{key}") == expected, key
    # the contact line is a line: stroked, never filled
    fills = page.eval_on_selector_all("path.fl-s-contact_line", "els => els.map(e => e.getAttribute('fill'))")
    assert fills and set(fills) == {"none"}
    assert count(page, "path.fl-border") == 1 and count(page, "path.fl-outlines") == 1
    legend = " | ".join(texts(page, ".fl-legend .fl-li"))
    assert "Ukrainian-held 830 km²" in legend and "Contested 423 km²" in legend and "Front line" in legend
    assert texts(page, ".fl-caption") == [p["caption"]]
    assert p["caption"].startswith("Ukrainian-held: 830 km² · Contested: 423 km²")
    assert texts(page, ".fl-title") == ["Kursk incursion, 2024-2025"]
    assert texts(page, ".fl-date") == ["24 Aug 2024"]
    assert "Sudzha" in texts(page, ".leaflet-tooltip.fl-place")
    assert count(page, ".leaflet-control-scale-line") == 1
    attr = texts(page, ".fl-attr")[0]
    assert "DeepStateMap" in attr and "Layer 2024-08-24 v1: https://github.com/DanielRose2310" in attr
    page.hover("path.fl-s-ua_controlled >> nth=0")
    tip = texts(page, ".leaflet-tooltip:not(.fl-place)")
    assert tip and tip[0].startswith("Ukrainian-held") and tip[0].endswith("km²")
    page.mouse.move(5, 300)
    shoot(page, "kursk-2024-08-24.png")
    # the compact geometry in the page unpacks to exactly the payload's GeoJSON (every vertex, 1e-5 degree)
    drawn = page.evaluate("""() => {
        const d = frontline.payload(document.querySelector('script[id^="fl-data-"]').id);
        return d.features.map(f => frontline.unpack(f.g)).concat(
            [frontline.unpack(d.context.border), frontline.unpack(d.context.outlines)]);
    }""")
    want = [f["g"] for f in p["features"]] + [p["context"]["border"], p["context"]["outlines"]]
    assert [flat_positions(g) for g in drawn] == [flat_positions(g) for g in want]
    assert sum(len(flat_positions(g)) for g in drawn) > 400
    assert log.problems() == []
    assert log.requests == [page.url]


def flat_positions(g) -> list:
    """Every (lon, lat) of a GeoJSON geometry, parts in order, rings closed (Multi* and single alike)."""
    t, c = g["type"], g.get("coordinates")
    if t == "GeometryCollection":
        return [p for sub in g["geometries"] for p in flat_positions(sub)]
    depth = {"Point": 0, "LineString": 1, "Polygon": 2, "MultiLineString": 2, "MultiPolygon": 3}[t]
    for _ in range(depth - 1):
        c = [p for part in c for p in part]
    return [tuple(p) for p in c]


def test_change_map_drawn(open_page, asset_dir):
    html, p = inline_page(asset_dir, **change_inputs())
    page, log = open_page(html)
    assert count(page, "path.fl-gained") == 1 and count(page, "path.fl-lost") == 1
    dash = page.eval_on_selector_all("path.fl-lost", "els => els.map(e => e.getAttribute('stroke-dasharray'))")
    assert dash == ["5 4"]  # lost: dashed; gained: solid, another colour
    colours = page.eval_on_selector_all("path.fl-change", "els => els.map(e => e.getAttribute('fill'))")
    assert len(set(colours)) == 2
    legend = texts(page, ".fl-legend .fl-li")
    assert "Gained since 25 Aug 2024 12.5 km²" in legend and "Lost since 25 Aug 2024 3.2 km²" in legend
    assert texts(page, ".fl-date") == ["25 Aug → 1 Sep 2024"]
    assert texts(page, ".fl-caption") == [p["caption"]]
    page.hover("path.fl-gained")
    assert texts(page, ".leaflet-tooltip:not(.fl-place):not(.fl-country)") == ["Gained since 25 Aug 202412.5 km²"]
    shoot(page, "demo-change.png")
    assert log.problems() == [] and log.requests == [page.url]


def test_fixed_size_and_links(open_page, asset_dir):
    html, _ = inline_page(asset_dir, **small_inputs(width=500, height=400))
    page, log = open_page(html, size=(800, 600))
    box = page.eval_on_selector("body", "b => [b.offsetWidth, b.offsetHeight]")
    assert box == [500, 400]
    hrefs = page.eval_on_selector_all(".fl-attr a", "els => els.map(e => [e.href, e.rel, e.target])")
    assert hrefs == [["https://example.org/data/2024-09-01.geojson", "noopener", "_blank"],
                     ["https://leafletjs.com/", "noopener", "_blank"]]
    assert log.problems() == []


@pytest.mark.parametrize("text", PAYLOADS, ids=[f"p{i}" for i in range(len(PAYLOADS))])
def test_hostile_text_is_shown_literally_and_never_runs(open_page, asset_dir, text):
    html, p = inline_page(asset_dir, **hostile_inputs(text))
    page, log = open_page(html)
    page.wait_for_timeout(50)
    shown = clean_text(text)
    assert texts(page, ".fl-title") == [shown]
    labels = texts(page, ".fl-legend .fl-li .fl-t")
    assert labels[:3] == [shown, clean_text("2 " + text), clean_text("3 " + text)]
    assert texts(page, ".leaflet-tooltip.fl-place") == [clean_text(text, max_len=120)] * 2
    credits = texts(page, ".fl-attr li")
    assert credits[0] == shown and credits[1] == "Layer 2024-09-01 v1: " + shown
    assert credits[2] == "Note: " + shown
    # no element came from the text: no images, frames, extra scripts or styles, and no javascript: link
    assert count(page, "img, iframe, object, embed, svg[onload]") == 0
    benign, _ = inline_page(asset_dir, **hostile_inputs("Plain words"))
    ref, _ = open_page(benign, name="benign.html")
    assert count(page, "script") == count(ref, "script") and count(page, "style") == count(ref, "style")
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    assert not any(h.lower().startswith(("javascript:", "data:")) for h in hrefs)
    assert all(h.startswith(("http:", "https:")) for h in
               page.eval_on_selector_all(".fl-head a, .fl-foot a, .fl-legend a", "els => els.map(e => e.href)"))
    page.hover("path.fl-s-held >> nth=0")
    tip = texts(page, ".leaflet-tooltip:not(.fl-place)")
    assert tip and tip[0].startswith(shown[:200])
    assert page.evaluate("typeof window.__pwned") == "undefined"
    if text == PAYLOADS[1]:
        shoot(page, "hostile.png")
    assert log.dialogs == [] and log.errors == []
    assert log.problems() == [] and log.requests == [page.url]
    assert json.loads(json.dumps(p["title"])) == shown


def test_policy_stops_script_injected_after_load(open_page, asset_dir):
    html, _ = inline_page(asset_dir, **small_inputs())
    page, log = open_page(html)
    assert log.problems() == []
    page.evaluate("""() => {
        document.body.insertAdjacentHTML('beforeend', '<img src="x" onerror="window.__pwned = 1">');
        const s = document.createElement('script'); s.textContent = 'window.__pwned = 2';
        document.body.appendChild(s);
    }""")
    page.wait_for_timeout(100)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert any("Content Security Policy" in m for _, m in log.console)
