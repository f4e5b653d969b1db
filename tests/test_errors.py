"""Every failure has one shape: {"error": {"code", "message", "details"}} with a Chinese message.

Real routes are used where one exists for the case; a small probe router, added to the real app,
covers what no public route can trigger on demand (a typed JSON body without login, a crash,
the store going away) so the handlers themselves are pinned.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from fastapi import APIRouter, HTTPException, Query
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError, OperationalError

from records.clock import FixedClock
from records.errors import (
    Conflict,
    Forbidden,
    NotFound,
    ServiceUnavailable,
    TooManyRequests,
    ValidationFailed,
)
from search_api.app import create_app
from search_api.settings import Settings

CHINESE = re.compile(r"[\u4e00-\u9fff]")


class ProbeBody(BaseModel):
    name: str
    count: int
    tags: list[str] = []
    query: str | None = Field(default=None, max_length=5)


probe = APIRouter(prefix="/__probe")


@probe.post("/typed")
def typed(body: ProbeBody, page: int = Query(1, ge=1, le=100)) -> dict[str, Any]:
    return {"ok": True}


@probe.get("/raise/{kind}")
def raise_kind(kind: str) -> None:
    errors = {
        "validation": ValidationFailed("缺少标题", details=[{"field": "title"}]),
        "not_found": NotFound("条目不存在"),
        "forbidden": Forbidden("无权操作"),
        "conflict": Conflict("状态冲突", code="stale_version"),
        "too_many": TooManyRequests("请求过于频繁"),
        "unavailable": ServiceUnavailable("检索引擎暂时不可用"),
    }
    if kind.startswith("http"):
        raise HTTPException(int(kind[4:]), detail="framework detail, replaced by a Chinese message")
    if kind == "crash":
        raise RuntimeError("boom")
    if kind == "db_down":
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))
    if kind == "overflow":
        raise OverflowError("Python int too large to convert to SQLite INTEGER")
    if kind == "data_error":
        raise DataError("SELECT 1", {}, Exception("value out of range for type integer"))
    raise errors[kind]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One real app for the module (none of these requests changes state), plus the probe router."""
    settings = Settings(
        environment="test",
        data_dir=tmp_path_factory.mktemp("errors") / "data",
        secret_key="error-tests-secret-key-with-32-bytes-or-more",
        max_body_bytes=64 * 1024,
    )
    app = create_app(settings, clock=FixedClock(datetime(2026, 6, 1, 2, 0)))
    app.include_router(probe)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def assert_shape(resp: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert re.fullmatch(r"[a-z][a-z0-9_]*", body["error"]["code"])
    assert CHINESE.search(body["error"]["message"]), body
    if code is not None:
        assert body["error"]["code"] == code
    return body["error"]


@pytest.mark.parametrize("path", ["/nope", "/api/nope", "/api/admin/users/1/unknown"])
def test_unknown_route_is_404(client: TestClient, path: str):
    assert_shape(client.get(path), 404, "not_found")


def test_wrong_method_is_405_with_allow_header(client: TestClient):
    resp = client.delete("/api/health")
    assert_shape(resp, 405, "method_not_allowed")
    assert "GET" in resp.headers["allow"]


@pytest.mark.parametrize("raw", [b'{"name": ', b"not json", b'{"name": "x",}', b"\xff\xfe{}"])
def test_malformed_json_is_422(client: TestClient, raw: bytes):
    resp = client.post("/__probe/typed", content=raw, headers={"content-type": "application/json"})
    assert_shape(resp, 422, "malformed_json")


def test_malformed_json_on_a_real_route_is_refused_before_login(client: TestClient):
    resp = client.post("/api/admin/users", content=b"{oops", headers={"content-type": "application/json"})
    assert_shape(resp, 422, "malformed_json")


@pytest.mark.parametrize(
    ("body", "params", "field"),
    [
        ({"name": "x", "count": "many"}, {}, "count"),
        ({"name": ["x"], "count": 1}, {}, "name"),
        ({"count": 1}, {}, "name"),
        ({"name": "x", "count": 1, "query": "太长的查询内容"}, {}, "query"),  # a field named like a location
        ({"name": "x", "count": 1}, {"page": "abc"}, "page"),
        ({"name": "x", "count": 1}, {"page": 0}, "page"),
        ([1, 2], {}, None),
    ],
)
def test_wrong_types_are_422_naming_the_field(
    client: TestClient, body: Any, params: dict[str, Any], field: Any
):
    error = assert_shape(client.post("/__probe/typed", json=body, params=params), 422, "validation_failed")
    assert all(CHINESE.search(d["message"]) for d in error["details"])
    if field is not None:
        assert field in [d["field"] for d in error["details"]]


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("validation", 422, "validation_failed"),
        ("not_found", 404, "not_found"),
        ("forbidden", 403, "forbidden"),
        ("conflict", 409, "stale_version"),
        ("too_many", 429, "too_many_requests"),
        ("unavailable", 503, "service_unavailable"),
        ("db_down", 503, "database_unavailable"),
        ("overflow", 422, "invalid_value"),
        ("data_error", 422, "invalid_value"),
        ("crash", 500, "internal_error"),
        ("http400", 400, "bad_request"),
        ("http413", 413, "payload_too_large"),
        ("http429", 429, "too_many_requests"),
        ("http503", 503, "service_unavailable"),
    ],
)
def test_domain_errors_and_crashes_keep_the_shape(client: TestClient, kind: str, status: int, code: str):
    error = assert_shape(client.get(f"/__probe/raise/{kind}"), status, code)
    assert "boom" not in error["message"]  # internals never leak to the caller


