"""Issue 8: the Prometheus metrics move when the service works (a signature, wrong passwords, a freeze,
login throttling, a failing webhook)."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from signer.accounts.models import Account, Enterprise
from signer.business.models import WebhookDelivery
from signer.demo.samples import sample_pdf
from signer.seals.enums import SealKind
from signer.signing.service import PlacementRequest
from tests.helpers import DomainPhone
from tests.lifecycle_helpers import lifecycle_app


@pytest.fixture
def app_services(tmp_path: Path):
    app, services = lifecycle_app(tmp_path, f"sqlite:///{tmp_path / 'signer.db'}", seal_images=True)
    yield app, services
    services.db.dispose()


def scrape(app) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    resp = app.test_client().get("/metrics")
    assert resp.status_code == 200
    samples = {}
    for family in text_string_to_metric_families(resp.get_data(as_text=True)):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def ready_phone(services) -> DomainPhone:
    phone = DomainPhone.login(services, "operator1")
    phone.download(services.certificates.for_account(phone.who.account.id)[0].id)
    return phone


def new_session(services) -> str:
    with services.db.read() as s:
        admin = s.scalar(select(Account).where(Account.username == "admin"))
    row, _ = services.signing.create(admin, sample_pdf("Quote"), "报价单",
                                     [PlacementRequest(SealKind.COMPANY, 1, 380, 80, 160, 80)], "10.0.0.1", "ua")
    return row.id


def test_a_signature_moves_sessions_round_and_push_metrics(app_services):
    app, services = app_services
    before = scrape(app)
    assert value(before, "signer_signing_sessions", status="signed") == 0
    phone = ready_phone(services)
    sid = new_session(services)
    assert value(scrape(app), "signer_signing_sessions", status="waiting") == 1
    view = services.signing.scan(phone.who, services.signing.frame_payload(sid), "10.0.0.9")
    approved = services.signing.approve(phone.who, sid, view["challenge"]["id"],
                                        phone.response(view["challenge"]["nonce"]), "10.0.0.9")
    assert phone.sign_all(sid, approved["round"], approved["share"])["status"] == "signed"
    after = scrape(app)
    assert value(after, "signer_signing_sessions", status="signed") == 1
    assert value(after, "signer_signing_sessions", status="waiting") == 0
    for op in ("prepare_round", "finish_round"):
        assert value(after, "signer_pdf_worker_seconds_count", op=op) >= value(
            before, "signer_pdf_worker_seconds_count", op=op) + 1
    # scanned, signing, signed: each committed change pushed to the PC room
    assert value(after, "signer_push_seconds_count") >= value(before, "signer_push_seconds_count") + 3
    assert value(after, "signer_audit_events_total", action="signing:approve") == value(
        before, "signer_audit_events_total", action="signing:approve") + 1
    assert ("signer_pdf_worker_queue_depth", ()) in after


def test_wrong_passwords_and_the_freeze_are_counted(app_services):
    app, services = app_services
    phone = ready_phone(services)
    before = scrape(app)
    for _ in range(5):
        challenge = services.certificates.password_challenge(phone.who, phone.cert_id)
        services.certificates.unlock(phone.who, challenge.id, phone.response(
            base64.b64encode(challenge.nonce).decode(), "wrong-pw"), "password", "10.0.0.9")
    after = scrape(app)
    assert value(after, "signer_audit_events_total", action="keystore:wrong-password") == value(
        before, "signer_audit_events_total", action="keystore:wrong-password") + 5
    assert value(after, "signer_audit_events_total", action="certificate:freeze") == value(
        before, "signer_audit_events_total", action="certificate:freeze") + 1


def test_login_throttling_is_counted(app_services):
    app, _ = app_services
    before = scrape(app)
    client = app.test_client()
    codes = [client.post("/api/v1/auth/login", json={"username": "admin", "password": "wrong-one"}).status_code
             for _ in range(11)]
    assert codes[-1] == 429 and 401 in codes
    after = scrape(app)
    assert value(after, "signer_api_errors_total", code="rate_limited") == value(
        before, "signer_api_errors_total", code="rate_limited") + codes.count(429)
    assert value(after, "signer_api_errors_total", code="bad_credentials") == value(
        before, "signer_api_errors_total", code="bad_credentials") + codes.count(401)


def test_failed_webhook_attempts_are_counted(app_services):
    app, services = app_services
    services.webhooks.allow_private = True
    with services.db.read() as s:
        enterprise_id = s.scalar(select(Enterprise.id))
    client = services.business.create_client(enterprise_id, "询价交易")
    sid = new_session(services)
    with services.db.write() as s:
        s.add(WebhookDelivery(event_id=str(uuid.uuid4()), session_id=sid, api_client_id=client.client.id,
                              event="session.signed", url="http://127.0.0.1:9/hook", payload={"x": 1}))
    before = scrape(app)
    assert services.webhooks.deliver_due() == 0
    after = scrape(app)
    assert value(after, "signer_webhook_attempts_total", outcome="failed") == value(
        before, "signer_webhook_attempts_total", outcome="failed") + 1
