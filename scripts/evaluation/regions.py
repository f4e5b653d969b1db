"""Which entry regions apply to a query region, judged from the service's own region table.

Why read the store instead of hard-coding places: the fresh store the eval imports into holds the
project's reference hierarchy, so leaks and the baselines' region filter use exactly the rule the
service promises (same place, places above it, places inside it) without a second copy of it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from sqlalchemy import text
from sqlalchemy.engine import Engine


class RegionMap:
    def __init__(self, paths_by_name: Mapping[str, Iterable[str]]) -> None:
        self._paths = {name: tuple(paths) for name, paths in paths_by_name.items()}

    @classmethod
    def from_paths(cls, paths: Iterable[str]) -> RegionMap:
        """From 'province/city/county' paths; a name may occur in several (鼓楼区)."""
        by_name: dict[str, list[str]] = defaultdict(list)
        for path in paths:
            by_name[path.rsplit("/", 1)[-1]].append(path)
        return cls(by_name)

    @classmethod
    def from_store(cls, engine: Engine) -> RegionMap:
        with engine.connect() as conn:
            return cls.from_paths(row[0] for row in conn.execute(text("SELECT path FROM region")))

    def _paths_of(self, name: str) -> tuple[str, ...]:
        if "/" in name:
            return (name,)
        return self._paths.get(name, (name,))

    def allowed(self, entry_region: str, query_region: str) -> bool:
        for entry_path in self._paths_of(entry_region):
            for query_path in self._paths_of(query_region):
                if _within(query_path, entry_path) or _within(entry_path, query_path):
                    return True
        return False

    def allowed_names(self, names: Iterable[str], query_region: str) -> set[str]:
        return {name for name in names if self.allowed(name, query_region)}


def _within(path: str, ancestor: str) -> bool:
    return path == ancestor or path.startswith(ancestor + "/")
