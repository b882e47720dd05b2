"""A certificate's shown state, one rule: its stored status, or 即将失效 / 已失效 derived from its expiry.

The stored status stays 已生效 until something replaces it, so lists, eligibility and every label agree.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import String, and_, case, cast
from sqlalchemy.sql.elements import ColumnElement

from signer.certificates.enums import CERTIFICATE_STATUS_LABELS, EXPIRING_LABEL, CertificateStatus
from signer.certificates.models import Certificate

EXPIRING = "expiring"  # 即将失效 (a derived state)
EXPIRED = CertificateStatus.EXPIRED.value
CERTIFICATE_STATE_LABELS: dict[str, str] = {
    **{status.value: label for status, label in CERTIFICATE_STATUS_LABELS.items()},
    EXPIRING: EXPIRING_LABEL,
}


def state_of(cert: Certificate, now: datetime, window: timedelta) -> str:
    """The certificate's own state for lists and eligibility: its status, or 即将失效 / 已失效 by date."""
    if cert.status == CertificateStatus.EFFECTIVE and cert.not_after is not None:
        if cert.not_after <= now:
            return EXPIRED
        if cert.not_after - now <= window:
            return EXPIRING
    return cert.status.value


def state_column(now: datetime, window: timedelta) -> ColumnElement[str]:
    """:func:`state_of` in SQL, so lists filter and page by the state they show."""
    effective = Certificate.status == CertificateStatus.EFFECTIVE
    return case(
        (and_(effective, Certificate.not_after <= now), EXPIRED),
        (and_(effective, Certificate.not_after <= now + window), EXPIRING),
        else_=cast(Certificate.status, String(32)),
    )


def status_label(cert: Certificate, now: datetime, window: timedelta) -> str:
    """已生效 / 即将失效 / 已失效 …: the label of a certificate's own state, wherever it is shown."""
    return CERTIFICATE_STATE_LABELS[state_of(cert, now, window)]
