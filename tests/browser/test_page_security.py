"""The pages' security in a real browser: headers on every page, CSRF on every state-changing request, the
member menu has no dead links."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from signer.demo.samples import sample_pdf

from .conftest import login, screenshot

HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}


def check_headers(response) -> None:
    headers = response.headers  # lower-case names, for pages and API answers alike
    csp = headers["content-security-policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'",
                      "object-src 'none'", "form-action 'self'"):
        assert directive in csp, (response.url, csp)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    for key, value in HEADERS.items():
        assert headers.get(key) == value, (response.url, key, headers.get(key))


def test_headers_csrf_and_menu(live_server, browser_page, tmp_path):
    page = browser_page
    url = live_server.url
    check_headers(page.goto(f"{url}/login"))
    check_headers(page.goto(f"{url}/verify"))
    anonymous = page.request.post(f"{url}/api/v1/verify", multipart={
        "file": {"name": "a.pdf", "mimeType": "application/pdf", "buffer": sample_pdf("x")}})
    assert anonymous.status == 403  # the visitor's browser holds a session cookie: the token is required

    login(page, url)
    page.set_input_files("#file", str(_write(tmp_path / "a.pdf", sample_pdf("Headers"))))
    page.click("#upload")
    page.wait_for_url(re.compile(r"/sign/draft/[\w-]+$"))
    draft_path = page.url.split(url, 1)[1]
    for path in ("/sign", draft_path, "/verify"):
        response = page.goto(f"{url}{path}")
        assert response.status == 200, path
        check_headers(response)
        for link in page.locator("nav.side a").all():  # every enabled menu entry leads to a page
            href = link.get_attribute("href")
            assert page.request.get(f"{url}{href}").status == 200, href
        expect(page.locator("nav.side a", has_text="证书管理")).to_have_attribute("href", "/member/certificates")
    draft_id = draft_path.rsplit("/", 1)[1]
    check_headers(page.request.get(f"{url}/api/v1/drafts/{draft_id}"))
    screenshot(page, "verify-empty.png")

    form = {"file": {"name": "a.pdf", "mimeType": "application/pdf", "buffer": sample_pdf("x")}}
    start = {"placements": [{"seal": "company", "page": 1, "x": 60, "y": 60, "width": 150, "height": 110}]}
    refused = [
        page.request.post(f"{url}/api/v1/drafts", multipart=form),
        page.request.post(f"{url}/api/v1/drafts/{draft_id}/start", data=start),
        page.request.post(f"{url}/api/v1/verify", multipart=form),
        page.request.post(f"{url}/logout", form={}),
        page.request.post(f"{url}/api/v1/drafts", multipart=form, headers={"X-CSRF-Token": "forged"}),
    ]
    assert [r.status for r in refused] == [403] * len(refused)
    assert refused[0].json()["error"]["code"] == "csrf_failed"
    token = page.locator("meta[name=csrf-token]").get_attribute("content")
    cross_site = page.request.post(f"{url}/api/v1/verify", multipart=form,
                                   headers={"X-CSRF-Token": token, "Origin": "https://evil.example"})
    assert cross_site.status == 403
    accepted = page.request.post(f"{url}/api/v1/verify", multipart=form, headers={"X-CSRF-Token": token})
    assert accepted.status == 200 and accepted.json()["verdict"] == "unsigned"
    page.goto(f"{url}/sign")
    expect(page.locator(".welcome")).to_contain_text("admin")  # still logged in: the forged logout did nothing


def _write(path, data: bytes):
    path.write_bytes(data)
    return path
