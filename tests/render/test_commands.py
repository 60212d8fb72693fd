"""``frontline map``, ``embed`` and ``assets`` through the CLI, with exact exit codes, on a store in tmp_path."""

import json

import pytest

from geo.store import Store

from .helpers import DATA, THEATRE, load, split_blob


def square(x0, y0, d, status):
    ring = [[x0, y0], [x0 + d, y0], [x0 + d, y0 + d], [x0, y0 + d], [x0, y0]]
    return {"type": "Feature", "properties": {"status": status}, "geometry": {"type": "Polygon", "coordinates": [ring]}}


@pytest.fixture
def store(tmp_path, run_cli):
    root = tmp_path / "layers"
    s = Store(root)
    s.init(THEATRE)
    s.record("demo", "2024-08-25", {"type": "FeatureCollection", "features": [square(35.0, 51.0, 0.1, "held")]},
             source="https://example.org/a.geojson", note="first")
    s.record("demo", "2024-09-01", load("small.geojson") | {"features": load("small.geojson")["features"][:3]},
             source="javascript:alert(1337)", note="<img src=x onerror=alert(1337)>")
    for kind, name in (("border", "small-border.geojson"), ("settlements", "small-settlements.geojson")):
        r = run_cli("--layers", root, "context", "demo", kind, DATA / name)
        assert r.exit_code == 0, r.stderr
    return root


@pytest.fixture
def cached_assets(asset_dir, monkeypatch):
    monkeypatch.setenv("FRONTLINE_ASSETS", str(asset_dir))
    return asset_dir


