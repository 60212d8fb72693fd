"""Shared fixtures: the real data folder, a store of the real series (built once), and a CLI runner that
re-raises unexpected exceptions, so that a crash can never pass as a non-zero exit (as kart's tests do)."""

from __future__ import annotations

import json
import os
import traceback
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    """``../shared/data/kursk`` beside the repository, or ``$FRONTLINE_SHARED_DATA``."""
    env = os.environ.get("FRONTLINE_SHARED_DATA")
    return Path(env) if env else (REPO / ".." / "shared" / "data" / "kursk").resolve()


def _need(d: Path, what: str) -> Path:
    """``d`` if it holds a daily series; else skip with the reason (fail in CI, which must run these tests)."""
    if not (d / "deepstate" / "daily").is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the real-data tests, but {d} is absent")
        pytest.skip(f"real data absent: {d} (the licensed {what} is read from ../shared, never copied)")
    return d


def need_shared_data() -> Path:
    return _need(shared_data_dir(), "Kursk series")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return need_shared_data()


class CliResult:
    def __init__(self, code, out, err):
        self.exit_code, self.output, self.stderr = code, out, err

    def json(self):
        return json.loads(self.output)


@pytest.fixture
def run_cli(capsys):
    """Run ``frontline ARGS`` in-process through ``geo.cli.main``; return exit code, stdout, stderr.

    Any exception other than SystemExit propagates: a traceback is a test failure, never an exit code.
    """
    from geo.cli import main

    def run(*args):
        capsys.readouterr()
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:
            raise AssertionError("frontline crashed:\n" + traceback.format_exc()) from None
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    return run


@pytest.fixture
def demo(tmp_path, run_cli):
    """A store with theatre 'demo' (held, contested, a front line; a 2-degree square region), no layers."""
    from common import layer, square, write

    root = tmp_path / "layers"
    region = write(tmp_path / "region.geojson", layer(square(34.0, 50.5, 2.0)))
    r = run_cli("--layers", root, "init", "demo", "--title", "Demo", "--status", "held=Held:#1f6fb4",
                "--status", "contested=Contested", "--status", "front=Front line:#d62728:line", "--region", region)
    assert r.exit_code == 0, r.stderr
    return root


def kursk_region(shared: Path, dest: Path) -> Path:
    """Write the Kursk Oblast polygon (from the shared oblasts file) to ``dest`` (a temp path), return it."""
    d = json.loads((shared / "context" / "oblasts.geojson").read_text())
    k = {"type": "FeatureCollection", "features": [f for f in d["features"]
                                                   if f["properties"]["name"] == "Kursk Oblast"]}
    dest.write_text(json.dumps(k))
    return dest


def make_real_store(root: Path, shared: Path, *, daily: bool = True) -> Path:
    """A store with theatre 'kursk' like the real series: three statuses, the Kursk region, oblasts as regions."""
    from geo.importers import ImportOptions, import_paths
    from geo.store import Store
    from geo.theatre import Status, Theatre

    store = Store(root)
    tdir = root / "kursk" / "context"
    tdir.mkdir(parents=True)
    kursk_region(shared, tdir / "region.geojson")
    (tdir / "oblasts.geojson").write_bytes((shared / "context" / "oblasts.geojson").read_bytes())
    (tdir / "settlements.geojson").write_bytes((shared / "context" / "settlements.geojson").read_bytes())
    t = Theatre("kursk", "Kursk (real series)", (
        Status("ua_controlled", "Ukrainian-held", "#1f6fb4"), Status("grey_zone", "Contested", "#9e9e9e"),
        Status("contact_line", "Front line", "#d62728", "line")),
        bbox=(33.9, 50.7, 38.7, 52.6), region_polygon="context/region.geojson", regions="context/oblasts.geojson",
        context={"settlements": "context/settlements.geojson"})
    (root / "kursk" / "theatre.toml").write_text(t.to_toml())
    if daily:
        import_paths(store, "kursk", [shared / "deepstate" / "daily"], ImportOptions(source="DeepStateMap daily"))
    return root


def add_bundled_reconstruction(root: Path, name: str = "kursk-recon", *, bbox=None) -> Path:
    """Theatre ``name`` in the store at ``root``: the bundled ``layers/kursk`` (the approximate reconstruction),
    its settings and context copied and its current layers imported (one version a date). ``bbox`` replaces
    its region's bbox (to share another theatre's projection centre)."""
    import dataclasses
    import shutil

    from geo.importers import ImportOptions, import_paths
    from geo.store import Store
    from geo.theatre import Theatre

    src = REPO / "layers" / "kursk"
    shutil.copytree(src / "context", root / name / "context")
    toml = (src / "theatre.toml").read_text()
    if bbox is not None:
        toml = dataclasses.replace(Theatre.from_toml(toml, name), bbox=tuple(bbox)).to_toml()
    (root / name / "theatre.toml").write_text(toml)
    import_paths(Store(root), name, [src], ImportOptions(source="bundled reconstruction (layers/kursk)"))
    return root


@pytest.fixture(scope="session")
def real_store(tmp_path_factory) -> Path:
    """The 258 real daily layers imported into a fresh store (once per session); treat as read-only."""
    shared = need_shared_data()
    return make_real_store(tmp_path_factory.mktemp("real") / "layers", shared)


def ukraine_data_dir() -> Path:
    """``../shared/data/ukraine`` (the whole-front daily series) beside the Kursk data folder."""
    return shared_data_dir().parent / "ukraine"


def need_ukraine_data() -> Path:
    return _need(ukraine_data_dir(), "whole-front series")


def make_ukraine_store(root: Path, shared: Path) -> Path:
    """A store with theatre 'ua': the whole-front daily series, one status ``ru_occupied`` (as the README's)."""
    from geo.importers import ImportOptions, import_paths
    from geo.store import Store
    from geo.theatre import Status, Theatre

    store = Store(root)
    store.init(Theatre("ua", "Russian-occupied Ukraine (DeepStateMap daily)",
                       (Status("ru_occupied", "Russian-occupied", "#d62728"),)))
    import_paths(store, "ua", [shared / "deepstate" / "daily"],
                 ImportOptions(status="ru_occupied", source="DeepStateMap daily (cyterat/deepstate-map-data)"))
    return root


@pytest.fixture(scope="session")
def ukraine_store(tmp_path_factory) -> Path:
    """The 353 whole-front daily layers imported into a fresh store (once per session); treat as read-only."""
    return make_ukraine_store(tmp_path_factory.mktemp("ua") / "layers", need_ukraine_data())


@pytest.fixture(scope="session")
def reference_areas() -> dict:
    import csv

    shared = need_shared_data()
    with open(shared / "deepstate" / "reference_areas.csv", newline="") as f:
        return {r["date"]: {k: float(v) for k, v in r.items() if k != "date"} for r in csv.DictReader(f)}


CHROMIUM = os.environ.get("FRONTLINE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def browser_unavailable(reason: str):
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI must run the browser tests: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium():
    """The one headless Debian Chromium of the session, through Playwright's sync API.

    One per session because Playwright's sync API refuses to start inside a running one: every folder's browser
    tests share this fixture. Skips locally where Chromium or Playwright is missing, fails in CI.
    """
    if not Path(CHROMIUM).exists():
        browser_unavailable(f"no Chromium at {CHROMIUM}: run scripts/ensure-browser")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        browser_unavailable("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
