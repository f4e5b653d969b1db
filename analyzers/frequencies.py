"""jieba's general-dictionary word frequencies in a compact, read-only form.

Why not a dict: 349k Python strings and ints cost ~110 MB in every API worker, while typo
recovery only ever asks "how common is this 2–7 character window in ordinary Chinese?". Words are
kept per length as one sorted fixed-width UTF-32 blob plus an array of counts (~5 MB), looked up
by binary search, which is only reached for the rare windows that have a homophone candidate.
"""

from __future__ import annotations

import importlib.util
import os
from array import array
from functools import lru_cache

MIN_CHARS, MAX_CHARS = 2, 7
_ENCODING = "utf-32-be"  # fixed width, and byte order equals code point order


class Frequencies:
    def __init__(self, entries: dict[int, list[tuple[bytes, int]]]) -> None:
        self._tables: dict[int, tuple[bytes, array[int], int]] = {}
        for length, items in entries.items():
            items.sort()
            blob = b"".join(word for word, _ in items)
            self._tables[length] = (blob, array("I", (count for _, count in items)), len(items))

    def get(self, word: str, default: int = 0) -> int:
        table = self._tables.get(len(word))
        if table is None:
            return default
        blob, counts, size = table
        target = word.encode(_ENCODING)
        width = len(target)
        low, high = 0, size
        while low < high:
            middle = (low + high) // 2
            if blob[middle * width : (middle + 1) * width] < target:
                low = middle + 1
            else:
                high = middle
        if low < size and blob[low * width : (low + 1) * width] == target:
            return counts[low]
        return default

    def __contains__(self, word: str) -> bool:
        return self.get(word, -1) >= 0


@lru_cache(maxsize=1)
def base_frequencies() -> Frequencies:
    """How common each word of jieba's general dictionary is (shared by every Analyzer)."""
    # The file is located without importing jieba: that import alone costs ~12 MB per API worker.
    spec = importlib.util.find_spec("jieba")
    assert spec is not None and spec.origin is not None, "jieba is a dependency"
    path = os.path.join(os.path.dirname(spec.origin), "dict.txt")
    entries: dict[int, list[tuple[bytes, int]]] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            word, count, _ = line.split(" ", 2)
            if MIN_CHARS <= len(word) <= MAX_CHARS:
                entries.setdefault(len(word), []).append((word.encode(_ENCODING), int(count)))
    return Frequencies(entries)
