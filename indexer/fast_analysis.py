"""The rebuilds' analysis fan-out: worker processes load AND analyse their own share of entries.

Why: a full rebuild is CPU-bound in Python (store rows → IndexDoc ~0.2 ms, segmentation, pinyin
initials and JSON ~1 ms per entry at 100k). When only the analysis ran in the pool, the writer
process still loaded every entry through the ORM on its own, serially, and the pool waited for
it. Here the parent only hands out id lists and feeds the prepared documents to the engine
(tantivy's ``add_json`` or OpenSearch bulk requests). Each worker opens its own database
connection (SQLite readers in WAL mode and PostgreSQL sessions both run side by side).

What a worker prepares per entry is chosen by a ``Prepare`` factory: a module-level function
(so it pickles) that receives the worker's Analyzer and returns the per-document step.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy.engine import Engine
from sqlmodel import Session

from indexer.documents import batched, load_docs
from indexer.engine import IndexDoc
from records.db import make_engine

CHUNK = 500  # entries per task: small enough to keep every worker busy until the end
WINDOW_PER_PROCESS = 2  # tasks in flight per worker: ahead of the writer, but memory stays bounded

Step = Callable[[IndexDoc], list[Any]]
Prepare = Callable[[Any], Step]

_state: tuple[Engine, Step, date] | None = None


def tantivy_documents(analyzer: Any) -> Step:
    """Per entry: one item, the list of its tantivy JSON documents (the entry's own first, then
    one per question), kept together for indexer.fresh_build.EntriesFirst."""
    from indexer.tantivy_schema import DocBuilder

    documents = DocBuilder(analyzer.index_tokens).documents

    def step(doc: IndexDoc) -> list[Any]:
        return [documents(doc)]

    return step


def opensearch_sources(analyzer: Any) -> Step:
    """Per entry: (id, version, doc_type, source JSON), serialised here so the bulk sender only
    joins lines."""
    from indexer.opensearch_docs import entry_source

    tokens = analyzer.index_tokens

    def step(doc: IndexDoc) -> list[Any]:
        return [(doc.id, doc.version, doc.doc_type, orjson.dumps(entry_source(doc, tokens)).decode())]

    return step


def _start(database_url: str, dictionary_dir: Path | None, today: date, prepare: Prepare) -> None:
    global _state
    from analyzers.pipeline import Analyzer

    _state = (make_engine(database_url), prepare(Analyzer(dictionary_dir, poll_seconds=None)), today)


def _load_and_analyze(ids: Sequence[str]) -> tuple[int, list[Any]]:
    assert _state is not None, "worker not initialised"
    engine, step, today = _state
    with Session(engine) as session:
        docs = [doc for doc in load_docs(session, ids, today).values() if doc is not None]
    return len(docs), [item for doc in docs for item in step(doc)]


def analyzed_batches(
    db_engine: Engine,
    dictionary_dir: Path | None,
    ids: Sequence[str],
    today: date,
    processes: int,
    prepare: Prepare = tantivy_documents,
) -> Iterator[tuple[int, list[Any]]]:
    """(entries, prepared items) per chunk of ``ids``, in order.

    At most ``processes * WINDOW_PER_PROCESS`` chunks are in flight: when the consumer is the
    slower side (a cluster absorbing bulk requests), finished chunks must not pile up in memory.
    """
    url = db_engine.url.render_as_string(hide_password=False)
    chunks = (list(chunk) for chunk in batched(ids, CHUNK))
    context = multiprocessing.get_context()
    with context.Pool(processes, _start, (url, dictionary_dir, today, prepare)) as pool:
        submit = partial(pool.apply_async, _load_and_analyze)
        in_flight = deque(submit((chunk,)) for chunk in islice(chunks, processes * WINDOW_PER_PROCESS))
        while in_flight:
            done = in_flight.popleft().get()
            in_flight.extend(submit((chunk,)) for chunk in islice(chunks, 1))
            yield done
