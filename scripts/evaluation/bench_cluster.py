"""Cluster figures for ``scripts/bench --engine opensearch --url URL`` (printed, never asserted).

What it measures, on one running OpenSearch (1 node for the issue's figures):
- a full alias-swap reindex (``indexer.opensearch_reindex.rebuild_cluster``) of every entry in the
  store: total seconds, and the bulk phase's entries/s end to end (store read, jieba analysis in a
  process pool, bulk requests, refresh);
- ``/api/search`` on ``hotline serve --workers N`` against that index, one client and C clients,
  next to the very same search bodies sent straight to OpenSearch with opensearch-py (recorded
  from the engine's own query builder), so the service's overhead is the ratio of the two.

Both load generators are the same Python threads on the same HTTP library: urllib3, which
opensearch-py itself uses for the raw DSL; the API side parses each JSON answer as opensearch-py
does. (httpx, used before, spent ~0.45 ms more CPU per request than urllib3 on the same 2 cores
that serve both sides, which counted against the service under load.)
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import urllib3

from evaluation import loadgen, machine, querymix
from evaluation.server import Server, hotline
from evaluation.store import pending_outbox

HERE = Path(__file__).resolve().parents[1]
DSL_QUERIES = 400
ONE_CLIENT_REQUESTS = 300
ROUNDS = 4  # turns per load level, see _alternating
WARM_CONNECTIONS = 8  # with 2 workers, all 8 on one worker has odds 1 in 128


def log(message: str) -> None:
    import sys

    print(message, file=sys.stderr, flush=True)


def copy_store(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy even if the source is open elsewhere."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def prepare_store(data_dir: Path, entries: int, seed: int, prepare: Callable[..., dict[str, Any]]) -> None:
    """Reuse the embedded bench's imported store when there is one (importing 100k takes minutes)."""
    if (data_dir / "hotline.db").is_file():
        return
    embedded = Path(f"/tmp/hotline-bench-{entries}")
    marker = embedded / "bench.json"
    if marker.is_file() and f'"entries": {entries}' in marker.read_text():
        log(f"copying the store of {embedded}")
        copy_store(embedded / "hotline.db", data_dir / "hotline.db")
        return
    prepare(data_dir, entries, seed)


def timed_reindex(data_dir: Path, url: str, index: str) -> dict[str, Any]:
    from analyzers.pipeline import Analyzer
    from indexer.opensearch_reindex import rebuild_cluster
    from records.db import make_engine
    from search_api.settings import Settings

    settings = Settings(data_dir=data_dir, search_url=url, index_name=index)
    db = make_engine(settings.effective_database_url)
    marks: dict[str, float] = {}

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        marks.setdefault("first", now)
        marks["last"] = now
        marks["total"] = total

    try:
        result = rebuild_cluster(db, settings, Analyzer(poll_seconds=None), progress)
    finally:
        db.dispose()
    bulk_seconds = marks["last"] - marks["first"]
    return {
        "documents": result.documents,
        "seconds": result.seconds,
        "bulk_seconds": bulk_seconds,
        "per_second": result.documents / bulk_seconds if bulk_seconds else float("nan"),
        "index": result.index,
    }


