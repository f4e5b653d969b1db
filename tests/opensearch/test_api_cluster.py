"""The whole service over an OpenSearch index: publish → outbox worker → cluster → HTTP search.

Why here as well as in the cluster CI run: this runs with only TEST_OPENSEARCH_URL set (SQLite
store), so the engine wiring is checked on every developer machine that has a node running.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from stacks import TestStack

from indexer.opensearch_client import make_client
from records.clock import FixedClock
from records.db import make_engine
from records.importer import import_jsonl
from records.migrate import upgrade
from search_api.app import create_app

DEMO = Path(__file__).resolve().parents[2] / "records" / "demo" / "entries.jsonl"
OPENSEARCH_URL = os.environ.get("TEST_OPENSEARCH_URL", "")
CLOCK = FixedClock(datetime(2026, 6, 1, 2, 0, 0))


def wait_for_outbox(url: str, seconds: float = 60.0) -> None:
    db = make_engine(url)
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            with db.connect() as conn:
                pending = conn.execute(
                    text("SELECT count(*) FROM outbox WHERE processed_at IS NULL")
                ).scalar_one()
            if not pending:
                return
            time.sleep(0.1)
    finally:
        db.dispose()
    raise AssertionError(f"outbox not drained in {seconds} s")


@pytest.fixture(scope="module")
def cluster_client(
    tmp_path_factory: pytest.TempPathFactory, test_stack: TestStack
) -> Iterator[tuple[TestClient, str]]:
    url = OPENSEARCH_URL
    if not url:
        pytest.skip("set TEST_OPENSEARCH_URL to an OpenSearch node (scripts/opensearch start)")
    alias = f"h11-api-{uuid.uuid4().hex[:10]}"
    with test_stack.scoped(
        tmp_path_factory.mktemp("cluster") / "data",
        search_url=url,
        index_name=alias,
        indexer_poll_seconds=0.05,
        secret_key="test-secret-key-with-at-least-32-bytes",
    ) as settings:
        upgrade(settings.effective_database_url)
        db = make_engine(settings.effective_database_url)
        report = import_jsonl(db, DEMO, publish=True, actor=None, clock=CLOCK)
        db.dispose()
        assert report.published > 0
        with TestClient(create_app(settings, clock=CLOCK)) as client:
            wait_for_outbox(settings.effective_database_url)
            yield client, alias
        os_client = make_client(url)
        os_client.indices.delete(index=f"{alias}-*", params={"ignore_unavailable": "true"})
        os_client.close()


def test_published_entries_are_searchable_through_the_cluster(cluster_client: tuple[TestClient, str]) -> None:
    client, _ = cluster_client
    body = client.get("/api/search", params={"q": "身份证丢了怎么补办"}).json()
    assert body["total"] > 0 and "身份证" in body["hits"][0]["title"]
    assert "<em>" in body["hits"][0]["highlight"]["title"]


def test_health_names_the_cluster_engine(cluster_client: tuple[TestClient, str]) -> None:
    client, alias = cluster_client
    search = client.get("/api/health").json()["search"]
    assert search["engine"] == "opensearch" and search["status"] == "ok"
    assert search["documents"] > 0 and search["index"].startswith(f"{alias}-v1-")


def test_ask_and_suggest_through_the_cluster(cluster_client: tuple[TestClient, str]) -> None:
    client, _ = cluster_client
    matches = client.post("/api/ask", json={"question": "身份证丢了怎么补办"}).json()["matches"]
    assert matches and "身份证" in matches[0]["question"]
    assert client.get("/api/suggest", params={"q": "居民"}).json()["suggestions"]


def test_engine_error_is_a_502_not_an_empty_result(cluster_client: tuple[TestClient, str]) -> None:
    client, alias = cluster_client
    admin = make_client(OPENSEARCH_URL)
    target = next(iter(admin.indices.get_alias(name=alias)))
    admin.indices.close(index=target)
    try:
        response = client.get("/api/search", params={"q": "居住证"})
    finally:
        admin.indices.open(index=target)
        admin.cluster.health(
            index=target, params={"wait_for_status": "yellow", "timeout": "30s"}, request_timeout=35
        )
        admin.close()
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "search_engine_error"
