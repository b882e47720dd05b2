"""Runs pyHanko in worker processes (pdfsign.worker) so PDF work never stalls the socket event loop.

Two lanes of workers, so heavy or hostile documents cannot starve signing:

- the *signing* lane runs what a person at a QR code or a phone is waiting for: ``prepare_document``
  (creating a session: the upload is inspected with the same bounded checks as anywhere, then the seal
  fields are added), ``prepare_round``, ``finish_round`` and ``finish_document``;
- the *bulk* lane runs uploads and previews (``preview_document``, ``render_pages``) and ``verify``
  (public), with a shorter timeout.

Uploads and verification never occupy a signing worker. Each worker process runs under an address-space
limit (``memory_bytes``); a worker that hits it, or is silent past its lane's timeout, is replaced, and
the document is refused as too complex (``PdfRejected("too_complex")``) when the job was about an
uploaded document. The lane is chosen from the op, so callers only call :meth:`SigningPool.request`.

Documents of a signing round travel by reference: with ``blob_root`` (the instance's blob folder) the
caller passes ``pdf_blob`` (a hash in the store) and gets the produced documents back as hashes in the
same store, which the workers read and write directly (they run on this machine); only hashes cross the
pipe. Uploads still travel inline (``pdf``), since they are not stored until they pass the checks.

Each lane's workers can run at a lower scheduling priority than the process that starts them (``nice``,
``bulk_nice``: nice increments, the bulk lane's at least the signing lane's), so that a burst of PDF work
yields the CPU to the event loop's short jobs (pushes, scans, pings) and bulk work yields to rounds. The
parent sets it right after the worker starts, before the worker's imports.

Under gevent, ``subprocess`` and ``queue`` are cooperative: a greenlet waiting for a worker's reply
yields to the loop. With ``workers=0`` every request is handled in-process (CLI, unit tests).
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import select
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pdfsign import worker as pdf_worker
from pdfsign.errors import PdfRejected, SignatureValueInvalid
from signer.core.logging_setup import current_request_id
from signer.core.metrics import PDF_WORKER_SECONDS, PDF_WORKER_WAITING
from signer.core.storage import FileBlobStore

log = logging.getLogger(__name__)


class PdfWorkerError(RuntimeError):
    pass


WORKER_COMMAND = (sys.executable, "-m", "signer.signing.pdf_worker")
DEFAULT_TIMEOUT = 120.0
DEFAULT_BULK_TIMEOUT = 30.0
DEFAULT_MEMORY_BYTES = 1024 * 1024 * 1024
SIGNING, BULK = "signing", "bulk"
BULK_OPS = frozenset({"preview_document", "render_pages", "verify"})
# Ops about a document someone uploaded: a worker lost on one of them means the document is the problem.
DOCUMENT_OPS = frozenset({"prepare_document", "preview_document", "render_pages", "verify"})
TOO_COMPLEX = "PDF 文件过于复杂，无法在限定的时间和内存内处理，请简化或压缩后再上传"


def lane_of(op: str) -> str:
    return BULK if op in BULK_OPS else SIGNING


def lower_priority(pid: int, increment: int) -> None:
    """Schedule process ``pid`` ``increment`` nice levels below this process (capped at the lowest)."""
    if increment <= 0:
        return
    niceness = min(19, os.getpriority(os.PRIO_PROCESS, 0) + increment)
    with contextlib.suppress(ProcessLookupError):  # it already exited: the pool replaces it
        os.setpriority(os.PRIO_PROCESS, pid, niceness)


class _Process:
    def __init__(self, command: Sequence[str] = WORKER_COMMAND, nice: int = 0) -> None:
        self.proc = subprocess.Popen(list(command), stdin=subprocess.PIPE, stdout=subprocess.PIPE)  # noqa: S603 - our command
        lower_priority(self.proc.pid, nice)

    def call(self, request: dict[str, Any], timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
        """Send one request and wait for its reply; a worker silent past ``timeout`` is killed
        (a hostile PDF must not hold a worker forever)."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        pdf_worker.write_message(self.proc.stdin, request)
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)  # cooperative under gevent
        if not ready:
            self.proc.kill()
            self.proc.wait()
            raise PdfWorkerError(f"pdf worker gave no answer within {timeout:g} s")
        reply = pdf_worker.read_message(self.proc.stdout)
        if reply is None:
            raise PdfWorkerError("pdf worker exited")
        return reply

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class _Lane:
    """A fixed number of worker processes; a request waits for an idle one."""

    def __init__(self, size: int, timeout: float, command: Sequence[str], nice: int = 0) -> None:
        self.size = size
        self.timeout = timeout
        self.command = tuple(command)
        self.nice = nice
        self._idle: queue.Queue[_Process] | None = None

    def start(self) -> None:
        if self._idle is None and self.size > 0:
            self._idle = queue.Queue()
            for _ in range(self.size):
                self._idle.put(self._spawn())

    def _spawn(self) -> _Process:
        return _Process(self.command, self.nice)

    def call(self, req: dict[str, Any]) -> dict[str, Any]:
        self.start()
        assert self._idle is not None
        with PDF_WORKER_WAITING.track_inprogress():
            proc = self._idle.get()
        retire = True
        try:
            reply = proc.call(req, self.timeout)
            retire = bool(reply.get("retire"))  # it hit its memory limit and is exiting
            return reply
        except OSError as exc:
            raise PdfWorkerError(f"pdf worker unreachable: {exc}") from exc
        finally:
            if retire or not proc.alive():  # killed, crashed or retired after a limit: replace it
                proc.close()
                proc = self._spawn()
            self._idle.put(proc)

    def pids(self) -> list[int]:
        return [] if self._idle is None else [p.proc.pid for p in list(self._idle.queue)]

    def close(self) -> None:
        if self._idle is None:
            return
        while not self._idle.empty():
            self._idle.get_nowait().close()
        self._idle = None


