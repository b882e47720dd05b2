"""The member center's certificate-lifecycle pages (A1–A5, B1–B6, E): thin pages over the JSON API.

The list, the 新签 wizard, 生成订单 and the review actions call ``/api/v1`` from small scripts in
``static/js/pages/member/``; the detail pages (订单, 申请, 办理记录, 审核) are rendered here from the same services the
API uses, so no domain rule lives in a page.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, request, url_for

from signer.accounts.enums import Role
from signer.accounts.models import Account
from signer.applications import rules
from signer.applications.enums import (
    APPLICATION_KIND_LABELS,
    APPLICATION_STATUS_LABELS,
    ATTACHMENT_KIND_LABELS,
    ID_TYPE_LABELS,
    REISSUE_REASON_LABELS,
    ApplicationKind,
    ApplicationStatus,
    AttachmentKind,
)
from signer.applications.settings import ORDERED_KINDS
from signer.billing.enums import INVOICE_TYPE_LABELS
from signer.certificates.enums import CERTIFICATE_KIND_LABELS, CertificateKind
from signer.certificates.status import status_label
from signer.core.errors import DomainError, ErrorCode
from signer.core.models import utcnow
from signer.seals.enums import SEAL_KIND_LABELS, SEAL_TYPE_LABELS, SealKind, SealType

from ..auth import services
from ..errors import status_of
from ..presenters import application_view, order_view, profile_view, record_view
from .error_pages import error_page
from .frame import enterprise_page, page_login_required, render_page, reviewer_page

bp = Blueprint("member_pages", __name__, url_prefix="/member")
CERT_TRAIL: list[Any] = ["证书服务", ("证书管理", "member_pages.certificates")]
ORDER_TRAIL: list[Any] = ["采购订单", ("订单管理", "member_pages.orders")]
REVIEW_TRAIL: list[Any] = ["平台审核", ("审核管理", "member_pages.review_queue")]
# The list's filter 状态 (A5), in the manual's order.
STATES = (("pending_order", "待生成订单"), ("pending_payment", "待支付"), ("pending_review", "待审核"),
          ("rejected", "已驳回"), ("in_production", "待制作"), ("in_transit", "邮寄中"),
          ("pending_download", "待下载"),
          ("effective", "已生效"), ("expiring", "即将失效"), ("expired", "已失效"), ("frozen", "已冻结"),
          ("revoked", "已吊销"), ("withdrawn", "已收回"))
KINDS = (("mobile", "移动端证书"), ("key", "实体KEY证书"), ("anxinqian", "安心签"))
PAGE_SIZES = (10, 20, 50)  # 条/页
# B1: the agreements to accept, in the manual's order (rules.AGREEMENTS), and the title each text shows.
AGREEMENT_TITLES = dict(zip(rules.AGREEMENTS, (
    "CFCA数字证书服务协议", "电子认证业务规则（CPS）", "数字证书使用安全提示", "核心条款",
    "平台数字证书服务协议"), strict=True))
# B1: 适用业务 of each certificate type (the manual's type cards).
BUSINESSES = ("询价交易", "废旧物资处置", "电子招投标")
# B3: the wizard's attachments in the manual's order; seal images are jpg/png, scans may be PDF too.
UPLOADS = (
    (AttachmentKind.COMPANY_SEAL, False, None),
    (AttachmentKind.LEGAL_REP_SIGNATURE, False, None),
    (AttachmentKind.LEGAL_REP_SEAL, False, None),
    (AttachmentKind.APPLICATION_FORM, True, "application-form"),
    (AttachmentKind.SEAL_FORM, True, "seal-form"),
    (AttachmentKind.BUSINESS_LICENSE, True, None),
    (AttachmentKind.OPERATOR_ID, True, None),
    (AttachmentKind.ANXINQIAN_RENAME_FORM, True, "anxinqian-rename-form"),
    (AttachmentKind.RENAMED_BUSINESS_LICENSE, True, None),
)
# The reviewer's queue: 待审核 by default, or what was decided.
REVIEW_STATUSES = (ApplicationStatus.PENDING_REVIEW, ApplicationStatus.REJECTED, ApplicationStatus.APPROVED)
# A3 toolbar operations on one certificate (C, D, G, J), at /api/v1/certificates/{id}/{kind}.
TOOLBAR = (ApplicationKind.RENEW, ApplicationKind.REISSUE, ApplicationKind.REVOKE, ApplicationKind.UNFREEZE,
           ApplicationKind.CHANGE, ApplicationKind.EXTEND, ApplicationKind.PHONE_CHANGE)


def _page(template: str, active: str, trail: list[Any], **context: Any) -> str:
    return render_page(template, active, trail, **context)


def _paged(items: list[Any]) -> tuple[list[Any], dict[str, Any]]:
    """One page of a list a page renders itself, with its pager (``page``, ``per_page`` of 10/20/50)."""
    per_page = request.args.get("per_page", PAGE_SIZES[0], type=int)
    per_page = per_page if per_page in PAGE_SIZES else PAGE_SIZES[0]
    pages = max(1, -(-len(items) // per_page))
    page = min(max(1, request.args.get("page", 1, type=int)), pages)
    keep = [(k, v) for k, v in request.args.items() if k not in ("page", "per_page")]

    def url(n: int) -> str:
        values: dict[str, Any] = {**(request.view_args or {}), **dict(keep), "page": n, "per_page": per_page}
        return url_for(request.endpoint or "", **values)

    return items[(page - 1) * per_page:page * per_page], {
        "total": len(items), "page": page, "pages": pages, "per_page": per_page, "sizes": PAGE_SIZES,
        "keep": keep, "url": url}


def _error(exc: DomainError, active: str, trail: list[Any]) -> Response:
    return error_page(status_of(exc), exc.message, active, trail)


# -- A1–A5 证书管理 --------------------------------------------------------------------------------------
@bp.get("/certificates")
@enterprise_page
def certificates(account: Account) -> Any:
    anxinqian = services().lifecycle.listing.holds(account, CertificateKind.ANXINQIAN)
    return _page("member/certificates.html", "member_pages.certificates", ["证书服务", "证书管理"],
                 kinds=KINDS, states=STATES, page_sizes=PAGE_SIZES,
                 anxinqian_notice=rules.ANXINQIAN_NOTICE if anxinqian else None)


def _seal_rows(bound_id: int, assigned: Any) -> list[dict[str, Any]]:
    """分配印章 / 查看: each seal kind of the bound account, whether it is assigned, and its image if any."""
    without = services().seals.without_image(bound_id)
    return [{"kind": k.value, "label": SEAL_KIND_LABELS[k], "assigned": k in assigned, "has_image": k not in without,
             "image_url": url_for("certificates_api.seal_image", account_id=bound_id, kind=k.value)}
            for k in SealKind]


@bp.get("/certificates/<int:cert_id>")
@page_login_required
def certificate(account: Account, cert_id: int) -> Any:
    """查看 a certificate: DN, serial, validity, usage and the seals its bound account may use."""
    svc = services()
    lc = svc.lifecycle
    trail = [*CERT_TRAIL, "查看证书"]
    try:
        cert = lc.applications.certificate(account, cert_id)
        facts: dict[str, Any] = {
            "id": cert.id, "kind_label": CERTIFICATE_KIND_LABELS[cert.kind], "subject": cert.subject,
            "serial": cert.serial_hex, "not_before": cert.not_before, "not_after": cert.not_after,
            "state_label": status_label(cert, utcnow(), lc.settings.renewal_window),
            "usage_count": cert.usage_count, "usage_limit": cert.usage_limit, "phone": cert.contact_phone,
            "bound_account_id": cert.bound_account_id}
        bound = svc.accounts.get(facts["bound_account_id"]) if facts["bound_account_id"] else None
        seals = _seal_rows(bound.id, lc.binding.assignments(account, bound.id)) if bound else []
    except DomainError as exc:
        return _error(exc, "member_pages.certificates", trail)
    return _page("member/certificate.html", "member_pages.certificates", trail, cert=facts, bound=bound,
                 seals=seals)


@bp.get("/agreements/<name>")
@page_login_required
def agreement(account: Account, name: str) -> Any:
    """B1: the text of an agreement the 新签 wizard asks to accept (each is a link on step 1)."""
    if name not in AGREEMENT_TITLES:
        abort(404)
    return _page("member/agreement.html", "member_pages.certificates", [*CERT_TRAIL, AGREEMENT_TITLES[name]],
                 name=name, title=AGREEMENT_TITLES[name])


@bp.get("/certificates/new")
@enterprise_page
def new_certificate(account: Account) -> Any:
    """B1–B3 新签: 办理证书 → 办理信息 → 附件上传, one page whose steps keep what was typed."""
    lc = services().lifecycle
    prices = [p for p in lc.settings.prices.as_list() if p["kind"] == "new"]
    new_kinds = rules.required_attachments(ApplicationKind.NEW, CertificateKind.MOBILE, SealType.COMPANY_AND_LEGAL_REP)
    optional = {AttachmentKind.LEGAL_REP_SIGNATURE, AttachmentKind.LEGAL_REP_SEAL}
    required_for = {kind: [st.value for st in SealType
                           if kind in rules.required_attachments(ApplicationKind.NEW, CertificateKind.MOBILE, st)
                           or (kind in optional and rules.needs_legal_rep_image(st))] for kind, _p, _t in UPLOADS}
    uploads = [{"kind": kind.value, "label": ATTACHMENT_KIND_LABELS[kind], "pdf": pdf, "template": template,
                "required_for": required_for[kind]}
               for kind, pdf, template in UPLOADS if kind in new_kinds or kind in optional]
    return _page("member/new.html", "member_pages.certificates", [*CERT_TRAIL, "新签"],
                 enterprise=services().enterprise_name(account.enterprise_id), prices=prices,
                 seal_types=SEAL_TYPE_LABELS, id_types=ID_TYPE_LABELS, uploads=uploads, businesses=BUSINESSES,
                 agreements=list(AGREEMENT_TITLES.items()),
                 max_mb=lc.settings.max_upload_bytes // (1024 * 1024))


@bp.get("/certificates/<int:cert_id>/seals")
@enterprise_page
def assign_seals(account: Account, cert_id: int) -> Any:
    """B8 分配印章: the company seal, the legal-representative seal and the handwritten signature of the
    certificate's bound account (administrators change them; everyone of the enterprise may look)."""
    svc = services()
    trail = [*CERT_TRAIL, "分配印章"]
    try:
        try:
            bound = svc.accounts.get(svc.lifecycle.binding.certificate_account(account, cert_id))
        except DomainError as exc:
            if exc.code != ErrorCode.NOT_BOUND:
                raise
            bound = None
        if bound is None:
            return error_page(409, "该证书未绑定账号，请先绑定", "member_pages.certificates", trail)
        assigned = svc.lifecycle.binding.assignments(account, bound.id)
    except DomainError as exc:
        return _error(exc, "member_pages.certificates", trail)
    seals = _seal_rows(bound.id, assigned)
    return _page("member/seals.html", "member_pages.certificates", trail, bound=bound, seals=seals,
                 can_assign=account.role == Role.ADMIN)


