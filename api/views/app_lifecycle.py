"""The APP's lifecycle calls (docs/protocol.md): 我的证书 of the enterprise (administrators), installing a
renewed certificate that keeps its key (H2), 分配印章 (H4), 解绑 (H6), 绑定 (H7)."""

from __future__ import annotations

from flask import Blueprint

from signer.accounts.service import AppIdentity
from signer.seals.enums import SealKind

from ..apidoc import doc
from ..auth import app_login_required, client_ip, services
from ..http import json_body
from ..presenters import assignments_view
from ..schemas.accounts import OperatorListSchema
from ..schemas.certificates import (
    BindSchema,
    BoundCertificateSchema,
    CertificateListSchema,
    CertificateView,
    ConfirmSchema,
    InstallResultSchema,
    InstallSchema,
    bound_view,
)
from ..schemas.common import ChallengeResultSchema, challenge_reply
from ..schemas.seals import SealAssignmentsSchema, SealAssignSchema

bp = Blueprint("app_lifecycle_api", __name__, url_prefix="/api/v1/app")


@bp.get("/enterprise-certificates")
@doc(tag="APP", response=CertificateListSchema, errors=(403,), bearer=True)
@app_login_required
def enterprise_certificates(who: AppIdentity):
    """H4/H7 for administrators: every mobile certificate of the enterprise (bound or not)."""
    svc = services()
    rows = svc.lifecycle.binding.enterprise_certificates(who.account)
    window = svc.config.lifecycle.renewal_window
    return CertificateListSchema().dump({"items": [CertificateView(c, a, window) for c, a in rows]})


@bp.post("/certificates/<int:cert_id>/install-challenge")
@doc(tag="APP", response=ChallengeResultSchema, errors=(409,), bearer=True)
@app_login_required
def install_challenge(who: AppIdentity, cert_id: int):
    """H2 for a renewed / changed / extended certificate that keeps its key (``install: same_key``): a challenge
    of the certificate this phone holds."""
    challenge = services().lifecycle.installs.challenge(who, cert_id)
    return challenge_reply(challenge)


@bp.post("/certificates/<int:cert_id>/install")
@doc(tag="APP", request=InstallSchema, response=InstallResultSchema, errors=(403, 409), bearer=True)
@app_login_required
def install(who: AppIdentity, cert_id: int):
    """H2 install: the unlock answer with the signing password; returns the certificate of the same key, the old
    share (to open the keystore) and a new one (to re-seal it for the new serial). Wrong answers count (5 → 冻结)."""
    data = InstallSchema().load(json_body())
    result = services().lifecycle.installs.install(who, cert_id, data["challenge_id"], data["response"], client_ip())
    return InstallResultSchema().dump({
        "certificate_pem": result.certificate_pem, "chain_pem": result.chain_pem, "share": result.share,
        "old_share": result.old_share, "serial": result.serial_hex, "predecessor_id": result.predecessor_id})


@bp.get("/certificates/<int:cert_id>/seals")
@doc(tag="APP", response=SealAssignmentsSchema, bearer=True)
@app_login_required
def seals(who: AppIdentity, cert_id: int):
    """H4 the seals of the certificate's bound account."""
    binding = services().lifecycle.binding
    account_id = binding.certificate_account(who.account, cert_id)
    return SealAssignmentsSchema().dump(assignments_view(account_id, binding.assignments(who.account, account_id)))


@bp.put("/certificates/<int:cert_id>/seals")
@doc(tag="APP", request=SealAssignSchema, response=SealAssignmentsSchema, errors=(403,), bearer=True)
@app_login_required
def assign_seals(who: AppIdentity, cert_id: int):
    """H4 分配印章 (administrators only): 企业公章, 法人章, 手写签名 of the certificate's bound account."""
    data = SealAssignSchema().load(json_body())
    binding = services().lifecycle.binding
    account_id = binding.certificate_account(who.account, cert_id)
    wanted = {SealKind(k): v for k, v in data.items() if v is not None}
    return SealAssignmentsSchema().dump(assignments_view(
        account_id, binding.assign(who.account, account_id, wanted, client_ip())))


@bp.post("/certificates/<int:cert_id>/unbind")
@doc(tag="APP", request=ConfirmSchema, response=BoundCertificateSchema, errors=(403,), bearer=True)
@app_login_required
def unbind(who: AppIdentity, cert_id: int):
    """H6 解绑, with ``confirm: true`` (the APP asks twice): the certificate can no longer sign."""
    data = ConfirmSchema().load(json_body())
    binding = services().lifecycle.binding
    return BoundCertificateSchema().dump(bound_view(binding, binding.unbind(who.account, cert_id, data["confirm"],
                                                                     client_ip())))


@bp.get("/operators")
@doc(tag="APP", response=OperatorListSchema, bearer=True)
@app_login_required
def operators(who: AppIdentity):
    """H7 请选择操作员绑定证书: the enterprise's accounts without an active mobile certificate."""
    return OperatorListSchema().dump({"items": services().lifecycle.applications.eligible_accounts(who.account)})


@bp.post("/certificates/<int:cert_id>/bind")
@doc(tag="APP", request=BindSchema, response=BoundCertificateSchema, errors=(403, 409), bearer=True)
@app_login_required
def bind(who: AppIdentity, cert_id: int):
    """H7 绑定 an unbound certificate to an operator (administrators); the operator's APP then downloads it."""
    data = BindSchema().load(json_body())
    binding = services().lifecycle.binding
    return BoundCertificateSchema().dump(bound_view(binding, binding.bind(who.account, cert_id, data["account_id"],
                                                                   client_ip())))
