"""The embedded search engine: tantivy over Analyzer tokens, one directory per build.

Why this shape: API workers only read; the single writer (the outbox worker in the process that
holds writer.lock, or a rebuild writing a fresh directory) commits, and readers notice a new
commit or a switched CURRENT by a cheap stat at most every ``refresh_seconds``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import tantivy

from analyzers import index_state
from analyzers.types import AnalyzedQuery
from indexer import layout
from indexer import tantivy_query as tq
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
from indexer.same_question import rank_matches
from indexer.tantivy_schema import (
    KIND_ENTRY,
    KIND_QUESTION,
    KIND_TOMBSTONE,
    DocBuilder,
    build_schema,
    yyyymmdd,
)
from indexer.textutil import hit_from_payload, pinyin_initials

WRITER_HEAP = 128_000_000
# A full rebuild's writer gets more memory: the whole index then flushes as one segment instead
# of several that are merged again (100k entries: 62 -> 55 s, 114 -> 100 CPU-s, one segment
# for searches to walk). Only the short-lived `hotline reindex` process holds it.
REBUILD_WRITER_HEAP = 512_000_000
FEW_RESULTS = 3  # fewer hits than this from the scored fields: retry including all words


class TantivyEngine:
    name = "tantivy"
    in_process = True

    def __init__(
        self,
        root: Path,
        analyzer: Any,
        *,
        index_name: str = "entries",
        writable: bool = False,
        refresh_seconds: float = 0.1,
        directory: Path | None = None,
        writer_heap: int = WRITER_HEAP,
    ) -> None:
        """``directory``: write into this exact directory (a rebuild), ignoring CURRENT."""
        self.root = root
        self.analyzer = analyzer
        self.index_name = index_name
        self.writable = writable
        self.refresh_seconds = refresh_seconds
        self.schema = build_schema()
        self.builder = DocBuilder(analyzer.index_tokens)
        self._fixed = directory
        self._writer_heap = writer_heap
        self._lock = threading.Lock()
        self._writer: tantivy.IndexWriter | None = None
        self._pending: dict[str, int] = {}
        self._regions: dict[str, tuple[str, ...]] = {}
        self._checked = 0.0
        self._totals: dict[tuple[Path, int, str], int] = {}
        self._expired: dict[tuple[Path, int, str, int], bool] = {}
        self._dir, self._index, self._stamp = self._open()

    # -- directory and reader state ---------------------------------------------------------
    def _open(self) -> tuple[Path, tantivy.Index, int]:
        if self._fixed is not None:
            path = self._fixed
            index = tantivy.Index(self.schema, path=str(path), reuse=True)
        else:
            with layout.LayoutLock(self.root):
                found = layout.current_dir(self.root)
                if found is None:
                    found = layout.new_dir(self.root, self.index_name)
                    tantivy.Index(self.schema, path=str(found))
                    layout.write_analyzer_version(found, self.analyzer.tokenization_version)
                    index_state.record_index_build(self.root, self.analyzer)
                    layout.switch(self.root, found)
                path = found
            index = tantivy.Index.open(str(path))
        self._load_regions(index)
        return path, index, self._meta_stamp(path)

    @staticmethod
    def _meta_stamp(path: Path) -> int:
        try:
            return (path / "meta.json").stat().st_mtime_ns
        except OSError:
            return 0

    def _load_regions(self, index: tantivy.Index) -> None:
        """name → path for every region some entry lies in or under, for bare-name filters."""
        regions = {}
        for term, _ in index.searcher().terms_with_prefix("region_anc", ""):
            path = tuple(term.split("/"))
            regions[path[-1]] = path
        self._regions = regions

    def refresh(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._checked < self.refresh_seconds:
            return
        with self._lock:
            self._checked = now
            if self._fixed is None and layout.current_dir(self.root) not in (None, self._dir):
                self._writer = None  # release the old directory's tantivy lock
                self._pending.clear()
                self._dir, self._index, self._stamp = self._open()
                return
            stamp = self._meta_stamp(self._dir)
            if stamp != self._stamp:
                self._index.reload()
                self._stamp = stamp
                self._load_regions(self._index)

    def searcher(self) -> tantivy.Searcher:
        self.refresh()
        return self._index.searcher()

    @property
    def directory(self) -> Path:
        return self._dir

    # -- writing ----------------------------------------------------------------------------
    def _get_writer(self) -> tantivy.IndexWriter:
        if not self.writable:
            raise RuntimeError("this engine instance is read-only (another process holds writer.lock)")
        self.refresh(force=True)  # a rebuild may have switched CURRENT: write where readers read
        if self._writer is None:
            self._writer = self._index.writer(self._writer_heap, 1)
        return self._writer

    def indexed_versions(self, ids: Iterable[str]) -> dict[str, int]:
        """Current version per id (entry or tombstone), including uncommitted writes."""
        wanted = sorted(set(ids))
        found: dict[str, int] = {}
        if wanted:
            query = tq.Query.boolean_query(
                [
                    (tq.Occur.Must, tq.Query.term_set_query(self.schema, "id", wanted)),
                    (tq.Occur.MustNot, tq.kind_filter(self.schema, KIND_QUESTION)),
                ]
            )
            searcher = self._index.searcher()
            hits = searcher.search(query, limit=len(wanted) * 2 + 1, count=False).hits
            addresses = [address for _, address in hits]
            versions = searcher.fast_field_values("version", addresses)
            for address, version in zip(addresses, versions, strict=True):
                doc_id = str(searcher.doc(address).get_first("id"))
                found[doc_id] = max(found.get(doc_id, 0), int(version or 0))
        for doc_id in wanted:
            if doc_id in self._pending:
                found[doc_id] = self._pending[doc_id]
        return found

    def index(self, docs: list[IndexDoc]) -> IndexOutcome:
        writer = self._get_writer()
        known = self.indexed_versions(d.id for d in docs)
        applied = skipped = 0
        for doc in docs:
            if doc.version <= known.get(doc.id, 0):
                skipped += 1
                continue
            writer.delete_documents_by_term("id", doc.id)
            for item in self.builder.documents(doc):
                writer.add_json(item)
            known[doc.id] = self._pending[doc.id] = doc.version
            applied += 1
        return IndexOutcome(applied, skipped)

    def add_fresh(self, documents: Iterable[str]) -> None:
        """Bulk path for a rebuild into an empty directory: prepared JSON, no version look-ups
        (indexer.fresh_build decides the order)."""
        writer = self._get_writer()
        for item in documents:
            writer.add_json(item)

    def delete(self, doc_ids: list[tuple[str, int]]) -> IndexOutcome:
        writer = self._get_writer()
        known = self.indexed_versions(d for d, _ in doc_ids)
        applied = skipped = 0
        for doc_id, version in doc_ids:
            if version < known.get(doc_id, 0):
                skipped += 1
                continue
            writer.delete_documents_by_term("id", doc_id)
            writer.add_json(DocBuilder.tombstone(doc_id, version))
            known[doc_id] = self._pending[doc_id] = version
            applied += 1
        return IndexOutcome(applied, skipped)

    def commit(self) -> None:
        if self._writer is None:
            return
        self._writer.commit()
        self._pending.clear()
        self._index.reload()
        self.refresh(force=True)

    def rollback(self) -> None:
        """Drop uncommitted writes after a failed batch (the outbox rows stay for a retry)."""
        if self._writer is not None:
            self._writer.rollback()
        self._pending.clear()

    def finish_build(self) -> None:
        """Commit, merge, and stamp the analyzer version of a rebuilt directory."""
        self.commit()
        if self._writer is not None:
            self._writer.wait_merging_threads()
            self._writer = None
        layout.write_analyzer_version(self._dir, self.analyzer.tokenization_version)

    # -- reading ----------------------------------------------------------------------------
    def region_path(self, region: str) -> tuple[str, ...]:
        if "/" in region:
            return tuple(part for part in region.split("/") if part)
        self.refresh()
        return self._regions.get(region, (region,))

    def _filters(self, kind: str, today: date, region: str | None) -> list[tantivy.Query]:
        return [tq.kind_filter(self.schema, kind), *self._scoped(kind, today, region)]

    def _scoped(self, kind: str, today: date, region: str | None) -> list[tantivy.Query]:
        """Expiry and region filters, without the kind filter (for queries whose scored fields
        exist only on documents of ``kind``, where that filter would be pure cost)."""
        filters = self._unexpired(kind, today)
        if region:
            filters.append(tq.region_filter(self.schema, self.region_path(region)))
        return filters

    def _unexpired(self, kind: str, today: date) -> list[tantivy.Query]:
        """The eff_to filter, only while some document of ``kind`` in this generation has expired.

        Why: the range filter walks the eff_to column of every document (~0.9 ms at 100k
        entries), yet the worker removes expired entries within a second, so nearly always no
        document would be filtered. Checked once per index generation and day."""
        key = (self._dir, self._stamp, kind, today.toordinal())
        found = self._expired.get(key)
        if found is None:
            query = tq.expired(self.schema, kind, yyyymmdd(today))
            found = _count(self._index.searcher().search(query, limit=1, count=True)) > 0
            self._expired = {k: v for k, v in self._expired.items() if k[:2] == key[:2]}
            self._expired[key] = found
        return [tq.unexpired(self.schema, yyyymmdd(today))] if found else []

    def search(self, request: SearchRequest) -> SearchResult:
        started = time.perf_counter()
        analyzed = self.analyzer.analyze_query(request.q[:MAX_QUERY_CHARS])
        if analyzed.is_empty:
            return SearchResult(request.q, 0, _ms(started), [])
        searcher = self.searcher()
        # The scored fields exist only on entry documents: no kind filter needed.
        filters = self._scoped(KIND_ENTRY, request.today, request.region)
        for field, value in (
            ("theme", request.theme),
            ("department", request.department),
            ("category", request.category),
        ):
            if value:
                filters.append(tq.Query.term_query(self.schema, field, value))
        offset = (request.page - 1) * request.size
        for query, enough in self._attempts(searcher, analyzed, filters, offset + request.size):
            result = searcher.search(query, limit=request.size, offset=offset, count=True)
            total = _count(result)
            if total >= enough:
                break
        terms = tuple(dict.fromkeys(t.text for t in analyzed.terms))
        hits = [self._hit(searcher, score, address, terms) for score, address in result.hits]
        return SearchResult(request.q, total, _ms(started), hits)

    def _attempts(
        self, searcher: tantivy.Searcher, analyzed: AnalyzedQuery, filters: list[tantivy.Query], page_end: int
    ) -> Iterator[tuple[tantivy.Query, int]]:
        """The queries to try in turn, each with the hit count that makes it the answer.

        Per field set: the rare words alone when a page's worth of entries hold them (see
        tq.COMMON_SHARE), then the whole query; words found only in answers or original text
        widen to the all-words field when the short fields find (almost) nothing. Intent words
        (办理, 材料) never make a hit alone: the groups naming the matter are required
        (AnalyzedQuery.subject_groups)."""
        entries = self._entry_total(searcher)
        coverage = tq.coverage_weights(self.schema, searcher, analyzed, entries)
        subject = analyzed.subject_groups(tq.MAX_GROUPS)
        for fields in (tq.SEARCH_FIELDS, tq.SEARCH_FIELDS_WIDE):
            groups = tq.group_queries(self.schema, analyzed, fields)
            common = tq.common_groups(searcher, analyzed, fields, entries)
            if common:
                names = subject or [True] * len(common)
                rare = [
                    not is_common and names_matter
                    for is_common, names_matter in zip(common, names, strict=True)
                ]
                if any(rare):
                    yield tq.combine_discriminating(filters, groups, rare, coverage), page_end
            if subject:
                yield tq.combine_required(filters, groups, subject, coverage), FEW_RESULTS
            else:
                minimum = tq.minimum_should_match(len(groups))
                yield tq.combine(filters, groups, minimum, None, coverage), FEW_RESULTS

    @staticmethod
    def _payload(searcher: tantivy.Searcher, address: tantivy.DocAddress) -> dict[str, Any]:
        doc = searcher.doc(address)
        payload: dict[str, Any] = orjson.loads(doc.get_first("payload") or b"{}")
        payload["id"] = doc.get_first("id")
        return payload

    def _hit(
        self, searcher: tantivy.Searcher, score: float, address: tantivy.DocAddress, terms: tuple[str, ...]
    ) -> SearchHit:
        return hit_from_payload(self._payload(searcher, address), score, terms)

    def ask(self, question: str, today: date, region: str | None = None, size: int = 5) -> list[AskMatch]:
        from indexer import ask_candidates as ac

        text = question[:MAX_QUERY_CHARS]
        analyzed = self.analyzer.analyze_query(text)
        if analyzed.is_empty:
            return []
        searcher = self.searcher()
        # qtext_t exists only on question documents: expiry and region filters, no kind filter
        query = ac.candidate_query(self.schema, analyzed, self._scoped(KIND_QUESTION, today, region))
        candidates, refs = ac.collect(searcher, query, size)
        idf = ac.idf_lookup(searcher, self._question_total(searcher))
        matches = rank_matches(self.analyzer, text, analyzed, candidates, size, idf)
        return ac.with_answers(matches, refs, lambda entry_id: self.entry_payload(searcher, entry_id))

    def entry_payload(
        self, searcher: tantivy.Searcher, entry_id: str, filters: list[tantivy.Query] | None = None
    ) -> dict[str, Any] | None:
        """The stored payload of one entry document, if it passes ``filters`` (default: the kind
        filter alone, which skips the entry's question documents)."""
        scope = filters if filters is not None else [tq.kind_filter(self.schema, KIND_ENTRY)]
        query = tq.combine(scope, [tq.Query.term_query(self.schema, "id", entry_id)], None)
        found = searcher.search(query, limit=1, count=False).hits
        return self._payload(searcher, found[0][1]) if found else None

    def related(self, entry_id: str, today: date, size: int = 3) -> list[RelatedHit] | None:
        from indexer.related import find_related

        return find_related(self, entry_id, today, size)

    def suggest(self, prefix: str, today: date, size: int = 8) -> list[str]:
        text = self.analyzer.normalize(prefix[:MAX_QUERY_CHARS]).strip()
        if not text:
            return []
        live = tq.combine(
            tq.live_filter(self.schema, KIND_ENTRY, yyyymmdd(today)), [tq.Query.all_query()], None
        )
        searcher = self.searcher()
        out: list[str] = []
        keys = [text] if not text.isascii() else [text.lower(), pinyin_initials(text)]
        for key in dict.fromkeys(keys):
            for term, _count in searcher.terms_with_prefix("suggest", key, filter_query=live, limit=size * 3):
                shown = term.split("\x1f", 1)[1] if "\x1f" in term else term
                if shown not in out:
                    out.append(shown)
        out.sort(key=lambda s: (not s.startswith(text), len(s)))
        return out[:size]

    def _question_total(self, searcher: tantivy.Searcher) -> int:
        return self._total(KIND_QUESTION, searcher)

    def _entry_total(self, searcher: tantivy.Searcher) -> int:
        return self._total(KIND_ENTRY, searcher)

    def _total(self, kind: str, searcher: tantivy.Searcher) -> int:
        """Number of docs of a kind for IDF, counted once per index generation."""
        key = (self._dir, self._stamp, kind)
        if key not in self._totals:
            self._totals = {k: v for k, v in self._totals.items() if k[:2] == key[:2]}
            self._totals[key] = max(self.count(kind, searcher), 1)
        return self._totals[key]

    def count(self, kind: str = KIND_ENTRY, searcher: tantivy.Searcher | None = None) -> int:
        searcher = searcher or self.searcher()
        return _count(searcher.search(tq.kind_filter(self.schema, kind), limit=1, count=True))

    def health(self) -> dict[str, Any]:
        built = layout.read_analyzer_version(self._dir)
        marker = index_state.needs_reindex(self.root)
        stale = built != self.analyzer.tokenization_version or marker is not None
        return {
            "status": "needs_reindex" if stale else "ok",
            "engine": self.name,
            "documents": self.count(),
            "directory": self._dir.name,
            "writer": self.writable,
            "analyzer_version": self.analyzer.tokenization_version,
            "index_analyzer_version": built,
        }

    def close(self) -> None:
        with self._lock:
            self._writer = None


def _count(result: tantivy.SearchResult) -> int:
    """Matching documents (the stub lacks ``count``; it is set because searches pass count=True)."""
    return int(getattr(result, "count", 0) or 0)


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


__all__ = ["KIND_TOMBSTONE", "TantivyEngine"]
