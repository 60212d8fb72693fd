import json

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from geo.render.safe import clean_text, html_text, safe_url, script_json

from .helpers import PAYLOADS


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(),
                    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=8), c, max_size=4),
                    max_leaves=12))
@example({"a": "</script><script>", "b": "{{ 7*7 }}{%x%}{#c#}", "c": "\u2028\u2029", "d": {"e": {}}})
@example([{"{": "}"}, "{{{", "<!--"])
@settings(max_examples=300, deadline=None)
def test_script_json_round_trips_and_never_holds_markup_or_template(obj):
    text = script_json(obj)
    assert json.loads(text) == obj
    for bad in ("<", ">", "&", "{{", "{%", "{#", "\u2028", "\u2029"):
        assert bad not in text


def test_script_json_is_deterministic_and_sorted():
    assert script_json({"b": 1, "a": [2.5, "é"]}) == '{"a":[2.5,"é"],"b":1}'
    with pytest.raises(ValueError):
        script_json({"x": float("nan")})


@pytest.mark.parametrize("text", PAYLOADS)
def test_html_text_leaves_no_markup_or_template(text):
    out = html_text(text)
    for bad in ("<", ">", '"', "'", "{", "}"):
        assert bad not in out


def test_clean_text_removes_controls_and_caps_length():
    assert clean_text("a\x00b\x07c\td") == "abc\td"
    assert len(clean_text("x" * 100_000)) == 500
    assert clean_text("\u200fמפה\u200f") == "\u200fמפה\u200f"  # bidi marks are text, kept (and isolated by CSS)


@pytest.mark.parametrize("url,ok", [
    ("https://example.org/a?b=c#d", True),
    ("http://example.org", True),
    ("javascript:alert(1)", False),
    ("JaVaScRiPt:alert(1)", False),
    (" javascript:alert(1)", False),
    ("data:text/html,<script>", False),
    ("//example.org/x", False),
    ("/relative", False),
    ("https://", False),
    ("https://exa mple.org", False),
    ('https://example.org/"onmouseover=x', False),
    ("https://example.org/\u2028", False),
    ("ftp://example.org", False),
    (None, False),
])
def test_safe_url_only_http_s(url, ok):
    assert (safe_url(url) == url) if ok else safe_url(url) is None
