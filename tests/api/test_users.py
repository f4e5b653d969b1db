"""Admin-only user management over real HTTP: create, list, deactivate, reset password, audit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from records.models import AuditLog, Role, User

MakeStaff = Callable[..., User]
Headers = dict[str, str]
URL = "/api/admin/users"


def new_user(**overrides: Any) -> dict[str, Any]:
    body = {"username": "chen.liu", "password": "s3cret-pass", "role": "agent", "display_name": "陈六"}
    body.update(overrides)
    return body


def audit_rows(engine: Engine, username: str) -> list[AuditLog]:
    with Session(engine) as session:
        stmt = select(AuditLog).where(AuditLog.object_type == "user", AuditLog.object_id == username)
        return list(session.exec(stmt.order_by(col(AuditLog.id))).all())


def test_admin_creates_a_specialist_who_can_then_log_in(api: TestClient, admin_headers: Headers, staff_db):
    body = new_user(username="zhou.qi", role="specialist", department="苏州市公安局")
    resp = api.post(URL, json=body, headers=admin_headers)
    assert resp.status_code == 201, resp.text
    assert resp.json()["department"] == "苏州市公安局"
    assert resp.json()["role_label"] == "部门信息专员"
    assert "password" not in resp.json() and "password_hash" not in resp.json()
    login = api.post("/api/auth/token", data={"username": "zhou.qi", "password": "s3cret-pass"})
    assert login.status_code == 200
    [row] = audit_rows(staff_db, "zhou.qi")
    assert (row.action, row.actor_name, row.to_state) == ("create", "root", "active")
    assert "s3cret-pass" not in str(row.details)


def test_agent_may_have_a_home_region(api: TestClient, admin_headers: Headers):
    resp = api.post(URL, json=new_user(region="苏州市"), headers=admin_headers)
    assert resp.status_code == 201
    assert resp.json()["region"] == "江苏省/苏州市"


@pytest.mark.parametrize("role", ["specialist", "dept_reviewer"])
def test_department_roles_need_a_department(api: TestClient, admin_headers: Headers, role: str):
    resp = api.post(URL, json=new_user(role=role), headers=admin_headers)
    assert resp.status_code == 422
    assert resp.json()["error"]["details"][0]["code"] == "department_required"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"role": "specialist", "department": "不存在的局"}, "unknown_department"),
        ({"region": "火星市"}, "unknown_region"),
        ({"username": "has space"}, "invalid_username"),
        ({"display_name": "\u202e\x00"}, "control_characters"),
    ],
)
def test_unknown_references_and_bad_usernames_are_422(
    api: TestClient, admin_headers: Headers, overrides: dict[str, str], code: str
):
    resp = api.post(URL, json=new_user(**overrides), headers=admin_headers)
    assert resp.status_code == 422
    assert [d["code"] for d in resp.json()["error"]["details"]] == [code]


@pytest.mark.parametrize(
    "overrides",
    [{"role": "superuser"}, {"role": None}, {"password": "short"}, {"username": 12}, {"extra": 1}],
)
def test_malformed_bodies_are_422(api: TestClient, admin_headers: Headers, overrides: dict[str, Any]):
    resp = api.post(URL, json=new_user(**overrides), headers=admin_headers)
    assert resp.status_code == 422
    assert resp.json()["error"]["code"] == "validation_failed"


def test_duplicate_username_is_409_and_nothing_changes(api: TestClient, admin_headers: Headers, staff_db):
    assert api.post(URL, json=new_user(), headers=admin_headers).status_code == 201
    again = api.post(URL, json=new_user(role="manager"), headers=admin_headers)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "duplicate_username"
    assert "chen.liu" in again.json()["error"]["message"]
    assert len(audit_rows(staff_db, "chen.liu")) == 1


@pytest.mark.parametrize("role", [Role.agent, Role.specialist, Role.dept_reviewer, Role.manager])
@pytest.mark.parametrize(
    ("method", "path"), [("GET", URL), ("POST", URL), ("GET", URL + "/1"), ("PATCH", URL + "/1")]
)
def test_only_admins_manage_users(
    api: TestClient, make_staff: MakeStaff, token_for, role: Role, method: str, path: str
):
    user = make_staff("someone", role, department="苏州市公安局")
    resp = api.request(method, path, json=new_user() if method != "GET" else None, headers=token_for(user))
    assert resp.status_code == 403
    assert resp.json()["error"]["code"] == "role_forbidden"


def test_anonymous_gets_401(api: TestClient):
    assert api.get(URL).status_code == 401


def test_list_filters_and_pages(api: TestClient, admin_headers: Headers, make_staff: MakeStaff):
    for i in range(3):
        make_staff(f"agent{i}", Role.agent)
    make_staff("spec", Role.specialist, department="苏州市公安局")
    make_staff("old", Role.agent, active=False)
    everyone = api.get(URL, headers=admin_headers).json()
    assert everyone["count"] == 6  # root + 3 agents + spec + old
    agents = api.get(URL, params={"role": "agent", "active": True, "size": 2}, headers=admin_headers).json()
    assert agents["count"] == 3
    assert [u["username"] for u in agents["data"]] == ["agent0", "agent1"]
    page2 = api.get(
        URL, params={"role": "agent", "active": True, "size": 2, "page": 2}, headers=admin_headers
    )
    assert [u["username"] for u in page2.json()["data"]] == ["agent2"]
    by_name = api.get(URL, params={"q": "agent_"}, headers=admin_headers).json()
    assert by_name["count"] == 0  # "_" is a literal, not LIKE's any-character wildcard
    assert (
        api.get(URL, params={"q": "GENT1"}, headers=admin_headers).json()["data"][0]["username"] == "agent1"
    )
    by_dept = api.get(URL, params={"department": "苏州市公安局"}, headers=admin_headers).json()
    assert [u["username"] for u in by_dept["data"]] == ["spec"]


@pytest.mark.parametrize("params", [{"size": 0}, {"page": 0}, {"role": "boss"}, {"active": "perhaps"}])
def test_list_rejects_bad_query_parameters(api: TestClient, admin_headers: Headers, params: dict[str, Any]):
    resp = api.get(URL, params=params, headers=admin_headers)
    assert resp.status_code == 422


def test_deactivate_blocks_login_and_existing_tokens(
    api: TestClient, admin_headers: Headers, make_staff: MakeStaff, token_for, staff_db
):
    user = make_staff("quitter", Role.agent)
    old_token = token_for(user)
    resp = api.patch(f"{URL}/{user.id}", json={"active": False, "reason": "离职"}, headers=admin_headers)
    assert resp.status_code == 200
    assert resp.json()["active"] is False
    assert api.get("/api/auth/me", headers=old_token).status_code == 401
    row = audit_rows(staff_db, "quitter")[-1]
    assert (row.action, row.from_state, row.to_state, row.reason) == (
        "deactivate",
        "active",
        "inactive",
        "离职",
    )


def test_reset_password(api: TestClient, admin_headers: Headers, make_staff: MakeStaff, staff_db):
    user = make_staff("forgetful", Role.manager)
    resp = api.patch(f"{URL}/{user.id}", json={"password": "brand-new-pass"}, headers=admin_headers)
    assert resp.status_code == 200
    assert (
        api.post("/api/auth/token", data={"username": "forgetful", "password": "brand-new-pass"}).status_code
        == 200
    )
    assert (
        api.post("/api/auth/token", data={"username": "forgetful", "password": "correct-horse-1"}).status_code
        == 401
    )
    assert audit_rows(staff_db, "forgetful")[-1].action == "reset_password"


def test_change_role_needs_department_and_is_audited(
    api: TestClient, admin_headers: Headers, make_staff: MakeStaff, staff_db
):
    user = make_staff("mover", Role.agent)
    refused = api.patch(f"{URL}/{user.id}", json={"role": "dept_reviewer"}, headers=admin_headers)
    assert refused.status_code == 422
    ok = api.patch(
        f"{URL}/{user.id}",
        json={"role": "dept_reviewer", "department": "苏州市公安局"},
        headers=admin_headers,
    )
    assert ok.status_code == 200
    assert (ok.json()["role"], ok.json()["department"]) == ("dept_reviewer", "苏州市公安局")
    row = audit_rows(staff_db, "mover")[-1]
    assert (row.action, row.from_state, row.to_state) == ("change_role", "agent", "dept_reviewer")


def test_admin_cannot_lock_themselves_out(api: TestClient, admin_headers: Headers):
    me = api.get("/api/auth/me", headers=admin_headers).json()
    resp = api.patch(f"{URL}/{me['id']}", json={"active": False}, headers=admin_headers)
    assert resp.status_code == 403
    assert resp.json()["error"]["code"] == "self_lockout"


@pytest.mark.parametrize("method", ["GET", "PATCH"])
def test_unknown_user_id_is_404(api: TestClient, admin_headers: Headers, method: str):
    resp = api.request(
        method, f"{URL}/9999", json={"active": False} if method == "PATCH" else None, headers=admin_headers
    )
    assert resp.status_code == 404
    assert resp.json()["error"]["code"] == "user_not_found"
