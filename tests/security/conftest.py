"""Attacks on live servers: one process on SQLite, or two processes sharing PostgreSQL + Redis.

``deployment`` is parametrized over both; the PC works against the first process, phones are spread over
both, so a conversation one process started is continued (and raced) on the other.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from mobile import AppClient, AppError
from mobile.client import decode_qr_image
from mobile.storage import Storage
from signer.certificates.models import Certificate
from signer.cli_demo import DEMO_PASSWORD, SIGNING_PASSWORD, LiveServer, PcClient
from signer.core.db import Database, must_get
from signer.core.models import AuditEvent
from signer.demo.samples import sample_pdf


@dataclass
class Deployment:
    """The server processes of one test and the database they share."""

    urls: list[str]
    database_url: str
    workdir: Path
    _db: Database | None = field(default=None, repr=False)

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = Database(self.database_url)
        return self._db

    def url(self, i: int) -> str:
        return self.urls[i % len(self.urls)]

    def certificate(self, cert_id: int) -> Certificate:
        with self.db.read() as s:
            return must_get(s, Certificate, cert_id)

    def audit_count(self, action: str, cert_id: int) -> int:
        with self.db.read() as s:
            return s.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.action == action, AuditEvent.subject_id == str(cert_id))) or 0

    # -- the PC (admin, on the first process) and the phone (operator1, one device) ------------------
    def pc(self) -> PcClient:
        client = PcClient(self.urls[0])
        client.login("admin", DEMO_PASSWORD)
        return client

    def phone(self, i: int = 0) -> AppClient:
        """A connection of the one phone (same device, login and keystores) to process ``i``.

        The reference client keeps its token for the address that issued it; a phone behind a load balancer
        talks to both processes under one address, so the other process gets a copy of the phone's storage
        with that process's address (made on first use, after the certificate was downloaded).
        """
        k = i % len(self.urls)
        home = self.workdir / ("phone" if k == 0 else f"phone-via-{k}")
        if k and not home.exists():
            shutil.copytree(self.workdir / "phone", home)
            Storage(home).update_state(server_url=self.urls[k])
        return AppClient(self.urls[k], home)

    def phone_with_certificate(self) -> tuple[AppClient, int]:
        phone = self.phone(0)
        phone.login("operator1", DEMO_PASSWORD)
        cert = next(c for c in phone.certificates() if c["status"] == "pending_download")
        phone.download_certificate(cert["id"], SIGNING_PASSWORD)
        return phone, cert["id"]

    def session(self, pc: PcClient, placements: list[dict[str, Any]] | None = None) -> str:
        created = pc.create_session(sample_pdf("Contract"), "采购合同", placements)
        assert created.status_code == 201, created.text
        return created.json()["id"]

    def qr_payload(self, pc: PcClient, session_id: str) -> str:
        """The QR code the PC page shows now (the same image as over Socket.IO), read as the phone does."""
        resp = pc.http.get(f"{pc.url}/api/v1/signing-sessions/{session_id}/qr.png", timeout=30)
        assert resp.status_code == 200, resp.text
        png = self.workdir / f"qr-{session_id}.png"
        png.write_bytes(resp.content)
        return decode_qr_image(png)

    def scanned(self, pc: PcClient, count: int) -> list[tuple[str, AppClient]]:
        """``count`` sessions, each scanned by the phone over a connection to alternating processes."""
        out = []
        for i in range(count):
            session_id = self.session(pc)
            phone = self.phone(i)
            phone.scan(self.qr_payload(pc, session_id))
            out.append((session_id, phone))
        return out

    def state(self, pc: PcClient, session_id: str) -> dict[str, Any]:
        resp = pc.http.get(f"{pc.url}/api/v1/signing-sessions/{session_id}", timeout=30)
        assert resp.status_code == 200, resp.text
        return resp.json()

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()


def fire_together(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run every call in its own thread, released at the same moment; each result or the exception raised."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except Exception as exc:  # collected: the tests assert on every refusal
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    assert not any(t.is_alive() for t in threads), "a concurrent call did not return"
    return results


def error_code(result: Any) -> str | None:
    return result.code if isinstance(result, AppError) else None


@pytest.fixture
def server_env() -> dict[str, str]:
    """Extra environment of the server processes (a test parametrizes it, e.g. SIGNER_USAGE_LIMIT)."""
    return {}


@pytest.fixture(params=["sqlite", "postgres-two-processes"])
def deployment(request: pytest.FixtureRequest, tmp_path: Path, server_env: dict[str, str]) -> Iterator[Deployment]:
    extra = dict(server_env)
    instance = tmp_path / "instance"
    if request.param == "sqlite":
        server = LiveServer(instance, env=extra).start()
        servers = [server]
        database_url = f"sqlite:///{instance / 'signer.db'}"
    else:
        database_url = request.getfixturevalue("postgres_url")
        env = {"DATABASE_URL": database_url, "SIGNER_REDIS_URL": request.getfixturevalue("redis_url"), **extra}
        first = LiveServer(instance, env=env).start()
        servers = [first]
        try:
            servers.append(LiveServer(instance, env=env, init=False).start())
        except BaseException:
            first.stop()
            raise
    found = Deployment([s.url for s in servers], database_url, tmp_path)
    try:
        yield found
    finally:
        found.close()
        for server in reversed(servers):
            server.stop()
