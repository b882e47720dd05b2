"""K5, B8, L, K7: seals with images, PAdES levels, revocation after signing, verification — through the
services, on SQLite and on PostgreSQL."""

from __future__ import annotations

import hashlib
import subprocess
import time
from io import BytesIO
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy import select

from pdfsign.validate import all_valid, validate_pdf
from pdfsign.verify import verify_pdf
from signer.accounts.models import Account
from signer.ca.enums import RevocationReason
from signer.certificates.enums import CertificateStatus
from signer.certificates.retire import retire
from signer.core.audit import Actor
from signer.core.errors import Forbidden
from signer.core.models import AuditEvent
from signer.demo.samples import sample_pdf
from signer.demo.seed import DEMO_CREDIT_CODE
from signer.seals.enums import SealKind
from signer.seals.seed_seals import seed_demo_seals
from signer.signing.enums import PadesLevel, SessionStatus
from signer.signing.models import SigningRound, SigningSession
from signer.signing.service import PlacementRequest
from tests.helpers import DomainPhone, add_operator, provision
from tests.needs import missing, tool

THREE = [PlacementRequest(SealKind.COMPANY, 1, 60, 60, 150, 110),
         PlacementRequest(SealKind.LEGAL_REP, 1, 230, 60, 150, 110),
         PlacementRequest(SealKind.HANDWRITTEN, 1, 400, 60, 150, 110)]


@pytest.fixture
def env(tmp_path: Path, database_url: str):
    services, _notifier = provision(tmp_path, database_url)
    fonts = services.signing.font_paths()
    if not fonts:
        missing("the CJK stamp font (Debian package fonts-noto-cjk)")
    assert seed_demo_seals(services.seals, DEMO_CREDIT_CODE, "operator1", fonts[0])
    yield services
    services.db.dispose()


def admin(services) -> Account:
    with services.db.read() as s:
        return s.scalar(select(Account).where(Account.username == "admin"))


def ready_phone(services, username: str = "operator1") -> DomainPhone:
    phone = DomainPhone.login(services, username)
    phone.download(services.certificates.for_account(phone.who.account.id)[0].id)
    return phone


def sign(services, phone: DomainPhone, level: PadesLevel, placements=THREE) -> tuple[str, bytes]:
    row, _ = services.signing.create(admin(services), sample_pdf("Contract"), "合同", list(placements), "ip", "ua",
                                     pades_level=level)
    view = services.signing.scan(phone.who, services.signing.frame_payload(row.id), "ip")
    approved = services.signing.approve(phone.who, row.id, view["challenge"]["id"],
                                        phone.response(view["challenge"]["nonce"]), "ip")
    assert phone.sign_all(row.id, approved["round"], approved["share"])["status"] == "signed"
    with services.db.read() as s:
        signed = s.get(SigningSession, row.id).signed_sha256
    return row.id, services.store.get(signed)


