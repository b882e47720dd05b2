"""B3, B8, H4, H5 through the seal domain functions (signer/seals/service.py), on SQLite and on PostgreSQL."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw
from sqlalchemy import select, update

from signer.accounts.enums import Role
from signer.accounts.models import Account
from signer.core.errors import Forbidden, NotFound, ValidationFailed
from signer.core.models import AuditEvent
from signer.seals.enums import SealKind
from tests.helpers import add_operator, provision


@pytest.fixture
def env(tmp_path: Path, database_url: str):
    services, _ = provision(tmp_path, database_url)
    yield services
    services.db.dispose()


def account(services, username: str) -> Account:
    with services.db.read() as s:
        return s.scalar(select(Account).where(Account.username == username))


def seal_png(colour=(200, 20, 30)) -> bytes:
    img = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
    ImageDraw.Draw(img).ellipse((20, 20, 280, 280), outline=(*colour, 255), width=20)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def test_b8_h4_only_the_enterprise_admin_assigns_and_the_signature_shows_that_image(env):
    services = env
    admin, operator = account(services, "admin"), account(services, "operator1")
    first = services.seals.store_image(admin.enterprise_id, SealKind.COMPANY, seal_png(), "upload", admin)
    second = services.seals.store_image(admin.enterprise_id, SealKind.COMPANY, seal_png((20, 20, 200)), "online",
                                        admin)
    # without a pinned image the latest company seal of the enterprise is used
    latest = Image.open(io.BytesIO(services.seals.image_for(operator.id, SealKind.COMPANY))).convert("RGBA")
    assert latest.getpixel((150, 30))[2] == 200
    # pinning the first one
    services.seals.assign(admin, operator.id, SealKind.COMPANY, first.image_sha256)
    pinned = np.asarray(Image.open(io.BytesIO(services.seals.image_for(operator.id, SealKind.COMPANY))))
    assert pinned[30, 150, 0] == 200 and pinned[150, 150, 3] == 0  # red ring, transparent middle
    assert second.image_sha256 != first.image_sha256
    with pytest.raises(Forbidden) as err:  # H4: an operator cannot assign
        services.seals.assign(operator, operator.id, SealKind.LEGAL_REP)
    assert err.value.code == "not_admin"
    add_operator(services, "boss2", enterprise_name="别的公司")
    with services.db.write() as s:
        s.execute(update(Account).where(Account.username == "boss2").values(role=Role.ADMIN))
    foreign_admin = account(services, "boss2")
    with pytest.raises(Forbidden):  # an administrator of another enterprise
        services.seals.assign(foreign_admin, operator.id, SealKind.COMPANY)
    with pytest.raises(NotFound):  # an image of another enterprise or kind cannot be pinned
        services.seals.assign(admin, operator.id, SealKind.LEGAL_REP, first.image_sha256)
    services.seals.unassign(admin, operator.id, SealKind.COMPANY)
    with pytest.raises(Forbidden) as err:
        services.seals.image_for(operator.id, SealKind.COMPANY)
    assert err.value.code == "seal_not_assigned"
    with services.db.read() as s:
        actions = [e.action for e in s.scalars(select(AuditEvent).where(AuditEvent.action.like("seal:%")))]
    assert actions.count("seal:image") == 2 and "seal:assign" in actions and "seal:unassign" in actions


def test_b3_store_refuses_opaque_or_forged_images(env):
    services = env
    admin = account(services, "admin")
    opaque = io.BytesIO()
    Image.new("RGB", (100, 100), "white").save(opaque, "PNG")
    with pytest.raises(ValidationFailed) as err:
        services.seals.store_image(admin.enterprise_id, SealKind.COMPANY, opaque.getvalue(), "upload", admin)
    assert err.value.code == "not_transparent"
    with pytest.raises(ValidationFailed):
        services.seals.store_image(admin.enterprise_id, SealKind.COMPANY, b"<svg onload=alert(1)>", "upload", admin)
    with pytest.raises(ValidationFailed):  # handwriting belongs to the account, set from the APP
        services.seals.store_image(admin.enterprise_id, SealKind.HANDWRITTEN, seal_png(), "upload", admin)


def test_h5_handwriting_from_strokes_replaces_the_previous_one(env):
    services = env
    operator = account(services, "operator1")
    assert services.seals.handwriting(operator.id) is None
    services.seals.set_handwriting(operator, strokes=[[{"x": 10 + i, "y": 20, "p": 0.5} for i in range(50)]])
    first = services.seals.handwriting(operator.id)
    services.seals.set_handwriting(operator, strokes=[[{"x": 10, "y": 10 + i, "p": 0.9} for i in range(80)]])
    second = Image.open(io.BytesIO(services.seals.handwriting(operator.id)))
    assert first != services.seals.handwriting(operator.id)
    assert second.height > second.width  # the vertical stroke replaced the horizontal one
    assert services.seals.image_for(operator.id, SealKind.HANDWRITTEN) == services.seals.handwriting(operator.id)
    with pytest.raises(ValidationFailed):
        services.seals.set_handwriting(operator)


def test_k5_the_signing_rule_and_the_previews_show_the_same_image_of_each_kind(env):
    """The signing rule reads every assigned kind in one statement, a preview reads one kind: both pick the
    pinned image, else the own handwriting (handwritten), else the enterprise's latest image of the kind."""
    from signer.seals.service import SealUnusable

    services = env
    admin, operator = account(services, "admin"), account(services, "operator1")
    first = services.seals.store_image(admin.enterprise_id, SealKind.COMPANY, seal_png(), "upload", admin)
    services.seals.store_image(admin.enterprise_id, SealKind.COMPANY, seal_png((20, 20, 200)), "online", admin)
    legal = services.seals.store_image(admin.enterprise_id, SealKind.LEGAL_REP, seal_png((20, 200, 20)), "upload",
                                       admin)
    services.seals.assign(admin, operator.id, SealKind.COMPANY, first.image_sha256)  # pinned to the older image
    services.seals.assign(admin, operator.id, SealKind.LEGAL_REP)  # the latest one
    services.seals.assign(admin, operator.id, SealKind.HANDWRITTEN)

    def rule(*kinds: SealKind) -> dict[SealKind, str]:
        with services.db.read() as s:
            return services.seals.require_usable(s, operator.id, kinds)

    assert rule(SealKind.COMPANY, SealKind.LEGAL_REP) == {SealKind.COMPANY: first.image_sha256,
                                                          SealKind.LEGAL_REP: legal.image_sha256}
    for kind, sha in rule(SealKind.COMPANY, SealKind.LEGAL_REP).items():
        assert services.seals.image_for(operator.id, kind) == services.store.get(sha)
    if services.seals.image_for(operator.id, SealKind.HANDWRITTEN) is None:
        with pytest.raises(SealUnusable) as err:
            rule(SealKind.COMPANY, SealKind.HANDWRITTEN)
        assert err.value.code == "seal_image_missing" and err.value.details["missing"] == ["handwritten"]
        services.seals.set_handwriting(operator, png=seal_png((10, 10, 10)))
    own = rule(SealKind.HANDWRITTEN)[SealKind.HANDWRITTEN]
    assert services.seals.image_for(operator.id, SealKind.HANDWRITTEN) == services.store.get(own)
    services.seals.unassign(admin, operator.id, SealKind.LEGAL_REP)
    with pytest.raises(SealUnusable) as err:
        rule(SealKind.LEGAL_REP)
    assert err.value.code == "seal_not_assigned"
