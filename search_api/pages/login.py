"""Staff sign-in and sign-out pages.

Why the page only renders a form: the token comes from the JSON endpoint ``POST /api/auth/token``
and lives in the tab's sessionStorage (static/js/auth.js), so nothing about a session is kept on
the server. What the server does decide is where the browser may go after signing in: ``next`` is
reduced to a path on this site here, so a crafted link cannot send a fresh token-holder elsewhere.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from search_api.pages.render import render

router = APIRouter(include_in_schema=False)

NEXT_MAX_CHARS = 2000


def safe_next(value: str | None) -> str:
    """A same-site path to return to after login, or "" (then the role decides: /staff or /agent).

    Refused: absolute URLs, scheme-relative ``//host`` and ``/\\host`` (browsers treat a backslash as
    a slash), control characters, and the login page itself (a loop).
    """
    text = (value or "").strip()
    if not text.startswith("/") or len(text) > NEXT_MAX_CHARS:
        return ""
    if text[1:2] in ("/", "\\") or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text):
        return ""
    if text.split("?", 1)[0].rstrip("/") in ("/staff/login", "/staff/logout"):
        return ""
    return text


@router.get("/staff/login", response_class=HTMLResponse)
def login_page(request: Request, next: Annotated[str | None, Query()] = None) -> HTMLResponse:
    """Any ``next`` is accepted and reduced by ``safe_next``: a bad link still shows the form."""
    return render(request, "staff/login.html", nav="staff", next_url=safe_next(next))


@router.get("/staff/logout", response_class=HTMLResponse)
def logout_page(request: Request) -> HTMLResponse:
    """The token is forgotten by the browser (auth.js); the page just confirms and offers login."""
    return render(request, "staff/logout.html", nav="staff")
