"""Front-line endpoints over real HTTP: feedback, citations, gap reports, the zero-result list.

One migrated store with the demo data (published entries and one account per role) and one
running app per module; every test moves the clock on so the per-client rate limit of one test
never spills into the next.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from stacks import TestStack

from records.clock import FixedClock
from records.db import make_engine
from records.frontdesk.models import Citation, EntryFeedback, GapReport
from records.migrate import upgrade
from records.models import AuditLog, Department, Entry, User, ZeroResultQuery
from search_api.app import create_app
from search_api.demo import load_demo
from search_api.security import create_access_token
from search_api.settings import Settings

START = datetime(2026, 6, 1, 2, 0, 0)  # 10:00 Beijing time
_minutes = itertools.count(0, 5)
Headers = Callable[[str], dict[str, str]]


@dataclass
class Env:
    settings: Settings
    clock: FixedClock
    client: TestClient
    db: Engine
    entries: dict[str, str]  # department name -> a published demo entry of it


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, test_stack: TestStack) -> Iterator[Env]:
    """One store with the demo data and one running app per module, on the run's stack."""
    data_dir = tmp_path_factory.mktemp("frontdesk") / "data"
    data_dir.mkdir()
    with test_stack.scoped(
        data_dir, indexer_poll_seconds=0.05, secret_key="frontdesk-tests-secret-key-with-32-bytes"
    ) as settings:
        yield from _env(settings, data_dir)


def _env(settings: Settings, data_dir: Path) -> Iterator[Env]:
    upgrade(settings.effective_database_url)
    db = make_engine(settings.effective_database_url)
    clock = FixedClock(START)
    result = load_demo(db, clock)
    assert not result.import_report.errors
    entries: dict[str, str] = {}
    with Session(db) as session:
        for entry, dept in session.exec(
            select(Entry, Department).where(Entry.department_id == Department.id)
        ):
            entries.setdefault(dept.name, entry.public_id)
    with TestClient(create_app(settings, clock=clock)) as client:
        yield Env(settings, clock, client, db, entries)
    db.dispose()
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
def client(env: Env) -> TestClient:
    """The module's client with the clock moved past every earlier test's rate-limit window."""
    env.clock.set(START + timedelta(minutes=next(_minutes)))
    return env.client


@pytest.fixture
def auth(env: Env) -> Headers:
    """auth(username) -> Authorization header of a demo account."""

    def _header(username: str) -> dict[str, str]:
        with Session(env.db) as session:
            user_id = session.exec(select(User.id).where(User.username == username)).one()
        token = create_access_token(user_id, env.settings.secret_key, env.settings.token_ttl_minutes)
        return {"Authorization": f"Bearer {token}"}

    return _header


@pytest.fixture
def suzhou(env: Env) -> str:
    return env.entries["苏州市公安局"]


def count(env: Env, model: Any) -> int:
    with Session(env.db) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def error_code(resp: Any) -> str:
    return str(resp.json()["error"]["code"])


# --- feedback -----------------------------------------------------------------------------------


def test_feedback_is_counted_for_the_department_and_managers(
    env: Env, client: TestClient, auth: Headers, suzhou: str
) -> None:
    before = client.get(f"/api/staff/entries/{suzhou}/feedback", headers=auth("manager")).json()
    assert client.post(f"/api/entries/{suzhou}/feedback", json={"helpful": True}).status_code == 201
    resp = client.post(
        f"/api/entries/{suzhou}/feedback", json={"helpful": False, "comment": "  电话打不通  "}
    )
    assert resp.status_code == 201 and resp.json() == {"entry_id": suzhou, "helpful": False, "recorded": True}
    for who in ("manager", "specialist-szga", "reviewer-szga"):
        summary = client.get(f"/api/staff/entries/{suzhou}/feedback", headers=auth(who))
        assert summary.status_code == 200, summary.text
        data = summary.json()
        assert data["helpful"] == before["helpful"] + 1 and data["not_helpful"] == before["not_helpful"] + 1
        assert data["total"] == data["helpful"] + data["not_helpful"]
        assert data["comments"][0]["comment"] == "电话打不通" and data["comments"][0]["helpful"] is False


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [
        ("specialist-njyb", 403, "entry_other_department"),
        ("agent-sz", 403, "entry_other_department"),
        ("admin", 403, "entry_other_department"),
        (None, 401, "not_authenticated"),
    ],
)
def test_feedback_counts_are_for_the_department_only(
    client: TestClient, auth: Headers, suzhou: str, who: str | None, status: int, code: str
) -> None:
    resp = client.get(f"/api/staff/entries/{suzhou}/feedback", headers=auth(who) if who else {})
    assert resp.status_code == status and error_code(resp) == code
    assert resp.json()["error"]["message"]


