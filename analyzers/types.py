"""Value types that analysis hands to the engines. Both engines build their queries from these.

How an engine must use an AnalyzedQuery (tantivy and OpenSearch alike):
- Every ``QueryTerm.text`` is exactly one index token (as produced by ``Analyzer.index_tokens``):
  build term queries from it programmatically, never pass it to a query parser.
- ``groups()`` returns one list per position of the user's query. A group is an OR of its terms,
  each boosted by ``weight``, best scored as a disjunction-max with a tie-breaker of about 0.3
  (the best alternative counts fully, the others a little: a document with both 医疗 and 保障 for
  a 医疗保障 group still scores above one with only 保障, but a text that repeats every synonym of
  身份证 is not inflated). Measured on the dev set with a plain BM25: nDCG@10 0.885 with
  dis-max(0.3) against 0.868 with a plain sum of the alternatives.
- Groups are combined AND-ish (minimum-should-match), so one unmatched word does not empty the
  result list while documents covering more of the query rank first.
- Weights by ``origin``:
    1.0  "query"       the word the user typed
    0.9  "pinyin"      a word read from typed pinyin (gongjijin → 公积金); 0.6 from initials (sfz)
    0.8  "synonym"     a synonym, or the official word behind a colloquial one (娃 → 子女)
    0.7  "correction"  a homophone correction (身分证 → 身份证); the typed word stays in the group
                       at 1.0 in case it was right, a lone mistyped character drops to 0.3
    0.6  "subtoken"    a dictionary sub-word of a longer typed word (partial credit when the
                       compound itself is absent from a document)
  Synonyms of a pinyin or corrected word carry the product of both weights.
- Optional character bonus: index ``Analyzer.char_tokens(text)`` into a separate field and add
  the query's ``chars`` as should-clauses on that field boosted ~0.3 (a bonus, never a group,
  never counted for minimum-should-match). Dev set, plain BM25 with dis-max groups: nDCG@10
  0.885 → 0.911 (colloquial 0.811 → 0.879, synonym 0.855 → 0.903).
"""

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
    # Distinct Chinese characters of the query (single-character stopwords left out), for an
    # engine that indexes Analyzer.char_tokens into a field of its own; see the module docstring.
    chars: tuple[str, ...] = field(default_factory=tuple)
    # Groups holding an intent word (办理, 流程, 材料: which aspect of a matter is asked).
    intent_groups: tuple[int, ...] = field(default_factory=tuple)

    def groups(self) -> list[list[QueryTerm]]:
        by_group: dict[int, list[QueryTerm]] = {}
        for term in self.terms:
            by_group.setdefault(term.group, []).append(term)
        return [by_group[g] for g in sorted(by_group)]

    def subject_groups(self, limit: int) -> list[bool] | None:
        """Per group among the first ``limit``: does it name the matter (not only an aspect)?

        None when the rule does not apply: no intent word, or nothing but intent words (办理流程).
        Otherwise a hit must match at least one subject group: 护照怎么办 finds nothing, and is
        recorded as a knowledge gap, when no entry mentions 护照, instead of every entry with 办理.
        """
        numbers = sorted({term.group for term in self.terms})[:limit]
        subject = [number not in self.intent_groups for number in numbers]
        return subject if any(subject) and not all(subject) else None

    @property
    def is_empty(self) -> bool:
        return not self.terms


@dataclass(frozen=True)
class ReloadResult:
    version: str
    tokenization_changed: bool
    synonyms_changed: bool
