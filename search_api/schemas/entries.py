"""Request bodies of the entry endpoints.

Why limits here as well as in the domain: pydantic refuses absurd bodies (wrong types, huge
lists) before any work is done; the byte limit of texts (Settings.max_text_bytes) is checked in
the domain so the import and the API share it and report ``field_too_large``.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from records.content import EntryContent

TEXT_CHARS = 1_000_000  # hard stop; the real limit is Settings.max_text_bytes (field_too_large)


class QAIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field("", max_length=TEXT_CHARS)
    answer: str = Field("", max_length=TEXT_CHARS)
    similar_questions: list[str] = Field(default_factory=list, max_length=100)


class EntryContentIn(BaseModel):
    """Everything optional: a draft may be saved incomplete; submission checks 要素齐全."""

    model_config = ConfigDict(extra="forbid")
    title: str = Field("", max_length=200)
    department: str = Field("", max_length=128)
    region: str = Field("", max_length=256)
    category: list[str] = Field(default_factory=list, max_length=3)
    theme: str | None = Field(None, max_length=64)
    effective_from: date | None = None
    effective_to: date | None = None
    contact_phone: str = Field("", max_length=64)
    doc_number: str = Field("", max_length=128)
    issuing_body: str = Field("", max_length=128)
    original_text: str = Field("", max_length=TEXT_CHARS)
    interpretation: str = Field("", max_length=TEXT_CHARS)
    qas: list[QAIn] = Field(default_factory=list, max_length=200)
    keywords: list[str] = Field(default_factory=list, max_length=50)

    def to_content(self) -> EntryContent:
        return EntryContent.from_input(self)


class EntryCreateIn(EntryContentIn):
    id: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")


class EntryUpdateIn(EntryContentIn):
    lock_version: int = Field(ge=1)


class ActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lock_version: int = Field(ge=1)
    reason: str | None = Field(None, max_length=2000)
