"""K1–K4, H2, H3: the signing conversation through the services, on SQLite and on PostgreSQL."""

from __future__ import annotations

import base64
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select, update

from pdfsign.validate import all_valid, validate_pdf
from signer.accounts.models import Account
from signer.certificates.enums import CertificateStatus
from signer.certificates.models import Certificate, UnlockChallenge
from signer.core.errors import Conflict, Forbidden, Gone, Unprocessable, ValidationFailed
from signer.core.models import AuditEvent, utcnow
from signer.demo.samples import sample_pdf
from signer.seals.enums import SealKind
from signer.signing import qr
from signer.signing.enums import SessionStatus
from signer.signing.models import SigningSession
from signer.signing.service import PlacementRequest
from tests.helpers import DomainPhone, add_operator, provision

COMPANY = PlacementRequest(SealKind.COMPANY, 1, 380, 80, 160, 80)


@pytest.fixture
def env(tmp_path: Path, database_url: str):
    services, notifier = provision(tmp_path, database_url, seal_images=True)  # a seal without an image cannot sign
    yield services, notifier
    services.db.dispose()


def admin(services) -> Account:
    with services.db.read() as s:
        return s.scalar(select(Account).where(Account.username == "admin"))


def ready_phone(services, username: str = "operator1", device: str = "phone-1") -> DomainPhone:
    phone = DomainPhone.login(services, username, device)
    cert = services.certificates.for_account(phone.who.account.id)[0]
    phone.download(cert.id)
    return phone


def new_session(services, placements=(COMPANY,)) -> str:
    row, _token = services.signing.create(admin(services), sample_pdf("Quote"), "报价单", list(placements),
                                          "10.0.0.1", "pytest-browser")
    return row.id


def payload_for(services, session_id: str) -> str:
    return services.signing.frame_payload(session_id)


def test_b7_download_makes_certificate_effective_with_manual_dn(env):
    services, _ = env
    phone = ready_phone(services)
    with services.db.read() as s:
        cert = s.get(Certificate, phone.cert_id)
    assert cert.status == CertificateStatus.EFFECTIVE
    assert cert.subject.startswith("CN=1@龙口市恒通汽车贸易有限公司@")
    assert cert.subject.endswith(",OU=INDIVIDUAL,O=龙口市恒通汽车贸易有限公司,C=CN")
    assert cert.device_id == phone.who.device.id
    with pytest.raises(Conflict):  # a second download of the same certificate is an illegal transition
        phone.download(phone.cert_id)


def test_k1_to_k4_full_conversation_signs_and_counts_usage(env):
    services, notifier = env
    phone = ready_phone(services)
    sid = new_session(services)
    view = services.signing.scan(phone.who, payload_for(services, sid), "10.0.0.9")
    assert view["title"] == "报价单" and view["page_count"] == 1
    assert view["pc_ip"] == "10.0.0.1" and view["pc_user_agent"] == "pytest-browser"
    assert view["confirmation_code"] == qr.confirmation_code(sid, view["document_sha256"])
    approved = services.signing.approve(phone.who, sid, view["challenge"]["id"],
                                        phone.response(view["challenge"]["nonce"]), "10.0.0.9")
    result = phone.sign_all(sid, approved["round"], approved["share"])
    assert result == {"done": True, "status": "signed"}
    seen = [state["status"] for sid_, state in notifier.events if sid_ == sid]
    assert seen == ["scanned", "signing", "signed"]
    with services.db.read() as s:
        row = s.get(SigningSession, sid)
        cert = s.get(Certificate, phone.cert_id)
    assert row.status == SessionStatus.SIGNED and cert.usage_count == 1
    signed = services.store.get(row.signed_sha256)
    root = services.ca.root.public_bytes(serialization.Encoding.DER)
    reports = validate_pdf(signed, [root])
    assert len(reports) == 1 and all_valid(reports)
    assert reports[0].serial == cert.serial_hex


