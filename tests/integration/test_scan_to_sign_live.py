"""K1–K6 end to end: a live server, a PC Socket.IO client and the reference APP client."""

from __future__ import annotations

import json
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from PIL import Image

from mobile import AppClient, AppError
from mobile.client import decode_qr_image
from pdfsign.fonts import find_source_font
from pdfsign.stamps import MAX_IMAGE_SIDE
from pdfsign.validate import all_valid, validate_pdf
from signer.cli_demo import DEMO_PASSWORD, SIGNING_PASSWORD, LiveServer, PcClient
from signer.demo.samples import sample_pdf
from signer.seals.demo_handwriting import handwriting_png
from signer.seals.seal_images import SIGNATURE_BOX, normalize_transparent
from tests.integration.conftest import nss_trusting, pdfsig_report
from tests.needs import missing, tool
from tests.pdf_appearances import appearances


def root_der(url: str) -> bytes:
    pem = requests.get(f"{url}/pki/root.pem", timeout=10).content
    return x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)


def phone_with_certificate(url: str, home: Path, username: str = "operator1") -> AppClient:
    phone = AppClient(url, home)
    phone.login(username, DEMO_PASSWORD)
    pending = [c for c in phone.certificates() if c["status"] == "pending_download"]
    phone.download_certificate(pending[0]["id"], SIGNING_PASSWORD)
    assert [c["status_label"] for c in phone.certificates()] == ["已生效"]
    return phone


def sign_once(pc: PcClient, phone: AppClient, workdir: Path, placements: list | None = None,
              **form: str) -> tuple[str, bytes]:
    created = pc.create_session(sample_pdf("Disposal contract"), "处置合同", placements, **form)
    assert created.status_code == 201, created.text
    session_id = created.json()["id"]
    assert pc.join(session_id)["status"] == "waiting"
    qr_png = workdir / "qr.png"
    pc.wait_frame()  # frames flow; the phone reads the server's image of the current one
    qr_png.write_bytes(pc.qr_png(session_id))
    scan = phone.scan(decode_qr_image(qr_png))
    assert scan["confirmation_code"] == created.json()["confirmation_code"]
    assert pc.wait_status("scanned")["scanned_by"]["username"] == "operator1"
    phone.approve(SIGNING_PASSWORD)
    pc.wait_status("signing")
    signed_state = pc.wait_status("signed")
    assert signed_state["download_url"].endswith("/signed.pdf")
    resp = pc.download(session_id)
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "application/pdf"
    return session_id, resp.content


