"""Business systems create signing sessions with an API key and hand the signing page to a browser.

Each API client acts through its own service account (role ``service``: it cannot log in, scan or sign),
so every session still has a creator and every audit event an actor.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update

from signer.accounts.enums import Role
from signer.accounts.models import Account, Enterprise
from signer.business.models import ApiClient, SessionHandoff, SessionSource
from signer.business.webhooks import check_url
from signer.core import audit
from signer.core.audit import Actor
from signer.core.audit_actions import AuditAction
from signer.core.db import Database, rowcount
from signer.core.errors import Conflict, ErrorCode, NotAuthenticated, NotFound
from signer.core.models import utcnow
from signer.core.secretbox import SecretBox
from signer.signing.enums import PadesLevel
from signer.signing.models import SigningSession
from signer.signing.service import PlacementRequest, SigningService

HANDOFF_LIFETIME = timedelta(minutes=10)
UNUSABLE_PASSWORD = "!"  # noqa: S105 - not a hash: verify_password never accepts it


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class NewClient:
    client: ApiClient
    api_key: str
    webhook_secret: str


@dataclass(frozen=True)
class CreatedSession:
    session_id: str
    handoff_token: str  # once, within HANDOFF_LIFETIME; the API turns it into the browser's link


class BusinessService:
    def __init__(self, db: Database, box: SecretBox, signing: SigningService, allow_private_webhooks: bool) -> None:
        self.db = db
        self.box = box
        self.signing = signing
        self.allow_private_webhooks = allow_private_webhooks

    def create_client(self, enterprise_id: int, name: str) -> NewClient:
        """Register a business system; the API key and webhook secret are shown once, here."""
        key_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        webhook_secret = secrets.token_urlsafe(32)
        with self.db.write() as s:
            if s.get(Enterprise, enterprise_id) is None:
                raise NotFound("企业不存在")
            client = ApiClient(enterprise_id=enterprise_id, name=name[:100], key_id=key_id,
                               secret_sha256=_sha256(secret),
                               webhook_secret_enc=self.box.seal(webhook_secret.encode(), "webhook-secret",
                                                                key_id.encode()))
            s.add(client)
            s.add(Account(enterprise_id=enterprise_id, username=f"api-{key_id}", display_name=name[:100],
                          role=Role.SERVICE, password_hash=UNUSABLE_PASSWORD))
            s.flush()
            audit.record(s, None, AuditAction.API_CLIENT_CREATE, "api_client", client.id,
                         {"name": name, "key_id": key_id})
        return NewClient(client, f"{key_id}.{secret}", webhook_secret)

    def authenticate(self, api_key: str | None) -> ApiClient:
        key_id, _, secret = (api_key or "").partition(".")
        with self.db.read() as s:
            client = s.scalar(select(ApiClient).where(ApiClient.key_id == key_id)) if key_id else None
        expected = client.secret_sha256 if client else _sha256("")
        if not hmac.compare_digest(_sha256(secret), expected) or client is None or not client.active:
            raise NotAuthenticated("API 密钥无效", code=ErrorCode.BAD_API_KEY)
        return client

    def service_account(self, client: ApiClient) -> Account:
        with self.db.read() as s:
            account = s.scalar(select(Account).where(Account.username == f"api-{client.key_id}"))
        if account is None:
            raise NotFound("API 客户端的服务账号不存在")
        return account

    def create_session(self, client: ApiClient, pdf: bytes, title: str, placements: list[PlacementRequest],
                       pades_level: PadesLevel, signer_account_id: int | None, webhook_url: str | None,
                       external_ref: str, ip: str, user_agent: str) -> CreatedSession:
        if webhook_url:
            check_url(webhook_url, self.allow_private_webhooks)
        row, binding_token = self.signing.create(self.service_account(client), pdf, title, placements, ip,
                                                 user_agent, allowed_account_id=signer_account_id,
                                                 pades_level=pades_level, webhook_url=webhook_url)
        handoff = secrets.token_urlsafe(32)
        with self.db.write() as s:
            s.add(SessionSource(session_id=row.id, api_client_id=client.id, external_ref=external_ref[:100]))
            s.add(SessionHandoff(token_sha256=_sha256(handoff), session_id=row.id,
                                 binding_token_enc=self.box.seal(binding_token.encode(), "handoff", row.id.encode()),
                                 expires_at=utcnow() + HANDOFF_LIFETIME))
        return CreatedSession(row.id, handoff)

    def owned_session(self, client: ApiClient, session_id: str) -> SigningSession:
        with self.db.read() as s:
            source = s.get(SessionSource, session_id)
            row = s.get(SigningSession, session_id)
        if source is None or row is None or source.api_client_id != client.id:
            raise NotFound("签署会话不存在")
        return row

    def redeem_handoff(self, token: str, account: Account, ip: str) -> tuple[str, str]:
        """A browser of the session's enterprise takes over the page: (session id, binding token)."""
        now = utcnow()
        with self.db.write() as s:
            handoff = s.get(SessionHandoff, _sha256(token))
            if handoff is None:
                raise NotFound("链接无效")
            session = s.get(SigningSession, handoff.session_id)
            if session is None or session.enterprise_id != account.enterprise_id:
                raise NotFound("链接无效")
            used = rowcount(s.execute(
                update(SessionHandoff)
                .where(SessionHandoff.token_sha256 == handoff.token_sha256, SessionHandoff.used_at.is_(None),
                       SessionHandoff.expires_at > now)
                .values(used_at=now).execution_options(synchronize_session=False)
            ))
            if used != 1:
                raise Conflict("链接已使用或已过期", code=ErrorCode.HANDOFF_USED)
            audit.record(s, Actor(account.id, account.username, ip), AuditAction.SIGNING_HANDOFF, "signing_session",
                         session.id, {})
            binding = self.box.open(handoff.binding_token_enc, "handoff", session.id.encode()).decode()
        return session.id, binding
