"""The PDF worker pool: a worker that stops answering is killed and replaced (hostile PDFs); workers run
at the configured lower scheduling priority."""

from __future__ import annotations

import os
import re
import sys

import pytest

from pdfsign.errors import PdfRejected
from signer.core.config import Config, ConfigError
from signer.core.storage import FileBlobStore
from signer.signing.pdf_queue import build_pool
from signer.signing.signing_pool import BULK, SIGNING, PdfWorkerError, SigningPool, _Process

SILENT = (sys.executable, "-c", "import time; time.sleep(600)")


def test_a_silent_worker_is_killed_after_the_timeout():
    stuck = _Process(SILENT)
    with pytest.raises(PdfWorkerError, match=r"no answer within 0\.5 s"):
        stuck.call({"op": "prepare_document"}, timeout=0.5)
    assert not stuck.alive()  # killed, not waited for


def test_the_pool_replaces_a_killed_worker():
    pool = SigningPool(1, timeout=0.5, command=SILENT)
    pool.start()
    lane = pool.lanes[SIGNING]
    first = lane._idle.queue[0]
    with pytest.raises(PdfWorkerError):
        pool.request("finish_round", prepared={}, signature="", cert="", chain=[])
    replacement = lane._idle.queue[0]
    assert replacement is not first and replacement.alive() and not first.alive()
    # a job about an uploaded document that kills its worker refuses the document, clearly
    with pytest.raises(PdfRejected) as refused:
        pool.request("prepare_document", pdf="", placements=[], max_bytes=1)
    assert refused.value.code == "too_complex"
    pool.close()


def test_a_real_worker_answers_within_the_timeout():
    pool = SigningPool(1, timeout=30)
    with pytest.raises(Exception, match="PDF"):  # it answers, refusing the empty document
        pool.request("prepare_document", pdf="", placements=[], max_bytes=10)
    pool.close()


def test_documents_serve_recent_ones_from_memory_and_the_rest_from_the_blob_store(tmp_path):
    """Issue 12 item 2: a worker keeps recent documents by content hash in front of the blob store."""
    from pdfsign.worker import Documents
    from signer.core.storage import FileBlobStore

    store = FileBlobStore(tmp_path)
    docs = Documents(store, max_bytes=4000)
    first = docs.put(b"a" * 900)
    assert store.get(first) == b"a" * 900  # written through to the store
    (tmp_path / first[:2] / first[2:]).unlink()
    assert docs.get(first) == b"a" * 900  # still warm
    for fill in (b"b", b"c", b"d", b"e"):
        docs.put(fill * 900)
    with pytest.raises(FileNotFoundError):  # evicted, and gone from the store
        docs.get(first)
    assert Documents(store).get(docs.put(b"f" * 10)) == b"f" * 10  # a cold worker reads the store


def test_a_worker_without_a_blob_store_refuses_references():
    """Issue 12 item 2: a document by reference needs the store; the refusal is a clear PDF error."""
    pool = SigningPool(0)
    with pytest.raises(PdfRejected):
        pool.request("render_pages", pdf_blob="0" * 64, pages=[1])


def _niceness(pid: int) -> int:
    return os.getpriority(os.PRIO_PROCESS, pid)


def test_each_lane_runs_its_workers_at_the_configured_lower_priority(tmp_path):
    """Issue 12 P2/P3: PDF workers yield the CPU to the web process, the bulk lane further than signing."""
    own = _niceness(0)
    config = Config(instance_path=tmp_path, signing_workers=1, bulk_workers=1, pdf_nice=3, bulk_pdf_nice=7)
    pool = build_pool(config, FileBlobStore(config.blob_path))
    pool.start()
    try:
        (signing,), (bulk,) = pool.lanes[SIGNING].pids(), pool.lanes[BULK].pids()
        assert _niceness(signing) == min(19, own + 3)
        assert _niceness(bulk) == min(19, own + 7)
        assert pool.request("ping") == {"pid": signing}  # a lowered worker answers as before
    finally:
        pool.close()


def test_a_replaced_worker_keeps_the_lower_priority():
    pool = SigningPool(1, timeout=0.5, command=SILENT, nice=4)
    pool.start()
    with pytest.raises(PdfWorkerError):
        pool.request("finish_round", prepared={}, signature="", cert="", chain=[])
    (replacement,) = pool.lanes[SIGNING].pids()
    assert _niceness(replacement) == min(19, _niceness(0) + 4)
    pool.close()


@pytest.mark.parametrize(("env", "message"), [
    ({"SIGNER_PDF_NICE": "low"}, "SIGNER_PDF_NICE must be an integer, not 'low'"),
    ({"SIGNER_PDF_NICE": "-5"}, "SIGNER_PDF_NICE must be a nice increment from 0 to 19"),
    ({"SIGNER_BULK_PDF_NICE": "20"}, "SIGNER_BULK_PDF_NICE must be a nice increment from 0 to 19"),
    ({"SIGNER_PDF_NICE": "12", "SIGNER_BULK_PDF_NICE": "5"}, "must be at least SIGNER_PDF_NICE"),
])
def test_a_bad_priority_setting_is_refused_with_a_configuration_error(monkeypatch, tmp_path, env, message):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=re.escape(message)):
        Config(instance_path=tmp_path)
