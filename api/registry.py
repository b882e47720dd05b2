"""Every blueprint of the HTTP surface, registered in one place (signer.app.create_app calls this)."""

from __future__ import annotations

from flask import Blueprint, Flask

from .pages import cashier, frame, member
from .pages import signing as signing_pages
from .views import (
    accounts,
    app,
    app_lifecycle,
    applications,
    billing,
    business,
    certificates,
    drafts,
    openapi,
    ops,
    pki,
    review,
    seal_tools,
    seals,
    signing,
)

BLUEPRINTS: tuple[Blueprint, ...] = (
    accounts.bp, app.bp, signing.bp, drafts.bp, business.bp, seals.bp, pki.bp, signing_pages.bp, openapi.bp, ops.bp,
    # the certificate lifecycle (A–J)
    applications.bp, certificates.bp, billing.bp, review.bp, app_lifecycle.bp, seal_tools.bp, cashier.bp, member.bp,
)


def register_blueprints(flask_app: Flask) -> None:
    for bp in BLUEPRINTS:
        flask_app.register_blueprint(bp)
    frame.install(flask_app)
