"""Issue 12 item 2: the web process does less per event, and no rule is weakened by it.

An APP socket is identified once at connect and each event re-confirms the token with one lean query, so a
logged-out token, a disabled account or another device's token is still refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import update

from mobile.client import decode_qr_image
from signer.accounts.models import Account
from signer.core.errors import NotAuthenticated
from signer.signing import qr
from tests.helpers import PASSWORD, provision


@pytest.fixture
def env(tmp_path: Path, database_url: str):
    services, _notifier = provision(tmp_path, database_url, seal_images=True)
    yield services
    services.db.dispose()


def app_token(services, username: str = "operator1", device: str = "phone-1") -> str:
    account = services.accounts.authenticate(username, PASSWORD, "127.0.0.1")
    return services.accounts.issue_app_token(account, device, "test phone", "127.0.0.1")


def test_identity_of_connect_is_confirmed_while_the_token_lives(env):
    services = env
    token = app_token(services)
    who = services.accounts.identify_app(token)
    assert services.accounts.confirm_app(token, who) is who


def test_logged_out_token_is_refused_at_the_next_event(env):
    services = env
    token = app_token(services)
    who = services.accounts.identify_app(token)  # the socket connected with it
    services.accounts.revoke_app_token(token)  # POST /app/logout
    with pytest.raises(NotAuthenticated) as err:
        services.accounts.confirm_app(token, who)
    assert err.value.code == "bad_token" and err.value.message == "访问令牌无效或已过期"


def test_disabled_account_is_refused_at_the_next_event(env):
    services = env
    token = app_token(services)
    who = services.accounts.identify_app(token)
    with services.db.write() as s:
        s.execute(update(Account).where(Account.id == who.account.id).values(active=False))
    with pytest.raises(NotAuthenticated):
        services.accounts.confirm_app(token, who)


def test_a_token_does_not_confirm_another_identity(env):
    services = env
    mine = services.accounts.identify_app(app_token(services, device="phone-1"))
    other_token = app_token(services, "admin", device="phone-2")
    with pytest.raises(NotAuthenticated):
        services.accounts.confirm_app(other_token, mine)


def test_frames_drawn_with_the_fixed_mask_decode_for_many_sessions_and_steps(tmp_path):
    """Issue 12 item 2: the HTTP fallback's frames skip the mask search (one fixed mask); the phone's decoder
    still reads every one of a spread of sessions and steps."""
    image = tmp_path / "frame.png"
    for i in range(40):
        sid = f"{i:08x}" * 4
        payload = qr.make_payload("ygqc", b"secret-%d" % i, sid, 900_000_000 + i * 7919)
        image.write_bytes(qr.render_png(payload))
        with Image.open(image) as opened:
            assert opened.size[0] == opened.size[1] >= 8 * (21 + 8)
        assert decode_qr_image(image) == payload
