"""Typed domain errors, schema errors and HTTP errors → one JSON shape; internals never leak."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from signer.core import errors as e
from signer.core.errors import ErrorCode
from signer.core.metrics import API_ERRORS

log = logging.getLogger(__name__)

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


def register(app: Flask) -> None:
    @app.errorhandler(e.DomainError)
    def _domain(exc: e.DomainError):
        return domain_error_response(exc)

    @app.errorhandler(ValidationError)
    def _schema(exc: ValidationError):
        details = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        API_ERRORS.labels(code=ErrorCode.VALIDATION_FAILED).inc()
        return jsonify(error_body(ErrorCode.VALIDATION_FAILED, "请求参数有误", details)), 400

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if not request.path.startswith(("/api/", "/pki/")):
            return exc
        code = ErrorCode.for_http(exc.name)
        message = {413: "上传的文件过大", 404: "资源不存在", 405: "不支持的请求方法"}.get(exc.code or 0, exc.name)
        API_ERRORS.labels(code=code).inc()
        return jsonify(error_body(code, message)), exc.code or 500

    @app.errorhandler(Exception)
    def _internal(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        API_ERRORS.labels(code=ErrorCode.INTERNAL).inc()
        return jsonify(error_body(ErrorCode.INTERNAL, "服务器内部错误")), 500
