"""Citations: an agent records that an entry was read out on a call.

Why record them: citation counts say which entries carry the hotline (the real system counted
3.06 million in a year) and which agent answered a call with what, for quality checks.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, type_coerce
from sqlmodel import Session, col, select
from sqlmodel.sql.sqltypes import UTCDateTime

from records.clock import Clock
from records.frontdesk.common import local_iso, now_utc, optional_text, public_entry
from records.frontdesk.models import Citation
from records.models import Department, Entry, EntryVersion, User

CALL_REF_LIMIT = 64
QUERY_LIMIT = 500
LIST_LIMIT = 100


def record_citation(
    session: Session,
    *,
    agent: User,
    public_id: str,
    call_ref: str | None,
    query: str | None,
    clock: Clock,
    today: date,
) -> Citation:
    entry, _ = public_entry(session, public_id, today)
    assert entry.id is not None and agent.id is not None
    row = Citation(
        entry_id=entry.id,
        agent_id=agent.id,
        region_id=agent.region_id,
        call_ref=optional_text(call_ref, "call_ref", "通话编号", CALL_REF_LIMIT),
        query=optional_text(query, "query", "检索词", QUERY_LIMIT),
        created_at=now_utc(clock),
    )
    session.add(row)
    return row


def citation_view(session: Session, row: Citation, timezone: str) -> dict[str, Any]:
    entry = session.get(Entry, row.entry_id)
    live = session.get(EntryVersion, entry.live_version_id) if entry and entry.live_version_id else None
    agent = session.get(User, row.agent_id)
    return {
        "id": row.id,
        "entry_id": entry.public_id if entry else None,
        "title": live.title if live else None,
        "agent": agent.username if agent else None,
        "call_ref": row.call_ref,
        "query": row.query,
        "at": local_iso(row.created_at, timezone),
    }


def citations_of(session: Session, agent: User, timezone: str) -> list[dict[str, Any]]:
    """The agent's own latest citations (what "本次通话引用" wrote), newest first."""
    rows = session.exec(
        select(Citation)
        .where(Citation.agent_id == agent.id)
        .order_by(col(Citation.id).desc())
        .limit(LIST_LIMIT)
    ).all()
    return [citation_view(session, row, timezone) for row in rows]


def counts_per_entry(session: Session, timezone: str) -> list[dict[str, Any]]:
    """Most cited entries first, with their department and the last time they were cited."""
    rows = session.exec(
        select(
            Citation.entry_id,
            func.count(),
            type_coerce(func.max(Citation.created_at), UTCDateTime()),
        )
        .group_by(col(Citation.entry_id))
        .order_by(func.count().desc(), col(Citation.entry_id))
        .limit(LIST_LIMIT)
    ).all()
    out: list[dict[str, Any]] = []
    for entry_id, count, last in rows:
        entry = session.get(Entry, entry_id)
        assert entry is not None
        live = session.get(EntryVersion, entry.live_version_id) if entry.live_version_id else None
        dept = session.get(Department, entry.department_id)
        out.append(
            {
                "entry_id": entry.public_id,
                "title": live.title if live else None,
                "department": dept.name if dept else None,
                "count": int(count),
                "last_at": local_iso(last, timezone),
            }
        )
    return out
