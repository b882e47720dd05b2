"""The platform CA as a service: keys in the database, issuance with recorded intent, CRL and OCSP."""

from __future__ import annotations

from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pdfsign.ltv import RevocationMaterial
from pdfsign.tsa import TsaCredentials
from pdfsign.tsa import respond as tsa_respond
from signer.ca import pki
from signer.ca.models import CaKey, IssuedSerial
from signer.core import audit
from signer.core.audit import Actor
from signer.core.audit_actions import AuditAction
from signer.core.db import Database
from signer.core.errors import ErrorCode, NotFound
from signer.core.models import utcnow
from signer.core.secretbox import SecretBox

ROLES = ("root", "issuing", "ocsp", "tsa")
CRL_LIFETIME = timedelta(days=7)

_REASONS = {
    "key_compromise": "keyCompromise",
    "affiliation_changed": "affiliationChanged",
    "superseded": "superseded",
    "cessation_of_operation": "cessationOfOperation",
    "privilege_withdrawn": "privilegeWithdrawn",
}


class CertificateAuthority:
    def __init__(self, db: Database, box: SecretBox, base_url: str) -> None:
        self.db = db
        self._box = box
        self.base_url = base_url.rstrip("/")
        self._pairs: dict[str, pki.KeyPair] | None = None

    # -- set-up --------------------------------------------------------------------------------
    def initialize(self, organization: str) -> bool:
        """Create the hierarchy once; returns False when it already exists."""
        with self.db.write() as s:
            if s.get(CaKey, "root") is not None:
                return False
            h = pki.create_hierarchy(organization, self.base_url)
            for name in ROLES:
                pair: pki.KeyPair = getattr(h, name)
                s.add(CaKey(
                    name=name,
                    certificate_der=pair.certificate.public_bytes(serialization.Encoding.DER),
                    private_key_enc=self._box.seal_private_key(pair.private_key, name),
                ))
            audit.record(s, None, AuditAction.CA_INIT, "ca", "root",
                         {"root": pki.fingerprint(h.root.certificate), "organization": organization})
        return True

    def _load(self) -> dict[str, pki.KeyPair]:
        if self._pairs is None:
            with self.db.read() as s:
                rows = {row.name: row for row in s.scalars(select(CaKey))}
            if not set(ROLES) <= set(rows):  # service certificates (see service_pair) may be there too
                raise NotFound("CA 尚未初始化（signer init）", code=ErrorCode.CA_MISSING)
            self._pairs = {
                name: pki.KeyPair(
                    certificate=x509.load_der_x509_certificate(row.certificate_der),
                    private_key=self._box.open_private_key(row.private_key_enc, name),
                )
                for name, row in rows.items()
            }
        return self._pairs

    def pair(self, name: str) -> pki.KeyPair:
        return self._load()[name]

    def service_pair(self, name: str, common_name: str, years: int = 3) -> pki.KeyPair:
        """A platform signing certificate of the issuing CA (e.g. ``invoice`` for electronic invoices), made
        on first use: key sealed at rest like the CA's, serial recorded like any leaf (OCSP/CRL know it)."""
        pairs = self._load()
        if name in pairs:
            return pairs[name]
        with self.db.read() as s:
            row = s.get(CaKey, name)
        if row is None:
            key = ec.generate_private_key(ec.SECP256R1())
            csr = (x509.CertificateSigningRequestBuilder()
                   .subject_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, common_name)]))
                   .sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER))
            organization = self.issuing.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)[0].value
            subject = x509.Name([
                x509.NameAttribute(x509.NameOID.COUNTRY_NAME, "CN"),
                x509.NameAttribute(x509.NameOID.ORGANIZATION_NAME, str(organization)),
                x509.NameAttribute(x509.NameOID.ORGANIZATIONAL_UNIT_NAME, name.upper()),
                x509.NameAttribute(x509.NameOID.COMMON_NAME, common_name),
            ])
            now = utcnow()
            not_after = min(now + timedelta(days=365 * years), self.issuing.not_valid_after_utc)
            cert = self.issue(csr, subject, now - timedelta(minutes=5), not_after, None, None)
            try:
                with self.db.write() as s:
                    s.add(CaKey(name=name, certificate_der=cert.public_bytes(serialization.Encoding.DER),
                                private_key_enc=self._box.seal_private_key(key, name)))
                    s.flush()
                    audit.record(s, None, AuditAction.CA_SERVICE_CERTIFICATE, "ca", name,
                                 {"serial": format(cert.serial_number, "x"), "subject": subject.rfc4514_string()})
            except IntegrityError:  # another process made it first: withdraw ours, use theirs
                with self.db.write() as s:
                    self.revoke_serial(s, format(cert.serial_number, "x"), "cessation_of_operation")
            with self.db.read() as s:
                row = s.get(CaKey, name)
        assert row is not None  # made above, or by the process that made it first
        pairs[name] = pki.KeyPair(certificate=x509.load_der_x509_certificate(row.certificate_der),
                                  private_key=self._box.open_private_key(row.private_key_enc, name))
        return pairs[name]

    @property
    def root(self) -> x509.Certificate:
        return self.pair("root").certificate

    @property
    def issuing(self) -> x509.Certificate:
        return self.pair("issuing").certificate

    def chain(self) -> list[x509.Certificate]:
        """Issuing CA first, then the root."""
        return [self.issuing, self.root]

    # -- issuance ------------------------------------------------------------------------------
    def issue(self, csr: bytes | None, subject: x509.Name, not_before: datetime, not_after: datetime,
              actor: Actor | None, certificate_id: int | None,
              public_key: ec.EllipticCurvePublicKey | None = None) -> x509.Certificate:
        """Record the serial (committed) before signing, so a lost certificate can still be revoked.

        ``csr`` proves possession of a new key; ``public_key`` instead re-certifies a key this CA
        certified before (renewal, extension, change of a certificate that keeps its key).
        """
        if (csr is None) == (public_key is None):
            raise ValueError("give either a CSR or a previously certified public key")
        serial = pki.new_serial()
        serial_hex = format(serial, "x")
        with self.db.write() as s:
            s.add(IssuedSerial(serial_hex=serial_hex, certificate_id=certificate_id, not_after=not_after))
            audit.record(s, actor, AuditAction.CERTIFICATE_ABOUT_TO_ISSUE, "certificate", certificate_id or "-",
                         {"serial": serial_hex, "subject": subject.rfc4514_string()})
        if csr is not None:
            return pki.issue_leaf(self.pair("issuing"), csr, subject, not_before, not_after, self.base_url,
                                  serial=serial)
        assert public_key is not None  # checked above: exactly one of csr and public_key
        return pki.certify_key(self.pair("issuing"), public_key, subject, not_before, not_after, self.base_url,
                               serial=serial)

    def revoke_serial(self, session: Session, serial_hex: str, reason: str, when: datetime | None = None) -> None:
        """Mark a serial revoked inside the caller's transaction (CRL and OCSP read it from here)."""
        if reason not in _REASONS:
            raise ValueError(f"unsupported revocation reason {reason!r}")
        row = session.get(IssuedSerial, serial_hex)
        if row is None:
            raise NotFound("未知证书序列号")
        if row.revoked_at is None:
            row.revoked_at = when or utcnow()
            row.revocation_reason = reason

    # -- publication ---------------------------------------------------------------------------
    def crl_der(self, now: datetime | None = None) -> bytes:
        now = now or utcnow()
        with self.db.read() as s:
            rows = list(s.scalars(select(IssuedSerial).where(IssuedSerial.revoked_at.is_not(None))))
        revoked = [(int(r.serial_hex, 16), r.revoked_at, _crl_reason(r)) for r in rows if r.revoked_at is not None]
        crl = pki.build_crl(self.pair("issuing"), revoked, now, now + CRL_LIFETIME,
                            crl_number=int(now.timestamp()))
        return crl.public_bytes(serialization.Encoding.DER)

    def root_crl_der(self, now: datetime | None = None) -> bytes:
        """The root's CRL (revokes issuing CAs; empty unless one was compromised)."""
        now = now or utcnow()
        crl = pki.build_crl(self.pair("root"), [], now, now + CRL_LIFETIME, crl_number=int(now.timestamp()))
        return crl.public_bytes(serialization.Encoding.DER)

    def ocsp_response(self, request_der: bytes, now: datetime | None = None) -> bytes:
        infrastructure = {self.pair(name).certificate.serial_number for name in ("tsa", "ocsp")}

        def lookup(serial: int) -> tuple[str, datetime | None, str | None]:
            if serial in infrastructure:  # the CA's own TSA and responder, issued at `signer init`
                return "good", None, None
            with self.db.read() as s:
                row = s.get(IssuedSerial, format(serial, "x"))
            if row is None:
                return "unknown", None, None
            if row.revoked_at is not None:
                return "revoked", row.revoked_at, _crl_reason(row)
            return "good", None, None

        return pki.ocsp_respond(request_der, self.pair("issuing"), self.pair("ocsp"), lookup, now or utcnow())

    def pem(self, name: str) -> bytes:
        return self.pair(name).certificate.public_bytes(serialization.Encoding.PEM)

    # -- time stamps and long-term validation data (PAdES B-T / B-LT / B-LTA, RFC 3161) ------------
    def tsa_credentials(self) -> TsaCredentials:
        """The TSA's certificate and key (decrypted in this process) with the chain to embed."""
        pair = self.pair("tsa")
        key = pair.private_key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                             serialization.NoEncryption())
        return TsaCredentials(pair.certificate.public_bytes(serialization.Encoding.DER), key,
                              tuple(c.public_bytes(serialization.Encoding.DER) for c in self.chain()))

    def timestamp_response(self, request_der: bytes, now: datetime | None = None) -> bytes:
        """RFC 3161: a DER TimeStampReq in, a DER TimeStampResp out."""
        return tsa_respond(self.tsa_credentials(), request_der, now)

    def ocsp_for(self, cert: x509.Certificate, now: datetime | None = None) -> bytes:
        """This CA's OCSP response about one certificate it issued, produced in-process."""
        request = (ocsp.OCSPRequestBuilder().add_certificate(cert, self.issuing, hashes.SHA256()).build()
                   .public_bytes(serialization.Encoding.DER))
        return self.ocsp_response(request, now)

    def revocation_material(self, leaves: list[x509.Certificate]) -> RevocationMaterial:
        """Everything a verifier needs offline for these leaves and for the TSA: OCSP responses,
        both CRLs, and the responder's and TSA's certificates."""
        tsa = self.pair("tsa").certificate
        unique = {c.serial_number: c for c in [*leaves, tsa]}
        return RevocationMaterial(
            ocsps=tuple(self.ocsp_for(c) for c in unique.values()),
            crls=(self.crl_der(), self.root_crl_der()),
            certs=tuple(c.public_bytes(serialization.Encoding.DER)
                        for c in (tsa, self.pair("ocsp").certificate, self.issuing)),
        )


def _crl_reason(row: IssuedSerial) -> str:
    """The CRL/OCSP reason of a revoked serial (``revoke_serial`` sets it with ``revoked_at``)."""
    assert row.revocation_reason is not None
    return _REASONS[row.revocation_reason]
