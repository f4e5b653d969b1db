"""The question desk pages (晓苏问答): ask in one sentence, read a published answer.

Why the routes call the JSON API's functions: submitting, matching and the "only the asker sees an
unpublished question" rule are the API's; the pages only render them. With JavaScript the form
shows existing answers while the citizen types (问一查多) and submits through the API; without it
the form posts here and the same result page comes back from the server.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse

from records.desk.matching import DESK_NUMBER
from records.desk.validation import QUESTION_MAX_CHARS, QUESTION_MIN_CHARS
from records.errors import AppError, NotFound
from search_api.deps import ContextDep, SessionDep
from search_api.pages.calls import route_data
from search_api.pages.collections import filter_choices
from search_api.pages.render import error_field, render, render_error
from search_api.routes import desk as desk_api

router = APIRouter(include_in_schema=False)

STATE_LABELS = {
    "received": "已受理，等待分派",
    "routed": "已分派给承办部门，办理中",
    "answered": "部门已答复，审核中",
    "returned": "答复修改中",
    "published": "已答复",
    "resolved_by_existing": "已通过现有答案解决",
    "withdrawn": "已撤销",
}


def _form_context(session: SessionDep, text: str = "", region: str = "", contact: str = "") -> dict[str, Any]:
    return {
        "nav": "ask",
        "regions": filter_choices(session).regions,
        "form": {"text": text, "region": region, "contact": contact},
        "min_chars": QUESTION_MIN_CHARS,
        "max_chars": QUESTION_MAX_CHARS,
        "desk_number_pattern": DESK_NUMBER.pattern,
    }


def match_link(doc_id: str) -> str:
    """A match is an entry's Q&A or a published desk answer; each has its own page."""
    return f"/questions/{doc_id}" if DESK_NUMBER.match(doc_id) else f"/entries/{doc_id}"


@router.get("/ask", response_class=HTMLResponse)
def ask_page(request: Request, session: SessionDep, text: Annotated[str, Query()] = "") -> HTMLResponse:
    return render(request, "desk/ask.html", **_form_context(session, text=text[:QUESTION_MAX_CHARS]))


@router.post("/ask", response_class=HTMLResponse)
def ask_submit(
    request: Request,
    ctx: ContextDep,
    session: SessionDep,
    text: Annotated[str, Form()] = "",
    region: Annotated[str, Form()] = "",
    contact: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """The form without JavaScript: the same submission as ``POST /api/questions``."""
    body = desk_api.QuestionBody(
        text=text[: desk_api.MAX_BODY_TEXT], region=region[:100] or None, contact=contact[:200] or None
    )
    try:
        done = route_data(desk_api.submit(ctx, session, body, request))
    except AppError as exc:
        session.rollback()
        context = _form_context(session, text, region, contact)
        return render(
            request,
            "desk/ask.html",
            status_code=exc.status_code,
            error=exc,
            error_field=error_field(exc),
            **context,
        )
    matches = [{**m, "url": match_link(m["doc_id"])} for m in done["matches"]]
    return render(
        request,
        "desk/submitted.html",
        status_code=201,
        nav="ask",
        number=done["number"],
        text=text.strip(),
        matches=matches,
        matches_available=done["matches_available"],
    )


@router.get("/questions/{number}", response_class=HTMLResponse)
def question_page(
    request: Request, ctx: ContextDep, session: SessionDep, number: Annotated[str, Path()]
) -> HTMLResponse:
    if not DESK_NUMBER.match(number):
        return render_error(request, 404, "问题不存在", "问题编号格式不正确（形如 Q2026060100001）。")
    try:
        view = route_data(desk_api.public_question(ctx, session, number, None))
    except NotFound:
        return render_error(request, 404, "问题不存在", f"没有编号为 {number} 的问题。")
    return render(
        request,
        "desk/question.html",
        nav="ask",
        q=view,
        state_label=STATE_LABELS.get(view["state"], view["state"]),
    )
