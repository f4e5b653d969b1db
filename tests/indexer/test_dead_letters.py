"""Dead letters: a document the engine refuses is set aside with the reason; the rest goes on."""

from __future__ import annotations

import os
import uuid
from typing import Any

import pytest
from opensearchpy.exceptions import ConnectionError as OSConnectionError
from opensearchpy.exceptions import ConnectionTimeout, RequestError, TransportError
from rows import pending_rows, publish
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col, select

from indexer.dead_letters import backlog, is_transient, list_dead, requeue
from indexer.engine import IndexDoc, IndexOutcome, SearchRequest
from indexer.tantivy_engine import TantivyEngine
from indexer.worker import MAX_BACKOFF_SECONDS, OutboxWorker
from records.clock import FixedClock, as_utc
from records.errors import AppError, NotFound, ServiceUnavailable
from records.models import AuditLog, Outbox

POISON = "【拒收】"


class _EngineError(AppError):
    status_code = 502
    default_code = "search_engine_error"


@pytest.mark.parametrize(
    ("exc", "transient"),
    [
        (OSError("disk full"), True),
        (TimeoutError(), True),
        (OSConnectionError("N/A", "refused", None), True),
        (ConnectionTimeout("N/A", "timed out", None), True),
        (TransportError(429, "es_rejected_execution_exception", {}), True),
        (TransportError(503, "unavailable", {}), True),
        (RequestError(400, "mapper_parsing_exception", {}), False),
        (ServiceUnavailable("检索服务暂时不可用"), True),
        (_EngineError("检索引擎返回错误", details={"status": 400}), False),
        (_EngineError("检索引擎返回错误", details={"status": 503}), True),
        (OperationalError("SELECT 1", {}, Exception("server closed the connection")), True),
        (IntegrityError("INSERT", {}, Exception("duplicate")), False),
        (ValueError("bad date"), False),
    ],
)
def test_transient_or_rejected(exc: BaseException, transient: bool) -> None:
    assert is_transient(exc) is transient


class _PickyEngine(TantivyEngine):
    """The real embedded engine, refusing documents with a marker in the title the way a cluster
    refuses a document its mapping cannot parse (a 400 for that item only)."""

    def index(self, docs: list[IndexDoc]) -> IndexOutcome:
        if any(POISON in d.title for d in docs):
            raise RequestError(400, "mapper_parsing_exception", {"reason": "failed to parse field"})
        return super().index(docs)


@pytest.fixture
def picky(settings: Any, analyzer: Any) -> Any:
    engine = _PickyEngine(settings.index_dir, analyzer, writable=True)
    yield engine
    engine.close()


def _titles(search: TantivyEngine, clock: FixedClock, q: str) -> list[str]:
    return [h.title for h in search.search(SearchRequest(q=q, today=clock.today())).hits]


@pytest.mark.parametrize("position", [0, 3, 6])
def test_rejected_document_becomes_dead_letter_and_batch_goes_on(
    db: Engine, picky: _PickyEngine, analyzer: Any, clock: FixedClock, position: int
) -> None:
    titles = [f"居住证办理第{i}项" for i in range(7)]
    titles[position] = POISON + titles[position]
    for i, title in enumerate(titles):
        publish(db, f"D{i}", title)
    result = OutboxWorker(db, picky, analyzer, clock).drain_once()
    assert (result.rows, result.indexed, result.dead, result.failed) == (7, 6, 1, False)
    assert [r.doc_id for r in pending_rows(db)] == [f"D{position}"]  # only the dead letter is unprocessed
    assert len(_titles(picky, clock, "居住证办理")) == 6
    with Session(db) as session:
        letters, total = list_dead(session)
        assert total == 1
        assert letters[0].doc_id == f"D{position}"
        assert "mapper_parsing_exception" in letters[0].reason
        audit = session.exec(select(AuditLog).where(AuditLog.object_type == "outbox")).all()
        assert [(a.action, a.to_state, a.object_id) for a in audit] == [
            ("dead_letter", "dead", str(letters[0].seq))
        ]
        assert backlog(session, clock).as_dict() == {
            "pending": 0,
            "oldest_age_seconds": 0.0,
            "dead_letters": 1,
        }


