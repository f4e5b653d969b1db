"""OpenSearch query DSL built programmatically from an AnalyzedQuery (never query_string on user text).

The scoring model is the embedded engine's (indexer/tantivy_query.py), clause for clause: each
analysed group is an OR of its alternatives; each alternative is a dis_max over the weighted
fields (tie-breaker 0.3) boosted by the term's weight; any group may match; an IDF-scaled
constant bonus per matched group on the all-words field ranks documents covering more (and
rarer) query words first. Lucene's and tantivy's BM25 agree in scale (measured: ask scores of
the same questions within ~5%), so the constant bonus and the ask model (fitted on tantivy's
absolute scores) carry over unchanged; BM25_SCALE stays 1.0 and exists to make that explicit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from typing import Any

from analyzers.types import AnalyzedQuery, QueryTerm
from indexer.opensearch_docs import KIND_ENTRY
from indexer.tantivy_query import COVERAGE_BONUS, FIELD_TIE_BREAKER, MAX_GROUPS, minimum_should_match
from indexer.tantivy_schema import ALL_FIELD, SEARCH_FIELDS

BM25_SCALE = 1.0
SEARCH_FIELDS_WIDE = {**SEARCH_FIELDS, ALL_FIELD: 0.5}
QUESTION_FIELD = "qs.tokens"

Query = dict[str, Any]


def term(field: str, value: str, boost: float = 1.0) -> Query:
    return {"term": {field: {"value": value, "boost": boost}}}


def term_across_fields(query_term: QueryTerm, fields: dict[str, float]) -> Query:
    per_field = [term(name, query_term.text, boost) for name, boost in fields.items()]
    return {"dis_max": {"queries": per_field, "tie_breaker": FIELD_TIE_BREAKER, "boost": query_term.weight}}


def group_queries(analyzed: AnalyzedQuery, fields: dict[str, float]) -> list[Query]:
    out = []
    for group in analyzed.groups()[:MAX_GROUPS]:
        alternatives = [term_across_fields(t, fields) for t in group]
        out.append(alternatives[0] if len(alternatives) == 1 else {"bool": {"should": alternatives}})
    return out


def first_tokens(analyzed: AnalyzedQuery) -> list[str]:
    """The token whose rarity sizes each group's coverage bonus (the group's typed word)."""
    return [group[0].text for group in analyzed.groups()[:MAX_GROUPS]]


def coverage(analyzed: AnalyzedQuery, doc_freq: dict[str, int], total: int) -> list[Query]:
    """Per group, a constant bonus when the entry holds any of its alternatives anywhere."""
    out = []
    for group in analyzed.groups()[:MAX_GROUPS]:
        df = doc_freq.get(group[0].text, 0)
        bonus = COVERAGE_BONUS * math.log(1 + (total - df + 0.5) / (df + 0.5)) / math.log(1 + total)
        present = {"terms": {ALL_FIELD: [t.text for t in group]}}
        out.append({"constant_score": {"filter": present, "boost": max(bonus, 0.0)}})
    return out


def live_filter(today: date) -> list[Query]:
    return [{"term": {"kind": KIND_ENTRY}}, {"range": {"eff_to": {"gte": today.isoformat()}}}]


def region_filter(path: Sequence[str]) -> Query:
    """Entries in the region or below it, or of a level above it (the contract's region rule)."""
    full = "/".join(path)
    ancestors = ["/".join(path[: i + 1]) for i in range(len(path) - 1)]
    should: list[Query] = [{"term": {"region_anc": full}}]
    if ancestors:
        should.append({"terms": {"region_self": ancestors}})
    return {"bool": {"should": should, "minimum_should_match": 1}}


def scored(groups: list[Query], minimum: int | None) -> Query:
    body: dict[str, Any] = {"should": groups, "boost": BM25_SCALE}
    body["minimum_should_match"] = minimum or 1
    return {"bool": body}


def combine(filters: list[Query], groups: list[Query], bonus: list[Query] | None = None) -> Query:
    """Filters (no score) + the scored groups (any may match) + optional bonus clauses."""
    query: dict[str, Any] = {"filter": filters, "must": [scored(groups, minimum_should_match(len(groups)))]}
    if bonus and len(groups) > 1:
        query["should"] = bonus
    return {"bool": query}


def subject_filters(filters: list[Query], groups: list[Query], analyzed: AnalyzedQuery) -> list[Query]:
    """``filters``, plus "one of the groups naming the matter matches" when the query also holds
    intent words (AnalyzedQuery.subject_groups; tantivy makes those groups the required clause)."""
    subject = analyzed.subject_groups(MAX_GROUPS)
    if subject is None:
        return filters
    names = [q for q, keep in zip(groups, subject, strict=True) if keep]
    return [*filters, {"bool": {"should": names, "minimum_should_match": 1}}]


def exclude(query: Query, doc_id: str) -> Query:
    return {"bool": {"must": [query], "must_not": [{"term": {"id": doc_id}}]}}


def ask_query(analyzed: AnalyzedQuery, filters: list[Query], inner_size: int) -> Query:
    """Entries with a matching nested question; inner hits carry each question's own BM25 score.
    As in search, intent words alone never make a question match (subject_filters)."""
    groups = group_queries(analyzed, {QUESTION_FIELD: 1.0})
    nested = {
        "nested": {
            "path": "qs",
            "score_mode": "max",
            "query": {"bool": {"must": [scored(groups, 1)], "filter": subject_filters([], groups, analyzed)}},
            "inner_hits": {"size": inner_size, "_source": ["qs.tokens", "qs.show"]},
        }
    }
    return {"bool": {"filter": filters, "must": [nested]}}


__all__ = [
    "BM25_SCALE",
    "QUESTION_FIELD",
    "SEARCH_FIELDS",
    "SEARCH_FIELDS_WIDE",
    "ask_query",
    "combine",
    "coverage",
    "exclude",
    "first_tokens",
    "group_queries",
    "live_filter",
    "region_filter",
    "subject_filters",
]
