"""The real 2024-08-24 layer: size against plain folium, the self-contained size, the wall time.

Sizes measured are written to artifacts/render-sizes.json (git-ignored) for the closing note.

Which plain folium map is the yardstick (decided here): the same content drawn the plain way, i.e.
``folium.Map`` with its default assets and one ``folium.GeoJson`` of the layer and of each context file we draw
(border, region outlines, settlements). Plain folium of the layer alone is measured and reported too.
"""

import json
import time

import pytest

from geo.render.mapping import build_map, render_html

from .helpers import ARTIFACTS, need_real_data, real_inputs

pytestmark = pytest.mark.realdata


def plain_folium(kw, *, with_context: bool) -> str:
    import folium

    m = folium.Map(location=[51.3, 35.2], zoom_start=9)
    folium.GeoJson(kw["collection"]).add_to(m)
    if with_context:
        for fc in kw["context"].values():
            feats = [f for f in fc["features"] if f.get("geometry")]
            folium.GeoJson({"type": "FeatureCollection", "features": feats}).add_to(m)
    return m.get_root().render()


def test_real_layer_sizes_and_time(asset_dir):
    need_real_data()
    kw = real_inputs()
    t0 = time.perf_counter()
    cdn = render_html(build_map(**kw)).encode()
    wall = time.perf_counter() - t0
    inline = render_html(build_map(**kw, assets="inline", assets_dir=asset_dir)).encode()
    bare = render_html(build_map(**{**kw, "context": None})).encode()
    plain_ctx = plain_folium(kw, with_context=True).encode()
    plain_layer = plain_folium(kw, with_context=False).encode()
    sizes = {"cdn": len(cdn), "inline": len(inline), "cdn_without_context": len(bare),
             "plain_folium_same_content": len(plain_ctx), "plain_folium_layer_only": len(plain_layer),
             "render_seconds_cdn": round(wall, 3)}
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "render-sizes.json").write_text(json.dumps(sizes, indent=2, sort_keys=True) + "\n")
    assert len(cdn) <= len(plain_ctx) / 2, sizes
    assert len(inline) < 300_000, sizes
    assert wall < 5, sizes


def test_real_layer_lines_drawn_not_filled_and_figures():
    need_real_data()
    m = build_map(**real_inputs())
    p = m.payload
    lines = [f for f in p["features"] if f["s"] == "contact_line"]
    assert lines and all(f["g"]["type"] in ("LineString", "MultiLineString") for f in lines)
    assert p["statuses"]["contact_line"]["kind"] == "line"
    assert {f["s"] for f in p["features"]} == {"ua_controlled", "grey_zone", "contact_line"}
    assert p["caption"].startswith("Ukrainian-held: 830 km² · Contested: 423 km²")
    assert {x["n"] for x in p["context"]["places"]} >= {"Sudzha", "Korenevo"}
