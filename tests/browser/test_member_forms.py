"""Issue 11 items 4 and 8 in a real browser: 保存并下一步 names every wrong field before step 3; schema messages
are Chinese; the manual's elements (required marks, agreement texts, 安心签 notice, why a toolbar button is
disabled, 费用, 新增/修改发票 from 生成订单, 分配印章 images, 调整印章大小, 适用业务, 条/页, 查看证书)."""

from __future__ import annotations

import re
from io import BytesIO
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import expect

from mobile import AppClient
from signer.cli_demo import DEMO_PASSWORD, SIGNING_PASSWORD
from signer.seals.enums import SealKind
from tests.helpers import add_operator
from tests.lifecycle_helpers import RESIDENT_ID, account, new_form, seal_png

from .conftest import login, screenshot
from .test_member_pages import ADMIN_PHONE, LIVE_ENV, instance_services, outbox_code

BAD_CHECK_DIGIT = "110105194912310022"


pytestmark = pytest.mark.usefixtures("no_script_errors")


@pytest.fixture
def live_env() -> dict[str, str]:
    return LIVE_ENV


def label(page: Any, field: str) -> Any:
    return page.locator(f"label[for={field}]")


def test_step2_shows_every_wrong_field_before_step3(live_server, browser_page):
    """Issue 11 item 4 (and item 8's *, agreement links, 适用业务): a wrong ID check digit, a wrong SMS code and
    a 绑定账号 that already has an application are shown next to their fields; step 3 never opens."""
    services = instance_services(live_server)
    admin = account(services, "admin")
    services.lifecycle.applications.apply_new(admin, new_form(services, admin, bind="operator2"), "127.0.0.1")
    services.db.dispose()
    services.pool.close()

    page, url = browser_page, live_server.url
    login(page, url, "admin", "/member/certificates/new")
    step1 = page.locator(".step[data-step='1']")
    for card in page.locator(".type-card").all():
        expect(card.locator(".business")).to_have_text("适用业务：询价交易废旧物资处置电子招投标")
    links = page.locator(".agreement-links a")
    expect(links).to_have_count(5)
    expect(links.first).to_have_text("《数字证书服务协议》")
    with page.context.expect_page() as opened:
        page.get_by_role("link", name="《电子认证业务规则（CPS）》").click()
    text = opened.value
    expect(text.locator("#agreement h1")).to_have_text("电子认证业务规则（CPS）")
    expect(text.locator("#agreement")).to_contain_text("证书吊销列表")
    text.close()
    page.check("#agree")
    step1.get_by_role("button", name="下一步").click()

    step2 = page.locator(".step[data-step='2']")
    expect(step2).to_be_visible()
    for field in ("seal_type", "period_years", "bind_account_id", "handler_name", "handler_contact", "id_type",
                  "id_number", "sms_code"):
        expect(label(page, field).locator(".req")).to_have_text("*")
    expect(label(page, "bind_name").locator(".req")).to_have_count(0)  # filled in from the account
    page.select_option("#bind_account_id", label="operator2（王办理）")
    page.fill("#handler_name", "张办理")
    page.fill("#handler_contact", "13800138000")
    page.fill("#id_number", BAD_CHECK_DIGIT)
    page.click("#send-sms")
    expect(page.locator("#send-sms")).to_be_disabled()
    code = outbox_code(url, ADMIN_PHONE)
    page.fill("#sms_code", f"{(int(code) + 1) % 10**6:06d}")
    step2.get_by_role("button", name="保存并下一步").click()

    expect(page.locator("[data-error-for='handler.id_number']")).to_have_text("居民身份证号码校验位错误")
    expect(page.locator("[data-error-for=sms_code]")).to_contain_text("验证码错误")
    expect(page.locator("[data-error-for=bind_account_id]")).to_have_text("该账号已有办理中的新签申请")
    expect(page.locator("#id_number")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#step2-error")).to_have_text("有3项填写有误，请按提示修改后再继续")
    expect(page.locator(".step[data-step='3']")).to_be_hidden()
    expect(step2).to_be_visible()
    screenshot(page, "member-new-step2-errors.png")

    # fixed: the right code (checked, not used up), an account without an application → step 3
    page.select_option("#bind_account_id", label="admin（一卖家管理1）")
    page.fill("#id_number", RESIDENT_ID)
    page.fill("#sms_code", code)
    step2.get_by_role("button", name="保存并下一步").click()
    expect(page.locator(".step[data-step='3']")).to_be_visible()
    expect(page.locator("[data-error-for=sms_code]")).to_be_hidden()
    expect(label(page, "file-business_license").locator(".req")).to_be_visible()
    expect(label(page, "file-legal_rep_seal").locator(".req")).to_be_visible()  # 企业公章和法定代表人签(名)章

    # 线下上传 with 调整印章大小: the slider resizes the seal at once, 应用 stores it at that size
    page.set_input_files("#tool-normalize-company_seal",
                         files=[{"name": "公章.png", "mimeType": "image/png", "buffer": seal_png()}])
    panel = page.locator("[data-resize-for=company_seal]")
    expect(panel).to_be_visible()
    expect(panel.locator("output")).to_have_text("100%")
    first = page.locator("[data-preview-for=company_seal] img").get_attribute("data-upload-id")
    panel.locator("input[type=range]").evaluate(
        "r => { r.value = '60'; r.dispatchEvent(new Event('input', { bubbles: true })); }")
    expect(panel.locator("output")).to_have_text("60%")
    assert panel.locator("img").evaluate("img => img.style.transform") == "scale(0.6)"
    panel.get_by_role("button", name="应用").click()
    expect(page.locator("[data-preview-for=company_seal] img")).not_to_have_attribute("data-upload-id", first)
    resized = page.locator("[data-preview-for=company_seal] img").get_attribute("data-upload-id")
    image = Image.open(BytesIO(page.request.get(f"{url}/api/v1/uploads/{resized}").body()))
    left, top, right, bottom = image.getchannel("A").getbbox()
    assert (right - left) <= image.width * 0.65 and (bottom - top) <= image.height * 0.65  # the seal fills 60 %
    screenshot(page, "member-new-resize.png")


def test_invoice_form_speaks_chinese_and_opens_from_the_order(live_server, browser_page):
    """Issue 11 items 4 and 8: the invoice form's length message is Chinese; 生成订单 offers 新增/修改发票 and
    comes back with the saved profile chosen."""
    services = instance_services(live_server)
    admin = account(services, "admin")
    app = services.lifecycle.applications.apply_new(admin, new_form(services, admin), "127.0.0.1")
    services.db.dispose()
    services.pool.close()

    page, url = browser_page, live_server.url
    login(page, url, "admin", f"/member/orders/new?applications={app.id}")
    page.click("#add-invoice")
    page.wait_for_url(re.compile(r"/member/invoices\?"))
    form = page.locator("#profile-form")
    expect(form).to_be_visible()
    expect(label(page, "p-title").locator(".req")).to_have_text("*")
    expect(label(page, "p-tax_number").locator(".req")).to_have_text("*")
    expect(label(page, "p-email").locator(".req")).to_have_count(0)
    page.fill("#p-title", "甲")
    page.fill("#p-tax_number", "91370681MA3C")
    page.click("#save")
    expect(page.locator("[data-error-for=title]")).to_have_text("长度应为2至100个字符")
    expect(page.locator("[data-error-for=tax_number]")).to_have_text("长度应为15至20个字符")
    assert not re.search(r"[A-Za-z]{3,} [a-z]", form.inner_text())
    screenshot(page, "member-invoice-chinese-errors.png")
    page.fill("#p-title", "烟台恒通物资回收有限公司")
    page.fill("#p-tax_number", "91370681MA3CXY812G")
    page.click("#save")
    page.wait_for_url(re.compile(r"/member/orders/new\?"))
    chosen = page.locator("input[name=invoice_profile_id]:checked")
    expect(chosen.locator("xpath=..")).to_contain_text("烟台恒通物资回收有限公司")

    page.locator("label.profile", has_text="烟台恒通物资回收有限公司").get_by_role("link", name="修改").click()
    expect(page.locator("#p-title")).to_have_value("烟台恒通物资回收有限公司")
    page.fill("#p-address", "山东省烟台市")
    page.click("#save")
    page.wait_for_url(re.compile(r"/member/orders/new\?"))
    expect(page.locator("input[name=invoice_profile_id]:checked").locator("xpath=..")).to_contain_text("烟台恒通")

    page.goto(f"{url}/member/orders")  # 订单管理 pages too
    expect(page.locator("#per-page option")).to_have_text(["10条/页", "20条/页", "50条/页"])
    expect(page.locator(".pager .total")).to_have_text(re.compile(r"^共\d+条$"))
    expect(page.locator(".pager .page-info")).to_have_text("第1/1页")


def test_list_page_size_disabled_reasons_detail_and_seals(live_server, browser_page, tmp_path):
    """Issue 11 item 8: 10/20/50 条/页; a disabled toolbar button says why; the 安心签 notice; 变更 shows 费用;
    查看 opens DN, serial, validity, usage and seals; 分配印章 shows the images and the missing 手写签名."""
    services = instance_services(live_server)
    for i in range(12):
        add_operator(services, f"staff{i:02d}")
    enterprise_id = account(services, "admin").enterprise_id
    services.seals.store_image(enterprise_id, SealKind.COMPANY, seal_png(), "upload")
    services.db.dispose()
    services.pool.close()
    phone = AppClient(live_server.url, tmp_path / "phone")
    phone.login("operator1", DEMO_PASSWORD)
    downloaded = phone.download_certificate(phone.certificates()[0]["id"], SIGNING_PASSWORD)

    page, url = browser_page, live_server.url
    login(page, url, "admin", "/member/certificates")
    rows = page.locator("#list tbody tr")
    expect(page.locator("#total")).to_have_text("共14条")
    expect(rows).to_have_count(10)
    expect(page.locator("#per-page option")).to_have_text(["10条/页", "20条/页", "50条/页"])
    page.select_option("#per-page", label="20条/页")
    expect(rows).to_have_count(14)
    expect(page.locator("#page-info")).to_have_text("第1/1页")
    expect(page.locator("#anxinqian-notice")).to_contain_text("目前已暂停安心签新签、续签流程")

    toolbar = page.locator(".toolbar")
    renew = toolbar.get_by_role("button", name="续签")
    expect(renew).to_be_disabled()
    expect(renew).to_have_attribute("title", "请先勾选一个证书")
    anxinqian = rows.filter(has_text="安心签")
    anxinqian.locator(".row-check").check()
    expect(renew).to_have_attribute("title", re.compile("安心签证书已暂停新签、续签业务"))
    expect(page.locator("#toolbar-hint")).to_contain_text("续签：安心签证书已暂停")
    expect(toolbar.get_by_role("button", name="解冻")).to_have_attribute("title", "安心签证书不支持解冻")
    expect(toolbar.get_by_role("button", name="变更", exact=True)).to_be_enabled()
    expect(toolbar.get_by_role("button", name="变更", exact=True)).not_to_have_attribute("title", re.compile("."))
    screenshot(page, "member-certificates-disabled-reason.png")
    toolbar.get_by_role("button", name="变更", exact=True).click()
    page.wait_for_url(re.compile(r"/member/certificates/\d+/change$"))
    expect(page.locator("#anxinqian-notice")).to_be_visible()
    expect(page.locator(".field", has=page.locator("#fee")).locator("label")).to_have_text("费用")
    expect(page.locator("#fee")).to_have_text("0.00元")
    expect(page.locator("#apply")).not_to_contain_text("申请期限")
    expect(label(page, "handler_name").locator(".req")).to_have_text("*")

    page.goto(f"{url}/member/certificates")
    page.fill("#f-account", "operator1")
    page.click("#search")
    expect(page.locator("#total")).to_have_text("共1条")
    rows.first.locator(".row-check").check()  # 已生效 since the APP downloaded it
    expect(renew).to_have_attribute("title", "证书状态为已生效，不能办理续签")
    expect(toolbar.get_by_role("button", name="补办")).to_be_enabled()
    rows.first.locator("a[data-op=view]").click()
    page.wait_for_url(re.compile(r"/member/certificates/\d+$"))
    detail = page.locator("#cert-detail")
    expect(page.locator("#cert-dn")).to_contain_text("CN=")
    assert page.locator("#cert-dn").inner_text() == downloaded["subject"]
    expect(page.locator("#cert-serial")).to_have_text(downloaded["serial"])
    expect(page.locator("#cert-validity")).to_have_text(re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d 至 \d{4}-"))
    expect(page.locator("#cert-usage")).to_have_text("0（剩余 1000 次）")
    expect(detail).to_contain_text("operator1")
    seals = page.locator("#certificate .seal-choice")
    expect(seals).to_have_count(3)
    screenshot(page, "member-certificate-detail.png")

    # 分配印章 of a bound certificate: the images, and the missing 手写签名 said in words
    page.goto(f"{url}/member/certificates")
    page.fill("#f-account", "staff00")
    page.click("#search")
    expect(page.locator("#total")).to_have_text("共1条")
    rows.first.locator("a[data-op=assign_seals]").click()
    page.wait_for_url(re.compile(r"/member/certificates/\d+/seals$"))
    company = page.locator(".seal-choice[data-seal=company] img")
    expect(company).to_be_visible()
    assert company.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    expect(page.locator(".seal-choice[data-seal=handwritten] .no-image")).to_have_text("未设置")
    expect(page.locator("#no-image-handwritten")).to_contain_text("该账号尚未设置手写签名")
    expect(page.locator("input[name=company]")).to_be_checked()
    screenshot(page, "member-assign-seals-images.png")
