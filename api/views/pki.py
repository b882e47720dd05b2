"""Public PKI endpoints: CA certificates, CRLs, the OCSP responder (GET and POST, RFC 6960) and the
time-stamping authority (RFC 3161)."""

from __future__ import annotations

import base64
import binascii

from cryptography.hazmat.primitives import serialization
from flask import Blueprint, Response, request

from signer.core import ratelimit
from signer.core.errors import ErrorCode, ValidationFailed

from ..auth import client_ip, services

bp = Blueprint("pki", __name__, url_prefix="/pki")
MAX_OCSP_REQUEST = 8192
MAX_TSA_REQUEST = 4096
TSA_RATE_LIMIT = 120  # time-stamp requests per client address and minute


def _der(name: str, mimetype: str = "application/pkix-cert") -> Response:
    cert = services().ca.pair(name).certificate
    return Response(cert.public_bytes(serialization.Encoding.DER), mimetype=mimetype)


@bp.get("/root.crt")
def root_crt():
    return _der("root")


@bp.get("/root.pem")
def root_pem():
    return Response(services().ca.pem("root"), mimetype="application/x-pem-file")


@bp.get("/issuing-ca.crt")
def issuing_crt():
    return _der("issuing")


@bp.get("/issuing.crl")
def issuing_crl():
    return Response(services().ca.crl_der(), mimetype="application/pkix-crl",
                    headers={"Cache-Control": "max-age=60"})


@bp.get("/root.crl")
def root_crl():
    return Response(services().ca.root_crl_der(), mimetype="application/pkix-crl",
                    headers={"Cache-Control": "max-age=3600"})


def _ocsp(request_der: bytes) -> Response:
    return Response(services().ca.ocsp_response(request_der), mimetype="application/ocsp-response",
                    headers={"Cache-Control": "no-cache"})


@bp.post("/ocsp")
def ocsp_post():
    data = request.get_data(cache=False)
    if len(data) > MAX_OCSP_REQUEST:
        raise ValidationFailed("OCSP request too large")
    return _ocsp(data)


@bp.get("/ocsp/<path:encoded>")
def ocsp_get(encoded: str):
    try:
        data = base64.b64decode(encoded.replace("%2F", "/").replace("%2B", "+").replace("%3D", "="))
    except (binascii.Error, ValueError):
        data = b""
    return _ocsp(data[:MAX_OCSP_REQUEST])


@bp.get("/tsa.crt")
def tsa_crt():
    return _der("tsa")


@bp.post("/tsa")
def tsa():
    """RFC 3161 over HTTP: ``application/timestamp-query`` in, ``application/timestamp-reply`` out."""
    if request.mimetype != "application/timestamp-query":
        raise ValidationFailed("Content-Type must be application/timestamp-query", code=ErrorCode.BAD_CONTENT_TYPE)
    data = request.get_data(cache=False)
    if len(data) > MAX_TSA_REQUEST:
        raise ValidationFailed("time-stamp request too large")
    svc = services()
    ratelimit.hit(svc.db, f"tsa:{client_ip()}", TSA_RATE_LIMIT, 60)
    return Response(svc.ca.timestamp_response(data), mimetype="application/timestamp-reply",
                    headers={"Cache-Control": "no-store"})
