"""Environment for running ``hotline`` commands in-process against a test's own Settings.

Why: the CLI reads Settings from the environment; on the server test stack the store is a
PostgreSQL database and the engine an OpenSearch alias, so DATA_DIR alone would point the command
at another (empty) store.
"""

from __future__ import annotations

import pytest

from search_api.settings import Settings


def use_settings(monkeypatch: pytest.MonkeyPatch, settings: Settings, *, embedded: bool = False) -> None:
    """``embedded``: the command uses the tantivy index under DATA_DIR whatever the stack."""
    monkeypatch.setenv("DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("INDEX_NAME", settings.index_name)
    monkeypatch.setenv("SEARCH_URL", "" if embedded else settings.search_url)
