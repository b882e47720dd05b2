"""Every kind of application, from the form to the certificate in the phone (B1–B8, C, D, G, I, J), through
the services, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select, update

from api.schemas.certificates import CertificatePageSchema
from keystore import device as ks_device
from pdfsign.validate import all_valid, validate_pdf
from signer.accounts.models import Enterprise
from signer.applications.delivery import Delivery
from signer.applications.enums import ApplicationKind, ApplicationStatus, ShippingStatus
from signer.billing.enums import OrderStatus
from signer.ca.models import IssuedSerial
from signer.certificates.enums import CertificateKind, CertificateStatus
from signer.certificates.models import Certificate
from signer.certificates.service import CertificateUnusable
from signer.core.errors import Conflict, ValidationFailed
from signer.core.models import utcnow
from signer.seals.enums import SealKind, SealType
from signer.seals.models import SealImage
from tests.helpers import SIGNING_PASSWORD, DomainPhone
from tests.lifecycle_helpers import (
    IP,
    account,
    application,
    approve,
    cert_form,
    certificate,
    new_form,
    pay,
    sms_code,
)

K = ApplicationKind
A = ApplicationStatus


@pytest.fixture
def services(tmp_path: Path, database_url: str):
    from tests.lifecycle_helpers import lifecycle_services

    svc = lifecycle_services(tmp_path, database_url)
    yield svc
    svc.db.dispose()


def issue_new(services, bind: str = "operator2", device: str = "phone-2") -> tuple[DomainPhone, int]:
    """新签 → order → pay → review → download: the phone holds an effective certificate."""
    admin = account(services, "admin")
    app = services.lifecycle.applications.apply_new(admin, new_form(services, admin, bind), IP)
    pay(services, admin, [app.id])
    cert_id = approve(services, app.id).result_certificate_id
    assert cert_id is not None  # approving a 新签 creates the certificate
    phone = DomainPhone.login(services, bind, device)
    phone.download(cert_id)
    return phone, cert_id


def age(services, cert_id: int, days_left: float) -> None:
    """Move a certificate's expiry so that ``days_left`` remain (the 即将失效 / 已失效 window)."""
    with services.db.write() as s:
        s.execute(update(Certificate).where(Certificate.id == cert_id)
                  .values(not_after=utcnow() + timedelta(days=days_left)))


def install(services, phone: DomainPhone, cert_id: int) -> None:
    """H2 for a certificate that keeps its key: unlock the old keystore, re-seal it for the new serial."""
    challenge = services.lifecycle.installs.challenge(phone.who, cert_id)
    assert phone.keystore is not None  # downloaded before
    password_key, verifier = ks_device.verifier_from_password(SIGNING_PASSWORD, phone.keystore.kdf)
    answer = ks_device.unlock_response(verifier, challenge.nonce)
    result = services.lifecycle.installs.install(phone.who, cert_id, challenge.id, answer, IP)
    key = ks_device.open_keystore(phone.keystore, password_key, result.old_share, phone.who.device.device_uid)
    phone.keystore = ks_device.seal(key, password_key, result.share, phone.who.device.device_uid, result.serial_hex,
                                    result.certificate_pem, result.chain_pem, phone.keystore.kdf)
    phone.cert_id = cert_id


