"""The certificate lifecycle end to end on a live server: the PC over the JSON API and the cashier page, the
reviewer, the reference APP client (H1–H7), and openssl as a client of the app's OCSP responder and CRL."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from mobile import AppClient, AppError
from mobile import cli as app_cli
from signer.cli_demo import DEMO_PASSWORD, SIGNING_PASSWORD, LiveServer, PcClient
from signer.demo.samples import sample_pdf
from tests.integration.conftest import nss_trusting, pdfsig_report
from tests.lifecycle_helpers import RESIDENT_ID, scan_jpeg, seal_png
from tests.needs import tool

LIVE_ENV = {"SIGNER_SMS_PROVIDER": "outbox", "SIGNER_SMS_RESEND_SECONDS": "0", "SIGNER_QR_STEP": "1"}
AGREEMENTS = ["cfca_service_agreement", "cfca_cps", "cfca_security_notice", "cfca_core_terms",
              "platform_service_agreement"]
HANDLER = {"name": "张办理", "contact": "13800138000", "id_type": "resident_id", "id_number": RESIDENT_ID}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    with LiveServer(tmp_path / "instance", env=LIVE_ENV) as live:
        yield live


class Browser(PcClient):
    """A logged-in PC user of the JSON API."""

    def call(self, method: str, path: str, expect: int = 200, **kwargs: Any) -> Any:
        resp = self.http.request(method, f"{self.url}/api/v1{path}", headers={"X-CSRF-Token": self.csrf},
                                 timeout=60, **kwargs)
        assert resp.status_code == expect, (method, path, resp.status_code, resp.text)
        return resp.json() if resp.content else None

    def upload(self, kind: str, name: str, data: bytes) -> int:
        return self.call("POST", "/uploads", 201, data={"kind": kind}, files={"file": (name, data)})["id"]


def browser(server: LiveServer, username: str) -> Browser:
    user = Browser(server.url)
    user.login(username, DEMO_PASSWORD)
    return user


def sms(user: Browser, reviewer: Browser, phone: str, purpose: str = "application") -> str:
    user.call("POST", "/sms/send", json={"purpose": purpose, **({"phone": phone} if purpose != "application" else {})})
    text = reviewer.call("GET", f"/review/sms-outbox?phone={phone}")["items"][0]["text"]
    found = re.search(r"验证码为(\d{6})", text)
    assert found is not None, text
    return found.group(1)


def account_id(user: Browser, username: str) -> int:
    return next(a["id"] for a in user.call("GET", "/accounts/eligible")["items"] if a["username"] == username)


def apply_new(admin: Browser, reviewer: Browser, bind: str) -> dict:
    files = {"company_seal": ("公章.png", seal_png()), "legal_rep_signature": ("法人签字.png", seal_png((20, 20, 20))),
             "application_form": ("申请表.pdf", sample_pdf("Form")), "seal_form": ("采集表.jpg", scan_jpeg()),
             "business_license": ("营业执照.jpg", scan_jpeg()), "operator_id": ("身份证.jpg", scan_jpeg())}
    body = {"certificate_kind": "mobile", "seal_type": "company_and_legal_rep", "period_years": 1,
            "agreements": AGREEMENTS, "bind_account_id": account_id(admin, bind), "handler": HANDLER,
            "attachments": {k: [admin.upload(k, n, d)] for k, (n, d) in files.items()},
            "sms_code": sms(admin, reviewer, "13666628413"), "create_order": True}
    return admin.call("POST", "/applications/new", 201, json=body)


def pay_at_cashier(admin: Browser, order: dict) -> None:
    """收银台: the HTML page with its CSRF-protected 确认支付 form."""
    page = admin.http.get(f"{admin.url}{order['cashier_url']}", timeout=30)
    assert page.status_code == 200 and "确认支付" in page.text and "¥300.00" in page.text
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None
    token = found.group(1)
    done = admin.http.post(f"{admin.url}{order['cashier_url']}", data={"csrf_token": token}, timeout=30)
    assert "支付成功" in done.text


def approve(reviewer: Browser, app_id: int) -> dict:
    app = reviewer.call("GET", f"/review/applications/{app_id}")
    files = {a["kind"]: a["id"] for a in app["attachments"]}
    seals = {"company": {"attachment_id": files["company_seal"]}}
    if "legal_rep_signature" in files:
        seals["legal_rep"] = {"attachment_id": files["legal_rep_signature"]}
    return reviewer.call("POST", f"/review/applications/{app_id}/approve", json={"seals": seals})


def phone(server: LiveServer, home: Path, username: str) -> AppClient:
    client = AppClient(server.url, home)
    client.login(username, DEMO_PASSWORD)
    return client


def test_b1_to_b7_h1_h2_f2_new_certificate_from_the_pc_form_to_the_phone(server, tmp_path):
    admin, reviewer = browser(server, "admin"), browser(server, "reviewer")
    submitted = apply_new(admin, reviewer, "operator2")
    assert submitted["application"]["status"] == "pending_payment"
    pay_at_cashier(admin, submitted["order"])
    rows = admin.call("GET", "/certificates?account=operator2")["items"]
    assert [r["status_label"] for r in rows] == ["待审核"]
    assert approve(reviewer, submitted["application"]["id"])["status"] == "approved"

    app = phone(server, tmp_path / "phone", "operator2")
    mine = app.certificates()  # H1
    assert [(c["status_label"], c["install"]) for c in mine] == [("待下载", "download")]
    app.obtain_certificate(mine[0]["id"], SIGNING_PASSWORD)  # H2: new key on the phone, CSR, keystore
    assert [c["status_label"] for c in app.certificates()] == ["已生效"]
    assert [r["status_label"] for r in admin.call("GET", "/certificates?account=operator2")["items"]] == ["已生效"]

    order = admin.call("GET", f"/orders/{submitted['order']['order_no']}")
    assert order["status_label"] == "已支付" and order["electronic_invoice"]["amount_fen"] == 30000
    pdf = admin.http.get(admin.url + order["electronic_invoice"]["download_url"], timeout=30)
    (tmp_path / "invoice.pdf").write_bytes(pdf.content)
    text = subprocess.run([tool("pdftotext"), str(tmp_path / "invoice.pdf"), "-"], capture_output=True,
                          text=True).stdout
    assert "叁佰元整" in text and "龙口市恒通汽车贸易有限公司" in text
    (tmp_path / "root.pem").write_bytes(requests.get(f"{server.url}/pki/root.pem", timeout=10).content)
    report = pdfsig_report(tmp_path / "invoice.pdf", nss_trusting(tmp_path / "root.pem", tmp_path), ocsp=True)
    assert "Signature is Valid." in report and "Certificate is Trusted." in report, report
    records = admin.call("GET", f"/certificates/{mine[0]['id']}/records")["items"]
    assert {"提交申请", "支付成功", "审核通过", "APP下载证书"} <= {r["action_label"] for r in records}


def sign_attempt(pc: PcClient, app: AppClient) -> dict:
    created = pc.create_session(sample_pdf("Contract"), "合同")
    assert created.status_code == 201, created.text
    pc.join(created.json()["id"])
    return app.scan(pc.shown_frame()["payload"])


def test_h4_h6_h7_assign_seals_unbind_and_bind_from_the_app(server, tmp_path, monkeypatch, capsys):
    admin_app = phone(server, tmp_path / "admin-phone", "admin")
    operator = phone(server, tmp_path / "operator-phone", "operator1")
    cert_id = operator.certificates()[0]["id"]
    operator.obtain_certificate(cert_id, SIGNING_PASSWORD)

    with pytest.raises(AppError) as err:  # H4: only an administrator assigns seals
        operator.assign_seals(cert_id, company=False)
    assert err.value.status == 403 and err.value.code == "not_admin"
    assigned = admin_app.assign_seals(cert_id, legal_rep=False)
    assert (assigned["company"], assigned["legal_rep"], assigned["handwritten"]) == (True, False, True)
    assert operator.seals(cert_id) == assigned

    pc = PcClient(server.url)
    pc.login("admin", DEMO_PASSWORD)
    scanned = sign_attempt(pc, operator)  # the certificate signs
    assert scanned["certificate"]["id"] == cert_id
    operator.reject()
    pc.close()

    with pytest.raises(AppError) as err:
        admin_app.unbind(cert_id, confirm=False)
    assert err.value.code == "confirmation_required"
    cli = ["--server", server.url, "--home", str(tmp_path / "admin-phone")]
    monkeypatch.setattr("builtins.input", lambda prompt: "n")  # the second confirmation, declined
    assert app_cli.main([*cli, "unbind", str(cert_id)]) == 0 and "已取消解绑" in capsys.readouterr().out
    assert operator.certificates()[0]["status_label"] == "已生效"
    monkeypatch.setattr("builtins.input", lambda prompt: "y")
    assert app_cli.main([*cli, "unbind", str(cert_id)]) == 0  # H6
    successor = next(c for c in admin_app.enterprise_certificates() if c["predecessor_id"] == cert_id)
    assert successor["bound_account"] is None and successor["status_label"] == "待下载"
    pc = PcClient(server.url)
    pc.login("admin", DEMO_PASSWORD)
    with pytest.raises(AppError) as err:  # the unbound certificate no longer signs
        sign_attempt(pc, operator)
    assert err.value.code == "no_certificate"
    pc.close()

    names = [o["username"] for o in admin_app.operators()]  # H7
    assert "operator1" in names
    capsys.readouterr()
    assert app_cli.main([*cli, "bind", str(successor["id"]), "--operator", "operator1"]) == 0
    assert "已绑定 operator1" in capsys.readouterr().out
    result = operator.obtain_certificate(successor["id"], SIGNING_PASSWORD)  # a new key for the new binding
    certs = {c["id"]: c for c in operator.certificates()}
    assert certs[successor["id"]]["status_label"] == "已生效" and result["serial"]
    listing = admin_app.enterprise_certificates()
    assert {c["id"]: c["status_label"] for c in listing}[cert_id] == "已收回"


def openssl_ocsp(server: LiveServer, workdir: Path, *target: str) -> str:
    """openssl as a client of the app's own OCSP responder (HTTP POST)."""
    result = subprocess.run([tool("openssl"), "ocsp", "-issuer", "issuing.pem", *target,
                             "-url", f"{server.url}/pki/ocsp", "-CAfile", "root.pem", "-resp_text"],
                            cwd=workdir, capture_output=True, text=True, timeout=60)
    return result.stdout + result.stderr


