"""The one-day clock (朝问夕答): due = end of the next working day after routing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from records.desk.workdays import day_bounds_utc, due_at, is_working_day, next_working_day

TZ = "Asia/Shanghai"
DRAGON_BOAT = date(2026, 6, 19)  # a Friday


def local(y: int, m: int, d: int, h: int, minute: int = 0) -> datetime:
    """A Beijing wall-clock time as the naive UTC instant the clock gives."""
    return datetime(y, m, d, h, minute) - (datetime(2000, 1, 1, 8) - datetime(2000, 1, 1))


def end_of(y: int, m: int, d: int) -> datetime:
    """24:00 Beijing time of that day, as aware UTC (16:00 UTC the same day)."""
    return datetime(y, m, d, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("routed", "holidays", "due"),
    [
        (local(2026, 6, 1, 10), (), end_of(2026, 6, 2)),  # Monday → Tuesday
        (local(2026, 6, 1, 23, 30), (), end_of(2026, 6, 2)),  # late Monday (already Monday 15:30 UTC)
        (local(2026, 6, 2, 0, 30), (), end_of(2026, 6, 3)),  # 00:30 Tuesday local is still Monday in UTC
        (local(2026, 6, 5, 16), (), end_of(2026, 6, 8)),  # Friday → Monday
        (local(2026, 6, 6, 9), (), end_of(2026, 6, 8)),  # Saturday → Monday
        (local(2026, 6, 7, 9), (), end_of(2026, 6, 8)),  # Sunday → Monday
        (local(2026, 6, 18, 10), (DRAGON_BOAT,), end_of(2026, 6, 22)),  # Thursday before a holiday Friday
        (local(2026, 6, 18, 10), (), end_of(2026, 6, 19)),  # the same without the holiday
        (
            local(2026, 9, 30, 10),
            tuple(date(2026, 10, d) for d in range(1, 8)),
            end_of(2026, 10, 8),
        ),  # National Day week
    ],
)
def test_due_is_end_of_next_working_day(routed: datetime, holidays: tuple[date, ...], due: datetime):
    assert due_at(routed, TZ, frozenset(holidays)) == due


@pytest.mark.parametrize(
    ("day", "working"),
    [(date(2026, 6, 1), True), (date(2026, 6, 6), False), (date(2026, 6, 7), False), (DRAGON_BOAT, False)],
)
def test_working_days(day: date, working: bool):
    assert is_working_day(day, {DRAGON_BOAT}) is working


def test_next_working_day_skips_a_long_run_of_holidays():
    holidays = {date(2026, 6, 2) + timedelta(days=i) for i in range(10)}  # Tue 2nd … Thu 11th
    assert next_working_day(date(2026, 6, 1), holidays) == date(2026, 6, 12)


def test_day_bounds_cover_one_local_day():
    start, end = day_bounds_utc(date(2026, 6, 2), TZ)
    assert (start, end) == (end_of(2026, 6, 1), end_of(2026, 6, 2))
