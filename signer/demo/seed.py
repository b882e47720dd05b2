"""Demo data for the embedded default, so a newcomer can try the signing loop at once."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from signer.accounts.enums import Role
from signer.accounts.models import Account, Enterprise
from signer.billing.enums import InvoiceType
from signer.billing.models import InvoiceProfile
from signer.certificates.enums import CertificateKind, CertificateStatus
from signer.certificates.models import Certificate
from signer.core import audit
from signer.core.audit_actions import AuditAction
from signer.core.db import Database
from signer.core.models import utcnow
from signer.core.passwords import hash_password
from signer.core.timeutil import add_years
from signer.seals.enums import SealKind
from signer.seals.models import SealAssignment

DEMO_ENTERPRISE = "龙口市恒通汽车贸易有限公司"
DEMO_CREDIT_CODE = "91370681MA3C7H2X10"  # a 统一社会信用代码 with a valid GB 32100 check character
DEMO_TAX_NUMBER = DEMO_CREDIT_CODE


@dataclass(frozen=True)
class DemoAccounts:
    admin: str = "admin"
    operator: str = "operator1"
    reviewer: str = "reviewer"
    operator2: str = "operator2"  # no certificate yet: 新签 binds it


def seed_demo(db: Database, password: str, usage_limit: int = 1000) -> bool:
    """Create the demo enterprise once; returns False when it exists already."""
    names = DemoAccounts()
    with db.write() as s:
        if s.scalar(select(Account).where(Account.username == names.admin)) is not None:
            return False  # seeded before (also by an earlier version with another credit code)
        enterprise = Enterprise(name=DEMO_ENTERPRISE, credit_code=DEMO_CREDIT_CODE, legal_representative="王恒通")
        s.add(enterprise)
        s.flush()
        hashed = hash_password(password)
        admin = Account(enterprise_id=enterprise.id, username=names.admin, display_name="一卖家管理1",
                        phone="13666628413", role=Role.ADMIN, password_hash=hashed)
        operator = Account(enterprise_id=enterprise.id, username=names.operator, display_name="李经办",
                           phone="13666628414", role=Role.OPERATOR, password_hash=hashed)
        reviewer = Account(enterprise_id=None, username=names.reviewer, display_name="平台审核员",
                           phone="13666628415", role=Role.REVIEWER, password_hash=hashed)
        operator2 = Account(enterprise_id=enterprise.id, username=names.operator2, display_name="王办理",
                            phone="13666628416", role=Role.OPERATOR, password_hash=hashed)
        s.add_all([admin, operator, reviewer, operator2])
        s.flush()
        cert = Certificate(enterprise_id=enterprise.id, kind=CertificateKind.MOBILE,
                           status=CertificateStatus.PENDING_DOWNLOAD, bound_account_id=operator.id,
                           validity_years=1, usage_limit=usage_limit)
        s.add(cert)
        s.flush()
        for kind in SealKind:
            s.add(SealAssignment(account_id=operator.id, seal_kind=kind, assigned_by=admin.id))
        # J: a legacy 安心签 certificate (issued by that CA, not ours), and F1: a default invoice profile.
        now = utcnow()
        legacy = Certificate(enterprise_id=enterprise.id, kind=CertificateKind.ANXINQIAN,
                             status=CertificateStatus.EFFECTIVE, bound_account_id=admin.id, validity_years=1,
                             not_before=now, not_after=add_years(now, 1), contact_phone=admin.phone,
                             subject=f"CN={DEMO_ENTERPRISE},O=安心签,C=CN")
        profile = InvoiceProfile(enterprise_id=enterprise.id, invoice_type=InvoiceType.NORMAL, title=DEMO_ENTERPRISE,
                                 tax_number=DEMO_TAX_NUMBER, address="山东省龙口市东城区", phone="0535-8888888",
                                 email="finance@example.com", is_default=True)
        s.add_all([legacy, profile])
        s.flush()
        actor = audit.Actor(None, "seed")
        audit.record(s, actor, AuditAction.ENTERPRISE_CREATE, "enterprise", enterprise.id, {"name": DEMO_ENTERPRISE})
        for acc in (admin, operator, reviewer, operator2):
            audit.record(s, actor, AuditAction.ACCOUNT_CREATE, "account", acc.id, {"username": acc.username,
                                                                         "role": acc.role.value})
        audit.record(s, actor, AuditAction.CERTIFICATE_SEED_PENDING_DOWNLOAD, "certificate", cert.id,
                     {"bound_account": operator.username})
        audit.record(s, actor, AuditAction.SEAL_ASSIGN, "account", operator.id, {"seals": [k.value for k in SealKind]})
        audit.record(s, actor, AuditAction.CERTIFICATE_SEED_ANXINQIAN, "certificate", legacy.id,
                     {"bound_account": admin.username})
        audit.record(s, actor, AuditAction.INVOICE_PROFILE_CREATE, "invoice_profile", profile.id,
                     {"title": profile.title})
    return True
