"""The whole desk path over HTTP: submit → matches → route → answer (四要素) → review → publish →
public page with 3 related entries → standard entry draft; with the 403/409/422 refusals on the way."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, col, select

from records.desk.models import DeskQuestion, QuestionState
from records.models import (
    AuditLog,
    Entry,
    EntryStatus,
    EntryVersion,
    Outbox,
    OutboxOp,
    QAPair,
    Role,
    VersionState,
)
from tests.desk.conftest import FOUR, DeskEnv, submit

QUESTION = "在苏州市办理居住证需要满足什么条件？"


def _audit_actions(env: DeskEnv, number: str) -> list[tuple[str, str | None, str | None]]:
    with Session(env.db) as session:
        rows = session.exec(
            select(AuditLog)
            .where(AuditLog.object_type == "question", AuditLog.object_id == number)
            .order_by(col(AuditLog.id))
        )
        return [(r.action, r.from_state, r.to_state) for r in rows]


def _state(env: DeskEnv, number: str) -> str:
    with Session(env.db) as session:
        return session.exec(select(DeskQuestion.state).where(DeskQuestion.number == number)).one()


def _queue(env: DeskEnv, headers: dict[str, str]) -> list[str]:
    return [q["number"] for q in env.client.get("/api/desk/queue", headers=headers).json()["questions"]]


def _routed(env: DeskEnv, manager: dict[str, str], text: str = QUESTION) -> str:
    number = submit(env.client, text, region="苏州市")["number"]
    response = env.client.post(f"/api/questions/{number}/route", json={}, headers=manager)
    assert response.status_code == 200, response.text
    return number


def test_the_whole_path(env: DeskEnv):
    client = env.client
    manager = env.staff(Role.manager)
    police = env.staff(Role.specialist, "苏州市公安局")

    submitted = submit(client, QUESTION, region="苏州市", contact="13912345678")
    number = submitted["number"]
    assert submitted["state"] == "received"
    assert submitted["matches_available"] is True
    assert any(m["doc_id"] == "DEMO-020" for m in submitted["matches"])  # 外地人在苏州市怎么办居住证
    for match in submitted["matches"]:
        assert isinstance(match["same_question"], bool) and match["doc_type"] == "entry"

    staff_view = client.get(f"/api/desk/questions/{number}", headers=manager).json()
    assert staff_view["suggested_department"] == "苏州市公安局"
    assert staff_view["suggested_category"] == "公安/户政管理/居住证办理"
    assert staff_view["contact"] == "13912345678"

    routed = client.post(f"/api/questions/{number}/route", json={}, headers=manager).json()
    assert (routed["state"], routed["department"]) == ("routed", "苏州市公安局")
    assert routed["due_at"] == "2026-06-03T00:00:00+08:00"  # end of Tuesday, the next working day

    queue = client.get("/api/desk/queue", headers=police).json()["questions"]
    assert number in [q["number"] for q in queue]

    answered = client.post(f"/api/questions/{number}/answers", json=FOUR, headers=police)
    assert answered.status_code == 201, answered.text
    assert answered.json()["state"] == "answered"

    refused = client.post(f"/api/questions/{number}/review", json={"decision": "return"}, headers=manager)
    assert (refused.status_code, refused.json()["error"]["code"]) == (422, "reason_required")
    back = {"decision": "return", "reason": "请补充办理地点"}
    returned = client.post(f"/api/questions/{number}/review", json=back, headers=manager).json()
    assert returned["state"] == "returned"
    assert returned["answers"][0]["return_reason"] == "请补充办理地点"
    assert client.get(f"/api/questions/{number}").json()["answer"] is None  # nothing public yet

    better = {**FOUR, "answer": FOUR["answer"] + "办理地点为居住地派出所或社区警务室。"}
    assert client.post(f"/api/questions/{number}/answers", json=better, headers=police).status_code == 201
    published = client.post(f"/api/questions/{number}/review", json={"decision": "publish"}, headers=manager)
    assert published.status_code == 200, published.text
    assert published.json()["state"] == "published"

    page = client.get(f"/api/questions/{number}").json()
    assert page["answer"] == {k: better[k] for k in ("basis", "answer", "phone", "signature")}
    assert page["department"] == "苏州市公安局"
    assert "contact" not in page and "13912345678" not in str(page)
    related_ids = [r["id"] for r in page["related"]]
    assert len(related_ids) == 3 and len(set(related_ids)) == 3
    with Session(env.db) as session:
        statuses = session.exec(select(Entry.status).where(col(Entry.public_id).in_(related_ids))).all()
        assert statuses == [EntryStatus.published] * 3
        outbox = session.exec(select(Outbox).where(Outbox.doc_id == number)).all()
        assert [(o.doc_type, o.op.value) for o in outbox] == [("answer", "upsert")]

    converted = client.post(f"/api/questions/{number}/to-entry", headers=manager)
    assert converted.status_code == 201, converted.text
    entry_id = converted.json()["entry_id"]
    with Session(env.db) as session:
        entry = session.exec(select(Entry).where(Entry.public_id == entry_id)).one()
        version = session.exec(select(EntryVersion).where(EntryVersion.entry_id == entry.id)).one()
        qa = session.exec(select(QAPair).where(QAPair.version_id == version.id)).one()
    assert entry.source_question_no == number and entry.status == EntryStatus.unpublished
    assert version.state == VersionState.draft
    assert (version.title, version.original_text) == (QUESTION, FOUR["basis"])
    assert version.contact_phone == FOUR["phone"]
    assert (qa.question, qa.answer) == (QUESTION, better["answer"])
    again = client.post(f"/api/questions/{number}/to-entry", headers=manager)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "question_already_converted")

    assert _audit_actions(env, number) == [
        ("submit", None, "received"),
        ("suggest_route", "received", "received"),
        ("route", "received", "routed"),
        ("answer", "routed", "answered"),
        ("return", "answered", "returned"),
        ("answer", "returned", "answered"),
        ("publish", "answered", "published"),
        ("to_entry", "published", "published"),
    ]


def test_reroute_to_another_department_is_audited_and_moves_the_queue(env: DeskEnv):
    manager = env.staff(Role.manager)
    number = _routed(env, manager)
    response = env.client.post(
        f"/api/questions/{number}/route",
        json={"department": "苏州市教育局", "category": "教育/基础教育/随迁子女入学", "reason": "子女入学"},
        headers=manager,
    )
    assert response.json()["department"] == "苏州市教育局"
    education = env.staff(Role.specialist, "苏州市教育局")
    police = env.staff(Role.specialist, "苏州市公安局")
    assert number in _queue(env, education)
    assert number not in _queue(env, police)
    last = _audit_actions(env, number)[-1]
    assert last == ("reroute", "routed", "routed")


@pytest.mark.parametrize(
    ("role", "department", "status", "code"),
    [
        (Role.specialist, "苏州市教育局", 403, "question_other_department"),
        (Role.specialist, "无锡市公安局", 403, "question_other_department"),
        (Role.agent, None, 403, "role_forbidden"),
        (Role.manager, None, 403, "role_forbidden"),
        (Role.dept_reviewer, "苏州市公安局", 403, "role_forbidden"),
    ],
)
def test_only_a_specialist_of_the_routed_department_answers(
    env: DeskEnv, role: Role, department: str | None, status: int, code: str
):
    number = _routed(env, env.staff(Role.manager))
    headers = env.staff(role, department)
    response = env.client.post(f"/api/questions/{number}/answers", json=FOUR, headers=headers)
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    assert _state(env, number) == QuestionState.routed


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({}, ["basis", "answer", "phone", "signature"]),
        ({**FOUR, "basis": "   "}, ["basis"]),
        ({**FOUR, "answer": "", "signature": None}, ["answer", "signature"]),
        ({**FOUR, "phone": "随时来电"}, ["phone"]),
        ({**FOUR, "answer": "可以\x00办理"}, ["answer"]),
    ],
)
def test_missing_or_bad_elements_are_named_each(env: DeskEnv, body: dict[str, Any], named: list[str]):
    number = _routed(env, env.staff(Role.manager))
    police = env.staff(Role.specialist, "苏州市公安局")
    response = env.client.post(f"/api/questions/{number}/answers", json=body, headers=police)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "answer_elements_invalid"
    assert [d["field"] for d in error["details"]] == named
    assert all(d["element"] in error["message"] for d in error["details"])
    assert _state(env, number) == QuestionState.routed


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("route", {}),
        ("review", {"decision": "publish"}),
        ("withdraw", {"reason": "x"}),
        ("to-entry", None),
    ],
)
def test_staff_actions_need_a_manager(env: DeskEnv, path: str, body: dict[str, Any] | None):
    number = submit(env.client, "苏州市居住证签注怎么办理？")["number"]
    for headers, status in ((None, 401), (env.staff(Role.specialist, "苏州市公安局"), 403)):
        response = env.client.post(f"/api/questions/{number}/{path}", json=body, headers=headers)
        assert response.status_code == status


@pytest.mark.parametrize(
    ("path", "body", "code"),
    [
        ("review", {"decision": "publish"}, "question_state_conflict"),
        ("withdraw", {"reason": "测试"}, "question_state_conflict"),
        ("to-entry", None, "question_state_conflict"),
    ],
)
def test_steps_out_of_order_are_conflicts(env: DeskEnv, path: str, body: dict[str, Any] | None, code: str):
    manager = env.staff(Role.manager)
    number = _routed(env, manager)
    response = env.client.post(f"/api/questions/{number}/{path}", json=body, headers=manager)
    assert (response.status_code, response.json()["error"]["code"]) == (409, code)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"department": "不存在的局"}, "department_unknown"),
        ({"department": True}, "validation_failed"),  # not department id 1
        ({"category": True}, "validation_failed"),
        ({"department": 2**64}, "invalid_value"),  # past any database integer
    ],
)
def test_route_to_an_unknown_department_changes_nothing(env: DeskEnv, body: dict[str, Any], code: str):
    manager = env.staff(Role.manager)
    number = submit(env.client, "苏州市居住证丢了怎么补办？")["number"]
    response = env.client.post(f"/api/questions/{number}/route", json=body, headers=manager)
    assert (response.status_code, response.json()["error"]["code"]) == (422, code)
    assert env.client.get(f"/api/questions/{number}").json()["state"] == "received"


def test_withdrawn_answer_leaves_the_public_page(env: DeskEnv):
    manager = env.staff(Role.manager)
    police = env.staff(Role.specialist, "苏州市公安局")
    number = _routed(env, manager, "苏州市居住证可以在网上办理吗？")
    env.client.post(f"/api/questions/{number}/answers", json=FOUR, headers=police)
    env.client.post(f"/api/questions/{number}/review", json={"decision": "publish"}, headers=manager)
    assert env.client.get(f"/api/questions/{number}").json()["answer"] is not None
    missing_reason = env.client.post(f"/api/questions/{number}/withdraw", json={}, headers=manager)
    assert missing_reason.status_code == 422
    body = {"reason": "政策调整"}
    response = env.client.post(f"/api/questions/{number}/withdraw", json=body, headers=manager)
    assert response.json()["state"] == "withdrawn"
    page = env.client.get(f"/api/questions/{number}").json()
    assert (page["state"], page["answer"], page["related"]) == ("withdrawn", None, [])
    with Session(env.db) as session:
        ops = session.exec(select(Outbox.op).where(Outbox.doc_id == number).order_by(col(Outbox.seq))).all()
    assert ops == [OutboxOp.upsert, OutboxOp.delete]


def test_unknown_question_is_404(env: DeskEnv):
    response = env.client.get("/api/questions/Q2026060199999")
    assert (response.status_code, response.json()["error"]["code"]) == (404, "question_not_found")


def test_two_managers_reviewing_at_once_cannot_both_succeed(env: DeskEnv):
    """Both read the answered question; the first publishes; the second's return is a 409 and
    leaves no audit row, no returned answer and no state behind."""
    from records.desk.submission import get_question
    from records.desk.workflow import current_answer, review_answer
    from records.errors import Conflict
    from records.models import User

    manager = env.staff(Role.manager)
    number = _routed(env, manager)
    police = env.staff(Role.specialist, "苏州市公安局")
    assert env.client.post(f"/api/questions/{number}/answers", json=FOUR, headers=police).status_code == 201
    env.staff(Role.manager)
    with Session(env.db, expire_on_commit=False) as first, Session(env.db, expire_on_commit=False) as second:
        managers = second.exec(
            select(User).where(User.role == Role.manager).order_by(col(User.id).desc())
        ).all()
        late, early = managers[0], managers[1]
        stale = get_question(second, number)
        answer = current_answer(second, stale)  # read (and held) before the other manager acts
        assert answer is not None
        review_answer(first, get_question(first, number), manager=early, decision="publish", reason=None,
                      clock=env.clock)  # fmt: skip
        first.commit()
        with pytest.raises(Conflict) as refused:
            review_answer(second, stale, manager=late, decision="return", reason="请补充", clock=env.clock)
        second.rollback()
    assert refused.value.code == "stale_version"
    assert _state(env, number) == "published"
    assert [a for a, _, _ in _audit_actions(env, number)][-2:] == ["answer", "publish"]


def test_the_asker_is_audited_as_a_citizen_not_the_system(env: DeskEnv):
    number = submit(env.client, "苏州市居住证到期了怎么续签？", region="苏州市")["number"]
    with Session(env.db) as session:
        rows = session.exec(
            select(AuditLog.action, AuditLog.actor_name)
            .where(AuditLog.object_type == "question", AuditLog.object_id == number)
            .order_by(col(AuditLog.id))
        ).all()
    assert [tuple(r) for r in rows] == [("submit", "citizen"), ("suggest_route", "system")]
