"""The rebuild's analysis fan-out: worker processes load AND analyse their own share of entries.

Why: a full rebuild is CPU-bound in Python (store rows → IndexDoc ~0.2 ms, segmentation, pinyin
initials and JSON ~1.4 ms per entry at 100k). When only the analysis ran in the pool, the writer
process still loaded every entry through the ORM on its own, serially, and the pool waited for
it. Here the parent only hands out id lists and feeds the prepared JSON documents to tantivy.
Each worker opens its own database connection (SQLite readers in WAL mode and PostgreSQL
sessions both run side by side).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from indexer.documents import batched, load_docs
from indexer.tantivy_schema import DocBuilder
from records.db import make_engine

CHUNK = 500  # entries per task: small enough to keep every worker busy until the end

_state: tuple[Engine, DocBuilder, date] | None = None


def _start(database_url: str, dictionary_dir: Path | None, today: date) -> None:
    global _state
    from analyzers.pipeline import Analyzer

    analyzer = Analyzer(dictionary_dir, poll_seconds=None)
    _state = (make_engine(database_url), DocBuilder(analyzer.index_tokens), today)


def _load_and_analyze(ids: Sequence[str]) -> tuple[int, list[str]]:
    assert _state is not None, "worker not initialised"
    engine, builder, today = _state
    with Session(engine) as session:
        docs = [doc for doc in load_docs(session, ids, today).values() if doc is not None]
    return len(docs), [item for doc in docs for item in builder.documents(doc)]


def analyzed_batches(
    db_engine: Engine, dictionary_dir: Path | None, ids: Sequence[str], today: date, processes: int
) -> Iterator[tuple[int, list[str]]]:
    """(entries, tantivy JSON documents) per chunk of ``ids``, in completion order."""
    url = db_engine.url.render_as_string(hide_password=False)
    chunks = [list(chunk) for chunk in batched(ids, CHUNK)]
    with multiprocessing.get_context().Pool(processes, _start, (url, dictionary_dir, today)) as pool:
        yield from pool.imap_unordered(_load_and_analyze, chunks)
