"""Account roles."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    ADMIN = "admin"  # 管理员
    OPERATOR = "operator"  # 操作员
    REVIEWER = "reviewer"  # 平台审核员
    SERVICE = "service"  # a business system's API client (cannot log in, scan or sign)
