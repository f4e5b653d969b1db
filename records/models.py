"""SQLModel tables: the source of truth. The search index is derived from these and nothing else.

Datetimes are UTC. The installed SQLModel maps ``datetime`` to its UTCDateTime type, which refuses
naive values on write and returns aware UTC values on read, so code passes ``records.clock.as_utc``
of the clock's (naive UTC) instant. Dates (effective_from/to) are local calendar dates in the
configured time zone.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel


class RegionLevel(str, enum.Enum):
    province = "province"
    city = "city"
    county = "county"


class Role(str, enum.Enum):
    agent = "agent"
    specialist = "specialist"
    dept_reviewer = "dept_reviewer"
    manager = "manager"
    admin = "admin"


class VersionState(str, enum.Enum):
    """State of one version of an entry as it moves through review."""

    draft = "draft"
    submitted = "submitted"
    dept_approved = "dept_approved"
    returned = "returned"
    published = "published"  # the live version of its entry
    superseded = "superseded"  # was published, replaced by a newer published version
    withdrawn = "withdrawn"  # was live when the entry was taken down or expired


class EntryStatus(str, enum.Enum):
    """What the public can see of an entry as a whole (independent of drafts in review)."""

    unpublished = "unpublished"  # no version was ever published
    published = "published"
    takedown_requested = "takedown_requested"  # still public until a manager approves
    taken_down = "taken_down"
    expired = "expired"


def utcnow() -> datetime:
    """Aware UTC: column defaults must be aware for SQLModel's UTCDateTime (see module docstring)."""
    from datetime import UTC

    return datetime.now(UTC)


class Region(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("parent_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, max_length=64)
    level: RegionLevel
    parent_id: int | None = Field(default=None, foreign_key="region.id")
    path: str = Field(unique=True, max_length=256, description="'江苏省/苏州市/姑苏区'")


class Department(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=128)
    region_id: int = Field(foreign_key="region.id")


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, max_length=64)
    display_name: str = Field(default="", max_length=64)
    password_hash: str
    role: Role
    department_id: int | None = Field(default=None, foreign_key="department.id")
    region_id: int | None = Field(default=None, foreign_key="region.id", description="agents: home region")
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class Category(SQLModel, table=True):
    """3-level classification tree of citizen request categories."""

    __table_args__ = (UniqueConstraint("parent_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64)
    level: int = Field(ge=1, le=3)
    parent_id: int | None = Field(default=None, foreign_key="category.id")
    path: str = Field(unique=True, max_length=256, description="'公安/户政管理/居民身份证申领'")


class Theme(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=64)
    description: str = ""


class Entry(SQLModel, table=True):
    """One matter of policy. Its content lives in versions; ``live_version_id`` is what is public."""

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(unique=True, max_length=64)
    department_id: int = Field(foreign_key="department.id", index=True)
    status: EntryStatus = Field(default=EntryStatus.unpublished, index=True)
    live_version_id: int | None = Field(default=None)
    lock_version: int = Field(default=1, description="optimistic lock; bumped by every change")
    source_question_no: str | None = Field(default=None, description="desk question it was made from")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class EntryVersion(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("entry_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="entry.id", index=True)
    number: int = Field(ge=1)
    state: VersionState = Field(default=VersionState.draft, index=True)
    title: str = Field(default="", max_length=200)
    department_id: int = Field(foreign_key="department.id")
    region_id: int | None = Field(default=None, foreign_key="region.id")
    category_id: int | None = Field(default=None, foreign_key="category.id")
    theme_id: int | None = Field(default=None, foreign_key="theme.id")
    effective_from: date | None = None
    effective_to: date | None = None
    contact_phone: str = Field(default="", max_length=64)
    doc_number: str = Field(default="", max_length=128)
    issuing_body: str = Field(default="", max_length=128)
    original_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    interpretation: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    keywords: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    return_reason: str | None = Field(default=None, sa_column=Column(Text))
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    published_at: datetime | None = None


class QAPair(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="entryversion.id", index=True)
    position: int = 0
    question: str = Field(sa_column=Column(Text, nullable=False))
    answer: str = Field(sa_column=Column(Text, nullable=False))
    similar_questions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class AuditLog(SQLModel, table=True):
    """Append-only: rows are inserted, never updated or deleted."""

    __table_args__ = (Index("ix_audit_object", "object_type", "object_id"),)
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor_id: int | None = Field(default=None, description="None for the system (expiry, import)")
    actor_name: str = Field(default="system", max_length=64)
    object_type: str = Field(max_length=32, description="'entry' or 'question'")
    object_id: str = Field(max_length=64, description="public id of the object")
    action: str = Field(max_length=64)
    from_state: str | None = Field(default=None, max_length=32)
    to_state: str | None = Field(default=None, max_length=32)
    reason: str | None = Field(default=None, sa_column=Column(Text))
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class OutboxOp(str, enum.Enum):
    upsert = "upsert"
    delete = "delete"


_DEAD = text("dead_at IS NOT NULL")


class Outbox(SQLModel, table=True):
    """Index change requests written in the same transaction as the public change (design §6).

    ``seq`` (the primary key) orders them; ``doc_version`` lets the indexer refuse a stale write.
    """

    seq: int | None = Field(default=None, primary_key=True)
    doc_type: str = Field(default="entry", max_length=32, description="'entry' or 'answer' (desk)")
    doc_id: str = Field(max_length=64, index=True, description="public id")
    op: OutboxOp
    doc_version: int = Field(description="monotonic per document; the entry's lock_version")
    created_at: datetime = Field(default_factory=utcnow)
    processed_at: datetime | None = Field(default=None, index=True)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    dead_at: datetime | None = Field(
        default=None, description="set when the engine rejected the document for good"
    )

    # Dead letters only (migration 0005): a full dead_at index, NULL on nearly every row, led
    # SQLite's planner to walk the whole table on every outbox poll.
    __table_args__ = (Index("ix_outbox_dead_letters", "dead_at", sqlite_where=_DEAD, postgresql_where=_DEAD),)


class ZeroResultQuery(SQLModel, table=True):
    """Searches that found nothing: the knowledge-gap list."""

    id: int | None = Field(default=None, primary_key=True)
    query: str = Field(max_length=500)
    filters: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    at: datetime = Field(default_factory=utcnow, index=True)


# The question desk's tables live in their own module; importing it here puts them in
# SQLModel.metadata wherever the models are loaded (create_all, Alembic autogenerate).
from records.desk import models as _desk_models  # noqa: E402,F401
from records.frontdesk import models as _frontdesk_models  # noqa: E402,F401
