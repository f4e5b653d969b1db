"""Refuse, before any route runs, what no route can handle: oversized bodies and unencodable text.

Why one ASGI middleware instead of a check per field:
- A body is read whole by FastAPI before validation, so a 300 MB POST cost ~1.3 GB of memory
  before its 422. The guard stops reading at ``max_body_bytes`` and answers 413.
- A lone UTF-16 surrogate ("\\ud800" in JSON) passes pydantic in unconstrained strings (list
  items), was stored, and then broke every later response that serialised the record (a 500 on
  the saved entry, for good). No field of the API has a use for one, so a JSON body holding one
  anywhere gets 422 ``invalid_characters`` naming the field, for every route at once.
NUL and other control characters are the fields' own business (the desk names them per field);
a value the database itself refuses (NUL or an out-of-range number on PostgreSQL) is a 422 of
search_api.errors.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from search_api.errors import error_body

__all__ = ["RequestGuard", "has_lone_surrogate"]

_BAD = "请求中含有无法识别的字符（不成对的代理字符），请删除后重试"


def has_lone_surrogate(text: str) -> bool:
    """A UTF-16 surrogate on its own (JSON decodes a proper pair to one character, never to these)."""
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def _strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(field path, text) of every key and string value, e.g. ("keywords.0", "…")."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            inner = f"{path}.{key}" if path else str(key)
            yield inner, str(key)
            yield from _strings(item, inner)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}.{index}" if path else str(index))


# How a surrogate reaches a JSON body: as an escape (raw UTF-8 cannot encode one). A body without
# such an escape, nearly all of them, is not parsed a second time.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _bad_fields(body: bytes, content_type: str) -> list[str]:
    if not content_type.startswith("application/json") or not _SURROGATE_ESCAPE.search(body):
        return []
    try:
        parsed = json.loads(body)
    except ValueError:  # not JSON, or not UTF-8: the route answers malformed_json itself
        return []
    bad = (path for path, text in _strings(parsed) if has_lone_surrogate(text))
    # A key may itself be the bad text: written out as \ud83d so the answer can be encoded.
    return list(dict.fromkeys(p.encode("utf-8", "backslashreplace").decode("utf-8") for p in bad))


class RequestGuard:
    """Pure ASGI middleware (no BaseHTTPMiddleware: streaming and background tasks stay intact)."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            await _refuse(send, 413, "payload_too_large", self._too_large())
            return
        if scope.get("method") in ("GET", "HEAD", "OPTIONS", "DELETE") and not declared.strip(b"0"):
            await self.app(scope, receive, send)
            return
        body, more = bytearray(), True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_body_bytes:
                await _refuse(send, 413, "payload_too_large", self._too_large())
                return
        content_type = headers.get(b"content-type", b"").decode("latin-1").lower()
        bad = _bad_fields(bytes(body), content_type) if body else []
        if bad:
            details = [
                {"field": field or None, "type": "invalid_characters", "message": _BAD} for field in bad
            ]
            await _refuse(send, 422, "invalid_characters", _BAD, details)
            return
        await self.app(scope, _replay(bytes(body), receive), send)

    def _too_large(self) -> str:
        return f"请求内容过大（最多 {self.max_body_bytes // 1024} KB）"


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body already read, as one message; then whatever the client sends next (disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _refuse(send: Send, status: int, code: str, message: str, details: Any = None) -> None:
    payload = json.dumps(error_body(code, message, details), ensure_ascii=False).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
