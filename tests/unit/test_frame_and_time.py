"""Issue 11 items 2 and 3 without a browser: each role's menu and landing page, Chinese error pages for page
requests (JSON stays for the API), the favicon, and 北京时间 in the one formatter, order numbers and the APP."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from mobile.cli import beijing_time, describe_scan
from signer.billing import orders
from signer.core.timeutil import beijing_text
from tests.lifecycle_helpers import ApiUser, lifecycle_app

LATE_EVENING_UTC = datetime(2026, 11, 29, 17, 30, tzinfo=UTC)  # already 30 November in Beijing


@pytest.fixture
def api(tmp_path: Path):
    app, services = lifecycle_app(tmp_path, f"sqlite:///{tmp_path / 'signer.db'}")

    @app.get("/member/broken-for-test")
    def broken():  # an unexpected failure on a page
        raise RuntimeError("boom")

    yield app, services
    services.db.dispose()


def test_reviewer_lands_on_the_review_queue_and_sees_only_its_menu(api):
    """Issue 11 item 2: the reviewer's start page is 平台审核; no enterprise entries; enterprise pages are 403."""
    app, _ = api
    reviewer = ApiUser(app, "reviewer")
    assert reviewer.get("/").headers["Location"].endswith("/member/review")
    html = reviewer.get("/member/review").get_data(as_text=True)
    assert "平台审核" in html and "审核管理" in html
    for entry in ("订单管理", "证书管理", "扫码签章", "发票信息"):
        assert entry not in html, entry
    for path in ("/member/orders", "/member/certificates", "/sign", "/member/invoices"):
        resp = reviewer.get(path)
        page = resp.get_data(as_text=True)
        assert resp.status_code == 403 and resp.mimetype == "text/html", path
        assert "无权访问" in page and "只有企业账号可以办理证书业务" in page and '{"error"' not in page, path
        assert "审核管理" in page  # still inside the reviewer's own frame
    admin = ApiUser(app, "admin")
    assert admin.get("/").headers["Location"].endswith("/sign")
    assert "审核管理" not in admin.get("/member/certificates").get_data(as_text=True)
    assert admin.get("/member/review").status_code == 403


def test_pages_get_chinese_error_pages_and_the_api_keeps_json(api):
    """Issue 11 item 2: no raw JSON or Flask's English "Not Found" on a page; JSON errors stay for /api/."""
    app, _ = api
    admin = ApiUser(app, "admin")
    missing = admin.get("/member/no-such-page")
    assert missing.status_code == 404 and missing.mimetype == "text/html"
    text = missing.get_data(as_text=True)
    assert "页面不存在" in text and "Not Found" not in text and "证书管理" in text  # in the frame
    anonymous = app.test_client().get("/no-such-page")
    assert anonymous.status_code == 404 and "页面不存在" in anonymous.get_data(as_text=True)
    broken = admin.get("/member/broken-for-test")
    assert broken.status_code == 500 and "服务器内部错误" in broken.get_data(as_text=True)
    assert "Internal Server Error" not in broken.get_data(as_text=True)
    api_missing = admin.get("/api/v1/no-such-thing")
    assert api_missing.status_code == 404 and api_missing.get_json()["error"]["code"] == "not_found"
    assert ApiUser(app, "reviewer").get("/api/v1/orders").get_json()["error"]["code"] == "not_enterprise_account"


def test_favicon_is_served(api):
    """Issue 11 item 9: the browser's /favicon.ico request does not 404."""
    app, _ = api
    resp = app.test_client().get("/favicon.ico")
    assert resp.status_code == 200 and resp.mimetype == "image/svg+xml"


def test_order_numbers_carry_the_beijing_date(monkeypatch):
    """Issue 11 item 3: at 17:30 UTC on 29 November it is 01:30 on 30 November in Beijing."""
    monkeypatch.setattr(orders, "utcnow", lambda: LATE_EVENING_UTC)
    assert orders.new_order_no().startswith("CO20261130013000")


def test_one_formatter_shows_beijing_time():
    """Issue 11 item 3: the pages' one formatter, naive values taken as UTC (SQLite)."""
    assert beijing_text(LATE_EVENING_UTC) == "2026-11-30 01:30:00"
    assert beijing_text(LATE_EVENING_UTC.replace(tzinfo=None)) == "2026-11-30 01:30:00"
    assert beijing_text(None) == "-"


def test_the_app_prints_beijing_time():
    """Issue 11 item 3: the APP prints 北京时间, not ISO UTC."""
    assert beijing_time("2026-11-29T17:30:00Z") == "2026-11-30 01:30:00（北京时间）"
    assert beijing_time(None) == "-"
    assert "有效期至: 2030-01-01 08:00:00（北京时间）" in describe_scan({"expires_at": "2030-01-01T00:00:00Z"})
