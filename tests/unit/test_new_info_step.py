"""Issue 11 item 4: 保存并下一步 checks 办理信息 with the submission's own rule, and every schema speaks Chinese."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from dataclasses import replace
from pathlib import Path

import marshmallow
import pytest

import api.schemas
from api.schemas.common import FIELD_MESSAGES, Schema
from signer.applications.enums import IdType
from signer.applications.service import Handler
from signer.core.errors import ValidationFailed
from tests.lifecycle_helpers import IP, account, lifecycle_app, lifecycle_services, new_form, sms_code

BAD_CHECK_DIGIT = "110105194912310022"  # the right check character is 1
STEP2_FIELDS = {"handler.id_number", "sms_code", "bind_account_id"}


@pytest.fixture
def services(tmp_path: Path, database_url: str):
    svc = lifecycle_services(tmp_path, database_url)
    yield svc
    svc.db.dispose()


def _bad_step2(services, admin):
    """operator2 already has an open 新签, the ID number's check character is wrong, the code is not the sent one."""
    services.lifecycle.applications.apply_new(admin, new_form(services, admin, bind="operator2"), IP)
    form = new_form(services, admin, bind="operator2")
    code = form.sms_code
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    return replace(form, sms_code=wrong, handler=Handler("张三", "13800138000", IdType.RESIDENT_ID, BAD_CHECK_DIGIT))


def test_step2_names_the_bad_check_digit_the_wrong_code_and_the_busy_account_at_once(services):
    """Issue 11 item 4: all three step-2 problems come back together, as field errors."""
    admin = account(services, "admin")
    with pytest.raises(ValidationFailed) as err:
        services.lifecycle.applications.check_new_info(admin, _bad_step2(services, admin))
    details = err.value.details
    assert set(details) >= STEP2_FIELDS
    assert "校验位" in details["handler.id_number"][0]
    assert details["sms_code"][0].startswith("验证码错误")
    assert details["bind_account_id"] == ["该账号已有办理中的新签申请"]


def test_step2_and_the_submission_give_the_same_answer_for_step2_data(services):
    """Issue 11 item 4: one rule: the submission reports the same step-2 field errors as 保存并下一步."""
    admin = account(services, "admin")
    form = replace(_bad_step2(services, admin), sms_code=sms_code(services, admin.phone))
    with pytest.raises(ValidationFailed) as step2:
        services.lifecycle.applications.check_new_info(admin, form)
    with pytest.raises(ValidationFailed) as submit:
        services.lifecycle.applications.apply_new(admin, form, IP)
    assert step2.value.details == submit.value.details
    assert {"handler.id_number", "bind_account_id"} == set(submit.value.details)


def test_a_right_code_checked_at_step2_still_submits(services):
    """Issue 11 item 4: checking the SMS code at step 2 does not use it up, nor a try."""
    admin = account(services, "admin")
    form = new_form(services, admin)
    for _ in range(6):  # more than the 5 tries a code has
        services.lifecycle.applications.check_new_info(admin, form)
    assert services.lifecycle.applications.apply_new(admin, form, IP).id


def test_check_endpoint_answers_field_errors_in_chinese(tmp_path: Path, database_url: str):
    """Issue 11 item 4: POST /applications/new/check → 400 naming the wrong fields; a schema error is Chinese."""
    from tests.lifecycle_helpers import ApiUser

    app, services = lifecycle_app(tmp_path, database_url)
    try:
        admin = ApiUser(app, "admin")
        body = {"certificate_kind": "mobile", "seal_type": "company", "period_years": 1,
                "bind_account_id": account(services, "operator2").id,
                "handler": {"name": "张三", "contact": "13800138000", "id_type": "resident_id",
                            "id_number": BAD_CHECK_DIGIT}, "sms_code": "123456"}
        resp = admin.post("/api/v1/applications/new/check", json=body)
        assert resp.status_code == 400
        details = resp.get_json()["error"]["details"]
        assert "校验位" in details["handler.id_number"][0] and "sms_code" in details
        resp = admin.post("/api/v1/applications/new/check", json={**body, "handler": {"name": ""}})
        nested = resp.get_json()["error"]["details"]["handler"]
        assert nested["contact"] == ["必填"] and nested["name"] == ["长度应为1至50个字符"]
        resp = admin.post("/api/v1/invoice-profiles", json={"title": "A", "tax_number": "91110000MA01"})
        details = resp.get_json()["error"]["details"]
        assert details["title"] == ["长度应为2至100个字符"] and details["tax_number"] == ["长度应为15至20个字符"]
    finally:
        services.db.dispose()


def _schemas():
    modules = [importlib.import_module(f"api.schemas.{m.name}") for m in pkgutil.iter_modules(api.schemas.__path__)]
    modules.append(importlib.import_module("realtime.events"))
    for module in modules:
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, marshmallow.Schema) and cls.__module__ == module.__name__:
                yield cls


def _fields(field):
    yield field
    for inner in (getattr(field, "inner", None), getattr(field, "key_field", None),
                  getattr(field, "value_field", None), *getattr(field, "tuple_fields", ())):
        if inner is not None:
            yield from _fields(inner)


ENGLISH = re.compile(r"[A-Za-z]{3,} [a-z]{2,}")


def test_every_schema_message_a_person_can_see_is_chinese():
    """Issue 11 item 4: every schema derives from the one Chinese base; no English default message is left."""
    schemas = list(_schemas())
    assert len(schemas) > 40
    for cls in schemas:
        assert issubclass(cls, Schema), cls
        schema = cls()
        assert not any(ENGLISH.search(m) for m in schema.error_messages.values()), cls
        for name, top in schema.fields.items():
            for field in _fields(top):
                left = [m for m in field.error_messages.values() if m in FIELD_MESSAGES or ENGLISH.search(str(m))]
                assert not left, (cls, name, left)
                for v in field.validators:
                    error = getattr(v, "error", "")
                    assert error and not ENGLISH.search(error), (cls, name, v)
