"""Turn a published desk Q&A into a standard entry draft (问答转条目), keeping provenance.

Why a draft and not a published entry: the converted text was written as one answer to one
citizen; as a standard entry it goes through the normal review (department, then manager), so
this only pre-fills the fields and links back through ``Entry.source_question_no``.
"""

from __future__ import annotations

from sqlmodel import Session, select

from records.clock import Clock
from records.content import EntryContent
from records.desk.audit import change_state
from records.desk.models import AnswerState, DeskAnswer, DeskQuestion, QuestionState
from records.desk.workflow import current_answer, require_role, require_state
from records.entries import create_draft
from records.errors import Conflict
from records.models import Category, Department, Entry, Region, Role, User
from records.validation import QAContent

TITLE_CHARS = 200
PUBLIC_ID_PREFIX = "DESK-"


def to_entry(
    session: Session, question: DeskQuestion, *, manager: User, clock: Clock, max_text_bytes: int
) -> Entry:
    require_role(manager, Role.manager)
    require_state(question, (QuestionState.published,), "转为条目")
    existing = session.exec(select(Entry).where(Entry.source_question_no == question.number)).first()
    if existing is not None:
        raise Conflict(
            "该问答已转为条目", code="question_already_converted", details={"entry_id": existing.public_id}
        )
    answer: DeskAnswer | None = current_answer(session, question)
    if answer is None or answer.state != AnswerState.published or question.department_id is None:
        raise Conflict("没有已发布的答复可转为条目", code="no_published_answer")
    department = session.get(Department, question.department_id)
    assert department is not None
    region = session.get(Region, question.region_id or department.region_id)
    category = session.get(Category, question.category_id) if question.category_id else None
    content = EntryContent(
        title=question.text[:TITLE_CHARS],
        department=department.name,
        region=region.path if region else "",
        category=category.path.split("/") if category else [],
        contact_phone=answer.phone,
        issuing_body=answer.signature,
        original_text=answer.basis,
        qas=[QAContent(question.text, answer.answer)],
    )
    entry = create_draft(
        session,
        manager,
        content,
        clock,
        max_text_bytes=max_text_bytes,
        public_id=f"{PUBLIC_ID_PREFIX}{question.number}",
        source_question=question.number,
    )
    change_state(
        session,
        question,
        question.state,
        action="to_entry",
        actor=manager,
        clock=clock,
        details={"entry_id": entry.public_id},
    )
    return entry
