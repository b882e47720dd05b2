"""Operator endpoints: liveness, readiness and Prometheus metrics (no login, no CSRF: GET only)."""

from __future__ import annotations

import hmac
import ipaddress
import os

from flask import Blueprint, Response, abort, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST

from signer.ops import health, metrics

from ..auth import bearer_token, services

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """Alive: the process answers HTTP (touches nothing else)."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    checks = health.readiness(services())
    ready = all(c.ok for c in checks)
    body = {"status": "ready" if ready else "not_ready", "checks": {c.name: c.to_dict() for c in checks}}
    return jsonify(body), 200 if ready else 503


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    raw = os.environ.get("SIGNER_METRICS_ALLOW", "")
    return [ipaddress.ip_network(item.strip(), strict=False) for item in raw.split(",") if item.strip()]


def metrics_allowed() -> bool:
    """Loopback always; other peers only from ``SIGNER_METRICS_ALLOW`` networks or with the bearer token
    ``SIGNER_METRICS_TOKEN``."""
    token = os.environ.get("SIGNER_METRICS_TOKEN", "")
    if token:
        sent = bearer_token() or ""
        if hmac.compare_digest(sent.encode(), token.encode()):
            return True
    try:
        peer = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    if isinstance(peer, ipaddress.IPv6Address) and peer.ipv4_mapped:
        peer = peer.ipv4_mapped
    if any(peer in net for net in _allowed_networks()):
        return True
    # A reverse proxy on this host forwards outside clients from loopback: those are not local.
    return peer.is_loopback and not request.headers.get("X-Forwarded-For") and not request.headers.get("Forwarded")


@bp.get("/metrics")
def prometheus() -> Response:
    if not metrics_allowed():
        abort(404)
    return Response(metrics.render(services().db), content_type=CONTENT_TYPE_LATEST)
