"""``hotline users …``: staff accounts from the command line (first admin, password resets)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from sqlmodel import Session, select

from records.clock import SystemClock
from records.db import session_scope
from records.errors import AppError
from records.models import Role, User
from search_api.accounts import UserChanges, create_user, list_users, update_user, user_public
from search_api.cli_common import console, fail, store_from_env

app = typer.Typer(no_args_is_help=True, help="员工账号管理 (staff accounts).")


@app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="登录名，如 zhang.san")],
    role: Annotated[Role, typer.Option("--role", "-r", help="角色 role", case_sensitive=False)],
    password: Annotated[
        str, typer.Option(prompt="密码", hide_input=True, confirmation_prompt=True, help="不给出则交互输入")
    ],
    department: Annotated[
        str | None, typer.Option(help="所属部门（specialist、dept_reviewer 必填），如 苏州市公安局")
    ] = None,
    region: Annotated[str | None, typer.Option(help="接听员所属地区，如 苏州市 或 江苏省/苏州市")] = None,
    display_name: Annotated[str, typer.Option(help="显示名称")] = "",
) -> None:
    """Create a staff account.

    Example: hotline users add zhang.san --role specialist --department 苏州市公安局
    """
    settings, engine = store_from_env()
    try:
        with session_scope(engine) as session:
            user = create_user(
                session,
                username=username,
                password=password,
                role=role,
                clock=SystemClock(settings.timezone),
                department=department,
                region=region,
                display_name=display_name,
            )
            shown = user_public(session, user)
    except AppError as exc:
        fail(exc, code=1)
    console.print(f"已创建账号 {shown['username']}（{shown['role_label']}）")


@app.command("list")
def list_(
    role: Annotated[Role | None, typer.Option(help="只列出该角色", case_sensitive=False)] = None,
    include_inactive: Annotated[bool, typer.Option("--all", help="包括已停用的账号")] = False,
) -> None:
    """List staff accounts.

    Example: hotline users list --role specialist
    """
    _, engine = store_from_env()
    with Session(engine) as session:
        rows, count = list_users(session, role=role, active=None if include_inactive else True, size=10_000)
        shown = [user_public(session, u) for u in rows]
    table = Table(title=f"员工账号（{count}）")
    for header in ("id", "用户名", "姓名", "角色", "部门", "地区", "状态"):
        table.add_column(header, overflow="fold")  # wrap long region paths, never cut them off
    for u in shown:
        table.add_row(
            str(u["id"]),
            u["username"],
            u["display_name"],
            u["role_label"],
            u["department"] or "-",
            u["region"] or "-",
            "启用" if u["active"] else "停用",
        )
    console.print(table)


def _change(username: str, changes: UserChanges, done: str) -> None:
    settings, engine = store_from_env()
    try:
        with session_scope(engine) as session:
            user = session.exec(select(User).where(User.username == username)).first()
            if user is None:
                raise AppError(f"用户「{username}」不存在", code="user_not_found")
            update_user(session, user, changes, clock=SystemClock(settings.timezone), actor=None)
    except AppError as exc:
        fail(exc, code=1)
    console.print(f"{username}：{done}")


@app.command("deactivate")
def deactivate(
    username: Annotated[str, typer.Argument(help="登录名")],
    reason: Annotated[str | None, typer.Option(help="原因（记入审计日志）")] = None,
) -> None:
    """Deactivate an account; its tokens stop working at once.

    Example: hotline users deactivate zhang.san --reason 调岗
    """
    _change(username, UserChanges(active=False, reason=reason), "已停用")


@app.command("activate")
def activate(username: Annotated[str, typer.Argument(help="登录名")]) -> None:
    """Re-activate a deactivated account.

    Example: hotline users activate zhang.san
    """
    _change(username, UserChanges(active=True), "已启用")


@app.command("set-password")
def set_password(
    username: Annotated[str, typer.Argument(help="登录名")],
    password: Annotated[
        str, typer.Option(prompt="新密码", hide_input=True, confirmation_prompt=True, help="不给出则交互输入")
    ],
) -> None:
    """Reset an account's password.

    Example: hotline users set-password zhang.san
    """
    _change(username, UserChanges(password=password), "密码已重置")
