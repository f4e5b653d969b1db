"""The agent console (坐席工作台) at /agent, and /agent/gaps where gap reports are handled.

/agent is a keyboard-first lookup while the caller talks; /agent/gaps lists the agents' gap
reports (all of them for managers, their own department's for department staff) with the
zero-result list beside them, so the knowledge gaps are worked off in one place.

Why only a shell here: who is looking is known from the bearer token in the tab's sessionStorage,
so the server renders the frame (search box, region choices, key help) and static/js/console.js
fetches everything else through the JSON API, which applies the role rules. The page is useful
the moment it paints: the box has focus before any script has run.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from records.frontdesk.gaps import STATE_LABELS
from search_api.deps import SessionDep
from search_api.pages.collections import filter_choices
from search_api.pages.render import render

router = APIRouter(include_in_schema=False)

# (keys, what they do): rendered as the on-screen key help and read by nobody else.
KEYS: tuple[tuple[str, str], ...] = (
    ("/", "回到检索框"),
    ("↑ ↓", "选择结果"),
    ("Enter", "打开答案"),
    ("Ctrl+Enter", "复制答案"),
    ("Alt+Y", "本次通话引用"),
    ("Alt+B", "报告缺失/错误信息"),
    ("Alt+R", "切换地区"),
    ("Esc", "关闭表单，回到检索框"),
)


@router.get("/agent", response_class=HTMLResponse)
def agent_console(request: Request, session: SessionDep) -> HTMLResponse:
    return render(
        request,
        "console/agent.html",
        nav="agent",
        regions=filter_choices(session).regions,
        keys=KEYS,
    )


@router.get("/agent/gaps", response_class=HTMLResponse)
def gap_reports(request: Request, session: SessionDep) -> HTMLResponse:
    return render(
        request,
        "console/gaps.html",
        nav="agent",
        departments=filter_choices(session).departments,
        states=[(state.value, label) for state, label in STATE_LABELS.items()],
    )
