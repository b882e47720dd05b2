"""Issue 8: ``signer backup`` on instance A, ``signer restore`` into a new instance B, which then validates
A's signed PDF, revokes its certificate through the lifecycle and keeps the audit chain intact
(SQLite, and PostgreSQL with pg_dump / pg_restore)."""

from __future__ import annotations

import io
import os
import shutil
import stat
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from sqlalchemy import select

from signer import cli
from signer.app import build_services
from signer.applications.enums import ApplicationKind
from signer.applications.settings import LifecycleSettings
from signer.certificates.enums import CertificateStatus
from signer.certificates.models import Certificate
from signer.core import audit
from signer.core.config import Config
from signer.core.db import must_get
from signer.core.events import RecordingNotifier
from signer.core.models import AuditEvent
from signer.signing.models import SigningSession
from tests.conftest import _missing
from tests.lifecycle_helpers import IP, account, cert_form, lifecycle_services
from tests.unit.test_scan_to_sign_domain import new_session, payload_for, ready_phone

SETTINGS = {"sms_provider": "outbox", "sms_resend_seconds": 0, "sms_daily_per_phone": 1000,
            "sms_daily_per_ip": 1000}


@pytest.fixture(params=["sqlite", "postgres"])
def two_databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Database URLs of instance A and of the empty instance B ("" = SQLite in the instance folder)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'a' / 'signer.db'}", ""
        return
    a_url = request.getfixturevalue("postgres_url")
    if not shutil.which("pg_dump") or not shutil.which("pg_restore"):
        _missing("pg_dump / pg_restore (postgresql-client)")
    import psycopg

    base = os.environ["TEST_POSTGRES_URL"]
    name = f"signer_restore_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield a_url, base.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _cli(monkeypatch: pytest.MonkeyPatch, instance: Path, database_url: str, *argv: str) -> int:
    monkeypatch.setenv("SIGNER_INSTANCE", str(instance))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("SIGNER_MASTER_KEY", raising=False)
    return cli.main(list(argv))


def _sign_on_a(services) -> tuple[bytes, int]:
    phone = ready_phone(services)
    sid = new_session(services)
    view = services.signing.scan(phone.who, payload_for(services, sid), IP)
    approved = services.signing.approve(phone.who, sid, view["challenge"]["id"],
                                        phone.response(view["challenge"]["nonce"]), IP)
    assert phone.sign_all(sid, approved["round"], approved["share"])["status"] == "signed"
    with services.db.read() as s:
        signed = services.store.get(must_get(s, SigningSession, sid).signed_sha256)
    assert phone.cert_id is not None
    return signed, phone.cert_id


def test_backup_restore_into_a_new_instance(two_databases, tmp_path, monkeypatch, capsys):
    a_url, b_url = two_databases
    a = lifecycle_services(tmp_path / "a", a_url, seal_images=True)
    signed, cert_id = _sign_on_a(a)
    with a.db.read() as s:
        events_on_a = s.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1))
    a_instance = a.config.instance_path
    a.db.dispose()

    (a_instance / "audit-hmac.key").write_text("ab" * 32)  # a secret file some later version keeps there
    (a_instance / "server-1.log").write_text("a log line\n")
    archive = tmp_path / "backup.tar.gz"
    assert _cli(monkeypatch, a_instance, a.config.database_url, "backup", "--out", str(archive)) == 0
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600  # it holds the master key
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    assert {"manifest.json", "instance/master.key", "instance/sms.key", "instance/payment-sandbox.key",
            "instance/audit-hmac.key"} <= names
    assert any(n.startswith("blobs/") for n in names) and any(n.startswith("database/") for n in names)
    assert not any(n.endswith((".log", "-wal", "-shm")) or n == "instance/signer.db" for n in names)

    b_instance = tmp_path / "b" / "instance"
    assert _cli(monkeypatch, b_instance, b_url, "restore", str(archive)) == 0
    for path in b_instance.rglob("*"):
        if path.is_file():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    for name in ("master.key", "audit-hmac.key"):
        assert (b_instance / name).read_bytes() == (a_instance / name).read_bytes()

    config = Config(instance_path=b_instance, database_url=b_url, signing_workers=0, base_url=a.config.base_url,
                    lifecycle=LifecycleSettings(**SETTINGS))
    b = build_services(config, RecordingNotifier())
    try:
        report = b.verification.verify(signed, "10.9.9.9")  # K7 on the restored instance
        assert report["verdict"] == "valid", report
        admin = account(b, "admin")
        with b.db.read() as s:
            cert = s.get(Certificate, cert_id)
        app = b.lifecycle.applications.apply_for(
            admin, cert_id, ApplicationKind.REVOKE,
            cert_form(b, admin, ApplicationKind.REVOKE, cert, reason="key_compromise"), IP)
        assert app.result_certificate_id in (None, cert_id)
        with b.db.read() as s:
            assert s.get(Certificate, cert_id).status == CertificateStatus.REVOKED
            chain = audit.verify_chain(s)
            revoked = s.scalar(select(AuditEvent).where(AuditEvent.action == "certificate:revoke"))
        crl = x509.load_der_x509_crl(b.ca.crl_der())  # signed by the restored CA key
        assert crl.get_revoked_certificate_by_serial_number(int(cert.serial_hex, 16)) is not None
        assert chain.ok and chain.events > events_on_a, chain
        assert revoked is not None and revoked.seq > events_on_a  # the chain continued from A's head
    finally:
        b.db.dispose()
    capsys.readouterr()
    assert _cli(monkeypatch, b_instance, b_url, "verify-audit") == 0
    assert "audit chain intact" in capsys.readouterr().out


def test_restore_refuses_a_non_empty_instance_unless_forced(tmp_path, monkeypatch, capsys):
    a = lifecycle_services(tmp_path / "a", f"sqlite:///{tmp_path / 'a' / 'signer.db'}")
    a.db.dispose()
    archive = tmp_path / "backup.tar.gz"
    assert _cli(monkeypatch, a.config.instance_path, "", "backup", "--out", str(archive)) == 0
    target = tmp_path / "b"
    target.mkdir()
    (target / "master.key").write_text("00" * 32)
    capsys.readouterr()
    assert _cli(monkeypatch, target, "", "restore", str(archive)) == 1
    assert "--force" in capsys.readouterr().err
    assert (target / "master.key").read_text() == "00" * 32  # untouched
    assert _cli(monkeypatch, target, "", "restore", "--force", str(archive)) == 0
    assert (target / "master.key").read_bytes() == (a.config.instance_path / "master.key").read_bytes()


def test_restore_refuses_an_archive_whose_member_was_changed(tmp_path, monkeypatch, capsys):
    a = lifecycle_services(tmp_path / "a", f"sqlite:///{tmp_path / 'a' / 'signer.db'}")
    a.db.dispose()
    archive = tmp_path / "backup.tar.gz"
    assert _cli(monkeypatch, a.config.instance_path, "", "backup", "--out", str(archive)) == 0
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(tampered, "w:gz") as dst:
        for member in src:
            data = src.extractfile(member).read()
            if member.name == "instance/master.key":
                data = b"11" * 32
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    target = tmp_path / "b"
    capsys.readouterr()
    assert _cli(monkeypatch, target, "", "restore", str(tampered)) == 1
    assert "instance/master.key" in capsys.readouterr().err
    assert not (target / "master.key").exists() and not (target / "signer.db").exists()
