"""Published desk answers in the search index (doc_type "answer").

The first test indexes what records.desk.index_docs builds into a real tantivy engine of its own
and asks it, so the document shape is checked against the engine whatever the outbox worker does.
The second is the end-to-end promise (searchable after publication, gone after withdrawal); it
needs the indexer's outbox worker to drain doc_type "answer" rows with load_answer_docs.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

from sqlmodel import Session

from analyzers.pipeline import Analyzer
from indexer.documents import load_docs, searchable_ids
from indexer.engine import SearchRequest
from indexer.tantivy_engine import TantivyEngine
from records.desk.index_docs import load_answer_docs, published_numbers
from records.models import Role
from tests.desk.conftest import FOUR, DeskEnv, submit

TEXT = "苏州居住证签注逾期了还能补签吗？"
SEARCH_WAIT_SECONDS = 10.0  # generous: speed is measured by scripts/bench, not asserted here


def _publish(env: DeskEnv, text: str) -> tuple[str, dict[str, str]]:
    manager = env.staff(Role.manager)
    police = env.staff(Role.specialist, "苏州市公安局")
    number = submit(env.client, text, region="苏州市")["number"]
    env.client.post(f"/api/questions/{number}/route", json={"department": "苏州市公安局"}, headers=manager)
    env.client.post(f"/api/questions/{number}/answers", json=FOUR, headers=police)
    response = env.client.post(
        f"/api/questions/{number}/review", json={"decision": "publish"}, headers=manager
    )
    assert response.status_code == 200, response.text
    return number, manager


def test_answer_documents_are_found_by_ask_search_and_related(env: DeskEnv, tmp_path: Path):
    number, manager = _publish(env, TEXT)
    unpublished = submit(env.client, "苏州居住证能异地签注吗？")["number"]
    today = date(2026, 6, 1)
    with Session(env.db) as session:
        answers = load_answer_docs(session, [number, unpublished], today)
        assert number in published_numbers(session) and unpublished not in published_numbers(session)
        entries = load_docs(session, searchable_ids(session, today), today)
    assert answers[unpublished] is None
    doc = answers[number]
    assert doc is not None and doc.doc_type == "answer" and doc.department == "苏州市公安局"
    assert doc.qas[0].question == TEXT and doc.original_text == FOUR["basis"]

    engine = TantivyEngine(tmp_path / "index", Analyzer(), writable=True)
    try:
        engine.index([d for d in entries.values() if d is not None] + [doc])
        engine.commit()
        asked = engine.ask(TEXT, today, "江苏省/苏州市", 5)
        assert asked[0].entry_id == number and asked[0].same_question
        hits = engine.search(SearchRequest(q="居住证签注逾期", today=today)).hits
        assert number in [h.id for h in hits]
        related = engine.related(number, today, 10)
        assert related is not None and len([r for r in related if not r.id.startswith("Q")]) >= 3
    finally:
        engine.close()


def test_published_answer_is_searchable_and_leaves_when_withdrawn(env: DeskEnv):
    text = "苏州居住证签注可以让家人代办吗？"
    number, manager = _publish(env, text)

    def found() -> bool:
        matches = env.client.post("/api/ask", json={"question": text}).json()["matches"]
        return any(m["entry_id"] == number for m in matches)

    deadline = time.monotonic() + SEARCH_WAIT_SECONDS
    while not found() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert found()
    env.client.post(f"/api/questions/{number}/withdraw", json={"reason": "政策调整"}, headers=manager)
    deadline = time.monotonic() + SEARCH_WAIT_SECONDS
    while found() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not found()
