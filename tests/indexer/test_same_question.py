"""/api/ask's second stage: same-question features, the decision, ranking, and the refit solver."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

from analyzers.pipeline import Analyzer
from indexer import same_question as sq
from indexer.ask_candidates import ASK_CANDIDATES, PER_MATCH
from indexer.engine import QA, IndexDoc
from indexer.tantivy_engine import TantivyEngine

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from evaluation import logistic  # noqa: E402

TODAY = date(2026, 6, 1)


def idf(token: str) -> float:
    return 5.0  # every word equally rare: the features' logic, not the corpus, is under test


def values(analyzer: Analyzer, asked: str, candidate: str) -> dict[str, float]:
    view = sq.QueryView.build(asked, analyzer.index_tokens(asked), analyzer.analyze_query(asked), idf)
    return sq.features(view, candidate, set(analyzer.index_tokens(candidate)), 10.0, 10.0, idf)


@pytest.mark.parametrize(
    ("asked", "candidate", "feature", "expected"),
    [
        ("能不能办居住证", "不能办居住证", "negation_mismatch", 1.0),
        ("能不能办居住证", "能办居住证吗", "negation_mismatch", 0.0),  # 能不能 asks, it does not negate
        ("居住证不能办", "居住证没法办", "negation_mismatch", 0.0),  # 不 and 没 both negate
        ("第二套房贷款利率", "第三套房贷款利率", "number_mismatch", 1.0),
        ("帮我查一下公积金", "查公积金", "number_mismatch", 0.0),  # 一下 is no number
        ("身份证丢了怎么补办", "身份证丢了，怎么补办？", "exact", 1.0),
        ("医保怎么报销", "基本医疗保险怎么报销", "substitution", 0.0),  # a synonym, not a different word
        ("医保怎么报销", "基本医疗保险怎么报销", "cand_uncovered", 0.0),
        ("苏州居住证怎么办", "请问苏州居住证怎么办", "substitution", 0.0),  # an addition only
    ],
)
def test_feature_values(
    analyzer: Analyzer, asked: str, candidate: str, feature: str, expected: float
) -> None:
    assert values(analyzer, asked, candidate)[feature] == pytest.approx(expected)


@pytest.mark.parametrize(
    ("asked", "candidate"),
    [("苏州居住证怎么办", "南京居住证怎么办"), ("鹤立鸡群的鹤是什么意思", "鹤立鸡群的立是什么意思")],
)
def test_a_substituted_word_is_a_difference(analyzer: Analyzer, asked: str, candidate: str) -> None:
    assert values(analyzer, asked, candidate)["substitution"] > 0
    assert values(analyzer, asked, asked)["substitution"] == 0


@pytest.mark.parametrize(
    ("asked", "same", "different"),
    [
        ("身份证丢了怎么补办", "身份证丢了，怎么补办？", "身份证丢了怎么挂失"),
        ("能不能异地办理居住证", "能不能异地办理居住证？", "不能异地办理居住证"),
        ("第二套房公积金贷款额度", "第二套房公积金贷款额度是多少", "第三套房公积金贷款额度"),
    ],
)
def test_probability_orders_same_above_different(
    analyzer: Analyzer, asked: str, same: str, different: str
) -> None:
    p_same = sq.probability(values(analyzer, asked, same))
    p_different = sq.probability(values(analyzer, asked, different))
    assert p_same > p_different
    assert p_different < sq.SAME_QUESTION_THRESHOLD


def test_weights_cover_every_feature(analyzer: Analyzer) -> None:
    assert set(sq.WEIGHTS) == set(sq.FEATURES) == set(values(analyzer, "居住证", "居住证办理"))
    assert 0 < sq.SAME_QUESTION_THRESHOLD < 1


def test_rank_matches_keeps_the_best_question_per_entry(analyzer: Analyzer) -> None:
    asked = "身份证丢了怎么补办"
    candidates = [
        ("E1", "身份证丢失补领", "答1", 8.0, None),
        ("E1", "身份证丢了怎么补办", "答1", 9.0, None),
        ("E2", "身份证首次申领", "答2", 3.0, None),
        ("E3", "户口本丢了怎么补办", "答3", 6.0, None),
    ]
    matches = sq.rank_matches(analyzer, asked, analyzer.analyze_query(asked), candidates, 2, idf)
    assert [m.entry_id for m in matches] == ["E1", "E3"]
    assert matches[0].question == "身份证丢了怎么补办" and matches[0].same_question
    assert all(m.same_question == (m.probability >= sq.SAME_QUESTION_THRESHOLD) for m in matches)
    assert sq.rank_matches(analyzer, asked, analyzer.analyze_query(asked), [], 5, idf) == []


@pytest.mark.parametrize("threshold", [sq.CLUSTER_SAME_QUESTION_THRESHOLD, 0.0, 1.0])
def test_each_engine_flags_at_its_own_threshold(analyzer: Analyzer, threshold: float) -> None:
    asked = "身份证丢了怎么补办"
    candidates = [
        ("E1", "身份证丢了怎么补办", "答1", 9.0, None),
        ("E3", "户口本丢了怎么补办", "答3", 6.0, None),
    ]
    matches = sq.rank_matches(analyzer, asked, analyzer.analyze_query(asked), candidates, 2, idf, threshold)
    assert [m.same_question for m in matches] == [m.probability >= threshold for m in matches]
    assert any(m.same_question for m in matches) is (threshold < 1.0)


def entry(doc_id: str, *questions: str) -> IndexDoc:
    return IndexDoc(
        id=doc_id,
        version=1,
        title=questions[0],
        region="苏州市",
        region_path=("江苏省", "苏州市"),
        category_path=("公安", "户政管理"),
        qas=(QA(questions[0], f"{questions[0]}：到窗口办理。", tuple(questions[1:])),),
    )


def test_engine_ask_flags_only_the_same_question(search: TantivyEngine) -> None:
    search.index(
        [
            entry("SZ", "苏州居住证怎么办理", "苏州居住证在哪里办"),
            entry("NJ", "南京居住证怎么办理"),
            entry("NO", "不能办理居住证怎么办"),
            entry("GJJ", "公积金怎么提取"),
        ]
    )
    search.commit()
    matches = search.ask("苏州居住证怎么办理？", TODAY)
    assert matches[0].entry_id == "SZ" and matches[0].same_question
    assert [m.entry_id for m in matches].count("SZ") == 1
    others = {m.entry_id: m for m in matches[1:]}
    assert "NJ" in others and not others["NJ"].same_question
    assert not any(m.same_question for m in others.values())


def test_engine_ask_fills_size_with_distinct_entries(search: TantivyEngine) -> None:
    """Entries with many similar questions must not crowd out other entries before the merge."""
    size = 8
    per_entry = PER_MATCH + 1
    docs = [
        entry(f"E{i}", *(f"居住证{i}号窗口第{j}种办理问题" for j in range(per_entry)))
        for i in range(size + 2)
    ]
    search.index(docs)
    search.commit()
    assert len(docs) * per_entry > max(ASK_CANDIDATES, PER_MATCH * size)
    matches = search.ask("居住证窗口办理问题", TODAY, size=size)
    assert len({m.entry_id for m in matches}) == len(matches) >= size // 2


def test_logistic_fit_learns_the_direction_and_is_deterministic() -> None:
    rows = [[1.0, x / 10] for x in range(-20, 21)]
    labels = [int(x > 0) if abs(x) > 3 else int(x % 2 == 0) for x in range(-20, 21)]
    first = logistic.fit(rows, labels, l2=1e-3)
    assert first[1] > 1.0  # larger x -> label 1
    assert logistic.fit(rows, labels, l2=1e-3) == first
    assert logistic.sigmoid(100.0) == pytest.approx(1.0) and logistic.sigmoid(0.0) == 0.5


def test_question_field_is_only_on_question_documents(analyzer: Analyzer) -> None:
    """TantivyEngine.ask leaves out the kind filter because of this (indexer/ask_candidates.py)."""
    import json

    from indexer.tantivy_schema import KIND_QUESTION, DocBuilder

    documents = [
        json.loads(d)
        for d in DocBuilder(analyzer.index_tokens).documents(entry("X", "居住证怎么办", "居住证在哪办"))
    ]
    assert {d["kind"] for d in documents if "qtext_t" in d} == {KIND_QUESTION}
    assert sum(d["kind"] == KIND_QUESTION for d in documents) == 2


def test_rerank_weights_cover_every_feature_but_the_bias() -> None:
    assert set(sq.RERANK_WEIGHTS) == set(sq.FEATURES) - {"bias"}


def test_rerank_depth_extends_until_size_entries(analyzer: Analyzer) -> None:
    """Questions of one entry fill the first pass: it goes deeper until ``size`` entries are in."""
    asked = "居住证怎么办理"
    crowd = [("E0", f"居住证怎么办理{i}", "答", 10.0 - i / 100, None) for i in range(sq.RERANK_DEPTH + 2)]
    others = [(f"F{i}", f"居住证办理窗口{i}", "答", 5.0 - i / 100, None) for i in range(3)]
    scored = sq.score_candidates(analyzer, asked, analyzer.analyze_query(asked), crowd + others, idf, 3)
    assert len({s.entry_id for s in scored}) >= 3
    assert [s.rank for s in scored] == sorted((s.rank for s in scored), reverse=True)
    best = sq.best_per_entry(scored, 3)
    assert len(best) == 3 and best[0].entry_id == "E0"
