"""K1/K6 for business systems: API key, hand-off link to the browser, signed webhook at least once."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import requests

from signer.cli_demo import DEMO_PASSWORD, LiveServer, PcClient, free_port
from signer.demo.samples import sample_pdf
from tests.integration.test_scan_to_sign_live import SIGNING_PASSWORD, phone_with_certificate


class Receiver:
    """A business system's webhook endpoint on loopback; fails the first delivery on purpose."""

    def __init__(self, fail_first: int = 1) -> None:
        self.calls: list[dict] = []
        self.fail_first = fail_first
        self.got = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls.append({"headers": dict(self.headers), "body": body})
                status = 503 if len(receiver.calls) <= receiver.fail_first else 200
                self.send_response(status)
                self.end_headers()
                if status == 200:
                    receiver.got.set()

            def log_message(self, *args: object) -> None:
                return

        self.server = HTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/signer"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def business_server(tmp_path: Path):
    env = {"SIGNER_WEBHOOK_ALLOW_PRIVATE": "1", "SIGNER_WEBHOOK_BACKOFF_SCALE": "0.05", "SIGNER_QR_STEP": "1"}
    with LiveServer(tmp_path / "instance", env=env) as server:
        out = subprocess.run([sys.executable, "-m", "signer.cli", "create-api-client", "--enterprise-id", "1",
                              "--name", "询价交易"], env=server.env, capture_output=True, text=True, check=True)
        key_found = re.search(r"api key \(shown once\): (\S+)", out.stdout)
        secret_found = re.search(r"webhook secret \(shown once\): (\S+)", out.stdout)
        assert key_found is not None and secret_found is not None, out.stdout
        api_key, secret = key_found.group(1), secret_found.group(1)
        yield server, api_key, secret


def test_k6_business_request_handoff_and_signed_webhook_delivered_at_least_once(business_server, tmp_path):
    server, api_key, secret = business_server
    receiver = Receiver(fail_first=1)
    auth = {"Authorization": f"Bearer {api_key}"}
    created = requests.post(f"{server.url}/api/v1/business/signing-sessions", headers=auth, timeout=30,
                            files={"file": ("q.pdf", sample_pdf("RFQ 42"))},
                            data={"title": "询价单42", "webhook_url": receiver.url, "external_ref": "RFQ-42"})
    assert created.status_code == 201, created.text
    session_id = created.json()["session"]["id"]
    handoff = created.json()["handoff_url"]

    pc = PcClient(server.url)
    pc.login("admin", DEMO_PASSWORD)
    page = pc.http.get(handoff, timeout=10)  # the browser follows the link and lands on the QR page
    assert page.status_code == 200 and f"/sign/{session_id}" in page.url
    assert pc.http.get(handoff, timeout=10).status_code == 409  # single use
    phone = phone_with_certificate(server.url, tmp_path / "phone")
    pc.join(session_id)
    phone.scan(pc.shown_frame()["payload"])
    phone.approve(SIGNING_PASSWORD)
    pc.wait_status("signed")
    pc.close()

    assert receiver.got.wait(30), f"no successful delivery; calls: {len(receiver.calls)}"
    first, second = receiver.calls[0], receiver.calls[1]
    assert first["headers"]["X-Signer-Event-Id"] == second["headers"]["X-Signer-Event-Id"]  # a retry, same event
    body = second["body"]
    ts = second["headers"]["X-Signer-Timestamp"]
    expected = "sha256=" + hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(second["headers"]["X-Signer-Signature"], expected)
    event = json.loads(body)
    assert event["event"] == "session.signed" and event["session"]["external_ref"] == "RFQ-42"
    signed = requests.get(event["session"]["signed_pdf_url"], headers=auth, timeout=30)
    assert signed.status_code == 200 and signed.content.startswith(b"%PDF")
    assert hashlib.sha256(signed.content).hexdigest() == event["session"]["signed_sha256"]


def test_business_api_refuses_bad_keys_private_webhooks_and_other_clients_sessions(business_server, tmp_path):
    server, api_key, _ = business_server
    url = f"{server.url}/api/v1/business/signing-sessions"
    bad = requests.post(url, headers={"Authorization": f"Bearer {api_key}x"}, files={"file": ("q.pdf", sample_pdf())},
                        timeout=10)
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "bad_api_key"
    auth = {"Authorization": f"Bearer {api_key}"}
    not_url = requests.post(url, headers=auth, files={"file": ("q.pdf", sample_pdf())},
                            data={"webhook_url": "file:///etc/passwd"}, timeout=10)
    assert not_url.status_code == 400
    other = subprocess.run([sys.executable, "-m", "signer.cli", "create-api-client", "--enterprise-id", "1",
                            "--name", "电子招投标"], env=server.env, capture_output=True, text=True, check=True)
    other_key = re.search(r"api key \(shown once\): (\S+)", other.stdout).group(1)
    mine = requests.post(url, headers={"Authorization": f"Bearer {api_key}"}, files={"file": ("q.pdf", sample_pdf())},
                         timeout=30).json()["session"]["id"]
    peek = requests.get(f"{url}/{mine}", headers={"Authorization": f"Bearer {other_key}"}, timeout=10)
    assert peek.status_code == 404
    stranger = PcClient(server.url)  # a browser without the hand-off cannot see the API-created session
    stranger.login("admin", DEMO_PASSWORD)
    assert stranger.http.get(f"{server.url}/api/v1/signing-sessions/{mine}", timeout=10).status_code == 403


def test_private_webhook_targets_are_refused_by_default():
    from signer.business.webhooks import check_url
    from signer.core.errors import ValidationFailed

    for target in ("http://127.0.0.1:8080/x", "http://10.1.2.3/x", "http://[::1]/x", "http://169.254.169.254/"):
        with pytest.raises(ValidationFailed):
            check_url(target, allow_private=False)
    assert check_url("http://127.0.0.1:8080/x", allow_private=True)
