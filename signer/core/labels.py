"""``LabelledStrEnum``: a string enum whose members carry the Chinese label a person reads."""

from __future__ import annotations

from enum import StrEnum
from typing import Self


class LabelledStrEnum(StrEnum):
    """Members are declared as ``NAME = "wire value", "中文标签"``; the value stays the wire value."""

    label: str

    def __new__(cls, value: str, label: str) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member
