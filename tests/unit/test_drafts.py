"""Signing drafts (K1 on the PC): upload validation, page previews, ownership, start; and the preview geometry."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.writer import PdfFileWriter
from sqlalchemy import select, update

from api.schemas.signing import DraftSchema
from api.views import drafts as drafts_api
from pdfsign.preview import page_geometry, preview_size, render_pages
from signer.accounts.models import Account
from signer.core.errors import Forbidden, Gone, NotFound, TooLarge, Unprocessable
from signer.core.models import AuditEvent
from signer.demo.samples import sample_pdf
from signer.seals.enums import SealKind
from signer.signing.drafts import DraftView
from signer.signing.enums import PadesLevel, SessionStatus
from signer.signing.models import SigningDraft, SigningDraftPage, SigningSession
from signer.signing.service import PlacementRequest
from tests.helpers import add_operator, provision
from tests.pdf_helpers import rotated


@pytest.fixture
def services(tmp_path: Path, database_url: str):
    services, _ = provision(tmp_path, database_url)
    yield services
    services.db.dispose()


def account(services, username: str = "admin") -> Account:
    with services.db.read() as s:
        return s.scalar(select(Account).where(Account.username == username))


def _wire(view: DraftView) -> dict[str, Any]:
    """The draft as the API sends it: the schema builds the page URLs from the drafts routes."""
    app = Flask(__name__)
    app.register_blueprint(drafts_api.bp)
    with app.test_request_context():
        return DraftSchema().dump(view)


def test_preview_geometry_follows_crop_box_and_rotation():
    pdf = rotated(sample_pdf("Turned", pages=2), 90, crop=(10, 20, 500, 800))
    geometry = page_geometry(pdf)
    assert [g.to_dict() for g in geometry] == [{"box": [10.0, 20.0, 500.0, 800.0], "rotation": 90},
                                               {"box": [0.0, 0.0, 595.0, 842.0], "rotation": 0}]
    first, second = render_pages(pdf, [1, 2])
    assert first.png.startswith(b"\x89PNG") and first.width_px > first.height_px  # turned: landscape
    assert (first.width_px, first.height_px) == pytest.approx(preview_size(780, 490), abs=1)
    assert (second.width_px, second.height_px) == pytest.approx(preview_size(595, 842), abs=1)
    assert max(second.width_px, second.height_px) <= 1600


def test_upload_renders_first_pages_and_the_rest_on_request(services):
    admin = account(services)
    row, token = services.drafts.create(admin, sample_pdf("Quote", pages=5), "报价单", "10.0.0.1")
    drafts = services.drafts
    view = drafts.view(drafts.for_pc(row.id, admin, token))
    assert view.title == "报价单" and view.page_count == 5 and len(view.pages) == 5
    assert view.pages[0].width_pt == 595 and _wire(view)["pages"][0]["image_url"].endswith("/pages/1.png")
    with services.db.read() as s:
        rendered = set(s.scalars(select(SigningDraftPage.number).where(SigningDraftPage.draft_id == row.id)))
    assert rendered == {1, 2, 3}
    assert drafts.page_png(row, 5).startswith(b"\x89PNG")
    assert drafts.page_png(row, 5) == drafts.page_png(row, 5)  # stored, served again
    with pytest.raises(NotFound):
        drafts.page_png(row, 6)
    with services.db.read() as s:
        assert s.scalar(select(AuditEvent).where(AuditEvent.action == "signing:draft")) is not None


@pytest.mark.parametrize(("data", "code", "error"), [
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "pdf_not_pdf", Unprocessable),
    (b"%PDF-1.7\n garbage", "pdf_unreadable", Unprocessable),
])
def test_bad_uploads_are_refused_with_a_reason_for_the_file_field(services, data, code, error):
    with pytest.raises(error) as exc:
        services.drafts.create(account(services), data, "x", "10.0.0.1")
    assert exc.value.code == code and exc.value.details["file"]
    with services.db.read() as s:
        assert s.scalar(select(SigningDraft)) is None


def test_encrypted_and_oversized_uploads_are_refused(services):
    w = PdfFileWriter()
    w.insert_page(generic.DictionaryObject({
        "/Type": generic.NameObject("/Page"),
        "/MediaBox": generic.ArrayObject([generic.NumberObject(v) for v in (0, 0, 200, 200)])}))
    w.encrypt("owner-secret", "user-secret")
    out = BytesIO()
    w.write(out)
    with pytest.raises(Unprocessable) as exc:
        services.drafts.create(account(services), out.getvalue(), "x", "10.0.0.1")
    assert exc.value.code == "pdf_encrypted"
    with pytest.raises(TooLarge):
        services.drafts.create(account(services), b"%PDF-" + b"0" * services.config.max_pdf_bytes, "x", "ip")


def test_a_draft_belongs_to_its_enterprise_and_browser_until_it_expires(services):
    admin = account(services)
    row, token = services.drafts.create(admin, sample_pdf("Quote"), "报价单", "10.0.0.1")
    outsider, _ = add_operator(services, "outsider", enterprise_name="别家公司")
    colleague = account(services, "operator1")
    with pytest.raises(NotFound):
        services.drafts.for_pc(row.id, outsider, token)
    with pytest.raises(Forbidden):
        services.drafts.for_pc(row.id, colleague, None)  # same enterprise, another browser
    with pytest.raises(Forbidden):
        services.drafts.for_pc(row.id, admin, "x" * 43)
    assert services.drafts.for_pc(row.id, colleague, token).id == row.id
    with services.db.write() as s:
        s.execute(update(SigningDraft).values(expires_at=row.created_at - timedelta(seconds=1)))
    with pytest.raises(Gone):
        services.drafts.for_pc(row.id, admin, token)


def test_start_creates_the_session_and_remembers_the_choices(services):
    admin = account(services)
    row, token = services.drafts.create(admin, sample_pdf("Quote", pages=2), "报价单", "10.0.0.1")
    off_page = [PlacementRequest(SealKind.COMPANY, 1, 500, 60, 150, 110)]
    with pytest.raises(Unprocessable) as exc:
        services.drafts.start(admin, token, row.id, "", off_page, PadesLevel.B_T, "10.0.0.1", "pytest")
    assert exc.value.code == "pdf_bad_placement"
    seals = [PlacementRequest(SealKind.COMPANY, 1, 60, 60, 150, 110),
             PlacementRequest(SealKind.LEGAL_REP, 2, 240.5, 60, 150, 110)]
    session, binding = services.drafts.start(admin, token, row.id, "报价单（终版）", seals, PadesLevel.B_T,
                                             "10.0.0.1", "pytest")
    assert binding
    state = services.signing.state(session.id)
    assert state["status"] == SessionStatus.WAITING and state["pades_level"] == "B-T"
    assert state["title"] == "报价单（终版）" and state["page_count"] == 2
    assert [(s["seal"], s["page"], s["x"]) for s in state["seals"]] == [("company", 1, 60), ("legal_rep", 2, 240.5)]
    view = services.drafts.view(services.drafts.for_pc(row.id, admin, token))
    assert view.placements[1] == {"seal": "legal_rep", "page": 2, "x": 240.5, "y": 60, "width": 150,
                                  "height": 110}
    assert view.pades_level == "B-T" and view.last_session_id == session.id
    assert services.drafts.draft_of_session(session.id) == row.id
    with services.db.read() as s:
        assert s.get(SigningSession, session.id).document_sha256 == row.document_sha256
        assert s.scalar(select(AuditEvent).where(AuditEvent.action == "signing:draft_start")) is not None


def test_long_expired_drafts_are_purged(services):
    admin = account(services)
    old, token = services.drafts.create(admin, sample_pdf("Old"), "旧", "10.0.0.1")
    fresh, _ = services.drafts.create(admin, sample_pdf("New"), "新", "10.0.0.1")
    assert services.drafts.purge_expired() == 0
    with services.db.write() as s:
        s.execute(update(SigningDraft).where(SigningDraft.id == old.id)
                  .values(expires_at=old.created_at - timedelta(days=2)))
    assert services.drafts.purge_expired() == 1
    with pytest.raises(NotFound):
        services.drafts.for_pc(old.id, admin, token)
    with services.db.read() as s:
        assert s.scalar(select(SigningDraftPage).where(SigningDraftPage.draft_id == old.id)) is None
        assert s.get(SigningDraft, fresh.id) is not None
