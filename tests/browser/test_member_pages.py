"""The member center's certificate-lifecycle pages in a real browser (A1–A5, B1–B7, E, F2): 新签 by clicking from
the list to 待审核 through the cashier, the reviewer's pages, the APP's download, then 已生效; the list's filters,
pages and toolbar; CSRF on the pages' API calls."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from playwright.sync_api import expect

from mobile import AppClient
from signer.app import Services, build_services
from signer.applications.settings import LifecycleSettings
from signer.cli_demo import DEMO_PASSWORD, SIGNING_PASSWORD, LiveServer, PcClient
from signer.core.config import Config
from signer.demo.samples import sample_pdf
from tests.helpers import RecordingNotifier, add_operator
from tests.lifecycle_helpers import RESIDENT_ID, account, new_form, pay, scan_jpeg, seal_png

from .conftest import login, screenshot

LIVE_ENV = {"SIGNER_SMS_PROVIDER": "outbox", "SIGNER_SMS_RESEND_SECONDS": "0", "SIGNER_QR_STEP": "1"}
ADMIN_PHONE = "13666628413"


pytestmark = pytest.mark.usefixtures("no_script_errors")


@pytest.fixture
def live_env() -> dict[str, str]:
    """The SMS in the outbox, so a test can read the code the way platform staff can."""
    return LIVE_ENV


def outbox_code(url: str, phone: str) -> str:
    reviewer = PcClient(url)
    try:
        reviewer.login("reviewer", DEMO_PASSWORD)
        resp = reviewer.http.get(f"{url}/api/v1/review/sms-outbox", params={"phone": phone}, timeout=30)
        resp.raise_for_status()
        found = re.search(r"验证码为(\d{6})", resp.json()["items"][0]["text"])
        assert found is not None
        return found.group(1)
    finally:
        reviewer.close()


def logout(page: Any) -> None:
    page.click("#logout")
    page.wait_for_url("**/login")


def upload(page: Any, kind: str, name: str, mime: str, data: bytes) -> None:
    page.set_input_files(f"#file-{kind}", files=[{"name": name, "mimeType": mime, "buffer": data}])
    expect(page.locator(f"[data-preview-for={kind}] a")).to_contain_text("已上传")


def test_new_certificate_by_clicking_review_and_app_download(live_server, browser_page, tmp_path):
    page, url = browser_page, live_server.url
    login(page, url, "admin", "/member/certificates")
    expect(page.locator("nav.side a.active")).to_have_text("证书管理")
    expect(page.locator("#total")).to_have_text("共2条")  # the demo's 待下载 and 安心签 certificates
    page.click("#op-new")
    page.wait_for_url("**/member/certificates/new")

    # 1 办理证书: the agreements must be accepted
    step1 = page.locator(".step[data-step='1']")
    expect(step1).to_contain_text("即办即用")
    step1.get_by_role("button", name="下一步").click()
    expect(page.locator("[data-error-for=agreements]")).to_contain_text("请阅读并同意")
    page.check("#agree")
    step1.get_by_role("button", name="下一步").click()

    # 2 办理信息: field errors next to the fields, then everything filled in
    step2 = page.locator(".step[data-step='2']")
    expect(step2).to_be_visible()
    expect(page.locator("#enterprise")).to_have_text("龙口市恒通汽车贸易有限公司")
    expect(page.locator("#price")).to_have_text("300.00")
    step2.get_by_role("button", name="保存并下一步").click()
    expect(page.locator("[data-error-for='handler.name']")).to_have_text("请填写办理人姓名")
    expect(page.locator("[data-error-for=sms_code]")).to_be_visible()
    expect(page.locator("#bind_account_id option", has_text="operator1")).to_have_count(0)  # has a certificate
    page.select_option("#bind_account_id", label="operator2（王办理）")
    expect(page.locator("#bind_name")).to_have_value("王办理")
    page.fill("#handler_name", "张办理")
    page.fill("#handler_contact", "13800138000")
    page.fill("#id_number", "110105194912310021")  # a wrong check character: the server refuses it
    page.click("#send-sms")
    expect(page.locator("#send-sms")).to_have_text(re.compile(r"^([1-5]?[0-9]|60)秒后重新获取$"))
    expect(page.locator("#send-sms")).to_be_disabled()
    page.fill("#sms_code", outbox_code(url, ADMIN_PHONE))
    screenshot(page, "member-new-step2.png")
    step2.get_by_role("button", name="保存并下一步").click()
    # Issue 11 item 4: the server's error lands next to its field before step 3, and nothing typed is lost
    expect(page.locator("[data-error-for='handler.id_number']")).to_contain_text("校验位")
    expect(step2).to_be_visible()
    expect(page.locator("#handler_name")).to_have_value("张办理")
    page.fill("#id_number", RESIDENT_ID)
    step2.get_by_role("button", name="保存并下一步").click()

    # 3 附件上传: each file is uploaded at once and previewed
    expect(page.locator(".step[data-step='3']")).to_be_visible()
    expect(page.locator("a.template").first).to_have_attribute("href", "/api/v1/templates/application-form.pdf")
    expect(page.locator(".upload")).to_have_count(7)  # the 安心签 rename forms belong to 变更 only
    sample = page.locator(".upload[data-kind=company_seal] details.sample")
    sample.locator("summary").click()  # 样例查看
    expect(sample.locator("img")).to_be_visible()
    assert sample.locator("img").evaluate("img => img.naturalWidth") > 0
    upload(page, "company_seal", "公章.png", "image/png", seal_png())
    upload(page, "legal_rep_signature", "法人签字.png", "image/png", seal_png((20, 20, 20)))
    upload(page, "application_form", "申请表.pdf", "application/pdf", sample_pdf("Form"))
    upload(page, "seal_form", "采集表.jpg", "image/jpeg", scan_jpeg())
    upload(page, "business_license", "营业执照.jpg", "image/jpeg", scan_jpeg())
    upload(page, "operator_id", "身份证.jpg", "image/jpeg", scan_jpeg())
    for kind in ("company_seal", "legal_rep_signature", "seal_form"):
        preview = page.locator(f"[data-preview-for={kind}] img")
        expect(preview).to_be_visible()
        assert preview.evaluate("img => img.naturalWidth") > 0
    screenshot(page, "member-new-step3.png")
    step3 = page.locator(".step[data-step='3']")
    step3.get_by_role("button", name="上一步").click()
    step2.get_by_role("button", name="保存并下一步").click()  # the code checked at step 2 still submits
    expect(page.locator("[data-preview-for=company_seal] img")).to_be_visible()  # the uploads are still there
    page.click("#submit-order")

    # B4 生成订单: 在线支付, the default invoice profile preselected
    page.wait_for_url(re.compile(r"/member/orders/new\?applications=\d+$"))
    expect(page.locator("input[name=invoice_profile_id]:checked")).to_have_count(1)
    expect(page.locator("#total")).to_have_text("¥300.00")
    screenshot(page, "member-order-new.png")
    page.click("#create-order")
    page.wait_for_url(re.compile(r"/member/orders/[\w-]+$"))
    order_url = page.url
    expect(page.locator("#order-status")).to_have_text("待支付")

    # B5 支付 → 收银台 → back to the order, paid
    page.click("#pay")
    page.wait_for_url("**/pay/sandbox/**")
    expect(page.locator("main")).to_contain_text("¥300.00")
    page.get_by_role("button", name="确认支付").click()
    expect(page.locator(".ok")).to_contain_text("支付成功")
    page.click("#back-to-order")
    page.wait_for_url(order_url)
    expect(page.locator("#order-status")).to_have_text("已支付")
    screenshot(page, "member-order-paid.png")

    page.goto(f"{url}/member/certificates")
    page.fill("#f-account", "operator2")
    page.click("#search")
    expect(page.locator("#total")).to_have_text("共1条")
    expect(page.locator("#list tbody td.status")).to_have_text("待审核")
    page.locator("#list tbody a[data-op=records]").click()
    expect(page.locator("#records")).to_contain_text("支付成功")

    # B6: the reviewer's queue, the application with its attachments, 审核通过 with the seals
    logout(page)
    login(page, url, "reviewer", "/member/review")
    expect(page.locator("nav.side a.active")).to_have_text("审核管理")
    page.locator("#queue a", has_text="审核").first.click()
    page.wait_for_url(re.compile(r"/member/review/\d+$"))
    expect(page.locator(".attachment")).to_have_count(6)
    seal = page.locator(".attachment[data-kind=company_seal] img")
    expect(seal).to_be_visible()
    assert seal.evaluate("img => img.naturalWidth") > 0
    expect(page.locator("input[name=company]:checked")).to_have_count(1)
    screenshot(page, "member-review.png")
    page.click("#approve")
    expect(page.locator("#done")).to_contain_text("已办结")
    logout(page)

    # B7: the reference APP client downloads the certificate (HTTP off the browser's thread)
    def download() -> str:
        phone = AppClient(url, tmp_path / "phone")
        phone.login("operator2", DEMO_PASSWORD)
        cert = phone.certificates()[0]
        phone.obtain_certificate(cert["id"], SIGNING_PASSWORD)
        return phone.certificates()[0]["status_label"]

    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(download).result(timeout=120) == "已生效"

    login(page, url, "admin", "/member/certificates")
    page.fill("#f-account", "operator2")
    page.click("#search")
    expect(page.locator("#total")).to_have_text("共1条")
    expect(page.locator("#list tbody td.status")).to_have_text("已生效")
    screenshot(page, "member-certificates-effective.png")
    page.goto(order_url)
    expect(page.locator("#view-invoice")).to_have_text("查看电子发票")  # F2: issued once reviewed
    invoice = page.request.get(url + page.locator("#view-invoice").get_attribute("href"))
    assert invoice.status == 200 and invoice.body().startswith(b"%PDF")


def instance_services(server: LiveServer) -> Services:
    """The services of the live server's own instance, to seed data the way the platform would."""
    config = Config(instance_path=server.instance, base_url=server.url, signing_workers=0,
                    lifecycle=LifecycleSettings(sms_provider="outbox", sms_resend_seconds=0))
    return build_services(config, RecordingNotifier())


