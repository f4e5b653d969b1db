"""Public search endpoints (no login): search, ask, related entries, suggestions.

Why no database on the hot path: hits carry everything they show (stored in the index); the only
store write — a zero-result query for the knowledge-gap list — runs after the response is sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any, TypeVar

import orjson
from fastapi import APIRouter, BackgroundTasks, Path, Query, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine
from sqlmodel import Session

from indexer import regions
from indexer.engine import (
    MAX_PAGE,
    MAX_PAGE_SIZE,
    AskMatch,
    SearchEngine,
    SearchHit,
    SearchRequest,
)
from records.errors import NotFound, ServiceUnavailable, ValidationFailed
from records.models import ZeroResultQuery
from search_api.context import AppContext
from search_api.deps import ContextDep

log = logging.getLogger(__name__)
T = TypeVar("T")
router = APIRouter(tags=["search"])

MAX_QUERY_INPUT = 10_000  # characters; longer pastes are refused, shorter ones analysed in part
MAX_FILTER = 100


async def _run(engine: SearchEngine, call: Callable[..., T], *args: Any) -> T:
    """Run an engine call where it costs least.

    Why: the embedded engine's queries are a few ms of CPU in this process; a thread-pool hop per
    request adds handoff and GIL contention and buys nothing, as the worker has no other core to
    use. A cluster engine waits on the network, so it must not block the event loop."""
    if engine.in_process:
        return call(*args)
    return await run_in_threadpool(call, *args)


def _engine(ctx: ContextDep) -> SearchEngine:
    if ctx.search is None:
        raise ServiceUnavailable("检索服务尚未就绪，请稍后再试", code="search_unavailable")
    return ctx.search  # type: ignore[no-any-return]


def _text(value: str, field: str) -> str:
    if not value or not value.strip() or not any(ch.isprintable() and not ch.isspace() for ch in value):
        raise ValidationFailed("请输入检索内容", code="empty_query", details={"field": field})
    return value


def _region_path(db: Engine, region: str | None) -> str | None:
    if not region or not region.strip():
        return None
    return regions.resolve(db, region.strip()) or region.strip()


def _ask(
    engine: SearchEngine, db: Engine, question: str, today: date, region: str | None, size: int
) -> list[AskMatch]:
    """The region name resolved and the ask, in one call: for a cluster engine both run in the pool."""
    return engine.ask(question, today, _region_path(db, region), size)


def _record_zero_result(db: Engine, query: str, filters: dict[str, Any], at: datetime) -> None:
    try:
        with Session(db) as session:
            # Control characters (NUL, which PostgreSQL cannot store) are noise in the gap list.
            kept = "".join(ch for ch in query if ch.isprintable() or ch == " ")
            session.add(ZeroResultQuery(query=kept[:500], filters=filters, at=at))
            session.commit()
    except Exception:  # noqa: BLE001 - the gap list must never fail a search
        log.exception("could not record a zero-result query")


def _json(body: dict[str, Any]) -> Response:
    """The body serialised once by orjson: these are the hot endpoints, and FastAPI's generic path
    (jsonable_encoder over every nested value, then json.dumps) cost ~1 ms per search of 10 hits."""
    return Response(orjson.dumps(body), media_type="application/json")


def _hit(hit: SearchHit) -> dict[str, Any]:
    return {
        "id": hit.id,
        "title": hit.title,
        "score": hit.score,
        "region": hit.region,
        "department": hit.department,
        "theme": hit.theme,
        "highlight": hit.highlight,
        "matched_question": hit.matched_question,
    }


class SearchParams(BaseModel):
    """The search parameters: GET /api/search reads them from the query string, POST from a JSON
    body, for clients that paste long text (a URL stops at about 7,000 Chinese characters once
    percent-encoded; the body takes 10,000)."""

    q: str = Field(max_length=MAX_QUERY_INPUT, description="检索词")
    region: str | None = Field(default=None, max_length=MAX_FILTER)
    theme: str | None = Field(default=None, max_length=MAX_FILTER)
    department: str | None = Field(default=None, max_length=MAX_FILTER)
    category: str | None = Field(default=None, max_length=MAX_FILTER)
    page: int = Field(default=1, ge=1, le=MAX_PAGE)
    size: int = Field(default=10, ge=1, le=MAX_PAGE_SIZE)


@router.get("/api/search")
async def search(
    ctx: ContextDep, background: BackgroundTasks, params: Annotated[SearchParams, Query()]
) -> Response:
    return await _search(ctx, background, params)


@router.post("/api/search")
async def search_posted(ctx: ContextDep, background: BackgroundTasks, params: SearchParams) -> Response:
    return await _search(ctx, background, params)


async def _search(ctx: AppContext, background: BackgroundTasks, params: SearchParams) -> Response:
    filters = SearchFilters(params.region, params.theme, params.department, params.category)
    answer = await _run(
        _engine(ctx), search_body, ctx, background, params.q, filters, params.page, params.size
    )
    return _json(answer)


@dataclass(frozen=True)
class SearchFilters:
    region: str | None = None
    theme: str | None = None
    department: str | None = None
    category: str | None = None


def search_body(
    ctx: AppContext, background: BackgroundTasks, q: str, filters: SearchFilters, page: int, size: int
) -> dict[str, Any]:
    """The /api/search answer; the citizen results page calls this too, so both apply one rule set.

    The region name is resolved here (the store is read about once a minute), so for a cluster
    engine that read also stays off the event loop."""
    request = SearchRequest(
        q=_text(q, "q"),
        today=ctx.clock.today(),
        region=_region_path(ctx.db, filters.region),
        theme=filters.theme or None,
        department=filters.department or None,
        category=filters.category or None,
        page=page,
        size=size,
    )
    result = _engine(ctx).search(request)
    if result.total == 0:
        given = {k: v for k, v in asdict(filters).items() if v}
        now = ctx.clock.now()
        at = now.astimezone(UTC) if now.tzinfo else now.replace(tzinfo=UTC)
        background.add_task(_record_zero_result, ctx.db, q.strip(), given, at)
    return {
        "query": result.query,
        "total": result.total,
        "took_ms": result.took_ms,
        "hits": [_hit(hit) for hit in result.hits],
    }


class AskBody(BaseModel):
    question: str = Field(max_length=MAX_QUERY_INPUT, description="来电人的问题")
    region: str | None = Field(default=None, max_length=MAX_FILTER)
    size: int = Field(default=5, ge=1, le=20)


@router.post("/api/ask")
async def ask(ctx: ContextDep, body: AskBody) -> Response:
    engine = _engine(ctx)
    question = _text(body.question, "question")
    matches = await _run(engine, _ask, engine, ctx.db, question, ctx.clock.today(), body.region, body.size)
    return _json(
        {
            "matches": [
                {
                    "entry_id": m.entry_id,
                    "question": m.question,
                    "answer": m.answer,
                    "score": m.score,
                    "same_question": m.same_question,
                }
                for m in matches
            ]
        }
    )


@router.get("/api/entries/{entry_id}/related")
async def related(ctx: ContextDep, entry_id: Annotated[str, Path(max_length=64)]) -> Response:
    engine = _engine(ctx)
    found = await _run(engine, engine.related, entry_id, ctx.clock.today())
    if found is None:
        raise NotFound("条目不存在或未公开", code="entry_not_found", details={"id": entry_id})
    return _json({"related": [{"id": h.id, "title": h.title, "score": h.score} for h in found]})


@router.get("/api/suggest")
async def suggest(
    ctx: ContextDep,
    q: Annotated[str, Query(max_length=200)] = "",
    size: Annotated[int, Query(ge=1, le=20)] = 8,
) -> Response:
    engine = _engine(ctx)
    suggestions = await _run(engine, engine.suggest, q, ctx.clock.today(), size) if q.strip() else []
    return _json({"query": q, "suggestions": suggestions})
