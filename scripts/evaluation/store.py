"""A fresh store and the real app over it, for measuring through HTTP exactly as users reach it.

Why in-process (TestClient): it is real HTTP through the ASGI app with the real outbox worker,
without a port to manage; the eval waits until the worker has drained the outbox so every
imported entry is searchable before the first query.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from records.clock import Clock
from records.db import make_engine
from search_api.app import create_app
from search_api.settings import Settings

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

EVAL_SECRET = "eval-only-secret-key-at-least-32-bytes-long"
SETTLE_SECONDS = 0.6  # readers follow the writer's commits every ~100-200 ms


@dataclass
class Store:
    settings: Settings
    db: Engine
    clock: Clock


def fresh_store(data_dir: Path, clock: Clock) -> Store:
    from records.migrate import upgrade

    settings = Settings(
        environment="test", data_dir=data_dir, secret_key=EVAL_SECRET, indexer_poll_seconds=0.05
    )
    data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.effective_database_url)
    return Store(settings, make_engine(settings.effective_database_url), clock)


def import_published(store: Store, path: Path) -> Any:
    """Import and publish one JSONL file; line errors are returned in the report, not raised."""
    from records.importer import import_jsonl

    return import_jsonl(store.db, path, publish=True, actor=None, clock=store.clock)


def pending_outbox(db: Engine) -> int:
    with db.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM outbox WHERE processed_at IS NULL")).scalar_one())


def wait_for_index(db: Engine, timeout: float = 600.0) -> None:
    deadline = time.monotonic() + timeout
    while pending_outbox(db):
        if time.monotonic() > deadline:
            raise TimeoutError(f"outbox still has {pending_outbox(db)} rows after {timeout:.0f} s")
        time.sleep(0.1)
    time.sleep(SETTLE_SECONDS)


@contextmanager
def running_app(store: Store) -> Iterator[TestClient]:
    from fastapi.testclient import TestClient  # only the eval needs it; importing it warns

    app = create_app(store.settings, clock=store.clock)
    with TestClient(app) as client:
        wait_for_index(store.db)
        yield client