def test_list_filters_pages_and_toolbar(live_server, browser_page):
    services = instance_services(live_server)
    for i in range(12):
        add_operator(services, f"staff{i:02d}")
    admin = account(services, "admin")
    pending = services.lifecycle.applications.apply_new(admin, new_form(services, admin), "127.0.0.1")
    services.db.dispose()
    services.pool.close()

    page, url = browser_page, live_server.url
    login(page, url, "admin", "/member/certificates")
    rows = page.locator("#list tbody tr")
    expect(page.locator("#total")).to_have_text("共15条")
    expect(rows).to_have_count(10)
    expect(page.locator("#page-info")).to_have_text("第1/2页")
    expect(page.locator("#prev")).to_be_disabled()
    page.click("#next")
    expect(rows).to_have_count(5)
    expect(page.locator("#page-info")).to_have_text("第2/2页")
    expect(rows.first.locator("td").nth(1)).to_have_text("11")  # 序号 continues
    page.fill("#jump", "1")
    page.click("#go")
    expect(page.locator("#page-info")).to_have_text("第1/2页")
    page.fill("#jump", "9")
    page.click("#go")
    expect(page.locator("#notice")).to_contain_text("请输入1到2之间的页码")
    screenshot(page, "member-certificates-list.png")

    page.select_option("#f-kind", "anxinqian")
    page.click("#search")
    expect(page.locator("#total")).to_have_text("共1条")
    expect(rows.first).to_contain_text("安心签")
    page.click("#clear")
    expect(page.locator("#total")).to_have_text("共15条")
    page.select_option("#f-status", label="待生成订单")
    page.click("#search")
    expect(page.locator("#total")).to_have_text("共1条")
    pending_row = rows.first
    expect(pending_row.locator("td.status")).to_have_text("待生成订单")
    expect(pending_row.locator("a[data-op=create_order]")).to_have_attribute(
        "href", f"/member/orders/new?applications={pending.id}")
    page.click("#clear")
    page.fill("#f-account", "staff0")
    page.click("#search")
    expect(page.locator("#total")).to_have_text("共10条")
    page.fill("#f-account", "")
    page.fill("#f-name", "王办理")
    page.click("#search")
    expect(page.locator("#total")).to_have_text("共1条")
    page.click("#clear")
    expect(page.locator("#f-name")).to_have_value("")

    # A3: the toolbar follows the checked rows
    toolbar = page.locator(".toolbar")

    def enabled() -> set[str]:
        return {b.text_content() for b in toolbar.locator("button").all() if b.is_enabled()}

    def check_only(*statuses: str) -> None:
        for box in page.locator("#list tbody .row-check").all():
            box.uncheck()
        for status in statuses:
            page.locator("#list tbody tr", has=page.locator("td.status", has_text=status)).first.locator(
                ".row-check").check()

    page.select_option("#f-status", "")
    page.click("#search")
    expect(page.locator("#total")).to_have_text("共15条")
    assert enabled() == {"新签"}
    check_only("待下载")
    expect(toolbar.get_by_role("button", name="吊销")).to_be_enabled()
    assert enabled() == {"新签", "吊销", "变更手机号"}
    check_only("待生成订单")
    expect(toolbar.get_by_role("button", name="批量生成订单")).to_be_enabled()
    assert enabled() == {"新签", "批量生成订单"}
    check_only("待生成订单", "待下载")
    expect(toolbar.get_by_role("button", name="批量生成订单")).to_be_disabled()
    assert enabled() == {"新签"}
    page.fill("#f-account", "admin")
    page.click("#search")
    expect(page.locator("#total")).to_have_text("共1条")
    check_only("已生效")  # the demo's 安心签: 变更 and 变更手机号 only (renewal of 安心签 is suspended)
    expect(toolbar.get_by_role("button", name="变更", exact=True)).to_be_enabled()
    assert enabled() == {"新签", "变更", "变更手机号"}
    expect(rows.first.locator("a[data-op=assign_seals], button[data-op=assign_seals]")).to_have_count(0)
    # B8 分配印章 of a bound certificate
    page.click("#clear")
    page.fill("#f-account", "staff00")
    page.click("#search")
    expect(page.locator("#total")).to_have_text("共1条")
    rows.first.locator("a[data-op=assign_seals]").click()
    page.wait_for_url(re.compile(r"/member/certificates/\d+/seals$"))
    expect(page.locator("#seals")).to_contain_text("staff00")
    expect(page.locator("input[name=company]")).to_be_checked()
    page.uncheck("input[name=legal_rep]")
    page.click("#save-seals")
    expect(page.locator("#saved")).to_be_visible()
    page.reload()
    expect(page.locator("input[name=legal_rep]")).not_to_be_checked()
    expect(page.locator("input[name=handwritten]")).to_be_checked()
    page.goto(f"{url}/member/certificates")

    page.select_option("#f-status", "pending_order")
    page.click("#search")
    expect(rows).to_have_count(1)
    check_only("待生成订单")
    toolbar.get_by_role("button", name="批量生成订单").click()
    page.wait_for_url(f"**/member/orders/new?applications={pending.id}")
    expect(page.locator("[data-application-id]")).to_have_count(1)
    page.click("#create-order")
    page.wait_for_url(re.compile(r"/member/orders/[\w-]+$"))
    expect(page.locator("#order-status")).to_have_text("待支付")
    page.click("#cancel-order")  # B5 取消订单, confirmed on the page
    page.click("#cancel-no")
    expect(page.locator("#order-status")).to_have_text("待支付")
    page.click("#cancel-order")
    page.click("#cancel-yes")
    expect(page.locator("#order-status")).to_have_text("已取消")
    expect(page.locator("#pay")).to_have_count(0)
    page.goto(f"{url}/member/orders")
    expect(page.locator("#orders tbody tr")).to_have_count(1)
    expect(page.locator("#orders td.status")).to_have_text("已取消")
    page.goto(f"{url}/member/certificates")
    page.select_option("#f-status", "pending_order")
    page.click("#search")
    expect(page.locator("#total")).to_have_text("共1条")  # back to 待生成订单


