"""Dates as editors mean them: the layer in force, calendar steps, gaps and periods (pure, no I/O).

Every function here takes ``YYYY-MM-DD`` strings (a theatre's layer dates, sorted, as :meth:`BaseStore.dates`
returns them) and returns strings or tuples of them; none reads the store. The store and the commands call them.

Decisions written down here:

- **The layer in force** on a date is the latest layer on or before it, never one after: a layer is what was
  known on its day, and a later layer would draw ground not yet taken. Before the first layer nothing is in force.
- **Calendar steps** are the 1st of each month, quarter (January, April, July, October) or year, and the Monday
  of each ISO week. A series over ``[start, end]`` is ``start``, every boundary after it up to ``end``, and
  ``end``: the first and last steps may be shorter than a period, and neither end of the range is ever dropped.
- **N-day steps** keep the first date, then each layer date at least N days after the last kept one, and always
  the last date of the range.
- **A period** (``2025``, ``2025-01``, ``2025-Q1``, ``2025-W03``) is half-open: from its first day to the first
  day of the next period. "In January 2025" is the change between the layers in force on 2025-01-01 and
  2025-02-01 (the daily layers are taken early in the day, so each shows the ground held as the day begins).
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Sequence

from .errors import InvalidInput, NoLayerOnDate, NotFound

#: the units of ``--every`` that step on calendar boundaries
CALENDAR_UNITS = ("week", "month", "quarter", "year")
_DAYS_RE = re.compile(r"(\d+)\s*(?:days?|d)?")
_PERIOD_RE = re.compile(r"(\d{4})(?:-(?:(\d{2})|[Qq]([1-4])|[Ww](\d{2})))?")


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def in_force(dates: Sequence[str], date: str) -> str | None:
    """Return the latest of the sorted ``dates`` on or before ``date``, or None before the first.

    Parameters
    ----------
    dates : sequence of str
        Layer dates, ``YYYY-MM-DD``, oldest first.
    date : str
        The date asked for.

    Returns
    -------
    str or None
        ``date`` itself where it has a layer, else the latest earlier layer date; None where every layer is
        later (or there is none).

    Examples
    --------
    >>> in_force(["2024-12-30", "2024-12-31", "2025-01-02"], "2025-01-01")
    '2024-12-31'
    >>> in_force(["2024-12-30", "2024-12-31"], "2024-12-31")
    '2024-12-31'
    >>> in_force(["2024-12-30"], "2024-12-29") is None
    True
    >>> in_force([], "2025-01-01") is None
    True
    """
    i = bisect.bisect_right(dates, date)
    return dates[i - 1] if i else None


def nearest(dates: Sequence[str], date: str) -> tuple[str | None, str | None]:
    """Return the nearest of the sorted ``dates`` strictly before and strictly after ``date`` (None where none).

    Examples
    --------
    >>> nearest(["2024-12-31", "2025-01-02"], "2025-01-01")
    ('2024-12-31', '2025-01-02')
    >>> nearest([], "2025-01-01")
    (None, None)
    """
    i = bisect.bisect_left(dates, date)
    j = bisect.bisect_right(dates, date)
    return (dates[i - 1] if i else None, dates[j] if j < len(dates) else None)


def resolve_in_force(dates: Sequence[str], date: str) -> str:
    """Return the layer date in force on ``date``, or raise where ``date`` precedes every layer.

    Raises
    ------
    NoLayerOnDate
        ``date`` is before the first layer (or there is no layer at all).

    Examples
    --------
    >>> resolve_in_force(["2024-12-31"], "2025-01-01")
    '2024-12-31'
    >>> resolve_in_force(["2024-12-31"], "2024-12-01")
    Traceback (most recent call last):
    ...
    geo.errors.NoLayerOnDate: no layer in force on 2024-12-01: the first layer is of 2024-12-31
    """
    got = in_force(dates, date)
    if got is None:
        first = f"the first layer is of {dates[0]}" if dates else "there is no layer"
        raise NoLayerOnDate(f"no layer in force on {date}: {first}")
    return got


def parse_every(spec: str) -> tuple[str, int]:
    """Parse ``--every``: ``N``, ``N days``, ``week``, ``month``, ``quarter`` or ``year``.

    Returns
    -------
    tuple
        ``("days", N)`` or ``(unit, 1)`` with ``unit`` one of :data:`CALENDAR_UNITS`.

    Raises
    ------
    InvalidInput
        Anything else, or fewer than 1 day.

    Examples
    --------
    >>> parse_every("month"), parse_every("7 days"), parse_every("3")
    (('month', 1), ('days', 7), ('days', 3))
    >>> parse_every("fortnight")
    Traceback (most recent call last):
    ...
    geo.errors.InvalidInput: --every 'fortnight': use N (days), 'N days', week, month, quarter or year
    """
    s = spec.strip().lower()
    if s in CALENDAR_UNITS:
        return s, 1
    if m := _DAYS_RE.fullmatch(s):
        n = int(m.group(1))
        if n < 1:
            raise InvalidInput("--every needs at least 1 day")
        return "days", n
    raise InvalidInput(f"--every {spec!r}: use N (days), 'N days', week, month, quarter or year")


def period_start(date: str, unit: str) -> str:
    """Return the first day of the ``unit`` (week, month, quarter, year) that holds ``date``.

    Examples
    --------
    >>> [period_start("2025-02-14", u) for u in CALENDAR_UNITS]
    ['2025-02-10', '2025-02-01', '2025-01-01', '2025-01-01']
    """
    d = _day(date)
    if unit == "week":
        return (d - dt.timedelta(days=d.weekday())).isoformat()
    if unit == "month":
        return d.replace(day=1).isoformat()
    if unit == "quarter":
        return d.replace(month=3 * ((d.month - 1) // 3) + 1, day=1).isoformat()
    if unit == "year":
        return d.replace(month=1, day=1).isoformat()
    raise InvalidInput(f"unknown calendar unit {unit!r}: choose from {', '.join(CALENDAR_UNITS)}")


def next_boundary(date: str, unit: str) -> str:
    """Return the first day of the ``unit`` after the one that holds ``date``.

    Examples
    --------
    >>> next_boundary("2024-12-31", "month"), next_boundary("2025-01-01", "month")
    ('2025-01-01', '2025-02-01')
    >>> next_boundary("2025-02-14", "quarter"), next_boundary("2025-02-14", "year"), next_boundary("2025-02-14", "week")
    ('2025-04-01', '2026-01-01', '2025-02-17')
    """
    d = _day(period_start(date, unit))
    if unit == "week":
        return (d + dt.timedelta(days=7)).isoformat()
    months = {"month": 1, "quarter": 3, "year": 12}[unit]
    y, m = divmod(d.month - 1 + months, 12)
    return dt.date(d.year + y, m + 1, 1).isoformat()


def calendar_steps(start: str, end: str, unit: str) -> list[str]:
    """Return ``start``, each ``unit`` boundary after it up to ``end``, and ``end`` (each once, in order).

    Examples
    --------
    >>> calendar_steps("2024-11-20", "2025-02-10", "month")
    ['2024-11-20', '2024-12-01', '2025-01-01', '2025-02-01', '2025-02-10']
    >>> calendar_steps("2025-01-01", "2025-03-01", "month")
    ['2025-01-01', '2025-02-01', '2025-03-01']
    >>> calendar_steps("2025-01-06", "2025-01-06", "week")
    ['2025-01-06']
    >>> calendar_steps("2025-02-01", "2025-01-01", "month")
    []
    """
    if start > end:
        return []
    out = [start]
    b = next_boundary(start, unit)
    while b <= end:
        out.append(b)
        b = next_boundary(b, unit)
    if out[-1] != end:
        out.append(end)
    return out


def day_steps(dates: Sequence[str], days: int) -> list[str]:
    """Return the first of ``dates``, each date at least ``days`` after the last kept one, and the last date.

    Examples
    --------
    >>> day_steps(["2024-08-01", "2024-08-03", "2024-08-09", "2024-08-10"], 7)
    ['2024-08-01', '2024-08-09', '2024-08-10']
    >>> day_steps([], 7)
    []
    """
    kept: list[str] = []
    for d in dates:
        if not kept or (_day(d) - _day(kept[-1])).days >= days:
            kept.append(d)
    if dates and kept[-1] != dates[-1]:
        kept.append(dates[-1])
    return kept


def change_points(dates: Sequence[str], *, start: str | None = None, end: str | None = None,
                  every: str | None = None, in_force: bool = False) -> list[tuple[str, str]]:
    """Return the points of a series of changes as ``(date, layer_date)`` pairs, oldest first.

    Parameters
    ----------
    dates : sequence of str
        Every layer date of the theatre, oldest first.
    start, end : str, optional
        The range, inclusive (default: the first and the last layer).
    every : str, optional
        ``--every`` (:func:`parse_every`). A calendar unit steps on its boundaries (:func:`calendar_steps` from
        ``start`` to ``end``), each point read through the layer in force on it; ``N`` days thins the layer
        dates (:func:`day_steps`); None takes every layer date in the range.
    in_force : bool
        Without calendar steps: where ``start`` has no layer, begin with the layer in force on it rather than
        with the first layer after it. (Calendar steps always use the layer in force.)

    Returns
    -------
    list of (str, str)
        ``date`` is the point of the series, ``layer_date`` the layer that answers for it (equal but for points
        read through the layer in force).

    Raises
    ------
    InvalidInput
        ``start`` is after ``end``, or ``every`` is not understood.
    NoLayerOnDate
        A point read through the layer in force lies before the first layer.
    NotFound
        No layer in the range.

    Examples
    --------
    >>> ds = ["2024-12-30", "2024-12-31", "2025-01-02", "2025-02-03"]
    >>> change_points(ds, every="month")
    [('2024-12-30', '2024-12-30'), ('2025-01-01', '2024-12-31'), ('2025-02-01', '2025-01-02'), \
('2025-02-03', '2025-02-03')]
    >>> change_points(ds, start="2025-01-01")
    [('2025-01-02', '2025-01-02'), ('2025-02-03', '2025-02-03')]
    >>> change_points(ds, start="2025-01-01", in_force=True)
    [('2025-01-01', '2024-12-31'), ('2025-01-02', '2025-01-02'), ('2025-02-03', '2025-02-03')]
    >>> change_points([], every="month")
    Traceback (most recent call last):
    ...
    geo.errors.NotFound: no layer to compare
    """
    if start and end and start > end:
        raise InvalidInput(f"--from {start} is after --to {end}")
    unit, n = parse_every(every) if every else (None, 0)
    if not dates:
        raise NotFound("no layer to compare")
    lo, hi = start or dates[0], end or dates[-1]
    if unit in CALENDAR_UNITS:
        return [(p, resolve_in_force(dates, p)) for p in calendar_steps(lo, hi, unit)]
    inside = [d for d in dates if lo <= d <= hi]
    points = [(d, d) for d in inside]
    if in_force and start and (not inside or inside[0] != start):
        points.insert(0, (start, resolve_in_force(dates, start)))
    if not points:
        raise NotFound(f"no layer between {lo} and {hi}")
    if unit == "days":
        keep = set(day_steps([p for p, _ in points], n))
        points = [p for p in points if p[0] in keep]
    return points


def gaps(dates: Sequence[str]) -> list[tuple[str, str, int]]:
    """Return the runs of days without a layer between the first and the last of ``dates``.

    Returns
    -------
    list of (str, str, int)
        ``(first missing day, last missing day, number of days)`` per run, oldest first.

    Examples
    --------
    >>> gaps(["2024-08-17", "2024-08-20", "2024-12-31", "2025-01-02"])
    [('2024-08-18', '2024-08-19', 2), ('2024-08-21', '2024-12-30', 132), ('2025-01-01', '2025-01-01', 1)]
    >>> gaps(["2024-08-17", "2024-08-18"]), gaps([])
    ([], [])
    """
    out = []
    for a, b in zip(dates, dates[1:], strict=False):
        da, db = _day(a), _day(b)
        n = (db - da).days - 1
        if n > 0:
            out.append(((da + dt.timedelta(days=1)).isoformat(), (db - dt.timedelta(days=1)).isoformat(), n))
    return out


def parse_period(text: str) -> tuple[str, str]:
    """Parse a period (``2025``, ``2025-01``, ``2025-Q1``, ``2025-W03``) into ``(first day, first day after)``.

    Raises
    ------
    InvalidInput
        Anything else: a bad month, quarter or ISO week, or a full date.

    Examples
    --------
    >>> parse_period("2025-01"), parse_period("2025-Q4")
    (('2025-01-01', '2025-02-01'), ('2025-10-01', '2026-01-01'))
    >>> parse_period("2024"), parse_period("2025-W01")
    (('2024-01-01', '2025-01-01'), ('2024-12-30', '2025-01-06'))
    >>> parse_period("2025-13")
    Traceback (most recent call last):
    ...
    geo.errors.InvalidInput: invalid period '2025-13': month 13 is not 01 to 12
    """
    m = _PERIOD_RE.fullmatch(text.strip())
    if not m:
        raise InvalidInput(f"invalid period {text!r}: use YYYY, YYYY-MM, YYYY-Qn or YYYY-Www")
    year, month, quarter, week = int(m.group(1)), m.group(2), m.group(3), m.group(4)
    if year < 1:
        raise InvalidInput(f"invalid period {text!r}: year {year} is out of range")
    if month is not None:
        if not 1 <= int(month) <= 12:
            raise InvalidInput(f"invalid period {text!r}: month {month} is not 01 to 12")
        first, unit = dt.date(year, int(month), 1), "month"
    elif quarter is not None:
        first, unit = dt.date(year, 3 * (int(quarter) - 1) + 1, 1), "quarter"
    elif week is not None:
        weeks = dt.date(year, 12, 28).isocalendar().week
        if not 1 <= int(week) <= weeks:
            raise InvalidInput(f"invalid period {text!r}: {year} has ISO weeks 01 to {weeks}")
        first, unit = dt.date.fromisocalendar(year, int(week), 1), "week"
    else:
        first, unit = dt.date(year, 1, 1), "year"
    return first.isoformat(), next_boundary(first.isoformat(), unit)



def in_range(dates: Sequence[str], *, start: str | None = None, end: str | None = None) -> list[str]:
    """The dates within ``[start, end]`` (inclusive; None: open), in their order.

    Examples
    --------
    >>> in_range(["2024-08-01", "2024-08-03", "2024-08-09"], start="2024-08-02")
    ['2024-08-03', '2024-08-09']
    >>> in_range([], end="2024-08-02")
    []
    """
    return [d for d in dates if (start is None or d >= start) and (end is None or d <= end)]
