"""Staff side of a desk question: route, answer (四要素), review, publish, return, withdraw.

Why each function checks the state itself: the HTTP layer, the CLI and tests must all hit the
same rules (an answer to a question routed elsewhere is 403, a second review is 409), and every
transition goes through ``change_state`` so it is audited in the same transaction.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from records.clock import Clock
from records.desk.audit import change_state, now_utc, queue_index
from records.desk.models import AnswerState, DeskAnswer, DeskQuestion, QuestionState
from records.desk.validation import clean_four_elements
from records.desk.workdays import due_at
from records.errors import Conflict, Forbidden, ValidationFailed
from records.models import Category, Department, OutboxOp, Role, User
from records.validation import clean_reason

ROUTABLE = (QuestionState.received, QuestionState.routed, QuestionState.returned)
ANSWERABLE = (QuestionState.routed, QuestionState.returned)


def require_role(user: User, *roles: Role) -> None:
    if user.role not in roles:
        raise Forbidden("当前角色无权执行此操作", code="role_forbidden", details={"role": user.role.value})


def require_state(question: DeskQuestion, allowed: Collection[QuestionState], action: str) -> None:
    if question.state not in allowed:
        raise Conflict(
            f"问题当前状态为“{question.state.value}”，不能{action}",
            code="question_state_conflict",
            details={"state": question.state.value, "allowed": [s.value for s in allowed]},
        )


def find_department(session: Session, value: Any) -> Department:
    """A department by id or exact name; unknown → 422 (a reroute to nowhere must not stick)."""
    department = None
    if isinstance(value, int) and not isinstance(value, bool):
        department = session.get(Department, value)
    elif isinstance(value, str) and value.strip():
        department = session.exec(select(Department).where(Department.name == value.strip())).first()
    if department is None:
        raise ValidationFailed(
            "请选择存在的承办部门", code="department_unknown", details=[{"field": "department"}]
        )
    return department


def find_category(session: Session, value: Any) -> Category | None:
    """A category by id or path (公安/户政管理/居民身份证申领); None keeps it unclassified."""
    if value is None or value == "":
        return None
    category = None
    if isinstance(value, int) and not isinstance(value, bool):
        category = session.get(Category, value)
    elif isinstance(value, str):
        category = session.exec(select(Category).where(Category.path == value.strip())).first()
    if category is None:
        raise ValidationFailed("分类不存在", code="category_unknown", details=[{"field": "category"}])
    return category


def route_question(
    session: Session,
    question: DeskQuestion,
    *,
    manager: User,
    department: Any,
    category: Any,
    reason: Any,
    clock: Clock,
    timezone: str,
    holidays: Collection[date],
) -> DeskQuestion:
    """Confirm the suggestion or reroute; either way the one-working-day clock starts now."""
    require_role(manager, Role.manager)
    target = find_department(
        session, department if department is not None else question.suggested_department_id
    )
    chosen_category = find_category(
        session, category if category is not None else question.suggested_category_id
    )
    note = clean_reason(reason, required=False)
    require_state(question, ROUTABLE, "分派")
    previous = question.department_id
    now = now_utc(clock)
    question.department_id = target.id
    question.category_id = chosen_category.id if chosen_category else None
    question.routed_at = now
    question.due_at = due_at(now, timezone, holidays)
    confirmed = target.id == question.suggested_department_id
    change_state(
        session,
        question,
        QuestionState.routed,
        action="route" if previous is None else "reroute",
        actor=manager,
        clock=clock,
        reason=note,
        details={
            "department": target.name,
            "previous_department_id": previous,
            "suggested_department_id": question.suggested_department_id,
            "confirmed_suggestion": confirmed,
            "category": chosen_category.path if chosen_category else None,
            "due_at": question.due_at.isoformat(),
        },
    )
    return question


def current_answer(session: Session, question: DeskQuestion) -> DeskAnswer | None:
    return session.exec(
        select(DeskAnswer).where(DeskAnswer.question_id == question.id).order_by(col(DeskAnswer.id).desc())
    ).first()


def answer_question(
    session: Session,
    question: DeskQuestion,
    *,
    user: User,
    elements: dict[str, Any],
    clock: Clock,
    max_text_bytes: int,
) -> DeskAnswer:
    """Only a specialist of the routed department answers, with all four elements."""
    require_role(user, Role.specialist)
    if question.department_id is None or user.department_id != question.department_id:
        raise Forbidden("该问题未分派给您所在的部门", code="question_other_department")
    cleaned = clean_four_elements(elements, max_text_bytes)
    require_state(question, ANSWERABLE, "答复")
    assert question.id is not None and user.id is not None
    now = now_utc(clock)
    answer = DeskAnswer(
        question_id=question.id,
        basis=cleaned.basis,
        answer=cleaned.answer,
        phone=cleaned.phone,
        signature=cleaned.signature,
        department_id=question.department_id,
        author_id=user.id,
        created_at=now,
    )
    session.add(answer)
    session.flush()
    if question.answered_at is None:
        question.answered_at = now
    change_state(
        session,
        question,
        QuestionState.answered,
        action="answer",
        actor=user,
        clock=clock,
        details={"answer_id": answer.id},
    )
    return answer


def review_answer(
    session: Session, question: DeskQuestion, *, manager: User, decision: Any, reason: Any, clock: Clock
) -> DeskQuestion:
    """Publish the waiting answer (it becomes public and searchable) or return it with reasons."""
    require_role(manager, Role.manager)
    if decision not in ("publish", "return"):
        raise ValidationFailed(
            "审核结论只能是 publish 或 return", code="decision_invalid", details=[{"field": "decision"}]
        )
    note = clean_reason(reason, required=decision == "return")
    require_state(question, (QuestionState.answered,), "审核")
    answer = current_answer(session, question)
    if answer is None or answer.state != AnswerState.submitted:
        raise Conflict("没有待审核的答复", code="no_answer_to_review")
    now = now_utc(clock)
    answer.reviewer_id = manager.id
    answer.reviewed_at = now
    if decision == "return":
        answer.state = AnswerState.returned
        answer.return_reason = note
        session.add(answer)
        change_state(
            session,
            question,
            QuestionState.returned,
            action="return",
            actor=manager,
            clock=clock,
            reason=note,
            details={"answer_id": answer.id},
        )
        return question
    answer.state = AnswerState.published
    session.add(answer)
    question.published_at = now
    change_state(
        session,
        question,
        QuestionState.published,
        action="publish",
        actor=manager,
        clock=clock,
        reason=note,
        details={"answer_id": answer.id},
    )
    queue_index(session, question, OutboxOp.upsert, clock)
    return question


def withdraw_answer(
    session: Session, question: DeskQuestion, *, manager: User, reason: Any, clock: Clock
) -> DeskQuestion:
    """Take a published answer off the public page and out of the index."""
    require_role(manager, Role.manager)
    note = clean_reason(reason, required=True)
    require_state(question, (QuestionState.published,), "撤回")
    answer = current_answer(session, question)
    if answer is not None and answer.state == AnswerState.published:
        answer.state = AnswerState.withdrawn
        session.add(answer)
    question.closed_at = now_utc(clock)
    change_state(
        session, question, QuestionState.withdrawn, action="withdraw", actor=manager, clock=clock, reason=note
    )
    queue_index(session, question, OutboxOp.delete, clock)
    return question


def record_suggestion(
    session: Session,
    question: DeskQuestion,
    *,
    department_id: int | None,
    category_id: int | None,
    candidates: list[dict[str, object]],
    clock: Clock,
) -> None:
    """Keep the routing suggestion on the question and in the audit log (routing is audited)."""
    question.suggested_department_id = department_id
    question.suggested_category_id = category_id
    change_state(
        session,
        question,
        question.state,
        action="suggest_route",
        actor=None,
        clock=clock,
        details={"department_id": department_id, "category_id": category_id, "candidates": candidates},
    )
