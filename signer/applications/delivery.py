"""I: where a physical KEY is mailed: 收件人, 联系电话 and 邮寄地址, asked by the 新签 wizard for a KEY."""

from __future__ import annotations

from dataclasses import dataclass

from signer.applications import idnumbers


@dataclass(frozen=True)
class Delivery:
    recipient: str
    phone: str
    address: str


def check_delivery(delivery: Delivery | None, errors: dict[str, list[str]]) -> Delivery:
    """The delivery with spaces tidied; each problem is added to ``errors`` under ``delivery.<field>``."""
    given = delivery or Delivery("", "", "")
    recipient = given.recipient.strip()
    phone = "".join(given.phone.split())
    address = " ".join(given.address.split())
    if not 1 <= len(recipient) <= 50:
        errors["delivery.recipient"] = ["请填写收件人（50字以内）"]
    if not idnumbers.is_phone_number(phone):
        errors["delivery.phone"] = ["请填写正确的收件人联系电话（手机号或固定电话）"]
    if not 5 <= len(address) <= 200:
        errors["delivery.address"] = ["请填写详细的邮寄地址（5至200字）"]
    return Delivery(recipient, phone, address)


def delivery_columns(delivery: Delivery | None) -> dict[str, str | None]:
    """The application's columns for ``delivery`` (all empty for a certificate that is not mailed)."""
    if delivery is None:
        return {"recipient_name": None, "recipient_phone": None, "mailing_address": None}
    return {"recipient_name": delivery.recipient, "recipient_phone": delivery.phone,
            "mailing_address": delivery.address}
