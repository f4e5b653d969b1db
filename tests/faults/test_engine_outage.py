"""Fault (a): the search engine is stopped while 200 entries are published through the API.

Every publish succeeds (the store and the outbox do not need the engine), /api/health says
"degraded" and names the outbox backlog, search answers 503 instead of an empty result, and once
the engine is back the index converges to exactly the store: same ids, same versions, nothing
lost or duplicated. Opt-in: OPENSEARCH_TESTS=1 (starts and stops its own 1-node cluster).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from os_devcluster import ENABLED, SKIP_REASON, DevCluster
from sqlmodel import Session, select

from records.db import make_engine
from records.migrate import upgrade
from records.models import Department, Role, User
from records.reference import ensure_department, find_region
from search_api.app import create_app
from search_api.security import create_access_token
from search_api.settings import Settings

pytestmark = pytest.mark.skipif(not ENABLED, reason=SKIP_REASON)

PORT = 9262
ENTRIES = 200
_users = itertools.count(1)


@pytest.fixture
def cluster() -> Iterator[DevCluster]:
    made = DevCluster(nodes=1, port=PORT)
    made.start()
    try:
        yield made
    finally:
        made.remove()


def _wait(check: Callable[[], Any], timeout: float, what: str, seen: list[Any] | None = None) -> Any:
    """Poll until ``check`` returns something truthy; a bound for a loaded machine, not a latency test.

    ``seen``: the check appends what it looked at, and the last one is shown if the wait fails."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    last = seen[-1] if seen else None
    raise AssertionError(f"gave up waiting for {what} after {timeout} s; last seen: {last}")


def _staff(settings: Settings) -> dict[str, dict[str, str]]:
    db = make_engine(settings.effective_database_url)
    headers = {}
    with Session(db, expire_on_commit=False) as session:
        department = ensure_department(session, "苏州市公安局", find_region(session, "苏州市"))
        session.commit()
        for key, role in (
            ("specialist", Role.specialist),
            ("reviewer", Role.dept_reviewer),
            ("manager", Role.manager),
        ):
            dept_id = department.id if role != Role.manager else None
            user = User(username=f"fault{next(_users)}", password_hash="x", role=role, department_id=dept_id)
            session.add(user)
            session.commit()
            assert user.id is not None
            token = create_access_token(user.id, settings.secret_key, settings.token_ttl_minutes)
            headers[key] = {"Authorization": f"Bearer {token}"}
        assert session.exec(select(Department)).first() is not None
    db.dispose()
    return headers


def _publish(client: TestClient, staff: dict[str, dict[str, str]], number: int) -> None:
    body = {
        "title": f"居住证办理指南第{number}号",
        "region": "苏州市",
        "category": ["公安", "户政管理", "居住证办理"],
        "theme": "户籍办理",
        "effective_from": "2025-01-01",
        "contact_phone": "0512-12345678",
        "original_text": f"居住证申领办法第{number}条：持有效身份证件到社区警务室申领。",
        "interpretation": "带身份证到社区警务室办理居住证。",
        "qas": [
            {
                "question": f"居住证第{number}号怎么办？",
                "answer": "到社区警务室申领。",
                "similar_questions": [],
            }
        ],
        "keywords": ["居住证"],
    }
    response = client.post("/api/staff/entries", json=body, headers=staff["specialist"])
    assert response.status_code == 201, response.text
    entry = response.json()
    for who, action in (("specialist", "submit"), ("reviewer", "dept-approve"), ("manager", "publish")):
        response = client.post(
            f"/api/staff/entries/{entry['id']}/{action}", json={"lock_version": entry["lock_version"]},
            headers=staff[who],
        )  # fmt: skip
        assert response.status_code == 200, response.text
        entry = response.json()


def test_publishing_through_an_engine_outage_loses_nothing(cluster: DevCluster, tmp_path: Path) -> None:
    from indexer.reconcile import index_versions, measure

    settings = Settings(
        environment="test",
        data_dir=tmp_path / "data",
        search_url=cluster.search_url,
        index_name="fault-outage",
        indexer_poll_seconds=0.2,
        secret_key="fault-tests-secret-key-with-at-least-32-bytes",
    )
    upgrade(settings.effective_database_url)
    staff = _staff(settings)
    with TestClient(create_app(settings)) as client:  # the system clock: backlog ages are real
        ctx = client.app.state.context  # type: ignore[attr-defined]
        for number in range(5):
            _publish(client, staff, number)
        _wait(lambda: len(index_versions(ctx.search)) == 5, 180, "the first entries in the index")

        cluster.stop()
        for number in range(5, 5 + ENTRIES):
            _publish(client, staff, number)  # asserts every publish succeeded
        search = client.get("/api/search", params={"q": "居住证"})
        assert search.status_code == 503 and search.json()["error"]["code"] == "search_unavailable"

        seen: list[Any] = []

        def degraded() -> dict[str, Any] | None:
            body = client.get("/api/health").json()
            seen.append(body)
            return body if {"search", "outbox_backlog"} <= set(body["problems"]) else None

        health = _wait(degraded, 120, "/api/health to report the backlog", seen)
        assert health["status"] == "degraded" and health["search"]["status"] != "ok"
        assert health["outbox_backlog"]["pending"] >= ENTRIES
        assert health["outbox_backlog"]["oldest_age_seconds"] > health["outbox_backlog"]["grace_seconds"]
        assert health["outbox_backlog"]["dead_letters"] == 0

        cluster.start()  # same data directory: the index from before the outage is still there

        def healthy() -> dict[str, Any] | None:
            body = client.get("/api/health").json()
            seen.append(body)
            return body if body["status"] == "ok" and body["outbox_backlog"]["pending"] == 0 else None

        _wait(healthy, 300, "the worker to drain the backlog after the restart", seen)
        drift = measure(ctx.db, ctx.search, ctx.clock)
        assert drift.clean, drift.as_dict()
        versions = index_versions(ctx.search)
        assert len(versions) == 5 + ENTRIES == drift.store_count
        found = client.get("/api/search", params={"q": "居住证办理指南", "size": 1}).json()
        assert found["total"] == 5 + ENTRIES  # each entry exactly once