def der(cert) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def test_k5_l_three_seals_at_b_lta_validate_offline_with_images_and_chinese_text(env, tmp_path):
    services = env
    phone = ready_phone(services)
    _sid, pdf = sign(services, phone, PadesLevel.B_LTA)
    root = der(services.ca.root)

    # pyHanko: every signature intact, valid, trusted; later revisions only allowed changes
    reports = validate_pdf(pdf, [root])
    assert len(reports) == 3 and all_valid(reports)
    # K7 verification (no network at all): B-LTA reached for each seal, a trusted document timestamp
    result = verify_pdf(pdf, [root])
    assert result.verdict == "valid"
    assert [s.field_name for s in result.signatures] == ["Seal1_company", "Seal2_legal_rep", "Seal3_handwritten"]
    for s in result.signatures:
        assert (s.intact, s.valid, s.trusted, s.changes_allowed) == (True, True, True, True)
        assert s.pades_level == "B-LTA" and s.timestamp_time is not None and s.revocation == "good"
    assert len(result.document_timestamps) == 1 and result.document_timestamps[0].trusted

    reader = PdfFileReader(BytesIO(pdf))
    # the upload, the empty fields, one revision per seal, the DSS with the document timestamp, and the
    # timestamp's own validation data (so the archive chain can be extended later)
    assert reader.xrefs.total_revisions == 1 + 1 + 3 + 1 + 1
    assert [e.signed_revision for e in reader.embedded_signatures] == [2, 3, 4, 5]
    dss = reader.root["/DSS"]
    assert len(dss["/OCSPs"]) >= 2 and len(dss["/CRLs"]) == 2
    for emb in reader.embedded_regular_signatures:
        appearance = emb.sig_field["/AP"]["/N"]
        resources = appearance["/Resources"]
        # K5: the seal image keeps its transparency (an /SMask) inside the signature's own appearance
        images = [x for x in _xobjects(resources) if x.get("/Subtype") == "/Image"]
        assert images and all("/SMask" in img for img in images)
        # the Chinese line is in an embedded CID font whose ToUnicode says what it shows
        fonts = list(resources["/Font"].values())
        assert any(f.get_object()["/Subtype"] == "/Type0" for f in fonts)
        tounicode = b"".join(f.get_object()["/ToUnicode"].data for f in fonts)
        for ch in "李经办签署于":
            assert ch.encode("utf-16-be").hex().encode() in tounicode.lower()

    (tmp_path / "signed.pdf").write_bytes(pdf)
    qpdf = subprocess.run([tool("qpdf"), "--check", str(tmp_path / "signed.pdf")], capture_output=True, text=True)
    assert qpdf.returncode == 0 and "No syntax or stream encoding errors" in qpdf.stdout, qpdf.stdout + qpdf.stderr
    _openssl_accepts_the_timestamps(services, pdf, reader, tmp_path)


def _xobjects(resources) -> list:
    found = []
    for ref in resources.get("/XObject", {}).values():
        obj = ref.get_object()
        found.append(obj)
        if "/Resources" in obj:
            found.extend(_xobjects(obj["/Resources"]))
    return found


def _openssl_accepts_the_timestamps(services, pdf: bytes, reader: PdfFileReader, tmp_path: Path) -> None:
    """`openssl ts -verify` on the signature timestamp of each seal and on the document timestamp."""
    openssl = tool("openssl")
    (tmp_path / "root.pem").write_bytes(services.ca.pem("root"))
    (tmp_path / "issuing.pem").write_bytes(services.ca.pem("issuing"))
    checks = []
    for emb in reader.embedded_regular_signatures:
        unsigned = emb.signer_info["unsigned_attrs"]
        (token,) = [a["values"][0] for a in unsigned if a["type"].native == "signature_time_stamp_token"]
        digest = hashlib.sha256(emb.signer_info["signature"].native).hexdigest()
        checks.append((token.dump(), ["-digest", digest]))
    (doc_ts,) = [e for e in reader.embedded_signatures if e.sig_object_type == "/DocTimeStamp"]
    covered = tmp_path / "covered.bin"
    start, length1, start2, length2 = (int(v) for v in doc_ts.sig_object["/ByteRange"])
    covered.write_bytes(pdf[start:start + length1] + pdf[start2:start2 + length2])
    checks.append((doc_ts.pkcs7_content, ["-data", str(covered)]))
    for i, (token, what) in enumerate(checks):
        path = tmp_path / f"token{i}.der"
        path.write_bytes(token)
        out = subprocess.run([openssl, "ts", "-verify", "-in", str(path), "-token_in", *what,
                              "-CAfile", str(tmp_path / "root.pem"), "-untrusted", str(tmp_path / "issuing.pem")],
                             capture_output=True, text=True)
        assert "Verification: OK" in out.stdout, out.stdout + out.stderr


@pytest.mark.parametrize("level", [PadesLevel.B_B, PadesLevel.B_T, PadesLevel.B_LT])
def test_each_pades_level_is_reached_exactly(env, level):
    services = env
    phone = ready_phone(services)
    _sid, pdf = sign(services, phone, level, THREE[:1])
    result = verify_pdf(pdf, [der(services.ca.root)])
    assert result.verdict == "valid"
    assert [s.pades_level for s in result.signatures] == [level.value]
    assert result.document_timestamps == []
    assert (result.signatures[0].timestamp_time is None) == (level == PadesLevel.B_B)


