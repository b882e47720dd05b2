"""``signer demo``: the whole scan-to-sign loop against a real server on a free loopback port.

Also home of ``LiveServer`` and ``PcClient``, which the integration tests use the same way. This is tooling
around the server, not domain: it drives a server over HTTP and Socket.IO with the reference APP client
(``mobile/``), so like ``signer/cli.py`` (its only importer in ``signer/``) it stands outside the domain.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
import socketio

from signer.demo.samples import CONTRACT_NO, purchase_contract, sample_pdf

DEMO_PASSWORD = "Demo-Pass-2026"  # noqa: S105 - a throwaway instance's demo login, printed to the user
SIGNING_PASSWORD = "Qm7#signing"  # noqa: S105 - the demo phone's signing password


# The demo signs its 采购合同 with all three seals of the demo operator, at the long-term level, in a row
# under the contract's signature block: 公章, 法定代表人章, and the operator's 手写签名.
DEMO_SEALS = [{"seal": "company", "page": 1, "x": 60, "y": 60, "width": 150, "height": 110},
              {"seal": "legal_rep", "page": 1, "x": 225, "y": 60, "width": 150, "height": 110},
              {"seal": "handwritten", "page": 1, "x": 390, "y": 60, "width": 150, "height": 110}]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """``signer init`` + ``signer serve`` in a subprocess with its own instance folder.

    ``fonts``: init prepares the stamp fonts before serving (``--prepare-fonts``), so a signature never
    waits for them; False leaves them to ``serve``'s background preparation, as ``make run`` does.
    ``echo``: init's progress lines reach this console (the demo) instead of being captured.
    """

    def __init__(self, instance: Path, env: dict[str, str] | None = None, port: int | None = None,
                 init: bool = True, fonts: bool = True, echo: bool = False) -> None:
        self.instance = instance
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "SIGNER_INSTANCE": str(instance), "SIGNER_BASE_URL": self.url,
                    "SIGNER_DEMO_PASSWORD": DEMO_PASSWORD, **(env or {})}
        self.init = init
        self.fonts = fonts
        self.echo = echo
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = instance / f"server-{self.port}.log"

    def start(self, timeout: float = 60) -> LiveServer:
        self.instance.mkdir(parents=True, exist_ok=True)
        cli = [sys.executable, "-m", "signer.cli"]
        if self.init:
            subprocess.run([*cli, "init", *(["--prepare-fonts"] if self.fonts else [])], env=self.env,  # noqa: S603
                           check=True, capture_output=not self.echo)
        log = self.log_path.open("wb")
        self.proc = subprocess.Popen(  # noqa: S603
            [*cli, "serve", "--port", str(self.port)], env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text(errors='replace')[-3000:]}")
            try:
                if requests.get(f"{self.url}/login", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:  # not listening yet, or too busy starting to answer
                time.sleep(0.2)
        raise TimeoutError("server did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_queue_worker(instance: Path, env: dict[str, str], timeout: float = 120) -> subprocess.Popen[bytes]:
    """``signer pdf-worker`` with its own instance folder (as on another machine), once it says it is ready.

    Its output goes to ``<instance>/pdf-worker.log``. Raises ``RuntimeError`` if it exits or stays silent.
    """
    instance.mkdir(parents=True, exist_ok=True)
    log_path = instance / "pdf-worker.log"
    proc = subprocess.Popen([sys.executable, "-m", "signer.cli", "pdf-worker"],
                            env={**os.environ, "SIGNER_INSTANCE": str(instance), **env},
                            stdout=log_path.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"pdf worker exited: {log_path.read_text(errors='replace')[-3000:]}")
        if b"pdf queue worker ready" in log_path.read_bytes():
            return proc
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("pdf queue worker did not start")


class PcClient:
    """What the PC browser does, over HTTP and the ``/pc`` namespace."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = requests.Session()
        self.csrf = ""
        self.frames: list[dict[str, Any]] = []
        self.states: list[dict[str, Any]] = []
        self._changed = threading.Condition()
        self.sio: socketio.Client | None = None

    def login(self, username: str, password: str) -> dict[str, Any]:
        resp = self.http.post(f"{self.url}/api/v1/auth/login", json={"username": username, "password": password},
                              timeout=30)
        resp.raise_for_status()
        body = resp.json()
        self.csrf = body["csrf_token"]
        return body

    def create_session(self, pdf: bytes, title: str, placements: list[dict[str, Any]] | None = None,
                       **form: Any) -> requests.Response:
        data = {"title": title, **form}
        if placements is not None:
            data["placements"] = json.dumps(placements)
        return self.http.post(f"{self.url}/api/v1/signing-sessions", files={"file": ("doc.pdf", pdf,
                              "application/pdf")}, data=data, headers={"X-CSRF-Token": self.csrf}, timeout=60)

    def _cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)

    def join(self, session_id: str) -> dict[str, Any]:
        """Connect the page's socket and join the session; frames and states are collected."""
        client = socketio.Client(reconnection=False)

        @client.on("qr", namespace="/pc")
        def _qr(frame: dict[str, Any]) -> None:
            with self._changed:
                self.frames.append(frame)
                self._changed.notify_all()

        @client.on("status", namespace="/pc")
        def _status(state: dict[str, Any]) -> None:
            with self._changed:
                self.states.append(state)
                self._changed.notify_all()

        client.connect(self.url, namespaces=["/pc"], transports=["websocket"],
                       headers={"Cookie": self._cookie_header()}, wait_timeout=10)
        self.sio = client
        reply = client.call("join", {"session_id": session_id}, namespace="/pc", timeout=30)
        if not reply.get("ok"):
            raise RuntimeError(f"join refused: {reply}")
        with self._changed:
            self.states.append(reply["result"])
        return reply["result"]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 30) -> bool:
        with self._changed:
            return self._changed.wait_for(predicate, timeout)

    def shown_frame(self, timeout: float = 10) -> dict[str, Any]:
        """The frame the page shows now (the join sends one at once; waits only until the first arrives)."""
        if not self.wait_for(lambda: bool(self.frames), timeout):
            raise TimeoutError("no QR frame")
        return self.frames[-1]

    def wait_frame(self, timeout: float = 10) -> dict[str, Any]:
        """The next frame (the page's frames change every QR step)."""
        count = len(self.frames)
        if not self.wait_for(lambda: len(self.frames) > count, timeout):
            raise TimeoutError("no QR frame")
        return self.frames[-1]

    def wait_status(self, status: str, timeout: float = 60) -> dict[str, Any]:
        if not self.wait_for(lambda: any(s["status"] == status for s in self.states), timeout):
            raise TimeoutError(f"status {status} not reached; saw {[s['status'] for s in self.states]}")
        return next(s for s in self.states if s["status"] == status)

    def qr_png(self, session_id: str) -> bytes:
        """The current frame as the server's PNG (frames carry only their text; the page draws it)."""
        resp = self.http.get(f"{self.url}/api/v1/signing-sessions/{session_id}/qr.png", timeout=30)
        resp.raise_for_status()
        return resp.content

    def download(self, session_id: str) -> requests.Response:
        return self.http.get(f"{self.url}/api/v1/signing-sessions/{session_id}/signed.pdf", timeout=30)

    def close(self) -> None:
        if self.sio is not None:
            self.sio.disconnect()


