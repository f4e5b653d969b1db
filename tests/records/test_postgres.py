"""Migrations, import, lifecycle and expiry on PostgreSQL (opt-in: TEST_POSTGRES_URL, a scratch database).

Example: TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:55432/hotline_test pytest tests/records
The database is emptied first, so never point it at real data.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from records.clock import FixedClock
from records.content import EntryContent
from records.db import make_engine
from records.entries import create_draft, run_action
from records.expiry import expire_due
from records.importer import import_jsonl
from records.lifecycle import Action
from records.migrate import target_metadata, upgrade
from records.models import Department, Entry, EntryStatus, Outbox, Role, User

PG_URL = os.environ.get("TEST_POSTGRES_URL", "")
pytestmark = pytest.mark.skipif(not PG_URL, reason="set TEST_POSTGRES_URL to a scratch PostgreSQL database")


@pytest.fixture
def pg() -> Iterator[Engine]:
    engine = make_engine(PG_URL)
    reflected = MetaData()
    reflected.reflect(engine)
    reflected.drop_all(engine)
    with engine.begin() as conn:
        for enum in conn.execute(text("SELECT typname FROM pg_type WHERE typtype = 'e'")).scalars().all():
            conn.execute(text(f'DROP TYPE IF EXISTS "{enum}"'))
    upgrade(PG_URL)
    upgrade(PG_URL)  # idempotent
    yield engine
    engine.dispose()


def test_schema_import_lifecycle_expiry_on_postgres(pg: Engine, tmp_path: Path) -> None:
    with pg.connect() as conn:
        assert (
            compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), target_metadata())
            == []
        )
    clock = FixedClock(datetime(2026, 6, 1, 2, 0, 0))
    line = {
        "id": "PG1",
        "theme": "户籍办理",
        "category": ["公安", "户政管理", "户口迁移"],
        "title": "户口迁移",
        "department": "苏州市公安局",
        "region": "苏州市",
        "effective_from": "2024-01-01",
        "effective_to": "2026-06-30",
        "original_text": "原文",
        "qas": [{"question": "怎么迁户口？", "answer": "到派出所。"}],
        "contact_phone": "12345",
    }
    path = tmp_path / "pg.jsonl"
    path.write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    report = import_jsonl(pg, path, publish=True, actor=None, clock=clock)
    assert (report.created, report.published, report.errors) == (1, 1, [])
    assert import_jsonl(pg, path, publish=True, actor=None, clock=clock).unchanged == 1
    with Session(pg, expire_on_commit=False) as s:
        dept = s.exec(select(Department).where(Department.name == "苏州市公安局")).one()
        author = User(username="pg-spec", password_hash="x", role=Role.specialist, department_id=dept.id)
        reviewer = User(username="pg-rev", password_hash="x", role=Role.dept_reviewer, department_id=dept.id)
        manager = User(username="pg-man", password_hash="x", role=Role.manager)
        s.add_all([author, reviewer, manager])
        s.commit()
        imported = s.exec(select(Entry).where(Entry.public_id == "PG1")).one()
        entry = run_action(s, author, "PG1", Action.new_version, imported.lock_version, clock)
        s.commit()
        for user, action in (
            (author, Action.submit),
            (reviewer, Action.dept_approve),
            (manager, Action.publish),
        ):
            entry = run_action(s, user, "PG1", action, entry.lock_version, clock)
            s.commit()
        draft = create_draft(s, author, EntryContent(title="草稿"), clock, max_text_bytes=100_000)
        s.commit()
        assert draft.status is EntryStatus.unpublished
        clock.advance(days=31)
        assert expire_due(s, clock) == ["PG1"]
        s.commit()
        assert s.exec(select(Entry).where(Entry.public_id == "PG1")).one().status is EntryStatus.expired
        assert len(s.exec(select(Outbox).where(Outbox.doc_id == "PG1")).all()) == 3  # import, publish, expiry