def assert_valid_everywhere(url: str, signed: bytes, workdir: Path, expected: int = 1) -> None:
    reports = validate_pdf(signed, [root_der(url)])
    assert len(reports) == expected and all_valid(reports), reports
    pdf = workdir / "signed.pdf"
    pdf.write_bytes(signed)
    root_pem = workdir / "root.pem"
    root_pem.write_bytes(requests.get(f"{url}/pki/root.pem", timeout=10).content)
    nss = nss_trusting(root_pem, workdir)
    report = pdfsig_report(pdf, nss, ocsp=True)  # NSS asks our OCSP responder while the server runs
    assert report.count("Signature is Valid.") == expected, report
    assert report.count("Certificate is Trusted.") == expected, report
    check = subprocess.run([tool("qpdf"), "--check", str(pdf)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_k1_k6_pc_page_and_app_complete_a_signature_on_sqlite(live_server, pc, tmp_path):
    phone = phone_with_certificate(live_server.url, tmp_path / "phone")
    _, signed = sign_once(pc, phone, tmp_path)
    assert_valid_everywhere(live_server.url, signed, tmp_path)
    cert = phone.certificates()[0]
    assert cert["usage_count"] == 1


def test_three_seals_in_one_approval(live_server, pc, tmp_path):
    phone = phone_with_certificate(live_server.url, tmp_path / "phone")
    placements = [{"seal": "company", "page": 1, "x": 50, "y": 60, "width": 150, "height": 70},
                  {"seal": "legal_rep", "page": 1, "x": 220, "y": 60, "width": 150, "height": 70},
                  {"seal": "handwritten", "page": 1, "x": 390, "y": 60, "width": 150, "height": 70}]
    _, signed = sign_once(pc, phone, tmp_path, placements)
    assert_valid_everywhere(live_server.url, signed, tmp_path, expected=3)


def test_tampered_signature_from_the_phone_is_refused_live(live_server, pc, tmp_path):
    phone = phone_with_certificate(live_server.url, tmp_path / "phone")
    session_id = pc.create_session(sample_pdf(), "报价单").json()["id"]
    pc.join(session_id)
    phone.scan(pc.shown_frame()["payload"])
    with pytest.raises(AppError) as err:
        phone.approve(SIGNING_PASSWORD, tamper=lambda sig: sig[:-1] + bytes([sig[-1] ^ 0x01]))
    assert err.value.code == "bad_signature_value"
    assert pc.wait_status("failed")["failure"]
    assert pc.download(session_id).status_code == 409
    assert phone.certificates()[0]["usage_count"] == 0


def test_pc_page_reconnect_rereads_state_and_other_browsers_are_refused(live_server, pc, tmp_path):
    phone = phone_with_certificate(live_server.url, tmp_path / "phone")
    session_id = pc.create_session(sample_pdf(), "报价单").json()["id"]
    pc.join(session_id)
    phone.scan(pc.shown_frame()["payload"])
    pc.wait_status("scanned")
    pc.close()
    again = PcClient(live_server.url)
    again.http.cookies = pc.http.cookies  # same browser, new socket
    assert again.join(session_id)["status"] == "scanned"
    stranger = PcClient(live_server.url)  # same enterprise, another browser: no binding cookie
    stranger.login("admin", DEMO_PASSWORD)
    with pytest.raises(RuntimeError, match="not_bound_browser"):
        stranger.join(session_id)
    assert stranger.download(session_id).status_code == 403
    phone.reject()
    assert again.wait_status("rejected")  # the page of the browser that created it is told …
    assert not stranger.wait_for(lambda: bool(stranger.states), timeout=1)  # … the refused socket is not
    again.close()
    stranger.close()
    state = requests.get(f"{live_server.url}/api/v1/signing-sessions/{session_id}", cookies=pc.http.cookies,
                         timeout=10).json()
    assert state["status"] == "rejected"


def test_http_boundary_refuses_without_csrf_auth_or_valid_input(live_server, pc):
    url = live_server.url
    no_csrf = pc.http.post(f"{url}/api/v1/signing-sessions", files={"file": ("a.pdf", sample_pdf())})
    assert no_csrf.status_code == 403 and no_csrf.json()["error"]["code"] == "csrf_failed"
    anonymous = requests.post(f"{url}/api/v1/signing-sessions", files={"file": ("a.pdf", sample_pdf())}, timeout=10)
    assert anonymous.status_code == 401
    png = pc.create_session(b"\x89PNG\r\n\x1a\n" + b"0" * 100, "x")
    assert png.status_code == 422 and png.json()["error"]["code"] == "pdf_not_pdf"
    bad_place = pc.create_session(sample_pdf(), "x", [{"seal": "company", "page": 9, "x": 1, "y": 1}])
    assert bad_place.status_code == 422
    bad_json = pc.http.post(f"{url}/api/v1/signing-sessions", files={"file": ("a.pdf", sample_pdf())},
                            data={"placements": "[{"}, headers={"X-CSRF-Token": pc.csrf})
    assert bad_json.status_code == 400
    no_token = requests.get(f"{url}/api/v1/app/certificates", timeout=10)
    assert no_token.status_code == 401 and no_token.json()["error"]["code"] == "no_token"
    headers = requests.get(f"{url}/login", timeout=10).headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    spec = requests.get(f"{url}/api/v1/openapi.json", timeout=10).json()
    for path in ("/api/v1/app/login", "/api/v1/app/certificates/{cert_id}/download", "/api/v1/signing-sessions"):
        assert path in spec["paths"]


def test_revoked_serial_and_unknown_serial_over_ocsp_and_crl(live_server, tmp_path):
    """The app's OCSP responder and CRL, queried by openssl as a client."""
    phone = phone_with_certificate(live_server.url, tmp_path / "phone")
    cert_pem = phone.certificates()[0]
    assert cert_pem["serial"]
    leaf = tmp_path / "leaf.pem"
    store = json.loads((tmp_path / "phone" / "keystores" / f"{cert_pem['id']}.json").read_text())
    leaf.write_text(store["certificate_pem"])
    issuing = tmp_path / "issuing.pem"
    issuing.write_text(store["chain_pem"][0])
    root = tmp_path / "root.pem"
    root.write_bytes(requests.get(f"{live_server.url}/pki/root.pem", timeout=10).content)
    out = subprocess.run([tool("openssl"), "ocsp", "-issuer", str(issuing), "-cert", str(leaf), "-CAfile", str(root),
                          "-url", f"{live_server.url}/pki/ocsp"], capture_output=True, text=True, timeout=30)
    assert "Response verify OK" in out.stderr + out.stdout and f"{leaf}: good" in out.stdout
    unknown = subprocess.run([tool("openssl"), "ocsp", "-issuer", str(issuing), "-serial", "0x1234567890abcdef",
                              "-CAfile", str(root), "-url", f"{live_server.url}/pki/ocsp"],
                             capture_output=True, text=True, timeout=30)
    assert "0x1234567890abcdef: unknown" in unknown.stdout
    crl = tmp_path / "issuing.crl"
    crl.write_bytes(requests.get(f"{live_server.url}/pki/issuing.crl", timeout=10).content)
    text = subprocess.run([tool("openssl"), "crl", "-inform", "DER", "-in", str(crl), "-noout", "-text",
                           "-CAfile", str(issuing)], capture_output=True, text=True)
    assert text.returncode == 0 and "Next Update" in text.stdout


def _stored_handwriting_alpha(name: str) -> bytes:
    """The transparency of ``name``'s demo handwriting as the server stores it and a stamp embeds it."""
    stored = normalize_transparent(handwriting_png(name), *SIGNATURE_BOX)
    image = Image.open(BytesIO(stored)).convert("RGBA")
    image.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE), Image.Resampling.LANCZOS)
    return image.getchannel("A").tobytes()


