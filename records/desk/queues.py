"""Work lists and counts of the desk: a department's queue, overdue and due-today, the stats.

Why "open" means routed or returned: the clock runs while the department owes an answer; once
it has answered, the question waits on the manager and is no longer the department's overdue.
"""

from __future__ import annotations

import statistics
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from records.clock import Clock
from records.desk.audit import now_utc
from records.desk.models import DeskQuestion, QuestionState
from records.desk.workdays import day_bounds_utc

OWED = (QuestionState.routed, QuestionState.returned)
MAX_LIST = 200


def department_queue(session: Session, department_id: int) -> list[DeskQuestion]:
    return list(
        session.exec(
            select(DeskQuestion)
            .where(DeskQuestion.department_id == department_id)
            .where(col(DeskQuestion.state).in_(OWED))
            .order_by(col(DeskQuestion.due_at), col(DeskQuestion.id))
            .limit(MAX_LIST)
        )
    )


def overdue(session: Session, clock: Clock) -> list[DeskQuestion]:
    return list(
        session.exec(
            select(DeskQuestion)
            .where(col(DeskQuestion.state).in_(OWED))
            .where(col(DeskQuestion.due_at) < now_utc(clock))
            .order_by(col(DeskQuestion.due_at), col(DeskQuestion.id))
            .limit(MAX_LIST)
        )
    )


def due_today(session: Session, today: date, timezone: str) -> list[DeskQuestion]:
    start, end = day_bounds_utc(today, timezone)
    return list(
        session.exec(
            select(DeskQuestion)
            .where(col(DeskQuestion.state).in_(OWED))
            .where(col(DeskQuestion.due_at) > start)
            .where(col(DeskQuestion.due_at) <= end)
            .order_by(col(DeskQuestion.due_at), col(DeskQuestion.id))
            .limit(MAX_LIST)
        )
    )


def by_state(session: Session, state: QuestionState | None) -> list[DeskQuestion]:
    query = select(DeskQuestion).order_by(col(DeskQuestion.id).desc()).limit(MAX_LIST)
    if state is not None:
        query = query.where(DeskQuestion.state == state)
    return list(session.exec(query))


def stats(session: Session) -> dict[str, object]:
    """The counts the article quotes (received, answered, published, …) from the store."""
    received = session.exec(select(func.count()).select_from(DeskQuestion)).one()
    rows = list(
        session.exec(
            select(DeskQuestion.created_at, DeskQuestion.answered_at, DeskQuestion.due_at).where(
                col(DeskQuestion.answered_at).is_not(None)
            )
        )
    )
    published = session.exec(
        select(func.count()).select_from(DeskQuestion).where(col(DeskQuestion.published_at).is_not(None))
    ).one()
    resolved = session.exec(
        select(func.count())
        .select_from(DeskQuestion)
        .where(DeskQuestion.state == QuestionState.resolved_by_existing)
    ).one()
    answered_rows = [(created, answered, due) for created, answered, due in rows if answered is not None]
    on_time = sum(1 for _, answered, due in answered_rows if due is not None and answered <= due)
    hours = [(answered - created).total_seconds() / 3600 for created, answered, _ in answered_rows]
    return {
        "received": received,
        "answered": len(answered_rows),
        "published": published,
        "resolved_by_existing": resolved,
        "answered_within_one_working_day": on_time,
        "median_hours_to_answer": round(statistics.median(hours), 2) if hours else None,
    }
