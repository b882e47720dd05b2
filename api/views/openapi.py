"""The OpenAPI document, generated from the marshmallow schemas and each route's ``@doc`` (api.apidoc)."""

from __future__ import annotations

import inspect
import re
from http import HTTPStatus
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, Flask, current_app, jsonify
from marshmallow import Schema
from werkzeug.routing import Rule

from signer.core.errors import ErrorCode

from ..apidoc import Operation, operation_of
from ..schemas import (
    accounts,
    applications,
    billing,
    business,
    certificates,
    common,
    forms,
    seals,
    signing,
    verification,
)

# Every module that defines request/response schemas (one per noun); a new noun adds its own.
SCHEMA_MODULES = [common, accounts, certificates, applications, billing, seals, signing, verification, business,
                  forms]

bp = Blueprint("openapi", __name__)
PREFIXES = ("/api/v1/",)
_ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
_SKIPPED_METHODS = {"HEAD", "OPTIONS"}


def _schema_name(schema: object) -> str:
    """Components are named after their class, so a schema met first as a nested field is not added twice."""
    cls = schema if isinstance(schema, type) else type(schema)
    return cls.__name__


def _add_components(spec: APISpec) -> None:
    """Every schema class of SCHEMA_MODULES, then the components that are not a schema of a body."""
    for module in SCHEMA_MODULES:
        for name in dir(module):
            obj = getattr(module, name)
            if (isinstance(obj, type) and issubclass(obj, Schema) and obj is not Schema
                    and name not in spec.components.schemas):
                spec.components.schema(name, schema=obj)
    error_codes_component(spec)


def _path_parameters(rule: Rule, operation: Operation) -> list[dict[str, Any]]:
    choices = dict(operation.choices)
    parameters = []
    for converter, name in _ARGUMENT.findall(rule.rule):
        schema: dict[str, Any] = {"type": "integer" if converter == "int" else "string"}
        if name in choices:
            schema["enum"] = list(choices[name])
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    return parameters


def _responses(operation: Operation) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": operation.description or HTTPStatus(operation.status).phrase}
    content: dict[str, Any] = {media: {} for media in operation.produces}
    if operation.response is not None:
        content["application/json"] = {"schema": operation.response}
    if content:
        answer["content"] = content
    responses = {str(operation.status): answer}
    for error in operation.errors:
        status, why = error if isinstance(error, tuple) else (error, HTTPStatus(error).phrase)
        responses[str(status)] = {"description": why,
                                  "content": {"application/json": {"schema": common.ErrorSchema}}}
    return responses


def _operation(rule: Rule, operation: Operation, description: str) -> dict[str, Any]:
    parameters = _path_parameters(rule, operation)
    if operation.query is not None:
        parameters.append({"in": "query", "schema": operation.query})
    parameters.extend(operation.params)
    body: dict[str, Any] = {"tags": [operation.tag]}
    if description:
        body["description"] = description
    if operation.bearer:
        body["security"] = [{"bearer": []}]
    if parameters:
        body["parameters"] = parameters
    if operation.request is not None:
        body["requestBody"] = {"content": {"application/json": {"schema": operation.request}}}
    elif operation.form is not None:
        body["requestBody"] = {"content": {"multipart/form-data": {"schema": operation.form}}}
    body["responses"] = _responses(operation)
    return body


def build_spec(app: Flask) -> dict[str, Any]:
    spec = APISpec(title="Signer API", version="1.0.0", openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin(schema_name_resolver=_schema_name)],
                   info={"description": "证书服务与扫码签章。Socket.IO 事件见 docs/protocol.md。"})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    _add_components(spec)
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIXES):
            continue
        view = app.view_functions[rule.endpoint]
        operation = operation_of(view)
        path = _ARGUMENT.sub(r"{\2}", rule.rule)
        if operation is None:
            spec.path(path=path)
            continue
        description = inspect.cleandoc(view.__doc__ or "")
        methods = sorted((rule.methods or set()) - _SKIPPED_METHODS)
        spec.path(path=path, operations={m.lower(): _operation(rule, operation, description) for m in methods})
    return spec.to_dict()


def error_codes_component(spec: APISpec) -> None:
    """Add the ``ErrorCode`` component (every ``error.code`` value, with its Chinese label in ``x-labels``)
    and point the error body's ``code`` at it. Call after the schemas are registered."""
    codes = list(ErrorCode)
    spec.components.schema("ErrorCode", {
        "type": "string",
        "enum": [c.value for c in codes],
        "x-labels": {c.value: c.label for c in codes},
        "description": "错误码（error.code）：\n" + "\n".join(f"- `{c.value}`: {c.label}" for c in codes),
    })
    error = spec.components.schemas.get(_schema_name(common.ErrorSchema), {}).get("properties", {}).get("error", {})
    inner_name = error.get("$ref", "").rsplit("/", 1)[-1]
    inner = spec.components.schemas.get(inner_name, error)
    if "code" in inner.get("properties", {}):
        inner["properties"]["code"] = {"$ref": "#/components/schemas/ErrorCode"}


@bp.get("/api/v1/openapi.json")
def openapi_json():
    """Served without authentication: it is the APP team's reference."""
    return jsonify(build_spec(current_app))
