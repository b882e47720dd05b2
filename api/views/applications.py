"""Applications on the PC (B1–B3, B6, E, I, J): uploads, 新签, 查看驳回, 重新申请, 确认收货, templates, SMS, prices."""

from __future__ import annotations

from flask import Blueprint, request

from signer.accounts.models import Account
from signer.core.errors import ValidationFailed
from signer.sms.enums import SmsPurpose

from ..apidoc import doc
from ..auth import client_ip, pc_login_required, services
from ..http import file_response, json_body
from ..presenters import application_view, attachment_view, form_of, record_view, submitted
from ..schemas.accounts import AccountChoiceListSchema, AccountChoiceQuerySchema
from ..schemas.applications import (
    ApplicationListSchema,
    ApplicationQuerySchema,
    ApplicationSchema,
    AttachmentSchema,
    InfoCheckedSchema,
    NewApplicationInfoSchema,
    NewApplicationSchema,
    ReapplySchema,
    SmsSendSchema,
    SmsSentSchema,
    SubmittedSchema,
    UploadFormSchema,
)
from ..schemas.billing import PriceListSchema
from ..schemas.certificates import RecordListSchema
from ..schemas.forms import AttachmentUploadFormSchema

bp = Blueprint("applications_api", __name__, url_prefix="/api/v1")


@bp.post("/uploads")
@doc(tag="Applications", form=AttachmentUploadFormSchema, response=AttachmentSchema, status=201,
     errors=(400, 413))
@pc_login_required
def upload(account: Account):
    """B3 附件上传: one file (multipart ``file``) of a kind; jpg/png (scans also PDF), checked by content."""
    data = UploadFormSchema().load(request.form.to_dict())
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed("请选择要上传的文件", details={"file": ["必填"]})
    limit = services().lifecycle.settings.max_upload_bytes
    content = upload.stream.read(limit + 1)
    row = services().lifecycle.applications.upload(account, data["kind"], upload.filename, content, client_ip())
    return AttachmentSchema().dump(attachment_view(row)), 201


@bp.get("/uploads/<int:attachment_id>")
@doc(tag="Applications", produces=("image/png", "image/jpeg", "application/pdf"), errors=(404,))
@pc_login_required
def download_upload(account: Account, attachment_id: int):
    """查看/下载 an attachment of one's enterprise (reviewers: of any submitted application)."""
    row, data = services().lifecycle.applications.attachment(account, attachment_id)
    return file_response(data, row.content_type, row.filename)


@bp.post("/applications/new")
@doc(tag="Applications", request=NewApplicationSchema, response=SubmittedSchema, status=201,
     errors=(400, 409, 429))
@pc_login_required
def apply_new(account: Account):
    """B1–B3 新签 (移动端证书 or 实体KEY证书): agreements, 办理信息, attachments, SMS code → 待生成订单."""
    data = NewApplicationSchema().load(json_body())
    app = services().lifecycle.applications.apply_new(account, form_of(data), client_ip())
    return submitted(account, app, data)


@bp.post("/applications/new/check")
@doc(tag="Applications", request=NewApplicationInfoSchema, response=InfoCheckedSchema, errors=(400, 409, 429))
@pc_login_required
def check_new_info(account: Account):
    """B2 保存并下一步: check 办理信息 and the SMS code (not used up) with the submission's rule; a 400 names
    every wrong field in ``details``."""
    data = NewApplicationInfoSchema().load(json_body())
    services().lifecycle.applications.check_new_info(account, form_of(data))
    return InfoCheckedSchema().dump({"ok": True})


@bp.get("/applications")
@doc(tag="Applications", query=ApplicationQuerySchema, response=ApplicationListSchema)
@pc_login_required
def applications(account: Account):
    """The enterprise's applications (newest first)."""
    query = ApplicationQuerySchema().load(request.args.to_dict())
    lc = services().lifecycle
    rows = lc.applications.list(account, query["status"], query["kind"])
    items = [application_view(lc.applications.view(a)) for a in rows]
    return ApplicationListSchema().dump({"items": items})


@bp.get("/applications/<int:app_id>")
@doc(tag="Applications", response=ApplicationSchema, errors=(404,))
@pc_login_required
def application(account: Account, app_id: int):
    """查看 an application."""
    lc = services().lifecycle
    return ApplicationSchema().dump(application_view(lc.applications.view(lc.applications.get(account, app_id))))


