"""Published desk answers as search documents (doc_type "answer").

Why the desk builds them: only the desk knows what a published answer shows (the question as
standard question, the substantive answer, the basis as 原文, the department's phone). The
indexer's outbox worker calls ``load_answer_docs`` for Outbox rows with doc_type "answer", the
same way it calls indexer.documents.load_docs for entries; None means "delete from the index".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlmodel import Session, col, select

from indexer.engine import DOC_TYPE_ANSWER, QA, IndexDoc
from records.desk.models import AnswerState, DeskAnswer, DeskQuestion, QuestionState
from records.models import Category, Department, Region

TITLE_CHARS = 200


def _region_path(session: Session, region_id: int | None) -> tuple[str, ...]:
    region = session.get(Region, region_id) if region_id is not None else None
    return tuple(region.path.split("/")) if region else ()


def load_answer_docs(session: Session, numbers: Sequence[str], today: date) -> dict[str, IndexDoc | None]:
    """IndexDoc per question number; None when it is not (or no longer) a published answer."""
    del today  # desk answers do not expire; kept for the same signature as load_docs
    result: dict[str, IndexDoc | None] = dict.fromkeys(numbers)
    questions = session.exec(select(DeskQuestion).where(col(DeskQuestion.number).in_(list(numbers))))
    for question in questions:
        if question.state != QuestionState.published:
            continue
        answer = session.exec(
            select(DeskAnswer)
            .where(DeskAnswer.question_id == question.id, DeskAnswer.state == AnswerState.published)
            .order_by(col(DeskAnswer.id).desc())
        ).first()
        if answer is None:
            continue
        department = session.get(Department, answer.department_id)
        region_id = question.region_id or (department.region_id if department else None)
        region_path = _region_path(session, region_id)
        category = session.get(Category, question.category_id) if question.category_id else None
        result[question.number] = IndexDoc(
            id=question.number,
            version=question.lock_version,
            title=question.text[:TITLE_CHARS],
            doc_type=DOC_TYPE_ANSWER,
            department=department.name if department else "",
            region=region_path[-1] if region_path else "",
            region_path=region_path,
            category_path=tuple(category.path.split("/")) if category else (),
            contact_phone=answer.phone,
            original_text=answer.basis,
            qas=(QA(question.text, answer.answer),),
        )
    return result


def published_numbers(session: Session) -> list[str]:
    """Numbers of every published answer (for a full rebuild of the index)."""
    rows = session.exec(
        select(DeskQuestion.number)
        .where(DeskQuestion.state == QuestionState.published)
        .order_by(col(DeskQuestion.id))
    )
    return list(rows)
