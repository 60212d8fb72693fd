import json
import shutil

import pytest

from geo.errors import InvalidInput, MissingResource
from geo.render import assets


def test_pins_are_leaflet_only_with_sha384():
    pins = assets.pinned()
    assert {a.package for a in pins} == {"leaflet"}
    assert {a.kind for a in pins} == {"js", "css"}
    for a in pins:
        assert a.integrity.startswith("sha384-") and len(a.integrity) == 71
        assert a.url.startswith("https://") and a.spec in a.url


def test_cdn_head_carries_sri_and_crossorigin():
    html = assets.head_html("cdn")
    assert html.count('integrity="sha384-') == 2
    assert html.count('crossorigin="anonymous"') == 2
    assert html.index("leaflet.css") < html.index("leaflet.js")


def test_unknown_mode_refused():
    with pytest.raises(InvalidInput, match="cdn, inline"):
        assets.head_html("both")


def test_inline_without_cache_or_package_says_how_to_get_them(tmp_path, monkeypatch):
    monkeypatch.setattr(assets, "packaged_path", lambda a: None)  # as if XStatic-Leaflet were not installed
    with pytest.raises(MissingResource, match="frontline assets fetch"):
        assets.head_html("inline", cache_root=tmp_path)


def test_inline_from_cache_checks_hash(asset_dir, tmp_path):
    html = assets.head_html("inline", cache_root=asset_dir)
    assert "sourceMappingURL" not in html and "<script src" not in html and "<link" not in html
    # a tampered cache file is refused
    bad = tmp_path / "cache"
    shutil.copytree(asset_dir, bad)
    p = assets.pinned()[1].cache_path(bad)
    p.write_bytes(p.read_bytes() + b"//x")
    with pytest.raises(MissingResource, match="does not match"):
        assets.head_html("inline", cache_root=bad)


def _fake_npm(root, version, data=None):
    pkg = root / "node_modules" / "leaflet"
    (pkg / "dist").mkdir(parents=True)
    (pkg / "package.json").write_text(json.dumps({"name": "leaflet", "version": version}))
    for a in assets.pinned():
        (pkg / a.file).write_bytes(data if data is not None else b"")
    return root


def test_fetch_from_npm_refuses_other_version_and_other_bytes(tmp_path):
    with pytest.raises(InvalidInput, match="1.9.3 is pinned"):
        assets.fetch(tmp_path / "c1", from_npm=_fake_npm(tmp_path / "n1", "1.9.4"))
    with pytest.raises(InvalidInput, match="differs from the pinned"):
        assets.fetch(tmp_path / "c2", from_npm=_fake_npm(tmp_path / "n2", "1.9.3", b"evil"))
    assert not (tmp_path / "c2").exists() or not any((tmp_path / "c2").rglob("*.js"))
    with pytest.raises(MissingResource, match="npm install"):
        assets.fetch(tmp_path / "c3", from_npm=tmp_path / "empty")


def test_fetch_from_npm_fills_cache(asset_dir, tmp_path):
    npm = tmp_path / "npm"
    _fake_npm(npm, "1.9.3")
    for a in assets.pinned():
        shutil.copy(a.cache_path(asset_dir), npm / "node_modules" / "leaflet" / a.file)
    cache = tmp_path / "cache"
    written = assets.fetch(cache, from_npm=npm)
    assert len(written) == 2 and assets.check(cache) == []


def test_inline_works_right_after_pip_install_with_no_cache(tmp_path, monkeypatch):
    """XStatic-Leaflet ships the pinned bytes: an empty cache still inlines Leaflet, and a tampered package is
    refused like a tampered cache."""
    empty = tmp_path / "no-cache"
    html = assets.head_html("inline", cache_root=empty)
    assert "leaflet@1.9.3/dist/leaflet.js" in html and html.count("<script>") == 1
    assert assets.check(empty) == ["leaflet.css", "leaflet.js"]  # the cache itself is still empty
    written = assets.fetch(tmp_path / "filled")  # no network, no npm: from the package
    assert len(written) == 2 and assets.check(tmp_path / "filled") == []
    fake = tmp_path / "pkg"
    fake.mkdir()
    for a in assets.pinned():
        (fake / a.python_file).write_bytes(b"/* not leaflet */")
    monkeypatch.setattr(assets, "packaged_path", lambda a: fake / a.python_file)
    with pytest.raises(MissingResource, match="does not match"):
        assets.head_html("inline", cache_root=tmp_path / "still-empty")
