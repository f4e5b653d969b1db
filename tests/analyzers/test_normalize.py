"""Normalization: one canonical spelling for documents and queries alike."""

from __future__ import annotations

import pytest

from analyzers.normalize import has_traditional, normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＢＵＳ　１２３４５热线", "bus 12345热线"),  # full-width letters, digits, ideographic space
        ("Ｂ超检查", "b超检查"),
        ("B超 MRI", "b超 mri"),  # case
        ("身分證補辦需要帶什麼", "身分证补办需要带什么"),  # traditional → simplified
        ("戶口遷移以後", "户口迁移以后"),
        ("乾燥的天氣", "干燥的天气"),  # ambiguous character resolved by phrase
        ("乾隆年间", "乾隆年间"),  # …and kept where the phrase needs it
        ("医保，怎么报销？", "医保 怎么报销"),  # punctuation becomes a space
        ("“居住证”——签注！", "居住证 签注"),
        ("hello_world", "hello world"),
        ("费用3.5元。", "费用3.5元"),  # a dot inside a number survives
        ("a.b 1.2", "a b 1.2"),
        ("①办理 ㈠材料", "1办理 一 材料"),  # NFKC may produce punctuation: removed too
        ("  多个   空格\t\n换行 ", "多个 空格 换行"),
        ("", ""),
        ("\ud800居住证\x00\u200b\ufeff", "居住证"),  # lone surrogate, control and format characters
        ("😀居住证😀", "居住证"),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize("raw", ["ＡＢＣ，身分證！", "乾燥 3.5元.", "①②", "12345热线"])
def test_normalize_is_idempotent(raw: str) -> None:
    once = normalize(raw)
    assert normalize(once) == once


@pytest.mark.parametrize(
    ("text", "expected"), [("身份证", False), ("身份證", True), ("乾", True), ("干", False)]
)
def test_has_traditional(text: str, expected: bool) -> None:
    assert has_traditional(text) is expected
