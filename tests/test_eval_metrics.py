"""The eval harness's own arithmetic: metrics on hand-made rankings, leak counting, FTS5 quoting."""

from __future__ import annotations

import math
import sys
from datetime import date
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from evaluation.baselines import Doc, Fts5Trigram, fts_query  # noqa: E402
from evaluation.datasets import read_jsonl, read_pairs, write_question_corpus  # noqa: E402
from evaluation.metrics import (  # noqa: E402
    EntryFacts,
    PairScores,
    Scores,
    count_leaks,
    mrr_at_k,
    ndcg_at_k,
    same_question_accuracy,
    success_at_k,
)
from evaluation.regions import RegionMap  # noqa: E402
from evaluation.report import PairRun, as_json, pair_table, search_table  # noqa: E402

LOG3 = math.log2(3)


@pytest.mark.parametrize(
    ("ranking", "relevant", "expected"),
    [
        (["a", "b"], {"a": 2, "b": 1}, 1.0),
        (["b", "a"], {"a": 2, "b": 1}, (1 + 3 / LOG3) / (3 + 1 / LOG3)),  # ≈ 0.79671
        (["x", "a"], {"a": 2}, 1 / LOG3),
        # the ideal uses every labelled grade, also those never retrieved
        (["a"], {"a": 2, "b": 2, "c": 1}, 3 / (3 + 3 / LOG3 + 1 / 2)),
        (["x", "y"], {"a": 2}, 0.0),
        ([], {"a": 1}, 0.0),
        (["a"], {}, 0.0),
    ],
)
def test_ndcg_known_values(ranking: list[str], relevant: dict[str, int], expected: float) -> None:
    assert ndcg_at_k(ranking, relevant, 10) == pytest.approx(expected)


def test_ndcg_known_value_literal() -> None:
    assert ndcg_at_k(["b", "a"], {"a": 2, "b": 1}) == pytest.approx(0.79671, abs=1e-5)


def test_ndcg_cuts_at_k() -> None:
    ranking = [f"x{i}" for i in range(10)] + ["a"]
    assert ndcg_at_k(ranking, {"a": 2}, 10) == 0.0
    assert ndcg_at_k(ranking, {"a": 2}, 11) > 0.0


@pytest.mark.parametrize(
    ("ranking", "mrr", "s3"),
    [
        (["a", "b", "c"], 1.0, 1.0),
        (["r", "a"], 0.5, 1.0),  # grade 1 does not count as the answer
        (["r", "x", "a"], 1 / 3, 1.0),
        (["r", "x", "y", "a"], 0.25, 0.0),
        ([f"x{i}" for i in range(9)] + ["a"], 0.1, 0.0),
        ([f"x{i}" for i in range(10)] + ["a"], 0.0, 0.0),
        (["r"], 0.0, 0.0),
    ],
)
def test_mrr_and_success_count_the_first_grade_2_hit(ranking: list[str], mrr: float, s3: float) -> None:
    relevant = {"a": 2, "r": 1}
    assert mrr_at_k(ranking, relevant, 10) == pytest.approx(mrr)
    assert success_at_k(ranking, relevant, 3) == s3


def test_scores_average_and_list_failures() -> None:
    scores = Scores()
    scores.add("q1", ["a"], {"a": 2}, leaks=0)
    scores.add("q2", ["x", "y", "z", "a"], {"a": 2}, leaks=2)
    means = scores.means()
    assert means["n"] == 2
    assert means["mrr@10"] == pytest.approx((1 + 0.25) / 2)
    assert means["success@3"] == pytest.approx(0.5)
    assert means["leaks"] == 2
    assert scores.failed == ["q2"]


REGIONS = RegionMap.from_paths(
    ["江苏省", "江苏省/苏州市", "江苏省/苏州市/昆山市", "江苏省/南京市", "江苏省/南京市/鼓楼区", "北京市",
     "江苏省/徐州市", "江苏省/徐州市/鼓楼区"]
)  # fmt: skip
TODAY = date(2026, 6, 1)
FACTS = {
    "prov": EntryFacts("江苏省", None),
    "sz": EntryFacts("苏州市", None),
    "ks": EntryFacts("昆山市", None),
    "nj": EntryFacts("南京市", None),
    "bj": EntryFacts("北京市", None),
    "old": EntryFacts("苏州市", date(2026, 5, 31)),
    "last_day": EntryFacts("苏州市", date(2026, 6, 1)),
}


@pytest.mark.parametrize(
    ("ranking", "region", "leaks"),
    [
        (["prov", "sz", "ks", "last_day"], "苏州市", 0),  # same city, province above, county inside
        (["nj", "bj", "sz"], "苏州市", 2),  # another city, another province
        (["old"], "苏州市", 1),  # expired
        (["old", "nj"], None, 1),  # no region: only expiry counts
        (["nj", "bj", "unknown-id"], None, 0),
        (["sz", "prov"], "昆山市", 0),  # a county sees its city and province
        (["nj"], "昆山市", 1),
        (["prov", "bj"], "江苏省", 1),  # a province sees places inside it, not another province
    ],
)
def test_count_leaks(ranking: list[str], region: str | None, leaks: int) -> None:
    assert count_leaks(ranking, FACTS, region, TODAY, REGIONS.allowed) == leaks


def test_ambiguous_region_names_are_judged_by_any_of_their_paths() -> None:
    assert REGIONS.allowed("鼓楼区", "南京市")
    assert REGIONS.allowed("鼓楼区", "徐州市")
    assert not REGIONS.allowed("江苏省/徐州市/鼓楼区", "南京市")
    assert not REGIONS.allowed("鼓楼区", "苏州市")


