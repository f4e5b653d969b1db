"""The one search-engine interface and its value types.

Why a Protocol with plain dataclasses: the embedded tantivy engine and the cluster engine
(OpenSearch, next issue) must be interchangeable behind the API and the outbox worker, and the
contract suite in tests/contract runs the same assertions against each of them. Engines receive
fully built ``IndexDoc`` objects (the store is read once, by indexer.documents) and analyse text
with the same ``Analyzer``, so both produce the same tokens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol, runtime_checkable

DOC_TYPE_ENTRY = "entry"
DOC_TYPE_ANSWER = "answer"  # reserved for the question desk's own answers (same question model)

MAX_PAGE_SIZE = 50
MAX_PAGE = 100
MAX_QUERY_CHARS = 200  # analysis looks at this many characters of a pasted text


@dataclass(frozen=True)
class QA:
    question: str
    answer: str
    similar_questions: tuple[str, ...] = ()


@dataclass(frozen=True)
class IndexDoc:
    """Everything a hit needs, so the search path never touches the database."""

    id: str
    version: int
    title: str
    doc_type: str = DOC_TYPE_ENTRY
    department: str = ""
    region: str = ""
    region_path: tuple[str, ...] = ()  # names from the top: ("江苏省", "苏州市")
    category_path: tuple[str, ...] = ()
    theme: str = ""
    effective_from: date | None = None
    effective_to: date | None = None
    contact_phone: str = ""
    original_text: str = ""
    interpretation: str = ""
    keywords: tuple[str, ...] = ()
    qas: tuple[QA, ...] = ()


@dataclass(frozen=True)
class SearchRequest:
    q: str
    today: date
    region: str | None = None  # a name (苏州市) or a path (江苏省/苏州市)
    theme: str | None = None
    department: str | None = None
    category: str | None = None  # any level of the path, or the path itself
    page: int = 1
    size: int = 10


@dataclass(frozen=True)
class SearchHit:
    id: str
    title: str
    score: float
    region: str
    department: str
    theme: str
    highlight: dict[str, str]
    matched_question: str | None


@dataclass(frozen=True)
class SearchResult:
    query: str
    total: int
    took_ms: float
    hits: list[SearchHit]


@dataclass(frozen=True)
class AskMatch:
    entry_id: str
    question: str
    answer: str
    score: float
    same_question: bool
    probability: float = 0.0
    doc_type: str = DOC_TYPE_ENTRY


@dataclass(frozen=True)
class RelatedHit:
    id: str
    title: str
    score: float


@dataclass(frozen=True)
class EngineHealth:
    status: str  # "ok", "needs_reindex", "unavailable"
    engine: str
    documents: int
    analyzer_version: str | None = None
    index_analyzer_version: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "engine": self.engine,
            "documents": self.documents,
            "analyzer_version": self.analyzer_version,
            "index_analyzer_version": self.index_analyzer_version,
            **self.details,
        }


@dataclass(frozen=True)
class IndexOutcome:
    """What one ``index``/``delete`` call changed (replays and stale versions change nothing)."""

    applied: int = 0
    skipped: int = 0
    # (id, engine's reason) for documents the engine refused for good (mapping/parse errors);
    # the outbox worker dead-letters them instead of retrying forever. Tantivy never fills it.
    rejected: tuple[tuple[str, str], ...] = ()


@runtime_checkable
class SearchEngine(Protocol):
    name: str
    # True when queries are CPU work in this process (the embedded engine): the API then runs
    # them on the event loop. False when they wait on the network (a cluster): a thread pool.
    in_process: bool

    def index(self, docs: list[IndexDoc]) -> IndexOutcome:
        """Upsert; a doc whose version is <= the indexed (or deleted) version is skipped."""

    def delete(self, doc_ids: list[tuple[str, int]]) -> IndexOutcome:
        """Remove (id, version) pairs; a delete older than the indexed version is skipped."""

    def commit(self) -> None:
        """Make everything indexed/deleted so far visible to searches."""

    def search(self, request: SearchRequest) -> SearchResult: ...

    def ask(self, question: str, today: date, region: str | None = None, size: int = 5) -> list[AskMatch]: ...

    def related(self, entry_id: str, today: date, size: int = 3) -> list[RelatedHit] | None:
        """None when the entry itself is not searchable (the route answers 404)."""

    def suggest(self, prefix: str, today: date, size: int = 8) -> list[str]: ...

    def health(self) -> dict[str, Any]: ...

    def close(self) -> None: ...
