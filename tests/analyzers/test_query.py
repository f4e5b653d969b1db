"""Shape of an analyzed query: groups of weighted alternatives that match index tokens."""

from __future__ import annotations

import pytest

from analyzers.pipeline import Analyzer


def test_each_word_is_one_group_with_the_typed_word_first(analyzer: Analyzer) -> None:
    groups = analyzer.analyze_query("身份证 补办 材料").groups()
    assert [g[0].text for g in groups] == ["身份证", "补办", "材料"]
    assert all(g[0].origin == "query" and g[0].weight == 1.0 for g in groups)
    assert [g[0].group for g in groups] == [0, 1, 2]


def test_stopwords_and_punctuation_make_no_group(analyzer: Analyzer) -> None:
    groups = analyzer.analyze_query("请问，身份证怎么补办呢？").groups()
    assert [g[0].text for g in groups] == ["身份证", "补办"]


def test_compound_word_offers_its_subwords_as_partial_matches(analyzer: Analyzer) -> None:
    (group,) = analyzer.analyze_query("医疗保障").groups()
    weights = {t.text: (t.weight, t.origin) for t in group}
    assert weights["医疗保障"] == (1.0, "query")
    assert weights["医疗"] == weights["保障"] == (0.6, "subtoken")
    assert weights["医保"] == (0.8, "synonym")  # "医保"-style queries meet "医疗保障" text


def test_number_with_unit_keeps_the_bare_number(analyzer: Analyzer) -> None:
    (group,) = analyzer.analyze_query("2024年").groups()
    assert [(t.text, t.origin) for t in group] == [("2024年", "query"), ("2024", "subtoken")]
    assert group[1].weight == 0.6


@pytest.mark.parametrize(
    "text", ["医保报销", "身分证补办", "gongjijin tiqu", "娃上学要带啥", "户口前移 跨省", "B超 12345 2024年"]
)
def test_every_query_term_is_an_index_token_of_some_text(analyzer: Analyzer, text: str) -> None:
    """Engines match terms against index tokens; a term the analyzer could never index is dead."""
    for term in analyzer.analyze_query(text).terms:
        assert analyzer.index_tokens(term.text)[-1] == term.text


def test_weights_order_by_origin(analyzer: Analyzer) -> None:
    terms = analyzer.analyze_query("医保 身分证 gongjijin 医疗保障").terms
    by_origin: dict[str, set[float]] = {}
    for term in terms:
        by_origin.setdefault(term.origin, set()).add(term.weight)
    assert by_origin["query"] == {1.0}
    assert max(by_origin["pinyin"]) < 1.0
    assert max(by_origin["synonym"]) <= 0.8
    assert max(by_origin["correction"]) < 0.8
    assert max(by_origin["subtoken"]) < min(by_origin["correction"])


@pytest.mark.parametrize("text", ["", "   ", "？！。", "的了吗"])
def test_empty_queries(analyzer: Analyzer, text: str) -> None:
    query = analyzer.analyze_query(text)
    assert query.is_empty and query.groups() == []


def test_version_is_stable_for_the_same_files() -> None:
    first, second = Analyzer(poll_seconds=None), Analyzer(poll_seconds=None)
    assert first.version == second.version
    assert first.tokenization_version == second.tokenization_version
    assert len(first.version) == 12


def test_char_tokens_are_the_chinese_characters_only(analyzer: Analyzer) -> None:
    assert analyzer.char_tokens("身份證，B超12345！") == ["身", "份", "证", "超"]


def test_query_chars_are_distinct_and_skip_stopword_characters(analyzer: Analyzer) -> None:
    assert analyzer.analyze_query("身份证的身份，B超").chars == ("身", "份", "证", "超")


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        ("护照怎么办", [True, False]),  # 怎么办 asks for an aspect of the matter 护照
        ("公租房申请条件", [True, False]),  # 申请条件: every dictionary sub-word is an intent word
        ("养老服务 材料", [True, False]),  # 养老服务 names a matter though 服务 alone would not
        ("居住证", None),  # no intent word: the rule does not apply
        ("办理流程", None),  # nothing but intent words: they may find entries after all
    ],
)
def test_subject_groups_tell_the_matter_from_the_aspect_asked(
    analyzer: Analyzer, text: str, subject: list[bool] | None
) -> None:
    assert analyzer.analyze_query(text).subject_groups(16) == subject
