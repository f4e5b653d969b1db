"""The cluster search engine: OpenSearch behind the same SearchEngine interface as tantivy.

Why the same ranking code paths: both engines take the Analyzer's tokens and QueryTerm weights
(Python expands synonyms, corrections and pinyin — the source of truth; the index's synonym_graph
analyzer exists for inspection and the token-identity test), build the same clause structure
(indexer/opensearch_query.py), cut highlights from stored text with indexer/textutil, and re-rank
/api/ask candidates with indexer.same_question.rank_matches. Versions are external: the store's
lock_version is the document version, so a stale write is refused by the cluster itself.
"""

from __future__ import annotations

import math
import time
from datetime import date
from typing import Any

from opensearchpy import OpenSearch

from indexer import opensearch_query as oq
from indexer.engine import (
    MAX_QUERY_CHARS,
    AskMatch,
    IndexDoc,
    IndexOutcome,
    RelatedHit,
    SearchHit,
    SearchRequest,
    SearchResult,
)
from indexer.opensearch_client import bulk, engine_errors, make_client
from indexer.opensearch_docs import KIND_ENTRY, entry_source, tombstone_source
from indexer.opensearch_index import IndexAdmin
from indexer.opensearch_stats import TermStats
from indexer.related import RELATED_CANDIDATES, RELATED_FIELDS, fill_related, pick_related, source_terms
from indexer.same_question import CLUSTER_SAME_QUESTION_THRESHOLD, rank_matches
from indexer.tantivy_engine import FEW_RESULTS
from indexer.tantivy_schema import ALL_FIELD
from indexer.textutil import hit_from_payload, pinyin_initials

ASK_INNER_HITS = 3
# Entries fetched per ask, each with its ASK_INNER_HITS best questions; the best CLUSTER_ASK_CANDIDATES
# questions go to the re-ranker. More than the embedded engine's ask_candidates.ASK_CANDIDATES (20
# question documents): an entry's several matching questions arrive together here.
CLUSTER_ASK_CANDIDATES = 30
REGION_TTL_SECONDS = 60.0
PAYLOAD_FIELDS = ["id", "payload"]


