"""A pyHanko worker process: length-prefixed JSON requests on stdin, replies on stdout.

pyHanko is CPU-bound pure Python; running it in separate processes keeps the server's event loop free
and lets signatures scale with cores. Requests and replies carry bytes as base64; nothing else is kept
between requests, so any worker can serve any round.
"""

from __future__ import annotations

import base64
import json
import struct
import sys
import traceback
from typing import Any, BinaryIO

from . import remote
from .errors import PdfRejected, PreparedStateInvalid, SignatureValueInvalid
from .inspect import check_placement, inspect_pdf
from .placements import SealPlacement, add_signature_fields

_HEADER = struct.Struct(">I")


def read_message(stream: BinaryIO) -> dict[str, Any] | None:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    (length,) = _HEADER.unpack(header)
    return json.loads(stream.read(length))


def write_message(stream: BinaryIO, message: dict[str, Any]) -> None:
    body = json.dumps(message).encode()
    stream.write(_HEADER.pack(len(body)) + body)
    stream.flush()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str) -> bytes:
    return base64.b64decode(text)


def op_prepare_document(req: dict[str, Any]) -> dict[str, Any]:
    pdf = unb64(req["pdf"])
    info = inspect_pdf(pdf, max_bytes=req["max_bytes"])
    placements = [SealPlacement.from_dict(p) for p in req["placements"]]
    for p in placements:
        check_placement(info, p.page, p.x, p.y, p.width, p.height)
    prepared = add_signature_fields(pdf, placements, max_bytes=req["max_bytes"])
    return {"page_count": info.page_count, "title": info.title, "pdf": b64(prepared)}


def op_prepare_round(req: dict[str, Any]) -> dict[str, Any]:
    prepared = remote.prepare_round(
        unb64(req["pdf"]),
        req["field_name"],
        unb64(req["cert"]),
        [unb64(c) for c in req["chain"]],
        req["stamp_lines"],
        reason=req.get("reason"),
        location=req.get("location"),
    )
    return {"prepared": prepared.to_dict()}


def op_finish_round(req: dict[str, Any]) -> dict[str, Any]:
    prepared = remote.PreparedRound.from_dict(req["prepared"])
    pdf = remote.finish_round(
        prepared, unb64(req["signature"]), unb64(req["cert"]), [unb64(c) for c in req["chain"]]
    )
    return {"pdf": b64(pdf)}


OPS = {
    "prepare_document": op_prepare_document,
    "prepare_round": op_prepare_round,
    "finish_round": op_finish_round,
}


def handle(req: dict[str, Any]) -> dict[str, Any]:
    try:
        return {"ok": True, "result": OPS[req["op"]](req)}
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


def main() -> None:
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while (req := read_message(stdin)) is not None:
        write_message(stdout, handle(req))


if __name__ == "__main__":
    main()
