"""Fixtures for tests against a real OpenSearch (TEST_OPENSEARCH_URL); each engine gets its own alias."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from analyzers.pipeline import Analyzer
from indexer.opensearch_engine import OpenSearchEngine

OPENSEARCH_URL = os.environ.get("TEST_OPENSEARCH_URL", "")


@pytest.fixture(scope="session")
def analyzer() -> Analyzer:
    return Analyzer()


@pytest.fixture
def os_url() -> str:
    if not OPENSEARCH_URL:
        pytest.skip("set TEST_OPENSEARCH_URL to an OpenSearch node (scripts/opensearch start)")
    return OPENSEARCH_URL


@pytest.fixture
def os_engine(os_url: str, analyzer: Analyzer) -> Iterator[OpenSearchEngine]:
    engine = OpenSearchEngine(os_url, analyzer, index_name=f"h11-{uuid.uuid4().hex[:12]}")
    yield engine
    engine.admin.drop()
    engine.close()
