"""Issue 9, QR bullet: a valid frame with duplicate ``s``/``t``/``h`` appended is refused, not read first-wins."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from signer.accounts.models import Account
from signer.core.errors import ValidationFailed
from signer.demo.samples import sample_pdf
from signer.seals.enums import SealKind
from signer.signing import qr
from signer.signing.service import PlacementRequest
from tests.helpers import DomainPhone, provision

COMPANY = PlacementRequest(SealKind.COMPANY, 1, 380, 80, 160, 80)


@pytest.fixture
def services(tmp_path: Path):
    services, _ = provision(tmp_path, f"sqlite:///{tmp_path / 'signer.db'}", seal_images=True)
    yield services
    services.db.dispose()


def _session(services) -> str:
    with services.db.read() as s:
        admin = s.scalar(select(Account).where(Account.username == "admin"))
    row, _ = services.signing.create(admin, sample_pdf("Quote"), "报价单", [COMPANY], "10.0.0.1", "pytest")
    return row.id


@pytest.mark.parametrize("suffix", [
    "&s={other}&t={step}&h={mac}",  # a whole second frame appended
    "&h=AAAAAAAAAAAAAAAAAAAAAA",  # one duplicate parameter
    "&s={other}",
    "&x=1",  # an unknown parameter
])
def test_appended_parameters_are_refused_at_scan(services, suffix: str):
    phone = DomainPhone.login(services, "operator1", "phone-1")
    phone.download(services.certificates.for_account(phone.who.account.id)[0].id)
    sid, other = _session(services), _session(services)
    payload = services.signing.frame_payload(sid)
    frame = qr.parse_payload(payload, services.config.qr_scheme)
    hostile = payload + suffix.format(other=other, step=frame.step, mac=frame.mac)
    with pytest.raises(ValidationFailed) as err:
        services.signing.scan(phone.who, hostile, "10.0.0.9")
    assert err.value.code == "bad_qr"
    # the untouched frame still scans
    assert services.signing.scan(phone.who, payload, "10.0.0.9")["title"] == "报价单"
