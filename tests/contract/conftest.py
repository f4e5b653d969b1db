"""The engine contract suite runs against every engine in ENGINES (add "opensearch" with one line)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from analyzers.pipeline import Analyzer
from indexer.tantivy_engine import TantivyEngine


def _tantivy(tmp_path: Path, analyzer: Analyzer) -> Any:
    return TantivyEngine(tmp_path / "index", analyzer, writable=True)


ENGINES: dict[str, Callable[[Path, Analyzer], Any]] = {
    "tantivy": _tantivy,
}


@pytest.fixture(scope="session")
def analyzer() -> Analyzer:
    return Analyzer()


@pytest.fixture(params=sorted(ENGINES))
def engine(request: pytest.FixtureRequest, tmp_path: Path, analyzer: Analyzer) -> Iterator[Any]:
    made = ENGINES[request.param](tmp_path, analyzer)
    yield made
    made.close()
