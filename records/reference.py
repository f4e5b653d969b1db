"""Reference data (regions, classification tree, themes, departments) and lookups by name.

Why names: staff, the import format and the public API speak in names (「苏州市」,
「公安/户政管理/居民身份证申领」), while rows reference ids. Every name → row translation goes
through this module so that an unknown or ambiguous name is reported the same way everywhere.
Loading is idempotent: it only inserts what is missing, so it runs after every migration.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from records.errors import ValidationFailed
from records.models import Category, Department, Region, RegionLevel, Theme

DATA_DIR = Path(__file__).resolve().parent / "data"
PATH_SEP = "/"
_LEVELS = (RegionLevel.province, RegionLevel.city, RegionLevel.county)

__all__ = [
    "Resolver",
    "category_path",
    "ensure_categories",
    "ensure_category",
    "ensure_department",
    "ensure_reference_data",
    "ensure_regions",
    "ensure_theme",
    "ensure_themes",
    "find_region",
    "problem",
    "region_path",
]


def problem(field: str, code: str, message: str) -> dict[str, str]:
    """One element of ValidationFailed.details: which field, a machine code, a Chinese sentence."""
    return {"field": field, "code": code, "message": message}


@cache
def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA_DIR / name).read_text(encoding="utf-8"))
    return data


# -- loading -------------------------------------------------------------------------------------


def ensure_regions(session: Session) -> int:
    """Insert the shipped regions that are missing; returns how many were inserted."""
    existing = {r.path: r for r in session.exec(select(Region))}
    inserted = 0

    def walk(node: dict[str, Any], parent: Region | None, depth: int) -> None:
        nonlocal inserted
        path = f"{parent.path}{PATH_SEP}{node['name']}" if parent else node["name"]
        region = existing.get(path)
        if region is None:
            level = RegionLevel(node["level"]) if "level" in node else _LEVELS[depth]
            region = Region(
                name=node["name"], level=level, parent_id=parent.id if parent else None, path=path
            )
            session.add(region)
            session.flush()
            existing[path] = region
            inserted += 1
        for child in node.get("children", ()):
            walk(child, region, depth + 1)

    for top in _load("regions.json")["regions"]:
        walk(top, None, 0)
    return inserted


def ensure_categories(session: Session) -> int:
    before = session.exec(select(Category.id)).all()
    for top in _load("categories.json")["categories"]:
        for mid in top["children"]:
            for leaf in mid["children"]:
                ensure_category(session, [top["name"], mid["name"], leaf["name"]])
    return len(session.exec(select(Category.id)).all()) - len(before)


def ensure_themes(session: Session) -> int:
    inserted = 0
    known = set(session.exec(select(Theme.name)).all())
    for item in _load("themes.json")["themes"]:
        if item["name"] not in known:
            session.add(Theme(name=item["name"], description=item.get("description", "")))
            inserted += 1
    session.flush()
    return inserted


def ensure_reference_data(session: Session) -> dict[str, int]:
    """Regions, seed classification tree and themes; safe to call any number of times."""
    return {
        "regions": ensure_regions(session),
        "categories": ensure_categories(session),
        "themes": ensure_themes(session),
    }


# -- single lookups ------------------------------------------------------------------------------


def region_path(region: Region) -> list[str]:
    """Ancestry from the province down, e.g. ['江苏省', '苏州市']."""
    return region.path.split(PATH_SEP)


def category_path(category: Category) -> list[str]:
    return category.path.split(PATH_SEP)


def find_region(session: Session, name: str, field: str = "region") -> Region:
    """A region by unique name or by a path ('江苏省/徐州市/鼓楼区', also '徐州市/鼓楼区').

    Raises ValidationFailed (unknown_region / ambiguous_region) naming the candidates, so the
    user learns which path to write instead of getting an arbitrary one of two 鼓楼区.
    """
    found = _match_region(session, name)
    if isinstance(found, Region):
        return found
    raise ValidationFailed(found["message"], code=found["code"], details=[{**found, "field": field}])


def _match_region(session: Session, name: str) -> Region | dict[str, str]:
    parts = [p.strip() for p in name.strip().split(PATH_SEP) if p.strip()]
    if not parts:
        return problem("region", "missing_region", "请填写地区")
    candidates = [
        r
        for r in session.exec(select(Region).where(Region.name == parts[-1]))
        if r.path.split(PATH_SEP)[-len(parts) :] == parts
    ]
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        return problem("region", "unknown_region", f"地区「{name}」不存在")
    paths = "、".join(sorted(r.path for r in candidates))
    return problem("region", "ambiguous_region", f"地区「{name}」有重名，请写明完整路径，如：{paths}")


def ensure_category(session: Session, path: Sequence[str]) -> Category:
    """The 3-level category at ``path``, creating missing levels (admin and import use this)."""
    parent: Category | None = None
    for depth, name in enumerate(path, start=1):
        full = PATH_SEP.join(path[:depth])
        node = session.exec(select(Category).where(Category.path == full)).first()
        if node is None:
            node = Category(name=name, level=depth, parent_id=parent.id if parent else None, path=full)
            session.add(node)
            session.flush()
        parent = node
    assert parent is not None
    return parent


def ensure_theme(session: Session, name: str) -> Theme:
    theme = session.exec(select(Theme).where(Theme.name == name)).first()
    if theme is None:
        theme = Theme(name=name)
        session.add(theme)
        session.flush()
    return theme


def ensure_department(session: Session, name: str, region: Region) -> Department:
    """The department called ``name``; a new one is placed in ``region`` (an existing one keeps its own)."""
    dept = session.exec(select(Department).where(Department.name == name)).first()
    if dept is None:
        assert region.id is not None
        dept = Department(name=name, region_id=region.id)
        session.add(dept)
        session.flush()
    return dept


# -- cached resolution for many records -----------------------------------------------------------


class Resolver:
    """Name → row lookups cached for one unit of work (an import batch or a request).

    ``create=True`` (import) makes missing departments, categories and themes; regions are never
    created: they are reference data, and an unknown region is the caller's mistake.
    ``plan=True`` answers "would this resolve?" without writing: missing categories and themes come
    back as unsaved placeholders, so a bad import line can be refused before it creates anything.
    """

    def __init__(self, session: Session, *, create: bool, plan: bool = False) -> None:
        self.session = session
        self.create = create
        self.plan = plan
        self._regions: dict[str, Region | dict[str, str]] = {}
        self._categories: dict[str, Category | None] = {}
        self._themes: dict[str, Theme | None] = {}
        self._departments: dict[str, Department | None] = {}

    def region(self, name: str) -> Region | dict[str, str]:
        """The region, or the problem that names why it cannot be used."""
        if name not in self._regions:
            self._regions[name] = _match_region(self.session, name)
        return self._regions[name]

    def category(self, path: Sequence[str]) -> Category | None:
        key = PATH_SEP.join(path)
        if key not in self._categories:
            found = self.session.exec(select(Category).where(Category.path == key)).first()
            if found is None and self.plan:
                found = Category(id=0, name=path[-1], level=len(path), path=key)
            elif found is None and self.create:
                found = ensure_category(self.session, path)
            self._categories[key] = found
        return self._categories[key]

    def theme(self, name: str) -> Theme | None:
        if name not in self._themes:
            found = self.session.exec(select(Theme).where(Theme.name == name)).first()
            if found is None and self.plan:
                found = Theme(id=0, name=name)
            elif found is None and self.create:
                found = ensure_theme(self.session, name)
            self._themes[name] = found
        return self._themes[name]

    def department(self, name: str, region: Region | None) -> Department | None:
        if name not in self._departments or (self._departments[name] is None and self.create):
            found = self.session.exec(select(Department).where(Department.name == name)).first()
            if found is None and self.create and region is not None:
                found = ensure_department(self.session, name, region)
            self._departments[name] = found
        return self._departments[name]
