"""``hotline reconcile``: find and repair drift between the store and the search index."""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer

from search_api.cli_common import console, err_console, store_from_env

MAX_DRAIN_ROUNDS = 10_000
DEFERRED_PAUSE_SECONDS = 0.05


def drain_all(worker: Any) -> int:
    """Apply every pending row (stops early when the engine fails: the rows stay queued)."""
    applied = 0
    for _ in range(MAX_DRAIN_ROUNDS):
        result = worker.drain_once()
        applied += result.rows
        if result.failed or (not result.rows and not result.deferred):
            break
        if not result.rows:  # only rows another worker is applying right now: give it a moment
            time.sleep(DEFERRED_PAUSE_SECONDS)
    return applied


def _print_drift(title: str, drift: Any) -> None:
    labels = {"missing": "缺失", "stale": "版本过旧", "extra": "多余", "ahead": "索引版本高于数据库"}
    data = drift.as_dict()
    console.print(f"{title}：数据库应有 {data['store']} 篇，索引中 {data['index']} 篇")
    for key, label in labels.items():
        part = data[key]
        if part["count"]:
            more = "…" if part["count"] > len(part["ids"]) else ""
            console.print(f"  {label} {part['count']}：{', '.join(part['ids'])}{more}")


def reconcile(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只比较并列出差异，不修复")] = False,
) -> None:
    """Compare ids and versions between the store and the index; index what is missing or stale
    and delete what should not be there, then print what was fixed.

    Repairs go through the outbox. In embedded mode while `hotline serve` runs, the server's
    worker applies them; otherwise this command applies them and checks again. Exit code 1 when
    differences remain (or, with --dry-run, when any were found).

    Example: hotline reconcile --dry-run
    """
    from analyzers.pipeline import Analyzer
    from indexer import layout
    from indexer.reconcile import reconcile as run
    from indexer.runtime import build_engine
    from indexer.worker import OutboxWorker
    from records.clock import SystemClock

    settings, engine = store_from_env()
    clock = SystemClock(settings.timezone)
    analyzer = Analyzer(settings.dictionary_dir, poll_seconds=None)
    handle = layout.try_writer_lock(settings.index_dir) if settings.embedded_search else None
    writable = handle is not None or not settings.embedded_search
    search = build_engine(settings, analyzer, writable=writable)
    try:
        worker = OutboxWorker(engine, search, analyzer, clock)
        report = run(engine, search, clock, drain=(lambda: drain_all(worker)) if writable else None,
                     dry_run=dry_run)  # fmt: skip
    finally:
        search.close()
        layout.release_lock(handle)
        engine.dispose()
    _print_drift("比较结果", report.before)
    if dry_run:
        raise typer.Exit(0 if report.before.clean else 1)
    if report.before.clean:
        console.print("索引与数据库一致，无需修复。")
        return
    console.print(f"已排队修复 {report.queued} 篇。")
    if report.after is None:
        console.print("检索服务正在运行（持有写入锁），修复由它的索引进程应用；稍后可再运行本命令核对。")
        return
    if report.after.clean:
        console.print("修复完成：索引与数据库一致。")
        return
    _print_drift("仍有差异", report.after)
    err_console.print("仍有差异：请查看 `hotline dead-letters`，或运行 `hotline reindex` 重建索引。")
    raise typer.Exit(1)
