"""The staff workbench pages: entries by state, the entry editor, and the desk queue.

Why shells: who is looking is only known from the bearer token in the browser's sessionStorage,
so the server renders the page frame with the public reference lists (regions, level-3
categories, themes, departments — the names an editor must choose from) and static/js/staff*.js
fetch the staff data through the JSON API, which applies every role and department rule. The
server's clock is rendered into the page so due times and overdue marks agree with the API even
when the clock is not the wall clock (tests, demos).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session, col, select

from records.clock import as_utc
from records.desk.models import QuestionState
from records.desk.validation import FOUR_ELEMENTS
from records.models import Category, Department, EntryStatus, Region, Theme, VersionState
from records.policy import ACTION_LABELS, STATE_LABELS, Action, state_label
from search_api.deps import ClockDep, SessionDep, SettingsDep
from search_api.pages.render import render, render_error

router = APIRouter(include_in_schema=False)

ENTRY_ID = re.compile(r"[A-Za-z0-9_\-]{1,64}")  # the entry API's id rule

# The dashboard's groups, in the order work flows through them.
STATE_GROUPS: tuple[str, ...] = (
    VersionState.draft.value,
    VersionState.returned.value,
    VersionState.submitted.value,
    VersionState.dept_approved.value,
    EntryStatus.published.value,
    EntryStatus.takedown_requested.value,
    EntryStatus.taken_down.value,
    EntryStatus.expired.value,
)

# Lifecycle buttons of the editor (submitting sits with the save button, after the form);
# staff_entry.js shows those the signed-in role may use in the entry's state.
EDITOR_ACTIONS: tuple[Action, ...] = (
    Action.dept_approve,
    Action.return_,
    Action.publish,
    Action.new_version,
    Action.request_takedown,
    Action.approve_takedown,
    Action.reject_takedown,
)


# Audit actions that are not lifecycle buttons (system, import, editing).
OTHER_AUDIT_LABELS: dict[str, str] = {
    "expire": "到期自动失效",
    "import_create": "导入新建",
    "import_update": "导入更新",
    "import_publish": "导入发布",
    "import_expire": "导入时已失效",
}


def audit_labels() -> dict[str, dict[str, str]]:
    """Chinese words for the audit history, keyed as the audit log writes them (``dept_approve``)."""
    actions = {action.value.replace("-", "_"): label for action, label in ACTION_LABELS.items()}
    return {
        "actions": actions | OTHER_AUDIT_LABELS,
        "states": {str(getattr(k, "value", k)): v for k, v in STATE_LABELS.items()},
    }


@dataclass(frozen=True)
class ReferenceLists:
    regions: list[str]
    categories: list[str]
    themes: list[str]
    departments: list[str]


def reference_lists(session: Session) -> ReferenceLists:
    """Choices for the editor's fields, as the names the entry API accepts."""
    return ReferenceLists(
        regions=list(session.exec(select(Region.path).order_by(col(Region.path)))),
        categories=list(
            session.exec(select(Category.path).where(Category.level == 3).order_by(col(Category.path)))
        ),
        themes=list(session.exec(select(Theme.name).order_by(col(Theme.id)))),
        departments=list(session.exec(select(Department.name).order_by(col(Department.name)))),
    )


def _clock_context(clock: ClockDep, settings: SettingsDep) -> dict[str, Any]:
    zone = ZoneInfo(settings.timezone)
    return {
        "server_now": as_utc(clock.now()).astimezone(zone).isoformat(),
        "server_today": clock.today().isoformat(),
    }


@router.get("/staff", response_class=HTMLResponse)
def dashboard(request: Request, session: SessionDep) -> HTMLResponse:
    groups = [(state, state_label(state)) for state in STATE_GROUPS]
    departments = reference_lists(session).departments
    return render(request, "staff/dashboard.html", nav="staff", groups=groups, departments=departments)


def _editor(
    request: Request, session: Session, context: dict[str, Any], entry_id: str | None
) -> HTMLResponse:
    actions = [(action.value, ACTION_LABELS[action]) for action in EDITOR_ACTIONS]
    return render(
        request,
        "staff/entry.html",
        nav="staff",
        entry_id=entry_id,
        refs=reference_lists(session),
        actions=actions,
        labels=audit_labels(),
        **context,
    )


@router.get("/staff/entries/new", response_class=HTMLResponse)
def new_entry(request: Request, session: SessionDep, clock: ClockDep, settings: SettingsDep) -> HTMLResponse:
    return _editor(request, session, _clock_context(clock, settings), None)


@router.get("/staff/entries/{public_id}", response_class=HTMLResponse)
def edit_entry(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    public_id: Annotated[str, Path()],
) -> HTMLResponse:
    """The shell for any well-formed id: whether the entry exists is the API's answer to staff only."""
    if not ENTRY_ID.fullmatch(public_id):
        return render_error(request, 404, "页面不存在", "条目编号格式不正确")
    return _editor(request, session, _clock_context(clock, settings), public_id)


# Chinese words for the desk's question states (records.desk keeps only the codes).
QUESTION_STATE_LABELS: dict[str, str] = {
    QuestionState.received.value: "待分派",
    QuestionState.routed.value: "待答复",
    QuestionState.answered.value: "待审核",
    QuestionState.returned.value: "答复被退回",
    QuestionState.published.value: "已公开",
    QuestionState.resolved_by_existing.value: "已由现有答案解决",
    QuestionState.withdrawn.value: "已撤回",
}


@router.get("/staff/desk", response_class=HTMLResponse)
def desk_queue(request: Request, session: SessionDep, clock: ClockDep, settings: SettingsDep) -> HTMLResponse:
    departments = session.exec(select(Department.id, Department.name).order_by(col(Department.name))).all()
    return render(
        request,
        "staff/desk.html",
        nav="staff",
        elements=list(FOUR_ELEMENTS.items()),
        departments=[(dept_id, name) for dept_id, name in departments],
        categories=reference_lists(session).categories,
        question_labels=QUESTION_STATE_LABELS,
        **_clock_context(clock, settings),
    )