@bp.get("/applications/<int:app_id>/rejection")
@doc(tag="Applications", response=ApplicationSchema, errors=(409,))
@pc_login_required
def rejection(account: Account, app_id: int):
    """查看驳回: the rejected application with the reviewer's opinion."""
    lc = services().lifecycle
    return ApplicationSchema().dump(application_view(lc.applications.view(lc.applications.rejection(account, app_id))))


@bp.post("/applications/<int:app_id>/reapply")
@doc(tag="Applications", request=ReapplySchema, response=ApplicationSchema, errors=(409,))
@pc_login_required
def reapply(account: Account, app_id: int):
    """重新申请 after a rejection: update the handler / attachments, SMS check → 待审核."""
    data = ReapplySchema().load(json_body())
    lc = services().lifecycle
    app = lc.applications.reapply(account, app_id, form_of(data), client_ip())
    return ApplicationSchema().dump(application_view(lc.applications.view(app)))


@bp.post("/applications/<int:app_id>/cancel")
@doc(tag="Applications", response=ApplicationSchema, errors=(409,))
@pc_login_required
def cancel(account: Account, app_id: int):
    """撤销 an application that is 待生成订单 or 已驳回."""
    lc = services().lifecycle
    app = lc.applications.cancel(account, app_id, client_ip())
    return ApplicationSchema().dump(application_view(lc.applications.view(app)))


@bp.post("/applications/<int:app_id>/received")
@doc(tag="Applications", response=ApplicationSchema, errors=(409,))
@pc_login_required
def received(account: Account, app_id: int):
    """I 确认收货: the physical KEY arrived (已签收); its certificate takes effect (已生效)."""
    lc = services().lifecycle
    app = lc.shipping.received(account, app_id, client_ip())
    return ApplicationSchema().dump(application_view(lc.applications.view(app)))


@bp.get("/applications/<int:app_id>/records")
@doc(tag="Applications", response=RecordListSchema)
@pc_login_required
def application_records(account: Account, app_id: int):
    """办理记录 of an application (a 新签 before its certificate exists)."""
    events = services().lifecycle.records.for_application(account, app_id)
    return RecordListSchema().dump({"items": [record_view(e) for e in events]})


@bp.get("/templates/<name>.pdf")
@doc(tag="Applications", choices={"name": ("application-form", "seal-form", "anxinqian-rename-form")},
     produces=("application/pdf",), errors=(404,))
@pc_login_required
def template(account: Account, name: str):
    """下载模板: 企业数字证书申请表 (application-form), 印章采集表 (seal-form), 安心签数字证书更名申请表
    (anxinqian-rename-form), filled with the enterprise's data."""
    filename, pdf = services().lifecycle.documents.template(account, name)
    return file_response(pdf, "application/pdf", filename)


@bp.post("/sms/send")
@doc(tag="Applications", request=SmsSendSchema, response=SmsSentSchema, errors=(429,))
@pc_login_required
def send_sms(account: Account):
    """发送验证码: to the caller's own phone (手机验证), or to the new number of 变更手机号."""
    data = SmsSendSchema().load(json_body())
    phone = data["phone"] if data["purpose"] == SmsPurpose.PHONE_CHANGE else account.phone
    sent = services().lifecycle.sms.send(phone, data["purpose"], client_ip())
    return SmsSentSchema().dump({"phone": phone[:3] + "****" + phone[-4:], "expires_at": sent.expires_at,
                                 "resend_after": sent.resend_after})


@bp.get("/prices")
@doc(tag="Applications", response=PriceListSchema)
@pc_login_required
def prices(account: Account):
    """申请期限 and price (in fen) of every paid kind, from the configurable price table."""
    return PriceListSchema().dump({"items": services().lifecycle.settings.prices.as_list()})


@bp.get("/accounts/eligible")
@doc(tag="Applications", query=AccountChoiceQuerySchema, response=AccountChoiceListSchema)
@pc_login_required
def eligible_accounts(account: Account):
    """绑定账号 choices: the enterprise's accounts without an active certificate of the kind."""
    query = AccountChoiceQuerySchema().load(request.args.to_dict())
    items = services().lifecycle.applications.eligible_accounts(account, query["certificate_kind"])
    return AccountChoiceListSchema().dump({"items": items})
