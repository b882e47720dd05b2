"""Issue 9 row 9: what was signed cannot change.

The attack: a contract with a fillable text field 金额 is signed, then an incremental update sets the
field to 999999. The platform's verifier must not call that 有效, and the first seal's FieldMDP lock must
make any conforming validator (here pyHanko on its own) reject the change too. Unchanged documents with
several seals, up to B-LTA, still verify as 有效.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select

from pdfsign.validate import all_valid, validate_pdf
from signer.accounts.models import Account
from signer.seals.enums import SealKind
from signer.signing.enums import PadesLevel
from signer.signing.models import SigningSession
from signer.signing.service import PlacementRequest
from tests.helpers import DomainPhone
from tests.lifecycle_helpers import lifecycle_app
from tests.pdf_helpers import AMOUNT_FIELD, change_text_field, with_text_field

TWO = [PlacementRequest(SealKind.COMPANY, 1, 60, 60, 150, 110),
       PlacementRequest(SealKind.LEGAL_REP, 1, 230, 60, 150, 110)]


@pytest.fixture
def api(tmp_path: Path):
    app, services = lifecycle_app(tmp_path, f"sqlite:///{tmp_path / 'signer.db'}", seal_images=True)
    yield app, services
    services.db.dispose()


def sign_contract(services, placements: list[PlacementRequest], level: PadesLevel = PadesLevel.B_B) -> bytes:
    with services.db.read() as s:
        admin = s.scalar(select(Account).where(Account.username == "admin"))
    phone = DomainPhone.login(services, "operator1")
    phone.download(services.certificates.for_account(phone.who.account.id)[0].id)
    row, _ = services.signing.create(admin, with_text_field("1000"), "采购合同", placements, "ip", "ua",
                                     pades_level=level)
    view = services.signing.scan(phone.who, services.signing.frame_payload(row.id), "ip")
    approved = services.signing.approve(phone.who, row.id, view["challenge"]["id"],
                                        phone.response(view["challenge"]["nonce"]), "ip")
    assert phone.sign_all(row.id, approved["round"], approved["share"])["status"] == "signed"
    with services.db.read() as s:
        return services.store.get(s.get(SigningSession, row.id).signed_sha256)


def post_verify(app, pdf: bytes) -> dict:
    resp = app.test_client().post("/api/v1/verify", data={"file": (BytesIO(pdf), "contract.pdf")},
                                  content_type="multipart/form-data")
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def root_der(services) -> bytes:
    return services.ca.root.public_bytes(serialization.Encoding.DER)


def test_row9_amount_changed_after_one_seal_is_reported_modified(api):
    app, services = api
    signed = sign_contract(services, TWO[:1])
    assert post_verify(app, signed)["verdict"] == "valid"

    tampered = change_text_field(signed, AMOUNT_FIELD, "999999")
    result = post_verify(app, tampered)
    assert result["verdict"] == "invalid" and result["verdict_label"] != "签名有效"
    (signature,) = result["signatures"]
    assert signature["changes_allowed"] is False and signature["valid_at_signing_time"] is False
    assert signature["modification_level"] not in (None, "NONE", "LTA_UPDATES")


def test_row9_first_seal_locks_the_other_fields_for_any_validator(api):
    """FieldMDP: pyHanko alone (not the platform's verdict) refuses the changed amount."""
    _app, services = api
    signed = sign_contract(services, TWO[:1])
    assert all_valid(validate_pdf(signed, [root_der(services)]))
    reports = validate_pdf(change_text_field(signed, AMOUNT_FIELD, "999999"), [root_der(services)])
    assert len(reports) == 1 and not reports[0].bottom_line
    assert reports[0].modification_level == "OTHER"


def test_row9_amount_changed_between_two_seals_breaks_the_first(api):
    app, services = api
    signed = sign_contract(services, TWO)
    assert post_verify(app, signed)["verdict"] == "valid"
    result = post_verify(app, change_text_field(signed, AMOUNT_FIELD, "999999"))
    assert result["verdict"] == "invalid"
    assert [s["changes_allowed"] for s in result["signatures"]] == [False, False]


def test_row9_unmodified_two_seals_at_b_lta_still_verify_valid(api):
    app, services = api
    signed = sign_contract(services, TWO, PadesLevel.B_LTA)
    result = post_verify(app, signed)
    assert result["verdict"] == "valid" and result["verdict_label"] == "签名有效"
    assert [s["pades_level"] for s in result["signatures"]] == ["B-LTA", "B-LTA"]
    assert all(s["changes_allowed"] for s in result["signatures"])
