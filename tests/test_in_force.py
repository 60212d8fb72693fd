"""``--in-force`` on the commands that draw (map, embed, timeline, chart) and on history: the layer drawn is the
one in force, the printed line names it, and ``requested_date`` is handed on only where it differs."""

import shutil
from pathlib import Path

import pytest

from geo.commands.map import map_inputs
from geo.commands.timeline import timeline_inputs
from geo.errors import NoLayerOnDate
from geo.store import Store

BUNDLED = Path(__file__).resolve().parents[1] / "layers" / "kursk"


@pytest.fixture
def kursk(tmp_path):
    root = tmp_path / "layers"
    shutil.copytree(BUNDLED, root / "kursk", ignore=shutil.ignore_patterns("cache"))
    return root


def test_map_inputs_hand_on_the_requested_date_only_where_it_differs(kursk):
    store = Store(kursk)
    forced = map_inputs(store, "kursk", "2025-01-01", since="2024-12-01", in_force=True)
    assert (forced["date"], forced["requested_date"], forced["since"]) == ("2024-12-31", "2025-01-01", "2024-11-10")
    assert forced["collection"] == store.read("kursk", "2024-12-31").collection
    own = map_inputs(store, "kursk", "2024-12-31", in_force=True)
    assert "requested_date" not in own and own["date"] == "2024-12-31"
    assert {k: v for k, v in forced.items() if k not in ("requested_date", "since", "changes")} == {
        k: v for k, v in own.items() if k not in ("since", "changes")}
    with pytest.raises(NoLayerOnDate):
        map_inputs(store, "kursk", "2025-01-01")
    with pytest.raises(NoLayerOnDate, match="no layer in force on 2024-08-01"):
        map_inputs(store, "kursk", "2024-08-01", in_force=True)


def test_map_command_names_the_layer_drawn(kursk, tmp_path, run_cli):
    out = tmp_path / "m.html"
    r = run_cli("--layers", kursk, "map", "kursk", "2025-01-01", "--in-force", "-o", out)
    assert r.exit_code == 0, r.stderr
    assert r.output.splitlines()[1:] == ["in force: 2025-01-01 → layer of 2024-12-31"]
    assert "2024-12-31" in out.read_text(encoding="utf-8")
    r = run_cli("--layers", kursk, "map", "kursk", "2024-12-31", "--in-force", "-o", out)
    assert r.exit_code == 0 and len(r.output.splitlines()) == 1
    r = run_cli("--layers", kursk, "map", "kursk", "2025-01-01", "-o", out)
    assert r.exit_code == 1 and "nearest: 2024-12-31, 2025-01-06" in r.stderr


def test_embed_names_the_layer_drawn(kursk, tmp_path, run_cli):
    r = run_cli("--layers", kursk, "embed", "kursk", "2025-01-01", "--in-force", "--png", "matplotlib",
                "-o", tmp_path / "e")
    assert r.exit_code == 0, r.stderr
    assert r.output.splitlines()[-1] == "in force: 2025-01-01 → layer of 2024-12-31"
    assert (tmp_path / "e" / "kursk-2025-01-01.alt.txt").exists()


def test_timeline_inputs_and_command_under_in_force(kursk, tmp_path, run_cli):
    store = Store(kursk)
    t = timeline_inputs(store, "kursk", date_from="2025-01-01", date_to="2025-03-01", in_force=True)
    assert [x["date"] for x in t["layers"]] == ["2024-12-31", "2025-01-06", "2025-01-31", "2025-02-28"]
    assert t["requested_date"] == "2025-03-01"
    assert "requested_date" not in timeline_inputs(store, "kursk", date_to="2025-03-01")
    assert "requested_date" not in timeline_inputs(store, "kursk", date_to="2025-02-28", in_force=True)
    r = run_cli("--layers", kursk, "timeline", "kursk", "--from", "2025-01-01", "--to", "2025-03-01", "--in-force",
                "-o", tmp_path / "t.html")
    assert r.exit_code == 0, r.stderr
    assert r.output.splitlines()[1:] == ["in force: 2025-01-01 → layer of 2024-12-31",
                                         "in force: 2025-03-01 → layer of 2025-02-28"]


def test_chart_under_in_force(kursk, tmp_path, run_cli):
    pytest.importorskip("matplotlib")
    r = run_cli("--layers", kursk, "chart", "kursk", "--from", "2025-01-01", "--in-force", "-o", tmp_path / "c.svg")
    assert r.exit_code == 0, r.stderr
    assert r.output.splitlines()[0].startswith(f"{tmp_path / 'c.svg'} (9 dates")
    assert r.output.splitlines()[1] == "in force: 2025-01-01 → layer of 2024-12-31"


def test_history_under_in_force_and_as_of(kursk, run_cli):
    r = run_cli("--layers", kursk, "history", "kursk", "2025-01-01", "--in-force")
    assert r.exit_code == 0 and r.output.splitlines()[0] == "in force: 2025-01-01 → layer of 2024-12-31"
    doc = run_cli("--layers", kursk, "history", "kursk", "2025-01-01", "--in-force", "--json").json()
    assert (doc["date"], doc["layer_date"], len(doc["versions"])) == ("2025-01-01", "2024-12-31", 1)
    r = run_cli("--layers", kursk, "history", "kursk", "2024-12-31", "--as-of", "2000-01-01")
    assert r.exit_code == 1 and "had no layer recorded by 2000-01-01" in r.stderr
