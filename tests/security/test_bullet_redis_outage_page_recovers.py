"""Issue 9, Redis-outage bullet: the PC signing page learns that signing finished even when it misses the
socket event (the message queue was down for a few seconds, so the emit never reached the page).

The page's WebSocket is routed through the test: once the page shows its QR code, every message from the
server is dropped, so the socket stays connected but deaf, which is what an outage of Redis looks like from
the browser. The phone then scans and signs; the page must still reach 已签署 by itself, without a reload.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from mobile import AppClient
from mobile.client import decode_qr_image
from signer.cli_demo import DEMO_PASSWORD, SIGNING_PASSWORD
from signer.demo.samples import sample_pdf
from tests.browser.conftest import browser_page, login  # noqa: F401 - the Chromium fixture

SOCKET = re.compile(r"/socket\.io/")


def test_the_page_reaches_signed_although_the_socket_missed_every_event(live_server, browser_page, tmp_path):  # noqa: F811
    url, page = live_server.url, browser_page
    phone = AppClient(url, tmp_path / "phone")
    phone.login("operator1", DEMO_PASSWORD)
    phone.download_certificate(phone.certificates()[0]["id"], SIGNING_PASSWORD)

    deaf = {"on": False}

    def relay(ws):
        server = ws.connect_to_server()
        ws.on_message(lambda message: server.send(message))
        server.on_message(lambda message: None if deaf["on"] else ws.send(message))

    page.route_web_socket(SOCKET, relay)
    login(page, url)
    csrf = page.locator("meta[name=csrf-token]").get_attribute("content")
    created = page.request.post(f"{url}/api/v1/signing-sessions", headers={"X-CSRF-Token": csrf}, multipart={
        "file": {"name": "contract.pdf", "mimeType": "application/pdf", "buffer": sample_pdf("Outage test")},
        "title": "断线测试合同"})
    assert created.status == 201, created.text()
    session_id = created.json()["id"]

    page.goto(f"{url}/sign/{session_id}")
    expect(page.locator("#qr")).to_have_attribute("data-payload", re.compile(r"sign\?s="))  # live socket
    deaf["on"] = True  # from now on the page hears nothing over the socket

    qr_png = tmp_path / "qr.png"
    qr_png.write_bytes(page.request.get(f"{url}/api/v1/signing-sessions/{session_id}/qr.png").body())
    phone.scan(decode_qr_image(qr_png))
    phone.approve(SIGNING_PASSWORD)

    status = page.locator("#status")
    expect(status).to_have_attribute("data-status", "signed", timeout=60_000)
    expect(status).to_have_text("已签署")
    expect(page.locator("#download")).to_be_visible()


def test_the_page_reaches_signed_while_its_socket_is_gone(live_server, browser_page, tmp_path):  # noqa: F811
    """The socket is cut after the QR shows and cannot come back (WebSocket and polling refused)."""
    url, page = live_server.url, browser_page
    phone = AppClient(url, tmp_path / "phone")
    phone.login("operator1", DEMO_PASSWORD)
    phone.download_certificate(phone.certificates()[0]["id"], SIGNING_PASSWORD)

    sockets: list = []
    cut = {"on": False}

    def relay(ws):
        if cut["on"]:
            ws.close()
            return
        sockets.append(ws)
        ws.connect_to_server()

    page.route_web_socket(SOCKET, relay)
    login(page, url)
    csrf = page.locator("meta[name=csrf-token]").get_attribute("content")
    created = page.request.post(f"{url}/api/v1/signing-sessions", headers={"X-CSRF-Token": csrf}, multipart={
        "file": {"name": "contract.pdf", "mimeType": "application/pdf", "buffer": sample_pdf("Cut test")},
        "title": "断网测试合同"})
    session_id = created.json()["id"]
    page.goto(f"{url}/sign/{session_id}")
    expect(page.locator("#qr")).to_have_attribute("data-payload", re.compile(r"sign\?s="))

    cut["on"] = True
    page.route(SOCKET, lambda route: route.abort())  # the polling transport is refused too
    for ws in sockets:
        ws.close()

    qr_png = tmp_path / "qr.png"
    qr_png.write_bytes(page.request.get(f"{url}/api/v1/signing-sessions/{session_id}/qr.png").body())
    phone.scan(decode_qr_image(qr_png))
    phone.approve(SIGNING_PASSWORD)
    expect(page.locator("#status")).to_have_attribute("data-status", "signed", timeout=60_000)
