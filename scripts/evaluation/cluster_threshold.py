"""The same-question probabilities the cluster engine gives labelled pairs, for its own threshold.

Why a threshold per engine: the model's weights are fitted once, on the embedded engine's features
(scripts/fit_same_question), but OpenSearch's BM25 over nested question documents scores candidates
on another scale, so the same probability cut flags a different share of pairs. Every q1 of a pair
family is indexed as one entry's question in a scratch OpenSearch index (deleted afterwards); each
q2 is asked through OpenSearchEngine.ask as /api/ask does, and the labelled q1's probability is kept
(None when it is not among the top ``size`` matches: the service could not flag it).
"""

from __future__ import annotations

import uuid

from analyzers.pipeline import Analyzer
from evaluation.ask_features import TODAY, index_questions
from evaluation.metrics import Probabilities


def pair_probabilities(
    pairs: dict[str, list[tuple[str, str]]], url: str, size: int = 5, analyzer: Analyzer | None = None
) -> Probabilities:
    from opensearchpy import OpenSearch

    from indexer.opensearch_engine import OpenSearchEngine

    analyzer = analyzer or Analyzer(poll_seconds=None)
    alias = f"fit-{uuid.uuid4().hex[:8]}"
    engine = OpenSearchEngine(url, analyzer, index_name=alias)
    try:
        ids = index_questions(engine, [q1 for rows in pairs.values() for q1, _ in rows])
        out: Probabilities = {}
        for kind, rows in pairs.items():
            out[kind] = []
            for q1, q2 in rows:
                matches = engine.ask(q2, TODAY, size=size)
                out[kind].append(next((m.probability for m in matches if m.entry_id == ids[q1]), None))
        return out
    finally:
        engine.close()
        client = OpenSearch(hosts=[url])
        client.indices.delete(index=f"{alias}-*", params={"ignore_unavailable": "true"})
        client.close()