def demo_document() -> tuple[bytes, str]:
    """The demo's 采购合同 in the prepared stamp font (shared by every instance on this machine).

    Without fonts-noto-cjk there is no Chinese font: the demo then signs the small English sample.
    """
    from signer.core.config import Config
    from signer.signing.stamp_fonts import prepared_paths

    fonts = prepared_paths(Config())
    if not fonts:
        print("no CJK font (install fonts-noto-cjk): the demo signs an English sample instead", flush=True)
        return sample_pdf(f"Purchase contract {CONTRACT_NO}"), f"Purchase contract {CONTRACT_NO}"
    return purchase_contract(fonts), f"采购合同 {CONTRACT_NO}"


def run_demo(out: Path, keep_server: bool = False) -> int:
    from mobile import AppClient
    from mobile.client import decode_qr_image
    from pdfsign.validate import all_valid, validate_pdf

    out.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="signer-demo-"))
    phases: dict[str, float] = {}
    t0 = time.perf_counter()

    def mark(name: str, since: float) -> float:
        now = time.perf_counter()
        phases[name] = round((now - since) * 1000, 1)
        return now

    print("… a fresh server: signer init (demo data, seal fonts once per machine), then signer serve", flush=True)
    server = LiveServer(workdir / "instance", echo=True)
    try:
        server.start()
        t = mark("server_start_ms", t0)
        contract, title = demo_document()
        (out / "contract.pdf").write_bytes(contract)
        pc = PcClient(server.url)
        pc.login("admin", DEMO_PASSWORD)
        created = pc.create_session(contract, title, DEMO_SEALS, pades_level="B-LTA")
        created.raise_for_status()
        session_id = created.json()["id"]
        pc.join(session_id)
        pc.shown_frame()
        (out / "qr.png").write_bytes(pc.qr_png(session_id))
        t = mark("create_session_ms", t)

        phone = AppClient(server.url, workdir / "phone")
        phone.login("operator1", DEMO_PASSWORD)
        cert_id = next(c["id"] for c in phone.certificates() if c["status"] == "pending_download")
        phone.download_certificate(cert_id, SIGNING_PASSWORD)
        t = mark("download_certificate_ms", t)

        payload = decode_qr_image(out / "qr.png")
        scan = phone.scan(payload)
        pc.wait_status("scanned")
        t = mark("scan_ms", t)
        phone.approve(SIGNING_PASSWORD)
        state = pc.wait_status("signed")
        t = mark("approve_and_sign_ms", t)

        resp = pc.download(session_id)
        resp.raise_for_status()
        signed = resp.content
        (out / "signed.pdf").write_bytes(signed)
        root_pem = requests.get(f"{server.url}/pki/root.pem", timeout=10).content
        (out / "root-ca.pem").write_bytes(root_pem)
        pc.close()

        from cryptography import x509
        from cryptography.hazmat.primitives import serialization

        root_der = x509.load_pem_x509_certificate(root_pem).public_bytes(serialization.Encoding.DER)
        reports = validate_pdf(signed, [root_der])
        mark("validate_ms", t)
        phases["total_ms"] = round((time.perf_counter() - t0) * 1000, 1)
        summary = {
            "document": title,
            "session_id": session_id,
            "status": state["status"],
            "signer_dn": scan["certificate"]["subject"],
            "serial": scan["certificate"]["serial"],
            "confirmation_code": scan["confirmation_code"],
            "document_sha256": scan["document_sha256"],
            "signatures": [
                {"field": r.field_name, "intact": r.intact, "valid": r.valid, "trusted": r.trusted,
                 "signer": r.signer_subject, "serial": r.serial} for r in reports
            ],
            "phases_ms": phases,
        }
        (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2))
        ok = bool(reports) and all_valid(reports)
        print(json.dumps(summary, ensure_ascii=False, indent=2))
        print("signed.pdf validates: " + ("yes" if ok else "NO"))
        return 0 if ok else 1
    finally:
        server.stop()
        if not keep_server:
            shutil.rmtree(workdir, ignore_errors=True)
