"""Shared pieces of the commands: the store from the context, option types, JSON and table output."""

from __future__ import annotations

import json
import re
import sys

import click

from ..errors import InvalidInput

SCHEMA_PREFIX = "frontline"


def store_from_ctx(ctx: click.Context | None = None):
    """The store named by ``--layers`` / ``$FRONTLINE_LAYERS`` (default ``./layers``)."""
    from ..store import default_store

    ctx = ctx or click.get_current_context()
    obj = ctx.find_root().obj or {}
    return default_store(obj.get("layers"))


class DateType(click.ParamType):
    """A ``YYYY-MM-DD`` calendar date, checked at parse time (exit 2)."""

    name = "DATE"

    def convert(self, value, param, ctx):
        from ..store import parse_date

        try:
            return parse_date(value)
        except InvalidInput as exc:
            self.fail(exc.message, param, ctx)


class TimestampType(click.ParamType):
    """An ``--as-of`` timestamp (ISO 8601; a date alone means the end of that day, UTC)."""

    name = "TIMESTAMP"

    def convert(self, value, param, ctx):
        from ..store import parse_timestamp

        try:
            return parse_timestamp(value)
        except InvalidInput as exc:
            self.fail(exc.message, param, ctx)


class LangType(click.ParamType):
    """A readers' language of the message catalogue (``en``, ``uk``, ``ru``, ``de``), checked at parse time."""

    name = "LANG"

    def convert(self, value, param, ctx):
        from ..render.messages import check_lang

        try:
            return check_lang(value)
        except InvalidInput as exc:
            self.fail(exc.message, param, ctx)


def lang_option(f):
    """``--lang``: the language of every word, date and number a page, image or video writes."""
    return click.option("--lang", type=LangType(), default="en", show_default=True,
                        help="Readers' language: en, uk, ru or de (words, dates, numbers, labels, place names).")(f)


class BaseUrlType(click.ParamType):
    """``--base-url``: where files will be published, an http(s) URL checked at parse time (exit 2); returned as
    a prefix that ends in ``/``, ready for a file name.
    """

    name = "URL"

    def convert(self, value, param, ctx):
        from ..render.safe import safe_url

        if not safe_url(value):
            self.fail(f"{value!r} must be an http(s) URL", param, ctx)
        return value.rstrip("/") + "/"


class TheatreType(click.ParamType):
    """A theatre name that stays inside the store."""

    name = "THEATRE"

    def convert(self, value, param, ctx):
        from ..theatre import check_name

        try:
            return check_name(value)
        except InvalidInput as exc:
            self.fail(exc.message, param, ctx)


class TextType(click.ParamType):
    """Free text (a source, a note, a title, a label) that must be valid Unicode.

    Bytes that are not UTF-8 reach Python as lone surrogates; they cannot be stored as UTF-8 JSON, so they are
    refused here (exit 2) before anything is written.
    """

    name = "TEXT"

    def convert(self, value, param, ctx):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            self.fail("the text is not valid UTF-8", param, ctx)
        return value


DATE = DateType()
TIMESTAMP = TimestampType()
THEATRE = TheatreType()
TEXT = TextType()
BASE_URL = BaseUrlType()

as_of_option = click.option(
    "--as-of", "as_of", type=TIMESTAMP, default=None,
    help="The time the store was written, not a front-line date: read each date's latest version recorded at "
         "or before this UTC time (a date alone means its end). For a date without a layer, see --in-force.")

in_force_option = click.option(
    "--in-force", "in_force", is_flag=True,
    help="A date without a layer means the layer in force: the latest one before it (never after); the "
         "answer names the layer used. A date before the first layer is an error either way.")


def layer_note(date: str, layer_date: str) -> str:
    """``2025-01-01 → layer of 2024-12-31``: a date read through the layer in force (the date alone otherwise).

    Examples
    --------
    >>> layer_note("2025-01-01", "2024-12-31"), layer_note("2024-12-31", "2024-12-31")
    ('2025-01-01 → layer of 2024-12-31', '2024-12-31')
    """
    return date if date == layer_date else f"{date} → layer of {layer_date}"


def date_range_options(f):
    """``--from``/``--to`` (inclusive) of the commands that draw a range of dates (timeline, chart)."""
    f = click.option("--to", "date_to", type=DATE, default=None, help="Last date (default: the last).")(f)
    return click.option("--from", "date_from", type=DATE, default=None, help="First date (default: the first).")(f)


def noise_options(parts: str = "Change parts"):
    """``--min-area``/``--tolerance``: the noise rules of :mod:`geo.diff`, shared by diff and compare."""
    def deco(f):
        f = click.option("--tolerance", type=click.FloatRange(min=0), default=None, metavar="M",
                         help=f"{parts} thinner than this are noise (default 20 m).")(f)
        return click.option("--min-area", "min_area", type=click.FloatRange(min=0), default=None, metavar="KM2",
                            help=f"{parts} smaller than this are noise (default 0.01 km²).")(f)
    return deco


def check_date_range(date_from: str | None, date_to: str | None) -> None:
    """``--from`` after ``--to`` is a usage error (exit 2)."""
    if date_from and date_to and date_from > date_to:
        raise click.BadParameter(f"--from {date_from} is after --to {date_to}", param_hint="--from")


_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")  # json.dumps escapes C0 itself


def plain(text) -> str:
    r"""Text from data made safe for a terminal: control characters (escape sequences, bells, C1 codes) and
    bidirectional overrides are shown as ``\xNN`` / ``\uNNNN`` instead of acting on the terminal.

    Examples
    --------
    >>> plain("Sudzha\x1b[2J\u202e")
    'Sudzha\\x1b[2J\\u202e'
    """
    return _UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                       else f"\\u{ord(m.group()):04x}", str(text))


def emit_json(schema: str, payload: dict) -> None:
    """Print ``payload`` under a versioned ``schema`` key, keys sorted (deterministic).

    JSON escapes C0 controls itself; C1 controls and bidi overrides are escaped too, so that no text from data
    acts on the terminal.
    """
    doc = {"schema": f"{SCHEMA_PREFIX}.{schema}", **payload}
    text = json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False)
    click.echo(_UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


def progress(items, label: str):
    """A progress bar on a terminal (stderr), the plain iterable otherwise."""
    items = list(items)
    if not sys.stderr.isatty() or len(items) < 2:
        return items
    return _Bar(items, label)


class _Bar:
    def __init__(self, items, label):
        self.items, self.label = items, label

    def __iter__(self):
        with click.progressbar(self.items, label=self.label, file=sys.stderr) as bar:
            yield from bar


def fmt_km2(v: float) -> str:
    return f"{v:,.3f}"
