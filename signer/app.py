"""The composition root: configuration, database, services, blueprints and socket namespaces."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from flask_socketio import SocketIO

from signer import jobs, production
from signer.accounts.models import Enterprise
from signer.accounts.service import AccountService
from signer.applications.lifecycle import Lifecycle, build_lifecycle
from signer.business.service import BusinessService
from signer.business.webhooks import WebhookService
from signer.ca.service import CertificateAuthority
from signer.certificates.service import CertificateService
from signer.core.config import Config, load_secret
from signer.core.db import Database
from signer.core.logging_setup import configure_logging
from signer.core.secretbox import SecretBox
from signer.core.storage import FileBlobStore
from signer.seals.service import SealService
from signer.signing.drafts import DraftService
from signer.signing.pdf_queue import build_pool
from signer.signing.service import SigningService
from signer.signing.signing_pool import SigningPool
from signer.signing.verification import VerificationService


@dataclass
class Services:
    config: Config
    db: Database
    store: FileBlobStore
    ca: CertificateAuthority
    accounts: AccountService
    certificates: CertificateService
    signing: SigningService
    pool: SigningPool
    seals: SealService
    business: BusinessService
    webhooks: WebhookService
    lifecycle: Lifecycle

    @property
    def verification(self) -> VerificationService:
        return VerificationService(self.db, self.pool, self.ca, self.config)

    @property
    def drafts(self) -> DraftService:
        return DraftService(self.db, self.store, self.pool, self.signing, self.config)

    def enterprise_name(self, enterprise_id: int | None) -> str:
        if enterprise_id is None:
            return ""
        with self.db.read() as s:
            row = s.get(Enterprise, enterprise_id)
        return row.name if row else ""


def build_services(config: Config, notifier: Any) -> Services:
    """Everything the domain needs, without Flask (the CLI uses this too)."""
    config.instance_path.mkdir(parents=True, exist_ok=True)
    master_key = load_secret(config.instance_path, "master", "SIGNER_MASTER_KEY")
    db = Database(config.sqlalchemy_url, audit_key=load_secret(config.instance_path, "audit", "SIGNER_AUDIT_KEY"))
    store = FileBlobStore(config.blob_path)
    box = SecretBox(master_key)
    ca = CertificateAuthority(db, box, config.base_url)
    accounts = AccountService(db)
    certificates = CertificateService(db, ca, box)
    pool = build_pool(config, store)
    seals = SealService(db, store)
    signing = SigningService(db, store, pool, ca, certificates, notifier, config, seals)
    business = BusinessService(db, box, signing, config.webhook_allow_private)
    webhooks = WebhookService(db, box, config.base_url, config.webhook_allow_private,
                              backoff_scale=config.webhook_backoff_scale)
    lifecycle = build_lifecycle(config, db, store, ca, certificates, seals, pool, signing.font_paths)
    return Services(config, db, store, ca, accounts, certificates, signing, pool, seals, business, webhooks,
                    lifecycle)


def _async_mode() -> str:
    try:
        from gevent import monkey

        return "gevent" if monkey.is_module_patched("socket") else "threading"
    except ImportError:  # pragma: no cover
        return "threading"


SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; connect-src 'self'; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def create_app(config: Config | None = None) -> Flask:
    from api import errors as api_errors
    from api import request_id
    from api.registry import register_blueprints
    from api.security_headers import SecurityHeadersMiddleware
    from realtime.frames import FrameTicker
    from realtime.namespaces import AppNamespace, PcNamespace
    from realtime.notifier import SocketNotifier

    config = config or Config()
    configure_logging()
    production.enforce(config)  # before anything is created in the instance folder
    app = Flask("api", static_folder="static", template_folder="templates")
    app.config.update(
        SECRET_KEY=load_secret(config.instance_path, "flask", "SIGNER_SECRET_KEY"),
        SIGNER=config,
        MAX_CONTENT_LENGTH=config.max_pdf_bytes + 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
        JSON_AS_ASCII=False,
    )
    cast(DefaultJSONProvider, app.json).ensure_ascii = False
    socketio = SocketIO()
    app.extensions["socketio_server"] = socketio
    notifier = SocketNotifier(socketio)
    services = build_services(config, notifier)
    app.extensions["signer"] = services

    api_errors.register(app)
    request_id.install(app)
    register_blueprints(app)

    headers = {**SECURITY_HEADERS, "Cache-Control": "no-store"}  # nothing we serve is for shared caches
    if config.secure_cookies:
        headers["Strict-Transport-Security"] = "max-age=31536000"

    @app.after_request
    def _headers(resp):
        for key, value in headers.items():
            resp.headers.setdefault(key, value)
        return resp

    socketio.init_app(
        app,
        async_mode=_async_mode(),
        message_queue=config.redis_url or None,
        cors_allowed_origins=config.origins(),
        max_http_buffer_size=64 * 1024,
        logger=False,
        engineio_logger=False,
    )
    frames = FrameTicker(services.signing, socketio, notifier)
    app.extensions["qr_frames"] = frames
    socketio.on_namespace(PcNamespace(services, frames))
    socketio.on_namespace(AppNamespace(services))
    # also Socket.IO polling responses; Flask documents replacing wsgi_app, but declares it a method
    app.wsgi_app = SecurityHeadersMiddleware(app.wsgi_app, headers)  # type: ignore[method-assign]
    return app


def start_background_tasks(app: Flask) -> None:
    app.extensions["signer"].pool.start()
    app.extensions["signer"].signing.fonts.start()  # pages serve at once; the first signature waits
    socketio: SocketIO = app.extensions["socketio_server"]
    socketio.start_background_task(jobs.run_forever, app.extensions["signer"], socketio.sleep)