def test_rejection_view_and_reapply(live_server, browser_page):
    services = instance_services(live_server)
    admin = account(services, "admin")
    app = services.lifecycle.applications.apply_new(admin, new_form(services, admin), "127.0.0.1")
    pay(services, admin, [app.id])
    services.db.dispose()
    services.pool.close()

    page, url = browser_page, live_server.url
    login(page, url, "reviewer", f"/member/review/{app.id}")
    page.click("#reject")
    expect(page.locator("[data-error-for=opinion]")).to_have_text("请填写驳回意见")
    page.fill("#opinion", "营业执照未加盖公章，请重新上传")
    page.click("#reject")
    expect(page.locator("#done")).to_contain_text("已驳回")
    page.goto(f"{url}/member/review")
    expect(page.locator("#queue .empty")).to_have_text("暂无待审核的申请")
    page.select_option("#f-status", "rejected")
    page.locator("#queue-filter button").click()
    expect(page.locator("#queue tbody tr[data-application-id]")).to_have_count(1)
    logout(page)

    login(page, url, "admin", "/member/certificates")
    page.select_option("#f-status", "rejected")
    page.click("#search")
    expect(page.locator("#total")).to_have_text("共1条")
    row = page.locator("#list tbody tr").first
    expect(row.locator("a[data-op=reapply]")).to_have_text("重新申请")
    row.locator("a[data-op=view_rejection]").click()
    page.wait_for_url(f"**/member/applications/{app.id}?view=rejection")
    expect(page.locator("h1")).to_have_text("查看驳回")
    expect(page.locator("nav.crumbs [aria-current=page]")).to_have_text("查看驳回")
    expect(page.locator("#rejection")).to_contain_text("营业执照未加盖公章，请重新上传")
    expect(page.locator("#app-status")).to_have_text("已驳回")
    screenshot(page, "member-rejection.png")

    page.click("#reapply-submit")  # no code yet: the error is next to the field
    expect(page.locator("#reapply [data-error-for=sms_code]")).to_have_text("请输入6位数字验证码")
    upload(page, "business_license", "营业执照-盖章.jpg", "image/jpeg", scan_jpeg(8))
    page.click("#send-sms")
    expect(page.locator("#send-sms")).to_be_disabled()
    page.fill("#sms_code", outbox_code(url, ADMIN_PHONE))
    page.click("#reapply-submit")
    expect(page.locator("#app-status")).to_have_text("待审核")
    expect(page.locator(".attachment[data-kind=business_license] figcaption")).to_contain_text("营业执照-盖章.jpg")
    page.goto(f"{url}/member/records?application={app.id}")
    expect(page.locator("#records")).to_contain_text("审核驳回")
    expect(page.locator("#records")).to_contain_text("重新申请")


