"""The member center's extra reviewer and wizard tools in a real browser: I 实体KEY 制作并邮寄 and the parcel on
the reviewer's page and the customer's list; B3's seal image tools (在线制作, 线下上传, 签字抠图, 签章抠图) on
新签's step 3."""

from __future__ import annotations

import re
from io import BytesIO
from typing import Any, cast

import pytest
from PIL import Image, ImageDraw, ImageFilter
from playwright.sync_api import expect

from signer.applications.enums import AttachmentKind
from signer.applications.service import ApplicationForm
from signer.certificates.enums import CertificateKind
from signer.demo.samples import sample_pdf
from signer.seals.enums import SealType
from tests.lifecycle_helpers import (
    RESIDENT_ID,
    account,
    new_form,
    pay,
    scan_jpeg,
    seal_png,
    sms_code,
    upload_all,
)

from .conftest import login, logout, screenshot
from .test_member_pages import ADMIN_PHONE, LIVE_ENV, instance_services, outbox_code, upload

pytestmark = pytest.mark.usefixtures("no_script_errors")


@pytest.fixture
def live_env() -> dict[str, str]:
    return LIVE_ENV


def key_row(page: Any) -> Any:
    """The KEY's row on 证书管理 (the only 实体KEY证书 of the enterprise)."""
    return page.locator("#list tbody tr", has_text="实体KEY证书")


def test_key_made_shipped_and_received_as_the_customer_sees_it(softhsm_token, live_server, browser_page):
    """Issue 11 item 7: the wizard's 收件人/邮寄地址 reach the reviewer; 制作并邮寄 asks only 快递公司/运单号 (the key
    is made on the token); the customer's list follows the parcel 待发货 → 已发货 (快递公司, 运单号) → 已签收,
    and the certificate is 已生效 only once the customer confirms receipt."""
    services = instance_services(live_server)
    admin = account(services, "admin")
    form = new_form(services, admin, certificate_kind=CertificateKind.KEY, seal_type=SealType.COMPANY)
    app = services.lifecycle.applications.apply_new(admin, form, "127.0.0.1")
    pay(services, admin, [app.id])
    services.lifecycle.review.reject(account(services, "reviewer"), app.id, "营业执照不清晰", "127.0.0.1")
    again = ApplicationForm(sms_code=sms_code(services, admin.phone),
                            attachments=upload_all(services, admin, {AttachmentKind.BUSINESS_LICENSE}))
    services.lifecycle.applications.reapply(admin, app.id, again, "127.0.0.1")
    services.db.dispose()
    services.pool.close()

    page, url = browser_page, live_server.url
    login(page, url, "reviewer", f"/member/review/{app.id}")
    expect(page.locator("#shipping")).to_have_count(0)  # nothing to ship before 审核通过
    expect(page.locator("#mailing-address")).to_have_text("山东省烟台市龙口市东莱街道港城大道100号")
    expect(page.locator("#recipient-name")).to_have_text("李收件")
    page.click("#approve")
    expect(page.locator("#done")).to_be_visible()
    expect(page.locator("#shipping-status")).to_have_text("待发货")
    expect(page.locator("#ship-form")).to_be_visible()
    expect(page.locator("#csr")).to_have_count(0)  # no CSR to paste: the key is made on the KEY

    logout(page)
    login(page, url, "admin", "/member/certificates")
    row = key_row(page)
    expect(row.locator(".parcel-status")).to_have_text("待发货")
    expect(row.locator("td.status")).to_have_text("待制作")

    logout(page)
    login(page, url, "reviewer", f"/member/review/{app.id}")
    page.click("#ship")  # nothing filled in: the errors are next to the fields
    expect(page.locator("[data-error-for=carrier]")).to_have_text("请填写快递公司")
    page.fill("#carrier", "顺丰速运")
    page.fill("#tracking_number", "bad no!")
    page.click("#ship")  # the server refuses the tracking number, in Chinese
    expect(page.locator("[data-error-for=tracking_number]")).to_have_text("运单号应为6至40位字母、数字或连字符")
    page.fill("#tracking_number", "SF1234567890")
    page.click("#ship")
    expect(page.locator("#tracking-number")).to_have_text("SF1234567890")
    expect(page.locator("#shipping-carrier")).to_have_text("顺丰速运")
    expect(page.locator("#shipping")).to_have_attribute("data-shipping-status", "shipped")
    expect(page.locator("#shipping-status")).to_have_text("已发货")
    screenshot(page, "member-review-key-shipped.png")

    logout(page)
    login(page, url, "admin", "/member/certificates")
    row = key_row(page)
    expect(row.locator(".parcel-status")).to_have_text("已发货")
    expect(row.locator(".parcel-carrier")).to_have_text("顺丰速运")
    expect(row.locator(".parcel-tracking")).to_have_text("SF1234567890")
    expect(row.locator("td.status")).to_have_text("邮寄中")  # not 已生效 while the parcel travels
    screenshot(page, "member-certificates-key-shipped.png")
    page.goto(f"{url}/member/applications/{app.id}")
    expect(page.locator("#parcel-status")).to_have_text("已发货")
    expect(page.locator("#parcel-tracking")).to_have_text("SF1234567890")
    expect(page.locator("#rejection")).to_have_count(0)  # rejected once, approved now: no red 驳回意见 banner
    page.goto(f"{url}/member/certificates")
    page.once("dialog", lambda dialog: dialog.accept())
    key_row(page).locator("[data-op=confirm_receipt]").click()
    expect(page.locator("#notice")).to_have_text("已确认收货，证书已生效")
    row = key_row(page)
    expect(row.locator(".parcel-status")).to_have_text("已签收")
    expect(row.locator("td.status")).to_have_text("已生效")
    expect(row.locator("[data-op=confirm_receipt]")).to_have_count(0)
    screenshot(page, "member-certificates-key-received.png")


