"""Programmatic tantivy queries from an AnalyzedQuery (never tantivy's query parser on user text).

Scoring model: each analysed group (one position of the user's query) is an OR of its
alternatives; each alternative is a disjunction-max over the weighted fields (so a token found
in the title and the body counts mainly once, at the better field, with a small tie-breaker),
boosted by the QueryTerm's weight. Groups are combined with a minimum-should-match so most
words must appear; the engine retries with 1 when that finds nothing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import tantivy
from tantivy import Occur, Query

from analyzers.types import AnalyzedQuery, QueryTerm
from indexer.tantivy_schema import ALL_FIELD, KIND_ENTRY, KIND_QUESTION, SEARCH_FIELDS

SEARCH_FIELDS_WIDE = {**SEARCH_FIELDS, ALL_FIELD: 0.5}

MAX_GROUPS = 16
FIELD_TIE_BREAKER = 0.3


def _filter(query: Query) -> Query:
    return Query.const_score_query(query, 0.0)


COVERAGE_BONUS = 16.0  # per matched group x relative IDF: cover more of the query, rarer words first


def coverage_weights(
    schema: tantivy.Schema, searcher: tantivy.Searcher, analyzed: AnalyzedQuery, total: int
) -> list[tuple[Query, float]]:
    """Per-group (presence query, bonus); the bonus scales with the rarity of the group's word."""
    out = []
    for group in analyzed.groups()[:MAX_GROUPS]:
        df = searcher.doc_freq(ALL_FIELD, group[0].text)
        bonus = COVERAGE_BONUS * math.log(1 + (total - df + 0.5) / (df + 0.5)) / math.log(1 + total)
        out.append((any_term(schema, ALL_FIELD, [term.text for term in group]), bonus))
    return out


def any_term(schema: tantivy.Schema, field: str, texts: Sequence[str]) -> Query:
    """Documents holding any of ``texts`` in ``field``, as term queries rather than a term set.

    Why: tantivy answers a term-set query by filling a bitset over every document of the segment
    (1.1 M with the question documents) before the first seek; term queries seek their posting
    lists. Same documents, measured at 100k entries: search CPU 6.1 -> 4.5 ms with the filter
    change below."""
    unique = list(dict.fromkeys(texts))
    if len(unique) == 1:
        return Query.term_query(schema, field, unique[0], index_option="basic")
    return Query.boolean_query(
        [(Occur.Should, Query.term_query(schema, field, text, index_option="basic")) for text in unique]
    )


def minimum_should_match(groups: int) -> int:
    """Any group may match: the IDF-scaled coverage bonus ranks documents holding more (and rarer)
    query words first, which on the dev set beat requiring a share of the words (chatty colloquial
    questions carry many words no entry uses). Kept as a function so engines share the rule."""
    return min(groups, 1)


def term_across_fields(schema: tantivy.Schema, term: QueryTerm, fields: dict[str, float]) -> Query:
    per_field = [
        Query.boost_query(Query.term_query(schema, name, term.text, index_option="freq"), boost)
        for name, boost in fields.items()
    ]
    return Query.boost_query(Query.disjunction_max_query(per_field, FIELD_TIE_BREAKER), term.weight)


def group_queries(schema: tantivy.Schema, analyzed: AnalyzedQuery, fields: dict[str, float]) -> list[Query]:
    groups = analyzed.groups()[:MAX_GROUPS]
    out = []
    for group in groups:
        alternatives = [term_across_fields(schema, term, fields) for term in group]
        out.append(
            alternatives[0]
            if len(alternatives) == 1
            else Query.boolean_query([(Occur.Should, q) for q in alternatives])
        )
    return out


# Common-words first pass (after Lucene's CommonTermsQuery): at 100k entries a query matches a
# third of the index, mostly through words found in a fifth or more of the entries (办理, a city),
# and scoring every such document was most of a search's CPU. When a query also has rarer words,
# only documents holding one of those are candidates; the common words still add their score
# (and coverage bonus) to them. Measured on 400 bench queries at 100k entries: tantivy time
# -25%, the same top 10 in the same order for 399. Small indexes skip it (nothing to gain, and
# every word is "common" in a handful of entries).
COMMON_SHARE = 0.2
COMMON_MIN_DOCS = 20_000


def common_groups(
    searcher: tantivy.Searcher, analyzed: AnalyzedQuery, fields: dict[str, float], total: int
) -> list[bool]:
    """Per group: does some alternative of it occur in more than COMMON_SHARE of the entries?

    Empty (no split) for small indexes or when the groups are all rare or all common."""
    if total < COMMON_MIN_DOCS:
        return []
    limit = COMMON_SHARE * total
    common = [
        any(searcher.doc_freq(name, term.text) > limit for term in group for name in fields)
        for group in analyzed.groups()[:MAX_GROUPS]
    ]
    return common if any(common) and not all(common) else []