def test_k5_three_seals_are_three_valid_signatures_from_one_approval(env):
    services, _ = env
    phone = ready_phone(services)
    placements = [PlacementRequest(SealKind.COMPANY, 1, 60, 60, 150, 80),
                  PlacementRequest(SealKind.LEGAL_REP, 1, 230, 60, 150, 80),
                  PlacementRequest(SealKind.HANDWRITTEN, 1, 400, 60, 150, 80)]
    sid = new_session(services, placements)
    view = services.signing.scan(phone.who, payload_for(services, sid), "ip")
    assert [s["seal"] for s in view["seals"]] == ["company", "legal_rep", "handwritten"]
    approved = services.signing.approve(phone.who, sid, view["challenge"]["id"],
                                        phone.response(view["challenge"]["nonce"]), "ip")
    assert approved["round"]["total"] == 3
    phone.sign_all(sid, approved["round"], approved["share"])
    with services.db.read() as s:
        row = s.get(SigningSession, sid)
    reports = validate_pdf(services.store.get(row.signed_sha256),
                           [services.ca.root.public_bytes(serialization.Encoding.DER)])
    assert len(reports) == 3 and all_valid(reports)


# -- QR frames (K2): every refusal is clear and changes nothing ------------------------------------
def test_qr_bad_hmac_is_refused(env):
    services, _ = env
    phone = ready_phone(services)
    sid = new_session(services)
    good = payload_for(services, sid)
    forged = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
    with pytest.raises(ValidationFailed) as err:
        services.signing.scan(phone.who, forged, "ip")
    assert err.value.code == "bad_qr_signature"
    assert services.signing.state(sid)["status"] == "waiting"


def test_qr_stale_frame_is_refused(env):
    services, _ = env
    phone = ready_phone(services)
    sid = new_session(services)
    with services.db.read() as s:
        secret = s.get(SigningSession, sid).qr_secret
    old_step = qr.current_step(services.config.qr_step_seconds) - services.config.qr_window_steps - 1
    stale = qr.make_payload(services.config.qr_scheme, secret, sid, old_step)
    with pytest.raises(ValidationFailed) as err:
        services.signing.scan(phone.who, stale, "ip")
    assert err.value.code == "stale_qr"
    future = qr.make_payload(services.config.qr_scheme, secret, sid, old_step + 100)
    with pytest.raises(ValidationFailed):
        services.signing.scan(phone.who, future, "ip")


def test_qr_frame_of_another_session_is_refused(env):
    services, _ = env
    phone = ready_phone(services)
    first, second = new_session(services), new_session(services)
    frame = qr.parse_payload(payload_for(services, first), services.config.qr_scheme)
    spliced = f"{services.config.qr_scheme}://sign?s={second}&t={frame.step}&h={frame.mac}"
    with pytest.raises(ValidationFailed) as err:
        services.signing.scan(phone.who, spliced, "ip")
    assert err.value.code == "bad_qr_signature"


def test_qr_second_scan_after_the_first_is_refused(env):
    services, _ = env
    phone = ready_phone(services)
    other = DomainPhone.login(services, "admin", "phone-2")
    sid = new_session(services)
    payload = payload_for(services, sid)
    services.signing.scan(phone.who, payload, "ip")
    for who in (phone.who, other.who):
        with pytest.raises(Conflict) as err:
            services.signing.scan(who, payload, "ip")
        assert err.value.code == "already_scanned"
    assert services.signing.frame_payload(sid) is None  # the page stops showing frames


def test_qr_scan_after_expiry_is_refused(env):
    services, notifier = env
    phone = ready_phone(services)
    sid = new_session(services)
    payload = payload_for(services, sid)
    with services.db.write() as s:
        s.execute(update(SigningSession).where(SigningSession.id == sid)
                  .values(expires_at=utcnow() - timedelta(seconds=1)))
    with pytest.raises(Gone) as err:
        services.signing.scan(phone.who, payload, "ip")
    assert err.value.code == "session_expired"
    assert services.signing.state(sid)["status"] == "expired"
    assert notifier.events[-1][1]["status"] == "expired"