def toolbar_form(page: Any, status: str, operation: str) -> None:
    """Check the first row of the status on the list, then the toolbar's operation."""
    page.locator("#list tbody tr", has=page.locator("td.status", has_text=status)).first.locator(".row-check").check()
    page.locator(".toolbar").get_by_role("button", name=operation, exact=True).click()
    page.wait_for_url(re.compile(r"/member/certificates/\d+/[a-z_]+$"))
    expect(page.locator("h1")).to_have_text(operation)


def test_toolbar_forms_phone_change_revoke_and_anxinqian_change(live_server, browser_page):
    page, url = browser_page, live_server.url
    login(page, url, "admin", "/member/certificates")
    expect(page.locator("#total")).to_have_text("共2条")

    toolbar_form(page, "待下载", "变更手机号")  # G: immediate, the code goes to the new number
    page.click("#send-sms")
    expect(page.locator("[data-error-for=new_phone]")).to_have_text("请输入11位新手机号")
    page.fill("#new_phone", "13911112222")
    page.click("#send-sms")
    expect(page.locator("#send-sms")).to_be_disabled()
    page.fill("#sms_code", outbox_code(url, "13911112222"))
    page.click("#submit")
    page.wait_for_url("**/member/certificates")
    expect(page.locator("#list tbody tr", has_text="operator1")).to_contain_text("13911112222")

    toolbar_form(page, "待下载", "吊销")
    expect(page.locator("#apply")).to_contain_text("吊销立即生效")
    page.click("#send-sms")
    page.fill("#sms_code", outbox_code(url, ADMIN_PHONE))
    page.click("#submit")
    expect(page.locator("[data-error-for=reason]")).to_contain_text("请选择吊销原因")
    page.select_option("#reason", "cessation_of_operation")
    page.click("#submit")  # the same code: a refused submission does not use it up
    page.wait_for_url("**/member/certificates")
    expect(page.locator("#list tbody tr", has_text="operator1").locator("td.status")).to_have_text("已吊销")

    toolbar_form(page, "已生效", "变更")  # J: the 安心签 certificate's rename, fee 0.00
    expect(page.locator("#cert-facts")).to_contain_text("安心签")
    expect(page.locator("a.template")).to_have_attribute("href", "/api/v1/templates/anxinqian-rename-form.pdf")
    page.fill("#handler_name", "张办理")
    page.fill("#handler_contact", "13800138000")
    page.fill("#id_number", RESIDENT_ID)
    upload(page, "anxinqian_rename_form", "更名申请表.pdf", "application/pdf", sample_pdf("Rename"))
    upload(page, "renamed_business_license", "新营业执照.jpg", "image/jpeg", scan_jpeg())
    upload(page, "operator_id", "身份证.jpg", "image/jpeg", scan_jpeg())
    page.click("#send-sms")
    expect(page.locator("#send-sms")).to_be_disabled()
    page.fill("#sms_code", outbox_code(url, ADMIN_PHONE))
    screenshot(page, "member-change-anxinqian.png")
    page.click("#submit-order")
    page.wait_for_url(re.compile(r"/member/orders/new\?applications=\d+$"))
    expect(page.locator("#total")).to_have_text("¥0.00")
    page.click("#create-order")
    page.wait_for_url(re.compile(r"/member/orders/[\w-]+$"))
    expect(page.locator("#order-status")).to_have_text("已支付")  # nothing to pay
    page.goto(f"{url}/member/certificates")
    expect(page.locator("#list tbody tr", has_text="安心签").locator("td.status")).to_have_text("待审核")


