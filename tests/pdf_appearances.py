"""What the seal appearances of a signed PDF hold: their fonts and images (read with pyHanko)."""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from typing import Any

from pyhanko.pdf_utils.reader import PdfFileReader


@dataclass(frozen=True)
class AppearanceImage:
    width: int
    height: int
    alpha: bytes  # the decoded soft mask (transparency), one byte a pixel


def _walk(xobject: Any, fonts: set[str], images: list[AppearanceImage], seen: set[int]) -> None:
    if id(xobject) in seen:
        return
    seen.add(id(xobject))
    resources = xobject.get("/Resources")
    resources = resources.get_object() if resources is not None else {}
    for font in (resources.get("/Font") or {}).values():
        fonts.add(str(font.get_object()["/BaseFont"]))
    for child in (resources.get("/XObject") or {}).values():
        child = child.get_object()
        if child.get("/Subtype") == "/Image":
            mask = child.get("/SMask")
            images.append(AppearanceImage(int(child["/Width"]), int(child["/Height"]),
                                          mask.get_object().data if mask is not None else b""))
        else:
            _walk(child, fonts, images, seen)


def appearances(pdf: bytes) -> tuple[set[str], list[AppearanceImage]]:
    """The font names (``/BaseFont``) and images drawn by every annotation's normal appearance."""
    reader = PdfFileReader(BytesIO(pdf))
    fonts: set[str] = set()
    images: list[AppearanceImage] = []
    seen: set[int] = set()
    for page_no in range(int(reader.root["/Pages"]["/Count"])):
        page = reader.find_page_for_modification(page_no)[0].get_object()
        for annot in page.get("/Annots") or []:
            ap = annot.get_object().get("/AP")
            if ap is not None and "/N" in ap:
                _walk(ap["/N"].get_object(), fonts, images, seen)
    return fonts, images
