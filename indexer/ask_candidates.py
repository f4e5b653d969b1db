"""First stage of /api/ask on tantivy: BM25 candidates over the question documents, and their IDF.

Why its own module: the fitting script (scripts/fit_same_question) must see exactly the candidate
list and IDF that TantivyEngine.ask hands to indexer.same_question, so both call these functions.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import tantivy

from analyzers.types import AnalyzedQuery
from indexer import tantivy_query as tq
from indexer.engine import AskMatch
from indexer.same_question import Candidate

# Candidates re-ranked per ask: on LCQMC the re-ranked Recall@1/@5 are the same with 15, 20, 30
# or 50 (the labelled question is nearly always in BM25's top 15). Each candidate costs a stored
# document read, so take 20, or 4 per wanted match when more are asked for (entries with many
# similar questions fill several places before the per-entry merge).
ASK_CANDIDATES = 20
PER_MATCH = 4
QUESTION_FIELD = "qtext_t"


def candidate_query(
    schema: tantivy.Schema, analyzed: AnalyzedQuery, filters: list[tantivy.Query]
) -> tantivy.Query:
    """Any analysed group may match (a paraphrase shares only part of the words); BM25 sums the
    groups, so questions holding more — and rarer — of the words come first. As in search, intent
    words alone never make a match (护照怎么办 does not bring up 居住证怎么办理); on LCQMC this moved
    Recall@1 by at most 0.001 and no same-question accuracy."""
    groups = tq.group_queries(schema, analyzed, tq.QUESTION_FIELDS)
    subject = analyzed.subject_groups(tq.MAX_GROUPS)
    if subject:
        return tq.combine_required(filters, groups, subject, None)
    return tq.combine(filters, groups, 1)


AnswerRefs = dict[tuple[str, str], int]  # (entry id, question) -> number of its Q&A in the entry


def collect(
    searcher: tantivy.Searcher, query: tantivy.Query, size: int
) -> tuple[list[Candidate], AnswerRefs]:
    """(entry id, question, answer, bm25, stored tokens) of the best question documents for
    ``size`` matches, and where each one's answer is.

    Question documents name their answer (by number) on the entry document rather than storing
    it, so ``answer`` is "" here; ``with_answers`` reads it for the few matches returned."""
    limit = max(ASK_CANDIDATES, PER_MATCH * size)
    out: list[Candidate] = []
    refs: AnswerRefs = {}
    for score, address in searcher.search(query, limit=limit, count=False).hits:
        doc = searcher.doc(address)
        payload = json.loads(doc.get_first("payload") or b"{}")
        tokens = payload.get("tokens")
        entry_id, question = str(doc.get_first("id")), payload["question"]
        refs.setdefault((entry_id, question), int(payload.get("qa", 0)))
        out.append((entry_id, question, payload.get("answer", ""), score, tokens.split() if tokens else None))
    return out, refs


def with_answers(
    matches: list[AskMatch], refs: AnswerRefs, entry_payload: Callable[[str], dict[str, Any] | None]
) -> list[AskMatch]:
    """The matches with their answers, read from their entries' stored payloads (one per entry)."""
    out = []
    for match in matches:
        if not match.answer:
            payload = entry_payload(match.entry_id) or {}
            answers = payload.get("answers") or []
            number = refs.get((match.entry_id, match.question), 0)
            match = replace(match, answer=answers[number] if number < len(answers) else "")
        out.append(match)
    return out


def idf_lookup(searcher: tantivy.Searcher, total: int) -> Callable[[str], float]:
    """BM25's IDF over the question documents, memoised for one ask (the features ask for the
    same few dozen tokens hundreds of times)."""
    known: dict[str, float] = {}

    def idf(token: str) -> float:
        value = known.get(token)
        if value is None:
            df = searcher.doc_freq(QUESTION_FIELD, token)
            value = known[token] = math.log(1 + (total - df + 0.5) / (df + 0.5))
        return value

    return idf
