"""Routing suggestion: which department and classification a new desk question should go to.

Why these three signals: the matched entries (问一查多) say which matter the question is about
and who answered that matter before; the classification tree's names catch questions whose
matter has no entry yet; the question's region (given, or named in the text) picks the
department of the right city among the many that handle the same matter. A manager always
confirms or reroutes, so the suggestion ranks candidates rather than deciding.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from records.desk.models import DeskQuestion
from records.models import Category, Department, Entry, EntryVersion, Region

Tokenize = Callable[[str], list[str]]

SAME_REGION = 1.0
ANCESTOR_REGION = 0.5  # a province department for a city question
DESCENDANT_REGION = 0.3  # a city department for a province-wide question
OTHER_REGION = 0.02
CATEGORY_EXACT, CATEGORY_SIBLING, CATEGORY_TOP = 1.0, 0.7, 0.4
MATCH_BONUS = 0.5
TEXT_LEAF_WEIGHT, TEXT_PARENT_WEIGHT = 0.6, 0.3
_REGION_SUFFIXES = ("自治州", "省", "市", "区", "县")


@dataclass(frozen=True)
class Match:
    """A document the question matched: an entry public id or a desk question number."""

    doc_id: str
    weight: float


@dataclass
class Suggestion:
    department_id: int | None
    category_id: int | None
    region_id: int | None
    candidates: list[dict[str, object]] = field(default_factory=list)


@dataclass
class _Tree:
    regions: dict[int, Region]
    departments: dict[int, Department]
    categories: dict[int, Category]
    handles: dict[int, set[int]]  # department id -> category ids of its entries and answers

    @classmethod
    def load(cls, session: Session) -> _Tree:
        handles: dict[int, set[int]] = defaultdict(set)
        pairs = session.exec(
            select(EntryVersion.department_id, EntryVersion.category_id)
            .where(col(EntryVersion.category_id).is_not(None))
            .distinct()
        )
        for department_id, category_id in pairs:
            if category_id is not None:
                handles[department_id].add(category_id)
        desk_pairs = session.exec(
            select(DeskQuestion.department_id, DeskQuestion.category_id)
            .where(col(DeskQuestion.department_id).is_not(None))
            .where(col(DeskQuestion.category_id).is_not(None))
            .distinct()
        )
        for desk_department, desk_category in desk_pairs:
            if desk_department is not None and desk_category is not None:
                handles[desk_department].add(desk_category)
        return cls(
            regions={r.id: r for r in session.exec(select(Region)) if r.id is not None},
            departments={d.id: d for d in session.exec(select(Department)) if d.id is not None},
            categories={c.id: c for c in session.exec(select(Category)) if c.id is not None},
            handles=handles,
        )

    def region_path(self, region_id: int | None) -> tuple[str, ...]:
        region = self.regions.get(region_id) if region_id is not None else None
        return tuple(region.path.split("/")) if region else ()

    def category_parts(self, category_id: int) -> tuple[str, ...]:
        return tuple(self.categories[category_id].path.split("/"))


def detect_region(session: Session, text: str) -> int | None:
    """The most specific region the text names (苏州 → 苏州市; 昆山 beats 苏州 as it is deeper)."""
    best: tuple[int, int, int] | None = None  # (depth, name length, id)
    for region in session.exec(select(Region)):
        names = {region.name}
        for suffix in _REGION_SUFFIXES:
            if region.name.endswith(suffix) and len(region.name) - len(suffix) >= 2:
                names.add(region.name[: -len(suffix)])
        for name in names:
            if name in text and region.id is not None:
                key = (region.path.count("/"), len(name), region.id)
                if best is None or key[:2] > best[:2]:
                    best = key
    return best[2] if best else None


def _region_factor(department: tuple[str, ...], question: tuple[str, ...]) -> float:
    if not question:
        return SAME_REGION
    if department == question:
        return SAME_REGION
    if question[: len(department)] == department:
        return ANCESTOR_REGION - 0.1 * (len(question) - len(department) - 1)
    if department[: len(question)] == question:
        return DESCENDANT_REGION
    return OTHER_REGION


def _matched_owners(session: Session, matches: Sequence[Match]) -> dict[str, tuple[int, int | None]]:
    """doc id -> (department id, category id) for matched entries and desk answers."""
    ids = [m.doc_id for m in matches]
    owners: dict[str, tuple[int, int | None]] = {}
    rows = session.exec(
        select(Entry.public_id, EntryVersion.department_id, EntryVersion.category_id)
        .join(EntryVersion, col(EntryVersion.id) == col(Entry.live_version_id))
        .where(col(Entry.public_id).in_(ids))
    )
    for public_id, department_id, category_id in rows:
        owners[public_id] = (department_id, category_id)
    desk = session.exec(
        select(DeskQuestion.number, DeskQuestion.department_id, DeskQuestion.category_id)
        .where(col(DeskQuestion.number).in_(ids))
        .where(col(DeskQuestion.department_id).is_not(None))
    )
    for number, desk_department, desk_category in desk:
        if desk_department is not None:
            owners[number] = (desk_department, desk_category)
    return owners


def _category_scores(
    tree: _Tree, text_tokens: set[str], tokenize: Tokenize, weighted: list[tuple[float, int, int | None]]
) -> dict[int, float]:
    scores: dict[int, float] = defaultdict(float)
    for weight, _department, category_id in weighted:
        if category_id is not None and category_id in tree.categories:
            scores[category_id] += weight
    if text_tokens:
        for category in tree.categories.values():
            if category.level != 3 or category.id is None:
                continue
            parts = category.path.split("/")
            leaf = set(tokenize(parts[-1]))
            parent = set(tokenize(parts[1])) if len(parts) > 1 else set()
            if leaf:
                scores[category.id] += TEXT_LEAF_WEIGHT * len(leaf & text_tokens) / len(leaf)
            if parent:
                scores[category.id] += TEXT_PARENT_WEIGHT * len(parent & text_tokens) / len(parent)
    return {k: v for k, v in scores.items() if v > 0}


def _category_fit(tree: _Tree, handled: set[int], category_id: int) -> float:
    if category_id in handled:
        return CATEGORY_EXACT
    parts = tree.category_parts(category_id)
    fit = 0.0
    for other in handled:
        if other not in tree.categories:
            continue
        theirs = tree.category_parts(other)
        if theirs[:2] == parts[:2]:
            return CATEGORY_SIBLING
        if theirs[:1] == parts[:1]:
            fit = CATEGORY_TOP
    return fit


def suggest_route(
    session: Session, text: str, region_id: int | None, matches: Sequence[Match], tokenize: Tokenize | None
) -> Suggestion:
    """Rank departments for ``text``; ``region_id`` None means "detect it from the text"."""
    tree = _Tree.load(session)
    if region_id is None:
        region_id = detect_region(session, text)
    question_region = tree.region_path(region_id)
    owners = _matched_owners(session, matches)
    weighted = [(m.weight, *owners[m.doc_id]) for m in matches if m.doc_id in owners and m.weight > 0]
    text_tokens = set(tokenize(text)) if tokenize else set()
    category_scores = _category_scores(tree, text_tokens, tokenize or (lambda _: []), weighted)
    category_id = max(category_scores, key=lambda c: (category_scores[c], -c)) if category_scores else None
    match_weight: dict[int, float] = defaultdict(float)
    for weight, department_id, _ in weighted:
        match_weight[department_id] += weight
    scored: list[tuple[float, int]] = []
    for department_id, department in tree.departments.items():
        fit = _category_fit(tree, tree.handles.get(department_id, set()), category_id) if category_id else 0.0
        base = fit + MATCH_BONUS * match_weight.get(department_id, 0.0)
        if base <= 0:
            continue
        factor = _region_factor(tree.region_path(department.region_id), question_region)
        scored.append((base * factor, department_id))
    scored.sort(key=lambda s: (-s[0], s[1]))
    candidates: list[dict[str, object]] = [
        {"department_id": d, "department": tree.departments[d].name, "score": round(s, 4)}
        for s, d in scored[:5]
    ]
    return Suggestion(
        department_id=scored[0][1] if scored else None,
        category_id=category_id,
        region_id=region_id,
        candidates=candidates,
    )
