"""Who may do what (the issue's authorization rules), as small checks the services call.

- An enterprise account (管理员 or 操作员) sees and changes only its enterprise's data; a row of another
  enterprise is "not found" (its existence is not revealed).
- Only an administrator 吊销s, assigns seals, binds and unbinds (an operator may unbind only itself).
- Platform reviewers see every enterprise's applications in the review queue, and nothing else changes
  through their accounts but review, shipping and invoices.
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

from signer.accounts.enums import Role
from signer.accounts.models import Account
from signer.core.errors import ErrorCode, Forbidden, NotFound

T = TypeVar("T")

ENTERPRISE_ROLES = frozenset({Role.ADMIN, Role.OPERATOR})


def enterprise_member(account: Account) -> int:
    """The caller's enterprise id; Forbidden for platform or service accounts."""
    if account.role not in ENTERPRISE_ROLES or account.enterprise_id is None:
        raise Forbidden("只有企业账号可以办理证书业务", code=ErrorCode.NOT_ENTERPRISE_ACCOUNT)
    return account.enterprise_id


def administrator(account: Account, what: str) -> int:
    enterprise_id = enterprise_member(account)
    if account.role != Role.ADMIN:
        raise Forbidden(f"只有企业管理员可以{what}", code=ErrorCode.NOT_ADMIN)
    return enterprise_id


def reviewer(account: Account) -> None:
    if account.role != Role.REVIEWER:
        raise Forbidden("只有平台审核员可以执行此操作", code=ErrorCode.NOT_REVIEWER)


def own(row: T | None, account: Account, what: str = "记录") -> T:
    """``row`` if the caller may see it: its enterprise's member, or a reviewer."""
    if row is None:
        raise NotFound(f"{what}不存在")
    if account.role == Role.REVIEWER:
        return row
    if account.role not in ENTERPRISE_ROLES or cast(Any, row).enterprise_id != account.enterprise_id:
        raise NotFound(f"{what}不存在")
    return row