def test_scan_refused_without_assigned_seal_or_from_another_enterprise(env):
    services, _ = env
    _account, cert = add_operator(services, "no_seals", seals=(SealKind.COMPANY,))
    phone = DomainPhone.login(services, "no_seals")
    phone.download(cert.id)
    sid = new_session(services, [PlacementRequest(SealKind.LEGAL_REP, 1, 60, 60, 150, 80)])
    with pytest.raises(Forbidden) as err:
        services.signing.scan(phone.who, payload_for(services, sid), "ip")
    assert err.value.code == "seal_not_assigned" and "法定代表人章" in err.value.message

    _, foreign_cert = add_operator(services, "foreigner", enterprise_name="别的公司")
    foreign = DomainPhone.login(services, "foreigner")
    foreign.download(foreign_cert.id)
    sid = new_session(services)
    with pytest.raises(Forbidden) as err:
        services.signing.scan(foreign.who, payload_for(services, sid), "ip")
    assert err.value.code == "wrong_enterprise"
    assert services.signing.state(sid)["status"] == "waiting"


def test_scan_from_a_device_without_the_certificate_is_refused(env):
    services, _ = env
    ready_phone(services, device="phone-1")
    second_device = DomainPhone.login(services, "operator1", "phone-2")
    sid = new_session(services)
    with pytest.raises(Forbidden) as err:
        services.signing.scan(second_device.who, payload_for(services, sid), "ip")
    assert err.value.code == "no_certificate"


# -- keystore lockout (H3, DESIGN §4) -------------------------------------------------------------
def _freeze_events(services, cert_id: int | None) -> int:
    with services.db.read() as s:
        return len(list(s.scalars(select(AuditEvent).where(AuditEvent.action == "certificate:freeze",
                                                            AuditEvent.subject_id == str(cert_id)))))


def test_five_wrong_passwords_freeze_the_certificate(env):
    services, _notifier = env
    phone = ready_phone(services)
    sid = new_session(services)
    view = services.signing.scan(phone.who, payload_for(services, sid), "ip")
    challenge = view["challenge"]
    remaining = []
    for _ in range(5):
        with pytest.raises(Forbidden) as err:
            services.signing.approve(phone.who, sid, challenge["id"], phone.response(challenge["nonce"], "wrong-pw"),
                                     "ip")
        remaining.append(err.value.details["remaining"])
        challenge = err.value.details.get("challenge", challenge)
    assert remaining == [4, 3, 2, 1, 0]
    assert err.value.code == "certificate_frozen"
    with services.db.read() as s:
        assert s.get(Certificate, phone.cert_id).status == CertificateStatus.FROZEN
    assert services.signing.state(sid)["status"] == "failed"
    assert _freeze_events(services, phone.cert_id) == 1
    # the right password no longer helps, and nothing can be signed
    sid2 = new_session(services)
    with pytest.raises(Forbidden) as err:
        services.signing.scan(phone.who, payload_for(services, sid2), "ip")
    assert err.value.code == "no_certificate"


def test_approve_refused_by_the_signing_rule_fails_the_session_and_keeps_the_used_challenge(env):
    """Unlock, rule check and 已扫码 → 签署中 share one write transaction: a right answer met by a seal taken
    away meanwhile fails the session; the challenge stays used and nothing was approved."""
    services, notifier = env
    phone = ready_phone(services)
    sid = new_session(services)
    view = services.signing.scan(phone.who, payload_for(services, sid), "ip")
    services.seals.unassign(admin(services), phone.who.account.id, SealKind.COMPANY)
    answer = phone.response(view["challenge"]["nonce"])
    with pytest.raises(Forbidden) as err:
        services.signing.approve(phone.who, sid, view["challenge"]["id"], answer, "ip")
    assert err.value.code == "seal_not_assigned"
    assert services.signing.state(sid)["status"] == "failed"
    assert notifier.events[-1][1]["status"] == "failed"  # the PC page is told
    with services.db.read() as s:
        assert s.get(UnlockChallenge, view["challenge"]["id"]).used_at is not None  # checked, and used up
        actions = list(s.scalars(select(AuditEvent.action).where(AuditEvent.subject_id == sid)))
    assert "signing:fail" in actions and "signing:approve" not in actions


