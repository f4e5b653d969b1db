"""One line of the import format (the corpus format of the eval README) parsed into EntryContent.

Why pydantic here: a bad line must be reported with every wrong field named in Chinese, and
pydantic already knows which field has which wrong type; this module only translates.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from records.content import EntryContent

__all__ = ["ImportLine", "ImportReport", "ImportedLine", "parse_line"]

_ERRORS = {
    "missing": "缺少该字段",
    "string_type": "应为文本",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "date_type": "应为日期",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_from_datetime_inexact": "日期格式应为 YYYY-MM-DD",
    "string_too_long": "过长",
    "string_too_short": "不能为空",
    "string_pattern_mismatch": "只能包含字母、数字、连字符和下划线",
    "too_long": "项数过多",
    "too_short": "项数不足",
    "extra_forbidden": "未知字段",
}


class _QA(BaseModel):
    model_config = ConfigDict(strict=True)
    question: str = Field(max_length=2000)
    answer: str
    similar_questions: list[str] | None = None


class ImportLine(BaseModel):
    """Strict types (a number where text belongs is an error, not silently converted)."""

    model_config = ConfigDict(strict=True)
    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")
    theme: str | None = Field(default=None, max_length=64)
    category: list[str] = Field(max_length=3)
    title: str = Field(max_length=200)
    department: str = Field(max_length=128)
    region: str = Field(max_length=256)
    effective_from: date | None = Field(default=None, strict=False)
    effective_to: date | None = Field(default=None, strict=False)
    original_text: str | None = None
    interpretation: str | None = None
    qas: list[_QA] = Field(default_factory=list)
    contact_phone: str | None = Field(default=None, max_length=64)
    keywords: list[str] | None = None
    doc_number: str | None = Field(default=None, max_length=128)
    issuing_body: str | None = Field(default=None, max_length=128)

    def content(self) -> EntryContent:
        return EntryContent.from_input(self)


def parse_line(text: str) -> tuple[ImportLine | None, list[str]]:
    """(record, []) or (None, Chinese messages naming each problem)."""
    try:
        raw: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [f"不是合法的 JSON（第 {exc.colno} 列）：{exc.msg}"]
    if not isinstance(raw, dict):
        return None, ["每行应为一个 JSON 对象"]
    for key in ("effective_from", "effective_to"):  # lax date parsing would accept a Unix timestamp
        if not isinstance(raw.get(key), str | None):
            return None, [f"字段 {key}：日期格式应为 YYYY-MM-DD"]
    try:
        return ImportLine.model_validate(raw), []
    except ValidationError as exc:
        return None, [_message(err) for err in exc.errors()]


def _message(err: Any) -> str:
    loc = ".".join(str(p) for p in err.get("loc", ()))
    text = _ERRORS.get(err.get("type", ""), "格式不正确")
    return f"字段 {loc}：{text}" if loc else text


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    published: int = 0
    expired: int = 0
    errors: list[tuple[int, list[str]]] = field(default_factory=list)


@dataclass
class ImportedLine:
    line_no: int
    record: ImportLine
    content: EntryContent
