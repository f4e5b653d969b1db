"""Turning a normalized query into groups of weighted alternatives (see analyzers/types.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from analyzers.segment import Segmenter
from analyzers.synonyms import SynonymTable
from analyzers.types import AnalyzedQuery, QueryTerm, TermOrigin
from analyzers.typo import Correction, PinyinIndex, is_pinyin

WEIGHT_QUERY = 1.0
WEIGHT_PINYIN = 0.9
WEIGHT_SYNONYM = 0.8
WEIGHT_CORRECTION = 0.7
WEIGHT_INITIALS = 0.6
WEIGHT_SUBTOKEN = 0.6
# A typed single character inside a repaired window: most likely the mistyped one.
WEIGHT_MISTYPED = 0.3
# A pinyin run is only rewritten when vocabulary words explain at least this share of its letters.
MIN_PINYIN_COVERAGE = 0.6

_LETTERS = re.compile(r"^[a-z]+$")
_CJK_CHARS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


@dataclass
class _Group:
    start: int
    end: int
    terms: dict[str, tuple[float, TermOrigin]] = field(default_factory=dict)

    def add(self, text: str, weight: float, origin: TermOrigin) -> None:
        current = self.terms.get(text)
        if current is None or current[0] < weight:
            self.terms[text] = (round(weight, 3), origin)


class QueryBuilder:
    def __init__(
        self,
        segmenter: Segmenter,
        synonyms: SynonymTable,
        pinyin: PinyinIndex,
        intent_words: frozenset[str] = frozenset(),
    ) -> None:
        self.segmenter = segmenter
        self.synonyms = synonyms
        self.pinyin = pinyin
        self.intent_words = intent_words

    def build(self, normalized: str) -> AnalyzedQuery:
        spans = self.segmenter.spans(normalized)
        groups = self._word_groups(spans, normalized)
        self._apply_corrections(groups, spans, normalized)
        kept = [g for g in groups if g.terms]
        terms = tuple(
            QueryTerm(text=text, group=number, weight=weight, origin=origin)
            for number, group in enumerate(kept)
            for text, (weight, origin) in group.terms.items()
        )
        chars = dict.fromkeys(c for c in _CJK_CHARS.findall(normalized) if not self.segmenter.is_stopword(c))
        intent = tuple(n for n, g in enumerate(kept) if self._is_intent(next(iter(g.terms))))
        return AnalyzedQuery(normalized=normalized, terms=terms, chars=tuple(chars), intent_groups=intent)

    def _is_intent(self, word: str) -> bool:
        """The group's own word (its first term) decides, whole or by its dictionary sub-words:
        申请条件 (申请 + 条件) asks for an aspect; 医疗服务 names a matter though 服务 alone would not."""
        if word in self.intent_words:
            return True
        parts = self.segmenter.sub_tokens(word)  # cached: _word_groups asked for them already
        return bool(parts) and all(sub in self.intent_words for sub in parts)

    def _word_groups(self, spans: list[tuple[str, int, int]], text: str) -> list[_Group]:
        groups: list[_Group] = []
        index = 0
        while index < len(spans):
            run_end = self._pinyin_run_end(spans, index, text)
            if run_end > index and self._add_pinyin_groups(groups, spans[index:run_end]):
                index = run_end
                continue
            word, start, end = spans[index]
            index += 1
            if self.segmenter.is_stopword(word):
                continue
            group = _Group(start, end)
            group.add(word, WEIGHT_QUERY, "query")
            if _LETTERS.match(word) and not self.segmenter.has_word(word):
                for meant in self.pinyin.from_initials(word):
                    group.add(meant, WEIGHT_INITIALS, "pinyin")
                    self._add_synonyms(group, meant, WEIGHT_INITIALS)
            for sub in self.segmenter.sub_tokens(word):
                group.add(sub, WEIGHT_SUBTOKEN, "subtoken")
            self._add_synonyms(group, word, 1.0)
            groups.append(group)
        return groups

    def _pinyin_run_end(self, spans: list[tuple[str, int, int]], index: int, text: str) -> int:
        """End of a run of consecutive letter-only words starting at ``index`` (index if none)."""
        end = index
        while end < len(spans) and _LETTERS.match(spans[end][0]) and is_pinyin(spans[end][0]):
            if end > index and text[spans[end - 1][2] : spans[end][1]].strip():
                break
            end += 1
        return end

    def _add_pinyin_groups(self, groups: list[_Group], run: list[tuple[str, int, int]]) -> bool:
        """Groups for a run of pinyin words; the user's spaces are word boundaries when each typed
        word reads completely (yidi jiuyi → 异地, 就医), else the run is read as one string (lin shi
        shen fen zheng → 临时, 身份证)."""
        separately = [self.pinyin.decode(word) for word, _, _ in run]
        if len(run) > 1 and all(words and not uncovered for words, uncovered in separately):
            decoded = [
                (words, start, end) for (words, _), (_, start, end) in zip(separately, run, strict=True)
            ]
        else:
            letters = "".join(word for word, _, _ in run)
            words, uncovered = self.pinyin.decode(letters)
            if not words or uncovered > len(letters) * (1 - MIN_PINYIN_COVERAGE):
                return False
            decoded = [(words, run[0][1], run[-1][2])]
        for words, start, end in decoded:
            for word in words:
                group = _Group(start, end)
                group.add(word, WEIGHT_PINYIN, "pinyin")
                for sub in self.segmenter.sub_tokens(word):
                    group.add(sub, WEIGHT_SUBTOKEN * WEIGHT_PINYIN, "subtoken")
                self._add_synonyms(group, word, WEIGHT_PINYIN)
                groups.append(group)
        return True

    def _add_synonyms(self, group: _Group, word: str, scale: float) -> None:
        for synonym in self.synonyms.expand(word):
            group.add(synonym, WEIGHT_SYNONYM * scale, "synonym")

    def _apply_corrections(self, groups: list[_Group], spans: list[tuple[str, int, int]], text: str) -> None:
        known = [
            (s, e) for w, s, e in spans if e - s > 1 and (self.segmenter.has_word(w) or w in self.pinyin.freq)
        ]
        for correction in self.pinyin.corrections(text, known):
            self._attach(groups, correction, text)

    def _attach(self, groups: list[_Group], correction: Correction, text: str) -> None:
        """Add a correction to the group(s) of the words it actually changes.

        Words inside the window that the correction keeps (户口 in 户口前移 → 户口迁移) stay their own
        groups, so the query keeps its AND between them and the repaired word.
        """
        start, end = correction.start, correction.end
        changed = [
            g
            for g in groups
            if g.start < end
            and start < g.end
            and _differs(text, correction, max(g.start, start), min(g.end, end))
        ]
        target = _merge(groups, changed, start, end)
        for typed, (_weight, origin) in list(target.terms.items()):
            if len(typed) == 1 and origin == "query":  # most likely the mistyped character
                target.terms[typed] = (WEIGHT_MISTYPED, origin)
        target.add(correction.word, WEIGHT_CORRECTION, "correction")
        self._add_synonyms(target, correction.word, WEIGHT_CORRECTION)
        lo, hi = max(target.start, start) - start, min(target.end, end) - start
        for sub in self.segmenter.sub_tokens(correction.word):
            offset = correction.word.find(sub)
            if offset < hi and lo < offset + len(sub):  # the repaired part, e.g. 备案 in 异地就医备案
                target.add(sub, WEIGHT_CORRECTION, "correction")


def _differs(text: str, correction: Correction, begin: int, finish: int) -> bool:
    base = correction.start
    return text[begin:finish] != correction.word[begin - base : finish - base]


def _merge(groups: list[_Group], members: list[_Group], start: int, end: int) -> _Group:
    """One group for a corrected window: the typed words it changes become alternatives of it."""
    if not members:
        group = _Group(start, end)
        position = next((i for i, g in enumerate(groups) if g.start >= end), len(groups))
        groups.insert(position, group)
        return group
    first = members[0]
    for other in members[1:]:
        for text, (weight, origin) in other.terms.items():
            first.add(text, weight, origin)
        first.end = max(first.end, other.end)
        groups.remove(other)
    return first
