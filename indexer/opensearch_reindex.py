"""Full rebuild of the cluster index into a new index, then one atomic alias switch.

Why an alias swap: readers and the outbox workers address the alias, so they keep using the
complete old index until a single ``_aliases`` call (remove + add) moves every one of them to the
complete new one; search never fails and never sees an empty or half-built index. Rows that
arrive while the rebuild runs went to the old index: they are re-queued after the switch (from a
high-water mark taken before the store was read) and the workers replay them into the new index,
where external versions make every replay harmless. The old index is deleted after a grace
period, so searches already running on it finish. Analysis (jieba) is the cost, so documents are
analysed in a process pool while the main process loads the next batch and sends bulk requests.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from indexer import reindex as embedded
from indexer.documents import batched, load_docs, searchable_ids
from indexer.engine import IndexDoc
from indexer.opensearch_client import bulk, engine_errors
from indexer.opensearch_docs import entry_source
from indexer.opensearch_index import new_index_name
from indexer.reindex import BATCH, published_answers, requeue_since
from records.clock import Clock, SystemClock, as_utc
from records.models import Outbox, OutboxOp
from search_api.settings import Settings

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
GRACE_SECONDS = 2.0  # in-flight searches and bulk requests on the old index finish meanwhile
BUILD_SETTINGS = {"index": {"refresh_interval": "-1"}}  # no refreshes while nobody reads it

_pool_tokens: Any = None


@dataclass(frozen=True)
class ClusterRebuildResult:
    documents: int
    index: str
    seconds: float
    requeued: int
    deleted: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.documents} 篇文档，索引 {self.index}，用时 {self.seconds:.1f} 秒"


def _init_pool(dictionary_dir: Path | None) -> None:
    global _pool_tokens
    from analyzers.pipeline import Analyzer

    _pool_tokens = Analyzer(dictionary_dir, poll_seconds=None).index_tokens


def _analyze(docs: list[IndexDoc]) -> list[dict[str, Any]]:
    return [entry_source(doc, _pool_tokens) for doc in docs]


def _doc_batches(db: Engine, clock: Clock) -> tuple[int, Iterator[list[IndexDoc]]]:
    """How many documents, and the documents themselves in batches (entries, then desk answers)."""
    with Session(db) as session:
        ids = searchable_ids(session, clock.today())
        answers = published_answers(session)

    def batches() -> Iterator[list[IndexDoc]]:
        with Session(db) as session:
            for chunk in batched(ids, BATCH):
                yield [d for d in load_docs(session, chunk, clock.today()).values() if d is not None]
            if answers:
                from records.desk.index_docs import load_answer_docs

                for chunk in batched(answers, BATCH):
                    yield [d for d in load_answer_docs(session, chunk, clock.today()).values() if d]

    return len(ids) + len(answers), batches()


def rebuild_cluster(
    db: Engine,
    settings: Settings,
    analyzer: Any,
    progress: Progress | None = None,
    clock: Clock | None = None,
    workers: int | None = None,
    engine: Any = None,
    grace_seconds: float = GRACE_SECONDS,
) -> ClusterRebuildResult:
    """Build ``<alias>-v1-<timestamp>`` from the store, switch the alias to it, drop the old one."""
    from indexer.opensearch_engine import OpenSearchEngine

    started = time.perf_counter()
    clock = clock or SystemClock(settings.timezone)
    engine = engine or OpenSearchEngine(settings.search_url, analyzer, index_name=settings.index_name)
    engine.admin.ensure()
    old = engine.admin.alias_targets()
    with Session(db) as session:
        high_water = session.exec(select(func.max(Outbox.seq))).one() or 0
    total, batches = _doc_batches(db, clock)
    target = new_index_name(engine.alias)
    engine.create_index(target)
    try:
        done, refused = _fill(engine, target, batches, total, settings, analyzer, progress, workers)
        with engine_errors():
            engine.client.indices.put_settings(index=target, body={"index": {"refresh_interval": None}})
            engine.client.indices.refresh(index=target)
    except BaseException:
        with engine_errors():
            engine.client.indices.delete(index=target, params={"ignore_unavailable": "true"})
        raise
    engine.swap_alias(target)
    _queue_refused(db, refused, clock)
    requeued = requeue_since(db, high_water)
    # A bulk request sent to the old index just before the switch may be marked processed only
    # after the first requeue; a second pass after the grace period replays those too.
    time.sleep(grace_seconds)
    requeued += requeue_since(db, high_water)
    deleted = tuple(name for name in old if name != target)
    for name in deleted:
        with engine_errors():
            engine.client.indices.delete(index=name, params={"ignore_unavailable": "true"})
    return ClusterRebuildResult(done, target, time.perf_counter() - started, requeued, deleted)


def _fill(
    engine: Any,
    target: str,
    batches: Iterator[list[IndexDoc]],
    total: int,
    settings: Settings,
    analyzer: Any,
    progress: Progress | None,
    workers: int | None,
) -> tuple[int, list[IndexDoc]]:
    """Analyse in a pool (when large) and bulk-index into ``target``.

    Returns how many documents were sent and the ones the engine refused."""
    with engine_errors():
        engine.client.indices.put_settings(index=target, body=BUILD_SETTINGS)
    processes = workers if workers is not None else min(os.cpu_count() or 1, 4)
    pool = (
        ProcessPoolExecutor(processes, initializer=_init_pool, initargs=(settings.dictionary_dir,))
        if processes > 1 and total >= embedded.POOL_THRESHOLD
        else None
    )
    done = 0
    refused: list[IndexDoc] = []
    if progress:
        progress(0, total)
    try:
        pending: list[tuple[list[IndexDoc], Future[list[dict[str, Any]]] | list[dict[str, Any]]]] = []
        for docs in batches:
            if pool is None:
                pending.append((docs, [entry_source(d, analyzer.index_tokens) for d in docs]))
            else:
                pending.append((docs, pool.submit(_analyze, docs)))
            while len(pending) > processes:
                done += _send(engine, target, refused, *pending.pop(0))
                if progress:
                    progress(done, total)
        for item in pending:
            done += _send(engine, target, refused, *item)
            if progress:
                progress(done, total)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return done, refused


def _send(
    engine: Any,
    target: str,
    refused: list[IndexDoc],
    docs: list[IndexDoc],
    sources: Future[list[dict[str, Any]]] | list[dict[str, Any]],
) -> int:
    bodies = sources if isinstance(sources, list) else sources.result()
    items = [
        ({"index": {"_index": target, "_id": d.id, "version": d.version, "version_type": "external"}}, body)
        for d, body in zip(docs, bodies, strict=True)
    ]
    outcome = bulk(engine.client, items)
    by_id = {d.id: d for d in docs}
    for doc_id, reason in outcome.rejected:
        log.warning("rebuild: engine refused %s: %s", doc_id, reason)
        refused.append(by_id[doc_id])
    return len(docs)


def _queue_refused(db: Engine, refused: list[IndexDoc], clock: Clock) -> None:
    """Documents the engine refused go through the outbox once more: the worker records them as
    dead letters with the engine's reason, where an operator sees them."""
    if not refused:
        return
    with Session(db) as session:
        for doc in refused:
            row = Outbox(doc_type=doc.doc_type, doc_id=doc.id, op=OutboxOp.upsert, doc_version=doc.version)
            row.created_at = as_utc(clock.now())
            session.add(row)
        session.commit()
