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
