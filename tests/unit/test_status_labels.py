"""One status label for a certificate wherever it is shown: the PC list, the APP lists, bind/unbind answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.schemas.certificates import (
    BoundCertificateSchema,
    CertificateRowSchema,
    CertificateSchema,
    CertificateView,
    bound_view,
)
from signer.applications.enums import OPEN_APPLICATION_STATUSES
from signer.certificates.enums import CertificateStatus
from signer.certificates.listing import ListFilter
from tests.lifecycle_helpers import account, certificate, lifecycle_services, new_form
from tests.unit.test_lifecycle_flows import age, issue_new


@pytest.fixture
def services(tmp_path: Path, database_url: str):
    svc = lifecycle_services(tmp_path, database_url)
    yield svc
    svc.db.dispose()


@pytest.mark.parametrize(("days_left", "label"), [(200, "已生效"), (10, "即将失效"), (-1, "已失效")])
def test_every_view_of_a_certificate_shows_the_same_label(services, days_left, label):
    _, cert_id = issue_new(services)
    age(services, cert_id, days_left)
    lc = services.lifecycle
    admin = account(services, "admin")
    cert = certificate(services, cert_id)
    [row] = [r for r in lc.listing.page(admin, ListFilter()).items if r.certificate_id == cert_id]
    shown = {
        "list": CertificateRowSchema().dump(row)["status_label"],
        "app": CertificateSchema().dump(CertificateView(cert, None, lc.settings.renewal_window))["status_label"],
        "bind": BoundCertificateSchema().dump(bound_view(lc.binding, cert))["status_label"],
    }
    assert shown == {"list": label, "app": label, "bind": label}


def test_application_statuses_are_shown_but_never_a_certificate_status(services):
    assert {s.value for s in CertificateStatus}.isdisjoint({s.value for s in OPEN_APPLICATION_STATUSES})
    admin = account(services, "admin")
    services.lifecycle.applications.apply_new(admin, new_form(services, admin), "127.0.0.1")
    [row] = services.lifecycle.listing.page(admin, ListFilter(state="pending_order")).items
    assert (row.status, CertificateRowSchema().dump(row)["status_label"]) == ("pending_order", "待生成订单")
