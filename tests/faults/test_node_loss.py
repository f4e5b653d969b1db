"""Fault (b): a 3-node cluster with one replica loses the node holding the primary under search load.

The service's client knows every node (SEARCH_URL lists them, comma-separated) and fails over;
OpenSearch promotes the replica. Searches running in threads meanwhile: zero failures, every
answer complete. Afterwards writes resume. Opt-in: OPENSEARCH_TESTS=1 (own cluster, ports 9264-9266).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from os_devcluster import ENABLED, SKIP_REASON, DevCluster

from analyzers.pipeline import Analyzer
from indexer.engine import IndexDoc, SearchRequest

pytestmark = pytest.mark.skipif(not ENABLED, reason=SKIP_REASON)

PORT = 9264
DOCS = 200
THREADS = 4
TODAY = date(2026, 6, 1)


@pytest.fixture
def cluster() -> Iterator[DevCluster]:
    made = DevCluster(nodes=3, port=PORT)
    made.start()
    try:
        yield made
    finally:
        made.remove()


def _primary_node(cluster: DevCluster, index: str) -> int:
    shards = cluster.client().cat.shards(index=index, format="json")
    [primary] = [s for s in shards if s["prirep"] == "p"]
    return int(str(primary["node"]).rsplit("-", 1)[1])


def test_losing_a_node_fails_no_search_and_writes_resume(cluster: DevCluster) -> None:
    from indexer.opensearch_engine import OpenSearchEngine

    engine: Any = OpenSearchEngine(cluster.search_url, Analyzer(), index_name="fault-node")
    docs = [IndexDoc(id=f"N{i:03d}", version=1, title=f"公积金提取第{i}项") for i in range(DOCS)]
    engine.index(docs)
    engine.commit()
    index = engine.alias_target()
    health = cluster.client().cluster.health(
        index=index, params={"wait_for_status": "green"}, request_timeout=120
    )
    assert health["status"] == "green"
    settings = cluster.client().indices.get_settings(index=index)[index]["settings"]["index"]
    assert settings["auto_expand_replicas"] == "0-1"  # one replica on a multi-node cluster
    victim = _primary_node(cluster, index)

    stop = threading.Event()
    totals: list[int] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def searching() -> None:
        while not stop.is_set():
            try:
                total = engine.search(SearchRequest(q="公积金提取", today=TODAY)).total
            except BaseException as exc:  # noqa: BLE001 - counted and asserted below
                with lock:
                    failures.append(exc)
            else:
                with lock:
                    totals.append(total)

    threads = [threading.Thread(target=searching) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(2)  # load before the fault
        before = len(totals)
        cluster.stop_node(victim)
        seen = len(totals)
        deadline = time.monotonic() + 60
        while len(totals) < seen + 200 and time.monotonic() < deadline:
            time.sleep(0.2)  # keep searching after the node left
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert failures == [], failures[:3]
    assert before > 0 and len(totals) >= seen + 200
    assert set(totals) == {DOCS}  # every answer complete: nothing missing while the replica took over

    engine.index([IndexDoc(id="N-AFTER", version=1, title="公积金提取（节点故障后写入）")])
    engine.commit()
    found = engine.search(SearchRequest(q="节点故障后写入", today=TODAY))
    assert [h.id for h in found.hits] == ["N-AFTER"]
    assert engine.search(SearchRequest(q="公积金提取", today=TODAY)).total == DOCS + 1
    engine.close()