def test_wizard_asks_where_to_mail_a_key(live_server, browser_page):
    """Issue 11 item 7: 实体KEY证书 asks 收件人 / 联系电话 / 邮寄地址 on step 2; 移动端证书 does not."""
    page, url = browser_page, live_server.url
    login(page, url, "admin", "/member/certificates/new")
    page.check("#agree")
    page.click("[data-step='1'] [data-next='2']")
    expect(page.locator("#delivery")).to_be_hidden()
    page.click("[data-step='2'] [data-next='1']")
    page.check("input[name=certificate_kind][value=key]")
    page.click("[data-step='1'] [data-next='2']")
    expect(page.locator("#delivery")).to_be_visible()
    for label in ("收件人", "联系电话", "邮寄地址"):
        expect(page.locator("#delivery label", has_text=label)).to_be_visible()
    page.click("[data-step='2'] [data-next='3']")  # nothing filled in: each delivery field says so
    expect(page.locator("[data-error-for='delivery.recipient']")).to_have_text("请填写收件人")
    expect(page.locator("[data-error-for='delivery.address']")).to_have_text("请填写邮寄地址")


def photo(ink: str, side: int = 900) -> bytes:
    """A phone photo of paper: off-white, unevenly lit and noisy, with a red seal (a ring, a star, text strokes) or
    a dark handwritten signature on it, as JPEG."""
    paper = Image.new("RGB", (side, side), (244, 240, 230))
    draw = ImageDraw.Draw(paper)
    for y in range(side):  # light falling off towards the bottom
        shade = int(12 * y / side)
        draw.line([(0, y), (side, y)], fill=(244 - shade, 240 - shade, 230 - shade))
    if ink == "red":
        colour, c = (196, 28, 36), side // 2
        draw.ellipse([c - 300, c - 300, c + 300, c + 300], outline=colour, width=22)
        draw.regular_polygon((c, c, 80), 5, fill=colour)
        for i in range(6):
            draw.rectangle([c - 200 + i * 70, c + 130, c - 160 + i * 70, c + 200], fill=colour)
    else:
        colour = (28, 28, 34)
        draw.line([(150, 500), (260, 380), (330, 520), (430, 360), (520, 540), (640, 400), (760, 470)],
                  fill=colour, width=14, joint="curve")
    noise = Image.effect_noise((side, side), 18).convert("RGB")
    noisy = Image.blend(paper, noise, 0.08).filter(ImageFilter.GaussianBlur(0.8))
    out = BytesIO()
    noisy.save(out, "JPEG", quality=88)
    return out.getvalue()


def stored_png(page: Any, url: str, kind: str) -> Image.Image:
    """The image the server stored for the attachment now previewed for ``kind``."""
    upload_id = page.locator(f"[data-preview-for={kind}] img").get_attribute("data-upload-id")
    resp = page.request.get(f"{url}/api/v1/uploads/{upload_id}")
    assert resp.status == 200
    image = Image.open(BytesIO(resp.body()))
    assert image.format == "PNG" and image.mode == "RGBA"
    return image


def transparent_corners(image: Image.Image) -> bool:
    w, h = image.width - 1, image.height - 1
    return all(cast(tuple[int, ...], image.getpixel(xy))[3] == 0 for xy in ((0, 0), (w, 0), (0, h), (w, h)))


