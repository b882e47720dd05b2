"""The public contract is typed: every error code is an ``ErrorCode``, every audit action an ``AuditAction``,
both with Chinese labels; 办理记录 labels every action and the OpenAPI document lists every error code."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from signer.core.audit_actions import AuditAction, action_label
from signer.core.error_codes import ErrorCode
from tests.lifecycle_helpers import ApiUser, lifecycle_app

ROOT = Path(__file__).resolve().parents[2]
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _sources(*packages: str) -> list[Path]:
    return [p for pkg in packages for p in sorted((ROOT / pkg).rglob("*.py")) if "migrations" not in p.parts]


def _is_str(node: ast.AST | None) -> bool:
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str))


def _callee(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def stringly_typed(path: Path) -> list[str]:
    """Bare strings where the contract wants a member: ``code="…"`` / ``code=f"…"`` keywords, ``code = "…"``
    class attributes, ``{"code": "…"}`` error bodies, and audit actions written as strings."""
    actions = {a.value for a in AuditAction}
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        where = f"{path}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Call):
            found += [f"{where} code=" for kw in node.keywords if kw.arg == "code" and _is_str(kw.value)]
            if _callee(node) == "record":
                action = node.args[2] if len(node.args) > 2 else next(
                    (kw.value for kw in node.keywords if kw.arg == "action"), None)
                if _is_str(action):
                    found.append(f"{where} audit.record action")
        elif isinstance(node, ast.ClassDef):
            found += [f"{where} class code" for stmt in node.body if isinstance(stmt, ast.Assign | ast.AnnAssign)
                      and any(isinstance(t, ast.Name) and t.id == "code"
                              for t in (stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]))
                      and _is_str(stmt.value)]
        elif isinstance(node, ast.Dict):
            found += [f"{where} error body" for k, v in zip(node.keys, node.values, strict=True)
                      if isinstance(k, ast.Constant) and k.value == "code" and _is_str(v)]
        elif isinstance(node, ast.Constant) and node.value in actions:
            found.append(f"{where} action string {node.value!r}")
    return found


def test_no_error_code_or_audit_action_is_a_bare_string():
    found = [hit for path in _sources("signer", "api", "realtime")
             if path.name not in ("error_codes.py", "audit_actions.py") for hit in stringly_typed(path)]
    assert found == []


def test_the_scan_catches_the_old_style(tmp_path):
    old = tmp_path / "old.py"
    old.write_text('class E(X):\n    code = "e"\n'
                   'raise NotFound("x", code="draft_not_found")\n'
                   'raise Unprocessable(m, code=f"pdf_{exc.code}")\n'
                   'audit.record(s, actor, "order:paid", "order", 1)\n'
                   'body = {"code": "internal"}\n')
    assert len(stringly_typed(old)) == 6  # the action string counts twice: as the argument and as a value


def test_every_code_and_action_has_a_chinese_label_and_a_unique_value():
    for member in [*ErrorCode, *AuditAction]:
        assert CHINESE.search(member.label), member
    assert len({c.value for c in ErrorCode}) == len(ErrorCode)
    assert len({a.value for a in AuditAction}) == len(AuditAction)
    assert action_label("legacy:unknown") == "legacy:unknown"  # an old stored row still shows something


def test_every_pdf_refusal_has_its_own_code():
    """``pdf_`` + ``PdfRejected.code``: each code pdfsign raises is an explicit member (no catch-all)."""
    raised = set()
    for path in _sources("pdfsign", "signer"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and _callee(node) == "PdfRejected" and node.args \
                    and isinstance(node.args[0], ast.Constant):
                raised.add(node.args[0].value)
    assert raised >= {"not_pdf", "too_large", "unreadable", "encrypted", "too_complex"}
    for code in raised:
        assert ErrorCode.for_pdf(code).value == f"pdf_{code}"


def test_not_key_and_not_shipped_are_two_codes():
    assert ErrorCode.NOT_KEY.label != ErrorCode.NOT_SHIPPED.label
    assert ErrorCode.NOT_SHIPPED.value == "not_shipped" and ErrorCode.NOT_KEY.value == "not_key"


@pytest.fixture
def api(tmp_path: Path):
    app, services = lifecycle_app(tmp_path, f"sqlite:///{tmp_path / 'signer.db'}")
    yield app, services
    services.db.dispose()


def test_processing_records_label_every_action_in_chinese(api):
    """The seeded 安心签 certificate's record (certificate:seed-anxinqian) used to show the raw key."""
    app, _ = api
    admin = ApiUser(app, "admin")
    certs = admin.get("/api/v1/certificates?kind=anxinqian").get_json()["items"]
    records = admin.get(f"/api/v1/certificates/{certs[0]['certificate_id']}/records").get_json()["items"]
    seeded = [r for r in records if r["action"] == "certificate:seed-anxinqian"]
    assert seeded and seeded[0]["action_label"] == "初始化安心签证书"
    assert all(CHINESE.search(r["action_label"]) for r in records)


def test_openapi_lists_every_error_code_with_its_label(api):
    app, _ = api
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    component = spec["components"]["schemas"]["ErrorCode"]
    assert component["enum"] == [c.value for c in ErrorCode]
    assert component["x-labels"] == {c.value: c.label for c in ErrorCode}
    inner = spec["components"]["schemas"]["ErrorSchema"]["properties"]["error"]
    inner = spec["components"]["schemas"][inner["$ref"].rsplit("/", 1)[-1]] if "$ref" in inner else inner
    assert inner["properties"]["code"] == {"$ref": "#/components/schemas/ErrorCode"}
