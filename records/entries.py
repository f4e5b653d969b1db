"""Staff operations on entries: create and edit drafts, run lifecycle actions, list.

Every function works inside the caller's session and never commits: one request or command is
one transaction, so a refused step leaves nothing half-written.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from records.audit import record_audit
from records.clock import Clock, as_utc
from records.content import EntryContent, replace_qas, write_content
from records.errors import Conflict, ValidationFailed
from records.lifecycle import Action, authorize, claim, illegal, perform, working_version
from records.models import Department, Entry, EntryStatus, EntryVersion, User, VersionState
from records.reference import Resolver, problem
from records.validation import control_problems, raise_if, size_problems
from records.views import get_entry

__all__ = ["create_draft", "list_entries", "run_action", "update_draft"]


def create_draft(
    session: Session,
    actor: User,
    content: EntryContent,
    clock: Clock,
    *,
    max_text_bytes: int,
    public_id: str | None = None,
    source_question: str | None = None,
) -> Entry:
    """A new entry with one draft version; drafts may be incomplete but never wrong (unknown names).
    ``source_question``: the desk question it is made from (kept on the entry and in the audit row)."""
    dept = _department(session, actor, content.department)
    authorize(actor, Action.create, dept.id)  # type: ignore[arg-type]
    if public_id and session.exec(select(Entry.id).where(Entry.public_id == public_id)).first() is not None:
        raise _duplicate(public_id)
    raise_if(size_problems(content.texts(), max_text_bytes) + control_problems(content.texts()))
    now = as_utc(clock.now())
    assert dept.id is not None
    entry = Entry(
        public_id=public_id or _new_public_id(session),
        department_id=dept.id,
        source_question_no=source_question,
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():  # another request may have taken the id since the check above
            session.add(entry)
            session.flush()
    except IntegrityError:
        raise _duplicate(entry.public_id) from None
    assert entry.id is not None
    version = EntryVersion(
        entry_id=entry.id,
        number=1,
        department_id=dept.id,
        created_by=actor.id,
        created_at=now,
        updated_at=now,
    )
    qas, problems, _ = write_content(Resolver(session, create=False), version, content)
    raise_if(problems)
    session.add(version)
    session.flush()
    replace_qas(session, version, qas)
    record_audit(
        session,
        actor=actor,
        clock=clock,
        object_id=entry.public_id,
        action="create",
        from_state=None,
        to_state=VersionState.draft.value,
        details={"version": 1, **({"source_question": source_question} if source_question else {})},
    )
    return entry


def _duplicate(public_id: str) -> Conflict:
    return Conflict(f"条目编号「{public_id}」已存在", code="duplicate_id", details={"id": public_id})


def update_draft(
    session: Session,
    actor: User,
    public_id: str,
    content: EntryContent,
    expected_lock_version: int,
    clock: Clock,
    *,
    max_text_bytes: int,
) -> Entry:
    """Rewrite the working draft (draft or returned) as a whole; the audit row lists changed fields."""
    from records.content import read_content, read_qas

    entry = get_entry(session, public_id)
    authorize(actor, Action.edit, entry.department_id)
    claim(session, entry, expected_lock_version, clock)
    version = working_version(session, entry)
    if version is None or version.state not in (VersionState.draft, VersionState.returned):
        raise illegal(Action.edit, version.state if version else entry.status)
    dept = session.get(Department, entry.department_id)
    if content.department.strip() and dept is not None and content.department.strip() != dept.name:
        raise ValidationFailed(
            "条目的所属部门不能修改",
            code="department_immutable",
            details=[
                problem("department", "department_immutable", f"条目属于「{dept.name}」，不能改为其他部门")
            ],
        )
    raise_if(size_problems(content.texts(), max_text_bytes) + control_problems(content.texts()))
    assert version.id is not None
    before = asdict(read_content(session, version, read_qas(session, version.id)))
    qas, problems, _ = write_content(Resolver(session, create=False), version, content)
    raise_if(problems)
    version.updated_at = as_utc(clock.now())
    session.add(version)
    session.flush()
    replace_qas(session, version, qas)
    session.flush()
    after = asdict(read_content(session, version, qas))
    changed = [name for name in after if name != "department" and after[name] != before[name]]
    record_audit(
        session,
        actor=actor,
        clock=clock,
        object_id=entry.public_id,
        action="edit",
        from_state=version.state.value,
        to_state=version.state.value,
        details={"version": version.number, "changed": changed},
    )
    return entry


def run_action(
    session: Session,
    actor: User,
    public_id: str,
    action: Action,
    expected_lock_version: int,
    clock: Clock,
    reason: str | None = None,
) -> Entry:
    entry = get_entry(session, public_id)
    perform(session, actor, entry, action, expected_lock_version, clock, reason)
    session.flush()
    return entry


def list_entries(
    session: Session,
    *,
    state: str | None = None,
    department: str | None = None,
    q: str | None = None,
    page: int = 1,
    size: int = 20,
) -> tuple[list[dict[str, Any]], int]:
    """Staff listing, newest change first. ``state`` is an entry status or a version state."""
    query = select(Entry)
    if state:
        if state in EntryStatus.__members__:
            query = query.where(Entry.status == EntryStatus(state))
        elif state in VersionState.__members__:
            has_state = select(EntryVersion.entry_id).where(EntryVersion.state == VersionState(state))
            query = query.where(col(Entry.id).in_(has_state))
        else:
            raise ValidationFailed(
                f"未知的状态「{state}」",
                code="unknown_state",
                details=[problem("state", "unknown_state", "状态取值不正确")],
            )
    if department:
        query = query.where(
            col(Entry.department_id).in_(select(Department.id).where(Department.name == department))
        )
    if q and q.strip():
        titled = select(EntryVersion.entry_id).where(
            col(EntryVersion.title).contains(q.strip(), autoescape=True)
        )
        query = query.where(or_(col(Entry.public_id) == q.strip(), col(Entry.id).in_(titled)))
    count = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(
        query.order_by(col(Entry.updated_at).desc(), col(Entry.id).desc())
        .offset((page - 1) * size)
        .limit(size)
    ).all()
    return [_summary(session, entry) for entry in rows], count


def _summary(session: Session, entry: Entry) -> dict[str, Any]:
    from records.lifecycle import state_label

    latest = session.exec(
        select(EntryVersion)
        .where(EntryVersion.entry_id == entry.id)
        .order_by(col(EntryVersion.number).desc())
    ).first()
    working = (
        latest
        if latest is not None
        and latest.state
        in (
            VersionState.draft,
            VersionState.submitted,
            VersionState.dept_approved,
            VersionState.returned,
        )
        else None
    )
    dept = session.get(Department, entry.department_id)
    return {
        "id": entry.public_id,
        "title": latest.title if latest else "",
        "status": entry.status.value,
        "status_label": state_label(entry.status),
        "working_state": working.state.value if working else None,
        "department": dept.name if dept else None,
        "lock_version": entry.lock_version,
        "updated_at": entry.updated_at.isoformat(),
    }


def _department(session: Session, actor: User, name: str) -> Department:
    name = name.strip()
    if not name:
        if actor.department_id is not None:
            found = session.get(Department, actor.department_id)
            if found is not None:
                return found
        raise ValidationFailed(
            "请填写所属部门",
            code="missing_department",
            details=[problem("department", "missing_department", "请填写所属部门")],
        )
    found = session.exec(select(Department).where(Department.name == name)).first()
    if found is None:
        raise ValidationFailed(
            f"部门「{name}」不存在",
            code="unknown_department",
            details=[problem("department", "unknown_department", f"部门「{name}」不存在")],
        )
    return found


def _new_public_id(session: Session) -> str:
    while True:
        candidate = "E" + secrets.token_hex(5).upper()
        if session.exec(select(Entry.id).where(Entry.public_id == candidate)).first() is None:
            return candidate
