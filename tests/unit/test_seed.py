"""The demo seed is data a newcomer sees: it must pass the product's own checks."""

from __future__ import annotations

from signer.applications.idnumbers import uscc_problem
from signer.demo.seed import DEMO_CREDIT_CODE


def test_demo_enterprise_has_a_valid_credit_code():
    assert uscc_problem(DEMO_CREDIT_CODE) is None
