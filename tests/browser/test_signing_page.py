"""K1–K3, K6 in a real browser: Debian's Chromium driven by Playwright against a live server."""

from __future__ import annotations

import os
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from playwright.sync_api import expect

from mobile import AppClient
from mobile.client import decode_qr_image
from pdfsign.validate import all_valid, validate_pdf
from signer.demo import DEMO_PASSWORD, SIGNING_PASSWORD
from signer.samples import sample_pdf

CHROMIUM = os.environ.get("SIGNER_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("SIGNER_ARTIFACTS", "artifacts")) / "screenshots"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def browser_page(live_server):
    if not shutil.which(CHROMIUM):
        if os.environ.get("SIGNER_REQUIRE_SERVICES") == "1":
            pytest.fail("chromium is required in CI")
        pytest.skip("Debian chromium not installed (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    own = urlsplit(live_server.url).netloc
    foreign: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(accept_downloads=True, locale="zh-CN", viewport={"width": 1200, "height": 900})

        def guard(route):  # nothing outside the server may be requested
            host = urlsplit(route.request.url).netloc
            if route.request.url.startswith("data:") or host == own:
                return route.continue_()
            foreign.append(route.request.url)
            return route.abort()

        context.route("**/*", guard)
        page = context.new_page()
        yield page
        context.close()
        browser.close()
    assert foreign == [], f"the page requested other hosts: {foreign}"


def test_signing_page_shows_live_states_and_offers_the_signed_pdf(live_server, browser_page, tmp_path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    phone = AppClient(live_server.url, tmp_path / "phone")
    phone.login("operator1", DEMO_PASSWORD)
    phone.download_certificate(phone.certificates()[0]["id"], SIGNING_PASSWORD)

    page = browser_page
    page.goto(f"{live_server.url}/sign")
    assert "/login" in page.url  # not logged in yet
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/sign")
    pdf = tmp_path / "quotation.pdf"
    pdf.write_bytes(sample_pdf("Quotation 88"))
    page.set_input_files("input[name=file]", str(pdf))
    page.fill("input[name=title]", "报价单88")
    page.screenshot(path=str(ARTIFACTS / "sign-new.png"))
    page.click("#create-form button[type=submit]")
    page.wait_for_url("**/sign/*")
    # locators, not wait_for_function: the page's CSP forbids eval, and the test keeps it that way
    expect(page.locator("#qr")).to_have_attribute("src", re.compile(r"^data:image/png;base64,"))
    first = page.get_attribute("#qr", "data-payload")
    expect(page.locator("#qr")).not_to_have_attribute("data-payload", first, timeout=10000)  # refreshed
    expect(page.locator("#status")).to_have_text("待扫码")

    shot = tmp_path / "page.png"
    page.screenshot(path=str(shot))
    shutil.copy(shot, ARTIFACTS / "sign-qr.png")
    scan = phone.scan(decode_qr_image(shot))  # the QR as a person's phone sees it on the screen
    assert scan["confirmation_code"] == page.inner_text("#code")
    expect(page.locator("#status")).to_have_text("已扫码")
    expect(page.locator("#scanned-by")).to_contain_text("operator1")
    phone.approve(SIGNING_PASSWORD)
    expect(page.locator("#status")).to_have_text("已签署", timeout=30000)
    page.screenshot(path=str(ARTIFACTS / "sign-done.png"))

    with page.expect_download() as download:
        page.click("#download")
    signed = Path(download.value.path()).read_bytes()
    root = x509.load_pem_x509_certificate(requests.get(f"{live_server.url}/pki/root.pem", timeout=10).content)
    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API owns this thread's event loop
        reports = pool.submit(validate_pdf, signed, [root.public_bytes(serialization.Encoding.DER)]).result()
    assert len(reports) == 1 and all_valid(reports)