def test_map_default_output_and_figures(store, run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run_cli("--layers", store, "map", "demo", "2024-09-01")
    assert r.exit_code == 0, r.stderr
    out = tmp_path / "maps" / "demo-2024-09-01.html"
    assert out.is_file() and str(out.relative_to(tmp_path)) in r.output
    p = json.loads(split_blob(out.read_text())[0])
    assert p["caption"] == "Held: 97.5 km² · Contested: 292 km²"  # the peak is this date: no share retaken
    assert p["attribution"][-1] == {"label": "Note: ", "text": "<img src=x onerror=alert(1337)>", "href": None}
    assert p["attribution"][-2]["href"] is None  # a javascript: source is text, never a link
    assert [x["n"] for x in p["context"]["places"]] == ["Alpha", "Beta"]


def test_map_since_and_options(store, run_cli, tmp_path, cached_assets):
    out = tmp_path / "x.html"
    r = run_cli("--layers", store, "map", "demo", "2024-09-01", "--since", "2024-08-25", "-o", out,
                "--assets", "inline", "--title", "{{ 7*7 }}", "--width", "640", "--height", "480")
    assert r.exit_code == 0, r.stderr
    html = out.read_text()
    p = json.loads(split_blob(html)[0])
    assert p["title"] == "{{ 7*7 }}" and p["since"] == "2024-08-25"
    assert {c["k"] for c in p["changes"]} == {"gained"}
    assert "width:640px;height:480px" in html and "<script src" not in html
    r2 = run_cli("--layers", store, "map", "demo", "2024-09-01", "--since", "2024-08-25", "-o", tmp_path / "y.html",
                 "--assets", "inline", "--title", "{{ 7*7 }}", "--width", "640", "--height", "480")
    assert r2.exit_code == 0 and (tmp_path / "y.html").read_bytes() == out.read_bytes()


@pytest.mark.parametrize("args,code,msg", [
    (["--tiles", "No.Such"], 2, "unknown tiles"),
    (["--assets", "both"], 2, "both"),
    (["--width", "100"], 2, "both --width and --height"),
    (["--since", "2024-13-01"], 2, ""),
])
def test_map_bad_options(store, run_cli, tmp_path, args, code, msg):
    r = run_cli("--layers", store, "map", "demo", "2024-09-01", "-o", tmp_path / "m.html", *args)
    assert r.exit_code == code and msg in (r.stderr + r.output)


def test_map_missing_date_and_theatre(store, run_cli, tmp_path):
    assert run_cli("--layers", store, "map", "demo", "2024-01-01", "-o", tmp_path / "m.html").exit_code == 1
    assert run_cli("--layers", store, "map", "nope", "2024-01-01", "-o", tmp_path / "m.html").exit_code == 1


def test_inline_without_assets_exits_3_saying_how(store, run_cli, tmp_path, monkeypatch):
    from geo.render import assets

    monkeypatch.setenv("FRONTLINE_ASSETS", str(tmp_path / "empty"))
    monkeypatch.setattr(assets, "packaged_path", lambda a: None)  # as if XStatic-Leaflet were not installed
    r = run_cli("--layers", store, "map", "demo", "2024-09-01", "-o", tmp_path / "m.html", "--assets", "inline")
    assert r.exit_code == 3
    assert "frontline assets fetch" in r.stderr and "--from-npm" in r.stderr
    assert not (tmp_path / "m.html").exists()
    assert run_cli("assets", "check").exit_code == 3
    monkeypatch.undo()
    monkeypatch.setenv("FRONTLINE_ASSETS", str(tmp_path / "empty"))
    r = run_cli("--layers", store, "map", "demo", "2024-09-01", "-o", tmp_path / "m.html", "--assets", "inline")
    assert r.exit_code == 0 and (tmp_path / "m.html").exists()  # right after pip install: XStatic-Leaflet


def test_assets_fetch_from_npm_and_list(run_cli, tmp_path, monkeypatch, asset_dir):
    import shutil

    from geo.render.assets import pinned

    npm = tmp_path / "npm" / "node_modules" / "leaflet"
    (npm / "dist").mkdir(parents=True)
    (npm / "package.json").write_text('{"name": "leaflet", "version": "1.9.3"}')
    for a in pinned():
        shutil.copy(a.cache_path(asset_dir), npm / a.file)
    monkeypatch.setenv("FRONTLINE_ASSETS", str(tmp_path / "cache"))
    r = run_cli("assets", "fetch", "--from-npm", tmp_path / "npm")
    assert r.exit_code == 0, r.stderr
    assert run_cli("assets", "check").exit_code == 0
    assert run_cli("assets", "list").output.count("cached") == 2


def test_embed_writes_snippet_alt_and_png(store, run_cli, tmp_path):
    out = tmp_path / "emb"
    r = run_cli("--layers", store, "embed", "demo", "2024-09-01", "--since", "2024-08-25", "-o", out,
                "--png", "matplotlib", "--base-url", "https://news.example/maps/")
    assert r.exit_code == 0, r.stderr
    stem = "demo-2024-09-01-since-2024-08-25"
    snippet = (out / f"{stem}.embed.html").read_text()
    assert f'src="https://news.example/maps/{stem}.html"' in snippet
    assert 'loading="lazy"' in snippet and 'title="Map: Demo theatre, 25 Aug → 1 Sep 2024"' in snippet
    assert "aspect-ratio:4/3" in snippet and "min-height:660px" in snippet and "sandbox=" in snippet
    assert "frontline-height" in snippet and "contentWindow!==e.source" in snippet  # the loader, and its check
    alt = (out / f"{stem}.alt.txt").read_text().strip()
    assert alt.startswith("Map of Demo theatre on 1 September 2024 showing Held: 97.5 km²")
    assert alt.count(".") == 2 and alt.endswith("lost.")  # one sentence (the figures' decimal point aside)
    png = (out / f"{stem}.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    assert "<img" not in snippet and "<noscript" not in snippet  # the frame's page shows its own static map
    page = (out / f"{stem}.html").read_text()
    assert f'<meta property="og:image" content="https://news.example/maps/{stem}.card.png">' in page
    from PIL import Image

    assert Image.open(out / f"{stem}.card.png").size == (1200, 630)
    bad = run_cli("--layers", store, "embed", "demo", "2024-09-01", "-o", out, "--base-url", "javascript:x")
    assert bad.exit_code == 2


def test_map_command_does_not_import_folium_for_area(run_cli, store):
    import subprocess
    import sys

    code = ("import sys; from geo.cli import main\n"
            "try: main(['--layers', sys.argv[1], 'area', 'demo', '2024-09-01'])\n"
            "except SystemExit: pass\n"
            "assert 'folium' not in sys.modules and 'branca' not in sys.modules, 'folium imported'\n")
    r = subprocess.run([sys.executable, "-c", code, str(store)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "97.503" in r.stdout


def test_map_as_of_draws_the_version_of_that_time(store, run_cli, tmp_path):
    from geo.store import Store

    s = Store(store)
    first = s.history("demo", "2024-09-01")[0].recorded_at
    s.record("demo", "2024-09-01", {"type": "FeatureCollection", "features": [square(35.0, 51.0, 0.2, "held")]},
             source="https://example.org/v2.geojson", note="second version")
    now = run_cli("--layers", store, "map", "demo", "2024-09-01", "-o", tmp_path / "now.html")
    then = run_cli("--layers", store, "map", "demo", "2024-09-01", "-o", tmp_path / "then.html", "--as-of", first)
    assert now.exit_code == 0 and then.exit_code == 0, now.stderr + then.stderr
    p_now = json.loads(split_blob((tmp_path / "now.html").read_text())[0])
    p_then = json.loads(split_blob((tmp_path / "then.html").read_text())[0])
    assert p_now["caption"].startswith("Held: 312 km²") and "v2: https://example.org/v2.geojson" in str(
        [a["label"] + a["text"] for a in p_now["attribution"]])
    assert p_then["caption"] == "Held: 97.5 km² · Contested: 292 km²"


def test_notebook_display():
    from geo.render.mapping import build_map

    from .helpers import small_inputs

    m = build_map(**small_inputs())
    html = m._repr_html_()
    assert "<iframe srcdoc=" in html and "fl-data-" in html


def test_map_and_timeline_write_their_social_card_with_base_url(store, run_cli, tmp_path):
    from PIL import Image

    r = run_cli("--layers", store, "map", "demo", "2024-09-01", "-o", tmp_path / "m.html")
    assert r.exit_code == 0 and not (tmp_path / "m.card.png").exists()  # no card unless asked: map stays fast
    assert 'property="og:image"' not in (tmp_path / "m.html").read_text()
    r = run_cli("--layers", store, "map", "demo", "2024-09-01", "-o", tmp_path / "m.html",
                "--base-url", "https://news.example/maps/")
    assert r.exit_code == 0, r.stderr
    assert Image.open(tmp_path / "m.card.png").size == (1200, 630)
    page = (tmp_path / "m.html").read_text()
    assert '<meta property="og:image" content="https://news.example/maps/m.card.png">' in page
    r = run_cli("--layers", store, "timeline", "demo", "-o", tmp_path / "t.html", "--card")
    assert r.exit_code == 0, r.stderr
    assert Image.open(tmp_path / "t.card.png").size == (1200, 630)
    assert '<meta property="og:image" content="t.card.png">' in (tmp_path / "t.html").read_text()
    bad = run_cli("--layers", store, "map", "demo", "2024-09-01", "-o", tmp_path / "x.html", "--base-url", "ftp://x")
    assert bad.exit_code == 2 and not (tmp_path / "x.html").exists()
