"""Settings of the lifecycle, from environment variables (DESIGN §8), and the configurable price table."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import timedelta

from signer.applications.enums import APPLICATION_KIND_LABELS, ApplicationKind
from signer.certificates.enums import CertificateKind
from signer.core.errors import ErrorCode, ValidationFailed

K = ApplicationKind
C = CertificateKind

# {application kind: {certificate kind: {years: fen}}}; years 0 = a flat fee without a period.
DEFAULT_PRICES: dict[str, dict[str, dict[str, int]]] = {
    K.NEW: {C.MOBILE: {"1": 30000}, C.KEY: {"1": 30000}},
    K.RENEW: {C.MOBILE: {"1": 30000}, C.KEY: {"1": 30000}},
    K.EXTEND: {C.MOBILE: {"1": 30000}, C.KEY: {"1": 30000}},
    K.REISSUE: {C.MOBILE: {"0": 30000}, C.KEY: {"0": 30000}},
    K.CHANGE: {C.MOBILE: {"0": 0}, C.KEY: {"0": 0}, C.ANXINQIAN: {"0": 0}},
}
ORDERED_KINDS = frozenset({K.NEW, K.RENEW, K.EXTEND, K.REISSUE, K.CHANGE})
MAX_YEARS = 5


class PriceTable:
    """What each paid application costs, in integer fen."""

    def __init__(self, table: dict[str, dict[str, dict[str, int]]]) -> None:
        self._table: dict[tuple[ApplicationKind, CertificateKind], dict[int, int]] = {}
        for kind, by_cert in table.items():
            for cert_kind, options in by_cert.items():
                parsed = {int(years): int(fen) for years, fen in options.items()}
                if any(y < 0 or y > MAX_YEARS or f < 0 for y, f in parsed.items()):
                    raise ValueError(f"bad price entry for {kind}/{cert_kind}: {options}")
                self._table[(ApplicationKind(kind), CertificateKind(cert_kind))] = parsed

    @classmethod
    def from_env(cls) -> PriceTable:
        raw = os.environ.get("SIGNER_PRICES")
        return cls(json.loads(raw) if raw else DEFAULT_PRICES)

    def options(self, kind: ApplicationKind, cert_kind: CertificateKind) -> dict[int, int]:
        return dict(self._table.get((kind, cert_kind), {}))

    def price(self, kind: ApplicationKind, cert_kind: CertificateKind, years: int | None) -> tuple[int, int]:
        """(years, fen) for a request; a kind with a flat fee ignores ``years``."""
        options = self.options(kind, cert_kind)
        if not options:
            raise ValidationFailed(f"{APPLICATION_KIND_LABELS[kind]}不需要订单", code=ErrorCode.NOT_PRICED)
        if set(options) == {0}:
            return 0, options[0]
        if years not in options:
            offered = "、".join(f"{y}年({fen / 100:.2f}元)" for y, fen in sorted(options.items()))
            raise ValidationFailed(f"请选择申请期限：{offered}", details={"period_years": [f"可选：{offered}"]})
        return years, options[years]

    def as_list(self) -> list[dict[str, object]]:
        return [{"kind": k.value, "certificate_kind": c.value, "years": y, "price_fen": fen}
                for (k, c), options in sorted(self._table.items()) for y, fen in sorted(options.items())]


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


@dataclass
class LifecycleSettings:
    prices: PriceTable = field(default_factory=PriceTable.from_env)
    renewal_window_days: int = field(default_factory=lambda: _int("SIGNER_RENEWAL_WINDOW_DAYS", 30))
    sms_provider: str = field(default_factory=lambda: os.environ.get("SIGNER_SMS_PROVIDER", "console"))
    sms_daily_per_phone: int = field(default_factory=lambda: _int("SIGNER_SMS_DAILY_PER_PHONE", 10))
    sms_daily_per_ip: int = field(default_factory=lambda: _int("SIGNER_SMS_DAILY_PER_IP", 50))
    sms_resend_seconds: int = field(default_factory=lambda: _int("SIGNER_SMS_RESEND_SECONDS", 60))
    max_upload_bytes: int = field(default_factory=lambda: _int("SIGNER_MAX_UPLOAD_BYTES", 10 * 1024 * 1024))
    platform_name: str = field(default_factory=lambda: os.environ.get("SIGNER_PLATFORM_NAME", "阳光七采电子商务平台"))
    platform_tax_number: str = field(
        default_factory=lambda: os.environ.get("SIGNER_PLATFORM_TAX_NUMBER", "91140100MA0K8A3F1X"))

    @property
    def renewal_window(self) -> timedelta:
        return timedelta(days=self.renewal_window_days)
