"""Homophone and pinyin-input recovery, and that it does not invent corrections."""

from __future__ import annotations

import pytest

from analyzers.pipeline import Analyzer
from analyzers.types import AnalyzedQuery
from analyzers.typo import is_pinyin


def recovered(query: AnalyzedQuery) -> set[str]:
    return {t.text for t in query.terms if t.origin in ("correction", "pinyin")}


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("身分证", "身份证"),  # a rare variant spelling
        ("公基金", "公积金"),
        ("户口签移", "户口迁移"),
        ("居住正怎么办", "居住证"),
        ("医疗就助", "救助"),
        ("预防接中证", "预防接种证"),
        ("出身医学证明", "出生医学证明"),  # real word 出身 is repaired through the longer window
        ("廉租房轮后", "轮候"),
    ],
)
def test_homophones_are_recovered(analyzer: Analyzer, typed: str, meant: str) -> None:
    query = analyzer.analyze_query(typed)
    assert meant in recovered(query)
    correction = next(t for t in query.terms if t.text == meant)
    assert correction.weight < 1


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("gongjijin", ["公积金"]),
        ("shebao", ["社保"]),
        ("yibao", ["医保"]),
        ("juzhuzheng banli", ["居住证", "办理"]),
        ("hu kou qian yi", ["户口迁移"]),  # single syllables: read as one string
        ("yidi jiuyi beian", ["异地", "就医", "备案"]),  # whole words: the spaces are kept
        ("gongjijin daikuan", ["公积金", "贷款"]),
        ("yinhangka", ["银行卡"]),  # 行 read as hang, not its default xing
    ],
)
def test_pinyin_input_maps_to_dictionary_words(analyzer: Analyzer, typed: str, meant: list[str]) -> None:
    query = analyzer.analyze_query(typed)
    assert recovered(query) >= set(meant)
    first_terms = [group[0] for group in query.groups()]
    assert [t.text for t in first_terms] == meant
    assert all(t.origin == "pinyin" and t.weight < 1 for t in first_terms)


def test_pinyin_words_keep_their_synonyms(analyzer: Analyzer) -> None:
    assert "住房公积金" in {t.text for t in analyzer.analyze_query("gongjijin").terms}


@pytest.mark.parametrize(
    "query",
    [
        "公示",  # 工时 sounds the same and is in our vocabulary too
        "工时",
        "出生证明",
        "身份证",
        "户口不在本地能办吗",  # 户口不 sounds like 户口簿
        "医保吗",  # …and 医保码
        "提取住房公积金需要提供租房合同",  # 供租房 sounds like 公租房
        "检疫要求",  # a real word is never turned into 建议
        "人力资源服务机构",  # 资源服务 is close to 志愿服务
        "优待政策",
        "app",
        "b超",
        "12345",
    ],
)
def test_correct_text_is_not_corrected(analyzer: Analyzer, query: str) -> None:
    assert recovered(analyzer.analyze_query(query)) == set()


def test_typed_word_stays_first_choice(analyzer: Analyzer) -> None:
    """A correction is an alternative, never a replacement: the user's own word weighs most."""
    group = next(g for g in analyzer.analyze_query("积份落户").groups() if any(t.text == "积份" for t in g))
    weights = {t.text: t.weight for t in group}
    assert weights["积份"] == 1.0
    assert weights["积分落户"] < 1.0


@pytest.mark.parametrize(
    ("letters", "expected"),
    [("gongjijin", True), ("xian", True), ("shebao", True), ("app", False), ("pdf", False), ("wifi", False)],
)
def test_is_pinyin(letters: str, expected: bool) -> None:
    assert is_pinyin(letters) is expected


def test_english_words_are_kept_as_typed(analyzer: Analyzer) -> None:
    query = analyzer.analyze_query("app 下载")
    assert [t.text for t in query.terms if t.origin == "query"] == ["app", "下载"]


@pytest.mark.parametrize(
    ("typed", "meant"), [("sfz", "身份证"), ("gjj", "公积金"), ("ydjy", "异地就医"), ("SQZN", "随迁子女")]
)
def test_pinyin_initials_map_to_dictionary_words(analyzer: Analyzer, typed: str, meant: str) -> None:
    (group,) = analyzer.analyze_query(typed).groups()
    weights = {t.text: t.weight for t in group}
    assert weights[typed.lower()] == 1.0
    assert weights[meant] == 0.6


@pytest.mark.parametrize("typed", ["sb", "pdf", "ok", "app", "ct"])
def test_short_or_known_letter_words_are_not_read_as_initials(analyzer: Analyzer, typed: str) -> None:
    assert recovered(analyzer.analyze_query(typed)) == set()
