"""The engine contract suite runs against every engine in ENGINES.

"opensearch" joins when TEST_OPENSEARCH_URL is set: each test gets its own alias (and index),
deleted afterwards, so tests never see each other's documents.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from analyzers.pipeline import Analyzer
from indexer.tantivy_engine import TantivyEngine

OPENSEARCH_URL = os.environ.get("TEST_OPENSEARCH_URL", "")


def _tantivy(tmp_path: Path, analyzer: Analyzer) -> Any:
    return TantivyEngine(tmp_path / "index", analyzer, writable=True)


def _opensearch(tmp_path: Path, analyzer: Analyzer) -> Any:
    from indexer.opensearch_engine import OpenSearchEngine

    return OpenSearchEngine(OPENSEARCH_URL, analyzer, index_name=f"contract-{uuid.uuid4().hex[:12]}")


ENGINES: dict[str, Callable[[Path, Analyzer], Any]] = {"tantivy": _tantivy}
if OPENSEARCH_URL:
    ENGINES["opensearch"] = _opensearch


@pytest.fixture(scope="session")
def analyzer() -> Analyzer:
    return Analyzer()


@pytest.fixture(params=sorted(ENGINES))
def engine(request: pytest.FixtureRequest, tmp_path: Path, analyzer: Analyzer) -> Iterator[Any]:
    made = ENGINES[request.param](tmp_path, analyzer)
    yield made
    drop = getattr(getattr(made, "admin", None), "drop", None)
    if callable(drop):
        drop()
    made.close()
