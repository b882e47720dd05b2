"""Small one-page PDF documents with real Chinese text (invoices, the 申请表 and 印章采集表 templates).

Text is drawn with the project's prepared CJK font (``pdfsign.fonts``: the common GB 2312 cut, or the
whole face for rarer characters), embedded as a subset, so the text can be searched and copied. Drawing
is a list of operations in points with the origin at the top-left, which is how forms are laid out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from io import BytesIO

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.content import PdfResources, ResourceType
from pyhanko.pdf_utils.writer import PdfFileWriter

from pdfsign.fonts import font_factory
from signer.core.errors import ErrorCode, Unprocessable

A4 = (595.0, 842.0)


@dataclass
class Page:
    """Drawing operations for one page; ``y`` is measured from the top edge."""

    width: float = A4[0]
    height: float = A4[1]
    texts: list[tuple[float, float, str, float, str]] = field(default_factory=list)
    strokes: list[bytes] = field(default_factory=list)

    def text(self, x: float, y: float, text: str, size: float = 10.5, align: str = "left") -> None:
        if text:
            self.texts.append((x, y, text, size, align))

    def line(self, x1: float, y1: float, x2: float, y2: float, width: float = 0.6) -> None:
        self.strokes.append(b"%.2f w %.2f %.2f m %.2f %.2f l S" % (
            width, x1, self.height - y1, x2, self.height - y2))

    def rect(self, x: float, y: float, w: float, h: float, width: float = 0.8) -> None:
        self.strokes.append(b"%.2f w %.2f %.2f %.2f %.2f re S" % (width, x, self.height - y - h, w, h))


def render(page: Page, font_paths: list[str], title: str = "") -> bytes:
    """The page as a PDF; Unprocessable when no CJK font is installed (fonts-noto-cjk)."""
    if not font_paths:
        raise Unprocessable("服务器未安装中文字体，无法生成PDF（fonts-noto-cjk）", code=ErrorCode.NO_CJK_FONT)
    writer = PdfFileWriter()
    sample = "".join(t for _, _, t, _, _ in page.texts)
    try:
        engine = font_factory(font_paths, sample).create_font_engine(writer)
    except ValueError as exc:
        raise Unprocessable("文字中有字体不支持的字符", code=ErrorCode.UNSUPPORTED_CHARACTERS) from exc
    ops = [b"0 0 0 RG"]
    for x, y, text, size, align in page.texts:
        shaped = engine.shape(text)
        width = shaped.x_advance * size
        left = x - width if align == "right" else x - width / 2 if align == "center" else x
        ops.append(b"BT /F1 %.2f Tf 1 0 0 1 %.2f %.2f Tm %s ET" % (
            size, left, page.height - y - size * 0.8, shaped.graphics_ops))
    ops.extend(page.strokes)
    resources = PdfResources()
    resources[ResourceType.FONT][generic.NameObject("/F1")] = engine.as_resource()
    stream = generic.StreamObject(stream_data=b"\n".join(ops))
    stream.compress()
    writer.insert_page(generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Page"),
        generic.NameObject("/MediaBox"): generic.ArrayObject(
            [generic.FloatObject(v) for v in (0, 0, page.width, page.height)]),
        generic.NameObject("/Resources"): resources.as_pdf_object(),
        generic.NameObject("/Contents"): writer.add_object(stream),
    }))
    if title:
        writer.set_info(generic.DictionaryObject({generic.NameObject("/Title"): generic.TextStringObject(title)}))
    engine.prepare_write()
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def yuan(fen: int) -> str:
    """¥ amount from integer fen: 30000 → '300.00'."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100:,}.{fen % 100:02d}"


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
_BIG_UNITS = ("", "万", "亿", "万亿")


def _four(n: int) -> str:
    """0–9999 in capital numerals, zeros collapsed ('零' kept between non-zero digits)."""
    out, zero = "", False
    for i in range(3, -1, -1):
        d = n // 10**i % 10
        if d == 0:
            zero = bool(out)
        else:
            out += ("零" if zero else "") + _DIGITS[d] + _SMALL_UNITS[i]
            zero = False
    return out


def capital_amount(fen: int) -> str:
    """大写金额 of an invoice: 30000 → '叁佰元整', 1234567 → '壹万贰仟叁佰肆拾伍元陆角柒分'."""
    if fen < 0:
        raise ValueError("negative amount")
    yuan_part, jiao, fen_part = fen // 100, fen // 10 % 10, fen % 10
    groups: list[int] = []
    while yuan_part:
        groups.append(yuan_part % 10000)
        yuan_part //= 10000
    text = ""
    for i in range(len(groups) - 1, -1, -1):
        group = groups[i]
        if group == 0:
            if text and not text.endswith("零"):
                text += "零"
            continue
        if text and group < 1000 and not text.endswith("零"):
            text += "零"
        text += _four(group) + _BIG_UNITS[i]
    text = text.rstrip("零")
    if not text and not (jiao or fen_part):
        return "零元整"
    result = (text + "元") if text else ""
    if jiao:
        result += _DIGITS[jiao] + "角"
    elif fen_part and text:
        result += "零"
    if fen_part:
        result += _DIGITS[fen_part] + "分"
    return result + ("整" if not fen_part else "")
