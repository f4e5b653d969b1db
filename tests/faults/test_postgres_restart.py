"""PostgreSQL goes away under a running app: quick 503s, recovery on its own, nothing half-written.

Opt-in: runs when TEST_POSTGRES_URL is set (PostgreSQL is installed; scripts/test-services up).
The test stops and starts a PostgreSQL cluster of its own (scripts/test-services pg, a free port,
a throwaway directory), never the shared server other tests are using at the same time.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from records.clock import FixedClock
from records.db import make_engine
from records.migrate import upgrade
from records.models import AuditLog, Department, Entry, EntryStatus, EntryVersion, Outbox, QAPair, Role, User
from records.reference import ensure_department, find_region
from search_api.app import create_app
from search_api.deps import get_session
from search_api.security import create_access_token
from search_api.settings import Settings

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_POSTGRES_URL"), reason="set TEST_POSTGRES_URL (PostgreSQL installed) to run"
)

SERVICES = Path(__file__).resolve().parents[2] / "scripts" / "test-services"
# A request during the outage must be answered well before a client or proxy gives up; the
# engine's connect timeout is 3 s and a refused connection fails at once. Not a speed figure:
# it tells a quick refusal from a hang.
FAIL_FAST_SECONDS = 5.0
SECRET = "pg-fault-tests-secret-key-with-32-bytes"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class PrivateServer:
    """One PostgreSQL cluster owned by this module, driven through scripts/test-services pg."""

    directory: Path
    port: int

    def run(self, action: str) -> None:
        subprocess.run(
            ["bash", str(SERVICES), "pg", action, "--dir", str(self.directory), "--port", str(self.port)],
            check=True,
            capture_output=True,
            timeout=120,
        )

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"


@pytest.fixture(scope="module")
def server() -> Iterator[PrivateServer]:
    # Not under pytest's tmp dir: that is root-only, and the server runs as the postgres user.
    directory = Path(tempfile.mkdtemp(prefix="hotline-pgfault-", dir="/tmp"))
    made = PrivateServer(directory, _free_port())
    made.run("start")
    try:
        yield made
    finally:
        made.run("stop")
        shutil.rmtree(directory, ignore_errors=True)


@dataclass
class Env:
    client: TestClient
    db: Engine
    staff: dict[str, dict[str, str]]
    ids: Iterator[int] = field(default_factory=lambda: iter(range(1, 1_000_000)))


@pytest.fixture(scope="module")
def env(server: PrivateServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    settings = Settings(
        environment="test",
        data_dir=tmp_path_factory.mktemp("pgfault") / "data",
        database_url=server.url,
        indexer_poll_seconds=0.05,
        secret_key=SECRET,
    )
    upgrade(server.url)
    db = make_engine(server.url)
    with Session(db, expire_on_commit=False) as session:
        department = ensure_department(session, "苏州市公安局", find_region(session, "苏州市"))
        users = {
            "specialist": User(username="spec", password_hash="x", role=Role.specialist),
            "reviewer": User(username="rev", password_hash="x", role=Role.dept_reviewer),
            "manager": User(username="man", password_hash="x", role=Role.manager),
        }
        for user in users.values():
            user.department_id = department.id if user.role is not Role.manager else None
            session.add(user)
        session.commit()
    staff = {
        name: {"Authorization": "Bearer " + create_access_token(user.id or 0, SECRET, 60)}
        for name, user in users.items()
    }
    clock = FixedClock(datetime(2026, 6, 1, 2, 0, 0))
    with TestClient(create_app(settings, clock=clock)) as client:
        yield Env(client, db, staff)
    db.dispose()


def _entry_body(public_id: str) -> dict[str, Any]:
    return {
        "id": public_id,
        "title": "居民身份证补领",
        "region": "苏州市",
        "category": ["公安", "户政管理", "居民身份证补领"],
        "theme": "居民身份证",
        "effective_from": "2025-01-01",
        "contact_phone": "0512-12345678",
        "original_text": "居民身份证丢失的，应当申请补领。",
        "interpretation": "身份证丢了去派出所补。",
        "qas": [{"question": "身份证丢了怎么办？", "answer": "到派出所补领。", "similar_questions": []}],
    }


Request = Callable[[Env], httpx.Response]
REQUESTS: dict[str, Request] = {
    "list entries": lambda env: env.client.get("/api/staff/entries", headers=env.staff["manager"]),
    "who am i": lambda env: env.client.get("/api/auth/me", headers=env.staff["specialist"]),
    "create entry": lambda env: env.client.post(
        "/api/staff/entries", json=_entry_body(f"PGF-{next(env.ids)}"), headers=env.staff["specialist"]
    ),
    "login": lambda env: env.client.post("/api/auth/token", data={"username": "man", "password": "wrong"}),
}
HEALTHY = {"list entries": 200, "who am i": 200, "create entry": 201, "login": 401}


@pytest.mark.parametrize("name", sorted(REQUESTS))
def test_an_outage_is_a_quick_503_and_recovery_needs_nobody(
    env: Env, server: PrivateServer, name: str
) -> None:
    request = REQUESTS[name]
    assert request(env).status_code == HEALTHY[name]  # the pool holds live connections now
    server.run("stop")
    try:
        for _ in range(3):  # the stale pooled connection, then fresh connection attempts
            started = time.monotonic()
            response = request(env)
            elapsed = time.monotonic() - started
            assert response.status_code == 503, response.text
            error = response.json()["error"]
            assert error["code"] == "database_unavailable" and "数据库" in error["message"]
            assert elapsed < FAIL_FAST_SECONDS, f"{name} took {elapsed:.1f} s during the outage"
    finally:
        server.run("start")
    assert request(env).status_code == HEALTHY[name]  # the very first request after the restart


def _killed_mid_request(env: Env, thrown: BaseException | None) -> None:
    """Run get_session as FastAPI does, with the server ending the session's backend in between."""
    context = env.client.app.state.context  # type: ignore[attr-defined]
    sessions = get_session(context)
    session = next(sessions)
    pid = session.exec(text("SELECT pg_backend_pid()")).one()[0]  # type: ignore[call-overload]
    with env.db.connect() as admin:
        assert admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar() is True
    if thrown is None:
        with pytest.raises(StopIteration):
            next(sessions)
    else:
        with pytest.raises(type(thrown)) as raised:
            sessions.throw(thrown)
        assert raised.value is thrown  # the route's own error, not the failed ROLLBACK


