"""The synonym and colloquial table, in Solr synonym syntax so the cluster engine can load it as is.

File syntax (UTF-8, one rule a line, ``#`` starts a comment):
    医保, 基本医疗保险, 医疗保险        equivalence: any of them expands to all the others
    娃上学, 孩子上学 => 子女入学        one-way: the left side expands to the right, never back

Why one-way rules exist: colloquial words (娃, 上户口) should find the official wording, but a
search for the official wording must not be diluted by slang.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

ONE_WAY = "=>"


@dataclass(frozen=True)
class SynonymRule:
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    one_way: bool
    line: int = 0

    def to_solr(self) -> str:
        """Solr/OpenSearch ``synonym_graph`` line.

        A one-way rule keeps its sources on the right side (``a => a, b``) because our own analyzer
        keeps what the user typed and only adds expansions; both engines then behave the same.
        """
        if not self.one_way:
            return ", ".join(self.sources)
        kept = list(dict.fromkeys([*self.sources, *self.targets]))
        return f"{', '.join(self.sources)} => {', '.join(kept)}"


@dataclass
class SynonymTable:
    rules: list[SynonymRule] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _expansions: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)

    @classmethod
    def parse(cls, lines: Iterable[str], normalize: Callable[[str], str]) -> SynonymTable:
        table = cls()
        for number, raw in enumerate(lines, start=1):
            text = raw.split("#", 1)[0].strip()
            if not text:
                continue
            rule = _parse_rule(text, number, normalize, table.errors)
            if rule is not None:
                table.rules.append(rule)
        table._index()
        return table

    def _index(self) -> None:
        merged: dict[str, dict[str, None]] = {}
        for rule in self.rules:
            for source in rule.sources:
                bucket = merged.setdefault(source, {})
                for target in rule.targets:
                    if target != source:
                        bucket[target] = None
        self._expansions = {word: tuple(targets) for word, targets in merged.items() if targets}

    def expand(self, word: str) -> tuple[str, ...]:
        """Words ``word`` should also match, in file order; empty when it has no synonyms."""
        return self._expansions.get(word, ())

    @property
    def words(self) -> frozenset[str]:
        return frozenset(w for rule in self.rules for w in (*rule.sources, *rule.targets))

    @property
    def group_count(self) -> int:
        return len(self.rules)

    def to_solr(self) -> str:
        lines = [
            "# generated from analyzers synonyms; Solr synonym format",
            *(r.to_solr() for r in self.rules),
        ]
        return "\n".join(lines) + "\n"

    def fingerprint(self) -> str:
        return hashlib.sha1(self.to_solr().encode("utf-8")).hexdigest()


def _parse_rule(
    text: str, number: int, normalize: Callable[[str], str], errors: list[str]
) -> SynonymRule | None:
    if text.count(ONE_WAY) > 1:
        errors.append(f"synonyms 第{number}行：只能有一个 =>")
        return None
    one_way = ONE_WAY in text
    left, _, right = text.partition(ONE_WAY) if one_way else (text, "", text)
    sources = _words(left, normalize)
    targets = _words(right, normalize)
    if not sources or not targets:
        errors.append(f"synonyms 第{number}行：两侧都必须有词语")
        return None
    if not one_way and len(sources) < 2:
        errors.append(f"synonyms 第{number}行：同义词组至少需要两个词")
        return None
    return SynonymRule(sources=sources, targets=targets, one_way=one_way, line=number)


def _words(side: str, normalize: Callable[[str], str]) -> tuple[str, ...]:
    """Normalized words; a word is the whole comma-separated item with inner spaces removed.

    Spaces are dropped because every synonym word is also registered with the segmenter as a
    single token, so it must not contain the separator the engines split on.
    """
    words = (normalize(item).replace(" ", "") for item in side.replace("，", ",").split(","))
    return tuple(dict.fromkeys(w for w in words if w))