@pytest.mark.parametrize(
    ("entry", "payload", "status", "code"),
    [
        (None, {}, 422, "validation_failed"),
        (None, {"helpful": "yes"}, 422, "validation_failed"),
        (None, {"helpful": 1}, 422, "validation_failed"),
        (None, {"helpful": True, "comment": "长" * 501}, 422, "comment_too_long"),
        (None, {"helpful": True, "comment": "\u202eevil"}, 422, "comment_invalid"),
        (None, {"helpful": True, "comment": "好\x00\x07"}, 422, "comment_invalid"),
        ("NO-SUCH-ENTRY", {"helpful": True}, 404, "entry_not_found"),
    ],
)
def test_bad_feedback_is_refused_and_writes_nothing(
    env: Env,
    client: TestClient,
    suzhou: str,
    entry: str | None,
    payload: dict[str, Any],
    status: int,
    code: str,
) -> None:
    before = count(env, EntryFeedback)
    resp = client.post(f"/api/entries/{entry or suzhou}/feedback", json=payload)
    assert resp.status_code == status, resp.text
    assert error_code(resp) == code and resp.json()["error"]["message"]
    assert count(env, EntryFeedback) == before


def test_feedback_on_an_unpublished_entry_is_not_found(env: Env, client: TestClient, auth: Headers) -> None:
    draft = client.post(
        "/api/staff/entries",
        json={"title": "未发布的草稿", "region": "苏州市", "contact_phone": "0512-12345678"},
        headers=auth("specialist-szga"),
    )
    assert draft.status_code == 201, draft.text
    resp = client.post(f"/api/entries/{draft.json()['id']}/feedback", json={"helpful": True})
    assert resp.status_code == 404 and error_code(resp) == "entry_not_found"


def test_feedback_is_rate_limited_per_client(env: Env, client: TestClient, suzhou: str) -> None:
    limit = env.settings.feedback_rate_per_minute
    for _ in range(limit):
        assert client.post(f"/api/entries/{suzhou}/feedback", json={"helpful": True}).status_code == 201
    refused = client.post(f"/api/entries/{suzhou}/feedback", json={"helpful": True})
    assert refused.status_code == 429 and error_code(refused) == "feedback_rate_limited"
    assert int(refused.headers["Retry-After"]) >= 1
    env.clock.advance(seconds=61)
    assert client.post(f"/api/entries/{suzhou}/feedback", json={"helpful": True}).status_code == 201


# --- citations ----------------------------------------------------------------------------------


def test_agent_cites_an_entry_and_sees_it(env: Env, client: TestClient, auth: Headers, suzhou: str) -> None:
    body = {"entry_id": suzhou, "call_ref": "CALL-20260601-0042", "query": "身份证丢了"}
    resp = client.post("/api/citations", json=body, headers=auth("agent-sz"))
    assert resp.status_code == 201, resp.text
    cited = resp.json()
    assert cited["entry_id"] == suzhou and cited["agent"] == "agent-sz" and cited["title"]
    assert cited["call_ref"] == "CALL-20260601-0042" and cited["at"].endswith("+08:00")
    mine = client.get("/api/citations", params={"mine": 1}, headers=auth("agent-sz")).json()["citations"]
    assert mine[0]["id"] == cited["id"]
    other = client.get("/api/citations", headers=auth("agent-nj")).json()["citations"]
    assert all(row["id"] != cited["id"] for row in other)
    with Session(env.db) as session:
        row = session.get(Citation, cited["id"])
        agent = session.exec(select(User).where(User.username == "agent-sz")).one()
        assert row is not None and row.region_id == agent.region_id is not None


