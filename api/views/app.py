"""The APP's HTTP calls (docs/protocol.md): login, my certificates, download, password change."""

from __future__ import annotations

from flask import Blueprint, request

from signer.accounts.service import AppIdentity

from ..apidoc import doc
from ..auth import app_login_required, bearer_token, client_ip, services
from ..schemas.accounts import AppLoginResultSchema, AppLoginSchema
from ..schemas.certificates import (
    CertificateListSchema,
    CertificateView,
    ChangePasswordSchema,
    DownloadResultSchema,
    DownloadSchema,
    ShareResultSchema,
)
from ..schemas.common import ChallengeResultSchema, challenge_reply

bp = Blueprint("app_api", __name__, url_prefix="/api/v1/app")


@bp.post("/login")
@doc(tag="APP", request=AppLoginSchema, response=AppLoginResultSchema, errors=(401,))
def login():
    """APP login; the token is bound to the device id the phone sends."""
    data = AppLoginSchema().load(request.get_json(silent=True) or {})
    svc = services()
    account = svc.accounts.authenticate(data["username"], data["password"], client_ip())
    token = svc.accounts.issue_app_token(account, data["device_id"], data["device_name"], client_ip())
    enterprise = svc.enterprise_name(account.enterprise_id)
    return AppLoginResultSchema().dump({
        "token": token,
        "account": {"id": account.id, "username": account.username, "name": account.display_name,
                    "role": account.role.value, "enterprise": enterprise},
    })


@bp.post("/logout")
@doc(tag="APP", description="revoked", bearer=True)
@app_login_required
def logout(who: AppIdentity):
    """Revoke the calling token."""
    services().accounts.revoke_app_token(bearer_token() or "")
    return {}


@bp.get("/certificates")
@doc(tag="APP", response=CertificateListSchema, bearer=True)
@app_login_required
def certificates(who: AppIdentity):
    """H1 我的证书."""
    svc = services()
    window = svc.config.lifecycle.renewal_window
    items = [CertificateView(c, who.account, window) for c in svc.certificates.for_account(who.account.id)]
    return CertificateListSchema().dump({"items": items})


@bp.post("/certificates/<int:cert_id>/download")
@doc(tag="APP", request=DownloadSchema, response=DownloadResultSchema, errors=(409,), bearer=True)
@app_login_required
def download(who: AppIdentity, cert_id: int):
    """H2 下载证书 (+ H3 keystore enrollment): CSR and keystore verifier in, certificate and share out."""
    data = DownloadSchema().load(request.get_json(silent=True) or {})
    result = services().certificates.download(who, cert_id, data["csr"], data["verifier"], client_ip())
    return DownloadResultSchema().dump({
        "certificate_pem": result.certificate_pem, "chain_pem": result.chain_pem,
        "share": result.share, "serial": result.serial_hex,
    })


@bp.post("/certificates/<int:cert_id>/password-challenge")
@doc(tag="APP", response=ChallengeResultSchema, bearer=True)
@app_login_required
def password_challenge(who: AppIdentity, cert_id: int):
    """A single-use unlock challenge for changing the signing password."""
    challenge = services().certificates.password_challenge(who, cert_id)
    return challenge_reply(challenge)


@bp.post("/certificates/<int:cert_id>/password")
@doc(tag="APP", request=ChangePasswordSchema, response=ShareResultSchema, errors=(403,), bearer=True)
@app_login_required
def change_password(who: AppIdentity, cert_id: int):
    """H3 修改签名密码: unlock with the old password, enroll the new one; returns the old and the new share."""
    data = ChangePasswordSchema().load(request.get_json(silent=True) or {})
    old_share, share = services().certificates.change_password(
        who, cert_id, data["challenge_id"], data["response"], data["new_verifier"], client_ip()
    )
    return ShareResultSchema().dump({"share": share, "old_share": old_share})
