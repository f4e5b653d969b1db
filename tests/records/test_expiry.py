"""Automatic expiry: due entries become expired, their live version withdrawn, the index told."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlmodel import Session, col, select

from records.clock import FixedClock
from records.content import EntryContent
from records.entries import create_draft, run_action
from records.expiry import expire_due
from records.lifecycle import Action
from records.models import (
    AuditLog,
    Entry,
    EntryStatus,
    EntryVersion,
    Outbox,
    OutboxOp,
    Role,
    User,
    VersionState,
)
from records.views import public_view


def _published(session: Session, users: dict[Role, User], content: EntryContent, clock: FixedClock) -> Entry:
    entry = create_draft(session, users[Role.specialist], content, clock, max_text_bytes=100_000)
    session.commit()
    for role, action in [
        (Role.specialist, Action.submit),
        (Role.dept_reviewer, Action.dept_approve),
        (Role.manager, Action.publish),
    ]:
        entry = run_action(session, users[role], entry.public_id, action, entry.lock_version, clock)
        session.commit()
    return entry


def test_expiry_after_effective_to(
    session: Session,
    make_user: Callable[..., User],
    clock: FixedClock,
    make_content: Callable[..., EntryContent],
) -> None:
    users = {
        Role.specialist: make_user(Role.specialist, "苏州市公安局"),
        Role.dept_reviewer: make_user(Role.dept_reviewer, "苏州市公安局"),
        Role.manager: make_user(Role.manager),
    }
    due = _published(session, users, make_content(effective_to=date(2026, 6, 30)), clock)
    open_ended = _published(session, users, make_content(), clock)
    later = _published(session, users, make_content(effective_to=date(2026, 12, 31)), clock)
    assert expire_due(session, clock) == []
    clock.advance(days=29)  # 2026-06-30 10:00 local: the last valid day
    assert expire_due(session, clock) == []
    assert public_view(session, due.public_id, clock.today())["id"] == due.public_id
    clock.advance(days=1)
    assert expire_due(session, clock) == [due.public_id]
    session.commit()
    assert expire_due(session, clock) == []  # idempotent
    session.refresh(due)
    assert due.status is EntryStatus.expired and due.live_version_id is None
    version = session.exec(select(EntryVersion).where(EntryVersion.entry_id == due.id)).one()
    assert version.state is VersionState.withdrawn
    last = session.exec(
        select(Outbox).where(Outbox.doc_id == due.public_id).order_by(col(Outbox.seq).desc())
    ).first()
    assert last is not None and (last.op, last.doc_version) == (OutboxOp.delete, due.lock_version)
    audit = session.exec(
        select(AuditLog).where(AuditLog.object_id == due.public_id, AuditLog.action == "expire")
    ).one()
    assert (audit.actor_id, audit.actor_name, audit.from_state, audit.to_state) == (
        None,
        "system",
        "published",
        "expired",
    )
    for other in (open_ended, later):
        session.refresh(other)
        assert other.status is EntryStatus.published
