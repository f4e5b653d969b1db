"""The ``hotline`` command: run the service, migrate, import, reindex, manage accounts.

Every command reads the same Settings as the service (environment variables), so
``DATA_DIR=/srv/hotline hotline import x.jsonl`` writes where ``hotline serve`` reads.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Annotated, Any

import typer

from records.clock import SystemClock
from records.errors import AppError
from records.models import User
from search_api import cli_users
from search_api.cli_common import console, err_console, fail, settings_from_env, store_from_env
from search_api.cli_dead_letters import dead_letters
from search_api.cli_reconcile import reconcile
from search_api.cli_reindex import run_reindex
from search_api.startup import (
    StartupError,
    check_search,
    ensure_secret,
    listening_socket,
    require_schema,
    run_migrations,
)

app = typer.Typer(
    name="hotline",
    no_args_is_help=True,
    help="热线百科 (hotline-baike) 命令行：运行服务、迁移数据库、导入条目、重建索引、管理账号。",
    # A crash report must not print local variables: they include settings with SECRET_KEY and
    # database passwords.
    pretty_exceptions_show_locals=False,
)
app.add_typer(cli_users.app, name="users")

if importlib.util.find_spec("search_api.cli_dictionary") is not None:
    from search_api.cli_dictionary import app as _dictionary_app

    app.add_typer(_dictionary_app, name="dictionary", help="分词词典与同义词 (analyzer dictionaries).")


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema (safe to run again).

    Example: DATABASE_URL=postgresql+psycopg://hotline@db/hotline hotline migrate
    """
    settings, _ = store_from_env(schema=False)
    try:
        run_migrations(settings)
    except StartupError as exc:
        fail(exc)
    console.print("数据库已是最新结构。")


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="JSON Lines 文件，每行一个条目")],
    publish: Annotated[bool, typer.Option("--publish", help="导入后直接发布（记入审计日志）")] = False,
    actor: Annotated[str | None, typer.Option("--as", help="以该员工名义导入（审计日志中的操作人）")] = None,
    reason: Annotated[
        str | None, typer.Option("--reason", help="导入原因，记入审计日志（默认：导入文件 <文件名>）")
    ] = None,
) -> None:
    """Import entries from a JSON Lines file; re-importing updates instead of duplicating.

    Exit code 0: every line imported; 1: some lines failed (listed with line numbers), others
    imported; 2: the file cannot be used at all.

    Example: hotline import entries.jsonl --publish
    """
    from records.importer import import_jsonl

    settings, engine = store_from_env()
    if not file.is_file():
        fail(f"找不到文件：{file}")
    try:
        actor_user = _find_actor(engine, actor) if actor else None
        report = import_jsonl(
            engine,
            file,
            publish=publish,
            actor=actor_user,
            clock=SystemClock(settings.timezone),
            max_text_bytes=settings.max_text_bytes,
            reason=reason.strip() if reason and reason.strip() else None,
        )
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"无法读取文件 {file}：{exc}")
    except AppError as exc:
        fail(exc)
    imported = report.created + report.updated + report.unchanged
    console.print(
        f"导入完成：新建 {report.created}，更新 {report.updated}，未变 {report.unchanged}，"
        f"发布 {report.published}，出错 {len(report.errors)} 行"
    )
    for line_no, messages in report.errors:
        err_console.print(f"第 {line_no} 行：" + "；".join(messages))
    if report.errors:
        raise typer.Exit(1 if imported else 2)
    if not imported:
        fail(f"文件中没有条目：{file}")


def _find_actor(engine: Any, username: str) -> User:
    from sqlmodel import Session, select

    with Session(engine, expire_on_commit=False) as session:
        user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        fail(f"用户「{username}」不存在")
    return user


@app.command()
def reindex() -> None:
    """Rebuild the search index from the store and switch to it; search keeps working meanwhile.

    Example: hotline reindex
    """
    settings, engine = store_from_env()
    run_reindex(settings, engine)


