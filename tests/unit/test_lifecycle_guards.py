"""What must be refused, and leave nothing changed: illegal transitions (409), other enterprises' ids,
roles, SMS rules, hostile form values; plus the list (A1–A5) and 办理记录 (E)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from api.schemas.certificates import CertificateRowSchema
from signer.accounts.models import Account, Enterprise
from signer.applications.enums import ApplicationKind, ApplicationStatus, AttachmentKind, IdType
from signer.applications.models import Application
from signer.applications.rules import AGREEMENTS
from signer.applications.service import Handler
from signer.billing.models import Order
from signer.certificates.enums import CertificateStatus
from signer.certificates.listing import ListFilter
from signer.certificates.models import Certificate
from signer.core.audit import verify_chain
from signer.core.audit_actions import action_label
from signer.core.errors import Conflict, Forbidden, NotFound, RateLimited, ValidationFailed
from signer.core.models import AuditEvent, utcnow
from signer.core.passwords import hash_password
from signer.seals.enums import SealType
from signer.sms.enums import SmsPurpose
from signer.sms.models import SmsCode
from tests.helpers import PASSWORD
from tests.lifecycle_helpers import (
    IP,
    account,
    application,
    approve,
    cert_form,
    certificate,
    lifecycle_services,
    new_form,
    pay,
    sms_code,
)
from tests.unit.test_lifecycle_flows import issue_new

K = ApplicationKind
A = ApplicationStatus


@pytest.fixture
def services(tmp_path: Path, database_url: str):
    svc = lifecycle_services(tmp_path, database_url)
    yield svc
    svc.db.dispose()


def snapshot(services) -> tuple:
    """Everything a refused request must leave untouched."""
    with services.db.read() as s:
        return (
            tuple(s.execute(select(Application.id, Application.status).order_by(Application.id)).all()),
            tuple(s.execute(select(Certificate.id, Certificate.status, Certificate.bound_account_id)
                            .order_by(Certificate.id)).all()),
            tuple(s.execute(select(Order.id, Order.status).order_by(Order.id)).all()),
        )


def other_enterprise_admin(services) -> Account:
    with services.db.write() as s:
        enterprise = Enterprise(name="另一家公司", credit_code="91350100M000100Y43")
        s.add(enterprise)
        s.flush()
        other = Account(enterprise_id=enterprise.id, username="other-admin", display_name="他人",
                        phone="13500000000", role="admin", password_hash=hash_password(PASSWORD))
        s.add(other)
    return account(services, "other-admin")


# -- illegal transitions: 409 and nothing changed --------------------------------------------------
def test_renewing_a_revoked_certificate_is_409_and_changes_nothing(services):
    admin = account(services, "admin")
    _, cert_id = issue_new(services)
    services.lifecycle.applications.apply_for(admin, cert_id, K.REVOKE, cert_form(
        services, admin, K.REVOKE, certificate(services, cert_id), reason="cessation_of_operation"), IP)
    form = cert_form(services, admin, K.RENEW, certificate(services, cert_id))
    before = snapshot(services)
    for kind in (K.RENEW, K.UNFREEZE, K.EXTEND, K.CHANGE, K.REISSUE):
        with pytest.raises(Conflict) as err:
            services.lifecycle.applications.apply_for(admin, cert_id, kind, form, IP)
        assert "已吊销" in err.value.message
    assert snapshot(services) == before


def test_unfreezing_an_effective_certificate_is_409(services):
    admin = account(services, "admin")
    _, cert_id = issue_new(services)
    with pytest.raises(Conflict) as err:
        form = cert_form(services, admin, K.UNFREEZE, certificate(services, cert_id))
        services.lifecycle.applications.apply_for(admin, cert_id, K.UNFREEZE, form, IP)
    assert err.value.code == "illegal_transition"


def test_approving_an_unpaid_application_is_409(services):
    admin = account(services, "admin")
    app = services.lifecycle.applications.apply_new(admin, new_form(services, admin), IP)
    services.lifecycle.orders.create(admin, [app.id], None, IP)
    before = snapshot(services)
    with pytest.raises(Conflict) as err:
        approve(services, app.id)
    assert err.value.code == "illegal_transition" and "待支付" in err.value.message
    assert snapshot(services) == before


def test_paying_a_cancelled_order_by_notification_is_409_and_recorded(services):
    admin = account(services, "admin")
    app = services.lifecycle.applications.apply_new(admin, new_form(services, admin), IP)
    order = services.lifecycle.orders.create(admin, [app.id], None, IP)
    services.lifecycle.orders.cancel(admin, order.order_no, IP)
    provider = services.lifecycle.payments.provider
    body = provider.notification(order.order_no, order.amount_fen)
    before = snapshot(services)
    with pytest.raises(Conflict):
        services.lifecycle.payments.notify(body, provider.sign(body), IP)
    assert snapshot(services) == before
    with services.db.read() as s:
        refused = s.scalar(select(AuditEvent).where(AuditEvent.action == "payment:refused"))
    assert refused.details["code"] == "illegal_transition"


def test_payment_with_a_bad_signature_or_a_wrong_amount_changes_nothing(services):
    admin = account(services, "admin")
    app = services.lifecycle.applications.apply_new(admin, new_form(services, admin), IP)
    order = services.lifecycle.orders.create(admin, [app.id], None, IP)
    provider = services.lifecycle.payments.provider
    body = provider.notification(order.order_no, order.amount_fen)
    before = snapshot(services)
    with pytest.raises(Forbidden):
        services.lifecycle.payments.notify(body, "0" * 64, IP)
    with pytest.raises(Forbidden):
        services.lifecycle.payments.notify(body.replace(b"30000", b"30001"), provider.sign(body), IP)
    cheap = provider.notification(order.order_no, 1)
    with pytest.raises(Exception) as err:
        services.lifecycle.payments.notify(cheap, provider.sign(cheap), IP)
    assert getattr(err.value, "code", "") == "amount_mismatch"
    assert snapshot(services) == before


def test_a_second_order_for_the_same_application_and_double_submission_are_refused(services):
    admin = account(services, "admin")
    app = services.lifecycle.applications.apply_new(admin, new_form(services, admin), IP)
    services.lifecycle.orders.create(admin, [app.id], None, IP)
    with pytest.raises(Conflict):
        services.lifecycle.orders.create(admin, [app.id], None, IP)
    with pytest.raises(ValidationFailed) as err:  # 新签 for the same account while one is open
        services.lifecycle.applications.apply_new(admin, new_form(services, admin), IP)
    assert "bind_account_id" in err.value.details or err.value.code == "application_open"


def test_reapply_only_after_rejection_and_cancel_only_before_payment(services):
    admin = account(services, "admin")
    app = services.lifecycle.applications.apply_new(admin, new_form(services, admin), IP)
    with pytest.raises(Conflict):
        services.lifecycle.applications.rejection(admin, app.id)
    pay(services, admin, [app.id])
    with pytest.raises(Conflict):
        services.lifecycle.applications.cancel(admin, app.id, IP)
    assert application(services, app.id).status == A.PENDING_REVIEW


# -- authorization ----------------------------------------------------------------------------------
def test_another_enterprise_sees_none_of_our_ids(services):
    _, cert_id = issue_new(services)
    with services.db.read() as s:
        app_id = s.scalar(select(Application.id))
        order_no = s.scalar(select(Order.order_no))
    stranger = other_enterprise_admin(services)
    lc = services.lifecycle
    for call in (lambda: lc.applications.get(stranger, app_id), lambda: lc.orders.get(stranger, order_no),
                 lambda: lc.records.for_certificate(stranger, cert_id),
                 lambda: lc.orders.create(stranger, [app_id], None, IP),
                 lambda: lc.binding.unbind(stranger, cert_id, True, IP),
                 lambda: lc.applications.cancel(stranger, app_id, IP)):
        with pytest.raises(NotFound):
            call()
    assert lc.orders.for_certificate(stranger, cert_id) == []
    assert lc.listing.page(stranger, ListFilter()).total == 0
    with pytest.raises(NotFound):  # our bind account in their form
        lc.applications.apply_for(stranger, cert_id, K.RENEW, cert_form(services, stranger, K.RENEW,
                                                                        certificate(services, cert_id)), IP)


def test_operators_cannot_do_administrator_actions_and_reviewers_cannot_apply(services):
    operator = account(services, "operator1")
    reviewer = account(services, "reviewer")
    _, cert_id = issue_new(services)
    with pytest.raises(Forbidden):
        services.lifecycle.applications.apply_for(operator, cert_id, K.REVOKE, cert_form(
            services, operator, K.REVOKE, certificate(services, cert_id), reason="key_compromise"), IP)
    with pytest.raises(Forbidden):
        services.lifecycle.binding.assign(operator, operator.id, {}, IP)
    with pytest.raises(Forbidden):
        services.lifecycle.binding.bind(operator, cert_id, operator.id, IP)
    with pytest.raises(Forbidden):
        services.lifecycle.binding.unbind(operator, cert_id, True, IP)  # not its own certificate
    with pytest.raises(Forbidden):
        services.lifecycle.review.queue(operator)
    with pytest.raises(Forbidden):
        services.lifecycle.listing.page(reviewer, ListFilter())
    assert certificate(services, cert_id).status == CertificateStatus.EFFECTIVE


# -- SMS codes ------------------------------------------------------------------------------------
def test_sms_code_is_single_use_bound_to_phone_and_purpose(services):
    sms = services.lifecycle.sms
    code = sms_code(services, "13666628413")
    with pytest.raises(ValidationFailed):
        sms.verify("13666628414", SmsPurpose.APPLICATION, code)  # another phone
    with pytest.raises(ValidationFailed):
        sms.verify("13666628413", SmsPurpose.PHONE_CHANGE, code)  # another purpose
    sms.verify("13666628413", SmsPurpose.APPLICATION, code)
    with pytest.raises(ValidationFailed):
        sms.verify("13666628413", SmsPurpose.APPLICATION, code)
    with services.db.read() as s:
        row = s.scalar(select(SmsCode))
    assert code not in row.code_hash and len(row.code_hash) == 64


def test_sms_five_tries_then_locked_even_for_the_right_code(services):
    sms = services.lifecycle.sms
    code = sms_code(services, "13666628413")
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    remaining = []
    for _ in range(5):
        with pytest.raises(ValidationFailed) as err:
            sms.verify("13666628413", SmsPurpose.APPLICATION, wrong)
        remaining.append(err.value.details["remaining"])
    assert remaining == [4, 3, 2, 1, 0]
    with pytest.raises(RateLimited):
        sms.verify("13666628413", SmsPurpose.APPLICATION, code)


def test_sms_expires_after_five_minutes_and_resend_voids_the_old_code(services):
    sms = services.lifecycle.sms
    first = sms_code(services, "13666628413")
    second = sms_code(services, "13666628413")
    if first != second:
        with pytest.raises(ValidationFailed):
            sms.verify("13666628413", SmsPurpose.APPLICATION, first)
    with services.db.write() as s:
        s.execute(update(SmsCode).where(SmsCode.used_at.is_(None), SmsCode.voided_at.is_(None))
                  .values(expires_at=utcnow() - timedelta(seconds=1)))
    with pytest.raises(ValidationFailed) as err:
        sms.verify("13666628413", SmsPurpose.APPLICATION, second)
    assert err.value.code == "sms_expired"


def test_sms_resend_waits_60_seconds_and_daily_limits_hold(tmp_path, database_url):
    services = lifecycle_services(tmp_path, database_url, sms_resend_seconds=60, sms_daily_per_phone=2,
                                  sms_daily_per_ip=3)
    sms = services.lifecycle.sms
    sms.send("13666628413", SmsPurpose.APPLICATION, "1.1.1.1")
    with pytest.raises(RateLimited) as err:
        sms.send("13666628413", SmsPurpose.APPLICATION, "1.1.1.1")
    assert err.value.code == "sms_too_soon" and 55 <= err.value.details["retry_after"] <= 61
    sms.send("13666628413", SmsPurpose.PHONE_CHANGE, "1.1.1.1")  # another purpose, second of the day
    with pytest.raises(RateLimited):  # third for this phone today
        sms.send("13666628413", SmsPurpose.PHONE_CHANGE, "2.2.2.2")
    sms.send("13666628414", SmsPurpose.APPLICATION, "1.1.1.1")
    with pytest.raises(RateLimited):  # fourth from this IP today
        sms.send("13666628415", SmsPurpose.APPLICATION, "1.1.1.1")
    with pytest.raises(ValidationFailed):
        sms.send("1366662841x", SmsPurpose.APPLICATION, "1.1.1.1")
    texts = [m.text for m in sms.outbox()]
    assert all(re.search(r"验证码为\d{6}，5分钟内有效", t) for t in texts) and len(texts) == 3
    services.db.dispose()


# -- hostile form values ------------------------------------------------------------------------------
def test_bad_id_numbers_and_missing_fields_are_400_with_details_and_keep_the_sms_code(services):
    admin = account(services, "admin")
    form = replace(new_form(services, admin), agreements=(), seal_type=None, period_years=3,
                   handler=Handler("张三", "13800138000", IdType.RESIDENT_ID, "110105194912310021"))
    before = snapshot(services)
    with pytest.raises(ValidationFailed) as err:
        services.lifecycle.applications.apply_new(admin, form, IP)
    assert {"handler.id_number", "agreements", "seal_type", "period_years"} <= set(err.value.details)
    assert "校验位" in err.value.details["handler.id_number"][0]
    assert snapshot(services) == before
    fixed = replace(form, handler=Handler("张三", "13800138000", IdType.RESIDENT_ID, "11010519491231002x"),
                    agreements=AGREEMENTS, seal_type=SealType.COMPANY_AND_LEGAL_REP, period_years=1)
    assert services.lifecycle.applications.apply_new(admin, fixed, IP).id  # the same SMS code still works


def test_attachments_of_another_enterprise_or_kind_are_refused(services):
    admin = account(services, "admin")
    stranger = other_enterprise_admin(services)
    form = new_form(services, admin)
    theirs = new_form(services, stranger, bind="other-admin")
    mixed = dict(form.attachments)
    mixed[AttachmentKind.BUSINESS_LICENSE] = theirs.attachments[AttachmentKind.BUSINESS_LICENSE]
    mixed[AttachmentKind.OPERATOR_ID] = form.attachments[AttachmentKind.APPLICATION_FORM]
    with pytest.raises(ValidationFailed) as err:
        services.lifecycle.applications.apply_new(admin, replace(form, attachments=mixed), IP)
    assert {"attachments.business_license", "attachments.operator_id"} <= set(err.value.details)


# -- A1–A5 list, E records, audit ------------------------------------------------------------------------
def test_a1_list_filters_pages_and_status_labels(services):
    admin = account(services, "admin")
    issue_new(services)
    listing = services.lifecycle.listing
    everything = listing.page(admin, ListFilter(per_page=10))
    labels = sorted(CertificateRowSchema().dump(r)["status_label"] for r in everything.items)
    assert everything.total == 3 and labels == ["已生效", "已生效", "待下载"]  # operator1's seed, 安心签, operator2
    assert listing.page(admin, ListFilter(kind="anxinqian")).total == 1
    assert [r.bound_name for r in listing.page(admin, ListFilter(name="王办")).items] == ["王办理"]
    assert listing.page(admin, ListFilter(username="operator%")).total == 0  # % is literal
    assert listing.page(admin, ListFilter(state="pending_download")).items[0].bound_account == "operator1"
    second = listing.page(admin, ListFilter(per_page=2, page=2))
    assert second.total == 3 and len(second.items) == 1 and second.items[0].number == 3
    row = next(r for r in everything.items if r.bound_account == "operator2")
    assert {"renew", "unfreeze"}.isdisjoint(row.operations)
    assert {"change", "extend", "revoke", "reissue", "phone_change"} <= set(row.operations)


def test_e_processing_records_show_every_step_and_tampering_is_detected(services):
    admin = account(services, "admin")
    _, cert_id = issue_new(services)
    records = services.lifecycle.records.for_certificate(admin, cert_id)
    steps = [action_label(r.action) for r in records]
    for expected in ("提交申请", "生成订单", "支付成功", "审核通过", "生成证书记录", "签发证书", "APP下载证书"):
        assert expected in steps
    assert steps.index("提交申请") < steps.index("审核通过") < steps.index("APP下载证书")
    with services.db.read() as s:
        assert verify_chain(s).ok
    with services.db.write() as s:
        s.execute(update(AuditEvent).where(AuditEvent.seq == records[0].seq).values(details={"forged": True}))
    with services.db.read() as s:
        report = verify_chain(s)
    assert not report.ok and report.first_bad_seq == records[0].seq


def test_every_state_change_writes_one_audit_event_in_its_transaction(services):
    admin = account(services, "admin")
    with services.db.read() as s:
        before = s.scalar(select(func.count()).select_from(AuditEvent))
    app = services.lifecycle.applications.apply_new(admin, new_form(services, admin), IP)
    with services.db.read() as s:
        after = s.scalar(select(func.count()).select_from(AuditEvent))
        actions = list(s.scalars(select(AuditEvent.action).where(AuditEvent.seq > before).order_by(AuditEvent.seq)))
    assert actions.count("application:submit") == 1 and after - before == len(actions)
    assert application(services, app.id).status == A.PENDING_ORDER
