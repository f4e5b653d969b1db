"""The one analysis pipeline, used for indexing and for querying, by every engine.

Interface used by indexer/ and search_api/:
    Analyzer(dictionary_dir=None)
    .version -> str                 fingerprint of dictionaries + synonyms + intent words + code
    .tokenization_version -> str    the part that changes index tokens (a change needs a rebuild)
    .normalize(text) -> str
    .index_tokens(text) -> list[str]      tokens to index (search-mode sub-tokens included)
    .char_tokens(text) -> list[str]       single Chinese characters, for an optional extra field
    .analyze_query(text) -> AnalyzedQuery groups of weighted alternatives (see analyzers/types.py)
    .reload() -> ReloadResult       re-read the data files now
    .maybe_reload() -> ReloadResult | None   cheap poll (≤ once a second) for an admin's edit;
                                    analyze_query calls it, so API workers need no wiring

Why one object: documents and queries must be cut by the same code and the same dictionary, or
query tokens silently stop matching index tokens. The mutable part (dictionary, segmenter,
pinyin map) lives in one immutable ``_State`` swapped atomically on reload, so concurrent
requests always see a consistent set.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from analyzers import normalize as normalize_module
from analyzers import typo
from analyzers.query import QueryBuilder
from analyzers.resources import DictionaryData, file_stamp, load, resolve_paths
from analyzers.segment import Backend, Segmenter
from analyzers.types import AnalyzedQuery, ReloadResult
from analyzers.typo import PinyinIndex
from records.errors import ValidationFailed

log = logging.getLogger(__name__)

POLL_INTERVAL_SECONDS = 1.0
_CJK_CHAR = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


@dataclass(frozen=True)
class _State:
    data: DictionaryData
    stamp: tuple[tuple[str, int, int], ...]
    tokenization_fp: str
    synonyms_fp: str
    intent_fp: str
    segmenter: Segmenter
    query: QueryBuilder


class Analyzer:
    def __init__(
        self,
        dictionary_dir: Path | None = None,
        backend: Backend = "rjieba",
        poll_seconds: float | None = POLL_INTERVAL_SECONDS,
    ) -> None:
        """``poll_seconds``: how often ``analyze_query`` looks for edited files (None: never), so
        every API worker follows an admin's edit without any wiring of its own."""
        self.dictionary_dir = dictionary_dir
        self.backend: Backend = backend
        self.poll_seconds = poll_seconds
        self._lock = threading.Lock()
        self._last_poll = time.monotonic()
        self._rejected_stamp: tuple[tuple[str, int, int], ...] | None = None
        data = load(dictionary_dir)
        if data.errors:
            log.warning("analyzer data files have problems: %s", "; ".join(data.errors))
        self._state = self._build(data)
        normalize_module.warm()
        typo.warm()
        self.analyze_query("居住证办理")  # warm every lazy table before the first request

    # -- fingerprints ---------------------------------------------------------------------
    @property
    def version(self) -> str:
        state = self._state
        parts = f"{state.tokenization_fp}:{state.synonyms_fp}:{state.intent_fp}"
        return hashlib.sha1(parts.encode()).hexdigest()[:12]

    @property
    def tokenization_version(self) -> str:
        return self._state.tokenization_fp[:12]

    @property
    def data(self) -> DictionaryData:
        return self._state.data

    # -- analysis -------------------------------------------------------------------------
    def normalize(self, text: str) -> str:
        return normalize_module.normalize(text)

    def index_tokens(self, text: str) -> list[str]:
        """Tokens for the index: whole words AND their dictionary sub-words (医疗保障 → 医疗, 保障,
        医疗保障), numbers with units kept whole (2024年) plus the bare number, no stopwords."""
        return self._state.segmenter.search_tokens(self.normalize(text))

    def char_tokens(self, text: str) -> list[str]:
        """Single Chinese characters of ``text`` (normalized), for an optional separate field.

        Why separate: on the dev set, character matches as a low-weight bonus (≈0.3 of a word)
        lifted nDCG@10 from 0.885 to 0.911, but mixed into the word groups they would make every
        group "match" on one shared character. Engines that want them index this into a field of
        its own and add ``AnalyzedQuery.chars`` as a small should-bonus (see analyzers/types.py).
        """
        return _CJK_CHAR.findall(self.normalize(text))

    def analyze_query(self, text: str) -> AnalyzedQuery:
        if self.poll_seconds is not None:
            self.maybe_reload()
        return self._state.query.build(self.normalize(text))

    # -- reloading ------------------------------------------------------------------------
    def reload(self) -> ReloadResult:
        """Re-read the data files; invalid files are refused and the current state kept."""
        with self._lock:
            data = load(self.dictionary_dir)
            if data.errors:
                raise ValidationFailed(
                    "词典文件有错误，未重新加载", code="dictionary_invalid", details={"errors": data.errors}
                )
            old = self._state
            self._state = new = self._build(data)
            self._last_poll = time.monotonic()
        return ReloadResult(
            version=self.version,
            tokenization_changed=new.tokenization_fp != old.tokenization_fp,
            synonyms_changed=new.synonyms_fp != old.synonyms_fp,
        )

    def maybe_reload(self) -> ReloadResult | None:
        """Pick up an edit made elsewhere (another worker, the CLI); at most one stat per second."""
        now = time.monotonic()
        interval = POLL_INTERVAL_SECONDS if self.poll_seconds is None else self.poll_seconds
        if now - self._last_poll < interval:
            return None
        self._last_poll = now
        stamp = file_stamp(resolve_paths(self.dictionary_dir))
        if stamp in (self._state.stamp, self._rejected_stamp):
            return None
        try:
            return self.reload()
        except ValidationFailed as exc:
            self._rejected_stamp = stamp  # warn once per bad edit, not once a second
            log.warning("dictionary edit not applied: %s", exc.details)
            return None

    def _build(self, data: DictionaryData) -> _State:
        segmenter = Segmenter(data, self.backend)
        vocabulary = data.dictionary_words | data.synonyms.words
        pinyin = PinyinIndex(vocabulary, {w.word: w.freq for w in data.user_words})
        return _State(
            data=data,
            stamp=file_stamp(data.paths),
            tokenization_fp=data.tokenization_fingerprint(),
            synonyms_fp=data.synonyms_fingerprint(),
            intent_fp=data.intent_fingerprint(),
            segmenter=segmenter,
            query=QueryBuilder(segmenter, data.synonyms, pinyin, data.intent_words),
        )