def test_manager_sees_counts_per_entry(client: TestClient, auth: Headers, suzhou: str) -> None:
    for who in ("agent-sz", "agent-nj", "manager"):
        assert client.post("/api/citations", json={"entry_id": suzhou}, headers=auth(who)).status_code == 201
    counts = client.get("/api/citations", headers=auth("manager")).json()["entries"]
    mine = [row for row in counts if row["entry_id"] == suzhou]
    assert mine and mine[0]["count"] >= 3 and mine[0]["department"] == "苏州市公安局"
    assert counts == sorted(counts, key=lambda r: -r["count"])
    own = client.get("/api/citations", params={"mine": "true"}, headers=auth("manager")).json()
    assert [row["agent"] for row in own["citations"]][:1] == ["manager"]


@pytest.mark.parametrize(
    ("who", "payload", "status", "code"),
    [
        (None, {"entry_id": "X"}, 401, "not_authenticated"),
        ("specialist-szga", {"entry_id": "X"}, 403, "role_forbidden"),
        ("admin", {"entry_id": "X"}, 403, "role_forbidden"),
        ("agent-sz", {}, 422, "validation_failed"),
        ("agent-sz", {"entry_id": "NO-SUCH-ENTRY"}, 404, "entry_not_found"),
        ("agent-sz", {"entry_id": None, "call_ref": "1" * 65}, 422, "call_ref_too_long"),
    ],
)
def test_bad_citations_are_refused(
    env: Env,
    client: TestClient,
    auth: Headers,
    suzhou: str,
    who: str | None,
    payload: dict[str, Any],
    status: int,
    code: str,
) -> None:
    if payload.get("entry_id", "") is None:
        payload = {**payload, "entry_id": suzhou}
    before = count(env, Citation)
    resp = client.post("/api/citations", json=payload, headers=auth(who) if who else {})
    assert resp.status_code == status, resp.text
    assert error_code(resp) == code
    assert count(env, Citation) == before


def test_citation_lists_need_an_agent_or_manager(client: TestClient, auth: Headers) -> None:
    assert client.get("/api/citations", headers=auth("specialist-szga")).status_code == 403
    assert client.get("/api/citations").status_code == 401


# --- gap reports --------------------------------------------------------------------------------


def report(client: TestClient, auth: Headers, who: str = "agent-sz", **body: Any) -> Any:
    return client.post("/api/gap-reports", json=body, headers=auth(who))


def test_wrong_information_goes_to_the_entry_department(
    env: Env, client: TestClient, auth: Headers, suzhou: str
) -> None:
    resp = report(
        client, auth, kind="wrong", entry_id=suzhou, detail="咨询电话已经停用", query="身份证补办电话"
    )
    assert resp.status_code == 201, resp.text
    gap = resp.json()
    assert gap["state"] == "open" and gap["department"] == "苏州市公安局" and gap["entry_id"] == suzhou
    assert gap["kind_label"] == "信息有误" and gap["reporter"] == "agent-sz" and gap["entry_title"]
    for who in ("manager", "specialist-szga", "reviewer-szga", "agent-sz"):
        listed = client.get("/api/gap-reports", headers=auth(who)).json()["reports"]
        assert gap["id"] in [r["id"] for r in listed], who
    for who in ("specialist-njyb", "agent-nj"):
        listed = client.get("/api/gap-reports", headers=auth(who)).json()["reports"]
        assert gap["id"] not in [r["id"] for r in listed], who
        assert client.get(f"/api/gap-reports/{gap['id']}", headers=auth(who)).status_code == 403