def test_b1_to_b7_new_mobile_certificate_from_form_to_phone(services):
    admin = account(services, "admin")
    app = services.lifecycle.applications.apply_new(admin, new_form(services, admin), IP)
    assert (app.status, app.price_fen, app.period_years) == (A.PENDING_ORDER, 30000, 1)
    assert app.agreements_accepted_at is not None and app.id_number == "11010519491231002X"
    page = CertificatePageSchema().dump(services.lifecycle.listing.page(admin, _filter(state="pending_order")))
    assert [(r["application_id"], r["status_label"], r["bound_account"]) for r in page["items"]] == [
        (app.id, "待生成订单", "operator2")]

    order = services.lifecycle.orders.create(admin, [app.id], None, IP)
    assert (order.status, order.amount_fen) == (OrderStatus.PENDING_PAYMENT, 30000)
    assert order.invoice_snapshot["title"] == "龙口市恒通汽车贸易有限公司"  # the default profile is preselected
    assert application(services, app.id).status == A.PENDING_PAYMENT
    services.lifecycle.payments.sandbox_pay(admin, order.order_no, IP)
    assert application(services, app.id).status == A.PENDING_REVIEW

    approved = approve(services, app.id)
    assert approved.status == A.APPROVED
    cert = certificate(services, approved.result_certificate_id)
    assert (cert.status, cert.bound_account_id, cert.kind) == (
        CertificateStatus.PENDING_DOWNLOAD, account(services, "operator2").id, CertificateKind.MOBILE)
    with services.db.read() as s:  # 维护印章信息: the chosen images became the enterprise's seals
        kinds = set(s.scalars(select(SealImage.kind).where(SealImage.enterprise_id == admin.enterprise_id)))
    assert {SealKind.COMPANY, SealKind.LEGAL_REP} <= kinds

    phone = DomainPhone.login(services, "operator2", "phone-2")
    phone.download(cert.id)
    cert = certificate(services, cert.id)
    assert cert.status == CertificateStatus.EFFECTIVE
    assert cert.subject.startswith("CN=1@龙口市恒通汽车贸易有限公司@")
    assert (cert.not_after - cert.not_before).days in (365, 366)
    invoice = services.lifecycle.invoices.for_order(order.id)  # F2: issued after the review
    assert invoice is not None and invoice.amount_fen == 30000
    pdf = services.store.get(invoice.pdf_sha256)
    root = services.ca.root.public_bytes(serialization.Encoding.DER)
    reports = validate_pdf(pdf, [root])
    assert len(reports) == 1 and all_valid(reports)


def _filter(**kw):
    from signer.certificates.listing import ListFilter

    return ListFilter(**kw)


def test_c_renewal_keeps_the_key_and_withdraws_the_old_certificate(services):
    admin = account(services, "admin")
    phone, old_id = issue_new(services)
    old = certificate(services, old_id)
    with pytest.raises(Conflict) as err:  # C: only 即将失效 / 已失效
        services.lifecycle.applications.apply_for(admin, old_id, K.RENEW, cert_form(services, admin, K.RENEW, old), IP)
    assert err.value.code == "illegal_transition"
    age(services, old_id, 10)
    assert services.lifecycle.listing.page(admin, _filter(state="expiring")).total == 1
    app = services.lifecycle.applications.apply_for(admin, old_id, K.RENEW,
                                                    cert_form(services, admin, K.RENEW, old), IP)
    assert app.status == A.PENDING_ORDER
    pay(services, admin, [app.id])
    new_id = approve(services, app.id).result_certificate_id
    new = certificate(services, new_id)
    assert (new.status, new.reuse_key, new.predecessor_id) == (CertificateStatus.PENDING_DOWNLOAD, True, old_id)
    assert certificate(services, old_id).status == CertificateStatus.EFFECTIVE  # still signs until installed

    install(services, phone, new_id)
    new, old = certificate(services, new_id), certificate(services, old_id)
    assert new.status == CertificateStatus.EFFECTIVE and old.status == CertificateStatus.WITHDRAWN
    new_key = x509.load_der_x509_certificate(new.certificate_der).public_key()
    old_key = x509.load_der_x509_certificate(old.certificate_der).public_key()
    assert new_key == old_key and new.serial_hex != old.serial_hex
    assert new.not_after > old.not_after
    with services.db.read() as s:
        assert s.get(IssuedSerial, old.serial_hex).revocation_reason == "superseded"


