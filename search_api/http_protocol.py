"""uvicorn's httptools protocol, fitted for long user text in query strings.

Why: a caller's pasted text reaches ``GET /api/search?q=`` percent-encoded, nine bytes per Chinese
character, so the 10,000 characters the API accepts make a ~90 KB request target. httptools'
``parse_url`` keeps offsets in 16 bits and fails past 65,535 bytes; uvicorn then answered
"Invalid HTTP request received." in plain English text before the app could validate anything.
This protocol splits such a target at its first "?" itself (a path never holds one), so the app
sees the query and answers 200 or its own Chinese 422. Targets past MAX_TARGET_BYTES are refused
while they arrive (414), and every request the parser rejects gets the API's JSON error shape in
Chinese instead of plain text.
"""

from __future__ import annotations

import json
from http import HTTPStatus

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from search_api.errors import error_body

PARSE_URL_LIMIT = 65_535  # the longest target httptools.parse_url can take
# 10,000 characters of 4-byte UTF-8 percent-encoded are 120,000 bytes; the other parameters are short.
MAX_TARGET_BYTES = 256 * 1024

URI_TOO_LONG = error_body(
    "uri_too_long",
    f"请求地址过长（最多 {MAX_TARGET_BYTES // 1024} KB），请缩短检索内容或改用 POST /api/search",
)
MALFORMED = error_body("malformed_request", "无法解析的 HTTP 请求")


class TargetTooLong(Exception):
    """Raised from the parser callback; httptools turns it into an HttpParserError for uvicorn."""


class HotlineHttpToolsProtocol(HttpToolsProtocol):
    """Use as uvicorn's ``http`` class: ``http="search_api.http_protocol:HotlineHttpToolsProtocol"``."""

    target_too_long = False

    def on_url(self, url: bytes) -> None:
        if len(self.url) + len(url) > MAX_TARGET_BYTES:
            self.target_too_long = True
            raise TargetTooLong
        super().on_url(url)

    def on_headers_complete(self) -> None:
        if len(self.url) <= PARSE_URL_LIMIT:
            super().on_headers_complete()
            return
        target, _, query = self.url.partition(b"?")
        self.url = target
        super().on_headers_complete()
        # The request's task is created (or queued behind a pipelined one), not run: the app reads
        # this scope only after we return.
        self.scope["query_string"] = query.partition(b"#")[0]

    def send_400_response(self, msg: str) -> None:
        status = HTTPStatus.REQUEST_URI_TOO_LONG if self.target_too_long else HTTPStatus.BAD_REQUEST
        body = URI_TOO_LONG if self.target_too_long else MALFORMED
        payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        head = [f"HTTP/1.1 {status.value} {status.phrase}\r\n".encode("ascii")]
        for name, value in self.server_state.default_headers:
            head += [name, b": ", value, b"\r\n"]
        head += [
            b"content-type: application/json\r\n",
            b"content-length: " + str(len(payload)).encode("ascii") + b"\r\n",
            b"connection: close\r\n\r\n",
        ]
        self.transport.write(b"".join(head) + payload)
        self.transport.close()