def test_department_closes_a_report_with_a_reason_and_it_is_audited(
    env: Env, client: TestClient, auth: Headers, suzhou: str
) -> None:
    gap = report(client, auth, kind="wrong", entry_id=suzhou, detail="办理地点搬迁了").json()
    path = f"/api/gap-reports/{gap['id']}/close"
    other = client.post(path, json={"reason": "不归我们"}, headers=auth("specialist-njyb"))
    assert other.status_code == 403 and error_code(other) == "gap_report_other_department"
    agent = client.post(path, json={"reason": "自己关掉"}, headers=auth("agent-sz"))
    assert agent.status_code == 403
    empty = client.post(path, json={"reason": "  "}, headers=auth("specialist-szga"))
    assert empty.status_code == 422 and error_code(empty) == "reason_required"
    done = client.post(path, json={"reason": "已更新办理地点"}, headers=auth("specialist-szga"))
    assert done.status_code == 200, done.text
    closed = done.json()
    assert closed["state"] == "closed" and closed["close_reason"] == "已更新办理地点" and closed["closed_at"]
    assert [(h["action"], h["from_state"], h["to_state"]) for h in closed["history"]] == [
        ("report", None, "open"),
        ("close", "open", "closed"),
    ]
    assert closed["history"][1]["actor"] == "specialist-szga"
    again = client.post(path, json={"reason": "再关一次"}, headers=auth("manager"))
    assert again.status_code == 409 and error_code(again) == "gap_report_closed"
    listed = client.get("/api/gap-reports", params={"state": "closed"}, headers=auth("manager")).json()
    assert gap["id"] in [r["id"] for r in listed["reports"]]
    assert all(r["state"] == "closed" for r in listed["reports"])


