"""``frontline embed`` with Chromium present: the PNG is a screenshot of the self-contained page."""

import pytest

pytestmark = pytest.mark.browser


def test_embed_png_drawn_by_chromium(browser, asset_dir, run_cli, tmp_path, monkeypatch):
    from render.helpers import DATA, THEATRE, load

    from geo.store import Store

    monkeypatch.setenv("FRONTLINE_ASSETS", str(asset_dir))
    root = tmp_path / "layers"
    s = Store(root)
    s.init(THEATRE)
    s.record("demo", "2024-09-01", load("small.geojson") | {"features": load("small.geojson")["features"][:3]},
             source="https://example.org/a.geojson")
    ctx = run_cli("--layers", root, "context", "demo", "settlements", DATA / "small-settlements.geojson")
    assert ctx.exit_code == 0
    r = run_cli("--layers", root, "embed", "demo", "2024-09-01", "-o", tmp_path / "out", "--png", "chromium",
                "--width", "600", "--height", "450")
    assert r.exit_code == 0, r.stderr
    assert "png drawn with chromium" in r.output
    png = (tmp_path / "out" / "demo-2024-09-01.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (600, 450)
