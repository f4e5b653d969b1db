"""Chinese numerals before time/age units read as digits, identically in documents and queries."""

from __future__ import annotations

import pytest

from analyzers.numerals import chinese_to_int, numerals_to_digits
from analyzers.pipeline import Analyzer


@pytest.mark.parametrize(
    ("numeral", "value"),
    [
        ("一", 1),
        ("十", 10),
        ("十六", 16),
        ("二十", 20),
        ("六十", 60),
        ("一百二十", 120),
        ("一百零五", 105),
        ("两", 2),
        ("一二", None),
    ],
)
def test_chinese_to_int(numeral: str, value: int | None) -> None:
    assert chinese_to_int(numeral) == value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("年满十六周岁", "年满16周岁"),
        ("自受理之日起六十日内", "自受理之日起60日内"),
        ("有效期十年", "有效期10年"),
        ("两个工作日", "2个工作日"),
        ("三个月", "3个月"),
        ("一年级新生", "一年级新生"),  # not a duration
        ("九十年代", "九十年代"),
        ("第一天", "第一天"),  # ordinal
        ("十分钟", "十分钟"),  # no unit we convert
    ],
)
def test_numerals_to_digits(text: str, expected: str) -> None:
    assert numerals_to_digits(text) == expected


@pytest.mark.parametrize(
    ("document", "query", "token"),
    [
        ("年满十六周岁的公民", "16周岁", "16周岁"),
        ("有效期为十年", "10年", "10年"),
        ("三个月内办结", "3个月", "3个月"),
    ],
)
def test_either_spelling_finds_the_other(analyzer: Analyzer, document: str, query: str, token: str) -> None:
    assert token in analyzer.index_tokens(document)
    assert token in {t.text for t in analyzer.analyze_query(query).terms}
