"""The tantivy schema and the mapping from IndexDoc to tantivy documents.

Why pre-tokenized text: the Analyzer (rjieba + government dictionary) is the only tokenizer, so
documents are fed as space-joined tokens into fields using tantivy's "whitespace" tokenizer and
queries are built from the very same tokens. Everything a hit needs is in one stored JSON
payload (a bytes field: stored, not indexed) so the search path never reads the database.

Kinds of tantivy documents, all keyed by the entry's public id in ``id``:
- ``entry``: one per searchable entry (the /api/search target);
- ``question``: one per standard or similar question (the /api/ask target); desk answers later
  become the same kind with doc_type "answer";
- ``tombstone``: remembers the version of a delete so a late, older upsert stays refused.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import tantivy

from indexer.engine import IndexDoc
from indexer.textutil import dedupe_key, pinyin_initials

KIND_ENTRY = "entry"
KIND_QUESTION = "question"
KIND_TOMBSTONE = "tombstone"
OPEN_END = 99991231
SNIPPET_SOURCE_CHARS = 3000

# Text fields that take analyzed tokens, with their BM25 boosts (tuned on the dev set).
SEARCH_FIELDS: dict[str, float] = {
    "title_t": 3.0,
    "question_t": 2.0,
    "keywords_t": 1.5,
    "category_t": 1.0,
    "answer_t": 0.6,
    "interp_t": 0.5,
    "body_t": 0.35,
}
RAW_FIELDS = ("id", "kind", "doc_type", "region_anc", "region_self", "theme", "department", "category", "suggest")


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    for name in RAW_FIELDS:
        builder.add_text_field(name, stored=name == "id", tokenizer_name="raw")
    for name in (*SEARCH_FIELDS, "qtext_t"):
        builder.add_text_field(name, tokenizer_name="whitespace")
    builder.add_integer_field("version", stored=True, indexed=True, fast=True)
    builder.add_integer_field("eff_to", indexed=True, fast=True)
    builder.add_bytes_field("payload", stored=True)
    return builder.build()


def yyyymmdd(value: date | None) -> int:
    return OPEN_END if value is None else value.year * 10000 + value.month * 100 + value.day


def region_prefixes(path: tuple[str, ...]) -> list[str]:
    return ["/".join(path[: i + 1]) for i in range(len(path))]


class DocBuilder:
    """Turns IndexDocs into tantivy documents; ``tokens`` is the Analyzer's index_tokens."""

    def __init__(self, tokens: Any) -> None:
        self._tokens = tokens

    def _joined(self, *texts: str) -> str:
        return " ".join(token for text in texts if text for token in self._tokens(text))

    def _common(self, doc: tantivy.Document, item: IndexDoc, kind: str) -> None:
        doc.add_text("id", item.id)
        doc.add_text("kind", kind)
        doc.add_text("doc_type", item.doc_type)
        doc.add_integer("version", item.version)
        doc.add_integer("eff_to", yyyymmdd(item.effective_to))
        for prefix in region_prefixes(item.region_path):
            doc.add_text("region_anc", prefix)
        doc.add_text("region_self", "/".join(item.region_path))

    def analyze(self, item: IndexDoc) -> dict[str, Any]:
        """The expensive part (segmentation), kept picklable so a rebuild can fan it out."""
        questions = [qa.question for qa in item.qas]
        similar = [s for qa in item.qas for s in qa.similar_questions]
        fields = {
            "title_t": self._joined(item.title),
            "question_t": self._joined(*questions, *similar),
            "keywords_t": self._joined(*item.keywords),
            "category_t": self._joined(*item.category_path[1:]),
            "answer_t": self._joined(*(qa.answer for qa in item.qas)),
            "interp_t": self._joined(item.interpretation),
            "body_t": self._joined(item.original_text),
        }
        asked = [
            [text, qa.answer, self._joined(text)]
            for qa in item.qas
            for text in (qa.question, *qa.similar_questions)
            if text.strip()
        ]
        return {"fields": fields, "questions": asked}

    def build(self, item: IndexDoc, analyzed: dict[str, Any] | None = None) -> list[tantivy.Document]:
        analyzed = analyzed or self.analyze(item)
        entry = tantivy.Document()
        self._common(entry, item, KIND_ENTRY)
        questions = [qa.question for qa in item.qas]
        for name, value in analyzed["fields"].items():
            if value:
                entry.add_text(name, value)
        if item.theme:
            entry.add_text("theme", item.theme)
        if item.department:
            entry.add_text("department", item.department)
        for i, level in enumerate(item.category_path):
            entry.add_text("category", level)
            entry.add_text("category", "/".join(item.category_path[: i + 1]))
        for text in (item.title, *questions):
            entry.add_text("suggest", text)
            entry.add_text("suggest", f"{pinyin_initials(text)}\x1f{text}")
        payload = {
            "title": item.title,
            "region": item.region,
            "region_path": list(item.region_path),
            "department": item.department,
            "theme": item.theme,
            "questions": questions,
            "similar": [list(qa.similar_questions) for qa in item.qas],
            "snippet": (item.interpretation or item.original_text)[:SNIPPET_SOURCE_CHARS],
            "answers": [qa.answer[:500] for qa in item.qas],
            "key": dedupe_key(item.title, item.region_path),
        }
        entry.add_bytes("payload", json.dumps(payload, ensure_ascii=False).encode())
        docs = [entry]
        for text, answer, tokens in analyzed["questions"]:
            question = tantivy.Document()
            self._common(question, item, KIND_QUESTION)
            question.add_text("qtext_t", tokens)
            body = {"question": text, "answer": answer, "title": item.title}
            question.add_bytes("payload", json.dumps(body, ensure_ascii=False).encode())
            docs.append(question)
        return docs

    @staticmethod
    def tombstone(doc_id: str, version: int) -> tantivy.Document:
        doc = tantivy.Document()
        doc.add_text("id", doc_id)
        doc.add_text("kind", KIND_TOMBSTONE)
        doc.add_integer("version", version)
        doc.add_integer("eff_to", 0)
        return doc
