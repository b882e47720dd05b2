"""Verification (K7): the signatures and time-stamps found in a PDF."""

from __future__ import annotations

from marshmallow import fields

from .common import Schema


class VerifiedSignatureSchema(Schema):
    field_name = fields.Str()
    seal = fields.Str(allow_none=True, metadata={"description": "company | legal_rep | handwritten"})
    seal_label = fields.Str(allow_none=True)
    signer = fields.Str(allow_none=True, metadata={"description": "subject DN of the signer's certificate"})
    serial = fields.Str(allow_none=True, metadata={"description": "certificate serial, lowercase hex"})
    reason = fields.Str(allow_none=True)
    signing_time = fields.Str(allow_none=True, metadata={"description": "claimed by the signer (/M)"})
    timestamp_time = fields.Str(allow_none=True, metadata={"description": "proven by an RFC 3161 token"})
    intact = fields.Bool(metadata={"description": "the signed bytes are unchanged"})
    valid = fields.Bool(metadata={"description": "the signature value verifies"})
    trusted = fields.Bool(metadata={"description": "chains to the platform root and is not revoked now"})
    revocation = fields.Str(metadata={"description": "good | revoked | unknown (as of now)"})
    revoked_at = fields.Str(allow_none=True)
    pades_level = fields.Str(allow_none=True, metadata={"description": "B-B | B-T | B-LT | B-LTA reached"})
    modification_level = fields.Str(allow_none=True,
                                    metadata={"description": "what later revisions did: NONE, LTA_UPDATES, "
                                                             "FORM_FILLING, ANNOTATIONS, OTHER"})
    changes_allowed = fields.Bool(metadata={"description": "later revisions changed nothing they should not"})
    valid_at_signing_time = fields.Bool()
    error = fields.Str(allow_none=True)


class VerifiedTimestampSchema(Schema):
    field_name = fields.Str()
    time = fields.Str(allow_none=True)
    intact = fields.Bool()
    valid = fields.Bool()
    trusted = fields.Bool()
    error = fields.Str(allow_none=True)


class VerificationSchema(Schema):
    verdict = fields.Str(metadata={"description": "valid | invalid | indeterminate | unsigned"})
    verdict_label = fields.Str()
    signatures = fields.List(fields.Nested(VerifiedSignatureSchema))
    document_timestamps = fields.List(fields.Nested(VerifiedTimestampSchema))
