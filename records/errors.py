"""The one error hierarchy of the service, and the one JSON shape every error takes.

    AppError                       (status 400)
     ├── ValidationFailed          (422)  要素不全 / malformed input; details name each field
     ├── NotFound                  (404)
     ├── Unauthorized              (401)
     ├── Forbidden                 (403)  role or department ownership
     ├── Conflict                  (409)  illegal transition, stale lock_version, duplicate
     ├── TooManyRequests           (429)
     └── ServiceUnavailable        (503)  store or engine down: fail fast, never look like "no results"

Every error carries a stable machine-readable ``code`` and a Chinese ``message``; the API renders
``{"error": {"code", "message", "details"}}``. Domain code raises these; it never builds HTTP
responses, so the CLI and the API report the same words.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AppError",
    "Conflict",
    "Forbidden",
    "NotFound",
    "ServiceUnavailable",
    "TooManyRequests",
    "Unauthorized",
    "ValidationFailed",
]


class AppError(Exception):
    status_code: int = 400
    default_code: str = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class ValidationFailed(AppError):
    status_code = 422
    default_code = "validation_failed"


class NotFound(AppError):
    status_code = 404
    default_code = "not_found"


class Unauthorized(AppError):
    status_code = 401
    default_code = "unauthorized"


class Forbidden(AppError):
    status_code = 403
    default_code = "forbidden"


class Conflict(AppError):
    status_code = 409
    default_code = "conflict"


class TooManyRequests(AppError):
    status_code = 429
    default_code = "too_many_requests"


class ServiceUnavailable(AppError):
    status_code = 503
    default_code = "service_unavailable"
