"""Index and alias management of the cluster engine, plus the version look-ups reconcile needs.

Why an alias: ``INDEX_NAME`` names an alias, never an index, so a reindex can build
``<alias>-v1-<timestamp>`` beside the live one and switch every reader at once with one atomic
``_aliases`` call. The first use creates the first index under a fixed name, so replicas racing to do
that agree on it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from opensearchpy import OpenSearch
from opensearchpy.exceptions import NotFoundError

from indexer.opensearch_client import engine_errors
from indexer.opensearch_docs import KIND_TOMBSTONE, MAPPING_VERSION, index_body
from records.errors import AppError

log = logging.getLogger(__name__)

SCROLL_PAGE = 5000
IDS_PAGE = 1000


def first_index_name(alias: str) -> str:
    return f"{alias}-v{MAPPING_VERSION}-{'0' * 20}"


def new_index_name(alias: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
    return f"{alias}-v{MAPPING_VERSION}-{stamp}"


class IndexAdmin:
    """Creates indices from mappings/entries.v1.json and moves the alias between them."""

    def __init__(self, client: OpenSearch, alias: str, analyzer: Any) -> None:
        self.client = client
        self.alias = alias
        self.analyzer = analyzer
        self._ready = False
        self._lock = threading.Lock()

    def create_index(self, name: str) -> None:
        """A new, empty index with our settings and mapping (no alias)."""
        with engine_errors():
            self.client.indices.create(
                index=name, body=index_body(self.analyzer), params={"timeout": "60s"}, request_timeout=65
            )
        self._wait_ready(name)

    def _wait_ready(self, name: str) -> None:
        with engine_errors():
            self.client.cluster.health(
                index=name, params={"wait_for_status": "yellow", "timeout": "30s"}, request_timeout=35
            )

    def alias_targets(self) -> list[str]:
        with engine_errors():
            try:
                return sorted(self.client.indices.get_alias(name=self.alias))
            except NotFoundError:
                return []

    def alias_target(self) -> str | None:
        """The index the alias points at (None before first use)."""
        targets = self.alias_targets()
        return targets[0] if targets else None

    def swap_alias(self, new_index: str) -> None:
        """Point the alias at ``new_index`` only, in one atomic ``_aliases`` call."""
        actions: list[dict[str, Any]] = [
            {"remove": {"index": old, "alias": self.alias}}
            for old in self.alias_targets()
            if old != new_index
        ]
        actions.append({"add": {"index": new_index, "alias": self.alias}})
        with engine_errors():
            self.client.indices.update_aliases(body={"actions": actions})

    def ensure(self) -> None:
        """Create the first index and the alias when absent (checked once per process).

        The first index has a fixed name (``<alias>-v1-000…``) so replicas racing to create it
        all end up with the same one: the loser's create answers "already exists" and adding an
        alias twice is harmless. Later indices (a reindex) carry their creation time."""
        if self._ready:
            return
        with self._lock:
            if self._ready:
                return
            if not self.alias_targets():
                with engine_errors():
                    exists = self.client.indices.exists(index=self.alias)
                if not exists:  # else: a concrete index with the alias's name; use it as it is
                    first = first_index_name(self.alias)
                    try:
                        self.create_index(first)
                    except AppError as exc:
                        if "resource_already_exists" not in str(exc.details):
                            raise
                        self._wait_ready(first)
                    with engine_errors():
                        self.client.indices.update_aliases(
                            body={"actions": [{"add": {"index": first, "alias": self.alias}}]}
                        )
            self._ready = True

    def meta(self) -> dict[str, Any]:
        """The ``_meta`` of the index behind the alias (mapping and analyzer versions)."""
        with engine_errors():
            found = self.client.indices.get_mapping(index=self.alias)
        for body in found.values():
            return dict(body.get("mappings", {}).get("_meta", {}))
        return {}

    def refresh(self) -> None:
        with engine_errors():
            self.client.indices.refresh(index=self.alias)

    # -- versions (reconcile) ------------------------------------------------------------------
    def indexed_versions(self, ids: Iterable[str], include_tombstones: bool = True) -> dict[str, int]:
        """Current version per id; tombstones (deletes) count unless ``include_tombstones`` is off."""
        wanted = sorted(set(ids))
        found: dict[str, int] = {}
        for start in range(0, len(wanted), IDS_PAGE):
            page = wanted[start : start + IDS_PAGE]
            query: dict[str, Any] = {"bool": {"filter": [{"terms": {"id": page}}]}}
            if not include_tombstones:
                query["bool"]["must_not"] = [{"term": {"kind": KIND_TOMBSTONE}}]
            with engine_errors():
                response = self.client.search(
                    index=self.alias,
                    body={"query": query, "size": len(page), "_source": ["id", "version"]},
                )
            for hit in response["hits"]["hits"]:
                found[hit["_source"]["id"]] = int(hit["_source"]["version"])
        return found

    def all_versions(self) -> dict[str, int]:
        """id → version of every indexed document except tombstones (expired entries included:
        reconcile decides what belongs), read with search_after over the id order."""
        out: dict[str, int] = {}
        after: list[Any] | None = None
        while True:
            body: dict[str, Any] = {
                "query": {"bool": {"must_not": [{"term": {"kind": KIND_TOMBSTONE}}]}},
                "size": SCROLL_PAGE,
                "sort": [{"id": "asc"}],
                "_source": ["version"],
            }
            if after is not None:
                body["search_after"] = after
            with engine_errors():
                hits = self.client.search(index=self.alias, body=body)["hits"]["hits"]
            for hit in hits:
                out[hit["sort"][0]] = int(hit["_source"]["version"])
            if len(hits) < SCROLL_PAGE:
                return out
            after = hits[-1]["sort"]

    def drop(self) -> None:
        """Delete every index behind the alias (tests and scripts that made a scratch index)."""
        for name in self.alias_targets():
            with engine_errors():
                self.client.indices.delete(index=name, params={"ignore_unavailable": "true"})
        self._ready = False
