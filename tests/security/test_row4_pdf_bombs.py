"""Issue 9 row 4: heavy or hostile PDF work cannot starve signing.

The attack: flate-bomb PDFs (about 1 MB that inflate to 1 GiB) uploaded as drafts in parallel, while
someone creates an ordinary signing session and signs it. Uploads and signing run in separate lanes of
workers, every job is bounded (inflated size, time, memory), and each enterprise has at most a few
uploads in processing; the bombs get a clear 4xx.
"""

from __future__ import annotations

import re
import sys
import textwrap
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from pdfsign.bounds import MiB, inflate_budget, inflated_size
from pdfsign.errors import PdfRejected
from pdfsign.inspect import inspect_pdf
from signer.cli_demo import DEMO_PASSWORD, LiveServer, PcClient
from signer.core.errors import RateLimited
from signer.demo.samples import sample_pdf
from signer.signing.pdf_jobs import upload_slot
from signer.signing.signing_pool import BULK, SIGNING, SigningPool
from tests.helpers import provision
from tests.pdf_helpers import flate_bomb, one_page, stream

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return flate_bomb(1024)


# -- the decompression bound ----------------------------------------------------------------------

def test_row4_a_flate_bomb_is_refused_by_inspection(bomb):
    assert len(bomb) < 2 * MiB
    with pytest.raises(PdfRejected) as refused:
        inspect_pdf(bomb)
    assert refused.value.code == "decompression_bomb" and CHINESE.search(refused.value.message)


def test_row4_inflation_is_counted_incrementally_and_stops_at_the_limit(bomb):
    """The bomb is never inflated in full: counting stops one chunk past the limit."""
    start = bomb.index(b"stream\n") + len(b"stream\n")
    data = bomb[start:bomb.rindex(b"\nendstream")]
    assert inflated_size(data, 4 * MiB) <= 5 * MiB
    assert inflated_size(data, 2048 * MiB) == 1024 * MiB  # the whole thing, for the record


def test_row4_ordinary_compressed_documents_pass():
    import zlib

    text = b"BT /F1 12 Tf 72 700 Td (Line) Tj ET\n" * 20000  # 700 KB of content, compresses ~500:1
    pdf = one_page(content=stream(zlib.compress(text), b"/Filter /FlateDecode "))
    assert inspect_pdf(pdf).page_count == 1
    assert inspect_pdf(sample_pdf(pages=3)).page_count == 3
    assert inflate_budget(1 * MiB) == 64 * MiB and inflate_budget(10 * MiB) == 300 * MiB


# -- lanes, time and memory per job -----------------------------------------------------------------

GATED_WORKER = (sys.executable, "-c", textwrap.dedent("""
    import os, sys, time
    from pdfsign.worker import read_message, write_message
    while (req := read_message(sys.stdin.buffer)) is not None:
        while req["op"] == "preview_document" and not os.path.exists(req["gate"]):
            time.sleep(0.05)
        write_message(sys.stdout.buffer, {"ok": True, "result": {"op": req["op"]}})
"""))


def test_row4_uploads_never_occupy_the_signing_lane(tmp_path: Path):
    """Every bulk worker is busy with an upload that does not finish; a signing round is still served."""
    gate = tmp_path / "gate"
    pool = SigningPool(1, bulk_workers=1, command=GATED_WORKER, timeout=600, bulk_timeout=600)
    pool.start()
    upload = threading.Thread(target=pool.request, args=("preview_document",), kwargs={"gate": str(gate)})
    upload.start()
    try:
        idle = pool.lanes[BULK]._idle
        assert idle is not None  # the bulk lane's workers are pooled
        while idle.qsize() and upload.is_alive():  # until the upload holds the bulk worker
            threading.Event().wait(0.01)
        answers: list[dict] = []
        signer = threading.Thread(target=lambda: answers.append(pool.request("prepare_round")))
        signer.start()
        signer.join(120)  # a liveness guard, not a timing assertion
        assert answers == [{"op": "prepare_round"}]
        assert upload.is_alive(), "the upload must still be in flight while the round was served"
    finally:
        gate.touch()
        upload.join(60)
        pool.close()


def test_row4_a_worker_over_its_memory_limit_refuses_the_job_and_is_replaced():
    pool = SigningPool(1, bulk_workers=1, memory_bytes=300 * MiB)
    pool.start()
    first = pool.lanes[BULK]._idle.queue[0]
    with pytest.raises(PdfRejected) as refused:  # ~100 MB of request in a 300 MB address space
        pool.request("verify", pdf="QUFB" * 25_000_000, roots=[], max_bytes=1 << 30)
    assert refused.value.code == "too_complex" and CHINESE.search(refused.value.message)
    assert not first.alive() and pool.lanes[BULK]._idle.queue[0] is not first
    import base64

    preview = pool.request("preview_document", pdf=base64.b64encode(sample_pdf()).decode(), max_bytes=MiB,
                           render=1)
    assert preview["page_count"] == 1  # the replacement serves the next upload
    assert pool.lanes[SIGNING]._idle.qsize() == 1
    pool.close()


