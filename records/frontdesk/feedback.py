"""Citizens' "was this helpful" (yes / no + an optional comment) and the counts staff see.

Why anonymous with a keyed client hash: the public side needs no account (design §2), but a
burst from one client must not skew an entry's counts; the hash counts, it does not identify.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from records.clock import Clock
from records.desk.submission import client_key
from records.errors import Forbidden
from records.frontdesk.common import check_rate, local_iso, now_utc, optional_text, public_entry
from records.frontdesk.models import EntryFeedback
from records.models import Entry, Role, User

COMMENT_LIMIT = 500
RECENT_COMMENTS = 20


def submit_feedback(
    session: Session,
    *,
    public_id: str,
    helpful: bool,
    comment: str | None,
    client: str,
    secret: str,
    rate_per_minute: int,
    clock: Clock,
    today: date,
) -> EntryFeedback:
    entry, live = public_entry(session, public_id, today)
    text = optional_text(comment, "comment", "评价内容", COMMENT_LIMIT)
    key = client_key(client, secret)
    check_rate(
        session,
        EntryFeedback.client_key,  # type: ignore[arg-type]
        EntryFeedback.created_at,  # type: ignore[arg-type]
        key,
        rate_per_minute,
        clock,
        "feedback_rate_limited",
    )
    assert entry.id is not None
    row = EntryFeedback(
        entry_id=entry.id,
        version=live.number,
        helpful=helpful,
        comment=text,
        client_key=key,
        created_at=now_utc(clock),
    )
    session.add(row)
    return row


def may_see_entry_reports(user: User, entry: Entry) -> None:
    """Managers see every entry's feedback; department staff only their own department's."""
    if user.role == Role.manager:
        return
    if user.role in (Role.specialist, Role.dept_reviewer) and user.department_id == entry.department_id:
        return
    raise Forbidden("只能查看本部门条目的评价", code="entry_other_department")


def feedback_summary(session: Session, entry: Entry, timezone: str) -> dict[str, Any]:
    counts = dict(
        session.exec(
            select(EntryFeedback.helpful, func.count())
            .where(EntryFeedback.entry_id == entry.id)
            .group_by(col(EntryFeedback.helpful))
        ).all()
    )
    comments = session.exec(
        select(EntryFeedback)
        .where(EntryFeedback.entry_id == entry.id, col(EntryFeedback.comment).is_not(None))
        .order_by(col(EntryFeedback.id).desc())
        .limit(RECENT_COMMENTS)
    ).all()
    helpful, unhelpful = int(counts.get(True, 0)), int(counts.get(False, 0))
    return {
        "entry_id": entry.public_id,
        "helpful": helpful,
        "not_helpful": unhelpful,
        "total": helpful + unhelpful,
        "comments": [
            {
                "helpful": row.helpful,
                "comment": row.comment,
                "version": row.version,
                "at": local_iso(row.created_at, timezone),
            }
            for row in comments
        ],
    }