def test_d_change_after_renaming_reissues_the_name_with_the_same_key(services):
    admin = account(services, "admin")
    phone, old_id = issue_new(services)
    with services.db.write() as s:
        s.execute(update(Enterprise).where(Enterprise.id == admin.enterprise_id)
                  .values(name="龙口市恒通汽车集团有限公司"))
    old = certificate(services, old_id)
    app = services.lifecycle.applications.apply_for(admin, old_id, K.CHANGE, cert_form(services, admin, K.CHANGE, old),
                                                    IP)
    assert app.price_fen == 0
    order = pay(services, admin, [app.id])
    assert order.status == OrderStatus.PAID and order.provider == "free"  # 0.00 元: nothing to pay
    new_id = approve(services, app.id).result_certificate_id
    install(services, phone, new_id)
    new = certificate(services, new_id)
    assert "龙口市恒通汽车集团有限公司" in new.subject and new.not_after == old.not_after
    with services.db.read() as s:
        assert s.get(IssuedSerial, old.serial_hex).revocation_reason == "affiliation_changed"


def test_g_extend_adds_a_year_to_the_current_expiry(services):
    admin = account(services, "admin")
    phone, old_id = issue_new(services)
    old = certificate(services, old_id)
    app = services.lifecycle.applications.apply_for(admin, old_id, K.EXTEND, cert_form(services, admin, K.EXTEND, old),
                                                    IP)
    pay(services, admin, [app.id])
    new_id = approve(services, app.id).result_certificate_id
    install(services, phone, new_id)
    new = certificate(services, new_id)
    assert new.not_after.year == old.not_after.year + 1 and abs((new.not_after - old.not_after).days - 365) <= 1


def test_g_reissue_needs_a_new_key_and_revokes_the_lost_one_at_once(services):
    admin = account(services, "admin")
    _, old_id = issue_new(services)
    old = certificate(services, old_id)
    app = services.lifecycle.applications.apply_for(
        admin, old_id, K.REISSUE, cert_form(services, admin, K.REISSUE, old, reason="lost"), IP)
    pay(services, admin, [app.id])
    new_id = approve(services, app.id).result_certificate_id
    assert certificate(services, old_id).status == CertificateStatus.WITHDRAWN
    with services.db.read() as s:
        assert s.get(IssuedSerial, old.serial_hex).revocation_reason == "key_compromise"
    new = certificate(services, new_id)
    assert not new.reuse_key and new.planned_not_after == old.not_after
    phone = DomainPhone.login(services, "operator2", "new-phone")
    phone.download(new_id)
    new = certificate(services, new_id)
    assert new.status == CertificateStatus.EFFECTIVE and new.not_after == old.not_after
    assert x509.load_der_x509_certificate(new.certificate_der).public_key() != \
        x509.load_der_x509_certificate(old.certificate_der).public_key()


def test_g_revoke_is_immediate_and_published(services):
    admin = account(services, "admin")
    _, cert_id = issue_new(services)
    cert = certificate(services, cert_id)
    app = services.lifecycle.applications.apply_for(
        admin, cert_id, K.REVOKE, cert_form(services, admin, K.REVOKE, cert, reason="key_compromise"), IP)
    assert app.status == A.APPROVED
    assert certificate(services, cert_id).status == CertificateStatus.REVOKED
    crl = x509.load_der_x509_crl(services.ca.crl_der())
    entry = crl.get_revoked_certificate_by_serial_number(int(cert.serial_hex, 16))
    assert entry is not None and entry.extensions.get_extension_for_class(x509.CRLReason).value.reason.name == \
        "key_compromise"


def test_g_unfreeze_after_five_wrong_passwords(services):
    admin = account(services, "admin")
    phone, cert_id = issue_new(services)
    _, wrong = ks_device.verifier_from_password("wrong!!", phone.keystore.kdf)
    for _ in range(5):
        ch = services.certificates.password_challenge(phone.who, cert_id)
        services.certificates.unlock(phone.who, ch.id, ks_device.unlock_response(wrong, ch.nonce), "password", IP)
    assert certificate(services, cert_id).status == CertificateStatus.FROZEN
    app = services.lifecycle.applications.apply_for(
        admin, cert_id, K.UNFREEZE, cert_form(services, admin, K.UNFREEZE, certificate(services, cert_id)), IP)
    assert app.status == A.PENDING_REVIEW  # no fee, straight to review
    approve(services, app.id)
    cert = certificate(services, cert_id)
    assert cert.status == CertificateStatus.EFFECTIVE and cert.failed_unlocks == 0
    ch = services.certificates.password_challenge(phone.who, cert_id)
    assert services.certificates.unlock(phone.who, ch.id, phone.response(base64.b64encode(ch.nonce).decode()),
                                        "password", IP).ok


