"""The outbox worker: the one path from committed store changes into the embedded index.

Why an outbox: the store and the index cannot share a transaction, so every public change writes
an Outbox row in its own transaction and this worker applies the rows in seq order, idempotently
(the engine skips versions it already has or has seen deleted). A failing engine leaves rows
unprocessed with ``attempts``/``last_error`` for the next round, so nothing is lost.
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


@dataclass(frozen=True)
class DrainResult:
    rows: int = 0
    indexed: int = 0
    deleted: int = 0
    skipped: int = 0
    failed: bool = False


def _aware_utc(moment: datetime) -> datetime:
    """Naive clock values are UTC (records.clock); the installed SQLModel stores only aware ones."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


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


def _expiry_function() -> Callable[[Session, Clock], Any] | None:
    """records.expiry.expire_due once that module exists (written by the records helper)."""
    try:
        module = importlib.import_module("records.expiry")
    except ImportError:
        return None
    function = getattr(module, "expire_due", None)
    return function if callable(function) else None


class OutboxWorker:
    def __init__(
        self, db_engine: Engine, search_engine: Any, analyzer: Any, clock: Clock, poll_seconds: float = 0.2
    ) -> None:
        self.db = db_engine
        self.search = search_engine
        self.analyzer = analyzer
        self.clock = clock
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_expiry = 0.0

    # -- one round --------------------------------------------------------------------------
    def drain_once(self, batch: int = BATCH) -> DrainResult:
        """Apply up to ``batch`` pending rows; returns what happened (tests call this directly)."""
        with Session(self.db, expire_on_commit=False) as session:
            rows = list(
                session.exec(
                    select(Outbox)
                    .where(col(Outbox.processed_at).is_(None))
                    .where(col(Outbox.doc_type).in_(list(_loaders())))
                    .order_by(col(Outbox.seq))
                    .limit(batch)
                )
            )
            if not rows:
                return DrainResult()
            latest: dict[str, Outbox] = {}
            for row in rows:  # seq order: the last row per document wins, unless its version is older
                kept = latest.get(row.doc_id)
                if kept is None or row.doc_version >= kept.doc_version:
                    latest[row.doc_id] = row
            try:
                result = self._apply(session, list(latest.values()))
            except Exception as exc:  # noqa: BLE001 - any engine failure: keep the rows for a retry
                log.exception("outbox batch failed; rows kept for retry")
                rollback = getattr(self.search, "rollback", None)
                if callable(rollback):
                    rollback()
                for row in rows:
                    row.attempts += 1
                    row.last_error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]
                    session.add(row)
                session.commit()
                return DrainResult(rows=len(rows), failed=True)
            now = _aware_utc(self.clock.now())
            for row in rows:
                row.processed_at = now
                row.attempts += 1
                row.last_error = None
                session.add(row)
            session.commit()
            return DrainResult(len(rows), result["indexed"], result["deleted"], result["skipped"])

    def _apply(self, session: Session, rows: list[Outbox]) -> dict[str, int]:
        upserts = [r for r in rows if r.op == OutboxOp.upsert]
        docs: dict[str, IndexDoc | None] = {}
        for doc_type, loader in _loaders().items():
            ids = [r.doc_id for r in upserts if r.doc_type == doc_type]
            if ids:
                docs.update(loader(session, ids, self.clock.today()))
        to_index: list[IndexDoc] = []
        to_delete = [(r.doc_id, r.doc_version) for r in rows if r.op == OutboxOp.delete]
        for row in upserts:
            doc = docs.get(row.doc_id)
            if doc is None:  # no longer searchable (taken down, expired, missing): remove it
                to_delete.append((row.doc_id, row.doc_version))
            else:
                to_index.append(doc)
        indexed = self.search.index(to_index) if to_index else None
        deleted = self.search.delete(to_delete) if to_delete else None
        self.search.commit()
        return {
            "indexed": indexed.applied if indexed else 0,
            "deleted": deleted.applied if deleted else 0,
            "skipped": (indexed.skipped if indexed else 0) + (deleted.skipped if deleted else 0),
        }

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
                log.exception("outbox worker round failed")
            self._stop.wait(self.poll_seconds)

    def start(self) -> OutboxWorker:
        self._thread = threading.Thread(target=self._run, name="outbox-worker", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
