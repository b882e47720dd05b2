"""A pyHanko worker process: length-prefixed JSON requests on stdin, replies on stdout.

pyHanko is CPU-bound pure Python; running it in separate processes keeps the server's event loop free
and lets signatures scale with cores. Small values travel as base64. A document travels either inline
(``pdf``, base64) or as a reference (``pdf_blob``: its SHA-256 in the content-addressed blob store the
worker is given); a request that names its document by reference gets the documents
it produces as references too, so a signing round moves hashes through the pipe, not files. The worker
keeps the documents and seal images it read or wrote lately (:class:`Documents`, keyed by content hash):
the next half of a round usually finds its input there. Nothing else is kept, so any worker can serve any
round.

``--memory-bytes N`` caps the process's address space (``RLIMIT_AS``): a document that needs more is
refused as too complex, and the worker then exits so that its pool starts a fresh one.
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import os
import resource
import struct
import sys
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable
from typing import IO, Any, Protocol

from . import preview, remote, verify
from .errors import PdfRejected, PreparedStateInvalid, SignatureValueInvalid
from .inspect import check_placement, inspect_pdf
from .ltv import RevocationMaterial, add_long_term_data
from .placements import SealPlacement, add_signature_fields
from .tsa import LocalTimeStamper, TsaCredentials

_HEADER = struct.Struct(">I")
log = logging.getLogger(__name__)


def read_message(stream: IO[bytes]) -> dict[str, Any] | None:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    (length,) = _HEADER.unpack(header)
    message: dict[str, Any] = json.loads(stream.read(length))
    return message


def write_message(stream: IO[bytes], message: dict[str, Any]) -> None:
    body = json.dumps(message).encode()
    stream.write(_HEADER.pack(len(body)) + body)
    stream.flush()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str) -> bytes:
    return base64.b64decode(text)


class BlobStore(Protocol):
    """Content-addressed bytes by SHA-256 hex (the server's blob store has this shape)."""

    def put(self, data: bytes) -> str: ...
    def get(self, sha256: str) -> bytes: ...


class Documents:
    """Documents by content hash: a small LRU (``max_bytes`` in all) in front of the blob store.

    A round's two halves and the next round's first half each read what the previous one wrote, so a
    worker that served the previous step skips the store. Entries are immutable (content-addressed).
    """

    def __init__(self, store: BlobStore | None = None, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.store = store
        self.max_bytes = max_bytes
        self._recent: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0

    def get(self, sha256: str) -> bytes:
        data = self._recent.get(sha256)
        if data is not None:
            self._recent.move_to_end(sha256)
            return data
        if self.store is None:
            raise PdfRejected("unreadable", "该工作进程没有文件存储，无法读取文件")
        data = self.store.get(sha256)  # the store checks the content against its hash
        self._remember(sha256, data)
        return data

    def put(self, data: bytes) -> str:
        if self.store is None:
            raise PdfRejected("unreadable", "该工作进程没有文件存储，无法写入文件")
        sha256 = self.store.put(data)
        self._remember(sha256, data)
        return sha256

    def _remember(self, sha256: str, data: bytes) -> None:
        if sha256 in self._recent or len(data) > self.max_bytes // 4:
            return
        self._recent[sha256] = data
        self._size += len(data)
        while self._size > self.max_bytes:
            _old, dropped = self._recent.popitem(last=False)
            self._size -= len(dropped)


def _pdf_in(req: dict[str, Any], docs: Documents) -> bytes:
    """The request's document: by reference (``pdf_blob``) or inline (``pdf``)."""
    blob = req.get("pdf_blob")
    return docs.get(blob) if blob else unb64(req["pdf"])


def _pdf_out(req: dict[str, Any], docs: Documents, data: bytes) -> dict[str, Any]:
    """A produced document, in the form the request's came in."""
    return {"pdf_blob": docs.put(data)} if req.get("pdf_blob") else {"pdf": b64(data)}


def _optional_b64(text: str | None) -> bytes | None:
    return unb64(text) if text else None


def op_prepare_document(req: dict[str, Any], docs: Documents) -> dict[str, Any]:
    pdf = _pdf_in(req, docs)
    info = inspect_pdf(pdf, max_bytes=req["max_bytes"])
    placements = [SealPlacement.from_dict(p) for p in req["placements"]]
    for p in placements:
        check_placement(info, p.page, p.x, p.y, p.width, p.height)
    prepared = add_signature_fields(pdf, placements, max_bytes=req["max_bytes"])
    return {"page_count": info.page_count, "title": info.title, **_pdf_out(req, docs, prepared)}


def op_prepare_round(req: dict[str, Any], docs: Documents) -> dict[str, Any]:
    """Optional fields: ``font_paths`` (prepared CJK fonts), the seal PNG inline (``image``) or by reference
    (``image_blob``: kept warm in ``docs`` like the documents, a seal being shown again and again),
    ``bytes_reserved``.

    By reference, the prepared PDF goes to the store and ``prepared`` carries only its hash."""
    image = docs.get(req["image_blob"]) if req.get("image_blob") else _optional_b64(req.get("image"))
    prepared = remote.prepare_round(
        _pdf_in(req, docs),
        req["field_name"],
        unb64(req["cert"]),
        [unb64(c) for c in req["chain"]],
        req["stamp_lines"],
        reason=req.get("reason"),
        location=req.get("location"),
        bytes_reserved=req.get("bytes_reserved") or remote.DEFAULT_BYTES_RESERVED,
        font_paths=req.get("font_paths") or (),
        image_png=image,
    )
    if req.get("pdf_blob"):
        docs.put(prepared.prepared_pdf)
        return {"prepared": prepared.to_dict(include_pdf=False)}
    return {"prepared": prepared.to_dict()}


def _timestamper(req: dict[str, Any]) -> LocalTimeStamper | None:
    """The platform TSA's key travels in the request (a private pipe); nothing is kept afterwards."""
    tsa = req.get("tsa")
    return LocalTimeStamper(TsaCredentials.from_dict(tsa)) if tsa else None


def op_finish_round(req: dict[str, Any], docs: Documents) -> dict[str, Any]:
    """With ``tsa`` the signature gets an RFC 3161 timestamp (PAdES B-T). By reference, ``pdf_blob`` names
    the prepared PDF (``prepared`` then carries only its hash, which is checked)."""
    blob = req.get("pdf_blob")
    prepared = remote.PreparedRound.from_dict(req["prepared"], docs.get(blob) if blob else None)
    pdf = remote.finish_round(
        prepared, unb64(req["signature"]), unb64(req["cert"]), [unb64(c) for c in req["chain"]],
        timestamper=_timestamper(req),
    )
    return _pdf_out(req, docs, pdf)


def op_finish_document(req: dict[str, Any], docs: Documents) -> dict[str, Any]:
    """B-LT: add the DSS from ``material``; B-LTA: and a document timestamp when ``tsa`` is given."""
    material = req["material"]
    pdf = add_long_term_data(
        _pdf_in(req, docs),
        [unb64(r) for r in req["roots"]],
        RevocationMaterial(ocsps=[unb64(o) for o in material["ocsps"]], crls=[unb64(c) for c in material["crls"]],
                           certs=[unb64(c) for c in material["certs"]]),
        archive_timestamper=_timestamper(req),
    )
    return _pdf_out(req, docs, pdf)


def op_verify(req: dict[str, Any], docs: Documents) -> dict[str, Any]:
    """K7: every signature and document timestamp, judged against ``roots`` and the ``current``
    revocation data the server passes (no network)."""
    current = req.get("current") or {}
    material = RevocationMaterial(ocsps=[unb64(o) for o in current.get("ocsps", [])],
                                  crls=[unb64(c) for c in current.get("crls", [])],
                                  certs=[unb64(c) for c in current.get("certs", [])])
    result = verify.verify_pdf(_pdf_in(req, docs), [unb64(r) for r in req["roots"]], material,
                               max_bytes=req.get("max_bytes") or verify.DEFAULT_MAX_BYTES)
    return result.to_dict()


def _previews(pages: list[preview.PagePreview]) -> list[dict[str, Any]]:
    return [{"number": p.number, "png": b64(p.png), "width_px": p.width_px, "height_px": p.height_px}
            for p in pages]


def op_preview_document(req: dict[str, Any], docs: Documents) -> dict[str, Any]:
    """Validate an upload for the placement page: inspect it, read every page's geometry, render the first
    ``render`` pages."""
    pdf = _pdf_in(req, docs)
    info = inspect_pdf(pdf, max_bytes=req["max_bytes"])
    geometry = preview.page_geometry(pdf)
    if len(geometry) != info.page_count:
        raise PdfRejected("unreadable", "无法解析该 PDF 文件的页面")
    first = list(range(1, min(info.page_count, int(req.get("render", 1))) + 1))
    return {"page_count": info.page_count, "title": info.title, "pages": [g.to_dict() for g in geometry],
            "previews": _previews(preview.render_pages(pdf, first))}


def op_render_pages(req: dict[str, Any], docs: Documents) -> dict[str, Any]:
    pages = [int(n) for n in req["pages"]]
    return {"previews": _previews(preview.render_pages(_pdf_in(req, docs), pages, forms=bool(req.get("forms"))))}


def op_ping(req: dict[str, Any], docs: Documents) -> dict[str, Any]:
    """The readiness probe's question: is this worker answering?"""
    return {"pid": os.getpid()}


OPS: dict[str, Callable[[dict[str, Any], Documents], dict[str, Any]]] = {
    "ping": op_ping,
    "prepare_document": op_prepare_document,
    "prepare_round": op_prepare_round,
    "finish_round": op_finish_round,
    "finish_document": op_finish_document,
    "verify": op_verify,
    "preview_document": op_preview_document,
    "render_pages": op_render_pages,
}


TOO_COMPLEX = "PDF 文件过于复杂，处理所需内存超出限制，请简化或压缩后再上传"


_NO_STORE = Documents()


def handle(req: dict[str, Any], docs: Documents = _NO_STORE) -> dict[str, Any]:
    """Run one request; logs one line with the caller's ``request_id`` (no field of the request)."""
    started = time.perf_counter()
    reply = _run(req, docs)
    log.info("pdf job %s %s", req.get("op"), "ok" if reply["ok"] else reply["kind"], extra={
        "request_id": req.get("request_id"), "op": req.get("op"), "outcome": "ok" if reply["ok"] else reply["kind"],
        "duration_ms": round((time.perf_counter() - started) * 1000, 1)})
    return reply


def _run(req: dict[str, Any], docs: Documents) -> dict[str, Any]:
    """The reply to one request; ``retire`` asks the caller's loop to end this process."""
    try:
        return {"ok": True, "result": OPS[req["op"]](req, docs)}
    except MemoryError:
        return {"ok": False, "kind": "pdf_rejected", "code": "too_complex", "message": TOO_COMPLEX, "retire": True}
    except PdfRejected as exc:
        return {"ok": False, "kind": "pdf_rejected", "code": exc.code, "message": str(exc)}
    except SignatureValueInvalid as exc:
        return {"ok": False, "kind": "signature_invalid", "code": "signature_invalid", "message": str(exc)}
    except PreparedStateInvalid as exc:
        return {"ok": False, "kind": "prepared_invalid", "code": "prepared_invalid", "message": str(exc)}
    except Exception as exc:  # reported to the caller, which logs it; the worker lives on
        return {
            "ok": False,
            "kind": "internal",
            "code": "internal",
            "message": repr(exc),
            "trace": traceback.format_exc(limit=5),
        }


def limit_memory(max_bytes: int) -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        max_bytes = min(max_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (max_bytes, hard))


def main(argv: list[str] | None = None, store: BlobStore | None = None) -> None:
    """The request loop; ``store`` is the blob store ``pdf_blob`` references name (none: inline only)."""
    parser = argparse.ArgumentParser(prog="pdfsign.worker")
    parser.add_argument("--memory-bytes", type=int, default=0, help="address-space limit (0: none)")
    args = parser.parse_args(argv)
    if args.memory_bytes:
        limit_memory(args.memory_bytes)
    docs = Documents(store)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while (req := read_message(stdin)) is not None:
        reply = handle(req, docs)
        write_message(stdout, reply)
        if reply.get("retire"):
            break


if __name__ == "__main__":
    main()
