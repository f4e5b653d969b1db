"""The cluster reindex: a new index, one atomic alias swap, nothing lost, search never dark.

Opt-in: TEST_OPENSEARCH_URL (a scratch alias per test, its indices deleted afterwards).
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from cli_env import use_settings
from rows import publish, take_down
from sqlalchemy.engine import Engine

from analyzers.pipeline import Analyzer
from indexer.engine import SearchRequest
from indexer.opensearch_reindex import rebuild_cluster
from indexer.reconcile import index_versions, measure
from indexer.worker import OutboxWorker
from records.clock import FixedClock
from search_api.cli_reconcile import drain_all
from search_api.settings import Settings

OPENSEARCH_URL = os.environ.get("TEST_OPENSEARCH_URL", "")
pytestmark = pytest.mark.skipif(not OPENSEARCH_URL, reason="set TEST_OPENSEARCH_URL to an OpenSearch node")


@pytest.fixture
def cluster_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"search_url": OPENSEARCH_URL, "index_name": f"reindex-{uuid.uuid4().hex[:12]}"}
    )


@pytest.fixture
def engine(cluster_settings: Settings, analyzer: Analyzer) -> Iterator[Any]:
    from indexer.opensearch_engine import OpenSearchEngine

    made = OpenSearchEngine(OPENSEARCH_URL, analyzer, index_name=cluster_settings.index_name)
    yield made
    made.admin.drop()
    with_prefix = f"{cluster_settings.index_name}-*"
    made.client.indices.delete(index=with_prefix, params={"ignore_unavailable": "true"})
    made.close()


@pytest.mark.parametrize("workers", [1, 2])
def test_alias_swap_reindex_keeps_search_up_and_loses_nothing(
    db: Engine,
    engine: Any,
    cluster_settings: Settings,
    analyzer: Analyzer,
    clock: FixedClock,
    workers: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import indexer.reindex as embedded
    from indexer import fast_analysis

    monkeypatch.setattr(embedded, "POOL_THRESHOLD", 1)  # exercise the process pool on a small store
    monkeypatch.setattr(embedded, "BATCH", 7)  # several bulk requests
    monkeypatch.setattr(fast_analysis, "CHUNK", 7)  # several worker tasks, so several bulk requests
    for i in range(40):
        publish(db, f"R{i:02d}", f"居住证办理指南第{i}号")
    worker = OutboxWorker(db, engine, analyzer, clock)
    drain_all(worker)
    old_index = engine.alias_target()
    stop = threading.Event()
    outcomes: list[int] = []
    failures: list[BaseException] = []

    def searching() -> None:
        while not stop.is_set():
            try:
                outcomes.append(engine.search(SearchRequest(q="居住证办理", today=clock.today())).total)
            except BaseException as exc:  # noqa: BLE001 - counted, asserted by the test
                failures.append(exc)

    during: list[str] = []

    def progress(done: int, total: int) -> None:
        if done and not during:  # R00 and R01 are already in the new index, as they were
            publish(db, "R-NEW", "居住证办理指南（重建期间新增）")
            publish(db, "R00", "居住证办理指南第0号（重建期间修订）")
            take_down(db, "R01")
            during.extend(["R-NEW", "R00", "R01"])
            drain_all(worker)  # into the old index, which the alias still names

    thread = threading.Thread(target=searching)
    thread.start()
    try:
        result = rebuild_cluster(
            db, cluster_settings, analyzer, progress, clock=clock, workers=workers, engine=engine,
            grace_seconds=0.2,
        )  # fmt: skip
    finally:
        stop.set()
        thread.join(timeout=30)
    assert failures == []
    # Never an empty or half-built index: 40 entries, give or take the two changes made meanwhile.
    assert outcomes and min(outcomes) >= 39 and max(outcomes) <= 41
    assert during and result.documents == 40 and result.deleted == (old_index,)
    assert engine.alias_target() == result.index != old_index
    assert not engine.client.indices.exists(index=old_index)
    assert result.requeued >= 3
    drain_all(worker)  # the workers replay what arrived during the rebuild into the new index
    drift = measure(db, engine, clock)
    assert drift.clean, drift
    versions = index_versions(engine)
    assert versions["R-NEW"] == 1 and versions["R00"] == 2 and "R01" not in versions
    titles = [h.title for h in engine.search(SearchRequest(q="重建期间", today=clock.today())).hits]
    assert sorted(titles) == ["居住证办理指南第0号（重建期间修订）", "居住证办理指南（重建期间新增）"]


def test_cli_reindex_in_cluster_mode(
    db: Engine, engine: Any, cluster_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from search_api.cli import app as cli_app

    for i in range(3):
        publish(db, f"K{i}", f"护照办理{i}")
    use_settings(monkeypatch, cluster_settings)
    first = CliRunner().invoke(cli_app, ["reindex"])
    assert first.exit_code == 0, first.output
    assert "索引已重建并切换：3 篇文档" in first.output
    built = engine.alias_target()
    second = CliRunner().invoke(cli_app, ["reindex"])
    assert second.exit_code == 0, second.output
    assert engine.alias_target() not in (None, built)
    assert not engine.client.indices.exists(index=built)
    assert sorted(index_versions(engine)) == ["K0", "K1", "K2"]
