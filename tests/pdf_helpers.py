"""Small PDFs for tests of page previews and seal placement."""

from __future__ import annotations

from io import BytesIO

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter


def rotated(pdf: bytes, rotation: int, crop: tuple[int, int, int, int] | None = None) -> bytes:
    """``pdf`` with its first page turned by /Rotate (and optionally a CropBox), as an incremental update."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    page["/Rotate"] = generic.NumberObject(rotation)
    if crop:
        page["/CropBox"] = generic.ArrayObject([generic.NumberObject(v) for v in crop])
    writer.update_container(page)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def build_pdf(objects: list[bytes], trailer_extra: bytes = b"") -> bytes:
    """A classic-xref PDF from object bodies (object ``n`` is ``objects[n - 1]``; 1 must be the catalog)."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, trailer_extra, xref)
    return bytes(out)


def stream(data: bytes, dictionary: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), dictionary) + data + b"\nendstream"


_PAGE_TEXT = b"BT /F1 14 Tf 72 760 Td (Contract) Tj ET"


def one_page(catalog_extra: bytes = b"", page_extra: bytes = b"", extra_objects: tuple[bytes, ...] = (),
             content: bytes | None = None) -> bytes:
    """One A4 page of text; objects 5.. are ``extra_objects`` (refer to them as ``5 0 R`` and up)."""
    body = content if content is not None else stream(_PAGE_TEXT)
    return build_pdf([
        b"<< /Type /Catalog /Pages 2 0 R %s>>" % catalog_extra,
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 6 0 R %s>>" % page_extra,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>",  # 5: spare, keeps numbering simple
        body,
        *extra_objects,
    ])


def flate_bomb(inflated_mib: int = 1024) -> bytes:
    """A small PDF whose page content inflates to ``inflated_mib`` MiB of spaces (a valid, if silly,
    content stream): about 1 MB of file for 1 GiB."""
    import zlib

    deflater = zlib.compressobj(9)
    chunk = b" " * (1024 * 1024)
    parts = [deflater.compress(chunk) for _ in range(inflated_mib)]
    parts.append(deflater.flush())
    return one_page(content=stream(b"".join(parts), b"/Filter /FlateDecode "))


AMOUNT_FIELD = "金额"


def with_text_field(value: str = "1000") -> bytes:
    """One page with a fillable text field 金额 (a widget on the page, listed in /AcroForm)."""
    name = b"<FEFF" + AMOUNT_FIELD.encode("utf-16-be").hex().upper().encode() + b">"
    field = (b"<< /Type /Annot /Subtype /Widget /FT /Tx /T " + name + b" /V (" + value.encode() + b") "
             b"/Rect [72 600 272 630] /P 3 0 R /F 4 /DA (/Helv 12 Tf 0 g) >>")
    return one_page(
        catalog_extra=b"/AcroForm << /Fields [7 0 R] /DA (/Helv 12 Tf 0 g) /DR << /Font << /Helv 4 0 R >> >> >> ",
        page_extra=b"/Annots [7 0 R] ",
        extra_objects=(field,),
    )


def change_text_field(pdf: bytes, name: str, value: str) -> bytes:
    """``pdf`` plus an incremental update that sets the text field ``name`` to ``value``."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    for ref in writer.root["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        if str(field.get("/T")) == name:
            field["/V"] = generic.TextStringObject(value)
            writer.update_container(field)
            break
    else:
        raise KeyError(name)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()
