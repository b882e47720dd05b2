"""证书管理 on the PC (A1–A5, C, D, E, G, B8, H6/H7, I): the list, records, the toolbar's applications."""

from __future__ import annotations

from flask import Blueprint, request

from signer.accounts.models import Account
from signer.applications.enums import APPLICATION_KIND_LABELS, ApplicationKind
from signer.certificates.listing import ListFilter
from signer.core.errors import ErrorCode, NotFound
from signer.seals.enums import SealKind

from ..apidoc import doc
from ..auth import client_ip, pc_login_required, services
from ..http import file_response, json_body
from ..presenters import assignments_view, form_of, order_view, record_view, submitted
from ..schemas.applications import CertificateApplicationSchema, SubmittedSchema
from ..schemas.billing import OrderListSchema
from ..schemas.certificates import (
    BindSchema,
    BoundCertificateSchema,
    CertificateListQuerySchema,
    CertificatePageSchema,
    ConfirmSchema,
    KeyPinResultSchema,
    KeyPinVerifySchema,
    RecordListSchema,
    bound_view,
)
from ..schemas.common import ChallengeResultSchema, challenge_reply
from ..schemas.seals import SealAssignmentsSchema, SealAssignSchema

bp = Blueprint("certificates_api", __name__, url_prefix="/api/v1")
K = ApplicationKind
# Toolbar (A3) operations on one certificate, at /certificates/{id}/{kind} (the list's row operations).
TOOLBAR = (K.RENEW, K.CHANGE, K.REISSUE, K.REVOKE, K.UNFREEZE, K.EXTEND, K.PHONE_CHANGE)
_NOTES = {
    K.RENEW: "only 即将失效 / 已失效; keeps the key (the APP installs the new certificate)",
    K.CHANGE: "已生效 certificates, e.g. after the enterprise was renamed; 安心签: its two attachments, fee 0",
    K.REISSUE: "reason lost / forgot_password / new_device; the old certificate is withdrawn on approval, new key",
    K.REVOKE: "administrators only; immediate; reason key_compromise / affiliation_changed / "
              "cessation_of_operation / privilege_withdrawn",
    K.UNFREEZE: "已冻结 (5 wrong signing passwords); SMS check and review, no fee",
    K.EXTEND: "已生效 / 即将失效; adds the period to the current expiry, keeps the key",
    K.PHONE_CHANGE: "new_phone, verified by an SMS code sent to it (purpose phone_change); immediate",
}


@bp.get("/certificates")
@doc(tag="Certificates", query=CertificateListQuerySchema, response=CertificatePageSchema)
@pc_login_required
def certificates(account: Account):
    """A1/A2 证书管理: filters 证书类型, 状态, 绑定账号, 绑定姓名; 10 per page; one status per row (A5)."""
    q = CertificateListQuerySchema().load(request.args.to_dict())
    page = services().lifecycle.listing.page(account, ListFilter(
        kind=q["kind"], state=q["status"], username=q["account"], name=q["name"], page=q["page"],
        per_page=q["per_page"]))
    return CertificatePageSchema().dump(page.__dict__)


@bp.get("/certificates/<int:cert_id>/records")
@doc(tag="Certificates", response=RecordListSchema, errors=(404,))
@pc_login_required
def records(account: Account, cert_id: int):
    """E 办理记录: every action on the certificate and its applications, from the hash-chained audit."""
    events = services().lifecycle.records.for_certificate(account, cert_id)
    return RecordListSchema().dump({"items": [record_view(e) for e in events]})


@bp.get("/certificates/<int:cert_id>/orders")
@doc(tag="Certificates", response=OrderListSchema)
@pc_login_required
def related_orders(account: Account, cert_id: int):
    """关联订单: the orders of the certificate's applications."""
    lc = services().lifecycle
    orders = lc.orders.for_certificate(account, cert_id)
    return OrderListSchema().dump({"items": [order_view(lc.orders.view(o)) for o in orders]})


def _toolbar_view(path: str, kind: ApplicationKind):
    def view(account: Account, cert_id: int):
        data = CertificateApplicationSchema().load(json_body())
        app = services().lifecycle.applications.apply_for(account, cert_id, kind, form_of(data), client_ip())
        return submitted(account, app, data)

    view.__name__ = f"apply_{path}"
    view.__doc__ = f"{APPLICATION_KIND_LABELS[kind]} of one certificate: {_NOTES[kind]}."
    return doc(tag="Certificates", request=CertificateApplicationSchema, response=SubmittedSchema, status=201,
               errors=(400, 404, 409))(view)


