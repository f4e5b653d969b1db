"""Dead letters over HTTP (admin) and the CLI, and what /api/health says about the outbox."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cli_env import use_settings
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from records.clock import FixedClock, as_utc
from records.db import make_engine
from records.migrate import upgrade
from records.models import AuditLog, Outbox, OutboxOp, Role
from search_api.accounts import create_user
from search_api.cli import app as cli_app
from search_api.security import create_access_token
from search_api.settings import Settings

REASON = "mapper_parsing_exception: failed to parse field [effective_to] of type [date]"


@pytest.fixture
def store(settings: Settings) -> Iterator[Engine]:
    """The app's store, migrated before the app starts."""
    upgrade(settings.effective_database_url)
    engine = make_engine(settings.effective_database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def api(store: Engine, client: TestClient) -> TestClient:
    return client


def _dead_row(db: Engine, clock: FixedClock, doc_id: str) -> int:
    """A row the worker gave up on; the app's worker never touches dead rows."""
    with Session(db) as session:
        row = Outbox(
            doc_id=doc_id,
            op=OutboxOp.upsert,
            doc_version=3,
            created_at=as_utc(clock.now()),
            attempts=1,
            last_error=REASON,
            dead_at=as_utc(clock.now()),
        )
        session.add(row)
        session.commit()
        assert row.seq is not None
        return row.seq


def _header(db: Engine, settings: Settings, clock: FixedClock, role: Role) -> dict[str, str]:
    with Session(db, expire_on_commit=False) as session:
        user = create_user(
            session,
            username=f"u_{role.value}",
            password="correct-horse-1",
            role=role,
            clock=clock,
        )
        session.commit()
    assert user.id is not None
    token = create_access_token(user.id, settings.secret_key, settings.token_ttl_minutes)
    return {"Authorization": f"Bearer {token}"}


def test_health_is_ok_then_degraded_by_a_dead_letter(
    api: TestClient, store: Engine, clock: FixedClock
) -> None:
    body = api.get("/api/health").json()
    assert (body["status"], body["problems"]) == ("ok", [])
    assert body["outbox_backlog"]["dead_letters"] == 0
    _dead_row(store, clock, "E-DEAD")
    response = api.get("/api/health")
    assert response.status_code == 200  # degraded still serves
    body = response.json()
    assert (body["status"], body["problems"]) == ("degraded", ["dead_letters"])
    assert body["outbox_backlog"]["dead_letters"] == 1 and body["search"]["status"] == "ok"


def test_admin_lists_and_requeues_dead_letters_with_audit(
    api: TestClient, store: Engine, settings: Settings, clock: FixedClock
) -> None:
    first = _dead_row(store, clock, "E-1")
    second = _dead_row(store, clock, "E-2")
    admin = _header(store, settings, clock, Role.admin)
    body = api.get("/api/admin/dead-letters", headers=admin).json()
    assert body["count"] == 2
    assert [d["seq"] for d in body["data"]] == [second, first]
    assert body["data"][0]["reason"] == REASON and body["data"][0]["doc_id"] == "E-2"
    response = api.post(f"/api/admin/dead-letters/{first}/retry", headers=admin)
    assert response.status_code == 200 and response.json() == {"requeued": [first]}
    assert api.get("/api/admin/dead-letters", headers=admin).json()["count"] == 1
    missing = api.post(f"/api/admin/dead-letters/{first}/retry", headers=admin)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "dead_letter_not_found"
    assert api.post("/api/admin/dead-letters/retry", headers=admin).json() == {"requeued": [second]}
    with Session(store) as session:
        audit = session.exec(
            select(AuditLog).where(AuditLog.object_type == "outbox").order_by(col(AuditLog.id))
        ).all()
    assert [(a.object_id, a.action, a.from_state, a.to_state, a.actor_name) for a in audit] == [
        (str(first), "requeue", "dead", "pending", "u_admin"),
        (str(second), "requeue", "dead", "pending", "u_admin"),
    ]
    assert audit[0].reason == REASON


@pytest.mark.parametrize(
    ("role", "path", "method", "status"),
    [
        (None, "/api/admin/dead-letters", "get", 401),
        (Role.manager, "/api/admin/dead-letters", "get", 403),
        (Role.agent, "/api/admin/dead-letters/retry", "post", 403),
        (Role.admin, "/api/admin/dead-letters/0/retry", "post", 422),
        (Role.admin, "/api/admin/dead-letters?limit=0", "get", 422),
    ],
)
def test_dead_letter_routes_refuse(
    api: TestClient,
    store: Engine,
    settings: Settings,
    clock: FixedClock,
    role: Role | None,
    path: str,
    method: str,
    status: int,
) -> None:
    headers = _header(store, settings, clock, role) if role else {}
    response = api.request(method.upper(), path, headers=headers)
    assert response.status_code == status
    assert response.json()["error"]["message"]


def test_cli_lists_and_requeues(
    api: TestClient, store: Engine, settings: Settings, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_settings(monkeypatch, settings)
    runner = CliRunner()
    empty = runner.invoke(cli_app, ["dead-letters"])
    assert empty.exit_code == 0 and "没有死信" in empty.output
    seq = _dead_row(store, clock, "E-CLI")
    listed = runner.invoke(cli_app, ["dead-letters"])
    assert listed.exit_code == 0
    assert (
        f"#{seq}" in listed.output
        and "E-CLI" in listed.output
        and "mapper_parsing_exception" in listed.output
    )
    both = runner.invoke(cli_app, ["dead-letters", "--retry", str(seq), "--retry-all"])
    assert both.exit_code == 2
    unknown = runner.invoke(cli_app, ["dead-letters", "--retry", str(seq + 100)])
    assert unknown.exit_code == 1 and "没有这条死信" in unknown.output
    done = runner.invoke(cli_app, ["dead-letters", "--retry-all"])
    assert done.exit_code == 0 and f"已重新排队 1 条：{seq}" in done.output
    with Session(store) as session:
        row = session.get(Outbox, seq)
        assert row is not None and row.dead_at is None
        audit = session.exec(select(AuditLog).where(AuditLog.object_type == "outbox")).one()
    assert (audit.action, audit.actor_name) == ("requeue", "system")


@pytest.mark.parametrize(
    ("engine_status", "pending", "age", "dead", "problems"),
    [
        ("ok", 0, 0.0, 0, []),
        ("ok", 40, 4.9, 0, []),  # young backlog: the worker is on it
        ("ok", 40, 5.1, 0, ["outbox_backlog"]),
        ("unavailable", 200, 30.0, 0, ["search", "outbox_backlog"]),
        ("needs_reindex", 0, 0.0, 0, ["search"]),
        ("absent", 0, 0.0, 2, ["dead_letters"]),
    ],
)
def test_health_assessment(
    engine_status: str, pending: int, age: float, dead: int, problems: list[str]
) -> None:
    from indexer.dead_letters import Backlog
    from search_api.routes.health import assess, backlog_grace_seconds

    grace = backlog_grace_seconds(0.2)
    assert grace == 5.0 and backlog_grace_seconds(2.0) == 20.0
    assert assess({"status": engine_status}, Backlog(pending, age, dead), grace) == problems
