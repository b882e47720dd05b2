"""What an SMS code is for."""

from __future__ import annotations

import enum


class SmsPurpose(enum.StrEnum):
    APPLICATION = "application"  # 手机验证 of the operator on every application form
    PHONE_CHANGE = "phone_change"  # the new number of 变更手机号
