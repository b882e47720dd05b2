"""The OpenAPI document comes from each route's @doc and the marshmallow schemas, not from docstrings."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.apidoc import operation_of
from tests.lifecycle_helpers import lifecycle_app


@pytest.fixture
def app(tmp_path: Path):
    app, services = lifecycle_app(tmp_path, f"sqlite:///{tmp_path / 'signer.db'}")
    yield app
    services.db.dispose()


def test_every_api_route_declares_its_contract_and_no_docstring_holds_yaml(app):
    undeclared, yaml = [], []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint == "openapi.openapi_json":
            continue
        view = app.view_functions[rule.endpoint]
        if operation_of(view) is None:
            undeclared.append(rule.rule)
        if "\n---" in (view.__doc__ or "").replace(" ", ""):
            yaml.append(rule.rule)
    assert undeclared == [] and yaml == []


def test_the_document_refers_only_to_schemas_it_defines(app):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    refs: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            refs.extend(v.rsplit("/", 1)[-1] for k, v in node.items() if k == "$ref")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec["paths"])
    assert refs and all(name in schemas for name in refs)
    notify = spec["paths"]["/api/v1/payments/sandbox/notify"]["post"]
    assert {p["name"] for p in notify["parameters"]} == {"X-Signature"}
    tool = spec["paths"]["/api/v1/seal-tools/{tool}"]["post"]["parameters"][0]
    assert tool["schema"]["enum"] == ["make-seal", "cut-out-signature", "cut-out-seal", "normalize"]
    created = spec["paths"]["/api/v1/orders"]["post"]["responses"]
    assert created["201"]["content"]["application/json"]["schema"]["$ref"].endswith("/OrderSchema")
    assert created["409"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorSchema")
    assert spec["paths"]["/api/v1/app/certificates"]["get"]["security"] == [{"bearer": []}]
