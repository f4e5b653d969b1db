"""The front line over HTTP: citizens' feedback, agents' citations and gap reports, the zero-result list.

Why thin: the rules live in records.frontdesk (one transaction per request, committed here only
after the domain call succeeded); the one thing done here is the routing suggestion for a gap
report without an entry, because it needs the search engine that only the app holds.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field, StrictBool, StrictInt
from sqlmodel import Session

from records.desk import matching
from records.desk.routing import suggest_route
from records.frontdesk import citations, feedback, gaps
from records.frontdesk.zero_results import zero_result_report
from records.models import Region, Role, User
from records.views import get_entry
from search_api.context import AppContext
from search_api.deps import ContextDep, CurrentUser, SessionDep, commit_with, require_roles

router = APIRouter(tags=["frontdesk"])

EntryId = Annotated[str, Path(min_length=1, max_length=64)]
Manager = Annotated[User, require_roles(Role.manager)]
Agent = Annotated[User, require_roles(Role.agent, Role.manager)]
LOOSE = 5_000  # characters a body field may carry; the domain gives the precise (Chinese) limits


class FeedbackIn(BaseModel):
    helpful: StrictBool = Field(description="有用 true / 没用 false")
    comment: str | None = Field(default=None, max_length=LOOSE, description="可选评价，不超过 500 字")


class CitationIn(BaseModel):
    entry_id: str = Field(min_length=1, max_length=64)
    call_ref: str | None = Field(default=None, max_length=LOOSE, description="通话编号，不超过 64 字")
    query: str | None = Field(default=None, max_length=LOOSE)


class GapReportIn(BaseModel):
    kind: str | None = Field(default=None, max_length=16, description="missing 或 wrong")
    entry_id: str | None = Field(default=None, max_length=64)
    query: str | None = Field(default=None, max_length=LOOSE)
    detail: str | None = Field(default=None, max_length=LOOSE, description="问题描述，4–1000 字")


class AssignIn(BaseModel):
    department: StrictInt | str | None = Field(default=None, description="部门 id 或名称；缺省为系统建议")
    reason: str | None = Field(default=None, max_length=LOOSE)


class ReasonIn(BaseModel):
    reason: str | None = Field(default=None, max_length=LOOSE)


@router.post("/api/entries/{entry_id}/feedback", status_code=201)
def post_feedback(
    ctx: ContextDep, session: SessionDep, entry_id: EntryId, body: FeedbackIn, request: Request
) -> dict[str, Any]:
    row = feedback.submit_feedback(
        session,
        public_id=entry_id,
        helpful=body.helpful,
        comment=body.comment,
        client=request.client.host if request.client else "unknown",
        secret=ctx.settings.secret_key,
        rate_per_minute=ctx.settings.feedback_rate_per_minute,
        clock=ctx.clock,
        today=ctx.clock.today(),
    )
    session.commit()
    return {"entry_id": entry_id, "helpful": row.helpful, "recorded": True}


@router.get("/api/staff/entries/{entry_id}/feedback")
def entry_feedback(
    ctx: ContextDep, session: SessionDep, entry_id: EntryId, user: CurrentUser
) -> dict[str, Any]:
    entry = get_entry(session, entry_id)
    feedback.may_see_entry_reports(user, entry)
    return feedback.feedback_summary(session, entry, ctx.settings.timezone)


@router.post("/api/citations", status_code=201)
def post_citation(ctx: ContextDep, session: SessionDep, body: CitationIn, user: Agent) -> dict[str, Any]:
    row = citations.record_citation(
        session,
        agent=user,
        public_id=body.entry_id,
        call_ref=body.call_ref,
        query=body.query,
        clock=ctx.clock,
        today=ctx.clock.today(),
    )
    return commit_with(session, lambda: citations.citation_view(session, row, ctx.settings.timezone))


@router.get("/api/citations")
def list_citations(
    ctx: ContextDep, session: SessionDep, user: Agent, mine: Annotated[bool, Query()] = False
) -> dict[str, Any]:
    """Agents always get their own citations; a manager gets counts per entry unless ``mine``."""
    if user.role == Role.agent or mine:
        return {"citations": citations.citations_of(session, user, ctx.settings.timezone)}
    return {"entries": citations.counts_per_entry(session, ctx.settings.timezone)}


def _suggested_department(ctx: AppContext, session: Session, user: User, text: str) -> int | None:
    """The desk's routing suggestion for a "missing" report without an entry (None: no idea)."""
    region = session.get(Region, user.region_id) if user.region_id else None
    today = ctx.clock.today()
    asked = matching.ask(ctx.search, text, today, region.path if region else None)
    signals = matching.routing_matches(ctx.search, text, today, region.path if region else None, asked)
    tokenize = ctx.analyzer.index_tokens if ctx.analyzer is not None else None
    return suggest_route(session, text, user.region_id, signals, tokenize).department_id


