"""Issue 9 row 7: login throttling cannot be turned into a lock-out of the real user.

An attacker at address A sends wrong passwords for ``admin``. Only failures count, per (account, address):
A is slowed (429 with a growing ``retry_after``), the real user at address B logs in at once, a success
clears the pair's count, and successful logins never count at all.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest

from signer.core import ratelimit
from signer.core.models import utcnow
from tests.helpers import PASSWORD
from tests.lifecycle_helpers import lifecycle_app

ATTACKER, USER = "198.51.100.7", "203.0.113.20"


@pytest.fixture
def app(tmp_path: Path):
    app, services = lifecycle_app(tmp_path, f"sqlite:///{tmp_path / 'signer.db'}")
    yield app
    services.db.dispose()


def login(app, address: str, password: str):
    client = app.test_client()
    return client.post("/api/v1/auth/login", json={"username": "admin", "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_wrong_passwords_from_one_address_do_not_lock_out_the_real_user(app, monkeypatch):
    answers = [login(app, ATTACKER, "wrong-guess") for _ in range(10)]
    codes = [r.status_code for r in answers]
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}, codes
    refused = answers[-1]
    assert refused.get_json()["error"]["code"] == "rate_limited"
    first_wait = refused.get_json()["error"]["details"]["retry_after"]
    assert first_wait > 0 and int(refused.headers["Retry-After"]) == first_wait

    assert login(app, USER, PASSWORD).status_code == 200  # the real user, elsewhere, is not locked out
    assert login(app, ATTACKER, PASSWORD).status_code == 429  # even the right password waits at A

    # after the delay, another failure at A doubles the next one
    later = utcnow() + timedelta(seconds=first_wait + 1)
    monkeypatch.setattr(ratelimit, "utcnow", lambda: later)
    assert login(app, ATTACKER, "wrong-guess").status_code == 401
    second_wait = login(app, ATTACKER, "wrong-guess").get_json()["error"]["details"]["retry_after"]
    assert second_wait >= 2 * first_wait - 1

    # the real user at A, once the delay is over, logs in; that resets the pair
    much_later = later + timedelta(seconds=second_wait + 1)
    monkeypatch.setattr(ratelimit, "utcnow", lambda: much_later)
    assert login(app, ATTACKER, PASSWORD).status_code == 200
    assert [login(app, ATTACKER, "typo").status_code for _ in range(4)] == [401] * 4


def test_successful_logins_never_count(app):
    assert [login(app, USER, PASSWORD).status_code for _ in range(15)] == [200] * 15
    assert [login(app, USER, "typo").status_code for _ in range(3)] == [401] * 3
    assert login(app, USER, PASSWORD).status_code == 200


def test_spraying_many_accounts_from_one_address_is_slowed(app):
    client = app.test_client()

    def attempt(username: str, address: str):
        return client.post("/api/v1/auth/login", json={"username": username, "password": "Spring2026!"},
                           environ_base={"REMOTE_ADDR": address})

    codes = [attempt(f"user{i}", ATTACKER).status_code for i in range(25)]
    assert codes[:20] == [401] * 20 and set(codes[20:]) == {429}, codes
    assert attempt("someone-new", ATTACKER).status_code == 429
    assert login(app, USER, PASSWORD).status_code == 200


@pytest.fixture
def app_on(tmp_path: Path, database_url: str):
    app, services = lifecycle_app(tmp_path, database_url)
    yield app
    services.db.dispose()


def test_parallel_wrong_logins_are_checked_at_most_five_times(app_on):
    """Ten guesses at once from one address: five are checked, the rest wait (SQLite and PostgreSQL)."""
    barrier = threading.Barrier(10)

    def guess(_: int) -> int:
        client = app_on.test_client()
        barrier.wait()
        return client.post("/api/v1/auth/login", json={"username": "admin", "password": "wrong-guess"},
                           environ_base={"REMOTE_ADDR": ATTACKER}).status_code

    with ThreadPoolExecutor(10) as pool:
        codes = sorted(pool.map(guess, range(10)))
    assert codes == [401] * 5 + [429] * 5, codes
    assert login(app_on, USER, PASSWORD).status_code == 200
