"""Input rules of the desk: the citizen's sentence, the contact, and the four answer elements.

Why hand-written checks instead of pydantic constraints: each failure must name the element in
Chinese (缺少"政策依据"), all missing elements at once, and control characters must be refused
rather than silently stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from records.errors import ValidationFailed
from records.validation import has_control_characters, is_valid_phone

QUESTION_MIN_CHARS = 4
QUESTION_MAX_CHARS = 500
SIGNATURE_MAX_CHARS = 128
PHONE_MAX_CHARS = 64

_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}$")

FOUR_ELEMENTS: dict[str, str] = {
    "basis": "政策/法律依据",
    "answer": "实质性答复",
    "phone": "进一步咨询电话",
    "signature": "部门署名",
}


def clean_question(text: Any) -> str:
    """The trimmed sentence, or 422 with a reason a citizen understands."""
    if not isinstance(text, str):
        raise ValidationFailed("请填写您的问题", code="question_missing", details=[{"field": "text"}])
    trimmed = text.strip()
    if not trimmed:
        raise ValidationFailed("问题不能为空", code="question_empty", details=[{"field": "text"}])
    if has_control_characters(trimmed):
        raise ValidationFailed(
            "问题中含有不可见的控制字符，请删除后重试",
            code="question_control_chars",
            details=[{"field": "text"}],
        )
    if len(trimmed) < QUESTION_MIN_CHARS:
        raise ValidationFailed(
            f"问题太短，请至少写 {QUESTION_MIN_CHARS} 个字",
            code="question_too_short",
            details=[{"field": "text", "min_length": QUESTION_MIN_CHARS}],
        )
    if len(trimmed) > QUESTION_MAX_CHARS:
        raise ValidationFailed(
            f"问题太长，请控制在 {QUESTION_MAX_CHARS} 个字以内",
            code="question_too_long",
            details=[{"field": "text", "max_length": QUESTION_MAX_CHARS}],
        )
    return trimmed


def normalize_phone(value: str) -> str | None:
    """The phone as typed when it is valid by the entries' own rule (records.validation), else None."""
    text = value.strip()
    return text if text and len(text) <= PHONE_MAX_CHARS and is_valid_phone(text) else None


def clean_contact(value: Any) -> str | None:
    """An optional phone or e-mail; anything else is refused, never stored half-valid."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationFailed("联系方式格式不正确", code="contact_invalid", details=[{"field": "contact"}])
    trimmed = value.strip()
    if not trimmed:
        return None
    if "@" in trimmed:
        if _EMAIL.match(trimmed) and len(trimmed) <= 128:
            return trimmed
    elif (phone := normalize_phone(trimmed)) is not None:
        return phone
    raise ValidationFailed(
        "联系方式请填写正确的手机号、固定电话或电子邮箱",
        code="contact_invalid",
        details=[{"field": "contact"}],
    )


@dataclass(frozen=True)
class FourElements:
    basis: str
    answer: str
    phone: str
    signature: str


def clean_four_elements(raw: dict[str, Any], max_text_bytes: int) -> FourElements:
    """All four elements present, non-empty and well-formed, or one 422 naming every problem."""
    problems: list[dict[str, str]] = []
    values: dict[str, str] = {}
    for field, label in FOUR_ELEMENTS.items():
        value = raw.get(field)
        text = value.strip() if isinstance(value, str) else ""
        if not text:
            problems.append({"field": field, "element": label, "message": f"缺少“{label}”"})
        elif has_control_characters(text.replace("\n", "").replace("\r", "").replace("\t", "")):
            problems.append({"field": field, "element": label, "message": f"“{label}”含有控制字符"})
        elif len(text.encode("utf-8")) > max_text_bytes:
            problems.append({"field": field, "element": label, "message": f"“{label}”内容过长"})
        values[field] = text
    if values["phone"] and not any(p["field"] == "phone" for p in problems):
        phone = normalize_phone(values["phone"])
        if phone is None:
            problems.append(
                {"field": "phone", "element": FOUR_ELEMENTS["phone"], "message": "“进一步咨询电话”格式不正确"}
            )
    signature_ok = not any(p["field"] == "signature" for p in problems)
    if signature_ok and len(values["signature"]) > SIGNATURE_MAX_CHARS:
        problems.append(
            {"field": "signature", "element": FOUR_ELEMENTS["signature"], "message": "“部门署名”过长"}
        )
    if problems:
        missing = "、".join(p["element"] for p in problems)
        raise ValidationFailed(
            f"答复四要素不全或不合格：{missing}", code="answer_elements_invalid", details=problems
        )
    return FourElements(**values)
