"""Liveness and readiness: store reachable, engine state, outbox backlog."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import text

from search_api.deps import ContextDep

router = APIRouter(tags=["health"])


@router.get("/api/health")
def health(ctx: ContextDep) -> dict[str, Any]:
    with ctx.db.connect() as conn:
        conn.execute(text("SELECT 1"))
    engine_health = ctx.search.health() if ctx.search is not None else {"status": "absent"}
    status = "ok" if engine_health.get("status") in ("ok", "absent") else "degraded"
    return {"status": status, "database": "ok", "search": engine_health}