def test_signer_demo_writes_a_signed_pdf_both_validators_accept(tmp_path):
    """Also issue 11 item 10: the demo signs a Chinese 采购合同 with the operator's Chinese handwriting."""
    if find_source_font() is None:
        missing("the CJK font (Debian package fonts-noto-cjk)")
    out = tmp_path / "demo"
    run = subprocess.run([sys.executable, "-m", "signer.cli", "demo", "--out", str(out)], capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    for name in ("qr.png", "signed.pdf", "root-ca.pem", "summary.json"):
        assert (out / name).stat().st_size > 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["signer_dn"].startswith("CN=1@") and summary["serial"]
    assert set(summary["phases_ms"]) >= {"create_session_ms", "scan_ms", "approve_and_sign_ms"}
    root = x509.load_pem_x509_certificate((out / "root-ca.pem").read_bytes()).public_bytes(serialization.Encoding.DER)
    assert all_valid(validate_pdf((out / "signed.pdf").read_bytes(), [root]))
    nss = nss_trusting(out / "root-ca.pem", tmp_path)
    report = pdfsig_report(out / "signed.pdf", nss, ocsp=False)  # the demo's server has stopped
    assert "Signature is Valid." in report and "Certificate is Trusted." in report, report
    assert decode_qr_image(out / "qr.png").startswith("ygqc://sign?s=" + summary["session_id"])
    assert summary["document"] == "采购合同 HT-2026-0618"
    text = subprocess.run([tool("pdftotext"), "-layout", str(out / "signed.pdf"), "-"], capture_output=True,
                          text=True, timeout=60, check=True).stdout
    for shown in ("采 购 合 同", "乙方（供货方）：龙口市恒通汽车贸易有限公司", "轻型厢式货车",
                  "人民币肆拾贰万贰仟零肆拾元整", "￥422,040.00", "法定代表人（签章）"):
        assert shown in text, text
    _, images = appearances((out / "signed.pdf").read_bytes())
    assert _stored_handwriting_alpha("李经办") in [i.alpha for i in images]  # operator1 李经办's 手写签名


def test_postgresql_live_server_completes_a_signature(postgres_url, tmp_path):
    with LiveServer(tmp_path / "instance", env={"DATABASE_URL": postgres_url}) as server:
        pc = PcClient(server.url)
        pc.login("admin", DEMO_PASSWORD)
        phone = phone_with_certificate(server.url, tmp_path / "phone")
        _, signed = sign_once(pc, phone, tmp_path)
        pc.close()
        assert_valid_everywhere(server.url, signed, tmp_path)


def test_two_processes_postgresql_and_redis_pc_on_one_phone_on_the_other(postgres_url, redis_url, tmp_path):
    """DESIGN §6: state in the database, emits through the message queue."""
    env = {"DATABASE_URL": postgres_url, "SIGNER_REDIS_URL": redis_url}
    first = LiveServer(tmp_path / "instance", env=env).start()
    second = LiveServer(tmp_path / "instance", env=env, init=False).start()
    try:
        pc = PcClient(first.url)
        pc.login("admin", DEMO_PASSWORD)
        phone = phone_with_certificate(second.url, tmp_path / "phone")
        _, signed = sign_once(pc, phone, tmp_path)
        pc.close()
        assert_valid_everywhere(first.url, signed, tmp_path)
    finally:
        second.stop()
        first.stop()


def test_h3_change_signing_password_then_only_the_new_one_signs(live_server, pc, tmp_path):
    phone = phone_with_certificate(live_server.url, tmp_path / "phone")
    cert_id = phone.certificates()[0]["id"]
    old_copy = (tmp_path / "phone" / "keystores" / f"{cert_id}.json").read_text()
    with pytest.raises(AppError) as err:
        phone.change_password(cert_id, SIGNING_PASSWORD, "123456")  # refused on the phone: too common
    assert err.value.code == "weak_password"
    phone.change_password(cert_id, SIGNING_PASSWORD, "Nw8$second")
    assert (tmp_path / "phone" / "keystores" / f"{cert_id}.json").read_text() != old_copy
    session_id = pc.create_session(sample_pdf(), "报价单").json()["id"]
    pc.join(session_id)
    phone.scan(pc.shown_frame()["payload"])
    with pytest.raises(AppError) as err:
        phone.approve(SIGNING_PASSWORD)
    assert err.value.code == "wrong_password" and err.value.remaining == 4
    phone.approve("Nw8$second")  # the retry uses the fresh challenge of the same scan
    pc.wait_status("signed")
