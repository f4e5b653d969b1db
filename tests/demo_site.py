"""A data directory with the demo entries and accounts, migrated and indexed (what ``serve --demo`` does).

Shared by the page tests (TestClient) and the browser tests (live server): both need the same
published demo content on the embedded stack, built once per module or session.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from records.clock import Clock
from search_api.settings import Settings

SECRET = "page-test-secret-key-with-at-least-32-bytes"
XSS_TITLE = '<script>alert("xss")</script>居民身份证<b>加急</b>办理'


def build_demo_site(data_dir: Path, clock: Clock) -> tuple[Settings, Engine]:
    """Settings and a store engine for ``data_dir``, with the demo loaded and the index built.

    Always the embedded stack (SQLite file + tantivy), whatever the environment says: the pages are
    the same on every stack and the engine contract suite covers the cluster engines.
    """
    from analyzers.pipeline import Analyzer
    from indexer.reindex import rebuild
    from records.db import make_engine
    from search_api.demo import load_demo
    from search_api.startup import run_migrations

    data_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings(
        environment="test",
        data_dir=data_dir,
        database_url="",
        search_url="",
        indexer_poll_seconds=0.05,
        secret_key=SECRET,
        # Every test shares one client address; the per-client limits have their own API tests.
        question_rate_per_minute=1000,
        feedback_rate_per_minute=1000,
    )
    run_migrations(settings)
    engine = make_engine(settings.effective_database_url)
    load_demo(engine, clock)
    rebuild(engine, settings, Analyzer(settings.dictionary_dir, poll_seconds=None), clock=clock)
    return settings, engine


def xss_entry(entry_id: str) -> dict[str, Any]:
    """A publishable entry whose every free-text field carries markup that must show as text."""
    return {
        "id": entry_id,
        "theme": "居民身份证",
        "category": ["公安", "户政管理", "居民身份证申领"],
        "title": XSS_TITLE,
        "department": "江苏省公安厅",
        "region": "江苏省",
        "effective_from": "2024-01-01",
        "effective_to": None,
        "original_text": '加急办理身份证的规定。<img src=x onerror="alert(1)">',
        "interpretation": "解读里也有 <script>alert(2)</script> 标记。",
        "qas": [{"question": "加急<script>alert(3)</script>怎么办？", "answer": "带上户口簿<i>即可</i>。"}],
        "contact_phone": "12345",
        "keywords": ["加急", "身份证"],
    }


def publish(
    engine: Engine,
    clock: Clock,
    entries: list[dict[str, Any]],
    folder: Path,
    status_of: Callable[[str], int],
) -> None:
    """Import and publish ``entries`` (import-format dicts), then wait until the running app's worker
    indexed them; ``status_of(path)`` is the HTTP status the app answers for ``path``."""
    from records.importer import import_jsonl

    path = folder / "entries.jsonl"
    path.write_text("\n".join(json.dumps(e, ensure_ascii=False) for e in entries), encoding="utf-8")
    report = import_jsonl(engine, path, publish=True, actor=None, clock=clock)
    assert not report.errors, report.errors
    pending = {e["id"] for e in entries}
    deadline = time.monotonic() + 30
    while pending and time.monotonic() < deadline:
        pending = {i for i in pending if status_of(f"/api/entries/{i}/related") != 200}
        time.sleep(0.05)
    assert not pending, f"not indexed: {pending}"


def publish_entries(client: Any, entries: list[dict[str, Any]], folder: Path) -> None:
    """``publish`` into the app behind a TestClient (its own store and clock)."""
    ctx = client.app.state.context
    publish(ctx.db, ctx.clock, entries, folder, lambda path: client.get(path).status_code)
