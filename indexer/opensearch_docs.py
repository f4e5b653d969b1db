"""The OpenSearch index body and the mapping from IndexDoc to OpenSearch documents.

Why the same fields as the embedded engine: both engines must rank alike, so an entry becomes one
document whose token fields hold exactly the Analyzer's ``index_tokens`` joined by spaces (the
index analyzer is a bare whitespace tokenizer: no lower-casing or stemming surprises), and whose
``payload`` (stored, not indexed) holds what a hit shows, so searches never read the database.

Questions (standard and similar) are ``nested`` documents of their entry instead of separate
top-level documents: one entry is then one document with one external version, so a stale
version can never leave orphaned questions behind, and /api/ask still scores each question on
its own (the nested field's BM25 statistics are over questions, like tantivy's question kind).

A delete is a ``tombstone`` document carrying the delete's version, so a late, older upsert stays
refused for as long as the index lives (OpenSearch forgets versions of real deletes after
``index.gc_deletes``, 60 s by default).

Token fields keep frequencies but no positions, and stay out of ``_source``: every query is built
from term queries in Python (never phrases), and only ids, payloads, region names and nested
questions are ever read back, so both would be indexing work and disk for nothing.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from indexer.engine import IndexDoc
from indexer.tantivy_schema import ALL_FIELD, SNIPPET_SOURCE_CHARS, region_prefixes
from indexer.textutil import dedupe_key, pinyin_initials

MAPPING_FILE = Path(__file__).resolve().parents[1] / "mappings" / "entries.v1.json"
MAPPING_VERSION = 1
KIND_ENTRY = "entry"
KIND_TOMBSTONE = "tombstone"
OPEN_END = "9999-12-31"
ANSWER_CHARS = 500
INDEX_ANALYZER = "hotline_tokens"
SYNONYM_ANALYZER = "hotline_tokens_synonyms"

Tokens = Callable[[str], list[str]]


@lru_cache(maxsize=1)
def _mapping_template() -> dict[str, Any]:
    return dict(json.loads(MAPPING_FILE.read_text(encoding="utf-8")))


def synonym_lines(analyzer: Any) -> list[str]:
    """The Analyzer's synonym table as Solr ``synonym_graph`` rules with Python's exact semantics.

    A one-way rule ``a, b => c`` expands ``a`` to ``c`` but not to its sibling ``b``; Solr's
    ``a, b => a, b, c`` would, so each source gets a line of its own: ``a => a, c``.
    """
    lines: list[str] = []
    for rule in analyzer.data.synonyms.rules:
        if not rule.one_way:
            lines.append(", ".join(rule.sources))
            continue
        for source in rule.sources:
            kept = dict.fromkeys([source, *rule.targets])
            lines.append(f"{source} => {', '.join(kept)}")
    return lines


def index_body(analyzer: Any) -> dict[str, Any]:
    """Settings + mappings of a new index, with the synonym list and versions filled in."""
    body = copy.deepcopy(_mapping_template())
    lines = synonym_lines(analyzer)
    synonyms = body["settings"]["analysis"]["filter"]["hotline_synonyms"]
    if lines:
        synonyms["synonyms"] = lines
    else:  # an empty synonym_graph list is refused by OpenSearch; keep the analyzer a no-op
        body["settings"]["analysis"]["analyzer"][SYNONYM_ANALYZER]["filter"] = []
        del body["settings"]["analysis"]["filter"]["hotline_synonyms"]
    meta = body["mappings"]["_meta"]
    meta["mapping_version"] = MAPPING_VERSION
    meta["tokenization_version"] = analyzer.tokenization_version
    meta["synonyms_version"] = analyzer.version
    return body


def day(value: date | None) -> str:
    return OPEN_END if value is None else value.isoformat()


def _joined(tokens: Tokens, *texts: str) -> str:
    return " ".join(token for text in texts if text for token in tokens(text))


def payload(item: IndexDoc) -> dict[str, Any]:
    """What a hit shows; the same keys as the embedded engine's stored payload."""
    return {
        "title": item.title,
        "region": item.region,
        "region_path": list(item.region_path),
        "department": item.department,
        "theme": item.theme,
        "questions": [qa.question for qa in item.qas],
        "snippet": (item.interpretation or item.original_text)[:SNIPPET_SOURCE_CHARS],
        "answers": [qa.answer[:ANSWER_CHARS] for qa in item.qas],
        "key": dedupe_key(item.title, item.region_path),
    }


def entry_source(item: IndexDoc, tokens: Tokens) -> dict[str, Any]:
    """The one OpenSearch document of an entry (or desk answer), nested questions included."""
    asked = [
        (text, qa.answer, _joined(tokens, text))
        for qa in item.qas
        for text in (qa.question, *qa.similar_questions)
        if text.strip()
    ]
    fields = {
        "title_t": _joined(tokens, item.title),
        "question_t": " ".join(joined for _, _, joined in asked),
        "keywords_t": _joined(tokens, *item.keywords),
        "category_t": _joined(tokens, *item.category_path[1:]),
    }
    texts = (*(qa.answer for qa in item.qas), item.interpretation, item.original_text)
    words = " ".join((*fields.values(), _joined(tokens, *texts))).split()
    questions = [qa.question for qa in item.qas]
    source: dict[str, Any] = {
        "id": item.id,
        "kind": KIND_ENTRY,
        "doc_type": item.doc_type,
        "version": item.version,
        "eff_to": day(item.effective_to),
        "region_anc": region_prefixes(item.region_path),
        "region_self": "/".join(item.region_path),
        "region_names": list(item.region_path),
        "category": [
            value
            for i, level in enumerate(item.category_path)
            for value in (level, "/".join(item.category_path[: i + 1]))
        ],
        "suggest": [
            value for text in (item.title, *questions) for value in (text, pinyin_initials(text)) if value
        ],
        **{name: value for name, value in fields.items() if value},
        ALL_FIELD: " ".join(dict.fromkeys(words)),
        "qs": [
            {"tokens": joined, "show": {"question": text, "answer": answer[:ANSWER_CHARS]}}
            for text, answer, joined in asked
        ],
        "payload": payload(item),
    }
    if item.effective_from is not None:
        source["eff_from"] = item.effective_from.isoformat()
    if item.theme:
        source["theme"] = item.theme
    if item.department:
        source["department"] = item.department
    return source


def tombstone_source(doc_id: str, version: int) -> dict[str, Any]:
    return {"id": doc_id, "kind": KIND_TOMBSTONE, "version": version, "eff_to": "0001-01-01"}


__all__ = [
    "INDEX_ANALYZER",
    "KIND_ENTRY",
    "KIND_TOMBSTONE",
    "SYNONYM_ANALYZER",
    "day",
    "entry_source",
    "index_body",
    "synonym_lines",
    "tombstone_source",
]
