"""Staff accounts: login check and the admin's user management, shared by the API and the CLI.

Why one module: ``hotline users add``, ``hotline serve --demo`` and ``POST /api/admin/users`` must
apply the same rules (a specialist needs a department, usernames are unique, every change is
audited) and report them with the same Chinese messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from records.audit import SYSTEM
from records.clock import Clock, as_utc
from records.errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationFailed
from records.models import AuditLog, Department, Region, Role, User
from records.reference import find_region, problem
from records.validation import clean_reason, has_control_characters
from search_api.security import hash_password, verify_password

__all__ = [
    "ROLE_LABELS",
    "UserChanges",
    "authenticate",
    "create_user",
    "get_user",
    "list_users",
    "update_user",
    "user_public",
]

ROLE_LABELS: dict[Role, str] = {
    Role.agent: "民声接听员",
    Role.specialist: "部门信息专员",
    Role.dept_reviewer: "部门审核",
    Role.manager: "热线信息管理员",
    Role.admin: "系统管理员",
}
DEPARTMENT_ROLES = frozenset({Role.specialist, Role.dept_reviewer})
USERNAME_PATTERN = re.compile(r"^[\w.@-]{2,64}$")
PASSWORD_MIN, PASSWORD_MAX = 8, 128
INVALID_CREDENTIALS = "用户名或密码错误"

# Verified against when the username does not exist, so that an unknown user costs the same
# argon2 work as a wrong password: response time must not reveal which usernames exist.
_DUMMY_HASH = hash_password("timing-equalizer-not-a-real-password")


def authenticate(session: Session, username: str, password: str) -> User:
    """Return the active user with these credentials, or raise one indistinguishable 401."""
    if len(username) > 64 or len(password) > PASSWORD_MAX:
        # No account can have these; refusing before argon2 keeps huge inputs from costing CPU.
        raise Unauthorized(INVALID_CREDENTIALS, code="invalid_credentials")
    user = session.exec(select(User).where(User.username == username.strip())).first()
    if user is None:
        verify_password(password, _DUMMY_HASH)
        raise Unauthorized(INVALID_CREDENTIALS, code="invalid_credentials")
    if not verify_password(password, user.password_hash):
        raise Unauthorized(INVALID_CREDENTIALS, code="invalid_credentials")
    if not user.active:
        # Only reachable with the right password, so it reveals nothing to a guesser.
        raise Unauthorized("账号已停用，请联系管理员", code="user_inactive")
    return user


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role,
    clock: Clock,
    actor: User | None = None,
    department: str | None = None,
    region: str | None = None,
    display_name: str = "",
) -> User:
    """Add a staff account and its audit row; the caller commits (one unit of work)."""
    username = username.strip()
    problems: list[dict[str, str]] = []
    if not USERNAME_PATTERN.match(username):
        problems.append(
            problem("username", "invalid_username", "用户名须为 2–64 位字母、数字、下划线、点、@ 或连字符")
        )
    problems += _password_problems(password) + _name_problems(display_name)
    dept, reg = _resolve_placement(session, role, department, region, problems)
    if problems:
        raise ValidationFailed("账号信息不完整或格式不正确", details=problems)
    if session.exec(select(User.id).where(User.username == username)).first() is not None:
        raise Conflict(
            f"用户名「{username}」已存在", code="duplicate_username", details={"username": username}
        )
    user = User(
        username=username,
        display_name=display_name.strip() or username,
        password_hash=hash_password(password),
        role=role,
        department_id=dept.id if dept else None,
        region_id=reg.id if reg else None,
        created_at=as_utc(clock.now()),
    )
    session.add(user)
    session.flush()
    _audit(session, clock, actor, user, "create", None, "active", _placement_details(user, dept, reg))
    return user


@dataclass(frozen=True)
class UserChanges:
    """A partial update; ``None`` means "leave as is"."""

    active: bool | None = None
    password: str | None = None
    display_name: str | None = None
    role: Role | None = None
    department: str | None = None
    region: str | None = None
    reason: str | None = None


def update_user(
    session: Session, user: User, changes: UserChanges, *, clock: Clock, actor: User | None
) -> User:
    """Apply an admin's change (deactivate, reset password, move role/department), each audited."""
    problems: list[dict[str, str]] = _name_problems(changes.display_name or "")
    if changes.password is not None:
        problems += _password_problems(changes.password)
    reason = clean_reason(changes.reason, required=False)
    role = changes.role or user.role
    placement_changed = (
        changes.role is not None or changes.department is not None or changes.region is not None
    )
    dept = reg = None
    if placement_changed:
        dept, reg = _resolve_placement(
            session,
            role,
            changes.department if changes.department is not None else _department_name(session, user),
            changes.region if changes.region is not None else _region_path(session, user),
            problems,
        )
    if problems:
        raise ValidationFailed("账号信息不完整或格式不正确", details=problems)
    if actor is not None and actor.id == user.id and (changes.active is False or role != Role.admin):
        raise Forbidden("不能停用自己的账号或取消自己的管理员角色", code="self_lockout")

    if changes.active is not None and changes.active != user.active:
        user.active = changes.active
        frm, to = ("inactive", "active") if changes.active else ("active", "inactive")
        _audit(
            session,
            clock,
            actor,
            user,
            "activate" if changes.active else "deactivate",
            frm,
            to,
            {},
            reason,
        )
    if changes.password is not None:
        user.password_hash = hash_password(changes.password)
        _audit(session, clock, actor, user, "reset_password", None, None, {}, reason)
    if changes.display_name is not None and changes.display_name.strip() != user.display_name:
        old_name = user.display_name
        user.display_name = changes.display_name.strip() or user.username
        _audit(session, clock, actor, user, "rename", None, None, {"from": old_name, "to": user.display_name})
    if placement_changed:
        old_role = user.role
        before = {"department_id": user.department_id, "region_id": user.region_id}
        user.role = role
        user.department_id = dept.id if dept else None
        user.region_id = reg.id if reg else None
        if old_role != role or before != {"department_id": user.department_id, "region_id": user.region_id}:
            details = {
                "before": {"role": old_role.value, **before},
                "after": _placement_details(user, dept, reg),
            }
            _audit(
                session,
                clock,
                actor,
                user,
                "change_role",
                old_role.value,
                role.value,
                details,
                reason,
            )
    session.add(user)
    session.flush()
    return user


