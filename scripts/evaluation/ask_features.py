"""The same-question model's features for labelled pairs, taken exactly as /api/ask sees them.

Every q1 of a pair family is indexed as one entry's question in a throwaway tantivy index; each q2
is asked through the engine's own candidate query (indexer.ask_candidates) and scored by
indexer.same_question, and the labelled q1's feature values are kept when it is among the top
``size`` matches (otherwise the service could not flag it: the pair counts as "not same").
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from analyzers.pipeline import Analyzer
from indexer import ask_candidates as ac
from indexer import same_question as sq
from indexer.engine import QA, IndexDoc, SearchEngine
from indexer.tantivy_engine import TantivyEngine
from indexer.tantivy_schema import KIND_QUESTION

TODAY = date(2026, 6, 1)
REGION = ("江苏省",)
BATCH = 1000


@dataclass(frozen=True)
class PairFeatures:
    label: int  # 1: same question (pos file), 0: a negative file
    values: dict[str, float] | None  # the q1's features, None when q1 is not in the top matches
    q1: str
    q2: str
    target: str  # the q1's entry id
    ranked: list[sq.Scored]  # every re-ranked candidate, for fitting the ranker


def index_questions(engine: SearchEngine, questions: Sequence[str]) -> dict[str, str]:
    """Each distinct question as one entry's only question, into ``engine`` (either engine);
    returns question -> entry id."""
    ids: dict[str, str] = {}
    for question in questions:
        ids.setdefault(question, f"P{len(ids) + 1:06d}")
    docs = [
        IndexDoc(id=doc_id, version=1, title=text[:100], region=REGION[0], region_path=REGION,
                 category_path=("综合", "咨询", "其他咨询"), qas=(QA(text, text),))
        for text, doc_id in ids.items()
    ]  # fmt: skip
    for start in range(0, len(docs), BATCH):
        engine.index(docs[start : start + BATCH])
    engine.commit()
    return ids


def build_engine(
    questions: Sequence[str], root: Path, analyzer: Analyzer
) -> tuple[TantivyEngine, dict[str, str]]:
    engine = TantivyEngine(root, analyzer, writable=True)
    return engine, index_questions(engine, questions)


def scored(engine: TantivyEngine, question: str, size: int) -> list[sq.Scored]:
    """What TantivyEngine.ask re-ranks, before it keeps the best ``size`` entries."""
    text = question[:200]
    analyzed = engine.analyzer.analyze_query(text)
    if analyzed.is_empty:
        return []
    searcher = engine.searcher()
    query = ac.candidate_query(engine.schema, analyzed, engine._scoped(KIND_QUESTION, TODAY, None))
    idf = ac.idf_lookup(searcher, engine._question_total(searcher))
    candidates, _ = ac.collect(searcher, query, size)
    return sq.score_candidates(engine.analyzer, text, analyzed, candidates, idf, size)


def pair_features(
    pairs: dict[str, list[tuple[str, str]]], size: int = 5, analyzer: Analyzer | None = None
) -> dict[str, list[PairFeatures]]:
    """kind (pos/neg/neg_hard) -> features of each pair's q1, in file order."""
    analyzer = analyzer or Analyzer(poll_seconds=None)
    questions = [q1 for rows in pairs.values() for q1, _ in rows]
    with tempfile.TemporaryDirectory(prefix="hotline-fit-") as tmp:
        engine, ids = build_engine(questions, Path(tmp), analyzer)
        try:
            out: dict[str, list[PairFeatures]] = {}
            for kind, rows in pairs.items():
                label = int(kind == "pos")
                out[kind] = []
                for q1, q2 in rows:
                    ranked = scored(engine, q2, size)
                    top = sq.best_per_entry(ranked, size)
                    found = next((s.values for s in top if s.entry_id == ids[q1]), None)
                    out[kind].append(PairFeatures(label, found, q1, q2, ids[q1], ranked))
            return out
        finally:
            engine.close()
