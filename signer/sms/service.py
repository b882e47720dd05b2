"""SMS verification codes (手机验证): issued, delivered through a provider, checked once.

A code is 6 digits from the CSPRNG, stored only as HMAC(server key, phone|purpose|code), valid 5 minutes,
bound to its phone and purpose, usable once, at most 5 checks. A new code can be requested 60 s after the
last one and voids it; per phone and per IP there are daily limits. Every check is a compare-and-set on
the row, so of many concurrent checks of one correct code exactly one succeeds.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from signer.applications.idnumbers import is_mobile
from signer.core import ratelimit
from signer.core.db import Database, rowcount
from signer.core.errors import ErrorCode, RateLimited, ValidationFailed
from signer.core.models import utcnow
from signer.sms.enums import SmsPurpose
from signer.sms.models import SmsCode, SmsOutbox

log = logging.getLogger(__name__)

CODE_LIFETIME = timedelta(minutes=5)
RESEND_AFTER = timedelta(seconds=60)
MAX_TRIES = 5
DAY = 86400
_TEXT = {
    SmsPurpose.APPLICATION: "您正在办理数字证书业务，验证码为{code}，5分钟内有效。如非本人操作，请忽略本短信。",
    SmsPurpose.PHONE_CHANGE: "您正在变更证书绑定手机号，验证码为{code}，5分钟内有效。如非本人操作，请忽略本短信。",
}


class SmsProvider(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class ConsoleSms:
    """Development default: the message goes to the server log."""

    def send(self, phone: str, text: str) -> None:
        log.info("SMS to %s: %s", phone, text)


class OutboxSms:
    """Tests and staging: messages are kept in ``sms_outbox``, readable by platform staff."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def send(self, phone: str, text: str) -> None:
        with self.db.write() as s:
            s.add(SmsOutbox(phone=phone, text=text))


def make_provider(name: str, db: Database) -> SmsProvider:
    providers: dict[str, Callable[[], SmsProvider]] = {"console": ConsoleSms, "outbox": lambda: OutboxSms(db)}
    if name not in providers:
        raise ValueError(f"unknown SMS provider {name!r} (console, outbox)")
    return providers[name]()


@dataclass(frozen=True)
class SentCode:
    phone: str
    expires_at: datetime
    resend_after: datetime


