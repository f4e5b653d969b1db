"""Fixtures for domain tests of records/: a migrated SQLite file per test, users of each role.

Why a template: migrating loads the reference data (hundreds of regions); copying a migrated
file is much cheaper than migrating again for every test.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from records.clock import FixedClock
from records.content import EntryContent
from records.db import make_engine
from records.migrate import upgrade
from records.models import Department, Role, User
from records.reference import ensure_department, find_region
from records.validation import QAContent

DEPARTMENTS = {"苏州市公安局": "苏州市", "南京市公安局": "南京市"}


@pytest.fixture(scope="session")
def records_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("records-template") / "hotline.db"
    url = f"sqlite:///{path.as_posix()}"
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        for name, region in DEPARTMENTS.items():
            ensure_department(session, name, find_region(session, region))
        session.commit()
    engine.dispose()
    return path


@pytest.fixture
def db_url(tmp_path: Path, records_template: Path) -> str:
    target = tmp_path / "hotline.db"
    shutil.copyfile(records_template, target)
    return f"sqlite:///{target.as_posix()}"


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as s:
        yield s


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 6, 1, 2, 0, 0))


MakeUser = Callable[..., User]


@pytest.fixture
def make_user(session: Session) -> MakeUser:
    """make_user(role, department=None) -> a committed User (department by name)."""
    counter = iter(range(1, 10_000))

    def _make(role: Role, department: str | None = None) -> User:
        dept_id = None
        if department is not None:
            dept = session.exec(select(Department).where(Department.name == department)).one()
            dept_id = dept.id
        user = User(
            username=f"{role.value}-{next(counter)}", password_hash="x", role=role, department_id=dept_id
        )
        session.add(user)
        session.commit()
        return user

    return _make


def complete_content(**overrides: object) -> EntryContent:
    """A content with every required element (要素齐全), overridable per test."""
    values: dict[str, object] = {
        "title": "居民身份证补领",
        "department": "苏州市公安局",
        "region": "苏州市",
        "category": ["公安", "户政管理", "居民身份证补领"],
        "theme": "居民身份证",
        "effective_from": date(2025, 1, 1),
        "effective_to": None,
        "contact_phone": "0512-12345678",
        "original_text": "居民身份证丢失的，应当向常住户口所在地公安机关申请补领。",
        "interpretation": "身份证丢了，带户口簿去派出所补办。",
        "qas": [
            QAContent("身份证丢了怎么补办？", "携带户口簿到户籍所在地派出所申请补领。", ["身份证掉了咋办"])
        ],
        "keywords": ["身份证", "补领"],
    }
    values.update(overrides)
    return EntryContent(**values)  # type: ignore[arg-type]


@pytest.fixture
def make_content() -> Callable[..., EntryContent]:
    return complete_content
