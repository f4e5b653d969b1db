"""A wrong DATABASE_URL stops the app at start-up with a message naming the setting (and no password).

The wrong-credentials and missing-database cases need a real PostgreSQL server (TEST_POSTGRES_URL);
the rest need none.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from search_api.app import create_app
from search_api.cli import app as cli
from search_api.settings import Settings
from search_api.startup import StartupError

PG_URL = os.environ.get("TEST_POSTGRES_URL", "")
needs_pg = pytest.mark.skipif(not PG_URL, reason="set TEST_POSTGRES_URL to a PostgreSQL server")


def _on_test_server(**parts: str) -> str:
    return make_url(PG_URL).set(**parts).render_as_string(hide_password=False)  # type: ignore[arg-type]


USER = "hotline:secret-pw"
BAD_URLS = [
    pytest.param(lambda: f"postgresql+psycopg://{USER}@127.0.0.1:1/hotline", id="nothing-listening"),
    pytest.param(lambda: f"postgresql+psycopg://{USER}@host.invalid/hotline", id="unknown-host"),
    pytest.param(lambda: f"postgresql+nosuchdriver://{USER}@127.0.0.1/x", id="unknown-driver"),
    pytest.param(lambda: "sqlite:////proc/no-such-dir/hotline.db", id="sqlite-unwritable-path"),
    pytest.param(
        lambda: _on_test_server(username="no_such_role", password="secret-pw"),
        id="wrong-user",
        marks=needs_pg,
    ),
    pytest.param(lambda: _on_test_server(database="no_such_database"), id="missing-database", marks=needs_pg),
]


@pytest.mark.parametrize("url", BAD_URLS)
def test_the_app_refuses_to_start(tmp_path: Path, url: object) -> None:
    settings = Settings(
        environment="test",
        data_dir=tmp_path / "data",
        database_url=url(),  # type: ignore[operator]
        secret_key="startup-tests-secret-key-with-32-bytes",
    )
    with pytest.raises(StartupError) as raised, TestClient(create_app(settings)):
        pass
    assert "DATABASE_URL" in str(raised.value)
    assert "secret-pw" not in str(raised.value)


@pytest.mark.parametrize("url", BAD_URLS)
def test_hotline_serve_refuses_to_start(tmp_path: Path, url: object) -> None:
    env = {
        "DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": url(),  # type: ignore[operator]
        "SEARCH_URL": "",
        "ENVIRONMENT": "test",
        "SECRET_KEY": "startup-tests-secret-key-with-32-bytes",
    }
    result = CliRunner().invoke(cli, ["serve", "--port", "1"], env=env)
    assert result.exit_code == 2, result.output
    assert "DATABASE_URL" in result.output and "secret-pw" not in result.output


def test_not_a_database_url_is_refused_by_the_settings() -> None:
    with pytest.raises(ValueError, match="DATABASE_URL"):
        Settings(database_url="mysql://localhost/x")
