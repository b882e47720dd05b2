"""A small, valid PDF to sign (the demo and the tests use it); written by hand, no dependencies."""

from __future__ import annotations


def sample_pdf(title: str = "Purchase quotation", pages: int = 1) -> bytes:
    """A PDF with ``pages`` A4 pages of Helvetica text (ASCII title)."""
    safe = "".join(ch for ch in title if 32 <= ord(ch) < 127).replace("\\", "").replace("(", "").replace(")", "")
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # pages, filled below
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    kids = []
    for n in range(pages):
        text = (f"BT /F1 20 Tf 72 760 Td ({safe}) Tj ET "
                f"BT /F1 11 Tf 72 730 Td (Page {n + 1} of {pages}. Signed with the platform's mobile certificate.) "
                f"Tj ET").encode()
        objects.append(b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream")
        content_ref = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
            b"/Contents %d 0 R >>" % content_ref
        )
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
