"""The OpenAPI document, generated from the marshmallow schemas and the views' docstrings."""

from __future__ import annotations

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.yaml_utils import load_operations_from_docstring
from flask import Blueprint, Flask, current_app, jsonify

from signer.errors import ErrorCode

from .. import schemas, schemas_business, schemas_drafts, schemas_lifecycle, schemas_seals

# Every module that defines request/response schemas; each feature area adds its own.
SCHEMA_MODULES = [schemas, schemas_business, schemas_seals, schemas_drafts, schemas_lifecycle]

bp = Blueprint("openapi", __name__)
PREFIXES = ("/api/v1/",)


def _schema_name(schema: object) -> str:
    """Components are named after their class, so a schema met first as a nested field is not added twice."""
    cls = schema if isinstance(schema, type) else type(schema)
    return cls.__name__


def build_spec(app: Flask) -> dict:
    spec = APISpec(title="Signer API", version="1.0.0", openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin(schema_name_resolver=_schema_name)],
                   info={"description": "证书服务与扫码签章。Socket.IO 事件见 docs/protocol.md。"})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for module in SCHEMA_MODULES:
        for name in dir(module):
            obj = getattr(module, name)
            if (isinstance(obj, type) and issubclass(obj, schemas.Schema) and obj is not schemas.Schema
                    and name not in spec.components.schemas):
                spec.components.schema(name, schema=obj)
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIXES):
            continue
        view = app.view_functions[rule.endpoint]
        operations = load_operations_from_docstring(view.__doc__ or "")
        path = rule.rule
        for arg in rule.arguments:
            path = path.replace(f"<int:{arg}>", f"{{{arg}}}").replace(f"<{arg}>", f"{{{arg}}}")
        spec.path(path=path, operations=operations or None)
    error_codes_component(spec)
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
    error = spec.components.schemas.get(_schema_name(schemas.ErrorSchema), {}).get("properties", {}).get("error", {})
    inner_name = error.get("$ref", "").rsplit("/", 1)[-1]
    inner = spec.components.schemas.get(inner_name, error)
    if "code" in inner.get("properties", {}):
        inner["properties"]["code"] = {"$ref": "#/components/schemas/ErrorCode"}


@bp.get("/api/v1/openapi.json")
def openapi_json():
    """Served without authentication: it is the APP team's reference."""
    return jsonify(build_spec(current_app))
