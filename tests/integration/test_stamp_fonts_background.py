"""Issue 11 item 11: on a machine without prepared stamp fonts, ``signer serve`` answers pages at once and
prepares the fonts in the background, saying so; ``/readyz`` passes with the fonts ``preparing``; and a
signature made meanwhile waits for them and completes with the Chinese stamp.

The preparation is held deterministically, without timing: the test holds the lock file that processes
preparing the same font folder take turns on, as a second server on the machine would.
"""

from __future__ import annotations

import fcntl
import threading
from pathlib import Path
from typing import Any

import requests

from mobile import AppClient
from mobile.client import decode_qr_image
from pdfsign.fonts import LOCK_NAME, find_source_font
from signer.cli_demo import DEMO_PASSWORD, SIGNING_PASSWORD, LiveServer, PcClient
from signer.demo.samples import sample_pdf
from tests.needs import missing
from tests.pdf_appearances import appearances


def _stamp_fonts_check(url: str) -> dict[str, Any]:
    resp = requests.get(f"{url}/readyz", timeout=30)
    assert resp.status_code == 200, resp.text  # pages are served: fonts in preparation fail nothing
    return resp.json()["checks"]["stamp_fonts"]


def test_pages_answer_while_fonts_are_prepared_and_the_first_signature_waits_for_them(tmp_path: Path):
    if find_source_font() is None:
        missing("the CJK stamp font (Debian package fonts-noto-cjk)")
    font_dir = tmp_path / "empty-font-cache"
    font_dir.mkdir()
    lock = (font_dir / LOCK_NAME).open("a+b")
    fcntl.flock(lock, fcntl.LOCK_EX)  # another process is preparing these fonts: the server's child waits
    server = LiveServer(tmp_path / "instance", env={"SIGNER_FONT_DIR": str(font_dir)}, fonts=False)
    try:
        server.start()  # returns once /login answers 200
        page = requests.get(f"{server.url}/login", timeout=30)
        assert page.status_code == 200 and "登录" in page.text
        check = _stamp_fonts_check(server.url)
        assert check["ok"] is True and check["state"] == "preparing", check
        assert "首个签章将等待" in check["reason"]
        log = server.log_path.read_text(errors="replace")
        assert "preparing the seal fonts" in log and "in the background" in log

        pc = PcClient(server.url)
        pc.login("admin", DEMO_PASSWORD)
        phone = AppClient(server.url, tmp_path / "phone", timeout=900)  # approval answers once fonts are ready
        phone.login("operator1", DEMO_PASSWORD)
        pending = next(c for c in phone.certificates() if c["status"] == "pending_download")
        phone.download_certificate(pending["id"], SIGNING_PASSWORD)
        created = pc.create_session(sample_pdf("Contract"), "采购合同", [
            {"seal": "company", "page": 1, "x": 60, "y": 60, "width": 150, "height": 110}])
        assert created.status_code == 201, created.text
        session_id = created.json()["id"]
        pc.join(session_id)
        qr = tmp_path / "qr.png"
        pc.wait_frame()  # frames flow; the phone reads the server's image of the current one
        qr.write_bytes(pc.qr_png(session_id))
        phone.scan(decode_qr_image(qr))
        pc.wait_status("scanned")

        outcome: dict[str, Any] = {}

        def approve() -> None:
            try:
                outcome["result"] = phone.approve(SIGNING_PASSWORD)
            except Exception as exc:  # reported by the assertion below
                outcome["error"] = exc

        approving = threading.Thread(target=approve)
        approving.start()
        pc.wait_status("signing")  # the signature has started and now waits for the fonts
        assert _stamp_fonts_check(server.url)["state"] == "preparing"

        fcntl.flock(lock, fcntl.LOCK_UN)  # the other process is done: the server's child prepares them
        approving.join(900)
        assert outcome.get("result", {}).get("status") == "signed", outcome
        assert pc.wait_status("signed", timeout=60)
        signed = pc.download(session_id)
        assert signed.status_code == 200
        fonts, _ = appearances(signed.content)
        assert any("NotoSansCJKsc-Regular" in f for f in fonts), fonts  # Chinese stamp, no ASCII fallback
        assert _stamp_fonts_check(server.url) == {"ok": True}
        log = server.log_path.read_text(errors="replace")  # the preparing child's progress lines
        for line in ("waiting for another process preparing the stamp fonts", "stamp fonts 1/3", "stamp fonts 3/3",
                     f"stamp fonts ready in {font_dir}"):
            assert line in log
        pc.close()
    finally:
        server.stop()
        lock.close()