def test_a_right_password_resets_the_consecutive_count(env):
    services, _ = env
    phone = ready_phone(services)
    for _ in range(4):
        ch = services.certificates.password_challenge(phone.who, phone.cert_id)
        out = services.certificates.unlock(phone.who, ch.id, phone.response(base64.b64encode(ch.nonce).decode(),
                                                                              "wrong-pw"), "password", "ip")
        assert not out.ok
    ch = services.certificates.password_challenge(phone.who, phone.cert_id)
    assert services.certificates.unlock(phone.who, ch.id, phone.response(base64.b64encode(ch.nonce).decode()),
                                        "password", "ip").ok
    with services.db.read() as s:
        assert s.get(Certificate, phone.cert_id).failed_unlocks == 0


def test_five_wrong_passwords_sent_concurrently_freeze_exactly_once(env):
    services, _ = env
    phone = ready_phone(services)
    challenges = [services.certificates.password_challenge(phone.who, phone.cert_id) for _ in range(5)]
    answers = [(c.id, phone.response(base64.b64encode(c.nonce).decode(), "wrong-pw")) for c in challenges]
    outcomes, errors = [], []
    barrier = threading.Barrier(len(answers))

    def attempt(challenge_id: int, response: bytes) -> None:
        barrier.wait()
        try:
            outcomes.append(services.certificates.unlock(phone.who, challenge_id, response, "password", "ip"))
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=attempt, args=a) for a in answers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    with services.db.read() as s:
        cert = s.get(Certificate, phone.cert_id)
    # every attempt either counted (and was refused) or found the certificate already frozen
    assert all(not o.ok for o in outcomes)
    assert all(isinstance(e, Forbidden) and e.code == "certificate_frozen" for e in errors)
    assert cert.status == CertificateStatus.FROZEN
    assert cert.failed_unlocks == len(outcomes) >= 5 - len(errors)
    assert _freeze_events(services, phone.cert_id) == 1


def test_a_challenge_is_single_use(env):
    services, _ = env
    phone = ready_phone(services)
    ch = services.certificates.password_challenge(phone.who, phone.cert_id)
    answer = phone.response(base64.b64encode(ch.nonce).decode())
    assert services.certificates.unlock(phone.who, ch.id, answer, "password", "ip").ok
    with pytest.raises(Conflict) as err:
        services.certificates.unlock(phone.who, ch.id, answer, "password", "ip")
    assert err.value.code == "challenge_used"


# -- the phone's signature value is verified before anything is embedded --------------------------
def test_tampered_signature_value_is_refused_and_nothing_is_embedded(env):
    services, notifier = env
    phone = ready_phone(services)
    sid = new_session(services)
    view = services.signing.scan(phone.who, payload_for(services, sid), "ip")
    approved = services.signing.approve(phone.who, sid, view["challenge"]["id"],
                                        phone.response(view["challenge"]["nonce"]), "ip")
    with pytest.raises(Unprocessable) as err:
        phone.sign_all(sid, approved["round"], approved["share"], tamper=True)
    assert err.value.code == "bad_signature_value"
    with services.db.read() as s:
        row = s.get(SigningSession, sid)
        cert = s.get(Certificate, phone.cert_id)
    assert row.status == SessionStatus.FAILED and row.signed_sha256 is None
    assert cert.usage_count == 0
    assert notifier.events[-1][1]["status"] == "failed"


def test_reject_and_cancel_are_final(env):
    services, _ = env
    phone = ready_phone(services)
    sid = new_session(services)
    view = services.signing.scan(phone.who, payload_for(services, sid), "ip")
    services.signing.reject(phone.who, sid, "ip")
    assert services.signing.state(sid)["status"] == "rejected"
    with pytest.raises(Conflict):
        services.signing.approve(phone.who, sid, view["challenge"]["id"],
                                 phone.response(view["challenge"]["nonce"]), "ip")
    sid2 = new_session(services)
    with services.db.read() as s:
        token_hash = s.get(SigningSession, sid2).binding_token_hash
    assert token_hash  # the binding token itself is never stored
    with pytest.raises(Forbidden):
        services.signing.cancel(admin(services), "not-the-token", sid2, "ip")
    assert services.signing.state(sid2)["status"] == "waiting"
