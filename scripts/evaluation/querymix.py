"""Benchmark queries built from the synthetic generator's own vocabulary, never from eval queries.

Three styles, as the hotline sees them: agents' terse 2-4 character keywords (sometimes with a
place), standard questions, and colloquial sentences; some carry a city as the region filter.
"""

from __future__ import annotations

import importlib.util
import random
import sys
from dataclasses import dataclass
from importlib.machinery import SourceFileLoader
from pathlib import Path
from types import ModuleType
from urllib.parse import urlencode

COLLOQUIAL = [
    "我想问一下{k}怎么弄",
    "{k}到底要去哪里办啊",
    "家里老人{k}需要本人去吗",
    "请问在{rs}办{k}要多久",
    "{k}手续麻烦不麻烦",
    "刚来{rs}工作，{k}怎么办理",
]
REGION_SHARE = 0.3


@dataclass(frozen=True)
class Mix:
    searches: list[tuple[str, str | None]]  # (q, region)
    questions: list[str]  # for /api/ask
    prefixes: list[str]  # for /api/suggest

    def search_paths(self) -> list[str]:
        paths = []
        for q, region in self.searches:
            params = {"q": q, **({"region": region} if region else {})}
            paths.append("/api/search?" + urlencode(params))
        return paths


def load_generator(path: Path) -> ModuleType:
    """scripts/gen_synthetic has no .py suffix, so it is loaded by path."""
    loader = SourceFileLoader("gen_synthetic", str(path))
    spec = importlib.util.spec_from_loader("gen_synthetic", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["gen_synthetic"] = module  # dataclasses look their module up while the file runs
    loader.exec_module(module)
    return module


def build(generator: ModuleType, count: int, seed: int = 7) -> Mix:
    rng = random.Random(seed)
    matters = generator._matters()
    cities = [r for r in generator._regions() if r.level == "city"]
    templates = [(q, sims.split(";")) for q, sims, _ in generator.QUESTIONS]

    def slots() -> dict[str, str]:
        m, city = rng.choice(matters), rng.choice(cities)
        return {"n": m.name, "k": rng.choice(m.keywords), "rs": city.name[:-1], "r": city.name}

    keywords = sorted({k for m in matters for k in m.keywords if 2 <= len(k) <= 4})

    def agent() -> str:
        word = rng.choice(keywords)
        return f"{rng.choice(cities).name[:-1]} {word}" if rng.random() < 0.2 else word

    def question() -> str:
        q, _ = rng.choice(templates)
        return q.format(**slots())

    def colloquial() -> str:
        s = slots()
        if rng.random() < 0.5:
            _, sims = rng.choice(templates)
            return rng.choice(generator.PREFIXES) + rng.choice(sims).format(**s)
        return rng.choice(COLLOQUIAL).format(**s)

    searches = []
    for _ in range(count):
        style = rng.random()
        text = agent() if style < 0.4 else question() if style < 0.7 else colloquial()
        region = rng.choice(cities).name if rng.random() < REGION_SHARE else None
        searches.append((text, region))
    questions = [question() if rng.random() < 0.5 else colloquial() for _ in range(count)]
    words = [w for m in matters for w in (m.name, *m.keywords)]
    prefixes = [w[: rng.randint(1, min(4, len(w)))] for w in (rng.choice(words) for _ in range(count))]
    return Mix(searches, questions, prefixes)
