"""The outbox worker: the one path from committed store changes into the embedded index.

Why an outbox: the store and the index cannot share a transaction, so every public change writes
an Outbox row in its own transaction and this worker applies the rows in seq order, idempotently
(the engine skips versions it already has or has seen deleted). A failing engine leaves rows
unprocessed with ``attempts``/``last_error`` for the next round (with backoff), so nothing is
lost; a document the engine refuses becomes a dead letter (indexer.dead_letters) instead of
blocking the queue. Several workers (API replicas on one PostgreSQL) may drain concurrently:
``claim`` locks rows with SKIP LOCKED and keeps the per-document order.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from indexer.dead_letters import is_transient, mark_dead, pending_filter
from indexer.documents import load_docs
from indexer.engine import DOC_TYPE_ANSWER, DOC_TYPE_ENTRY, IndexDoc
from records.clock import Clock
from records.models import Outbox, OutboxOp

log = logging.getLogger(__name__)

BATCH = 500
# Expiry is by calendar date, so a minute's delay is invisible; the scan joins every public entry
# with its live version (~30% of a core when run every second at 100k entries).
EXPIRY_SECONDS = 60.0
MAX_ERROR_CHARS = 2000
MAX_BACKOFF_SECONDS = 30.0


@dataclass(frozen=True)
class DrainResult:
    rows: int = 0
    indexed: int = 0
    deleted: int = 0
    skipped: int = 0
    failed: bool = False
    dead: int = 0  # rows the engine rejected for good (dead letters)
    deferred: int = 0  # rows left for later: an earlier row of the same document is being applied


Counts = dict[str, int]
Key = tuple[str, str]  # (doc_type, doc_id)


def _aware_utc(moment: datetime) -> datetime:
    """Naive clock values are UTC (records.clock); the installed SQLModel stores only aware ones."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _describe(exc: BaseException) -> str:
    """The engine's own reason when it gives one per item (bulk errors), else the exception."""
    items = getattr(exc, "errors", None)
    if isinstance(items, list) and items and isinstance(items[0], dict):
        for body in items[0].values():
            error = body.get("error") if isinstance(body, dict) else None
            if isinstance(error, dict):
                return f"{error.get('type', 'error')}: {error.get('reason', '')}"[:MAX_ERROR_CHARS]
    return f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]


Loader = Callable[[Session, list[str], Any], dict[str, IndexDoc | None]]


def _loaders() -> dict[str, Loader]:
    """Store loaders per outbox doc_type; desk answers once records.desk.index_docs exists."""
    loaders: dict[str, Loader] = {DOC_TYPE_ENTRY: load_docs}
    try:
        from records.desk.index_docs import load_answer_docs
    except ImportError:
        return loaders
    loaders[DOC_TYPE_ANSWER] = load_answer_docs
    return loaders


def drained_doc_types() -> list[str]:
    """The outbox doc_types some loader handles (health counts the backlog of these only)."""
    return list(_loaders())


def _expiry_function() -> Callable[[Session, Clock], Any] | None:
    """records.expiry.expire_due once that module exists (written by the records helper)."""
    try:
        module = importlib.import_module("records.expiry")
    except ImportError:
        return None
    function = getattr(module, "expire_due", None)
    return function if callable(function) else None