def test_g_phone_change_is_verified_on_the_new_number(services):
    admin = account(services, "admin")
    _, cert_id = issue_new(services)
    cert = certificate(services, cert_id)
    app = services.lifecycle.applications.apply_for(
        admin, cert_id, K.PHONE_CHANGE, cert_form(services, admin, K.PHONE_CHANGE, cert, new_phone="13755556666"), IP)
    assert app.status == A.APPROVED and certificate(services, cert_id).contact_phone == "13755556666"


def test_b6_reject_view_and_reapply(services):
    admin = account(services, "admin")
    app = services.lifecycle.applications.apply_new(admin, new_form(services, admin), IP)
    pay(services, admin, [app.id])
    reviewer = account(services, "reviewer")
    services.lifecycle.review.reject(reviewer, app.id, "营业执照未加盖公章", IP)
    rejected = services.lifecycle.applications.rejection(admin, app.id)
    assert rejected.status == A.REJECTED and rejected.rejection_opinion == "营业执照未加盖公章"
    from signer.applications.enums import AttachmentKind
    from signer.applications.service import ApplicationForm
    from tests.lifecycle_helpers import upload_all

    again = ApplicationForm(sms_code=sms_code(services, admin.phone),
                            attachments=upload_all(services, admin, {AttachmentKind.BUSINESS_LICENSE}))
    assert services.lifecycle.applications.reapply(admin, app.id, again, IP).status == A.PENDING_REVIEW
    current = services.lifecycle.applications.attachments_of(app.id)
    assert [a.id for a in current if a.kind == AttachmentKind.BUSINESS_LICENSE] == \
        again.attachments[AttachmentKind.BUSINESS_LICENSE]
    assert approve(services, app.id).status == A.APPROVED


def test_i_key_application_asks_where_to_mail_it(services):
    """Issue 11 item 7: a KEY's 新签 needs 收件人, 联系电话 and 邮寄地址, checked by the server in Chinese."""
    admin = account(services, "admin")
    with pytest.raises(ValidationFailed) as err:
        services.lifecycle.applications.apply_new(admin, new_form(
            services, admin, certificate_kind=CertificateKind.KEY, seal_type=SealType.COMPANY,
            delivery=Delivery(" ", "12345", "烟台")), IP)
    assert err.value.details == {"delivery.recipient": ["请填写收件人（50字以内）"],
                                 "delivery.phone": ["请填写正确的收件人联系电话（手机号或固定电话）"],
                                 "delivery.address": ["请填写详细的邮寄地址（5至200字）"]}
    app = services.lifecycle.applications.apply_new(admin, new_form(
        services, admin, certificate_kind=CertificateKind.KEY, seal_type=SealType.COMPANY,
        delivery=Delivery(" 李收件 ", "0535-8888888", "山东省烟台市  龙口市港城大道100号")), IP)
    assert (app.recipient_name, app.recipient_phone, app.mailing_address) == (
        "李收件", "0535-8888888", "山东省烟台市 龙口市港城大道100号")


