"""Text normalization shared by indexing and querying.

Why each step: NFKC folds full-width letters/digits (１２３４５, ＡＢＣ) into ASCII so the index
sees one spelling; lower-casing makes "B超" and "b超" one token; traditional characters are
mapped to simplified because the dictionaries are simplified; punctuation becomes a space so
it can never glue or split tokens differently in documents and queries.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import opencc

# Punctuation, symbols and underscores become spaces; a dot survives only inside a number (3.5).
_PUNCT = re.compile(r"[^\w\s.]|_|(?<!\d)\.|\.(?!\d)")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _traditional_chars() -> frozenset[str]:
    """Characters that OpenCC would change; lets us skip the (slow) converter for simplified text."""
    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    chars: set[str] = set()
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            source, _, targets = line.rstrip("\n").partition("\t")
            if len(source) == 1 and targets and targets.split(" ")[0] != source:
                chars.add(source)
    return frozenset(chars)


def has_traditional(text: str) -> bool:
    return not _traditional_chars().isdisjoint(text)


def to_simplified(text: str) -> str:
    if not has_traditional(text):
        return text
    return str(_converter().convert(text))


def normalize(text: str) -> str:
    """Canonical form of ``text``; idempotent (normalize(normalize(x)) == normalize(x))."""
    folded = unicodedata.normalize("NFKC", text).lower()
    folded = to_simplified(folded)
    return _SPACES.sub(" ", _PUNCT.sub(" ", folded)).strip()


def warm() -> None:
    """Load the lazy tables now, so the first request does not pay for them."""
    _traditional_chars()
    _converter()
