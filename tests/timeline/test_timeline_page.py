"""The timeline page by content: payload, dedup, escaping, assets, determinism, and the CLI's exit codes."""

from __future__ import annotations

import json
import re

import pytest
from common import EMPTY, LINE, THEATRE, layer, square
from hypothesis import example, given, settings
from hypothesis import strategies as st

from geo.errors import InvalidInput
from geo.render.packing import page_data
from geo.render.safe import script_json
from geo.render.timeline import date_shapes, dates_of, display_source, encode_part, timeline_data, timeline_html
from geo.store import Store
from geo.theatre import Status, Theatre

from .conftest import frontline

PAYLOADS = ('<img src=x onerror=alert(1)>', '</script><script>alert(2)</script>', "{{ 7*7 }}", "{% raw %}",
            "\u2028\u2029", "a\u202eb", '" onmouseover="alert(3)', "&amp;&lt;")
BAD_URLS = ("javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "//evil.example/x", " https://x.org",
            "https://x.org/<script>")
EVIL = PAYLOADS[0] + PAYLOADS[1] + PAYLOADS[2]
# a square of 11.1 km x 7 km, about 77.7 km²; the areas below are what geo.area gives to 0.1 km²
SQ = layer(square(35.0, 51.0), square(35.2, 51.0, status="contested"), LINE)


def rows(dates, km2=(77.7, 77.7)):
    return [{"date": d, "areas_km2": {"held": km2[0], "contested": km2[1]}, "total_km2": km2[0] + km2[1]}
            for d in dates]


def layers(dates, collection=SQ, source="/home/ed/daily/x.geojson"):
    return [{"date": d, "collection": collection, "version": 1, "source": source} for d in dates]


CDN_TAGS = ('<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css" '
            'integrity="sha384-x" crossorigin="anonymous">\n'
            '<script src="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js" integrity="sha384-y" '
            'crossorigin="anonymous"></script>')


# ---- the payload ------------------------------------------------------------------------------------------------
def test_identical_days_share_one_frame_and_shapes():
    dates = ["2024-08-06", "2024-08-07", "2024-08-08", "2024-08-10"]
    data = timeline_data(THEATRE, layers(dates), rows(dates))
    assert data["at"] == [0, 0, 0, 0]
    assert len(data["frames"]) == 1
    assert len(data["shapes"]) == 3  # two squares, one line
    assert data["show"] == [[0, 0, 1, 2]]  # shown on the first date, never changed after
    assert data["steps"] == [0, 1, 1, 2]
    assert dates_of(data) == dates
    assert all(date_shapes(data, i) == date_shapes(data, 0) for i in range(4))


def ring_key(ring):
    """A ring up to rotation and orientation (its smallest rotation either way round)."""
    out = []
    for p in ring:
        if not out or tuple(p) != out[-1]:
            out.append(tuple(p))
    if len(out) > 1 and out[0] == out[-1]:
        out.pop()
    low = min(out)  # the rotations that start at the smallest vertex, either way round: the least of them
    return min(tuple(seq[i:] + seq[:i]) for seq in (out, out[::-1]) for i in range(len(seq)) if seq[i] == low)


def grid(ring):
    return [(round(x * 1e5), round(y * 1e5)) for x, y in ring]


