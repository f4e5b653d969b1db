"""Staff login (OAuth2 password flow) and "who am I"."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from records.errors import Unauthorized
from search_api.accounts import authenticate, user_public
from search_api.deps import ClockDep, CurrentUser, SessionDep, SettingsDep
from search_api.login_guard import check_not_locked, record_failure
from search_api.security import create_access_token

router = APIRouter(prefix="/api/auth", tags=["auth"])


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    role_label: str
    department: str | None
    region: str | None
    active: bool
    created_at: str


@router.post("/token", response_model=TokenOut, summary="登录：用户名和密码换取访问令牌")
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> Any:
    username = form.username.strip()
    check_not_locked(session, username, clock)
    try:
        user = authenticate(session, username, form.password)
    except Unauthorized as exc:
        record_failure(session, username, clock, exc.code, request.client.host if request.client else None)
        session.commit()
        raise
    assert user.id is not None
    # Issued on real time (not the injected clock): PyJWT checks expiry against real time too.
    token = create_access_token(user.id, settings.secret_key, settings.token_ttl_minutes)
    return TokenOut(access_token=token, expires_in=settings.token_ttl_minutes * 60)


@router.get("/me", response_model=UserOut, summary="当前登录账号")
def me(user: CurrentUser, session: SessionDep) -> Any:
    return user_public(session, user)
