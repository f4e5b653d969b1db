"""Word segmentation: jieba's algorithm and dictionary, run by rjieba (jieba-rs) for speed.

Why rjieba: it produces the same tokens as pure-Python jieba on our dictionary (a test keeps
checking that) at roughly 15-25x the speed, which is what makes a full rebuild of 100k entries
fit in a minute. The pure-Python backend stays available for that comparison and as a fallback.
Each Segmenter owns its own tokenizer instance (no process-global state), so a reload can build a
new one beside the old and swap it atomically.
"""

from __future__ import annotations

import logging
import re
from typing import Literal, Protocol

import jieba
import rjieba

from analyzers.resources import DictionaryData, UserWord

Backend = Literal["rjieba", "jieba"]

_NUMBER = re.compile(r"^\d+(\.\d+)?$")
# Units glued to a number so "2024年", "16周岁", "3个月" survive as one token (the bare number is
# kept as a search-mode sub-token, so "2024" still finds "2024年").
UNITS = frozenset({"年", "月", "日", "号", "岁", "周岁", "个月", "天", "元", "万元", "小时", "周", "次", "项", "个"})


class _Engine(Protocol):
    def add_word(self, word: str, freq: int | None, pos: str | None) -> None: ...
    def cut(self, text: str) -> list[str]: ...
    def cut_for_search(self, text: str) -> list[str]: ...
    def has_word(self, word: str) -> bool: ...


class _RJieba:
    def __init__(self) -> None:
        self._j = rjieba.Jieba()

    def add_word(self, word: str, freq: int | None, pos: str | None) -> None:
        self._j.add_word(word, freq, pos)

    def cut(self, text: str) -> list[str]:
        return self._j.cut(text)

    def cut_for_search(self, text: str) -> list[str]:
        return self._j.cut_for_search(text)

    def has_word(self, word: str) -> bool:
        return bool(self._j.has_word(word))


class _PyJieba:
    def __init__(self) -> None:
        jieba.setLogLevel(logging.WARNING)
        self._t = jieba.Tokenizer()
        self._t.initialize()

    def add_word(self, word: str, freq: int | None, pos: str | None) -> None:
        self._t.add_word(word, freq, pos)

    def cut(self, text: str) -> list[str]:
        return list(self._t.cut(text))

    def cut_for_search(self, text: str) -> list[str]:
        return list(self._t.cut_for_search(text))

    def has_word(self, word: str) -> bool:
        return bool(self._t.FREQ.get(word))


class Segmenter:
    def __init__(self, data: DictionaryData, backend: Backend = "rjieba") -> None:
        self.backend = backend
        engine: _Engine = _RJieba() if backend == "rjieba" else _PyJieba()
        # Synonym words become single tokens so that an expansion is always one index token.
        extra = (UserWord(w, None, None) for w in sorted(data.synonyms.words - data.dictionary_words))
        for entry in (*data.user_words, *extra):
            # Re-adding a word jieba already knows, without a frequency, changes nothing we want,
            # but the two backends account it differently in their totals and would drift apart.
            if entry.freq is None and entry.pos is None and engine.has_word(entry.word):
                continue
            engine.add_word(entry.word, entry.freq, entry.pos)
        self._engine = engine
        self._stopwords = data.stopwords

    def has_word(self, word: str) -> bool:
        return self._engine.has_word(word)

    def raw_cut(self, text: str) -> list[str]:
        """Precise-mode pieces that concatenate back to ``text`` (spaces included)."""
        return self._engine.cut(text)

    def search_tokens(self, text: str) -> list[str]:
        """Index tokens: search-mode words and sub-words, numbers glued to units, no stopwords."""
        return self._clean(self._engine.cut_for_search(text))

    def spans(self, text: str) -> list[tuple[str, int, int]]:
        """Precise-mode words with character spans, numbers glued to units, stopwords kept."""
        spans: list[tuple[str, int, int]] = []
        position = 0
        for piece in self._engine.cut(text):
            spans.append((piece, position, position + len(piece)))
            position += len(piece)
        return [s for s in _merge_units(spans) if s[0].strip()]

    def is_stopword(self, word: str) -> bool:
        return word in self._stopwords

    def sub_tokens(self, word: str) -> list[str]:
        """Search-mode sub-words of one word (without the word itself and single characters)."""
        return [t for t in self._clean(self._engine.cut_for_search(word)) if t != word and len(t) > 1]

    def _clean(self, pieces: list[str]) -> list[str]:
        tokens: list[str] = []
        for index, piece in enumerate(pieces):
            if not piece.strip() or piece in self._stopwords:
                continue
            if piece in UNITS and index > 0 and _NUMBER.match(pieces[index - 1]):
                tokens.append(pieces[index - 1] + piece)
                continue
            tokens.append(piece)
        return tokens


def _merge_units(spans: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    merged: list[tuple[str, int, int]] = []
    for piece, start, end in spans:
        if piece in UNITS and merged and _NUMBER.match(merged[-1][0]):
            number, number_start, _ = merged.pop()
            merged.append((number + piece, number_start, end))
        else:
            merged.append((piece, start, end))
    return merged
