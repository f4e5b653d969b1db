"""Wiring of analyzer, engine and outbox worker into the API's AppContext.

Embedded (tantivy): with several uvicorn workers on one index directory exactly one process may
write; whichever takes DATA_DIR/index/writer.lock runs the outbox worker, the others only read
and follow its commits.

Cluster (OpenSearch, SEARCH_URL=http(s)://…): there is no shared directory and no lock file;
every replica runs an outbox worker (external versions make a double application harmless, and
the worker claims rows so replicas do not duplicate work).
"""

from __future__ import annotations

from typing import IO, Any

from indexer import layout
from indexer.worker import OutboxWorker
from search_api.context import AppContext
from search_api.settings import Settings


class _Closer:
    """Closes the engine (and releases the embedded writer lock, if held) at shutdown."""

    def __init__(self, engine: Any, handle: IO[bytes] | None = None) -> None:
        self.handle = handle
        self.engine = engine

    def stop(self) -> None:
        self.engine.close()
        if self.handle is not None:
            layout.release_lock(self.handle)


def build_engine(settings: Settings, analyzer: Any, writable: bool) -> Any:
    """The engine SEARCH_URL names: the embedded index under DATA_DIR, or an OpenSearch cluster."""
    if settings.embedded_search:
        from indexer.tantivy_engine import TantivyEngine

        return TantivyEngine(settings.index_dir, analyzer, index_name=settings.index_name, writable=writable)
    from indexer.opensearch_engine import OpenSearchEngine

    return OpenSearchEngine(settings.search_url, analyzer, index_name=settings.index_name)


def attach_search(ctx: AppContext, start_worker: bool = True) -> None:
    settings = ctx.settings
    if ctx.analyzer is None:
        from analyzers.pipeline import Analyzer

        ctx.analyzer = Analyzer(settings.dictionary_dir)
    if settings.embedded_search:
        handle = layout.try_writer_lock(settings.index_dir) if start_worker else None
        writer = handle is not None
    else:
        handle, writer = None, start_worker
    engine = build_engine(settings, ctx.analyzer, writable=writer)
    ctx.search = engine
    if handle is not None or not settings.embedded_search:
        ctx.background.append(_Closer(engine, handle))
    if writer:
        worker = OutboxWorker(ctx.db, engine, ctx.analyzer, ctx.clock, settings.indexer_poll_seconds)
        ctx.background.append(worker.start())
