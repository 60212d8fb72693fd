"""Shared pieces of the reliability suite: layers, stores, snapshots, a CLI runner that lets crashes through.

Everything here builds synthetic data inside the Kursk region of interest, so the suite needs nothing from
``../shared`` (the real data is used only where a test says so and skips without it).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import click
from click.testing import CliRunner

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
BAD_DIR = REPO / "tests" / "data" / "bad"

#: The synthetic theatre's region: a rectangle around the incursion (lon/lat), used as the region polygon.
REGION = (34.6, 50.9, 36.2, 51.8)  # west, south, east, north
STATUSES = ("ua_controlled=Ukrainian-held:#1f6fb4", "grey_zone=Contested:#9e9e9e",
            "contact_line=Front line:#d62728:line")


def shared_data() -> Path | None:
    """The real Kursk data (``$FRONTLINE_SHARED_DATA`` or ``../shared/data/kursk``), or None where absent."""
    env = os.environ.get("FRONTLINE_SHARED_DATA")
    p = Path(env) if env else REPO / ".." / "shared" / "data" / "kursk"
    return p.resolve() if (p / "deepstate" / "daily").is_dir() else None


# ---- layers -------------------------------------------------------------------------------------------------
def ring(cx: float, cy: float, r: float, n: int = 16) -> list[list[float]]:
    """A closed counter-clockwise ring of ``n`` vertices around (cx, cy), radius ``r`` degrees."""
    pts = [[round(cx + r * math.cos(2 * math.pi * k / n), 9), round(cy + r * math.sin(2 * math.pi * k / n), 9)]
           for k in range(n)]
    return pts + [pts[0]]


def layer(seed: int = 0, *, n: int = 16, features: int = 2) -> dict:
    """A valid layer whose content depends on ``seed`` (distinct seeds give distinct versions)."""
    feats = []
    for k in range(features):
        cx = 35.0 + 0.05 * k + 1e-5 * seed
        cy = 51.3 + 1e-5 * (seed % 997)
        status = "ua_controlled" if k % 2 == 0 else "grey_zone"
        feats.append({"type": "Feature", "properties": {"status": status, "name": f"area {k}", "seed": seed},
                      "geometry": {"type": "Polygon", "coordinates": [ring(cx, cy, 0.02, n)]}})
    feats.append({"type": "Feature", "properties": {"status": "contact_line"},
                  "geometry": {"type": "LineString", "coordinates": [[35.0, 51.0 + 1e-5 * seed], [35.4, 51.1]]}})
    return {"type": "FeatureCollection", "features": feats}


def big_layer(seed: int, vertices: int) -> dict:
    """A valid one-polygon layer with about ``vertices`` vertices (slow to validate, hash and write)."""
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"status": "ua_controlled", "seed": seed},
         "geometry": {"type": "Polygon", "coordinates": [ring(35.2 + 1e-6 * seed, 51.3, 0.2, vertices)]}}]}


def write_json(path: Path, obj) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj), encoding="utf-8")
    return path


def region_file(path: Path) -> Path:
    w, s, e, n = REGION
    return write_json(path, {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "region"},
         "geometry": {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}}]})


def init_args(root: Path, region: Path, name: str = "kursk", title: str | None = None,
              statuses=STATUSES) -> list[str]:
    args = ["--layers", str(root), "init", name, "--region", str(region)]
    if title is not None:
        args += ["--title", title]
    for s in statuses:
        args += ["--status", s]
    return args


# ---- snapshots of a store -----------------------------------------------------------------------------------
def snapshot(root: Path) -> dict[str, str]:
    """``{relative path: sha256 or 'dir'}`` of every file and folder under ``root`` (the store, byte for byte)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            out[os.path.relpath(os.path.join(dirpath, d), root) + "/"] = "dir"
        for f in filenames:
            p = os.path.join(dirpath, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, root)] = hashlib.sha256(fh.read()).hexdigest()
    return out


def snapshot_diff(before: dict, after: dict) -> list[str]:
    return sorted({k for k in before.keys() | after.keys() if before.get(k) != after.get(k)})


# ---- running the CLI ----------------------------------------------------------------------------------------
class Result:
    def __init__(self, code: int, stdout: str, stderr: str):
        self.exit_code, self.stdout, self.stderr = code, stdout, stderr

    def __repr__(self):
        return f"Result(exit {self.exit_code}, stdout={self.stdout[-300:]!r}, stderr={self.stderr[-600:]!r})"


class UnexpectedException(AssertionError):
    """An exception other than a frontline error or a click exit escaped the CLI: a crash, not a refusal."""


def run_cli(args: list[str], *, env: dict | None = None) -> Result:
    """Run ``geo.cli.main`` in-process with separate stdout/stderr; re-raise anything that is not an exit.

    ``geo.cli.main`` turns frontline errors into one line and ``sys.exit``; anything else escaping it would be a
    traceback for the user, so it is re-raised here (kart's test runner does the same) instead of passing as a
    non-zero exit.
    """
    from geo.cli import main

    runner = CliRunner()
    with runner.isolation(env=env) as (out, err, *_):
        code = 0
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except click.exceptions.Exit as exc:  # pragma: no cover - main handles it
            code = exc.exit_code
        except Exception as exc:
            raise UnexpectedException(f"frontline {' '.join(map(str, args))} crashed: {exc!r}") from exc
        stdout, stderr = out.getvalue().decode("utf-8", "replace"), err.getvalue().decode("utf-8", "replace")
    return Result(code, stdout, stderr)


def frontline_cmd(*args: str) -> list[str]:
    """Argv for a real ``frontline`` subprocess (the venv's console script; same interpreter as the tests)."""
    script = Path(PYTHON).with_name("frontline")
    if script.exists():
        return [str(script), *map(str, args)]
    return [PYTHON, "-c", "from geo.cli import main; main()", *map(str, args)]


def run_sub(*args: str, timeout: float = 120, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "FRONTLINE_NO_CACHE": "1", **(env or {})}
    return subprocess.run(frontline_cmd(*args), capture_output=True, text=True, timeout=timeout, env=full_env)


def assert_refused_cleanly(res: Result, code: int = 2) -> None:
    """Exit ``code`` with exactly one non-empty line on stderr and no traceback."""
    assert res.exit_code == code, res
    lines = [x for x in res.stderr.splitlines() if x.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}: {res.stderr!r}"
    assert "Traceback" not in res.stderr and "Traceback" not in res.stdout, res
