"""Runs query sets through a ranker (the HTTP API or a baseline) and scores them per query kind."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from evaluation.datasets import Query
from evaluation.metrics import EntryFacts, PairScores, Scores, count_leaks
from evaluation.regions import RegionMap

ALL = "all"
SERVICE = "热线百科"  # how the service itself is named in the tables, next to the baselines
SearchFn = Callable[[str, str | None, int], list[str]]


@dataclass
class ApiSearch:
    """GET /api/search as a ranker; non-200 answers count as empty rankings and are tallied."""

    client: TestClient
    name: str = SERVICE
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


PAIR_ASK_SIZE = 5
# Asked for beyond the 5 that are scored, so that setting copies of the asked text aside can
# still show the labelled question at rank <= 5.
PAIR_ASK_SPARE = 5
_NOT_TEXT = re.compile(r"[\W_]+", re.UNICODE)


def same_text(text: str) -> str:
    """The text up to punctuation, spaces, width and case (NFKC): what counts as "identical"."""
    return _NOT_TEXT.sub("", unicodedata.normalize("NFKC", text)).casefold()


def find_target(
    matches: Sequence[Mapping[str, Any]], target: str, q1: str, q2: str
) -> tuple[int | None, bool, int | None, bool]:
    """(strict rank, its same_question flag, rank with the asked text set aside, copies seen).

    Strict: the labelled q1's entry among the first 5 matches. Set aside: matches whose text is
    identical (same_text) to the asked q2 under another id are skipped, and one identical to q1
    under another id counts as q1; nothing else is merged.
    """
    rank, same = None, False
    for position, match in enumerate(matches[:PAIR_ASK_SIZE], start=1):
        if match.get("entry_id") == target:
            rank, same = position, bool(match.get("same_question"))
            break
    asked, labelled = same_text(q2), same_text(q1)
    aside, copies, position = None, False, 0
    for match in matches:
        is_target = match.get("entry_id") == target
        text = same_text(str(match.get("question", "")))
        if not is_target and text == asked and asked != labelled:
            copies = True
            continue
        position += 1
        if position > PAIR_ASK_SIZE:
            break
        if is_target or text == labelled:
            copies = copies or not is_target
            aside = position
            break
    return rank, same, aside, copies


AskFn = Callable[[str, int], list[dict[str, Any]]]  # (question, size) -> matches as /api/ask gives them


def api_ask(client: TestClient) -> AskFn:
    """POST /api/ask; a non-200 answer counts as no matches."""

    def ask(question: str, size: int) -> list[dict[str, Any]]:
        response = client.post("/api/ask", json={"question": question, "size": size})
        return response.json().get("matches", []) if response.status_code == 200 else []

    return ask


def ranker_ask(search: SearchFn, questions: Mapping[str, str]) -> AskFn:
    """A baseline ranker over the questions (entry id -> its question) answering like /api/ask,
    without a same-question flag, so the same recall rules apply to it."""

    def ask(question: str, size: int) -> list[dict[str, Any]]:
        return [{"entry_id": i, "question": questions[i]} for i in search(question, None, size)]

    return ask


def ask_pairs(ask: AskFn, pairs: Sequence[tuple[str, str]], ids: Mapping[str, str]) -> PairScores:
    """Ask with each q2 as a user would (size 5); find its q1's entry among the matches (rank, and
    the same_question flag). Only when a copy of q2 is among them is q2 asked again with spare
    places, for the rank with the asked text set aside."""
    scores = PairScores()
    for row, (q1, q2) in enumerate(pairs):
        matches = ask(q2, PAIR_ASK_SIZE)
        rank, same, aside, copies = find_target(matches, ids[q1], q1, q2)
        if copies and aside is None:
            _, _, aside, _ = find_target(ask(q2, PAIR_ASK_SIZE + PAIR_ASK_SPARE), ids[q1], q1, q2)
        scores.add(rank, same, aside, copies, odd=row % 2 == 1)
    return scores
