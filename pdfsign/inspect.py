"""Checks on an uploaded PDF before anything is stored or signed.

Everything here treats the input as hostile: the size is checked before parsing, pyHanko's default
(untrusted-input) decode limits apply, every Flate stream is inflated incrementally against a budget
(:mod:`pdfsign.bounds`), active content is refused (:mod:`pdfsign.active`), the page tree walk is
bounded and cycle-safe, and any parse failure becomes ``PdfRejected("unreadable")`` rather than an
arbitrary exception. Every entry point (drafts, direct session creation, verification) runs this.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from io import BytesIO

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.xref import ObjStreamRef
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation.pdf_embedded import read_certification_data

from .active import check_active_content
from .bounds import check_streams
from .errors import PdfRejected

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
MIN_BOX_SIDE = 20.0
MAX_PAGES = 5000
_MAX_TREE_DEPTH = 64

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class PdfInfo:
    """What the service needs to know about a document.

    ``page_sizes`` are (width, height) of each page's MediaBox in points; ``media_boxes`` are the boxes
    themselves (llx, lly, urx, ury): placement coordinates are PDF user space, so a page whose MediaBox
    does not start at (0, 0) needs the origin too. ``rotations`` is each page's /Rotate (0/90/180/270).
    ``docmdp_level`` is the permission level of an existing certification signature (1 = no changes,
    2 = form filling and signing, 3 = also annotations), or None when the document is not certified.
    """

    page_count: int
    page_sizes: list[tuple[float, float]]
    title: str | None
    existing_signatures: int = 0
    empty_signature_fields: list[str] = field(default_factory=list)
    media_boxes: list[Box] = field(default_factory=list)
    rotations: list[int] = field(default_factory=list)
    docmdp_level: int | None = None


def inspect_pdf(data: bytes, max_bytes: int = DEFAULT_MAX_BYTES, inflate_budget: int | None = None) -> PdfInfo:
    """Validate an uploaded PDF and describe it.

    Raises :class:`PdfRejected` with code ``not_pdf``, ``too_large``, ``unreadable``, ``encrypted``,
    ``decompression_bomb`` (streams inflate past ``inflate_budget``, default
    :func:`pdfsign.bounds.inflate_budget`), ``active_content`` (JavaScript, /AA, XFA, /Launch, ...) or
    ``locked`` (certified with "no changes allowed", so no further signature can be valid).
    Documents that are already signed are accepted; their signature count is reported.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError("data must be bytes")
    data = bytes(data)
    if len(data) > max_bytes:
        raise PdfRejected("too_large", f"文件过大（{len(data)} 字节，上限 {max_bytes} 字节）")
    if not data.startswith(b"%PDF-"):
        raise PdfRejected("not_pdf", "文件不是 PDF 格式")

    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        encrypted = _has_encrypt_entry(reader)
    except Exception as exc:
        raise PdfRejected("unreadable", "无法解析该 PDF 文件") from exc
    if encrypted:
        raise PdfRejected("encrypted", "不支持加密的 PDF 文件，请先解除加密")

    try:
        check_streams(_objects(reader, in_object_streams=False), len(data), inflate_budget)
        check_active_content(_objects(reader, in_object_streams=True), reader.root)
        boxes, rotations = _walk_pages(reader)
        title = _title(reader)
        filled, empty = _signature_fields(reader)
        docmdp = read_certification_data(reader)
        docmdp_level = None if docmdp is None else int(docmdp.permission.value)
    except PdfRejected:
        raise
    except Exception as exc:
        raise PdfRejected("unreadable", "无法解析该 PDF 文件") from exc

    if not boxes:
        raise PdfRejected("unreadable", "PDF 文件没有页面")
    if docmdp_level == 1:
        raise PdfRejected("locked", "该 PDF 已被认证签名锁定，不允许再签名")

    return PdfInfo(
        page_count=len(boxes),
        page_sizes=[(urx - llx, ury - lly) for llx, lly, urx, ury in boxes],
        title=title,
        existing_signatures=filled,
        empty_signature_fields=empty,
        media_boxes=boxes,
        rotations=rotations,
        docmdp_level=docmdp_level,
    )


