"""Server-side PC login sessions (issue 9 row 5).

The browser's signed cookie holds only a random token; the row (keyed by the token's SHA-256) decides
whether it is still valid, so logging out, or an administrator ending a session, takes effect at once
everywhere, whatever the browser kept.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from signer.accounts.enums import Role
from signer.accounts.models import Account, LoginSession
from signer.core import audit
from signer.core.audit import Actor
from signer.core.audit_actions import AuditAction
from signer.core.db import Database, rowcount
from signer.core.errors import ErrorCode, Forbidden, NotFound
from signer.core.models import utcnow

LIFETIME = timedelta(hours=8)
TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is refreshed at most this often (no write per request)


def session_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class ActiveSession:
    id: str
    account_id: int
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ip: str
    user_agent: str


# Built once: every page, call and socket event asks it.
_SESSION_AND_ACCOUNT = (select(LoginSession, Account).join(Account, Account.id == LoginSession.account_id)
                        .where(LoginSession.id == bindparam("sid")))


class LoginSessions:
    def __init__(self, db: Database) -> None:
        self.db = db

    def start(self, account: Account, ip: str, user_agent: str) -> str:
        """A new session for a successful login; returns the token for the cookie."""
        token = secrets.token_urlsafe(32)
        now = utcnow()
        with self.db.write() as s:
            row = LoginSession(id=session_id(token), account_id=account.id, created_at=now, last_seen_at=now,
                               expires_at=now + LIFETIME, ip=ip[:64], user_agent=user_agent[:300])
            s.add(row)
            s.flush()
            audit.record(s, Actor(account.id, account.username, ip), AuditAction.ACCOUNT_LOGIN, "login_session",
                         row.id[:16], {"user_agent": user_agent[:300]})
        return token

    def account_for(self, token: str | None) -> Account | None:
        """The active account behind a cookie token, or None (unknown, ended, expired, inactive)."""
        if not token:
            return None
        sid = session_id(token)
        now = utcnow()
        with self.db.read() as s:  # one query for the session and its account: every page and call asks
            found = s.execute(_SESSION_AND_ACCOUNT, {"sid": sid}).one_or_none()
        if found is None:
            return None
        row, account = found
        if row.ended_at is not None or row.expires_at <= now:
            return None
        stale = now - row.last_seen_at >= TOUCH_EVERY
        if not account.active:
            return None
        if stale:
            with self.db.write() as s:
                s.execute(update(LoginSession).where(LoginSession.id == sid).values(last_seen_at=now))
        return account

    def end(self, token: str | None, ip: str = "") -> None:
        """Logout: the session ends on the server (the old cookie is refused from now on)."""
        if not token:
            return
        with self.db.write() as s:
            row = s.get(LoginSession, session_id(token))
            if row is None or row.ended_at is not None:
                return
            self._end(s, row, row.account_id, Actor(row.account_id, self._label(s, row.account_id), ip),
                      AuditAction.ACCOUNT_LOGOUT)

    # -- administrators ------------------------------------------------------------------------
    def active(self, admin: Account, account_id: int) -> list[ActiveSession]:
        with self.db.read() as s:
            self._target(s, admin, account_id)
            rows = s.scalars(select(LoginSession).where(
                LoginSession.account_id == account_id, LoginSession.ended_at.is_(None),
                LoginSession.expires_at > utcnow()).order_by(LoginSession.created_at.desc())).all()
        return [ActiveSession(r.id, r.account_id, r.created_at, r.last_seen_at, r.expires_at, r.ip, r.user_agent)
                for r in rows]

    def end_by_admin(self, admin: Account, account_id: int, sid: str | None, ip: str = "") -> int:
        """End one session (``sid``) or all of the account's sessions (``sid`` None); returns how many."""
        actor = Actor(admin.id, admin.username, ip)
        ended = 0
        with self.db.write() as s:
            self._target(s, admin, account_id)
            query = select(LoginSession).where(LoginSession.account_id == account_id,
                                               LoginSession.ended_at.is_(None))
            if sid is not None:
                query = query.where(LoginSession.id == sid)
            rows = s.scalars(query).all()
            if sid is not None and not rows:
                raise NotFound("登录会话不存在或已结束", code=ErrorCode.LOGIN_SESSION_NOT_FOUND)
            for row in rows:
                ended += self._end(s, row, admin.id, actor, AuditAction.ACCOUNT_SESSION_END)
        return ended

    @staticmethod
    def _target(s: Session, admin: Account, account_id: int) -> Account:
        if admin.role != Role.ADMIN or admin.enterprise_id is None:
            raise Forbidden("只有企业管理员可以管理登录会话", code=ErrorCode.NOT_ADMIN)
        target = s.get(Account, account_id)
        if target is None or target.enterprise_id != admin.enterprise_id:
            raise NotFound("账号不存在")  # another enterprise's account is not even confirmed to exist
        return target

    @staticmethod
    def _label(s: Session, account_id: int) -> str:
        account = s.get(Account, account_id)
        return account.username if account else ""

    @staticmethod
    def _end(s: Session, row: LoginSession, by: int, actor: Actor, action: str) -> int:
        """Compare-and-set: only a session that is still open is ended (and audited) once."""
        result = s.execute(
            update(LoginSession).where(LoginSession.id == row.id, LoginSession.ended_at.is_(None))
            .values(ended_at=utcnow(), ended_by=by))
        if rowcount(result) != 1:
            return 0
        audit.record(s, actor, action, "login_session", row.id[:16], {"account_id": row.account_id})
        return 1
