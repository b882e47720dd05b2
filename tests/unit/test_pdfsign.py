"""pdfsign: remote (phone-held key) PAdES signing rounds, inspection, validation."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any, cast

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.content import RawContent
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import BoxConstraints
from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter

from pdfsign import (
    PdfRejected,
    PreparedRound,
    PreparedStateInvalid,
    SealPlacement,
    SignatureValueInvalid,
    StampText,
    add_signature_fields,
    all_valid,
    check_placement,
    finish_round,
    inspect_pdf,
    prepare_round,
    validate_pdf,
    verify_signature_value,
)
from tests.needs import tool

# ---------------------------------------------------------------------------------------------
# fixtures: a throwaway PKI and small PDFs built here


@dataclass
class Leaf:
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    cert_der: bytes
    serial: int
    subject: str


@dataclass
class Pki:
    root_der: bytes
    issuing_der: bytes
    leaf: Leaf
    other_leaf: Leaf

    @property
    def chain(self) -> list[bytes]:
        return [self.issuing_der, self.root_der]


def _name(cn: str, o: str = "Test Enterprise") -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, o),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "INDIVIDUAL"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def _ca_cert(subject, issuer, public_key, issuer_key, now, path_len):
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_len), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .sign(issuer_key, hashes.SHA256())
    )


def _leaf(issuing_cert, issuing_key, key, cn: str, now) -> Leaf:
    subject = _name(cn)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuing_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuing_key.public_key()), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(issuing_key, hashes.SHA256())
    )
    return Leaf(
        key=key,
        cert_der=cert.public_bytes(serialization.Encoding.DER),
        serial=cert.serial_number,
        subject=subject.rfc4514_string(),
    )


@pytest.fixture(scope="module")
def pki() -> Pki:
    now = datetime.now(UTC)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = _name("Test Root CA", "Test Platform")
    root = _ca_cert(root_name, root_name, root_key.public_key(), root_key, now, 1)
    issuing_key = ec.generate_private_key(ec.SECP256R1())
    issuing = _ca_cert(
        _name("Test Issuing CA", "Test Platform"), root_name, issuing_key.public_key(), root_key, now, 0
    )
    der = serialization.Encoding.DER
    return Pki(
        root_der=root.public_bytes(der),
        issuing_der=issuing.public_bytes(der),
        leaf=_leaf(
            issuing, issuing_key, ec.generate_private_key(ec.SECP256R1()), "1@TestEnt@1700000000000@1", now
        ),
        other_leaf=_leaf(
            issuing, issuing_key, ec.generate_private_key(ec.SECP256R1()), "1@TestEnt@1700000000001@2", now
        ),
    )


def make_pdf(pages: int = 1, title: str | None = "Purchase contract") -> bytes:
    """A small PDF with text on each page, written by pyHanko's writer."""
    w = PdfFileWriter()
    font = w.add_object(
        generic.DictionaryObject(
            {
                pdf_name("/Type"): pdf_name("/Font"),
                pdf_name("/Subtype"): pdf_name("/Type1"),
                pdf_name("/BaseFont"): pdf_name("/Helvetica"),
            }
        )
    )
    for i in range(pages):
        content = RawContent(
            b"BT /F1 18 Tf 72 720 Td (Contract page %d) Tj ET" % (i + 1),
            box=BoxConstraints(width=595, height=842),
        )
        stream = w.add_object(generic.StreamObject(stream_data=content.data))
        resources = generic.DictionaryObject(
            {pdf_name("/Font"): generic.DictionaryObject({pdf_name("/F1"): font})}
        )
        w.insert_page(PageObject(contents=stream, media_box=(0, 0, 595, 842), resources=resources))
    if title is not None:
        w.set_info(generic.DictionaryObject({pdf_name("/Title"): generic.TextStringObject(title)}))
    out = BytesIO()
    w.write(out)
    return out.getvalue()


