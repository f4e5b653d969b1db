"""Tables of the front line: entry feedback, citations for calls, and gap reports.

Why separate from the entry's tables: they are written by people who never edit entries
(citizens, agents) at a much higher rate than entries change, and they refer to an entry by its
row id so a renamed public id or a new version keeps its history. Datetimes are aware UTC like
every other table (records.models).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from records.models import utcnow


class EntryFeedback(SQLModel, table=True):
    """One citizen's "was this helpful" on an entry; anonymous, counted per client for the rate limit."""

    __table_args__ = (Index("ix_entryfeedback_client_created", "client_key", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="entry.id", index=True)
    version: int | None = Field(default=None, description="the live version number the citizen read")
    helpful: bool
    comment: str | None = Field(default=None, sa_column=Column(Text))
    client_key: str = Field(default="", max_length=64, description="keyed hash of the client (rate limit)")
    created_at: datetime = Field(default_factory=utcnow, index=True)


class Citation(SQLModel, table=True):
    """An agent read this entry out on a call (design §1: the real system counts millions)."""

    __table_args__ = (Index("ix_citation_agent_created", "agent_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="entry.id", index=True)
    agent_id: int = Field(foreign_key="user.id")
    region_id: int | None = Field(default=None, foreign_key="region.id", description="agent's home region")
    call_ref: str | None = Field(default=None, max_length=64, description="the call system's reference")
    query: str | None = Field(default=None, max_length=500, description="what the agent had typed")
    created_at: datetime = Field(default_factory=utcnow, index=True)


class GapKind(enum.StrEnum):
    missing = "missing"  # the knowledge base has no answer
    wrong = "wrong"  # an entry says something wrong or out of date


class GapState(enum.StrEnum):
    unassigned = "unassigned"  # no department yet: a manager must assign one
    open = "open"  # with the responsible department
    closed = "closed"


class GapReport(SQLModel, table=True):
    """缺失信息反馈: an agent's report of a missing or wrong answer, routed to a department."""

    id: int | None = Field(default=None, primary_key=True)
    kind: GapKind
    state: GapState = Field(index=True)
    entry_id: int | None = Field(default=None, foreign_key="entry.id", index=True)
    query: str | None = Field(default=None, max_length=500)
    detail: str = Field(sa_column=Column(Text, nullable=False))
    reporter_id: int = Field(foreign_key="user.id", index=True)
    region_id: int | None = Field(default=None, foreign_key="region.id", description="reporter's region")
    department_id: int | None = Field(default=None, foreign_key="department.id", index=True)
    suggested_department_id: int | None = Field(default=None, foreign_key="department.id")
    close_reason: str | None = Field(default=None, sa_column=Column(Text))
    closed_by: int | None = Field(default=None, foreign_key="user.id")
    closed_at: datetime | None = None
    lock_version: int = Field(default=1, description="bumped by every change")
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)
