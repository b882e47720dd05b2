"""Animated QR frames: ``<scheme>://sign?s=<session>&t=<step>&h=<mac>``.

The MAC is HMAC-SHA256(secret, session|step) truncated to 128 bits; the secret stays on the server, so a
frame cannot be forged, and a frame is accepted only for a few steps, so a photo of an old screen is useless.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import time
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import qrcode
from qrcode.image.pil import PilImage

from signer.core.errors import ErrorCode, ValidationFailed


@dataclass(frozen=True)
class Frame:
    session_id: str
    step: int
    mac: str


@dataclass(frozen=True)
class ShownFrame:
    """A frame as the PC page gets it: the text it draws as a QR Code, its step, the session's confirmation code."""

    session_id: str
    payload: str
    step: int
    confirmation_code: str


def current_step(step_seconds: int, now: float | None = None) -> int:
    return int((time.time() if now is None else now) // step_seconds)


def frame_mac(secret: bytes, session_id: str, step: int) -> str:
    digest = hmac.new(secret, f"{session_id}|{step}".encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def make_payload(scheme: str, secret: bytes, session_id: str, step: int) -> str:
    return f"{scheme}://sign?s={session_id}&t={step}&h={frame_mac(secret, session_id, step)}"


def parse_payload(payload: str, scheme: str) -> Frame:
    """Parse what the phone scanned; anything malformed is a clear validation error."""
    if not isinstance(payload, str) or len(payload) > 300:
        raise ValidationFailed("二维码内容无效", code=ErrorCode.BAD_QR)
    parts = urlsplit(payload)
    if parts.scheme != scheme or parts.netloc != "sign":
        raise ValidationFailed("不是本平台的签署二维码", code=ErrorCode.BAD_QR)
    query = parse_qs(parts.query, keep_blank_values=True)
    # Exactly one of each, nothing else: a duplicate appended after a valid frame is not "the first wins".
    if sorted(query) != ["h", "s", "t"] or any(len(values) != 1 for values in query.values()):
        raise ValidationFailed("二维码内容无效", code=ErrorCode.BAD_QR)
    try:
        session_id = query["s"][0]
        step = int(query["t"][0])
        mac = query["h"][0]
    except (KeyError, IndexError, ValueError) as exc:
        raise ValidationFailed("二维码内容无效", code=ErrorCode.BAD_QR) from exc
    return Frame(session_id, step, mac)


def check_frame(frame: Frame, secret: bytes, now_step: int, window: int) -> None:
    """Refuse a forged or stale frame (constant-time MAC comparison)."""
    if not hmac.compare_digest(frame_mac(secret, frame.session_id, frame.step), frame.mac):
        raise ValidationFailed("二维码校验失败", code=ErrorCode.BAD_QR_SIGNATURE)
    if not (0 <= now_step - frame.step <= window):
        raise ValidationFailed("二维码已过期，请扫描页面上最新的二维码", code=ErrorCode.STALE_QR)


# A fixed mask for the HTTP fallback's image (the page draws its own): the spec lets an encoder pick any of the
# eight (the decoder reads which from the format bits), and scoring all eight is two thirds of the rendering
# cost. The payload ends in a MAC, so its modules look random whichever mask is applied.
FRAME_MASK = 0


def render_png(payload: str, box_size: int = 8) -> bytes:
    code = qrcode.QRCode(box_size=box_size, border=4, error_correction=qrcode.constants.ERROR_CORRECT_M,
                         image_factory=PilImage, mask_pattern=FRAME_MASK)
    code.add_data(payload)
    code.make(fit=True)
    img = code.make_image()
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def confirmation_code(session_id: str, document_sha256: str) -> str:
    """Six digits both screens show, so the user sees that the phone and the PC talk about one document."""
    digest = hashlib.sha256(f"{session_id}|{document_sha256}".encode()).digest()
    return f"{int.from_bytes(digest[:4], 'big') % 1_000_000:06d}"
