"""Issue 8 on a live server: probes and metrics over the network, and the log of a whole signing run is
JSON lines with request ids and no secret in any of them."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from mobile import AppClient, AppError
from mobile.client import decode_qr_image
from signer.cli_demo import DEMO_PASSWORD, SIGNING_PASSWORD, LiveServer, PcClient
from signer.demo.samples import sample_pdf


def _spy_on_phone(phone: AppClient, seen: list[Any]) -> None:
    """Keep every answer the phone receives (HTTP and socket acknowledgements): its secrets come from there."""
    phone.http.hooks["response"].append(lambda resp, *a, **k: seen.append(resp.text))
    call = phone._call

    def spying(event: str, data: dict[str, Any]) -> dict[str, Any]:
        result = call(event, data)
        seen.append(json.dumps(result))
        return result

    vars(phone)["_call"] = spying  # an instance attribute in front of the method


def _secret_values(answers: list[str]) -> set[tuple[str, str]]:
    """``(key, value)`` of every ``token``, ``share`` and ``old_share`` in the phone's answers."""
    found: set[tuple[str, str]] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("token", "share", "old_share") and isinstance(value, str) and value:
                    found.add((key, value))
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for text in answers:
        try:
            walk(json.loads(text))
        except ValueError:
            continue
    return found


def _metrics(url: str) -> dict[tuple[str, tuple], float]:
    resp = requests.get(f"{url}/metrics", timeout=10)
    assert resp.status_code == 200
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for fam in text_string_to_metric_families(resp.text) for s in fam.samples}


def test_probes_and_metrics_on_a_live_server(live_server: LiveServer):
    ready = requests.get(f"{live_server.url}/readyz", timeout=30)
    assert ready.status_code == 200, ready.text
    assert {name for name, check in ready.json()["checks"].items() if check["ok"]} == {
        "database", "pdf_workers", "ca_keys", "stamp_fonts"}
    alive = requests.get(f"{live_server.url}/healthz", headers={"X-Request-ID": "probe-1"}, timeout=10)
    assert alive.status_code == 200 and alive.headers["X-Request-ID"] == "probe-1"
    assert ("signer_signing_sessions", (("status", "signed"),)) in _metrics(live_server.url)


def test_a_full_run_logs_json_lines_with_request_ids_and_no_secret(live_server: LiveServer, pc: PcClient,
                                                                 tmp_path):
    phone = AppClient(live_server.url, tmp_path / "phone")
    answers: list[Any] = []
    _spy_on_phone(phone, answers)
    phone.login("operator1", DEMO_PASSWORD)
    pending = [c for c in phone.certificates() if c["status"] == "pending_download"]
    phone.download_certificate(pending[0]["id"], SIGNING_PASSWORD)
    created = pc.create_session(sample_pdf("Ops contract"), "运维合同")
    assert created.status_code == 201, created.text
    session_id = created.json()["id"]
    assert pc.join(session_id)["status"] == "waiting"
    qr_png = tmp_path / "qr.png"
    pc.wait_frame()  # frames flow; the phone reads the server's image of the current one
    qr_png.write_bytes(pc.qr_png(session_id))
    phone.scan(decode_qr_image(qr_png))
    with pytest.raises(AppError) as wrong:
        phone.approve("Wrong#pass1")
    assert wrong.value.code == "wrong_password"
    phone.approve(SIGNING_PASSWORD)
    pc.wait_status("signed")
    assert pc.download(session_id).status_code == 200
    metrics = _metrics(live_server.url)
    assert metrics[("signer_signing_sessions", (("status", "signed"),))] == 1
    assert metrics[("signer_audit_events_total", (("action", "keystore:wrong-password"),))] == 1
    assert metrics.get(("signer_pdf_worker_seconds_count", (("op", "finish_round"),)), 0) >= 1
    live_server.stop()  # flush everything the server and its workers wrote

    secrets = {
        "demo password": DEMO_PASSWORD,
        "signing password": SIGNING_PASSWORD,
        "wrong signing password": "Wrong#pass1",
        "csrf token": pc.csrf,
        **{f"cookie {c.name}": c.value for c in pc.http.cookies},
        **{f"phone {key} {value[:4]}…": value for key, value in _secret_values(answers)},
    }
    assert any(name.startswith("cookie sb_") for name in secrets)  # the binding token
    assert "cookie session" in secrets
    assert any(name.startswith("phone token") for name in secrets)  # the APP bearer token
    assert any(name.startswith("phone share") for name in secrets)  # the keystore share (download, signing)
    text = live_server.log_path.read_text()
    for name, value in secrets.items():
        assert value not in text, f"{name} appears in the server log"
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]  # every line is one JSON object
    requests_logged = [rec for rec in lines if rec["logger"] == "signer.request"]
    socket_events = [rec for rec in lines if rec.get("event") in ("scan", "approve", "sign_round")]
    pdf_jobs = [rec for rec in lines if rec["logger"] == "pdfsign.worker"]
    assert requests_logged and socket_events and pdf_jobs
    assert all(rec["request_id"] for rec in requests_logged + socket_events + pdf_jobs)
    # the worker's jobs carry the id of the socket event (or request) that asked for them
    known = {rec["request_id"] for rec in requests_logged + socket_events}
    assert {rec["request_id"] for rec in pdf_jobs} <= known
    assert {rec["request_id"] for rec in pdf_jobs if rec["op"] == "finish_round"} & \
        {rec["request_id"] for rec in socket_events if rec["event"] in ("approve", "sign_round")}