def test_a_moving_boundary_is_shipped_once_and_each_date_rebuilds_exactly():
    """A square whose east side bulges further each day: the unchanged sides are one arc for every date, each
    day adds only its new stretch, and every date rebuilds to its own ring."""
    def bulged(k):
        ring = [[35.0, 51.0], [35.1, 51.0]] + [[35.1 + 0.01 * k, 51.0 + 0.02 * j] for j in range(1, 5)] + \
            [[35.1, 51.1], [35.0, 51.1], [35.0, 51.0]]
        return {"type": "Feature", "properties": {"status": "held"},
                "geometry": {"type": "Polygon", "coordinates": [ring]}}
    dates = [f"2024-08-{d:02d}" for d in range(6, 16)]
    lys = [{"date": d, "collection": layer(bulged(k + 1))} for k, d in enumerate(dates)]
    data = timeline_data(THEATRE, lys, rows(dates))
    vertices = sum(len(a) // 2 for a in data["arcs"])
    assert vertices < 10 * 9  # less than a ring a day: the still sides are shared
    assert len(data["shapes"]) == len(dates)
    # later days: mostly edits of the day before (a shape is written whole where that is shorter)
    assert sum(len(e) == 4 and e[2] == k - 1 for k, e in enumerate(data["shapes"])) >= len(dates) // 2
    for k, _ in enumerate(dates):
        (shape,) = date_shapes(data, k)
        want = grid(lys[k]["collection"]["features"][0]["geometry"]["coordinates"][0])
        assert shape[:2] == (0, "P") and ring_key(shape[2][0]) == ring_key(want)


def test_a_repeated_layer_costs_a_few_bytes_a_date():
    one = script_json(timeline_data(THEATRE, layers(["2024-08-06"]), rows(["2024-08-06"])))
    dates = [f"2024-08-{d:02d}" for d in range(6, 31)]
    many = script_json(timeline_data(THEATRE, layers(dates), rows(dates)))
    assert (len(many) - len(one)) / (len(dates) - 1) <= 6


def test_an_empty_layer_is_a_frame_with_nothing_and_zero():
    data = timeline_data(THEATRE, layers(["2024-08-06"], EMPTY) + layers(["2024-08-07"]),
                         rows(["2024-08-06"], (0.0, 0.0)) + rows(["2024-08-07"]))
    assert date_shapes(data, 0) == [] and len(date_shapes(data, 1)) == 3
    assert data["frames"][data["at"][0]]["km2"] == [0.0, 0.0, 0.0]
    assert data["peak"] == 1


def test_the_page_opens_on_the_peak_or_on_the_layer_in_force_at_start():
    dates = ["2024-08-06", "2024-08-07", "2024-08-10", "2024-08-12"]
    areas = [(0.0, 0.0), (77.7, 77.7), (77.7, 0.0), (77.7, 77.7)]  # the peak: the first of two equal largest
    rows_ = [row for d, a in zip(dates, areas, strict=True) for row in rows([d], a)]
    assert timeline_data(THEATRE, layers(dates), rows_)["open"] == 1
    assert timeline_data(THEATRE, layers(dates), rows_, start="2024-08-11")["open"] == 2  # no layer on the 11th
    assert timeline_data(THEATRE, layers(dates), rows_, start="2030-01-01")["open"] == 3
    assert timeline_data(THEATRE, layers(dates), rows_, start="2024-08-06")["open"] == 0
    with pytest.raises(InvalidInput, match=r"start date 2024-08-05 is before the first layer \(2024-08-06\)"):
        timeline_data(THEATRE, layers(dates), rows_, start="2024-08-05")


def test_the_bounds_are_those_of_the_ground_not_of_the_lines():
    """A contact line can run far beyond the held ground (a whole front): the map fits the areas."""
    far = {"type": "Feature", "properties": {"status": "front"},
           "geometry": {"type": "LineString", "coordinates": [[30.0, 45.0], [35.1, 51.05]]}}
    data = timeline_data(THEATRE, layers(["2024-08-06"], layer(square(35.0, 51.0), far)), rows(["2024-08-06"]))
    w, s, e, n = data["bounds"]
    assert w == 3500000 and s == 5100000 and e > 3500000 and n > 5100000
    lines_only = timeline_data(THEATRE, layers(["2024-08-06"], layer(far)), rows(["2024-08-06"]))
    assert lines_only["bounds"][:2] == [3000000, 4500000]


def test_lines_are_drawn_not_measured():
    data = timeline_data(THEATRE, layers(["2024-08-06"]), rows(["2024-08-06"]))
    kinds = {(data["statuses"][p[0]]["key"], p[1]) for p in data["shapes"]}
    assert kinds == {("held", "P"), ("contested", "P"), ("front", "L")}
    assert [data["statuses"][i]["key"] for i in data["area_statuses"]] == ["held", "contested"]
    assert len(data["frames"][0]["km2"]) == 3  # held, contested, their union; never the line


def test_the_same_part_from_another_start_vertex_is_stored_once():
    a = square(35.0, 51.0)
    b = json.loads(json.dumps(a))
    ring = b["geometry"]["coordinates"][0]
    b["geometry"]["coordinates"][0] = ring[2:-1] + ring[:3]
    data = timeline_data(THEATRE, layers(["2024-08-06"], layer(a)) + layers(["2024-08-07"], layer(b)),
                         rows(["2024-08-06", "2024-08-07"]))
    assert len(data["shapes"]) == 1 and data["show"] == [[0, 0]]
    # the other way round too
    b["geometry"]["coordinates"][0] = b["geometry"]["coordinates"][0][::-1]
    data = timeline_data(THEATRE, layers(["2024-08-06"], layer(a)) + layers(["2024-08-07"], layer(b)),
                         rows(["2024-08-06", "2024-08-07"]))
    assert len(data["shapes"]) == 1 and len(data["arcs"]) == 1


def test_neighbours_share_their_boundary_and_holes_come_back():
    """Two squares side by side (their common side one arc, walked both ways) and a square with a hole."""
    holed = square(35.5, 51.0, d=0.3)
    holed["geometry"]["coordinates"].append([[35.6, 51.1], [35.6, 51.2], [35.7, 51.2], [35.7, 51.1], [35.6, 51.1]])
    lay = layer(square(35.0, 51.0), square(35.1, 51.0, status="contested"), holed)
    data = timeline_data(THEATRE, layers(["2024-08-06"], lay), rows(["2024-08-06"]))
    assert len(data["arcs"]) == 4  # the first square, the second's three other sides, the holed one's two rings
    got = sorted((s, k, [ring_key(r) for r in rings]) for s, k, rings in date_shapes(data, 0))
    want = sorted((0 if f["properties"]["status"] == "held" else 1, "P",
                   [ring_key(grid(r)) for r in f["geometry"]["coordinates"]]) for f in lay["features"])
    assert got == want


def test_coordinates_are_quantised_to_1e5_degree_lon_first():
    f = square(35.123456789, 51.987654321, d=0.01)
    data = timeline_data(THEATRE, layers(["2024-08-06"], layer(f)), rows(["2024-08-06"]))
    arc = data["arcs"][0]
    xs = [sum(arc[0:i + 1:2]) for i in range(0, len(arc), 2)]
    ys = [sum(arc[1:i + 2:2]) for i in range(0, len(arc), 2)]
    assert min(xs) == 3512346 and min(ys) == 5198765  # lon first, 1e-5 degree units
    (ring,) = date_shapes(data, 0)[0][2]
    assert min(ring) == (3512346, 5198765)


def test_refusals_name_the_problem():
    with pytest.raises(InvalidInput, match="no dated layers"):
        timeline_data(THEATRE, [], [])
    with pytest.raises(InvalidInput, match="no areas for 2024-08-07"):
        timeline_data(THEATRE, layers(["2024-08-07"]), rows(["2024-08-06"]))
    with pytest.raises(InvalidInput, match="not in the vocabulary"):
        timeline_data(THEATRE, layers(["2024-08-06"], layer(square(35, 51, status="nope"))), rows(["2024-08-06"]))
    with pytest.raises(InvalidInput, match="two layers"):
        timeline_data(THEATRE, layers(["2024-08-06", "2024-08-06"]), rows(["2024-08-06"]))
    with pytest.raises(InvalidInput, match="https"):
        timeline_data(THEATRE, layers(["2024-08-06"]), rows(["2024-08-06"]), tiles={"url": "http://x/{z}/{x}/{y}"})


def event(date, title="Sudzha taken", url="https://example.org/a", point=(35.27056, 51.19139), **props):
    return {"type": "Feature", "properties": {"date": date, "title": title, "text": "text", "source": "src",
                                              "url": url, **props},
            "geometry": {"type": "Point", "coordinates": list(point)} if point else None}


def test_events_inside_the_range_sorted_links_http_only():
    evs = {"type": "FeatureCollection", "features": [
        event("2024-08-07", "b"), event("2024-08-06", "a", url=BAD_URLS[0], point=None),
        event("2024-08-05", "before"), event("2024-09-01", "after"), event("2024-02-30", "no such day"),
        event("nonsense"), event("2024-08-07", "bad point", point=(500, 51)), "not a feature"]}
    dates = ["2024-08-06", "2024-08-07"]
    data = timeline_data(THEATRE, layers(dates), rows(dates), events=evs)
    assert [e["title"] for e in data["events"]] == ["a", "b", "bad point"]
    assert data["events"][0]["url"] is None and data["events"][0]["point"] is None
    assert data["events"][1]["url"] == "https://example.org/a"
    assert data["events"][1]["point"] == [3527056, 5119139]
    assert data["events"][2]["point"] is None


def test_sources_never_show_a_file_path():
    assert display_source("/home/ed/secret/daily/2024-08-24.geojson") == ""
    assert display_source("C:\\Users\\ed\\x.geojson") == ""
    assert display_source("x.gpkg") == ""
    assert display_source("https://deepstatemap.live/en") == "https://deepstatemap.live/en"
    assert display_source("DeepStateMap daily") == "DeepStateMap daily"
    data = timeline_data(THEATRE, layers(["2024-08-06"]), rows(["2024-08-06"]))
    assert data["sources"] == [""]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(-2000, 2000), st.integers(-2000, 2000)), min_size=2, max_size=30))