@pytest.mark.parametrize("thrown", [None, RuntimeError("the route failed")], ids=["returned", "raised"])
def test_a_session_whose_connection_died_closes_quietly(env: Env, thrown: BaseException | None) -> None:
    _killed_mid_request(env, thrown)
    assert REQUESTS["who am i"](env).status_code == 200  # the pool replaced the dead connection


@dataclass
class Writer:
    """Creates and publishes entries through the API until told to stop; records every answer."""

    env: Env
    statuses: list[int] = field(default_factory=list)
    confirmed: dict[str, str] = field(default_factory=dict)  # public id -> last state the API confirmed
    stop: threading.Event = field(default_factory=threading.Event)
    failure: BaseException | None = None

    def published(self) -> int:
        return sum(state == "published" for state in self.confirmed.values())

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                self._one(f"PGW-{next(self.env.ids)}")
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread
            self.failure = exc

    def _one(self, public_id: str) -> None:
        client, staff = self.env.client, self.env.staff
        response = client.post("/api/staff/entries", json=_entry_body(public_id), headers=staff["specialist"])
        self.statuses.append(response.status_code)
        if response.status_code != 201:
            return
        entry = response.json()
        self.confirmed[public_id] = entry["status"]
        for who, action in (("specialist", "submit"), ("reviewer", "dept-approve"), ("manager", "publish")):
            response = client.post(
                f"/api/staff/entries/{public_id}/{action}",
                json={"lock_version": entry["lock_version"]},
                headers=staff[who],
            )
            self.statuses.append(response.status_code)
            if response.status_code != 200:
                return
            entry = response.json()
            self.confirmed[public_id] = entry["status"]


def _wait(condition: Callable[[], bool], seconds: float, what: str, writer: Writer | None = None) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if writer is not None and writer.failure is not None:
            raise AssertionError(f"the writer failed while waiting for {what}") from writer.failure
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_writes_cut_by_a_restart_are_whole_or_absent(env: Env, server: PrivateServer) -> None:
    writer = Writer(env)
    thread = threading.Thread(target=writer.run, daemon=True)
    thread.start()
    try:
        _wait(lambda: writer.published() >= 3, 120, "three entries published before the outage", writer)
        server.run("stop")
        before = len(writer.statuses)
        _wait(lambda: len(writer.statuses) >= before + 5, 120, "requests during the outage", writer)
        server.run("start")
        after = writer.published()
        _wait(
            lambda: writer.published() >= after + 3, 120, "three entries published after the restart", writer
        )
    finally:
        writer.stop.set()
        thread.join(timeout=60)
    assert writer.failure is None, writer.failure
    assert set(writer.statuses) <= {200, 201, 503}, sorted(set(writer.statuses))
    assert 503 in writer.statuses  # the outage was really hit
    _assert_consistent(env.db, writer.confirmed)
    _wait(lambda: _backlog(env.db) == 0, 60, "the outbox worker to drain the backlog after the restart")


def _backlog(db: Engine) -> int:
    with Session(db) as session:
        pending = select(func.count()).select_from(Outbox).where(col(Outbox.processed_at).is_(None))
        return int(session.exec(pending).one())


def _assert_consistent(db: Engine, confirmed: dict[str, str]) -> None:
    """Every entry in the store is whole: each action left its version, QA, audit and outbox rows."""
    with Session(db) as session:
        written = session.exec(select(Entry).where(col(Entry.public_id).like("PGW-%"))).all()
        entries = {e.public_id: e for e in written}
        for public_id, state in confirmed.items():
            assert public_id in entries and entries[public_id].status.value == state, public_id
        for entry in entries.values():
            versions = session.exec(select(EntryVersion).where(EntryVersion.entry_id == entry.id)).all()
            assert len(versions) == 1, entry.public_id
            qas = session.exec(select(QAPair).where(QAPair.version_id == versions[0].id)).all()
            assert len(qas) == 1, entry.public_id
            audit = session.exec(
                select(AuditLog).where(AuditLog.object_type == "entry", AuditLog.object_id == entry.public_id)
            ).all()
            # One audit row per change, and every change bumped lock_version once (create = 1).
            assert len(audit) == entry.lock_version, (entry.public_id, [a.action for a in audit])
            outbox = session.exec(select(Outbox).where(Outbox.doc_id == entry.public_id)).all()
            if entry.status is EntryStatus.published:
                assert entry.live_version_id == versions[0].id and versions[0].state.value == "published"
                assert [(o.op.value, o.doc_version) for o in outbox] == [("upsert", entry.lock_version)]
            else:
                assert entry.live_version_id is None and outbox == [], entry.public_id
        assert session.exec(select(Department).where(Department.name == "苏州市公安局")).one()
