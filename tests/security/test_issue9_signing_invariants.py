"""Issue 9, rows 1, 2, 3, 6 and 8, written as the attacks: live servers, the reference APP client as the phone.

Rows 1, 2, 3 and 6 run on SQLite (one process) and on PostgreSQL + Redis with two server processes; the
concurrent ones fire their calls from threads released together.
"""

from __future__ import annotations

import base64
import threading
from functools import partial
from typing import Any

import pytest

from keystore import unlock_response, verifier_from_password
from mobile import AppClient, AppError
from signer.certificates.enums import CertificateStatus
from signer.cli_demo import DEMO_PASSWORD, SIGNING_PASSWORD, LiveServer, PcClient
from signer.seals.seed_seals import signature_strokes

from .conftest import Deployment, error_code, fire_together

WRONG = "Wrong#pass9"
HANDWRITTEN = [{"seal": "handwritten", "page": 1, "x": 390, "y": 60, "width": 150, "height": 110}]


def prepared_answer(phone: AppClient, password: str) -> dict[str, Any]:
    """The phone's answer to its pending challenge, computed before sending (the slow key derivation done),
    so that answers sent together arrive together."""
    scan = phone.pending_scan
    assert scan is not None
    challenge = phone._challenge or scan["challenge"]
    keystore = phone.storage.load_keystore(scan["certificate"]["id"])
    _, verifier = verifier_from_password(password, keystore.kdf)
    response = unlock_response(verifier, base64.b64decode(challenge["nonce"]))
    return {"session_id": scan["session_id"], "challenge_id": challenge["id"],
            "response": base64.b64encode(response).decode()}


def send_answers(phones: list[AppClient], password: str) -> list[Any]:
    answers = [prepared_answer(p, password) for p in phones]
    return fire_together([partial(p._call, "approve", a) for p, a in zip(phones, answers, strict=True)])


# -- row 1 ------------------------------------------------------------------------------------------
def test_row1_concurrent_wrong_unlocks_freeze_after_exactly_five(deployment: Deployment):
    _, cert_id = deployment.phone_with_certificate()
    pc = deployment.pc()
    sessions = deployment.scanned(pc, 10)
    phones = [p for _, p in sessions]

    results = send_answers(phones, WRONG)

    assert all(isinstance(r, AppError) for r in results), results
    codes = [r.code for r in results]  # every result is an AppError (above)
    assert sorted(codes) == ["certificate_frozen"] * 6 + ["wrong_password"] * 4, codes
    remaining = sorted(r.details["remaining"] for r in results)
    assert remaining == [0] * 6 + [1, 2, 3, 4]  # each checked answer saw its own count
    cert = deployment.certificate(cert_id)
    assert cert.status == CertificateStatus.FROZEN
    assert cert.failed_unlocks == 5  # exactly five were checked
    assert deployment.audit_count("keystore:wrong-password", cert_id) == 5
    assert deployment.audit_count("certificate:freeze", cert_id) == 1

    # the right password, with the fresh challenge a refused answer brought, gets nothing now
    retry, refusal = next((p, r) for p, r in zip(phones, results, strict=True) if r.code == "wrong_password")
    retry._challenge = refusal.details["challenge"]
    with pytest.raises(AppError) as err:
        retry.approve(SIGNING_PASSWORD)
    assert err.value.code == "certificate_frozen" and "share" not in err.value.details
    assert deployment.certificate(cert_id).failed_unlocks == 5
    pc.close()


# -- row 6 ------------------------------------------------------------------------------------------
def test_row6_every_approve_refused_as_frozen_fails_its_session(deployment: Deployment):
    deployment.phone_with_certificate()
    pc = deployment.pc()
    sessions = deployment.scanned(pc, 10)
    phones = [p for _, p in sessions]

    first = send_answers(phones, WRONG)
    frozen = [sid for (sid, _), r in zip(sessions, first, strict=True) if error_code(r) == "certificate_frozen"]
    waiting = [(sid, p, r) for (sid, p), r in zip(sessions, first, strict=True) if error_code(r) == "wrong_password"]
    assert frozen and waiting and len(frozen) + len(waiting) == 10, [error_code(r) for r in first]
    for sid in frozen:
        state = deployment.state(pc, sid)
        assert state["status"] == "failed" and "冻结" in state["failure"], state
    for sid, _, _ in waiting:  # a wrong password alone leaves the session open for another try
        assert deployment.state(pc, sid)["status"] == "scanned"

    # those sessions try again (the right password among them), all at once: the certificate is frozen now
    for _, phone, refusal in waiting:
        phone._challenge = refusal.details["challenge"]
    passwords = [SIGNING_PASSWORD] + [WRONG] * (len(waiting) - 1)
    answers = [prepared_answer(p, pw) for (_, p, _), pw in zip(waiting, passwords, strict=True)]
    second = fire_together([partial(p._call, "approve", a)
                            for (_, p, _), a in zip(waiting, answers, strict=True)])
    assert [error_code(r) for r in second] == ["certificate_frozen"] * len(waiting)
    for sid, _ in sessions:
        state = deployment.state(pc, sid)
        assert state["status"] == "failed" and "冻结" in state["failure"], state
    pc.close()