def test_pair_scores_and_same_question_accuracy() -> None:
    positives, negatives = PairScores(), PairScores()
    for rank, same in [(1, True), (2, True), (None, False), (6, False)]:
        positives.add(rank, same)
    for rank, same in [(1, True), (None, False)]:
        negatives.add(rank, same)
    assert positives.recall_at_1 == 0.25
    assert positives.recall_at_5 == 0.5
    # 2 positives flagged + 1 negative not flagged, out of 6
    assert same_question_accuracy(positives, negatives) == pytest.approx(3 / 6)
    assert same_question_accuracy(PairScores(), PairScores()) == 0.0


HOSTILE = [
    '"',
    '""',
    '身份证"补办',
    "AND",
    "OR OR OR",
    "NOT 医保",
    "NEAR(身份证 补办, 2)",
    "身份证 AND 补办 OR NOT 户口",
    "*",
    "身份*",
    "^title",
    "title:身份证",
    "{body}: x",
    "(((",
    "-医保 +户口",
    "😀😀😀",
    "身份证😀补办🙏",
    "%_\\",
    "'; DROP TABLE docs; --",
    "",
    "   ",
    "\x00\x01\u200b",
    "ａｂｃ１２３",
    "补" * 5000,
]


@pytest.fixture(scope="module")
def fts() -> Fts5Trigram:
    docs = [
        Doc("d1", "苏州市", "居民身份证遗失补办需要带户口簿"),
        Doc("d2", "南京市", "医保异地就医备案 AND OR NEAR"),
        Doc("d3", "江苏省", "100% 办结 _下划线_ \\ 反斜杠"),
    ]
    return Fts5Trigram(docs, REGIONS)


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize("region", [None, "苏州市"])
def test_fts5_query_quoting_never_raises(fts: Fts5Trigram, text: str, region: str | None) -> None:
    hits = fts.search(text, region, 10)
    assert set(hits) <= {"d1", "d2", "d3"}
    if region == "苏州市":
        assert "d2" not in hits


@pytest.mark.parametrize("text", HOSTILE)
def test_fts5_match_expression_is_only_quoted_literals(text: str) -> None:
    parsed = fts_query(text)
    if parsed.match is not None:
        for part in parsed.match.split(" OR "):
            assert part.startswith('"') and part.endswith('"')
            assert '"' not in part[1:-1].replace('""', "")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("身份证 补办", ["d1"]),  # a trigram plus a two-character LIKE
        ("补办", ["d1"]),
        ("AND", ["d2"]),  # operator words are literal text
        ("100%", ["d3"]),  # % is not a wildcard
        ("异地就医", ["d2"]),
    ],
)
def test_fts5_finds_literal_text(fts: Fts5Trigram, text: str, expected: list[str]) -> None:
    assert fts.search(text, None, 10)[: len(expected)] == expected


def test_pair_files_skip_the_header_and_questions_become_one_entry_each(tmp_path: Path) -> None:
    pairs_file = tmp_path / "x.pos.tsv"
    lines = ["q1\tq2", "怎么办身份证\t身份证怎么办", "怎么办身份证\t办身份证流程", "坏行", " \t空"]
    pairs_file.write_text("\n".join(lines) + "\n", "utf-8")
    pairs = read_pairs(pairs_file)
    assert pairs == [("怎么办身份证", "身份证怎么办"), ("怎么办身份证", "办身份证流程")]
    ids = write_question_corpus([q1 for q1, _ in pairs] + ["医保怎么报销"], tmp_path / "c.jsonl", "江苏省")
    rows = list(read_jsonl(tmp_path / "c.jsonl"))
    assert len(rows) == 2 == len(ids)
    assert [row["qas"][0]["question"] for row in rows] == ["怎么办身份证", "医保怎么报销"]
    assert {row["id"] for row in rows} == set(ids.values())


def test_report_tables_and_json_carry_every_system_kind_and_leak() -> None:
    ours, base = {"all": Scores(), "typo": Scores()}, {"all": Scores(), "typo": Scores()}
    for group in (ours["all"], ours["typo"]):
        group.add("q1", ["a"], {"a": 2}, leaks=0)
    for group in (base["all"], base["typo"]):
        group.add("q1", ["x"], {"a": 2}, leaks=1)
    table = search_table({"ours": ours, "base": base})
    assert "| typo | 1 | 1.000 / 1.000 / 1.000 | 0.000 / 0.000 / 0.000 |" in table
    assert table.splitlines()[-1] == "| LEAKS |  | 0 | 1 |"
    positives, negatives = PairScores(), PairScores()
    positives.add(1, True)
    negatives.add(2, True)
    pairs = [PairRun("lcqmc", "whole family", "热线百科", {"pos": positives, "neg": negatives})]
    assert "| lcqmc | whole family | 0.500 | – |" in pair_table(pairs)
    document = as_json({"ours": ours, "base": base}, pairs, {"today": "2026-06-01"})
    assert document["search"]["base"]["all"]["failed_s3"] == ["q1"]
    [run] = document["ask"]
    assert (run["family"], run["store"], run["system"]) == ("lcqmc", "whole family", "热线百科")
    assert run["files"]["pos"]["recall@1"] == 1.0
    assert run["accuracy_pos_neg"] == 0.5
    assert run["accuracy_pos_neg_hard"] is None
