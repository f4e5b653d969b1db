"""Read-only queries behind the citizen pages: theme collections and the filter choices.

Why SQL and not the search engine: a collection is "every public entry of a theme", a listing
rather than a ranked match, and the filter choices are reference data. The public rule is the one
in records.views.is_public (published or takedown pending, effective_to not passed).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from records.models import Department, Entry, EntryVersion, Region, Theme
from records.policy import PUBLIC_STATUSES

COUNT_TTL_SECONDS = 60.0
_lock = threading.Lock()
_count_cache: dict[tuple[str, date], tuple[float, dict[int, int]]] = {}


@dataclass(frozen=True)
class EntryLink:
    id: str
    title: str
    region: str
    department: str


@dataclass(frozen=True)
class ThemeCollection:
    name: str
    description: str
    total: int
    entries: list[EntryLink]


@dataclass(frozen=True)
class FilterChoices:
    regions: list[tuple[str, str, int]]  # (path, name, depth) in tree order; depth indents the option
    themes: list[str]
    departments: list[str]


def _public(today: date):  # type: ignore[no-untyped-def]
    """Public entries joined to their live version (and its region/department names)."""
    return (
        select(Entry.public_id, EntryVersion.title, Region.name, Department.name)
        .join(EntryVersion, col(EntryVersion.id) == col(Entry.live_version_id))
        .join(Department, col(Department.id) == col(EntryVersion.department_id))
        .outerjoin(Region, col(Region.id) == col(EntryVersion.region_id))
        .where(col(Entry.status).in_(PUBLIC_STATUSES))
        .where(or_(col(EntryVersion.effective_to).is_(None), col(EntryVersion.effective_to) >= today))
    )


def _counts(session: Session, today: date) -> dict[int, int]:
    """Public entries per theme id, in one grouped scan."""
    query = (
        select(EntryVersion.theme_id, func.count())
        .select_from(Entry)
        .join(EntryVersion, col(EntryVersion.id) == col(Entry.live_version_id))
        .where(col(Entry.status).in_(PUBLIC_STATUSES))
        .where(or_(col(EntryVersion.effective_to).is_(None), col(EntryVersion.effective_to) >= today))
        .group_by(col(EntryVersion.theme_id))
    )
    return {theme_id: int(n) for theme_id, n in session.exec(query) if theme_id is not None}


def cached_counts(session: Session, today: date) -> dict[int, int]:
    """``_counts``, re-read at most once a minute per store: the scan costs ~0.2 s at 100k entries,
    and a home-page badge that lags a new publication by a minute is harmless."""
    key = (str(session.get_bind().engine.url), today)
    now = time.monotonic()
    with _lock:
        hit = _count_cache.get(key)
        if hit and now - hit[0] < COUNT_TTL_SECONDS:
            return hit[1]
    counts = _counts(session, today)
    with _lock:
        _count_cache.clear()  # one key per store and day is all that is ever useful
        _count_cache[key] = (now, counts)
    return counts


def _links(session: Session, theme_id: int, today: date, offset: int, limit: int) -> list[EntryLink]:
    # (status, id) is the order of the status index, so the database reads only the rows it returns.
    query = (
        _public(today)
        .where(EntryVersion.theme_id == theme_id)
        .order_by(col(Entry.status), col(Entry.id))
        .offset(offset)
        .limit(limit)
    )
    return [EntryLink(pid, title, region or "", dept) for pid, title, region, dept in session.exec(query)]


def theme_collections(session: Session, today: date, per_theme: int = 6) -> list[ThemeCollection]:
    """Each theme with its first ``per_theme`` public entries; empty themes are left out."""
    out = []
    counts = cached_counts(session, today)
    for theme in session.exec(select(Theme).order_by(col(Theme.id))):
        assert theme.id is not None
        total = counts.get(theme.id, 0)
        if total:
            links = _links(session, theme.id, today, 0, per_theme)
            out.append(ThemeCollection(theme.name, theme.description, total, links))
    return out


def theme_page(session: Session, name: str, today: date, page: int, size: int) -> ThemeCollection | None:
    """One theme's public entries, ``size`` per page; None when no such theme."""
    theme = session.exec(select(Theme).where(Theme.name == name)).first()
    if theme is None or theme.id is None:
        return None
    total = cached_counts(session, today).get(theme.id, 0)
    links = _links(session, theme.id, today, (page - 1) * size, size)
    return ThemeCollection(theme.name, theme.description, total, links)


def filter_choices(session: Session) -> FilterChoices:
    """Regions are cut to where the service has departments: every city of a served province and
    any deeper region that has a department of its own (a full national tree is unusable in a select)."""
    with_department = select(Region.path).join(Department, col(Department.region_id) == col(Region.id))
    served = set(session.exec(with_department))
    provinces = {path.split("/")[0] for path in served}
    regions = [
        (r.path, r.name, r.path.count("/"))
        for r in session.exec(select(Region).order_by(col(Region.path)))
        if r.path.split("/")[0] in provinces and (r.path.count("/") <= 1 or r.path in served)
    ]
    themes = list(session.exec(select(Theme.name).order_by(col(Theme.id))))
    departments = list(session.exec(select(Department.name).order_by(col(Department.name))))
    return FilterChoices(regions=regions, themes=themes, departments=departments)
