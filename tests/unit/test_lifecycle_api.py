"""The lifecycle's JSON API (A–J) through the Flask test client: every endpoint documented, the flows, and
hostile requests answered with clear 4xx errors that change nothing."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from signer.accounts.models import Account, Enterprise
from signer.applications.models import Application
from signer.billing.models import Order
from signer.core.passwords import hash_password
from signer.demo.samples import sample_pdf
from signer.demo.seed import DEMO_CREDIT_CODE
from tests.helpers import PASSWORD
from tests.lifecycle_helpers import RESIDENT_ID, ApiUser, lifecycle_app, scan_jpeg, seal_png
from tests.unit.test_lifecycle_rules import _pixel_bomb


@pytest.fixture
def api(tmp_path: Path):
    app, services = lifecycle_app(tmp_path, f"sqlite:///{tmp_path / 'signer.db'}")
    yield app, services
    services.db.dispose()


def outbox_code(services, phone: str) -> str:
    text = services.lifecycle.sms.outbox(phone, limit=1)[0].text
    found = re.search(r"验证码为(\d{6})", text)
    assert found is not None, text
    return found.group(1)


def upload_set(user: ApiUser, kinds: dict[str, tuple[str, bytes]]) -> dict[str, list[int]]:
    ids = {}
    for kind, (name, data) in kinds.items():
        resp = user.upload(kind, name, data)
        assert resp.status_code == 201, resp.get_json()
        ids[kind] = [resp.get_json()["id"]]
    return ids


NEW_FILES = {
    "company_seal": ("公章.png", seal_png()), "legal_rep_seal": ("法人章.png", seal_png()),
    "application_form": ("申请表.pdf", sample_pdf("Form")), "seal_form": ("印章采集表.jpg", scan_jpeg()),
    "business_license": ("营业执照.jpg", scan_jpeg()), "operator_id": ("身份证.jpg", scan_jpeg()),
}


def new_body(services, user: ApiUser, bind_id: int, **changes) -> dict:
    assert user.post("/api/v1/sms/send", json={"purpose": "application"}).status_code == 200
    body = {
        "certificate_kind": "mobile", "seal_type": "company_and_legal_rep", "period_years": 1,
        "agreements": ["cfca_service_agreement", "cfca_cps", "cfca_security_notice", "cfca_core_terms",
                       "platform_service_agreement"],
        "bind_account_id": bind_id, "bind_phone": "13911112222",
        "handler": {"name": "张办理", "contact": "13800138000", "id_type": "resident_id", "id_number": RESIDENT_ID},
        "attachments": upload_set(user, NEW_FILES), "sms_code": outbox_code(services, "13666628413"),
    }
    body.update(changes)
    return body


def account_id(services, username: str) -> int:
    with services.db.read() as s:
        return s.scalar(select(Account.id).where(Account.username == username))


def state(services) -> tuple:
    with services.db.read() as s:
        return (tuple(s.execute(select(Application.id, Application.status)).all()),
                tuple(s.execute(select(Order.id, Order.status)).all()))


def test_openapi_documents_every_endpoint(api):
    app, _ = api
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint == "openapi.openapi_json":
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if method.lower() not in spec["paths"].get(path, {}):
                missing.append(f"{method} {path}")
    assert missing == []
    assert "NewApplicationSchema" in spec["components"]["schemas"]


def test_b1_to_f2_new_certificate_through_the_json_api_and_the_cashier(api):
    _, services = api
    admin = ApiUser(api[0], "admin")
    resp = admin.post("/api/v1/applications/new", json={**new_body(services, admin, account_id(services, "operator2")),
                                                        "create_order": True})
    assert resp.status_code == 201, resp.get_json()
    submitted = resp.get_json()
    order_no = submitted["order"]["order_no"]
    assert submitted["application"]["status_label"] == "待支付" and submitted["order"]["amount_fen"] == 30000
    assert submitted["application"]["id_number"] == "110***********002X"  # masked in every view
    rows = admin.get("/api/v1/certificates?status=pending_payment").get_json()
    assert rows["total"] == 1 and rows["items"][0]["bound_account"] == "operator2"

    page = admin.get(submitted["order"]["cashier_url"])
    assert page.status_code == 200 and "确认支付" in page.get_data(as_text=True)
    no_csrf = admin.client.post(f"/pay/sandbox/{order_no}", data={})
    assert no_csrf.status_code == 403
    paid = admin.client.post(f"/pay/sandbox/{order_no}", data={"csrf_token": admin.csrf})
    assert "支付成功" in paid.get_data(as_text=True)
    assert admin.get(f"/api/v1/orders/{order_no}").get_json()["status_label"] == "已支付"

    reviewer = ApiUser(api[0], "reviewer")
    queue = reviewer.get("/api/v1/review/applications").get_json()["items"]
    app_id = submitted["application"]["id"]
    assert [a["id"] for a in queue] == [app_id]
    files = {a["kind"]: a["id"] for a in queue[0]["attachments"]}
    assert reviewer.get(f"/api/v1/uploads/{files['business_license']}").status_code == 200
    approved = reviewer.post(f"/api/v1/review/applications/{app_id}/approve", json={"seals": {
        "company": {"attachment_id": files["company_seal"]}, "legal_rep": {"attachment_id": files["legal_rep_seal"]}}})
    assert approved.status_code == 200, approved.get_json()
    rows = admin.get("/api/v1/certificates?account=operator2").get_json()["items"]
    assert [r["status_label"] for r in rows] == ["待下载"]

    detail = admin.get(f"/api/v1/orders/{order_no}").get_json()
    assert detail["electronic_invoice"]["amount_fen"] == 30000
    pdf = admin.get(detail["electronic_invoice"]["download_url"])
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    related = admin.get(f"/api/v1/certificates/{rows[0]['certificate_id']}/orders").get_json()["items"]
    assert [o["order_no"] for o in related] == [order_no]


def test_templates_are_pdfs_with_the_enterprise_data(api, tmp_path):
    admin = ApiUser(api[0], "admin")
    for name in ("application-form", "seal-form", "anxinqian-rename-form"):
        resp = admin.get(f"/api/v1/templates/{name}.pdf")
        assert resp.status_code == 200 and resp.mimetype == "application/pdf"
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(resp.data)
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        assert "龙口市恒通汽车贸易有限公司" in text and DEMO_CREDIT_CODE in text
    assert admin.get("/api/v1/templates/..%2F..%2Fetc.pdf").status_code == 404


def test_hostile_inputs_get_clear_4xx_and_change_nothing(api):
    app, services = api
    admin = ApiUser(app, "admin")
    good = new_body(services, admin, account_id(services, "operator2"))
    before = state(services)

    def refused(resp, status: int, *fields: str) -> dict:
        body = resp.get_json()
        assert resp.status_code == status, body
        assert body["error"]["message"] and body["error"]["code"]
        assert set(fields) <= set(body["error"]["details"]), body
        return body

    refused(admin.post("/api/v1/applications/new", json={**good, "period_years": "1", "bind_account_id": "x"}),
            400, "period_years", "bind_account_id")
    refused(admin.post("/api/v1/applications/new", json=[good]), 400)
    refused(admin.post("/api/v1/applications/new", data="{not json", content_type="application/json"), 400)
    bad_id = {**good, "handler": {**good["handler"], "id_number": "110105194912310021"}}
    body = refused(admin.post("/api/v1/applications/new", json=bad_id), 400, "handler.id_number")
    assert "校验位" in body["error"]["details"]["handler.id_number"][0]
    refused(admin.post("/api/v1/applications/new", json={**good, "attachments": {"evil_kind": [1]}}), 400,
            "attachments")
    refused(admin.upload("company_seal", "seal.png", b"MZ\x90\x00\x03 this is a program"), 400, "file")
    refused(admin.upload("company_seal", "bomb.png", _pixel_bomb()), 400)
    refused(admin.upload("business_license", "license.png", scan_jpeg()), 400, "file")  # JPEG named .png
    refused(admin.upload("no_such_kind", "x.png", seal_png()), 400, "kind")
    services.config.lifecycle.max_upload_bytes = 100_000
    refused(admin.upload("operator_id", "big.pdf", b"%PDF-1.7\n" + b"0" * 200_000), 413)
    services.config.lifecycle.max_upload_bytes = 10 << 20
    named = admin.upload("company_seal", "../../../etc/passwd.png", seal_png())
    assert named.status_code == 201 and named.get_json()["filename"] == "passwd.png"
    assert state(services) == before

    with services.db.write() as s:  # another enterprise's administrator
        other = Enterprise(name="另一家公司", credit_code="91350100M000100Y43")
        s.add(other)
        s.flush()
        s.add(Account(enterprise_id=other.id, username="other-admin", display_name="他人", phone="13500000000",
                      role="admin", password_hash=hash_password(PASSWORD)))
    app_id = admin.post("/api/v1/applications/new", json=new_body(services, admin,
                                                                  account_id(services, "operator2"))).get_json()
    app_id = app_id["application"]["id"]
    attachment = named.get_json()["id"]
    stranger = ApiUser(app, "other-admin")
    for path in (f"/api/v1/applications/{app_id}", f"/api/v1/uploads/{attachment}",
                 f"/api/v1/applications/{app_id}/records", "/api/v1/certificates/1/records"):
        assert refused(stranger.get(path), 404)["error"]["code"] == "not_found"
    refused(stranger.post("/api/v1/orders", json={"application_ids": [app_id]}), 404)
    refused(stranger.post(f"/api/v1/applications/{app_id}/cancel"), 404)
    assert admin.get(f"/api/v1/applications/{app_id}").get_json()["status"] == "pending_order"


def test_roles_csrf_and_login_are_enforced(api):
    app, services = api
    operator = ApiUser(app, "operator1")
    reviewer = ApiUser(app, "reviewer")
    op_id = account_id(services, "operator1")
    assert operator.put(f"/api/v1/accounts/{op_id}/seals", json={"company": False}).status_code == 403
    assert operator.get("/api/v1/review/applications").status_code == 403
    assert operator.get("/api/v1/review/sms-outbox").status_code == 403
    assert reviewer.get("/api/v1/certificates").status_code == 403
    assert operator.client.post("/api/v1/sms/send", json={"purpose": "application"}).status_code == 403  # no CSRF
    assert app.test_client().get("/api/v1/certificates").status_code == 401
    assert reviewer.get("/api/v1/review/sms-outbox").status_code == 200


def test_b5_payment_notification_endpoint(api):
    app, services = api
    admin = ApiUser(app, "admin")
    body = new_body(services, admin, account_id(services, "operator2"))
    app_id = admin.post("/api/v1/applications/new", json=body).get_json()["application"]["id"]
    order = admin.post("/api/v1/orders", json={"application_ids": [app_id]}).get_json()
    provider = services.lifecycle.payments.provider
    raw = provider.notification(order["order_no"], order["amount_fen"])
    gateway = app.test_client()
    bad = gateway.post("/api/v1/payments/sandbox/notify", data=raw, headers={"X-Signature": "00" * 32},
                       content_type="application/json")
    assert bad.status_code == 403 and bad.get_json()["error"]["code"] == "bad_signature"
    cheap = provider.notification(order["order_no"], 100)
    wrong = gateway.post("/api/v1/payments/sandbox/notify", data=cheap, headers={"X-Signature": provider.sign(cheap)},
                         content_type="application/json")
    assert wrong.status_code == 422 and wrong.get_json()["error"]["code"] == "amount_mismatch"
    assert admin.get(f"/api/v1/orders/{order['order_no']}").get_json()["status"] == "pending_payment"
    for duplicate in (False, True):
        ok = gateway.post("/api/v1/payments/sandbox/notify", data=raw, headers={"X-Signature": provider.sign(raw)},
                          content_type="application/json")
        assert ok.status_code == 200 and ok.get_json() == {"result": "success", "order_no": order["order_no"],
                                                           "duplicate": duplicate}
    huge = gateway.post("/api/v1/payments/sandbox/notify", data=b"{" + b" " * 10000 + b"}",
                        headers={"X-Signature": "x"}, content_type="application/json")
    assert huge.status_code == 413


def test_f1_invoice_profiles_add_edit_default_delete(api):
    admin = ApiUser(api[0], "admin")
    bad = admin.post("/api/v1/invoice-profiles", json={"title": "某公司", "tax_number": "91350100M000100Y44"})
    assert bad.status_code == 400 and "tax_number" in bad.get_json()["error"]["details"]
    special = admin.post("/api/v1/invoice-profiles", json={"title": "某公司", "tax_number": "91350100M000100Y43",
                                                           "invoice_type": "special"})
    assert special.status_code == 400 and {"address", "bank_account"} <= set(special.get_json()["error"]["details"])
    created = admin.post("/api/v1/invoice-profiles", json={"title": "福州某公司", "tax_number": "91350100m000100y43",
                                                           "email": "a@b.cn"})
    assert created.status_code == 201 and created.get_json()["tax_number"] == "91350100M000100Y43"
    new_id = created.get_json()["id"]
    items = admin.get("/api/v1/invoice-profiles").get_json()["items"]
    assert [p["is_default"] for p in items] == [True, False]  # the seeded default first
    assert admin.post(f"/api/v1/invoice-profiles/{new_id}/default").get_json()["is_default"] is True
    items = admin.get("/api/v1/invoice-profiles").get_json()["items"]
    assert (items[0]["id"], items[0]["is_default"]) == (new_id, True) and sum(p["is_default"] for p in items) == 1
    edited = admin.put(f"/api/v1/invoice-profiles/{new_id}",
                       json={"title": "福州某某公司", "tax_number": "91350100M000100Y43"})
    assert edited.get_json()["title"] == "福州某某公司"
    assert admin.delete(f"/api/v1/invoice-profiles/{new_id}").status_code == 400  # not confirmed
    assert admin.delete(f"/api/v1/invoice-profiles/{new_id}?confirm=true").status_code == 204
    assert new_id not in [p["id"] for p in admin.get("/api/v1/invoice-profiles").get_json()["items"]]


def test_b8_seal_assignment_and_prices_and_choices(api):
    app, services = api
    admin = ApiUser(app, "admin")
    op_id = account_id(services, "operator1")
    assert admin.get(f"/api/v1/accounts/{op_id}/seals").get_json() == {
        "account_id": op_id, "company": True, "legal_rep": True, "handwritten": True,
        "handwriting_set": False, "without_image": ["company", "legal_rep", "handwritten"]}  # no images seeded
    after = admin.put(f"/api/v1/accounts/{op_id}/seals", json={"legal_rep": False}).get_json()
    assert (after["company"], after["legal_rep"], after["handwritten"]) == (True, False, True)
    prices = admin.get("/api/v1/prices").get_json()["items"]
    assert {"kind": "new", "certificate_kind": "mobile", "years": 1, "price_fen": 30000} in prices
    choices = [a["username"] for a in admin.get("/api/v1/accounts/eligible").get_json()["items"]]
    assert "operator2" in choices and "operator1" not in choices  # operator1 holds a mobile certificate
