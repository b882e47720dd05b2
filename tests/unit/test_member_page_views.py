"""Member pages rendered from the domain's facts (Issue 10: presentation in api/, pages never open the database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.lifecycle_helpers import IP, ApiUser, account, approve, lifecycle_app, new_form, pay


@pytest.fixture
def api(tmp_path: Path):
    app, services = lifecycle_app(tmp_path, f"sqlite:///{tmp_path / 'signer.db'}")
    yield app, services
    services.db.dispose()


def test_related_orders_of_an_application_show_its_order(api):
    """Issue 10 item 1: 关联订单 of a 新签 lists the order made for it, and none before it is ordered."""
    app, services = api
    admin = account(services, "admin")
    pending = services.lifecycle.applications.apply_new(admin, new_form(services, admin, "operator2"), IP)
    user = ApiUser(app, "admin")
    before = user.get(f"/member/related-orders?application={pending.id}").get_data(as_text=True)
    assert "data-order-no=" not in before
    order = pay(services, admin, [pending.id])
    after = user.get(f"/member/related-orders?application={pending.id}").get_data(as_text=True)
    assert f'data-order-no="{order.order_no}"' in after


def test_apply_page_shows_the_certificate_and_refuses_another(api):
    """Issue 10 item 2: the 续签 page shows the caller's certificate; an unknown one answers 证书不存在."""
    app, services = api
    admin = account(services, "admin")
    pending = services.lifecycle.applications.apply_new(admin, new_form(services, admin, "operator2"), IP)
    pay(services, admin, [pending.id])
    cert_id = approve(services, pending.id).result_certificate_id
    user = ApiUser(app, "admin")
    page = user.get(f"/member/certificates/{cert_id}/renew")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "续签" in html and "<td>移动端证书</td>" in html
    missing = user.get("/member/certificates/999999/renew")
    assert missing.status_code == 404
    assert "证书不存在" in missing.get_data(as_text=True)
