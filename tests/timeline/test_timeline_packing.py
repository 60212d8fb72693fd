"""The page's packed blob (geo.render.packing): every list comes back as it went in, in Python and in the page's
own script, and the packed strings pass the page's JSON escaping untouched."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.render import packing
from geo.render.safe import script_json

REPO = Path(__file__).resolve().parents[2]
PACKED_KEYS = packing.PACKED
PLAIN_KEYS = packing.PLAIN


@given(st.lists(st.integers(0, 10 ** 15), max_size=50))
def test_integers_round_trip(values):
    assert packing.unpack_ints(packing.pack_ints(values)) == values


def test_the_digits_need_no_escape_in_the_page():
    assert len(packing.DIGITS) == 88 == len(set(packing.DIGITS))
    assert json.loads(script_json(packing.DIGITS)) == packing.DIGITS
    assert script_json(packing.DIGITS) == '"' + packing.DIGITS + '"'  # byte for byte: nothing escaped
    with pytest.raises(ValueError):
        packing.unpack_ints("~")  # a number cut short


tokens = st.one_of(st.just(-1), st.integers(0, 3000),
                   st.tuples(st.integers(0, 3000), st.integers(0, 500), st.integers(0, 500))
                   .filter(lambda t: t[1] != t[2]).map(list))


@st.composite
def payloads(draw):
    """Lists shaped as timeline_data writes them (ids and slices in range or not: the packing does not care)."""
    width = draw(st.integers(1, 4))
    n_shapes = draw(st.integers(0, 8))
    shapes = []
    for k in range(n_shapes):
        head = [draw(st.integers(0, 5)), draw(st.sampled_from("PL"))]
        if k and draw(st.booleans()):
            ops, end = [], 0
            for _ in range(draw(st.integers(0, 3))):
                s = end + draw(st.integers(0, 5))
                end = s + draw(st.integers(0, 5))
                ops.append([s, end, *draw(st.lists(tokens, max_size=4))])
            shapes.append([*head, draw(st.integers(0, k - 1)), ops])
        else:
            shapes.append([*head, draw(st.lists(tokens, max_size=6))])
    show, date = [], 0
    for _ in range(draw(st.integers(1, 5))):
        gone = sorted(draw(st.sets(st.integers(0, 40), max_size=4)))
        new = sorted(draw(st.sets(st.integers(0, 40), max_size=4)))
        show.append([date, *[~g for g in gone], *new])
        date += draw(st.integers(1, 9))
    frames = [{"km2": [draw(st.integers(0, 10 ** 9)) / 1000 for _ in range(width)],
               "source": draw(st.integers(0, 3)), "version": draw(st.integers(1, 60))}
              for _ in range(draw(st.integers(1, 5)))]
    n = draw(st.integers(1, 12))
    return {"schema": "frontline.timeline/v2", "area_statuses": list(range(width - 1)), "title": "x",
            "sources": ["", "DeepStateMap daily", "x", "y"],
            # arcs of two vertices or more (as the topology makes them), steps small enough to revisit vertices
            "arcs": draw(st.lists(st.lists(st.tuples(st.integers(-3, 3), st.integers(-3, 3)), min_size=2, max_size=6)
                                  .map(lambda a: [v for p in a for v in p]), max_size=6)),
            "shapes": shapes, "show": show, "frames": frames,
            "at": draw(st.lists(st.integers(0, len(frames) - 1), min_size=n, max_size=n)),
            "steps": [0] + draw(st.lists(st.integers(1, 400), min_size=n - 1, max_size=n - 1))}


@settings(max_examples=150, deadline=None)
@given(payloads())
def test_a_payload_round_trips_through_the_page_escaping(data):
    blob = json.loads(script_json(packing.pack_payload(data)))
    assert blob["schema"] == packing.SCHEMA
    assert all(isinstance(blob[k], str) for k in PACKED_KEYS)
    assert packing.unpack_payload(blob) == data


def test_the_bundled_series_round_trips_and_shrinks(tmp_path):
    from geo.commands.timeline import timeline_inputs
    from geo.render.timeline import timeline_data
    from geo.store import Store

    shutil.copytree(REPO / "layers" / "kursk", tmp_path / "kursk", ignore=shutil.ignore_patterns("cache"))
    data = timeline_data(**timeline_inputs(Store(tmp_path), "kursk"))
    packed = script_json(packing.pack_payload(data))
    assert packing.unpack_payload(json.loads(packed)) == json.loads(script_json(data))
    plain = sum(len(json.dumps(data[k], separators=(",", ":"))) for k in PLAIN_KEYS)
    assert sum(len(json.loads(packed)[k]) for k in PACKED_KEYS) < 0.55 * plain


def test_the_script_asks_only_for_the_words_it_is_given():
    from importlib import resources

    from geo.render.timeline import SCRIPT_TEXT, page_text

    js = resources.files("geo.render").joinpath("timeline.js").read_text(encoding="utf-8")
    assert set(re.findall(r"\bT\.(\w+)", js)) == set(SCRIPT_TEXT)
    assert set(SCRIPT_TEXT) <= set(page_text("uk"))


@pytest.mark.browser
def test_the_pages_script_unpacks_what_python_unpacks(chromium, tmp_path, asset_cache):
    """timeline.js's unpack and unpack_payload read the same blob into the same lists (the bundled store's page:
    areas, a line, holes, edits, empty dates)."""
    from .conftest import frontline

    store = tmp_path / "layers"
    shutil.copytree(REPO / "layers" / "kursk", store / "kursk", ignore=shutil.ignore_patterns("cache"))
    out = tmp_path / "kursk.html"
    proc = frontline("--layers", store, "timeline", "kursk", "--assets", "inline", "-o", out,
                     env={"FRONTLINE_ASSETS": str(asset_cache)})
    assert proc.returncode == 0, proc.stderr
    want = packing.page_data(out.read_text(encoding="utf-8"))
    page = chromium.new_page()
    try:
        page.goto(out.as_uri())
        page.wait_for_function("window.frontlineTimeline && window.frontlineTimeline.data")
        got = page.evaluate("(keys) => { const d = window.frontlineTimeline.data; const o = {};"
                            " keys.forEach((k) => { o[k] = d[k]; }); return o; }", list(PLAIN_KEYS))
    finally:
        page.close()
    for k in PLAIN_KEYS:
        assert got[k] == want[k], k


def test_the_minified_script_is_its_source_minified_and_a_stale_one_is_refused():
    """geo/render/timeline.min.js is what scripts/minify-js makes of timeline.js today (run it after editing the
    script); a minified file whose recorded hash is not its source's is refused (exit 3), never shipped."""
    from importlib import resources

    from geo.errors import MissingResource
    from geo.render.assets import checked_minified, minified_script

    try:
        import calmjs.parse  # noqa: F401
    except ImportError:
        from .conftest import skip_or_fail

        skip_or_fail("calmjs.parse is not installed (pip install -e '.[test]'): it makes the minified script")
    files = resources.files("geo.render")
    source = files.joinpath("timeline.js").read_text(encoding="utf-8")
    minified = files.joinpath("timeline.min.js").read_text(encoding="utf-8")
    assert minified == minified_script("timeline.js", source), "timeline.min.js is stale: run scripts/minify-js"
    assert checked_minified(minified, "timeline.js", source) == minified
    with pytest.raises(MissingResource, match="scripts/minify-js"):
        checked_minified(minified, "timeline.js", source + "\n// an edit")


def test_a_page_carries_the_rules_of_what_it_has():
    """The events' rules (list, chart markers, legend swatch) go into a page with events only; every block of
    timeline.css names a feature the page knows."""
    from common import THEATRE, layer, square

    from geo.render.timeline import timeline_data, timeline_html

    sq = layer(square(35.0, 51.0))
    rows = [{"date": "2024-08-06", "areas_km2": {"held": 77.7, "contested": 0.0}, "total_km2": 77.7}]
    ev = {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": None, "properties": {
        "date": "2024-08-06", "title": "An event"}}]}
    plain = timeline_html(timeline_data(THEATRE, [{"date": "2024-08-06", "collection": sq}], rows), asset_tags="")
    with_events = timeline_html(timeline_data(THEATRE, [{"date": "2024-08-06", "collection": sq}], rows, events=ev),
                                asset_tags="")
    assert ".fl-event-list" not in plain and ".fl-chart-mark" not in plain and ".fl-series-compare" not in plain
    assert ".fl-event-list" in with_events and ".fl-chart-mark" in with_events and ".fl-swatch-event" in with_events
    assert "if:" not in plain and "end:" not in with_events  # the markers are comments, minified away