for _kind in TOOLBAR:
    bp.add_url_rule(f"/certificates/<int:cert_id>/{_kind.value}",
                    view_func=pc_login_required(_toolbar_view(_kind.value, _kind)), methods=["POST"])


@bp.post("/certificates/<int:cert_id>/unbind")
@doc(tag="Certificates", request=ConfirmSchema, response=BoundCertificateSchema, errors=(403, 409))
@pc_login_required
def unbind(account: Account, cert_id: int):
    """H6 解绑 (also from the APP): after ``confirm``, the certificate can no longer sign; an unbound successor
    with the same expiry waits to be bound."""
    data = ConfirmSchema().load(json_body())
    cert = services().lifecycle.binding.unbind(account, cert_id, data["confirm"], client_ip())
    return BoundCertificateSchema().dump(bound_view(services().lifecycle.binding, cert))


@bp.post("/certificates/<int:cert_id>/bind")
@doc(tag="Certificates", request=BindSchema, response=BoundCertificateSchema, errors=(403, 409))
@pc_login_required
def bind(account: Account, cert_id: int):
    """H7 绑定: an administrator gives an unbound certificate to an operator without one."""
    data = BindSchema().load(json_body())
    cert = services().lifecycle.binding.bind(account, cert_id, data["account_id"], client_ip())
    return BoundCertificateSchema().dump(bound_view(services().lifecycle.binding, cert))


@bp.get("/accounts/<int:account_id>/seals")
@doc(tag="Certificates", response=SealAssignmentsSchema)
@pc_login_required
def seals(account: Account, account_id: int):
    """B8 the seals assigned to an account of the enterprise."""
    return SealAssignmentsSchema().dump(assignments_view(
        account_id, services().lifecycle.binding.assignments(account, account_id)))


@bp.get("/accounts/<int:account_id>/seals/<kind>.png")
@doc(tag="Certificates", choices={"kind": tuple(k.value for k in SealKind)}, produces=("image/png",),
     errors=(404,))
@pc_login_required
def seal_image(account: Account, account_id: int, kind: str):
    """B8 分配印章: the image the account's seal of a kind shows (404 when there is none, e.g. no 手写签名)."""
    if kind not in {k.value for k in SealKind}:
        raise NotFound("印章类型不存在")
    png = services().lifecycle.binding.seal_image(account, account_id, SealKind(kind))
    if png is None:
        raise NotFound("尚无该印章图片", code=ErrorCode.NO_HANDWRITING if kind == SealKind.HANDWRITTEN else None)
    return file_response(png, "image/png", f"{kind}.png", inline=True)


@bp.put("/accounts/<int:account_id>/seals")
@doc(tag="Certificates", request=SealAssignSchema, response=SealAssignmentsSchema, errors=(403,))
@pc_login_required
def assign_seals(account: Account, account_id: int):
    """B8 分配印章 (administrators only): company seal, legal-representative seal, handwritten signature."""
    data = SealAssignSchema().load(json_body())
    wanted = {SealKind(k): v for k, v in data.items() if v is not None}
    result = services().lifecycle.binding.assign(account, account_id, wanted, client_ip())
    return SealAssignmentsSchema().dump(assignments_view(account_id, result))


@bp.post("/certificates/<int:cert_id>/key-pin/challenge")
@doc(tag="Certificates", response=ChallengeResultSchema, errors=(403,))
@pc_login_required
def key_pin_challenge(account: Account, cert_id: int):
    """I: a single-use challenge for the KEY middleware to check the KEY's PIN (the holder's PC session)."""
    challenge = services().lifecycle.keypin.challenge(account, cert_id)
    return challenge_reply(challenge)


@bp.post("/certificates/<int:cert_id>/key-pin/verify")
@doc(tag="Certificates", request=KeyPinVerifySchema, response=KeyPinResultSchema, errors=(403,))
@pc_login_required
def key_pin_verify(account: Account, cert_id: int):
    """I: the KEY PIN's unlock answer; 5 consecutive wrong ones freeze the certificate (已冻结 → 解冻)."""
    data = KeyPinVerifySchema().load(json_body())
    outcome = services().lifecycle.keypin.verify(account, cert_id, data["challenge_id"], data["response"], client_ip())
    return KeyPinResultSchema().dump({"ok": outcome.ok, "remaining": outcome.remaining, "frozen": outcome.frozen})
