"""Shared fixtures. Real components only: a real store and engine, the real app over HTTP.

The store and engine follow HOTLINE_TEST_STACK (see tests/stacks.py): a SQLite file + tantivy by
default, a fresh PostgreSQL database (+ a fresh OpenSearch index on the cluster stack) per test
otherwise. Area-specific fixtures live in each test folder's own conftest.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from stacks import STACK, PostgresDatabases, TestStack, stack_problem

from records.clock import FixedClock
from search_api.app import create_app
from search_api.settings import Settings

SHARED_EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"


def pytest_configure(config: pytest.Config) -> None:
    problem = stack_problem()
    if problem:
        raise pytest.UsageError(problem)


def pytest_report_header(config: pytest.Config) -> str:
    return f"test stack: {STACK} (HOTLINE_TEST_STACK)"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On a server stack, skip the tests that are about SQLite files or the tantivy index itself."""
    if STACK == "embedded":
        return
    for item in items:
        marker = item.get_closest_marker("embedded_only")
        if marker is not None:
            reason = marker.args[0] if marker.args else "about the embedded stack"
            item.add_marker(pytest.mark.skip(reason=f"embedded stack only: {reason}"))


@pytest.fixture(scope="session")
def test_stack() -> Iterator[TestStack]:
    """Makes Settings for the chosen stack; module-scoped app fixtures use ``test_stack.scoped(...)``."""
    made = TestStack()
    yield made
    made.close()


@pytest.fixture
def settings(tmp_path: Path, test_stack: TestStack) -> Iterator[Settings]:
    # A 32-byte secret: PyJWT warns (an error under filterwarnings) on shorter HMAC keys.
    with test_stack.scoped(
        tmp_path / "data",
        indexer_poll_seconds=0.05,
        secret_key="test-secret-key-with-at-least-32-bytes",
    ) as made:
        yield made


@pytest.fixture
def postgres_databases() -> Iterator[PostgresDatabases]:
    """Scratch databases on TEST_POSTGRES_URL's server (opt-in tests; skipped when it is unset)."""
    from stacks import PG_URL

    if not PG_URL:
        pytest.skip("set TEST_POSTGRES_URL to a PostgreSQL server (scripts/test-services up)")
    made = PostgresDatabases(PG_URL)
    yield made
    made.close()


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
