"""The platform CA as a service: keys in the database, issuance with recorded intent, CRL and OCSP."""

from __future__ import annotations

from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import audit, pki
from .audit import Actor
from .db import Database
from .errors import NotFound
from .models import CaKey, Certificate, IssuedSerial, utcnow

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
    def __init__(self, db: Database, master_key: bytes, base_url: str) -> None:
        self.db = db
        self._master = master_key
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
                    private_key_enc=pki.encrypt_private_key(pair.private_key, self._master),
                ))
            audit.record(s, None, "ca:init", "ca", "root",
                         {"root": pki.fingerprint(h.root.certificate), "organization": organization})
        return True

    def _load(self) -> dict[str, pki.KeyPair]:
        if self._pairs is None:
            with self.db.read() as s:
                rows = {row.name: row for row in s.scalars(select(CaKey))}
            if set(rows) != set(ROLES):
                raise NotFound("CA 尚未初始化（signer init）", code="ca_missing")
            self._pairs = {
                name: pki.KeyPair(
                    certificate=x509.load_der_x509_certificate(row.certificate_der),
                    private_key=pki.decrypt_private_key(row.private_key_enc, self._master),
                )
                for name, row in rows.items()
            }
        return self._pairs

    def pair(self, name: str) -> pki.KeyPair:
        return self._load()[name]

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
    def issue(self, csr: bytes, subject: x509.Name, not_before: datetime, not_after: datetime,
              actor: Actor | None, certificate_id: int | None) -> x509.Certificate:
        """Record the serial (committed) before signing, so a lost certificate can still be revoked."""
        serial = pki.new_serial()
        serial_hex = format(serial, "x")
        with self.db.write() as s:
            s.add(IssuedSerial(serial_hex=serial_hex, certificate_id=certificate_id, not_after=not_after))
            audit.record(s, actor, "certificate:about-to-issue", "certificate", certificate_id or "-",
                         {"serial": serial_hex, "subject": subject.rfc4514_string()})
        return pki.issue_leaf(self.pair("issuing"), csr, subject, not_before, not_after, self.base_url,
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

    def next_sequence(self, session: Session, enterprise_id: int) -> int:
        """The ``n`` of the manual's DN style: how many certificates this enterprise has been issued."""
        count = session.scalar(
            select(func.count()).select_from(Certificate).where(
                Certificate.enterprise_id == enterprise_id, Certificate.serial_hex.is_not(None)
            )
        )
        return int(count or 0) + 1

    # -- publication ---------------------------------------------------------------------------
    def crl_der(self, now: datetime | None = None) -> bytes:
        now = now or utcnow()
        with self.db.read() as s:
            rows = list(s.scalars(select(IssuedSerial).where(IssuedSerial.revoked_at.is_not(None))))
        revoked = [(int(r.serial_hex, 16), r.revoked_at, _REASONS[r.revocation_reason]) for r in rows]
        crl = pki.build_crl(self.pair("issuing"), revoked, now, now + CRL_LIFETIME,
                            crl_number=int(now.timestamp()))
        return crl.public_bytes(serialization.Encoding.DER)

    def root_crl_der(self, now: datetime | None = None) -> bytes:
        """The root's CRL (revokes issuing CAs; empty unless one was compromised)."""
        now = now or utcnow()
        crl = pki.build_crl(self.pair("root"), [], now, now + CRL_LIFETIME, crl_number=int(now.timestamp()))
        return crl.public_bytes(serialization.Encoding.DER)

    def ocsp_response(self, request_der: bytes, now: datetime | None = None) -> bytes:
        def lookup(serial: int) -> tuple[str, datetime | None, str | None]:
            with self.db.read() as s:
                row = s.get(IssuedSerial, format(serial, "x"))
            if row is None:
                return "unknown", None, None
            if row.revoked_at is not None:
                return "revoked", row.revoked_at, _REASONS[row.revocation_reason]
            return "good", None, None

        return pki.ocsp_respond(request_der, self.pair("issuing"), self.pair("ocsp"), lookup, now or utcnow())

    def pem(self, name: str) -> bytes:
        return self.pair(name).certificate.public_bytes(serialization.Encoding.PEM)