def _name_problems(display_name: str) -> list[dict[str, str]]:
    if has_control_characters(display_name):
        return [problem("display_name", "control_characters", "姓名中含有不可见的控制字符，请删除后重试")]
    return []


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("用户不存在", code="user_not_found", details={"id": user_id})
    return user


def list_users(
    session: Session,
    *,
    role: Role | None = None,
    active: bool | None = None,
    department: str | None = None,
    q: str | None = None,
    page: int = 1,
    size: int = 50,
) -> tuple[list[User], int]:
    """One page of accounts (ordered by id) and the total count under the same filters."""
    conditions: list[Any] = []
    if role is not None:
        conditions.append(User.role == role)
    if active is not None:
        conditions.append(User.active == active)
    if department:
        conditions.append(
            col(User.department_id).in_(select(Department.id).where(Department.name == department))
        )
    if q:
        # Escape LIKE's own wildcards: "a_b" searches for "a_b", not "a" + any character + "b".
        literal = q.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{literal}%"
        name, shown = col(User.username), col(User.display_name)
        conditions.append(name.ilike(pattern, escape="\\") | shown.ilike(pattern, escape="\\"))
    total = session.exec(select(func.count()).select_from(User).where(*conditions)).one()
    rows = session.exec(
        select(User).where(*conditions).order_by(col(User.id)).offset((page - 1) * size).limit(size)
    ).all()
    return list(rows), int(total)


def user_public(session: Session, user: User) -> dict[str, Any]:
    """What the API and CLI show of an account: never the password hash."""
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role.value,
        "role_label": ROLE_LABELS[user.role],
        "department": _department_name(session, user),
        "region": _region_path(session, user),
        "active": user.active,
        "created_at": user.created_at.isoformat(),
    }


def _password_problems(password: str) -> list[dict[str, str]]:
    if PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        return []
    return [problem("password", "invalid_password", f"密码长度须为 {PASSWORD_MIN}–{PASSWORD_MAX} 个字符")]


def _resolve_placement(
    session: Session, role: Role, department: str | None, region: str | None, problems: list[dict[str, str]]
) -> tuple[Department | None, Region | None]:
    """Department and home region for ``role``; appends a problem per missing or unknown one."""
    dept = reg = None
    department = (department or "").strip() or None
    if role in DEPARTMENT_ROLES and department is None:
        problems.append(
            problem("department", "department_required", f"角色「{ROLE_LABELS[role]}」必须指定所属部门")
        )
    if department is not None:
        dept = session.exec(select(Department).where(Department.name == department)).first()
        if dept is None:
            problems.append(problem("department", "unknown_department", f"部门「{department}」不存在"))
    region = (region or "").strip() or None
    if region is not None:
        reg = _find_region(session, region, problems)
    return dept, reg


def _find_region(session: Session, name: str, problems: list[dict[str, str]]) -> Region | None:
    try:
        return find_region(session, name)
    except ValidationFailed as exc:
        problems.extend(exc.details or [])
        return None


def _department_name(session: Session, user: User) -> str | None:
    if user.department_id is None:
        return None
    dept = session.get(Department, user.department_id)
    return dept.name if dept else None


def _region_path(session: Session, user: User) -> str | None:
    if user.region_id is None:
        return None
    reg = session.get(Region, user.region_id)
    return reg.path if reg else None


def _placement_details(user: User, dept: Department | None, reg: Region | None) -> dict[str, Any]:
    return {
        "role": user.role.value,
        "department_id": user.department_id,
        "region_id": user.region_id,
        "department": dept.name if dept else None,
        "region": reg.path if reg else None,
    }


def _audit(
    session: Session,
    clock: Clock,
    actor: User | None,
    user: User,
    action: str,
    from_state: str | None,
    to_state: str | None,
    details: dict[str, Any],
    reason: str | None = None,
) -> None:
    session.add(
        AuditLog(
            at=as_utc(clock.now()),
            actor_id=actor.id if actor else None,
            actor_name=actor.username if actor else SYSTEM,
            object_type="user",
            object_id=user.username,
            action=action,
            from_state=from_state,
            to_state=to_state,
            reason=reason,
            details=details,
        )
    )