app.command("dead-letters")(dead_letters)
app.command("reconcile")(reconcile)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="uvicorn 工作进程数", min=1, max=64)] = 1,
    demo: Annotated[bool, typer.Option("--demo", help="迁移数据库并载入演示条目和演示账号")] = False,
    log_level: Annotated[str, typer.Option(help="日志级别")] = "info",
    access_log: Annotated[
        bool, typer.Option("--access-log", help="每个请求记一行访问日志（默认关闭：检索热路径上的开销）")
    ] = False,
) -> None:
    """Run the HTTP service (API, OpenAPI docs at /docs).

    Example: hotline serve --demo --port 8000
    """
    try:
        settings, temporary_secret = ensure_secret(settings_from_env())
    except StartupError as exc:
        fail(exc)
    settings, engine = store_from_env(schema=False)
    try:
        check_search(settings)
        if demo:
            run_migrations(settings)
            _load_demo(engine, settings)
            # A fresh index on every demo start: cheap for the demo's size, and it follows any
            # analyzer or dictionary change since the last start (no "needs reindex" state).
            run_reindex(settings, engine)
        else:
            require_schema(engine)
    except StartupError as exc:
        fail(exc)
    finally:
        engine.dispose()
    if temporary_secret:
        console.print("[yellow]未设置 SECRET_KEY：本次运行使用临时密钥，重启后需重新登录。[/yellow]")
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    console.print(f"热线百科已启动：http://{shown}:{port}/  （接口文档 http://{shown}:{port}/docs）")
    _run_uvicorn(host, port, workers, log_level, access_log)


def _run_uvicorn(host: str, port: int, workers: int, log_level: str, access_log: bool = False) -> None:
    """Several workers share our own TCP_NODELAY listener (see startup.listening_socket).

    One worker keeps uvicorn's own listener: asyncio sets TCP_NODELAY on its connections.
    """
    import uvicorn

    options: dict[str, Any] = {}
    sock = None
    if workers > 1:
        try:
            sock = listening_socket(host, port)
        except StartupError as exc:
            fail(exc)
        options["fd"] = sock.fileno()
    try:
        uvicorn.run(
            "search_api.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=log_level,
            access_log=access_log,  # off by default: a line per request on the hot path (errors still logged)
            **_fast_io(),
            **options,
        )
    finally:
        if sock is not None:
            sock.close()


def _fast_io() -> dict[str, str]:
    """uvloop and httptools when installed (both are dependencies; uvloop not on Windows): the event
    loop and HTTP parsing in C instead of asyncio's and h11's pure Python on every request. httptools
    runs through our protocol class, which takes request targets past 64 KB (long pasted queries)."""
    import importlib.util

    options = {}
    if importlib.util.find_spec("uvloop") is not None:
        options["loop"] = "uvloop"
    if importlib.util.find_spec("httptools") is not None:
        options["http"] = "search_api.http_protocol:HotlineHttpToolsProtocol"
    return options


def _load_demo(engine: Any, settings: Any) -> None:
    from search_api.demo import load_demo

    try:
        result = load_demo(engine, SystemClock(settings.timezone))
    except AppError as exc:
        fail(exc)
    rep = result.import_report
    console.print(
        f"演示数据：新建 {rep.created}，更新 {rep.updated}，未变 {rep.unchanged}，发布 {rep.published}，"
        f"出错 {len(rep.errors)} 行；新建账号 {len(result.users_created)} 个"
    )
    for line_no, messages in rep.errors:
        err_console.print(f"  演示数据第 {line_no} 行：" + "；".join(messages))
    console.print("演示账号（仅供演示，切勿用于生产）：")
    for acc in result.accounts:
        where = acc.department or acc.region or ""
        console.print(f"  {acc.role.value:<14} {acc.username:<16} 密码 {acc.password:<14} {where}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
