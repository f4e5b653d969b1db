"""Pair-file scoring of scripts/eval: strict recall, recall with the asked text set aside."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from evaluation.baselines import CharacterBM25, Doc, JiebaBM25  # noqa: E402
from evaluation.metrics import PairScores, held_out_accuracy  # noqa: E402
from evaluation.metrics import threshold_accuracies as accuracies  # noqa: E402
from evaluation.regions import RegionMap  # noqa: E402
from evaluation.report import PairRun, pair_table  # noqa: E402
from evaluation.runner import ask_pairs, find_target, ranker_ask, same_text  # noqa: E402


def m(entry_id: str, question: str, same: bool = False) -> dict[str, object]:
    return {"entry_id": entry_id, "question": question, "same_question": same}


@pytest.mark.parametrize(
    ("a", "b", "identical"),
    [
        ("国产手机哪家强？", "国产手机哪家强", True),
        ("ＡＢＣ 手机", "abc手机!", True),
        ("这是什么软件？！", "这是什么软件", True),
        ("这是什么软件", "这是啥软件", False),
    ],
)
def test_same_text_only_ignores_punctuation_width_and_case(a: str, b: str, identical: bool) -> None:
    assert (same_text(a) == same_text(b)) is identical


@pytest.mark.parametrize(
    ("matches", "expected"),
    [
        # the labelled q1 first: both recalls agree
        ([m("T", "怎样去除双面胶", True), m("X", "双面胶怎么去")], (1, True, 1, False)),
        # the store holds the asked q2 itself under another id: skipped when set aside
        ([m("C", "双面胶怎么去除？"), m("T", "怎样去除双面胶", True)], (2, True, 1, True)),
        # a copy of q1 under another id counts as q1 when set aside, never strictly
        ([m("D", "怎样去除双面胶！"), m("X", "去双面胶")], (None, False, 1, True)),
        # a different paraphrase on top is a miss either way
        ([m("X", "双面胶如何去除"), m("T", "怎样去除双面胶")], (2, False, 2, False)),
        ([], (None, False, None, False)),
    ],
)
def test_find_target(matches: list[dict[str, object]], expected: tuple[object, ...]) -> None:
    assert find_target(matches, "T", "怎样去除双面胶", "双面胶怎么去除") == expected


def test_strict_rank_only_looks_at_the_first_five() -> None:
    matches = (
        [m("C", "双面胶怎么去除")]
        + [m(f"X{i}", f"别的问题{i}") for i in range(4)]
        + [m("T", "怎样去除双面胶")]
    )
    rank, _, aside, copies = find_target(matches, "T", "怎样去除双面胶", "双面胶怎么去除")
    assert (rank, aside, copies) == (None, 5, True)


def test_pair_scores_aside_and_held_out_accuracy() -> None:
    positives, negatives = PairScores(), PairScores()
    positives.add(2, True, 1, copies=True, odd=False)
    positives.add(1, False, odd=True)
    negatives.add(1, True, odd=True)
    negatives.add(None, False, odd=False)
    assert (positives.recall_at_1, positives.recall_at_1_aside) == (0.5, 1.0)
    assert positives.recall_at_5_aside == 1.0 and positives.copies == 1
    # odd rows only: the positive was not flagged, the negative was: 0 of 2 right
    assert held_out_accuracy(positives, negatives) == 0.0
    assert held_out_accuracy(PairScores(), PairScores()) is None
    baseline = PairScores()
    baseline.add(None, False)
    table = pair_table(
        [
            PairRun("lcqmc", "per file", "热线百科", {"pos": positives, "neg": negatives}),
            PairRun("lcqmc", "per file", "character BM25", {"pos": baseline}),
        ]
    )
    assert "| lcqmc.pos | per file | 热线百科 | 2 | 0.500 | 1.000 | 1.000 / 1.000 | 0.500 | 0.500 |" in table
    assert (
        "| lcqmc.pos | per file | character BM25 | 1 | 0.000 | 0.000 | 0.000 / 0.000 | 0.000 | 0.000 |"
        in table
    )
    # baselines flag nothing, so only the service has an accuracy row
    accuracy_rows = [line for line in table.splitlines() if line.startswith("| lcqmc | ")]
    assert accuracy_rows == ["| lcqmc | per file | 0.500 | – | 0.000 | – |"]


QUESTIONS = {
    "P1": "怎样去除双面胶",
    "P2": "双面胶怎么去除？",
    "P3": "公积金怎么提取",
    "P4": "身份证丢了怎么办",
}


@pytest.mark.parametrize("make", [CharacterBM25, JiebaBM25])
def test_a_baseline_answers_pairs_like_the_service(make: type[CharacterBM25]) -> None:
    """A baseline over the stored questions is scored by the same recall rules: here the asked
    text's own copy (P2) comes first, which only the set-aside recall forgives."""
    ranker = make([Doc(i, "江苏省", q) for i, q in QUESTIONS.items()], RegionMap({}))
    ids = {q: i for i, q in QUESTIONS.items()}
    matches = ranker_ask(ranker.search, QUESTIONS)("双面胶怎么去除", 5)
    assert matches[0] == {"entry_id": "P2", "question": "双面胶怎么去除？"}
    scores = ask_pairs(ranker_ask(ranker.search, QUESTIONS), [("怎样去除双面胶", "双面胶怎么去除")], ids)
    assert (scores.recall_at_1, scores.recall_at_1_aside, scores.recall_at_5) == (0.0, 1.0, 1.0)
    assert scores.said_same == 0


def test_character_bm25_matches_single_characters_without_a_dictionary() -> None:
    ranker = CharacterBM25([Doc(i, "江苏省", q) for i, q in QUESTIONS.items()], RegionMap({}))
    assert ranker.search("提取公积", None, 1) == ["P3"]  # no word "公积" in any dictionary
    assert ranker.search("ＡＮＤ ~ * (", None, 5) == []


def test_cluster_threshold_accuracy_per_half() -> None:
    probabilities = {
        "pos": [0.9, 0.2, None, 0.6],
        "neg": [0.1, 0.7, 0.3, None],
        "neg_hard": [0.5, 0.5, 0.5, 0.5],
    }
    # at 0.5: positives flagged 0.9 and 0.6 (2 of 4); negatives rejected 0.1, 0.3, None (3 of 4)
    assert accuracies(probabilities, 0.5) == {"neg": 5 / 8, "neg_hard": 2 / 8}
    # even rows: pos 0.9, None -> 1 flagged; neg 0.1, 0.3 -> 2 rejected
    assert accuracies(probabilities, 0.5, 0) == {"neg": 3 / 4, "neg_hard": 1 / 4}
    assert accuracies(probabilities, 0.95, 1)["neg"] == 2 / 4  # odd rows: nothing flagged, neg 0.7 kept out
