"""Fixtures for the worker and rebuild tests: a real SQLite store and a real embedded index."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rows import ensure_schema
from sqlalchemy.engine import Engine

from analyzers.pipeline import Analyzer
from indexer.tantivy_engine import TantivyEngine
from indexer.worker import OutboxWorker
from records.clock import FixedClock
from records.db import make_engine
from search_api.settings import Settings


@pytest.fixture(scope="session")
def analyzer() -> Analyzer:
    return Analyzer()


@pytest.fixture
def db(settings: Settings) -> Iterator[Engine]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.effective_database_url)
    ensure_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def search(settings: Settings, analyzer: Analyzer) -> Iterator[TantivyEngine]:
    engine = TantivyEngine(settings.index_dir, analyzer, writable=True)
    yield engine
    engine.close()


@pytest.fixture
def worker(db: Engine, search: TantivyEngine, analyzer: Analyzer, clock: FixedClock) -> OutboxWorker:
    return OutboxWorker(db, search, analyzer, clock, poll_seconds=0.05)
