"""Chinese numerals before time and age units become digits: 十六周岁 → 16周岁, 六十日 → 60日.

Why: policy text and citizens mix both spellings freely (有效期十年 / 身份证10年, 年满十六周岁 /
16岁办身份证); normalizing both sides to digits lets either spelling find the other.
Only numerals directly before a unit are touched, so words like 一年级 or 十分 stay as they are.
"""

from __future__ import annotations

import re

_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_UNITS = {"十": 10, "百": 100}
_NOT_AFTER = frozenset("零〇一二两三四五六七八九十百千万亿几第")
# No look-behind in the pattern (it would run at every character of every document); the
# character before a match is checked in _replace instead.
_NUMERAL = re.compile(
    r"([零〇一二两三四五六七八九十百]{1,5})"
    r"(?=周岁|岁|个月|个工作日|工作日|日|天|小时|周年|年(?![级代龄纪度华轻初底终末鉴金报]))"
)


def chinese_to_int(numeral: str) -> int | None:
    """Value of a numeral below 1000 (十六 → 16, 一百二十 → 120, 两 → 2), None if malformed."""
    total, current = 0, None
    for char in numeral:
        if char in "零〇" and total:
            continue  # placeholder inside a number: 一百零五
        if char in _DIGITS:
            if current is not None:
                return None  # two digits in a row (一二) is not a number we read
            current = _DIGITS[char]
        elif char in _UNITS:
            total += (1 if current is None else current) * _UNITS[char]
            current = None
        else:
            return None
    return total + (current or 0)


def _replace(match: re.Match[str]) -> str:
    start = match.start()
    if start and match.string[start - 1] in _NOT_AFTER:
        return match.group(1)
    value = chinese_to_int(match.group(1))
    return match.group(1) if value is None else str(value)


def numerals_to_digits(text: str) -> str:
    return _NUMERAL.sub(_replace, text)
