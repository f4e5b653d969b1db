"""The outbox worker applies store changes to the index: publish, republish, takedown, failures."""

from __future__ import annotations

from datetime import date
from typing import Any

from rows import pending_rows, publish, take_down
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from indexer.engine import IndexOutcome, SearchRequest
from indexer.tantivy_engine import TantivyEngine
from indexer.worker import OutboxWorker
from records.clock import FixedClock
from records.models import Outbox

QA = (("身份证丢了怎么补办？", "携带户口簿到派出所补领。", ("身份证掉了去哪补",)),)


def titles(search: TantivyEngine, clock: FixedClock, q: str) -> list[str]:
    return [h.title for h in search.search(SearchRequest(q=q, today=clock.today())).hits]


def test_published_entry_is_searchable_after_one_drain(
    db: Engine, search: TantivyEngine, worker: OutboxWorker, clock: FixedClock
) -> None:
    publish(db, "E1", "居民身份证丢失补领", ("江苏省", "苏州市"), QA)
    assert titles(search, clock, "身份证补领") == []
    result = worker.drain_once()
    assert (result.rows, result.indexed, result.failed) == (1, 1, False)
    assert titles(search, clock, "身份证补领") == ["居民身份证丢失补领"]
    assert search.ask("身份证掉了去哪补", clock.today())[0].entry_id == "E1"
    assert pending_rows(db) == []


def test_republish_replaces_and_takedown_removes(
    db: Engine, search: TantivyEngine, worker: OutboxWorker, clock: FixedClock
) -> None:
    publish(db, "E2", "公积金提取", qas=QA)
    worker.drain_once()
    publish(db, "E2", "住房公积金提取办理")
    worker.drain_once()
    assert titles(search, clock, "公积金") == ["住房公积金提取办理"]
    take_down(db, "E2")
    result = worker.drain_once()
    assert result.deleted == 1
    assert titles(search, clock, "公积金") == []
    assert search.ask("身份证丢了怎么补办", clock.today()) == []


def test_replayed_rows_are_idempotent(
    db: Engine, search: TantivyEngine, worker: OutboxWorker, clock: FixedClock
) -> None:
    publish(db, "E3", "新生儿落户")
    worker.drain_once()
    with Session(db) as session:
        for row in session.exec(select(Outbox)):
            row.processed_at = None
            session.add(row)
        session.commit()
    result = worker.drain_once()
    assert (result.indexed, result.skipped) == (0, 1)
    assert titles(search, clock, "新生儿落户") == ["新生儿落户"]


def test_upsert_of_entry_no_longer_searchable_deletes_it(
    db: Engine, search: TantivyEngine, worker: OutboxWorker, clock: FixedClock
) -> None:
    publish(db, "E4", "临时居住登记", effective_to=date(2026, 5, 31))
    result = worker.drain_once()
    assert (result.indexed, result.deleted) == (0, 1)
    assert titles(search, clock, "临时居住登记") == []


def test_many_rows_for_one_entry_apply_the_latest(
    db: Engine, search: TantivyEngine, worker: OutboxWorker, clock: FixedClock
) -> None:
    for title in ("版本一居住证", "版本二居住证", "版本三居住证"):
        publish(db, "E5", title)
    result = worker.drain_once()
    assert result.rows == 3 and result.indexed == 1
    assert titles(search, clock, "居住证") == ["版本三居住证"]


class _BrokenEngine:
    """A stand-in that fails like a full disk would; the worker must keep the rows."""

    name = "broken"

    def index(self, docs: list[Any]) -> IndexOutcome:
        raise OSError("disk full")

    def delete(self, ids: list[Any]) -> IndexOutcome:
        raise OSError("disk full")

    def commit(self) -> None:
        raise OSError("disk full")


def test_engine_failure_keeps_rows_for_retry(
    db: Engine, analyzer: Any, clock: FixedClock, search: TantivyEngine
) -> None:
    publish(db, "E6", "失败重试条目")
    broken = OutboxWorker(db, _BrokenEngine(), analyzer, clock)
    result = broken.drain_once()
    assert result.failed
    [row] = pending_rows(db)
    assert row.attempts == 1 and "disk full" in (row.last_error or "")
    healthy = OutboxWorker(db, search, analyzer, clock)
    assert healthy.drain_once().indexed == 1
    assert pending_rows(db) == []
    assert titles(search, clock, "失败重试条目") == ["失败重试条目"]


def test_worker_thread_makes_publish_searchable(
    db: Engine, search: TantivyEngine, worker: OutboxWorker, clock: FixedClock
) -> None:
    import time

    worker.start()
    try:
        publish(db, "E7", "义务教育入学报名")
        deadline = time.monotonic() + 5
        while not titles(search, clock, "入学报名") and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        worker.stop()
    assert titles(search, clock, "入学报名") == ["义务教育入学报名"]