def claim(session: Session, doc_types: list[str], batch: int) -> tuple[list[Outbox], int]:
    """Lock the oldest pending rows for this drain; rows another worker holds are skipped.

    Why ``FOR UPDATE SKIP LOCKED`` (PostgreSQL; SQLite has one writer and ignores it): several
    API replicas drain one outbox, and two of them must never apply the same row. Per document
    the order must hold too: SKIP LOCKED can leave gaps (rows of a document held by another
    worker between rows of it this claim got), so of each document only the rows before its first
    pending row outside this claim are applied; the rest wait for a later round. Returns the rows
    to apply and how many were deferred.
    """
    rows = list(
        session.exec(
            select(Outbox)
            .where(*pending_filter(doc_types))
            .order_by(col(Outbox.seq))
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
    )
    if not rows:
        return [], 0
    claimed = {row.seq for row in rows}
    elsewhere = session.exec(  # pending rows of the same documents that this claim does not hold
        select(Outbox.doc_type, Outbox.doc_id, Outbox.seq)
        .where(*pending_filter(doc_types))
        .where(col(Outbox.doc_id).in_(sorted({row.doc_id for row in rows})))
        .where(col(Outbox.seq) < (rows[-1].seq or 0))
    )
    gap: dict[Key, int] = {}
    for doc_type, doc_id, seq in elsewhere:
        if seq is not None and seq not in claimed:
            key = (doc_type, doc_id)
            gap[key] = min(seq, gap.get(key, seq))
    kept = [row for row in rows if (row.seq or 0) < gap.get((row.doc_type, row.doc_id), 1 << 62)]
    return kept, len(rows) - len(kept)


class OutboxWorker:
    def __init__(
        self, db_engine: Engine, search_engine: Any, analyzer: Any, clock: Clock, poll_seconds: float = 0.2
    ) -> None:
        self.db = db_engine
        self.search = search_engine
        self.analyzer = analyzer
        self.clock = clock
        self.poll_seconds = poll_seconds
        self.failures = 0  # consecutive failed rounds: the retry backoff grows with them
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_expiry = 0.0

    # -- one round --------------------------------------------------------------------------
    def drain_once(self, batch: int = BATCH) -> DrainResult:
        """Apply up to ``batch`` pending rows in one transaction; returns what happened.

        A transient engine failure (down, 429, 503) keeps every row pending with ``attempts``
        and ``last_error`` for a retry; a document the engine rejects is isolated and becomes a
        dead letter while the rest of the batch is applied.
        """
        loaders = _loaders()
        with Session(self.db, expire_on_commit=False) as session:
            rows, deferred = claim(session, list(loaders), batch)
            if not rows:
                session.commit()  # releases the locks of deferred rows
                return DrainResult(deferred=deferred)
            latest: dict[Key, Outbox] = {}
            for row in rows:  # seq order: the last row per document wins, unless its version is older
                key = (row.doc_type, row.doc_id)
                kept = latest.get(key)
                if kept is None or row.doc_version >= kept.doc_version:
                    latest[key] = row
            try:
                counts, dead = self._apply_isolating(session, list(latest.values()), loaders)
            except Exception as exc:  # noqa: BLE001 - transient: keep the rows for a retry
                log.warning("outbox batch failed, rows kept for retry: %s", _describe(exc))
                self.failures += 1
                for row in rows:
                    row.attempts += 1
                    row.last_error = _describe(exc)
                    session.add(row)
                session.commit()
                return DrainResult(rows=len(rows), failed=True, deferred=deferred)
            self.failures = 0
            now = _aware_utc(self.clock.now())
            for row in rows:
                row.attempts += 1
                if row.seq in dead:
                    mark_dead(session, row, dead[row.seq], self.clock)
                    continue
                row.processed_at = now
                row.last_error = None
                session.add(row)
            session.commit()
            return DrainResult(
                len(rows), counts["indexed"], counts["deleted"], counts["skipped"], False, len(dead), deferred
            )

    def _rollback(self) -> None:
        rollback = getattr(self.search, "rollback", None)
        if callable(rollback):
            rollback()

    def _apply_isolating(
        self, session: Session, rows: list[Outbox], loaders: dict[str, Loader]
    ) -> tuple[Counts, dict[int, str]]:
        """Apply ``rows``; on a per-document failure split the batch until the culprit is alone.

        Bisection keeps a batch with one bad document at O(log n) extra engine calls. Transient
        failures propagate: the whole batch is retried later.
        """
        try:
            counts, rejected = self._apply(session, rows, loaders)
        except Exception as exc:
            self._rollback()
            if is_transient(exc):
                raise
            if len(rows) == 1:
                return {"indexed": 0, "deleted": 0, "skipped": 0}, {rows[0].seq or 0: _describe(exc)}
            middle = len(rows) // 2
            left, left_dead = self._apply_isolating(session, rows[:middle], loaders)
            right, right_dead = self._apply_isolating(session, rows[middle:], loaders)
            return {k: left[k] + right[k] for k in left}, {**left_dead, **right_dead}
        dead = {row.seq or 0: rejected[row.doc_id] for row in rows if row.doc_id in rejected}
        return counts, dead

    def _apply(
        self, session: Session, rows: list[Outbox], loaders: dict[str, Loader]
    ) -> tuple[Counts, dict[str, str]]:
        """Load and write the documents; also returns ids an engine reports as rejected per item."""
        upserts = [r for r in rows if r.op == OutboxOp.upsert]
        docs: dict[Key, IndexDoc | None] = {}
        for doc_type, loader in loaders.items():
            ids = [r.doc_id for r in upserts if r.doc_type == doc_type]
            if ids:
                docs.update({(doc_type, k): v for k, v in loader(session, ids, self.clock.today()).items()})
        to_index: list[IndexDoc] = []
        to_delete = [(r.doc_id, r.doc_version) for r in rows if r.op == OutboxOp.delete]
        for row in upserts:
            doc = docs.get((row.doc_type, row.doc_id))
            if doc is None:  # no longer searchable (taken down, expired, missing): remove it
                to_delete.append((row.doc_id, row.doc_version))
            else:
                to_index.append(doc)
        indexed = self.search.index(to_index) if to_index else None
        deleted = self.search.delete(to_delete) if to_delete else None
        self.search.commit()
        rejected: dict[str, str] = {}
        for outcome in (indexed, deleted):
            reported = getattr(outcome, "rejected", None)  # engines may report per-item refusals
            if reported:
                rejected.update({str(k): str(v)[:MAX_ERROR_CHARS] for k, v in dict(reported).items()})
        counts = {
            "indexed": indexed.applied if indexed else 0,
            "deleted": deleted.applied if deleted else 0,
            "skipped": (indexed.skipped if indexed else 0) + (deleted.skipped if deleted else 0),
        }
        return counts, rejected

    def expire_once(self) -> None:
        function = _expiry_function()
        if function is None:
            return
        with Session(self.db, expire_on_commit=False) as session:
            function(session, self.clock)
            session.commit()

    # -- thread -----------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if time.monotonic() - self._last_expiry >= EXPIRY_SECONDS:
                    self._last_expiry = time.monotonic()
                    self.expire_once()
                while not self._stop.is_set():
                    result = self.drain_once()
                    if not result.rows or result.failed:
                        break
            except Exception:  # noqa: BLE001 - the worker must survive a bad round (e.g. store locked)
                self.failures += 1
                log.exception("outbox worker round failed")
            self._stop.wait(self.backoff_seconds())

    def backoff_seconds(self) -> float:
        """Poll interval, doubled per consecutive failed round up to MAX_BACKOFF_SECONDS.

        Why: an engine that is down or throttling (429) must not be hammered by every replica.
        """
        if not self.failures:
            return self.poll_seconds
        return float(min(self.poll_seconds * 2 ** min(self.failures, 16), MAX_BACKOFF_SECONDS))

    def start(self) -> OutboxWorker:
        self._thread = threading.Thread(target=self._run, name="outbox-worker", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