# -- per-enterprise cap, shared by every process ------------------------------------------------------

def test_row4_each_enterprise_has_at_most_two_uploads_in_processing(tmp_path: Path, database_url: str):
    services, _ = provision(tmp_path, database_url)
    db, ttl = services.db, timedelta(minutes=2)
    try:
        start, release = threading.Barrier(6), threading.Event()
        outcomes: list[str] = []

        def upload() -> None:
            start.wait()
            try:
                with upload_slot(db, 1, 2, ttl):
                    outcomes.append("in")
                    release.wait(60)
            except RateLimited as exc:
                outcomes.append(exc.code)

        threads = [threading.Thread(target=upload) for _ in range(6)]
        for t in threads:
            t.start()
        while len(outcomes) < 6 and any(t.is_alive() for t in threads):
            if outcomes.count("too_many_uploads") == 4:
                break
            threading.Event().wait(0.01)
        release.set()
        for t in threads:
            t.join(60)
        assert sorted(outcomes) == ["in", "in"] + ["too_many_uploads"] * 4
        # another enterprise is not affected by the first one's uploads
        with upload_slot(db, 2, 2, ttl), upload_slot(db, 2, 2, ttl), pytest.raises(RateLimited), \
                upload_slot(db, 2, 2, ttl):
            pass
        with upload_slot(db, 1, 2, ttl):  # slots come back when the uploads end
            pass
    finally:
        services.db.dispose()


def test_row4_a_lease_left_by_a_dead_process_expires(tmp_path: Path):
    services, _ = provision(tmp_path, f"sqlite:///{tmp_path / 'signer.db'}")
    gone = timedelta(seconds=-1)  # leases taken by a process that died: already past their expiry
    stale = [upload_slot(services.db, 1, 2, gone), upload_slot(services.db, 1, 2, gone)]
    for lease in stale:
        lease.__enter__()  # never exited
    fresh = timedelta(minutes=1)
    with upload_slot(services.db, 1, 2, fresh), upload_slot(services.db, 1, 2, fresh), \
            pytest.raises(RateLimited), upload_slot(services.db, 1, 2, fresh):
        pass
    services.db.dispose()


# -- the attack, against a live server --------------------------------------------------------------

@pytest.fixture
def lean_server(tmp_path: Path):
    """One worker per lane, so a bomb that reached a shared worker would block signing."""
    env = {"SIGNER_QR_STEP": "1", "SIGNER_SIGNING_WORKERS": "1", "SIGNER_BULK_WORKERS": "1"}
    with LiveServer(tmp_path / "instance", env=env) as server:
        yield server


def test_row4_bombs_uploaded_in_parallel_do_not_starve_an_ordinary_signature(lean_server, bomb, tmp_path):
    from tests.integration.test_scan_to_sign_live import phone_with_certificate, sign_once

    url = lean_server.url
    pc = PcClient(url)
    pc.login("admin", DEMO_PASSWORD)
    phone = phone_with_certificate(url, tmp_path / "phone")
    events: list[str] = []
    answers: list[requests.Response] = []
    lock = threading.Lock()
    start = threading.Barrier(5)

    def upload_bomb() -> None:
        http = requests.Session()
        http.cookies.update(pc.http.cookies)
        start.wait()
        resp = http.post(f"{url}/api/v1/drafts", files={"file": ("bomb.pdf", bomb, "application/pdf")},
                         headers={"X-CSRF-Token": pc.csrf}, timeout=300)
        with lock:
            answers.append(resp)
            events.append("bomb answered")

    bombs = [threading.Thread(target=upload_bomb) for _ in range(4)]
    for t in bombs:
        t.start()
    start.wait()
    try:
        _session_id, signed = sign_once(pc, phone, tmp_path)
        with lock:
            events.append("signed")
    finally:
        for t in bombs:
            t.join(300)
        pc.close()
    assert signed.startswith(b"%PDF-")
    assert "signed" in events and len(answers) == 4
    for resp in answers:
        body = resp.json()
        assert resp.status_code in (422, 429), (resp.status_code, body)
        assert body["error"]["code"] in ("pdf_decompression_bomb", "pdf_too_complex", "too_many_uploads"), body
        assert CHINESE.search(body["error"]["message"])
    assert any(r.json()["error"]["code"] == "pdf_decompression_bomb" for r in answers)
    assert "Traceback" not in (lean_server.log_path.read_text(errors="replace"))
