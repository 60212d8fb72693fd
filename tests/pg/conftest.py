"""Fixtures of the PostGIS store's tests: the server's URL, a fresh schema per test, both backends.

The server is the one ``scripts/ensure-postgres`` starts (``make test`` passes its URL in ``$FRONTLINE_TEST_PG``).
Unset, the PostGIS half of these tests is skipped with that reason on a developer's machine, and fails under CI
(``CI=true``), where a skipped backend would pass for a tested one.
"""

from __future__ import annotations

import os
import uuid

import pytest
from common import THEATRE

BACKENDS = ["folder", "postgis"]


def pg_url_or_skip() -> str:
    url = os.environ.get("FRONTLINE_TEST_PG")
    if not url:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI must test the PostGIS store, but $FRONTLINE_TEST_PG is unset "
                        "(make test sets it from scripts/ensure-postgres)")
        pytest.skip("no PostgreSQL for the PostGIS store: set FRONTLINE_TEST_PG, e.g. "
                    "FRONTLINE_TEST_PG=$(scripts/ensure-postgres)")
    return url


def drop_schema(url: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def pg_location():
    """A PostGIS store URL with a schema of its own, dropped after the test."""
    url = pg_url_or_skip()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    sep = "&" if "?" in url else "?"
    yield f"{url}{sep}schema={schema}"
    drop_schema(url, schema)


def open_location(backend: str, tmp_path, request) -> str:
    if backend == "folder":
        return str(tmp_path / "layers")
    return request.getfixturevalue("pg_location")


@pytest.fixture(params=BACKENDS)
def location(request, tmp_path) -> str:
    """The location of an empty store, once per backend: a folder path or a PostGIS URL."""
    return open_location(request.param, tmp_path, request)


@pytest.fixture
def store(location):
    """An open store of either backend with theatre 'demo' (the fixture tests/test_store.py's scenarios take)."""
    from geo.store import open_store

    s = open_store(location)
    s.init(THEATRE)
    yield s
    if hasattr(s, "close"):
        s.close()
