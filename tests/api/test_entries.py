"""Entry endpoints over real HTTP: staff editing and review, locking, audit, the public page, errors."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from stacks import TestStack

from records.clock import FixedClock
from records.db import make_engine
from records.expiry import expire_due
from records.migrate import upgrade
from records.models import Department, Entry, EntryStatus, EntryVersion, Outbox, OutboxOp, Role, User
from records.reference import ensure_department, find_region
from search_api.app import create_app
from search_api.security import create_access_token
from search_api.settings import Settings

START = datetime(2026, 6, 1, 2, 0, 0)
_ids = itertools.count(1)


@dataclass
class Env:
    settings: Settings
    clock: FixedClock
    client: TestClient
    db: Engine


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, test_stack: TestStack) -> Iterator[Env]:
    """One migrated store and running app per module (starting the app costs about a second)."""
    data_dir = tmp_path_factory.mktemp("entries") / "data"
    data_dir.mkdir()
    with test_stack.scoped(
        data_dir, indexer_poll_seconds=0.05, secret_key="entries-tests-secret-key-with-32-bytes-or-more"
    ) as settings:
        yield from _env(settings, data_dir)


def _env(settings: Settings, data_dir: Path) -> Iterator[Env]:
    upgrade(settings.effective_database_url)
    db = make_engine(settings.effective_database_url)
    with Session(db) as session:
        for name, region in (("苏州市公安局", "苏州市"), ("南京市公安局", "南京市")):
            ensure_department(session, name, find_region(session, region))
        session.commit()
    clock = FixedClock(START)
    with TestClient(create_app(settings, clock=clock)) as client:
        yield Env(settings, clock, client, db)
    db.dispose()
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
def client(env: Env) -> Iterator[TestClient]:
    env.clock.set(START)
    yield env.client
    env.clock.set(START)


@pytest.fixture
def headers(env: Env) -> Callable[..., dict[str, str]]:
    """headers(role, department=None) -> Authorization header of a new user."""

    def _make(role: Role, department: str | None = None) -> dict[str, str]:
        with Session(env.db, expire_on_commit=False) as session:
            dept_id = None
            if department:
                dept_id = session.exec(select(Department.id).where(Department.name == department)).one()
            user = User(
                username=f"u{next(_ids)}-{role.value}", password_hash="x", role=role, department_id=dept_id
            )
            session.add(user)
            session.commit()
        assert user.id is not None
        token = create_access_token(user.id, env.settings.secret_key, env.settings.token_ttl_minutes)
        return {"Authorization": f"Bearer {token}"}

    return _make


@pytest.fixture
def staff(headers: Callable[..., dict[str, str]]) -> dict[str, dict[str, str]]:
    return {
        "specialist": headers(Role.specialist, "苏州市公安局"),
        "reviewer": headers(Role.dept_reviewer, "苏州市公安局"),
        "manager": headers(Role.manager),
        "nanjing": headers(Role.specialist, "南京市公安局"),
        "agent": headers(Role.agent),
    }


def body(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "居民身份证补领",
        "region": "苏州市",
        "category": ["公安", "户政管理", "居民身份证补领"],
        "theme": "居民身份证",
        "effective_from": "2025-01-01",
        "contact_phone": "0512-12345678",
        "original_text": "居民身份证丢失的，应当申请补领。",
        "interpretation": "身份证丢了去派出所补。",
        "qas": [
            {
                "question": "身份证丢了怎么办？",
                "answer": "到派出所补领。",
                "similar_questions": ["身份证掉了"],
            }
        ],
        "keywords": ["身份证"],
    }
    data.update(overrides)
    return data


def create(client: TestClient, who: dict[str, str], **overrides: Any) -> dict[str, Any]:
    resp = client.post("/api/staff/entries", json=body(**overrides), headers=who)
    assert resp.status_code == 201, resp.text
    return resp.json()


def act(
    client: TestClient, who: dict[str, str], entry: dict[str, Any], action: str, reason: str | None = None
) -> Any:
    return client.post(
        f"/api/staff/entries/{entry['id']}/{action}",
        json={"lock_version": entry["lock_version"], "reason": reason},
        headers=who,
    )


def publish(client: TestClient, staff: dict[str, dict[str, str]], **overrides: Any) -> dict[str, Any]:
    entry = create(client, staff["specialist"], **overrides)
    for who, action in (("specialist", "submit"), ("reviewer", "dept-approve"), ("manager", "publish")):
        resp = act(client, staff[who], entry, action)
        assert resp.status_code == 200, resp.text
        entry = resp.json()
    return entry


def test_create_get_and_list(client: TestClient, staff: dict[str, dict[str, str]]) -> None:
    entry = create(client, staff["specialist"], title="临时居民身份证办理")
    assert entry["status"] == "unpublished" and entry["lock_version"] == 1 and entry["live"] is None
    assert entry["department"] == "苏州市公安局"
    working = entry["working"]
    assert working["state"] == "draft" and working["region_path"] == ["江苏省", "苏州市"]
    assert working["qas"][0]["similar_questions"] == ["身份证掉了"]
    got = client.get(f"/api/staff/entries/{entry['id']}", headers=staff["agent"]).json()
    assert got["working"]["title"] == "临时居民身份证办理"
    listed = client.get(
        "/api/staff/entries", params={"q": "临时居民", "state": "draft"}, headers=staff["manager"]
    )
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["data"]] == [entry["id"]] and listed.json()["count"] == 1
    paged = client.get(
        "/api/staff/entries", params={"department": "苏州市公安局", "size": 1}, headers=staff["manager"]
    )
    assert paged.json()["count"] >= 1 and len(paged.json()["data"]) == 1


def test_review_and_public_page(client: TestClient, staff: dict[str, dict[str, str]]) -> None:
    draft = create(client, staff["specialist"])
    assert client.get(f"/api/entries/{draft['id']}").status_code == 404  # drafts are not public
    entry = draft
    for who, action in (("specialist", "submit"), ("reviewer", "dept-approve")):
        entry = act(client, staff[who], entry, action).json()
        assert client.get(f"/api/entries/{draft['id']}").status_code == 404
    entry = act(client, staff["manager"], entry, "publish").json()
    assert entry["status"] == "published" and entry["live"]["state"] == "published"
    page = client.get(f"/api/entries/{draft['id']}")
    assert page.status_code == 200
    data = page.json()
    assert data["id"] == draft["id"] and data["title"] == "居民身份证补领"
    assert data["department"] == "苏州市公安局" and data["region_path"] == ["江苏省", "苏州市"]
    assert data["category"] == ["公安", "户政管理", "居民身份证补领"] and data["theme"] == "居民身份证"
    assert data["original_text"] and data["interpretation"] and data["qas"][0]["answer"] == "到派出所补领。"
    assert "return_reason" not in data and "state" not in data
    audit = client.get(f"/api/staff/entries/{draft['id']}/audit", headers=staff["manager"]).json()
    assert [row["action"] for row in audit["data"]] == ["create", "submit", "dept_approve", "publish"]


def test_new_version_keeps_public_page_until_published(
    client: TestClient, staff: dict[str, dict[str, str]]
) -> None:
    entry = publish(client, staff)
    entry = act(client, staff["specialist"], entry, "new-version").json()
    edit = client.put(
        f"/api/staff/entries/{entry['id']}",
        json={**body(title="居民身份证补领（新版）"), "lock_version": entry["lock_version"]},
        headers=staff["specialist"],
    )
    assert edit.status_code == 200, edit.text
    assert client.get(f"/api/entries/{entry['id']}").json()["title"] == "居民身份证补领"
    entry = edit.json()
    for who, action in (("specialist", "submit"), ("reviewer", "dept-approve"), ("manager", "publish")):
        entry = act(client, staff[who], entry, action).json()
    assert client.get(f"/api/entries/{entry['id']}").json()["title"] == "居民身份证补领（新版）"
    assert [v["state"] for v in entry["versions"]] == ["superseded", "published"]


def test_takedown_flow(client: TestClient, staff: dict[str, dict[str, str]]) -> None:
    entry = publish(client, staff)
    refused = act(client, staff["specialist"], entry, "request-takedown")
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "reason_required"
    entry = act(client, staff["specialist"], entry, "request-takedown", reason="政策已废止").json()
    assert entry["status"] == "takedown_requested"
    assert client.get(f"/api/entries/{entry['id']}").status_code == 200  # public until approved
    entry = act(client, staff["manager"], entry, "approve-takedown").json()
    assert entry["status"] == "taken_down"
    assert client.get(f"/api/entries/{entry['id']}").status_code == 404


@pytest.mark.parametrize(
    ("who", "action", "status", "code"),
    [
        ("nanjing", "submit", 403, "department_forbidden"),
        ("agent", "submit", 403, "role_forbidden"),
        ("manager", "dept-approve", 403, "role_forbidden"),
        ("manager", "publish", 409, "illegal_transition"),
        ("specialist", "fly-away", 404, "unknown_action"),
    ],
)
def test_refusals(
    client: TestClient, staff: dict[str, dict[str, str]], who: str, action: str, status: int, code: str
) -> None:
    entry = create(client, staff["specialist"])
    resp = act(client, staff[who], entry, action)
    assert resp.status_code == status and resp.json()["error"]["code"] == code
    assert resp.json()["error"]["message"]
    if code == "illegal_transition":
        assert resp.json()["error"]["message"] == "条目当前状态为「草稿」，不能执行「发布」"
        assert resp.json()["error"]["details"]["state"] == "draft"  # the value, not "VersionState.draft"
    after = client.get(f"/api/staff/entries/{entry['id']}", headers=staff["manager"]).json()
    assert after["lock_version"] == entry["lock_version"]  # a refused request leaves nothing behind


def test_submit_incomplete_names_each_element(client: TestClient, staff: dict[str, dict[str, str]]) -> None:
    resp = client.post("/api/staff/entries", json={"title": "只有标题"}, headers=staff["specialist"])
    assert resp.status_code == 201
    refused = act(client, staff["specialist"], resp.json(), "submit")
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert {d["field"] for d in error["details"]} == {
        "region",
        "category",
        "effective_from",
        "contact_phone",
        "original_text",
    }
    assert all(d["message"] for d in error["details"])


def test_two_edits_with_same_lock_version(client: TestClient, staff: dict[str, dict[str, str]]) -> None:
    entry = create(client, staff["specialist"])
    url = f"/api/staff/entries/{entry['id']}"
    first = client.put(url, json={**body(title="第一次"), "lock_version": 1}, headers=staff["specialist"])
    second = client.put(url, json={**body(title="第二次"), "lock_version": 1}, headers=staff["specialist"])
    assert first.status_code == 200 and second.status_code == 409
    assert second.json()["error"]["code"] == "stale_version"
    assert second.json()["error"]["details"]["current_lock_version"] == 2
    assert client.get(url, headers=staff["specialist"]).json()["working"]["title"] == "第一次"


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"title": "x" * 201}, 422, None),
        ({"qas": "不是列表"}, 422, None),
        ({"effective_from": "昨天"}, 422, None),
        ({"original_text": "汉" * 40_000}, 422, "field_too_large"),
        ({"keywords": ["汉" * 40_000]}, 422, "field_too_large"),  # keywords count against the limit too
        ({"title": "居住证\x07申领"}, 422, "control_characters"),
        ({"keywords": ["\u202e证住居"]}, 422, "control_characters"),  # a bidi override reorders the text
        ({"region": "鼓楼区"}, 422, "ambiguous_region"),
        ({"id": "带空格 的编号"}, 422, None),
        ({"unknown_field": 1}, 422, None),
    ],
)
def test_bad_bodies(
    client: TestClient,
    staff: dict[str, dict[str, str]],
    payload: dict[str, Any],
    status: int,
    code: str | None,
) -> None:
    resp = client.post("/api/staff/entries", json=body(**payload), headers=staff["specialist"])
    assert resp.status_code == status
    error = resp.json()["error"]
    assert error["message"]
    if code:
        assert error["code"] == code


def test_malformed_json_is_422(client: TestClient, staff: dict[str, dict[str, str]]) -> None:
    resp = client.post(
        "/api/staff/entries",
        content=b'{"title": ',
        headers={**staff["specialist"], "Content-Type": "application/json"},
    )
    assert resp.status_code == 422 and resp.json()["error"]["message"]


def test_duplicate_id_is_409(client: TestClient, staff: dict[str, dict[str, str]]) -> None:
    create(client, staff["specialist"], id="SZ-DUP-1")
    resp = client.post("/api/staff/entries", json=body(id="SZ-DUP-1"), headers=staff["specialist"])
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "duplicate_id"


@pytest.mark.parametrize(
    "path", ["/api/staff/entries/NOPE", "/api/entries/NOPE", "/api/staff/entries/NOPE/audit"]
)
def test_unknown_ids_are_404(client: TestClient, staff: dict[str, dict[str, str]], path: str) -> None:
    resp = client.get(path, headers=staff["manager"])
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "entry_not_found"


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/api/staff/entries"), ("post", "/api/staff/entries"), ("get", "/api/staff/entries/X")],
)
def test_staff_endpoints_need_a_token(client: TestClient, method: str, path: str) -> None:
    resp = client.request(method, path, json=body())
    assert resp.status_code == 401


def test_expiry_hides_and_removes_from_index(
    env: Env, client: TestClient, staff: dict[str, dict[str, str]]
) -> None:
    entry = publish(client, staff, effective_to="2026-06-30")
    assert client.get(f"/api/entries/{entry['id']}").status_code == 200
    env.clock.set(datetime(2026, 6, 30, 16, 1))  # 2026-07-01 00:01 in Beijing
    assert client.get(f"/api/entries/{entry['id']}").status_code == 404  # at once, before the expiry job
    with Session(env.db) as session:
        expire_due(session, env.clock)  # the indexer's loop may have done it already
        session.commit()
        stored = session.exec(select(Entry).where(Entry.public_id == entry["id"])).one()
        assert stored.status is EntryStatus.expired
        last = session.exec(
            select(Outbox).where(Outbox.doc_id == entry["id"]).order_by(col(Outbox.seq).desc())
        ).first()
        assert last is not None and last.op is OutboxOp.delete and last.doc_version == stored.lock_version
    assert client.get(f"/api/entries/{entry['id']}").status_code == 404


def test_unknown_state_filter_is_422(client: TestClient, staff: dict[str, dict[str, str]]) -> None:
    resp = client.get("/api/staff/entries", params={"state": "nonsense"}, headers=staff["manager"])
    assert resp.status_code == 422 and resp.json()["error"]["code"] == "unknown_state"


def test_documents_keep_line_breaks_tabs_and_zero_width_marks(
    client: TestClient, staff: dict[str, dict[str, str]]
) -> None:
    """Policy text pasted from a web page: paragraphs, tabs and U+200B are kept, not refused."""
    text = "第一条\t居住证申领。\r\n第二条\u200b持证人享有以下权利。"
    assert create(client, staff["specialist"], original_text=text)["working"]["original_text"] == text


@pytest.mark.parametrize("reason", ["\x00\x00", "\x07\x07", "\u202e理由"])
def test_a_reason_of_control_characters_is_refused(
    client: TestClient, staff: dict[str, dict[str, str]], reason: str
) -> None:
    """It used to satisfy "a return needs a reason" while saying nothing."""
    entry = create(client, staff["specialist"])
    entry = act(client, staff["specialist"], entry, "submit").json()
    resp = act(client, staff["reviewer"], entry, "return", reason=reason)
    assert (resp.status_code, resp.json()["error"]["code"]) == (422, "reason_invalid")
    after = client.get(f"/api/staff/entries/{entry['id']}", headers=staff["manager"]).json()
    assert after["lock_version"] == entry["lock_version"]


def test_a_change_whose_answer_fails_is_not_saved(
    env: Env, client: TestClient, staff: dict[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The answer is built before the commit (search_api.deps.commit_with): when building it fails —
    as when the database goes away between the two — nothing was saved, so an error never hides a
    change that was made (the PostgreSQL restart test once caught a 503 for a committed publish)."""
    from search_api.routes import entries as entry_routes

    def broken(*_: Any) -> dict[str, Any]:
        raise RuntimeError("the database went away while the answer was read")

    monkeypatch.setattr(entry_routes, "staff_view", broken)
    with pytest.raises(RuntimeError):
        client.post("/api/staff/entries", json=body(title="答复失败的新条目"), headers=staff["specialist"])
    monkeypatch.undo()
    with Session(env.db) as session:
        titles = session.exec(select(Entry.public_id).join(EntryVersion, EntryVersion.entry_id == Entry.id)
                              .where(EntryVersion.title == "答复失败的新条目")).all()  # fmt: skip
    assert titles == []
