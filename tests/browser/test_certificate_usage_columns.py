"""A2 证书管理 list in a real browser: the 使用次数 / 剩余次数 columns follow the certificate's signings (issue 9)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from mobile import AppClient
from signer.cli_demo import DEMO_PASSWORD, SIGNING_PASSWORD, LiveServer, PcClient
from signer.demo.samples import sample_pdf

from .conftest import login


def usage_cells(page: Any) -> tuple[Any, Any]:
    """The 使用次数 and 剩余次数 cells of the only listed row, found by their column headers."""
    headers = [h.strip() for h in page.locator("#list thead th").all_inner_texts()]
    cells = page.locator("#list tbody tr").first.locator("td")
    return cells.nth(headers.index("使用次数")), cells.nth(headers.index("剩余次数"))


def test_a2_usage_columns_count_a_signing(live_server: LiveServer, browser_page: Any, tmp_path: Path):
    url = live_server.url
    phone = AppClient(url, tmp_path / "phone")

    def download() -> None:
        phone.login("operator1", DEMO_PASSWORD)
        phone.download_certificate(phone.certificates()[0]["id"], SIGNING_PASSWORD)

    def sign() -> str:
        pc = PcClient(url)
        try:
            pc.login("admin", DEMO_PASSWORD)
            created = pc.create_session(sample_pdf("Usage"), "用量测试")
            created.raise_for_status()
            pc.join(created.json()["id"])
            phone.scan(pc.shown_frame()["payload"])
            phone.approve(SIGNING_PASSWORD)
            return pc.wait_status("signed")["status"]
        finally:
            pc.close()

    page = browser_page
    with ThreadPoolExecutor(1) as pool:  # the APP and PC clients off the browser's thread
        pool.submit(download).result(timeout=120)
        login(page, url, "admin", "/member/certificates")
        page.fill("#f-account", "operator1")
        page.click("#search")
        expect(page.locator("#total")).to_have_text("共1条")
        used, left = usage_cells(page)
        expect(used).to_have_text("0")
        expect(left).to_have_text("1000")

        assert pool.submit(sign).result(timeout=180) == "signed"

    page.reload()
    page.fill("#f-account", "operator1")
    page.click("#search")
    expect(page.locator("#total")).to_have_text("共1条")
    used, left = usage_cells(page)
    expect(used).to_have_text("1")
    expect(left).to_have_text("999")
