"""The map page by content: escaping, determinism, assets, geometry, figures (folium's habit: snippets)."""

import json
import re
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import geo.render
from geo.errors import InvalidInput
from geo.render.mapping import build_map, render_html, save_map, tile_provider
from geo.render.payload import map_payload

from .helpers import PAYLOADS, THEATRE, change_inputs, hostile_inputs, small_inputs, split_blob, structure


def page(**kw) -> str:
    return render_html(build_map(**{**small_inputs(), **kw}))


def payload_of(html: str) -> dict:
    blob, _ = split_blob(html)
    return json.loads(blob)


def test_same_inputs_give_identical_bytes(tmp_path, asset_dir):
    for kw in (small_inputs(), change_inputs(), small_inputs(assets="inline", assets_dir=asset_dir)):
        a = save_map(build_map(**kw), tmp_path / "a.html").read_bytes()
        b = save_map(build_map(**kw), tmp_path / "b.html").read_bytes()
        assert a == b
        m = build_map(**kw)
        assert render_html(m) == render_html(m)  # rendering the same map twice too


def test_no_random_ids():
    html = page()
    names = set(re.findall(r"\b(?:map|tile_layer)_[0-9a-f_]+\b", html))
    key = payload_of(html)["key"]
    assert names and all(key in n for n in names)
    assert not re.search(r"[0-9a-f]{32}", html)  # branca's uuid-style ids are gone


def test_only_leaflet_is_loaded_with_sri():
    html = page()
    srcs = re.findall(r'<script[^>]*\ssrc="([^"]+)"', html)
    links = re.findall(r'<link[^>]*\shref="([^"]+)"', html)
    assert srcs == ["https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"]
    assert links == ["https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"]
    for tag in re.findall(r"<(?:script|link)[^>]*(?:src|href)=[^>]*>", html):
        assert 'integrity="sha384-' in tag and 'crossorigin="anonymous"' in tag
    low = html.lower()
    for lib in ("jquery", "bootstrap", "font-awesome", "fontawesome", "awesome-markers", "leaflet.awesome"):
        assert lib not in low


def test_inline_holds_everything(asset_dir):
    html = page(assets="inline", assets_dir=asset_dir)
    assert "<script src" not in html and "<link" not in html
    assert not re.findall(r"<(?:script|link|img|iframe)[^>]+(?:src|href)=", split_blob(html)[1])
    assert len(html) > 150_000  # Leaflet is in


def test_tiles_named_through_xyzservices():
    html = page(tiles="OpenStreetMap.Mapnik")
    assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in html
    assert "L.tileLayer" not in page()
    assert tile_provider("none") is None and tile_provider(None) is None
    assert "apikey" not in page(tiles="CartoDB.Positron").lower()
    with pytest.raises(InvalidInput, match="unknown tiles"):
        page(tiles="No.Such.Tiles")
    with pytest.raises(InvalidInput, match="API key"):
        page(tiles="Thunderforest.OpenCycleMap")


def test_bad_options_refused():
    with pytest.raises(InvalidInput):
        page(assets="both")
    with pytest.raises(InvalidInput):
        page(width=0, height=10)
    with pytest.raises(InvalidInput, match="unknown status"):
        page(change_status="nope")


def test_geometry_quantised_to_five_decimals_and_lines_never_filled():
    p = map_payload(**small_inputs())
    text = json.dumps(p)
    assert "35.1234567" not in text and "35.12346" in text
    assert not re.search(r"\d\.\d{6,}", json.dumps([f["g"] for f in p["features"]]))
    kinds = [(f["s"], f["g"]["type"]) for f in p["features"]]
    # polygons exploded (one tooltip each), the line kept as lines, the unknown status skipped
    assert kinds == [("held", "Polygon"), ("held", "Polygon"), ("contested", "Polygon"), ("front", "MultiLineString")]
    assert p["statuses"]["front"]["kind"] == "line"
    js = (Path(geo.render.__file__).parent / "frontline.js").read_text()
    assert "? { color: st.colour, weight: 3, opacity: 0.95, fill: false }" in js


