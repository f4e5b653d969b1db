"""Reconcile: compare ids and versions between the store and the index, and repair the drift.

Why repair through the outbox: the outbox worker is the one path into the index (it keeps the
per-document order, honours external versions, isolates dead letters), and in embedded mode only
the process holding the writer lock may write at all. So reconcile queues an upsert row per
document that is missing, stale or should not be there; the worker decides from the store's state
*at apply time* whether that means "index it" or "delete it", which also makes a document
published between the two reads safe. When this process may write (cluster mode, or no server
holds the embedded writer lock) it drains the queued rows itself and checks again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from indexer.documents import searchable_ids
from indexer.engine import DOC_TYPE_ANSWER, DOC_TYPE_ENTRY
from records.clock import Clock, as_utc
from records.models import Entry, Outbox, OutboxOp

SHOWN_IDS = 20


@dataclass(frozen=True)
class Drift:
    """Differences between what the store says is searchable and what the index holds."""

    missing: list[str] = field(default_factory=list)  # searchable, not in the index
    stale: list[str] = field(default_factory=list)  # in the index with an older version
    extra: list[str] = field(default_factory=list)  # in the index, not searchable
    ahead: list[str] = field(default_factory=list)  # in the index with a newer version than the store
    store_count: int = 0
    index_count: int = 0

    @property
    def clean(self) -> bool:
        return not (self.missing or self.stale or self.extra or self.ahead)

    def as_dict(self) -> dict[str, Any]:
        return {
            "store": self.store_count,
            "index": self.index_count,
            **{
                name: {"count": len(ids), "ids": ids[:SHOWN_IDS]}
                for name, ids in (
                    ("missing", self.missing),
                    ("stale", self.stale),
                    ("extra", self.extra),
                    ("ahead", self.ahead),
                )
            },
        }


def store_versions(session: Session, clock: Clock) -> dict[str, tuple[str, int]]:
    """id → (doc_type, version) of everything that belongs in the index right now."""
    ids = searchable_ids(session, clock.today())
    out: dict[str, tuple[str, int]] = {}
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        for public_id, version in session.exec(
            select(Entry.public_id, Entry.lock_version).where(col(Entry.public_id).in_(chunk))
        ):
            out[public_id] = (DOC_TYPE_ENTRY, version)
    out.update(_published_answers(session))
    return out


def _published_answers(session: Session) -> dict[str, tuple[str, int]]:
    try:
        from records.desk.models import DeskQuestion, QuestionState
    except ImportError:
        return {}
    rows = session.exec(
        select(DeskQuestion.number, DeskQuestion.lock_version).where(
            DeskQuestion.state == QuestionState.published
        )
    )
    return {number: (DOC_TYPE_ANSWER, version) for number, version in rows}


def index_versions(search: Any) -> dict[str, int]:
    """id → version of every live (non-tombstone) document the engine holds."""
    all_versions = getattr(search, "all_versions", None)
    if callable(all_versions):
        return dict(all_versions())
    return _tantivy_versions(search)


def _tantivy_versions(search: Any) -> dict[str, int]:
    from indexer import tantivy_query as tq
    from indexer.tantivy_schema import KIND_ENTRY

    search.refresh(force=True)
    searcher = search.searcher()
    total = search.count(KIND_ENTRY, searcher)
    if not total:
        return {}
    hits = searcher.search(tq.kind_filter(search.schema, KIND_ENTRY), limit=total, count=False).hits
    addresses = [address for _, address in hits]
    versions = searcher.fast_field_values("version", addresses)
    return {
        str(searcher.doc(address).get_first("id")): int(version or 0)
        for address, version in zip(addresses, versions, strict=True)
    }


def compare(expected: dict[str, tuple[str, int]], indexed: dict[str, int]) -> Drift:
    missing, stale, ahead = [], [], []
    for doc_id, (_, version) in expected.items():
        found = indexed.get(doc_id)
        if found is None:
            missing.append(doc_id)
        elif found < version:
            stale.append(doc_id)
        elif found > version:
            ahead.append(doc_id)
    extra = [doc_id for doc_id in indexed if doc_id not in expected]
    return Drift(sorted(missing), sorted(stale), sorted(extra), sorted(ahead), len(expected), len(indexed))


def measure(db: Engine, search: Any, clock: Clock) -> Drift:
    with Session(db) as session:
        expected = store_versions(session, clock)
    return compare(expected, index_versions(search))


def enqueue_repairs(db: Engine, drift: Drift, indexed: dict[str, int], clock: Clock) -> int:
    """One upsert row per drifted document, in one transaction; returns how many were queued.

    Extras get a version at least the index's, so the worker's delete (it finds the document not
    searchable) is not refused as stale. ``ahead`` cannot be repaired by versions (the index is
    newer than the store, e.g. a store restored from backup): that needs ``hotline reindex``.
    """
    with Session(db) as session:
        expected = store_versions(session, clock)
        answers = set(_published_answers(session)) | _answer_numbers(session, drift.extra)
        extras = _store_versions_of(session, drift.extra)
        now = as_utc(clock.now())
        queued = 0
        for doc_id in [*drift.missing, *drift.stale, *drift.extra]:
            doc_type, version = expected.get(doc_id, (None, 0))
            if doc_type is None:
                doc_type = DOC_TYPE_ANSWER if doc_id in answers else DOC_TYPE_ENTRY
                version = max(indexed.get(doc_id, 0), extras.get(doc_id, 0))
            session.add(
                Outbox(
                    doc_type=doc_type, doc_id=doc_id, op=OutboxOp.upsert, doc_version=version, created_at=now
                )
            )
            queued += 1
        session.commit()
    return queued


def _answer_numbers(session: Session, ids: list[str]) -> set[str]:
    try:
        from records.desk.models import DeskQuestion
    except ImportError:
        return set()
    if not ids:
        return set()
    return set(session.exec(select(DeskQuestion.number).where(col(DeskQuestion.number).in_(ids))))


def _store_versions_of(session: Session, ids: list[str]) -> dict[str, int]:
    if not ids:
        return {}
    rows = session.exec(select(Entry.public_id, Entry.lock_version).where(col(Entry.public_id).in_(ids)))
    return {public_id: version for public_id, version in rows}


@dataclass(frozen=True)
class ReconcileReport:
    before: Drift
    queued: int
    after: Drift | None  # None: nothing drained here (a server's worker applies the rows)


def reconcile(
    db: Engine,
    search: Any,
    clock: Clock,
    drain: Callable[[], int] | None = None,
    dry_run: bool = False,
) -> ReconcileReport:
    """Measure, queue repairs, and (with ``drain``: apply pending rows, returns rows applied) check again."""
    indexed = index_versions(search)
    with Session(db) as session:
        expected = store_versions(session, clock)
    before = compare(expected, indexed)
    if dry_run or before.clean:
        return ReconcileReport(before, 0, None if dry_run else before)
    queued = enqueue_repairs(db, before, indexed, clock)
    if drain is None:
        return ReconcileReport(before, queued, None)
    drain()
    return ReconcileReport(before, queued, measure(db, search, clock))
