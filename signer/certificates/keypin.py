"""I: the physical KEY's PIN, checked by the server so that 5 consecutive wrong PINs lock it (已冻结).

The KEY is enrolled at production like a phone's keystore (its PIN's verifier, on a device record of its
own); the KEY middleware on the holder's PC answers an unlock challenge with the PIN, exactly as the APP
does with the signing password, so the same counter, freeze and 解冻 lifecycle apply.
"""

from __future__ import annotations

from signer.accounts import access
from signer.accounts.models import Account, Device
from signer.accounts.service import AppIdentity
from signer.certificates.enums import CertificateKind
from signer.certificates.models import Certificate, UnlockChallenge
from signer.certificates.service import CertificateService, UnlockOutcome
from signer.core.db import Database
from signer.core.errors import Conflict, ErrorCode, NotFound


class KeyPinService:
    def __init__(self, db: Database, certs: CertificateService) -> None:
        self.db = db
        self.certs = certs

    def _holder(self, actor: Account, cert_id: int) -> AppIdentity:
        access.enterprise_member(actor)
        with self.db.read() as s:
            cert = access.own(s.get(Certificate, cert_id), actor, "证书")
            if cert.kind != CertificateKind.KEY or cert.bound_account_id != actor.id:
                raise NotFound("证书不存在")
            device = s.get(Device, cert.device_id) if cert.device_id else None
        if device is None:
            raise Conflict("该KEY尚未制作", code=ErrorCode.NOT_PRODUCED)
        return AppIdentity(actor, device)

    def challenge(self, actor: Account, cert_id: int) -> UnlockChallenge:
        who = self._holder(actor, cert_id)
        with self.db.write() as s:
            cert = self.certs._usable_on_device(s, who, cert_id, "sign")
            return self.certs.new_challenge(s, cert, who.device.id, "sign")

    def verify(self, actor: Account, cert_id: int, challenge_id: int, response: bytes, ip: str) -> UnlockOutcome:
        """Right: the counter resets. Wrong: it counts; the fifth in a row freezes the certificate."""
        outcome = self.certs.unlock(self._holder(actor, cert_id), challenge_id, response, "sign", ip)
        return UnlockOutcome(outcome.ok, None, outcome.remaining, outcome.frozen)
