"""Issue 12 item 3: the deployment users grow into, live: two web nodes and a PDF queue worker.

Web node A (the PC), web node B (the phone) and a queue worker C (``signer pdf-worker``), on PostgreSQL
and Redis: Socket.IO pushes cross nodes through Redis, every PDF job goes through the task queue. C has
its own instance folder, as on another machine: it never reads the web nodes' blob folder, documents
reach it through Redis.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from io import BytesIO

import pytest
import requests
from pyhanko.pdf_utils.reader import PdfFileReader

from signer.cli_demo import DEMO_PASSWORD, LiveServer, PcClient, start_queue_worker
from tests.integration.test_scan_to_sign_live import assert_valid_everywhere, phone_with_certificate, sign_once


@pytest.fixture
def queue_url(redis_url: str) -> Iterator[str]:
    """A Redis database of its own for this test's queues (another run on the same Redis stays apart)."""
    import redis

    url = f"{redis_url.rsplit('/', 1)[0]}/{random.randint(1, 15)}"
    yield url
    client = redis.Redis.from_url(url)
    for key in client.scan_iter("signer*"):
        client.delete(key)


def test_pc_on_node_a_phone_on_node_b_pdf_work_on_worker_c(postgres_url, redis_url, queue_url, tmp_path):
    """Issue 12 item 3: a full session signed across three processes; the signed PDF validates (pyHanko
    with the platform root, poppler's pdfsig), and the PDF work was done by the queue worker. The B-T round
    needs the platform TSA's key on C: it crosses Redis sealed under the deployment's shared master key."""
    master = {"SIGNER_MASTER_KEY": os.urandom(32).hex()}
    worker = start_queue_worker(tmp_path / "worker-c", {"SIGNER_PDF_QUEUE": queue_url, **master})
    env = {"DATABASE_URL": postgres_url, "SIGNER_REDIS_URL": redis_url, "SIGNER_PDF_QUEUE": queue_url,
           "SIGNER_SIGNING_WORKERS": "0", "SIGNER_BULK_WORKERS": "0", **master}
    node_a = node_b = None
    try:
        node_a = LiveServer(tmp_path / "web", env=env).start()
        node_b = LiveServer(tmp_path / "web", env=env, init=False).start()
        ready = requests.get(f"{node_b.url}/readyz", timeout=30).json()
        assert ready["checks"]["pdf_workers"]["ok"], ready
        pc = PcClient(node_a.url)
        pc.login("admin", DEMO_PASSWORD)
        phone = phone_with_certificate(node_b.url, tmp_path / "phone")
        _, signed = sign_once(pc, phone, tmp_path, pades_level="B-T")
        pc.close()
        assert_valid_everywhere(node_a.url, signed, tmp_path)
        signature = PdfFileReader(BytesIO(signed)).embedded_signatures[0]
        unsigned = signature.signer_info["unsigned_attrs"].native or []
        assert any(a["type"] == "signature_time_stamp_token" for a in unsigned)  # B-T: the TSA's token, made on C
        worker_log = (tmp_path / "worker-c" / "pdf-worker.log").read_text(errors="replace")
        for op in ("prepare_document", "prepare_round", "finish_round"):
            assert f"pdf job {op} ok" in worker_log, op
    finally:
        for node in (node_b, node_a):
            if node is not None:
                node.stop()
        worker.terminate()
        worker.wait(15)
