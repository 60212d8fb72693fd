"""Fixtures of the rendering tests (content checks; no browser)."""

from __future__ import annotations

import pytest

from .helpers import assets_cache


@pytest.fixture(scope="session")
def asset_dir():
    """The filled asset cache (skips locally, fails in CI, where it cannot be had)."""
    return assets_cache()
