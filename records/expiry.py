"""Automatic expiry: a public entry whose live version's effective_to has passed becomes expired.

Called by the indexer's periodic loop (and usable from a cron-like command); the caller commits.
Each expiry bumps the entry's lock_version, withdraws its live version, audits, and writes an
outbox delete in the same transaction, so the entry leaves the index right after.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from records.clock import Clock
from records.errors import Conflict
from records.lifecycle import PUBLIC_STATUSES, claim, withdraw_live
from records.models import Entry, EntryStatus, EntryVersion

__all__ = ["expire_due"]


def expire_due(session: Session, clock: Clock) -> list[str]:
    """Expire every due entry; returns their public ids (empty when nothing is due)."""
    today = clock.today()
    due = session.exec(
        select(Entry)
        .join(EntryVersion, col(EntryVersion.id) == col(Entry.live_version_id))
        .where(col(Entry.status).in_([s.value for s in PUBLIC_STATUSES]))
        .where(col(EntryVersion.effective_to).is_not(None), col(EntryVersion.effective_to) < today)
        .order_by(col(Entry.id))
    ).all()
    expired: list[str] = []
    for entry in due:
        try:
            claim(session, entry, entry.lock_version, clock)
        except Conflict:  # changed concurrently; the next round sees its new state
            continue
        withdraw_live(
            session,
            None,
            entry,
            EntryStatus.expired,
            clock,
            action="expire",
            reason=f"失效日期已过（{today.isoformat()}）",
        )
        expired.append(entry.public_id)
    session.flush()
    return expired
