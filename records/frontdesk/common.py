"""Shared rules of the front line: which entry may be fed back on or cited, text checks, rate limits.

Why one place: citizens' feedback and agents' citations both refer to a *public* entry (what a
caller or citizen could have read), and both refuse text the same way (a Chinese message per
field), so the routes and the console see one set of error codes.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import InstrumentedAttribute
from sqlmodel import Session, col, select

from records.clock import Clock, as_utc
from records.errors import NotFound, TooManyRequests, ValidationFailed
from records.models import Entry, EntryVersion
from records.reference import problem
from records.validation import has_control_characters
from records.views import is_public

RATE_WINDOW = timedelta(minutes=1)


class RateLimited(TooManyRequests):
    """429 with Retry-After (search_api.errors renders ``headers``), one code per kind of write."""

    def __init__(self, retry_after: int, code: str) -> None:
        super().__init__(
            f"提交过于频繁，请 {retry_after} 秒后再试", code=code, details={"retry_after": retry_after}
        )
        self.headers = {"Retry-After": str(retry_after)}


def now_utc(clock: Clock) -> datetime:
    return as_utc(clock.now())


def local_iso(value: datetime | None, timezone: str) -> str | None:
    return value.astimezone(ZoneInfo(timezone)).isoformat() if value else None


def public_entry(session: Session, public_id: str, today: date) -> tuple[Entry, EntryVersion]:
    """The entry and its live version, or 404 for anything a citizen or agent cannot see."""
    entry = session.exec(select(Entry).where(Entry.public_id == public_id)).first()
    live = session.get(EntryVersion, entry.live_version_id) if entry and entry.live_version_id else None
    if entry is None or live is None or not is_public(entry, live, today):
        raise NotFound(
            f"条目「{public_id}」不存在或未发布", code="entry_not_found", details={"id": public_id}
        )
    return entry, live


def optional_text(value: str | None, field: str, label: str, limit: int) -> str | None:
    """Stripped text or None; longer than ``limit`` characters, or holding control characters
    (line breaks aside), → 422 naming the field."""
    text = (value or "").strip()
    if has_control_characters(text, line_breaks=True):
        raise ValidationFailed(
            f"{label}中含有不可见的控制字符，请删除后重试",
            code=f"{field}_invalid",
            details=[problem(field, f"{field}_invalid", f"{label}中含有不可见的控制字符")],
        )
    if len(text) > limit:
        raise ValidationFailed(
            f"{label}不能超过 {limit} 个字",
            code=f"{field}_too_long",
            details=[problem(field, f"{field}_too_long", f"{label}不能超过 {limit} 个字")],
        )
    return text or None


def check_rate(
    session: Session,
    key_column: InstrumentedAttribute[Any],
    time_column: InstrumentedAttribute[Any],
    key: str,
    limit: int,
    clock: Clock,
    code: str,
) -> None:
    """At most ``limit`` rows per ``key`` in the last minute, counted in the store.

    Why the store and not a counter in memory: API workers are many and stateless (the desk's
    limiter in records.desk.submission works the same way, for its own table).
    """
    now = now_utc(clock)
    recent = list(
        session.exec(
            select(time_column)
            .where(key_column == key, col(time_column) > now - RATE_WINDOW)
            .order_by(time_column)
        )
    )
    if len(recent) >= limit:
        wait = (recent[len(recent) - limit] + RATE_WINDOW - now).total_seconds()
        raise RateLimited(max(1, int(wait) + (0 if wait == int(wait) else 1)), code)
