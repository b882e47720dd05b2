"""Shared fixtures: databases (SQLite always, PostgreSQL when configured), provisioned services, phones."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from signer.demo import LiveServer

REQUIRE_SERVICES = os.environ.get("SIGNER_REQUIRE_SERVICES") == "1"


def _missing(what: str) -> None:
    """Skip with a reason, or fail in CI where the service must be there."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required in CI (SIGNER_REQUIRE_SERVICES=1)")
    pytest.skip(f"{what} not configured")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    base = os.environ.get("TEST_POSTGRES_URL")
    if not base:
        _missing("PostgreSQL (TEST_POSTGRES_URL)")
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
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        _missing("Redis (TEST_REDIS_URL)")
    return url


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """``signer init`` + ``signer serve`` on a free loopback port, with its own instance folder."""
    with LiveServer(tmp_path / "instance", env={"SIGNER_QR_STEP": "1"}) as server:
        yield server


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'signer.db'}"
    return request.getfixturevalue("postgres_url")