def test_missing_report_without_entry_is_routed_and_reassignable(
    env: Env, client: TestClient, auth: Headers
) -> None:
    resp = report(
        client,
        auth,
        kind="missing",
        query="外国人永久居留证办理",
        detail="没有找到外国人永久居留证的办理条目",
    )
    assert resp.status_code == 201, resp.text
    gap = resp.json()
    assert gap["entry_id"] is None and gap["kind"] == "missing"
    assert gap["state"] == ("open" if gap["department_id"] else "unassigned")
    assert gap["suggested_department_id"] == gap["department_id"]
    path = f"/api/gap-reports/{gap['id']}/assign"
    assert (
        client.post(path, json={"department": "南京市医疗保障局"}, headers=auth("agent-sz")).status_code
        == 403
    )
    unknown = client.post(path, json={"department": "不存在的部门"}, headers=auth("manager"))
    assert unknown.status_code == 422 and error_code(unknown) == "department_unknown"
    moved = client.post(
        path, json={"department": "南京市医疗保障局", "reason": "改派"}, headers=auth("manager")
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["state"] == "open" and moved.json()["department"] == "南京市医疗保障局"
    assert (
        moved.json()["history"][-1]["action"] == "assign" and moved.json()["history"][-1]["reason"] == "改派"
    )
    listed = client.get("/api/gap-reports", headers=auth("specialist-njyb")).json()["reports"]
    assert gap["id"] in [r["id"] for r in listed]
    with Session(env.db) as session:
        actions = session.exec(
            select(AuditLog.action).where(
                AuditLog.object_type == "gap_report", AuditLog.object_id == str(gap["id"])
            )
        ).all()
    assert actions == ["report", "assign"]


@pytest.mark.parametrize(
    ("who", "payload", "status", "code"),
    [
        (None, {"kind": "missing", "detail": "没有这条"}, 401, "not_authenticated"),
        ("specialist-szga", {"kind": "missing", "detail": "没有这条"}, 403, "role_forbidden"),
        ("agent-sz", {"kind": "other", "detail": "没有这条"}, 422, "gap_kind_unknown"),
        ("agent-sz", {"detail": "没有这条"}, 422, "gap_kind_unknown"),
        ("agent-sz", {"kind": "missing"}, 422, "detail_required"),
        ("agent-sz", {"kind": "missing", "detail": "太短"}, 422, "detail_length"),
        ("agent-sz", {"kind": "missing", "detail": "长" * 1001}, 422, "detail_length"),
        ("agent-sz", {"kind": "wrong", "detail": "电话不对了"}, 422, "entry_required"),
        (
            "agent-sz",
            {"kind": "wrong", "entry_id": "NO-SUCH", "detail": "电话不对了"},
            404,
            "entry_not_found",
        ),
        ("agent-sz", {"kind": "missing", "detail": "没有这条", "query": "查" * 501}, 422, "query_too_long"),
        ("agent-sz", {"kind": "missing", "detail": "\x00" * 5}, 422, "detail_invalid"),
    ],
)
def test_bad_gap_reports_are_refused_and_write_nothing(
    env: Env,
    client: TestClient,
    auth: Headers,
    who: str | None,
    payload: dict[str, Any],
    status: int,
    code: str,
) -> None:
    before = count(env, GapReport)
    resp = client.post("/api/gap-reports", json=payload, headers=auth(who) if who else {})
    assert resp.status_code == status, resp.text
    assert error_code(resp) == code and resp.json()["error"]["message"]
    assert count(env, GapReport) == before


@pytest.mark.parametrize(
    ("path", "code"),
    [("/api/gap-reports/999999", "gap_report_not_found"), ("/api/gap-reports/abc", "validation_failed")],
)
def test_unknown_gap_report(client: TestClient, auth: Headers, path: str, code: str) -> None:
    resp = client.get(path, headers=auth("manager"))
    assert resp.status_code in (404, 422) and error_code(resp) == code


def test_gap_report_state_filter_is_checked(client: TestClient, auth: Headers) -> None:
    resp = client.get("/api/gap-reports", params={"state": "gone"}, headers=auth("manager"))
    assert resp.status_code == 422 and error_code(resp) == "gap_state_unknown"


# --- zero-result queries ------------------------------------------------------------------------


def test_zero_results_are_listed_for_managers_grouped(env: Env, client: TestClient, auth: Headers) -> None:
    queries = ["ｑｑｘｚ 火星签证", "qqxz火星签证", "QQXZ 火星签证 ", "zzkw 木星签证"]
    for q in queries:
        resp = client.get("/api/search", params={"q": q})
        assert resp.status_code == 200 and resp.json()["total"] == 0, (q, resp.json()["total"])
    with Session(env.db) as session:
        logged = session.exec(select(func.count()).select_from(ZeroResultQuery)).one()
    assert logged >= len(queries)
    resp = client.get("/api/zero-results", headers=auth("manager"))
    assert resp.status_code == 200, resp.text
    data = resp.json()
    top = {row["normalized"]: row for row in data["top"]}
    assert top["qqxz火星签证"]["count"] == 3 and top["qqxz火星签证"]["query"] == "QQXZ 火星签证"
    assert top["zzkw木星签证"]["count"] == 1
    assert data["top"][0]["count"] >= data["top"][-1]["count"]
    assert [r["query"] for r in data["recent"][:2]] == ["zzkw 木星签证", "QQXZ 火星签证"]


def test_prefixes_typed_on_the_way_are_not_gaps(client: TestClient, auth: Headers) -> None:
    for q in ("qqxy", "qqxy 土", "qqxy 土星", "qqxy 土星签证"):  # instant search: one request per keystroke
        assert client.get("/api/search", params={"q": q}).json()["total"] == 0
    top = client.get("/api/zero-results", headers=auth("manager")).json()["top"]
    typed = [row["normalized"] for row in top if row["normalized"].startswith("qqxy")]
    assert typed == ["qqxy土星签证"]


@pytest.mark.parametrize(("who", "status"), [("agent-sz", 403), ("specialist-szga", 403), (None, 401)])
def test_zero_results_are_for_managers(
    client: TestClient, auth: Headers, who: str | None, status: int
) -> None:
    assert client.get("/api/zero-results", headers=auth(who) if who else {}).status_code == status
