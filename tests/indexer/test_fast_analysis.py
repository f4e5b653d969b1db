"""The rebuild's worker processes produce exactly the documents the writer process would build."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import pytest
from rows import publish, take_down
from sqlalchemy.engine import Engine
from sqlmodel import Session

from indexer.documents import load_docs, searchable_ids
from indexer.engine import IndexDoc
from indexer.fast_analysis import Prepare, analyzed_batches, opensearch_sources, tantivy_documents
from indexer.opensearch_docs import entry_source
from indexer.tantivy_schema import DocBuilder
from records.clock import FixedClock
from search_api.settings import Settings


def _parsed(documents: list[Any]) -> list[Any]:
    return sorted(
        (_comparable(d) for d in documents), key=lambda d: orjson.dumps(d, option=orjson.OPT_SORT_KEYS)
    )


def _tantivy(analyzer: Any, doc: IndexDoc) -> list[Any]:
    return [DocBuilder(analyzer.index_tokens).documents(doc)]


def _opensearch(analyzer: Any, doc: IndexDoc) -> list[Any]:
    return [
        (doc.id, doc.version, doc.doc_type, orjson.dumps(entry_source(doc, analyzer.index_tokens)).decode())
    ]


def _comparable(item: Any) -> Any:
    """An entry's tantivy JSON documents, or an OpenSearch (id, version, doc_type, source JSON) tuple."""
    if isinstance(item, list):
        return [orjson.loads(document) for document in item]
    return [*item[:3], orjson.loads(item[3])]


PREPARES: dict[str, tuple[Prepare, Callable[[Any, IndexDoc], list[Any]]]] = {
    "tantivy": (tantivy_documents, _tantivy),
    "opensearch": (opensearch_sources, _opensearch),
}


@pytest.mark.parametrize("engine", sorted(PREPARES))
@pytest.mark.parametrize("processes", [1, 2])
def test_worker_documents_equal_the_in_process_ones(
    db: Engine, settings: Settings, analyzer: Any, clock: FixedClock, processes: int, engine: str
) -> None:
    prepare, in_process = PREPARES[engine]
    for i in range(7):
        qas = [(f"第{i}号居住证怎么办理？", "带身份证到窗口办理。", [f"{i}号居住证去哪办"])]
        publish(db, f"FA{i}", f"居住证申领第{i}号", qas=qas, interpretation="有效期十年，满十六周岁可办。")
    take_down(db, "FA3")
    with Session(db) as session:
        ids = searchable_ids(session, clock.today())
        expected = [
            item
            for doc in load_docs(session, ids, clock.today()).values()
            if doc is not None
            for item in in_process(analyzer, doc)
        ]
    batches = list(analyzed_batches(db, settings.dictionary_dir, ids, clock.today(), processes, prepare))
    assert sum(count for count, _ in batches) == len(ids) == 6
    assert _parsed([d for _, documents in batches for d in documents]) == _parsed(expected)
