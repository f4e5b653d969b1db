"""The question desk (晓苏问答) over HTTP: public submission and answers, staff routing and review.

Why thin: every rule lives in records.desk (so the CLI and tests share it); a route parses the
body, calls one domain function, commits once (nothing half-written on error) and renders.
Public routes need no account; staff routes use the usual bearer token and roles.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request
from pydantic import BaseModel, Field, StrictInt
from sqlmodel import Session

from records.desk import matching, queues, submission, views, workflow
from records.desk.conversion import to_entry
from records.desk.models import DeskQuestion, QuestionState
from records.desk.routing import suggest_route
from records.errors import Forbidden, ValidationFailed
from records.models import Region, Role, User
from search_api.deps import ContextDep, CurrentUser, SessionDep, commit_with, require_roles

router = APIRouter(tags=["desk"])

MAX_BODY_TEXT = 10_000  # characters; the domain rules give the precise (Chinese) limits
Number = Annotated[str, Path(max_length=32, description="问题编号")]
Manager = Annotated[User, require_roles(Role.manager)]
Staff = Annotated[User, require_roles(Role.manager, Role.specialist)]


class QuestionBody(BaseModel):
    text: str | None = Field(default=None, max_length=MAX_BODY_TEXT, description="一句话问题")
    region: str | None = Field(default=None, max_length=100)
    contact: str | None = Field(default=None, max_length=200, description="手机/电话/邮箱，不公开")


class ResolvedBody(BaseModel):
    doc_id: str | None = Field(default=None, max_length=64, description="解决了问题的条目或答复编号")
    citizen_token: str | None = Field(default=None, max_length=200)


class RouteBody(BaseModel):
    department: StrictInt | str | None = Field(default=None, description="部门 id 或名称；缺省为系统建议")
    category: StrictInt | str | None = Field(default=None, description="分类 id 或路径；缺省为系统建议")
    reason: str | None = Field(default=None, max_length=2000)


class AnswerBody(BaseModel):
    basis: str | None = Field(default=None, max_length=MAX_BODY_TEXT * 10, description="政策/法律依据")
    answer: str | None = Field(default=None, max_length=MAX_BODY_TEXT * 10, description="实质性答复")
    phone: str | None = Field(default=None, max_length=200, description="进一步咨询电话")
    signature: str | None = Field(default=None, max_length=500, description="部门署名")


class ReviewBody(BaseModel):
    decision: str | None = Field(default=None, description="publish 或 return")
    reason: str | None = Field(default=None, max_length=2000)


class ReasonBody(BaseModel):
    reason: str | None = Field(default=None, max_length=2000)


def _region_path(session: Session, question: DeskQuestion) -> str | None:
    region = session.get(Region, question.region_id) if question.region_id is not None else None
    return region.path if region else None


def _staff_may_see(user: User, question: DeskQuestion) -> None:
    if user.role == Role.specialist and user.department_id != question.department_id:
        raise Forbidden("该问题未分派给您所在的部门", code="question_other_department")


@router.post("/api/questions", status_code=201)
def submit(ctx: ContextDep, session: SessionDep, body: QuestionBody, request: Request) -> dict[str, Any]:
    settings = ctx.settings
    done = submission.submit_question(
        session,
        text=body.text,
        region=body.region,
        contact=body.contact,
        client=request.client.host if request.client else "unknown",
        clock=ctx.clock,
        secret=settings.secret_key,
        timezone=settings.timezone,
        rate_per_minute=settings.question_rate_per_minute,
    )
    question = done.question
    today = ctx.clock.today()
    region_path = _region_path(session, question)
    asked = matching.ask(ctx.search, question.text, today, region_path)
    signals = matching.routing_matches(ctx.search, question.text, today, region_path, asked)
    tokenize = ctx.analyzer.index_tokens if ctx.analyzer is not None else None
    suggestion = suggest_route(session, question.text, question.region_id, signals, tokenize)
    workflow.record_suggestion(
        session,
        question,
        department_id=suggestion.department_id,
        category_id=suggestion.category_id,
        candidates=suggestion.candidates,
        clock=ctx.clock,
    )
    session.commit()
    return {
        "number": question.number,
        "state": question.state.value,
        "citizen_token": done.citizen_token,
        "matches_available": asked is not None,
        "matches": asked or [],
    }


@router.get("/api/questions/stats")
def desk_stats(session: SessionDep) -> dict[str, Any]:
    return queues.stats(session)


CitizenToken = Annotated[
    str | None, Header(max_length=200, description="提交时返回的 citizen_token：提问人可看到未公开问题的原文")
]


@router.get("/api/questions/{number}")
def public_question(
    ctx: ContextDep, session: SessionDep, number: Number, x_citizen_token: CitizenToken = None
) -> dict[str, Any]:
    question = submission.get_question(session, number)
    related: list[matching.Related] = []
    if question.state == QuestionState.published:
        related = matching.related_entries(
            ctx.search, question.number, question.text, ctx.clock.today(), _region_path(session, question)
        )
    asker = submission.is_asker(question, x_citizen_token)
    return views.public_view(session, question, ctx.settings.timezone, related, asker=asker)


@router.post("/api/questions/{number}/resolved-by")
def resolved_by(ctx: ContextDep, session: SessionDep, number: Number, body: ResolvedBody) -> dict[str, Any]:
    question = submission.get_question(session, number)
    submission.resolve_by_existing(
        session, question, token=body.citizen_token, doc_id=body.doc_id, clock=ctx.clock
    )
    return commit_with(
        session, lambda: views.public_view(session, question, ctx.settings.timezone, asker=True)
    )


@router.post("/api/questions/{number}/route")
def route(
    ctx: ContextDep, session: SessionDep, number: Number, body: RouteBody, user: Manager
) -> dict[str, Any]:
    question = submission.get_question(session, number)
    workflow.route_question(
        session,
        question,
        manager=user,
        department=body.department,
        category=body.category,
        reason=body.reason,
        clock=ctx.clock,
        timezone=ctx.settings.timezone,
        holidays=ctx.settings.holiday_dates,
    )
    return commit_with(
        session, lambda: views.staff_view(session, question, ctx.settings.timezone, ctx.clock.now())
    )


@router.post("/api/questions/{number}/answers", status_code=201)
def answer(
    ctx: ContextDep, session: SessionDep, number: Number, body: AnswerBody, user: CurrentUser
) -> dict[str, Any]:
    question = submission.get_question(session, number)
    workflow.answer_question(
        session,
        question,
        user=user,
        elements=body.model_dump(),
        clock=ctx.clock,
        max_text_bytes=ctx.settings.max_text_bytes,
    )
    return commit_with(
        session, lambda: views.staff_view(session, question, ctx.settings.timezone, ctx.clock.now())
    )


@router.post("/api/questions/{number}/review")
def review(
    ctx: ContextDep, session: SessionDep, number: Number, body: ReviewBody, user: Manager
) -> dict[str, Any]:
    question = submission.get_question(session, number)
    workflow.review_answer(
        session, question, manager=user, decision=body.decision, reason=body.reason, clock=ctx.clock
    )
    return commit_with(
        session, lambda: views.staff_view(session, question, ctx.settings.timezone, ctx.clock.now())
    )


@router.post("/api/questions/{number}/withdraw")
def withdraw(
    ctx: ContextDep, session: SessionDep, number: Number, body: ReasonBody, user: Manager
) -> dict[str, Any]:
    question = submission.get_question(session, number)
    workflow.withdraw_answer(session, question, manager=user, reason=body.reason, clock=ctx.clock)
    return commit_with(
        session, lambda: views.staff_view(session, question, ctx.settings.timezone, ctx.clock.now())
    )


@router.post("/api/questions/{number}/to-entry", status_code=201)
def convert(ctx: ContextDep, session: SessionDep, number: Number, user: Manager) -> dict[str, Any]:
    question = submission.get_question(session, number)
    entry = to_entry(
        session, question, manager=user, clock=ctx.clock, max_text_bytes=ctx.settings.max_text_bytes
    )
    session.commit()
    return {
        "entry_id": entry.public_id,
        "status": entry.status.value,
        "version_state": "draft",
        "source_question_no": entry.source_question_no,
    }


@router.get("/api/desk/questions")
def staff_list(
    ctx: ContextDep,
    session: SessionDep,
    user: Manager,
    state: Annotated[str | None, Query(max_length=32)] = None,
) -> dict[str, Any]:
    try:
        wanted = QuestionState(state) if state else None
    except ValueError as exc:
        raise ValidationFailed("未知的问题状态", code="state_unknown", details=[{"field": "state"}]) from exc
    items = queues.by_state(session, wanted)
    return {"questions": [views.list_item(session, q, ctx.settings.timezone) for q in items]}


@router.get("/api/desk/questions/{number}")
def staff_question(ctx: ContextDep, session: SessionDep, number: Number, user: Staff) -> dict[str, Any]:
    question = submission.get_question(session, number)
    _staff_may_see(user, question)
    return views.staff_view(session, question, ctx.settings.timezone, ctx.clock.now())


@router.get("/api/desk/queue")
def department_queue(
    ctx: ContextDep, session: SessionDep, user: Staff, department_id: Annotated[int | None, Query()] = None
) -> dict[str, Any]:
    """A specialist sees their own department's queue; a manager may look at any department's."""
    wanted = user.department_id if user.role == Role.specialist else department_id
    if wanted is None:
        raise ValidationFailed("请指定部门", code="department_required", details=[{"field": "department_id"}])
    items = queues.department_queue(session, wanted)
    return {"questions": [views.list_item(session, q, ctx.settings.timezone) for q in items]}


@router.get("/api/desk/overdue")
def overdue(ctx: ContextDep, session: SessionDep, user: Manager) -> dict[str, Any]:
    items = queues.overdue(session, ctx.clock)
    return {"questions": [views.list_item(session, q, ctx.settings.timezone) for q in items]}


@router.get("/api/desk/due-today")
def due_today(ctx: ContextDep, session: SessionDep, user: Manager) -> dict[str, Any]:
    items = queues.due_today(session, ctx.clock.today(), ctx.settings.timezone)
    return {"questions": [views.list_item(session, q, ctx.settings.timezone) for q in items]}
