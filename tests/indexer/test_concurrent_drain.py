"""Several workers drain one PostgreSQL outbox: each row once, each document in version order.

Opt-in: TEST_POSTGRES_URL names a server where scratch databases may be created (one per test,
dropped afterwards). SQLite has a single writer, so there is nothing to race there.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, col, select

from indexer.engine import IndexOutcome
from indexer.worker import OutboxWorker, claim
from records.clock import FixedClock
from records.db import make_engine
from records.migrate import upgrade
from records.models import Outbox, OutboxOp

PG_URL = os.environ.get("TEST_POSTGRES_URL", "")
pytestmark = pytest.mark.skipif(not PG_URL, reason="set TEST_POSTGRES_URL to a PostgreSQL server")


@pytest.fixture
def pg() -> Iterator[Engine]:
    name = f"h12_drain_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    engine = make_engine(url, pool_size=10)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _enqueue(db: Engine, changes: list[tuple[str, int]]) -> None:
    """Delete requests for ids absent from the store: the worker only has to pass them on."""
    with Session(db) as session:
        for doc_id, version in changes:
            session.add(Outbox(doc_id=doc_id, op=OutboxOp.delete, doc_version=version))
        session.commit()


class _Recorder:
    """An engine that records what it is asked to apply, in call order (thread-safe)."""

    name = "recorder"

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.applied: list[tuple[str, int]] = []

    def index(self, docs: list[Any]) -> IndexOutcome:
        raise AssertionError("only deletes are queued in these tests")

    def delete(self, doc_ids: list[tuple[str, int]]) -> IndexOutcome:
        with self.lock:
            self.applied.extend(doc_ids)
        return IndexOutcome(applied=len(doc_ids))

    def commit(self) -> None:
        return None


def test_second_claim_skips_locked_rows_and_defers_their_documents(pg: Engine) -> None:
    _enqueue(pg, [("A", 1), ("B", 1), ("A", 2), ("C", 1)])
    with Session(pg) as first, Session(pg) as second:
        held, deferred = claim(first, ["entry"], 2)
        assert [(r.doc_id, r.doc_version) for r in held] == [("A", 1), ("B", 1)] and deferred == 0
        rows, deferred = claim(second, ["entry"], 10)
        # A's second row waits: A's first row is pending and held by the first worker.
        assert [(r.doc_id, r.doc_version) for r in rows] == [("C", 1)] and deferred == 1
        first.rollback()
        second.rollback()
        rows, deferred = claim(second, ["entry"], 10)
        assert [(r.doc_id, r.doc_version) for r in rows] == [("A", 1), ("B", 1), ("A", 2), ("C", 1)]
        second.rollback()


def test_a_gap_in_the_claim_stops_that_document_at_the_gap(pg: Engine) -> None:
    """SKIP LOCKED hands this worker A1 and A3 but not A2 (held elsewhere): apply A1, not A3."""
    _enqueue(pg, [("A", 1), ("B", 1), ("A", 2), ("C", 1), ("A", 3)])
    with Session(pg) as other, Session(pg) as mine:
        held = other.exec(
            select(Outbox).where(Outbox.doc_id == "A", Outbox.doc_version == 2).with_for_update()
        ).one()
        rows, deferred = claim(mine, ["entry"], 10)
        assert [(r.doc_id, r.doc_version) for r in rows] == [("A", 1), ("B", 1), ("C", 1)]
        assert deferred == 1 and held.doc_version == 2
        mine.rollback()
        other.rollback()


@pytest.mark.parametrize("workers", [2, 4])
def test_concurrent_workers_apply_every_row_once_in_order(pg: Engine, workers: int) -> None:
    changes = [(f"DOC{n % 25}", n // 25 + 1) for n in range(600)]
    _enqueue(pg, changes)
    engine = _Recorder()
    clock = FixedClock(datetime(2026, 6, 1, 2, 0, 0))
    totals: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(workers)

    def drain() -> None:
        worker = OutboxWorker(pg, engine, analyzer=None, clock=clock)
        done = 0
        try:
            start.wait()
            while True:
                result = worker.drain_once(batch=37)
                assert not result.failed
                done += result.rows
                if not result.rows and not result.deferred:
                    break
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        totals.append(done)

    threads = [threading.Thread(target=drain) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sum(totals) == len(changes)  # no row was applied by two workers
    with Session(pg) as session:
        left = session.exec(select(func.count()).where(col(Outbox.processed_at).is_(None))).one()
    assert left == 0
    per_doc: dict[str, list[int]] = defaultdict(list)
    for doc_id, version in engine.applied:
        per_doc[doc_id].append(version)
    assert len(per_doc) == 25
    for versions in per_doc.values():
        assert versions == sorted(set(versions))  # never out of order, never twice
        assert versions[-1] == 24  # the newest version reached the engine
