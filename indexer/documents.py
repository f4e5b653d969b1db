"""Load IndexDocs from the store: the only place the indexer reads the database.

Why batched: the worker and a rebuild load hundreds or thousands of entries at once; each table
is read with one IN query per batch (entries, versions, QAs, departments, regions, categories,
themes), never one query per entry.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import date

from sqlmodel import Session, col, select

from indexer.engine import QA, IndexDoc
from records.models import Category, Department, Entry, EntryStatus, EntryVersion, QAPair, Region, Theme

SEARCHABLE = (EntryStatus.published, EntryStatus.takedown_requested)


def is_searchable(entry: Entry, version: EntryVersion | None, today: date) -> bool:
    return (
        entry.status in SEARCHABLE
        and version is not None
        and (version.effective_to is None or version.effective_to >= today)
    )


class _Paths:
    """Region and category paths by id, cached for the batch (both trees are small)."""

    def __init__(self, session: Session) -> None:
        self.regions = {r.id: r for r in session.exec(select(Region))}
        self.categories = {c.id: c for c in session.exec(select(Category))}

    def region(self, region_id: int | None) -> tuple[str, ...]:
        names: list[str] = []
        seen: set[int] = set()
        while region_id is not None and region_id in self.regions and region_id not in seen:
            seen.add(region_id)
            region = self.regions[region_id]
            names.append(region.name)
            region_id = region.parent_id
        return tuple(reversed(names))

    def category(self, category_id: int | None) -> tuple[str, ...]:
        category = self.categories.get(category_id) if category_id is not None else None
        return tuple(category.path.split("/")) if category else ()


def load_docs(session: Session, public_ids: Sequence[str], today: date) -> dict[str, IndexDoc | None]:
    """IndexDoc per public id; None when the entry is missing or not searchable (→ delete)."""
    result: dict[str, IndexDoc | None] = dict.fromkeys(public_ids)
    entries = list(session.exec(select(Entry).where(col(Entry.public_id).in_(list(public_ids)))))
    version_ids = [e.live_version_id for e in entries if e.live_version_id is not None]
    versions = {
        v.id: v for v in session.exec(select(EntryVersion).where(col(EntryVersion.id).in_(version_ids)))
    }
    qas: dict[int, list[QAPair]] = defaultdict(list)
    for qa in session.exec(
        select(QAPair).where(col(QAPair.version_id).in_(version_ids)).order_by(col(QAPair.position))
    ):
        qas[qa.version_id].append(qa)
    department_ids = {v.department_id for v in versions.values()}
    departments = {
        d.id: d for d in session.exec(select(Department).where(col(Department.id).in_(department_ids)))
    }
    theme_ids = {v.theme_id for v in versions.values() if v.theme_id is not None}
    themes = {t.id: t.name for t in session.exec(select(Theme).where(col(Theme.id).in_(theme_ids)))}
    paths = _Paths(session)
    for entry in entries:
        version = versions.get(entry.live_version_id) if entry.live_version_id is not None else None
        if version is None or not is_searchable(entry, version, today):
            continue
        department = departments.get(version.department_id)
        region_id = (
            version.region_id
            if version.region_id is not None
            else (department.region_id if department else None)
        )
        region_path = paths.region(region_id)
        result[entry.public_id] = IndexDoc(
            id=entry.public_id,
            version=entry.lock_version,
            title=version.title,
            department=department.name if department else "",
            region=region_path[-1] if region_path else "",
            region_path=region_path,
            category_path=paths.category(version.category_id),
            theme=themes.get(version.theme_id, "") if version.theme_id is not None else "",
            effective_from=version.effective_from,
            effective_to=version.effective_to,
            contact_phone=version.contact_phone,
            original_text=version.original_text,
            interpretation=version.interpretation,
            keywords=tuple(version.keywords or ()),
            qas=tuple(
                QA(qa.question, qa.answer, tuple(qa.similar_questions or ())) for qa in qas[version.id or 0]
            ),
        )
    return result


def searchable_ids(session: Session, today: date) -> list[str]:
    """Public ids of every entry that belongs in the index (for a full rebuild)."""
    query = (
        select(Entry.public_id)
        .join(EntryVersion, col(EntryVersion.id) == col(Entry.live_version_id))
        .where(col(Entry.status).in_(SEARCHABLE))
        .where((col(EntryVersion.effective_to).is_(None)) | (col(EntryVersion.effective_to) >= today))
        .order_by(col(Entry.id))
    )
    return list(session.exec(query))


def batched(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


__all__ = ["batched", "is_searchable", "load_docs", "searchable_ids"]
