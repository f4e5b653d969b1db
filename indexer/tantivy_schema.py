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

import base64
import json
from datetime import date
from typing import Any

import orjson
import tantivy

from indexer.engine import IndexDoc
from indexer.textutil import dedupe_key, pinyin_initials

KIND_ENTRY = "entry"
KIND_QUESTION = "question"
KIND_TOMBSTONE = "tombstone"
OPEN_END = 99991231
SNIPPET_SOURCE_CHARS = 3000

ALL_FIELD = "all_t"
# Scored token fields and their BM25 boosts (tuned on the dev set). Answers, interpretation and
# original text are not scored field by field: their tokens live in ALL_FIELD together with
# everything else, indexed without frequencies, and feed only the IDF-scaled coverage bonus
# (tantivy_query.coverage_weights) — "mentioned anywhere" — which keeps long common postings
# out of the BM25 scorers (the hot path at 100k entries) at equal dev-set quality.
SEARCH_FIELDS: dict[str, float] = {
    "title_t": 3.0,
    "question_t": 2.0,
    "keywords_t": 1.5,
    "category_t": 1.0,
}
TOKEN_FIELDS = ("title_t", "question_t", "keywords_t", "category_t", "qtext_t")
RAW_FIELDS = (
    "id",
    "kind",
    "doc_type",
    "region_anc",
    "region_self",
    "theme",
    "department",
    "category",
    "suggest",
)


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    for name in RAW_FIELDS:
        builder.add_text_field(name, stored=name == "id", tokenizer_name="raw")
    for name in TOKEN_FIELDS:
        builder.add_text_field(name, tokenizer_name="whitespace", index_option="freq")
    # Every token of the entry once, postings only: the cheap "does the entry hold this word
    # anywhere" test behind the coverage bonus (a term-set per group instead of 7 scorers).
    builder.add_text_field(ALL_FIELD, tokenizer_name="whitespace", index_option="basic")
    builder.add_integer_field("version", stored=True, indexed=True, fast=True)
    builder.add_integer_field("eff_to", indexed=True, fast=True)
    builder.add_bytes_field("payload", stored=True)
    return builder.build()


def yyyymmdd(value: date | None) -> int:
    return OPEN_END if value is None else value.year * 10000 + value.month * 100 + value.day


def region_prefixes(path: tuple[str, ...]) -> list[str]:
    return ["/".join(path[: i + 1]) for i in range(len(path))]


def _payload(value: dict[str, Any]) -> str:
    """Stored bytes field, base64 in the JSON document form tantivy's add_json accepts."""
    return base64.b64encode(orjson.dumps(value)).decode()


class DocBuilder:
    """Turns IndexDocs into tantivy JSON documents; ``tokens`` is the Analyzer's index_tokens.

    Why JSON strings: they are picklable, so a rebuild runs all of this (segmentation, pinyin,
    payloads) in worker processes and the writer process only calls ``add_json``.
    """

    def __init__(self, tokens: Any) -> None:
        self._tokens = tokens

    def _joined(self, *texts: str) -> str:
        tokens: list[str] = []
        for text in texts:
            if text:
                tokens.extend(self._tokens(text))
        return " ".join(tokens)

    @staticmethod
    def _common(item: IndexDoc, kind: str) -> dict[str, Any]:
        return {
            "id": item.id,
            "kind": kind,
            "doc_type": item.doc_type,
            "version": item.version,
            "eff_to": yyyymmdd(item.effective_to),
            "region_anc": region_prefixes(item.region_path),
            "region_self": "/".join(item.region_path),
        }

    def documents(self, item: IndexDoc) -> list[str]:
        """The entry's own document first, then one per question (indexer.fresh_build relies on
        that order)."""
        asked = [
            (text, number, self._joined(text))
            for number, qa in enumerate(item.qas)
            for text in (qa.question, *qa.similar_questions)
            if text.strip()
        ]
        questions = [qa.question for qa in item.qas]
        entry = self._common(item, KIND_ENTRY)
        fields = {
            "title_t": self._joined(item.title),
            "question_t": " ".join(tokens for _, _, tokens in asked),  # each question cut once
            "keywords_t": self._joined(*item.keywords),
            "category_t": self._joined(*item.category_path[1:]),
        }
        entry.update({name: value for name, value in fields.items() if value})
        texts = (*(qa.answer for qa in item.qas), item.interpretation, item.original_text)
        words = " ".join((*fields.values(), self._joined(*texts))).split()
        entry[ALL_FIELD] = " ".join(dict.fromkeys(words))
        if item.theme:
            entry["theme"] = item.theme
        if item.department:
            entry["department"] = item.department
        entry["category"] = [
            value
            for i, level in enumerate(item.category_path)
            for value in (level, "/".join(item.category_path[: i + 1]))
        ]
        entry["suggest"] = [
            value
            for text in (item.title, *questions)
            for value in (text, f"{pinyin_initials(text)}\x1f{text}")
        ]
        entry["payload"] = _payload(
            {
                "title": item.title,
                "region": item.region,
                "region_path": list(item.region_path),
                "department": item.department,
                "theme": item.theme,
                "questions": questions,
                "snippet": (item.interpretation or item.original_text)[:SNIPPET_SOURCE_CHARS],
                "answers": [qa.answer[:500] for qa in item.qas],
                "key": dedupe_key(item.title, item.region_path),
            }
        )
        out = [orjson.dumps(entry).decode()]
        for text, number, tokens in asked:
            question = self._common(item, KIND_QUESTION)
            question["qtext_t"] = tokens
            # The answer stays on the entry document ("answers"), named by its number: an entry's
            # similar questions would otherwise each store it again (100k entries: store 123 -> 109 MB).
            question["payload"] = _payload({"question": text, "qa": number, "tokens": tokens})
            out.append(orjson.dumps(question).decode())
        return out

    @staticmethod
    def tombstone(doc_id: str, version: int) -> str:
        return json.dumps({"id": doc_id, "kind": KIND_TOMBSTONE, "version": version, "eff_to": 0})
