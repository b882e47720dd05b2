"""K5, K7, H5, L against a live server: three seals at B-LTA from the APP, checked by pdfsig, openssl and
the verification API, then validated offline after the server (TSA, OCSP, CRL) has stopped."""

from __future__ import annotations

import base64
import json
import subprocess

import requests

from mobile import AppClient, handwriting
from mobile import cli as app_cli
from pdfsign.verify import verify_pdf
from signer.cli_demo import DEMO_PASSWORD, LiveServer, PcClient
from signer.demo.samples import sample_pdf
from tests.integration.conftest import nss_trusting, pdfsig_each_signature, pdfsig_report
from tests.integration.test_scan_to_sign_live import phone_with_certificate, root_der
from tests.unit.test_seals_and_ltv_domain import tool

THREE = [{"seal": "company", "page": 1, "x": 50, "y": 60, "width": 150, "height": 110},
         {"seal": "legal_rep", "page": 1, "x": 220, "y": 60, "width": 150, "height": 110},
         {"seal": "handwritten", "page": 1, "x": 390, "y": 60, "width": 150, "height": 110}]


def sign_b_lta(pc: PcClient, phone: AppClient) -> tuple[str, bytes]:
    created = pc.create_session(sample_pdf("Framework agreement"), "框架协议", THREE, pades_level="B-LTA")
    assert created.status_code == 201, created.text
    assert created.json()["pades_level"] == "B-LTA"
    session_id = created.json()["id"]
    pc.join(session_id)
    scan = phone.scan(pc.shown_frame()["payload"])
    assert [s["seal"] for s in scan["seals"]] == ["company", "legal_rep", "handwritten"]  # the phone sees the list
    assert phone.approve("Qm7#signing")["rounds"] == 3  # one approval, one round per seal
    pc.wait_status("signed")
    return session_id, pc.download(session_id).content


def test_k5_k7_l_three_seals_b_lta_live_then_offline(tmp_path):
    server = LiveServer(tmp_path / "instance", env={"SIGNER_QR_STEP": "1"}).start()
    try:
        url = server.url
        pc = PcClient(url)
        pc.login("admin", DEMO_PASSWORD)
        phone = phone_with_certificate(url, tmp_path / "phone")
        # H5: the operator sets a new handwritten signature from pen strokes before signing
        strokes = [[{"x": 10 + 4 * i, "y": 50 + (i % 7) * 3, "p": 0.6} for i in range(80)]]
        drawn = handwriting.set_from_strokes(phone, strokes)
        assert drawn["png"].startswith(b"\x89PNG") and drawn["width"] > 100
        assert handwriting.current(phone)["png"] == drawn["png"]
        strokes_file = tmp_path / "strokes.json"
        strokes_file.write_text(json.dumps([[{"x": 5 + 3 * i, "y": 40 - (i % 9), "p": 0.8} for i in range(70)]]))
        out = tmp_path / "mine.png"
        assert app_cli.main(["--server", url, "--home", str(tmp_path / "phone"), "handwriting", "--set",
                             str(strokes_file), "--out", str(out)]) == 0
        assert out.read_bytes() == handwriting.current(phone)["png"] != drawn["png"]

        _sid, signed = sign_b_lta(pc, phone)
        pc.close()
        root = root_der(url)
        pdf = tmp_path / "signed.pdf"
        pdf.write_bytes(signed)
        # pdfsig (NSS) while our OCSP responder answers: every signature valid, the root trusted
        root_pem = tmp_path / "root.pem"
        root_pem.write_bytes(requests.get(f"{url}/pki/root.pem", timeout=10).content)
        nss = nss_trusting(root_pem, tmp_path)
        report = pdfsig_report(pdf, nss, ocsp=True)
        assert report.count("Signature is Valid.") == 3, report
        for alone in pdfsig_each_signature(pdf, nss, ocsp=True):
            assert alone.count("Signature is Valid.") == 1, alone
            assert alone.count("Certificate is Trusted.") == 1, alone
        check = subprocess.run([tool("qpdf"), "--check", str(pdf)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr

        # K7 over HTTP: public, per signature and overall
        answer = requests.post(f"{url}/api/v1/verify", files={"file": ("s.pdf", signed, "application/pdf")},
                               timeout=60)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["verdict"] == "valid" and body["verdict_label"] == "签名有效"
        assert [s["seal"] for s in body["signatures"]] == ["company", "legal_rep", "handwritten"]
        for s in body["signatures"]:
            assert s["intact"] and s["trusted"] and s["pades_level"] == "B-LTA" and s["revocation"] == "good"
            assert s["serial"] == phone.certificates()[0]["serial"] and s["timestamp_time"]
        tampered = bytearray(signed)
        pos = signed.index(b"Framework")
        tampered[pos] = ord("f")
        bad = requests.post(f"{url}/api/v1/verify", files={"file": ("t.pdf", bytes(tampered))}, timeout=60).json()
        assert bad["verdict"] == "invalid" and bad["signatures"][0]["intact"] is False
        not_pdf = requests.post(f"{url}/api/v1/verify", files={"file": ("x.pdf", b"hello")}, timeout=30)
        assert not_pdf.status_code == 422
        assert "/api/v1/verify" in requests.get(f"{url}/api/v1/openapi.json", timeout=10).json()["paths"]
    finally:
        server.stop()

    # the TSA, the OCSP responder and the CRL endpoint are gone: the file still proves itself
    result = verify_pdf(signed, [root])
    assert result.verdict == "valid"
    assert [s.pades_level for s in result.signatures] == ["B-LTA"] * 3


def test_l_rfc3161_endpoint_answers_openssl(live_server, tmp_path):
    openssl = tool("openssl")
    data = tmp_path / "data.txt"
    data.write_text("询价单 2026-001")
    query = tmp_path / "req.tsq"
    subprocess.run([openssl, "ts", "-query", "-data", str(data), "-sha256", "-cert", "-out", str(query)],
                   check=True, capture_output=True)
    resp = requests.post(f"{live_server.url}/pki/tsa", data=query.read_bytes(),
                         headers={"Content-Type": "application/timestamp-query"}, timeout=30)
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "application/timestamp-reply"
    reply = tmp_path / "resp.tsr"
    reply.write_bytes(resp.content)
    (tmp_path / "root.pem").write_bytes(requests.get(f"{live_server.url}/pki/root.pem", timeout=10).content)
    issuing = requests.get(f"{live_server.url}/pki/issuing-ca.crt", timeout=10).content
    (tmp_path / "issuing.pem").write_text(
        "-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(issuing).decode() + "-----END CERTIFICATE-----\n")
    out = subprocess.run([openssl, "ts", "-verify", "-queryfile", str(query), "-in", str(reply), "-CAfile",
                          str(tmp_path / "root.pem"), "-untrusted", str(tmp_path / "issuing.pem")],
                         capture_output=True, text=True)
    assert "Verification: OK" in out.stdout, out.stdout + out.stderr
    text = subprocess.run([openssl, "ts", "-reply", "-in", str(reply), "-text"], capture_output=True, text=True)
    assert "Status: Granted." in text.stdout and "Nonce:" in text.stdout
    wrong = requests.post(f"{live_server.url}/pki/tsa", data=b"not a request",
                          headers={"Content-Type": "application/timestamp-query"}, timeout=30)
    assert wrong.status_code == 200  # RFC 3161: a rejection is a TimeStampResp, not an HTTP error
    parsed = subprocess.run([openssl, "ts", "-reply", "-in", "/dev/stdin", "-text"], input=wrong.content,
                            capture_output=True)
    assert b"Status: Rejected." in parsed.stdout and b"wrong format" in parsed.stdout
