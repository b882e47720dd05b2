"""Issue 9: each rule of signer/core/transitions.py and the usage limit has a test that fails when the rule is removed.

- the status condition of the compare-and-set: two actors move from the same state at once, exactly one wins,
  the other gets ``state_changed`` and changes nothing;
- the transition tables: illegal moves answer ``illegal_transition`` and leave the state as it was;
- the usage limit: counted atomically when the use is counted, not only at scan.
On SQLite and on PostgreSQL (the ``database_url`` fixture).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from signer.accounts.models import Account
from signer.certificates.enums import CertificateStatus
from signer.certificates.models import Certificate
from signer.certificates.service import CertificateUnusable
from signer.certificates.transitions import move_certificate
from signer.core.db import must_get
from signer.core.errors import Conflict
from signer.demo.samples import sample_pdf
from signer.seals.enums import SealKind
from signer.signing.enums import SessionStatus
from signer.signing.models import SigningSession
from signer.signing.service import PlacementRequest
from signer.signing.transitions import move_session
from tests.helpers import DomainPhone, provision

C = CertificateStatus
S = SessionStatus
COMPANY = PlacementRequest(SealKind.COMPANY, 1, 380, 80, 160, 80)


@pytest.fixture
def services(tmp_path: Path, database_url: str):
    found, _notifier = provision(tmp_path, database_url, seal_images=True)
    yield found
    found.db.dispose()


def ready_phone(services) -> DomainPhone:
    phone = DomainPhone.login(services, "operator1")
    phone.download(services.certificates.for_account(phone.who.account.id)[0].id)
    return phone


def new_session(services) -> str:
    with services.db.read() as s:
        admin = s.scalar(select(Account).where(Account.username == "admin"))
    row, _ = services.signing.create(admin, sample_pdf("Quote"), "报价单", [COMPANY], "10.0.0.1", "pytest")
    return row.id


def scanned(services, phone: DomainPhone) -> tuple[str, dict[str, Any]]:
    sid = new_session(services)
    return sid, services.signing.scan(phone.who, services.signing.frame_payload(sid), "ip")


def approved(services, phone: DomainPhone) -> tuple[str, dict[str, Any]]:
    sid, view = scanned(services, phone)
    challenge = view["challenge"]
    return sid, services.signing.approve(phone.who, sid, challenge["id"], phone.response(challenge["nonce"]), "ip")


def session_status(services, sid: str) -> SessionStatus:
    with services.db.read() as s:
        return s.get(SigningSession, sid).status


def certificate(services, cert_id: int | None) -> Certificate:
    with services.db.read() as s:
        return must_get(s, Certificate, cert_id)


def race(services, moves: list) -> list[Any]:
    """Each move in its own write transaction, all released together; the result or the Conflict raised."""
    barrier = threading.Barrier(len(moves))
    results: list[Any] = [None] * len(moves)

    def run(i: int) -> None:
        barrier.wait()
        try:
            with services.db.write() as s:
                results[i] = moves[i](s)
        except Conflict as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(moves))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


# -- the compare-and-set's status condition --------------------------------------------------------
def test_session_race_from_the_same_state_has_exactly_one_winner(services):
    phone = ready_phone(services)
    sid, _ = scanned(services, phone)
    results = race(services, [
        lambda s: move_session(s, sid, S.SCANNED, S.SIGNING),
        lambda s: move_session(s, sid, S.SCANNED, S.REJECTED, failure="loser's reason"),
    ])
    won = [r for r in results if not isinstance(r, Conflict)]
    lost = [r for r in results if isinstance(r, Conflict)]
    assert won == [S.SCANNED] and [e.code for e in lost] == ["state_changed"], results
    winner = S.SIGNING if results[0] == S.SCANNED else S.REJECTED
    with services.db.read() as s:
        row = s.get(SigningSession, sid)
    assert row.status == winner
    assert row.failure == ("loser's reason" if winner == S.REJECTED else None)  # the loser wrote nothing


def test_certificate_race_from_the_same_state_has_exactly_one_winner(services):
    phone = ready_phone(services)
    results = race(services, [
        lambda s: move_certificate(s, phone.cert_id, C.EFFECTIVE, C.FROZEN, failed_unlocks=99),
        lambda s: move_certificate(s, phone.cert_id, C.EFFECTIVE, C.REVOKED, contact_phone="loser-or-winner"),
    ])
    lost = [r for r in results if isinstance(r, Conflict)]
    assert results.count(None) == 1 and [e.code for e in lost] == ["state_changed"], results
    cert = certificate(services, phone.cert_id)
    if results[0] is None:
        assert cert.status == C.FROZEN and cert.failed_unlocks == 99 and cert.contact_phone != "loser-or-winner"
    else:
        assert cert.status == C.REVOKED and cert.contact_phone == "loser-or-winner" and cert.failed_unlocks == 0


def test_a_stale_session_move_changes_nothing(services):
    """An actor that read 已扫码 before another moved it on: its move is refused, the state stays."""
    phone = ready_phone(services)
    sid, _ = scanned(services, phone)
    with services.db.write() as s:
        move_session(s, sid, S.SCANNED, S.CANCELLED)
    with pytest.raises(Conflict) as err, services.db.write() as s:
        move_session(s, sid, S.SCANNED, S.SIGNING)
    assert err.value.code == "state_changed"
    assert session_status(services, sid) == S.CANCELLED


# -- the transition tables -------------------------------------------------------------------------
@pytest.mark.parametrize(("current", "new"), [
    (S.SIGNED, S.SIGNING), (S.SIGNED, S.FAILED), (S.CANCELLED, S.SIGNED), (S.FAILED, S.SIGNED),
    (S.EXPIRED, S.SCANNED), (S.WAITING, S.SIGNED), (S.REJECTED, S.SIGNING),
])
def test_illegal_session_moves_are_refused_and_change_nothing(services, current, new):
    sid = new_session(services)
    with services.db.write() as s:
        s.execute(update(SigningSession).where(SigningSession.id == sid).values(status=current))
    with pytest.raises(Conflict) as err, services.db.write() as s:
        move_session(s, sid, current, new)
    assert err.value.code == "illegal_transition"
    assert session_status(services, sid) == current


@pytest.mark.parametrize(("current", "new"), [
    (C.REVOKED, C.EFFECTIVE), (C.WITHDRAWN, C.EFFECTIVE), (C.REVOKED, C.FROZEN), (C.EXPIRED, C.EFFECTIVE),
    (C.FROZEN, C.EXPIRED), (C.PENDING_DOWNLOAD, C.FROZEN),
])
def test_illegal_certificate_moves_are_refused_and_change_nothing(services, current, new):
    phone = ready_phone(services)
    with services.db.write() as s:
        s.execute(update(Certificate).where(Certificate.id == phone.cert_id).values(status=current))
    with pytest.raises(Conflict) as err, services.db.write() as s:
        move_certificate(s, phone.cert_id, current, new)
    assert err.value.code == "illegal_transition"
    assert certificate(services, phone.cert_id).status == current


def test_a_signature_value_for_a_cancelled_session_is_refused(services):
    phone = ready_phone(services)
    sid, first = approved(services, phone)
    with services.db.write() as s:
        move_session(s, sid, S.SIGNING, S.CANCELLED)
    with pytest.raises(Conflict) as err:
        phone.sign_all(sid, first["round"], first["share"])
    assert err.value.code == "illegal_transition"
    assert session_status(services, sid) == S.CANCELLED
    assert certificate(services, phone.cert_id).usage_count == 0


# -- the usage limit -------------------------------------------------------------------------------
def test_usage_limit_is_enforced_when_the_use_is_counted(services):
    phone = ready_phone(services)
    with services.db.write() as s:
        s.execute(update(Certificate).where(Certificate.id == phone.cert_id).values(usage_limit=1))
    first_sid, first = approved(services, phone)
    second_sid, second = approved(services, phone)  # both approved while one use is left
    assert phone.sign_all(first_sid, first["round"], first["share"])["status"] == "signed"
    with pytest.raises(CertificateUnusable) as err:
        phone.sign_all(second_sid, second["round"], second["share"])
    assert err.value.code == "usage_exhausted"
    assert session_status(services, second_sid) == S.FAILED
    assert certificate(services, phone.cert_id).usage_count == 1
    # and a third is refused at the door
    sid = new_session(services)
    with pytest.raises(CertificateUnusable) as err:
        services.signing.scan(phone.who, services.signing.frame_payload(sid), "ip")
    assert err.value.code == "usage_exhausted" and session_status(services, sid) == S.WAITING
