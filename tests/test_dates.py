"""geo.dates: the layer in force, calendar steps, gaps and periods, against brute force over the calendar."""

import calendar
import datetime as dt

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from geo.dates import (
    calendar_steps,
    change_points,
    day_steps,
    gaps,
    in_force,
    parse_every,
    parse_period,
    resolve_in_force,
)
from geo.errors import InvalidInput, NoLayerOnDate, NotFound

DAY = st.dates(min_value=dt.date(2023, 1, 1), max_value=dt.date(2026, 12, 31)).map(dt.date.isoformat)
DATES = st.lists(DAY, max_size=40, unique=True).map(sorted)


def days_between(a, b):
    d, end = dt.date.fromisoformat(a), dt.date.fromisoformat(b)
    while d <= end:
        yield d.isoformat()
        d += dt.timedelta(days=1)


@given(DATES, DAY)
@example([], "2025-01-01")
@example(["2024-12-31", "2025-01-02"], "2025-01-01")
def test_in_force_is_the_latest_on_or_before(dates, day):
    before = [d for d in dates if d <= day]
    assert in_force(dates, day) == (before[-1] if before else None)


def test_resolve_in_force_refuses_a_date_before_the_first_layer():
    with pytest.raises(NoLayerOnDate, match="first layer is of 2024-08-06"):
        resolve_in_force(["2024-08-06"], "2024-08-01")


@pytest.mark.parametrize("unit", ["week", "month", "quarter", "year"])
@given(a=DAY, b=DAY)
def test_calendar_steps_are_the_boundaries_between_the_ends(unit, a, b):
    start, end = min(a, b), max(a, b)
    steps = calendar_steps(start, end, unit)

    def is_boundary(day):
        d = dt.date.fromisoformat(day)
        return {"week": d.weekday() == 0, "month": d.day == 1, "quarter": d.day == 1 and d.month in (1, 4, 7, 10),
                "year": (d.month, d.day) == (1, 1)}[unit]

    expected = [start] + [d for d in days_between(start, end) if is_boundary(d) and d != start]
    if expected[-1] != end:
        expected.append(end)
    assert steps == expected


def test_calendar_steps_of_an_empty_range():
    assert calendar_steps("2025-02-01", "2025-01-01", "month") == []


@given(DATES, st.integers(1, 60))
def test_day_steps_keep_the_ends_and_steps_of_at_least_n_days(dates, n):
    kept = day_steps(dates, n)
    if not dates:
        assert kept == []
        return
    assert (kept[0], kept[-1]) == (dates[0], dates[-1]) and set(kept) <= set(dates)
    inner = kept[:-1]  # only the step to the last date may be shorter
    for a, b in zip(inner, inner[1:], strict=False):
        assert (dt.date.fromisoformat(b) - dt.date.fromisoformat(a)).days >= n


@given(DATES)
@example([])
def test_gaps_are_exactly_the_missing_days(dates):
    runs = gaps(dates)
    missing = [d for a, b, _ in runs for d in days_between(a, b)]
    every = list(days_between(dates[0], dates[-1])) if dates else []
    assert missing == [d for d in every if d not in set(dates)]
    assert all(n == len(list(days_between(a, b))) for a, b, n in runs)


@given(st.integers(1990, 2100), st.integers(1, 12))
def test_a_month_period_holds_the_days_of_that_month(year, month):
    first, after = parse_period(f"{year}-{month:02d}")
    days = (dt.date.fromisoformat(after) - dt.date.fromisoformat(first)).days
    assert first == f"{year}-{month:02d}-01" and days == calendar.monthrange(year, month)[1]


@pytest.mark.parametrize("text,want", [("2025", ("2025-01-01", "2026-01-01")),
                                       ("2025-Q1", ("2025-01-01", "2025-04-01")),
                                       ("2025-q4", ("2025-10-01", "2026-01-01")),
                                       ("2026-W53", ("2026-12-28", "2027-01-04"))])
def test_periods(text, want):
    assert parse_period(text) == want


@pytest.mark.parametrize("text", ["2025-13", "2025-00", "2025-Q5", "2025-W53", "2025-01-15", "Jan 2025", ""])
def test_bad_periods_are_refused(text):
    with pytest.raises(InvalidInput):
        parse_period(text)


@pytest.mark.parametrize("text", ["0", "fortnight", "-3", "month2"])
def test_bad_every_is_refused(text):
    with pytest.raises(InvalidInput):
        parse_every(text)


@given(DATES.filter(bool), st.sampled_from(["week", "month", "quarter", "year"]))
def test_calendar_points_read_the_layer_in_force(dates, unit):
    points = change_points(dates, every=unit)
    assert points[0] == (dates[0], dates[0]) and points[-1] == (dates[-1], dates[-1])
    for day, layer in points:
        assert layer == max(d for d in dates if d <= day)


def test_change_points_refuse_a_range_backwards_and_an_empty_one():
    with pytest.raises(InvalidInput, match="--from 2024-09-01 is after --to 2024-08-01"):
        change_points(["2024-08-06"], start="2024-09-01", end="2024-08-01")
    with pytest.raises(NotFound, match="no layer between"):
        change_points(["2024-08-06", "2024-09-06"], start="2024-08-10", end="2024-08-20")
    with pytest.raises(NoLayerOnDate):
        change_points(["2024-08-06"], start="2024-08-01", every="month")