def test_invoice_profiles_add_edit_default_delete(live_server, browser_page):
    page, url = browser_page, live_server.url
    login(page, url, "admin", "/member/invoices")
    expect(page.locator("nav.side a.active")).to_have_text("发票信息")
    rows = page.locator("#profiles tbody tr")
    expect(rows).to_have_count(1)  # the demo's default profile
    page.click("#add")
    page.fill("#p-title", "甲")
    page.fill("#p-tax_number", "91370681MA3C")
    page.click("#save")
    expect(page.locator("[data-error-for=title]")).to_be_visible()
    expect(page.locator("[data-error-for=tax_number]")).to_be_visible()
    page.fill("#p-title", "烟台恒通物资回收有限公司")
    page.fill("#p-tax_number", "91370681MA3CXY812G")  # a valid 统一社会信用代码
    page.fill("#p-email", "fp@example.com")
    page.click("#save")
    expect(rows).to_have_count(2)
    new_row = page.locator("#profiles tbody tr", has_text="烟台恒通物资回收有限公司")
    new_row.get_by_role("button", name="修改").click()
    expect(page.locator("#p-title")).to_have_value("烟台恒通物资回收有限公司")
    page.fill("#p-address", "山东省烟台市")
    page.click("#save")
    expect(new_row).to_contain_text("山东省烟台市")
    new_row.get_by_role("button", name="设为默认").click()
    expect(new_row.locator(".default")).to_have_text("默认发票")
    old_row = page.locator("#profiles tbody tr", has_text="龙口市恒通汽车贸易有限公司")
    old_row.get_by_role("button", name="删除").click()
    expect(old_row.locator(".confirm")).to_be_visible()
    screenshot(page, "member-invoices.png")
    old_row.get_by_role("button", name="取消").click()
    expect(rows).to_have_count(2)
    old_row.get_by_role("button", name="删除").click()
    old_row.get_by_role("button", name="确定").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("烟台恒通物资回收有限公司")


