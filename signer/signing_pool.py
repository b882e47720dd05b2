"""Runs pyHanko in worker processes (pdfsign.worker) so PDF work never stalls the socket event loop.

Under gevent, ``subprocess`` and ``queue`` are cooperative: a greenlet waiting for a worker's reply
yields to the loop. With ``workers=0`` the same requests are handled in-process (CLI, unit tests).
"""

from __future__ import annotations

import logging
import queue
import select
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

from pdfsign import worker as pdf_worker
from pdfsign.errors import PdfRejected, SignatureValueInvalid

from .logging_setup import current_request_id
from .metrics import PDF_WORKER_SECONDS, PDF_WORKER_WAITING

log = logging.getLogger(__name__)


class PdfWorkerError(RuntimeError):
    pass


WORKER_COMMAND = (sys.executable, "-m", "signer.pdf_worker")
DEFAULT_TIMEOUT = 120.0


class _Process:
    def __init__(self, command: Sequence[str] = WORKER_COMMAND) -> None:
        self.proc = subprocess.Popen(list(command), stdin=subprocess.PIPE, stdout=subprocess.PIPE)  # noqa: S603 - our command

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


class SigningPool:
    def __init__(self, workers: int, timeout: float = DEFAULT_TIMEOUT,
                 command: Sequence[str] = WORKER_COMMAND) -> None:
        self.size = workers
        self.timeout = timeout
        self.command = tuple(command)
        self._idle: queue.Queue[_Process] | None = None

    def start(self) -> None:
        """Start the workers now (``serve`` does, so the first signature does not pay for it)."""
        if self._idle is None and self.size > 0:
            self._idle = queue.Queue()
            for _ in range(self.size):
                self._idle.put(_Process(self.command))

    def _checkout(self) -> _Process:
        self.start()
        assert self._idle is not None
        with PDF_WORKER_WAITING.track_inprogress():
            return self._idle.get()

    def request(self, op: str, **fields: Any) -> dict[str, Any]:
        """One PDF job, timed per op and tagged with the current request id (the worker logs it)."""
        with PDF_WORKER_SECONDS.labels(op=op).time():
            return self._request(op, request_id=current_request_id(), **fields)

    def _request(self, op: str, **fields: Any) -> dict[str, Any]:
        req = {"op": op, **fields}
        if self.size == 0:
            reply = pdf_worker.handle(req)
        else:
            proc = self._checkout()
            try:
                reply = proc.call(req, self.timeout)
            except (OSError, PdfWorkerError):
                proc.close()
                proc = _Process(self.command)  # replace the broken worker
                raise
            finally:
                assert self._idle is not None
                self._idle.put(proc if proc.alive() else _Process(self.command))
        if reply["ok"]:
            return reply["result"]
        if reply["kind"] == "pdf_rejected":
            raise PdfRejected(reply["code"], reply["message"])
        if reply["kind"] == "signature_invalid":
            raise SignatureValueInvalid(reply["message"])
        log.error("pdf worker failed: %s\n%s", reply["message"], reply.get("trace", ""))
        raise PdfWorkerError("PDF 处理失败")

    def close(self) -> None:
        if self._idle is None:
            return
        while not self._idle.empty():
            self._idle.get_nowait().close()
        self._idle = None
