"""One Jinja2 environment for every page, with autoescape on for all templates.

Why a single helper: the escaping rule, the site name, the navigation and the asset version live
in one place, so no page can forget them. Highlight HTML from the search engine is the only
markup allowed through, and only after ``safe_highlight`` has re-escaped everything but ``<em>``.
"""

from __future__ import annotations

import html
import re
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from records.errors import AppError
from search_api.pages import STATIC_DIR, TEMPLATES_DIR

SITE_NAME = "热线百科"

# (url, label, key): key is what a page passes as ``nav`` to mark its item active.
NAV: tuple[tuple[str, str, str], ...] = (
    ("/", "政策检索", "search"),
    ("/ask", "我要提问", "ask"),
    ("/agent", "坐席工作台", "agent"),
    ("/staff", "业务后台", "staff"),
)

_EM_SPLIT = re.compile(r"(</?em>)")


def safe_highlight(value: str | None) -> Markup:
    """Engine highlights are escaped text with ``<em>`` marks; keep the marks, escape anything else.

    Unescape-then-escape makes the result correct whether or not the engine escaped the text,
    so a stray ``<script>`` can never survive as markup.
    """
    if not value:
        return Markup("")
    out: list[str] = []
    for part in _EM_SPLIT.split(value):
        if part in ("<em>", "</em>"):
            out.append(part)
        else:
            out.append(html.escape(html.unescape(part)))
    return Markup(_balance_em("".join(out)))


def _balance_em(text: str) -> str:
    opened = text.count("<em>") - text.count("</em>")
    return text + "</em>" * opened if opened > 0 else text


def _asset_version() -> str:
    """Newest static mtime: a changed CSS/JS file gets a new URL, so browsers never use a stale one."""
    stamps = [p.stat().st_mtime_ns for p in STATIC_DIR.rglob("*") if p.is_file()]
    return format(max(stamps, default=0) // 1_000_000_000, "x")


def _build_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(enabled_extensions=("html", "htm", "xml", "j2"), default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["highlight"] = safe_highlight
    env.globals.update(site_name=SITE_NAME, nav_items=NAV, asset_version=_asset_version())
    return env


ENV = _build_env()


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render ``template`` with the common context (request, current path, nav key)."""
    context.setdefault("nav", "")
    body = ENV.get_template(template).render(request=request, path=request.url.path, **context)
    return HTMLResponse(body, status_code=status_code)


def render_error(request: Request, status_code: int, title: str, message: str) -> HTMLResponse:
    """A page-shaped error (the JSON error shape is for API clients, not for people)."""
    return render(request, "error.html", status_code=status_code, title=title, message=message)


def error_field(error: AppError | None) -> str | None:
    """The form field an error is about: details are ``{"field"}`` or a list of ``{"field", ...}``."""
    details = error.details if error else None
    if isinstance(details, list) and details and isinstance(details[0], dict):
        details = details[0]
    return str(details["field"]) if isinstance(details, dict) and details.get("field") else None
