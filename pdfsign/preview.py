"""Page previews for placing seals: PDFium (pypdfium2) renders pages to PNG, and says how a preview's pixels
map back to PDF user space.

A preview shows the page's CropBox, turned by its /Rotate, the way viewers show it. Seal placements are in
user space (points, origin bottom-left), so each page's geometry travels with its image: ``box`` (the
visible area in user space: llx, lly, urx, ury) and ``rotation`` (clockwise, 0/90/180/270). Callers
validate the document with :func:`pdfsign.inspect.inspect_pdf` first; here anything PDFium cannot read
becomes ``PdfRejected("unreadable")``.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from typing import Any

from .errors import PdfRejected

TARGET_WIDTH_PX = 800
MAX_HEIGHT_PX = 1600
MAX_SCALE = 3.0

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class PageGeometry:
    box: Box
    rotation: int

    def to_dict(self) -> dict[str, Any]:
        return {"box": list(self.box), "rotation": self.rotation}


@dataclass(frozen=True)
class PagePreview:
    number: int  # 1-based
    png: bytes
    width_px: int
    height_px: int


def _open(pdf: bytes) -> Any:
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(pdf)
    except Exception as exc:  # PdfiumError and friends: the bytes are hostile until proven otherwise
        raise PdfRejected("unreadable", "无法解析该 PDF 文件") from exc


def _visible_box(page: Any) -> Box:
    """The CropBox clipped to the MediaBox (what a viewer shows), normalized."""
    ml, mb, mr, mt = page.get_mediabox()
    cl, cb, cr, ct = page.get_cropbox()
    llx, lly = max(min(ml, mr), min(cl, cr)), max(min(mb, mt), min(cb, ct))
    urx, ury = min(max(ml, mr), max(cl, cr)), min(max(mb, mt), max(cb, ct))
    if urx - llx <= 0 or ury - lly <= 0:
        return (min(ml, mr), min(mb, mt), max(ml, mr), max(mb, mt))
    return (llx, lly, urx, ury)


def page_geometry(pdf: bytes) -> list[PageGeometry]:
    """Every page's visible box and rotation."""
    doc = _open(pdf)
    try:
        out = []
        for index in range(len(doc)):
            page = doc[index]
            try:
                out.append(PageGeometry(_visible_box(page), int(page.get_rotation()) % 360))
            finally:
                page.close()
        return out
    except PdfRejected:
        raise
    except Exception as exc:
        raise PdfRejected("unreadable", "无法解析该 PDF 文件") from exc
    finally:
        doc.close()


def _scale(width_pt: float, height_pt: float) -> float:
    return min(TARGET_WIDTH_PX / width_pt, MAX_HEIGHT_PX / height_pt, MAX_SCALE)


def preview_size(width_pt: float, height_pt: float) -> tuple[int, int]:
    """The pixel size a page shown ``width_pt`` × ``height_pt`` (rotation applied) is rendered at."""
    scale = _scale(width_pt, height_pt)
    return max(1, round(width_pt * scale)), max(1, round(height_pt * scale))


def render_pages(pdf: bytes, numbers: list[int], forms: bool = False) -> list[PagePreview]:
    """PNG previews of the given 1-based pages, about 800 px wide (at most 800 × 1600 px).

    ``forms``: draw the form fields' widgets too, signature appearances (the seals) included; PDFium draws
    widgets only through its form environment."""
    doc = _open(pdf)
    try:
        if forms:
            doc.init_forms()
        count = len(doc)
        out = []
        for number in numbers:
            if not 1 <= number <= count:
                raise PdfRejected("bad_page", f"页码 {number} 不存在（共 {count} 页）")
            page = doc[number - 1]
            try:
                width_pt, height_pt = page.get_size()  # rotation applied, like the rendering
                bitmap = page.render(scale=_scale(width_pt, height_pt), may_draw_forms=True)
                image = bitmap.to_pil()
                buf = BytesIO()
                image.save(buf, format="PNG", optimize=False)
                out.append(PagePreview(number, buf.getvalue(), image.width, image.height))
                bitmap.close()
            finally:
                page.close()
        return out
    except PdfRejected:
        raise
    except Exception as exc:
        raise PdfRejected("unreadable", "无法渲染该 PDF 页面") from exc
    finally:
        doc.close()