@example([(0, 0), (1, 1)])
def test_delta_encoding_round_trips(offsets):
    import shapely

    coords = [(35 + x * 1e-5, 51 + y * 1e-5) for x, y in offsets]
    kind, (flat,) = encode_part(shapely.LineString(coords))
    x = y = 0
    back = []
    for i in range(0, len(flat), 2):
        x += flat[i]
        y += flat[i + 1]
        back.append((x, y))
    assert kind == "L"
    assert back == [(3500000 + dx, 5100000 + dy) for dx, dy in offsets]


# ---- the page ---------------------------------------------------------------------------------------------------
def evil_inputs():
    t = Theatre("demo", EVIL, (Status("held", EVIL, "#1f6fb4"), Status("contested", PAYLOADS[3], "#9e9e9e"),
                               Status("front", PAYLOADS[4] + PAYLOADS[5], "#d62728", "line")),
                attribution=(EVIL, PAYLOADS[6] + PAYLOADS[7]))
    evs = {"type": "FeatureCollection", "features": [
        event("2024-08-06", EVIL, url=u, text=EVIL, source=EVIL) for u in BAD_URLS]
        + [event("2024-08-07", PAYLOADS[2], url="https://example.org/ok?a=1&b=2", source=PAYLOADS[1])]}
    ctx = {"settlements": {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": EVIL}, "geometry": {"type": "Point", "coordinates": [35.1, 51.1]}}]}}
    dates = ["2024-08-06", "2024-08-07"]
    return timeline_data(t, layers(dates, source=EVIL), rows(dates), events=evs, context=ctx)


def test_no_payload_reaches_the_page_as_markup():
    html = timeline_html(evil_inputs(), asset_tags=CDN_TAGS)
    assert "<img" not in html and "<script>alert" not in html  # only as escaped text
    assert html.count("<script") == 3  # Leaflet, the data blob, our JS
    assert html.count("</script>") == 3
    assert "{{" not in html and "{%" not in html and "\u2028" not in html and "\u2029" not in html
    assert "onmouseover=\"alert" not in html
    data = page_data(html)
    assert data["title"] == EVIL  # literal text, restored by JSON.parse, shown with textContent
    assert data["events"][-1]["title"] == PAYLOADS[2]
    # the one http(s) link, escaped in its attribute; the others are shown as text, never as links
    assert re.findall(r'<a [^>]*href="(http[^"]*)"', html) == ["https://example.org/ok?a=1&amp;b=2"]
    assert html.count('<li class="fl-event') == len(BAD_URLS) + 1


def test_template_text_is_never_evaluated():
    html = timeline_html(evil_inputs(), asset_tags=CDN_TAGS)
    assert ">49<" not in html and '"49"' not in html
    assert "&#123;&#123; 7*7 &#125;&#125;" in html  # the <title>, escaped
    assert "\\u007b{ 7*7 }}" in html  # the blob, as a JSON escape


def test_our_js_never_writes_html():
    from importlib import resources

    js = resources.files("geo.render").joinpath("timeline.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function",
                 "setTimeout(\"", "bindPopup(\"", "bindTooltip(\""):
        assert sink not in js, sink


def test_only_leaflet_and_our_js_with_sri_in_cdn_mode(asset_cache):
    from geo.render.assets import head_html

    html = timeline_html(timeline_data(THEATRE, layers(["2024-08-06"]), rows(["2024-08-06"])),
                         asset_tags=head_html("cdn"))
    srcs = re.findall(r'<script[^>]*\bsrc="([^"]+)"', html)
    hrefs = re.findall(r'<link[^>]*\bhref="([^"]+)"', html)
    assert srcs == ["https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"]
    assert hrefs == ["https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"]
    for tag in re.findall(r"<(?:script|link)[^>]*(?:src|href)=[^>]*>", html):
        assert re.search(r'integrity="sha384-[A-Za-z0-9+/=]{64}"', tag) and 'crossorigin="anonymous"' in tag
    for banned in ("jquery", "moment", "timedimension", "bootstrap", "font-awesome", "fontawesome"):
        assert banned not in html.lower()
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    assert "connect-src &#x27;none&#x27;" in csp and "https://cdn.jsdelivr.net" in csp


def test_inline_mode_has_no_url_to_load(asset_cache):
    from geo.render.assets import head_html

    html = timeline_html(timeline_data(THEATRE, layers(["2024-08-06"]), rows(["2024-08-06"])),
                         asset_tags=head_html("inline"))
    assert not re.search(r'<(?:script|link|img|iframe)[^>]*(?:src|href)=', html)
    assert "https://cdn" not in re.search(r'content="(default-src[^"]+)"', html).group(1)


def test_the_page_is_deterministic():
    a = timeline_html(evil_inputs(), asset_tags=CDN_TAGS)
    b = timeline_html(evil_inputs(), asset_tags=CDN_TAGS)
    assert a == b


# ---- the command -------------------------------------------------------------------------------------------------
@pytest.fixture
def small_store(tmp_path):
    root = tmp_path / "layers"
    store = Store(root)
    store.init(Theatre("demo", "Demo {{ 7*7 }}", THEATRE.statuses, bbox=THEATRE.bbox,
                       context={"events": "context/events.geojson"}))
    (root / "demo" / "context").mkdir()
    (root / "demo" / "context" / "events.geojson").write_text(json.dumps(
        {"type": "FeatureCollection", "features": [event("2024-08-07", EVIL)]}), encoding="utf-8")
    store.record("demo", "2024-08-06", EMPTY, source="nothing held yet")
    store.record("demo", "2024-08-07", SQ, source="/tmp/x/2024-08-07.geojson")
    store.record("demo", "2024-08-08", SQ, source="/tmp/x/2024-08-07.geojson")
    return root


def test_cli_writes_the_default_path_twice_identically(small_store, tmp_path, asset_cache):
    for _ in range(2):
        proc = frontline("--layers", small_store, "timeline", "demo", "--assets", "inline", cwd=tmp_path,
                         env={"FRONTLINE_ASSETS": str(asset_cache)})
        assert proc.returncode == 0, proc.stderr
        assert "3 dates" in proc.stdout
        if _ == 0:
            first = (tmp_path / "maps" / "demo-timeline.html").read_bytes()
    assert (tmp_path / "maps" / "demo-timeline.html").read_bytes() == first
    assert b"Demo 49" not in first and b"Demo &#123;&#123; 7*7 &#125;&#125;" in first


def test_cli_range_and_exit_codes(small_store, tmp_path, asset_cache):
    env = {"FRONTLINE_ASSETS": str(asset_cache)}
    out = tmp_path / "p.html"
    proc = frontline("--layers", small_store, "timeline", "demo", "--from", "2024-08-07", "-o", out, env=env)
    assert proc.returncode == 0, proc.stderr
    assert dates_of(page_data(out.read_text())) == ["2024-08-07", "2024-08-08"]
    proc = frontline("--layers", small_store, "timeline", "demo", "--from", "2024-09-01", "-o", out, env=env)
    assert proc.returncode == 1 and "no layer between 2024-09-01" in proc.stderr
    proc = frontline("--layers", small_store, "timeline", "demo", "--from", "2024-08-08", "--to", "2024-08-06",
                     "-o", out, env=env)
    assert proc.returncode == 2
    proc = frontline("--layers", small_store, "timeline", "demo", "--from", "2024-02-30", env=env)
    assert proc.returncode == 2
    proc = frontline("--layers", small_store, "timeline", "demo", "--tiles", "No.Such", "-o", out, env=env)
    assert proc.returncode == 2 and "unknown tiles" in proc.stderr
    # an empty cache: the pinned Leaflet comes from the installed XStatic-Leaflet (the exit 3 without it is
    # tested in-process in tests/render/test_commands.py)
    proc = frontline("--layers", small_store, "timeline", "demo", "--assets", "inline", "-o", out,
                     env={"FRONTLINE_ASSETS": str(tmp_path / "empty-cache")})
    assert proc.returncode == 0 and "/* leaflet@1.9.3/dist/leaflet.js */" in out.read_text(encoding="utf-8")


def test_cli_tiles_by_name(small_store, tmp_path, asset_cache):
    out = tmp_path / "t.html"
    proc = frontline("--layers", small_store, "timeline", "demo", "--tiles", "OpenStreetMap.Mapnik", "-o", out,
                     env={"FRONTLINE_ASSETS": str(asset_cache)})
    assert proc.returncode == 0, proc.stderr
    html = out.read_text()
    data = json.loads(re.search(r'id="fl-data">(.*?)</script>', html, re.S).group(1))
    assert data["tiles"]["url"].startswith("https://tile.openstreetmap.org/")
    assert "img-src data: https://tile.openstreetmap.org" in html


def test_the_timeline_never_loads_folium_or_pandas(small_store, tmp_path, asset_cache):
    """The page is our own: with tiles named too, folium (and the pandas it pulls in) stay out of the process."""
    import os
    import subprocess
    import sys

    code = ("import sys\nfrom geo.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit as e:\n"
            "    assert e.code in (0, None), e.code\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('folium', 'pandas', 'geopandas')))")
    p = subprocess.run([sys.executable, "-c", code, "--layers", str(small_store), "timeline", "demo",
                        "--tiles", "CartoDB.Positron", "-o", str(tmp_path / "t.html")], capture_output=True,
                       text=True, timeout=120, env={**os.environ, "FRONTLINE_ASSETS": str(asset_cache)})
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip().splitlines()[-1] == "[]"


# ---- what the file says without a script ---------------------------------------------------------------------------
def test_the_file_describes_itself_and_allows_pinch_zoom():
    html = timeline_html(evil_inputs(), asset_tags=CDN_TAGS)
    viewport = re.search(r'<meta name="viewport" content="([^"]+)">', html).group(1)
    assert "user-scalable" not in viewport and "maximum-scale" not in viewport
    assert '<html lang="en" data-theme="light">' in html
    for name in ('name="description"', 'property="og:title"', 'property="og:description"',
                 'property="og:type" content="website"', 'name="twitter:card" content="summary"'):
        assert f"<meta {name}" in html, name
    description = re.search(r'<meta name="description" content="([^"]*)">', html).group(1)
    assert "6 Aug → 7 Aug 2024" in description and "155.4\u00a0km²" in description
    assert "<img" not in description and "&lt;img" in description  # the title inside it, escaped


def test_the_server_writes_caption_legend_table_and_attribution():
    dates = ["2024-08-06", "2024-08-07", "2024-08-08"]
    km2 = [(0.0, 0.0), (77.7, 77.7), (77.7, 77.7)]
    rows_ = [row for d, a in zip(dates, km2, strict=True) for row in rows([d], a)]
    t = Theatre("demo", "Demo", THEATRE.statuses, attribution=("Data: somebody",))
    html = timeline_html(timeline_data(t, layers(dates), rows_), asset_tags=CDN_TAGS)
    caption = re.search(r'<p id="fl-caption" class="fl-caption">(.*?)</p>', html).group(1)
    assert '<strong class="fl-caption-date">7 August 2024</strong>' in caption  # the peak: the first largest
    assert 'data-status="total">Total: 155.4\u00a0km²</span>' in caption
    assert "<th scope=\"row\">6\u00a0Aug\u00a02024</th><td>0.0</td><td>0.0</td><td>0.0</td>" in html
    assert ("<th scope=\"row\">7\u00a0Aug \u2192 8\u00a0Aug\u00a02024</th><td>77.7</td><td>77.7</td><td>155.4</td>"
            in html)
    assert html.count("<tr><th scope=\"row\">") == 2
    assert "Total: Held + Contested" in html  # the chart's grey fill, in the legend
    assert re.search(r'<footer id="fl-attribution" class="fl-attribution">Data: somebody · Areas on', html)
    assert '<div class="fl-static-map" id="fl-static-map"></div>' in html


def test_cdn_tags_go_last_and_deferred_inline_ones_stay_in_the_head(asset_cache):
    from geo.render.assets import head_html

    data = timeline_data(THEATRE, layers(["2024-08-06"]), rows(["2024-08-06"]))
    cdn = timeline_html(data, asset_tags=head_html("cdn"))
    head, body = cdn.split("</head>")
    assert "cdn.jsdelivr.net/npm/leaflet" not in head.split('http-equiv="Content-Security-Policy"')[1].split(">", 1)[1]
    assert re.search(r'<script defer src="https://cdn\.jsdelivr\.net/npm/leaflet@1\.9\.3/dist/leaflet\.js"', body)
    assert body.index("leaflet.css") > body.index('id="fl-attribution"')
    inline = timeline_html(data, asset_tags=head_html("inline"))
    assert inline.index("leaflet@1.9.3/dist/leaflet.js") < inline.index("</head>")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([-1, 0, 1, 2, 3, 4, 5, 6, 7, 8]), max_size=25),
       st.lists(st.tuples(st.integers(0, 30), st.sampled_from([-1, 9, 10, 11, 1, 2]), st.booleans()), max_size=6))