@bp.get("/certificates/<int:cert_id>/<kind>")
@enterprise_page
def apply_for(account: Account, cert_id: int, kind: str) -> Any:
    """续签 (C), 变更 (D, J), 补办, 吊销, 解冻, 延长有效期, 变更手机号 (G) of one certificate: the form of the kind."""
    if kind not in {k.value for k in TOOLBAR}:
        abort(404)
    app_kind = ApplicationKind(kind)
    lc = services().lifecycle
    label = APPLICATION_KIND_LABELS[app_kind]
    trail = [*CERT_TRAIL, label]
    try:
        cert = lc.applications.certificate(account, cert_id)
    except DomainError as exc:
        return _error(exc, "member_pages.certificates", trail)
    facts: dict[str, Any] = {
        "kind": cert.kind, "kind_label": CERTIFICATE_KIND_LABELS[cert.kind], "subject": cert.subject,
        "not_before": cert.not_before, "not_after": cert.not_after,
        "state_label": status_label(cert, utcnow(), lc.settings.renewal_window),
        "phone": cert.contact_phone}
    required = rules.required_attachments(app_kind, facts["kind"])
    uploads = [{"kind": k.value, "label": ATTACHMENT_KIND_LABELS[k], "pdf": pdf, "template": template}
               for k, pdf, template in UPLOADS if k in required]
    prices = [p for p in lc.settings.prices.as_list()
              if p["kind"] == app_kind.value and p["certificate_kind"] == facts["kind"].value]
    reasons = (rules.REVOCATION_REASONS if app_kind == ApplicationKind.REVOKE
               else {k.value: v for k, v in REISSUE_REASON_LABELS.items()} if app_kind == ApplicationKind.REISSUE
               else {})
    return _page("member/apply.html", "member_pages.certificates", trail, cert_id=cert_id, kind=app_kind.value,
                 label=label, cert=facts, uploads=uploads, prices=prices, reasons=reasons, id_types=ID_TYPE_LABELS,
                 handler=app_kind not in (ApplicationKind.REVOKE, ApplicationKind.PHONE_CHANGE),
                 ordered=app_kind in ORDERED_KINDS, max_mb=lc.settings.max_upload_bytes // (1024 * 1024),
                 anxinqian_notice=rules.ANXINQIAN_NOTICE if facts["kind"] == CertificateKind.ANXINQIAN else None)