def recorded_dsl(url: str, index: str, mix: querymix.Mix, today: date) -> list[list[dict[str, Any]]]:
    """The search bodies our engine sends per query (second run: its term statistics are cached)."""
    from analyzers.pipeline import Analyzer
    from indexer.engine import SearchRequest
    from indexer.opensearch_engine import OpenSearchEngine

    engine = OpenSearchEngine(url, Analyzer(poll_seconds=None), index_name=index)
    calls: list[dict[str, Any]] = []
    original = engine.client.search

    def recording(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("index") == index:
            calls.append(kwargs["body"])
        return original(*args, **kwargs)

    engine.client.search = recording  # type: ignore[method-assign]
    out = []
    for q, region in mix.searches[:DSL_QUERIES]:
        request = SearchRequest(q=q, today=today, region=region)
        engine.search(request)
        calls.clear()
        engine.search(request)
        out.append(list(calls))
    engine.close()
    return out


def _load(calls: list[Callable[[], bool]], clients: int, seconds: float) -> tuple[list[float], int, float]:
    """``clients`` threads, each one request at a time, cycling through ``calls`` for ``seconds``:
    (milliseconds of each answered request, failed requests, seconds elapsed)."""
    millis: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker(offset: int) -> None:
        nonlocal errors
        mine, failed, i = [], 0, offset
        while time.perf_counter() < deadline:
            i = (i + 1) % len(calls)
            started = time.perf_counter()
            try:
                ok = calls[i]()
            except Exception:  # noqa: BLE001 - counted
                ok = False
            if ok:
                mine.append((time.perf_counter() - started) * 1000)
            else:
                failed += 1
        with lock:
            millis.extend(mine)
            errors += failed

    started = time.perf_counter()
    _in_threads(worker, clients, 37)
    return millis, errors, time.perf_counter() - started


def _in_threads(work: Callable[[int], None], count: int, stride: int) -> None:
    """``work(n * stride)`` for n < ``count``, in as many threads at once (each thread starts at
    its own place in the query list); returns when all have."""
    threads = [threading.Thread(target=work, args=(n * stride,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _alternating(
    sides: tuple[tuple[str, list[Callable[[], bool]]], ...], clients: int, seconds: float
) -> dict[str, dict[str, Any]]:
    """Both sides, ROUNDS times in turn, ``seconds`` per side in all; one summary per side.

    Why in turns: this VM's speed drifts by up to ±12 % between identical runs; a drift during
    one long run of one side would land in the ratio, while turns share it between the sides."""
    runs: dict[str, list[tuple[list[float], int, float]]] = {name: [] for name, _ in sides}
    for _ in range(ROUNDS):
        for name, calls in sides:
            runs[name].append(_load(calls, clients, seconds / ROUNDS))
    out = {}
    for name, parts in runs.items():
        millis = [m for part, _, _ in parts for m in part]
        elapsed = sum(spent for _, _, spent in parts)
        out[name] = {
            "clients": clients,
            "requests": len(millis),
            "errors": sum(errors for _, errors, _ in parts),
            "per_second": len(millis) / elapsed,
            "p50": loadgen.percentile(millis, 0.5),
            "p95": loadgen.percentile(millis, 0.95),
        }
    return out


def _warm(calls: list[Callable[[], bool]], connections: int) -> None:
    """Every query once per connection, ``connections`` at a time.

    Why several connections: the service caches term statistics per token in each worker process
    (the raw DSL was recorded with them cached), and one connection reaches one worker only; a
    worker left cold would send an extra statistics search for each query's first request."""

    def walk(start: int) -> None:
        for i in range(len(calls)):
            calls[(start + i) % len(calls)]()

    _in_threads(walk, connections, 53)


def measure_search(
    base: str, url: str, index: str, mix: querymix.Mix, clients: int, seconds: float
) -> dict[str, Any]:
    from opensearchpy import OpenSearch

    dsl = recorded_dsl(url, index, mix, date.today())
    raw_client = OpenSearch(url.split(","), timeout=10, pool_maxsize=max(clients, 10))
    api_pool = urllib3.connection_from_url(base, maxsize=max(clients, 10), timeout=10, retries=False)

    def api_call(path: str) -> Callable[[], bool]:
        def call() -> bool:
            response = api_pool.request("GET", path)
            json.loads(response.data)
            return bool(response.status == 200)

        return call

    def raw_call(bodies: list[dict[str, Any]]) -> Callable[[], bool]:
        def call() -> bool:
            for body in bodies:
                raw_client.search(index=index, body=body)
            return True

        return call

    paths = mix.search_paths()[:DSL_QUERIES]
    api_calls = [api_call(p) for p in paths]
    raw_calls = [raw_call(b) for b in dsl]
    results: dict[str, Any] = {"queries": len(paths), "bodies_per_search": sum(map(len, dsl)) / len(dsl)}
    sides = (("api", api_calls), ("raw", raw_calls))
    for _, calls in sides:  # both sides run steady-state: see _warm
        _warm(calls, WARM_CONNECTIONS)
    # Each load level runs on both sides in turns (not all of one side, then the other): a node that
    # has just indexed 100k entries keeps warming up for minutes, which would favour the later side.
    for count in (1, clients):
        chosen = tuple((name, calls[:ONE_CLIENT_REQUESTS] if count == 1 else calls) for name, calls in sides)
        span = min(seconds, 10) if count == 1 else seconds
        for name, summary in _alternating(chosen, count, span).items():
            results[f"{name}_{count}"] = summary
    return results


def run(args: Any, prepare: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    url = args.url or os.environ.get("SEARCH_URL", "")
    if not url:
        raise SystemExit("--engine opensearch needs --url (or SEARCH_URL) of a running cluster")
    data_dir = args.data_dir or Path(f"/tmp/hotline-bench-{args.entries}-cluster")
    index = args.index_name
    prepare_store(data_dir, args.entries, args.seed, prepare)
    hotline(data_dir, "migrate")  # a copied store may predate the newest migration
    results: dict[str, Any] = {"machine": machine.describe(), "entries": args.entries, "url": url}
    if not args.skip_reindex:  # --skip-reindex: measure searches on the index built last time
        log("timing the alias-swap reindex")
        results["reindex"] = timed_reindex(data_dir, url, index)
    os.environ.update({"SEARCH_URL": url, "INDEX_NAME": index})  # inherited by hotline serve
    server = Server(data_dir, args.workers, data_dir / "bench-serve.log")
    try:
        server.wait_ready()
        from records.db import make_engine

        db = make_engine(f"sqlite:///{data_dir / 'hotline.db'}")
        while pending_outbox(db):
            time.sleep(0.5)
        db.dispose()
        mix = querymix.build(querymix.load_generator(HERE / "gen_synthetic"), 2000)
        log(f"/api/search vs raw DSL, 1 and {args.clients} clients, {args.duration} s each")
        results["search"] = measure_search(server.base, url, index, mix, args.clients, args.duration)
    finally:
        server.stop()
    results["machine"]["load_after"] = machine.load_average()
    return results


def table(results: dict[str, Any], workers: int) -> str:
    rows = ["| figure | measured | target | |", "| --- | --- | --- | --- |"]
    if "reindex" in results:
        rows.extend(_reindex_rows(results["reindex"]))
    rows.extend(_search_rows(results["search"], workers))
    return "\n".join(rows)


def _reindex_rows(r: dict[str, Any]) -> list[str]:
    rows = []
    rate, total = r["per_second"], r["seconds"]
    rows.append(
        f"| bulk indexing, end to end (store → analysis pool → bulk), {r['documents']:,} entries "
        f"| {rate:,.0f} entries/s ({r['bulk_seconds']:.1f} s) | ≥ 1,500/s | {_verdict(rate >= 1500)} |"
    )
    rows.append(
        f"| full alias-swap reindex (rebuild_cluster) | {total:.1f} s | ≤ 180 s | {_verdict(total <= 180)} |"
    )
    return rows


def _search_rows(s: dict[str, Any], workers: int) -> list[str]:
    rows = []
    clients = max(int(k.split("_")[1]) for k in s if k.startswith("api_"))
    for n in (1, clients):
        api, raw = s[f"api_{n}"], s[f"raw_{n}"]
        ratio = api["p50"] / raw["p50"] if raw["p50"] else float("nan")
        label = f"{n} client{'s' if n > 1 else ''}"
        rows.append(
            f"| `/api/search` {label} (serve --workers {workers}): p50 / p95, searches/s, errors "
            f"| {api['p50']:.1f} / {api['p95']:.1f} ms, {api['per_second']:.0f}/s, {api['errors']} | | |"
        )
        rows.append(
            f"| same DSL straight to OpenSearch (opensearch-py), {label}: p50 / p95, searches/s, errors "
            f"| {raw['p50']:.1f} / {raw['p95']:.1f} ms, {raw['per_second']:.0f}/s, {raw['errors']} | | |"
        )
        if n == clients:  # the figure: the overhead under the concurrent load
            verdict = _verdict(ratio <= 1.3)
            rows.append(f"| overhead at p50, {label} | {ratio:.2f}× raw | ≤ 1.3× | {verdict} |")
        else:  # one client: a fixed few ms of HTTP and Python against a ~10 ms query, shown for reference
            rows.append(f"| overhead at p50, {label} (reference) | {ratio:.2f}× raw | | |")
    return rows


def _verdict(ok: bool) -> str:
    return "meets" if ok else "SHORT"