def too_complex() -> dict[str, Any]:
    """The reply that stands for a job lost on its document (out of time or memory): refused, not failed."""
    exc = PdfRejected("too_complex", TOO_COMPLEX)
    return {"ok": False, "kind": "pdf_rejected", "code": exc.code, "message": exc.message}


def result_of(reply: dict[str, Any]) -> dict[str, Any]:
    """A worker's reply as the caller sees it: the result, or the error it stands for."""
    if reply["ok"]:
        result: dict[str, Any] = reply["result"]
        return result
    if reply["kind"] == "pdf_rejected":
        raise PdfRejected(reply["code"], reply["message"])
    if reply["kind"] == "signature_invalid":
        raise SignatureValueInvalid(reply["message"])
    log.error("pdf worker failed: %s\n%s", reply["message"], reply.get("trace", ""))
    raise PdfWorkerError("PDF 处理失败")


class SigningPool:
    """``workers``: the signing lane's size (0: everything in-process); ``bulk_workers``: the bulk lane's
    (default: as many as the signing lane); ``nice``, ``bulk_nice``: how much lower each lane's workers
    are scheduled than this process."""

    def __init__(self, workers: int, timeout: float = DEFAULT_TIMEOUT,
                 command: Sequence[str] = WORKER_COMMAND, *, bulk_workers: int | None = None,
                 bulk_timeout: float = DEFAULT_BULK_TIMEOUT, memory_bytes: int | None = DEFAULT_MEMORY_BYTES,
                 blob_root: Path | None = None, nice: int = 0, bulk_nice: int = 0) -> None:
        self.size = workers
        self.timeout = timeout
        command = tuple(command)
        if command == WORKER_COMMAND:
            if memory_bytes:
                command += ("--memory-bytes", str(memory_bytes))
            if blob_root is not None:
                command += ("--blob-root", str(blob_root))
        self.command = command
        # In-process (workers=0): the same documents cache a worker keeps.
        self.documents = pdf_worker.Documents(FileBlobStore(blob_root) if blob_root is not None else None)
        bulk = workers if bulk_workers is None else bulk_workers
        self.lanes = {SIGNING: _Lane(workers, timeout, command, nice),
                      BULK: _Lane(max(1, bulk) if workers else 0, min(bulk_timeout, timeout), command, bulk_nice)}

    def start(self) -> None:
        """Start the workers now (``serve`` does, so the first signature does not pay for it)."""
        for lane in self.lanes.values():
            lane.start()

    def request(self, op: str, **fields: Any) -> dict[str, Any]:
        """One PDF job, timed per op and tagged with the current request id (the worker logs it)."""
        with PDF_WORKER_SECONDS.labels(op=op).time():
            return self._request(op, request_id=current_request_id(), **fields)

    def _request(self, op: str, **fields: Any) -> dict[str, Any]:
        return result_of(self.reply({"op": op, **fields}))

    def reply(self, req: dict[str, Any]) -> dict[str, Any]:
        """The worker's reply to one request, as data (a task-queue worker passes it on as it is)."""
        if self.size == 0:
            return pdf_worker.handle(req, self.documents)
        op = req["op"]
        try:
            return self.lanes[lane_of(op)].call(req)
        except PdfWorkerError as exc:
            if op in DOCUMENT_OPS:
                log.warning("pdf worker lost on %s: %s", op, exc)
                return too_complex()
            raise

    def worker_pids(self) -> list[int]:
        """The idle workers' process ids (benchmarks read their CPU time)."""
        return [pid for lane in self.lanes.values() for pid in lane.pids()]

    def close(self) -> None:
        for lane in self.lanes.values():
            lane.close()
