"""Migrations, import, lifecycle and expiry on PostgreSQL (opt-in: TEST_POSTGRES_URL, a server).

Example: TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:55432/postgres pytest tests/records
Each test works in a scratch database of its own on that server (created and dropped here).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from stacks import PostgresDatabases

from records.clock import FixedClock
from records.content import EntryContent
from records.db import make_engine
from records.entries import create_draft, run_action
from records.expiry import expire_due
from records.importer import import_jsonl
from records.lifecycle import Action
from records.migrate import target_metadata, upgrade
from records.models import Department, Entry, EntryStatus, Outbox, Region, Role, User


@pytest.fixture
def pg(postgres_databases: PostgresDatabases) -> Iterator[Engine]:
    """An empty database migrated from scratch (not the suite's template: this tests the migrations)."""
    url = postgres_databases.create()
    upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def test_upgrade_is_idempotent_and_schema_matches_models(pg: Engine) -> None:
    with Session(pg) as s:
        regions = s.exec(select(func.count()).select_from(Region)).one()
    upgrade(pg.url.render_as_string(hide_password=False))  # again: nothing to do, nothing doubled
    with pg.connect() as conn:
        assert (
            compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), target_metadata())
            == []
        )
        head = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    assert len(head) == 1 and regions > 0
    with Session(pg) as s:
        assert s.exec(select(func.count()).select_from(Region)).one() == regions
    assert {"entry", "entryversion", "qapair", "auditlog", "outbox"} <= set(inspect(pg).get_table_names())


def test_import_lifecycle_expiry_on_postgres(pg: Engine, tmp_path: Path) -> None:
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


def test_two_creates_with_one_id_at_once_are_one_entry_and_one_409(pg: Engine) -> None:
    """Both pass the "id free?" check before either commits; the second waits on the unique index
    and gets 409 duplicate_id (it was a 500 from the raw IntegrityError)."""
    import threading

    from records.errors import Conflict

    clock = FixedClock(datetime(2026, 6, 1, 2, 0, 0))
    with Session(pg, expire_on_commit=False) as s:
        region = s.exec(select(Region).where(Region.name == "江苏省")).one()
        dept = Department(name="江苏省公安厅", region_id=region.id)
        s.add(dept)
        s.flush()
        author = User(username="pg-dup", password_hash="x", role=Role.specialist, department_id=dept.id)
        s.add(author)
        s.commit()
    outcome: list[str] = []

    def second() -> None:
        with Session(pg) as other:
            try:
                create_draft(
                    other, author, EntryContent(title="乙"), clock, max_text_bytes=1000, public_id="DUP"
                )
                other.commit()
                outcome.append("created")
            except Conflict as exc:
                outcome.append(exc.code)

    with Session(pg) as first:
        create_draft(first, author, EntryContent(title="甲"), clock, max_text_bytes=1000, public_id="DUP")
        racer = threading.Thread(target=second)
        racer.start()
        racer.join(timeout=1.0)
        assert racer.is_alive()  # waiting on the unique index behind the uncommitted first insert
        first.commit()
    racer.join(timeout=10)
    assert outcome == ["duplicate_id"]
    with Session(pg) as s:
        assert s.exec(select(func.count()).select_from(Entry).where(Entry.public_id == "DUP")).one() == 1