def test_tooltips_carry_status_and_area():
    p = map_payload(**small_inputs())
    held = [f["t"] for f in p["features"] if f["s"] == "held"]
    assert held[0][0] == "Held" and held[0][1].endswith(" km²")
    assert float(held[0][1].split()[0]) == pytest.approx(78.0, abs=0.2)  # a 0.1° square at 51° N
    assert [f["t"] for f in p["features"] if f["s"] == "front"] == [["Front line"]]


def test_caption_legend_and_attribution():
    p = map_payload(**change_inputs())
    assert p["caption"] == ("Held: 78.0 km² · Contested: 156 km² · retaken since the peak (300 km², 20 Aug 2024): "
                            "22% · since 25 Aug 2024: 12.5 km² gained, 3.2 km² lost")
    assert p["span"] == "25 Aug → 1 Sep 2024"
    legend = {(i["kind"], i["label"]): i["value"] for i in p["legend"]}
    assert legend[("area", "Held")] == "78.0 km²"
    assert legend[("gained", "Gained since 25 Aug 2024")] == "12.5 km²"
    assert legend[("lost", "Lost since 25 Aug 2024")] == "3.2 km²"
    assert ("line", "Front line") in legend and ("border", "State border") in legend
    assert [c["k"] for c in p["changes"]] == ["gained", "lost"]  # the union's change only
    att = p["attribution"]
    assert att[0]["text"].startswith("Front line: Example Map") and att[0]["href"] is None
    assert att[1] == {"label": "Layer 2024-09-01 v2: ", "text": "https://example.org/data/2024-09-01.geojson",
                      "href": "https://example.org/data/2024-09-01.geojson"}
    assert att[2] == {"label": "Note: ", "text": "drawn by hand for the tests", "href": None}


def test_context_clipped_and_places_in_view():
    p = map_payload(**small_inputs())
    names = [x["n"] for x in p["context"]["places"]]
    assert names == ["Alpha", "Beta"]  # no geometry and far away: left out
    assert p["context"]["places"][0]["ll"] == [51.05, 35.05]  # Leaflet order, lat first
    assert p["context"]["outlines"]["type"] in ("LineString", "MultiLineString")  # outlines drawn as lines


def test_empty_layer_still_renders():
    html = render_html(build_map(THEATRE, {"type": "FeatureCollection", "features": []}, date="2024-09-01",
                                 areas_km2={}))
    p = payload_of(html)
    assert p["features"] == [] and p["caption"] == "Held: 0 km² · Contested: 0 km²"


def test_template_syntax_in_data_is_never_evaluated():
    for text in ("{{ 7*7 }}", "{{ foo", "{% for x in range(3) %}X{% endfor %}", "{# c"):
        html = render_html(build_map(**hostile_inputs(text)))  # "{{ foo" used to make saving fail
        p = payload_of(html)
        assert p["title"] == text and p["legend"][0]["label"] == text
        assert "49" not in p["title"]


@pytest.mark.parametrize("text", PAYLOADS, ids=range(len(PAYLOADS)))
def test_hostile_text_escaped_wherever_it_appears(text, asset_dir):
    """Data text sits in the JSON blob (escaped for a script element) and, for readers without JavaScript, in the
    server-written HTML and static drawing (escaped for HTML): it never adds an element or an attribute."""
    from geo.render.safe import clean_text

    for mode in ("cdn", "inline"):
        html = render_html(build_map(**hostile_inputs(text), assets=mode, assets_dir=asset_dir))
        benign = render_html(build_map(**hostile_inputs("Plain words"), assets=mode, assets_dir=asset_dir))
        blob, rest = split_blob(html)
        for bad in ("<", ">", "&", "{{", "{%", "{#", "\u2028", "\u2029"):
            assert bad not in blob
        assert structure(rest) <= structure(split_blob(benign)[1])
        for opener in ("{{", "{%", "{#"):
            assert opener not in rest
        assert "\u2028" not in html and "\u2029" not in html
        p = json.loads(blob)
        expected = clean_text(text)
        assert p["title"] == expected and p["legend"][0]["label"] == expected
        assert [x["n"] for x in p["context"]["places"]] == [clean_text(text, max_len=120)] * 2
        links = [a["href"] for a in p["attribution"] if a["href"]]
        assert all(h.startswith(("http://", "https://")) for h in links)
    assert len(html) < 400_000  # a 100,000-character label does not blow up the page