def check_placement(info: PdfInfo, page: int, x: float, y: float, width: float, height: float) -> None:
    """Refuse a seal box that is not entirely on ``page`` (1-based) or is smaller than 20 pt a side.

    Coordinates are PDF user space (points, origin bottom-left of the coordinate system, which is the
    MediaBox's lower-left corner for almost every PDF).
    """
    if isinstance(page, bool) or not isinstance(page, int) or not 1 <= page <= info.page_count:
        raise PdfRejected("bad_placement", f"页码 {page} 不存在（共 {info.page_count} 页）")
    values = (x, y, width, height)
    if any(isinstance(v, bool) or not isinstance(v, int | float) for v in values):
        raise PdfRejected("bad_placement", "印章位置必须是数字")
    if any(v != v or v in (float("inf"), float("-inf")) for v in values):
        raise PdfRejected("bad_placement", "印章位置必须是有限数字")
    if width < MIN_BOX_SIDE or height < MIN_BOX_SIDE:
        raise PdfRejected("bad_placement", f"印章区域太小（宽、高至少 {MIN_BOX_SIDE:g} 点）")
    if info.media_boxes:
        llx, lly, urx, ury = info.media_boxes[page - 1]
    else:
        llx, lly = 0.0, 0.0
        urx, ury = info.page_sizes[page - 1]
    if x < llx or y < lly or x + width > urx or y + height > ury:
        raise PdfRejected("bad_placement", f"印章区域超出第 {page} 页的范围")


def _objects(reader: PdfFileReader, in_object_streams: bool) -> list[generic.PdfObject]:
    """The current version of every object the cross-reference sections name.

    Objects stored directly in the file come first; with ``in_object_streams`` also those inside object
    streams (resolving them decodes their container, so the containers are bounds-checked before).
    """
    refs: dict[tuple[int, int], generic.Reference] = {}
    for revision in range(reader.xrefs.total_revisions):
        for ref in reader.xrefs.explicit_refs_in_revision(revision):
            refs[(ref.idnum, ref.generation)] = ref
    objects = []
    for key in sorted(refs):
        ref = refs[key]
        try:
            location = reader.xrefs[ref]
        except KeyError:
            continue
        if location is None or (isinstance(location, ObjStreamRef) and not in_object_streams):
            continue
        objects.append(reader.get_object(ref))
    return objects


def _has_encrypt_entry(reader: PdfFileReader) -> bool:
    # Looking at the raw trailer entry (instead of reader.encrypted) also catches encryption
    # dictionaries whose security handler pyHanko cannot build.
    try:
        reader.trailer.raw_get("/Encrypt")
    except KeyError:
        return False
    return True


def _walk_pages(reader: PdfFileReader) -> tuple[list[Box], list[int]]:
    boxes: list[Box] = []
    rotations: list[int] = []
    seen: set[tuple[int, int]] = set()

    def visit(ref: generic.PdfObject, inherited_box: Box | None, inherited_rot: int, depth: int) -> None:
        if depth > _MAX_TREE_DEPTH:
            raise PdfRejected("unreadable", "PDF 页面树层级过深")
        if isinstance(ref, generic.IndirectObject):
            key = (ref.idnum, ref.generation)
            if key in seen:
                raise PdfRejected("unreadable", "PDF 页面树存在循环引用")
            seen.add(key)
            node = ref.get_object()
        else:
            node = ref
        if not isinstance(node, generic.DictionaryObject):
            raise PdfRejected("unreadable", "PDF 页面树结构错误")
        box = _read_box(node.get("/MediaBox")) or inherited_box
        rot = int(node.get("/Rotate", inherited_rot))
        node_type = node.get("/Type")
        if node_type == "/Pages" or (node_type is None and "/Kids" in node):
            kids = node.raw_get("/Kids")
            if isinstance(kids, generic.IndirectObject):
                kids = kids.get_object()
            if not isinstance(kids, generic.ArrayObject):
                raise PdfRejected("unreadable", "PDF 页面树结构错误")
            for kid in kids:
                visit(kid, box, rot, depth + 1)
        else:
            if box is None:
                raise PdfRejected("unreadable", "PDF 页面缺少 MediaBox")
            boxes.append(box)
            rotations.append(rot % 360)
            if len(boxes) > MAX_PAGES:
                raise PdfRejected("too_large", f"页数过多（上限 {MAX_PAGES} 页）")

    root_pages = reader.root.raw_get("/Pages")
    visit(root_pages, None, 0, 0)
    return boxes, rotations


def _read_box(value: generic.PdfObject | None) -> Box | None:
    if value is None:
        return None
    if isinstance(value, generic.IndirectObject):
        value = value.get_object()
    if not isinstance(value, generic.ArrayObject) or len(value) != 4:
        raise PdfRejected("unreadable", "PDF 页面尺寸无效")
    a, b, c, d = (float(v) for v in value)
    llx, urx = min(a, c), max(a, c)
    lly, ury = min(b, d), max(b, d)
    if urx - llx <= 0 or ury - lly <= 0:
        raise PdfRejected("unreadable", "PDF 页面尺寸无效")
    return (llx, lly, urx, ury)


def _title(reader: PdfFileReader) -> str | None:
    title = reader.document_meta_view.title
    if title is None:
        return None
    text = str(title).strip()
    return text or None


def _signature_fields(reader: PdfFileReader) -> tuple[int, list[str]]:
    filled = 0
    empty: list[str] = []
    for name, value, _ref in enumerate_sig_fields(reader):
        if value is None:
            empty.append(name)
        else:
            filled += 1
    return filled, empty
