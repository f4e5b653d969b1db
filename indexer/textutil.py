"""Small text helpers shared by the engines: pinyin initials, dedupe keys, highlighting.

Why in Python rather than tantivy's SnippetGenerator: our fields hold analyzer tokens, not the
display text, so highlights are cut from the stored display text using the query's tokens —
a few string searches over at most a few thousand characters per hit.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

import rjieba
from pypinyin import Style, lazy_pinyin

SNIPPET_CHARS = 120
_REGION_SUFFIX = re.compile(r"[（(][^)）]*[)）]")
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


@lru_cache(maxsize=65536)
def pinyin_initials(text: str) -> str:
    """'居住证办理' → 'jzzbl' (letters and digits kept as typed, lower-cased).

    Why word by word: pypinyin segments the text itself (to read polyphones by phrase), ~120 µs
    for a title — a fifth of a rebuild's CPU went there, as titles and questions rarely repeat
    whole. Words do repeat, so jieba's words are looked up once each (~3 µs a title). Same
    initials for 15,134 of 15,134 synthetic and 7,669 of 7,704 real government questions; the
    other 35 read a polyphone by a different word split, better in some (长春市: ccs, not zcs
    from 省长) and worse in others (推行: th)."""
    return "".join(_word_initials(word) for word in rjieba.cut(text))


@lru_cache(maxsize=65536)
def _word_initials(word: str) -> str:
    letters = lazy_pinyin(word, style=Style.FIRST_LETTER, errors=lambda chars: list(chars))  # type: ignore[arg-type,return-value]
    return "".join(part[:1] if part.isascii() else "" for part in letters).lower()


def dedupe_key(title: str, region_path: Iterable[str]) -> str:
    """Title without region names or punctuation: 苏州市居住证申领 and 无锡市居住证申领 share a key."""
    key = _REGION_SUFFIX.sub("", title)
    for name in sorted(region_path, key=len, reverse=True):
        if name:
            key = key.replace(name, "").replace(name.rstrip("省市区县"), "")
    return _PUNCT.sub("", key).lower()


def _terms_in(text: str, terms: Iterable[str]) -> list[str]:
    """Query tokens present in ``text``, longest first so 居民身份证 wins over 身份证."""
    found = {t for t in terms if t and t in text}
    return sorted(found, key=len, reverse=True)


@lru_cache(maxsize=4096)
def _alternation(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    """One compiled pattern per query, longest token first (compiled once, not once per hit).

    Ordering all tokens rather than only those present in a text changes nothing: two different
    tokens of equal length cannot both match at one position."""
    unique = sorted({t for t in terms if t}, key=len, reverse=True)
    return re.compile("|".join(re.escape(t) for t in unique)) if unique else None


def mark(text: str, terms: Iterable[str]) -> str:
    """HTML-escaped ``text`` with <em> around query tokens (non-overlapping, longest first)."""
    pattern = _alternation(terms if isinstance(terms, tuple) else tuple(terms))
    if pattern is None:
        return html.escape(text)
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(html.escape(text[last : match.start()]))
        out.append(f"<em>{html.escape(match.group())}</em>")
        last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def _occurrences(text: str, term: str) -> list[tuple[int, int]]:
    """Non-overlapping (start, length) of ``term`` in ``text``, as re.finditer would find them."""
    found, size = [], len(term)
    start = text.find(term)
    while start >= 0:
        found.append((start, size))
        start = text.find(term, start + size)
    return found


def best_window(text: str, terms: Iterable[str], width: int = SNIPPET_CHARS) -> str:
    """The ``width``-character window of ``text`` holding the most query-token characters."""
    if len(text) <= width:
        return text
    present = _terms_in(text, terms)
    if not present:
        return text[:width]
    positions = sorted(p for t in present for p in _occurrences(text, t))
    best_start, best_score = 0, -1
    for i, (start, _) in enumerate(positions):
        limit, score = start + width, 0
        for pos, length in positions[i:]:
            if pos >= limit:  # sorted by start: nothing later fits either
                break
            if pos + length <= limit:
                score += length
        if score > best_score:
            best_start, best_score = start, score
    begin = max(0, min(best_start - 10, len(text) - width))
    return text[begin : begin + width]


def best_question(questions: list[str], terms: Iterable[str]) -> str | None:
    """The standard question sharing the most query-token characters, if any shares one."""
    wanted = list(terms)
    best, best_score = None, 0
    for question in questions:
        score = sum(len(t) for t in _terms_in(question, wanted))
        if score > best_score:
            best, best_score = question, score
    return best


def hit_from_payload(p: dict[str, Any], score: float, terms: Sequence[str]) -> Any:
    """One SearchHit from an engine's stored payload, so both engines highlight alike: the snippet
    comes from the best-matching Q&A answer when it holds a query word, else from the stored text."""
    from indexer.engine import SearchHit

    question = best_question(p["questions"], terms)
    source = p["snippet"]
    if question is not None:
        answer = p["answers"][p["questions"].index(question)]
        source = answer if any(t in answer for t in terms) else source
    return SearchHit(
        id=p["id"],
        title=p["title"],
        score=round(score, 4),
        region=p["region"],
        department=p["department"],
        theme=p["theme"],
        highlight={"title": mark(p["title"], terms), "snippet": mark(best_window(source, terms), terms)},
        matched_question=question,
    )
