"""Issue 8: /healthz, /readyz (each check can fail and says why) and who may read /metrics."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from signer.ca.service import CertificateAuthority
from signer.core.db import Database
from signer.core.secretbox import SecretBox
from signer.signing.signing_pool import SigningPool
from signer.signing.stamp_fonts import ensure_stamp_fonts
from tests.lifecycle_helpers import lifecycle_app


@pytest.fixture
def app_services(tmp_path: Path):
    app, services = lifecycle_app(tmp_path, f"sqlite:///{tmp_path / 'signer.db'}")
    if not ensure_stamp_fonts(services.config):
        pytest.skip("no CJK source font installed (fonts-noto-cjk)")
    yield app, services
    services.db.dispose()


def test_healthz_answers_without_login(app_services):
    app, _ = app_services
    resp = app.test_client().get("/healthz")
    assert resp.status_code == 200 and resp.get_json() == {"status": "ok"}


def test_readyz_reports_every_check_ok(app_services):
    app, _ = app_services
    resp = app.test_client().get("/readyz")
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"database", "pdf_workers", "ca_keys", "stamp_fonts"}  # no Redis configured
    assert all(c == {"ok": True} for c in body["checks"].values())


def _failed(app) -> dict:
    resp = app.test_client().get("/readyz")
    assert resp.status_code == 503
    body = resp.get_json()
    assert body["status"] == "not_ready"
    return {name: check for name, check in body["checks"].items() if not check["ok"]}


def test_readyz_503_when_the_database_does_not_answer(app_services):
    app, services = app_services
    services.db = Database("postgresql+psycopg://nobody@127.0.0.1:9/none")
    failed = _failed(app)
    assert list(failed) == ["database"] and failed["database"]["reason"]


def test_readyz_checks_redis_only_when_configured_and_503_when_it_is_down(app_services):
    app, services = app_services
    services.config.redis_url = "redis://127.0.0.1:9/0"
    failed = _failed(app)
    assert list(failed) == ["redis"] and "Connection" in failed["redis"]["reason"]


def test_readyz_redis_ok_when_it_answers(app_services, redis_url):
    app, services = app_services
    services.config.redis_url = redis_url
    resp = app.test_client().get("/readyz")
    assert resp.status_code == 200 and resp.get_json()["checks"]["redis"] == {"ok": True}


def test_readyz_503_when_pdf_workers_do_not_answer(app_services):
    app, services = app_services
    services.pool = SigningPool(1, timeout=0.5, command=(sys.executable, "-c", "import time; time.sleep(600)"))
    try:
        failed = _failed(app)
    finally:
        services.pool.close()
    assert list(failed) == ["pdf_workers"] and "no answer" in failed["pdf_workers"]["reason"]


def test_readyz_503_when_ca_keys_cannot_be_decrypted(app_services):
    app, services = app_services
    wrong_master_key = SecretBox(b"\x01" * 32)
    services.ca = CertificateAuthority(services.db, wrong_master_key, services.config.base_url)
    failed = _failed(app)
    assert list(failed) == ["ca_keys"]


def test_readyz_503_when_stamp_fonts_are_not_prepared(app_services, tmp_path):
    app, services = app_services
    services.config.font_dir_override = str(tmp_path / "no-fonts")
    failed = _failed(app)
    assert list(failed) == ["stamp_fonts"] and "signer init" in failed["stamp_fonts"]["reason"]


def test_probes_need_no_login_and_carry_a_request_id(app_services):
    app, _ = app_services
    resp = app.test_client().get("/healthz", headers={"X-Request-ID": "lb-check-42"})
    assert resp.headers["X-Request-ID"] == "lb-check-42"
    resp = app.test_client().get("/healthz", headers={"X-Request-ID": "<script>" + "x" * 100})
    assert resp.headers["X-Request-ID"].isalnum() and len(resp.headers["X-Request-ID"]) == 16


def test_metrics_answer_loopback_only(app_services):
    app, _ = app_services
    client = app.test_client()
    resp = client.get("/metrics")
    assert resp.status_code == 200 and b"signer_signing_sessions" in resp.data
    assert resp.headers["Content-Type"].startswith("text/plain")
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code == 404
    # a reverse proxy on this host forwards outside clients from 127.0.0.1: not local
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 404


def test_metrics_allow_configured_networks(app_services, monkeypatch):
    app, _ = app_services
    monkeypatch.setenv("SIGNER_METRICS_ALLOW", "10.0.0.0/8, 192.0.2.5")
    client = app.test_client()
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.5"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.6"}).status_code == 404


def test_metrics_allow_the_configured_bearer_token(app_services, monkeypatch):
    app, _ = app_services
    monkeypatch.setenv("SIGNER_METRICS_TOKEN", "scrape-token-1")
    client = app.test_client()
    outside = {"REMOTE_ADDR": "203.0.113.7"}
    assert client.get("/metrics", environ_base=outside,
                      headers={"Authorization": "Bearer scrape-token-1"}).status_code == 200
    assert client.get("/metrics", environ_base=outside,
                      headers={"Authorization": "Bearer wrong"}).status_code == 404
    assert client.get("/metrics", environ_base=outside).status_code == 404
