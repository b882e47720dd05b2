"""证书管理 list (A1, A2, A5): certificates and 新签 applications of one enterprise, filtered and paged in SQL.

One status per row, never stored twice: a row with an open application shows the application's status
(待生成订单, 待支付, 待审核, 已驳回); otherwise the certificate's own (待制作 … 已吊销 / 已收回), with
即将失效 and 已失效 derived from its expiry. A 新签 has no certificate until it is approved, so its row
is the application itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, Integer, String, and_, cast, func, literal, null, select, union_all
from sqlalchemy.orm import aliased

from signer.accounts import access
from signer.accounts.enums import Role
from signer.accounts.models import Account
from signer.applications import rules
from signer.applications.enums import ApplicationKind, ShippingStatus
from signer.applications.models import Application
from signer.applications.rules import DISPLAY_STATE_LABELS, state_label
from signer.certificates.enums import CertificateKind
from signer.certificates.models import Certificate
from signer.certificates.status import state_column
from signer.core.db import Database
from signer.core.models import utcnow

OPEN = ("pending_order", "pending_payment", "pending_review", "rejected")
MAX_PER_PAGE = 100
STATES = frozenset(DISPLAY_STATE_LABELS)
# Row operations (A4) by the open application's status.
_APPLICATION_OPS = {
    "pending_order": ["view", "create_order", "records", "cancel"],
    "pending_payment": ["view", "related_order", "records"],
    "pending_review": ["view", "related_order", "records"],
    "rejected": ["view", "view_rejection", "reapply", "related_order", "records", "cancel"],
}


@dataclass(frozen=True)
class ListFilter:
    """A1: 证书类型, 状态, 绑定账号, 绑定姓名; 10 per page."""

    kind: CertificateKind | None = None
    state: str | None = None
    username: str | None = None
    name: str | None = None
    page: int = 1
    per_page: int = 10


@dataclass(frozen=True)
class CertificateRow:
    """One row of 证书管理: a certificate (with its open application, if any) or a 新签 not yet approved."""

    number: int  # 序号
    certificate_id: int | None
    application_id: int | None  # the open application, if any
    kind: CertificateKind
    bound_account: str | None
    bound_name: str | None
    phone: str | None
    not_after: datetime | None
    usage_count: int | None
    remaining: int | None
    status: str  # the list state (A5): a key of DISPLAY_STATE_LABELS
    shipping_application_id: int | None  # I: the application whose KEY parcel this is
    shipping_status: ShippingStatus | None
    shipping_carrier: str | None
    tracking_number: str | None
    operations: list[str]  # what the row's 操作 and the toolbar offer now
    unavailable: dict[str, str]  # toolbar operation → why it is not offered


@dataclass(frozen=True)
class ListPage:
    items: list[CertificateRow]
    total: int
    page: int
    per_page: int


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class CertificateList:
    def __init__(self, db: Database, window: timedelta) -> None:
        self.db = db
        self.window = window

    def holds(self, actor: Account, kind: CertificateKind) -> bool:
        """Whether the actor's enterprise has a certificate of ``kind`` (the 安心签 notice of A1)."""
        enterprise_id = access.enterprise_member(actor)
        with self.db.read() as s:
            return s.scalar(select(Certificate.id).where(Certificate.enterprise_id == enterprise_id,
                                                         Certificate.kind == kind).limit(1)) is not None

    def page(self, actor: Account, flt: ListFilter) -> ListPage:
        enterprise_id = access.enterprise_member(actor)
        now = utcnow()
        open_app = aliased(Application)
        made_by = aliased(Application)  # a KEY's parcel is on the application that produced it
        own_state = state_column(now, self.window)
        certificates = (
            select(literal("certificate").label("row_type"), Certificate.id.label("certificate_id"),
                   open_app.id.label("application_id"), cast(Certificate.kind, String(32)).label("kind"),
                   Certificate.bound_account_id.label("account_id"), Certificate.contact_phone.label("phone"),
                   Certificate.not_after.label("not_after"), Certificate.usage_count.label("usage_count"),
                   Certificate.usage_limit.label("usage_limit"),
                   func.coalesce(cast(open_app.status, String(32)), own_state).label("state"),
                   Certificate.created_at.label("created_at"),
                   made_by.id.label("shipping_application_id"),
                   cast(made_by.shipping_status, String(32)).label("shipping_status"),
                   made_by.shipping_carrier.label("shipping_carrier"), made_by.tracking_number.label("tracking_number"))
            .select_from(Certificate)
            .outerjoin(open_app, and_(open_app.certificate_id == Certificate.id, open_app.status.in_(OPEN)))
            .outerjoin(made_by, and_(made_by.result_certificate_id == Certificate.id,
                                     made_by.shipping_status.is_not(None)))
            .where(Certificate.enterprise_id == enterprise_id)
        )
        new_applications = (
            select(literal("application"), cast(null(), Integer), Application.id,
                   cast(Application.certificate_kind, String(32)), Application.bind_account_id,
                   Application.bind_phone, cast(null(), DateTime(timezone=True)), cast(null(), Integer),
                   cast(null(), Integer), cast(Application.status, String(32)), Application.created_at,
                   cast(null(), Integer), cast(null(), String(32)), cast(null(), String(50)), cast(null(), String(50)))
            .where(Application.enterprise_id == enterprise_id, Application.kind == ApplicationKind.NEW,
                   Application.status.in_(OPEN), Application.certificate_id.is_(None))
        )
        rows = union_all(certificates, new_applications).subquery()
        query = select(rows, Account.username, Account.display_name).outerjoin(Account, Account.id == rows.c.account_id)
        if flt.kind is not None:
            query = query.where(rows.c.kind == CertificateKind(flt.kind).value)
        if flt.state:
            query = query.where(rows.c.state == flt.state)
        if flt.username:
            query = query.where(Account.username.like(_like(flt.username), escape="\\"))
        if flt.name:
            query = query.where(Account.display_name.like(_like(flt.name), escape="\\"))
        per_page = max(1, min(flt.per_page, MAX_PER_PAGE))
        page = max(1, flt.page)
        with self.db.read() as s:
            total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
            found = s.execute(query.order_by(rows.c.created_at.desc(), rows.c.certificate_id.desc(),
                                             rows.c.application_id.desc())
                              .limit(per_page).offset((page - 1) * per_page)).mappings().all()
        start = (page - 1) * per_page
        items = [self._row(r, start + i + 1, actor) for i, r in enumerate(found)]
        return ListPage(items, total, page, per_page)

    def _row(self, r: Any, number: int, actor: Account) -> CertificateRow:
        kind = CertificateKind(r["kind"])
        state = r["state"]
        issued = r["row_type"] == "certificate"
        in_use = issued and r["not_after"] is not None
        limit = r["usage_limit"]
        parcel = ShippingStatus(r["shipping_status"]) if r["shipping_status"] else None
        has_open = r["application_id"] is not None
        return CertificateRow(
            number=number, certificate_id=r["certificate_id"], application_id=r["application_id"], kind=kind,
            bound_account=r["username"], bound_name=r["display_name"], phone=r["phone"],
            not_after=r["not_after"] if issued else None,
            usage_count=r["usage_count"] if in_use else None,
            remaining=max(0, limit - r["usage_count"]) if in_use and limit is not None else None,
            status=state, shipping_application_id=r["shipping_application_id"], shipping_status=parcel,
            shipping_carrier=r["shipping_carrier"], tracking_number=r["tracking_number"],
            operations=self.operations(kind, state, issued, has_open, actor)
            + (["confirm_receipt"] if parcel == ShippingStatus.SHIPPED else []),
            unavailable=self.unavailable(kind, state, has_open, actor),
        )

    @staticmethod
    def operations(kind: CertificateKind, state: str, issued: bool, has_open: bool, actor: Account) -> list[str]:
        """What the row's 操作 and the toolbar (A3, A4) may offer now (the services check again)."""
        if has_open:
            ops = list(_APPLICATION_OPS.get(state, ["view", "records"]))
        else:
            blocked = CertificateList.unavailable(kind, state, has_open, actor)
            ops = ["view", "records", "related_order", *(k.value for k in rules.ELIGIBLE_STATES
                                                           if k.value not in blocked)]
        if issued and actor.role == Role.ADMIN and kind == CertificateKind.MOBILE:
            ops.append("assign_seals")
        return ops

    @staticmethod
    def unavailable(kind: CertificateKind, state: str, has_open: bool, actor: Account) -> dict[str, str]:
        """Each toolbar operation (A3) the row does not offer, with why (the disabled button says so)."""
        reasons: dict[str, str] = {}
        for app_kind in rules.ELIGIBLE_STATES:
            if has_open:
                reasons[app_kind.value] = f"该证书有办理中的申请（{state_label(state)}），请先完成或撤销"
            elif (refused := rules.why_not(app_kind, kind, state)) is not None:
                reasons[app_kind.value] = refused.message
            elif app_kind == ApplicationKind.REVOKE and actor.role != Role.ADMIN:
                reasons[app_kind.value] = "仅管理员可以吊销证书"
        return reasons
