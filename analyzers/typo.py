"""Homophone and pinyin-input recovery.

Why pinyin: most typing errors in Chinese come from pinyin IMEs, which pick a wrong character with
the same (toneless) reading — 身分证 for 身份证, 公基金 for 公积金 — or leave raw pinyin (gongjijin).
Both are recovered by looking readings up in a map built once from OUR vocabulary (user
dictionary + synonym words), never the general dictionary: that keeps corrections on-topic and
stops common words from being "corrected" into homophones.
"""

from __future__ import annotations

import importlib.util
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from analyzers.frequencies import base_frequencies

MIN_WORD_CHARS = 2
MAX_READING_COMBINATIONS = 16
MIN_INITIALS, MAX_INITIALS = 3, 6
MAX_WINDOW_CHARS = 7
# A window that is itself a known word is only corrected when the correction is this many
# times more frequent AND the window is rare in general Chinese (身分证 → 身份证, while 检疫 is
# never turned into 建议 and 出身 alone is left alone; 户口前移 is fixed through the longer window).
RARITY = 20
COMMON_WORD_FREQ = 100
# Vocabulary words absent from jieba's general dictionary are domain terms we added on purpose.
DOMAIN_WORD_FREQ = 500
# Windows this long may also match through fuzzy readings (zh/z, ch/c, sh/s, -ng/-n), the
# confusions pinyin IMEs offer as "模糊音"; shorter windows would drown in homophone noise.
MIN_FUZZY_CHARS = 3
# Particles and function characters: a "correction" that rewrites one of these at the edge of a
# window (医保吗 → 医保码, 户口不 → 户口簿) is nearly always homophone noise, not a repaired typo.
FUNCTION_CHARS = frozenset(
    "不没吗呢吧啊呀哦了的地得着过在是有和与及或就也都还又再很太把被给让从向往于以为这那哪"
    "我你他她它们个么啥咋嘛啦能要会想可"
)
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
_FUZZY = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("ang", "an"), ("eng", "en"), ("ing", "in"))


@dataclass(frozen=True)
class Correction:
    start: int
    end: int
    typed: str
    word: str


@lru_cache(maxsize=1)
def _readings_table() -> dict[int, str]:
    """pypinyin's character readings, read from its data file without importing the package:
    importing pypinyin also loads its phrase dictionary (~45 MB per process) we do not use."""
    spec = importlib.util.find_spec("pypinyin")
    assert spec is not None and spec.submodule_search_locations is not None
    path = Path(next(iter(spec.submodule_search_locations))) / "pinyin_dict.json"
    return {int(code): value for code, value in json.loads(path.read_text(encoding="utf-8")).items()}


def toneless(reading: str) -> str:
    """zhōng → zhong, lǜ → lv (the way pinyin is typed on a keyboard)."""
    letters: list[str] = []
    for char in unicodedata.normalize("NFD", reading):
        if char == "\u0308" and letters and letters[-1] == "u":
            letters[-1] = "v"
        elif unicodedata.category(char) != "Mn":
            letters.append(char)
    return "".join(letters)


@lru_cache(maxsize=1)
def syllables() -> frozenset[str]:
    return frozenset(toneless(r) for value in _readings_table().values() for r in value.split(","))


@lru_cache(maxsize=20000)
def char_pinyin(char: str) -> str:
    """Default toneless reading of one character ('' if it has none)."""
    readings = char_readings(char)
    return readings[0] if readings else ""


@lru_cache(maxsize=20000)
def char_readings(char: str) -> tuple[str, ...]:
    """Every toneless reading of one character, default first (行 → xing, hang)."""
    value = _readings_table().get(ord(char))
    return tuple(dict.fromkeys(toneless(r) for r in value.split(","))) if value else ()


def word_keys(word: str) -> set[str]:
    """Reading keys of a vocabulary word: every combination of its characters' readings.

    All readings, because a polyphonic character inside a word (行 in 银行) may not use its
    default one, while query windows are read character by character with default readings.
    (pypinyin's phrase-aware reading would pick the right one but costs ~45 MB per process.)
    """
    keys = [""]
    for char in word:
        readings = char_readings(char)
        if not readings:
            return set()
        keys = [key + reading for key in keys for reading in readings][:MAX_READING_COMBINATIONS]
    return {k for k in keys if k.isascii() and k.isalpha()}


def fuzzy(key: str) -> str:
    for accurate, blurred in _FUZZY:
        key = key.replace(accurate, blurred)
    return key


def is_pinyin(text: str) -> bool:
    """True when ``text`` (ASCII letters) splits completely into valid toneless syllables."""
    valid = syllables()
    reachable = [True] + [False] * len(text)
    for end in range(1, len(text) + 1):
        reachable[end] = any(reachable[s] and text[s:end] in valid for s in range(max(0, end - 6), end))
    return reachable[-1]


