"""A full rebuild goes into a fresh directory and switches over while search keeps answering."""

from __future__ import annotations

from typing import Any

import pytest
from rows import pending_rows, publish
from sqlalchemy.engine import Engine

from indexer import layout
from indexer import tantivy_query as tq
from indexer.engine import SearchRequest
from indexer.reindex import rebuild
from indexer.tantivy_engine import TantivyEngine
from indexer.tantivy_schema import KIND_ENTRY, KIND_QUESTION
from indexer.worker import OutboxWorker
from records.clock import FixedClock
from search_api.settings import Settings


def hits(engine: TantivyEngine, clock: FixedClock, q: str) -> int:
    engine.refresh(force=True)
    return engine.search(SearchRequest(q=q, today=clock.today())).total


def test_rebuild_switches_while_search_keeps_answering(
    db: Engine,
    settings: Settings,
    analyzer: Any,
    clock: FixedClock,
    search: TantivyEngine,
    worker: OutboxWorker,
) -> None:
    for i in range(5):
        publish(db, f"OLD{i}", f"居住证申领第{i}号")
    worker.drain_once()
    reader = TantivyEngine(settings.index_dir, analyzer)
    before = reader.directory
    for i in range(20):
        publish(db, f"NEW{i}", f"公租房申请第{i}号")
    seen_during: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        seen_during.append((done, total))
        assert hits(reader, clock, "居住证申领") == 5  # the old index still answers mid-rebuild

    result = rebuild(db, settings, analyzer, progress, clock=clock, workers=1)
    assert result.documents == 25
    assert seen_during[0] == (0, 25) and seen_during[-1] == (25, 25)
    assert layout.current_dir(settings.index_dir) == result.directory != before
    assert hits(reader, clock, "公租房申请") == 20
    assert hits(reader, clock, "居住证申领") == 5
    assert reader.health()["status"] == "ok"


def test_changes_during_rebuild_are_replayed_into_the_new_index(
    db: Engine,
    settings: Settings,
    analyzer: Any,
    clock: FixedClock,
    search: TantivyEngine,
    worker: OutboxWorker,
) -> None:
    publish(db, "A1", "生育津贴申领")
    worker.drain_once()

    def progress(done: int, total: int) -> None:
        if done == total and not pending_rows(db):
            publish(db, "A2", "出生医学证明补发")  # arrives mid-rebuild, indexed into the old directory
            worker.drain_once()

    result = rebuild(db, settings, analyzer, progress, clock=clock, workers=1)
    assert result.requeued == 1
    worker.drain_once()  # the worker follows CURRENT to the new directory and replays the row
    assert search.directory == result.directory
    assert hits(search, clock, "出生医学证明") == 1
    assert hits(search, clock, "生育津贴") == 1


def test_rebuild_with_a_process_pool(
    db: Engine, settings: Settings, analyzer: Any, clock: FixedClock, monkeypatch: Any
) -> None:
    import indexer.reindex as reindex_module

    monkeypatch.setattr(reindex_module, "POOL_THRESHOLD", 1)
    for i in range(6):
        publish(db, f"P{i}", f"义务教育入学第{i}号")
    result = rebuild(db, settings, analyzer, None, clock=clock, workers=2)
    reader = TantivyEngine(settings.index_dir, analyzer)
    assert result.documents == 6 and hits(reader, clock, "义务教育") == 6


@pytest.mark.parametrize("workers", [1, 2])
def test_rebuild_writes_entries_topic_by_topic_before_the_question_documents(
    db: Engine, settings: Settings, analyzer: Any, clock: FixedClock, monkeypatch: Any, workers: int
) -> None:
    """Entry searches walk the lowest document ids only (indexer.fresh_build), and one topic's
    entries sit together (indexer.documents.searchable_ids)."""
    import indexer.reindex as reindex_module

    monkeypatch.setattr(reindex_module, "POOL_THRESHOLD", 1)
    for i in range(6):  # published alternately: 公积金, 教育, 公积金, ...
        theme = "教育" if i % 2 else "公积金"
        qas = [(f"第{i}号事项怎么办？", "带户口簿到窗口。", [f"{i}号事项去哪办", "要带什么"])]
        publish(db, f"O{i}", f"{theme}事项第{i}号", qas=qas, theme=theme)
    rebuild(db, settings, analyzer, None, clock=clock, workers=workers)
    reader = TantivyEngine(settings.index_dir, analyzer)
    searcher = reader.searcher()

    def by_doc_id(kind: str) -> list[tuple[int, str]]:
        found = searcher.search(tq.kind_filter(reader.schema, kind), limit=100, count=False).hits
        assert all(address.segment_ord == 0 for _, address in found)
        return sorted((address.doc, str(searcher.doc(address).get_first("id"))) for _, address in found)

    entries, questions = by_doc_id(KIND_ENTRY), by_doc_id(KIND_QUESTION)
    assert [doc for doc, _ in entries] == list(range(6))
    assert [doc for doc, _ in questions] == list(range(6, 6 + 6 * 3))
    themes = ["教育" if int(public_id[1:]) % 2 else "公积金" for _, public_id in entries]
    assert themes[:3] == [themes[0]] * 3 and themes[3:] == [themes[3]] * 3 != themes[:3]
    assert hits(reader, clock, "事项") == 6
