"""Fixtures of the reliability suite, and the figures it measures.

Counts: the default run (CI) uses small counts; ``scripts/reliability-full`` sets ``FRONTLINE_RELIABILITY=full``
for the counts promised in RELIABILITY.md. Figures (crashes survived, where kills landed, …) are gathered in the
session-wide ``figures`` dict and written as JSON to ``$FRONTLINE_RELIABILITY_FIGURES`` when that is set.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from .helpers import init_args, region_file, run_cli

FULL = os.environ.get("FRONTLINE_RELIABILITY", "").lower() == "full"

#: (default run, full run) for each repeated attack.
COUNTS = {
    "crashes": (12, 100),
    "concurrency_rounds": (1, 5),
    "hypothesis_examples": (60, 600),
}

_FIGURES: dict = {}


def count(name: str) -> int:
    """The count of ``name`` for this run; ``$FRONTLINE_RELIABILITY_<NAME>`` overrides it."""
    env = os.environ.get(f"FRONTLINE_RELIABILITY_{name.upper()}")
    if env:
        return int(env)
    default, full = COUNTS[name]
    return full if FULL else default


@pytest.fixture(scope="session")
def figures() -> dict:
    return _FIGURES


def add_figure(section: str, **values) -> None:
    """Add counts to ``figures[section]`` (numbers are summed, lists extended, other values replaced)."""
    sec = _FIGURES.setdefault(section, {})
    for k, v in values.items():
        if isinstance(v, (int, float)) and not isinstance(v, bool) and isinstance(sec.get(k), (int, float)):
            sec[k] += v
        elif isinstance(v, list) and isinstance(sec.get(k), list):
            sec[k].extend(v)
        elif isinstance(v, dict) and isinstance(sec.get(k), dict):
            for kk, vv in v.items():
                sec[k][kk] = sec[k].get(kk, 0) + vv
        else:
            sec[k] = v


def pytest_sessionfinish(session, exitstatus):
    path = os.environ.get("FRONTLINE_RELIABILITY_FIGURES")
    if path and _FIGURES:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps({"mode": "full" if FULL else "default", **_FIGURES}, indent=2,
                                         sort_keys=True) + "\n", encoding="utf-8")


@pytest.fixture
def region(tmp_path) -> Path:
    return region_file(tmp_path / "region.geojson")


@pytest.fixture
def store_root(tmp_path, region) -> Path:
    """A store with one empty theatre ``kursk`` (two area statuses and a line status, region bbox set)."""
    root = tmp_path / "layers"
    res = run_cli(init_args(root, region))
    assert res.exit_code == 0, res
    return root
