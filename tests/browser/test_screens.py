"""Issue 11 items 2, 3 and 9 as a person sees them in Chromium: each role's landing page and menu, the Chinese
403/404 pages inside the frame, one 北京时间 across list / detail / order / 收银台, the cashier naming the
paying company, and screenshots of every main page at 1366 px and 390 px (where the menu collapses behind
its toggle and nothing widens the page)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from signer.accounts.enums import Role
from signer.accounts.models import Account
from signer.certificates.enums import CertificateKind
from signer.certificates.models import Certificate
from signer.cli_demo import DEMO_PASSWORD, LiveServer
from signer.core.passwords import hash_password
from signer.core.timeutil import beijing_text
from signer.demo.samples import sample_pdf
from signer.demo.seed import DEMO_ENTERPRISE
from tests.helpers import add_operator
from tests.lifecycle_helpers import account, new_form, pay

from .conftest import screenshot
from .test_member_pages import LIVE_ENV, instance_services

WIDE = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
# the elements that stick out on the right, to name the culprit when a page is too wide
WIDEST = """Array.from(document.querySelectorAll("body *"))
  .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .slice(0, 8)
  .map((e) => e.tagName + "#" + e.id + "." + e.className + " " + Math.round(e.getBoundingClientRect().right))"""
# the form labels drawn on more than one line
WRAPPED = """Array.from(document.querySelectorAll(".field > label"))
  .filter((l) => l.getClientRects().length > 0
          && l.getBoundingClientRect().height > 2 * parseFloat(getComputedStyle(l).fontSize))
  .map((l) => l.textContent.trim())"""
ENTERPRISE_ONLY = ("证书管理", "扫码签章", "订单管理", "发票信息")


@dataclass(frozen=True)
class Seeded:
    order_no: str  # the admin's order, 待支付
    order_created: str  # its 下单时间 in Beijing time, as the pages show it
    review_app_id: int  # a paid 新签 waiting in the review queue
    cert_id: int  # the demo's effective 安心签 certificate
    cert_not_after: str  # its 失效时间 in Beijing time, to the minute (as the list shows it)


pytestmark = pytest.mark.usefixtures("no_script_errors")


@pytest.fixture
def live_env() -> dict[str, str]:
    return LIVE_ENV


@pytest.fixture
def seeded(live_server: LiveServer) -> Seeded:
    """What the pages show: an unpaid order, a paid application in review, a stranger in another enterprise."""
    services = instance_services(live_server)
    try:
        lc = services.lifecycle
        admin = account(services, "admin")
        waiting = lc.applications.apply_new(admin, new_form(services, admin), "127.0.0.1")
        order = lc.orders.create(admin, [waiting.id], None, "127.0.0.1")
        with services.db.write() as s:  # a second operator without a certificate, to bind the paid 新签 to
            s.add(Account(enterprise_id=admin.enterprise_id, username="operator3", display_name="赵办理",
                          role=Role.OPERATOR, password_hash=hash_password(DEMO_PASSWORD)))
        paid = lc.applications.apply_new(admin, new_form(services, admin, bind="operator3"), "127.0.0.1")
        pay(services, admin, [paid.id])
        add_operator(services, "stranger", enterprise_name="另一家企业有限公司")
        with services.db.read() as s:
            cert = s.scalar(select(Certificate).where(Certificate.kind == CertificateKind.ANXINQIAN))
            assert cert is not None  # the demo's effective 安心签 certificate
        return Seeded(order.order_no, beijing_text(order.created_at), paid.id, cert.id,
                      beijing_text(cert.not_after, "%Y-%m-%d %H:%M"))
    finally:
        services.db.dispose()
        services.pool.close()


def sign_in(page: Any, url: str, username: str) -> None:
    """Log in from the login page itself: the account lands on its role's own start page."""
    page.goto(f"{url}/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("form.login-form button[type=submit]")
    page.wait_for_load_state()


def sign_out(page: Any) -> None:
    page.click("#logout")
    page.wait_for_url("**/login")


def menu_texts(page: Any) -> str:
    return page.locator("nav.side").inner_text()


def test_reviewer_lands_on_the_review_queue_with_its_own_menu(live_server, browser_page, seeded):
    """Issue 11 item 2: the reviewer lands on 平台审核 and its menu has no enterprise-only entries; the
    enterprise pages answer a Chinese 403 in the reviewer's frame (no raw JSON, no toolbar)."""
    page, url = browser_page, live_server.url
    sign_in(page, url, "reviewer")
    page.wait_for_url("**/member/review")
    expect(page.locator("nav.side a.active")).to_have_text("审核管理")
    expect(page.locator("nav.side")).to_contain_text("平台审核")
    for entry in ENTERPRISE_ONLY:
        expect(page.locator("nav.side", has_text=entry)).to_have_count(0)
    expect(page.locator("main")).to_contain_text("待审核")
    for path in ("/member/certificates", "/member/orders", "/sign"):
        response = page.goto(f"{url}{path}")
        assert response.status == 403, path
        expect(page.locator("h1")).to_contain_text("无权访问")
        expect(page.locator("[role=alert]")).to_have_text("只有企业账号可以办理证书业务")
        expect(page.locator(".toolbar")).to_have_count(0)  # no enterprise toolbar for a reviewer
        expect(page.locator("nav.side a", has_text="审核管理")).to_be_visible()  # still in its own frame
        assert '{"error"' not in page.content()
    page.click("#error-home")
    page.wait_for_url("**/member/review")
    sign_out(page)

    sign_in(page, url, "admin")  # the enterprise's administrator lands on its own work, with its own menu
    page.wait_for_url("**/sign")
    for entry in ENTERPRISE_ONLY:
        expect(page.locator("nav.side", has_text=entry)).to_have_count(1)
    expect(page.locator("nav.side a", has_text="审核管理")).to_have_count(0)


def test_chinese_404_in_the_frame_for_unknown_pages_and_other_enterprises(live_server, browser_page, seeded):
    """Issue 11 item 2: an unknown page and another enterprise's order give a Chinese 404 inside the frame."""
    page, url = browser_page, live_server.url
    sign_in(page, url, "admin")
    response = page.goto(f"{url}/member/no-such-page")
    assert response.status == 404
    expect(page.locator("h1")).to_contain_text("页面不存在")
    expect(page.locator("nav.side a", has_text="证书管理")).to_be_visible()
    assert "Not Found" not in page.content()
    sign_out(page)

    sign_in(page, url, "stranger")
    for path in (f"/member/orders/{seeded.order_no}", f"/pay/sandbox/{seeded.order_no}"):
        response = page.goto(f"{url}{path}")
        assert response.status == 404, path
        expect(page.locator("h1")).to_contain_text("页面不存在")
        expect(page.locator("[role=alert]")).to_have_text("订单不存在")
        expect(page.locator(".welcome")).to_contain_text("另一家企业有限公司")
        assert "Not Found" not in page.content() and '{"error"' not in page.content()
    assert page.request.get(f"{url}/favicon.ico").status == 200  # item 9: no favicon 404


def test_beijing_time_is_the_same_on_list_detail_order_and_cashier(live_server, browser_page, seeded):
    """Issue 11 item 3: the same instant reads the same 北京时间 on every page, and the order number carries
    the Beijing date of its 下单时间."""
    page, url = browser_page, live_server.url
    sign_in(page, url, "admin")
    page.goto(f"{url}/member/certificates")
    row = page.locator("#list tbody tr", has=page.locator("td", has_text="安心签"))
    expect(row.locator("td").nth(6)).to_have_text(seeded.cert_not_after)  # 失效时间
    row.locator("[data-op=view]").click()  # 查看: the certificate's detail, drawn on the server
    page.wait_for_url(f"**/member/certificates/{seeded.cert_id}")
    expect(page.locator("#cert-validity")).to_contain_text("至 " + seeded.cert_not_after)
    page.goto(f"{url}/member/certificates/{seeded.cert_id}/change")
    expect(page.locator("main")).to_contain_text(seeded.cert_not_after)  # the form's 有效期, drawn on the server

    page.goto(f"{url}/member/orders")
    order_row = page.locator("tr", has_text=seeded.order_no)
    expect(order_row).to_contain_text(seeded.order_created)
    page.goto(f"{url}/member/orders/{seeded.order_no}")
    expect(page.locator("main")).to_contain_text(seeded.order_created)
    page.goto(f"{url}/pay/sandbox/{seeded.order_no}")
    expect(page.locator(".cashier-facts")).to_contain_text(seeded.order_created + "（北京时间）")
    assert seeded.order_no[2:10] == seeded.order_created[:10].replace("-", "")


def test_cashier_names_the_paying_company_in_a_table_with_room(live_server, browser_page, seeded):
    """Issue 11 item 9: the 收银台 shows who pays, the items in separated cells and the amount."""
    page, url = browser_page, live_server.url
    sign_in(page, url, "admin")
    page.goto(f"{url}/pay/sandbox/{seeded.order_no}")
    expect(page.locator("#payer")).to_have_text(DEMO_ENTERPRISE)
    expect(page.locator("#order-no")).to_have_text(seeded.order_no)
    expect(page.locator("#amount")).to_have_text("¥300.00")
    cell = page.locator("#cashier-items tbody td").first
    padding = cell.evaluate("td => parseFloat(getComputedStyle(td).paddingLeft)")
    border = cell.evaluate("td => getComputedStyle(td).borderLeftStyle")
    assert padding >= 6 and border == "solid"  # cells no longer run together
    expect(page.get_by_role("button", name="确认支付")).to_be_visible()


def test_file_pickers_are_chinese(live_server, browser_page, seeded):
    """Issue 11 item 9: no native English "Choose File": a Chinese button, the chosen file's name beside it."""
    page, url = browser_page, live_server.url
    sign_in(page, url, "admin")
    expect(page.locator(".file-pick-button")).to_have_text("选择文件")
    expect(page.locator(".file-pick-name")).to_have_text("未选择文件")
    assert page.locator("#file").evaluate("i => i.getBoundingClientRect().width") <= 1  # the native one hidden
    page.set_input_files("#file", files=[{"name": "合同.pdf", "mimeType": "application/pdf",
                                          "buffer": sample_pdf("Picker")}])
    expect(page.locator(".file-pick-name")).to_have_text("合同.pdf")
    page.goto(f"{url}/member/certificates/new")
    assert page.locator("input[type=file]").count() == page.locator(".file-pick-button").count() > 0


def test_form_labels_stay_on_one_line(live_server, browser_page, seeded):
    """Issue 11 item 9: no form label wraps into 2–4 lines (every step of 新签, a certificate's 变更 form)."""
    page, url = browser_page, live_server.url
    sign_in(page, url, "admin")
    for path in ("/member/certificates/new", f"/member/certificates/{seeded.cert_id}/change"):
        page.goto(f"{url}{path}")
        page.evaluate("document.querySelectorAll('.step').forEach((s) => { s.hidden = false; })")
        labels = page.locator(".field > label")
        assert labels.count() > 0
        wrapped = page.evaluate(WRAPPED)
        assert wrapped == [], (path, wrapped)


def _signing_session(page: Any, url: str) -> tuple[str, str]:
    """A QR page of the admin's: upload a PDF, then start the draft with one seal (as the placement page does)."""
    page.goto(f"{url}/sign")
    page.set_input_files("#file", files=[{"name": "合同.pdf", "mimeType": "application/pdf",
                                          "buffer": sample_pdf("Screens")}])
    page.click("#upload")
    page.wait_for_url(re.compile(r"/sign/draft/[\w-]+$"))
    draft_id = page.url.rsplit("/", 1)[1]
    token = page.locator("meta[name=csrf-token]").get_attribute("content")
    started = page.request.post(f"{url}/api/v1/drafts/{draft_id}/start", headers={"X-CSRF-Token": token}, data={
        "placements": [{"seal": "company", "page": 1, "x": 60, "y": 60, "width": 150, "height": 110}]})
    assert started.status == 201, started.text()
    return f"/sign/draft/{draft_id}", f"/sign/{started.json()['id']}"


def _shoot(page: Any, url: str, role: str, name: str, path: str, status: int = 200) -> None:
    """One page at both widths; at 390 px nothing widens the page and the menu opens from its toggle."""
    for label, size in (("1366", WIDE), ("390", PHONE)):
        page.set_viewport_size(size)
        response = page.goto(f"{url}{path}")
        assert response.status == status, (path, response.status)
        page.wait_for_load_state("networkidle")
        screenshot(page, f"{role}-{name}-{label}.png")
        if label == "390":
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"{path} is {width} px wide at 390 px: {page.evaluate(WIDEST)}"
            toggle = page.locator("#menu-toggle")
            if toggle.count():
                expect(page.locator("nav.side")).to_be_hidden()
                toggle.click()
                expect(page.locator("nav.side")).to_be_visible()
                expect(toggle).to_have_attribute("aria-expanded", "true")
                assert page.evaluate("document.documentElement.scrollWidth") <= 390
        elif page.locator("#menu-toggle").count():
            expect(page.locator("nav.side")).to_be_visible()
            expect(page.locator("#menu-toggle")).to_be_hidden()


def test_screenshots_of_every_main_page_at_1366_and_390(live_server, browser_page, seeded):
    """Issue 11 item 9 and the issue's screenshot set: every main page of each role at 1366 px and 390 px in
    artifacts/screenshots/; at 390 px no page is wider than the screen and the menu toggle works."""
    page, url = browser_page, live_server.url
    _shoot(page, url, "visitor", "login", "/login")
    for size in (WIDE, PHONE):  # the login inputs line up in one column
        page.set_viewport_size(size)
        page.goto(f"{url}/login")
        user, password = (page.locator(f"#{i}").bounding_box() for i in ("username", "password"))
        assert user is not None and password is not None
        assert (user["x"], user["width"]) == (password["x"], password["width"])
    _shoot(page, url, "visitor", "verify", "/verify")

    sign_in(page, url, "admin")
    draft, session = _signing_session(page, url)
    for name, path in (("sign-upload", "/sign"), ("sign-place", draft), ("sign-qr", session),
                       ("certificates", "/member/certificates"), ("new-certificate", "/member/certificates/new"),
                       ("orders", "/member/orders"), ("order", f"/member/orders/{seeded.order_no}"),
                       ("cashier", f"/pay/sandbox/{seeded.order_no}"), ("invoices", "/member/invoices"),
                       ("verify", "/verify")):
        _shoot(page, url, "admin", name, path)
    _shoot(page, url, "admin", "not-found", "/member/no-such-page", 404)
    sign_out(page)

    sign_in(page, url, "operator1")
    for name, path in (("sign-upload", "/sign"), ("certificates", "/member/certificates"),
                       ("orders", "/member/orders")):
        _shoot(page, url, "operator", name, path)
    sign_out(page)

    sign_in(page, url, "reviewer")
    for name, path in (("review-queue", "/member/review"), ("review", f"/member/review/{seeded.review_app_id}"),
                       ("verify", "/verify")):
        _shoot(page, url, "reviewer", name, path)
    _shoot(page, url, "reviewer", "forbidden", "/member/orders", 403)
