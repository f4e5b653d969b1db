"""Value types that analysis hands to the engines. Both engines build their queries from these."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

TermOrigin = Literal["query", "subtoken", "synonym", "correction", "pinyin"]


@dataclass(frozen=True)
class QueryTerm:
    """One index-vocabulary token a query may match.

    Terms that share ``group`` are alternatives for one position of the user's query (the word
    itself, its synonyms, a homophone correction); ``weight`` is < 1 for anything the user did
    not literally type, so expansions help recall without outranking exact matches.
    """

    text: str
    group: int
    weight: float = 1.0
    origin: TermOrigin = "query"


@dataclass(frozen=True)
class AnalyzedQuery:
    normalized: str
    terms: tuple[QueryTerm, ...] = field(default_factory=tuple)

    def groups(self) -> list[list[QueryTerm]]:
        by_group: dict[int, list[QueryTerm]] = {}
        for term in self.terms:
            by_group.setdefault(term.group, []).append(term)
        return [by_group[g] for g in sorted(by_group)]

    @property
    def is_empty(self) -> bool:
        return not self.terms


@dataclass(frozen=True)
class ReloadResult:
    version: str
    tokenization_changed: bool
    synonyms_changed: bool
