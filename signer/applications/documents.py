"""下载模板 (B3, J): the forms an enterprise prints, stamps and uploads again, filled with its data."""

from __future__ import annotations

from collections.abc import Callable

from signer.accounts import access
from signer.accounts.models import Account, Enterprise
from signer.billing.pdfdoc import Page, render
from signer.core.db import Database, must_get
from signer.core.errors import NotFound
from signer.core.models import utcnow
from signer.core.timeutil import beijing_text

TEMPLATES = {
    "application-form": "企业数字证书申请表",
    "seal-form": "印章采集表",
    "anxinqian-rename-form": "安心签数字证书更名申请表",
}


def _header(page: Page, title: str, enterprise: Enterprise, platform: str) -> float:
    page.text(297.5, 50, title, 18, "center")
    page.text(297.5, 78, platform, 10, "center")
    page.rect(40, 105, 515, 72)
    page.text(50, 113, f"企业名称：{enterprise.name}", 11)
    page.text(50, 135, f"统一社会信用代码：{enterprise.credit_code}", 11)
    page.text(50, 157, f"法定代表人：{enterprise.legal_representative or ''}", 11)
    return 195


def _field_rows(page: Page, y: float, labels: list[str], height: float = 26) -> float:
    for label in labels:
        page.rect(40, y, 515, height, 0.6)
        page.text(50, y + 7, label, 10.5)
        y += height
    return y


def _signatures(page: Page, y: float) -> None:
    page.text(60, y, "申请单位（盖章）：", 11)
    page.text(330, y, "法定代表人（签字）：", 11)
    page.text(330, y + 40, "日期：      年    月    日", 11)


def application_form(enterprise: Enterprise, platform: str) -> Page:
    page = Page()
    y = _header(page, TEMPLATES["application-form"], enterprise, platform)
    y = _field_rows(page, y, [
        "证书类型：□ 移动端证书    □ 实体KEY证书",
        "业务类型：□ 新签  □ 续签  □ 变更  □ 补办  □ 延长有效期",
        "印章类型：□ 企业公章和法定代表人签(名)章  □ 企业公章  □ 无印章",
        "申请期限：        年",
        "绑定账号：                          绑定姓名：",
        "绑定人电话：",
        "办理人姓名：                        办理人联系方式：",
        "证件类型：                          证件号码：",
    ])
    page.text(50, y + 14, "本单位承诺以上信息真实有效，已阅读并同意CFCA数字证书服务协议、"
                          "电子认证业务规则（CPS）、", 9.5)
    page.text(50, y + 29, "数字证书使用安全提示、核心条款及平台数字证书服务协议。数字证书一经办理无法退款。", 9.5)
    _signatures(page, y + 70)
    return page


def seal_form(enterprise: Enterprise, platform: str) -> Page:
    page = Page()
    y = _header(page, TEMPLATES["seal-form"], enterprise, platform)
    page.text(50, y + 5, "请在下方框内清晰加盖印章、签署姓名（用于制作电子印章）：", 10.5)
    y += 25
    for x, label in ((40, "企业公章印模"), (215, "法定代表人签(名)章印模"), (390, "法定代表人签字")):
        page.rect(x, y, 165, 190)
        page.text(x + 82.5, y + 198, label, 10, "center")
    page.text(50, y + 240, "本单位确认以上印模、签字真实有效，同意平台据此制作电子印章，"
                           "仅用于本单位电子签章业务。", 9.5)
    _signatures(page, y + 290)
    return page


def anxinqian_rename_form(enterprise: Enterprise, platform: str) -> Page:
    page = Page()
    y = _header(page, TEMPLATES["anxinqian-rename-form"], enterprise, platform)
    y = _field_rows(page, y, [
        f"原企业名称：{enterprise.name}",
        "变更后企业名称：",
        "变更后统一社会信用代码：",
        "变更原因：",
        "办理人姓名：                        办理人联系方式：",
    ])
    page.text(50, y + 14, "请附更名后公司营业执照复印件（加盖公章）。本次变更费用：0.00元。", 9.5)
    _signatures(page, y + 60)
    return page


_BUILDERS = {"application-form": application_form, "seal-form": seal_form,
             "anxinqian-rename-form": anxinqian_rename_form}


class Documents:
    def __init__(self, db: Database, platform: str, font_paths: Callable[[], list[str]]) -> None:
        self.db = db
        self.platform = platform
        self.font_paths = font_paths

    def template(self, actor: Account, name: str) -> tuple[str, bytes]:
        """(file name, PDF) of a template filled with the caller's enterprise."""
        if name not in _BUILDERS:
            raise NotFound("模板不存在")
        enterprise_id = access.enterprise_member(actor)
        with self.db.read() as s:
            enterprise = must_get(s, Enterprise, enterprise_id)
        page = _BUILDERS[name](enterprise, self.platform)
        page.text(545, 815, f"生成于 {beijing_text(utcnow(), '%Y-%m-%d %H:%M')}", 8, "right")
        return f"{TEMPLATES[name]}.pdf", render(page, self.font_paths(), TEMPLATES[name])
