"""Empty signature fields, created up front.

All seals of a signing session are approval signatures filled one after another. Every field must
exist before the first signature is applied: pyHanko's difference analysis accepts filling an
existing field after a signature, but adding a new field afterwards is a modification the earlier
signatures did not cover, and a certification signature followed by new fields even validates as
illegal. So :func:`add_signature_fields` adds them all in one incremental revision before round one.

Each seal field carries a FieldMDP lock (``/Lock``) on every field except the session's seal fields:
once the first seal is applied, any other form field of the document (a contract's 金额, say) is
locked, so changing its value afterwards breaks that signature in every conforming validator, while
the remaining seals can still be filled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign.fields import (
    FieldMDPAction,
    FieldMDPSpec,
    SigFieldSpec,
    append_signature_field,
    enumerate_sig_fields,
)

from .errors import PdfRejected
from .inspect import DEFAULT_MAX_BYTES, check_placement, inspect_pdf

# Dots separate levels of a hierarchical field name in PDF; keep names flat and printable.
_FIELD_NAME_RE = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")


@dataclass(frozen=True)
class SealPlacement:
    """Where one seal goes: PDF user-space points, origin bottom-left, ``page`` is 1-based."""

    field_name: str
    page: int
    x: float
    y: float
    width: float
    height: float

    @property
    def box(self) -> tuple[float, float, float, float]:
        return (self.x, self.y, self.x + self.width, self.y + self.height)

    def to_dict(self) -> dict[str, Any]:
        return {
            "field_name": self.field_name,
            "page": self.page,
            "x": self.x,
            "y": self.y,
            "width": self.width,
            "height": self.height,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SealPlacement:
        try:
            page = data["page"]
            if isinstance(page, bool) or not isinstance(page, int):
                raise TypeError("page must be an integer")
            return cls(
                field_name=str(data["field_name"]),
                page=page,
                x=float(data["x"]),
                y=float(data["y"]),
                width=float(data["width"]),
                height=float(data["height"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise PdfRejected("bad_placement", f"印章位置数据无效：{exc}") from exc


def validate_field_name(name: str) -> None:
    if not isinstance(name, str) or not _FIELD_NAME_RE.match(name):
        raise PdfRejected("bad_placement", f"签名域名称无效：{name!r}（仅限字母、数字、_、-，最长 64）")


def add_signature_fields(
    pdf: bytes, placements: list[SealPlacement], max_bytes: int = DEFAULT_MAX_BYTES
) -> bytes:
    """Return ``pdf`` plus one incremental revision holding an empty signature field per placement.

    The document is inspected first (same rules as :func:`pdfsign.inspect.inspect_pdf`), every box is
    checked against its page, names must be unique and must not exist in the document yet.
    """
    if not placements:
        raise PdfRejected("bad_placement", "至少需要一个印章位置")
    info = inspect_pdf(pdf, max_bytes=max_bytes)
    names: set[str] = set()
    for p in placements:
        validate_field_name(p.field_name)
        if p.field_name in names:
            raise PdfRejected("bad_placement", f"签名域名称重复：{p.field_name}")
        names.add(p.field_name)
        check_placement(info, p.page, p.x, p.y, p.width, p.height)

    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
        existing = {name for name, _value, _ref in enumerate_sig_fields(writer.prev)}
    except Exception as exc:
        raise PdfRejected("unreadable", "无法解析该 PDF 文件") from exc
    clash = sorted(names & existing)
    if clash:
        raise PdfRejected("field_exists", f"签名域已存在：{', '.join(clash)}")

    lock = FieldMDPSpec(FieldMDPAction.EXCLUDE, fields=[p.field_name for p in placements])
    for p in placements:
        append_signature_field(
            writer,
            # pyHanko annotates the box as int, but PDF rectangles (and pyHanko's own use) are real numbers
            SigFieldSpec(sig_field_name=p.field_name, on_page=p.page - 1, box=p.box,  # type: ignore[arg-type]
                         field_mdp_spec=lock),
        )
    out = BytesIO()
    writer.write(out)
    return out.getvalue()
