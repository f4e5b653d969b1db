"""Time as a dependency: the one thing tests may fake (expiry, the one-day answer deadline)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime for the store; clocks give naive UTC, SQLModel's UTCDateTime wants aware."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


class Clock(Protocol):
    def now(self) -> datetime:
        """Current instant, naive UTC (how the store keeps datetimes)."""
        ...

    def today(self) -> date:
        """Current calendar date in the service's local time zone."""
        ...


class SystemClock:
    def __init__(self, timezone: str = "Asia/Shanghai") -> None:
        self.zone = ZoneInfo(timezone)

    def now(self) -> datetime:
        return datetime.now(UTC).replace(tzinfo=None)

    def today(self) -> date:
        return datetime.now(self.zone).date()


class FixedClock:
    """A settable clock for tests; ``advance`` moves it without sleeping."""

    def __init__(self, now: datetime, timezone: str = "Asia/Shanghai") -> None:
        self._now = now
        self.zone = ZoneInfo(timezone)

    def now(self) -> datetime:
        return self._now

    def today(self) -> date:
        return self._now.replace(tzinfo=UTC).astimezone(self.zone).date()

    def set(self, now: datetime) -> None:
        self._now = now

    def advance(self, **kwargs: float) -> None:
        from datetime import timedelta

        self._now = self._now + timedelta(**kwargs)
