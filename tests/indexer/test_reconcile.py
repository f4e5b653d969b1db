"""Reconcile finds what a corrupted index lacks, has too much of, or holds stale, and repairs it.

Runs on the embedded engine, and on OpenSearch too when TEST_OPENSEARCH_URL is set (a scratch
alias per test, dropped afterwards).
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_env import use_settings
from rows import publish, take_down
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col
from typer.testing import CliRunner

from analyzers.pipeline import Analyzer
from indexer.engine import IndexDoc, SearchRequest
from indexer.reconcile import index_versions, measure, reconcile
from indexer.tantivy_engine import TantivyEngine
from indexer.worker import OutboxWorker
from records.clock import FixedClock
from records.models import Outbox
from search_api.cli import app as cli_app
from search_api.cli_reconcile import drain_all
from search_api.settings import Settings

OPENSEARCH_URL = os.environ.get("TEST_OPENSEARCH_URL", "")
ENGINES = ["tantivy", "opensearch"] if OPENSEARCH_URL else ["tantivy"]


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest, settings: Settings, analyzer: Analyzer) -> Iterator[Any]:
    if request.param == "tantivy":
        made: Any = TantivyEngine(settings.index_dir, analyzer, writable=True)
    else:
        from indexer.opensearch_engine import OpenSearchEngine

        made = OpenSearchEngine(OPENSEARCH_URL, analyzer, index_name=f"reconcile-{uuid.uuid4().hex[:12]}")
    yield made
    drop = getattr(getattr(made, "admin", None), "drop", None)
    if callable(drop):
        drop()
    made.close()


def _remove_behind_our_back(engine: Any, doc_id: str) -> None:
    """Corrupt the index: the document vanishes without any version trace (a lost shard, a bug)."""
    if isinstance(engine, TantivyEngine):
        writer = engine._get_writer()
        writer.delete_documents_by_term("id", doc_id)
        engine.commit()
    else:  # gc_deletes 0: forget the delete's version at once, as a lost shard would
        engine.client.indices.put_settings(index=engine.alias, body={"index": {"gc_deletes": "0s"}})
        engine.client.delete(index=engine.alias, id=doc_id, params={"refresh": "true"})
        time.sleep(0.5)  # the engine's cached clock (200 ms ticks) must pass the delete before pruning
        engine.client.indices.refresh(index=engine.alias)  # a refresh prunes expired delete versions


def _lose_outbox_rows(db: Engine) -> None:
    """Mark every pending row processed without applying it: events the index never saw."""
    with Session(db) as session:
        session.exec(
            update(Outbox).where(col(Outbox.processed_at).is_(None)).values(processed_at=Outbox.created_at)
        )  # type: ignore[call-overload]
        session.commit()


def _titles(engine: Any, clock: FixedClock, q: str) -> list[str]:
    return sorted(h.title for h in engine.search(SearchRequest(q=q, today=clock.today())).hits)


def test_reconcile_repairs_missing_stale_and_extra(
    db: Engine, engine: Any, analyzer: Analyzer, clock: FixedClock
) -> None:
    for i in range(1, 6):
        publish(db, f"E{i}", f"社保卡办理第{i}项")
    worker = OutboxWorker(db, engine, analyzer, clock)
    drain_all(worker)
    assert measure(db, engine, clock).clean
    _remove_behind_our_back(engine, "E2")  # missing
    publish(db, "E3", "社保卡办理第3项（新版）")  # stale: the event is lost
    take_down(db, "E4")  # extra: the delete is lost
    _lose_outbox_rows(db)
    engine.index([IndexDoc(id="GHOST", version=7, title="社保卡幽灵条目")])  # extra: never in the store
    engine.commit()

    report = reconcile(db, engine, clock, drain=lambda: drain_all(worker))

    before = report.before
    assert (before.missing, before.stale, before.extra, before.ahead) == (["E2"], ["E3"], ["E4", "GHOST"], [])
    assert report.queued == 4
    assert report.after is not None and report.after.clean
    assert _titles(engine, clock, "社保卡办理") == [
        "社保卡办理第1项",
        "社保卡办理第2项",
        "社保卡办理第3项（新版）",
        "社保卡办理第5项",
    ]
    assert index_versions(engine) == {"E1": 1, "E2": 1, "E3": 2, "E5": 1}
    again = reconcile(db, engine, clock, drain=lambda: drain_all(worker))
    assert again.before.clean and again.queued == 0


def test_dry_run_and_no_writer_only_report(
    db: Engine, engine: Any, analyzer: Analyzer, clock: FixedClock
) -> None:
    publish(db, "D1", "医保转移接续")
    _lose_outbox_rows(db)
    dry = reconcile(db, engine, clock, drain=None, dry_run=True)
    assert dry.before.missing == ["D1"] and dry.queued == 0 and dry.after is None
    queued = reconcile(db, engine, clock, drain=None)  # a server's worker would apply these
    assert queued.queued == 1 and queued.after is None
    assert drain_all(OutboxWorker(db, engine, analyzer, clock)) == 1
    assert measure(db, engine, clock).clean


def test_cli_reconcile_embedded(db: Engine, settings: Settings, analyzer: Analyzer, clock: FixedClock,
                                monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:  # fmt: skip
    use_settings(monkeypatch, settings, embedded=True)
    runner = CliRunner()
    for i in range(25):
        publish(db, f"C{i:02d}", f"居住证签注{i}")
    _lose_outbox_rows(db)
    dry = runner.invoke(cli_app, ["reconcile", "--dry-run"])
    assert dry.exit_code == 1, dry.output
    assert "缺失 25：C00, C01" in dry.output and "C19…" in dry.output and "C20" not in dry.output
    fixed = runner.invoke(cli_app, ["reconcile"])
    assert fixed.exit_code == 0, fixed.output
    assert "已排队修复 25 篇" in fixed.output and "修复完成" in fixed.output
    clean = runner.invoke(cli_app, ["reconcile"])
    assert clean.exit_code == 0 and "无需修复" in clean.output
