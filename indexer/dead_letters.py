"""Dead letters and the outbox backlog: what the index has not (yet) caught up with.

Why two kinds of failure: an engine that is down, overloaded (429) or restarting (502/503/504)
will accept the same document later, so the row stays pending and is retried with backoff. An
engine that *rejects one document* (a mapping or parse error) will reject it every time; retrying
would block nothing (rows are applied per document) but would hide the problem, so the row is
marked dead with the engine's reason and shown to an operator, who fixes the entry or requeues it.
Requeues are written to the audit log (object_type "outbox") like every other operator action.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from records.audit import record_audit
from records.clock import Clock, as_utc
from records.errors import NotFound
from records.models import Outbox, User

TRANSIENT_STATUS = frozenset({408, 429, 500, 502, 503, 504})
# By name, so neither opensearch-py nor SQLAlchemy has to be imported to classify their errors.
TRANSIENT_CLASSES = frozenset(
    {
        "ConnectionError",
        "ConnectionTimeout",
        "SSLError",
        "OperationalError",
        "InterfaceError",
        "DisconnectionError",
    }
)
AUDIT_OBJECT = "outbox"
MAX_LISTED = 500


def is_transient(exc: BaseException) -> bool:
    """True when the same write may succeed later (the row stays pending and is retried).

    Connection failures, timeouts, throttling and unavailable nodes are transient, and so is a
    store problem (the worker could not even load the documents). Anything else is taken to be
    about the documents of the batch: the worker then isolates the one(s) the engine rejects.
    """
    if isinstance(exc, OSError | TimeoutError):
        return True
    if {cls.__name__ for cls in type(exc).__mro__} & TRANSIENT_CLASSES:
        return True
    status = _status_of(exc)
    if status is not None:
        return status in TRANSIENT_STATUS
    per_item = getattr(exc, "errors", None)  # opensearch-py helpers.BulkIndexError
    if isinstance(per_item, list) and per_item:
        statuses = [_item_status(item) for item in per_item]
        return all(s in TRANSIENT_STATUS for s in statuses if s is not None) and any(
            s is not None for s in statuses
        )
    return False


def _status_of(exc: BaseException) -> int | None:
    """The engine's own HTTP status when an AppError wraps one (502 around a 400), else ours."""
    details = getattr(exc, "details", None)
    if isinstance(details, dict) and isinstance(details.get("status"), int):
        return int(details["status"])
    for attribute in ("status_code", "status"):
        value = getattr(exc, attribute, None)
        if isinstance(value, int):
            return value
    return None


def _item_status(item: Any) -> int | None:
    if isinstance(item, dict):
        for body in item.values():
            if isinstance(body, dict) and isinstance(body.get("status"), int):
                return int(body["status"])
    return None


def pending_filter(doc_types: Iterable[str] | None = None) -> list[Any]:
    """Rows the worker still has to apply: neither processed nor dead."""
    conditions: list[Any] = [col(Outbox.processed_at).is_(None), col(Outbox.dead_at).is_(None)]
    if doc_types is not None:
        conditions.append(col(Outbox.doc_type).in_(list(doc_types)))
    return conditions


@dataclass(frozen=True)
class Backlog:
    pending: int
    oldest_age_seconds: float
    dead_letters: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "pending": self.pending,
            "oldest_age_seconds": round(self.oldest_age_seconds, 1),
            "dead_letters": self.dead_letters,
        }


def backlog(session: Session, clock: Clock, doc_types: Iterable[str] | None = None) -> Backlog:
    pending, oldest = session.exec(
        select(func.count(), func.min(Outbox.created_at)).where(*pending_filter(doc_types))
    ).one()
    dead = session.exec(select(func.count()).where(col(Outbox.dead_at).is_not(None))).one()
    age = 0.0
    if pending and oldest is not None:
        age = max((as_utc(clock.now()) - as_utc(oldest)).total_seconds(), 0.0)
    return Backlog(int(pending), age, int(dead))


@dataclass(frozen=True)
class DeadLetter:
    seq: int
    doc_type: str
    doc_id: str
    op: str
    doc_version: int
    attempts: int
    reason: str
    created_at: datetime
    dead_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "doc_type": self.doc_type,
            "doc_id": self.doc_id,
            "op": self.op,
            "doc_version": self.doc_version,
            "attempts": self.attempts,
            "reason": self.reason,
            "created_at": as_utc(self.created_at).isoformat(),
            "dead_at": as_utc(self.dead_at).isoformat(),
        }


def _letter(row: Outbox) -> DeadLetter:
    assert row.seq is not None and row.dead_at is not None
    return DeadLetter(
        seq=row.seq,
        doc_type=row.doc_type,
        doc_id=row.doc_id,
        op=row.op.value,
        doc_version=row.doc_version,
        attempts=row.attempts,
        reason=row.last_error or "",
        created_at=row.created_at,
        dead_at=row.dead_at,
    )


def list_dead(session: Session, limit: int = MAX_LISTED) -> tuple[list[DeadLetter], int]:
    """Newest first (the one an operator just caused is on top), and how many there are."""
    total = session.exec(select(func.count()).where(col(Outbox.dead_at).is_not(None))).one()
    rows = session.exec(
        select(Outbox).where(col(Outbox.dead_at).is_not(None)).order_by(col(Outbox.seq).desc()).limit(limit)
    )
    return [_letter(row) for row in rows], int(total)


def mark_dead(session: Session, row: Outbox, reason: str, clock: Clock) -> None:
    """The engine refused this document; keep the row (with the reason) out of the queue."""
    row.dead_at = as_utc(clock.now())
    row.last_error = reason
    session.add(row)
    _audit(session, row, None, clock, "dead_letter", ("pending", "dead"), reason)


def _audit(
    session: Session, row: Outbox, actor: User | None, clock: Clock, action: str,
    states: tuple[str, str], reason: str | None,
) -> None:  # fmt: skip
    """One audit row per dead-letter change of an outbox row, naming the document it carries."""
    record_audit(
        session,
        actor=actor,
        clock=clock,
        object_type=AUDIT_OBJECT,
        object_id=str(row.seq),
        action=action,
        from_state=states[0],
        to_state=states[1],
        reason=reason,
        details={"doc_type": row.doc_type, "doc_id": row.doc_id, "doc_version": row.doc_version},
    )


def requeue(session: Session, clock: Clock, actor: User | None, seq: int | None = None) -> list[int]:
    """Put one dead letter (``seq``) or all of them back in the queue; returns their seqs.

    The caller commits. The row keeps its seq, so it is applied in its original order relative to
    the document's later rows (and a stale version is skipped by the engine anyway).
    """
    query = select(Outbox).where(col(Outbox.dead_at).is_not(None)).order_by(col(Outbox.seq))
    if seq is not None:
        query = query.where(col(Outbox.seq) == seq)
    rows = list(session.exec(query))
    if seq is not None and not rows:
        raise NotFound("没有这条死信（可能已重新排队）", code="dead_letter_not_found", details={"seq": seq})
    for row in rows:
        reason = row.last_error
        row.dead_at = None
        row.attempts = 0
        session.add(row)
        _audit(session, row, actor, clock, "requeue", ("dead", "pending"), reason)
    return [row.seq for row in rows if row.seq is not None]
