"""K7 in a real browser: the public 验证签名 page reads a signed PDF and a tampered copy, without logging in."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from signer.demo.samples import sample_pdf

from .conftest import screenshot, sign_via_api

SEALS = [{"seal": "company", "page": 1, "x": 60, "y": 60, "width": 150, "height": 110},
         {"seal": "legal_rep", "page": 1, "x": 240, "y": 60, "width": 150, "height": 110}]


def test_verification_page_is_public_and_reports_in_chinese(live_server, browser_page, tmp_path):
    signed = sign_via_api(live_server.url, tmp_path, sample_pdf("Supply contract 42"), SEALS, "B-T")
    good = tmp_path / "signed.pdf"
    good.write_bytes(signed)
    tampered = bytearray(signed)
    pos = signed.index(b"Supply contract 42")
    tampered[pos] = ord("s")  # one byte of the signed content
    bad = tmp_path / "tampered.pdf"
    bad.write_bytes(bytes(tampered))

    page = browser_page
    response = page.goto(f"{live_server.url}/verify")  # nobody logged in
    assert response.status == 200 and "/login" not in page.url
    expect(page.locator("h1")).to_have_text("验证签名")
    expect(page.locator("nav.side")).to_have_count(0)  # no member menu for a visitor
    expect(page.locator(".welcome")).to_contain_text("请登录")

    page.set_input_files("#file", str(good))
    page.click("#verify")
    expect(page.locator("#verdict")).to_have_text("签名有效", timeout=30000)
    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "valid")
    sections = page.locator("#signatures .signature")
    expect(sections).to_have_count(2)
    expect(sections.nth(0).locator("h3")).to_have_text("签名 1：企业公章")
    expect(sections.nth(1).locator("h3")).to_have_text("签名 2：法定代表人章")
    for i in range(2):
        section = sections.nth(i)
        expect(section.locator("tr[data-key=intact] td")).to_have_text("完整（签署后内容未被修改）")
        expect(section.locator("tr[data-key=trusted] td")).to_have_text("可信（证书链至平台根证书）")
        expect(section.locator("tr[data-key=revocation] td")).to_have_text("未吊销")
        expect(section.locator("tr[data-key=pades_level] td")).to_have_text("B-T")
        expect(section.locator("tr[data-key=timestamp_time] td")).to_contain_text("北京时间")
        expect(section.locator("tr[data-key=signer] td")).to_contain_text("OU=INDIVIDUAL")
        expect(section.locator("tr[data-key=serial] td")).to_have_text(re.compile(r"^[0-9A-F]{8,40}$"))
    for label in ("签署人", "证书序列号", "印章类型", "签署时间", "时间戳时间", "完整性", "可信", "吊销状态",
                  "PAdES 级别", "后续修改"):
        expect(sections.nth(0).locator("th", has_text=label).first).to_be_visible()
    screenshot(page, "verify-valid.png")

    page.set_input_files("#file", str(bad))
    page.click("#verify")
    expect(page.locator("#verdict")).to_have_text("签名无效", timeout=30000)
    expect(page.locator("#signatures .signature").first.locator("tr[data-key=intact] td")).to_have_text(
        "已破坏（签署的内容被修改）")
    screenshot(page, "verify-tampered.png")

    not_pdf = tmp_path / "photo.pdf"
    not_pdf.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    page.set_input_files("#file", str(not_pdf))
    page.click("#verify")
    expect(page.locator("#file-error")).to_have_text("文件不是 PDF 格式")
