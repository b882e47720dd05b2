"""K6: tell the business system when its session ends, at least once, signed like a payment gateway.

The signing session is the source of truth: a sweep creates one delivery per terminal session that has
a webhook URL (a unique constraint makes concurrent sweeps agree), then sends due deliveries, each
claimed with a compare-and-set lease so that two processes never send the same attempt. Failures back
off exponentially; the receiver deduplicates by ``event_id``.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import time
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from signer.business.models import ApiClient, SessionSource, WebhookDelivery
from signer.core.db import Database, rowcount
from signer.core.errors import ValidationFailed
from signer.core.metrics import WEBHOOK_ATTEMPTS
from signer.core.models import utcnow
from signer.core.secretbox import SecretBox
from signer.signing.enums import TERMINAL_SESSION_STATUSES
from signer.signing.models import SigningSession

log = logging.getLogger(__name__)

BACKOFF_SECONDS = (10, 30, 120, 600, 1800, 3600, 3 * 3600, 6 * 3600)
LEASE = timedelta(seconds=60)
TIMEOUT_SECONDS = 10
SIGNATURE_HEADER = "X-Signer-Signature"
TIMESTAMP_HEADER = "X-Signer-Timestamp"
EVENT_HEADER = "X-Signer-Event-Id"


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    """``sha256=<hex HMAC over "<timestamp>.<body>">`` (the timestamp stops replays of old bodies)."""
    return "sha256=" + hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def check_url(url: str, allow_private: bool) -> str:
    """Only http(s) to a public address unless private targets are allowed (SSRF guard)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 500:
        raise ValidationFailed("回调地址必须是 http(s) URL", details={"webhook_url": ["无效"]})
    if allow_private:
        return url
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise ValidationFailed("回调地址无法解析", details={"webhook_url": ["无法解析"]}) from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise ValidationFailed("回调地址不能指向内网地址", details={"webhook_url": ["内网地址"]})
    return url


class WebhookService:
    def __init__(self, db: Database, box: SecretBox, base_url: str, allow_private: bool,
                 http: requests.Session | None = None, backoff_scale: float = 1.0) -> None:
        self.db = db
        self.backoff_scale = backoff_scale
        self.box = box
        self.base_url = base_url.rstrip("/")
        self.allow_private = allow_private
        self.http = http or requests.Session()

    def backoff(self, attempts: int) -> timedelta:
        return timedelta(seconds=BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS)) - 1] * self.backoff_scale)

    def webhook_secret(self, client: ApiClient) -> bytes:
        return self.box.open(client.webhook_secret_enc, "webhook-secret", client.key_id.encode())

    # -- outbox ---------------------------------------------------------------------------------
    def enqueue_due(self) -> int:
        """Create the delivery of every ended session that asked for one and has none yet."""
        with self.db.read() as s:
            rows = s.execute(
                select(SigningSession, SessionSource)
                .join(SessionSource, SessionSource.session_id == SigningSession.id)
                .outerjoin(WebhookDelivery, WebhookDelivery.session_id == SigningSession.id)
                .where(SigningSession.webhook_url.is_not(None),
                       SigningSession.status.in_(list(TERMINAL_SESSION_STATUSES)),
                       WebhookDelivery.id.is_(None))
                .limit(200)
            ).all()
        created = 0
        for session, source in rows:
            event = f"session.{session.status.value}"
            payload = {
                "event_id": str(uuid.uuid4()),
                "event": event,
                "occurred_at": (session.finished_at or utcnow()).isoformat(),
                "session": {
                    "id": session.id, "status": session.status.value, "title": session.title,
                    "external_ref": source.external_ref, "document_sha256": session.document_sha256,
                    "signed_sha256": session.signed_sha256, "failure": session.failure,
                    "signed_pdf_url": f"{self.base_url}/api/v1/business/signing-sessions/{session.id}/signed.pdf"
                    if session.signed_sha256 else None,
                },
            }
            try:
                with self.db.write() as s:
                    s.add(WebhookDelivery(event_id=payload["event_id"], session_id=session.id,
                                          api_client_id=source.api_client_id, event=event,
                                          url=session.webhook_url, payload=payload))
                created += 1
            except IntegrityError:
                continue  # another process enqueued it first
        return created

    # -- delivery -------------------------------------------------------------------------------
    def deliver_due(self, limit: int = 20) -> int:
        """Send what is due; returns how many were delivered now."""
        now = utcnow()
        with self.db.read() as s:
            ids = list(s.scalars(
                select(WebhookDelivery.id).where(
                    WebhookDelivery.delivered_at.is_(None), WebhookDelivery.gave_up_at.is_(None),
                    WebhookDelivery.next_attempt_at <= now,
                    or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until < now),
                ).order_by(WebhookDelivery.next_attempt_at).limit(limit)
            ))
        return sum(1 for delivery_id in ids if self._attempt(delivery_id))

    def _claim(self, delivery_id: int) -> WebhookDelivery | None:
        now = utcnow()
        with self.db.write() as s:
            claimed = rowcount(s.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == delivery_id, WebhookDelivery.delivered_at.is_(None),
                       or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until < now))
                .values(claimed_until=now + LEASE)
                .execution_options(synchronize_session=False)
            ))
            return s.get(WebhookDelivery, delivery_id) if claimed == 1 else None

    def _attempt(self, delivery_id: int) -> bool:
        delivery = self._claim(delivery_id)
        if delivery is None:
            return False
        with self.db.read() as s:
            client = s.get(ApiClient, delivery.api_client_id)
        assert client is not None  # a delivery belongs to its client (a foreign key)
        body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = str(int(time.time()))
        error: str | None = None
        try:
            check_url(delivery.url, self.allow_private)
            resp = self.http.post(delivery.url, data=body, timeout=TIMEOUT_SECONDS, allow_redirects=False, headers={
                "Content-Type": "application/json; charset=utf-8",
                EVENT_HEADER: delivery.event_id,
                TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: signature(self.webhook_secret(client), timestamp, body),
            })
            if not 200 <= resp.status_code < 300:
                error = f"HTTP {resp.status_code}"
        except (requests.RequestException, ValidationFailed) as exc:
            error = type(exc).__name__
        now = utcnow()
        with self.db.write() as s:
            if error is None:
                values: dict[str, Any] = {"delivered_at": now, "attempts": delivery.attempts + 1,
                                          "claimed_until": None, "last_error": None}
            else:
                attempts = delivery.attempts + 1
                values = {"attempts": attempts, "claimed_until": None, "last_error": error,
                          "next_attempt_at": now + self.backoff(attempts)}
                if attempts >= len(BACKOFF_SECONDS):
                    values["gave_up_at"] = now
                log.warning("webhook %s attempt %d failed: %s", delivery.event_id, attempts, error)
            WEBHOOK_ATTEMPTS.labels(outcome="failed" if error else "delivered").inc()
            s.execute(update(WebhookDelivery).where(and_(WebhookDelivery.id == delivery.id))
                      .values(**values).execution_options(synchronize_session=False))
        return error is None
