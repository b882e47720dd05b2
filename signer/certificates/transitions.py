"""Moving a certificate along CERTIFICATE_TRANSITIONS (compare-and-set)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from signer.certificates.enums import CERTIFICATE_STATUS_LABELS, CERTIFICATE_TRANSITIONS, CertificateStatus
from signer.certificates.models import Certificate
from signer.core.transitions import compare_and_set


def move_certificate(session: Session, cert_id: int, expected: CertificateStatus, new: CertificateStatus,
                     **values: Any) -> None:
    """Compare-and-set a certificate's status; Conflict (nothing changed) when illegal or lost."""
    compare_and_set(
        session, CERTIFICATE_TRANSITIONS, Certificate.status, cert_id, expected, new,
        illegal=f"证书状态为{CERTIFICATE_STATUS_LABELS[expected]}，不能变为{CERTIFICATE_STATUS_LABELS[new]}",
        lost="证书状态已被他人更改，请刷新后重试", **values,
    )
