"""Full rebuild of the embedded index into a fresh directory, then an atomic switch.

Why a fresh directory: searches keep using the current index (and the outbox worker keeps
writing to it) until CURRENT flips; rows that arrive during the rebuild are re-queued after the
switch so the worker replays them into the new index (replays are idempotent by version).
Loading and analysis are the cost (~1.6 ms per entry), so large rebuilds fan both out over worker
processes (indexer.fast_analysis).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from analyzers import index_state
from indexer import layout
from indexer.documents import batched, load_docs, searchable_ids
from indexer.engine import IndexDoc
from indexer.fast_analysis import analyzed_batches
from indexer.fresh_build import EntriesFirst
from indexer.tantivy_engine import REBUILD_WRITER_HEAP, TantivyEngine
from records.clock import Clock, SystemClock
from records.models import Outbox
from search_api.settings import Settings

Progress = Callable[[int, int], None]
BATCH = 2000
POOL_THRESHOLD = 5000  # below this a pool costs more to start than it saves


@dataclass(frozen=True)
class RebuildResult:
    documents: int
    directory: Path
    seconds: float
    requeued: int

    def __str__(self) -> str:
        return f"{self.documents} 条条目，目录 {self.directory.name}，用时 {self.seconds:.1f} 秒"


def rebuild(
    db_engine: Engine,
    settings: Settings,
    analyzer: Any,
    progress: Progress | None = None,
    clock: Clock | None = None,
    workers: int | None = None,
) -> RebuildResult:
    """Build DATA_DIR/index/<name>-<timestamp>/ from every searchable entry and switch to it."""
    started = time.perf_counter()
    clock = clock or SystemClock(settings.timezone)
    root = settings.index_dir
    with Session(db_engine) as session:
        high_water = session.exec(select(func.max(Outbox.seq))).one() or 0
        ids = searchable_ids(session, clock.today())
        answers = published_answers(session)
    total = len(ids) + len(answers)
    if progress:
        progress(0, total)
    target = layout.new_dir(root, settings.index_name)
    engine = TantivyEngine(
        root,
        analyzer,
        index_name=settings.index_name,
        writable=True,
        directory=target,
        writer_heap=REBUILD_WRITER_HEAP,
    )
    feed = EntriesFirst(engine, root)
    processes = workers if workers is not None else min(os.cpu_count() or 1, 4)
    fan_out = processes > 1 and total >= POOL_THRESHOLD
    done = 0
    if fan_out:  # worker processes load and analyse their share (indexer.fast_analysis)
        for count, per_entry in analyzed_batches(
            db_engine, settings.dictionary_dir, ids, clock.today(), processes
        ):
            feed.add(per_entry)
            done += count
            if progress:
                progress(done, total)
    pending: list[tuple[list[IndexDoc], Any]] = []
    with Session(db_engine) as session:
        for chunk in batched([] if fan_out else ids, BATCH):
            docs = [d for d in load_docs(session, chunk, clock.today()).values() if d is not None]
            pending.append((docs, [engine.builder.documents(d) for d in docs]))
            if len(pending) > 1:
                done += _flush(feed, pending.pop(0))
                if progress:
                    progress(done, total)
        if answers:
            from records.desk.index_docs import load_answer_docs

            for chunk in batched(answers, BATCH):
                docs = [d for d in load_answer_docs(session, chunk, clock.today()).values() if d]
                pending.append((docs, [engine.builder.documents(d) for d in docs]))
    for item in pending:
        done += _flush(feed, item)
        if progress:
            progress(done, total)
    feed.finish()
    engine.finish_build()
    with layout.LayoutLock(root):
        layout.switch(root, target)
        index_state.record_index_build(root, analyzer)
    requeued = requeue_since(db_engine, high_water)
    layout.remove_old(root, settings.index_name)
    return RebuildResult(done, target, time.perf_counter() - started, requeued)


def published_answers(session: Session) -> list[str]:
    """Question numbers of published desk answers (doc_type "answer"), when the desk exists."""
    try:
        from records.desk.index_docs import published_numbers
    except ImportError:
        return []
    return list(published_numbers(session))


def _flush(feed: EntriesFirst, item: tuple[list[IndexDoc], Any]) -> int:
    docs, analyzed = item
    feed.add(analyzed)
    return len(docs)


def requeue_since(db_engine: Engine, high_water: int) -> int:
    """Changes that arrived during the rebuild went to the old directory: replay them."""
    with Session(db_engine) as session:
        result = session.exec(  # type: ignore[call-overload]
            update(Outbox)
            .where(col(Outbox.seq) > high_water)
            .where(col(Outbox.processed_at).is_not(None))
            .values(processed_at=None)
        )
        session.commit()
        return int(result.rowcount or 0)
