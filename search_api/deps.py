"""FastAPI dependencies as Annotated aliases; tests override them via dependency_overrides."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from records.clock import Clock
from records.errors import Forbidden, Unauthorized
from records.models import Role, User
from search_api.context import AppContext
from search_api.security import decode_access_token
from search_api.settings import Settings

log = logging.getLogger(__name__)
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/auth/token", auto_error=False)


async def get_context(request: Request) -> AppContext:
    # async: a plain attribute read; as a sync dependency it would cost a thread-pool hop per request
    return request.app.state.context  # type: ignore[no-any-return]


ContextDep = Annotated[AppContext, Depends(get_context)]


def get_settings_dep(ctx: ContextDep) -> Settings:
    return ctx.settings


def get_clock(ctx: ContextDep) -> Clock:
    return ctx.clock


def get_session(ctx: ContextDep) -> Iterator[Session]:
    """A session per request; the route commits explicitly, anything unfinished rolls back."""
    session = Session(ctx.db, expire_on_commit=False)
    try:
        yield session
    finally:
        close_session(session)


T = TypeVar("T")


def commit_with(session: Session, view: Callable[[], T]) -> T:
    """Build the response from the transaction's own state, then commit, and answer with it.

    Why in this order: a view that reads the database after the commit turns a committed change
    into a 503 should the database go away in between, and the client then retries or reports a
    change that was in fact made. Built first, the answer needs nothing after the commit: a 503
    means nothing was saved, a 2xx that all of it was.
    """
    session.flush()
    body = view()
    session.commit()
    return body


def close_session(session: Session) -> None:
    """Close ``session``, even when its database connection died under it.

    The closing ROLLBACK fails when the server went away mid-request (a restart, a failover). Only
    uncommitted work is lost, which the server has dropped already, and the answer was settled
    by then: a dependency's teardown runs after FastAPI sends the response, so a raise here could
    only turn a clean 201 or 503 into a broken connection. The dead connection is invalidated so
    the pool opens a new one for the next request.
    """
    try:
        session.close()
    except DBAPIError as exc:
        log.warning("closing a session whose database connection failed: %s", exc.orig or exc)
        session.invalidate()  # discards the connection; it sends nothing, so it cannot fail the same way


def get_search(ctx: ContextDep) -> Any:
    return ctx.search


def get_analyzer(ctx: ContextDep) -> Any:
    return ctx.analyzer


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
ClockDep = Annotated[Clock, Depends(get_clock)]
SessionDep = Annotated[Session, Depends(get_session)]
SearchDep = Annotated[Any, Depends(get_search)]
AnalyzerDep = Annotated[Any, Depends(get_analyzer)]
TokenDep = Annotated[str | None, Depends(oauth2_scheme)]


def get_current_user(session: SessionDep, settings: SettingsDep, token: TokenDep) -> User:
    if not token:
        raise Unauthorized("请先登录", code="not_authenticated")
    user = session.get(User, decode_access_token(token, settings.secret_key))
    if user is None or not user.active:
        raise Unauthorized("账号不存在或已停用", code="user_inactive")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def require_roles(*roles: Role) -> Any:
    """Dependency factory: the current user must hold one of ``roles``."""

    def _check(user: CurrentUser) -> User:
        if user.role not in roles:
            details = {"role": user.role.value}
            raise Forbidden("当前角色无权执行此操作", code="role_forbidden", details=details)
        return user

    return Depends(_check)
