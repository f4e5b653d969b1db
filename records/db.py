"""Database engine and sessions. Built once at start-up and injected; never at import time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create the SQLAlchemy engine for ``url``.

    SQLite gets WAL and a busy timeout so that several API workers and the indexer can share
    one file; PostgreSQL gets pre-ping and bounded waits (see ``_server_options``).
    """
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_engine(url, **_server_options(kwargs))


# PostgreSQL: how long a request may wait before it is told the store is unavailable (503).
CONNECT_TIMEOUT_SECONDS = 3  # a down or unreachable server fails a request fast instead of hanging
POOL_TIMEOUT_SECONDS = 5  # every pooled connection busy: give up rather than queue forever
STATEMENT_TIMEOUT_MS = 30_000  # no request holds locks longer than this (a stuck query is cancelled)
LOCK_TIMEOUT_MS = 10_000  # a row lock held by a stuck session fails the waiting request instead


def _server_options(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Engine options for a database server (PostgreSQL); the caller's own options win.

    Why these: pre-ping notices connections a restarted server dropped (requests recover by
    themselves, no stale-connection errors), and the timeouts bound every wait so an outage turns
    into a quick 503 instead of a hung worker. TCP keepalives find a silently vanished server.
    """
    connect_args = {
        "connect_timeout": CONNECT_TIMEOUT_SECONDS,
        "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS} -c lock_timeout={LOCK_TIMEOUT_MS}",
        "keepalives": 1,
        "keepalives_idle": 30,
        "keepalives_interval": 5,
        "keepalives_count": 3,
    }
    connect_args.update(kwargs.pop("connect_args", {}))
    options: dict[str, Any] = {"pool_pre_ping": True, "pool_timeout": POOL_TIMEOUT_SECONDS}
    options.update(kwargs)
    options["connect_args"] = connect_args
    return options


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error (nothing half-written)."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