def test_a_shape_written_as_edits_of_another_is_rebuilt_to_its_tokens(base, changes):
    """The edits a shape is stored as (timeline._edits) turn its base's tokens into its own, as timeline.js and
    date_shapes apply them: replace base[s:e], in order."""
    from geo.render.timeline import _edits

    new = list(base)
    for at, tok, delete in changes:
        at = min(at, len(new))
        if delete and new:
            del new[min(at, len(new) - 1)]
        else:
            new.insert(at, tok)
    out, pos = [], 0
    ops = _edits(tuple(base), tuple(new))
    for s, e, toks in ops:
        assert pos <= s <= e <= len(base)
        out += base[pos:s] + list(toks)
        pos = e
    assert out + base[pos:] == new


def test_layers_read_from_the_binary_form_draw_what_their_geojson_draws(tmp_path):
    """The command reads each layer's shapes from the store's binary form (no GeoJSON parsed); the page data
    equals the one built from the same layers' GeoJSON, on the bundled store (areas, lines, holes, empty dates)."""
    import shutil
    from pathlib import Path

    from geo.commands.timeline import timeline_inputs

    bundled = Path(__file__).resolve().parents[2] / "layers" / "kursk"
    shutil.copytree(bundled, tmp_path / "kursk", ignore=shutil.ignore_patterns("cache"))
    inputs = timeline_inputs(Store(tmp_path), "kursk")
    lazy = inputs["layers"]
    assert "shapes" in lazy[0] and "collection" not in lazy[0]
    parsed = [lazy.with_collection(i) for i in range(len(lazy))]
    assert all("collection" in x for x in parsed)
    t = inputs["theatre"]
    from_shapes = timeline_data(t, lazy, inputs["areas"])
    from_geojson = timeline_data(t, parsed, inputs["areas"])
    assert json.dumps(from_shapes, sort_keys=True) == json.dumps(from_geojson, sort_keys=True)
    assert len(dates_of(from_shapes)) == len(lazy) > 10
