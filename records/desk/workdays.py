"""The one-day clock (朝问夕答): a routed question is due at the end of the next working day.

Why local calendar days: "the next working day" is a civil notion in the service's time zone,
while the store keeps UTC; everything here converts at the edges. Weekends and the
configured holidays (Settings.holidays) are skipped.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from records.clock import as_utc


def is_working_day(day: date, holidays: Collection[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def next_working_day(after: date, holidays: Collection[date]) -> date:
    day = after + timedelta(days=1)
    while not is_working_day(day, holidays):
        day += timedelta(days=1)
    return day


def local_date(instant: datetime, timezone: str) -> date:
    """Calendar date of a UTC instant (naive or aware) in ``timezone``."""
    return as_utc(instant).astimezone(ZoneInfo(timezone)).date()


def end_of_day_utc(day: date, timezone: str) -> datetime:
    """The end of ``day`` in ``timezone`` (24:00, exclusive), as aware UTC (how the store keeps it)."""
    midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=ZoneInfo(timezone))
    return midnight.astimezone(UTC)


def due_at(routed_at: datetime, timezone: str, holidays: Collection[date]) -> datetime:
    """Deadline for a question routed at ``routed_at`` (UTC): end of the next working day."""
    return end_of_day_utc(next_working_day(local_date(routed_at, timezone), holidays), timezone)


def day_bounds_utc(day: date, timezone: str) -> tuple[datetime, datetime]:
    """[start, end) of a local calendar day as aware UTC, for "due today" lists."""
    return end_of_day_utc(day - timedelta(days=1), timezone), end_of_day_utc(day, timezone)
