"""Hostile text typed on the command line (titles, labels, attribution, sources, notes) and shown back.

Promise: each ends in success, with the theatre still readable and the text stored as given, or in exit 2 with
one line and the store as it was; and text from data never reaches the editor's terminal as control sequences.
"""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from .conftest import add_figure
from .helpers import big_layer, frontline_cmd, layer, region_file, run_cli, snapshot, snapshot_diff, write_json
from .open_bugs import xfail_if_open

TEXTS = {
    "script": "<script>alert(1)</script>",
    "jinja": "{{ 7*7 }} {% if 1 %}x{% endif %}",
    "toml": '"]\n[[status]]\nkey = "pwned"\n# \'\'\'',
    "quotes": "\"'`\\\\\\",
    "newline": "line one\nline two\r\n",
    "u2028": "a\u2028b\u2029c",
    "rtl": "\u202eevil\u202c \u200fקורסק",
    "nul": "a\x00b",
    "bell": "a\x07b",
    "escape": "a\x1b]0;owned\x07\x1b[2J\x1b[31mred",
    "long": "x" * 50_000,
    "del": "a\x7fb",
    "not-utf8": "a\udcffb",
}
BUGS = {"del": "B10", "not-utf8": "B11"}
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x9b]")


def _id(k):
    return k


@pytest.mark.parametrize("key", TEXTS, ids=_id)
@pytest.mark.parametrize("where", ["title", "label", "attribution"])
def test_theatre_text(key, where, tmp_path, request):
    xfail_if_open(request, BUGS.get(key, ""))
    text = TEXTS[key]
    root = tmp_path / "layers"
    opt = {"title": ["--title", text], "label": ["--status", f"ua_controlled={text}"],
           "attribution": ["--attribution", text]}[where]
    res = run_cli(["--layers", str(root), "init", "kursk", "--region", str(region_file(tmp_path / "r.geojson")),
                   *opt])
    add_figure("cli_text", tried=1)
    if res.exit_code == 2:
        assert len([x for x in res.stderr.splitlines() if x.strip()]) == 1, res
        assert not (root / "kursk").exists(), "a refused init left a theatre folder"
        return
    assert res.exit_code == 0, res
    from geo.store import Store

    t = Store(root).theatre("kursk")  # the theatre can be read back
    got = {"title": t.title, "label": t.statuses[0].label if t.statuses else None,
           "attribution": t.attribution[0] if t.attribution else None}[where]
    assert got == (text.strip() if where == "label" else text)
    f = write_json(tmp_path / "2024-08-10.geojson", big_layer(1, 16))
    assert run_cli(["--layers", str(root), "import", "kursk", str(f)]).exit_code == 0


@pytest.mark.parametrize("key", TEXTS, ids=_id)
@pytest.mark.parametrize("where", ["--source", "--note"])
def test_version_text(key, where, store_root, tmp_path, request):
    xfail_if_open(request, BUGS.get(key, "") if key == "not-utf8" else "")
    text = TEXTS[key]
    f = write_json(tmp_path / "2024-08-10.geojson", layer(1))
    before = snapshot(store_root)
    res = run_cli(["--layers", str(store_root), "import", "kursk", str(f), where, text])
    add_figure("cli_text", tried=1)
    if res.exit_code == 2:
        assert len([x for x in res.stderr.splitlines() if x.strip()]) == 1, res
        assert snapshot_diff(before, snapshot(store_root)) == []
        return
    assert res.exit_code == 0, res
    from geo.store import Store

    e = Store(store_root).entry("kursk", "2024-08-10")
    assert getattr(e, where[2:]) == text
    assert run_cli(["--layers", str(store_root), "verify"]).exit_code == 0


@pytest.mark.parametrize("key", ["escape", "bell", "nul"])
def test_data_text_never_reaches_the_terminal_as_control_sequences(key, tmp_path, request):
    """B12: ``history`` and ``area`` print sources, notes and labels as they are."""
    xfail_if_open(request, "B12")
    text = TEXTS[key]
    root = tmp_path / "layers"
    assert run_cli(["--layers", str(root), "init", "kursk", "--title", text, "--status",
                    f"ua_controlled=held {text}", "--region", str(region_file(tmp_path / "r.geojson"))]).exit_code == 0
    f = write_json(tmp_path / "2024-08-10.geojson", big_layer(1, 16))
    assert run_cli(["--layers", str(root), "import", "kursk", str(f),
                    "--source", text, "--note", text]).exit_code == 0
    for args in (["history", "kursk", "2024-08-10"], ["area", "kursk"], ["dates", "kursk"]):
        p = subprocess.run(frontline_cmd("--layers", str(root), *args), capture_output=True,
                           env={**os.environ, "FRONTLINE_NO_CACHE": "1"})
        assert p.returncode == 0, p.stderr
        out = p.stdout.decode("utf-8", "replace") + p.stderr.decode("utf-8", "replace")
        assert not CONTROL.search(out.replace("\n", "").replace("\t", "")), \
            f"frontline {' '.join(args)} printed control characters: {out[:300]!r}"
