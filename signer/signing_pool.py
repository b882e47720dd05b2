"""Runs pyHanko in worker processes (pdfsign.worker) so PDF work never stalls the socket event loop.

Under gevent, ``subprocess`` and ``queue`` are cooperative: a greenlet waiting for a worker's reply
yields to the loop. With ``workers=0`` the same requests are handled in-process (CLI, unit tests).
"""

from __future__ import annotations

import logging
import queue
import subprocess
import sys
from typing import Any

from pdfsign import worker as pdf_worker
from pdfsign.errors import PdfRejected, SignatureValueInvalid

log = logging.getLogger(__name__)


class PdfWorkerError(RuntimeError):
    pass


class _Process:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pdfsign.worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        )

    def call(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        pdf_worker.write_message(self.proc.stdin, request)
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
    def __init__(self, workers: int) -> None:
        self.size = workers
        self._idle: queue.Queue[_Process] | None = None

    def start(self) -> None:
        """Start the workers now (``serve`` does, so the first signature does not pay for it)."""
        if self._idle is None and self.size > 0:
            self._idle = queue.Queue()
            for _ in range(self.size):
                self._idle.put(_Process())

    def _checkout(self) -> _Process:
        self.start()
        assert self._idle is not None
        return self._idle.get()

    def request(self, op: str, **fields: Any) -> dict[str, Any]:
        req = {"op": op, **fields}
        if self.size == 0:
            reply = pdf_worker.handle(req)
        else:
            proc = self._checkout()
            try:
                reply = proc.call(req)
            except (OSError, PdfWorkerError):
                proc.close()
                proc = _Process()  # replace the broken worker
                raise
            finally:
                assert self._idle is not None
                self._idle.put(proc if proc.alive() else _Process())
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
