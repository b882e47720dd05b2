"""Production mode (``SIGNER_ENV=production``): refuse to start on the embedded defaults, and say every
reason at once, so that an operator fixes them in one round."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy import ColumnElement, inspect, or_, select
from sqlalchemy.engine import make_url

from signer.accounts.models import Account, Enterprise
from signer.core.audit_actions import AuditAction
from signer.core.config import Config
from signer.core.db import Database
from signer.core.models import AuditEvent
from signer.demo.seed import DEMO_CREDIT_CODE

# The secrets load_secret() would otherwise generate into the instance folder: file name → variable.
ENV_SECRETS = {"master": "SIGNER_MASTER_KEY", "flask": "SIGNER_SECRET_KEY",
               "payment-sandbox": "SIGNER_PAYMENT_SECRET", "sms": "SIGNER_SMS_KEY", "audit": "SIGNER_AUDIT_KEY"}


class ProductionRefused(Exception):
    def __init__(self, reasons: list[str]) -> None:
        super().__init__("\n".join(reasons))
        self.reasons = reasons

    def __str__(self) -> str:
        lines = "\n".join(f"  - {r}" for r in self.reasons)
        return f"生产模式（SIGNER_ENV=production）拒绝启动，原因如下 / refusing to start:\n{lines}"


def enabled(environ: Mapping[str, str] = os.environ) -> bool:
    return environ.get("SIGNER_ENV", "").strip().lower() == "production"


def config_refusals(config: Config, environ: Mapping[str, str] = os.environ) -> list[str]:
    """What the configuration alone rules out (nothing is opened or created)."""
    reasons = []
    if config.sqlalchemy_url.startswith("sqlite"):
        reasons.append("数据库是 SQLite：生产环境请设置 DATABASE_URL 指向 PostgreSQL")
    missing = [env for env in ENV_SECRETS.values() if not environ.get(env)]
    if missing:
        reasons.append(f"密钥未由环境变量提供（否则会生成到实例目录）：请设置 {', '.join(missing)}")
    generated = sorted(p.name for p in config.instance_path.glob("*.key")) if config.instance_path.is_dir() else []
    if generated:
        reasons.append(f"实例目录 {config.instance_path} 里有生成的密钥文件 {', '.join(generated)}："
                       "请改由环境变量提供，并把这些文件移出实例目录")
    if not config.secure_cookies:
        reasons.append("SIGNER_SECURE_COOKIES 不是 1：生产环境只经 HTTPS 提供服务，Cookie 须带 Secure")
    if config.lifecycle.sms_provider == "console":
        reasons.append("SIGNER_SMS_PROVIDER=console 会把短信验证码写进日志：请配置短信网关（或 outbox）")
    return reasons


def demo_accounts(db: Database) -> list[str]:
    """Active accounts of the demo data (signer/seed.py): the demo enterprise's accounts and any account
    the seed created."""
    if not inspect(db.read_engine).has_table("accounts"):
        return []
    with db.read() as s:
        seeded = {int(i) for i in s.scalars(select(AuditEvent.subject_id).where(
            AuditEvent.actor_label == "seed", AuditEvent.action == AuditAction.ACCOUNT_CREATE)) if str(i).isdigit()}
        demo_enterprise = s.scalar(select(Enterprise.id).where(Enterprise.credit_code == DEMO_CREDIT_CODE))
        demo: ColumnElement[bool] = Account.id.in_(seeded)
        if demo_enterprise is not None:
            demo = or_(demo, Account.enterprise_id == demo_enterprise)
        return sorted(s.scalars(select(Account.username).where(demo, Account.active.is_(True))))


def _database_exists(config: Config) -> bool:
    url = make_url(config.sqlalchemy_url)
    return not url.drivername.startswith("sqlite") or Path(url.database or "").is_file()


def refusals(config: Config, environ: Mapping[str, str] = os.environ) -> list[str]:
    reasons = config_refusals(config, environ)
    if _database_exists(config):
        db = Database(config.sqlalchemy_url)
        try:
            names = demo_accounts(db)
        except Exception as exc:  # cannot tell: refuse rather than serve the demo logins
            names = []
            reasons.append(f"无法检查演示账户（数据库无法连接: {type(exc).__name__}）")
        finally:
            db.dispose()
        if names:
            reasons.append(f"演示账户仍在（{', '.join(names)}）：生产实例请以 SIGNER_SEED_DEMO=0 初始化，"
                           "或停用这些账户")
    return reasons


def enforce(config: Config, environ: Mapping[str, str] = os.environ) -> None:
    """Raise ProductionRefused with every reason when production mode is on and something is wrong."""
    if enabled(environ):
        reasons = refusals(config, environ)
        if reasons:
            raise ProductionRefused(reasons)
