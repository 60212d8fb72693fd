"""Shared pieces of the commands: the store from the context, option types, JSON and table output."""

from __future__ import annotations

import json
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


class TheatreType(click.ParamType):
    """A theatre name that stays inside the store."""

    name = "THEATRE"

    def convert(self, value, param, ctx):
        from ..theatre import check_name

        try:
            return check_name(value)
        except InvalidInput as exc:
            self.fail(exc.message, param, ctx)


DATE = DateType()
TIMESTAMP = TimestampType()
THEATRE = TheatreType()

as_of_option = click.option("--as-of", "as_of", type=TIMESTAMP, default=None,
                            help="Read the store as it stood at this time (UTC; a date means its end).")


def emit_json(schema: str, payload: dict) -> None:
    """Print ``payload`` under a versioned ``schema`` key, keys sorted (deterministic)."""
    doc = {"schema": f"{SCHEMA_PREFIX}.{schema}", **payload}
    click.echo(json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False))


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
