"""No silent empty answers: every read that finds nothing says so in one line with exit 1 (a negative answer)
or 2 (bad input), and prints nothing on stdout. Each case here printed an empty table or nothing with exit 0."""

import json
import shutil
from pathlib import Path

import pytest

BUNDLED = Path(__file__).resolve().parents[1] / "layers" / "kursk"
EARLY = "2024-09-01T12:00:00Z"  # a front-line date of the series, but long before any version was recorded


@pytest.fixture
def kursk(tmp_path):
    root = tmp_path / "layers"
    shutil.copytree(BUNDLED, root / "kursk", ignore=shutil.ignore_patterns("cache"))
    return root


CASES = {
    "area --all --as-of early": (["area", "kursk", "--all", "--as-of", EARLY], 1, "had no layer recorded by"),
    "area --as-of early": (["area", "kursk", "--as-of", EARLY], 1, "not a front-line date"),
    "dates --as-of early": (["dates", "kursk", "--as-of", EARLY], 1, "had no layer recorded by"),
    "dates --gaps --as-of early": (["dates", "kursk", "--gaps", "--as-of", EARLY], 1, "had no layer recorded by"),
    "places NAME --as-of early": (["places", "kursk", "Sudzha", "--as-of", EARLY], 1, "had no layer recorded by"),
    "changes --as-of early": (["changes", "kursk", "--as-of", EARLY], 1, "had no layer recorded by"),
    "timeline --as-of early": (["timeline", "kursk", "--as-of", EARLY], 1, "had no layer recorded by"),
    "changes --from after --to": (["changes", "kursk", "--from", "2024-09-01", "--to", "2024-08-01"], 2,
                                  "--from 2024-09-01 is after --to 2024-08-01"),
    "changes, a range without layers": (["changes", "kursk", "--from", "2024-08-28", "--to", "2024-09-12"], 1,
                                        "no layer between 2024-08-28 and 2024-09-12"),
    "changes, a single date": (["changes", "kursk", "--from", "2024-08-28", "--to", "2024-09-13"], 1,
                               "a single date to compare"),
    "places, never inside a status": (["places", "kursk", "Kursk"], 1, "never lay inside any status"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_an_empty_answer_is_one_line_and_a_non_zero_exit(kursk, run_cli, case):
    args, code, message = CASES[case]
    r = run_cli("--layers", kursk, *args)
    assert (r.exit_code, r.output) == (code, ""), r.output
    assert len(r.stderr.strip().splitlines()) == 1 and message in r.stderr, r.stderr


def test_an_empty_store_or_theatre(tmp_path, run_cli):
    empty = tmp_path / "nothing"
    for args in (["verify"], ["copy", empty, tmp_path / "other"]):
        r = run_cli("--layers", empty, *args)
        assert (r.exit_code, r.output) == (1, ""), args
        assert "no theatre to" in r.stderr
    root = tmp_path / "layers"
    assert run_cli("--layers", root, "init", "t").exit_code == 0
    for args in (["area", "t"], ["area", "t", "--all"], ["dates", "t"], ["dates", "t", "--gaps"], ["changes", "t"]):
        r = run_cli("--layers", root, *args)
        assert (r.exit_code, r.output) == (1, ""), args
        assert "theatre 't' has no layers" in r.stderr


def test_a_place_inside_a_status_still_answers(kursk, run_cli):
    r = run_cli("--layers", kursk, "places", "kursk", "Sudzha")
    assert r.exit_code == 0 and "Ukrainian-held" in r.output


def test_gaps_list_every_missing_day(kursk, run_cli):
    dates = sorted(p.stem for p in BUNDLED.glob("*.geojson"))
    doc = run_cli("--layers", kursk, "dates", "kursk", "--gaps", "--json").json()
    assert doc["schema"] == "frontline.gaps/v1" and list(doc) == sorted(doc)
    import datetime as dt

    first, last = dt.date.fromisoformat(dates[0]), dt.date.fromisoformat(dates[-1])
    every = {(first + dt.timedelta(days=i)).isoformat() for i in range((last - first).days + 1)}
    missing = []
    for g in doc["gaps"]:
        a, b = dt.date.fromisoformat(g["from"]), dt.date.fromisoformat(g["to"])
        missing += [(a + dt.timedelta(days=i)).isoformat() for i in range(g["days"])]
        assert (a + dt.timedelta(days=g["days"] - 1)) == b
    assert sorted(missing) == sorted(every - set(dates)) and doc["missing_days"] == len(missing)
    text = run_cli("--layers", kursk, "dates", "kursk", "--gaps").output.splitlines()
    assert text[0] == "2024-08-07 … 2024-08-08  2 days"
    assert text[-1] == f"{len(missing)} missing day(s) in {len(doc['gaps'])} gap(s) between {dates[0]} and " \
                       f"{dates[-1]} ({len(dates)} layers)"


def test_a_series_without_gaps_says_so(tmp_path, run_cli):
    root = tmp_path / "layers"
    region = tmp_path / "r.geojson"
    from common import SQUARE, layer, square

    region.write_text(json.dumps(layer(square(34.0, 50.5, 2.0))))
    run_cli("--layers", root, "init", "demo", "--status", "held=Held", "--region", region)
    for d in ("2024-08-01", "2024-08-02"):
        (tmp_path / f"{d}.geojson").write_text(json.dumps(SQUARE))
        run_cli("--layers", root, "import", "demo", tmp_path / f"{d}.geojson")
    r = run_cli("--layers", root, "dates", "demo", "--gaps")
    assert (r.exit_code, r.output) == (0, "no missing day between 2024-08-01 and 2024-08-02 (2 layers)\n")
