"""Which servers a test run uses, and throwaway PostgreSQL databases / OpenSearch indices for tests.

HOTLINE_TEST_STACK picks the stack of every app the shared fixtures build:
  embedded (default)  SQLite file + tantivy index under the test's tmp dir
  postgres            a fresh PostgreSQL database per test (TEST_POSTGRES_URL) + tantivy
  cluster             a fresh PostgreSQL database + a fresh OpenSearch index name (TEST_OPENSEARCH_URL)

Why a migrated template database: migrating loads thousands of reference rows (seconds);
``CREATE DATABASE … TEMPLATE`` copies the finished database in a fraction of that. Each pytest
process (xdist worker) makes its own template, so no two processes copy from one at once
(PostgreSQL refuses a template with other sessions connected).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool

from search_api.settings import Settings

STACKS = ("embedded", "postgres", "cluster")
STACK = os.environ.get("HOTLINE_TEST_STACK", "") or "embedded"
PG_URL = os.environ.get("TEST_POSTGRES_URL", "")
OS_URL = os.environ.get("TEST_OPENSEARCH_URL", "")


def stack_problem() -> str | None:
    """Why the requested stack cannot run (a usage error for the whole session), or None."""
    if STACK not in STACKS:
        return f"HOTLINE_TEST_STACK must be one of {', '.join(STACKS)}, got {STACK!r}"
    if STACK in ("postgres", "cluster") and not PG_URL:
        return f"HOTLINE_TEST_STACK={STACK} needs TEST_POSTGRES_URL (scripts/test-services up prints it)"
    if STACK == "cluster" and not OS_URL:
        return "HOTLINE_TEST_STACK=cluster needs TEST_OPENSEARCH_URL (scripts/test-services up prints it)"
    return None


def unique_name(prefix: str) -> str:
    """A lower-case name unique across xdist workers and concurrent runs on the same servers."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return f"{prefix}_{worker}_{uuid.uuid4().hex[:10]}".lower()


def _admin_engine(server_url: str) -> Engine:
    # CREATE/DROP DATABASE cannot run inside a transaction; NullPool keeps no idle session around.
    return create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)


def database_url(server_url: str, name: str) -> str:
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


class PostgresDatabases:
    """Creates scratch databases on one server and drops them again (the server's other data is untouched)."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self._admin = _admin_engine(server_url)
        self._template: str | None = None
        self._created: set[str] = set()

    def create(self, template: str | None = None) -> str:
        """A new empty (or ``template``-copied) database; returns its URL."""
        name = unique_name("hotline_t")
        clause = f' TEMPLATE "{template}"' if template else ""
        with self._admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))
        self._created.add(name)
        return database_url(self.server_url, name)

    def migrated(self) -> str:
        """A new database holding the migrated schema and reference data."""
        if self._template is None:
            from records.migrate import upgrade

            url = self.create()
            upgrade(url)
            self._template = make_url(url).database
        return self.create(template=self._template)

    def drop(self, url: str) -> None:
        """Drop ``url``'s database, ending sessions a test left open (FORCE, PostgreSQL 13+)."""
        name = make_url(url).database
        with self._admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self._created.discard(str(name))

    def close(self) -> None:
        """Drop every database this object made and still exists (the template last)."""
        for name in sorted(self._created - {self._template}) + ([self._template] if self._template else []):
            self.drop(database_url(self.server_url, name))
        self._template = None
        self._admin.dispose()


def delete_indices(server_url: str, name: str) -> None:
    """Delete every index named ``name`` or ``name-…`` (an alias and the versioned indices behind it)."""
    from opensearchpy import OpenSearch

    client = OpenSearch(server_url, request_timeout=30)
    try:
        found = client.indices.get(index=f"{name}*", params={"expand_wildcards": "all"})
        for index in found:
            client.indices.delete(index=index, params={"ignore_unavailable": "true"})
    finally:
        client.close()


def cli_environment(settings: Settings) -> dict[str, str]:
    """Environment variables that make ``hotline …`` (the CLI) use ``settings``' store and index.

    Why: CLI tests that set only DATA_DIR silently use SQLite + tantivy on the server stacks.
    """
    return {
        "ENVIRONMENT": settings.environment,
        "DATA_DIR": str(settings.data_dir),
        "DATABASE_URL": settings.database_url,
        "SEARCH_URL": settings.search_url,
        "INDEX_NAME": settings.index_name,
        "SECRET_KEY": settings.secret_key,
    }


@dataclass
class TestStack:
    """Builds the Settings of one app for the chosen stack and removes what it made afterwards."""

    __test__ = False  # not a test class, whatever pytest's name pattern says

    name: str = STACK
    _databases: PostgresDatabases | None = None
    _made: dict[int, tuple[str | None, str | None]] = field(default_factory=dict)

    @property
    def databases(self) -> PostgresDatabases:
        if self._databases is None:
            self._databases = PostgresDatabases(PG_URL)
        return self._databases

    def settings(self, data_dir: Path, **values: Any) -> Settings:
        """Settings for an app of this stack; ``values`` are the test's own (secret, poll interval, …).

        On the embedded stack this is ``Settings(data_dir=…, **values)``; otherwise the store is a
        fresh migrated PostgreSQL database and, on the cluster stack, the index a fresh alias.
        """
        db_url = index_name = None
        if self.name in ("postgres", "cluster") and "database_url" not in values:
            db_url = values["database_url"] = self.databases.migrated()
        if self.name == "cluster" and "search_url" not in values:
            values["search_url"] = OS_URL
            index_name = values.setdefault("index_name", unique_name("t"))
        values.setdefault("environment", "test")
        made = Settings(data_dir=data_dir, **values)
        self._made[id(made)] = (db_url, index_name)
        return made

    def release(self, settings: Settings) -> None:
        """Drop the database and delete the indices made for ``settings`` (nothing on the embedded stack)."""
        db_url, index_name = self._made.pop(id(settings), (None, None))
        if db_url:
            self.databases.drop(db_url)
        if index_name:
            delete_indices(OS_URL, index_name)

    @contextmanager
    def scoped(self, data_dir: Path, **values: Any) -> Iterator[Settings]:
        """``settings(...)`` for the duration of a with-block (module-scoped app environments)."""
        made = self.settings(data_dir, **values)
        try:
            yield made
        finally:
            self.release(made)

    def close(self) -> None:
        if self._databases is not None:
            self._databases.close()
