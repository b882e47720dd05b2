"""The PDF worker pool: a worker that stops answering is killed and replaced (hostile PDFs)."""

from __future__ import annotations

import sys

import pytest

from pdfsign.errors import PdfRejected
from signer.signing.signing_pool import SIGNING, PdfWorkerError, SigningPool, _Process

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
