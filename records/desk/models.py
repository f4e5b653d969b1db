"""Tables of the question desk (晓苏问答): citizens' questions and departments' answers.

Why separate tables from the entry's: a desk question has its own lifecycle (routing, the
one-working-day clock, four-element answers, manager review) and its own public number; an
answer only becomes an entry when a manager converts it, which keeps the link in
``Entry.source_question_no``. Datetimes are naive UTC like every other table.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from records.models import utcnow


class QuestionState(str, enum.Enum):
    received = "received"
    routed = "routed"
    answered = "answered"  # an answer waits for the manager's review
    returned = "returned"  # the manager sent the answer back to the department with reasons
    published = "published"
    resolved_by_existing = "resolved_by_existing"  # the citizen found an existing answer (问一查多)
    withdrawn = "withdrawn"


class AnswerState(str, enum.Enum):
    submitted = "submitted"
    returned = "returned"
    published = "published"
    withdrawn = "withdrawn"


class DeskQuestion(SQLModel, table=True):
    __table_args__ = (Index("ix_deskquestion_client_created", "client_key", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(unique=True, max_length=32, description="public number, e.g. Q2026060100001")
    text: str = Field(sa_column=Column(Text, nullable=False))
    region_id: int | None = Field(default=None, foreign_key="region.id")
    contact: str | None = Field(default=None, max_length=128, description="phone or e-mail; never public")
    client_key: str = Field(default="", max_length=64, description="hash of the client (rate limit)")
    citizen_token_hash: str = Field(default="", max_length=128, description="lets the asker close it")
    state: QuestionState = Field(default=QuestionState.received, index=True)
    suggested_department_id: int | None = Field(default=None, foreign_key="department.id")
    suggested_category_id: int | None = Field(default=None, foreign_key="category.id")
    department_id: int | None = Field(default=None, foreign_key="department.id", index=True)
    category_id: int | None = Field(default=None, foreign_key="category.id")
    routed_at: datetime | None = None
    due_at: datetime | None = Field(default=None, index=True, description="end of the next working day")
    answered_at: datetime | None = None
    published_at: datetime | None = None
    resolved_by_doc: str | None = Field(default=None, max_length=64, description="entry id or question no")
    closed_at: datetime | None = None
    lock_version: int = Field(default=1, description="bumped by every change; the outbox doc_version")
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)


class DeskAnswer(SQLModel, table=True):
    """One answer attempt with the four elements (四要素); a returned one is kept for the record."""

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="deskquestion.id", index=True)
    state: AnswerState = Field(default=AnswerState.submitted)
    basis: str = Field(sa_column=Column(Text, nullable=False), description="政策/法律依据")
    answer: str = Field(sa_column=Column(Text, nullable=False), description="实质性答复")
    phone: str = Field(max_length=64, description="进一步咨询电话")
    signature: str = Field(max_length=128, description="部门署名")
    department_id: int = Field(foreign_key="department.id")
    author_id: int = Field(foreign_key="user.id")
    reviewer_id: int | None = Field(default=None, foreign_key="user.id")
    return_reason: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow)
    reviewed_at: datetime | None = None
