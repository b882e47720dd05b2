"""The business systems' API: sessions created by a system, and the webhook it receives."""

from __future__ import annotations

from marshmallow import fields, validate

from .common import Schema
from .signing import CreateSessionSchema, SessionStateSchema


class BusinessCreateSessionSchema(CreateSessionSchema):
    webhook_url = fields.Url(load_default=None, allow_none=True, schemes={"http", "https"}, require_tld=False,
                             validate=validate.Length(max=500))
    external_ref = fields.Str(load_default="", validate=validate.Length(max=100))


class BusinessSessionSchema(Schema):
    session = fields.Nested(SessionStateSchema)
    handoff_url = fields.Str(metadata={"description": "open in a logged-in browser of the enterprise, once, "
                                                      "within 10 minutes: it shows the QR page"})


class WebhookEventSchema(Schema):
    """What the webhook receives (POST, JSON), signed in X-Signer-Signature: sha256=HMAC(secret, ts.body)."""

    event_id = fields.Str()
    event = fields.Str(metadata={"description": "session.signed | rejected | cancelled | expired | failed"})
    occurred_at = fields.Str()
    session = fields.Dict()
