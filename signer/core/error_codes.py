"""Every error ``code`` the service answers with, and what each means to a person.

The value is the wire value (``{"error": {"code": ...}}``); raise sites pass a member
(``NotFound(..., code=ErrorCode.DRAFT_NOT_FOUND)``), never a bare string. The OpenAPI document lists them
all with their labels (api/views/openapi.py).
"""

from __future__ import annotations

from signer.core.labels import LabelledStrEnum


class ErrorCode(LabelledStrEnum):
    """A stable, machine-readable error code with a Chinese label (``.label``)."""

    # -- the domain error classes' defaults (signer/core/errors.py) --------------------------------------
    ERROR = "error", "请求失败"
    VALIDATION_FAILED = "validation_failed", "请求参数有误"
    NOT_AUTHENTICATED = "not_authenticated", "未登录或登录已失效"
    FORBIDDEN = "forbidden", "没有权限执行此操作"
    NOT_FOUND = "not_found", "资源不存在"
    CONFLICT = "conflict", "状态冲突，操作未执行"
    EXPIRED = "expired", "已过期（证书已过有效期等）"
    TOO_LARGE = "too_large", "内容过大"
    UNPROCESSABLE = "unprocessable", "无法处理的请求"
    RATE_LIMITED = "rate_limited", "请求过于频繁，请稍后再试"
    INTERNAL = "internal", "服务器内部错误"

    # -- HTTP errors raised by the framework (api/errors.py, from the exception's name) ---------------
    BAD_REQUEST = "bad_request", "请求格式错误"
    UNAUTHORIZED = "unauthorized", "未授权"
    METHOD_NOT_ALLOWED = "method_not_allowed", "不支持的请求方法"
    NOT_ACCEPTABLE = "not_acceptable", "无法提供所需的响应格式"
    GONE = "gone", "资源已不存在"
    REQUEST_ENTITY_TOO_LARGE = "request_entity_too_large", "上传的文件过大"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type", "不支持的内容类型"
    TOO_MANY_REQUESTS = "too_many_requests", "请求过于频繁"
    INTERNAL_SERVER_ERROR = "internal_server_error", "服务器内部错误"
    SERVICE_UNAVAILABLE = "service_unavailable", "服务暂不可用"

    # -- accounts, login, tokens ------------------------------------------------------------------------
    BAD_CREDENTIALS = "bad_credentials", "用户名或密码错误"
    LOGIN_REQUIRED = "login_required", "请先登录"
    LOGIN_SESSION_NOT_FOUND = "login_session_not_found", "登录会话不存在或已结束"
    CSRF_FAILED = "csrf_failed", "跨站校验失败，请刷新页面后重试"
    NO_TOKEN = "no_token", "缺少访问令牌"
    BAD_TOKEN = "bad_token", "访问令牌无效或已过期"
    BAD_API_KEY = "bad_api_key", "API 密钥无效"
    NOT_ADMIN = "not_admin", "只有企业管理员可以执行此操作"
    NOT_REVIEWER = "not_reviewer", "只有平台审核员可以执行此操作"
    NOT_ENTERPRISE_ACCOUNT = "not_enterprise_account", "只有企业账号可以办理证书业务"
    ACCOUNT_HAS_CERTIFICATE = "account_has_certificate", "该账号已有有效证书"
    CONFIRMATION_REQUIRED = "confirmation_required", "需要确认后才能执行"
    BAD_CONTENT_TYPE = "bad_content_type", "请求的内容类型不正确"

    # -- state machines -----------------------------------------------------------------------------
    ILLEGAL_TRANSITION = "illegal_transition", "当前状态不能执行此操作"
    STATE_CHANGED = "state_changed", "状态已被他人更改，请刷新后重试"

    # -- certificates, keystore, CA ----------------------------------------------------------------------
    CA_MISSING = "ca_missing", "CA 尚未初始化"
    BAD_CSR = "bad_csr", "证书请求无效"
    BEYOND_CA_VALIDITY = "beyond_ca_validity", "有效期超出平台CA的有效期"
    KEY_TYPE = "key_type", "原证书的密钥类型不支持续用"
    ALREADY_REVOKED = "already_revoked", "证书已吊销"
    CERTIFICATE_EXPIRED = "certificate_expired", "证书已过有效期，不能签署"
    CERTIFICATE_FROZEN = "certificate_frozen", "证书已冻结"
    CERTIFICATE_REVOKED = "certificate_revoked", "证书已吊销，不能签署"
    CERTIFICATE_UNUSABLE = "certificate_unusable", "证书当前不能使用"
    NOT_EFFECTIVE = "not_effective", "证书不是生效状态"
    NO_CERTIFICATE = "no_certificate", "本设备上没有有效的移动端证书"
    WRONG_PASSWORD = "wrong_password", "签名密码错误"
    USAGE_EXHAUSTED = "usage_exhausted", "证书剩余次数不足"
    CHALLENGE_USED = "challenge_used", "解锁挑战已使用或已过期"
    WRONG_DEVICE = "wrong_device", "证书不在本设备上"
    DOWNLOAD_WITH_NEW_KEY = "download_with_new_key", "此证书需要在手机上生成新密钥，请使用下载证书"
    INSTALL_SAME_KEY = "install_same_key", "此证书沿用原证书的密钥，请在原手机上安装"
    NOT_MOBILE = "not_mobile", "只有移动端证书可以办理此业务"
    NOT_BOUND = "not_bound", "证书未绑定账号"
    NOT_SUPPORTED = "not_supported", "该证书类型不支持此业务"
    ANXINQIAN_SUSPENDED = "anxinqian_suspended", "安心签证书业务已暂停"

    # -- applications, KEY shipping, orders, payments, invoices ---------------------------------------
    APPLICATION_OPEN = "application_open", "该证书已有办理中的申请"
    ATTACHMENT_USED = "attachment_used", "附件已被其他申请使用"
    BAD_SEAL_ATTACHMENT = "bad_seal_attachment", "所选印章图片不属于该申请"
    SEALS_REQUIRED = "seals_required", "请维护印章信息"
    NOT_REJECTED = "not_rejected", "该申请未被驳回"
    NOT_KEY = "not_key", "只有已审核通过的实体KEY证书可以邮寄"
    NOT_SHIPPED = "not_shipped", "该申请没有邮寄信息"
    NOT_PRODUCED = "not_produced", "该KEY尚未制作"
    NOT_IN_TRANSIT = "not_in_transit", "该KEY不在邮寄途中"
    KEY_TOKEN_UNAVAILABLE = "key_token_unavailable", "制作实体KEY的设备不可用"
    NOT_PRICED = "not_priced", "该业务不需要订单"
    NOT_PAYABLE = "not_payable", "订单不是待支付状态"
    NOT_PAID = "not_paid", "订单未支付"
    NOT_SUCCESS = "not_success", "支付未成功"
    AMOUNT_MISMATCH = "amount_mismatch", "支付金额与订单金额不符"
    BAD_NOTIFICATION = "bad_notification", "支付通知格式错误"
    BAD_SIGNATURE = "bad_signature", "支付通知签名无效"
    NO_INVOICE = "no_invoice", "电子发票尚未开具"
    NO_INVOICE_PROFILE = "no_invoice_profile", "订单未选择发票信息"

    # -- SMS verification ----------------------------------------------------------------------------
    SMS_MISSING = "sms_missing", "验证码无效，请先获取验证码"
    SMS_WRONG = "sms_wrong", "验证码错误"
    SMS_EXPIRED = "sms_expired", "验证码已过期"
    SMS_LOCKED = "sms_locked", "验证码已使用或错误次数过多"
    SMS_TOO_SOON = "sms_too_soon", "验证码已发送，请稍后再获取"

    # -- uploads and images ------------------------------------------------------------------------------
    FILE_EMPTY = "file_empty", "文件为空"
    FILE_TOO_LARGE = "file_too_large", "文件过大"
    FILE_TYPE = "file_type", "不支持的文件类型"
    TYPE_MISMATCH = "type_mismatch", "文件的内容与扩展名不符"
    TOO_MANY_UPLOADS = "too_many_uploads", "上传过于频繁"
    NOT_IMAGE = "not_image", "只有图片附件可以预览"
    IMAGE_TYPE = "image_type", "只支持 jpg、jpeg、png 图片"
    IMAGE_SIZE = "image_size", "图片尺寸不合适"
    IMAGE_TOO_LARGE = "image_too_large", "图片过大"
    IMAGE_UNREADABLE = "image_unreadable", "图片无法解析或已损坏"
    NOT_TRANSPARENT = "not_transparent", "印章图片必须是透明背景"
    NO_INK = "no_ink", "图片中没有找到印章或签字"
    UNKNOWN_TOOL = "unknown_tool", "不支持的图片工具"
    UNSUPPORTED_CHARACTERS = "unsupported_characters", "文字中有字体不支持的字符"
    NO_CJK_FONT = "no_cjk_font", "服务器未安装中文字体"

    # -- seals and handwriting -----------------------------------------------------------------------------
    SEAL_NOT_ASSIGNED = "seal_not_assigned", "未被分配该印章"
    SEAL_IMAGE_MISSING = "seal_image_missing", "印章没有图片"
    NO_HANDWRITING = "no_handwriting", "尚未设置手写签名"
    BAD_HANDWRITING = "bad_handwriting", "请提供笔迹或PNG图片之一"
    BAD_STROKES = "bad_strokes", "签名笔迹无效"
    WRONG_KIND = "wrong_kind", "手写签名由本人在APP中设置"

    # -- signing sessions, drafts, QR codes -------------------------------------------------------------
    BAD_QR = "bad_qr", "二维码内容无效"
    BAD_QR_SIGNATURE = "bad_qr_signature", "二维码校验失败"
    STALE_QR = "stale_qr", "二维码已过期"
    ALREADY_SCANNED = "already_scanned", "该二维码已被使用"
    NOT_WAITING = "not_waiting", "该会话已不再等待扫码"
    NOT_YOUR_SESSION = "not_your_session", "此签署会话由其他设备扫码"
    NOT_BOUND_BROWSER = "not_bound_browser", "只有发起签署的浏览器可以继续此签署"
    NOT_DESIGNATED_SIGNER = "not_designated_signer", "此文件指定了其他签署人"
    WRONG_ENTERPRISE = "wrong_enterprise", "账号不属于发起签署的企业"
    WRONG_ROUND = "wrong_round", "签署轮次不匹配或已完成"
    SESSION_EXPIRED = "session_expired", "签署会话已过期"
    NOT_SIGNED = "not_signed", "文件尚未签署完成"
    BAD_SIGNATURE_VALUE = "bad_signature_value", "签名值校验失败"
    HANDOFF_USED = "handoff_used", "链接已使用或已过期"
    DRAFT_NOT_FOUND = "draft_not_found", "待签文件不存在"
    DRAFT_EXPIRED = "draft_expired", "待签文件已过期"
    NO_SUCH_PAGE = "no_such_page", "页面不存在"

    # -- PDF documents: ``pdf_`` + the pdfsign ``PdfRejected.code`` (see ``for_pdf``) -------------------
    PDF_TOO_LARGE = "pdf_too_large", "PDF 文件过大"
    PDF_NOT_PDF = "pdf_not_pdf", "文件不是 PDF 格式"
    PDF_UNREADABLE = "pdf_unreadable", "无法解析该 PDF 文件"
    PDF_ENCRYPTED = "pdf_encrypted", "不支持加密的 PDF 文件"
    PDF_ACTIVE_CONTENT = "pdf_active_content", "PDF 含有脚本等活动内容"
    PDF_DECOMPRESSION_BOMB = "pdf_decompression_bomb", "PDF 解压后过大"
    PDF_TOO_COMPLEX = "pdf_too_complex", "PDF 过于复杂，无法处理"
    PDF_CANNOT_SIGN = "pdf_cannot_sign", "该 PDF 不能签署"
    PDF_LOCKED = "pdf_locked", "PDF 已锁定，不能再签署"
    PDF_BAD_PAGE = "pdf_bad_page", "签署页面不存在"
    PDF_BAD_PLACEMENT = "pdf_bad_placement", "签章位置无效"
    PDF_FIELD_EXISTS = "pdf_field_exists", "签名域已存在"
    PDF_FIELD_FILLED = "pdf_field_filled", "签名域已签署"
    PDF_NO_SUCH_FIELD = "pdf_no_such_field", "签名域不存在"

    @classmethod
    def for_pdf(cls, pdf_code: str) -> ErrorCode:
        """The code for a refused PDF (``pdfsign.PdfRejected.code``): ``pdf_`` + its code."""
        member = cls._value2member_map_.get(f"pdf_{pdf_code}")
        return member if isinstance(member, ErrorCode) else cls.PDF_UNREADABLE

    @classmethod
    def for_http(cls, name: str | None) -> ErrorCode | str:
        """The code for a framework HTTP error, from its name ("Method Not Allowed" → method_not_allowed).

        Names not listed above pass through unchanged, so the wire value never depends on this list."""
        derived = (name or "error").lower().replace(" ", "_")
        member = cls._value2member_map_.get(derived)
        return member if isinstance(member, ErrorCode) else derived
