"""Citizen side: one sentence, optional region and contact, refusals, and "this answered me"."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from records.clock import FixedClock
from records.desk.models import DeskQuestion
from records.migrate import upgrade
from records.models import Role
from search_api.settings import Settings
from tests.desk.conftest import FOUR, DeskEnv, submit


def _count(env: DeskEnv) -> int:
    with Session(env.db) as session:
        return session.exec(select(func.count()).select_from(DeskQuestion)).one()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "question_missing"),
        ({"text": ""}, "question_empty"),
        ({"text": "   \n\t "}, "question_empty"),
        ({"text": "  怎么办 "}, "question_too_short"),
        ({"text": "问" * 501}, "question_too_long"),
        ({"text": "居住证怎么\x00办理"}, "question_control_chars"),
        ({"text": "居住证怎么\n办理呢"}, "question_control_chars"),
        ({"text": "居住证\u200b怎么办理"}, "question_control_chars"),
        ({"text": 12345}, "validation_failed"),
        ({"text": "居住证怎么办理", "contact": "打电话给我"}, "contact_invalid"),
        ({"text": "居住证怎么办理", "contact": "12"}, "contact_invalid"),
        ({"text": "居住证怎么办理", "contact": "someone@"}, "contact_invalid"),
        ({"text": "居住证怎么办理", "region": "火星市"}, "region_unknown"),
    ],
)
def test_bad_submissions_are_422_and_store_nothing(env: DeskEnv, body: dict[str, Any], code: str):
    before = _count(env)
    response = env.client.post("/api/questions", json=body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"])  # a Chinese message
    assert _count(env) == before


@pytest.mark.parametrize(
    ("text", "stored"),
    [("  身份证丢了 ", "身份证丢了"), ("问" * 500, "问" * 500), ("居住证怎么办\t", "居住证怎么办")],
)
def test_length_limits_apply_after_trimming(env: DeskEnv, text: str, stored: str):
    assert _as_asker(env, submit(env.client, text))["text"] == stored


@pytest.mark.parametrize("contact", ["13912345678", "0512-65225661", "someone@example.com.cn", None, ""])
def test_valid_contacts_are_kept_private(env: DeskEnv, contact: str | None):
    number = submit(env.client, "苏州居住证签注怎么办？", contact=contact)["number"]
    public = env.client.get(f"/api/questions/{number}")
    assert "contact" not in public.json()
    if contact:
        assert contact not in public.text
    staff = env.client.get(f"/api/desk/questions/{number}", headers=env.staff(Role.manager)).json()
    assert staff["contact"] == (contact or None)


def test_html_is_stored_and_returned_as_text(env: DeskEnv):
    text = "<script>alert('x')</script><b>居住证</b>怎么办？"
    submitted = submit(env.client, text)
    headers = {"X-Citizen-Token": submitted["citizen_token"]}
    response = env.client.get(f"/api/questions/{submitted['number']}", headers=headers)
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["text"] == text


def test_region_by_name_or_path(env: DeskEnv):
    for region in ("苏州市", "江苏省/苏州市"):
        assert (
            _as_asker(env, submit(env.client, "苏州居住证签注怎么办？", region=region))["region"] == "苏州市"
        )


@pytest.mark.parametrize("token", [None, "someone-elses-token"])
def test_unpublished_words_are_shown_only_to_the_asker(env: DeskEnv, token: str | None):
    submitted = submit(env.client, "我家住在某某小区三栋，居住证怎么办？", region="苏州市")
    headers = {"X-Citizen-Token": token} if token else {}
    page = env.client.get(f"/api/questions/{submitted['number']}", headers=headers).json()
    assert (page["state"], page["text"], page["region"]) == ("received", None, None)
    assert _as_asker(env, submitted)["text"] == "我家住在某某小区三栋，居住证怎么办？"


def test_published_question_is_public(env: DeskEnv):
    number = _publish_answer(env, "苏州居住证签注要本人去吗？")
    page = env.client.get(f"/api/questions/{number}").json()
    assert (page["text"], page["region"]) == ("苏州居住证签注要本人去吗？", "苏州市")


def _as_asker(env: DeskEnv, submitted: dict[str, Any]) -> dict[str, Any]:
    headers = {"X-Citizen-Token": submitted["citizen_token"]}
    response = env.client.get(f"/api/questions/{submitted['number']}", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _publish_answer(env: DeskEnv, text: str) -> str:
    manager = env.staff(Role.manager)
    police = env.staff(Role.specialist, "苏州市公安局")
    number = submit(env.client, text, region="苏州市")["number"]
    env.client.post(f"/api/questions/{number}/route", json={"department": "苏州市公安局"}, headers=manager)
    env.client.post(f"/api/questions/{number}/answers", json=FOUR, headers=police)
    env.client.post(f"/api/questions/{number}/review", json={"decision": "publish"}, headers=manager)
    return number


@pytest.mark.parametrize("kind", ["entry", "answer"])
def test_resolved_by_an_existing_answer_closes_and_counts(env: DeskEnv, kind: str):
    before = env.client.get("/api/questions/stats").json()
    doc_id = "DEMO-020" if kind == "entry" else _publish_answer(env, "苏州的居住证有效期多久？")
    asked = submit(env.client, "外地人在苏州怎么办居住证？", region="苏州市")
    number, token = asked["number"], asked["citizen_token"]
    url = f"/api/questions/{number}/resolved-by"

    wrong = env.client.post(url, json={"doc_id": doc_id, "citizen_token": "guess"})
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (403, "citizen_token_invalid")
    unknown = env.client.post(url, json={"doc_id": "NOPE-1", "citizen_token": token})
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (422, "answer_ref_unknown")
    done = env.client.post(url, json={"doc_id": doc_id, "citizen_token": token})
    assert done.status_code == 200, done.text
    assert (done.json()["state"], done.json()["resolved_by"]) == ("resolved_by_existing", doc_id)
    again = env.client.post(url, json={"doc_id": doc_id, "citizen_token": token})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "question_not_open")

    after = env.client.get("/api/questions/stats").json()
    assert after["resolved_by_existing"] == before["resolved_by_existing"] + 1
    route = env.client.post(f"/api/questions/{number}/route", json={}, headers=env.staff(Role.manager))
    assert route.status_code == 409  # closed without department work


def test_a_question_cannot_be_resolved_by_itself_or_an_unpublished_one(env: DeskEnv):
    first = submit(env.client, "苏州居住证能不能代办？")
    second = submit(env.client, "苏州居住证代办需要什么？")
    for doc_id in (first["number"], second["number"]):
        response = env.client.post(
            f"/api/questions/{first['number']}/resolved-by",
            json={"doc_id": doc_id, "citizen_token": first["citizen_token"]},
        )
        assert response.status_code == 422


@pytest.fixture
def bare_client(settings: Settings, app: FastAPI) -> Iterator[TestClient]:
    """An app over an empty migrated store with the default limit (5 questions a minute)."""
    upgrade(settings.effective_database_url)
    with TestClient(app) as client:
        yield client


def test_a_burst_is_limited_with_retry_after(bare_client: TestClient, clock: FixedClock, settings: Settings):
    assert settings.question_rate_per_minute == 5
    numbers = [submit(bare_client, f"第{i}个问题怎么办理")["number"] for i in range(5)]
    assert numbers == [f"Q20260601{i:05d}" for i in range(1, 6)]
    sixth = {"text": "第六个问题怎么办理"}
    limited = bare_client.post("/api/questions", json=sixth)
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "60"
    assert limited.json()["error"]["code"] == "question_rate_limited"
    clock.advance(seconds=45)
    assert bare_client.post("/api/questions", json=sixth).headers["retry-after"] == "15"
    clock.advance(seconds=16)
    assert submit(bare_client, "第六个问题怎么办理")["number"] == "Q2026060100006"
    clock.advance(days=1)
    assert submit(bare_client, "第二天的问题怎么办")["number"] == "Q2026060200001"


def test_with_nothing_indexed_a_question_is_still_accepted(bare_client: TestClient):
    body = submit(bare_client, "居住证怎么办理？")
    assert body["state"] == "received" and body["matches"] == []