def test_member_pages_refuse_calls_without_csrf(live_server, browser_page):
    page, url = browser_page, live_server.url
    login(page, url, "admin", "/member/certificates")
    for path in ("/member/certificates", "/member/certificates/new", "/member/orders"):
        response = page.goto(f"{url}{path}")
        assert response.status == 200, path
        assert "unsafe-inline" not in response.headers["content-security-policy"]
    profiles = page.request.get(f"{url}/api/v1/invoice-profiles").json()["items"]
    refused = [
        page.request.post(f"{url}/api/v1/sms/send", data={"purpose": "application"}),
        page.request.post(f"{url}/api/v1/orders", data={"application_ids": [1]}),
        page.request.post(f"{url}/api/v1/uploads", multipart={
            "kind": "operator_id", "file": {"name": "a.jpg", "mimeType": "image/jpeg", "buffer": scan_jpeg()}}),
        page.request.post(f"{url}/api/v1/invoice-profiles/{profiles[0]['id']}/default",
                          headers={"X-CSRF-Token": "forged"}),
        page.request.post(f"{url}/pay/sandbox/NO-SUCH-ORDER", form={}),
    ]
    assert [r.status for r in refused] == [403] * len(refused)
    assert refused[0].json()["error"]["code"] == "csrf_failed"
    page.goto(f"{url}/member/review")  # an enterprise's administrator is no reviewer
    expect(page.locator("nav.side")).not_to_contain_text("审核管理")
    expect(page.locator(".error")).to_be_visible()
