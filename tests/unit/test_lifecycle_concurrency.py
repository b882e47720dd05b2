"""Concurrent actors on SQLite and PostgreSQL: exactly one wins, the others change nothing (B5, B6, SMS)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from signer.accounts.enums import Role
from signer.accounts.models import Account
from signer.applications.enums import ApplicationStatus
from signer.applications.models import Application
from signer.billing.enums import OrderStatus
from signer.billing.models import Order, PaymentNotification
from signer.certificates.models import Certificate
from signer.core.errors import Conflict, DomainError
from signer.core.models import AuditEvent
from signer.core.passwords import hash_password
from signer.seals.models import SealImage
from signer.sms.enums import SmsPurpose
from tests.helpers import PASSWORD
from tests.lifecycle_helpers import IP, account, lifecycle_services, new_form, pay, seal_choices, sms_code


@pytest.fixture
def services(tmp_path: Path, database_url: str):
    svc = lifecycle_services(tmp_path, database_url)
    yield svc
    svc.db.dispose()


def at_once(calls: list[Callable[[], Any]]) -> tuple[list[Any], list[BaseException]]:
    """Run every call in its own thread, released together by a barrier."""
    results: list[Any] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(calls))
    lock = threading.Lock()

    def run(call: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            value = call()
            with lock:
                results.append(value)
        except BaseException as exc:  # collected and asserted by the test
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results, errors


def count(services, query) -> int:
    with services.db.read() as s:
        return s.scalar(select(func.count()).select_from(query.subquery()))


def test_b5_twenty_identical_payment_notifications_make_one_transition(services):
    admin = account(services, "admin")
    app = services.lifecycle.applications.apply_new(admin, new_form(services, admin), IP)
    order = services.lifecycle.orders.create(admin, [app.id], None, IP)
    provider = services.lifecycle.payments.provider
    body = provider.notification(order.order_no, order.amount_fen)
    signature = provider.sign(body)
    results, errors = at_once([lambda: services.lifecycle.payments.notify(body, signature, IP)] * 20)
    assert errors == []
    assert sorted(r.duplicate for r in results) == [False] + [True] * 19
    assert services.lifecycle.orders.get(admin, order.order_no).status == OrderStatus.PAID
    assert count(services, select(PaymentNotification)) == 1
    assert count(services, select(AuditEvent).where(AuditEvent.action == "order:paid")) == 1
    with services.db.read() as s:
        assert s.get(Application, app.id).status == ApplicationStatus.PENDING_REVIEW


def test_b6_two_reviewers_approving_at_once_one_wins(services):
    admin = account(services, "admin")
    app = services.lifecycle.applications.apply_new(admin, new_form(services, admin), IP)
    pay(services, admin, [app.id])
    with services.db.write() as s:
        s.add(Account(username="reviewer2", display_name="审核员二", role=Role.REVIEWER,
                      password_hash=hash_password(PASSWORD)))
    reviewers = [account(services, "reviewer"), account(services, "reviewer2")]
    choices = seal_choices(services, app.id)
    results, errors = at_once([lambda r=r: services.lifecycle.review.approve(r, app.id, choices, IP)
                               for r in reviewers])
    assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], Conflict)
    operator2 = account(services, "operator2").id
    assert count(services, select(Certificate).where(Certificate.bound_account_id == operator2)) == 1
    assert count(services, select(AuditEvent).where(AuditEvent.action == "application:approve")) == 1
    assert count(services, select(SealImage).where(SealImage.enterprise_id == admin.enterprise_id,
                                                   SealImage.source == "upload")) == len(choices)
    with services.db.read() as s:
        assert s.get(Application, app.id).reviewer_id == results[0].reviewer_id


def test_sms_fifty_parallel_checks_of_one_correct_code_exactly_one_succeeds(services):
    code = sms_code(services, "13666628413")
    results, errors = at_once([lambda: services.lifecycle.sms.verify("13666628413", SmsPurpose.APPLICATION, code)]
                              * 50)
    assert len(results) == 1 and len(errors) == 49
    assert all(isinstance(e, DomainError) for e in errors)


def test_b4_two_orders_for_the_same_application_at_once_one_wins(services):
    admin = account(services, "admin")
    app = services.lifecycle.applications.apply_new(admin, new_form(services, admin), IP)
    results, errors = at_once([lambda: services.lifecycle.orders.create(admin, [app.id], None, IP)] * 2)
    assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], Conflict)
    assert count(services, select(Order)) == 1
