"""Start-up checks shared by the CLI commands: settings, store reachability, schema, engine URL.

Why here and not in the app factory: a misconfigured deployment should stop before uvicorn forks
its workers, with one sentence naming the setting to fix, instead of N tracebacks.
"""

from __future__ import annotations

import os
import secrets
import socket
from typing import Any

import httpx
from pydantic import ValidationError
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from records.db import make_engine
from search_api.settings import PLACEHOLDER_SECRET, Settings, get_settings

__all__ = [
    "StartupError",
    "check_database",
    "check_search",
    "ensure_secret",
    "load_settings",
    "open_store",
    "listening_socket",
    "require_schema",
    "run_migrations",
]

# Tables whose absence means "never migrated" (any table of the initial revision would do).
_CORE_TABLES = ("user", "entry")


class StartupError(Exception):
    """A problem the operator must fix before the service can run; the message says how."""


def load_settings() -> Settings:
    """Settings from the environment, or a StartupError naming each bad variable."""
    get_settings.cache_clear()
    try:
        return get_settings()
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = ".".join(str(p) for p in err.get("loc", ())).upper()
            message = str(err.get("msg", "")).removeprefix("Value error, ")
            lines.append(f"{name}: {message}" if name else message)
        raise StartupError("配置错误（请检查环境变量）：\n  " + "\n  ".join(lines)) from exc


MIN_SECRET_BYTES = 32  # HS256 wants a key at least as long as its output (RFC 7518 §3.2)


def ensure_secret(settings: Settings) -> tuple[Settings, bool]:
    """A usable SECRET_KEY for serving: refuse a weak one in production, improvise one elsewhere.

    Outside production an unset (placeholder or empty) key is replaced by a random one for this
    run, exported to the environment so that every uvicorn worker (each builds its own settings)
    signs with the same key. Returns the settings to use and whether a temporary key was made.
    """
    unset = settings.secret_key in (PLACEHOLDER_SECRET, "")
    if settings.environment == "production":
        if len(settings.secret_key.encode()) < MIN_SECRET_BYTES:
            raise StartupError(
                f"SECRET_KEY 太短：生产环境至少需要 {MIN_SECRET_BYTES} 字节的随机字符串，"
                "可用 python3 -c 'import secrets; print(secrets.token_urlsafe(32))' 生成"
            )
        return settings, False
    if not unset:
        return settings, False
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(32)
    return load_settings(), True


def _describe(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def open_store(settings: Settings) -> Engine:
    url = settings.effective_database_url
    kwargs: dict[str, Any] = {}
    if url.startswith("postgresql"):
        kwargs["connect_args"] = {"connect_timeout": 5}
    try:
        return make_engine(url, **kwargs)
    except (ArgumentError, SQLAlchemyError, ImportError, OSError) as exc:
        raise StartupError(f"DATABASE_URL 无法使用（{_describe(url)}）：{exc}") from exc


def check_database(engine: Engine) -> None:
    """Connect once; a wrong host, password or path is reported naming DATABASE_URL."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise StartupError(
            f"无法连接数据库，请检查 DATABASE_URL（{_describe(str(engine.url))}）：{reason}"
        ) from exc


def require_schema(engine: Engine) -> None:
    missing = [t for t in _CORE_TABLES if not inspect(engine).has_table(t)]
    if missing:
        raise StartupError("数据库尚未初始化（缺少表 " + "、".join(missing) + "），请先运行：hotline migrate")


def run_migrations(settings: Settings) -> None:
    from records.migrate import upgrade

    try:
        upgrade(settings.effective_database_url)
    except (SQLAlchemyError, OSError) as exc:
        raise StartupError(
            f"数据库迁移失败（DATABASE_URL={_describe(settings.effective_database_url)}）：{exc}"
        ) from exc


def check_search(settings: Settings, timeout: float = 3.0) -> None:
    """For a cluster engine, one request to each node URL: it must answer and be OpenSearch.

    SEARCH_URL may list several node URLs separated by commas; every one must work, so a typo in
    the third URL is found at start-up rather than at the first fail-over."""
    if settings.embedded_search:
        return
    for url in (part.strip() for part in settings.search_url.split(",") if part.strip()):
        _check_search_node(url, timeout)


def _check_search_node(url: str, timeout: float) -> None:
    shown = _hide(url)  # never print a password
    try:
        resp = httpx.get(url, timeout=timeout)
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise StartupError(f"无法连接检索引擎，请检查 SEARCH_URL（{shown}）：{exc}") from exc
    if resp.status_code >= 500:
        raise StartupError(f"检索引擎不可用，请检查 SEARCH_URL（{shown}）：HTTP {resp.status_code}")
    try:
        info = resp.json()
    except ValueError:
        info = None
    version = info.get("version") if isinstance(info, dict) else None
    distribution = version.get("distribution") if isinstance(version, dict) else None
    if resp.status_code != 200 or distribution != "opensearch":
        raise StartupError(
            f"SEARCH_URL（{shown}）指向的不是 OpenSearch 节点（HTTP {resp.status_code}），请检查 SEARCH_URL"
        )


def _hide(url: str) -> str:
    """The URL without user:password, even when httpx cannot parse it."""
    head, sep, rest = url.partition("://")
    return f"{head}{sep}{rest.rsplit('@', 1)[-1]}" if sep else url


def listening_socket(host: str, port: int, backlog: int = 2048) -> socket.socket:
    """A bound TCP listener with TCP_NODELAY, which Linux copies onto every accepted connection.

    Why ourselves and not uvicorn's: with --workers > 1 uvicorn (0.54) hands its workers a
    socket whose proto is 0, so asyncio never sets TCP_NODELAY on accepted connections and each
    keep-alive response waits ~40 ms for the client's delayed ACK (Kludex/uvicorn#3149).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError as exc:
        sock.close()
        raise StartupError(f"无法监听 {host}:{port}：{exc}") from exc
    sock.set_inheritable(True)  # the uvicorn workers are spawned processes
    return sock
