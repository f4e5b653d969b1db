"""The desk's use of the search engine: 问一查多 matches, routing signals, 3 related entries.

Why every call is guarded: a citizen's question must be accepted even when the engine is down
or still building (the desk is the fallback when search fails), so engine failures turn into
"no matches" here and are logged, never into a lost submission.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from records.desk.routing import Match

log = logging.getLogger(__name__)

ASK_SIZE = 5
ROUTING_SEARCH_SIZE = 5
RELATED_SIZE = 3
RELATED_POOL = 10  # the engine may return desk answers too; ask for more and keep entries
SEARCH_WEIGHT = 0.3
MIN_ASK_WEIGHT = 0.05
DESK_NUMBER = re.compile(r"^Q\d{13}$")


def is_desk_number(doc_id: str) -> bool:
    return bool(DESK_NUMBER.match(doc_id))


@dataclass(frozen=True)
class Related:
    id: str
    title: str


def ask(engine: Any, text: str, today: date, region_path: str | None) -> list[dict[str, Any]] | None:
    """Existing answers to the same question (entries' Q&A and published desk answers); None: engine down."""
    if engine is None:
        return None
    try:
        matches = engine.ask(text, today, region_path, ASK_SIZE)
    except Exception:  # noqa: BLE001 - a broken engine must not lose the citizen's question
        log.exception("desk: ask failed")
        return None
    return [
        {
            "doc_id": m.entry_id,
            "doc_type": "answer" if is_desk_number(m.entry_id) else "entry",
            "question": m.question,
            "answer": m.answer,
            "score": m.score,
            "same_question": m.same_question,
            "probability": getattr(m, "probability", 0.0),
        }
        for m in matches
    ]


def routing_matches(
    engine: Any, text: str, today: date, region_path: str | None, asked: list[dict[str, Any]] | None
) -> list[Match]:
    """Weighted documents for the routing suggestion: ask matches, then plain search hits."""
    found: list[Match] = [
        Match(m["doc_id"], max(float(m["probability"]), MIN_ASK_WEIGHT)) for m in asked or []
    ]
    if engine is None:
        return found
    try:
        from indexer.engine import SearchRequest

        request = SearchRequest(q=text, today=today, region=region_path, size=ROUTING_SEARCH_SIZE)
        result = engine.search(request)
    except Exception:  # noqa: BLE001 - routing still works from the text alone
        log.exception("desk: routing search failed")
        return found
    found.extend(Match(hit.id, SEARCH_WEIGHT / (rank + 1)) for rank, hit in enumerate(result.hits))
    return found


def related_entries(
    engine: Any, number: str, text: str, today: date, region_path: str | None
) -> list[Related]:
    """Exactly three related published entries when three exist, the question's region first.

    The engine's own ``related`` (distinct matters, live only) is used once the answer is in the
    index; before that, a search for the question text — in its region, then anywhere — stands in.
    """
    if engine is None:
        return []
    picked: list[Related] = []
    try:
        hits = engine.related(number, today, RELATED_POOL)
        if hits:
            picked = [Related(h.id, h.title) for h in hits if not is_desk_number(h.id)]
        if len(picked) < RELATED_SIZE:
            picked = _merge(picked, _searched(engine, text, today, region_path))
    except Exception:  # noqa: BLE001 - a page without related entries beats no page
        log.exception("desk: related failed")
    return picked[:RELATED_SIZE]


def _searched(engine: Any, text: str, today: date, region_path: str | None) -> list[Related]:
    from indexer.engine import SearchRequest
    from indexer.textutil import dedupe_key

    ranked: list[tuple[str, Related]] = []
    for region in dict.fromkeys((region_path, None)):
        result = engine.search(SearchRequest(q=text, today=today, region=region, size=RELATED_POOL))
        ranked.extend((dedupe_key(h.title, (h.region,)), Related(h.id, h.title)) for h in result.hits)
    distinct: list[Related] = []
    duplicates: list[Related] = []
    keys: set[str] = set()
    for key, item in ranked:
        if is_desk_number(item.id) or any(r.id == item.id for r in distinct + duplicates):
            continue
        (duplicates if key in keys else distinct).append(item)
        keys.add(key)
    return distinct + duplicates


def _merge(first: list[Related], more: list[Related]) -> list[Related]:
    out = list(first)
    for item in more:
        if all(r.id != item.id for r in out):
            out.append(item)
    return out
