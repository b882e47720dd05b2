"""The lifecycle's services, wired once by the composition root (``signer.app.build_services``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from ..ca import CertificateAuthority
from ..certificates import CertificateService
from ..config import Config, load_secret
from ..db import Database
from ..seals import SealService
from ..signing_pool import SigningPool
from ..storage import BlobStore
from .applications import ApplicationService
from .binding import BindingService
from .documents import Documents
from .install import InstallService
from .invoices import InvoiceService
from .keypin import KeyPinService
from .listing import CertificateList
from .orders import OrderService
from .payments import PaymentService, SandboxProvider
from .review import ReviewService
from .settings import LifecycleSettings
from .sms import SmsService, make_provider
from .views import Records


@dataclass
class Lifecycle:
    settings: LifecycleSettings
    sms: SmsService
    applications: ApplicationService
    orders: OrderService
    payments: PaymentService
    invoices: InvoiceService
    review: ReviewService
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
        installs=InstallService(db, ca, certs),
        binding=BindingService(db, ca, seals, settings.renewal_window),
        listing=CertificateList(db, settings.renewal_window),
        records=Records(db),
        documents=Documents(db, settings.platform_name, font_paths),
        keypin=KeyPinService(db, certs),
    )
