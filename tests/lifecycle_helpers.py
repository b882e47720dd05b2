"""Helpers for the certificate lifecycle's tests: files to upload, SMS codes from the outbox, whole flows."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw
from sqlalchemy import select

from signer.accounts.models import Account
from signer.app import Services
from signer.applications.delivery import Delivery
from signer.applications.enums import ApplicationKind, AttachmentKind, IdType
from signer.applications.models import Application
from signer.applications.review import SealChoice
from signer.applications.rules import AGREEMENTS, required_attachments
from signer.applications.service import ApplicationForm, Handler
from signer.applications.settings import LifecycleSettings
from signer.billing.models import Order
from signer.certificates.enums import CertificateKind
from signer.certificates.models import Certificate
from signer.core.db import must_get
from signer.demo.samples import sample_pdf
from signer.seals.enums import SealKind, SealType
from signer.sms.enums import SmsPurpose
from tests.helpers import provision

RESIDENT_ID = "11010519491231002X"  # GB 11643 example with the X check character
HANDLER = Handler("张办理", "13800138000", IdType.RESIDENT_ID, RESIDENT_ID)
KEY_DELIVERY = Delivery("李收件", "13900139000", "山东省烟台市龙口市东莱街道港城大道100号")
IP = "10.1.2.3"


def seal_png(color: tuple[int, int, int] = (200, 20, 30)) -> bytes:
    """A transparent round seal, as 线下上传 expects."""
    image = Image.new("RGBA", (240, 240), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((10, 10, 230, 230), outline=(*color, 255), width=12)
    draw.regular_polygon((120, 120, 40), 5, fill=(*color, 255))
    out = BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def scan_jpeg(text_lines: int = 6) -> bytes:
    """A white scanned page with a few dark lines (营业执照, 办理人证件 …)."""
    image = Image.new("RGB", (420, 300), "white")
    draw = ImageDraw.Draw(image)
    for i in range(text_lines):
        draw.line((30, 40 + i * 35, 390, 40 + i * 35), fill="black", width=3)
    out = BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def file_for(kind: AttachmentKind) -> tuple[str, bytes]:
    if kind in (AttachmentKind.COMPANY_SEAL, AttachmentKind.LEGAL_REP_SEAL, AttachmentKind.LEGAL_REP_SIGNATURE):
        return f"{kind.value}.png", seal_png()
    if kind == AttachmentKind.APPLICATION_FORM:
        return "申请表.pdf", sample_pdf("Application form")
    return f"{kind.value}.jpg", scan_jpeg()


def lifecycle_services(tmp_path: Path, database_url: str, seal_images: bool = False,
                       **settings: object) -> Services:
    """A provisioned instance whose SMS go to the outbox, with resends allowed at once (``seal_images``: the
    demo seal images too, for tests that sign)."""
    values: dict[str, Any] = {"sms_provider": "outbox", "sms_resend_seconds": 0, "sms_daily_per_phone": 1000,
                              "sms_daily_per_ip": 1000, **settings}
    services, _ = provision(tmp_path, database_url, seal_images=seal_images, lifecycle=LifecycleSettings(**values))
    return services


def account(services: Services, username: str) -> Account:
    with services.db.read() as s:
        found = s.scalar(select(Account).where(Account.username == username))
    assert found is not None, username
    return found


def sms_code(services: Services, phone: str, purpose: SmsPurpose = SmsPurpose.APPLICATION) -> str:
    """Send a code and read it from the outbox (as an administrator of the SMS gateway could)."""
    services.lifecycle.sms.send(phone, purpose, IP)
    text = services.lifecycle.sms.outbox(phone, limit=1)[0].text
    found = re.search(r"验证码为(\d{6})", text)
    assert found is not None, text
    return found.group(1)


def upload_all(services: Services, actor: Account, kinds: set[AttachmentKind]) -> dict[AttachmentKind, list[int]]:
    result = {}
    for kind in sorted(kinds):
        name, data = file_for(kind)
        result[kind] = [services.lifecycle.applications.upload(actor, kind, name, data, IP).id]
    return result


def new_form(services: Services, actor: Account, bind: str = "operator2",
             certificate_kind: CertificateKind = CertificateKind.MOBILE,
             seal_type: SealType = SealType.COMPANY_AND_LEGAL_REP, **changes: object) -> ApplicationForm:
    kinds = set(required_attachments(ApplicationKind.NEW, certificate_kind, seal_type))
    if seal_type == SealType.COMPANY_AND_LEGAL_REP:
        kinds.add(AttachmentKind.LEGAL_REP_SEAL)
    values: dict[str, Any] = {
        "certificate_kind": certificate_kind, "agreements": AGREEMENTS, "seal_type": seal_type, "period_years": 1,
        "bind_account_id": account(services, bind).id, "bind_phone": "13911112222", "handler": HANDLER,
        "attachments": upload_all(services, actor, kinds), "sms_code": sms_code(services, actor.phone),
    }
    if certificate_kind == CertificateKind.KEY:
        values["delivery"] = KEY_DELIVERY
    values.update(changes)
    return ApplicationForm(**values)


def cert_form(services: Services, actor: Account, kind: ApplicationKind, cert: Certificate,
              **changes: object) -> ApplicationForm:
    kinds = required_attachments(kind, cert.kind)
    values: dict[str, Any] = {"handler": HANDLER, "attachments": upload_all(services, actor, set(kinds)),
                              "period_years": 1}
    if kind == ApplicationKind.PHONE_CHANGE:
        values["new_phone"] = changes.pop("new_phone", "13722223333")
        values["sms_code"] = sms_code(services, values["new_phone"], SmsPurpose.PHONE_CHANGE)
    else:
        values["sms_code"] = sms_code(services, actor.phone)
    values.update(changes)
    return ApplicationForm(**values)


def pay(services: Services, actor: Account, app_ids: list[int]) -> Order:
    order = services.lifecycle.orders.create(actor, app_ids, None, IP)
    if order.amount_fen:
        services.lifecycle.payments.sandbox_pay(actor, order.order_no, IP)
    return services.lifecycle.orders.get(actor, order.order_no)


def seal_choices(services: Services, app_id: int) -> dict[SealKind, SealChoice]:
    found = {a.kind: a.id for a in services.lifecycle.applications.attachments_of(app_id)}
    choices = {}
    if AttachmentKind.COMPANY_SEAL in found:
        choices[SealKind.COMPANY] = SealChoice(found[AttachmentKind.COMPANY_SEAL])
    legal = found.get(AttachmentKind.LEGAL_REP_SEAL) or found.get(AttachmentKind.LEGAL_REP_SIGNATURE)
    if legal:
        choices[SealKind.LEGAL_REP] = SealChoice(legal)
    return choices


def approve(services: Services, app_id: int) -> Application:
    reviewer = account(services, "reviewer")
    return services.lifecycle.review.approve(reviewer, app_id, seal_choices(services, app_id), IP)


def certificate(services: Services, cert_id: int | None) -> Certificate:
    with services.db.read() as s:
        return must_get(s, Certificate, cert_id)


def application(services: Services, app_id: int) -> Application:
    with services.db.read() as s:
        return must_get(s, Application, app_id)


def lifecycle_app(tmp_path: Path, database_url: str, seal_images: bool = False):
    """The Flask app over a provisioned instance (SMS to the outbox), for API tests without a server
    (``seal_images``: the demo seal images too, for tests that sign)."""
    import os

    from signer import migrate
    from signer.app import create_app
    from signer.core import audit
    from signer.core.config import Config
    from signer.demo.seed import seed_demo
    from tests.helpers import PASSWORD

    config = Config(instance_path=tmp_path / "instance", database_url=database_url, signing_workers=0,
                    base_url="http://127.0.0.1:1",
                    lifecycle=LifecycleSettings(sms_provider="outbox", sms_resend_seconds=0,
                                                sms_daily_per_phone=1000, sms_daily_per_ip=1000))
    if database_url.startswith("sqlite"):
        config.database_url = ""
        config.instance_path = Path(database_url.removeprefix("sqlite:///")).parent / "instance"
    os.environ.pop("SIGNER_MASTER_KEY", None)
    app = create_app(config)
    app.config["TESTING"] = True
    services = app.extensions["signer"]
    migrate.upgrade(services.db)
    with services.db.write() as s:
        audit.ensure_head(s)
    services.ca.initialize("测试认证中心")
    seed_demo(services.db, PASSWORD)
    if seal_images:
        from signer.demo.seed import DEMO_CREDIT_CODE
        from signer.seals.seed_seals import seed_demo_seals

        seed_demo_seals(services.seals, DEMO_CREDIT_CODE, "operator1", None)
    return app, services


class ApiUser:
    """A logged-in PC browser (session cookie + CSRF header) on the Flask test client."""

    def __init__(self, app, username: str) -> None:
        from tests.helpers import PASSWORD

        self.client = app.test_client()
        resp = self.client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
        assert resp.status_code == 200, resp.get_json()
        self.csrf = resp.get_json()["csrf_token"]

    def get(self, path: str, **kw):
        return self.client.get(path, **kw)

    def post(self, path: str, **kw):
        return self.client.post(path, headers={"X-CSRF-Token": self.csrf}, **kw)

    def put(self, path: str, **kw):
        return self.client.put(path, headers={"X-CSRF-Token": self.csrf}, **kw)

    def delete(self, path: str, **kw):
        return self.client.delete(path, headers={"X-CSRF-Token": self.csrf}, **kw)

    def upload(self, kind: str, name: str, data: bytes):
        return self.post("/api/v1/uploads", data={"kind": kind, "file": (BytesIO(data), name)},
                         content_type="multipart/form-data")
