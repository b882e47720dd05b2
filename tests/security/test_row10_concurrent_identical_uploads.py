"""Issue 9 row 10: six PC users create sessions for the same PDF at the same moment, over two processes.

Identical content is stored once (content-addressed blobs) and every request succeeds: no HTTP 500, no
``UniqueViolation`` on ``blobs_pkey``, nothing unhandled in either server's log.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import requests

from signer.cli_demo import DEMO_PASSWORD, LiveServer, PcClient
from signer.demo.samples import sample_pdf

USERS = 6


@pytest.fixture(params=["sqlite", "postgres"])
def two_servers(request: pytest.FixtureRequest, tmp_path: Path):
    env: dict[str, str] = {}
    if request.param == "postgres":
        env = {"DATABASE_URL": request.getfixturevalue("postgres_url"),
               "SIGNER_REDIS_URL": request.getfixturevalue("redis_url")}
    first = LiveServer(tmp_path / "instance", env=env).start()
    second = LiveServer(tmp_path / "instance", env=env, init=False).start()
    try:
        yield first, second
    finally:
        second.stop()
        first.stop()


def test_six_users_create_sessions_for_one_pdf_at_once(two_servers):
    servers = two_servers
    pdf = sample_pdf("Same contract")  # the same bytes for everyone
    clients = [PcClient(servers[i % 2].url) for i in range(USERS)]
    for client in clients:
        client.login("admin", DEMO_PASSWORD)
    barrier = threading.Barrier(USERS)
    results: list[requests.Response | BaseException | None] = [None] * USERS

    def create(i: int) -> None:
        barrier.wait()
        try:
            results[i] = clients[i].create_session(pdf, f"合同{i}")
        except BaseException as exc:
            results[i] = exc

    threads = [threading.Thread(target=create, args=(i,)) for i in range(USERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    for client in clients:
        client.close()

    statuses = [r.status_code if isinstance(r, requests.Response) else repr(r) for r in results]
    assert statuses == [201] * USERS, [getattr(r, "text", r) for r in results]
    bodies = [r.json() for r in results if isinstance(r, requests.Response)]  # all of them (above)
    assert len({b["id"] for b in bodies}) == USERS
    for server in servers:
        log = server.log_path.read_text(errors="replace")
        assert "Traceback" not in log and "UniqueViolation" not in log and " 500 " not in log, log[-3000:]
