"""H5 设置手写签名 from the reference APP: pen strokes or a PNG, sent over the public API.

Strokes are lists of points ``{"x", "y", "p"}`` in the drawing canvas's pixels, pressure ``p`` in 0..1
(what a touch screen reports); the server renders them to a transparent PNG and keeps it for the account.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from .client import AppClient
from .errors import AppError


def _image(answer: Any) -> dict[str, Any]:
    if not isinstance(answer, dict) or not isinstance(answer.get("png"), str):
        raise AppError("protocol_error", "服务器没有返回签名图片")
    return {**answer, "png": base64.b64decode(answer["png"])}


def set_from_strokes(client: AppClient, strokes: list[list[dict[str, float]]]) -> dict[str, Any]:
    """PUT /app/handwriting with strokes; returns ``{png (bytes), width, height, updated_at}``."""
    return _image(client._request("PUT", "/app/handwriting", {"strokes": strokes}))


def set_from_png(client: AppClient, png: bytes) -> dict[str, Any]:
    """PUT /app/handwriting with a transparent PNG (e.g. a signature the user cut out)."""
    return _image(client._request("PUT", "/app/handwriting", {"png": base64.b64encode(png).decode()}))


def current(client: AppClient) -> dict[str, Any]:
    """GET /app/handwriting: the stored signature (AppError ``no_handwriting`` when none is set)."""
    return _image(client._request("GET", "/app/handwriting"))


def set_from_file(client: AppClient, path: Path) -> dict[str, Any]:
    """A ``.json`` file of strokes or a ``.png`` image."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AppError("no_file", f"无法读取文件 {path}: {exc}") from None
    if path.suffix.lower() == ".json":
        try:
            return set_from_strokes(client, json.loads(data))
        except json.JSONDecodeError:
            raise AppError("bad_strokes", f"{path} 不是有效的JSON笔迹文件") from None
    return set_from_png(client, data)