def handmade_pdf() -> bytes:
    """A classic-xref PDF written by hand; the MediaBox is inherited from the page tree root."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 612 792] >>",
        b"<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << >> >>",
        b"<< /Length 0 >>\nstream\n\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def phone_sign(leaf: Leaf, signed_attrs: bytes) -> bytes:
    """What the phone does with its private key."""
    if isinstance(leaf.key, rsa.RSAPrivateKey):
        return leaf.key.sign(signed_attrs, padding.PKCS1v15(), hashes.SHA256())
    return leaf.key.sign(signed_attrs, ec.ECDSA(hashes.SHA256()))


SEAL_A = SealPlacement("seal_company", page=1, x=350, y=80, width=180, height=90)
SEAL_B = SealPlacement("seal_legal_rep", page=1, x=60, y=80, width=160, height=90)


def run_round(pki: Pki, pdf: bytes, field: str, leaf: Leaf | None = None, **kw) -> bytes:
    leaf = leaf or pki.leaf
    prepared = prepare_round(pdf, field, leaf.cert_der, pki.chain, ["Test Enterprise", "Company seal"], **kw)
    return finish_round(prepared, phone_sign(leaf, prepared.signed_attrs), leaf.cert_der, pki.chain)


@pytest.fixture(scope="module")
def fields_pdf() -> bytes:
    return add_signature_fields(make_pdf(pages=2), [SEAL_A, SEAL_B])


@pytest.fixture(scope="module")
def signed_once(pki: Pki, fields_pdf: bytes) -> bytes:
    return run_round(pki, fields_pdf, SEAL_A.field_name, reason="Approve", location="Beijing")


# ---------------------------------------------------------------------------------------------
# 1. a full round


def test_full_round_validates_against_root(pki: Pki, signed_once: bytes) -> None:
    reports = validate_pdf(signed_once, [pki.root_der])
    assert len(reports) == 1
    r = reports[0]
    assert r.error is None
    assert r.field_name == SEAL_A.field_name
    assert (r.intact, r.valid, r.trusted, r.bottom_line) == (True, True, True, True)
    assert r.coverage == "ENTIRE_FILE"
    assert r.serial == format(pki.leaf.serial, "x")
    assert r.signer_subject == pki.leaf.subject
    assert r.signing_time is not None
    assert all_valid(reports)


def test_signature_checks_out_without_pyhanko(pki: Pki, signed_once: bytes) -> None:
    """Recompute everything with asn1crypto + cryptography only: byte range, digest, signature."""
    from asn1crypto import cms

    m = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", signed_once)
    assert m is not None
    a, b, c, d = (int(v) for v in m.groups())
    assert a == 0 and c + d == len(signed_once)
    hex_contents = signed_once[b:c]
    assert hex_contents[:1] == b"<" and hex_contents[-1:] == b">"
    der = bytes.fromhex(hex_contents[1:-1].decode("ascii"))
    content_info = cms.ContentInfo.load(der.rstrip(b"\x00"))
    signer_info = content_info["content"]["signer_infos"][0]
    attrs = signer_info["signed_attrs"]
    message_digest = next(x["values"][0].native for x in attrs if x["type"].native == "message_digest")
    h = hashes.Hash(hashes.SHA256())
    h.update(signed_once[a : a + b])
    h.update(signed_once[c : c + d])
    assert message_digest == h.finalize()
    leaf_cert = x509.load_der_x509_certificate(pki.leaf.cert_der)
    to_verify = attrs.untag().dump()  # the SET OF encoding is what was signed
    cast(ec.EllipticCurvePublicKey, leaf_cert.public_key()).verify(signer_info["signature"].native, to_verify,
                                                                   ec.ECDSA(hashes.SHA256()))
    assert signer_info["signature_algorithm"]["algorithm"].native == "sha256_ecdsa"


def test_round_is_pades_approval_with_chain_and_reason(pki: Pki, signed_once: bytes) -> None:
    from asn1crypto import cms
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(BytesIO(signed_once))
    (emb,) = reader.embedded_regular_signatures
    sig = emb.sig_object
    assert sig["/SubFilter"] == "/ETSI.CAdES.detached"
    assert sig["/Reason"] == "Approve"
    assert sig["/Location"] == "Beijing"
    assert "/Perms" not in reader.root  # approval, not certification
    sd = emb.signed_data
    assert isinstance(sd, cms.SignedData)
    embedded = {c.chosen.dump() for c in sd["certificates"]}
    assert pki.leaf.cert_der in embedded and pki.issuing_der in embedded
    assert pki.root_der not in embedded  # trust anchors are not embedded
    attr_types = {a["type"].native for a in emb.signer_info["signed_attrs"]}
    assert "signing_certificate_v2" in attr_types
    assert "signing_time" not in attr_types  # PAdES: time is in /M


def test_untrusted_root_is_reported(pki: Pki, signed_once: bytes) -> None:
    other_root = ec.generate_private_key(ec.SECP256R1())
    name = _name("Someone else's root")
    now = datetime.now(UTC)
    cert = _ca_cert(name, name, other_root.public_key(), other_root, now, 1)
    (r,) = validate_pdf(signed_once, [cert.public_bytes(serialization.Encoding.DER)])
    assert r.intact and r.valid
    assert not r.trusted
    assert not r.bottom_line
    assert not all_valid([r])


def test_signing_time_is_decided_in_prepare(pki: Pki, fields_pdf: bytes) -> None:
    t = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    prepared = prepare_round(
        fields_pdf, SEAL_B.field_name, pki.leaf.cert_der, pki.chain, ["X"], signing_time=t
    )
    assert prepared.signing_time == t.replace(microsecond=0)
    out = finish_round(prepared, phone_sign(pki.leaf, prepared.signed_attrs), pki.leaf.cert_der, pki.chain)
    (r,) = validate_pdf(out, [pki.root_der])
    assert r.signing_time == t.replace(microsecond=0)
    with pytest.raises(ValueError):
        prepare_round(
            fields_pdf,
            SEAL_B.field_name,
            pki.leaf.cert_der,
            pki.chain,
            ["X"],
            signing_time=datetime(2024, 1, 1),
        )  # naive


# ---------------------------------------------------------------------------------------------
# 2. two seals, one after the other


def test_two_seals_both_validate(pki: Pki, signed_once: bytes) -> None:
    twice = run_round(pki, signed_once, SEAL_B.field_name, leaf=pki.other_leaf)
    assert twice.startswith(signed_once)  # incremental: the first revision is untouched
    reports = validate_pdf(twice, [pki.root_der])
    assert [r.field_name for r in reports] == [SEAL_A.field_name, SEAL_B.field_name]
    first, second = reports
    assert first.intact and first.valid and first.trusted
    assert first.coverage == "ENTIRE_REVISION"
    assert first.modification_level not in (None, "OTHER")
    assert first.bottom_line
    assert second.coverage == "ENTIRE_FILE" and second.bottom_line
    assert second.serial == format(pki.other_leaf.serial, "x")
    assert all_valid(reports)


def test_filled_or_missing_field_is_refused(pki: Pki, signed_once: bytes) -> None:
    with pytest.raises(PdfRejected) as exc:
        prepare_round(signed_once, SEAL_A.field_name, pki.leaf.cert_der, pki.chain, ["X"])
    assert exc.value.code == "field_filled"
    with pytest.raises(PdfRejected) as exc:
        prepare_round(signed_once, "nope", pki.leaf.cert_der, pki.chain, ["X"])
    assert exc.value.code == "no_such_field"


def test_page_modified_after_signature_is_not_acceptable(pki: Pki, signed_once: bytes) -> None:
    """Drawing on the page after a signature must show up as a disallowed modification."""
    w = IncrementalPdfFileWriter(BytesIO(signed_once))
    page_ref, _ = w.find_page_for_modification(0)
    stream = w.add_object(generic.StreamObject(stream_data=b"BT /F1 30 Tf 100 400 Td (PAID) Tj ET"))
    page = page_ref.get_object()
    page["/Contents"] = generic.ArrayObject([page.raw_get("/Contents"), stream])
    w.update_container(page)
    out = BytesIO()
    w.write(out)
    (r,) = validate_pdf(out.getvalue(), [pki.root_der])
    assert r.intact and r.valid  # the signed revision itself is fine ...
    assert r.modification_level == "OTHER"  # ... but what came after is not
    assert not r.bottom_line


# ---------------------------------------------------------------------------------------------
# 3. a tampered or foreign signature value


def test_tampered_signature_value_is_rejected(pki: Pki, fields_pdf: bytes) -> None:
    prepared = prepare_round(fields_pdf, SEAL_A.field_name, pki.leaf.cert_der, pki.chain, ["X"])
    good = phone_sign(pki.leaf, prepared.signed_attrs)
    flipped = bytearray(good)
    flipped[-5] ^= 0x01
    with pytest.raises(SignatureValueInvalid):
        finish_round(prepared, bytes(flipped), pki.leaf.cert_der, pki.chain)
    foreign = phone_sign(pki.other_leaf, prepared.signed_attrs)
    with pytest.raises(SignatureValueInvalid):
        finish_round(prepared, foreign, pki.leaf.cert_der, pki.chain)
    # signing other bytes (e.g. the document digest instead of the attributes) is also wrong
    leaf_key = cast(ec.EllipticCurvePrivateKey, pki.leaf.key)
    wrong_data = leaf_key.sign(prepared.document_digest, ec.ECDSA(hashes.SHA256()))
    with pytest.raises(SignatureValueInvalid):
        finish_round(prepared, wrong_data, pki.leaf.cert_der, pki.chain)
    long_form = b"\x30\x81" + good[1:]  # same content, non-DER length encoding
    junks: tuple[Any, ...] = (None, b"", b"\x00" * 64, good + b"\x00", long_form)  # None: not even bytes
    for junk in junks:
        with pytest.raises(SignatureValueInvalid):
            finish_round(prepared, junk, pki.leaf.cert_der, pki.chain)
    # the state was not consumed by the failures: the right value still finishes
    out = finish_round(prepared, good, pki.leaf.cert_der, pki.chain)
    assert all_valid(validate_pdf(out, [pki.root_der]))


def test_verify_signature_value_directly(pki: Pki) -> None:
    data = b"\x31\x03\x02\x01\x01"
    sig = phone_sign(pki.leaf, data)
    verify_signature_value(pki.leaf.cert_der, data, sig)
    with pytest.raises(SignatureValueInvalid):
        verify_signature_value(pki.leaf.cert_der, data + b"x", sig)
    with pytest.raises(SignatureValueInvalid):
        verify_signature_value(pki.other_leaf.cert_der, data, sig)


def test_rsa_signature_value_and_round(pki: Pki, fields_pdf: bytes) -> None:
    issuing_key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    root = x509.load_der_x509_certificate(pki.root_der)
    ca = _ca_cert(_name("RSA test CA"), root.subject, issuing_key.public_key(), issuing_key, now, 0)
    leaf = _leaf(ca, issuing_key, rsa.generate_private_key(65537, 2048), "rsa-signer", now)
    data = b"attributes"
    sig = phone_sign(leaf, data)
    verify_signature_value(leaf.cert_der, data, sig)
    with pytest.raises(SignatureValueInvalid):
        verify_signature_value(leaf.cert_der, b"other", sig)
    ca_der = ca.public_bytes(serialization.Encoding.DER)
    prepared = prepare_round(fields_pdf, SEAL_A.field_name, leaf.cert_der, [ca_der], ["RSA"])
    out = finish_round(prepared, phone_sign(leaf, prepared.signed_attrs), leaf.cert_der, [ca_der])
    (r,) = validate_pdf(out, [ca_der])
    assert r.intact and r.valid and r.trusted


def test_finish_with_another_certificate_is_refused(pki: Pki, fields_pdf: bytes) -> None:
    prepared = prepare_round(fields_pdf, SEAL_A.field_name, pki.leaf.cert_der, pki.chain, ["X"])
    # the other key signs correctly, but the attributes name the first certificate
    sig = phone_sign(pki.other_leaf, prepared.signed_attrs)
    with pytest.raises(PreparedStateInvalid):
        finish_round(prepared, sig, pki.other_leaf.cert_der, pki.chain)


# ---------------------------------------------------------------------------------------------
# 4. the prepared state survives serialisation (another process finishes the round)


def test_prepared_round_json_roundtrip_then_finish(pki: Pki, fields_pdf: bytes) -> None:
    prepared = prepare_round(fields_pdf, SEAL_B.field_name, pki.leaf.cert_der, pki.chain, ["Legal rep"])
    text = json.dumps(prepared.to_dict())
    reloaded = PreparedRound.from_dict(json.loads(text))
    assert reloaded == prepared
    del prepared
    signature = phone_sign(pki.leaf, reloaded.signed_attrs)
    out = finish_round(reloaded, signature, pki.leaf.cert_der, pki.chain)
    (r,) = validate_pdf(out, [pki.root_der])
    assert r.field_name == SEAL_B.field_name
    assert r.intact and r.valid and r.trusted and r.bottom_line


def test_prepared_round_without_pdf_and_corruption(pki: Pki, fields_pdf: bytes) -> None:
    prepared = prepare_round(fields_pdf, SEAL_A.field_name, pki.leaf.cert_der, pki.chain, ["X"])
    slim = json.loads(json.dumps(prepared.to_dict(include_pdf=False)))
    assert "prepared_pdf" not in slim
    assert PreparedRound.from_dict(slim, prepared_pdf=prepared.prepared_pdf) == prepared
    with pytest.raises(PreparedStateInvalid):
        PreparedRound.from_dict(slim, prepared_pdf=prepared.prepared_pdf + b" ")
    with pytest.raises(PreparedStateInvalid):
        PreparedRound.from_dict({**slim, "version": 99}, prepared_pdf=prepared.prepared_pdf)
    with pytest.raises(PreparedStateInvalid):
        PreparedRound.from_dict({"version": 1})

    # a state whose PDF was altered outside the reserved region no longer matches its digest
    pdf = bytearray(prepared.prepared_pdf)
    pdf[20] ^= 0x01
    broken = PreparedRound(**{**vars(prepared), "prepared_pdf": bytes(pdf)})
    sig = phone_sign(pki.leaf, prepared.signed_attrs)
    with pytest.raises(PreparedStateInvalid):
        finish_round(broken, sig, pki.leaf.cert_der, pki.chain)


def test_reserved_space_too_small_fails_at_prepare(pki: Pki, fields_pdf: bytes) -> None:
    with pytest.raises(PreparedStateInvalid, match="reserved"):
        prepare_round(fields_pdf, SEAL_A.field_name, pki.leaf.cert_der, pki.chain, ["X"], bytes_reserved=1000)


# ---------------------------------------------------------------------------------------------
# 5. inspection and placement


def test_inspect_accepts_a_normal_pdf() -> None:
    info = inspect_pdf(make_pdf(pages=3))
    assert info.page_count == 3
    assert info.page_sizes == [(595.0, 842.0)] * 3
    assert info.title == "Purchase contract"
    assert info.existing_signatures == 0
    assert info.docmdp_level is None


def test_inspect_handmade_pdf_with_inherited_mediabox() -> None:
    info = inspect_pdf(handmade_pdf())
    assert info.page_count == 1
    assert info.page_sizes == [(612.0, 792.0)]
    assert info.title is None


def test_inspect_reports_fields_and_signatures(pki: Pki, signed_once: bytes) -> None:
    info = inspect_pdf(signed_once)
    assert info.existing_signatures == 1
    assert info.empty_signature_fields == [SEAL_B.field_name]


def test_inspect_refuses_non_pdf() -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
    with pytest.raises(PdfRejected) as exc:
        inspect_pdf(png)
    assert exc.value.code == "not_pdf"
    assert str(exc.value)


def test_inspect_refuses_oversize() -> None:
    pdf = make_pdf()
    with pytest.raises(PdfRejected) as exc:
        inspect_pdf(pdf, max_bytes=len(pdf) - 1)
    assert exc.value.code == "too_large"
    assert inspect_pdf(pdf, max_bytes=len(pdf)).page_count == 1


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n" + b"garbage " * 200,
        b"%PDF-",
        make_pdf()[:300],  # truncated
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 1 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
    ],
)
def test_inspect_refuses_garbage_after_header(data: bytes) -> None:
    with pytest.raises(PdfRejected) as exc:
        inspect_pdf(data)
    assert exc.value.code == "unreadable"


def test_inspect_refuses_encrypted_pdf() -> None:
    w = PdfFileWriter()
    w.insert_page(
        PageObject(contents=w.add_object(generic.StreamObject(stream_data=b"")), media_box=(0, 0, 200, 200))
    )
    w.encrypt("owner-secret", "user-secret")
    out = BytesIO()
    w.write(out)
    with pytest.raises(PdfRejected) as exc:
        inspect_pdf(out.getvalue())
    assert exc.value.code == "encrypted"


def test_check_placement() -> None:
    info = inspect_pdf(make_pdf(pages=2))
    check_placement(info, 2, 0, 0, 595, 842)  # exactly the page is fine
    bad = [
        (0, 10, 10, 100, 50),  # no page 0
        (3, 10, 10, 100, 50),  # no page 3
        (1, -1, 10, 100, 50),  # left of the page
        (1, 500, 10, 100, 50),  # sticks out on the right
        (1, 10, 800, 100, 50),  # sticks out at the top
        (1, 10, 10, 19, 50),  # too narrow
        (1, 10, 10, 100, 5),  # too low
        (1, float("nan"), 10, 100, 50),
    ]
    for args in bad:
        with pytest.raises(PdfRejected) as exc:
            check_placement(info, *args)
        assert exc.value.code == "bad_placement", args


def test_add_signature_fields_one_revision_and_refusals(fields_pdf: bytes) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader

    base = make_pdf(pages=2)
    reader = PdfFileReader(BytesIO(fields_pdf))
    assert reader.total_revisions == PdfFileReader(BytesIO(base)).total_revisions + 1
    info = inspect_pdf(fields_pdf)
    assert sorted(info.empty_signature_fields) == sorted([SEAL_A.field_name, SEAL_B.field_name])

    assert SealPlacement.from_dict(json.loads(json.dumps(SEAL_A.to_dict()))) == SEAL_A
    with pytest.raises(PdfRejected) as exc:
        add_signature_fields(fields_pdf, [SEAL_A])
    assert exc.value.code == "field_exists"
    for placements in (
        [],
        [SEAL_A, SEAL_A],
        [SealPlacement("a.b", 1, 10, 10, 100, 100)],
        [SealPlacement("off_page", 1, 550, 10, 100, 100)],
        [SealPlacement("no_page", 9, 10, 10, 100, 100)],
    ):
        with pytest.raises(PdfRejected) as exc:
            add_signature_fields(base, placements)
        assert exc.value.code == "bad_placement"


def test_stamp_lines_are_checked(pki: Pki, fields_pdf: bytes) -> None:
    with pytest.raises(ValueError, match="ASCII"):
        StampText(("某某有限公司",))
    with pytest.raises(ValueError):
        prepare_round(fields_pdf, SEAL_A.field_name, pki.leaf.cert_der, pki.chain, ["某某有限公司"])
    # the lines are drawn literally ('%' is not a template) inside the field's own appearance
    prepared = prepare_round(
        fields_pdf, SEAL_A.field_name, pki.leaf.cert_der, pki.chain, StampText(("100% (ok)", "Line 2"))
    )
    shown = _appearance_text(prepared.prepared_pdf, SEAL_A.field_name)
    assert b"(100% (ok)) Tj" in shown
    assert b"(Line 2) Tj" in shown


def _appearance_text(pdf: bytes, field_name: str) -> bytes:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.fields import enumerate_sig_fields

    reader = PdfFileReader(BytesIO(pdf))
    ((_name, _value, ref),) = enumerate_sig_fields(reader, with_name=field_name)
    data = ref.get_object()["/AP"]["/N"].data
    return re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m.group(1), 8)]), data)


# ---------------------------------------------------------------------------------------------
# 6. bytes changed after signing


def test_modified_bytes_are_not_intact(pki: Pki, signed_once: bytes) -> None:
    pos = signed_once.index(b"Contract page 1")
    # streams written by pyHanko are not compressed here; fall back to any byte before /Contents
    data = bytearray(signed_once)
    data[pos] = ord("K")
    (r,) = validate_pdf(bytes(data), [pki.root_der])
    assert r.intact is False
    assert not r.bottom_line
    assert not all_valid([r])


# ---------------------------------------------------------------------------------------------
# 7. third-party checks


def test_poppler_pdfsig_accepts_signature(pki: Pki, signed_once: bytes, tmp_path: Path) -> None:
    pdfsig = tool("pdfsig")
    path = tmp_path / "signed.pdf"
    path.write_bytes(run_round(pki, signed_once, SEAL_B.field_name, leaf=pki.other_leaf))
    proc = subprocess.run([pdfsig, "-nocert", str(path)], capture_output=True, text=True, timeout=30)
    assert proc.stdout.count("Signature is Valid.") == 2, proc.stdout + proc.stderr


def test_qpdf_check(pki: Pki, signed_once: bytes, tmp_path: Path) -> None:
    qpdf = tool("qpdf")
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed_once)
    proc = subprocess.run([qpdf, "--check", str(path)], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stdout + proc.stderr
