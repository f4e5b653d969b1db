"""The baselines printed next to the service: SQLite FTS5 trigram, plain-jieba BM25 and, for the
question pairs, character BM25 (the "plain BM25" that issue #3 quotes for LCQMC).

All index the same rows the service imports, leave expired entries out and apply the region rule
of RegionMap, so the only difference from the service is the text matching itself.
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from evaluation.datasets import entry_text
from evaluation.regions import RegionMap

CANDIDATES = 200
_WORD_RUNS = re.compile(r"\w+")


class Ranker(Protocol):
    name: str

    def search(self, query: str, region: str | None, k: int) -> list[str]: ...


@dataclass(frozen=True)
class Doc:
    id: str
    region: str
    text: str


def searchable_docs(rows: Iterable[dict[str, Any]], today: date) -> list[Doc]:
    """Rows that the service would index: the expired ones are dropped, as the service drops them."""
    docs = []
    for row in rows:
        to = row.get("effective_to")
        if to and date.fromisoformat(to) < today:
            continue
        docs.append(Doc(row["id"], row.get("region") or "", entry_text(row)))
    return docs


# --- FTS5 trigram -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FtsQuery:
    match: str | None  # an FTS5 MATCH expression of quoted trigrams, or None
    likes: tuple[str, ...]  # LIKE patterns for runs shorter than a trigram


def fts_query(text: str) -> FtsQuery:
    """Render user text as an FTS5 expression that cannot be read as syntax.

    Why trigrams, each quoted: FTS5 treats AND/OR/NOT/NEAR, *, ^, ( and : as operators, and a
    quoted string is always a literal ("" escapes a quote). Splitting on non-word characters drops
    punctuation and emoji; each word run is cut into its overlapping 3-character pieces (the trigram
    tokenizer cannot match less), OR-ed so bm25 rewards entries sharing more of them. Runs of one or
    two characters (common in Chinese keywords: 医保, 补办) fall back to LIKE; single characters only
    when nothing longer is left, since one character matches almost everything.
    """
    runs = _WORD_RUNS.findall(text.lower())
    trigrams = {run[i : i + 3]: None for run in runs for i in range(len(run) - 2)}
    short = [run for run in runs if len(run) == 2] or ([] if trigrams else [r for r in runs if len(r) == 1])
    likes = tuple(dict.fromkeys("%" + re.sub(r"([\\%_])", r"\\\1", run) + "%" for run in short))
    match = " OR ".join('"' + t.replace('"', '""') + '"' for t in trigrams) or None
    return FtsQuery(match, likes)


class Fts5Trigram:
    name = "FTS5 trigram"

    def __init__(self, docs: list[Doc], regions: RegionMap) -> None:
        self.regions = regions
        self.region_names = sorted({d.region for d in docs})
        self.db = sqlite3.connect(":memory:")
        self.db.execute(
            "CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, region UNINDEXED, body, tokenize='trigram')"
        )
        self.db.executemany("INSERT INTO docs VALUES (?, ?, ?)", [(d.id, d.region, d.text) for d in docs])

    def _region_clause(self, region: str | None) -> tuple[str, list[str]]:
        if region is None:
            return "", []
        names = sorted(self.regions.allowed_names(self.region_names, region)) or ["\x00"]
        return f" AND region IN ({','.join('?' * len(names))})", names

    def search(self, query: str, region: str | None, k: int) -> list[str]:
        parsed = fts_query(query)
        clause, params = self._region_clause(region)
        scores: dict[str, float] = {}
        if parsed.match:
            rows = self.db.execute(
                f"SELECT id, bm25(docs) FROM docs WHERE docs MATCH ?{clause} ORDER BY bm25(docs) LIMIT ?",
                [parsed.match, *params, CANDIDATES],
            ).fetchall()
            best = max((-score for _, score in rows), default=0.0) or 1.0
            scores = {doc_id: -score / best for doc_id, score in rows}
        for pattern in parsed.likes:
            sql = f"SELECT id FROM docs WHERE body LIKE ? ESCAPE '\\'{clause} LIMIT ?"
            for (doc_id,) in self.db.execute(sql, [pattern, *params, CANDIDATES]):
                scores[doc_id] = scores.get(doc_id, 0.0) + 1.0
        return [doc_id for doc_id, _ in sorted(scores.items(), key=lambda item: -item[1])[:k]]


# --- plain BM25 over jieba words or single characters ---------------------------------------------


def jieba_tokenizer() -> Callable[[str], list[str]]:
    """jieba with only its default dictionary: a fresh Tokenizer, untouched by the project's user dict."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()

    def tokenize(text: str) -> list[str]:
        return [t for t in tokenizer.lcut(text.lower()) if _WORD_RUNS.fullmatch(t)]

    return tokenize


def character_tokenizer() -> Callable[[str], list[str]]:
    """Every letter, digit or Chinese character on its own: no dictionary, no word boundaries."""
    return lambda text: [c for run in _WORD_RUNS.findall(text.lower()) for c in run]


class BM25:
    """Okapi BM25 (k1 1.2, b 0.75) over the tokens of ``make_tokenizer``, with no boosts, synonyms
    or typo recovery: what the service's analysis and ranking are measured against."""

    name = "BM25"
    make_tokenizer: Callable[[], Callable[[str], list[str]]] = staticmethod(jieba_tokenizer)

    def __init__(self, docs: list[Doc], regions: RegionMap, k1: float = 1.2, b: float = 0.75) -> None:
        self.tokenize = self.make_tokenizer()
        self.regions = regions
        self.k1, self.b = k1, b
        self.ids = [d.id for d in docs]
        self.doc_regions = [d.region for d in docs]
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.lengths: list[int] = []
        for index, doc in enumerate(docs):
            tokens = self.tokenize(doc.text)
            self.lengths.append(len(tokens))
            for term, tf in Counter(tokens).items():
                self.postings[term].append((index, tf))
        self.avg_length = sum(self.lengths) / max(len(self.lengths), 1)

    def _idf(self, term: str) -> float:
        df = len(self.postings.get(term, ()))
        return math.log(1 + (len(self.ids) - df + 0.5) / (df + 0.5))

    def search(self, query: str, region: str | None, k: int) -> list[str]:
        allowed = None if region is None else self.regions.allowed_names(set(self.doc_regions), region)
        scores: dict[int, float] = defaultdict(float)
        for term in dict.fromkeys(self.tokenize(query)):
            idf = self._idf(term)
            for index, tf in self.postings.get(term, ()):
                if allowed is not None and self.doc_regions[index] not in allowed:
                    continue
                norm = self.k1 * (1 - self.b + self.b * self.lengths[index] / self.avg_length)
                scores[index] += idf * tf * (self.k1 + 1) / (tf + norm)
        ranked = sorted(scores.items(), key=lambda item: -item[1])[:k]
        return [self.ids[index] for index, _ in ranked]


class JiebaBM25(BM25):
    name = "jieba BM25"
    make_tokenizer = staticmethod(jieba_tokenizer)


class CharacterBM25(BM25):
    name = "character BM25"
    make_tokenizer = staticmethod(character_tokenizer)
