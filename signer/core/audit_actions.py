"""Every audit action the service records, and how 办理记录 names it.

The value is what is stored in ``audit_events.action`` (and hashed into the chain), so values never change;
``audit.record`` callers pass a member (``AuditAction.ORDER_PAID``), never a bare string.
"""

from __future__ import annotations

from signer.core.labels import LabelledStrEnum


class AuditAction(LabelledStrEnum):
    """A stored audit action with its Chinese label (``.label``), as 办理记录 shows it."""

    # -- applications (manual: 证书新签/续签/变更/注销) -----------------------------------------------------
    APPLICATION_SUBMIT = "application:submit", "提交申请"
    APPLICATION_ORDER = "application:order", "加入订单"
    APPLICATION_REAPPLY = "application:reapply", "重新申请"
    APPLICATION_CANCEL = "application:cancel", "撤销申请"
    APPLICATION_APPROVE = "application:approve", "审核通过"
    APPLICATION_REJECT = "application:reject", "审核驳回"
    ATTACHMENT_UPLOAD = "attachment:upload", "上传附件"

    # -- orders, payments, invoices --------------------------------------------------------------------
    ORDER_CREATE = "order:create", "生成订单"
    ORDER_PAID = "order:paid", "支付成功"
    ORDER_CANCEL = "order:cancel", "取消订单"
    PAYMENT_REFUSED = "payment:refused", "支付通知被拒绝"
    INVOICE_ISSUE = "invoice:issue", "开具电子发票"
    INVOICE_PROFILE_CREATE = "invoice-profile:create", "新增发票信息"
    INVOICE_PROFILE_UPDATE = "invoice-profile:update", "修改发票信息"
    INVOICE_PROFILE_DEFAULT = "invoice-profile:default", "设为默认发票信息"
    INVOICE_PROFILE_DELETE = "invoice-profile:delete", "删除发票信息"

    # -- certificates ----------------------------------------------------------------------------------
    CERTIFICATE_CREATE = "certificate:create", "生成证书记录"
    CERTIFICATE_ABOUT_TO_ISSUE = "certificate:about-to-issue", "签发证书"
    CERTIFICATE_DOWNLOAD = "certificate:download", "APP下载证书"
    CERTIFICATE_INSTALL = "certificate:install", "APP安装证书"
    CERTIFICATE_WITHDRAW_UNDELIVERED = "certificate:withdraw-undelivered", "收回未送达的证书"
    CERTIFICATE_REVOKE = "certificate:revoke", "吊销证书"
    CERTIFICATE_WITHDRAW = "certificate:withdraw", "收回证书"
    CERTIFICATE_FREEZE = "certificate:freeze", "证书冻结"
    CERTIFICATE_UNFREEZE = "certificate:unfreeze", "解冻证书"
    CERTIFICATE_PHONE = "certificate:phone", "变更手机号"
    CERTIFICATE_UNBIND = "certificate:unbind", "解绑"
    CERTIFICATE_BIND = "certificate:bind", "绑定"
    CERTIFICATE_SHIP = "certificate:ship", "制作并邮寄KEY"
    CERTIFICATE_DELIVERED = "certificate:delivered", "KEY已签收"
    CERTIFICATE_ANXINQIAN_CHANGE = "certificate:anxinqian-change", "安心签证书变更"
    CERTIFICATE_SEED_PENDING_DOWNLOAD = "certificate:seed-pending-download", "初始化证书"
    CERTIFICATE_SEED_ANXINQIAN = "certificate:seed-anxinqian", "初始化安心签证书"
    KEYSTORE_WRONG_PASSWORD = "keystore:wrong-password", "签名密码错误"
    KEYSTORE_CHANGE_PASSWORD = "keystore:change-password", "修改签名密码"

    # -- platform CA ----------------------------------------------------------------------------------
    CA_INIT = "ca:init", "初始化平台CA"
    CA_SERVICE_CERTIFICATE = "ca:service-certificate", "签发平台服务证书"

    # -- enterprises, accounts, devices, API clients ------------------------------------------------------
    ENTERPRISE_CREATE = "enterprise:create", "创建企业"
    ACCOUNT_CREATE = "account:create", "创建账号"
    ACCOUNT_LOGIN = "account:login", "登录"
    ACCOUNT_LOGOUT = "account:logout", "退出登录"
    ACCOUNT_SESSION_END = "account:session-end", "管理员结束登录会话"
    DEVICE_REGISTER = "device:register", "注册设备"
    API_CLIENT_CREATE = "api-client:create", "创建API客户端"

    # -- seals and handwriting ------------------------------------------------------------------------------
    SEAL_IMAGE = "seal:image", "维护印章图片"
    SEAL_ASSIGN = "seal:assign", "分配印章"
    SEAL_UNASSIGN = "seal:unassign", "收回印章"
    SEAL_HANDWRITING = "seal:handwriting", "设置手写签名"

    # -- signing ----------------------------------------------------------------------------------------
    SIGNING_CREATE = "signing:create", "发起签署"
    SIGNING_DRAFT = "signing:draft", "上传待签文件"
    SIGNING_DRAFT_START = "signing:draft_start", "待签文件发起签署"
    SIGNING_DRAFT_PURGE = "signing:draft_purge", "清理过期待签文件"
    SIGNING_HANDOFF = "signing:handoff", "业务系统转交签署"
    SIGNING_SCAN = "signing:scan", "扫码签署"
    SIGNING_APPROVE = "signing:approve", "确认签署"
    SIGNING_SIGNED = "signing:signed", "签署完成"
    SIGNING_REJECT = "signing:reject", "拒绝签署"
    SIGNING_CANCEL = "signing:cancel", "取消签署"
    SIGNING_FAIL = "signing:fail", "签署失败"
    SIGNING_EXPIRE = "signing:expire", "签署会话过期"


def action_label(action: str) -> str:
    """The Chinese label of a stored action; a string no member knows (an old row) shows as it is."""
    member = AuditAction._value2member_map_.get(action)
    return member.label if isinstance(member, AuditAction) else action
