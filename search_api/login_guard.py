"""Brute-force brake for staff login, kept in the store so every worker and replica agrees.

Each failed login is an AuditLog row (object_type "login", object_id the attempted username);
after MAX_FAILURES failures within WINDOW the username is refused with 429 until the window
passes, whatever the password. Counting rows in the store (not in process memory) is what
makes the limit hold with several uvicorn workers or replicas behind a load balancer.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from records.clock import Clock, as_utc
from records.errors import TooManyRequests
from records.models import AuditLog

MAX_FAILURES = 10
WINDOW = timedelta(minutes=15)
OBJECT_TYPE = "login"


def check_not_locked(session: Session, username: str, clock: Clock) -> None:
    since = as_utc(clock.now() - WINDOW)
    failures = session.exec(
        select(func.count())
        .select_from(AuditLog)
        .where(
            AuditLog.object_type == OBJECT_TYPE,
            AuditLog.object_id == username[:64],
            col(AuditLog.at) >= since,
        )
    ).one()
    if failures >= MAX_FAILURES:
        exc = TooManyRequests(
            f"登录失败次数过多，请 {int(WINDOW.total_seconds() // 60)} 分钟后再试",
            code="too_many_login_failures",
        )
        exc.headers = {"Retry-After": str(int(WINDOW.total_seconds()))}  # type: ignore[attr-defined]
        raise exc


def record_failure(
    session: Session, username: str, clock: Clock, reason_code: str, client: str | None
) -> None:
    """One audit row per failed attempt; committed by the caller even though the request fails."""
    session.add(
        AuditLog(
            at=as_utc(clock.now()),
            object_type=OBJECT_TYPE,
            object_id=username[:64],
            action="login_failed",
            reason=reason_code,
            details={"client": client} if client else {},
        )
    )