class SmsService:
    def __init__(self, db: Database, provider: SmsProvider, key: bytes, brand: str,
                 per_phone_daily: int = 10, per_ip_daily: int = 50,
                 resend_after: timedelta = RESEND_AFTER) -> None:
        self.db = db
        self.resend_after = resend_after
        self.provider = provider
        self._key = key
        self.brand = brand
        self.per_phone_daily = per_phone_daily
        self.per_ip_daily = per_ip_daily

    def _hash(self, phone: str, purpose: SmsPurpose, code: str) -> str:
        return hmac.new(self._key, f"{phone}|{purpose.value}|{code}".encode(), hashlib.sha256).hexdigest()

    @staticmethod
    def _active(phone: str, purpose: SmsPurpose):
        return select(SmsCode).where(SmsCode.phone == phone, SmsCode.purpose == purpose,
                                     SmsCode.used_at.is_(None), SmsCode.voided_at.is_(None))

    def _too_soon(self, row: SmsCode | None, now: datetime) -> None:
        if row is not None and row.sent_at > now - self.resend_after:
            wait = int((row.sent_at + self.resend_after - now).total_seconds()) + 1
            raise RateLimited(f"验证码已发送，请{wait}秒后再获取", code=ErrorCode.SMS_TOO_SOON,
                              details={"retry_after": wait})

    def send(self, phone: str, purpose: SmsPurpose, ip: str) -> SentCode:
        """发送验证码: a new code for (phone, purpose); the previous one stops working."""
        if not is_mobile(phone):
            raise ValidationFailed("手机号格式不正确", details={"phone": ["请输入11位手机号"]})
        now = utcnow()
        with self.db.read() as s:
            self._too_soon(s.scalar(self._active(phone, purpose)), now)
        ratelimit.hit(self.db, f"sms:phone:{phone}", self.per_phone_daily, DAY, "该手机号今日获取验证码次数已达上限")
        ratelimit.hit(self.db, f"sms:ip:{ip}", self.per_ip_daily, DAY, "今日获取验证码次数已达上限")
        code = f"{secrets.randbelow(10**6):06d}"
        try:
            with self.db.write() as s:
                previous = s.scalar(self._active(phone, purpose).with_for_update())
                self._too_soon(previous, now)
                if previous is not None:
                    previous.voided_at = now
                    s.flush()
                s.add(SmsCode(phone=phone, purpose=purpose, code_hash=self._hash(phone, purpose, code),
                              sent_at=now, expires_at=now + CODE_LIFETIME, ip=ip[:64]))
        except IntegrityError:  # a concurrent request issued one first
            raise RateLimited("验证码已发送，请稍后再获取", code=ErrorCode.SMS_TOO_SOON,
                              details={"retry_after": int(self.resend_after.total_seconds())}) from None
        self.provider.send(phone, f"【{self.brand}】" + _TEXT[purpose].format(code=code))
        return SentCode(phone, now + CODE_LIFETIME, now + self.resend_after)

    def verify(self, phone: str, purpose: SmsPurpose, code: str) -> None:
        """Consume the code or raise; a wrong code counts as a try even though the request fails."""
        self._verify(phone, purpose, code, consume=True)

    def check(self, phone: str, purpose: SmsPurpose, code: str) -> None:
        """Raise as :meth:`verify` would, but leave a right code unused (a form step checks it before the
        submission uses it); a wrong code counts as a try, a right one does not."""
        self._verify(phone, purpose, code, consume=False)

    def _verify(self, phone: str, purpose: SmsPurpose, code: str, *, consume: bool) -> None:
        if not (isinstance(code, str) and len(code) == 6 and code.isascii() and code.isdigit()):
            raise ValidationFailed("请输入6位数字验证码", code=ErrorCode.SMS_WRONG, details={"sms_code": ["6位数字"]})
        now = utcnow()
        with self.db.write() as s:
            row = s.scalar(self._active(phone, purpose))
            if row is None:
                raise ValidationFailed("验证码无效，请先获取验证码", code=ErrorCode.SMS_MISSING,
                                       details={"sms_code": ["请先获取验证码"]})
            if row.expires_at <= now:
                raise ValidationFailed("验证码已过期，请重新获取", code=ErrorCode.SMS_EXPIRED,
                                       details={"sms_code": ["已过期"]})
            tries = s.execute(
                update(SmsCode).where(SmsCode.id == row.id, SmsCode.tries < MAX_TRIES, SmsCode.used_at.is_(None),
                                      SmsCode.voided_at.is_(None))
                .values(tries=SmsCode.tries + 1).returning(SmsCode.tries)
            ).scalar_one_or_none()
            if tries is None:
                raise RateLimited("验证码已使用或错误次数过多，请重新获取", code=ErrorCode.SMS_LOCKED)
            right = hmac.compare_digest(self._hash(phone, purpose, code), row.code_hash)
            if right and not consume:
                s.execute(update(SmsCode).where(SmsCode.id == row.id).values(tries=SmsCode.tries - 1)
                          .execution_options(synchronize_session=False))
                return
            if right:
                used = rowcount(s.execute(update(SmsCode).where(SmsCode.id == row.id, SmsCode.used_at.is_(None))
                                 .values(used_at=now).execution_options(synchronize_session=False)))
                if used == 1:
                    return
        if right:
            raise RateLimited("验证码已使用，请重新获取", code=ErrorCode.SMS_LOCKED)
        remaining = MAX_TRIES - tries
        raise ValidationFailed(f"验证码错误，还可尝试{remaining}次" if remaining else "验证码错误次数过多，请重新获取",
                               code=ErrorCode.SMS_WRONG, details={"sms_code": ["验证码错误"], "remaining": remaining})

    def outbox(self, phone: str | None = None, limit: int = 20) -> list[SmsOutbox]:
        with self.db.read() as s:
            query = select(SmsOutbox).order_by(SmsOutbox.id.desc()).limit(limit)
            if phone:
                query = query.where(SmsOutbox.phone == phone)
            return list(s.scalars(query))
