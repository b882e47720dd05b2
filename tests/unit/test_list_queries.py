"""List endpoints read their rows and what each row shows in a fixed number of statements (no N+1)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import event

from signer.accounts.enums import Role
from signer.accounts.models import Account
from signer.core.passwords import hash_password
from tests.helpers import PASSWORD
from tests.lifecycle_helpers import IP, ApiUser, account, lifecycle_app, new_form

LISTS = {"admin": ["/api/v1/orders", "/api/v1/applications", "/api/v1/certificates"],
         "reviewer": ["/api/v1/review/applications"]}


@pytest.fixture
def api(tmp_path: Path):
    app, services = lifecycle_app(tmp_path, f"sqlite:///{tmp_path / 'signer.db'}")
    yield app, services
    services.db.dispose()


@contextmanager
def statements(services) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        seen.append(statement)

    engines = {services.db.read_engine, services.db.write_engine}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", count)


def pending_application(services, bind: str) -> int:
    """A 新签 for a new operator of the demo enterprise (待生成订单); its id."""
    admin = account(services, "admin")
    with services.db.write() as s:
        s.add(Account(enterprise_id=admin.enterprise_id, username=bind, display_name=bind, role=Role.OPERATOR,
                      password_hash=hash_password(PASSWORD)))
    return services.lifecycle.applications.apply_new(admin, new_form(services, admin, bind), IP).id


def paid_application(services, bind: str) -> None:
    """A 新签 for a new operator of the demo enterprise, ordered and paid (待审核)."""
    app_id = pending_application(services, bind)
    admin = account(services, "admin")
    order = services.lifecycle.orders.create(admin, [app_id], None, IP)
    services.lifecycle.payments.sandbox_pay(admin, order.order_no, IP)


def cost(users: dict[str, ApiUser], services) -> dict[str, tuple[int, int]]:
    """Per list: (rows answered, statements run)."""
    result = {}
    for who, paths in LISTS.items():
        for path in paths:
            with statements(services) as seen:
                resp = users[who].get(path)
            assert resp.status_code == 200, resp.get_json()
            result[path] = (len(resp.get_json()["items"]), len(seen))
    return result


def test_lists_cost_the_same_with_two_more_rows(api):
    app, services = api
    users = {who: ApiUser(app, who) for who in LISTS}
    paid_application(services, "extra1")
    one = cost(users, services)
    paid_application(services, "extra2")
    paid_application(services, "extra3")
    three = cost(users, services)
    assert {path: three[path][0] - rows for path, (rows, _) in one.items()} == dict.fromkeys(one, 2)
    assert {path: n for path, (_, n) in three.items()} == {path: n for path, (_, n) in one.items()}


def test_order_page_of_several_applications_costs_the_same_as_of_one(api):
    """Issue 10 (list queries): 批量生成订单 of ``?applications=1,2,3`` loads them in one statement, not one per id."""
    app, services = api
    admin = ApiUser(app, "admin")
    ids = [pending_application(services, f"batch{n}") for n in range(3)]

    def page(chosen: list[int]) -> tuple[str, int]:
        with statements(services) as seen:
            resp = admin.get("/member/orders/new?applications=" + ",".join(map(str, chosen)))
        assert resp.status_code == 200
        return resp.get_data(as_text=True), len(seen)

    one, one_cost = page(ids[:1])
    three, three_cost = page(ids)
    assert all(f'data-application-id="{i}"' in three for i in ids)
    assert f'data-application-id="{ids[1]}"' not in one
    assert three_cost == one_cost
