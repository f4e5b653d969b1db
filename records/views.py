"""Read shapes of entries: what staff see (draft + live + history) and what the public may see.

Why here and not in the routes: the public rule (only published, unexpired entries exist for
citizens) is domain logic, and the CLI, the desk and the API must apply the same rule.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from records.content import read_content, read_qas
from records.errors import NotFound
from records.lifecycle import PUBLIC_STATUSES, state_label, working_version
from records.models import Department, Entry, EntryVersion

__all__ = ["get_entry", "is_public", "public_view", "staff_view", "version_view"]


def get_entry(session: Session, public_id: str) -> Entry:
    entry = session.exec(select(Entry).where(Entry.public_id == public_id)).first()
    if entry is None:
        raise NotFound(f"条目「{public_id}」不存在", code="entry_not_found", details={"id": public_id})
    return entry


def version_view(session: Session, version: EntryVersion) -> dict[str, Any]:
    assert version.id is not None
    content = read_content(session, version, read_qas(session, version.id))
    return {
        "number": version.number,
        "state": version.state.value,
        "state_label": state_label(version.state),
        "title": content.title,
        "department": content.department,
        "region": content.region.split("/")[-1] if content.region else None,
        "region_path": content.region.split("/") if content.region else [],
        "category": content.category,
        "theme": content.theme or None,
        "effective_from": content.effective_from.isoformat() if content.effective_from else None,
        "effective_to": content.effective_to.isoformat() if content.effective_to else None,
        "contact_phone": content.contact_phone,
        "doc_number": content.doc_number,
        "issuing_body": content.issuing_body,
        "original_text": content.original_text,
        "interpretation": content.interpretation,
        "qas": [
            {"question": qa.question, "answer": qa.answer, "similar_questions": qa.similar_questions}
            for qa in content.qas
        ],
        "keywords": content.keywords,
        "return_reason": version.return_reason,
        "published_at": version.published_at.isoformat() if version.published_at else None,
        "updated_at": version.updated_at.isoformat(),
    }


def staff_view(session: Session, entry: Entry) -> dict[str, Any]:
    working = working_version(session, entry)
    live = session.get(EntryVersion, entry.live_version_id) if entry.live_version_id else None
    dept = session.get(Department, entry.department_id)
    history = session.exec(
        select(EntryVersion).where(EntryVersion.entry_id == entry.id).order_by(col(EntryVersion.number))
    )
    return {
        "id": entry.public_id,
        "status": entry.status.value,
        "status_label": state_label(entry.status),
        "lock_version": entry.lock_version,
        "department": dept.name if dept else None,
        "source_question_no": entry.source_question_no,
        "working": version_view(session, working) if working else None,
        "live": version_view(session, live) if live else None,
        "versions": [
            {"number": v.number, "state": v.state.value, "state_label": state_label(v.state)} for v in history
        ],
    }


def is_public(entry: Entry, live: EntryVersion | None, today: date) -> bool:
    """Published (or takedown pending) with a live version whose effective_to has not passed.

    The date check makes an entry vanish the moment it expires, before the expiry job runs.
    """
    return (
        entry.status in PUBLIC_STATUSES
        and live is not None
        and (live.effective_to is None or live.effective_to >= today)
    )


def public_view(session: Session, public_id: str, today: date) -> dict[str, Any]:
    """The live version for citizens and agents; NotFound for anything not public (drafts too)."""
    entry = session.exec(select(Entry).where(Entry.public_id == public_id)).first()
    live = session.get(EntryVersion, entry.live_version_id) if entry and entry.live_version_id else None
    if entry is None or not is_public(entry, live, today):
        raise NotFound(
            f"条目「{public_id}」不存在或未发布", code="entry_not_found", details={"id": public_id}
        )
    assert live is not None
    view = version_view(session, live)
    for internal in ("state", "state_label", "return_reason", "number", "updated_at"):
        view.pop(internal)
    return {"id": entry.public_id, "version": live.number, **view}
