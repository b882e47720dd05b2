"""One signing round, split in two halves around the phone.

``prepare_round`` fills an existing empty signature field with a PAdES approval signature whose
/Contents is still a placeholder, and returns the bytes the phone must sign (the DER of the CMS
signed attributes). ``finish_round`` checks the phone's signature value, builds the CMS around it
and writes it into the placeholder.

The halves may run in different processes, minutes apart: everything they share is in
:class:`PreparedRound`, which holds only plain data and round-trips through JSON. Each public
function runs pyHanko's async API to completion (:func:`pdfsign.aio.run`), so they must be called from
synchronous code (a worker process or thread), never from inside a running event loop.

The signed attributes are what actually gets signed, and they are produced once, in
``prepare_round``: content type, the document's byte-range digest, and the signing-certificate-v2
reference to the signer's certificate (PAdES carries the claimed signing time in the signature
dictionary's /M, not in a signingTime attribute). ``finish_round`` reuses those exact bytes, so the
value the phone returns is valid for the CMS that is embedded.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from io import BytesIO
from typing import Any

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign.fields import SigSeedSubFilter, enumerate_sig_fields
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers import ExternalSigner, PdfSignatureMetadata, PdfSigner
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

from . import aio
from .errors import PdfRejected, PreparedStateInvalid, SignatureValueInvalid
from .stamps import StampText, seal_stamp_style, text_stamp_style

DIGEST_ALGORITHM = "sha256"

# Hex characters reserved for the DER CMS in /Contents (so 8 KiB of DER). A signer certificate plus
# a three-certificate chain is ~2-3 KiB; RFC 3161 tokens and larger RSA chains still fit.
DEFAULT_BYTES_RESERVED = 16384
# With an RFC 3161 token in the unsigned attributes (PAdES B-T): the token adds the TSA's certificate,
# the issuing CA's and a signed TSTInfo, about 2.5 KiB of DER.
TIMESTAMPED_BYTES_RESERVED = 24576
SIGNING_TIME_PLACEHOLDER = "{signing_time}"
CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")

_STATE_VERSION = 1
# The largest CMS's DER length by (certificates, their count, signed-attributes length): see prepare_round.
_LARGEST_CMS: dict[tuple[bytes, int, int], int] = {}

__all__ = [
    "DEFAULT_BYTES_RESERVED",
    "PreparedRound",
    "StampText",
    "finish_round",
    "prepare_round",
    "verify_signature_value",
]


@dataclass(kw_only=True)
class PreparedRound:
    """Everything the second half of a round needs; plain data only.

    ``prepared_pdf`` is the document in its final pre-signing state (placeholder /Contents).
    ``reserved_start``/``reserved_end`` delimit the ``<...>`` hex string excluded from /ByteRange.
    ``document_digest`` is the SHA-256 over the byte range, ``signed_attrs`` the DER of the CMS
    signed-attributes SET: exactly the bytes the phone signs. ``signing_time`` is the time written
    to /M (whole seconds, UTC). ``signer_cert_sha256`` binds the round to the certificate that the
    signed attributes reference.
    """

    prepared_pdf: bytes
    reserved_start: int
    reserved_end: int
    document_digest: bytes
    signed_attrs: bytes
    field_name: str
    signing_time: datetime
    signer_cert_sha256: str
    digest_algorithm: str = DIGEST_ALGORITHM

    def to_dict(self, include_pdf: bool = True) -> dict[str, Any]:
        """JSON-ready dict, bytes as base64.

        With ``include_pdf=False`` the (large) prepared PDF is left out, for callers that keep it in
        blob storage; pass it back to :meth:`from_dict`. Its SHA-256 is always included and checked.
        """
        data: dict[str, Any] = {
            "version": _STATE_VERSION,
            "reserved_start": self.reserved_start,
            "reserved_end": self.reserved_end,
            "document_digest": _b64(self.document_digest),
            "signed_attrs": _b64(self.signed_attrs),
            "digest_algorithm": self.digest_algorithm,
            "field_name": self.field_name,
            "signing_time": self.signing_time.isoformat(),
            "signer_cert_sha256": self.signer_cert_sha256,
            "prepared_pdf_sha256": hashlib.sha256(self.prepared_pdf).hexdigest(),
        }
        if include_pdf:
            data["prepared_pdf"] = _b64(self.prepared_pdf)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any], prepared_pdf: bytes | None = None) -> PreparedRound:
        """Inverse of :meth:`to_dict`; raises :class:`PreparedStateInvalid` on anything malformed."""
        try:
            if data.get("version") != _STATE_VERSION:
                raise PreparedStateInvalid(f"unsupported prepared state version {data.get('version')!r}")
            if prepared_pdf is None:
                prepared_pdf = _unb64(data["prepared_pdf"])
            if hashlib.sha256(prepared_pdf).hexdigest() != data["prepared_pdf_sha256"]:
                raise PreparedStateInvalid("prepared PDF does not match the stored SHA-256")
            start, end = data["reserved_start"], data["reserved_end"]
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end)):
                raise PreparedStateInvalid("reserved region must be integers")
            signing_time = datetime.fromisoformat(data["signing_time"])
            if signing_time.tzinfo is None:
                raise PreparedStateInvalid("signing time must carry a timezone")
            return cls(
                prepared_pdf=prepared_pdf,
                reserved_start=start,
                reserved_end=end,
                document_digest=_unb64(data["document_digest"]),
                signed_attrs=_unb64(data["signed_attrs"]),
                digest_algorithm=str(data["digest_algorithm"]),
                field_name=str(data["field_name"]),
                signing_time=signing_time,
                signer_cert_sha256=str(data["signer_cert_sha256"]),
            )
        except PreparedStateInvalid:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise PreparedStateInvalid(f"malformed prepared state: {exc}") from exc


def prepare_round(
    pdf: bytes,
    field_name: str,
    signer_cert_der: bytes,
    chain_ders: list[bytes],
    stamp_lines: list[str] | StampText,
    reason: str | None = None,
    location: str | None = None,
    signing_time: datetime | None = None,
    bytes_reserved: int = DEFAULT_BYTES_RESERVED,
    font_paths: Sequence[str] = (),
    image_png: bytes | None = None,
) -> PreparedRound:
    """First half of a round: fill the existing empty field ``field_name`` with a placeholder signature.

    The signature is a PAdES (ETSI.CAdES.detached) approval signature over SHA-256 with a visible text
    appearance. ``chain_ders`` are the issuing CA certificates (a self-signed root may be included; it is
    not embedded in the CMS, since a verifier must hold it as a trust anchor anyway). ``signing_time``
    defaults to now; it is truncated to whole seconds because /M has no finer precision.

    With ``font_paths`` (the prepared CJK fonts, :mod:`.fonts`) the appearance is the seal image
    ``image_png`` (if any) above the lines, which may then be Chinese; without, it is ASCII text.
    ``{signing_time}`` in a line is replaced by the signing time in China Standard Time.

    Raises :class:`PdfRejected` (``unreadable``, ``no_such_field``, ``field_filled``, ``cannot_sign``)
    and ``ValueError`` for bad certificates or stamp lines.
    """
    signing_cert, registry = _load_certs(signer_cert_der, chain_ders)
    if bytes_reserved <= 0 or bytes_reserved % 2:
        raise ValueError("bytes_reserved must be a positive even number")
    if signing_time is None:
        signing_time = datetime.now(UTC)
    elif signing_time.tzinfo is None:
        raise ValueError("signing_time must be timezone-aware")
    signing_time = signing_time.astimezone(UTC).replace(microsecond=0)
    shown_time = signing_time.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M")
    lines = stamp_lines.lines if isinstance(stamp_lines, StampText) else stamp_lines
    lines = [line.replace(SIGNING_TIME_PLACEHOLDER, shown_time) for line in lines]
    # One parse per round: the writer that signs also gives the field's height to the appearance.
    writer, field_ref = _open_empty_field(pdf, field_name)
    if font_paths:
        style = seal_stamp_style(lines, font_paths, image_png, _field_height(field_ref))
    else:
        style = text_stamp_style(lines)
    max_sig_len = _max_signature_length(signer_cert_der)

    async def run() -> PreparedRound:
        signer = ExternalSigner(
            signing_cert=signing_cert,
            cert_registry=registry,
            signature_value=max_sig_len,
            embed_roots=False,
        )
        meta = PdfSignatureMetadata(
            field_name=field_name,
            md_algorithm=DIGEST_ALGORITHM,
            subfilter=SigSeedSubFilter.PADES,
            reason=reason,
            location=location,
        )
        pdf_signer = PdfSigner(meta, signer, stamp_style=style)
        try:
            # This is PdfSigner.async_digest_doc_for_signing unrolled: that method does not let the
            # caller choose the session's system_time (the /M value and the appearance's time), and
            # the round's signing time must be the one decided here and recorded in the state.
            session = pdf_signer.init_signing_session(writer, existing_fields_only=True)
            session.system_time = signing_time
            validation_info = await session.perform_presign_validation(writer)
            tbs = session.prepare_tbs_document(validation_info=validation_info, bytes_reserved=bytes_reserved)
            prepared, output = tbs.digest_tbs_document(output=BytesIO())
        except SigningError as exc:
            raise PdfRejected("cannot_sign", f"无法在该文档上签名：{exc}") from exc

        attrs = await signer.signed_attrs(
            prepared.document_digest,
            DIGEST_ALGORITHM,
            attr_settings=PdfCMSSignedAttributes(signing_time=signing_time),
            use_pades=True,
        )
        # Fail now, not after the user approved on the phone, if the largest possible CMS
        # for this key does not fit the reserved space. Its size depends only on the certificates and
        # the length of the attributes, so a worker builds it once per signer (kept warm).
        attrs_der = attrs.dump()
        size_key = (hashlib.sha256(b"".join([signer_cert_der, *chain_ders])).digest(), len(chain_ders),
                    len(attrs_der))
        largest = _LARGEST_CMS.get(size_key)
        if largest is None:
            dummy = await signer.async_sign_prescribed_attributes(DIGEST_ALGORITHM, signed_attrs=attrs)
            largest = _LARGEST_CMS[size_key] = len(dummy.dump())
            if len(_LARGEST_CMS) > 256:
                _LARGEST_CMS.pop(next(iter(_LARGEST_CMS)))
        _check_fits(largest, prepared.reserved_region_start, prepared.reserved_region_end)

        output.seek(0)
        prepared_pdf = output.read()
        state = PreparedRound(
            prepared_pdf=prepared_pdf,
            reserved_start=prepared.reserved_region_start,
            reserved_end=prepared.reserved_region_end,
            document_digest=prepared.document_digest,
            signed_attrs=attrs_der,
            field_name=field_name,
            signing_time=signing_time,
            signer_cert_sha256=hashlib.sha256(signer_cert_der).hexdigest(),
        )
        _check_consistent(state)
        return state

    return aio.run(run())


def verify_signature_value(signer_cert_der: bytes, signed_attrs: bytes, signature: bytes) -> None:
    """Check the phone's signature over ``signed_attrs`` with the certificate's public key.

    ECDSA signatures must be DER-encoded (``ECDSA-Sig-Value``) and canonical; RSA signatures are
    PKCS#1 v1.5. The hash is SHA-256 in both cases. pyHanko embeds whatever value it is given, so
    this is the only place a wrong key, a wrong password's garbage or a tampered value is caught.
    """
    try:
        cert = x509.load_der_x509_certificate(signer_cert_der)
        public_key = cert.public_key()
    except ValueError as exc:
        raise SignatureValueInvalid("signer certificate cannot be parsed") from exc
    if isinstance(signature, bytearray | memoryview):
        signature = bytes(signature)
    if not isinstance(signature, bytes) or not signature:
        raise SignatureValueInvalid("missing or empty signature value")
    try:
        if isinstance(public_key, ec.EllipticCurvePublicKey):
            try:
                r, s = decode_dss_signature(signature)
            except ValueError as exc:
                raise SignatureValueInvalid("ECDSA signature is not DER-encoded") from exc
            if encode_dss_signature(r, s) != signature:
                raise SignatureValueInvalid("ECDSA signature is not canonical DER")
            public_key.verify(signature, signed_attrs, ec.ECDSA(hashes.SHA256()))
        elif isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, signed_attrs, padding.PKCS1v15(), hashes.SHA256())
        else:
            raise SignatureValueInvalid(f"unsupported key type {type(public_key).__name__}")
    except InvalidSignature as exc:
        raise SignatureValueInvalid("signature value does not verify against the certificate") from exc


def finish_round(
    prepared: PreparedRound, signature: bytes, signer_cert_der: bytes, chain_ders: list[bytes],
    timestamper: TimeStamper | None = None,
) -> bytes:
    """Second half of a round: verify ``signature``, build the CMS, embed it; return the signed PDF.

    With ``timestamper`` the CMS carries an RFC 3161 token over the signature value (PAdES B-T).

    Raises :class:`SignatureValueInvalid` when the value does not verify (nothing is produced), and
    :class:`PreparedStateInvalid` when the state is inconsistent, belongs to another certificate,
    or the CMS does not fit the reserved space.
    """
    verify_signature_value(signer_cert_der, prepared.signed_attrs, signature)
    # ExternalSigner treats anything that is not `bytes` as a placeholder length and would embed zeros.
    signature = bytes(signature)
    if not hmac.compare_digest(hashlib.sha256(signer_cert_der).hexdigest(), prepared.signer_cert_sha256):
        raise PreparedStateInvalid("the round was prepared for a different signer certificate")
    _check_consistent(prepared)
    signing_cert, registry = _load_certs(signer_cert_der, chain_ders)

    async def run() -> bytes:
        signer = ExternalSigner(
            signing_cert=signing_cert,
            cert_registry=registry,
            signature_value=signature,
            embed_roots=False,
        )
        attrs = cms.CMSAttributes.load(prepared.signed_attrs)
        signature_cms = await signer.async_sign_prescribed_attributes(DIGEST_ALGORITHM, signed_attrs=attrs,
                                                                      timestamper=timestamper)
        der = signature_cms.dump()
        _check_fits(len(der), prepared.reserved_start, prepared.reserved_end)
        output = BytesIO(prepared.prepared_pdf)
        await PdfTBSDocument.async_finish_signing(
            output,
            PreparedByteRangeDigest(
                document_digest=prepared.document_digest,
                reserved_region_start=prepared.reserved_start,
                reserved_region_end=prepared.reserved_end,
            ),
            der,
        )
        return output.getvalue()

    return aio.run(run())


def _load_certs(
    signer_cert_der: bytes, chain_ders: list[bytes]
) -> tuple[asn1_x509.Certificate, SimpleCertificateStore]:
    certs = []
    for i, der in enumerate([signer_cert_der, *chain_ders]):
        try:
            certs.append(_certificate(der))
        except (ValueError, TypeError) as exc:
            what = "signer certificate" if i == 0 else f"chain certificate #{i}"
            raise ValueError(f"{what} is not a valid DER certificate") from exc
    chain = [c for c, der in zip(certs[1:], chain_ders, strict=True) if der != signer_cert_der]
    return certs[0], SimpleCertificateStore.from_certs(chain)


@lru_cache(maxsize=64)
def _certificate(der: bytes) -> asn1_x509.Certificate:
    """A certificate parsed once per worker (the same signer and chain recur in every round)."""
    # cryptography parses strictly; asn1crypto parses lazily and would fail much later.
    x509.load_der_x509_certificate(der)
    return asn1_x509.Certificate.load(der)


def _open_empty_field(pdf: bytes, field_name: str) -> tuple[IncrementalPdfFileWriter, generic.IndirectObject]:
    """The document opened for an incremental update, and its empty signature field ``field_name``."""
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
        fields = list(enumerate_sig_fields(writer.prev, with_name=field_name))
    except Exception as exc:
        raise PdfRejected("unreadable", "无法解析该 PDF 文件") from exc
    if not fields:
        raise PdfRejected("no_such_field", f"签名域不存在：{field_name}")
    _name, value, ref = fields[0]
    if value is not None:
        raise PdfRejected("field_filled", f"签名域已签名：{field_name}")
    return writer, ref


def _field_height(field_ref: generic.IndirectObject) -> float:
    """The height of the field's widget (the appearance's layout depends on it)."""
    try:
        _x1, y1, _x2, y2 = (float(v) for v in field_ref.get_object()["/Rect"])
    except Exception as exc:
        raise PdfRejected("unreadable", "无法解析该 PDF 文件") from exc
    return abs(y2 - y1)


def _max_signature_length(signer_cert_der: bytes) -> int:
    """Largest DER signature value the certificate's key can produce (sizes the dummy CMS)."""
    public_key = x509.load_der_x509_certificate(signer_cert_der).public_key()
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        n = (public_key.curve.key_size + 7) // 8 + 1  # INTEGER body, with a possible leading 0x00
        body = 2 * (n + (2 if n < 128 else 3))
        return body + (2 if body < 128 else 3)
    if isinstance(public_key, rsa.RSAPublicKey):
        return (public_key.key_size + 7) // 8
    raise ValueError(f"unsupported signer key type {type(public_key).__name__}")


