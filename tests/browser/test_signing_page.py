"""K1–K3, K6 in a real browser: upload, page previews, seals dragged onto page 1, PAdES level, the QR read from
a screenshot by the reference APP client, live states, the signed PDF with the seals where they were dropped."""

from __future__ import annotations

import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from pathlib import Path

import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from playwright.sync_api import expect
from pyhanko.pdf_utils.reader import PdfFileReader

from mobile import AppClient
from mobile.client import decode_qr_image
from pdfsign.validate import all_valid, validate_pdf
from signer.cli_demo import DEMO_PASSWORD, SIGNING_PASSWORD
from signer.demo.samples import sample_pdf
from tests.pdf_helpers import rotated

from .conftest import ARTIFACTS, login, screenshot

PAGE_W, PAGE_H = 595.0, 842.0  # the sample PDF's A4 MediaBox
SEAL_W, SEAL_H = 150.0, 110.0  # the default size of a dropped company / legal-representative seal
DROPS = {"company": (0.3, 0.3), "legal_rep": (0.7, 0.3)}  # where on page 1, as fractions of the preview


def drag_seal(page, seal: str, fx: float, fy: float) -> None:
    """Press on the palette's seal, move (in steps, like a hand) onto page 1, release."""
    chip = page.locator(f"#palette .chip[data-seal={seal}]").bounding_box()
    layer = page.locator(".layer[data-page='1']").bounding_box()
    x, y = layer["x"] + fx * layer["width"], layer["y"] + fy * layer["height"]
    assert y < page.viewport_size["height"], "the drop point must be on screen"
    page.mouse.move(chip["x"] + chip["width"] / 2, chip["y"] + chip["height"] / 2)
    page.mouse.down()
    page.mouse.move(x, y, steps=12)
    page.mouse.up()


def expected_rect(fx: float, fy: float) -> tuple[float, float, float, float]:
    cx, cy = fx * PAGE_W, (1 - fy) * PAGE_H  # preview fractions from the top-left → points from the bottom-left
    return (cx - SEAL_W / 2, cy - SEAL_H / 2, cx + SEAL_W / 2, cy + SEAL_H / 2)


def signature_rects(pdf: bytes) -> dict[str, tuple[float, ...]]:
    reader = PdfFileReader(BytesIO(pdf))
    out: dict[str, tuple[float, ...]] = {}
    for ref in reader.root["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        if field.get("/FT") == "/Sig":
            llx, lly, urx, ury = (float(v) for v in field["/Rect"])
            out[str(field["/T"])] = (min(llx, urx), min(lly, ury), max(llx, urx), max(lly, ury))
    return out


def test_signing_page_drag_two_seals_scan_and_download(live_server, browser_page, tmp_path):
    phone = AppClient(live_server.url, tmp_path / "phone")
    phone.login("operator1", DEMO_PASSWORD)
    phone.download_certificate(phone.certificates()[0]["id"], SIGNING_PASSWORD)

    page = browser_page
    login(page, live_server.url)
    expect(page.locator("nav.side a.active")).to_have_text("扫码签章")  # the member-center menu
    expect(page.locator("nav.crumbs")).to_contain_text("会员中心")
    pdf = tmp_path / "quotation.pdf"
    pdf.write_bytes(sample_pdf("Quotation 88", pages=2))
    page.set_input_files("input[name=file]", str(pdf))
    page.fill("input[name=title]", "报价单88")
    screenshot(page, "sign-upload.png")
    page.click("#upload")

    # step 2: the server-rendered previews of both pages
    page.wait_for_url(re.compile(r"/sign/draft/[\w-]+$"))
    previews = page.locator(".sheet img")
    expect(previews).to_have_count(2)
    for i in range(2):
        expect(previews.nth(i)).to_have_js_property("complete", True)
        assert previews.nth(i).evaluate("img => img.naturalWidth") > 500  # a real rendering, not a broken image
    expect(page.locator("#title")).to_have_value("报价单88")

    for seal, (fx, fy) in DROPS.items():
        drag_seal(page, seal, fx, fy)
    expect(page.locator("#placed tbody tr")).to_have_count(2)
    expect(page.locator(".layer[data-page='1'] .seal-box")).to_have_count(2)
    rows = page.locator("#placed tbody tr")
    for i, (fx, fy) in enumerate(DROPS.values()):
        llx, lly, _, _ = expected_rect(fx, fy)
        assert abs(float(rows.nth(i).locator("input[name=x]").input_value()) - llx) < 3
        assert abs(float(rows.nth(i).locator("input[name=y]").input_value()) - lly) < 3

    # the keyboard way: Enter on a palette seal adds it, Delete on the box removes it again
    page.locator("#palette .chip[data-seal=handwritten]").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#placed tbody tr")).to_have_count(3)
    expect(page.locator(".seal-box.seal-handwritten")).to_be_focused()
    page.keyboard.press("Delete")
    expect(page.locator("#placed tbody tr")).to_have_count(2)

    page.select_option("#pades_level", "B-T")
    page.locator("#pages").evaluate("el => el.scrollTo(0, 0)")
    screenshot(page, "sign-place.png")
    page.click("#start")

    # step 3: the QR page
    page.wait_for_url(re.compile(r"/sign/(?!draft/)[\w-]+$"))
    # locators, not wait_for_function: the page's CSP forbids eval, and the test keeps it that way
    expect(page.locator("#qr")).to_have_attribute("src", re.compile(r"^data:image/png;base64,"))
    first = page.get_attribute("#qr", "data-payload")
    expect(page.locator("#qr")).not_to_have_attribute("data-payload", first, timeout=10000)  # refreshed
    expect(page.locator("#status")).to_have_text("待扫码")
    expect(page.locator(".facts")).to_contain_text("B-T")

    shot = tmp_path / "page.png"
    page.screenshot(path=str(shot))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(shot, ARTIFACTS / "sign-qr.png")
    scan = phone.scan(decode_qr_image(shot))  # the QR as a person's phone sees it on the screen
    assert scan["confirmation_code"] == page.inner_text("#code")
    assert [s["seal"] for s in scan["seals"]] == ["company", "legal_rep"]
    expect(page.locator("#status")).to_have_text("已扫码")
    expect(page.locator("#scanned-by")).to_contain_text("operator1")
    phone.approve(SIGNING_PASSWORD)
    expect(page.locator("#status")).to_have_text("已签署", timeout=30000)
    screenshot(page, "sign-done.png")

    with page.expect_download() as download:
        page.click("#download")
    signed = Path(download.value.path()).read_bytes()
    (tmp_path / "signed.pdf").write_bytes(signed)
    root = x509.load_pem_x509_certificate(requests.get(f"{live_server.url}/pki/root.pem", timeout=10).content)
    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API owns this thread's event loop
        reports = pool.submit(validate_pdf, signed, [root.public_bytes(serialization.Encoding.DER)]).result()
        rects = pool.submit(signature_rects, signed).result()
    assert len(reports) == 2 and all_valid(reports)
    assert sorted(rects) == ["Seal1_company", "Seal2_legal_rep"]
    for name, (fx, fy) in zip(("Seal1_company", "Seal2_legal_rep"), DROPS.values(), strict=True):
        for got, want in zip(rects[name], expected_rect(fx, fy), strict=True):
            assert abs(got - want) < 3, (name, rects[name], expected_rect(fx, fy))


def test_bad_upload_is_explained_next_to_the_file_field_and_nothing_typed_is_lost(live_server, browser_page,
                                                                                   tmp_path):
    page = browser_page
    login(page, live_server.url)
    fake = tmp_path / "合同.pdf"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)  # a PNG renamed .pdf: passes the browser's type check
    page.fill("input[name=title]", "采购合同 2026-17")
    page.set_input_files("input[name=file]", str(fake))
    page.click("#upload")
    error = page.locator("#file-error")
    expect(error).to_be_visible()
    expect(error).to_have_text("文件不是 PDF 格式")  # the server's check of the magic bytes
    expect(page.locator("#file")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("input[name=title]")).to_have_value("采购合同 2026-17")
    assert page.url.endswith("/sign")
    screenshot(page, "sign-upload-error.png")

    text = tmp_path / "notes.txt"
    text.write_text("not a pdf")
    page.set_input_files("input[name=file]", str(text))  # refused here already, before any upload
    expect(error).to_have_text("只能上传 PDF 文件")
    expect(page.locator("input[name=title]")).to_have_value("采购合同 2026-17")