class PinyinIndex:
    def __init__(self, vocabulary: Iterable[str], user_freq: dict[str, int | None]) -> None:
        base = base_frequencies()
        self.freq: dict[str, int] = {}
        by_key: dict[str, set[str]] = {}
        by_default: dict[str, set[str]] = {}
        by_fuzzy: dict[str, set[str]] = {}
        by_initials: dict[str, set[str]] = {}
        for word in vocabulary:
            if len(word) < MIN_WORD_CHARS or not _CJK.fullmatch(word):
                continue
            self.freq[word] = user_freq.get(word) or base.get(word) or DOMAIN_WORD_FREQ
            for key in word_keys(word):  # typed pinyin: the user spelled out the right reading
                by_key.setdefault(key, set()).add(word)
            # Homophone windows are read with default readings only; matching them against every
            # reading of a polyphonic character (参 can/shen) more than doubles homophone noise.
            default = "".join(char_pinyin(c) for c in word)
            by_default.setdefault(default, set()).add(word)
            if len(word) >= MIN_FUZZY_CHARS:
                by_fuzzy.setdefault(fuzzy(default), set()).add(word)
            if len(word) >= MIN_INITIALS and all(char_pinyin(c) for c in word):
                by_initials.setdefault("".join(char_pinyin(c)[0] for c in word), set()).add(word)
        self._by_key = {k: sorted(ws, key=lambda w: -self.freq[w]) for k, ws in by_key.items()}
        self._by_default = {k: sorted(ws, key=lambda w: -self.freq[w]) for k, ws in by_default.items()}
        self._by_fuzzy = {k: sorted(ws, key=lambda w: -self.freq[w]) for k, ws in by_fuzzy.items()}
        self._by_initials = {k: sorted(ws, key=lambda w: -self.freq[w]) for k, ws in by_initials.items()}
        self._longest_key = max((len(k) for k in self._by_key), default=0)

    def __len__(self) -> int:
        return len(self._by_key)

    def words_for(self, key: str, size: int) -> list[str]:
        """Vocabulary words whose default reading is ``key`` (fuzzy readings for long windows)."""
        exact = self._by_default.get(key, [])
        if exact or size < MIN_FUZZY_CHARS:
            return exact
        return self._by_fuzzy.get(fuzzy(key), [])

    def corrections(self, text: str, words: list[tuple[int, int]]) -> list[Correction]:
        """Homophone corrections for windows of ``text`` (normalized); longest windows first.

        ``words`` are the spans of known multi-character words in the query's segmentation. A
        window may not split one of them: the tail of one real word plus the head of the next
        (优待|政策 → 优待证, 人力|资源服务 → 志愿服务) is where homophone noise comes from, while a
        typo breaks segmentation into unknown pieces (公积|经要) that windows may cross freely.
        """
        base = base_frequencies()
        found: list[Correction] = []
        taken = [False] * len(text)
        for run in _CJK.finditer(text):
            readings = [char_pinyin(c) for c in run.group()]
            offset = run.start()
            for size in range(min(MAX_WINDOW_CHARS, len(readings)), 1, -1):
                for start in range(0, len(readings) - size + 1):
                    begin, end = offset + start, offset + start + size
                    if any(taken[begin:end]) or not all(readings[start : start + size]):
                        continue
                    typed = text[begin:end]
                    if typed in self.freq:
                        continue
                    readings_key = "".join(readings[start : start + size])
                    if not self.words_for(readings_key, size):
                        continue  # the common case: no homophone in our vocabulary at all
                    typed_freq = base.get(typed, 0)
                    if typed_freq >= COMMON_WORD_FREQ:
                        continue
                    candidates = [
                        w
                        for w in self.words_for(readings_key, size)
                        if w != typed
                        and len(w) == size
                        and self.freq[w] > typed_freq * RARITY
                        and _plausible(typed, w, begin, words)
                    ]
                    if candidates:
                        found.extend(Correction(begin, end, typed, w) for w in candidates[:2])
                        taken[begin:end] = [True] * size
        return sorted(found, key=lambda c: c.start)

    def from_initials(self, letters: str) -> list[str]:
        """Words abbreviated by pinyin initials, as agents type them (sfz → 身份证, gjj → 公积金).

        Only three letters or more: two-letter initials are too ambiguous (sb → 上班 or 社保)."""
        if not MIN_INITIALS <= len(letters) <= MAX_INITIALS:
            return []
        return self._by_initials.get(letters, [])[:2]

    def decode(self, letters: str) -> tuple[list[str], int]:
        """Best reading of a pinyin letter run as vocabulary words: (words, letters left uncovered)."""
        n = len(letters)
        # best[i] = (uncovered letters, word count, words) for letters[:i]
        best: list[tuple[int, int, list[str]] | None] = [None] * (n + 1)
        best[0] = (0, 0, [])
        for i in range(n):
            current = best[i]
            if current is None:
                continue
            _relax(best, i + 1, (current[0] + 1, current[1], current[2]))
            for j in range(i + 2, min(n, i + self._longest_key) + 1):
                words = self._by_key.get(letters[i:j])
                if words:
                    _relax(best, j, (current[0], current[1] + 1, [*current[2], words[0]]))
        final = best[n]
        return (final[2], final[0]) if final else ([], n)


def _plausible(typed: str, word: str, begin: int, words: list[tuple[int, int]]) -> bool:
    end = begin + len(typed)
    changed = {begin + i for i, (a, b) in enumerate(zip(typed, word, strict=True)) if a != b}
    if any(typed[p - begin] in FUNCTION_CHARS for p in changed & {begin, end - 1}):
        return False
    return not any(start < begin < stop or start < end < stop for start, stop in words)


def _relax(
    best: list[tuple[int, int, list[str]] | None], index: int, value: tuple[int, int, list[str]]
) -> None:
    current = best[index]
    if current is None or (value[0], value[1]) < (current[0], current[1]):
        best[index] = value


def warm() -> None:
    base_frequencies()
    syllables()
