"""Audit rows and outbox rows of the desk, written in the caller's transaction.

Why here and not in each function: every state change of a question must leave the same shape
of record (object_type "question", public number, from/to state, who, why), and every change
to what the public can see of an answer must queue the index in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from records.audit import SYSTEM, record_audit
from records.clock import Clock, as_utc
from records.desk.models import DeskQuestion, QuestionState
from records.errors import Conflict
from records.locking import bump_if_unchanged
from records.models import Outbox, OutboxOp, User

OBJECT_TYPE = "question"
DOC_TYPE_ANSWER = "answer"


def now_utc(clock: Clock) -> datetime:
    """The clock's instant as the store wants it (aware UTC)."""
    return as_utc(clock.now())


def change_state(
    session: Session,
    question: DeskQuestion,
    to_state: QuestionState,
    *,
    action: str,
    actor: User | None,
    clock: Clock,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
    initial: bool = False,
    actor_name: str = SYSTEM,
) -> None:
    """Move ``question`` to ``to_state`` (or record an action that keeps it) with one audit row.

    Why a conditional UPDATE: callers check the state they read, and two staff members acting on
    one question at once (publish and return, two answers) must not both succeed; the change
    applies only if the question still has the lock_version read, else 409 ``stale_version``.
    """
    from_state = None if initial else question.state
    now = now_utc(clock)
    if initial:  # a new row, not yet visible to anyone else
        question.state, question.lock_version, question.updated_at = to_state, question.lock_version + 1, now
        session.add(question)
    else:
        _claim(session, question, to_state, now)
    record_audit(
        session,
        actor=actor,
        clock=clock,
        object_id=question.number,
        action=action,
        from_state=from_state.value if from_state else None,
        to_state=to_state.value,
        reason=reason,
        details=details,
        object_type=OBJECT_TYPE,
        actor_name=actor_name,
    )


def _claim(session: Session, question: DeskQuestion, to_state: QuestionState, now: datetime) -> None:
    if not bump_if_unchanged(session, question, question.lock_version, state=to_state, updated_at=now):
        session.refresh(question)
        raise Conflict(
            "该问题已被他人处理，请刷新后重试",
            code="stale_version",
            details={"current_state": question.state.value, "current_lock_version": question.lock_version},
        )


def queue_index(session: Session, question: DeskQuestion, op: OutboxOp, clock: Clock) -> None:
    """Ask the indexer to (re)index or drop the published answer of ``question``."""
    session.add(
        Outbox(
            doc_type=DOC_TYPE_ANSWER,
            doc_id=question.number,
            op=op,
            doc_version=question.lock_version,
            created_at=now_utc(clock),
        )
    )