def test_l_revoked_after_b_lta_still_valid_at_signing_time_and_cannot_sign_again(env):
    services = env
    phone = ready_phone(services)
    _sid, pdf = sign(services, phone, PadesLevel.B_LTA, THREE[:2])
    time.sleep(1.1)  # times have whole seconds: the revocation must come strictly after the timestamp
    with services.db.write() as s:
        retire(s, services.ca, phone.cert_id, CertificateStatus.REVOKED, RevocationReason.KEY_COMPROMISE,
               Actor(None, "reviewer"))
    with services.db.read() as s:
        assert s.scalar(select(AuditEvent).where(AuditEvent.action == "certificate:revoke")) is not None
    current = services.ca.revocation_material([])
    result = verify_pdf(pdf, [der(services.ca.root)], current)
    for s in result.signatures:
        assert s.revocation == "revoked" and s.revoked_at is not None
        assert s.trusted is False  # not trusted *now* ...
        assert s.timestamp_time < s.revoked_at and s.valid_at_signing_time  # ... but valid when it was signed
        assert s.pades_level == "B-LTA"
    assert result.verdict == "valid"
    # and the revoked certificate signs nothing any more
    row, _ = services.signing.create(admin(services), sample_pdf(), "x", THREE[:1], "ip", "ua")
    with pytest.raises(Forbidden) as err:
        services.signing.scan(phone.who, services.signing.frame_payload(row.id), "ip")
    assert err.value.code in ("no_certificate", "certificate_revoked")
    assert services.signing.state(row.id)["status"] == "waiting"


def test_l_a_serial_revoked_on_the_crl_alone_is_refused_at_scan(env):
    services = env
    phone = ready_phone(services)
    with services.db.write() as s:
        services.ca.revoke_serial(s, services.certificates.for_account(phone.who.account.id)[0].serial_hex,
                                  "key_compromise")
    row, _ = services.signing.create(admin(services), sample_pdf(), "x", THREE[:1], "ip", "ua")
    with pytest.raises(Forbidden) as err:
        services.signing.scan(phone.who, services.signing.frame_payload(row.id), "ip")
    assert err.value.code == "certificate_revoked" and "吊销" in err.value.message


def test_b8_scan_without_every_requested_seal_is_refused_before_any_signing(env):
    services = env
    _account, cert = add_operator(services, "two_seals", seals=(SealKind.COMPANY, SealKind.LEGAL_REP))
    phone = DomainPhone.login(services, "two_seals")
    phone.download(cert.id)
    row, _ = services.signing.create(admin(services), sample_pdf(), "x", THREE, "ip", "ua",
                                     pades_level=PadesLevel.B_LTA)
    with pytest.raises(Forbidden) as err:
        services.signing.scan(phone.who, services.signing.frame_payload(row.id), "ip")
    assert err.value.code == "seal_not_assigned" and "手写签名" in err.value.message
    assert err.value.details == {"missing": ["handwritten"]}
    with services.db.read() as s:
        assert s.get(SigningSession, row.id).status == SessionStatus.WAITING
        assert s.scalar(select(SigningRound).where(SigningRound.session_id == row.id)) is None


def test_k7_bytes_changed_after_signing_are_reported_not_intact(env):
    services = env
    phone = ready_phone(services)
    _sid, pdf = sign(services, phone, PadesLevel.B_T, THREE[:1])
    pos = pdf.index(b"Contract")
    tampered = pdf[:pos] + b"Kontract" + pdf[pos + 8:]
    result = verify_pdf(tampered, [der(services.ca.root)])
    assert result.verdict == "invalid"
    assert result.signatures[0].intact is False and result.signatures[0].pades_level is None


def test_k7_a_foreign_root_is_not_trusted(env):
    from signer.ca import pki

    services = env
    phone = ready_phone(services)
    _sid, pdf = sign(services, phone, PadesLevel.B_B, THREE[:1])
    stranger = pki.create_hierarchy("别的CA", "http://127.0.0.1:1").root.certificate
    result = verify_pdf(pdf, [der(stranger)])
    assert result.verdict == "indeterminate"
    assert result.signatures[0].intact and not result.signatures[0].trusted
