"""The opensearch-py client of the cluster engine: construction, error mapping, bounded bulk.

Why one place: every engine call must turn "the cluster is down" into 503 ``search_unavailable``
and "the cluster answered with an error" into 502 ``search_engine_error`` — never into an empty
result that looks like "nothing found" — and the bulk path must be bounded by count and bytes
and retry overload (429) and connection failures with backoff, whoever calls it.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import orjson
from opensearchpy import OpenSearch
from opensearchpy.exceptions import ConnectionError as OSConnectionError
from opensearchpy.exceptions import SerializationError, TransportError
from opensearchpy.serializer import JSONSerializer

from records.errors import AppError, ServiceUnavailable

log = logging.getLogger(__name__)

REQUEST_TIMEOUT = 10.0
Source = dict[str, Any] | str  # a document, or its JSON text
BULK_MAX_DOCS = 500
BULK_MAX_BYTES = 5_000_000
RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0)  # seconds before each retry of an overloaded/unreachable bulk
RETRYABLE_STATUS = frozenset({429, 502, 503, 504})
UNAVAILABLE_MESSAGE = "检索服务暂时不可用，请稍后重试"
ENGINE_ERROR_MESSAGE = "检索引擎返回错误，请稍后重试"

T = TypeVar("T")


class SearchEngineError(AppError):
    """The engine answered, but with an error (a bad gateway from the API's point of view)."""

    status_code = 502
    default_code = "search_engine_error"


def hosts(search_url: str) -> list[str]:
    """SEARCH_URL may list several node URLs separated by commas (the client fails over)."""
    return [part.strip().rstrip("/") for part in search_url.split(",") if part.strip()]


class OrjsonSerializer(JSONSerializer):
    """opensearch-py's JSON serializer on orjson.

    Why: every search answer (ten hits with their payloads) and every bulk response (an item per
    document) is parsed in the API process, on the CPUs OpenSearch itself needs on a small
    machine; orjson parses them several times faster than the standard library."""

    def loads(self, s: str) -> Any:
        try:
            return orjson.loads(s)
        except orjson.JSONDecodeError as exc:
            raise SerializationError(s, exc) from exc

    def dumps(self, data: Any) -> Any:
        if isinstance(data, str):
            return data
        try:
            return orjson.dumps(data, default=self.default).decode()
        except TypeError as exc:
            raise SerializationError(data, exc) from exc


def make_client(search_url: str, pool_size: int = 32) -> OpenSearch:
    return OpenSearch(
        serializer=OrjsonSerializer(),
        hosts=hosts(search_url),
        timeout=REQUEST_TIMEOUT,
        max_retries=2,
        retry_on_timeout=True,
        sniff_on_start=False,
        pool_maxsize=pool_size,
    )


def status_of(exc: TransportError) -> int | None:
    code = exc.status_code
    return code if isinstance(code, int) else None


def translate(exc: Exception) -> AppError:
    """Our error for an opensearch-py failure (the reason goes to details, not the message)."""
    if isinstance(exc, OSConnectionError):  # includes ConnectionTimeout
        return ServiceUnavailable(
            UNAVAILABLE_MESSAGE, code="search_unavailable", details={"reason": type(exc).__name__}
        )
    if isinstance(exc, TransportError):
        status = status_of(exc)
        reason = str(exc.error)[:300]
        if status in RETRYABLE_STATUS:
            return ServiceUnavailable(
                UNAVAILABLE_MESSAGE, code="search_unavailable", details={"status": status, "reason": reason}
            )
        return SearchEngineError(ENGINE_ERROR_MESSAGE, details={"status": status, "reason": reason})
    return SearchEngineError(ENGINE_ERROR_MESSAGE, details={"reason": type(exc).__name__})


@contextmanager
def engine_errors() -> Iterator[None]:
    try:
        yield
    except (OSConnectionError, TransportError) as exc:
        log.warning("search engine failure: %s", exc)
        raise translate(exc) from exc


def with_retries(call: Callable[[], T], delays: tuple[float, ...] = RETRY_DELAYS) -> T:
    """``call`` retried with backoff while the cluster is unreachable or overloaded."""
    for attempt in range(len(delays) + 1):
        try:
            return call()
        except (OSConnectionError, TransportError) as exc:
            retryable = isinstance(exc, OSConnectionError) or status_of(exc) in RETRYABLE_STATUS
            if not retryable or attempt == len(delays):
                raise translate(exc) from exc
            log.info("engine busy or unreachable (%s); retrying in %.1f s", exc, delays[attempt])
            time.sleep(delays[attempt])
    raise AssertionError("unreachable")


@dataclass
class BulkOutcome:
    applied: int = 0
    skipped: int = 0  # version conflicts: the index already holds this or a newer version
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (id, engine's reason)


def _chunks(items: Sequence[tuple[dict[str, Any], Source]]) -> Iterator[list[str]]:
    """NDJSON lines per request, at most BULK_MAX_DOCS documents and ~BULK_MAX_BYTES each.

    A source may come serialised already (a rebuild's worker processes do that work)."""
    lines: list[str] = []
    size = 0
    for action, source in items:
        body = source if isinstance(source, str) else orjson.dumps(source).decode()
        pair = [orjson.dumps(action).decode(), body]
        weight = sum(len(line.encode()) + 1 for line in pair)
        if lines and (len(lines) // 2 >= BULK_MAX_DOCS or size + weight > BULK_MAX_BYTES):
            yield lines
            lines, size = [], 0
        lines.extend(pair)
        size += weight
    if lines:
        yield lines


def bulk(
    client: OpenSearch,
    items: Sequence[tuple[dict[str, Any], Source]],
    delays: tuple[float, ...] = RETRY_DELAYS,
) -> BulkOutcome:
    """Send (action, source) pairs; per-item 429s are resent with backoff, 409s count as skipped."""
    outcome = BulkOutcome()
    for lines in _chunks(items):
        pending = lines
        for attempt in range(len(delays) + 1):
            body = "\n".join(pending) + "\n"
            response = with_retries(lambda body=body: client.bulk(body=body), delays)  # type: ignore[misc]
            retry: list[str] = []
            for i, item in enumerate(response["items"]):
                result = next(iter(item.values()))
                status = int(result.get("status", 500))
                if status in (200, 201):
                    outcome.applied += 1
                elif status == 409:
                    outcome.skipped += 1
                elif status in RETRYABLE_STATUS:
                    retry.extend(pending[2 * i : 2 * i + 2])
                else:
                    reason = json.dumps(result.get("error", {}), ensure_ascii=False)[:1000]
                    outcome.rejected.append((str(result.get("_id")), reason))
            if not retry:
                break
            if attempt == len(delays):
                raise ServiceUnavailable(
                    UNAVAILABLE_MESSAGE,
                    code="search_unavailable",
                    details={"reason": "bulk items rejected with 429"},
                )
            time.sleep(delays[attempt])
            pending = retry
    return outcome


__all__ = [
    "BulkOutcome",
    "SearchEngineError",
    "bulk",
    "engine_errors",
    "hosts",
    "make_client",
    "translate",
    "with_retries",
]
