"""Debian's Chromium driven by Playwright against a live server on loopback; no other host may be asked."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from signer.cli_demo import DEMO_PASSWORD, LiveServer
from tests.needs import tool

CHROMIUM = os.environ.get("SIGNER_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("SIGNER_ARTIFACTS", "artifacts")) / "screenshots"
# How long an expectation waits for the page to get there. Not a speed target (those are in bench/): on a
# loaded 2-core CI machine a review approval with its page reload can take longer than Playwright's 5 s.
EXPECT_TIMEOUT_MS = 30_000
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    return path


def logout(page: Any) -> None:
    """Leave the page first, then forget the cookies: a request still running on the old page could
    otherwise set its session cookie again after they were cleared."""
    page.goto("about:blank")
    page.context.clear_cookies()


def login(page: Any, url: str, username: str = "admin", target: str = "/sign") -> None:
    page.goto(f"{url}{target}")
    assert "/login" in page.url  # not logged in yet
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"**{target}")


@pytest.fixture
def browser_page(live_server: LiveServer) -> Iterator[Any]:
    tool(CHROMIUM)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)

    own = urlsplit(live_server.url).netloc
    foreign: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(accept_downloads=True, locale="zh-CN", timezone_id="Asia/Shanghai",
                                      viewport={"width": 1280, "height": 1000})

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


def sign_via_api(url: str, workdir: Path, pdf: bytes, placements: list[dict[str, Any]], level: str = "B-T") -> bytes:
    """A signed PDF made the API way (PC client + reference APP client), for the pages that read one."""
    from mobile import AppClient
    from signer.cli_demo import SIGNING_PASSWORD, PcClient

    phone = AppClient(url, workdir / "phone")
    phone.login("operator1", DEMO_PASSWORD)
    phone.download_certificate(phone.certificates()[0]["id"], SIGNING_PASSWORD)
    pc = PcClient(url)
    try:
        pc.login("admin", DEMO_PASSWORD)
        created = pc.create_session(pdf, "验证用文件", placements, pades_level=level)
        created.raise_for_status()
        session_id = created.json()["id"]
        pc.join(session_id)
        phone.scan(pc.shown_frame()["payload"])
        phone.approve(SIGNING_PASSWORD)
        pc.wait_status("signed")
        resp = pc.download(session_id)
        resp.raise_for_status()
        return resp.content
    finally:
        pc.close()


@pytest.fixture
def no_script_errors(browser_page: Any) -> Iterator[None]:
    """No page may throw or break the CSP (a refused request's or an error page's "Failed to load resource"
    is expected). Modules that want it on every test say ``pytestmark = pytest.mark.usefixtures(...)``."""
    errors: list[str] = []
    browser_page.on("pageerror", lambda exc: errors.append(str(exc)))
    browser_page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error"
                    and not msg.text.startswith("Failed to load resource") else None)
    yield
    assert errors == []
