"""Theatre settings: a status option or a theatre.toml with a bad colour or kind is refused, naming the part."""

import json

import pytest

from geo.errors import InvalidInput
from geo.theatre import Theatre, normalise_colour, parse_status_option


@pytest.mark.parametrize("text,want", [
    ("held=Held", ("held", "Held", "#1f6fb4", "area")),
    ("held=Held:#1F6FB4", ("held", "Held", "#1F6FB4", "area")),
    ("held=Held:#abc", ("held", "Held", "#aabbcc", "area")),
    ("held=Held:#abcd", ("held", "Held", "#aabbccdd", "area")),
    ("held=Held:SteelBlue", ("held", "Held", "#4682b4", "area")),
    ("front=Front line:#d62728:line", ("front", "Front line", "#d62728", "line")),
    ("front=Front line:line", ("front", "Front line", "#1f6fb4", "line")),
    ("front=Front line::line", ("front", "Front line", "#1f6fb4", "line")),
    ("held=", ("held", "held", "#1f6fb4", "area")),
    ("held=Zone: A:#1f6fb4:line", ("held", "Zone: A", "#1f6fb4", "line")),
    ("held=L1:javascript:alert(1)", ("held", "L1:javascript:alert(1)", "#1f6fb4", "area")),
    ("held=L1:<style>*{display:none}</style>", ("held", "L1:<style>*{display:none}</style>", "#1f6fb4", "area")),
])
def test_status_options(text, want):
    s = parse_status_option(text)
    assert (s.key, s.label, s.colour, s.kind) == want


@pytest.mark.parametrize("text,part", [
    ("held=Held:#zzzzzz", "colour '#zzzzzz'"),
    ("held=Held:#12345", "colour '#12345'"),
    ("held=Held:blu", "colour 'blu'"),
    ("held=Held:#1f6fb4:polygon", "kind 'polygon'"),
    ("held=Held:#zzzzzz:line", "colour '#zzzzzz'"),
    ("held=Held:#1f6fb4:poly gon", "kind 'poly gon'"),
    ("held", "expected KEY=LABEL"),
])
def test_bad_status_options_name_the_wrong_part(text, part):
    with pytest.raises(InvalidInput, match=part):
        parse_status_option(text)


def test_init_refuses_and_writes_nothing(tmp_path, run_cli):
    root = tmp_path / "layers"
    for st in ("held=Held:#zzzzzz", "held=Held:#1f6fb4:polygon"):
        r = run_cli("--layers", root, "init", "demo", "--status", st)
        assert r.exit_code == 2 and r.output == "" and len(r.stderr.strip().splitlines()) == 1
        assert not (root / "demo").exists()


def test_every_css_name_is_a_colour_and_a_toml_colour_is_checked():
    from geo.theatre import css_colour_names

    names = css_colour_names()
    assert len(names) == 148 and {"rebeccapurple", "grey", "gray"} <= set(names)
    assert all(normalise_colour(n.upper()) == v for n, v in names.items())
    toml = 'title = "t"\n[[status]]\nkey = "held"\ncolour = "%s"\n'
    assert Theatre.from_toml(toml % "navy", "t").statuses[0].colour == "#000080"
    with pytest.raises(InvalidInput, match="invalid colour 'nope' for status 'held'"):
        Theatre.from_toml(toml % "nope", "t")
    with pytest.raises(InvalidInput, match="invalid kind 'polygon'"):
        Theatre.from_toml('title = "t"\n[[status]]\nkey = "held"\nkind = "polygon"\n', "t")


def test_the_colour_table_is_packaged():
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    data = tomllib.loads((root / "pyproject.toml").read_text())
    assert "css_colours.json" in data["tool"]["setuptools"]["package-data"]["geo"]
    assert json.loads((root / "geo" / "css_colours.json").read_text())["colours"]["white"] == "#ffffff"
    assert data["project"]["license"] == "MIT"


def test_a_capitalised_last_word_is_text_and_a_lowercase_one_must_be_a_colour():
    from geo.errors import InvalidInput
    from geo.theatre import parse_status_option

    assert parse_status_option("ua_controlled=L1:Sudzha").label == "L1:Sudzha"
    with pytest.raises(InvalidInput, match="stealblue"):
        parse_status_option("held=Held:stealblue")
