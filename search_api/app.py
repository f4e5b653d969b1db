"""The FastAPI application factory. ``create_app`` wires settings, store, analyzer and engine."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from records.clock import Clock, SystemClock
from search_api.context import AppContext
from search_api.errors import install_error_handlers
from search_api.request_guard import RequestGuard
from search_api.settings import Settings, get_settings
from search_api.startup import StartupError, check_database, open_store


def build_context(settings: Settings, clock: Clock | None = None) -> AppContext:
    """Build the shared things once. Search-engine wiring is added by indexer.runtime.

    The store is connected to once here: a wrong DATABASE_URL (host, credentials, database)
    stops start-up with a StartupError naming the setting, not every request later.
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = open_store(settings)
    try:
        check_database(db)
    except StartupError:
        db.dispose()
        raise
    return AppContext(settings=settings, db=db, clock=clock or SystemClock(settings.timezone))


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ctx = build_context(settings, clock)
        from indexer.runtime import attach_search

        attach_search(ctx)
        app.state.context = ctx
        try:
            yield
        finally:
            for item in reversed(ctx.background):
                item.stop()
            ctx.db.dispose()

    app = FastAPI(
        title="热线百科 API",
        description="12345 政务服务便民热线政策知识库：检索、条目审核发布、晓苏问答。",
        version="0.1.0",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.add_middleware(RequestGuard, max_body_bytes=settings.max_body_bytes)
    _include_routers(app)
    _mount_static(app)
    return app


def _include_routers(app: FastAPI) -> None:
    """Each area's router; add new areas here."""
    from search_api.routes import (
        auth,
        dead_letters,
        desk,
        dictionary,
        entries,
        feedback,
        health,
        search,
        users,
    )

    app.include_router(health.router)
    app.include_router(dead_letters.router)
    app.include_router(auth.router)
    app.include_router(users.router)
    app.include_router(dictionary.router)
    app.include_router(search.router)
    app.include_router(desk.router)
    app.include_router(entries.router)
    app.include_router(feedback.router)

    from search_api.pages import citizen, console, desk_pages, login, workbench

    for page_router in (citizen, desk_pages, console, login, workbench):
        app.include_router(page_router.router)


def _mount_static(app: FastAPI) -> None:
    """The pages' own CSS/JS (no CDN): everything a page loads comes from here."""
    from fastapi.staticfiles import StaticFiles

    from search_api.pages import STATIC_DIR

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
