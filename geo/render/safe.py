r"""Pure: make text from data safe to put in a web page.

Every string that comes from data (theatre title, status labels, sources, notes, place names, attribution,
event texts) reaches a page through one of three doors, and each door has one function here:

* :func:`script_json`: data goes into a ``<script type="application/json">`` blob that our own JavaScript
  reads with ``JSON.parse`` and writes into the page with ``textContent`` (never ``innerHTML``). This is the
  door the maps use for all data text. The JSON is escaped so that it can never end the script element
  (``<``, ``>``, ``&`` as ``\u003c`` …), never breaks a JavaScript parser (U+2028, U+2029), and never
  contains a Jinja delimiter (``{{``, ``{%``, ``{#``): folium and branca compile the output of every
  ``MacroElement`` macro as a template a second time, which is how ``{{ 7*7 }}`` in a folium tooltip becomes
  ``49``. Our elements do not go through templates at all (see ``geo.render.mapping.Raw``); the escaping is
  the second lock on the same door.
* :func:`html_text`: text into HTML element content or a quoted attribute, escaped, with ``{`` and ``}``
  as character references for the same reason.
* :func:`safe_url`: a link target; only ``http`` and ``https`` URLs pass, anything else (``javascript:``,
  ``data:``, relative paths, URLs with spaces or control characters) becomes ``None`` and is shown as text.

:func:`clean_text` normalises a value before any of these: ``str()`` of it, control characters other than
tab and newline removed, and cut at ``max_len`` characters (default :data:`MAX_TEXT`, 500) with an ellipsis so
that a hostile megabyte-long label cannot blow up a page; right-to-left marks and other format characters are
kept (they are text), but the page isolates each text with ``unicode-bidi: isolate`` so that they cannot
reorder what surrounds them.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from urllib.parse import urlsplit

MAX_TEXT = 500
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_JSON_RE = re.compile("[<>&\u2028\u2029]")
# In compact JSON a "{" is followed by '"' or "}" only, so these pairs can occur only inside strings,
# where "\u007b" means the same character.
_JINJA_OPENER = re.compile(r"\{(?=[{%#])")


def clean_text(value, *, max_len: int = MAX_TEXT) -> str:
    r"""Return ``value`` as a plain string fit for display: no control characters, at most ``max_len`` long.

    Examples
    --------
    >>> clean_text("Sudzha\x00")
    'Sudzha'
    >>> clean_text(None)
    ''
    >>> clean_text("x" * 10, max_len=4)
    'xxx…'
    """
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", _CONTROL.sub("", str(value)))
    if len(text) > max_len:
        text = text[: max_len - 1] + "…"
    return text


def html_text(value, *, max_len: int = MAX_TEXT) -> str:
    """Escape text for HTML content or a double-quoted attribute; braces too, so no template sees ``{{``.

    Examples
    --------
    >>> html_text('<img src=x onerror="alert(1)">')
    '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
    >>> html_text("{{ 7*7 }}")
    '&#123;&#123; 7*7 &#125;&#125;'
    >>> html_text("")
    ''
    """
    out = html.escape(clean_text(value, max_len=max_len), quote=True)
    out = out.replace("\u2028", "&#8232;").replace("\u2029", "&#8233;")  # line breaks to JavaScript
    return out.replace("{", "&#123;").replace("}", "&#125;")


def script_json(obj) -> str:
    r"""Serialise ``obj`` as compact, key-sorted JSON that is safe inside any ``<script>`` element.

    Deterministic (sorted keys, no whitespace, ``allow_nan=False``); non-ASCII kept as UTF-8 (smaller), except
    U+2028 and U+2029. The result contains none of ``<``, ``>``, ``&``, ``{{``, ``{%``, ``{#``.

    Examples
    --------
    >>> script_json({"b": "</script>", "a": "{{ 7*7 }}"})
    '{"a":"\\u007b{ 7*7 }}","b":"\\u003c/script\\u003e"}'
    >>> script_json([])
    '[]'
    """
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    text = _JSON_RE.sub(lambda m: _JSON_ESCAPES[m.group(0)], text)
    return _JINJA_OPENER.sub(lambda m: "\\u007b", text)


def safe_url(value) -> str | None:
    """Return ``value`` if it is an absolute ``http(s)`` URL with a host, else ``None``.

    Examples
    --------
    >>> safe_url("https://deepstatemap.live/en#8/51.3/35.2")
    'https://deepstatemap.live/en#8/51.3/35.2'
    >>> safe_url("javascript:alert(1)") is None
    True
    >>> safe_url(" https://x.org") is None
    True
    >>> safe_url("") is None
    True
    """
    if not isinstance(value, str) or not value or len(value) > 2000:
        return None
    if value != value.strip() or _CONTROL.search(value) or any(c.isspace() for c in value):
        return None
    if any(c in value for c in "<>\"'`\\"):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return value


def class_token(key: str) -> str:
    """Return ``key`` reduced to ``[a-z0-9_-]`` for use in a CSS class name (status keys already are).

    Examples
    --------
    >>> class_token("ua_controlled")
    'ua_controlled'
    >>> class_token('x" onmouseover="y')
    'xonmouseovery'
    """
    return re.sub(r"[^a-z0-9_-]", "", str(key).lower())[:64]
