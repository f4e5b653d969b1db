"""Citizen pages: home (search box + theme collections), results, an entry, a theme's collection.

Why server-rendered: a citizen on a slow phone must get the answer without waiting for scripts,
and the page must work with JavaScript off. The pages call the same functions as the JSON API
(search, related, public_view), so the rules (public-only, zero-result logging) are not repeated.
"""

from __future__ import annotations

import math
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, BackgroundTasks, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session

from indexer.engine import MAX_PAGE
from records.errors import AppError, NotFound, ServiceUnavailable, ValidationFailed
from records.views import public_view
from search_api.deps import ClockDep, ContextDep, SessionDep
from search_api.pages.collections import filter_choices, theme_collections, theme_page
from search_api.pages.render import error_field, render, render_error
from search_api.routes import feedback as feedback_api
from search_api.routes import search as search_api

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 10
THEME_PAGE_SIZE = 20
# Page parameters are read leniently (a hand-edited URL gets a page, not a JSON error):
# a bad page number means page 1, an over-long filter is dropped, an over-long query is refused
# with a message on the page.
Param = Annotated[str, Query()]


def _page_number(raw: str, last: int = MAX_PAGE) -> int:
    """ASCII digits only (str.isdigit also takes ², which int() refuses), at most 9 of them."""
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
        return 1
    return min(int(raw), last) if int(raw) >= 1 else 1


def _filter(raw: str) -> str:
    value = raw.strip()
    return value if len(value) <= search_api.MAX_FILTER else ""


def _pages(total: int, size: int) -> int:
    return max(1, min(MAX_PAGE, math.ceil(total / size)))


def _page_url(path: str, params: dict[str, Any], page: int) -> str:
    kept = {k: v for k, v in params.items() if v}
    kept["page"] = page
    return f"{path}?{urlencode(kept)}"


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep, clock: ClockDep) -> HTMLResponse:
    return render(
        request,
        "citizen/home.html",
        nav="search",
        q="",
        choices=filter_choices(session),
        filters={},
        collections=theme_collections(session, clock.today()),
    )


@router.get("/search", response_class=HTMLResponse)
def results(
    request: Request,
    ctx: ContextDep,
    session: SessionDep,
    background: BackgroundTasks,
    q: Param = "",
    region: Param = "",
    theme: Param = "",
    department: Param = "",
    page: Param = "1",
) -> HTMLResponse:
    region, theme, department = _filter(region), _filter(theme), _filter(department)
    filters = {"region": region, "theme": theme, "department": department}
    choices = filter_choices(session)
    context: dict[str, Any] = {"nav": "search", "q": q, "filters": filters, "choices": choices}
    if not q.strip():
        return render(request, "citizen/results.html", message="请输入要查找的问题或关键词", **context)
    if len(q) > search_api.MAX_QUERY_INPUT:
        message = f"检索内容过长（最多 {search_api.MAX_QUERY_INPUT} 个字符）"
        return render(request, "citizen/results.html", status_code=422, message=message, **context)
    page_no = _page_number(page)
    try:
        filters_given = search_api.SearchFilters(region or None, theme or None, department or None)
        found = search_api.search_body(ctx, background, q, filters_given, page_no, PAGE_SIZE)
    except ValidationFailed as exc:
        return render(request, "citizen/results.html", status_code=422, message=exc.message, **context)
    except ServiceUnavailable as exc:
        return render(request, "citizen/results.html", status_code=503, message=exc.message, **context)
    pages = _pages(found["total"], PAGE_SIZE)
    params = {"q": q, **filters}
    response = render(
        request,
        "citizen/results.html",
        found=found,
        page=page_no,
        pages=pages,
        prev_url=_page_url("/search", params, page_no - 1) if page_no > 1 else None,
        next_url=_page_url("/search", params, page_no + 1) if page_no < pages else None,
        **context,
    )
    response.background = background  # the zero-result log runs after the page is sent
    return response


def _related(ctx: ContextDep, entry_id: str) -> list[dict[str, Any]]:
    """Up to 3 related entries; the entry page still renders when the engine is down."""
    if ctx.search is None:
        return []
    try:
        found = ctx.search.related(entry_id, ctx.clock.today())
    except Exception:  # noqa: BLE001 - related links are an extra, never a reason to fail the page
        return []
    return [{"id": hit.id, "title": hit.title} for hit in (found or [])[:3]]


def _entry_page(
    request: Request,
    ctx: ContextDep,
    session: Session,
    public_id: str,
    *,
    feedback_done: bool = False,
    feedback_error: AppError | None = None,
    comment: str = "",
) -> HTMLResponse:
    try:
        view = public_view(session, public_id, ctx.clock.today())
    except NotFound:
        return render_error(request, 404, "条目不存在", "您要查看的条目不存在、尚未发布或已失效。")
    return render(
        request,
        "citizen/entry.html",
        status_code=feedback_error.status_code if feedback_error else 200,
        nav="search",
        entry=view,
        related=_related(ctx, public_id),
        feedback_done=feedback_done,
        feedback_error=feedback_error,
        feedback_error_field=error_field(feedback_error),
        comment=comment,
    )


@router.get("/entries/{public_id}", response_class=HTMLResponse)
def entry(
    request: Request,
    ctx: ContextDep,
    session: SessionDep,
    public_id: Annotated[str, Path()],
    feedback: Param = "",
) -> HTMLResponse:
    return _entry_page(request, ctx, session, public_id, feedback_done=feedback == "thanks")


@router.post("/entries/{public_id}/feedback", response_model=None)
def entry_feedback(
    request: Request,
    ctx: ContextDep,
    session: SessionDep,
    public_id: Annotated[str, Path()],
    helpful: Annotated[str, Form()] = "",
    comment: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    """The helpful form without JavaScript: same rules as the JSON API, then back to the entry."""
    if len(public_id) > 64:
        return render_error(request, 404, "条目不存在", "您要查看的条目不存在、尚未发布或已失效。")
    try:
        if helpful not in ("yes", "no"):
            raise ValidationFailed(
                "请选择“有帮助”或“没帮助”", code="helpful_missing", details={"field": "helpful"}
            )
        body = feedback_api.FeedbackIn(
            helpful=helpful == "yes", comment=comment[: feedback_api.LOOSE] or None
        )
        feedback_api.post_feedback(ctx, session, public_id, body, request)
    except AppError as exc:
        session.rollback()
        return _entry_page(request, ctx, session, public_id, feedback_error=exc, comment=comment)
    target = f"/entries/{quote(public_id, safe='')}?feedback=thanks#helpful"
    return RedirectResponse(target, status_code=303)


@router.get("/themes/{name}", response_class=HTMLResponse)
def theme(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    name: Annotated[str, Path()],
    page: Param = "1",
) -> HTMLResponse:
    page_no = _page_number(page, last=10_000)
    collection = theme_page(session, name, clock.today(), page_no, THEME_PAGE_SIZE)
    if collection is None:
        return render_error(request, 404, "主题不存在", f"没有名为「{name}」的主题问答集。")
    pages = max(1, math.ceil(collection.total / THEME_PAGE_SIZE))
    return render(
        request,
        "citizen/theme.html",
        nav="search",
        collection=collection,
        page=page_no,
        pages=pages,
        prev_url=_page_url(request.url.path, {}, page_no - 1) if page_no > 1 else None,
        next_url=_page_url(request.url.path, {}, page_no + 1) if page_no < pages else None,
    )
