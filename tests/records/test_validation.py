"""要素齐全: phone formats, each missing or malformed element named, size limits, reference lookups."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlmodel import Session

from records.clock import FixedClock
from records.content import EntryContent
from records.entries import create_draft
from records.errors import ValidationFailed
from records.models import EntryVersion, Role, User
from records.validation import QAContent, completeness_problems, is_valid_phone, size_problems


@pytest.mark.parametrize(
    "phone",
    [
        "025-83288000",
        "0512-12345678",
        "02583288000",
        "0512-12345678-123",
        "13912345678",
        "12345",
        "12333",
        "12329",
        "12320",
        "96196",
        "400-123-4567",
        "12345、0512-12345678",
    ],
)
def test_valid_phones(phone: str) -> None:
    assert is_valid_phone(phone)


@pytest.mark.parametrize(
    "phone",
    ["", "83288000", "12345678901", "1234", "025-123", "11912345678", "电话12345", "0512-1234567890", "+86"],
)
def test_invalid_phones(phone: str) -> None:
    assert not is_valid_phone(phone)


def _version(**fields: Any) -> EntryVersion:
    base: dict[str, Any] = {
        "entry_id": 1,
        "number": 1,
        "department_id": 1,
        "title": "标题",
        "region_id": 1,
        "category_id": 1,
        "effective_from": date(2025, 1, 1),
        "contact_phone": "12345",
        "original_text": "原文",
    }
    base.update(fields)
    return EntryVersion(**base)


CASES = [
    ({"title": "  "}, [], 3, "title", "missing_title", "请填写标题"),
    ({"region_id": None}, [], 3, "region", "missing_region", "请选择适用地区（省/市/县区）"),
    ({"category_id": None}, [], None, "category", "missing_category", "请选择三级分类"),
    ({}, [], 2, "category", "category_not_leaf", "分类须选到第三级"),
    ({"effective_from": None}, [], 3, "effective_from", "missing_effective_from", "请填写生效日期"),
    (
        {"effective_to": date(2024, 1, 1)},
        [],
        3,
        "effective_to",
        "effective_to_before_from",
        "失效日期（2024-01-01）不能早于生效日期（2025-01-01）",
    ),
    ({"contact_phone": ""}, [], 3, "contact_phone", "missing_contact_phone", "请填写咨询电话"),
    ({"contact_phone": "8888"}, [], 3, "contact_phone", "invalid_contact_phone", None),
    ({"original_text": ""}, [], 3, "original_text", "missing_content", "原文和问答至少要填写一项"),
    ({}, [QAContent("", "答")], 3, "qas[1].question", "missing_question", "第 1 组问答缺少标准问"),
    (
        {},
        [QAContent("问", "答"), QAContent("问", " ")],
        3,
        "qas[2].answer",
        "missing_answer",
        "第 2 组问答缺少答案",
    ),
]


@pytest.mark.parametrize(
    ("fields", "qas", "level", "field", "code", "message"), CASES, ids=[c[4] for c in CASES]
)
def test_each_element_named(
    fields: dict[str, Any],
    qas: list[QAContent],
    level: int | None,
    field: str,
    code: str,
    message: str | None,
) -> None:
    problems = completeness_problems(_version(**fields), qas, level)
    assert [(p["field"], p["code"]) for p in problems] == [(field, code)]
    if message:
        assert problems[0]["message"] == message


def test_qa_alone_is_enough_content() -> None:
    assert completeness_problems(_version(original_text=""), [QAContent("问", "答")], 3) == []


def test_size_limit_counts_utf8_bytes() -> None:
    assert size_problems([("original_text", "汉" * 33_333)], 100_000) == []
    problems = size_problems([("original_text", "汉" * 33_334)], 100_000)
    assert [(p["field"], p["code"]) for p in problems] == [("original_text", "field_too_large")]


def test_oversize_draft_refused_whole(
    session: Session,
    make_user: Callable[..., User],
    clock: FixedClock,
    make_content: Callable[..., EntryContent],
) -> None:
    author = make_user(Role.specialist, "苏州市公安局")
    big = make_content(interpretation="解" * 40_000, qas=[QAContent("问", "答" * 40_000)])
    with pytest.raises(ValidationFailed) as err:
        create_draft(session, author, big, clock, max_text_bytes=100_000)
    assert err.value.code == "field_too_large"
    assert sorted(p["field"] for p in err.value.details) == ["interpretation", "qas[1].answer"]


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"region": "火星市"}, "region", "unknown_region"),
        ({"region": "鼓楼区"}, "region", "ambiguous_region"),
        ({"category": ["公安", "户政管理", "不存在"]}, "category", "unknown_category"),
        ({"theme": "不存在的主题"}, "theme", "unknown_theme"),
        ({"department": "不存在的部门"}, "department", "unknown_department"),
    ],
)
def test_draft_with_unknown_names_is_refused(
    session: Session,
    make_user: Callable[..., User],
    clock: FixedClock,
    make_content: Callable[..., EntryContent],
    overrides: dict[str, Any],
    field: str,
    code: str,
) -> None:
    author = make_user(Role.specialist, "苏州市公安局")
    with pytest.raises(ValidationFailed) as err:
        create_draft(session, author, make_content(**overrides), clock, max_text_bytes=100_000)
    assert [(p["field"], p["code"]) for p in err.value.details] == [(field, code)]


def test_incomplete_draft_may_be_saved(
    session: Session, make_user: Callable[..., User], clock: FixedClock
) -> None:
    author = make_user(Role.specialist, "苏州市公安局")
    entry = create_draft(session, author, EntryContent(title="只有标题"), clock, max_text_bytes=100_000)
    session.commit()
    assert entry.public_id.startswith("E") and entry.lock_version == 1
