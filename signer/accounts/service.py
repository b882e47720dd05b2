"""Accounts, PC login and APP bearer tokens bound to a device."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, select

from signer.accounts.login_sessions import LoginSessions
from signer.accounts.models import Account, ApiToken, Device
from signer.core import audit, ratelimit
from signer.core.audit import Actor
from signer.core.audit_actions import AuditAction
from signer.core.db import Database
from signer.core.errors import ErrorCode, NotAuthenticated, ValidationFailed
from signer.core.models import utcnow
from signer.core.passwords import DUMMY_HASH, verify_password

TOKEN_LIFETIME = timedelta(days=30)
LOGIN_THROTTLED = "登录失败次数过多，请稍后再试"
PAIR_POLICY = ratelimit.FailurePolicy(free=5, base_seconds=30, cap_seconds=900)  # one account, one address
ADDRESS_POLICY = ratelimit.FailurePolicy(free=20, base_seconds=30, cap_seconds=900)  # spraying many accounts


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class AppIdentity:
    """Who is calling from the APP: the account and the device its token is bound to."""

    account: Account
    device: Device

    def actor(self, ip: str = "") -> Actor:
        return Actor(self.account.id, self.account.username, ip)


# Built once: every socket event of the APP asks it.
_LIVE_TOKEN = (select(ApiToken.id).join(Account, Account.id == ApiToken.account_id)
               .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.account_id == bindparam("account_id"),
                      ApiToken.device_id == bindparam("device_id"), ApiToken.revoked_at.is_(None),
                      ApiToken.expires_at > bindparam("now"), Account.active.is_(True)))


class AccountService:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.sessions = LoginSessions(db)

    def authenticate(self, username: str, password: str, ip: str) -> Account:
        """Check a login; the same error for any failure.

        Only failures count, per (account, address) and, more loosely, per address; a success clears the
        pair. So a guesser elsewhere slows only himself, and the real user is never locked out.
        """
        pair, address = f"login:pair:{username.lower()}|{ip}", f"login:ip:{ip}"
        ratelimit.check_blocked(self.db, [address], LOGIN_THROTTLED)
        # The attempt counts as a failure before the check (so parallel guesses cannot all be checked);
        # a success then clears the pair, so a successful login never counts.
        ratelimit.record_failure(self.db, pair, PAIR_POLICY, refuse_blocked=LOGIN_THROTTLED)
        with self.db.read() as s:
            account = s.scalar(select(Account).where(Account.username == username))
        stored = account.password_hash if account else DUMMY_HASH  # same work for unknown names
        if not verify_password(password, stored) or account is None or not account.active:
            ratelimit.record_failure(self.db, address, ADDRESS_POLICY)
            raise NotAuthenticated("用户名或密码错误", code=ErrorCode.BAD_CREDENTIALS)
        ratelimit.clear(self.db, pair)
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
                audit.record(s, Actor(account.id, account.username, ip), AuditAction.DEVICE_REGISTER, "device",
                             device.id, {"device_uid": device_uid, "name": device_name[:100]})
            device.last_seen_at = now
            s.add(ApiToken(token_hash=token_digest(token), account_id=account.id, device_id=device.id,
                           expires_at=now + TOKEN_LIFETIME))
        return token

    def identify_app(self, token: str | None) -> AppIdentity:
        if not token:
            raise NotAuthenticated("缺少访问令牌", code=ErrorCode.NO_TOKEN)
        with self.db.read() as s:  # the token with its account and device, in one query
            found = s.execute(select(ApiToken, Account, Device)
                              .join(Account, Account.id == ApiToken.account_id)
                              .join(Device, Device.id == ApiToken.device_id)
                              .where(ApiToken.token_hash == token_digest(token))).one_or_none()
        if found is None:
            raise NotAuthenticated("访问令牌无效或已过期", code=ErrorCode.BAD_TOKEN)
        row, account, device = found
        if row.revoked_at is not None or row.expires_at < utcnow() or not account.active:
            raise NotAuthenticated("访问令牌无效或已过期", code=ErrorCode.BAD_TOKEN)
        return AppIdentity(account, device)

    def confirm_app(self, token: str | None, known: AppIdentity) -> AppIdentity:
        """``known``, identified from ``token`` when its socket connected, if the token is still good.

        A socket is identified once, at connect; each event then asks only this one indexed question
        (token neither revoked nor expired, account active), so a logout, a revoked token or a disabled
        account is refused at the very next event, in every process.
        """
        if not token:
            raise NotAuthenticated("缺少访问令牌", code=ErrorCode.NO_TOKEN)
        with self.db.read() as s:
            live = s.execute(_LIVE_TOKEN, {"token_hash": token_digest(token), "account_id": known.account.id,
                                           "device_id": known.device.id, "now": utcnow()}).first()
        if live is None:
            raise NotAuthenticated("访问令牌无效或已过期", code=ErrorCode.BAD_TOKEN)
        return known

    def revoke_app_token(self, token: str) -> None:
        with self.db.write() as s:
            row = s.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token)))
            if row is not None and row.revoked_at is None:
                row.revoked_at = utcnow()
