"""What every ``hotline`` command shares: the console, error exits, opening the store."""

from __future__ import annotations

from typing import NoReturn

import click
import typer
from rich.console import Console
from sqlalchemy.engine import Engine

from records.errors import AppError
from search_api.settings import Settings
from search_api.startup import StartupError, check_database, load_settings, open_store, require_schema

# soft_wrap: never break a Chinese message or a path in the middle when output is piped.
console = Console(soft_wrap=True, highlight=False)
err_console = Console(stderr=True, soft_wrap=True, highlight=False)


def fail(exc: AppError | StartupError | str, code: int = 2) -> NoReturn:
    """Print a problem (with an AppError's per-field details) and exit with ``code``."""
    if isinstance(exc, AppError):
        err_console.print(f"[red]错误：[/red]{exc.message}")
        details = exc.details if isinstance(exc.details, list) else []
        for item in details:
            if isinstance(item, dict) and item.get("message"):
                err_console.print(f"  - {item.get('field') or ''}：{item['message']}")
    else:
        err_console.print(f"[red]错误：[/red]{exc}")
    raise typer.Exit(code)


def settings_from_env() -> Settings:
    try:
        return load_settings()
    except StartupError as exc:
        fail(exc)


def store_from_env(*, schema: bool = True) -> tuple[Settings, Engine]:
    """Settings and a reachable store (migrated, unless ``schema=False``), or exit 2 saying why."""
    settings = settings_from_env()
    try:
        engine = open_store(settings)
        check_database(engine)
        if schema:
            require_schema(engine)
    except StartupError as exc:
        fail(exc)
    _dispose_when_done(engine)
    return settings, engine


def _dispose_when_done(engine: Engine) -> None:
    """Close the pool when the command ends: in-process runs (tests, ``hotline serve --demo``'s
    helpers) would otherwise leave PostgreSQL connections for the garbage collector."""
    context = click.get_current_context(silent=True)
    if context is not None:
        context.call_on_close(engine.dispose)
