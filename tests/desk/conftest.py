"""Fixtures of the desk tests: a migrated store holding the published demo entries, staff of
each role, and the real app (whose outbox worker indexes the entries) over HTTP.

Entries are created and published through records.entries / records.lifecycle (the same code the
staff API uses), so the desk is tested against real published entries in a real index.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from stacks import TestStack

from records.clock import FixedClock
from records.content import EntryContent
from records.db import make_engine
from records.entries import create_draft
from records.lifecycle import publish_version
from records.migrate import upgrade
from records.models import Department, EntryVersion, Role, User
from records.reference import ensure_category, ensure_department, ensure_theme, find_region
from records.validation import QAContent
from search_api.accounts import create_user
from search_api.app import create_app
from search_api.security import create_access_token
from search_api.settings import Settings

DEMO_ENTRIES = Path(__file__).resolve().parents[2] / "records" / "demo" / "entries.jsonl"
PASSWORD = "desk-test-pass-1"
INDEX_WAIT_SECONDS = 30.0


def _publish_demo(session: Session, clock: FixedClock, manager: User) -> int:
    count = 0
    for line in DEMO_ENTRIES.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        region = find_region(session, item["region"])
        ensure_department(session, item["department"], region)
        ensure_category(session, item["category"])
        ensure_theme(session, item["theme"])
        content = EntryContent(
            title=item["title"],
            department=item["department"],
            region=item["region"],
            category=item["category"],
            theme=item["theme"],
            effective_from=None,
            contact_phone=item["contact_phone"],
            doc_number=item.get("doc_number", ""),
            original_text=item["original_text"],
            interpretation=item["interpretation"],
            qas=[QAContent(q["question"], q["answer"], q.get("similar_questions", [])) for q in item["qas"]],
            keywords=item.get("keywords", []),
        )
        entry = create_draft(session, manager, content, clock, max_text_bytes=1_000_000, public_id=item["id"])
        version = session.exec(select(EntryVersion).where(EntryVersion.entry_id == entry.id)).one()
        publish_version(session, None, entry, version, clock, action="import")
        count += 1
    return count


MONDAY_10AM = datetime(2026, 6, 1, 2, 0, 0)  # naive UTC: 2026-06-01 10:00 Beijing time, a Monday


@dataclass
class DeskEnv:
    """One migrated store with the published demo entries and one running app, per test module.

    Why per module: building the store and indexing the demo entries takes seconds; tests in a
    module share them but each submits its own questions, sets the clock it needs, and makes its
    own accounts, so no test depends on another's leftovers.
    """

    db: Engine
    client: TestClient
    clock: FixedClock
    settings: Settings
    _accounts: itertools.count = field(default_factory=itertools.count)

    def staff(self, role: Role, department: str | None = None) -> dict[str, str]:
        """Authorization header of a new account of ``role`` (in ``department``)."""
        username = f"{role.value}-{next(self._accounts)}"
        with Session(self.db, expire_on_commit=False) as session:
            user = create_user(
                session,
                username=username,
                password=PASSWORD,
                role=role,
                clock=self.clock,
                department=department,
            )
            session.commit()
            assert user.id is not None
        token = create_access_token(user.id, self.settings.secret_key, self.settings.token_ttl_minutes)
        return {"Authorization": f"Bearer {token}"}

    def department_id(self, name: str) -> int:
        with Session(self.db) as session:
            found = session.exec(select(Department).where(Department.name == name)).one()
            assert found.id is not None
            return found.id


def build_store(settings: Settings, clock: FixedClock) -> Engine:
    upgrade(settings.effective_database_url)
    engine = make_engine(settings.effective_database_url)
    with Session(engine, expire_on_commit=False) as session:
        loader = create_user(session, username="loader", password=PASSWORD, role=Role.manager, clock=clock)
        session.flush()
        _publish_demo(session, clock, loader)
        session.commit()
    return engine


def wait_for_index(client: TestClient) -> None:
    deadline = time.monotonic() + INDEX_WAIT_SECONDS
    while time.monotonic() < deadline:
        found = client.get("/api/search", params={"q": "居住证"})
        if found.status_code == 200 and found.json()["total"] > 0:
            return
        time.sleep(0.05)
    pytest.fail("the demo entries were not indexed")


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory, test_stack: TestStack) -> Iterator[DeskEnv]:
    with test_stack.scoped(
        tmp_path_factory.mktemp("desk") / "data",
        indexer_poll_seconds=0.05,
        secret_key="test-secret-key-with-at-least-32-bytes",
        question_rate_per_minute=1000,
        holidays="2026-06-19",
    ) as settings:
        clock = FixedClock(MONDAY_10AM)
        engine = build_store(settings, clock)
        with TestClient(create_app(settings, clock=clock)) as client:
            wait_for_index(client)
            yield DeskEnv(engine, client, clock, settings)
        engine.dispose()


@pytest.fixture
def env(desk: DeskEnv) -> DeskEnv:
    """The module's environment with the clock back at Monday 10:00."""
    desk.clock.set(MONDAY_10AM)
    return desk


def submit(client: TestClient, text: str, **extra: Any) -> dict[str, Any]:
    response = client.post("/api/questions", json={"text": text, **extra})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


FOUR = {
    "basis": "《苏州市流动人口居住登记及居住证管理办法》第十条",
    "answer": "在苏州居住半年以上、有合法稳定就业或住所的，可凭身份证到居住地派出所申领居住证。",
    "phone": "0512-65225661",
    "signature": "苏州市公安局",
}
