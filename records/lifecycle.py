"""The entry lifecycle of design §3 as one state machine: from which state, with what effect.

Who may perform each action (role and department) is the rules table in records.policy.

    draft ──submit──▶ submitted ──dept_approve──▶ dept_approved ──publish──▶ published
      ▲                   │                            │
      └──── (edit) ── returned ◀──────── return ───────┘
    published entry: new_version (a new draft; the old version stays live until the new one publishes)
                     request_takedown ─▶ takedown_requested ─approve─▶ taken_down / ─reject─▶ published
                     (system) expire ─▶ expired

Review actions move the entry's *working* version (the one draft/submitted/dept_approved/returned
version, if any); takedown and expiry move the entry's public status. Every action checks the
actor's role and department, the optimistic lock, and the state; writes the audit row; and, when
what the public sees changes, the outbox row — all in the caller's transaction.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from records.audit import record_audit, request_index
from records.clock import Clock, as_utc
from records.content import read_qas
from records.errors import Conflict, ValidationFailed
from records.locking import bump_if_unchanged
from records.models import Category, Entry, EntryStatus, EntryVersion, OutboxOp, Role, User, VersionState
from records.policy import (
    EDITABLE,
    PUBLIC_STATUSES,
    WORKING_STATES,
    Action,
    authorize,
    illegal,
    state_label,
)
from records.reference import problem
from records.validation import clean_reason, completeness_problems, raise_if

__all__ = [
    "EDITABLE",
    "PUBLIC_STATUSES",
    "WORKING_STATES",
    "Action",
    "authorize",
    "claim",
    "illegal",
    "perform",
    "publish_version",
    "state_label",
    "withdraw_live",
    "working_version",
]


def claim(session: Session, entry: Entry, expected: int, clock: Clock) -> None:
    """Optimistic lock: bump lock_version only if it still equals ``expected`` (atomic in SQL)."""
    stale = Conflict(
        f"条目已被他人修改（当前版本号 {entry.lock_version}，您提交的是 {expected}），请刷新后重试",
        code="stale_version",
        details={"current_lock_version": entry.lock_version, "expected_lock_version": expected},
    )
    if entry.lock_version != expected:
        raise stale
    if not bump_if_unchanged(session, entry, expected, updated_at=as_utc(clock.now())):
        session.refresh(entry)
        raise stale


def working_version(session: Session, entry: Entry) -> EntryVersion | None:
    return session.exec(
        select(EntryVersion).where(
            EntryVersion.entry_id == entry.id, col(EntryVersion.state).in_([s.value for s in WORKING_STATES])
        )
    ).first()


def require_complete(session: Session, version: EntryVersion, clock: Clock) -> None:
    """要素齐全 of a stored version (on submission and again on publication)."""
    level = session.get(Category, version.category_id).level if version.category_id else None  # type: ignore[union-attr]
    assert version.id is not None
    problems = completeness_problems(version, read_qas(session, version.id), level)
    if version.effective_to is not None and version.effective_to < clock.today() and not problems:
        problems.append(
            problem("effective_to", "already_expired", "失效日期已过，不能提交或发布已失效的内容")
        )
    raise_if(problems)


def perform(
    session: Session,
    actor: User,
    entry: Entry,
    action: Action,
    expected_lock_version: int,
    clock: Clock,
    reason: str | None = None,
) -> EntryVersion | None:
    """Run one lifecycle action on ``entry``; returns the version it concerned (None for takedowns)."""
    authorize(actor, action, entry.department_id)
    claim(session, entry, expected_lock_version, clock)
    reason = clean_reason(reason, required=False)
    if action in (Action.request_takedown, Action.approve_takedown, Action.reject_takedown):
        _takedown(session, actor, entry, action, clock, reason)
        return None
    if action is Action.new_version:
        return _new_version(session, actor, entry, clock, reason)
    version = working_version(session, entry)
    current = version.state if version else entry.status
    allowed = {
        Action.submit: EDITABLE,
        Action.dept_approve: (VersionState.submitted,),
        Action.return_: (VersionState.submitted,)
        if actor.role is Role.dept_reviewer
        else (VersionState.submitted, VersionState.dept_approved),
        Action.publish: (VersionState.dept_approved,),
    }[action]
    if version is None or version.state not in allowed:
        raise illegal(action, current)
    from_state = version.state
    if action is Action.return_:
        if reason is None:
            raise ValidationFailed(
                "退回时必须填写退回理由",
                code="reason_required",
                details=[problem("reason", "reason_required", "请填写退回理由")],
            )
        version.state = VersionState.returned
        version.return_reason = reason
    elif action is Action.submit:
        require_complete(session, version, clock)
        version.state = VersionState.submitted
        version.return_reason = None
    elif action is Action.dept_approve:
        version.state = VersionState.dept_approved
    else:
        require_complete(session, version, clock)
        publish_version(session, actor, entry, version, clock, action="publish", reason=reason)
        return version
    version.updated_at = as_utc(clock.now())
    session.add(version)
    record_audit(
        session,
        actor=actor,
        clock=clock,
        object_id=entry.public_id,
        action=action.value.replace("-", "_"),
        from_state=from_state.value,
        to_state=version.state.value,
        reason=reason,
        details={"version": version.number},
    )
    return version


def publish_version(
    session: Session,
    actor: User | None,
    entry: Entry,
    version: EntryVersion,
    clock: Clock,
    *,
    action: str,
    reason: str | None = None,
) -> None:
    """Make ``version`` the live one: the old live version is superseded, the index is told.

    The caller has already bumped entry.lock_version (the outbox row carries it).
    """
    from_state = version.state.value
    old_id = entry.live_version_id
    if old_id is not None and old_id != version.id:
        old = session.get(EntryVersion, old_id)
        if old is not None and old.state is VersionState.published:
            old.state = VersionState.superseded
            session.add(old)
    now = as_utc(clock.now())
    version.state = VersionState.published
    version.published_at = now
    version.updated_at = now
    session.add(version)
    if version.id is None:
        session.flush()  # the version needs its id before the entry points at it
    entry.live_version_id = version.id
    before = entry.status
    if entry.status is not EntryStatus.takedown_requested:
        entry.status = EntryStatus.published
    session.add(entry)
    request_index(
        session, doc_id=entry.public_id, op=OutboxOp.upsert, doc_version=entry.lock_version, clock=clock
    )
    record_audit(
        session,
        actor=actor,
        clock=clock,
        object_id=entry.public_id,
        action=action,
        from_state=from_state,
        to_state=VersionState.published.value,
        reason=reason,
        details={"version": version.number, "superseded_version_id": old_id, "status_before": before.value},
    )


def withdraw_live(
    session: Session,
    actor: User | None,
    entry: Entry,
    to_status: EntryStatus,
    clock: Clock,
    *,
    action: str,
    reason: str | None = None,
) -> None:
    """Take the live version off the public (takedown, expiry): status change + outbox delete."""
    before = entry.status
    live = session.get(EntryVersion, entry.live_version_id) if entry.live_version_id else None
    if live is not None:
        live.state = VersionState.withdrawn
        live.updated_at = as_utc(clock.now())
        session.add(live)
    entry.status = to_status
    entry.live_version_id = None
    session.add(entry)
    request_index(
        session, doc_id=entry.public_id, op=OutboxOp.delete, doc_version=entry.lock_version, clock=clock
    )
    record_audit(
        session,
        actor=actor,
        clock=clock,
        object_id=entry.public_id,
        action=action,
        from_state=before.value,
        to_state=to_status.value,
        reason=reason,
        details={"version": live.number if live else None},
    )


def _takedown(
    session: Session, actor: User, entry: Entry, action: Action, clock: Clock, reason: str | None
) -> None:
    before = entry.status
    if action is Action.request_takedown:
        if before is not EntryStatus.published:
            raise illegal(action, before)
        if reason is None:
            raise ValidationFailed(
                "申请下架时必须填写理由",
                code="reason_required",
                details=[problem("reason", "reason_required", "请填写下架理由")],
            )
        entry.status = EntryStatus.takedown_requested
    elif before is not EntryStatus.takedown_requested:
        raise illegal(action, before)
    elif action is Action.approve_takedown:
        withdraw_live(
            session, actor, entry, EntryStatus.taken_down, clock, action="approve_takedown", reason=reason
        )
        return
    else:
        entry.status = EntryStatus.published
    session.add(entry)
    record_audit(
        session,
        actor=actor,
        clock=clock,
        object_id=entry.public_id,
        action=action.value.replace("-", "_"),
        from_state=before.value,
        to_state=entry.status.value,
        reason=reason,
    )


def _new_version(
    session: Session, actor: User, entry: Entry, clock: Clock, reason: str | None
) -> EntryVersion:
    """A new draft copied from the latest version; the live version stays public meanwhile."""
    from records.content import qa_rows

    existing = working_version(session, entry)
    if existing is not None:
        raise illegal(Action.new_version, existing.state)
    if entry.status not in (EntryStatus.published, EntryStatus.expired, EntryStatus.taken_down):
        raise illegal(Action.new_version, entry.status)
    base = session.exec(
        select(EntryVersion)
        .where(EntryVersion.entry_id == entry.id)
        .order_by(col(EntryVersion.number).desc())
    ).first()
    assert base is not None and base.id is not None
    now = as_utc(clock.now())
    draft = EntryVersion.model_validate(
        base.model_dump(exclude={"id", "state", "return_reason", "published_at", "created_at", "updated_at"})
        | {"number": base.number + 1, "created_by": actor.id, "created_at": now, "updated_at": now}
    )
    session.add(draft)
    session.flush()
    assert draft.id is not None
    session.add_all(qa_rows(draft.id, read_qas(session, base.id)))
    record_audit(
        session,
        actor=actor,
        clock=clock,
        object_id=entry.public_id,
        action="new_version",
        from_state=entry.status.value,
        to_state=VersionState.draft.value,
        reason=reason,
        details={"version": draft.number, "based_on": base.number},
    )
    return draft
