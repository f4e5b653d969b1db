"""The synonym and colloquial table: parsing, expansion direction, Solr rendering, size."""

from __future__ import annotations

import pytest

from analyzers.normalize import normalize
from analyzers.pipeline import Analyzer
from analyzers.resources import load
from analyzers.synonyms import SynonymTable
from analyzers.types import AnalyzedQuery


def texts(query: AnalyzedQuery, origin: str | None = None) -> set[str]:
    return {t.text for t in query.terms if origin is None or t.origin == origin}


def test_packaged_files_meet_the_required_sizes() -> None:
    data = load(None)
    assert data.errors == []
    counts = data.counts()
    assert counts["dictionary_terms"] >= 800
    assert counts["synonym_groups"] >= 300
    assert counts["stopwords"] > 50


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("医保", "基本医疗保险"),  # abbreviation → full name
        ("基本医疗保险", "医保"),  # …and back: an equivalence
        ("户口本", "居民户口簿"),
        ("居民户口簿", "户口本"),
        ("公积金", "住房公积金"),
        ("公租房", "公共租赁住房"),
    ],
)
def test_equivalences_expand_both_ways(analyzer: Analyzer, word: str, expected: str) -> None:
    query = analyzer.analyze_query(word)
    assert expected in texts(query, "synonym")
    assert all(t.weight < 1 for t in query.terms if t.origin == "synonym")


@pytest.mark.parametrize(
    ("colloquial", "official"),
    [
        ("娃上学", "子女入学"),
        ("上户口", "出生登记"),
        ("娃", "子女"),
        ("暂住证", "居住证"),
        ("廉租房", "公租房"),
    ],
)
def test_one_way_rules_expand_colloquial_to_official_only(
    analyzer: Analyzer, colloquial: str, official: str
) -> None:
    assert official in texts(analyzer.analyze_query(colloquial), "synonym")
    assert colloquial not in texts(analyzer.analyze_query(official))


def test_synonym_words_are_single_index_tokens(analyzer: Analyzer) -> None:
    """An expansion is only useful if the index holds it as one token."""
    assert "居民户口簿" in analyzer.index_tokens("请携带居民户口簿原件")
    assert "子女入学" in analyzer.index_tokens("关于子女入学的规定")


def _parse(*lines: str) -> SynonymTable:
    return SynonymTable.parse(list(lines), normalize)


def test_parse_equivalence_one_way_comments_and_normalization() -> None:
    table = _parse(
        "# 注释", "", "医保, 基本医疗保险，医疗保险  # 行尾注释", "娃上学, 孩子上学 => 子女入学", "Ｂ超, 彩超"
    )
    assert table.errors == []
    assert table.group_count == 3
    assert table.expand("医保") == ("基本医疗保险", "医疗保险")
    assert table.expand("孩子上学") == ("子女入学",)
    assert table.expand("子女入学") == ()
    assert table.expand("b超") == ("彩超",)  # words are normalized like text


@pytest.mark.parametrize(
    ("line", "problem"),
    [("医保", "至少需要两个词"), ("a => ", "两侧都必须有词语"), ("a => b => c", "只能有一个")],
)
def test_parse_reports_bad_lines_with_line_numbers(line: str, problem: str) -> None:
    table = _parse("医保, 医疗保险", line)
    assert table.group_count == 1
    assert len(table.errors) == 1
    assert "第2行" in table.errors[0] and problem in table.errors[0]


def test_solr_rendering() -> None:
    table = _parse("医保, 基本医疗保险", "娃上学, 孩子上学 => 子女入学, 入学")
    lines = table.to_solr().splitlines()
    assert lines[0].startswith("#")
    assert lines[1:] == ["医保, 基本医疗保险", "娃上学, 孩子上学 => 娃上学, 孩子上学, 子女入学, 入学"]


def test_packaged_table_renders_every_group_for_the_cluster_engine() -> None:
    table = load(None).synonyms
    rendered = [line for line in table.to_solr().splitlines() if not line.startswith("#")]
    assert len(rendered) == table.group_count
    reparsed = SynonymTable.parse(rendered, normalize)
    assert reparsed.errors == []
    for word in table.words:
        assert set(table.expand(word)) <= set(reparsed.expand(word)), word


@pytest.mark.parametrize(
    ("colloquial", "formal"),
    [
        ("找不着", "遗失"),  # lost
        ("弄丢", "补领"),
        ("烂了", "损坏"),  # damaged
        ("搬家", "变更地址"),
        ("外地", "异地"),
        ("外地户口", "非本市户籍"),
        ("老人", "老年人"),
        ("看病", "门诊"),
        ("住院报销", "医保报销"),
        ("没工作", "灵活就业"),
        ("生娃", "分娩"),
        ("房子", "住房"),
        ("没单位", "灵活就业人员"),
        ("多少钱", "收费标准"),
        ("去哪办", "受理窗口"),
        ("卧床不起", "上门服务"),
    ],
)
def test_colloquial_words_reach_the_policy_wording(analyzer: Analyzer, colloquial: str, formal: str) -> None:
    query = analyzer.analyze_query(colloquial)
    assert formal in texts(query, "synonym")


@pytest.mark.parametrize(
    ("formal", "colloquial"),
    [("变更地址", "搬家"), ("非本市户籍", "外地户口"), ("灵活就业", "没工作"), ("受理窗口", "去哪办")],
)
def test_policy_wording_is_not_diluted_by_colloquial_words(
    analyzer: Analyzer, formal: str, colloquial: str
) -> None:
    assert colloquial not in texts(analyzer.analyze_query(formal))
