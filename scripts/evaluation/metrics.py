"""Ranking metrics of the eval README, kept free of I/O so tests can pin them on hand-made rankings.

Why these exact definitions: the held-out set is scored the same way, so numbers printed here are
comparable with the coordinator's. nDCG uses gain 2^grade - 1 and an ideal DCG built from *all*
labelled grades (not only the retrieved ones); MRR@10 and Success@3 look for the first grade-2 hit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

ANSWERS = 2  # the grade that "answers the query"


def dcg(grades: Iterable[int]) -> float:
    return sum((2**g - 1) / math.log2(rank + 2) for rank, g in enumerate(grades))


def ndcg_at_k(ranking: Sequence[str], relevant: Mapping[str, int], k: int = 10) -> float:
    ideal = dcg(sorted(relevant.values(), reverse=True)[:k])
    if ideal <= 0:
        return 0.0
    return dcg(relevant.get(doc, 0) for doc in ranking[:k]) / ideal


def first_answer_rank(ranking: Sequence[str], relevant: Mapping[str, int], k: int) -> int | None:
    """1-based rank of the first grade-2 hit within the top k, or None."""
    for rank, doc in enumerate(ranking[:k], start=1):
        if relevant.get(doc, 0) >= ANSWERS:
            return rank
    return None


def mrr_at_k(ranking: Sequence[str], relevant: Mapping[str, int], k: int = 10) -> float:
    rank = first_answer_rank(ranking, relevant, k)
    return 0.0 if rank is None else 1.0 / rank


def success_at_k(ranking: Sequence[str], relevant: Mapping[str, int], k: int = 3) -> float:
    return 0.0 if first_answer_rank(ranking, relevant, k) is None else 1.0


@dataclass(frozen=True)
class EntryFacts:
    """What leak counting needs to know of a corpus entry."""

    region: str
    effective_to: date | None


def count_leaks(
    ranking: Sequence[str],
    facts: Mapping[str, EntryFacts],
    query_region: str | None,
    today: date,
    region_allowed: Callable[[str, str], bool],
) -> int:
    """Hits that must never be shown: expired ones, and (with a region) entries of another place.

    ``region_allowed(entry_region, query_region)`` says whether an entry's region applies to the
    query's region (the same place, a place above it, or a place inside it). Unknown ids are not
    leaks (they cannot be judged).
    """
    leaks = 0
    for doc in ranking:
        fact = facts.get(doc)
        if fact is None:
            continue
        expired = fact.effective_to is not None and fact.effective_to < today
        foreign = query_region is not None and not region_allowed(fact.region, query_region)
        leaks += expired or foreign
    return leaks


@dataclass
class Scores:
    """Running means of the three metrics plus the leak total, for one group of queries."""

    n: int = 0
    ndcg: float = 0.0
    mrr: float = 0.0
    s3: float = 0.0
    leaks: int = 0
    failed: list[str] = field(default_factory=list)  # qids without a grade-2 hit in the top 3

    def add(self, qid: str, ranking: Sequence[str], relevant: Mapping[str, int], leaks: int) -> None:
        self.n += 1
        self.ndcg += ndcg_at_k(ranking, relevant, 10)
        self.mrr += mrr_at_k(ranking, relevant, 10)
        success = success_at_k(ranking, relevant, 3)
        self.s3 += success
        self.leaks += leaks
        if not success:
            self.failed.append(qid)

    def means(self) -> dict[str, float]:
        if not self.n:
            return {"n": 0, "ndcg@10": 0.0, "mrr@10": 0.0, "success@3": 0.0, "leaks": self.leaks}
        return {
            "n": self.n,
            "ndcg@10": self.ndcg / self.n,
            "mrr@10": self.mrr / self.n,
            "success@3": self.s3 / self.n,
            "leaks": self.leaks,
        }


@dataclass
class PairScores:
    """Ask-endpoint figures for one pair file: recall of q1 when asking q2, same-question decisions.

    Two recalls: the strict one (the labelled q1's entry itself), and one with the *asked text set
    aside*: when the store holds a copy of the asked q2 (as another pair's q1) or of the labelled
    q1 under another id — the same text up to punctuation, spaces, width and case, nothing fuzzier —
    returning that copy is what a user wants, so copies of q2 are skipped and copies of q1 count as
    q1 (see evaluation.runner.find_target). Accuracy uses the strict flags only.
    """

    n: int = 0
    hit1: int = 0
    hit5: int = 0
    said_same: int = 0  # pairs where the service flagged q1 as the same question
    hit1_aside: int = 0
    hit5_aside: int = 0
    copies: int = 0  # pairs whose matches held a copy of q2 or q1 under another id
    odd_n: int = 0  # pairs at odd positions of the file: the half the same-question model never saw
    odd_said_same: int = 0

    def add(
        self,
        rank: int | None,
        same: bool,
        rank_aside: int | None = None,
        copies: bool = False,
        odd: bool = False,
    ) -> None:
        """``rank_aside`` defaults to ``rank`` (no copies among the matches)."""
        aside = rank if rank_aside is None and not copies else rank_aside
        self.n += 1
        self.hit1 += rank == 1
        self.hit5 += rank is not None and rank <= 5
        self.said_same += same
        self.hit1_aside += aside == 1
        self.hit5_aside += aside is not None and aside <= 5
        self.copies += copies
        self.odd_n += odd
        self.odd_said_same += same and odd

    @property
    def recall_at_1(self) -> float:
        return self.hit1 / self.n if self.n else 0.0

    @property
    def recall_at_5(self) -> float:
        return self.hit5 / self.n if self.n else 0.0

    @property
    def recall_at_1_aside(self) -> float:
        return self.hit1_aside / self.n if self.n else 0.0

    @property
    def recall_at_5_aside(self) -> float:
        return self.hit5_aside / self.n if self.n else 0.0


def same_question_accuracy(positives: PairScores, negatives: PairScores) -> float:
    """Accuracy over positives (should say same) plus negatives (should not)."""
    total = positives.n + negatives.n
    if not total:
        return 0.0
    return (positives.said_same + (negatives.n - negatives.said_same)) / total


def held_out_accuracy(positives: PairScores, negatives: PairScores) -> float | None:
    """same_question_accuracy over the odd-position pairs only (None when none were recorded)."""
    total = positives.odd_n + negatives.odd_n
    if not total:
        return None
    return (positives.odd_said_same + (negatives.odd_n - negatives.odd_said_same)) / total


# pos/neg/neg_hard -> the labelled q1's probability per pair, in file order (None: not matched)
Probabilities = dict[str, list[float | None]]


def threshold_accuracies(
    probabilities: Probabilities, threshold: float, parity: int | None = None
) -> dict[str, float]:
    """pos+neg and pos+neg_hard accuracy of flagging "same question" at ``threshold``, over the
    rows at even (``parity`` 0) or odd (1) positions of each file, or all of them. A pair whose q1
    was not among the matches (None) is never flagged."""

    def kept(kind: str) -> list[float | None]:
        values = probabilities[kind]
        return values if parity is None else values[parity::2]

    said = sum(p is not None and p >= threshold for p in kept("pos"))
    out = {}
    for negative in ("neg", "neg_hard"):
        rejected = sum(p is None or p < threshold for p in kept(negative))
        out[negative] = (said + rejected) / (len(kept("pos")) + len(kept(negative)))
    return out
