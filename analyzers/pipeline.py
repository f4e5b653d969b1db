"""The one analysis pipeline (first cut; the analyzers work replaces internals, not the interface).

Interface used by indexer/ and search_api/:
    Analyzer(dictionary_dir=None)
    .version -> str                       dictionary + synonyms fingerprint, stored with the index
    .normalize(text) -> str
    .index_tokens(text) -> list[str]      tokens to index (search-mode sub-tokens included)
    .analyze_query(text) -> AnalyzedQuery groups of alternatives with weights
    .reload() -> ReloadResult
"""

from __future__ import annotations

import hashlib
import logging
import unicodedata
from pathlib import Path

import jieba

from analyzers.types import AnalyzedQuery, QueryTerm, ReloadResult


class Analyzer:
    def __init__(self, dictionary_dir: Path | None = None) -> None:
        jieba.setLogLevel(logging.WARNING)
        self.dictionary_dir = dictionary_dir
        self._tokenizer = jieba.Tokenizer()
        self._tokenizer.initialize()
        self.version = hashlib.sha1(b"v0").hexdigest()[:12]

    def normalize(self, text: str) -> str:
        return unicodedata.normalize("NFKC", text).lower()

    def index_tokens(self, text: str) -> list[str]:
        return [t for t in self._tokenizer.cut_for_search(self.normalize(text)) if t.strip()]

    def analyze_query(self, text: str) -> AnalyzedQuery:
        norm = self.normalize(text)
        terms = tuple(QueryTerm(text=t, group=i) for i, t in enumerate(self.index_tokens(norm)))
        return AnalyzedQuery(normalized=norm, terms=terms)

    def reload(self) -> ReloadResult:
        return ReloadResult(version=self.version, tokenization_changed=False, synonyms_changed=False)
