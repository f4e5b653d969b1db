"""Fixtures for staff-facing API tests: a migrated store, accounts of each role, their tokens.

Accounts are made through search_api.accounts (the same code the admin API and CLI use) straight
into the store, so a test of one endpoint does not depend on the login endpoint working.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from records.clock import FixedClock
from records.db import make_engine
from records.models import Department, Region, RegionLevel, Role, User
from search_api.accounts import create_user
from search_api.security import create_access_token
from search_api.settings import Settings

STAFF_PASSWORD = "correct-horse-1"


def ensure_schema(url: str, engine: Engine) -> None:
    """The real migrations when they exist; the models' metadata until then."""
    try:
        from records.migrate import upgrade
    except ImportError:
        SQLModel.metadata.create_all(engine)
    else:
        upgrade(url)


@pytest.fixture
def staff_db(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings.effective_database_url)
    ensure_schema(settings.effective_database_url, engine)
    with Session(engine) as session:
        _get_or_add_department(session, "苏州市公安局", ("江苏省", "苏州市"))
        session.commit()
    yield engine
    engine.dispose()


def _get_or_add_region(session: Session, names: tuple[str, ...]) -> Region:
    parent: Region | None = None
    levels = (RegionLevel.province, RegionLevel.city, RegionLevel.county)
    for depth in range(len(names)):
        path = "/".join(names[: depth + 1])
        found = session.exec(select(Region).where(Region.path == path)).first()
        if found is None:
            found = Region(
                name=names[depth], level=levels[depth], parent_id=parent.id if parent else None, path=path
            )
            session.add(found)
            session.flush()
        parent = found
    assert parent is not None
    return parent


def _get_or_add_department(session: Session, name: str, region: tuple[str, ...]) -> Department:
    found = session.exec(select(Department).where(Department.name == name)).first()
    if found is None:
        reg = _get_or_add_region(session, region)
        assert reg.id is not None
        found = Department(name=name, region_id=reg.id)
        session.add(found)
        session.flush()
    return found


MakeStaff = Callable[..., User]


@pytest.fixture
def make_staff(staff_db: Engine, clock: FixedClock) -> MakeStaff:
    """make_staff(username, role, department=None, region=None, active=True) -> User (committed)."""

    def _make(
        username: str,
        role: Role,
        *,
        department: str | None = None,
        region: str | None = None,
        active: bool = True,
    ) -> User:
        with Session(staff_db, expire_on_commit=False) as session:
            user = create_user(
                session,
                username=username,
                password=STAFF_PASSWORD,
                role=role,
                clock=clock,
                department=department,
                region=region,
            )
            user.active = active
            session.add(user)
            session.commit()
            return user

    return _make


@pytest.fixture
def staff_password() -> str:
    return STAFF_PASSWORD


@pytest.fixture
def token_for(settings: Settings) -> Callable[..., dict[str, str]]:
    """token_for(user, now=None) -> Authorization header; ``now`` in the past makes an expired token."""

    def _header(user: User, now: datetime | None = None) -> dict[str, str]:
        assert user.id is not None
        token = create_access_token(user.id, settings.secret_key, settings.token_ttl_minutes, now=now)
        return {"Authorization": f"Bearer {token}"}

    return _header


@pytest.fixture
def admin_headers(make_staff: MakeStaff, token_for: Callable[..., dict[str, str]]) -> dict[str, str]:
    return token_for(make_staff("root", Role.admin))
