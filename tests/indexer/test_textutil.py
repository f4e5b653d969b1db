"""Highlight helpers: longest token wins, markup is escaped, the snippet window holds the tokens."""

from __future__ import annotations

import pytest

from indexer.textutil import best_question, best_window, mark


@pytest.mark.parametrize(
    ("text", "terms", "expected"),
    [
        ("居民身份证补领", ("身份证", "居民身份证"), "<em>居民身份证</em>补领"),
        ("居民身份证补领", ["补领", "身份证"], "居民<em>身份证</em><em>补领</em>"),
        ("a<b>身份证", ("身份证",), "a&lt;b&gt;<em>身份证</em>"),
        ("户口迁移", ("公积金",), "户口迁移"),
        ("户口<迁移>", (), "户口&lt;迁移&gt;"),
        ("a.b*c", (".", "*"), "a<em>.</em>b<em>*</em>c"),
    ],
)
def test_mark(text: str, terms: tuple[str, ...], expected: str) -> None:
    assert mark(text, terms) == expected


def test_best_window_moves_to_the_densest_stretch() -> None:
    text = "无关内容" * 50 + "公积金提取需要身份证和公积金卡" + "其他说明" * 50
    window = best_window(text, ("公积金", "身份证"), width=40)
    assert len(window) == 40 and "公积金提取需要身份证和公积金卡" in window


@pytest.mark.parametrize(
    ("text", "terms", "expected"),
    [("短文本", ("文本",), "短文本"), ("无" * 200, ("有",), "无" * 120), ("无" * 200, (), "无" * 120)],
)
def test_best_window_short_or_unmatched_text(text: str, terms: tuple[str, ...], expected: str) -> None:
    assert best_window(text, terms) == expected


def test_best_window_counts_repeats_of_one_token() -> None:
    text = "社保" + "。" * 150 + "医保医保医保" + "。" * 150
    assert "医保医保医保" in best_window(text, ("社保", "医保"), width=20)


@pytest.mark.parametrize(
    ("terms", "expected"),
    [(("身份证", "丢了"), "身份证丢了怎么办"), (("居住证",), "居住证怎么办"), (("护照",), None)],
)
def test_best_question(terms: tuple[str, ...], expected: str | None) -> None:
    assert best_question(["居住证怎么办", "身份证丢了怎么办"], terms) == expected
