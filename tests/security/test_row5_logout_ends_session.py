"""Issue 9 row 5: logging out ends the session on the server; an administrator sees and ends sessions.

The attacker holds a copy of a victim's session cookie (a shared computer, a stolen cookie jar). After
the victim logs out, or after the enterprise administrator ends the session, the copy is refused.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, update

from signer.accounts.enums import Role
from signer.accounts.models import Account
from tests.helpers import add_operator
from tests.lifecycle_helpers import ApiUser, lifecycle_app

PROTECTED = "/api/v1/certificates"  # any page of data behind the PC login


@pytest.fixture
def api(tmp_path: Path):
    app, services = lifecycle_app(tmp_path, f"sqlite:///{tmp_path / 'signer.db'}")
    yield app, services
    services.db.dispose()


def account_id(services, username: str) -> int:
    with services.db.read() as s:
        return s.scalar(select(Account.id).where(Account.username == username))


def stolen_copy(app, user: ApiUser):
    """Another browser carrying the same session cookie."""
    name = app.config["SESSION_COOKIE_NAME"]
    thief = app.test_client()
    thief.set_cookie(name, user.client.get_cookie(name).value)
    return thief


def test_the_old_cookie_is_refused_after_logout(api):
    app, _ = api
    victim = ApiUser(app, "operator1")
    thief = stolen_copy(app, victim)
    assert thief.get(PROTECTED).status_code == 200  # the copy works while the session lives
    assert victim.post("/api/v1/auth/logout").status_code == 200
    assert victim.get(PROTECTED).status_code == 401
    resp = thief.get(PROTECTED)
    assert resp.status_code == 401 and resp.get_json()["error"]["code"] == "login_required"


def test_logout_needs_the_csrf_token(api):
    app, _ = api
    victim = ApiUser(app, "operator1")
    forged = victim.client.post("/api/v1/auth/logout")  # a cross-site form post carries no token
    assert forged.status_code == 403 and forged.get_json()["error"]["code"] == "csrf_failed"
    assert victim.get(PROTECTED).status_code == 200


def test_admin_sees_and_ends_another_accounts_session(api):
    app, services = api
    victim = ApiUser(app, "operator1")
    victim.client.get(PROTECTED, headers={"User-Agent": "Victim-Browser/1.0"})
    admin = ApiUser(app, "admin")
    target = account_id(services, "operator1")

    listed = admin.get(f"/api/v1/accounts/{target}/sessions")
    assert listed.status_code == 200, listed.get_json()
    items = listed.get_json()["items"]
    assert len(items) == 1 and items[0]["ip"] == "127.0.0.1"
    sid = items[0]["id"]

    assert admin.client.post(f"/api/v1/accounts/{target}/sessions/{sid}/end").status_code == 403  # CSRF
    assert victim.get(PROTECTED).status_code == 200
    ended = admin.post(f"/api/v1/accounts/{target}/sessions/{sid}/end")
    assert ended.status_code == 200 and ended.get_json() == {"ended": 1}
    assert victim.get(PROTECTED).status_code == 401
    assert admin.get(f"/api/v1/accounts/{target}/sessions").get_json()["items"] == []
    assert admin.get(PROTECTED).status_code == 200  # the administrator's own session is untouched

    again = [ApiUser(app, "operator1"), ApiUser(app, "operator1")]
    assert admin.post(f"/api/v1/accounts/{target}/sessions/end-all").get_json() == {"ended": 2}
    assert all(user.get(PROTECTED).status_code == 401 for user in again)


def test_admin_of_another_enterprise_cannot_see_or_end_sessions(api):
    app, services = api
    other_admin, _ = add_operator(services, "rival_admin", enterprise_name="另一家企业有限公司")
    with services.db.write() as s:
        s.execute(update(Account).where(Account.id == other_admin.id).values(role=Role.ADMIN))
    victim = ApiUser(app, "operator1")
    target = account_id(services, "operator1")
    rival = ApiUser(app, "rival_admin")

    assert rival.get(f"/api/v1/accounts/{target}/sessions").status_code == 404
    assert rival.post(f"/api/v1/accounts/{target}/sessions/end-all").status_code == 404
    assert victim.get(PROTECTED).status_code == 200

    operator = ApiUser(app, "operator2")  # an operator of the same enterprise is not an administrator
    refused = operator.get(f"/api/v1/accounts/{account_id(services, 'admin')}/sessions")
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "not_admin"
