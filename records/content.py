"""An entry's content as people write it (names, not ids), and its translation to and from rows.

Why a separate shape: the API body, the import line and the staff view all speak in names
(「苏州市」, 「公安/户政管理/居民身份证申领」); ``write_content`` resolves them once, reporting
every unknown name as a problem, and ``read_content`` gives the same shape back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, col, delete, select

from records.models import Category, Department, EntryVersion, QAPair, Region, Theme
from records.reference import Resolver, problem
from records.validation import QAContent

__all__ = ["EntryContent", "VersionFields", "fingerprint", "read_content", "read_qas", "write_content"]

TEXT_FIELDS = ("title", "contact_phone", "doc_number", "issuing_body", "original_text", "interpretation")


@dataclass
class EntryContent:
    title: str = ""
    department: str = ""
    region: str = ""
    category: list[str] = field(default_factory=list)
    theme: str = ""
    effective_from: date | None = None
    effective_to: date | None = None
    contact_phone: str = ""
    doc_number: str = ""
    issuing_body: str = ""
    original_text: str = ""
    interpretation: str = ""
    qas: list[QAContent] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)

    @classmethod
    def from_input(cls, data: Any) -> EntryContent:
        """Build from an API body or an import line (any object with these attributes).

        Why one constructor: both inputs allow ``None`` for optional texts and lists; the domain
        always sees empty strings and lists, so the coercion lives here once.
        """
        texts = {name: getattr(data, name) or "" for name in TEXT_FIELDS}
        return cls(
            **texts,
            department=data.department or "",
            region=data.region or "",
            category=list(data.category or []),
            theme=data.theme or "",
            effective_from=data.effective_from,
            effective_to=data.effective_to,
            qas=[QAContent(q.question, q.answer, list(q.similar_questions or [])) for q in data.qas],
            keywords=list(data.keywords or []),
        )

    def texts(self) -> list[tuple[str, str]]:
        """(field, text) of every free text, for the size limit and the hidden-character check."""
        out = [(name, getattr(self, name)) for name in TEXT_FIELDS]
        out.extend(("keywords", keyword) for keyword in self.keywords)
        for i, qa in enumerate(self.qas, start=1):
            out.append((f"qas[{i}].question", qa.question))
            out.append((f"qas[{i}].answer", qa.answer))
            out.extend((f"qas[{i}].similar_questions", s) for s in qa.similar_questions)
        return out


@dataclass
class VersionFields:
    """The content columns of an EntryVersion as a plain object.

    Why not an EntryVersion: building SQLModel table objects is slow (about a millisecond each),
    and the importer resolves thousands of records, most of which need no new row at all.
    """

    title: str = ""
    department_id: int = 0
    region_id: int | None = None
    category_id: int | None = None
    theme_id: int | None = None
    effective_from: date | None = None
    effective_to: date | None = None
    contact_phone: str = ""
    doc_number: str = ""
    issuing_body: str = ""
    original_text: str = ""
    interpretation: str = ""
    keywords: list[str] = field(default_factory=list)

    def apply(self, version: EntryVersion, *, with_department: bool = False) -> None:
        for name in CONTENT_COLUMNS:
            setattr(version, name, getattr(self, name))
        if with_department:
            version.department_id = self.department_id

    def row(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in CONTENT_FIELDS}


CONTENT_COLUMNS = (
    "title",
    "region_id",
    "category_id",
    "theme_id",
    "effective_from",
    "effective_to",
    "contact_phone",
    "doc_number",
    "issuing_body",
    "original_text",
    "interpretation",
    "keywords",
)
# The fields that make a version's content, in fingerprint order (then its Q&A pairs, "qas").
CONTENT_FIELDS = (*CONTENT_COLUMNS, "department_id")


def write_content(
    resolver: Resolver, version: VersionFields | EntryVersion, content: EntryContent
) -> tuple[list[QAContent], list[dict[str, str]], Category | None]:
    """Set ``version``'s fields from ``content``; returns (cleaned QAs, reference problems, category).

    Empty references are left empty (a draft may be incomplete); a given name that cannot be
    resolved is a problem. The department is not set here: it belongs to the entry (ownership).
    """
    problems: list[dict[str, str]] = []
    version.title = content.title.strip()
    version.region_id = None
    if content.region.strip():
        found = resolver.region(content.region)
        if isinstance(found, Region):
            version.region_id = found.id
        else:
            problems.append(found)
    category: Category | None = None
    version.category_id = None
    cat_path = [c.strip() for c in content.category if c.strip()]
    if cat_path:
        if len(cat_path) != 3:
            problems.append(problem("category", "category_not_leaf", "分类须为三级（大类/中类/小类）"))
        else:
            category = resolver.category(cat_path)
            if category is None:
                problems.append(
                    problem("category", "unknown_category", f"分类「{'/'.join(cat_path)}」不存在")
                )
            else:
                version.category_id = category.id
    version.theme_id = None
    if content.theme.strip():
        theme = resolver.theme(content.theme.strip())
        if theme is None:
            problems.append(problem("theme", "unknown_theme", f"主题「{content.theme.strip()}」不存在"))
        else:
            version.theme_id = theme.id
    version.effective_from = content.effective_from
    version.effective_to = content.effective_to
    version.contact_phone = content.contact_phone.strip()
    version.doc_number = content.doc_number.strip()
    version.issuing_body = content.issuing_body.strip()
    version.original_text = content.original_text.strip()
    version.interpretation = content.interpretation.strip()
    version.keywords = _clean_list(content.keywords)
    qas = [
        QAContent(qa.question.strip(), qa.answer.strip(), _clean_list(qa.similar_questions))
        for qa in content.qas
        if qa.question.strip() or qa.answer.strip() or qa.similar_questions
    ]
    return qas, problems, category


def replace_qas(session: Session, version: EntryVersion, qas: list[QAContent]) -> None:
    """The version's Q&A pairs become ``qas`` (a draft's pairs are rewritten as a whole)."""
    assert version.id is not None
    session.execute(delete(QAPair).where(col(QAPair.version_id) == version.id))
    session.add_all(qa_rows(version.id, qas))


def qa_rows(version_id: int, qas: list[QAContent]) -> list[QAPair]:
    return [
        QAPair(
            version_id=version_id,
            position=i,
            question=qa.question,
            answer=qa.answer,
            similar_questions=list(qa.similar_questions),
        )
        for i, qa in enumerate(qas)
    ]


def read_qas(session: Session, version_id: int) -> list[QAContent]:
    rows = session.exec(select(QAPair).where(QAPair.version_id == version_id).order_by(col(QAPair.position)))
    return [QAContent(r.question, r.answer, list(r.similar_questions)) for r in rows]


def read_content(session: Session, version: EntryVersion, qas: list[QAContent]) -> EntryContent:
    region = session.get(Region, version.region_id) if version.region_id else None
    category = session.get(Category, version.category_id) if version.category_id else None
    theme = session.get(Theme, version.theme_id) if version.theme_id else None
    dept = session.get(Department, version.department_id)
    return EntryContent(
        title=version.title,
        department=dept.name if dept else "",
        region=region.path if region else "",
        category=category.path.split("/") if category else [],
        theme=theme.name if theme else "",
        effective_from=version.effective_from,
        effective_to=version.effective_to,
        contact_phone=version.contact_phone,
        doc_number=version.doc_number,
        issuing_body=version.issuing_body,
        original_text=version.original_text,
        interpretation=version.interpretation,
        qas=qas,
        keywords=list(version.keywords),
    )


def fingerprint(version: VersionFields | EntryVersion, qas: list[QAContent]) -> tuple[Any, ...]:
    """Everything that makes two versions the same content (re-import writes nothing then)."""
    values = (getattr(version, name) for name in CONTENT_FIELDS)
    return (
        *(tuple(value) if isinstance(value, list) else value for value in values),
        tuple((qa.question, qa.answer, tuple(qa.similar_questions)) for qa in qas),
    )


def changed_fields(
    new: VersionFields | EntryVersion,
    new_qas: list[QAContent],
    old: VersionFields | EntryVersion,
    old_qas: list[QAContent],
) -> list[str]:
    """Names of the content fields (and "qas") that differ, for an audit row."""
    pairs = zip(fingerprint(new, new_qas), fingerprint(old, old_qas), strict=True)
    return [name for name, (a, b) in zip((*CONTENT_FIELDS, "qas"), pairs, strict=True) if a != b]


def _clean_list(items: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        text = item.strip()
        if text:
            seen.setdefault(text, None)
    return list(seen)
