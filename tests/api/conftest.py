"""Fixtures for the staff account API tests: one migrated store and app per module, clean accounts per test.

Accounts are made through search_api.accounts (the same code the admin API and CLI use) straight
into the store, so a test of one endpoint does not depend on the login endpoint working.

Why one app per module: starting the real app (analyzer, index, outbox worker) costs about a
second; accounts and their audit rows are the only state these tests touch, and ``api`` wipes
them before each test, so every test still starts from the same store.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session, col
from stacks import TestStack

from records.clock import FixedClock
from records.db import make_engine
from records.migrate import upgrade
from records.models import AuditLog, Role, User
from records.reference import ensure_department, find_region
from search_api.accounts import create_user
from search_api.app import create_app
from search_api.security import create_access_token
from search_api.settings import Settings

STAFF_PASSWORD = "correct-horse-1"
START = datetime(2026, 6, 1, 2, 0, 0)  # 10:00 Beijing time
MakeStaff = Callable[..., User]


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated store (schema, reference data, a department), copied for each module.

    Migrating loads thousands of reference rows; copying the finished file is much cheaper.
    """
    path = tmp_path_factory.mktemp("template") / "hotline.db"
    url = f"sqlite:///{path.as_posix()}"
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        ensure_department(session, "苏州市公安局", find_region(session, "苏州市"))
        session.commit()
    engine.dispose()  # closing the last connection checkpoints the WAL into the file
    return path


@dataclass
class StaffEnv:
    settings: Settings
    clock: FixedClock
    client: TestClient
    db: Engine


@pytest.fixture(scope="module")
def staff_env(
    tmp_path_factory: pytest.TempPathFactory, migrated_template: Path, test_stack: TestStack
) -> Iterator[StaffEnv]:
    data_dir = tmp_path_factory.mktemp("staff") / "data"
    data_dir.mkdir()
    shutil.copyfile(migrated_template, data_dir / "hotline.db")  # before the app opens it
    with test_stack.scoped(
        data_dir, indexer_poll_seconds=0.05, secret_key="staff-tests-secret-key-with-32-bytes-or-more"
    ) as settings:
        clock = FixedClock(START)
        db = make_engine(settings.effective_database_url)
        with Session(db) as session:  # already in the SQLite template; a server stack's database needs it
            ensure_department(session, "苏州市公安局", find_region(session, "苏州市"))
            session.commit()
        with TestClient(create_app(settings, clock=clock)) as client:
            yield StaffEnv(settings, clock, client, db)
        db.dispose()


@pytest.fixture
def api(staff_env: StaffEnv) -> TestClient:
    """The module's client over a store with no accounts, no account audit rows, the clock reset."""
    staff_env.clock.set(START)
    with Session(staff_env.db) as session:
        session.exec(delete(AuditLog).where(col(AuditLog.object_type).in_(("user", "login"))))  # type: ignore[call-overload]
        session.exec(delete(User))  # type: ignore[call-overload]
        session.commit()
    return staff_env.client


@pytest.fixture
def staff_settings(staff_env: StaffEnv) -> Settings:
    return staff_env.settings


@pytest.fixture
def staff_db(staff_env: StaffEnv) -> Engine:
    return staff_env.db


@pytest.fixture
def make_staff(api: TestClient, staff_env: StaffEnv) -> MakeStaff:
    """make_staff(username, role, department=None, region=None, active=True) -> User (committed)."""

    def _make(
        username: str,
        role: Role,
        *,
        department: str | None = None,
        region: str | None = None,
        active: bool = True,
    ) -> User:
        with Session(staff_env.db, expire_on_commit=False) as session:
            user = create_user(
                session,
                username=username,
                password=STAFF_PASSWORD,
                role=role,
                clock=staff_env.clock,
                department=department,
                region=region,
            )
            user.active = active
            session.add(user)
            session.commit()
            return user

    return _make


@pytest.fixture
def token_for(staff_settings: Settings) -> Callable[..., dict[str, str]]:
    """token_for(user, now=None) -> Authorization header; ``now`` in the past makes an expired token."""

    def _header(user: User, now: datetime | None = None) -> dict[str, str]:
        assert user.id is not None
        token = create_access_token(
            user.id, staff_settings.secret_key, staff_settings.token_ttl_minutes, now=now
        )
        return {"Authorization": f"Bearer {token}"}

    return _header


@pytest.fixture
def admin_headers(make_staff: MakeStaff, token_for: Callable[..., dict[str, str]]) -> dict[str, str]:
    return token_for(make_staff("root", Role.admin))
