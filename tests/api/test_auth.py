"""Login (OAuth2 password flow), token expiry and /api/auth/me over real HTTP."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from records.models import AuditLog, Role, User
from search_api.settings import Settings

MakeStaff = Callable[..., User]
PASSWORD = "correct-horse-1"  # what the make_staff fixture gives every account


def login(api: TestClient, username: str, password: str):  # noqa: ANN201
    return api.post("/api/auth/token", data={"username": username, "password": password})


def test_good_login_returns_bearer_token_usable_on_me(
    api: TestClient, make_staff: MakeStaff, staff_settings: Settings
):
    make_staff("zhang.san", Role.specialist, department="苏州市公安局")
    resp = login(api, "zhang.san", PASSWORD)
    assert resp.status_code == 200
    body = resp.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == staff_settings.token_ttl_minutes * 60
    me = api.get("/api/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["username"] == "zhang.san"
    assert me.json()["role"] == "specialist"
    assert me.json()["department"] == "苏州市公安局"
    assert "password_hash" not in me.json()


def test_token_expires_after_configured_ttl(api: TestClient, make_staff: MakeStaff, staff_settings: Settings):
    make_staff("li.si", Role.agent)
    token = login(api, "li.si", PASSWORD).json()["access_token"]
    claims = jwt.decode(token, staff_settings.secret_key, algorithms=["HS256"])
    assert claims["exp"] - claims["iat"] == staff_settings.token_ttl_minutes * 60


def test_wrong_password_and_unknown_user_get_the_same_answer(api: TestClient, make_staff: MakeStaff):
    make_staff("wang.wu", Role.manager)
    wrong = login(api, "wang.wu", "not-the-password")
    unknown = login(api, "nobody.here", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["code"] == "invalid_credentials"
    assert wrong.json()["error"]["message"] == "用户名或密码错误"


def test_deactivated_user_cannot_log_in(api: TestClient, make_staff: MakeStaff):
    make_staff("gone", Role.agent, active=False)
    resp = login(api, "gone", PASSWORD)
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "user_inactive"


def test_deactivated_user_token_stops_working(
    api: TestClient, make_staff: MakeStaff, token_for: Callable[..., dict[str, str]]
):
    headers = token_for(make_staff("leaver", Role.agent, active=False))
    resp = api.get("/api/auth/me", headers=headers)
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "user_inactive"


def test_expired_token_is_refused(
    api: TestClient, make_staff: MakeStaff, token_for, staff_settings: Settings
):
    user = make_staff("late", Role.agent)
    issued = datetime.now(UTC) - timedelta(minutes=staff_settings.token_ttl_minutes + 1)
    resp = api.get("/api/auth/me", headers=token_for(user, now=issued))
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "token_expired"
    assert resp.json()["error"]["message"] == "登录已过期，请重新登录"


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "not_authenticated"),
        ("Bearer not-a-jwt", "token_invalid"),
        (
            "Bearer "
            + jwt.encode({"sub": "1"}, "some-other-secret-that-is-32-bytes-long", algorithm="HS256"),
            "token_invalid",
        ),
    ],
)
def test_me_without_a_valid_token(api: TestClient, header: str | None, code: str):
    resp = api.get("/api/auth/me", headers={"Authorization": header} if header else {})
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == code


def test_token_for_a_deleted_account_id_is_refused(api: TestClient, staff_settings: Settings):
    from search_api.security import create_access_token

    token = create_access_token(999_999, staff_settings.secret_key, staff_settings.token_ttl_minutes)
    resp = api.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 401


@pytest.mark.parametrize("form", [{}, {"username": "x"}, {"password": "y"}])
def test_login_with_missing_fields_is_422(api: TestClient, form: dict[str, str]):
    resp = api.post("/api/auth/token", data=form)
    assert resp.status_code == 422
    assert resp.json()["error"]["code"] == "validation_failed"


def test_repeated_failures_lock_the_username_for_a_while(
    api: TestClient, make_staff: MakeStaff, staff_env, staff_db
):
    make_staff("target", Role.admin)
    make_staff("bystander", Role.agent)
    for _ in range(10):
        assert login(api, "target", "guess-guess").status_code == 401
    locked = login(api, "target", PASSWORD)  # even the right password, while locked
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "too_many_login_failures"
    assert locked.headers["retry-after"] == "900"
    assert login(api, "bystander", PASSWORD).status_code == 200
    with Session(staff_db) as session:
        rows = session.exec(select(AuditLog).where(AuditLog.object_type == "login")).all()
    assert len(rows) == 10 and {r.object_id for r in rows} == {"target"}
    staff_env.clock.advance(minutes=16)
    assert login(api, "target", PASSWORD).status_code == 200


def test_overlong_credentials_are_refused_like_any_wrong_password(api: TestClient, make_staff: MakeStaff):
    make_staff("long", Role.agent)
    resp = login(api, "long", "x" * 100_000)
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "invalid_credentials"
