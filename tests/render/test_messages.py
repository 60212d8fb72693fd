"""The message catalogue: the same keys and placeholders in every language, formats as each language writes
them, and pages in a language that carry no English word of ours."""

from __future__ import annotations

import re
import string

import pytest

from geo.render import messages
from geo.render.mapping import build_map, render_html

from .helpers import change_inputs

FORMATTER = string.Formatter()


def fields(text):
    return {f for _, f, _, _ in FORMATTER.parse(text) if f}


def test_every_language_has_every_key_with_the_same_placeholders():
    cat = messages.catalogue()
    en = cat["en"]
    for lang, m in cat.items():
        assert set(m) == set(en), (lang, set(en) ^ set(m))
        for k, v in en.items():
            if isinstance(v, str):
                assert fields(m[k]) == fields(v), (lang, k)
            elif isinstance(v, dict):  # a page's own words (the timeline's)
                assert set(m[k]) == set(v), (lang, k, set(v) ^ set(m[k]))
                for kk, vv in v.items():
                    assert fields(m[k][kk]) == fields(vv), (lang, k, kk)
            else:
                assert len(m[k]) == len(v) == 12, (lang, k)


@pytest.mark.parametrize("lang, want", [
    ("uk", ("24 серпня 2024", "1\u00a0148,3")), ("ru", ("24 августа 2024", "1\u00a0148,3")),
    ("de", ("24. August 2024", "1.148,3")), ("en", ("24 August 2024", "1,148.3")),
])
def test_dates_and_numbers_in_each_language(lang, want):
    assert messages.long_date("2024-08-24", lang) == want[0]
    assert messages.number(1148.3, 1, lang) == want[1]


def visible(html: str) -> str:
    html = re.sub(r"<script\b.*?</script>", " ", html, flags=re.S)
    html = re.sub(r"<style\b.*?</style>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def fragments(text: str) -> list[str]:
    parts = [lit for lit, _, _, _ in FORMATTER.parse(text)]
    return [p.strip(" :·(),.") for p in parts if len(p.strip(" :·(),.")) >= 5]


@pytest.mark.parametrize("lang", ["uk", "ru", "de"])
def test_a_page_in_a_language_writes_no_english_word_of_ours(lang):
    html = render_html(build_map(**change_inputs(), lang=lang))
    text = visible(html)
    en, m = messages.catalogue()["en"], messages.catalogue()[lang]
    assert f'<html lang="{lang}"' in html
    leaked = []
    for key, value in en.items():
        if not isinstance(value, str) or value == m[key] or key in ("language_name",):
            continue
        for frag in fragments(value):
            if frag in text and frag not in fragments(m[key]):
                leaked.append((key, frag))
    assert leaked == []
    # and the language's own words are there
    for key in ("figures", "sources", "state_border", "table_status"):
        assert messages.msg(lang, key) in text, key


def test_unknown_language_is_refused_listing_the_known_ones(run_cli):
    r = run_cli("map", "kursk", "2024-08-24", "--lang", "fr")
    assert r.exit_code == 2 and "en, uk, ru, de" in r.stderr


def test_place_and_status_names_follow_the_language():
    from geo.store import Store

    t = Store("layers").theatre("kursk")
    assert t.status("ua_controlled").label_in("uk") == "Під контролем України"
    assert t.title_in("ru").startswith("Бои в Курской области")
    from geo.render.payload import _place_name

    assert _place_name({"name": "Sudzha", "name:uk": "Суджа"}, "uk") == "Суджа"
    assert _place_name({"name": "Sudzha"}, "de") == "Sudzha"


@pytest.mark.parametrize("lang", ["uk", "ru", "de"])
def test_the_timeline_in_a_language_writes_no_english_word_of_ours(lang):
    from geo.render.timeline import page_text, timeline_data, timeline_html
    from geo.store import Store

    from .helpers import KURSK  # noqa: F401  (the helpers' theatres stay importable)

    store = Store("layers")
    t = store.theatre("kursk")
    dates = sorted(store.require_latest("kursk"))[:4]
    from geo.measure import compute_areas

    layers = [{"date": d, "collection": store.read("kursk", d).collection} for d in dates]
    data = timeline_data(t, layers, compute_areas(store, "kursk", dates), lang=lang)
    html = timeline_html(data, asset_tags="", lang=lang)
    text = visible(html)
    en, mine = page_text("en"), page_text(lang)
    leaked = [(k, frag) for k, v in en.items() if isinstance(v, str) and v != mine[k]
              for frag in fragments(v) if frag in text and frag not in fragments(mine[k])]
    assert leaked == []
    assert f'<html lang="{lang}"' in html and mine["date_column"] in text
