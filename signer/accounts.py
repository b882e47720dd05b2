"""Accounts, PC login and APP bearer tokens bound to a device."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from . import audit, ratelimit
from .audit import Actor
from .db import Database
from .errors import NotAuthenticated, ValidationFailed
from .models import Account, ApiToken, Device, utcnow
from .passwords import DUMMY_HASH, verify_password

TOKEN_LIFETIME = timedelta(days=30)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class AppIdentity:
    """Who is calling from the APP: the account and the device its token is bound to."""

    account: Account
    device: Device

    def actor(self, ip: str = "") -> Actor:
        return Actor(self.account.id, self.account.username, ip)


class AccountService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def authenticate(self, username: str, password: str, ip: str) -> Account:
        """Check a login; limited per account and per IP; the same error for any failure."""
        ratelimit.hit(self.db, f"login:user:{username.lower()}", 10, 900, "登录尝试过多，请15分钟后再试")
        ratelimit.hit(self.db, f"login:ip:{ip}", 50, 900, "登录尝试过多，请15分钟后再试")
        with self.db.read() as s:
            account = s.scalar(select(Account).where(Account.username == username))
        stored = account.password_hash if account else DUMMY_HASH  # same work for unknown names
        if not verify_password(password, stored) or account is None or not account.active:
            raise NotAuthenticated("用户名或密码错误", code="bad_credentials")
        return account

    def get(self, account_id: int) -> Account | None:
        with self.db.read() as s:
            return s.get(Account, account_id)

    def issue_app_token(self, account: Account, device_uid: str, device_name: str, ip: str) -> str:
        """Register (or refresh) the device and return a new bearer token bound to it."""
        if not device_uid or len(device_uid) > 64:
            raise ValidationFailed("设备标识无效", details={"device_id": ["长度1-64"]})
        token = secrets.token_urlsafe(32)
        now = utcnow()
        with self.db.write() as s:
            device = s.scalar(
                select(Device).where(Device.account_id == account.id, Device.device_uid == device_uid)
            )
            if device is None:
                device = Device(account_id=account.id, device_uid=device_uid, name=device_name[:100])
                s.add(device)
                s.flush()
                audit.record(s, Actor(account.id, account.username, ip), "device:register", "device",
                             device.id, {"device_uid": device_uid, "name": device_name[:100]})
            device.last_seen_at = now
            s.add(ApiToken(token_hash=token_digest(token), account_id=account.id, device_id=device.id,
                           expires_at=now + TOKEN_LIFETIME))
        return token

    def identify_app(self, token: str | None) -> AppIdentity:
        if not token:
            raise NotAuthenticated("缺少访问令牌", code="no_token")
        with self.db.read() as s:
            row = s.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token)))
            if row is None or row.revoked_at is not None or row.expires_at < utcnow():
                raise NotAuthenticated("访问令牌无效或已过期", code="bad_token")
            account = s.get(Account, row.account_id)
            device = s.get(Device, row.device_id)
        if account is None or device is None or not account.active:
            raise NotAuthenticated("访问令牌无效或已过期", code="bad_token")
        return AppIdentity(account, device)

    def revoke_app_token(self, token: str) -> None:
        with self.db.write() as s:
            row = s.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token)))
            if row is not None and row.revoked_at is None:
                row.revoked_at = utcnow()
