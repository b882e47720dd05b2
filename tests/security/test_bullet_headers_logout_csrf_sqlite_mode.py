"""Issue 9, headers bullet: what a shared cache, a framing page or another local user could get at.

- ``Cache-Control: no-store`` on signed PDFs, invoices, attachments and the SMS outbox (and every API answer);
- the security headers on Socket.IO long-polling responses too (they bypass Flask's ``after_request``);
- ``POST /api/v1/auth/logout`` needs the CSRF token (tests/security/test_row5_logout_ends_session.py);
- the SQLite database file and its ``-wal``/``-shm`` are readable by the owner only.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from signer.app import SECURITY_HEADERS
from tests.lifecycle_helpers import ApiUser, lifecycle_app, scan_jpeg


@pytest.fixture
def api(tmp_path: Path):
    old = os.umask(0o022)  # the usual umask: files would be world-readable unless created owner-only
    try:
        app, services = lifecycle_app(tmp_path, f"sqlite:///{tmp_path / 'signer.db'}")
        yield app, services
    finally:
        os.umask(old)
    services.db.dispose()


def test_private_responses_are_not_stored_by_caches(api):
    app, _ = api
    operator, reviewer = ApiUser(app, "operator1"), ApiUser(app, "reviewer")
    upload = operator.upload("business_license", "licence.jpg", scan_jpeg())
    assert upload.status_code in (200, 201), upload.get_json()
    attachment = operator.get(f"/api/v1/uploads/{upload.get_json()['id']}")
    outbox = reviewer.get("/api/v1/review/sms-outbox")
    certificates = operator.get("/api/v1/certificates")
    for resp in (attachment, outbox, certificates):
        assert resp.status_code == 200
        assert "no-store" in resp.headers.get("Cache-Control", ""), (resp.request.path, resp.headers)


def test_socketio_polling_responses_carry_the_security_headers(api):
    app, _ = api
    operator = ApiUser(app, "operator1")
    resp = operator.get("/socket.io/?EIO=4&transport=polling")
    assert resp.status_code == 200 and resp.data.startswith(b"0{"), resp.data[:80]
    for name, value in SECURITY_HEADERS.items():
        assert resp.headers.get(name) == value, name
    assert "no-store" in resp.headers.get("Cache-Control", "")


def test_the_sqlite_database_is_owner_only(api, tmp_path):
    app, services = api
    ApiUser(app, "operator1")  # a few writes, so the WAL exists
    database = Path(services.db.write_engine.url.database)
    files = [p for p in (database, Path(f"{database}-wal"), Path(f"{database}-shm")) if p.exists()]
    assert database in files and len(files) == 3, files
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, (path, oct(path.stat().st_mode))
