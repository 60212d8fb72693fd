"""The message catalogue: every word the pages, images and videos write, in English, Ukrainian, Russian and
German, and the dates and numbers in each language's format.

The words live in ``messages.json`` beside this module (data apart from logic: one entry per language, the same
keys in each; a test fails when a key is missing from a language or a page writes a word that is not in the
catalogue). Written by us; the conventions followed:

* numbers: en ``1,148.3``; uk and ru ``1 148,3`` (a no-break space groups thousands, a comma before decimals);
  de ``1.148,3``. Units: ``km²`` (en, de), ``км²`` (uk, ru).
* dates: en ``24 Aug 2024`` on the maps (the short month) and ``24 August 2024`` in sentences; uk ``24 серпня
  2024`` and ru ``24 августа 2024`` (the month in the genitive, as newsrooms write it, in both places); de
  ``24. August 2024``. A change: ``12 Aug → 24 Aug 2024``, ``12 серпня → 24 серпня 2024``.
* the theatre's title and status labels come from ``theatre.toml`` (``label.uk = "…"``), place names from the
  context's ``name:uk`` / ``name:ru`` / ``name:de`` properties, each falling back to the default.

An unknown language is refused with the list of known ones (:func:`check_lang`, exit 2 at the CLI).
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from importlib import resources

from ..errors import InvalidInput

DEFAULT_LANG = "en"


@cache
def catalogue() -> dict:
    """Every language's messages, as read from ``messages.json``."""
    data = json.loads(resources.files("geo.render").joinpath("messages.json").read_text(encoding="utf-8"))
    return data["languages"]


def languages() -> tuple[str, ...]:
    """The known languages, in the catalogue's order.

    Examples
    --------
    >>> languages()
    ('en', 'uk', 'ru', 'de')
    """
    return tuple(catalogue())


def check_lang(lang: str | None) -> str:
    """``lang`` if the catalogue has it (None means English), else :class:`InvalidInput` listing the known ones.

    Examples
    --------
    >>> check_lang("uk"), check_lang(None)
    ('uk', 'en')
    >>> check_lang("fr")
    Traceback (most recent call last):
    ...
    geo.errors.InvalidInput: unknown language 'fr': choose one of en, uk, ru, de
    """
    lang = lang or DEFAULT_LANG
    if lang not in catalogue():
        raise InvalidInput(f"unknown language {lang!r}: choose one of {', '.join(languages())}")
    return lang


def msg(lang: str, key: str, **values) -> str:
    """The message ``key`` in ``lang``, its ``{placeholders}`` filled from ``values``.

    Values are inserted as they are (they are text, never markup: the callers escape for their output).

    Examples
    --------
    >>> msg("de", "last_update", date="27. August 2024")
    'letzte Aktualisierung 27. August 2024'
    """
    text = catalogue()[check_lang(lang)][key]
    return text.format(**values) if values else text


def number(value: float, decimals: int, lang: str = DEFAULT_LANG) -> str:
    r"""``value`` with ``decimals`` decimals in the language's separators.

    Examples
    --------
    >>> number(1148.34, 1, "en"), number(1148.34, 1, "uk"), number(1148.34, 1, "de")
    ('1,148.3', '1\xa0148,3', '1.148,3')
    """
    m = catalogue()[check_lang(lang)]
    text = f"{abs(value):,.{decimals}f}"
    text = text.replace(",", "\x00").replace(".", m["decimal"]).replace("\x00", m["thousands"])
    return ("−" if value < 0 and float(text.replace(m["thousands"], "").replace(m["decimal"], ".")) else "") + text


def km2(value: float, lang: str = DEFAULT_LANG) -> str:
    """km² as text without the unit: no decimals from 100 up, one decimal below, 0 for 0.

    Examples
    --------
    >>> km2(1148.3, "en"), km2(12.34, "ru"), km2(0, "de")
    ('1,148', '12,3', '0')
    """
    v = float(value)
    if v == 0:
        return "0"
    return number(v, 0 if abs(v) >= 100 else 1, lang)


def pct(value: float, lang: str = DEFAULT_LANG) -> str:
    r"""A percentage: whole from 10 up, one decimal below (``12%``, ``3,2 %`` in German).

    Examples
    --------
    >>> pct(12.4, "en"), pct(3.25, "de"), pct(0, "uk")
    ('12%', '3,2\xa0%', '0%')
    """
    v = float(value)
    sep = "\u00a0" if check_lang(lang) == "de" else ""
    if v == 0:
        return "0%"
    return number(v, 0 if abs(v) >= 10 else 1, lang) + sep + "%"


def day(date: str, lang: str = DEFAULT_LANG) -> str:
    """A date as the maps write it: ``24 Aug 2024``, ``24 серпня 2024``, ``24 августа 2024``, ``24. August 2024``.

    Examples
    --------
    >>> day("2024-08-04"), day("2024-08-04", "uk"), day("2024-08-04", "de")
    ('4 Aug 2024', '4 серпня 2024', '4. August 2024')
    """
    d = dt.date.fromisoformat(date)
    m = catalogue()[check_lang(lang)]
    return m["day_pattern"].format(d=d.day, m=m["months_day"][d.month - 1], y=d.year)


def long_date(date: str, lang: str = DEFAULT_LANG) -> str:
    """A date in a sentence: ``24 August 2024``, ``24 серпня 2024``, ``24 августа 2024``, ``24. August 2024``.

    Examples
    --------
    >>> long_date("2024-08-24"), long_date("2024-08-24", "ru")
    ('24 August 2024', '24 августа 2024')
    """
    d = dt.date.fromisoformat(date)
    m = catalogue()[check_lang(lang)]
    return m["day_pattern"].format(d=d.day, m=m["months_long"][d.month - 1], y=d.year)


def span(since: str | None, date: str, lang: str = DEFAULT_LANG) -> str:
    """The dates of a map: one day, or ``12 Aug → 24 Aug 2024`` (the year once when both share it).

    Examples
    --------
    >>> span("2024-08-12", "2024-08-24"), span("2024-08-12", "2024-08-24", "de")
    ('12 Aug → 24 Aug 2024', '12. August → 24. August 2024')
    >>> span("2024-12-31", "2025-01-06"), span(None, "2024-08-24", "uk")
    ('31 Dec 2024 → 6 Jan 2025', '24 серпня 2024')
    """
    if not since:
        return day(date, lang)
    a, b = dt.date.fromisoformat(since), dt.date.fromisoformat(date)
    if a.year != b.year:
        return f"{day(since, lang)} → {day(date, lang)}"
    m = catalogue()[check_lang(lang)]
    left = m["day_month_pattern"].format(d=a.day, m=m["months_day"][a.month - 1])
    return f"{left} → {day(date, lang)}"


def localized(props: dict, key: str, lang: str) -> str | None:
    """``props["name:uk"]`` (for key ``name``, lang ``uk``) where present and a string, else ``props[key]``."""
    if lang != DEFAULT_LANG:
        v = props.get(f"{key}:{lang}")
        if isinstance(v, str) and v.strip():
            return v
    v = props.get(key)
    return v if isinstance(v, str) else None