def _check_fits(der_length: int, start: int, end: int) -> None:
    capacity = (end - start - 2) // 2
    if der_length > capacity:
        raise PreparedStateInvalid(
            f"signature container needs {der_length} bytes but only {capacity} were reserved; "
            f"prepare again with a larger bytes_reserved (at least {2 * der_length})"
        )


def _check_consistent(state: PreparedRound) -> None:
    """The state must describe itself: digest over the byte range, message digest in the attrs."""
    if state.digest_algorithm != DIGEST_ALGORITHM:
        raise PreparedStateInvalid(f"unsupported digest algorithm {state.digest_algorithm!r}")
    pdf, start, end = state.prepared_pdf, state.reserved_start, state.reserved_end
    if not (0 < start < end <= len(pdf)) or pdf[start : start + 1] != b"<" or pdf[end - 1 : end] != b">":
        raise PreparedStateInvalid("reserved region does not delimit a hex string in the prepared PDF")
    digest = hashlib.sha256()
    digest.update(memoryview(pdf)[:start])
    digest.update(memoryview(pdf)[end:])
    if not hmac.compare_digest(digest.digest(), state.document_digest):
        raise PreparedStateInvalid("prepared PDF does not match the recorded byte-range digest")
    try:
        attrs = cms.CMSAttributes.load(state.signed_attrs, strict=True)
        message_digests = [a["values"][0].native for a in attrs if a["type"].native == "message_digest"]
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise PreparedStateInvalid("signed attributes cannot be parsed") from exc
    if len(message_digests) != 1 or not hmac.compare_digest(message_digests[0], state.document_digest):
        raise PreparedStateInvalid("signed attributes do not carry the document digest")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, AttributeError) as exc:
        raise PreparedStateInvalid("invalid base64 in prepared state") from exc
