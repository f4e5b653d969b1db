"""Public search endpoints (no login): search, ask, related entries, suggestions.

Why no database on the hot path: hits carry everything they show (stored in the index); the only
store write — a zero-result query for the knowledge-gap list — runs after the response is sent.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, BackgroundTasks, Path, Query, Response
from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine
from sqlmodel import Session

from indexer import regions
from indexer.engine import MAX_PAGE, MAX_PAGE_SIZE, SearchEngine, SearchHit, SearchRequest
from records.errors import NotFound, ServiceUnavailable, ValidationFailed
from records.models import ZeroResultQuery
from search_api.deps import ContextDep

log = logging.getLogger(__name__)
router = APIRouter(tags=["search"])

MAX_QUERY_INPUT = 10_000  # characters; longer pastes are refused, shorter ones analysed in part
MAX_FILTER = 100


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


def _record_zero_result(db: Engine, query: str, filters: dict[str, Any], at: datetime) -> None:
    try:
        with Session(db) as session:
            session.add(ZeroResultQuery(query=query[:500], filters=filters, at=at))
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


Filter = Annotated[str | None, Query(max_length=MAX_FILTER)]


@router.get("/api/search")
def search(
    ctx: ContextDep,
    background: BackgroundTasks,
    q: Annotated[str, Query(max_length=MAX_QUERY_INPUT, description="检索词")],
    region: Filter = None,
    theme: Filter = None,
    department: Filter = None,
    category: Filter = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 10,
) -> Response:
    engine = _engine(ctx)
    request = SearchRequest(
        q=_text(q, "q"),
        today=ctx.clock.today(),
        region=_region_path(ctx.db, region),
        theme=theme or None,
        department=department or None,
        category=category or None,
        page=page,
        size=size,
    )
    result = engine.search(request)
    if result.total == 0:
        filters = {
            k: v
            for k, v in {
                "region": region,
                "theme": theme,
                "department": department,
                "category": category,
            }.items()
            if v
        }
        now = ctx.clock.now()
        at = now.astimezone(UTC) if now.tzinfo else now.replace(tzinfo=UTC)
        background.add_task(_record_zero_result, ctx.db, q.strip(), filters, at)
    return _json(
        {
            "query": result.query,
            "total": result.total,
            "took_ms": result.took_ms,
            "hits": [_hit(hit) for hit in result.hits],
        }
    )


class AskBody(BaseModel):
    question: str = Field(max_length=MAX_QUERY_INPUT, description="来电人的问题")
    region: str | None = Field(default=None, max_length=MAX_FILTER)
    size: int = Field(default=5, ge=1, le=20)


@router.post("/api/ask")
def ask(ctx: ContextDep, body: AskBody) -> Response:
    engine = _engine(ctx)
    matches = engine.ask(
        _text(body.question, "question"), ctx.clock.today(), _region_path(ctx.db, body.region), body.size
    )
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
def related(ctx: ContextDep, entry_id: Annotated[str, Path(max_length=64)]) -> Response:
    found = _engine(ctx).related(entry_id, ctx.clock.today())
    if found is None:
        raise NotFound("条目不存在或未公开", code="entry_not_found", details={"id": entry_id})
    return _json({"related": [{"id": h.id, "title": h.title, "score": h.score} for h in found]})


@router.get("/api/suggest")
def suggest(
    ctx: ContextDep,
    q: Annotated[str, Query(max_length=200)] = "",
    size: Annotated[int, Query(ge=1, le=20)] = 8,
) -> Response:
    suggestions = _engine(ctx).suggest(q, ctx.clock.today(), size) if q.strip() else []
    return _json({"query": q, "suggestions": suggestions})
