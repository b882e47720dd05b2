"""Attachment validation (B3, C, D, J): the file's type comes from its bytes, never from its name.

Images (jpg/png) are decoded with the seal tools' guarded loader (size, magic bytes, pixel limit checked
from the header before decoding) and re-encoded, so nothing of the uploaded bytes survives; scans may also
be PDFs, which are parsed (not encrypted, readable) and kept as they are. The original file name is only
a label: reduced to its last path component, stripped of control and direction characters.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from io import BytesIO

from pdfsign.errors import PdfRejected
from pdfsign.inspect import inspect_pdf
from signer.applications.enums import ATTACHMENT_KIND_LABELS, AttachmentKind
from signer.core.errors import ErrorCode, TooLarge, ValidationFailed
from signer.seals.seal_images import MAX_UPLOAD_BYTES as MAX_IMAGE_BYTES
from signer.seals.seal_images import load_upload, to_png

IMAGE_ONLY = frozenset({AttachmentKind.COMPANY_SEAL, AttachmentKind.LEGAL_REP_SIGNATURE,
                        AttachmentKind.LEGAL_REP_SEAL})
_MAGIC = ((b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpg"), (b"%PDF-", "pdf"))
_EXTENSIONS = {"png": "png", "jpg": "jpg", "jpeg": "jpg", "pdf": "pdf"}
CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "pdf": "application/pdf"}
MAX_NAME = 80


@dataclass(frozen=True)
class CleanFile:
    data: bytes
    content_type: str
    filename: str


def sniff(data: bytes) -> str | None:
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    return None


def sanitize_filename(name: str | None, ext: str) -> str:
    """A display name: last path component, NFC, no control/format characters, the real extension."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFC", base)
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = re.sub(r'[<>:"|?*;]', "_", base).strip(" .")
    stem = base.rsplit(".", 1)[0].strip(" .") if "." in base else base
    return f"{stem[:MAX_NAME] or 'file'}.{ext}"


def _reencode(data: bytes, kind: str) -> bytes:
    image = load_upload(data, MAX_IMAGE_BYTES)
    if kind == "png":
        return to_png(image)
    out = BytesIO()
    image.convert("RGB").save(out, format="JPEG", quality=90)
    return out.getvalue()


def clean(kind: AttachmentKind, filename: str | None, data: bytes, max_bytes: int) -> CleanFile:
    """Validate one upload for ``kind``; raises ValidationFailed / TooLarge with a clear message."""
    label = ATTACHMENT_KIND_LABELS[kind]
    if len(data) > max_bytes:
        raise TooLarge(f"{label}文件超过{max_bytes // (1024 * 1024)}MB", code=ErrorCode.FILE_TOO_LARGE)
    if not data:
        raise ValidationFailed(f"{label}文件为空", code=ErrorCode.FILE_EMPTY, details={"file": ["文件为空"]})
    actual = sniff(data)
    allowed = "jpg、jpeg、png" if kind in IMAGE_ONLY else "jpg、jpeg、png 或 PDF"
    if actual is None or (actual == "pdf" and kind in IMAGE_ONLY):
        raise ValidationFailed(f"{label}只支持{allowed}文件", code=ErrorCode.FILE_TYPE,
                               details={"file": [f"只支持{allowed}"]})
    declared = _EXTENSIONS.get((filename or "").rsplit(".", 1)[-1].lower()) if "." in (filename or "") else None
    if declared is not None and declared != actual:
        raise ValidationFailed(f"{label}文件的内容与扩展名不符", code=ErrorCode.TYPE_MISMATCH,
                               details={"file": [f"扩展名为.{declared}，内容却是{actual.upper()}"]})
    if actual == "pdf":
        try:
            inspect_pdf(data, max_bytes=max_bytes)
        except PdfRejected as exc:
            raise ValidationFailed(f"{label}：{exc.message}", code=ErrorCode.for_pdf(exc.code)) from exc
        clean_data = data
    else:
        if len(data) > MAX_IMAGE_BYTES:
            raise TooLarge(f"{label}图片超过{MAX_IMAGE_BYTES // (1024 * 1024)}MB", code=ErrorCode.FILE_TOO_LARGE)
        clean_data = _reencode(data, actual)
    return CleanFile(clean_data, CONTENT_TYPES[actual], sanitize_filename(filename, actual))
