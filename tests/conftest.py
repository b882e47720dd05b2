"""Shared fixtures: databases (SQLite always, PostgreSQL when configured), provisioned services, phones."""

from __future__ import annotations

import os
import secrets
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from signer.certificates import softhsm
from signer.certificates.token_config import SOFTHSM_MODULE, TokenConfig, load_token_config
from signer.cli_demo import LiveServer
from tests.needs import answers, missing, tool

_missing = missing  # older name, kept for test modules that import it

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def _postgres_usable(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def pytest_configure(config: pytest.Config) -> None:
    """Use PostgreSQL and Redis when they answer on their usual ports and no URL was given.

    Set in the environment, so the servers and workers that tests start see the same choice.
    """
    if "TEST_POSTGRES_URL" not in os.environ and answers("127.0.0.1", 5432) \
            and _postgres_usable(DEFAULT_POSTGRES_URL):
        os.environ["TEST_POSTGRES_URL"] = DEFAULT_POSTGRES_URL
    if "TEST_REDIS_URL" not in os.environ and answers("127.0.0.1", 6379):
        os.environ["TEST_REDIS_URL"] = DEFAULT_REDIS_URL


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line per skip reason with its count, so nothing is skipped unnoticed."""
    reasons: Counter[str] = Counter()
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        reasons[reason.removeprefix("Skipped: ")] += 1
    if reasons:
        terminalreporter.section("skipped, by reason")
        for reason, count in reasons.most_common():
            terminalreporter.write_line(f"{count:4d} × {reason}")


@pytest.fixture(scope="session")
def softhsm_token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TokenConfig]:
    """Issue 11 item 7: a fresh SoftHSM2 token folder for this test session, standing in for the USB KEY.

    ``SOFTHSM2_CONF``, the token label and its PINs go into the environment, so the services a test builds and
    the servers it starts (subprocesses) all use this token. SoftHSM2 reads its configuration once per
    process, hence one token folder per session.
    """
    tool("softhsm2-util")
    if not Path(os.environ.get("SIGNER_KEY_PKCS11_MODULE") or SOFTHSM_MODULE).exists():
        missing(f"the SoftHSM2 PKCS#11 module {SOFTHSM_MODULE} (Debian package softhsm2)")
    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(softhsm.write_conf(folder / "tokens"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOFTHSM2_CONF", str(conf))
        mp.setenv("SIGNER_KEY_TOKEN_LABEL", "test-desk")
        mp.setenv("SIGNER_KEY_SO_PIN", secrets.token_hex(8))
        mp.setenv("SIGNER_KEY_USER_PIN", secrets.token_hex(8))
        config = load_token_config(folder)
        softhsm.ensure_token(config)
        yield config


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    base = os.environ.get("TEST_POSTGRES_URL", "")
    if not base:
        missing("PostgreSQL (TEST_POSTGRES_URL, or a server answering on 127.0.0.1:5432)")
    import psycopg

    name = f"signer_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = base.rsplit("/", 1)[0] + "/" + name
    yield url
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL", "")
    if not url:
        missing("Redis (TEST_REDIS_URL, or a server answering on 127.0.0.1:6379)")
    return url


@pytest.fixture
def live_env() -> dict[str, str]:
    """The environment of :func:`live_server`; a test module overrides this fixture to change it."""
    return {"SIGNER_QR_STEP": "1"}


@pytest.fixture
def live_server(tmp_path: Path, live_env: dict[str, str]) -> Iterator[LiveServer]:
    """``signer init`` + ``signer serve`` on a free loopback port, with its own instance folder."""
    with LiveServer(tmp_path / "instance", env=live_env) as server:
        yield server


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'signer.db'}"
    return request.getfixturevalue("postgres_url")
