"""Related entries: other matters a reader of one entry is likely to need next.

Why the dedupe: regional copies of one matter (苏州市/无锡市 居住证申领) and versions of it share a
normalized title, so without it the three slots fill with one matter. Same-region entries are
preferred; when fewer than three distinct matters are relevant, the slots are filled with
duplicates and then with any other live entries, so there are always three when three exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from tantivy import Occur, Query

from analyzers.types import AnalyzedQuery, QueryTerm
from indexer import tantivy_query as tq
from indexer.engine import RelatedHit
from indexer.tantivy_schema import KIND_ENTRY, yyyymmdd

if TYPE_CHECKING:
    from indexer.tantivy_engine import TantivyEngine

RELATED_FIELDS = {"title_t": 3.0, "question_t": 1.5, "keywords_t": 1.5, "category_t": 1.0}
SAME_REGION = 1.5
NEAR_REGION = 1.2
MAX_TERMS = 24
RELATED_CANDIDATES = 20


def find_related(engine: TantivyEngine, entry_id: str, today: date, size: int = 3) -> list[RelatedHit] | None:
    schema = engine.schema
    live = tq.live_filter(schema, KIND_ENTRY, yyyymmdd(today))
    searcher = engine.searcher()
    source = engine.entry_payload(searcher, entry_id, live)
    if source is None:
        return None
    analyzed = source_terms(engine.analyzer, source)
    groups = tq.group_queries(schema, analyzed, RELATED_FIELDS)
    scored = tq.combine(live, groups or [Query.all_query()], None)
    query = Query.boolean_query([(Occur.Must, tq.exclude(scored, schema, entry_id))])
    candidates = []
    for score, address in searcher.search(query, limit=RELATED_CANDIDATES, count=False).hits:
        candidates.append((score, engine._payload(searcher, address)))
    picked = pick_related(source, candidates, size)
    if len(picked) < size:
        rest = tq.exclude(tq.combine(live, [Query.all_query()], None), schema, entry_id)
        found = searcher.search(rest, limit=size + len(picked) + 1, count=False).hits
        fill_related(picked, (engine._payload(searcher, address) for _, address in found), size)
    return picked


def source_terms(analyzer: Any, source: dict[str, Any]) -> AnalyzedQuery:
    """The entry's own title and question words, each a group of its own (the related query)."""
    tokens: list[str] = []
    for text in (source["title"], *source["questions"]):
        tokens.extend(analyzer.index_tokens(text))
    unique = list(dict.fromkeys(tokens))[:MAX_TERMS]
    return AnalyzedQuery("", tuple(QueryTerm(t, i) for i, t in enumerate(unique)))


def fill_related(picked: list[RelatedHit], others: Iterable[dict[str, Any]], size: int) -> None:
    """Top up with any other live entries so there are ``size`` when ``size`` exist."""
    for payload in others:
        if len(picked) < size and all(p.id != payload["id"] for p in picked):
            picked.append(RelatedHit(payload["id"], payload["title"], 0.0))


def pick_related(
    source: dict[str, Any], candidates: list[tuple[float, dict[str, Any]]], size: int
) -> list[RelatedHit]:
    """Engine-independent choice among scored candidate payloads: region first, other matters
    before regional copies of the same one (both engines call this)."""
    weighted = [
        (score * _region_factor(source.get("region_path", []), payload.get("region_path", [])), payload)
        for score, payload in candidates
    ]
    weighted.sort(key=lambda c: -c[0])
    picked: list[RelatedHit] = []
    seen_keys = {source["key"]}
    for allow_same_matter in (False, True):
        for score, payload in weighted:
            if len(picked) >= size:
                return picked
            if any(p.id == payload["id"] for p in picked):
                continue
            if not allow_same_matter and payload["key"] in seen_keys:
                continue
            seen_keys.add(payload["key"])
            picked.append(RelatedHit(payload["id"], payload["title"], round(score, 4)))
    return picked


def _region_factor(source: list[str], other: list[str]) -> float:
    if source == other:
        return SAME_REGION
    shorter = min(len(source), len(other))
    return NEAR_REGION if source[:shorter] == other[:shorter] else 1.0
