"""Wiring of analyzer, engine and outbox worker into the API's AppContext.

Why the writer lock decides: with several uvicorn workers on one embedded index, exactly one
process may write; whichever takes DATA_DIR/index/writer.lock runs the outbox worker, the others
only read and follow its commits.
"""

from __future__ import annotations

from typing import IO, Any

from indexer import layout
from indexer.tantivy_engine import TantivyEngine
from indexer.worker import OutboxWorker
from search_api.context import AppContext
from search_api.settings import Settings

OPENSEARCH_NOT_READY = "OpenSearch engine not yet available: leave SEARCH_URL empty (or 'embedded') for now"


class _LockHolder:
    """Releases the writer lock (and the engine's tantivy writer) at shutdown."""

    def __init__(self, handle: IO[bytes], engine: TantivyEngine) -> None:
        self.handle = handle
        self.engine = engine

    def stop(self) -> None:
        self.engine.close()
        layout.release_lock(self.handle)


def build_engine(settings: Settings, analyzer: Any, writable: bool) -> TantivyEngine:
    if not settings.embedded_search:
        raise RuntimeError(OPENSEARCH_NOT_READY)
    return TantivyEngine(settings.index_dir, analyzer, index_name=settings.index_name, writable=writable)


def attach_search(ctx: AppContext, start_worker: bool = True) -> None:
    settings = ctx.settings
    if not settings.embedded_search:
        raise RuntimeError(OPENSEARCH_NOT_READY)
    if ctx.analyzer is None:
        from analyzers.pipeline import Analyzer

        ctx.analyzer = Analyzer(settings.dictionary_dir)
    handle = layout.try_writer_lock(settings.index_dir) if start_worker else None
    engine = build_engine(settings, ctx.analyzer, writable=handle is not None)
    ctx.search = engine
    if handle is not None:
        ctx.background.append(_LockHolder(handle, engine))
        worker = OutboxWorker(ctx.db, engine, ctx.analyzer, ctx.clock, settings.indexer_poll_seconds)
        ctx.background.append(worker.start())
