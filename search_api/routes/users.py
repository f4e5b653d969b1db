"""Admin-only user management: create accounts, list them, deactivate, reset passwords."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from records.models import Role, User
from search_api.accounts import UserChanges, create_user, get_user, list_users, update_user, user_public
from search_api.deps import ClockDep, SessionDep, commit_with, require_roles
from search_api.routes.auth import UserOut

router = APIRouter(prefix="/api/admin/users", tags=["admin: users"])
AdminUser = Annotated[User, require_roles(Role.admin)]


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=2, max_length=64)
    password: str = Field(min_length=8, max_length=128)
    role: Role
    department: str | None = Field(None, max_length=128, description="specialist / dept_reviewer: required")
    region: str | None = Field(None, max_length=256, description="agent: home region, e.g. 苏州市")
    display_name: str = Field("", max_length=64)


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    active: bool | None = None
    password: str | None = Field(None, min_length=8, max_length=128)
    display_name: str | None = Field(None, max_length=64)
    role: Role | None = None
    department: str | None = Field(None, max_length=128)
    region: str | None = Field(None, max_length=256)
    reason: str | None = Field(None, max_length=500)


class UserList(BaseModel):
    data: list[UserOut]
    count: int


@router.post("", status_code=201, response_model=UserOut, summary="新建员工账号")
def create(body: UserCreate, admin: AdminUser, session: SessionDep, clock: ClockDep) -> Any:
    user = create_user(session, clock=clock, actor=admin, **body.model_dump())
    return commit_with(session, lambda: user_public(session, user))


@router.get("", response_model=UserList, summary="员工账号列表")
def index(
    _: AdminUser,
    session: SessionDep,
    role: Role | None = None,
    active: bool | None = None,
    department: Annotated[str | None, Query(max_length=128)] = None,
    q: Annotated[str | None, Query(max_length=64)] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Any:
    rows, count = list_users(
        session, role=role, active=active, department=department, q=q, page=page, size=size
    )
    return {"data": [user_public(session, u) for u in rows], "count": count}


@router.get("/{user_id}", response_model=UserOut, summary="查看员工账号")
def read(user_id: int, _: AdminUser, session: SessionDep) -> Any:
    return user_public(session, get_user(session, user_id))


@router.patch("/{user_id}", response_model=UserOut, summary="停用/启用账号、重置密码、调整角色")
def patch(user_id: int, body: UserUpdate, admin: AdminUser, session: SessionDep, clock: ClockDep) -> Any:
    user = update_user(
        session, get_user(session, user_id), UserChanges(**body.model_dump()), clock=clock, actor=admin
    )
    return commit_with(session, lambda: user_public(session, user))