def test_g_extend_installs_the_same_key_then_revocation_shows_in_openssl_ocsp_and_crl(server, tmp_path):
    tool("openssl")
    admin, reviewer = browser(server, "admin"), browser(server, "reviewer")
    operator = phone(server, tmp_path / "operator-phone", "operator1")
    old_id = operator.certificates()[0]["id"]
    operator.obtain_certificate(old_id, SIGNING_PASSWORD)
    old_pem = operator.storage.load_keystore(old_id).certificate_pem

    body = {"handler": HANDLER, "period_years": 1, "sms_code": sms(admin, reviewer, "13666628413"),
            "attachments": {"operator_id": [admin.upload("operator_id", "id.jpg", scan_jpeg())]}, "create_order": True}
    submitted = admin.call("POST", f"/certificates/{old_id}/extend", 201, json=body)
    pay_at_cashier(admin, submitted["order"])
    new_id = reviewer.call("POST", f"/review/applications/{submitted['application']['id']}/approve",
                           json={})["result_certificate_id"]
    pending = {c["id"]: c for c in operator.certificates()}[new_id]
    assert pending["install"] == "same_key" and pending["predecessor_id"] == old_id
    with pytest.raises(AppError):  # installing needs the signing password
        operator.obtain_certificate(new_id, "Wrong#password1")
    operator.obtain_certificate(new_id, SIGNING_PASSWORD)
    new_pem = operator.storage.load_keystore(new_id).certificate_pem
    old, new = (x509.load_pem_x509_certificate(p.encode()) for p in (old_pem, new_pem))
    assert old.public_key() == new.public_key() and new.not_valid_after_utc > old.not_valid_after_utc
    assert not operator.has_keystore(old_id)

    (tmp_path / "root.pem").write_bytes(requests.get(f"{server.url}/pki/root.pem", timeout=10).content)
    issuing = x509.load_der_x509_certificate(requests.get(f"{server.url}/pki/issuing-ca.crt", timeout=10).content)
    (tmp_path / "issuing.pem").write_bytes(issuing.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "old.pem").write_text(old_pem)
    (tmp_path / "new.pem").write_text(new_pem)
    assert re.search(r"^old\.pem: revoked$", openssl_ocsp(server, tmp_path, "-cert", "old.pem"), re.MULTILINE)
    assert re.search(r"^new\.pem: good$", openssl_ocsp(server, tmp_path, "-cert", "new.pem"), re.MULTILINE)

    admin.call("POST", f"/certificates/{new_id}/revoke", 201, json={
        "reason": "key_compromise", "sms_code": sms(admin, reviewer, "13666628413")})
    revoked = openssl_ocsp(server, tmp_path, "-cert", "new.pem")
    assert re.search(r"^new\.pem: revoked$", revoked, re.MULTILINE) and "Reason: keyCompromise" in revoked, revoked
    assert "Response verify OK" in revoked
    unknown = openssl_ocsp(server, tmp_path, "-serial", "0x1234567890abcdef")
    assert re.search(r"^0x1234567890abcdef: unknown$", unknown, re.MULTILINE), unknown

    crl = subprocess.run([tool("openssl"), "crl", "-inform", "DER", "-text", "-noout"], capture_output=True,
                         input=requests.get(f"{server.url}/pki/issuing.crl", timeout=10).content, check=True).stdout
    listed = {int(s, 16) for s in re.findall(rb"Serial Number: ([0-9A-F]+)", crl)}
    assert {old.serial_number, new.serial_number} <= listed
    assert b"Key Compromise" in crl and b"Superseded" in crl
    refused = admin.call("POST", f"/certificates/{new_id}/unfreeze", 409, json={
        "handler": HANDLER, "sms_code": sms(admin, reviewer, "13666628413"),
        "attachments": {"operator_id": [admin.upload("operator_id", "id.jpg", scan_jpeg())]}})
    assert refused["error"]["code"] == "illegal_transition" and "已吊销" in refused["error"]["message"]
    assert [c["status_label"] for c in operator.certificates() if c["id"] == new_id] == ["已吊销"]  # H1
