"""B3's seal image tools (``/api/v1/seal-tools/{tool}``) through the Flask test client: the transparent PNG is
stored as the attachment of its kind; hostile or mistaken requests get clear 4xx errors and store nothing."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from signer.applications.models import ApplicationAttachment
from signer.demo.samples import sample_pdf
from tests.lifecycle_helpers import ApiUser, lifecycle_app, scan_jpeg, seal_png


@pytest.fixture
def api(tmp_path: Path):
    app, services = lifecycle_app(tmp_path, f"sqlite:///{tmp_path / 'signer.db'}")
    yield app, services
    services.db.dispose()


def tool(user: ApiUser, name: str, kind: str, filename: str, data: bytes, **kw):
    return user.post(f"/api/v1/seal-tools/{name}", data={"kind": kind, "file": (BytesIO(data), filename)},
                     content_type="multipart/form-data", **kw)


def stored(services) -> int:
    with services.db.read() as s:
        return s.scalar(select(func.count()).select_from(ApplicationAttachment))


def test_normalize_stores_a_transparent_png_and_previews_it(api):
    app, _services = api
    admin = ApiUser(app, "admin")
    resp = tool(admin, "normalize", "company_seal", "公章.png", seal_png())
    assert resp.status_code == 201, resp.get_json()
    row = resp.get_json()
    assert (row["kind"], row["content_type"], row["filename"]) == ("company_seal", "image/png", "公章-线下上传.png")
    image = Image.open(BytesIO(admin.get(f"/api/v1/uploads/{row['id']}").data))
    assert image.mode == "RGBA" and image.getpixel((0, 0))[3] == 0 and max(image.size) <= 600
    preview = admin.get(f"/api/v1/uploads/{row['id']}/preview.png")
    assert preview.status_code == 200 and preview.mimetype == "image/png"
    assert Image.open(BytesIO(preview.data)).convert("RGBA").getpixel((0, 0))[3] == 255  # over the checkerboard


def test_refusals_store_nothing(api):
    app, services = api
    admin = ApiUser(app, "admin")
    before = stored(services)
    assert tool(admin, "sharpen", "company_seal", "a.png", seal_png()).status_code == 400
    assert tool(admin, "make-seal", "legal_rep_signature", "a.jpg", scan_jpeg()).status_code == 400
    assert tool(admin, "cut-out-signature", "business_license", "a.jpg", scan_jpeg()).status_code == 400
    resp = tool(admin, "normalize", "company_seal", "photo.png", scan_jpeg())
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "not_transparent"
    assert tool(admin, "make-seal", "company_seal", "a.pdf", sample_pdf("x")).status_code == 400
    big = b"\xff\xd8\xff" + b"\0" * (8 * 1024 * 1024 + 10)
    assert tool(admin, "make-seal", "company_seal", "big.jpg", big).status_code == 413
    no_csrf = admin.client.post("/api/v1/seal-tools/normalize", content_type="multipart/form-data",
                                data={"kind": "company_seal", "file": (BytesIO(seal_png()), "a.png")})
    assert no_csrf.status_code in (400, 403)
    anonymous = app.test_client().post("/api/v1/seal-tools/normalize", content_type="multipart/form-data",
                                       data={"kind": "company_seal", "file": (BytesIO(seal_png()), "a.png")})
    assert anonymous.status_code in (401, 403)
    assert stored(services) == before
    pdf = admin.upload("application_form", "申请表.pdf", sample_pdf("Form")).get_json()
    assert admin.get(f"/api/v1/uploads/{pdf['id']}/preview.png").status_code == 400
