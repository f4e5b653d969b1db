"""Liveness and readiness: store reachable, engine state, outbox backlog, dead letters.

Why HTTP 200 when degraded: the API still serves what it can (search answers from the index as
it is, writes land in the store and the outbox), so a load balancer must keep sending traffic;
``status`` tells monitoring that the index lags, the engine is unreachable, or documents were
refused (dead letters), and names which. Only an unreachable store makes the request fail (503).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter
from sqlalchemy import text
from sqlmodel import Session

from indexer.dead_letters import Backlog, backlog
from indexer.worker import drained_doc_types
from search_api.deps import ContextDep

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)

BACKLOG_GRACE_POLLS = 10  # a backlog younger than this many poll intervals is normal work in progress
BACKLOG_GRACE_FLOOR_SECONDS = 5.0
HEALTHY_ENGINE = ("ok", "absent")


def backlog_grace_seconds(poll_seconds: float) -> float:
    return max(BACKLOG_GRACE_POLLS * poll_seconds, BACKLOG_GRACE_FLOOR_SECONDS)


def _engine_health(search: Any) -> dict[str, Any]:
    if search is None:
        return {"status": "absent"}
    try:
        return dict(search.health())
    except Exception as exc:  # noqa: BLE001 - an unreachable engine is a health state, not a 500
        log.warning("engine health check failed: %s", exc)
        return {
            "status": "unavailable",
            "engine": getattr(search, "name", "unknown"),
            "reason": type(exc).__name__,
        }


def assess(engine_health: dict[str, Any], state: Backlog, grace_seconds: float) -> list[str]:
    """What is wrong, by name (empty: healthy). A young backlog is normal work in progress."""
    problems = []
    if engine_health.get("status") not in HEALTHY_ENGINE:
        problems.append("search")
    if state.pending and state.oldest_age_seconds > grace_seconds:
        problems.append("outbox_backlog")
    if state.dead_letters:
        problems.append("dead_letters")
    return problems


@router.get("/api/health")
def health(ctx: ContextDep) -> dict[str, Any]:
    with ctx.db.connect() as conn:
        conn.execute(text("SELECT 1"))
    engine_health = _engine_health(ctx.search)
    with Session(ctx.db) as session:
        state = backlog(session, ctx.clock, drained_doc_types())
    grace = backlog_grace_seconds(ctx.settings.indexer_poll_seconds)
    problems = assess(engine_health, state, grace)
    return {
        "status": "degraded" if problems else "ok",
        "problems": problems,
        "database": "ok",
        "search": engine_health,
        "outbox_backlog": {**state.as_dict(), "grace_seconds": grace},
    }
