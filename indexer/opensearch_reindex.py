"""Full rebuild of the cluster index into a new index, then one atomic alias switch.

Why an alias swap: readers and the outbox workers address the alias, so they keep using the
complete old index until a single ``_aliases`` call (remove + add) moves every one of them to the
complete new one; search never fails and never sees an empty or half-built index. Rows that
arrive while the rebuild runs went to the old index: they are re-queued after the switch (from a
high-water mark taken before the store was read) and the workers replay them into the new index,
where external versions make every replay harmless. The old index is deleted after a grace
period, so searches already running on it finish. Loading and analysis (jieba) are the cost, so
worker processes load, analyse and serialise documents while this one sends bulk requests.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from indexer import reindex as embedded
from indexer.documents import batched, load_docs, searchable_ids
from indexer.engine import IndexDoc
from indexer.fast_analysis import analyzed_batches, opensearch_sources
from indexer.opensearch_client import Source, bulk, engine_errors
from indexer.opensearch_docs import entry_source
from indexer.opensearch_index import new_index_name
from indexer.reindex import BATCH, published_answers, requeue_since
from records.clock import Clock, SystemClock, as_utc
from records.models import Outbox, OutboxOp
from search_api.settings import Settings

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
Prepared = tuple[str, int, str, Source]  # (id, version, doc_type, source or its JSON)
GRACE_SECONDS = 2.0  # in-flight searches and bulk requests on the old index finish meanwhile
# While nobody reads the new index: no refreshes, and the translog synced in the background
# instead of on every bulk request (a crash mid-build only means building again from the store).
BUILD_SETTINGS = {"index": {"refresh_interval": "-1", "translog.durability": "async"}}
SERVING_SETTINGS = {"index": {"refresh_interval": None, "translog.durability": "request"}}


@dataclass(frozen=True)
class ClusterRebuildResult:
    documents: int
    index: str
    seconds: float
    requeued: int
    deleted: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.documents} 篇文档，索引 {self.index}，用时 {self.seconds:.1f} 秒"


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
        ids = searchable_ids(session, clock.today())
        answers = published_answers(session)
    target = new_index_name(engine.alias)
    engine.create_index(target)
    try:
        done, refused = _fill(
            engine, target, Work(db, ids, answers, clock.today()), settings, analyzer, progress, workers
        )
        with engine_errors():
            engine.client.indices.put_settings(index=target, body=SERVING_SETTINGS)
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


@dataclass(frozen=True)
class Work:
    db: Engine
    ids: list[str]  # searchable entries
    answers: list[str]  # published desk answers
    today: date

    @property
    def total(self) -> int:
        return len(self.ids) + len(self.answers)


def _fill(
    engine: Any,
    target: str,
    work: Work,
    settings: Settings,
    analyzer: Any,
    progress: Progress | None,
    workers: int | None,
) -> tuple[int, list[Prepared]]:
    """Load, analyse and bulk-index every document into ``target``.

    Large rebuilds fan loading and analysis out to worker processes (indexer.fast_analysis),
    which also serialise the sources; this process only sends bulk requests. Returns how many
    documents were sent and the ones the engine refused."""
    with engine_errors():
        engine.client.indices.put_settings(index=target, body=BUILD_SETTINGS)
    processes = workers if workers is not None else min(os.cpu_count() or 1, 4)
    done = 0
    refused: list[Prepared] = []

    def send(count: int, prepared: list[Prepared]) -> None:
        nonlocal done
        _send(engine, target, refused, prepared)
        done += count
        if progress:
            progress(done, work.total)

    if progress:
        progress(0, work.total)
    in_process = work.ids
    if processes > 1 and len(work.ids) >= embedded.POOL_THRESHOLD:
        for count, prepared in analyzed_batches(
            work.db, settings.dictionary_dir, work.ids, work.today, processes, opensearch_sources
        ):
            send(count, prepared)
        in_process = []
    with Session(work.db) as session:
        for docs in _loaded(session, in_process, work.answers, work.today):
            send(
                len(docs),
                [(d.id, d.version, d.doc_type, entry_source(d, analyzer.index_tokens)) for d in docs],
            )
    return done, refused


def _loaded(session: Session, ids: list[str], answers: list[str], today: date) -> Iterator[list[IndexDoc]]:
    for chunk in batched(ids, BATCH):
        yield [d for d in load_docs(session, chunk, today).values() if d is not None]
    if answers:
        from records.desk.index_docs import load_answer_docs

        for chunk in batched(answers, BATCH):
            yield [d for d in load_answer_docs(session, chunk, today).values() if d]


def _send(engine: Any, target: str, refused: list[Prepared], prepared: list[Prepared]) -> None:
    items = [
        ({"index": {"_index": target, "_id": doc_id, "version": version, "version_type": "external"}}, source)
        for doc_id, version, _, source in prepared
    ]
    outcome = bulk(engine.client, items)
    by_id = {item[0]: item for item in prepared}
    for doc_id, reason in outcome.rejected:
        log.warning("rebuild: engine refused %s: %s", doc_id, reason)
        refused.append(by_id[doc_id])


def _queue_refused(db: Engine, refused: list[Prepared], clock: Clock) -> None:
    """Documents the engine refused go through the outbox once more: the worker records them as
    dead letters with the engine's reason, where an operator sees them."""
    if not refused:
        return
    with Session(db) as session:
        for doc_id, version, doc_type, _ in refused:
            row = Outbox(doc_type=doc_type, doc_id=doc_id, op=OutboxOp.upsert, doc_version=version)
            row.created_at = as_utc(clock.now())
            session.add(row)
        session.commit()