@router.post("/api/gap-reports", status_code=201)
def post_gap_report(ctx: ContextDep, session: SessionDep, body: GapReportIn, user: Agent) -> dict[str, Any]:
    suggested = None
    if not (body.entry_id or "").strip() and (body.detail or "").strip():
        suggested = _suggested_department(
            ctx, session, user, " ".join(filter(None, (body.query, body.detail)))
        )
    report = gaps.report_gap(
        session,
        reporter=user,
        kind=body.kind,
        entry_id=body.entry_id,
        query=body.query,
        detail=body.detail,
        suggested_department_id=suggested,
        clock=ctx.clock,
        today=ctx.clock.today(),
    )
    return commit_with(session, lambda: gaps.report_view(session, report, ctx.settings.timezone))


@router.get("/api/gap-reports")
def list_gap_reports(
    ctx: ContextDep,
    session: SessionDep,
    user: CurrentUser,
    state: Annotated[str | None, Query(max_length=32)] = None,
) -> dict[str, Any]:
    reports = gaps.list_reports(session, user, gaps.parse_state(state))
    return {"reports": [gaps.report_view(session, r, ctx.settings.timezone) for r in reports]}


@router.get("/api/gap-reports/{report_id}")
def get_gap_report(ctx: ContextDep, session: SessionDep, report_id: int, user: CurrentUser) -> dict[str, Any]:
    report = gaps.get_report(session, report_id)
    gaps.may_see(user, report)
    return gaps.report_view(session, report, ctx.settings.timezone, history=True)


@router.post("/api/gap-reports/{report_id}/assign")
def assign_gap_report(
    ctx: ContextDep, session: SessionDep, report_id: int, body: AssignIn, user: Manager
) -> dict[str, Any]:
    report = gaps.get_report(session, report_id)
    department = body.department if body.department is not None else report.suggested_department_id
    gaps.assign_gap(session, report, manager=user, department=department, reason=body.reason, clock=ctx.clock)
    return commit_with(
        session, lambda: gaps.report_view(session, report, ctx.settings.timezone, history=True)
    )


@router.post("/api/gap-reports/{report_id}/close")
def close_gap_report(
    ctx: ContextDep, session: SessionDep, report_id: int, body: ReasonIn, user: CurrentUser
) -> dict[str, Any]:
    report = gaps.get_report(session, report_id)
    gaps.close_gap(session, report, user=user, reason=body.reason, clock=ctx.clock)
    return commit_with(
        session, lambda: gaps.report_view(session, report, ctx.settings.timezone, history=True)
    )


@router.get("/api/zero-results")
def zero_results(
    ctx: ContextDep,
    session: SessionDep,
    user: Manager,
    top: Annotated[int, Query(ge=1, le=500)] = 50,
    recent: Annotated[int, Query(ge=0, le=500)] = 50,
) -> dict[str, Any]:
    normalize = ctx.analyzer.normalize if ctx.analyzer is not None else None
    return zero_result_report(
        session, normalize=normalize, timezone=ctx.settings.timezone, top=top, recent=recent
    )