class OpenSearchEngine:
    name = "opensearch"
    in_process = False

    def __init__(self, search_url: str, analyzer: Any, *, index_name: str = "entries",
                 client: OpenSearch | None = None) -> None:  # fmt: skip
        self.analyzer = analyzer
        self.alias = index_name
        self.client = client or make_client(search_url)
        self.admin = IndexAdmin(self.client, index_name, analyzer)
        self.stats = TermStats(self._search)
        self._regions: dict[str, tuple[float, tuple[str, ...]]] = {}

    # -- index management (H12's reindex and reconcile build on these) -----------------------
    def create_index(self, name: str) -> None:
        self.admin.create_index(name)

    def alias_target(self) -> str | None:
        return self.admin.alias_target()

    def swap_alias(self, new_index: str) -> None:
        self.admin.swap_alias(new_index)
        self._forget_stats()

    def indexed_versions(self, ids: list[str] | tuple[str, ...] | set[str]) -> dict[str, int]:
        self.admin.ensure()
        return self.admin.indexed_versions(ids)

    def all_versions(self) -> dict[str, int]:
        self.admin.ensure()
        return self.admin.all_versions()

    # -- writing ----------------------------------------------------------------------------
    def index(self, docs: list[IndexDoc], target: str | None = None) -> IndexOutcome:
        """External versions: a version the index already holds (or has deleted) gets a 409 → skipped.
        ``target``: write into this concrete index instead of the alias (a rebuild)."""
        self.admin.ensure()
        items = [
            (
                {"index": {"_index": target or self.alias, "_id": doc.id, "version": doc.version,
                           "version_type": "external"}},
                entry_source(doc, self.analyzer.index_tokens),
            )
            for doc in docs
        ]  # fmt: skip
        return self._outcome(bulk(self.client, items))

    def delete(self, doc_ids: list[tuple[str, int]], target: str | None = None) -> IndexOutcome:
        """A tombstone at the delete's version; an equal version applies, an older one is skipped."""
        self.admin.ensure()
        items = [
            (
                {
                    "index": {
                        "_index": target or self.alias,
                        "_id": doc_id,
                        "version": version,
                        "version_type": "external_gte",
                    }
                },
                tombstone_source(doc_id, version),
            )
            for doc_id, version in doc_ids
        ]
        return self._outcome(bulk(self.client, items))

    @staticmethod
    def _outcome(result: Any) -> IndexOutcome:
        return IndexOutcome(result.applied, result.skipped, tuple(result.rejected))

    def commit(self) -> None:
        self.admin.ensure()
        self.admin.refresh()
        self._forget_stats()

    # -- reading ----------------------------------------------------------------------------
    def _search(self, body: dict[str, Any]) -> dict[str, Any]:
        self.admin.ensure()
        with engine_errors():
            return dict(self.client.search(index=self.alias, body=body))

    def region_path(self, region: str) -> tuple[str, ...]:
        """A path as given; a bare name from an indexed entry lying in or under it (cached)."""
        if "/" in region:
            return tuple(part for part in region.split("/") if part)
        cached = self._regions.get(region)
        if cached and time.monotonic() - cached[0] < REGION_TTL_SECONDS:
            return cached[1]
        body = {"size": 1, "query": {"term": {"region_names": region}}, "_source": ["region_names"]}
        hits = self._search(body)["hits"]["hits"]
        path: tuple[str, ...] = (region,)
        if hits:
            names = hits[0]["_source"]["region_names"]
            path = tuple(names[: names.index(region) + 1])
        self._regions[region] = (time.monotonic(), path)
        return path

    def _filters(self, today: date, region: str | None) -> list[dict[str, Any]]:
        filters = oq.live_filter(today)
        if region:
            filters.append(oq.region_filter(self.region_path(region)))
        return filters

    def search(self, request: SearchRequest) -> SearchResult:
        started = time.perf_counter()
        analyzed = self.analyzer.analyze_query(request.q[:MAX_QUERY_CHARS])
        if analyzed.is_empty:
            return SearchResult(request.q, 0, _ms(started), [])
        filters = self._filters(request.today, request.region)
        for field, value in (("theme", request.theme), ("department", request.department),
                             ("category", request.category)):  # fmt: skip
            if value:
                filters.append({"term": {field: value}})
        total_entries, freqs = self.stats.doc_freqs(ALL_FIELD, oq.first_tokens(analyzed))
        bonus = oq.coverage(analyzed, freqs, total_entries)
        for fields in (oq.SEARCH_FIELDS, oq.SEARCH_FIELDS_WIDE):
            groups = oq.group_queries(analyzed, fields)
            body = {
                "query": oq.combine(oq.subject_filters(filters, groups, analyzed), groups, bonus),
                "from": (request.page - 1) * request.size,
                "size": request.size,
                "track_total_hits": True,
                "_source": PAYLOAD_FIELDS,
            }
            found = self._search(body)["hits"]
            total = int(found["total"]["value"])
            if total >= FEW_RESULTS:
                break
        terms = [t.text for t in analyzed.terms]
        hits = [_hit(hit["_source"], float(hit["_score"] or 0.0), terms) for hit in found["hits"]]
        return SearchResult(request.q, total, _ms(started), hits)

    def ask(self, question: str, today: date, region: str | None = None, size: int = 5) -> list[AskMatch]:
        text = question[:MAX_QUERY_CHARS]
        analyzed = self.analyzer.analyze_query(text)
        if analyzed.is_empty:
            return []
        body = {
            "query": oq.ask_query(analyzed, self._filters(today, region), ASK_INNER_HITS),
            "size": CLUSTER_ASK_CANDIDATES,
            "_source": ["id"],
        }
        candidates = []
        for hit in self._search(body)["hits"]["hits"]:
            for inner in hit["inner_hits"]["qs"]["hits"]["hits"]:
                shown, tokens = inner["_source"]["show"], inner["_source"]["tokens"]
                candidates.append(
                    (
                        hit["_source"]["id"],
                        shown["question"],
                        shown["answer"],
                        float(inner["_score"]),
                        tokens.split(),
                    )
                )
        candidates.sort(key=lambda c: -c[3])
        candidates = candidates[:CLUSTER_ASK_CANDIDATES]
        words = {t for c in candidates for t in c[4]} | set(self.analyzer.index_tokens(text))
        total, freqs = self.stats.doc_freqs(oq.QUESTION_FIELD, sorted(words))

        def idf(token: str) -> float:
            df = freqs.get(token, 0)
            return math.log(1 + (total - df + 0.5) / (df + 0.5))

        threshold = CLUSTER_SAME_QUESTION_THRESHOLD  # the cluster's own calibration (see same_question)
        return rank_matches(self.analyzer, text, analyzed, candidates, size, idf, threshold)

    def related(self, entry_id: str, today: date, size: int = 3) -> list[RelatedHit] | None:
        live = oq.live_filter(today)
        own = self._search({"size": 1, "query": {"bool": {"filter": [*live, {"term": {"id": entry_id}}]}},
                            "_source": PAYLOAD_FIELDS})["hits"]["hits"]  # fmt: skip
        if not own:
            return None
        source = _payload(own[0]["_source"])
        groups = oq.group_queries(source_terms(self.analyzer, source), RELATED_FIELDS)
        scored = {
            "bool": {"filter": live, "should": groups, "minimum_should_match": 1, "boost": oq.BM25_SCALE}
        }
        body = {"size": RELATED_CANDIDATES, "query": oq.exclude(scored, entry_id), "_source": PAYLOAD_FIELDS}
        found = self._search(body)["hits"]["hits"] if groups else []
        picked = pick_related(source, [(float(h["_score"]), _payload(h["_source"])) for h in found], size)
        if len(picked) < size:
            rest = oq.exclude({"bool": {"filter": live}}, entry_id)
            body = {"size": size + len(picked) + 1, "query": rest, "_source": PAYLOAD_FIELDS}
            fill_related(picked, (_payload(h["_source"]) for h in self._search(body)["hits"]["hits"]), size)
        return picked

    def suggest(self, prefix: str, today: date, size: int = 8) -> list[str]:
        text = self.analyzer.normalize(prefix[:MAX_QUERY_CHARS]).strip()
        if not text:
            return []
        keys = list(dict.fromkeys([text] if not text.isascii() else [text.lower(), pinyin_initials(text)]))
        keys = [key for key in keys if key]
        if not keys:
            return []
        prefixes = {"bool": {"should": [{"prefix": {"suggest": key}} for key in keys]}}
        query = {"bool": {"filter": [*oq.live_filter(today), prefixes]}}
        hits = self._search(
            {"size": size * 3, "query": query, "_source": ["payload.title", "payload.questions"]}
        )
        out: list[str] = []
        for hit in hits["hits"]["hits"]:
            shown = hit["_source"]["payload"]
            for candidate in (shown["title"], *shown.get("questions", [])):
                if candidate in out:
                    continue
                if any(
                    candidate.startswith(key) or pinyin_initials(candidate).startswith(key) for key in keys
                ):
                    out.append(candidate)
        out.sort(key=lambda s: (not s.startswith(text), len(s)))
        return out[:size]

    def _forget_stats(self) -> None:
        self.stats.clear()
        self._regions.clear()

    # -- state --------------------------------------------------------------------------------
    def count(self) -> int:
        self.admin.ensure()
        with engine_errors():
            return int(
                self.client.count(index=self.alias, body={"query": {"term": {"kind": KIND_ENTRY}}})["count"]
            )

    def health(self) -> dict[str, Any]:
        base: dict[str, Any] = {"engine": self.name, "analyzer_version": self.analyzer.tokenization_version}
        try:
            documents = self.count()
            meta = self.admin.meta()
            with engine_errors():
                cluster = self.client.cluster.health(request_timeout=5)
        except Exception as exc:  # noqa: BLE001 - health reports, never raises
            return {**base, "status": "unavailable", "documents": 0, "index_analyzer_version": None,
                    "error": getattr(exc, "message", str(exc))}  # fmt: skip
        built = meta.get("tokenization_version")
        return {
            **base,
            "status": "ok" if built == self.analyzer.tokenization_version else "needs_reindex",
            "documents": documents,
            "index_analyzer_version": built,
            "index": self.alias_target(),
            "mapping_version": meta.get("mapping_version"),
            "cluster": {"status": cluster.get("status"), "nodes": cluster.get("number_of_nodes")},
        }

    def close(self) -> None:
        self.client.close()


def _payload(source: dict[str, Any]) -> dict[str, Any]:
    payload = dict(source["payload"])
    payload["id"] = source["id"]
    return payload


def _hit(source: dict[str, Any], score: float, terms: list[str]) -> SearchHit:
    return hit_from_payload(_payload(source), score, terms)


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


__all__ = ["OpenSearchEngine"]
