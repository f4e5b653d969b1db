"""Schema migrations run from code: ``upgrade(database_url)`` is ``alembic upgrade head`` + reference data.

Why programmatic: the CLI (``hotline migrate``), ``serve --demo`` and the tests all need the same
schema without an alembic.ini on disk; the scripts live inside the package so an installed
service can migrate itself.
"""

from __future__ import annotations

import importlib
import pkgutil

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData
from sqlmodel import Session, SQLModel

import records
from records.db import make_engine
from records.reference import ensure_reference_data

SCRIPT_LOCATION = "records:migrations"

__all__ = ["alembic_config", "load_models", "target_metadata", "upgrade"]


def load_models() -> None:
    """Import every module that defines tables (records.models and records.<area>.models).

    Why discover them: areas such as the question desk add their own tables and revisions, and
    both autogenerate and the schema test must see the whole metadata.
    """
    importlib.import_module("records.models")
    for info in pkgutil.iter_modules(records.__path__):
        if info.ispkg:
            try:
                importlib.import_module(f"records.{info.name}.models")
            except ModuleNotFoundError as exc:
                if exc.name != f"records.{info.name}.models":
                    raise


def target_metadata() -> MetaData:
    load_models()
    return SQLModel.metadata


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    # ConfigParser interpolation would eat a '%' in a password.
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the store to ``revision`` and make sure the shipped reference data is present; idempotent."""
    command.upgrade(alembic_config(database_url), revision)
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            ensure_reference_data(session)
            session.commit()
    finally:
        engine.dispose()