def test_login_required_is_401_in_shape(client: TestClient):
    assert_shape(client.get("/api/auth/me"), 401, "not_authenticated")


def test_openapi_and_docs_serve(client: TestClient):
    spec = client.get("/openapi.json")
    assert spec.status_code == 200
    paths = spec.json()["paths"]
    assert {"/api/health", "/api/auth/token", "/api/auth/me", "/api/admin/users"} <= set(paths)
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()


def test_a_body_past_the_limit_is_413_before_it_is_read_whole(client: TestClient):
    big = {"name": "x" * (70 * 1024), "count": 1}
    assert_shape(client.post("/__probe/typed", json=big), 413, "payload_too_large")

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"name": "'
        for _ in range(80):
            yield b"x" * 1024
        yield b'", "count": 1}'

    resp = client.post("/__probe/typed", content=chunks(), headers={"content-type": "application/json"})
    assert_shape(resp, 413, "payload_too_large")
    assert client.post("/__probe/typed", json={"name": "x" * 1024, "count": 1}).status_code == 200


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b'{"name": "x", "count": 1, "tags": ["ok", "\\ud800"]}', "tags.1"),
        (b'{"name": "a\\udc80b", "count": 1}', "name"),
        (b'{"name": "x", "count": 1, "\\ud83d": 1}', r"\ud83d"),
    ],
)
def test_a_lone_surrogate_anywhere_in_a_body_is_422_naming_the_field(
    client: TestClient, raw: bytes, field: str
):
    resp = client.post("/__probe/typed", content=raw, headers={"content-type": "application/json"})
    error = assert_shape(resp, 422, "invalid_characters")
    assert [d["field"] for d in error["details"]] == [field]


def test_a_surrogate_pair_is_one_character_and_welcome(client: TestClient):
    raw = b'{"name": "\\ud83d\\ude00", "count": 1, "tags": ["\\ud83d\\ude00"]}'
    resp = client.post("/__probe/typed", content=raw, headers={"content-type": "application/json"})
    assert resp.status_code == 200, resp.text


def test_a_lone_surrogate_is_refused_on_a_real_route_before_login(client: TestClient):
    raw = b'{"title": "t", "keywords": ["\\ud800"]}'
    resp = client.post("/api/staff/entries", content=raw, headers={"content-type": "application/json"})
    assert_shape(resp, 422, "invalid_characters")
