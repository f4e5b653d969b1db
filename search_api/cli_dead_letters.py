"""``hotline dead-letters``: list documents the engine refused; requeue one or all of them."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlmodel import Session

from records.clock import SystemClock
from records.errors import AppError
from search_api.cli_common import console, fail, store_from_env


def dead_letters(
    retry: Annotated[int | None, typer.Option("--retry", help="把这条死信（序号）重新排队", min=1)] = None,
    retry_all: Annotated[bool, typer.Option("--retry-all", help="把全部死信重新排队")] = False,
    limit: Annotated[int, typer.Option(help="最多列出多少条", min=1, max=500)] = 50,
) -> None:
    """List dead letters (documents the search engine refused, with its reason) or requeue them.

    Requeues are written to the audit log (object_type "outbox"). Fix the entry first when the
    reason is about its content; otherwise the engine refuses it again.

    Example: hotline dead-letters --retry 1234
    """
    from indexer.dead_letters import list_dead, requeue

    if retry is not None and retry_all:
        fail("--retry 与 --retry-all 只能选一个")
    settings, engine = store_from_env()
    clock = SystemClock(settings.timezone)
    try:
        with Session(engine, expire_on_commit=False) as session:
            if retry is not None or retry_all:
                seqs = requeue(session, clock, actor=None, seq=retry)
                session.commit()
                console.print(f"已重新排队 {len(seqs)} 条：{', '.join(map(str, seqs)) or '（无）'}")
                return
            letters, total = list_dead(session, limit)
    except AppError as exc:
        fail(exc, code=1)
    finally:
        engine.dispose()
    if not total:
        console.print("没有死信：检索引擎接受了全部文档。")
        return
    console.print(f"死信 {total} 条（最新在前，显示 {len(letters)} 条）：")
    for letter in letters:
        console.print(
            f"  #{letter.seq} {letter.doc_type} {letter.doc_id} v{letter.doc_version} {letter.op} "
            f"{letter.dead_at:%Y-%m-%d %H:%M} 原因：{letter.reason}"
        )
