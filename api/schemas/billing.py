"""Billing: prices, orders, payments, electronic invoices and invoice profiles. Money is integer fen."""

from __future__ import annotations

from marshmallow import fields, validate

from signer.billing.enums import InvoiceType, OrderStatus

from .common import Schema, id_field


# -- B4/B5 orders, F1/F2 invoices -------------------------------------------------------------------
class OrderCreateSchema(Schema):
    application_ids = fields.List(id_field(), required=True, validate=validate.Length(min=1, max=50))
    invoice_profile_id = id_field(load_default=None, allow_none=True)
    payment_method = fields.Str(load_default="online", validate=validate.OneOf(["online"]))


class OrderItemSchema(Schema):
    application_id = fields.Int()
    kind = fields.Str()
    kind_label = fields.Str()
    certificate_kind_label = fields.Str()
    period_years = fields.Int(allow_none=True)
    amount_fen = fields.Int()
    application_status = fields.Str()
    application_status_label = fields.Str()


class ElectronicInvoiceSchema(Schema):
    invoice_no = fields.Str()
    amount_fen = fields.Int()
    tax_fen = fields.Int()
    issued_at = fields.DateTime()
    download_url = fields.Str()


class OrderSchema(Schema):
    order_no = fields.Str()
    status = fields.Str()
    status_label = fields.Str()
    amount_fen = fields.Int()
    payment_method = fields.Str()
    payment_method_label = fields.Str()
    invoice = fields.Dict(allow_none=True, metadata={"description": "the invoice profile as ordered"})
    created_at = fields.DateTime()
    paid_at = fields.DateTime(allow_none=True)
    cancelled_at = fields.DateTime(allow_none=True)
    transaction_id = fields.Str(allow_none=True)
    items = fields.List(fields.Nested(OrderItemSchema))
    electronic_invoice = fields.Nested(ElectronicInvoiceSchema, allow_none=True)
    cashier_url = fields.Str(allow_none=True, metadata={"description": "收银台, while 待支付"})


class OrderListSchema(Schema):
    items = fields.List(fields.Nested(OrderSchema))


class OrderQuerySchema(Schema):
    status = fields.Enum(OrderStatus, by_value=True, load_default=None)


class InvoiceProfileInSchema(Schema):
    invoice_type = fields.Enum(InvoiceType, by_value=True, load_default=InvoiceType.NORMAL)
    title = fields.Str(required=True, validate=validate.Length(min=2, max=100))
    tax_number = fields.Str(required=True, validate=validate.Length(min=15, max=20))
    address = fields.Str(load_default="", validate=validate.Length(max=200))
    phone = fields.Str(load_default="", validate=validate.Length(max=30))
    bank_name = fields.Str(load_default="", validate=validate.Length(max=100))
    bank_account = fields.Str(load_default="", validate=validate.Length(max=40))
    email = fields.Str(load_default="", validate=validate.Length(max=100))
    is_default = fields.Bool(load_default=False)


class InvoiceProfileSchema(Schema):
    id = fields.Int()
    invoice_type = fields.Str()
    invoice_type_label = fields.Str()
    title = fields.Str()
    tax_number = fields.Str()
    address = fields.Str()
    phone = fields.Str()
    bank_name = fields.Str()
    bank_account = fields.Str()
    email = fields.Str()
    is_default = fields.Bool()


class InvoiceProfileListSchema(Schema):
    items = fields.List(fields.Nested(InvoiceProfileSchema))


class DeleteQuerySchema(Schema):
    confirm = fields.Bool(load_default=False, metadata={"description": "删除需要确认（true）"})


class PaymentAckSchema(Schema):
    result = fields.Str(metadata={"description": "success: stop re-sending"})
    order_no = fields.Str()
    duplicate = fields.Bool()


class PriceSchema(Schema):
    kind = fields.Str()
    certificate_kind = fields.Str()
    years = fields.Int(metadata={"description": "0 = a fee without a period"})
    price_fen = fields.Int()


class PriceListSchema(Schema):
    items = fields.List(fields.Nested(PriceSchema))
