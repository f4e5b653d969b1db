"""Required-element validation (要素齐全) of an entry version, size limits and hidden characters.

Why on the version and not on the request: the same check guards submission through the API,
publication, and every imported record, so an entry can never reach the public with a missing
element whichever door it came through. Each problem names its field, a stable code and a
Chinese sentence, and all problems are reported at once (a specialist fixes everything in one go).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from records.errors import ValidationFailed
from records.reference import problem

__all__ = [
    "QAContent",
    "clean_reason",
    "completeness_problems",
    "control_problems",
    "has_control_characters",
    "has_hidden_controls",
    "is_valid_phone",
    "raise_if",
    "size_problems",
]

_LINE_WHITESPACE = frozenset("\t\n\r")
# Bidirectional embedding, override and isolate controls: they reorder what a reader sees.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def has_control_characters(text: str, *, line_breaks: bool = False) -> bool:
    """Any control, format, surrogate or private-use character: the rule for short texts a person
    types (a citizen's question, a reason, a comment, a name); ``line_breaks`` lets CR and LF pass."""
    return any(
        unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") and not (line_breaks and ch in "\r\n")
        for ch in text
    )


def has_hidden_controls(text: str) -> bool:
    """Control characters other than tab and line breaks, lone surrogates and bidi overrides: the
    rule for documents (an entry's texts), which keep the zero-width marks pasted from web pages."""
    return any(
        ch in _BIDI_CONTROLS or (unicodedata.category(ch) in ("Cc", "Cs") and ch not in _LINE_WHITESPACE)
        for ch in text
    )


def clean_reason(value: Any, *, required: bool, field: str = "reason") -> str | None:
    """The trimmed reason (the audit log's "why"), None when blank; 422 when a required one is
    missing or any holds control characters (line breaks aside), which would satisfy "required"
    while saying nothing."""
    text = value.strip() if isinstance(value, str) else ""
    if required and not text:
        raise ValidationFailed("请填写理由", code="reason_required", details=[{"field": field}])
    if text and has_control_characters(text, line_breaks=True):
        raise ValidationFailed("理由中含有控制字符", code="reason_invalid", details=[{"field": field}])
    return text or None


def control_problems(texts: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    """``texts`` is (field, text) pairs; one problem per field holding a hidden control character."""
    fields = dict.fromkeys(name for name, text in texts if has_hidden_controls(text))
    return [problem(name, "control_characters", "含有不可见的控制字符，请删除后重试") for name in fields]


# Landline with area code (025-83288000, 0512-12345678, optional extension), mobile,
# 5-digit government service numbers (12345, 12333, 12329, 12320, 12393 …), 96xxx(x) hotlines,
# 400/800 numbers. Several numbers may be listed, separated by 、 ， , ; ； / or spaces.
_PHONE = re.compile(
    r"""^(?:
        0\d{2,3}-?\d{7,8}(?:-\d{1,6})?
      | 1[3-9]\d{9}
      | 12\d{3}
      | 96\d{3,4}
      | [48]00-?\d{3}-?\d{4}
    )$""",
    re.VERBOSE,
)
_PHONE_SEPARATORS = re.compile(r"[、，,;；/\s]+")


@dataclass
class QAContent:
    question: str
    answer: str
    similar_questions: list[str] = field(default_factory=list)


def is_valid_phone(text: str) -> bool:
    parts = [p for p in _PHONE_SEPARATORS.split(text.strip()) if p]
    return bool(parts) and all(_PHONE.match(p) for p in parts)


def raise_if(problems: list[dict[str, str]], message: str = "条目要素不齐全或格式有误") -> None:
    """Raise one ValidationFailed carrying every problem; the first one's code is the error code."""
    if problems:
        code = problems[0]["code"] if all(p["code"] == problems[0]["code"] for p in problems) else None
        raise ValidationFailed(message, code=code or "validation_failed", details=problems)


def size_problems(texts: Iterable[tuple[str, str]], max_bytes: int) -> list[dict[str, str]]:
    """``texts`` is (field, text) pairs; anything over ``max_bytes`` UTF-8 bytes is a problem."""
    out = []
    for name, text in texts:
        size = len(text.encode("utf-8"))
        if size > max_bytes:
            out.append(
                problem(
                    name,
                    "field_too_large",
                    f"内容过长：{size} 字节，最多 {max_bytes} 字节（约 {max_bytes // 3} 个汉字）",
                )
            )
    return out


class _Content(Protocol):
    title: str
    region_id: int | None
    category_id: int | None
    effective_from: date | None
    effective_to: date | None
    contact_phone: str
    original_text: str


def completeness_problems(
    version: _Content, qas: Sequence[QAContent], category_level: int | None
) -> list[dict[str, str]]:
    """Every missing or malformed required element of ``version``; empty means 要素齐全.

    ``category_level`` is the level of the version's category (None when it has none), so that a
    category that is not a leaf of the 3-level tree is refused.
    """
    out: list[dict[str, str]] = []
    if not version.title.strip():
        out.append(problem("title", "missing_title", "请填写标题"))
    if version.region_id is None:
        out.append(problem("region", "missing_region", "请选择适用地区（省/市/县区）"))
    if version.category_id is None:
        out.append(problem("category", "missing_category", "请选择三级分类"))
    elif category_level != 3:
        out.append(problem("category", "category_not_leaf", "分类须选到第三级"))
    out.extend(_date_problems(version.effective_from, version.effective_to))
    phone = version.contact_phone.strip()
    if not phone:
        out.append(problem("contact_phone", "missing_contact_phone", "请填写咨询电话"))
    elif not is_valid_phone(phone):
        out.append(
            problem(
                "contact_phone",
                "invalid_contact_phone",
                f"咨询电话「{phone}」格式不正确，"
                "应为带区号的固定电话（如 025-83288000）、手机号或 12345 等服务号码",
            )
        )
    has_qa = bool(qas)
    if not version.original_text.strip() and not has_qa:
        out.append(problem("original_text", "missing_content", "原文和问答至少要填写一项"))
    for i, qa in enumerate(qas, start=1):
        if not qa.question.strip():
            out.append(problem(f"qas[{i}].question", "missing_question", f"第 {i} 组问答缺少标准问"))
        if not qa.answer.strip():
            out.append(problem(f"qas[{i}].answer", "missing_answer", f"第 {i} 组问答缺少答案"))
    return out


def _date_problems(start: date | None, end: date | None) -> list[dict[str, str]]:
    if start is None:
        return [problem("effective_from", "missing_effective_from", "请填写生效日期")]
    if end is not None and end < start:
        return [
            problem(
                "effective_to",
                "effective_to_before_from",
                f"失效日期（{end.isoformat()}）不能早于生效日期（{start.isoformat()}）",
            )
        ]
    return []
