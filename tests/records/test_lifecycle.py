"""The lifecycle state machine: every action for every role, ownership, states, locks, audit, outbox."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from records.clock import FixedClock
from records.content import EntryContent
from records.entries import create_draft, run_action, update_draft
from records.errors import Conflict, Forbidden, ValidationFailed
from records.expiry import expire_due
from records.lifecycle import Action, claim
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

MAX = 100_000
OWN = "苏州市公安局"
OTHER = "南京市公安局"


def _draft(session: Session, author: User, content: EntryContent, clock: FixedClock) -> Entry:
    entry = create_draft(session, author, content, clock, max_text_bytes=MAX)
    session.commit()
    return entry


def _act(
    session: Session, user: User, entry: Entry, action: Action, clock: FixedClock, reason: str | None = None
) -> Entry:
    try:
        result = run_action(session, user, entry.public_id, action, entry.lock_version, clock, reason)
    except Exception:
        session.rollback()
        raise
    session.commit()
    return result


@pytest.fixture
def people(make_user: Callable[..., User]) -> dict[str, User]:
    return {
        "specialist": make_user(Role.specialist, OWN),
        "other_specialist": make_user(Role.specialist, OTHER),
        "reviewer": make_user(Role.dept_reviewer, OWN),
        "other_reviewer": make_user(Role.dept_reviewer, OTHER),
        "manager": make_user(Role.manager),
        "admin": make_user(Role.admin),
        "agent": make_user(Role.agent),
    }


def _to_state(
    session: Session, people: dict[str, User], entry: Entry, state: str, clock: FixedClock
) -> Entry:
    """Drive a fresh draft to ``state`` through the real transitions."""
    steps = {
        "draft": [],
        "submitted": [("specialist", Action.submit)],
        "dept_approved": [("specialist", Action.submit), ("reviewer", Action.dept_approve)],
        "returned": [("specialist", Action.submit), ("reviewer", Action.return_)],
        "published": [
            ("specialist", Action.submit),
            ("reviewer", Action.dept_approve),
            ("manager", Action.publish),
        ],
        "takedown_requested": [
            ("specialist", Action.submit),
            ("reviewer", Action.dept_approve),
            ("manager", Action.publish),
            ("specialist", Action.request_takedown),
        ],
    }[state]
    for who, action in steps:
        entry = _act(session, people[who], entry, action, clock, reason="理由")
    return entry


# (action, starting state, allowed actors) — every other actor is refused with 403.
MATRIX = [
    (Action.submit, "draft", {"specialist", "manager"}),
    (Action.submit, "returned", {"specialist", "manager"}),
    (Action.dept_approve, "submitted", {"reviewer"}),
    (Action.return_, "submitted", {"reviewer", "manager"}),
    (Action.return_, "dept_approved", {"manager"}),
    (Action.publish, "dept_approved", {"manager"}),
    (Action.new_version, "published", {"specialist", "manager"}),
    (Action.request_takedown, "published", {"specialist"}),
    (Action.approve_takedown, "takedown_requested", {"manager"}),
    (Action.reject_takedown, "takedown_requested", {"manager"}),
]
ACTORS = ["specialist", "other_specialist", "reviewer", "other_reviewer", "manager", "admin", "agent"]


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(("action", "state", "allowed"), MATRIX, ids=[f"{a.value}@{s}" for a, s, _ in MATRIX])
def test_every_action_for_every_role(
    session: Session,
    people: dict[str, User],
    clock: FixedClock,
    make_content: Callable[..., EntryContent],
    action: Action,
    state: str,
    allowed: set[str],
    actor: str,
) -> None:
    entry = _to_state(
        session, people, _draft(session, people["specialist"], make_content(), clock), state, clock
    )
    before = entry.lock_version
    if actor in allowed:
        after = _act(session, people[actor], entry, action, clock, reason="需要处理")
        assert after.lock_version == before + 1
        last = session.exec(select(AuditLog).order_by(col(AuditLog.id).desc())).first()
        assert last is not None and last.actor_id == people[actor].id and last.object_id == entry.public_id
    elif actor == "reviewer" and action is Action.return_:
        with pytest.raises(Conflict) as conflict:  # a reviewer may return only what awaits the department
            _act(session, people[actor], entry, action, clock, reason="需要处理")
        assert conflict.value.code == "illegal_transition"
    else:
        with pytest.raises(Forbidden) as refused:
            _act(session, people[actor], entry, action, clock, reason="需要处理")
        base = actor.removeprefix("other_")
        bound = base in {"specialist", "reviewer"} and (
            base in allowed or (action is Action.return_ and base == "reviewer")
        )
        expected = "department_forbidden" if actor.startswith("other_") and bound else "role_forbidden"
        assert refused.value.code == expected
        session.refresh(entry)
        assert entry.lock_version == before  # nothing written


ILLEGAL = [
    (Action.publish, "draft", "条目当前状态为「草稿」，不能执行「发布」"),
    (Action.dept_approve, "draft", "条目当前状态为「草稿」，不能执行「部门审核通过」"),
    (Action.submit, "submitted", "条目当前状态为「待部门审核」，不能执行「提交审核」"),
    (Action.publish, "submitted", "条目当前状态为「待部门审核」，不能执行「发布」"),
    (Action.dept_approve, "returned", "条目当前状态为「已退回」，不能执行「部门审核通过」"),
    (Action.publish, "published", "条目当前状态为「已发布」，不能执行「发布」"),
    (Action.request_takedown, "draft", "条目当前状态为「未发布」，不能执行「申请下架」"),
    (Action.approve_takedown, "published", "条目当前状态为「已发布」，不能执行「批准下架」"),
    (Action.new_version, "draft", "条目当前状态为「草稿」，不能执行「新建版本」"),
]


@pytest.mark.parametrize(("action", "state", "message"), ILLEGAL)
def test_illegal_transitions_are_409_with_reason(
    session: Session,
    people: dict[str, User],
    clock: FixedClock,
    make_content: Callable[..., EntryContent],
    action: Action,
    state: str,
    message: str,
) -> None:
    entry = _to_state(
        session, people, _draft(session, people["specialist"], make_content(), clock), state, clock
    )
    actor = {
        Action.dept_approve: "reviewer",
        Action.publish: "manager",
        Action.approve_takedown: "manager",
    }.get(action, "specialist")
    with pytest.raises(Conflict) as err:
        _act(session, people[actor], entry, action, clock, reason="理由")
    assert err.value.code == "illegal_transition"
    assert err.value.message == message


@pytest.mark.parametrize("reason", [None, "", "   "])
@pytest.mark.parametrize("action", [Action.return_, Action.request_takedown])
def test_return_and_takedown_need_a_reason(
    session: Session,
    people: dict[str, User],
    clock: FixedClock,
    make_content: Callable[..., EntryContent],
    action: Action,
    reason: str | None,
) -> None:
    state = "submitted" if action is Action.return_ else "published"
    actor = "reviewer" if action is Action.return_ else "specialist"
    entry = _to_state(
        session, people, _draft(session, people["specialist"], make_content(), clock), state, clock
    )
    with pytest.raises(ValidationFailed) as err:
        _act(session, people[actor], entry, action, clock, reason=reason)
    assert err.value.code == "reason_required"


def test_full_review_publish_writes_audit_and_one_outbox_row(
    session: Session, people: dict[str, User], clock: FixedClock, make_content: Callable[..., EntryContent]
) -> None:
    entry = _draft(session, people["specialist"], make_content(), clock)
    entry = _act(session, people["specialist"], entry, Action.submit, clock)
    entry = _act(session, people["reviewer"], entry, Action.return_, clock, reason="电话号码有误")
    version = session.exec(select(EntryVersion).where(EntryVersion.entry_id == entry.id)).one()
    assert version.state is VersionState.returned and version.return_reason == "电话号码有误"
    assert session.exec(select(Outbox)).all() == []  # nothing public yet
    for who, action in [
        ("specialist", Action.submit),
        ("reviewer", Action.dept_approve),
        ("manager", Action.publish),
    ]:
        entry = _act(session, people[who], entry, action, clock)
    assert entry.status is EntryStatus.published and entry.live_version_id == version.id
    rows = session.exec(select(Outbox).where(Outbox.doc_id == entry.public_id)).all()
    assert [(r.op, r.doc_version) for r in rows] == [(OutboxOp.upsert, entry.lock_version)]
    trail = session.exec(
        select(AuditLog).where(AuditLog.object_id == entry.public_id).order_by(col(AuditLog.id))
    ).all()
    assert [(a.action, a.from_state, a.to_state, a.actor_name) for a in trail] == [
        ("create", None, "draft", people["specialist"].username),
        ("submit", "draft", "submitted", people["specialist"].username),
        ("return", "submitted", "returned", people["reviewer"].username),
        ("submit", "returned", "submitted", people["specialist"].username),
        ("dept_approve", "submitted", "dept_approved", people["reviewer"].username),
        ("publish", "dept_approved", "published", people["manager"].username),
    ]
    assert trail[2].reason == "电话号码有误"
    assert all(a.at.replace(tzinfo=None) == clock.now() for a in trail)


def test_new_version_keeps_old_live_until_it_publishes(
    session: Session, people: dict[str, User], clock: FixedClock, make_content: Callable[..., EntryContent]
) -> None:
    entry = _to_state(
        session, people, _draft(session, people["specialist"], make_content(), clock), "published", clock
    )
    first_live = entry.live_version_id
    entry = _act(session, people["specialist"], entry, Action.new_version, clock)
    entry = update_draft(
        session,
        people["specialist"],
        entry.public_id,
        make_content(title="居民身份证补领（2026版）"),
        entry.lock_version,
        clock,
        max_text_bytes=MAX,
    )
    session.commit()
    assert entry.live_version_id == first_live and entry.status is EntryStatus.published
    for who, action in [("specialist", Action.submit), ("reviewer", Action.dept_approve)]:
        entry = _act(session, people[who], entry, action, clock)
        assert entry.live_version_id == first_live
    entry = _act(session, people["manager"], entry, Action.publish, clock)
    versions = session.exec(
        select(EntryVersion).where(EntryVersion.entry_id == entry.id).order_by(col(EntryVersion.number))
    ).all()
    assert [(v.number, v.state) for v in versions] == [
        (1, VersionState.superseded),
        (2, VersionState.published),
    ]
    assert entry.live_version_id == versions[1].id and versions[1].title == "居民身份证补领（2026版）"
    ops = session.exec(select(Outbox.op, Outbox.doc_version).where(Outbox.doc_id == entry.public_id)).all()
    assert [op for op, _ in ops] == [OutboxOp.upsert, OutboxOp.upsert]
    assert ops[0][1] < ops[1][1] == entry.lock_version


def test_takedown_approved_removes_from_public_and_rejected_restores(
    session: Session, people: dict[str, User], clock: FixedClock, make_content: Callable[..., EntryContent]
) -> None:
    a = _to_state(
        session,
        people,
        _draft(session, people["specialist"], make_content(), clock),
        "takedown_requested",
        clock,
    )
    b = _to_state(
        session,
        people,
        _draft(session, people["specialist"], make_content(), clock),
        "takedown_requested",
        clock,
    )
    a = _act(session, people["manager"], a, Action.approve_takedown, clock, reason="政策废止")
    b = _act(session, people["manager"], b, Action.reject_takedown, clock, reason="仍有效")
    assert a.status is EntryStatus.taken_down and a.live_version_id is None
    assert b.status is EntryStatus.published and b.live_version_id is not None
    last_a = session.exec(
        select(Outbox).where(Outbox.doc_id == a.public_id).order_by(col(Outbox.seq).desc())
    ).first()
    assert last_a is not None and last_a.op is OutboxOp.delete and last_a.doc_version == a.lock_version
    assert (
        session.exec(select(Outbox).where(Outbox.doc_id == b.public_id, Outbox.op == OutboxOp.delete)).all()
        == []
    )


def test_stale_lock_version_is_refused_and_first_edit_kept(
    session: Session, people: dict[str, User], clock: FixedClock, make_content: Callable[..., EntryContent]
) -> None:
    entry = _draft(session, people["specialist"], make_content(), clock)
    seen = entry.lock_version
    update_draft(
        session,
        people["specialist"],
        entry.public_id,
        make_content(title="第一次修改"),
        seen,
        clock,
        max_text_bytes=MAX,
    )
    session.commit()
    with pytest.raises(Conflict) as err:
        update_draft(
            session,
            people["specialist"],
            entry.public_id,
            make_content(title="第二次修改"),
            seen,
            clock,
            max_text_bytes=MAX,
        )
    session.rollback()
    assert err.value.code == "stale_version"
    assert err.value.details["current_lock_version"] == seen + 1
    version = session.exec(select(EntryVersion).where(EntryVersion.entry_id == entry.id)).one()
    session.refresh(version)
    assert version.title == "第一次修改"


def test_edit_audit_lists_changed_fields(
    session: Session, people: dict[str, User], clock: FixedClock, make_content: Callable[..., EntryContent]
) -> None:
    entry = _draft(session, people["specialist"], make_content(), clock)
    update_draft(
        session,
        people["specialist"],
        entry.public_id,
        make_content(contact_phone="12345", effective_to=date(2030, 1, 1)),
        entry.lock_version,
        clock,
        max_text_bytes=MAX,
    )
    session.commit()
    last = session.exec(select(AuditLog).order_by(col(AuditLog.id).desc())).first()
    assert last is not None and last.action == "edit"
    assert sorted(last.details["changed"]) == ["contact_phone", "effective_to"]


def test_submission_reports_every_missing_element(
    session: Session, people: dict[str, User], clock: FixedClock
) -> None:
    entry = _draft(session, people["specialist"], EntryContent(department=OWN), clock)
    with pytest.raises(ValidationFailed) as err:
        _act(session, people["specialist"], entry, Action.submit, clock)
    fields = {p["field"]: p["code"] for p in err.value.details}
    assert fields == {
        "title": "missing_title",
        "region": "missing_region",
        "category": "missing_category",
        "effective_from": "missing_effective_from",
        "contact_phone": "missing_contact_phone",
        "original_text": "missing_content",
    }
    assert all(p["message"] for p in err.value.details)


def test_lock_is_enforced_in_sql_across_sessions(
    engine: Engine,
    session: Session,
    people: dict[str, User],
    clock: FixedClock,
    make_content: Callable[..., EntryContent],
) -> None:
    """Two sessions read the same lock_version; the second writer loses though its copy looked current."""
    entry = _draft(session, people["specialist"], make_content(), clock)
    with Session(engine, expire_on_commit=False) as first, Session(engine, expire_on_commit=False) as second:
        mine = first.exec(select(Entry).where(Entry.public_id == entry.public_id)).one()
        theirs = second.exec(select(Entry).where(Entry.public_id == entry.public_id)).one()
        second.expunge(theirs)  # keep the stale copy as it was read …
        second.rollback()  # … and end the read so SQLite lets the first session write
        second.add(theirs)
        claim(first, mine, mine.lock_version, clock)
        first.commit()
        assert theirs.lock_version == 1  # stale copy, same number as the winner saw
        with pytest.raises(Conflict) as err:
            claim(second, theirs, 1, clock)
        assert err.value.code == "stale_version"


@pytest.mark.parametrize("how", ["taken_down", "expired"])
def test_republish_after_takedown_or_expiry(
    session: Session,
    people: dict[str, User],
    clock: FixedClock,
    make_content: Callable[..., EntryContent],
    how: str,
) -> None:
    effective_to = date(2026, 6, 30) if how == "expired" else None
    entry = _to_state(
        session,
        people,
        _draft(session, people["specialist"], make_content(effective_to=effective_to), clock),
        "published",
        clock,
    )
    if how == "taken_down":
        entry = _act(session, people["specialist"], entry, Action.request_takedown, clock, reason="暂停")
        entry = _act(session, people["manager"], entry, Action.approve_takedown, clock)
    else:
        clock.advance(days=30)
        assert expire_due(session, clock) == [entry.public_id]
        session.commit()
        session.refresh(entry)
    assert entry.status.value == how and entry.live_version_id is None
    entry = _act(session, people["specialist"], entry, Action.new_version, clock)
    entry = update_draft(
        session,
        people["specialist"],
        entry.public_id,
        make_content(effective_to=date(2027, 12, 31)),
        entry.lock_version,
        clock,
        max_text_bytes=MAX,
    )
    session.commit()
    for who, action in [
        ("specialist", Action.submit),
        ("reviewer", Action.dept_approve),
        ("manager", Action.publish),
    ]:
        entry = _act(session, people[who], entry, action, clock)
    assert entry.status is EntryStatus.published
    states = session.exec(
        select(EntryVersion.state).where(EntryVersion.entry_id == entry.id).order_by(col(EntryVersion.number))
    ).all()
    assert states == [VersionState.withdrawn, VersionState.published]