def test_sizes_of_small_page():
    html = page()
    # the page carries its own static drawing (two sizes) for readers without JavaScript: about 5 KB here
    static = sum(len(m) for m in re.findall(r'<svg[^>]*fl-static-svg.*?</svg>', html, re.S))
    assert 0 < static < 8_000
    assert len(html.encode()) < 30_000


def test_content_security_policy(asset_dir):
    for mode, hosts in (("cdn", "https://cdn.jsdelivr.net"), ("inline", "")):
        html = page(assets=mode, assets_dir=asset_dir)
        csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html).group(1)
        assert html.index("Content-Security-Policy") < html.index("<script")
        rules = dict(r.strip().split(" ", 1) for r in csp.split(";"))
        assert rules["default-src"] == "'none'" and rules["img-src"] == "data:"
        script_src = rules["script-src"].split()
        assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
        assert len([s for s in script_src if s.startswith("'sha256-")]) == (2 if mode == "cdn" else 3)
        assert (hosts in script_src) == bool(hosts)
    tiles = page(tiles="CartoDB.Positron")
    assert "img-src data: https://*.basemaps.cartocdn.com;" in tiles


@given(st.text(max_size=60))
@example("{{{%#}}}")
@example("</SCRIPT >\u2028")
@settings(max_examples=60, deadline=None)
def test_any_text_round_trips_through_the_blob(text):
    from geo.render.safe import clean_text

    html = render_html(build_map(**hostile_inputs(text, changes=False)))
    blob, _ = split_blob(html)
    for bad in ("<", ">", "&", "{{", "{%", "{#", "\u2028", "\u2029"):
        assert bad not in blob
    p = json.loads(blob)
    assert p["title"] == clean_text(text) and p["attribution"][0]["text"] == clean_text(text)


def test_invalid_and_odd_features_do_not_break_the_page():
    bowtie = {"type": "Feature", "properties": {"status": "held"},
              "geometry": {"type": "Polygon", "coordinates": [[[35.0, 51.0], [35.1, 51.1], [35.1, 51.0],
                                                               [35.0, 51.1], [35.0, 51.0]]]}}
    odd = [bowtie,
           {"type": "Feature", "properties": None, "geometry": None},
           {"type": "Feature", "properties": {"status": "held"}, "geometry": None},
           {"type": "Feature", "properties": {"status": "front"},
            "geometry": {"type": "Polygon", "coordinates": [[[35.0, 51.0], [35.2, 51.0], [35.2, 51.2], [35.0, 51.0]]]}},
           {"type": "Feature", "properties": {"status": "held"},
            "geometry": {"type": "GeometryCollection", "geometries": [
                {"type": "Point", "coordinates": [35.0, 51.0]},
                {"type": "Polygon", "coordinates": [[[35.3, 51.0], [35.4, 51.0], [35.4, 51.1], [35.3, 51.0]]]}]}}]
    p = map_payload(THEATRE, {"type": "FeatureCollection", "features": odd}, date="2024-09-01", areas_km2={})
    kinds = [(f["s"], f["g"]["type"]) for f in p["features"]]
    assert kinds == [("held", "Polygon"), ("held", "Polygon"), ("held", "Polygon"), ("front", "LineString")]


def test_a_layer_in_force_says_last_update():
    p = map_payload(**small_inputs(), requested_date="2024-09-05")
    assert p["span"] == "5 Sep 2024 · last update 1 Sep 2024"
    assert "on 5 September 2024 (last update 1 September 2024)" in p["description"]
    html = render_html(build_map(**small_inputs(), requested_date="2024-09-05"))
    assert '<p class="fl-date">5 Sep 2024 · last update 1 Sep 2024</p>' in html
    assert "last update" not in map_payload(**small_inputs(), requested_date="2024-09-01")["span"]


