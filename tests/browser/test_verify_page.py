"""K7 in a real browser: the public 验证签名 page reads a signed PDF and a tampered copy, without logging in."""

from __future__ import annotations

import re
import time

from playwright.sync_api import expect

from signer.app import build_services
from signer.ca.enums import RevocationReason
from signer.certificates.enums import CertificateStatus
from signer.certificates.retire import retire
from signer.core.audit import Actor
from signer.core.config import Config
from signer.demo.samples import sample_pdf
from tests.helpers import RecordingNotifier
from tests.lifecycle_helpers import account

from .conftest import screenshot, sign_via_api

COMPANY, PERSON = "龙口市恒通汽车贸易有限公司", "李经办"  # the demo enterprise and operator1
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
        # the signer as company and person; the certificate's DN only behind the toggle
        expect(section.locator("tr[data-key=signer] .signer-name")).to_have_text(f"{COMPANY} · {PERSON}")
        expect(section.locator("tr[data-key=signer] details.dn code")).to_be_hidden()
        expect(section.locator("tr[data-key=signer] details.dn code")).to_contain_text("OU=INDIVIDUAL")
        expect(section.locator("tr[data-key=serial] td")).to_have_text(re.compile(r"^[0-9A-F]{8,40}$"))
    for label in ("签署人", "证书序列号", "印章类型", "签署时间", "时间戳时间", "完整性", "可信", "吊销状态",
                  "PAdES 级别", "后续修改"):
        expect(sections.nth(0).locator("th", has_text=label).first).to_be_visible()
    screenshot(page, "verify-valid.png")

    page.set_input_files("#file", str(bad))
    page.click("#verify")
    # Issue 11 item 6: the headline says what the rows say (it was 签名无效 beside 签名值 有效)
    expect(page.locator("#verdict")).to_have_text("文件在签署后被修改", timeout=30000)
    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "invalid")
    expect(page.locator("#verdict")).to_have_class(re.compile(r"\bbad\b"))
    expect(page.locator("#verdict-note")).to_contain_text("签署后文件内容被修改")
    first = page.locator("#signatures .signature").first
    expect(first.locator("tr[data-key=intact] td")).to_have_text("已破坏（签署的内容被修改）")
    expect(first.locator("tr[data-key=valid] td")).to_have_text("与当前文件内容不符（文件已被修改）")
    expect(page.locator("#signatures tr[data-key=valid] td", has_text=re.compile(r"^有效$"))).to_have_count(0)
    screenshot(page, "verify-tampered.png")

    not_pdf = tmp_path / "photo.pdf"
    not_pdf.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    page.set_input_files("#file", str(not_pdf))
    page.click("#verify")
    expect(page.locator("#file-error")).to_have_text("文件不是 PDF 格式")


def test_a_certificate_revoked_after_signing_gives_one_coherent_verdict(live_server, browser_page, tmp_path):
    """Issue 11 item 6: after the signer's certificate was revoked, a B-LTA file is still valid, and every row
    says why (no red 不可信 / 已吊销 beside a green headline)."""
    signed = sign_via_api(live_server.url, tmp_path, sample_pdf("Supply contract 43"), SEALS, "B-LTA")
    time.sleep(1.1)  # times have whole seconds: the revocation comes strictly after the timestamp
    services = build_services(Config(instance_path=live_server.instance, base_url=live_server.url,
                                     signing_workers=0), RecordingNotifier())
    try:
        cert = services.certificates.for_account(account(services, "operator1").id)[0]
        with services.db.write() as s:
            retire(s, services.ca, cert.id, CertificateStatus.REVOKED, RevocationReason.KEY_COMPROMISE,
                   Actor(None, "reviewer"))
    finally:
        services.db.dispose()
        services.pool.close()
    path = tmp_path / "revoked-later.pdf"
    path.write_bytes(signed)

    page = browser_page
    page.goto(f"{live_server.url}/verify")
    page.set_input_files("#file", str(path))
    page.click("#verify")
    verdict = page.locator("#verdict")
    expect(verdict).to_have_text("签名有效", timeout=30000)
    expect(verdict).to_have_class(re.compile(r"\bok\b"))
    expect(verdict).to_have_attribute("data-case", "revoked_after_signing_ltv")
    expect(page.locator("#verdict-note")).to_have_text("签署时证书有效，之后已吊销；有长期验证数据，签名仍然有效。")
    sections = page.locator("#signatures .signature")
    expect(sections).to_have_count(2)
    for i in range(2):
        section = sections.nth(i)
        expect(section.locator("tr[data-key=conclusion] td")).to_contain_text("之后已吊销；有长期验证数据")
        expect(section.locator("tr[data-key=trusted] td")).to_have_text("签署时可信（证书现已吊销）")
        expect(section.locator("tr[data-key=revocation] td")).to_contain_text("吊销发生在签署之后")
        expect(section.locator("tr[data-key=valid_at_signing_time] td")).to_have_text("是")
        expect(section.locator("tr[data-key=pades_level] td")).to_have_text("B-LTA")
        expect(section.locator("tr[data-key=signer] .signer-name")).to_have_text(f"{COMPANY} · {PERSON}")
    expect(page.locator("#report td.bad")).to_have_count(0)  # no red row beside the green headline
    section = sections.nth(0)
    section.locator("details.dn summary").click()  # the raw DN is still there for who wants it
    expect(section.locator("details.dn code")).to_be_visible()
    expect(section.locator("details.dn code")).to_contain_text("O=" + COMPANY)
    screenshot(page, "verify-revoked-after-signing.png")
