"""Writing published entries straight into the store, the way the records workflow will.

Why direct rows: the workflow functions are written by another helper; until they land, tests
publish by writing Entry/EntryVersion/QAPair/Outbox rows with the real models in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from records.models import (
    Category,
    Department,
    Entry,
    EntryStatus,
    EntryVersion,
    Outbox,
    OutboxOp,
    QAPair,
    Region,
    RegionLevel,
    Theme,
    VersionState,
)

LEVELS = (RegionLevel.province, RegionLevel.city, RegionLevel.county)


def ensure_schema(engine: Engine) -> None:
    try:
        from records.migrate import upgrade  # type: ignore[import-not-found]
    except ImportError:
        SQLModel.metadata.create_all(engine)
    else:
        upgrade(str(engine.url))


def region(session: Session, path: Sequence[str]) -> Region:
    parent: Region | None = None
    for depth, name in enumerate(path):
        full = "/".join(path[: depth + 1])
        found = session.exec(select(Region).where(Region.path == full)).first()
        if found is None:
            found = Region(name=name, level=LEVELS[depth], parent_id=parent.id if parent else None, path=full)
            session.add(found)
            session.flush()
        parent = found
    assert parent is not None
    return parent


def _named(session: Session, model: type, **values: object) -> object:
    found = session.exec(select(model).filter_by(**values)).first()
    if found is None:
        found = model(**values)
        session.add(found)
        session.flush()
    return found


def publish(
    engine: Engine,
    public_id: str,
    title: str,
    region_path: Sequence[str] = ("江苏省",),
    qas: Sequence[tuple[str, str, Sequence[str]]] = (),
    effective_to: date | None = None,
    interpretation: str = "",
    original_text: str = "",
    theme: str = "",
) -> int:
    """Publish a new version of ``public_id`` (creating it if needed); returns its lock_version."""
    with Session(engine) as session:
        place = region(session, region_path)
        department = _named(session, Department, name=f"{place.name}政务服务管理办公室", region_id=place.id)
        category = _named(session, Category, name="政务服务", level=1, path="政务服务")
        theme_row = _named(session, Theme, name=theme) if theme else None
        entry = session.exec(select(Entry).where(Entry.public_id == public_id)).first()
        if entry is None:
            entry = Entry(public_id=public_id, department_id=department.id)  # type: ignore[attr-defined]
            session.add(entry)
            session.flush()
        else:
            entry.lock_version += 1
        number = len(session.exec(select(EntryVersion).where(EntryVersion.entry_id == entry.id)).all()) + 1
        version = EntryVersion(
            entry_id=entry.id,  # type: ignore[arg-type]
            number=number,
            state=VersionState.published,
            title=title,
            department_id=department.id,  # type: ignore[attr-defined]
            region_id=place.id,
            category_id=category.id,  # type: ignore[attr-defined]
            theme_id=theme_row.id if theme_row else None,  # type: ignore[attr-defined]
            effective_to=effective_to,
            interpretation=interpretation,
            original_text=original_text,
            keywords=[],
        )
        session.add(version)
        session.flush()
        for position, (question, answer, similar) in enumerate(qas):
            session.add(
                QAPair(
                    version_id=version.id,  # type: ignore[arg-type]
                    position=position,
                    question=question,
                    answer=answer,
                    similar_questions=list(similar),
                )
            )
        entry.status = EntryStatus.published
        entry.live_version_id = version.id
        session.add(entry)
        session.add(Outbox(doc_id=public_id, op=OutboxOp.upsert, doc_version=entry.lock_version))
        session.commit()
        return entry.lock_version


def take_down(engine: Engine, public_id: str) -> int:
    with Session(engine) as session:
        entry = session.exec(select(Entry).where(Entry.public_id == public_id)).one()
        entry.status = EntryStatus.taken_down
        entry.lock_version += 1
        session.add(entry)
        session.add(Outbox(doc_id=public_id, op=OutboxOp.delete, doc_version=entry.lock_version))
        session.commit()
        return entry.lock_version


def pending_rows(engine: Engine) -> list[Outbox]:
    with Session(engine) as session:
        return list(session.exec(select(Outbox).where(Outbox.processed_at == None)))  # noqa: E711