@bp.get("/applications/<int:app_id>")
@page_login_required
def application(account: Account, app_id: int) -> Any:
    """查看 an application; 查看驳回 shows the reviewer's opinion on top."""
    lc = services().lifecycle
    trail = [*CERT_TRAIL, "查看驳回" if request.args.get("view") == "rejection" else "查看申请"]
    try:
        app = application_view(lc.applications.view(lc.applications.get(account, app_id)))
    except DomainError as exc:
        return _error(exc, "member_pages.certificates", trail)
    present = {a["kind"] for a in app["attachments"] if not a.get("replaced")}
    replaceable = [{"kind": kind.value, "label": ATTACHMENT_KIND_LABELS[kind], "pdf": pdf}
                   for kind, pdf, _template in UPLOADS if kind.value in present]
    return _page("member/application.html", "member_pages.certificates", trail, app=app,
                 rejection=request.args.get("view") == "rejection", id_types=ID_TYPE_LABELS,
                 replaceable=replaceable, max_mb=lc.settings.max_upload_bytes // (1024 * 1024))


@bp.get("/records")
@page_login_required
def records(account: Account) -> Any:
    """E 办理记录 of a certificate (``?certificate=``) or of a 新签 before its certificate (``?application=``)."""
    lc = services().lifecycle
    trail = [*CERT_TRAIL, "办理记录"]
    cert_id = request.args.get("certificate", type=int)
    app_id = request.args.get("application", type=int)
    try:
        if cert_id:
            events = lc.records.for_certificate(account, cert_id)
        elif app_id:
            events = lc.records.for_application(account, app_id)
        else:
            abort(404)
    except DomainError as exc:
        return _error(exc, "member_pages.certificates", trail)
    return _page("member/records.html", "member_pages.certificates", trail, items=[record_view(e) for e in events])


@bp.get("/related-orders")
@enterprise_page
def related_orders(account: Account) -> Any:
    """关联订单: the orders of a certificate's applications, or the order of an application."""
    lc = services().lifecycle
    trail = [*CERT_TRAIL, "关联订单"]
    try:
        if app_id := request.args.get("application", type=int):
            latest = lc.applications.view(lc.applications.get(account, app_id)).order
            orders = [latest] if latest else []
        elif cert_id := request.args.get("certificate", type=int):
            orders = lc.orders.for_certificate(account, cert_id)
        else:
            abort(404)
    except DomainError as exc:
        return _error(exc, "member_pages.certificates", trail)
    items = [order_view(lc.orders.view(o)) for o in orders]
    return _page("member/orders.html", "member_pages.certificates", trail, orders=items, related=True)


# -- B4, B5 orders ----------------------------------------------------------------------------------------
@bp.get("/orders")
@enterprise_page
def orders(account: Account) -> Any:
    lc = services().lifecycle
    shown, pager = _paged(lc.orders.list(account))
    items = [order_view(lc.orders.view(o)) for o in shown]
    return _page("member/orders.html", "member_pages.orders", ["采购订单", "订单管理"], orders=items, pager=pager)


@bp.get("/orders/new")
@enterprise_page
def new_order(account: Account) -> Any:
    """B4 生成订单 / 批量生成订单 of ``?applications=1,2``: 在线支付 and the invoice profile (default preselected)."""
    lc = services().lifecycle
    trail = [*ORDER_TRAIL, "生成订单"]
    try:
        ids = [int(v) for v in request.args.get("applications", "").split(",") if v.strip()][:50]
    except ValueError:
        abort(404)
    try:
        apps = [application_view(lc.applications.view(a)) for a in lc.applications.get_many(account, ids)]
    except DomainError as exc:
        return _error(exc, "member_pages.orders", trail)
    if not apps:
        abort(404)
    profiles = [p for p in lc.invoices.profiles(account)]
    chosen = request.args.get("invoice_profile_id", type=int)  # back from 新增/修改发票
    if chosen not in {p.id for p in profiles}:
        chosen = None
    return _page("member/order_new.html", "member_pages.orders", trail, apps=apps, profiles=profiles, chosen=chosen,
                 total_fen=sum(a["price_fen"] or 0 for a in apps))


@bp.get("/orders/<order_no>")
@enterprise_page
def order(account: Account, order_no: str) -> Any:
    """B5 查看 an order: 支付 (the cashier) while unpaid, 查看电子发票 (F2) once issued."""
    lc = services().lifecycle
    trail = [*ORDER_TRAIL, "订单详情"]
    try:
        found = lc.orders.get(account, order_no)
    except DomainError as exc:
        return _error(exc, "member_pages.orders", trail)
    return _page("member/order.html", "member_pages.orders", trail,
                 order=order_view(lc.orders.view(found)))


# -- F1 invoice profiles ----------------------------------------------------------------------------------
@bp.get("/invoices")
@enterprise_page
def invoices(account: Account) -> Any:
    """F1 发票信息: 新增, 修改, 默认发票, 删除 (confirmed); the default is preselected when ordering."""
    trail = ["发票信息"]
    try:
        items = [profile_view(p) for p in services().lifecycle.invoices.profiles(account)]
    except DomainError as exc:
        return _error(exc, "member_pages.invoices", trail)
    return _page("member/invoices.html", "member_pages.invoices", trail, items=items, types=INVOICE_TYPE_LABELS)


# -- B6 platform review -------------------------------------------------------------------------------------
@bp.get("/review")
@reviewer_page
def review_queue(account: Account) -> Any:
    lc = services().lifecycle
    trail = ["平台审核", "审核管理"]
    wanted = request.args.get("status", ApplicationStatus.PENDING_REVIEW.value)
    if wanted not in {st.value for st in REVIEW_STATUSES}:
        wanted = ApplicationStatus.PENDING_REVIEW.value
    try:
        shown, pager = _paged(lc.review.queue(account, ApplicationStatus(wanted)))
        items = [application_view(lc.applications.view(a)) for a in shown]
    except DomainError as exc:
        return _error(exc, "member_pages.review_queue", trail)
    statuses = [(st.value, APPLICATION_STATUS_LABELS[st]) for st in REVIEW_STATUSES]
    return _page("member/review_queue.html", "member_pages.review_queue", trail, items=items, statuses=statuses,
                 pager=pager,
                 status=wanted, status_label=APPLICATION_STATUS_LABELS[ApplicationStatus(wanted)])


@bp.get("/review/<int:app_id>")
@reviewer_page
def review(account: Account, app_id: int) -> Any:
    """One application: its data and attachments (previews), 审核通过 with 维护印章信息, or 驳回 with an opinion."""
    lc = services().lifecycle
    trail = [*REVIEW_TRAIL, "审核"]
    try:
        app = application_view(lc.applications.view(lc.review.get(account, app_id)))
    except DomainError as exc:
        return _error(exc, "member_pages.review_queue", trail)
    current = [a for a in app["attachments"] if not a.get("replaced")]
    company = [a for a in current if a["kind"] == AttachmentKind.COMPANY_SEAL.value]
    # 法定代表人签(名)章 defaults to the square seal (法人签章); the signature image only when picked.
    legal_order = (AttachmentKind.LEGAL_REP_SEAL.value, AttachmentKind.LEGAL_REP_SIGNATURE.value)
    legal = sorted((a for a in current if a["kind"] in legal_order), key=lambda a: legal_order.index(a["kind"]))
    return _page("member/review.html", "member_pages.review_queue", trail, app=app, attachments=current,
                 company=company, legal=legal)
