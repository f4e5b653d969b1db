"""The shared fixtures really give each test the stack HOTLINE_TEST_STACK names, and clean up after it."""

from __future__ import annotations

import gc

import pytest
from sqlalchemy import func, inspect, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, select
from stacks import OS_URL, STACK, PostgresDatabases, TestStack, cli_environment
from typer.testing import CliRunner

from records.db import make_engine
from records.models import Region
from search_api.cli import app as cli
from search_api.settings import Settings


def test_settings_follow_the_stack(settings: Settings) -> None:
    url = settings.effective_database_url
    if STACK == "embedded":
        assert url.startswith("sqlite:///") and url.endswith("/data/hotline.db")
        assert settings.embedded_search
        return
    assert url.startswith("postgresql")
    engine = make_engine(url)
    try:
        with Session(engine) as session:  # a copy of the migrated template: schema and reference data
            assert session.exec(select(func.count()).select_from(Region)).one() > 0
    finally:
        engine.dispose()
    assert settings.embedded_search == (STACK == "postgres")
    if STACK == "cluster":
        assert settings.search_url == OS_URL and settings.index_name.startswith("t_")


def test_each_test_gets_its_own_store(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> None:
    other = tmp_path_factory.mktemp("other") / "data"
    stack = TestStack()
    try:
        with stack.scoped(other) as second:
            assert second.effective_database_url != settings.effective_database_url
            assert second.index_name != settings.index_name or STACK != "cluster"
    finally:
        stack.close()


# `hotline migrate` leaves its store engine to the garbage collector (harmless in a CLI process that
# exits); on PostgreSQL psycopg then warns about the pooled connection. Collected here, ignored here.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_cli_environment_reaches_the_same_store(settings: Settings) -> None:
    result = CliRunner().invoke(cli, ["migrate"], env=cli_environment(settings))
    gc.collect()
    assert result.exit_code == 0, result.output
    engine = make_engine(settings.effective_database_url)
    try:
        assert inspect(engine).has_table("entry")
    finally:
        engine.dispose()


def test_scratch_databases_are_dropped(postgres_databases: PostgresDatabases) -> None:
    url = postgres_databases.create()
    name = make_url(url).database
    engine = make_engine(url)
    with engine.connect():
        postgres_databases.drop(url)  # a session left open does not stop the drop (FORCE)
    engine.dispose()
    admin = make_engine(postgres_databases.server_url)
    try:
        with admin.connect() as conn:
            found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).all()
        assert found == []
    finally:
        admin.dispose()
