"""I: the physical KEY is made at the production desk, mailed, and takes effect when it is received.

制作并邮寄 (a reviewer): the key pair is generated on the token (PKCS#11, signer/certificates/keytoken.py)
and never leaves it; the token signs the CSR; the platform CA issues the certificate through the one
issuance path; the certificate is written to the token. The certificate is then 邮寄中 and the parcel
已发货 with its 快递公司 and 运单号. A 续签/变更/延长 of a KEY re-certifies the key it already has.

已签收 (the customer confirms receipt, or a reviewer records the delivery): the parcel 已签收 and the
certificate 已生效 in one transaction; a certificate it replaces is withdrawn then, not before.
"""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy.orm import Session

from keystore import server as ks_server
from signer.accounts import access
from signer.accounts.models import Account, Device
from signer.applications.enums import ShippingStatus
from signer.applications.models import Application
from signer.applications.transitions import move_shipping
from signer.ca.service import CertificateAuthority
from signer.certificates import issuance
from signer.certificates.enums import CertificateKind, CertificateStatus
from signer.certificates.keytoken import KeyToken
from signer.certificates.models import Certificate
from signer.certificates.retire import supersede_predecessor
from signer.certificates.service import CertificateService
from signer.certificates.transitions import move_certificate
from signer.core import audit
from signer.core.audit import Actor
from signer.core.audit_actions import AuditAction
from signer.core.db import Database, must_get
from signer.core.errors import Conflict, ErrorCode, NotFound, ValidationFailed
from signer.core.models import utcnow


def token_label(cert_id: int) -> str:
    """CKA_LABEL of a KEY's key pair and certificate on the token."""
    return f"实体KEY-{cert_id}"


class KeyShipping:
    def __init__(self, db: Database, ca: CertificateAuthority, certs: CertificateService, token: KeyToken) -> None:
        self.db = db
        self.ca = ca
        self.certs = certs
        self.token = token

    def _application(self, app_id: int) -> Application:
        with self.db.read() as s:
            app = s.get(Application, app_id)
        if app is None:
            raise NotFound("申请不存在")
        return app

    # -- 制作并邮寄 ------------------------------------------------------------------------------
    def ship(self, reviewer: Account, app_id: int, carrier: str, tracking_number: str, pin_verifier: bytes | None,
             ip: str) -> Application:
        """Make the KEY (key pair on the token, certificate issued and written to it), enroll its PIN verifier
        (5 wrong PINs freeze it, as for the APP) and record 快递公司 and 运单号: 邮寄中, 已发货."""
        access.reviewer(reviewer)
        app = self._application(app_id)
        if app.certificate_kind != CertificateKind.KEY or app.result_certificate_id is None:
            raise Conflict("只有已审核通过的实体KEY证书可以邮寄", code=ErrorCode.NOT_KEY)
        carrier, tracking_number = carrier.strip(), tracking_number.strip()
        errors: dict[str, list[str]] = {}
        if not 1 <= len(carrier) <= 50:
            errors["carrier"] = ["请填写快递公司（50字以内）"]
        if not (6 <= len(tracking_number) <= 40 and tracking_number.isascii()
                and tracking_number.replace("-", "").isalnum()):
            errors["tracking_number"] = ["运单号应为6至40位字母、数字或连字符"]
        if errors:
            raise ValidationFailed(next(iter(errors.values()))[0], details=errors)
        if pin_verifier is not None:
            ks_server.validate_verifier(pin_verifier)
        with self.db.read() as s:
            cert = must_get(s, Certificate, app.result_certificate_id)
            predecessor = s.get(Certificate, cert.predecessor_id) if cert.predecessor_id else None
        if cert.status != CertificateStatus.IN_PRODUCTION or app.shipping_status != ShippingStatus.PENDING:
            raise Conflict("该KEY已制作邮寄", code=ErrorCode.ILLEGAL_TRANSITION)
        label = token_label(cert.id)
        kept: ec.EllipticCurvePublicKey | None = None
        if cert.reuse_key and predecessor is not None and predecessor.certificate_der:
            old_key = x509.load_der_x509_certificate(predecessor.certificate_der).public_key()
            if not isinstance(old_key, ec.EllipticCurvePublicKey):
                raise Conflict("原证书的密钥类型不支持续用", code=ErrorCode.KEY_TYPE)
            kept = old_key
        actor = Actor(reviewer.id, reviewer.username, ip)
        now = utcnow()

        def enroll_pin(s: Session) -> dict[str, object]:
            if pin_verifier is None or cert.bound_account_id is None:
                return {}
            device = Device(account_id=cert.bound_account_id, device_uid=f"key-{cert.id}", name="实体KEY")
            s.add(device)
            s.flush()
            return {"device_id": device.id,
                    **self.certs.seal_keystore(cert.id, device.id, pin_verifier, ks_server.new_share())}

        def shipped(s: Session) -> None:
            move_shipping(s, app.id, ShippingStatus.PENDING, ShippingStatus.SHIPPED, shipping_carrier=carrier,
                          tracking_number=tracking_number, shipped_at=now)

        fresh: ec.EllipticCurvePublicKey | None = None
        try:
            csr = None
            if kept is None:
                fresh = self.token.generate(label)
                csr = self.token.csr(fresh, label)
            issued = issuance.issue(
                self.db, self.ca, cert.id, CertificateStatus.IN_PRODUCTION, actor, AuditAction.CERTIFICATE_SHIP,
                {"application": app.id, "carrier": carrier, "tracking_number": tracking_number,
                 "pin_enrolled": pin_verifier is not None, "key_on_token": True},
                csr=csr, public_key=kept, columns=enroll_pin, also=shipped, now=now, to=CertificateStatus.IN_TRANSIT)
        except Exception:
            if fresh is not None:
                self.token.discard(fresh)  # a KEY that is not shipped keeps no key
            raise
        if fresh is not None or (kept is not None and self.token.has_key(kept)):
            self.token.store_certificate(issued.certificate, label)
        return self._application(app.id)

    # -- 已签收 ----------------------------------------------------------------------------------
    def delivered(self, reviewer: Account, app_id: int, ip: str) -> Application:
        """The platform records the delivery (the courier's proof of receipt)."""
        access.reviewer(reviewer)
        return self._deliver(self._application(app_id), Actor(reviewer.id, reviewer.username, ip), "platform")

    def received(self, actor: Account, app_id: int, ip: str) -> Application:
        """确认收货: the enterprise says its KEY arrived."""
        with self.db.read() as s:
            app = access.own(s.get(Application, app_id), actor, "申请")
        return self._deliver(app, Actor(actor.id, actor.username, ip), "customer")

    def _deliver(self, app: Application, actor: Actor, by: str) -> Application:
        if app.shipping_status is None or app.result_certificate_id is None:
            raise Conflict("该申请没有邮寄信息", code=ErrorCode.NOT_SHIPPED)
        with self.db.write() as s:
            move_shipping(s, app.id, app.shipping_status, ShippingStatus.DELIVERED, updated_at=utcnow())
            cert = must_get(s, Certificate, app.result_certificate_id)
            if cert.status != CertificateStatus.IN_TRANSIT:
                raise Conflict("该KEY不在邮寄途中", code=ErrorCode.NOT_IN_TRANSIT)
            move_certificate(s, cert.id, CertificateStatus.IN_TRANSIT, CertificateStatus.EFFECTIVE)
            audit.record(s, actor, AuditAction.CERTIFICATE_DELIVERED, "application", app.id,
                         {"tracking_number": app.tracking_number, "certificate": cert.id, "by": by})
            supersede_predecessor(s, self.ca, cert, actor)
        return self._application(app.id)
