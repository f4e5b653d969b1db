"""The audit log and the outbox: the two rows every state change leaves behind.

Why together: both must be written in the same transaction as the change itself (an audit
trail with gaps, or a public change the index never hears of, are the failures we guard
against), so callers add them to the session they are already using and never commit here.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from records.clock import Clock, as_utc
from records.models import AuditLog, Outbox, OutboxOp, User

__all__ = ["CITIZEN", "SYSTEM", "audit_trail", "record_audit", "request_index"]

SYSTEM = "system"  # the actor name of expiry, import without --as and other automatic changes
CITIZEN = "citizen"  # the actor name of a member of the public (the question desk's asker)


def record_audit(
    session: Session,
    *,
    actor: User | None,
    clock: Clock,
    object_id: str,
    action: str,
    from_state: str | None,
    to_state: str | None,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
    object_type: str = "entry",
    actor_name: str = SYSTEM,
) -> AuditLog:
    """``actor_name`` names who acted when no staff member did (``actor`` None)."""
    row = AuditLog(
        at=as_utc(clock.now()),
        actor_id=actor.id if actor else None,
        actor_name=actor.username if actor else actor_name,
        object_type=object_type,
        object_id=object_id,
        action=action,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        details=details or {},
    )
    session.add(row)
    return row


def request_index(session: Session, *, doc_id: str, op: OutboxOp, doc_version: int, clock: Clock) -> Outbox:
    """Ask the indexer to upsert or delete ``doc_id``; ``doc_version`` orders competing requests."""
    row = Outbox(
        doc_type="entry", doc_id=doc_id, op=op, doc_version=doc_version, created_at=as_utc(clock.now())
    )
    session.add(row)
    return row


def audit_trail(session: Session, object_id: str, object_type: str = "entry") -> list[AuditLog]:
    return list(
        session.exec(
            select(AuditLog)
            .where(AuditLog.object_type == object_type, AuditLog.object_id == object_id)
            .order_by(col(AuditLog.id))
        )
    )
