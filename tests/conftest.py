"""Shared fixtures. Real components only: a real SQLite file store, the real app over HTTP.

Area-specific fixtures live in each test folder's own conftest.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from records.clock import FixedClock
from search_api.app import create_app
from search_api.settings import Settings

SHARED_EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # A 32-byte secret: PyJWT warns (an error under filterwarnings) on shorter HMAC keys.
    return Settings(
        environment="test",
        data_dir=tmp_path / "data",
        indexer_poll_seconds=0.05,
        secret_key="test-secret-key-with-at-least-32-bytes",
    )


@pytest.fixture
def clock() -> FixedClock:
    """2026-06-01 10:00 Beijing time, a Monday."""
    return FixedClock(datetime(2026, 6, 1, 2, 0, 0))


@pytest.fixture
def app(settings: Settings, clock: FixedClock) -> FastAPI:
    return create_app(settings, clock=clock)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c
