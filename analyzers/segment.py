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

import rjieba

from analyzers.resources import DictionaryData, UserWord

Backend = Literal["rjieba", "jieba"]
SUBWORD_CACHE_SIZE = 200_000

_NUMBER = re.compile(r"^\d+(\.\d+)?$")
_NUMBER_UNIT = re.compile(r"^(\d+(?:\.\d+)?)\D+$")
_CJK_WORD = re.compile(r"^[\u4e00-\u9fff]+$")
# Units glued to a number so "2024年", "16周岁", "3个月" survive as one token (the bare number is
# kept as a search-mode sub-token, so "2024" still finds "2024年").
UNITS = frozenset(
    {
        "年",
        "月",
        "日",
        "号",
        "岁",
        "周岁",
        "个月",
        "天",
        "元",
        "万元",
        "小时",
        "周",
        "次",
        "项",
        "个",
        "工作日",
        "周年",
    }
)


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
        import jieba  # only for the reference backend: the import alone costs ~12 MB per process

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
        self._subword_cache: dict[str, list[str]] = {}
        self._emissions: dict[str, tuple[str, ...]] = {}

    def has_word(self, word: str) -> bool:
        return self._engine.has_word(word)

    def raw_cut(self, text: str) -> list[str]:
        """Precise-mode pieces that concatenate back to ``text`` (spaces included)."""
        return self._engine.cut(text)

    def search_tokens(self, text: str) -> list[str]:
        """Index tokens: every word followed by its dictionary sub-words, numbers glued to units,
        no stopwords.

        Unlike jieba's own search mode (which only adds 2- and 3-character sub-words), every
        known sub-word of any length is added, so 住房公积金提取 also indexes 住房公积金 and
        出生医学证明补发 also indexes 出生医学证明.
        """
        tokens: list[str] = []
        extend, emissions = tokens.extend, self._emissions
        previous = ""
        # One tight loop over every word of every entry on a full rebuild: what a word emits is
        # looked up once per distinct word; only units (which may join the number before them)
        # take the slow path.
        for piece in self._engine.cut(text):
            emitted = emissions.get(piece)
            if emitted is None:
                if piece in UNITS:
                    previous = self._unit(tokens, previous, piece)
                    continue
                emitted = self._emission(piece)
            extend(emitted)
            previous = piece
        return tokens

    def _emission(self, piece: str, remember: bool = True) -> tuple[str, ...]:
        """What a word adds to the index tokens: nothing for a stopword or blank, else its
        dictionary sub-words and itself. Units are never remembered: they take the slow path."""
        if piece in self._stopwords or piece.isspace():
            emitted: tuple[str, ...] = ()
        elif len(piece) > 2:
            emitted = (*self._subwords(piece), piece)
        else:
            emitted = (piece,)
        if remember and len(self._emissions) < SUBWORD_CACHE_SIZE:
            self._emissions[piece] = emitted
        return emitted

    def _unit(self, tokens: list[str], previous: str, piece: str) -> str:
        """A unit word: glued to the number before it (2024 + 年, 3个 + 月), else a plain word.
        Returns the new "previous" word."""
        if piece in self._stopwords:
            return piece
        if _NUMBER.match(previous):
            tokens.append(previous + piece)
            return previous + piece
        if _extends_unit(previous, piece):
            tokens[-1] = previous + piece  # 3个 + 月 → 3个月
            return previous + piece
        tokens.extend(self._emission(piece, remember=False))
        return piece

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
        """Dictionary sub-words of one word (without the word itself and single characters)."""
        number = _NUMBER_UNIT.match(word)
        return [number.group(1)] if number else self._subwords(word)

    def _subwords(self, word: str) -> list[str]:
        """Every dictionary sub-word of 2+ characters; for a Chinese word jieba made up itself (not
        in any dictionary: its HMM joins unknown names to a neighbouring character, so 用音悦台
        becomes 用音悦 + 台 in one sentence and 音悦台 in another), also its character pairs, so
        the two cuts still share a token (音悦)."""
        size = len(word)
        if size < 3 or word.isascii():
            return []
        cached = self._subword_cache.get(word)
        if cached is not None:
            return cached
        has_word = self._engine.has_word
        found = []
        for length in range(2, size):
            for start in range(size - length + 1):
                piece = word[start : start + length]
                if has_word(piece) and piece not in self._stopwords:
                    found.append(piece)
        if not has_word(word) and _CJK_WORD.match(word):
            found.extend(p for p in _pairs(word) if p not in found and p not in self._stopwords)
        if len(self._subword_cache) < SUBWORD_CACHE_SIZE:  # vocabulary repeats: most lookups hit
            self._subword_cache[word] = found
        return found


def _pairs(word: str) -> list[str]:
    """The word's overlapping character pairs, in order (用音悦 → 用音, 音悦)."""
    return [word[i : i + 2] for i in range(len(word) - 1)]


def _extends_unit(previous: str, piece: str) -> bool:
    """Whether ``piece`` continues the unit of a number token (3个 + 月 → 个月)."""
    number = _NUMBER_UNIT.match(previous)
    return number is not None and previous[len(number.group(1)) :] + piece in UNITS


def _merge_units(spans: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    merged: list[tuple[str, int, int]] = []
    for piece, start, end in spans:
        if (
            piece in UNITS
            and merged
            and (_NUMBER.match(merged[-1][0]) or _extends_unit(merged[-1][0], piece))
        ):
            number, number_start, _ = merged.pop()
            merged.append((number + piece, number_start, end))
        else:
            merged.append((piece, start, end))
    return merged
