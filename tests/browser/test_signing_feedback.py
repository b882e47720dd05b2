"""Issue 11 items 1 and 5 in a real browser: the seal images are what is dragged (and the page keeps still),
per-seal progress of a 3-seal B-LTA signing with what is left, 取消签署 confirmed and then hidden once signing
started, the signed pages previewed before downloading, and the review page's 法定代表人签(名)章 defaulting to
the legal representative's seal image."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from io import BytesIO
from typing import Any

from PIL import Image
from playwright.sync_api import expect

from mobile import AppClient
from mobile.client import decode_qr_image
from signer.app import Services, build_services
from signer.applications.enums import AttachmentKind
from signer.applications.settings import LifecycleSettings
from signer.cli_demo import DEMO_PASSWORD, SIGNING_PASSWORD, LiveServer
from signer.core.config import Config
from signer.demo.samples import sample_pdf
from signer.seals.enums import SealKind
from tests.helpers import RecordingNotifier
from tests.lifecycle_helpers import account, new_form, pay, seal_png

from .conftest import login, screenshot
from .test_signing_page import drag_seal

ROUNDS = 3


def scroll_positions(page: Any) -> list[float]:
    return page.evaluate("() => [window.scrollX, window.scrollY, document.getElementById('pages').scrollTop]")


def test_three_seals_progress_cancel_confirmation_and_signed_preview(live_server, browser_page, tmp_path):
    """Issue 11 item 5 (progress, cancel) and item 1 (the signed preview)."""
    phone = AppClient(live_server.url, tmp_path / "phone")
    phone.login("operator1", DEMO_PASSWORD)
    phone.download_certificate(phone.certificates()[0]["id"], SIGNING_PASSWORD)

    page = browser_page
    login(page, live_server.url)
    pdf = tmp_path / "合同.pdf"
    pdf.write_bytes(sample_pdf("Purchase contract 7", pages=2))
    page.set_input_files("input[name=file]", str(pdf))
    page.click("#upload")
    page.wait_for_url(re.compile(r"/sign/draft/[\w-]+$"))

    # the palette shows the seal images themselves, and a dropped seal is its image, not a dashed text box
    for kind in ("company", "legal_rep"):
        chip_image = page.locator(f"#palette .chip[data-seal={kind}] img")
        expect(chip_image).to_have_js_property("complete", True)
        assert chip_image.evaluate("img => img.naturalWidth") > 0
    before = scroll_positions(page)
    drag_seal(page, "company", 0.3, 0.3)
    expect(page.locator("#placed tbody tr")).to_have_count(1)
    assert scroll_positions(page) == before  # the page keeps still when the first seal is dropped
    box_image = page.locator(".layer[data-page='1'] .seal-box.seal-company img.seal-image")
    expect(box_image).to_have_js_property("complete", True)
    assert box_image.evaluate("img => img.naturalWidth") > 0
    expect(page.locator(".seal-box.seal-company .seal-label")).to_have_count(0)
    drag_seal(page, "legal_rep", 0.7, 0.3)
    drag_seal(page, "company", 0.5, 0.7)
    expect(page.locator("#placed tbody tr")).to_have_count(3)
    third_page = page.locator("#placed tbody tr").nth(2).locator("input[name=page]")
    third_page.fill("2")
    third_page.press("Tab")
    page.select_option("#pades_level", "B-LTA")
    screenshot(page, "sign-place-images.png")
    page.click("#start")
    page.wait_for_url(re.compile(r"/sign/(?!draft/)[\w-]+$"))

    # 取消签署 asks first; 继续签署 keeps the session
    expect(page.locator("#status")).to_have_text("待扫码")
    page.click("#cancel")
    expect(page.locator("#cancel-dialog")).to_be_visible()
    expect(page.locator("#cancel-dialog")).to_contain_text("确定取消本次签署吗")
    page.click("#cancel-no")
    expect(page.locator("#cancel-dialog")).to_be_hidden()
    expect(page.locator("#status")).to_have_text("待扫码")

    expect(page.locator("#qr")).to_have_attribute("src", re.compile(r"^data:image/png;base64,"))
    shot = tmp_path / "qr.png"
    page.screenshot(path=str(shot))
    phone.scan(decode_qr_image(shot))
    expect(page.locator("#status")).to_have_text("已扫码")

    # the phone stops before sending each seal's signature value until the page has been checked
    reached = [threading.Event() for _ in range(ROUNDS)]
    proceed = [threading.Event() for _ in range(ROUNDS)]
    calls: list[int] = []

    def hold(signature: bytes) -> bytes:
        n = len(calls)
        calls.append(n)
        reached[n].set()
        assert proceed[n].wait(120), "the browser check did not finish"
        return signature

    remaining = {1: ["第 2/3 个签章", "第 3/3 个签章", "时间戳", "长期验证数据", "文档时间戳"],
                 2: ["第 3/3 个签章", "时间戳", "长期验证数据", "文档时间戳"],
                 3: ["时间戳", "长期验证数据", "文档时间戳"]}
    with ThreadPoolExecutor(1) as pool:
        signing = pool.submit(phone.approve, SIGNING_PASSWORD, hold)
        try:
            for n in range(1, ROUNDS + 1):
                assert reached[n - 1].wait(120)
                expect(page.locator("#status")).to_have_text("签署中")
                expect(page.locator("#progress-text")).to_have_text(f"正在签署第 {n}/3 个签章")
                expect(page.locator("#progress-remaining")).to_have_text("剩余：" + "、".join(remaining[n]))
                expect(page.locator("#cancel")).to_be_hidden()  # nothing to cancel once signing started
                if n == 2:
                    screenshot(page, "sign-progress.png")
                proceed[n - 1].set()
        finally:
            for event in proceed:
                event.set()
        assert signing.result(timeout=180)["status"] == "signed"

    expect(page.locator("#status")).to_have_text("已签署")
    expect(page.locator("#progress")).to_be_hidden()
    expect(page.locator("#cancel")).to_be_hidden()
    # what was signed, before downloading: the stamped pages of the signed file
    previews = page.locator("#signed-preview figure.page img")
    expect(previews).to_have_count(2)
    for i, number in enumerate((1, 2)):
        expect(previews.nth(i)).to_have_attribute("alt", f"已签署文件第{number}页")
        expect(previews.nth(i)).to_have_js_property("complete", True)
        assert previews.nth(i).evaluate("img => img.naturalWidth") > 500
        shown = page.request.get(previews.nth(i).evaluate("img => img.src"))
        assert shown.ok and red_pixels(shown.body()) > 500  # the seal stamped on that page is in the preview
    expect(page.locator("#download")).to_be_visible()
    screenshot(page, "sign-done-preview.png")

    # after a reload the page shows the same (rendered on the server)
    page.reload()
    expect(page.locator("#signed-preview figure.page img")).to_have_count(2)
    expect(page.locator("#cancel")).to_be_hidden()


def instance_services(server: LiveServer) -> Services:
    config = Config(instance_path=server.instance, base_url=server.url, signing_workers=0,
                    lifecycle=LifecycleSettings(sms_provider="outbox", sms_resend_seconds=0))
    return build_services(config, RecordingNotifier())


def _red_mask(img: Image.Image) -> list[bool]:
    """Per pixel: seal red (R high, G and B low)."""
    data = img.convert("RGB").tobytes()
    return [data[i] > 150 and data[i + 1] < 100 and data[i + 2] < 100 for i in range(0, len(data), 3)]


def red_pixels(png: bytes) -> int:
    with Image.open(BytesIO(png)) as img:
        return sum(_red_mask(img))


def red_share(png: bytes) -> float:
    """The share of the visible pixels that are seal red (the signature upload is black)."""
    with Image.open(BytesIO(png)) as img:
        alpha = img.convert("RGBA").getchannel("A").tobytes()
        red = _red_mask(img)
    visible = [is_red for is_red, a in zip(red, alpha, strict=True) if a > 128]
    return sum(visible) / max(1, len(visible))


def test_review_page_defaults_the_legal_representative_to_the_seal_image(live_server, browser_page):
    """Issue 11 item 1: 法定代表人签(名)章 defaults to 法人签章 (the square seal), not 法人签字."""
    services = instance_services(live_server)
    admin = account(services, "admin")
    apps = services.lifecycle.applications
    form = new_form(services, admin)
    signature = apps.upload(admin, AttachmentKind.LEGAL_REP_SIGNATURE, "法人签字.png", seal_png((20, 20, 20)),
                            "127.0.0.1")  # uploaded first: listed first
    seal = apps.upload(admin, AttachmentKind.LEGAL_REP_SEAL, "法人签章.png", seal_png((200, 20, 30)), "127.0.0.1")
    attachments = dict(form.attachments, **{AttachmentKind.LEGAL_REP_SIGNATURE: [signature.id],
                                            AttachmentKind.LEGAL_REP_SEAL: [seal.id]})
    app = apps.apply_new(admin, replace(form, attachments=attachments), "127.0.0.1")
    pay(services, admin, [app.id])
    enterprise_id = admin.enterprise_id
    services.db.dispose()
    services.pool.close()

    page = browser_page
    login(page, live_server.url, "reviewer", f"/member/review/{app.id}")
    expect(page.locator("input[name=legal_rep]")).to_have_count(2)
    checked = page.locator("input[name=legal_rep]:checked")
    expect(checked).to_have_count(1)
    expect(checked).to_have_attribute("value", str(seal.id))
    expect(page.locator("label", has=checked)).to_contain_text("法人签章")
    page.click("#approve")
    expect(page.locator("#done")).to_contain_text("已办结")

    services = instance_services(live_server)
    try:
        stored = services.seals.images(enterprise_id, SealKind.LEGAL_REP)[-1]
        assert red_share(services.store.get(stored.image_sha256)) > 0.5  # the seal, not the black signature
    finally:
        services.db.dispose()
        services.pool.close()
