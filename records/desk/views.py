"""What each audience sees of a question: the public page and the staff view.

Why two functions: the contact and the client hash are never public, and an unpublished or
returned answer is not the public's business; keeping both shapes here makes the boundary one
place to review instead of a filter in every route.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from records.clock import as_utc
from records.desk.matching import Related
from records.desk.models import AnswerState, DeskAnswer, DeskQuestion
from records.models import Category, Department, Region


def _iso(value: datetime | None, timezone: str) -> str | None:
    return as_utc(value).astimezone(ZoneInfo(timezone)).isoformat() if value else None


def _name(session: Session, model: type[Department] | type[Region], row_id: int | None) -> str | None:
    row = session.get(model, row_id) if row_id is not None else None
    return getattr(row, "name", None)


def _path(session: Session, row_id: int | None) -> str | None:
    row = session.get(Category, row_id) if row_id is not None else None
    return row.path if row else None


def answers_of(session: Session, question: DeskQuestion) -> list[DeskAnswer]:
    query = select(DeskAnswer).where(DeskAnswer.question_id == question.id).order_by(col(DeskAnswer.id))
    return list(session.exec(query))


def answer_dict(answer: DeskAnswer, timezone: str) -> dict[str, Any]:
    return {
        "basis": answer.basis,
        "answer": answer.answer,
        "phone": answer.phone,
        "signature": answer.signature,
        "state": answer.state.value,
        "created_at": _iso(answer.created_at, timezone),
        "reviewed_at": _iso(answer.reviewed_at, timezone),
        "return_reason": answer.return_reason,
    }


def public_view(
    session: Session, question: DeskQuestion, timezone: str, related: Sequence[Related] = (), *, asker: bool
) -> dict[str, Any]:
    """Numbers are sequential, so an unpublished question's words are shown only to its asker."""
    published = next((a for a in answers_of(session, question) if a.state == AnswerState.published), None)
    shown = asker or published is not None
    view: dict[str, Any] = {
        "number": question.number,
        "text": question.text if shown else None,
        "state": question.state.value,
        "region": _name(session, Region, question.region_id) if shown else None,
        "department": _name(session, Department, question.department_id) if published else None,
        "created_at": _iso(question.created_at, timezone),
        "published_at": _iso(question.published_at, timezone) if published else None,
        "resolved_by": question.resolved_by_doc,
        "answer": None,
        "related": [],
    }
    if published is not None:
        answer = answer_dict(published, timezone)
        view["answer"] = {k: answer[k] for k in ("basis", "answer", "phone", "signature")}
        view["related"] = [{"id": r.id, "title": r.title} for r in related]
    return view


def staff_view(session: Session, question: DeskQuestion, timezone: str, now: datetime) -> dict[str, Any]:
    due = as_utc(question.due_at) if question.due_at else None
    return {
        "number": question.number,
        "text": question.text,
        "state": question.state.value,
        "region": _name(session, Region, question.region_id),
        "contact": question.contact,
        "suggested_department": _name(session, Department, question.suggested_department_id),
        "suggested_category": _path(session, question.suggested_category_id),
        "department": _name(session, Department, question.department_id),
        "department_id": question.department_id,
        "category": _path(session, question.category_id),
        "created_at": _iso(question.created_at, timezone),
        "routed_at": _iso(question.routed_at, timezone),
        "due_at": _iso(question.due_at, timezone),
        "overdue": bool(due and question.state.value in ("routed", "returned") and due < as_utc(now)),
        "answered_at": _iso(question.answered_at, timezone),
        "published_at": _iso(question.published_at, timezone),
        "resolved_by": question.resolved_by_doc,
        "answers": [answer_dict(a, timezone) for a in answers_of(session, question)],
    }


def list_item(session: Session, question: DeskQuestion, timezone: str) -> dict[str, Any]:
    return {
        "number": question.number,
        "text": question.text,
        "state": question.state.value,
        "department": _name(session, Department, question.department_id),
        "due_at": _iso(question.due_at, timezone),
        "created_at": _iso(question.created_at, timezone),
    }
