"""The 258 real daily layers in PostGIS: copied from a folder store, the same areas to the last digit, and back
to a folder byte for byte."""

from __future__ import annotations

import pytest

from geo.store import Store, copy_theatre, open_store, verify

from .test_cli_backends import snapshot

pytestmark = [pytest.mark.realdata, pytest.mark.slow]


def test_real_series_round_trips_with_equal_areas(real_store, pg_location, tmp_path, run_cli):
    folder = Store(real_store)
    pg = open_store(pg_location)
    r = copy_theatre(folder, pg, "kursk")
    assert r.created and r.appended == r.total == 258
    assert pg.log("kursk") == folder.log("kursk")
    assert verify(pg, "kursk").ok
    for args in (["area", "kursk", "--all", "--json"], ["area", "kursk", "--all", "--by", "region", "--json"]):
        a = run_cli("--layers", real_store, *args)
        b = run_cli("--layers", pg_location, *args)
        assert a.exit_code == b.exit_code == 0, b.stderr
        assert a.output == b.output  # same versions, same bytes, same code: the same figures exactly
    n = pg.conn.execute("SELECT count(DISTINCT date) FROM current_features WHERE theatre = 'kursk'").fetchone()[0]
    assert n == sum(1 for e in folder.latest("kursk").values() if e.features)  # empty layers have no rows
    back = tmp_path / "back"
    copy_theatre(pg, Store(back), "kursk")
    assert snapshot(back / "kursk") == snapshot(real_store / "kursk")