def use_tool(page: Any, tool: str, kind: str, name: str, mime: str, data: bytes) -> None:
    page.set_input_files(f"#tool-{tool}-{kind}", files=[{"name": name, "mimeType": mime, "buffer": data}])
    preview = page.locator(f"[data-preview-for={kind}] img[data-tool='{tool}']")
    expect(preview).to_be_visible()
    assert preview.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    expect(page.locator(f"[data-preview-for={kind}] a")).to_contain_text("已上传")


def test_seal_tools_on_new_certificate_step3(live_server, browser_page):
    page, url = browser_page, live_server.url
    login(page, url, "admin", "/member/certificates/new")
    page.check("#agree")
    page.locator(".step[data-step='1']").get_by_role("button", name="下一步").click()
    page.select_option("#bind_account_id", label="operator2（王办理）")
    page.fill("#handler_name", "张办理")
    page.fill("#handler_contact", "13800138000")
    page.fill("#id_number", RESIDENT_ID)
    page.click("#send-sms")
    expect(page.locator("#send-sms")).to_be_disabled()
    page.fill("#sms_code", outbox_code(url, ADMIN_PHONE))
    page.locator(".step[data-step='2']").get_by_role("button", name="保存并下一步").click()
    expect(page.locator(".step[data-step='3']")).to_be_visible()

    # 企业公章 在线制作: a white-background photo becomes a transparent seal PNG
    seal_photo = photo("red")
    use_tool(page, "make-seal", "company_seal", "公章照片.jpg", "image/jpeg", seal_photo)
    made = stored_png(page, url, "company_seal")
    assert transparent_corners(made) and max(made.size) <= 600
    red = made.getpixel((made.width // 2, made.height // 2))  # the star in the middle stays red and opaque
    assert red[3] > 200 and red[0] > 120 and red[1] < 110
    expect(page.locator("[data-preview-for=company_seal] a")).to_contain_text("在线制作")

    # 线下上传: a large transparent PNG is cropped and resized; a photo without transparency is refused
    page.set_input_files("#tool-normalize-company_seal",
                         files=[{"name": "公章.png", "mimeType": "image/png", "buffer": seal_photo}])
    expect(page.locator("[data-error-for='attachments.company_seal']")).to_be_visible()
    big = Image.open(BytesIO(seal_png())).convert("RGBA")
    canvas = Image.new("RGBA", (1500, 1500), (0, 0, 0, 0))
    canvas.paste(big.resize((1200, 1200)), (150, 150))
    out = BytesIO()
    canvas.save(out, "PNG")
    use_tool(page, "normalize", "company_seal", "公章-大.png", "image/png", out.getvalue())
    expect(page.locator("[data-error-for='attachments.company_seal']")).to_be_hidden()
    expect(page.locator("#file-company_seal")).not_to_have_attribute("aria-invalid", "true")
    normalized = stored_png(page, url, "company_seal")
    assert max(normalized.size) <= 600 and transparent_corners(normalized)

    # 企业法人签字 签字抠图 and 法人签章 签章抠图
    use_tool(page, "cut-out-signature", "legal_rep_signature", "签字照片.jpg", "image/jpeg", photo("dark"))
    signature = stored_png(page, url, "legal_rep_signature")
    assert transparent_corners(signature) and signature.width <= 800 and signature.height <= 400
    use_tool(page, "cut-out-seal", "legal_rep_seal", "法人章照片.jpg", "image/jpeg", seal_photo)
    assert transparent_corners(stored_png(page, url, "legal_rep_seal"))
    screenshot(page, "member-new-seal-tools.png")

    # the tools' results are the application's attachments
    upload(page, "application_form", "申请表.pdf", "application/pdf", sample_pdf("Form"))
    upload(page, "seal_form", "采集表.jpg", "image/jpeg", scan_jpeg())
    upload(page, "business_license", "营业执照.jpg", "image/jpeg", scan_jpeg())
    upload(page, "operator_id", "身份证.jpg", "image/jpeg", scan_jpeg())
    page.click("#submit-order")
    page.wait_for_url(re.compile(r"/member/orders/new\?applications=\d+$"))
    app_id = page.url.rsplit("=", 1)[1]
    app = page.request.get(f"{url}/api/v1/applications/{app_id}").json()
    names = {a["kind"]: a["filename"] for a in app["attachments"] if not a.get("replaced")}
    assert names["company_seal"] == "公章-大-线下上传.png"
    assert names["legal_rep_signature"] == "签字照片-签字抠图.png"
    assert names["legal_rep_seal"] == "法人章照片-签章抠图.png"
