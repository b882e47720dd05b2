"""Issue 11 item 8: a disabled toolbar button's reason is the services' own refusal; 调整印章大小 shrinks the seal
inside its image."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from PIL import Image

from signer.accounts.enums import Role
from signer.accounts.models import Account
from signer.applications import rules
from signer.applications.enums import ApplicationKind
from signer.certificates.enums import CertificateKind, CertificateStatus
from signer.certificates.listing import CertificateList
from signer.certificates.models import Certificate
from signer.core.errors import Conflict, ValidationFailed
from signer.core.models import utcnow
from signer.seals import seal_images
from tests.lifecycle_helpers import seal_png

K = ApplicationKind


@pytest.mark.parametrize(("cert_kind", "state"), [
    (CertificateKind.ANXINQIAN, "effective"), (CertificateKind.MOBILE, "effective"),
    (CertificateKind.MOBILE, "pending_download"), (CertificateKind.KEY, "frozen")])
def test_the_lists_reasons_are_what_the_services_refuse_with(cert_kind, state):
    """Issue 11 item 8: each toolbar operation the list withholds carries check_eligible's message."""
    admin = Account(role=Role.ADMIN)
    reasons = CertificateList.unavailable(cert_kind, state, False, admin)
    offered = CertificateList.operations(cert_kind, state, True, False, admin)
    now = utcnow()
    status = CertificateStatus.FROZEN if state == "frozen" else CertificateStatus(state)
    cert = Certificate(kind=cert_kind, status=status, not_after=now + timedelta(days=300))
    for kind in rules.ELIGIBLE_STATES:
        if kind.value in offered:
            assert kind.value not in reasons
            rules.check_eligible(kind, cert, now, timedelta(days=30))
        else:
            with pytest.raises(Conflict) as refused:
                rules.check_eligible(kind, cert, now, timedelta(days=30))
            assert reasons[kind.value] == refused.value.message


def test_reasons_for_an_open_application_and_an_operator():
    """Issue 11 item 8: an open application blocks every operation; only administrators revoke."""
    operator = Account(role=Role.OPERATOR)
    assert set(CertificateList.unavailable(CertificateKind.MOBILE, "pending_review", True, operator)) == {
        k.value for k in rules.ELIGIBLE_STATES}
    assert CertificateList.unavailable(CertificateKind.MOBILE, "effective", False, operator)["revoke"] == \
        "仅管理员可以吊销证书"
    assert rules.why_not(K.RENEW, CertificateKind.ANXINQIAN, "effective").message == rules.ANXINQIAN_SUSPENDED


def _ink(png: bytes) -> tuple[int, int, tuple[int, int, int, int]]:
    image = Image.open(BytesIO(png))
    box = image.getchannel("A").getbbox()
    assert box is not None
    return image.width, image.height, box


def test_resizing_a_seal_keeps_its_box_and_shrinks_the_ink():
    """Issue 11 item 8: 线下上传 at 60 % fills 60 % of the same image, centred; outside 50–100 is refused."""
    width, height, full = _ink(seal_images.normalize_transparent(seal_png()))
    w2, h2, (left, top, right, bottom) = _ink(seal_images.normalize_transparent(seal_png(), scale=60))
    assert (w2, h2) == (width, height)
    assert abs((right - left) - 0.6 * (full[2] - full[0])) <= 0.05 * (full[2] - full[0])  # soft edges
    assert abs(left - (w2 - right)) <= 2 and abs(top - (h2 - bottom)) <= 2
    with pytest.raises(ValidationFailed):
        seal_images.normalize_transparent(seal_png(), scale=40)