def test_a_seal_dropped_on_a_turned_page_lands_where_it_was_dropped(live_server, browser_page, tmp_path):
    """/Rotate 90 with a CropBox: the preview is landscape, the placement is in the page's own user space."""
    page = browser_page
    login(page, live_server.url)
    pdf = tmp_path / "turned.pdf"
    pdf.write_bytes(rotated(sample_pdf("Turned"), 90, crop=(10, 20, 500, 800)))
    page.set_input_files("input[name=file]", str(pdf))
    page.click("#upload")
    page.wait_for_url(re.compile(r"/sign/draft/[\w-]+$"))
    layer = page.locator(".layer[data-page='1']")
    box = layer.bounding_box()
    assert box["width"] > box["height"]  # shown turned
    drag_seal(page, "company", 0.25, 0.4)
    row = page.locator("#placed tbody tr").first
    # preview (u, v) = (0.25, 0.4) on a page turned clockwise: u0 = v, v0 = 1 - u within the visible box
    cx, cy = 10 + 0.4 * 490, 800 - 0.75 * 780
    assert abs(float(row.locator("input[name=x]").input_value()) - (cx - SEAL_W / 2)) < 3
    assert abs(float(row.locator("input[name=y]").input_value()) - (cy - SEAL_H / 2)) < 3
    seal = page.locator(".seal-box.seal-company").bounding_box()
    assert seal["height"] > seal["width"]  # 150 × 110 pt in user space stands upright on the turned preview
    assert abs(seal["x"] + seal["width"] / 2 - (box["x"] + 0.25 * box["width"])) < 4
    assert abs(seal["y"] + seal["height"] / 2 - (box["y"] + 0.4 * box["height"])) < 4

    # start, cancel on the QR page, and come back to the same draft with the seal where it was
    x = row.locator("input[name=x]").input_value()
    page.click("#start")
    page.wait_for_url(re.compile(r"/sign/(?!draft/)[\w-]+$"))
    expect(page.locator("#back-to-draft")).to_be_hidden()
    page.click("#cancel")
    page.click("#cancel-yes")  # 取消签署 is confirmed first (Issue 11 item 5)
    expect(page.locator("#status")).to_have_text("已取消")
    expect(page.locator("#qr-area")).to_be_hidden()
    page.click("#back-to-draft")
    page.wait_for_url(re.compile(r"/sign/draft/[\w-]+$"))
    expect(page.locator("#placed tbody tr")).to_have_count(1)
    expect(page.locator("#placed tbody tr input[name=x]")).to_have_value(x)
