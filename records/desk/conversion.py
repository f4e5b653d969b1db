"""Turn a published desk Q&A into a standard entry draft (问答转条目), keeping provenance.

Why a draft and not a published entry: the converted text was written as one answer to one
citizen; as a standard entry it goes through the normal review (department, then manager), so
this only pre-fills the fields and links back through ``Entry.source_question_no``.
"""

from __future__ import annotations

from sqlmodel import Session, select

from records.audit import record_audit
from records.clock import Clock
from records.content import qa_rows
from records.desk.audit import change_state, now_utc
from records.desk.models import AnswerState, DeskAnswer, DeskQuestion, QuestionState
from records.desk.workflow import current_answer, require_role, require_state
from records.errors import Conflict
from records.models import Department, Entry, EntryVersion, Role, User, VersionState
from records.validation import QAContent

TITLE_CHARS = 200
PUBLIC_ID_PREFIX = "DESK-"


def to_entry(session: Session, question: DeskQuestion, *, manager: User, clock: Clock) -> Entry:
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
    assert department is not None and department.id is not None
    now = now_utc(clock)
    entry = Entry(
        public_id=f"{PUBLIC_ID_PREFIX}{question.number}",
        department_id=department.id,
        source_question_no=question.number,
        created_at=now,
        updated_at=now,
    )
    session.add(entry)
    session.flush()
    assert entry.id is not None
    version = EntryVersion(
        entry_id=entry.id,
        number=1,
        state=VersionState.draft,
        title=question.text[:TITLE_CHARS],
        department_id=department.id,
        region_id=question.region_id or department.region_id,
        category_id=question.category_id,
        contact_phone=answer.phone,
        issuing_body=answer.signature,
        original_text=answer.basis,
        created_by=manager.id,
        created_at=now,
        updated_at=now,
    )
    session.add(version)
    session.flush()
    assert version.id is not None
    session.add_all(qa_rows(version.id, [QAContent(question.text, answer.answer)]))
    record_audit(
        session,
        actor=manager,
        clock=clock,
        object_id=entry.public_id,
        action="create_from_question",
        from_state=None,
        to_state=VersionState.draft.value,
        details={"source_question_no": question.number},
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
