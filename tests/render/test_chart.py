"""``frontline chart``: the area-over-time chart as SVG or PNG: its data, its safety, its determinism, its CLI."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from common import EMPTY, LINE, layer, square

from geo.errors import InvalidInput
from geo.render.chart import chart_series, draw_chart
from geo.theatre import Status, Theatre

pytest.importorskip("matplotlib")

EVIL = "<script>alert(1)</script> {{ 7*7 }} $\\frac{1}{0}$ \u202e"
T = Theatre("demo", "Demo " + EVIL, (Status("held", "Held " + EVIL, "#1f6fb4"), Status("grey", "Grey", "#9e9e9e"),
                                     Status("front", "Front", "#d62728", "line")))


def rows(*totals):
    out = []
    for i, (held, grey) in enumerate(totals):
        out.append({"date": f"2024-08-{6 + i:02d}", "areas_km2": {"held": held, "grey": grey},
                    "total_km2": held + grey})
    return out


def events(*items):
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": None, "properties": {"date": d, "title": t}} for d, t in items]}


def test_series_peak_is_the_first_largest_and_lines_are_left_out():
    s = chart_series(T, rows((1, 0), (5, 1), (6, 0), (2, 0)))
    assert s["dates"] == ["2024-08-06", "2024-08-07", "2024-08-08", "2024-08-09"]
    assert s["total"] == [1, 6, 6, 2]
    assert s["peak"] == 1
    assert [x["key"] for x in s["series"]] == ["held", "grey"]
    assert s["series"][1]["km2"] == [0, 1, 0, 0]


def test_series_keeps_events_in_range_with_valid_dates_sorted():
    ev = events(("2024-08-08", "b"), ("2024-08-07", "a"), ("2024-08-01", "before"), ("2024-09-30", "after"),
                ("2024-02-30", "no such day"), (None, "no date"), ("8/8/2024", "other format"))
    s = chart_series(T, rows((1, 0), (2, 0), (3, 0)), events=ev)
    assert [(e["date"], e["title"]) for e in s["events"]] == [("2024-08-07", "a"), ("2024-08-08", "b")]


def test_series_refuses_nothing_to_chart():
    with pytest.raises(InvalidInput, match="nothing to chart"):
        chart_series(T, [])


def test_svg_is_well_formed_deterministic_and_carries_no_text_from_data():
    s = chart_series(T, rows((1, 0), (5, 1), (6, 0), (2, 0)),
                     events=events(("2024-08-07", EVIL), ("2024-08-07", "second on the same day")))
    a, b = draw_chart(s, "svg"), draw_chart(s, "svg")
    assert a == b
    root = ET.fromstring(a)  # well-formed: the texts matplotlib repeats in comments cannot close them
    assert root.tag.endswith("svg")
    tags = {el.tag.split("}")[-1] for el in root.iter()}
    assert not tags & {"script", "foreignObject", "text", "a", "iframe", "image"}
    for el in root.iter():
        for k, v in el.attrib.items():
            assert not k.lower().startswith("on"), (el.tag, k)
            if k.endswith("href"):
                assert v.startswith("#"), (el.tag, k, v)  # only links to glyphs defined in the file
    text = a.decode("utf-8")
    assert "<script" not in text and "{{ 7*7 }}" in text.replace("&lt;", "<")  # escaped, never evaluated
    assert "<dc:date" not in text  # no time stamp: the same bytes every run
    # the title, the labels and the events are there, drawn as glyph paths
    assert text.count("<use ") > 50


def test_mathtext_is_never_read_from_data():
    t = Theatre("d", "$\\frac{$", (Status("h", "$x^{$", "#123456"),))
    s = chart_series(t, rows((1, 0), (2, 0)), events=events(("2024-08-06", "$\\undefinedmacro$")))
    assert draw_chart(s, "png")[:4] == b"\x89PNG"  # unescaped, matplotlib would raise a parse error


def test_png_is_deterministic_and_sized():
    s = chart_series(T, rows((1, 0), (5, 1)), events=events(("2024-08-06", "start")))
    a, b = draw_chart(s, "png", size=(600, 300)), draw_chart(s, "png", size=(600, 300))
    assert a == b and a[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(a[16:20], "big"), int.from_bytes(a[20:24], "big")
    assert width == 600 and height > 300  # the list of events is added under the chart


def test_an_unknown_format_is_refused():
    with pytest.raises(InvalidInput, match="svg or png"):
        draw_chart(chart_series(T, rows((1, 0))), "pdf")


@pytest.fixture
def store(tmp_path, run_cli):
    root = tmp_path / "layers"
    assert run_cli("--layers", root, "init", "demo", "--title", "Demo", "--status", "held=Held:#1f6fb4",
                   "--status", "contested=Contested", "--status", "front=Front line:#d62728:line").exit_code == 0
    for d, lay in (("2024-08-06", EMPTY), ("2024-08-07", layer(square(35.0, 51.0), LINE)),
                   ("2024-08-09", layer(square(35.0, 51.0, 0.2), square(35.3, 51.0, status="contested"))),
                   ("2024-08-12", layer(square(35.0, 51.0, 0.05)))):
        f = tmp_path / f"{d}.geojson"
        f.write_text(json.dumps(lay))
        assert run_cli("--layers", root, "import", "demo", f).exit_code == 0
    ev = tmp_path / "events.geojson"
    ev.write_text(json.dumps(events(("2024-08-07", "first"), ("2024-08-10", "second"))))
    assert run_cli("--layers", root, "context", "demo", "events", ev).exit_code == 0
    return root


def test_cli_default_path_svg_and_the_peak_of_area(store, tmp_path, run_cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run_cli("--layers", store, "chart", "demo")
    assert r.exit_code == 0, r.stderr
    out = tmp_path / "maps" / "demo-chart.svg"
    assert out.read_bytes().startswith(b"<?xml")
    assert "4 dates, 2 events" in r.output
    first = out.read_bytes()
    assert run_cli("--layers", store, "chart", "demo").exit_code == 0
    assert out.read_bytes() == first
    # the peak drawn is the peak `frontline area` gives
    from geo.measure import compute_areas
    from geo.store import Store

    st = Store(store)
    s = chart_series(st.theatre("demo"), compute_areas(st, "demo", None))
    totals = [r["total_km2"] for r in json.loads(run_cli("--layers", store, "area", "demo", "--all", "--json")
                                                  .output)["dates"]]
    assert s["dates"][s["peak"]] == "2024-08-09" and totals.index(max(totals)) == s["peak"]


def test_cli_png_range_and_refusals(store, tmp_path, run_cli):
    png = tmp_path / "c.png"
    r = run_cli("--layers", store, "chart", "demo", "-o", png, "--from", "2024-08-07", "--to", "2024-08-09")
    assert r.exit_code == 0, r.stderr
    assert png.read_bytes()[:4] == b"\x89PNG" and "2 dates, 1 events" in r.output
    bad = tmp_path / "c.pdf"
    r = run_cli("--layers", store, "chart", "demo", "-o", bad)
    assert r.exit_code == 2 and "svg or .png" in r.stderr and not bad.exists()
    r = run_cli("--layers", store, "chart", "demo", "-o", png, "--from", "2024-08-09", "--to", "2024-08-07")
    assert r.exit_code == 2 and "after" in r.stderr
    r = run_cli("--layers", store, "chart", "demo", "-o", tmp_path / "none.svg", "--from", "2025-01-01")
    assert r.exit_code == 1 and "no layer" in r.stderr and not (tmp_path / "none.svg").exists()
    r = run_cli("--layers", store, "chart", "nosuch", "-o", tmp_path / "x.svg")
    assert r.exit_code != 0 and len(r.stderr.strip().splitlines()) == 1