# -- row 2 ------------------------------------------------------------------------------------------
def test_row2_certificate_withdrawn_between_approve_and_signature_fails_the_session(deployment: Deployment):
    _, cert_id = deployment.phone_with_certificate()
    pc = deployment.pc()
    session_id = deployment.session(pc)
    signer = deployment.phone(1)  # the conversation runs on the second process (where there is one)
    signer.scan(deployment.qr_payload(pc, session_id))
    owner = deployment.phone(0)

    def unbind_then_send(signature: bytes) -> bytes:
        """Approved, round prepared: now 解绑 (withdrawn, on the CRL), then the signature value goes out."""
        owner.unbind(cert_id, confirm=True)
        return signature

    with pytest.raises(AppError) as err:
        signer.approve(SIGNING_PASSWORD, tamper=unbind_then_send)
    assert err.value.code == "not_effective", err.value
    state = deployment.state(pc, session_id)
    assert state["status"] == "failed" and state["failure"].startswith("证书已失效"), state
    assert state["download_url"] is None
    assert pc.download(session_id).status_code == 409
    cert = deployment.certificate(cert_id)
    assert cert.status == CertificateStatus.WITHDRAWN and cert.usage_count == 0
    pc.close()


# -- row 3 ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("server_env", [{"SIGNER_USAGE_LIMIT": "1"}])
def test_row3_usage_limit_holds_for_sessions_approved_before_either_is_signed(deployment: Deployment):
    _, cert_id = deployment.phone_with_certificate()
    assert deployment.certificate(cert_id).usage_limit == 1
    pc = deployment.pc()
    sessions = deployment.scanned(pc, 2)  # one phone connection per process
    both_approved = threading.Barrier(2)

    def hold(signature: bytes) -> bytes:
        """Each approval waits for the other before its signature value is sent."""
        both_approved.wait(120)
        return signature

    results = fire_together([partial(p.approve, SIGNING_PASSWORD, tamper=hold) for _, p in sessions])

    signed = [r for r in results if isinstance(r, dict)]
    refused = [r for r in results if isinstance(r, AppError)]
    assert len(signed) == 1 and signed[0]["status"] == "signed", results
    assert [e.code for e in refused] == ["usage_exhausted"], results
    states = sorted((deployment.state(pc, sid) for sid, _ in sessions), key=lambda s: s["status"])
    assert [s["status"] for s in states] == ["failed", "signed"]
    assert "剩余次数不足" in states[0]["failure"]
    assert deployment.certificate(cert_id).usage_count == 1
    pc.close()


# -- row 8 ------------------------------------------------------------------------------------------
def test_row8_seal_without_image_is_refused_at_scan_and_assign_page_says_so(live_server: LiveServer, tmp_path):
    url = live_server.url
    admin = AppClient(url, tmp_path / "admin-phone")
    admin.login("admin", DEMO_PASSWORD)
    cert_id = next(c["id"] for c in admin.enterprise_certificates() if c["bound_account"] == "operator1")
    admin.unbind(cert_id, confirm=True)  # the demo's 待下载 certificate goes to operator2, who has no handwriting
    operator2 = next(o for o in admin.operators() if o["username"] == "operator2")
    admin.bind(cert_id, operator2["id"])
    phone = AppClient(url, tmp_path / "phone")
    phone.login("operator2", DEMO_PASSWORD)
    phone.download_certificate(cert_id, SIGNING_PASSWORD)

    pc = PcClient(url)
    pc.login("admin", DEMO_PASSWORD)
    assigned = pc.http.put(f"{url}/api/v1/accounts/{operator2['id']}/seals",
                           json={"company": True, "legal_rep": True, "handwritten": True},
                           headers={"X-CSRF-Token": pc.csrf}, timeout=30)
    assert assigned.status_code == 200, assigned.text
    body = assigned.json()
    assert body["handwritten"] is True  # 分配印章 allows it, and says what is missing
    assert body["handwriting_set"] is False and body["without_image"] == ["handwritten"]
    page = pc.http.get(f"{url}/member/certificates/{cert_id}/seals", timeout=30)
    assert page.status_code == 200 and "该账号尚未设置手写签名" in page.text

    here = Deployment([url], f"sqlite:///{live_server.instance / 'signer.db'}", tmp_path)
    session_id = here.session(pc, HANDWRITTEN)
    payload = here.qr_payload(pc, session_id)
    with pytest.raises(AppError) as err:
        phone.scan(payload)
    assert err.value.code == "seal_image_missing", err.value
    assert "手写签名" in err.value.message and err.value.details["missing"] == ["handwritten"]
    state = pc.http.get(f"{url}/api/v1/signing-sessions/{session_id}", timeout=30).json()
    assert state["status"] == "waiting"  # nothing was signed, not even scanned

    # once the operator sets a handwriting, the same seal signs (with its image)
    phone._request("PUT", "/app/handwriting", {"strokes": signature_strokes()})
    assert pc.http.get(f"{url}/api/v1/accounts/{operator2['id']}/seals", timeout=30).json()["handwriting_set"]
    assert "该账号尚未设置手写签名" not in pc.http.get(f"{url}/member/certificates/{cert_id}/seals", timeout=30).text
    phone.scan(here.qr_payload(pc, session_id))
    assert phone.approve(SIGNING_PASSWORD)["status"] == "signed"
    pc.close()