def test_comparison_map_draws_both_and_each_sources_own_ground():
    import shapely

    sq = shapely.box(35.0, 51.0, 35.1, 51.1)
    only_a = shapely.box(35.1, 51.0, 35.15, 51.1)
    col = {k: {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"kind": k, "status": "union", "area_km2": v},
         "geometry": json.loads(shapely.to_geojson(g))}]} for k, v, g in
        (("both", 78.0, sq), ("only_a", 39.0, only_a), ("only_b", 0.0, shapely.Polygon()))}
    union = {"both_km2": 78.0, "only_a_km2": 39.0, "only_b_km2": 0.0, "iou": 0.6667}
    cmp = {"collections": col, "union": union, "a": "DeepState", "b": "ISW", "attribution": ["ISW maps"],
           "sources": [{"version": 3, "source": "https://example.org/isw", "date": "2024-09-01"}]}
    p = map_payload(**small_inputs(), comparison=cmp)
    assert [c["k"] for c in p["changes"]] == ["both", "only_a"]  # the empty only_b draws nothing
    assert not [f for f in p["features"] if p["statuses"][f["s"]]["kind"] == "area"]  # A's statuses replaced
    legend = {i["kind"]: (i["label"], i["value"]) for i in p["legend"]}
    assert legend["both"] == ("Both sources", "78.0 km²") and legend["only_a"] == ("Only DeepState", "39.0 km²")
    assert legend["only_b"] == ("Only ISW", "0 km²")
    assert "both sources: 78.0 km² · only DeepState: 39.0 km² · only ISW: 0 km² · agreement (IoU): 0.67" in p["caption"]
    credits = [a["label"] + a["text"] for a in p["attribution"]]
    assert "ISW: ISW maps" in credits and "ISW: Layer 2024-09-01 v3: https://example.org/isw" in credits
    html = render_html(build_map(**small_inputs(), comparison=cmp))
    assert 'id="fl-hatch-only_b"' in html


def test_claimed_ground_is_hatched_and_the_caption_gives_the_range():
    from geo.theatre import Status, Theatre

    t = Theatre("demo", "Demo", (Status("held", "Held", "#1f6fb4"),
                                 Status("contested", "Contested", "#f0a830", certainty="claimed")))
    kw = {**small_inputs(), "theatre": t}
    p = map_payload(**kw, range_km2=[78.01, 234.01])
    assert "78.0–234 km² (Held – Held and Contested)" in p["caption"]
    assert p["statuses"]["contested"]["claimed"] is True and p["statuses"]["held"]["claimed"] is False
    html = render_html(build_map(**kw, range_km2=[78.01, 234.01]))
    assert ".fl-s-contested.fl-claimed{fill:url(#fl-hatch-s-contested)}" in html
    assert 'id="fl-hatch-s-contested"' in html and "fl-sw-claimed" in html
    from geo.render.static_map import map_svg

    assert 'fill="url(#t-hatch-s-contested)"' in map_svg(p, id_prefix="t")


def test_the_file_carries_its_title_lang_description_and_open_graph_meta():
    """Parsed from the file as a link preview or a screen reader gets it, no script run."""
    from html.parser import HTMLParser

    class Meta(HTMLParser):
        def __init__(self):
            super().__init__()
            self.meta, self.title, self.lang, self._in_title = {}, "", None, False

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "html":
                self.lang = a.get("lang")
            if tag == "meta" and (a.get("property") or a.get("name")):
                self.meta[a.get("property") or a.get("name")] = a.get("content")
            self._in_title = tag == "title"

        def handle_data(self, data):
            if self._in_title:
                self.title += data

        def handle_endtag(self, tag):
            self._in_title = False

    m = Meta()
    m.feed(render_html(build_map(**change_inputs(), image="https://news.example/m.card.png", lang="de")))
    assert m.lang == "de" and m.title == "Demo theatre · 25. August → 1. September 2024"
    assert m.meta["og:title"] == m.title and m.meta["og:image"] == "https://news.example/m.card.png"
    assert m.meta["twitter:card"] == "summary_large_image" and m.meta["og:type"] == "website"
    assert m.meta["description"] == m.meta["og:description"]
    assert m.meta["description"].startswith("Karte „Demo theatre“ am 1. September 2024: Held: 78,0 km²")
    assert "user-scalable" not in m.meta["viewport"] and "maximum-scale" not in m.meta["viewport"]