def test_dead_letter_is_not_retried_but_requeue_applies_it_after_the_fix(
    db: Engine, picky: _PickyEngine, analyzer: Any, clock: FixedClock
) -> None:
    publish(db, "P1", POISON + "医保报销")
    worker = OutboxWorker(db, picky, analyzer, clock)
    assert worker.drain_once().dead == 1
    assert worker.drain_once().rows == 0  # dead rows stay out of the queue
    with Session(db) as session:  # the editor fixes the title in place (same version)
        from records.models import Entry, EntryVersion

        entry = session.exec(select(Entry).where(Entry.public_id == "P1")).one()
        version = session.get(EntryVersion, entry.live_version_id)
        assert version is not None
        version.title = "医保报销"
        session.add(version)
        session.commit()
    with Session(db) as session:
        seqs = requeue(session, clock, actor=None)
        session.commit()
    assert len(seqs) == 1
    result = worker.drain_once()
    assert (result.indexed, result.dead) == (1, 0)
    assert _titles(picky, clock, "医保报销") == ["医保报销"]
    with Session(db) as session:
        assert list_dead(session)[1] == 0
        actions = session.exec(
            select(AuditLog.action).where(AuditLog.object_type == "outbox").order_by(col(AuditLog.id))
        ).all()
        assert actions == ["dead_letter", "requeue"]
        row = session.exec(select(Outbox).where(Outbox.seq == seqs[0])).one()
        assert row.processed_at is not None and row.dead_at is None


def test_requeue_of_unknown_seq_is_not_found(db: Engine, clock: FixedClock) -> None:
    with Session(db) as session, pytest.raises(NotFound) as caught:
        requeue(session, clock, actor=None, seq=99999)
    assert caught.value.code == "dead_letter_not_found"


class _DownEngine:
    """A cluster that refuses connections: every call fails the way opensearch-py does."""

    name = "down"

    def index(self, docs: list[Any]) -> IndexOutcome:
        raise OSConnectionError("N/A", "Connection refused", None)

    def delete(self, ids: list[Any]) -> IndexOutcome:
        raise OSConnectionError("N/A", "Connection refused", None)

    def commit(self) -> None:
        raise OSConnectionError("N/A", "Connection refused", None)


def test_unreachable_engine_keeps_rows_pending_with_growing_backoff(
    db: Engine, analyzer: Any, clock: FixedClock
) -> None:
    for i in range(3):
        publish(db, f"U{i}", f"不动产登记{i}")
    worker = OutboxWorker(db, _DownEngine(), analyzer, clock, poll_seconds=0.5)
    waits = []
    for _ in range(8):
        assert worker.drain_once().failed
        waits.append(worker.backoff_seconds())
    assert waits == sorted(waits) and waits[0] == 1.0 and waits[-1] == MAX_BACKOFF_SECONDS
    rows = pending_rows(db)
    assert [r.attempts for r in rows] == [8, 8, 8]
    assert all("ConnectionError" in (r.last_error or "") for r in rows)
    assert all(r.dead_at is None for r in rows)
    with Session(db) as session:  # rows.publish stamps real time; the records workflow uses the clock
        for row in session.exec(select(Outbox)):
            row.created_at = as_utc(clock.now())
            session.add(row)
        session.commit()
    clock.advance(seconds=90)
    with Session(db) as session:
        state = backlog(session, clock)
    assert (state.pending, state.dead_letters, state.oldest_age_seconds) == (3, 0, 90.0)


@pytest.mark.skipif(not os.environ.get("TEST_OPENSEARCH_URL"), reason="set TEST_OPENSEARCH_URL")
def test_real_cluster_rejection_becomes_dead_letter(db: Engine, analyzer: Any, clock: FixedClock) -> None:
    """OpenSearch refuses an entry with more nested questions than index.mapping.nested_objects.limit
    (10,000): only that entry is set aside with the engine's reason, the batch goes on."""
    from indexer.opensearch_engine import OpenSearchEngine
    from records.models import QAPair

    engine = OpenSearchEngine(
        os.environ["TEST_OPENSEARCH_URL"], analyzer, index_name=f"dead-{uuid.uuid4().hex[:12]}"
    )
    try:
        for i in range(4):
            publish(db, f"OK{i}", f"公积金贷款第{i}项")
        similar = tuple(f"公积金贷款问法{i}" for i in range(10_001))
        publish(
            db, "BAD", "公积金贷款（问法过多）", qas=(("公积金怎么贷款？", "到公积金中心申请。", similar),)
        )
        worker = OutboxWorker(db, engine, analyzer, clock)
        result = worker.drain_once()
        assert (result.indexed, result.dead, result.failed) == (4, 1, False)
        with Session(db) as session:
            [letter], _ = list_dead(session)
        assert letter.doc_id == "BAD" and "nested" in letter.reason
        assert engine.search(SearchRequest(q="公积金贷款", today=clock.today())).total == 4
        with Session(db) as session:  # the editor trims the similar questions, an admin requeues
            qa = session.exec(select(QAPair).where(QAPair.question == "公积金怎么贷款？")).one()
            qa.similar_questions = list(similar[:3])
            session.add(qa)
            requeue(session, clock, actor=None)
            session.commit()
        assert worker.drain_once().indexed == 1
        assert engine.search(SearchRequest(q="公积金贷款", today=clock.today())).total == 5
    finally:
        engine.admin.drop()
        engine.close()