def combine_required(
    musts: list[Query],
    shoulds: list[Query],
    required: list[bool],
    coverage: list[tuple[Query, float]] | None,
    optional_bonus: bool = True,
) -> Query:
    """``combine`` where only the ``required`` groups make a document a candidate; the others add
    their BM25 score (and, with ``optional_bonus``, their coverage bonus) when they match.

    Scores are those of ``combine`` over the same candidates: each group is evaluated once, not
    again as a filter (a separate filter clause cost 16 % more tantivy time on the bench mix)."""
    clauses: list[tuple[Occur, Query]] = [(Occur.Must, _filter(q)) for q in musts]
    needed = [(Occur.Should, q) for q, keep in zip(shoulds, required, strict=True) if keep]
    clauses.append((Occur.Must, Query.boolean_query(needed)))
    clauses.extend((Occur.Should, q) for q, keep in zip(shoulds, required, strict=True) if not keep)
    clauses.extend(
        (Occur.Should, Query.const_score_query(q, value))
        for (q, value), keep in zip(coverage or [], required, strict=coverage is not None)
        if keep or optional_bonus
    )
    return Query.boolean_query(clauses)


def combine_discriminating(
    musts: list[Query], shoulds: list[Query], rare: list[bool], coverage: list[tuple[Query, float]]
) -> Query:
    """Only the rare groups make a document a candidate (see COMMON_SHARE).

    The common groups keep their BM25 score but give no coverage bonus: their presence test
    walked the all-words postings of nearly every entry (a common word is in the answers or
    original text of most of them) to add a bonus near the same for all. Measured on 500 bench
    queries at 100k entries: tantivy time -27 %; the same top hit for 492, the others a
    same-matter entry of another place."""
    return combine_required(musts, shoulds, rare, coverage, optional_bonus=False)


def kind_filter(schema: tantivy.Schema, kind: str) -> Query:
    return Query.term_query(schema, "kind", kind)


def region_filter(schema: tantivy.Schema, path: Sequence[str]) -> Query:
    """Entries in the region or below it (region_anc has the path), or of a level above it."""
    full = "/".join(path)
    ancestors = ["/".join(path[: i + 1]) for i in range(len(path) - 1)]
    clauses = [(Occur.Should, Query.term_query(schema, "region_anc", full))]
    if ancestors:
        clauses.append((Occur.Should, any_term(schema, "region_self", ancestors)))
    return Query.boolean_query(clauses)


def live_filter(schema: tantivy.Schema, kind: str, today: int) -> list[Query]:
    return [kind_filter(schema, kind), unexpired(schema, today)]


def unexpired(schema: tantivy.Schema, today: int) -> Query:
    return Query.range_query(schema, "eff_to", tantivy.FieldType.Integer, today, None)


def expired(schema: tantivy.Schema, kind: str, today: int) -> Query:
    """Documents of ``kind`` that ended before ``today`` (normally none: the worker removes them)."""
    return Query.boolean_query(
        [
            (Occur.Must, kind_filter(schema, kind)),
            (Occur.Must, Query.range_query(schema, "eff_to", tantivy.FieldType.Integer, 1, today - 1)),
        ]
    )


def combine(
    musts: list[Query],
    shoulds: list[Query],
    minimum: int | None,
    bonus: list[Query] | None = None,
    coverage: list[tuple[Query, float]] | None = None,
) -> Query:
    """Filters (no score) + scored groups (with minimum-should-match) + optional bonus clauses.

    ``coverage``: (presence query, constant) per group, added when the group matches, so
    documents that cover more of the query — especially its rarer words — rank first."""
    clauses: list[tuple[Occur, Query]] = [(Occur.Must, _filter(q)) for q in musts]
    scored = Query.boolean_query([(Occur.Should, q) for q in shoulds], minimum or None)
    clauses.append((Occur.Must, scored))
    if coverage and len(shoulds) > 1:
        clauses.extend((Occur.Should, Query.const_score_query(q, value)) for q, value in coverage)
    for extra in bonus or []:
        clauses.append((Occur.Should, extra))
    return Query.boolean_query(clauses)


def exclude(query: Query, schema: tantivy.Schema, doc_id: str) -> Query:
    return Query.boolean_query([(Occur.Must, query), (Occur.MustNot, Query.term_query(schema, "id", doc_id))])


QUESTION_FIELDS = {"qtext_t": 1.0}
__all__ = ["KIND_ENTRY", "KIND_QUESTION", "QUESTION_FIELDS", "SEARCH_FIELDS"]
