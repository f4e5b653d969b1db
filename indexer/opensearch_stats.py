"""Document frequencies for IDF, read from the cluster and cached for a few seconds.

Why: the coverage bonus of /api/search and the /api/ask model need per-token document counts;
OpenSearch has no doc-freq call, so one size-0 search with a ``filters`` aggregation counts many
tokens at once, and a cache of a few minutes keeps that off most requests (the counts move slowly;
a commit in this process clears it).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from indexer.opensearch_docs import KIND_ENTRY

# Document frequencies move slowly (a relative IDF of a word in 100k entries shifts little in five
# minutes), while a refetch is one more search request per query with a new word; this process's
# own commits clear the cache anyway.
STATS_TTL_SECONDS = 300.0
STATS_MAX_TOKENS = 50_000


class TermStats:
    def __init__(self, search: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        self._search = search
        self._lock = threading.Lock()
        self._stats: dict[tuple[str, str], tuple[float, int]] = {}

    def doc_freqs(self, field: str, tokens: list[str]) -> tuple[int, dict[str, int]]:
        """(documents with the field, doc freq per token), cached a few seconds per token."""
        now = time.monotonic()
        total_key = (field, "\x00total")
        missing = [t for t in tokens if not self._fresh((field, t), now)]
        if missing or not self._fresh(total_key, now):
            counts = self._count_terms(field, missing)
            with self._lock:
                if len(self._stats) > STATS_MAX_TOKENS:
                    self._stats.clear()
                for key, value in counts.items():
                    self._stats[(field, key)] = (now, value)
        with self._lock:
            return (
                max(self._stats.get(total_key, (now, 1))[1], 1),
                {t: self._stats.get((field, t), (now, 0))[1] for t in tokens},
            )

    def _fresh(self, key: tuple[str, str], now: float) -> bool:
        found = self._stats.get(key)
        return found is not None and now - found[0] < STATS_TTL_SECONDS

    def _count_terms(self, field: str, tokens: list[str]) -> dict[str, int]:
        """One size-0 search with a filters aggregation: doc counts of many tokens at once."""
        nested = field.startswith("qs.")
        per_token = {"filters": {"filters": {f"t{i}": {"term": {field: t}} for i, t in enumerate(tokens)}}}
        counted: dict[str, Any] = {"terms": per_token} if tokens else {}
        aggs = {"qs": {"nested": {"path": "qs"}, "aggs": counted}} if nested else counted
        body: dict[str, Any] = {"size": 0, "track_total_hits": True, "query": {"term": {"kind": KIND_ENTRY}}}
        if aggs:
            body["aggs"] = aggs
        response = self._search(body)
        if nested:
            scope = response["aggregations"]["qs"]
            total = int(scope["doc_count"])
        else:
            scope = response.get("aggregations", {})
            total = int(response["hits"]["total"]["value"])
        buckets = scope.get("terms", {}).get("buckets", {})
        out = {t: int(buckets.get(f"t{i}", {}).get("doc_count", 0)) for i, t in enumerate(tokens)}
        out["\x00total"] = total
        return out

    def clear(self) -> None:
        with self._lock:
            self._stats.clear()