def test_i_key_certificate_is_produced_shipped_and_locks_after_five_wrong_pins(softhsm_token, services):
    """I (and issue 11 item 7): the KEY is made on the token, 邮寄中 until received, then 已生效."""
    admin = account(services, "admin")
    operator2 = account(services, "operator2")
    app = services.lifecycle.applications.apply_new(
        admin, new_form(services, admin, certificate_kind=CertificateKind.KEY, seal_type=SealType.COMPANY), IP)
    pay(services, admin, [app.id])
    approved = approve(services, app.id)
    cert_id = approved.result_certificate_id
    assert certificate(services, cert_id).status == CertificateStatus.IN_PRODUCTION
    assert approved.shipping_status == ShippingStatus.PENDING
    assert (approved.recipient_name, approved.mailing_address) == ("李收件", "山东省烟台市龙口市东莱街道港城大道100号")
    pin = ks_device.enroll("Key#Pin2026")
    reviewer = account(services, "reviewer")
    shipped = services.lifecycle.shipping.ship(reviewer, app.id, "顺丰速运", "SF1234567890", pin.verifier, IP)
    assert (shipped.shipping_status, shipped.tracking_number) == (ShippingStatus.SHIPPED, "SF1234567890")
    assert certificate(services, cert_id).status == CertificateStatus.IN_TRANSIT  # not 已生效 while mailed
    with pytest.raises(CertificateUnusable, match="尚未生效（邮寄中）"):
        services.lifecycle.keypin.challenge(operator2, cert_id)
    services.lifecycle.shipping.delivered(reviewer, app.id, IP)
    assert certificate(services, cert_id).status == CertificateStatus.EFFECTIVE
    with pytest.raises(Conflict):
        services.lifecycle.shipping.delivered(reviewer, app.id, IP)

    _, wrong = ks_device.verifier_from_password("wrong-pin", pin.params)
    for attempt in range(5):
        ch = services.lifecycle.keypin.challenge(operator2, cert_id)
        answer = ks_device.unlock_response(wrong, ch.nonce)
        outcome = services.lifecycle.keypin.verify(operator2, cert_id, ch.id, answer, IP)
        assert not outcome.ok and outcome.remaining == 4 - attempt
    assert outcome.frozen and certificate(services, cert_id).status == CertificateStatus.FROZEN


def test_j_anxinqian_new_and_renewal_are_refused_change_and_phone_allowed(services):
    admin = account(services, "admin")
    with services.db.read() as s:
        legacy = s.scalar(select(Certificate).where(Certificate.kind == CertificateKind.ANXINQIAN))
    with pytest.raises(Conflict) as err:
        services.lifecycle.applications.apply_new(admin, new_form(services, admin,
                                                                  certificate_kind=CertificateKind.ANXINQIAN), IP)
    assert err.value.code == "anxinqian_suspended" and "暂停新签、续签" in err.value.message
    age(services, legacy.id, 5)
    with pytest.raises(Conflict) as err:
        services.lifecycle.applications.apply_for(admin, legacy.id, K.RENEW,
                                                  cert_form(services, admin, K.RENEW, legacy), IP)
    assert err.value.code == "anxinqian_suspended"
    change = services.lifecycle.applications.apply_for(admin, legacy.id, K.CHANGE,
                                                       cert_form(services, admin, K.CHANGE, legacy), IP)
    kinds = {a.kind.value for a in services.lifecycle.applications.attachments_of(change.id)}
    assert kinds == {"anxinqian_rename_form", "renamed_business_license", "operator_id"}
    order = pay(services, admin, [change.id])
    assert (order.amount_fen, order.status) == (0, OrderStatus.PAID)
    assert approve(services, change.id).status == A.APPROVED
    phone_change = services.lifecycle.applications.apply_for(
        admin, legacy.id, K.PHONE_CHANGE, cert_form(services, admin, K.PHONE_CHANGE, legacy), IP)
    assert phone_change.status == A.APPROVED


def test_b4_batch_order_for_two_applications_and_cancel_returns_them(services):
    admin = account(services, "admin")
    first = services.lifecycle.applications.apply_new(admin, new_form(services, admin, "operator2"), IP)
    with services.db.read() as s:
        legacy = s.scalar(select(Certificate).where(Certificate.kind == CertificateKind.ANXINQIAN))
    second = services.lifecycle.applications.apply_for(admin, legacy.id, K.CHANGE,
                                                       cert_form(services, admin, K.CHANGE, legacy), IP)
    order = services.lifecycle.orders.create(admin, [first.id, second.id], None, IP)
    assert order.amount_fen == 30000 and len(services.lifecycle.orders.items(order.id)) == 2
    services.lifecycle.orders.cancel(admin, order.order_no, IP)
    assert {application(services, i).status for i in (first.id, second.id)} == {A.PENDING_ORDER}
    with pytest.raises(Conflict):  # pay a cancelled order
        services.lifecycle.payments.sandbox_pay(admin, order.order_no, IP)
