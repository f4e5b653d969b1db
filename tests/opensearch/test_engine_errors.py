"""An engine that is down or answers with an error is a 503/502 with a Chinese message, never
an empty result; a wrong SEARCH_URL stops start-up naming SEARCH_URL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from stacks import TestStack

from analyzers.pipeline import Analyzer
from indexer.engine import SearchRequest
from indexer.opensearch_client import BULK_MAX_BYTES, BULK_MAX_DOCS, SearchEngineError, _chunks, hosts
from indexer.opensearch_engine import OpenSearchEngine
from records.clock import FixedClock
from records.errors import ServiceUnavailable
from records.migrate import upgrade
from search_api.app import create_app
from search_api.startup import StartupError, check_search

DOWN_URL = "http://127.0.0.1:1"  # nothing listens on port 1
TODAY = date(2026, 6, 1)


@pytest.fixture
def down_engine(analyzer: Analyzer) -> Iterator[OpenSearchEngine]:
    engine = OpenSearchEngine(DOWN_URL, analyzer, index_name="down")
    yield engine
    engine.close()


@pytest.mark.parametrize(
    "call",
    [
        lambda e: e.search(SearchRequest(q="居住证", today=TODAY)),
        lambda e: e.ask("身份证丢了怎么办", TODAY),
        lambda e: e.suggest("居住", TODAY),
        lambda e: e.related("A1", TODAY),
        lambda e: e.commit(),
        lambda e: e.all_versions(),
    ],
)
def test_unreachable_engine_raises_search_unavailable(down_engine: OpenSearchEngine, call: Any) -> None:
    with pytest.raises(ServiceUnavailable) as raised:
        call(down_engine)
    assert raised.value.code == "search_unavailable" and raised.value.status_code == 503
    assert "检索服务" in raised.value.message


def test_unreachable_engine_health_says_unavailable(down_engine: OpenSearchEngine) -> None:
    health = down_engine.health()
    assert (health["status"], health["engine"], health["documents"]) == ("unavailable", "opensearch", 0)


@pytest.fixture
def down_client(tmp_path: Path, test_stack: TestStack) -> Iterator[TestClient]:
    with test_stack.scoped(
        tmp_path / "data",
        search_url=DOWN_URL,
        index_name="down",
        secret_key="test-secret-key-with-at-least-32-bytes",
    ) as settings:
        upgrade(settings.effective_database_url)
        with TestClient(create_app(settings, clock=FixedClock(datetime(2026, 6, 1, 2, 0, 0)))) as client:
            yield client


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/search?q=居住证", None),
        ("POST", "/api/ask", {"question": "身份证丢了怎么补办"}),
        ("GET", "/api/suggest?q=居住", None),
    ],
)
def test_api_answers_503_when_engine_is_down(
    down_client: TestClient, method: str, path: str, body: dict[str, Any] | None
) -> None:
    response = down_client.request(method, path, json=body)
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "search_unavailable" and "检索服务" in error["message"]


def test_health_is_degraded_when_engine_is_down(down_client: TestClient) -> None:
    body = down_client.get("/api/health").json()
    assert body["status"] == "degraded" and body["search"]["status"] == "unavailable"


def test_engine_error_is_502(os_engine: OpenSearchEngine) -> None:
    os_engine.admin.ensure()
    os_engine.client.indices.close(index=os_engine.alias_target())
    with pytest.raises(SearchEngineError) as raised:
        os_engine.search(SearchRequest(q="居住证", today=TODAY))
    assert raised.value.status_code == 502 and raised.value.code == "search_engine_error"
    assert "检索引擎" in raised.value.message
    os_engine.client.indices.open(index=os_engine.alias_target())


def test_bulk_requests_are_bounded_by_count_and_bytes() -> None:
    small = [({"index": {"_id": str(i)}}, {"t": "x"}) for i in range(BULK_MAX_DOCS * 2 + 1)]
    assert [len(lines) // 2 for lines in _chunks(small)] == [BULK_MAX_DOCS, BULK_MAX_DOCS, 1]
    big = [({"index": {"_id": str(i)}}, {"t": "字" * (BULK_MAX_BYTES // 9)}) for i in range(5)]
    chunks = list(_chunks(big))
    assert len(chunks) == 3
    assert all(sum(len(line.encode()) + 1 for line in lines) <= BULK_MAX_BYTES for lines in chunks)


def test_search_url_may_list_nodes() -> None:
    assert hosts("http://a:9200, http://b:9200/,") == ["http://a:9200", "http://b:9200"]


class _NotOpenSearch(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        body = b'{"hello": "world"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def not_opensearch_url() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _NotOpenSearch)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_startup_refuses_unreachable_search_url(tmp_path: Path) -> None:
    from search_api.settings import Settings

    with pytest.raises(StartupError, match="SEARCH_URL"):
        check_search(Settings(data_dir=tmp_path, search_url=DOWN_URL), timeout=1.0)


def test_startup_refuses_a_server_that_is_not_opensearch(tmp_path: Path, not_opensearch_url: str) -> None:
    from search_api.settings import Settings

    with pytest.raises(StartupError, match="SEARCH_URL.*不是 OpenSearch"):
        check_search(Settings(data_dir=tmp_path, search_url=not_opensearch_url), timeout=1.0)


def test_startup_never_prints_the_password(tmp_path: Path) -> None:
    from search_api.settings import Settings

    with pytest.raises(StartupError) as raised:
        check_search(Settings(data_dir=tmp_path, search_url="http://user:secret@127.0.0.1:1"), timeout=1.0)
    assert "secret" not in str(raised.value) and "SEARCH_URL" in str(raised.value)


def test_startup_accepts_opensearch(tmp_path: Path, os_url: str) -> None:
    from search_api.settings import Settings

    check_search(Settings(data_dir=tmp_path, search_url=f"{os_url},{os_url}"), timeout=3.0)


def test_bulk_to_an_unreachable_engine_gives_up_with_503(down_engine: OpenSearchEngine) -> None:
    from indexer.opensearch_client import bulk

    items = [({"index": {"_index": "down", "_id": "A1"}}, {"id": "A1"})]
    with pytest.raises(ServiceUnavailable) as raised:
        bulk(down_engine.client, items, delays=(0.01, 0.01))
    assert raised.value.code == "search_unavailable"
