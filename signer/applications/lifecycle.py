"""The lifecycle's services, wired once by the composition root (``signer.app.build_services``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from signer.applications.documents import Documents
from signer.applications.keyshipping import KeyShipping
from signer.applications.records import Records
from signer.applications.review import ReviewService
from signer.applications.service import ApplicationService
from signer.applications.settings import LifecycleSettings
from signer.billing.invoices import InvoiceService
from signer.billing.orders import OrderService
from signer.billing.payments import PaymentService, SandboxProvider
from signer.ca.service import CertificateAuthority
from signer.certificates.binding import BindingService
from signer.certificates.install import InstallService
from signer.certificates.keypin import KeyPinService
from signer.certificates.keytoken import KeyToken
from signer.certificates.listing import CertificateList
from signer.certificates.service import CertificateService
from signer.certificates.token_config import load_token_config
from signer.core.config import Config, load_secret
from signer.core.db import Database
from signer.core.storage import BlobStore
from signer.seals.service import SealService
from signer.signing.signing_pool import SigningPool
from signer.sms.service import SmsService, make_provider


@dataclass
class Lifecycle:
    settings: LifecycleSettings
    sms: SmsService
    applications: ApplicationService
    orders: OrderService
    payments: PaymentService
    invoices: InvoiceService
    review: ReviewService
    shipping: KeyShipping
    installs: InstallService
    binding: BindingService
    listing: CertificateList
    records: Records
    documents: Documents
    keypin: KeyPinService


def build_lifecycle(config: Config, db: Database, store: BlobStore, ca: CertificateAuthority,
                    certs: CertificateService, seals: SealService, pool: SigningPool,
                    font_paths: Callable[[], list[str]]) -> Lifecycle:
    settings = config.lifecycle
    sms = SmsService(db, make_provider(settings.sms_provider, db),
                     load_secret(config.instance_path, "sms", "SIGNER_SMS_KEY"), settings.platform_name,
                     settings.sms_daily_per_phone, settings.sms_daily_per_ip,
                     timedelta(seconds=settings.sms_resend_seconds))
    orders = OrderService(db)
    provider = SandboxProvider(load_secret(config.instance_path, "payment-sandbox", "SIGNER_PAYMENT_SECRET"))
    invoices = InvoiceService(db, store, ca, pool, settings, font_paths)
    return Lifecycle(
        settings=settings,
        sms=sms,
        applications=ApplicationService(db, store, ca, sms, settings),
        orders=orders,
        payments=PaymentService(db, provider, orders),
        invoices=invoices,
        review=ReviewService(db, store, ca, certs, seals, orders, invoices, sms, config.default_usage_limit,
                             settings.renewal_window),
        shipping=KeyShipping(db, ca, certs, KeyToken(load_token_config(config.instance_path))),
        installs=InstallService(db, ca, certs),
        binding=BindingService(db, ca, seals, settings.renewal_window),
        listing=CertificateList(db, settings.renewal_window),
        records=Records(db),
        documents=Documents(db, settings.platform_name, font_paths),
        keypin=KeyPinService(db, certs),
    )
