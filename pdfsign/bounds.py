"""Decompression bounds: refuse a PDF whose streams inflate to far more than the file itself.

A few hundred kilobytes of Deflate data can inflate to gigabytes; a renderer or validator that decodes
such a stream stalls or runs out of memory. Every Flate stream of the document is inflated here
incrementally (``zlib.decompressobj`` with ``max_length``, a chunk at a time, nothing kept), and the
total is compared with a budget that grows with the file: ``max(floor, ratio × file size)``, capped.
Streams with other filters in front of Flate are checked the same way after the cheap front filters;
a stream whose filters cannot be applied is left to the parser (it fails there or is not used).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

from pyhanko.pdf_utils import generic

from .errors import PdfRejected

MiB = 1024 * 1024
INFLATE_FLOOR = 64 * MiB  # every document may inflate to this much
INFLATE_RATIO = 30  # ... or to this many times its own size
INFLATE_CAP = 512 * MiB  # but never more
_CHUNK = MiB
_FLATE = ("/FlateDecode", "/Fl")


def inflate_budget(file_size: int, floor: int = INFLATE_FLOOR, ratio: int = INFLATE_RATIO,
                   cap: int = INFLATE_CAP) -> int:
    return min(cap, max(floor, ratio * file_size))


def inflated_size(data: bytes, limit: int) -> int:
    """Bytes ``data`` inflates to, counting stops just past ``limit``; never holds more than one chunk.

    Truncated or corrupt Deflate data counts what was inflated up to the error (viewers do the same).
    """
    inflater = zlib.decompressobj()
    total = 0
    pending = data
    try:
        while pending and total <= limit:
            out = inflater.decompress(pending, _CHUNK)
            total += len(out)
            pending = inflater.unconsumed_tail
            if inflater.eof:
                break
        while total <= limit and not inflater.eof:  # input consumed, output still buffered
            out = inflater.decompress(b"", _CHUNK)
            if not out:
                break
            total += len(out)
    except zlib.error:
        pass
    return total


def _filters(stream: generic.StreamObject) -> list[str]:
    value = stream.get("/Filter")
    if value is None:
        return []
    if isinstance(value, generic.ArrayObject):
        return [str(v) for v in value]
    return [str(value)]


def check_streams(objects: Iterable[generic.PdfObject], file_size: int, budget: int | None = None) -> int:
    """Inflate every Flate stream among ``objects``; raise ``PdfRejected("decompression_bomb")`` past
    the budget.

    Returns the total inflated size (bytes).
    """
    limit = inflate_budget(file_size) if budget is None else budget
    total = 0
    for stream in objects:
        if not isinstance(stream, generic.StreamObject):
            continue
        filters = _filters(stream)
        if not any(f in _FLATE for f in filters):
            continue
        raw = stream.encoded_data
        if filters[0] not in _FLATE:
            decoded = _apply_front_filters(stream, filters)
            if decoded is None:
                continue
            raw = decoded
        total += inflated_size(raw, limit - total)
        if total > limit:
            raise PdfRejected(
                "decompression_bomb",
                f"PDF 文件解压后的数据量过大（超过 {limit // MiB} MB），疑似压缩炸弹，已拒绝",
            )
    return total


def _apply_front_filters(stream: generic.StreamObject, filters: list[str]) -> bytes | None:
    """Decode the filters in front of the first Flate one (ASCIIHex/ASCII85 only shrink data)."""
    from pyhanko.pdf_utils.filters import get_generic_decoder

    data = stream.encoded_data
    for name in filters:
        if name in _FLATE:
            return data
        if name not in ("/ASCIIHexDecode", "/AHx", "/ASCII85Decode", "/A85"):
            return None
        try:
            data = get_generic_decoder(name).decode(data, {})
        except Exception:
            return None
    return None
