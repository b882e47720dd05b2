"""Issue 10: one issuance path, whose period survives 29 February (downloading a certificate that day used to
answer 500), through the domain and through the APP's HTTP call, with a frozen clock."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from keystore import device as ks_device
from signer.certificates import issuance
from signer.certificates.enums import CertificateStatus
from signer.certificates.models import Certificate
from signer.core.db import must_get
from signer.core.timeutil import add_years
from tests.helpers import PASSWORD, DomainPhone, provision
from tests.lifecycle_helpers import lifecycle_app

LEAP_DAY = datetime(2028, 2, 29, 9, 30, tzinfo=UTC)


@pytest.fixture
def leap_day(monkeypatch: pytest.MonkeyPatch) -> datetime:
    monkeypatch.setattr(issuance, "utcnow", lambda: LEAP_DAY)
    return LEAP_DAY


def csr_der() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    return (x509.CertificateSigningRequestBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "phone")]))
            .sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER))


def test_add_years_clamps_29_february():
    assert add_years(LEAP_DAY, 1) == datetime(2029, 2, 28, 9, 30, tzinfo=UTC)
    assert add_years(LEAP_DAY, 4) == datetime(2032, 2, 29, 9, 30, tzinfo=UTC)
    assert add_years(datetime(2027, 3, 1, tzinfo=UTC), 1) == datetime(2028, 3, 1, tzinfo=UTC)


def test_downloading_on_29_february_issues_until_28_february(tmp_path: Path, leap_day: datetime):
    services, _ = provision(tmp_path, f"sqlite:///{tmp_path / 'signer.db'}")
    try:
        phone = DomainPhone.login(services, "operator1")
        cert_id = services.certificates.for_account(phone.who.account.id)[0].id
        phone.download(cert_id)
        with services.db.read() as s:
            cert = must_get(s, Certificate, cert_id)
        assert cert.status == CertificateStatus.EFFECTIVE
        assert cert.not_after == datetime(2029, 2, 28, 9, 30, tzinfo=UTC)
        assert cert.certificate_der is not None
        assert x509.load_der_x509_certificate(cert.certificate_der).not_valid_after_utc == cert.not_after
    finally:
        services.db.dispose()


def test_the_app_download_call_answers_200_on_29_february(tmp_path: Path, leap_day: datetime):
    app, services = lifecycle_app(tmp_path, f"sqlite:///{tmp_path / 'signer.db'}")
    try:
        client = app.test_client()
        login = client.post("/api/v1/app/login", json={"username": "operator1", "password": PASSWORD,
                                                       "device_id": "leap-phone"})
        assert login.status_code == 200, login.get_json()
        auth = {"Authorization": f"Bearer {login.get_json()['token']}"}
        listed = client.get("/api/v1/app/certificates", headers=auth).get_json()["items"]
        cert_id = next(c["id"] for c in listed if c["status"] == "pending_download")
        enrollment = ks_device.enroll("Leap-Day-2028")
        resp = client.post(f"/api/v1/app/certificates/{cert_id}/download", headers=auth, json={
            "csr": base64.b64encode(csr_der()).decode(), "verifier": base64.b64encode(enrollment.verifier).decode()})
        assert resp.status_code == 200, resp.get_json()
        issued = x509.load_pem_x509_certificate(resp.get_json()["certificate_pem"].encode())
        assert issued.not_valid_after_utc == datetime(2029, 2, 28, 9, 30, tzinfo=UTC)
    finally:
        services.db.dispose()
