"""Render every failure in the one error shape ``{"error": {"code", "message", "details"}}``."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from opensearchpy.exceptions import OpenSearchException
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from indexer.opensearch_client import translate as translate_engine_error
from records.errors import AppError

log = logging.getLogger(__name__)

_HTTP_MESSAGES = {
    400: ("bad_request", "请求格式不正确"),
    401: ("unauthorized", "请先登录"),
    403: ("forbidden", "无权访问"),
    404: ("not_found", "请求的资源不存在"),
    405: ("method_not_allowed", "不支持该请求方法"),
    413: ("payload_too_large", "请求内容过大"),
    415: ("unsupported_media_type", "不支持的内容类型"),
    429: ("too_many_requests", "请求过于频繁，请稍后再试"),
    503: ("service_unavailable", "服务暂时不可用，请稍后重试"),
}


_OUT_OF_RANGE = "提交的值无法保存（如数值超出允许范围），未做任何更改"


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        if loc and loc[0] in ("body", "query", "path", "header", "cookie"):  # where, not which field
            loc = loc[1:]
        out.append({"field": ".".join(loc) or None, "type": err.get("type"), "message": _chinese(err)})
    return out


def _chinese(err: dict[str, Any]) -> str:
    kind = str(err.get("type", ""))
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return "缺少必填项"
    if kind == "json_invalid":
        return "JSON 格式错误"
    if kind.startswith("string_too_long"):
        return f"内容过长（最多 {ctx.get('max_length')} 个字符）"
    if kind.startswith("string_too_short"):
        return f"内容过短（至少 {ctx.get('min_length')} 个字符）"
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return "类型或格式不正确"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return "数值超出允许范围"
    if kind == "extra_forbidden":
        return "不允许的字段"
    return "输入不合法"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(_: Request, exc: AppError) -> JSONResponse:
        headers = getattr(exc, "headers", None)
        return JSONResponse(exc.to_dict(), status_code=exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = _field_errors(exc)
        if any(d["type"] == "json_invalid" for d in details):
            return JSONResponse(
                error_body("malformed_json", "请求体不是合法的 JSON", details), status_code=422
            )
        return JSONResponse(
            error_body("validation_failed", "输入不合法，请检查标注的字段", details), status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, message = _HTTP_MESSAGES.get(exc.status_code, ("http_error", "请求无法处理"))
        return JSONResponse(error_body(code, message), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(OperationalError)
    async def _db_down(_: Request, exc: OperationalError) -> JSONResponse:
        log.warning("database unavailable: %s", exc)
        return JSONResponse(
            error_body("database_unavailable", "数据库暂时不可用，请稍后重试"), status_code=503
        )

    @app.exception_handler(PoolTimeout)
    async def _db_busy(_: Request, exc: PoolTimeout) -> JSONResponse:
        # Every pooled connection stayed busy for pool_timeout (records.db): as unavailable as down.
        log.warning("database connection pool exhausted: %s", exc)
        return JSONResponse(
            error_body("database_unavailable", "数据库暂时不可用，请稍后重试"), status_code=503
        )

    @app.exception_handler(OverflowError)
    async def _overflow(_: Request, exc: OverflowError) -> JSONResponse:
        # SQLite's driver refuses an integer past 64 bits before the database sees it.
        return JSONResponse(error_body("invalid_value", _OUT_OF_RANGE), status_code=422)

    @app.exception_handler(DBAPIError)
    async def _db_error(_: Request, exc: DBAPIError) -> JSONResponse:
        # InterfaceError: the driver found its connection already closed (the server went away).
        if exc.connection_invalidated or isinstance(exc, InterfaceError):
            return JSONResponse(
                error_body("database_unavailable", "数据库暂时不可用，请稍后重试"), status_code=503
            )
        if isinstance(exc, DataError):  # the value itself (a number past the column's range)
            return JSONResponse(error_body("invalid_value", _OUT_OF_RANGE), status_code=422)
        log.exception("database error")
        return JSONResponse(error_body("database_error", "数据写入失败，未做任何更改"), status_code=500)

    @app.exception_handler(OpenSearchException)
    async def _engine_error(_: Request, exc: OpenSearchException) -> JSONResponse:
        # The engine translates its failures itself; this catches any that slip through, so an
        # engine error is a 503/502 with a Chinese message, never a 500 or an empty result.
        error = translate_engine_error(exc)
        return JSONResponse(error.to_dict(), status_code=error.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return JSONResponse(error_body("internal_error", "服务内部错误"), status_code=500)
