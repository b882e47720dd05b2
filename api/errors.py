"""Typed domain errors, schema errors and HTTP errors → one JSON shape for API requests, a Chinese error page
(api/pages/error_pages.py) for everything a browser opens; internals never leak."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, make_response, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from signer.core import errors as e
from signer.core.errors import ErrorCode
from signer.core.metrics import API_ERRORS

from .pages.error_pages import error_page

log = logging.getLogger(__name__)
API_PREFIXES = ("/api/", "/pki/", "/socket.io/")
FALLBACK_PAGE = ('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>服务器内部错误</title>'
                 '</head><body><h1>服务器内部错误</h1><p>服务器出了点问题，请稍后再试。</p>'
                 '<p><a href="/">返回首页</a></p></body></html>')

STATUS = {
    e.ValidationFailed: 400,
    e.NotAuthenticated: 401,
    e.Forbidden: 403,
    e.NotFound: 404,
    e.Conflict: 409,
    e.Gone: 410,
    e.TooLarge: 413,
    e.Unprocessable: 422,
    e.RateLimited: 429,
}


def status_of(exc: e.DomainError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def error_body(code: ErrorCode | str, message: str, details: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def domain_error_response(exc: e.DomainError) -> tuple[Response, int]:
    API_ERRORS.labels(code=exc.code).inc()
    resp = jsonify(error_body(exc.code, exc.message, exc.details))
    if isinstance(exc, e.RateLimited) and "retry_after" in exc.details:
        resp.headers["Retry-After"] = str(max(1, int(exc.details["retry_after"])))
    return resp, status_of(exc)


def wants_json() -> bool:
    """An API client's request (JSON errors), not a page a person opened (HTML errors)."""
    return request.path.startswith(API_PREFIXES) or request.is_json


def page_error(status: int, message: str | None = None) -> Response:
    """The Chinese error page; if even that cannot be drawn (the database is down), a static one."""
    try:
        return error_page(status, message)
    except Exception:
        log.exception("the error page itself failed")
        return make_response(FALLBACK_PAGE, 500)


def register(app: Flask) -> None:
    @app.errorhandler(e.DomainError)
    def _domain(exc: e.DomainError):
        if not wants_json():
            API_ERRORS.labels(code=exc.code).inc()
            return page_error(status_of(exc), exc.message)
        return domain_error_response(exc)

    @app.errorhandler(ValidationError)
    def _schema(exc: ValidationError):
        details = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        API_ERRORS.labels(code=ErrorCode.VALIDATION_FAILED).inc()
        return jsonify(error_body(ErrorCode.VALIDATION_FAILED, "请求参数有误", details)), 400

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if not wants_json():
            return page_error(exc.code or 500)
        code = ErrorCode.for_http(exc.name)
        message = {413: "上传的文件过大", 404: "资源不存在", 405: "不支持的请求方法"}.get(exc.code or 0, exc.name)
        API_ERRORS.labels(code=code).inc()
        return jsonify(error_body(code, message)), exc.code or 500

    @app.errorhandler(Exception)
    def _internal(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        API_ERRORS.labels(code=ErrorCode.INTERNAL).inc()
        if not wants_json():
            return page_error(500)
        return jsonify(error_body(ErrorCode.INTERNAL, "服务器内部错误")), 500
