"""Runs query sets through a ranker (the HTTP API or a baseline) and scores them per query kind."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from evaluation.datasets import Query
from evaluation.metrics import EntryFacts, PairScores, Scores, count_leaks
from evaluation.regions import RegionMap

ALL = "all"
SearchFn = Callable[[str, str | None, int], list[str]]


@dataclass
class ApiSearch:
    """GET /api/search as a ranker; non-200 answers count as empty rankings and are tallied."""

    client: TestClient
    name: str = "热线百科"
    errors: dict[int, int] = field(default_factory=dict)

    def search(self, query: str, region: str | None, k: int) -> list[str]:
        params: dict[str, Any] = {"q": query, "size": k}
        if region:
            params["region"] = region
        response = self.client.get("/api/search", params=params)
        if response.status_code != 200:
            self.errors[response.status_code] = self.errors.get(response.status_code, 0) + 1
            return []
        return [hit["id"] for hit in response.json()["hits"]]


def score_queries(
    search: SearchFn,
    queries: Sequence[Query],
    facts: Mapping[str, EntryFacts],
    today: date,
    regions: RegionMap,
) -> dict[str, Scores]:
    """Scores overall (key "all") and per kind, in first-seen kind order."""
    groups: dict[str, Scores] = {ALL: Scores()}
    for query in queries:
        ranking = search(query.text, query.region, 10)
        leaks = count_leaks(ranking, facts, query.region, today, regions.allowed)
        for key in (ALL, query.kind):
            groups.setdefault(key, Scores()).add(query.qid, ranking, query.relevant, leaks)
    return groups


def ask_pairs(client: TestClient, pairs: Sequence[tuple[str, str]], ids: Mapping[str, str]) -> PairScores:
    """Ask with each q2; find its q1's entry among the matches (rank, and the same_question flag)."""
    scores = PairScores()
    for q1, q2 in pairs:
        response = client.post("/api/ask", json={"question": q2, "size": 5})
        matches = response.json().get("matches", []) if response.status_code == 200 else []
        target = ids[q1]
        rank, same = None, False
        for position, match in enumerate(matches, start=1):
            if match.get("entry_id") == target:
                rank, same = position, bool(match.get("same_question"))
                break
        scores.add(rank, same)
    return scores
