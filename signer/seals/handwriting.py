"""H5: a handwritten signature from the APP's pen strokes, rendered to a transparent PNG.

Strokes are what a touch screen reports: ``[[{"x", "y", "p"}, …], …]`` with x, y in the canvas's
pixels and pressure ``p`` in 0..1 (0.5 when the device has none). Each segment is drawn as a round-capped
line whose width follows the pressure, at 4× resolution and scaled down, so edges are anti-aliased.
The ink is a blue-black; the background stays fully transparent. The result is cropped to the ink.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageDraw

from signer.core.errors import ErrorCode, ValidationFailed
from signer.seals.seal_images import SIGNATURE_BOX, crop_to_ink, fit, to_png

INK = (20, 30, 70)
MAX_STROKES = 200
MAX_POINTS = 20_000
MAX_CANVAS = 4000
SUPERSAMPLE = 4
MIN_WIDTH, MAX_WIDTH = 1.5, 7.0  # stroke width in canvas pixels at pressure 0 and 1


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    p: float


def parse_strokes(raw: Any) -> list[list[Point]]:
    """Validate the APP's JSON strokes; ValidationFailed says what is wrong."""
    if not isinstance(raw, list) or not raw:
        raise ValidationFailed("签名笔迹为空", code=ErrorCode.BAD_STROKES)
    if len(raw) > MAX_STROKES:
        raise ValidationFailed(f"笔画过多（最多{MAX_STROKES}笔）", code=ErrorCode.BAD_STROKES)
    strokes: list[list[Point]] = []
    total = 0
    for stroke in raw:
        if not isinstance(stroke, list) or not stroke:
            raise ValidationFailed("每一笔必须是非空的点列表", code=ErrorCode.BAD_STROKES)
        points = []
        for item in stroke:
            try:
                x, y = float(item["x"]), float(item["y"])
                p = float(item.get("p", 0.5))
            except (TypeError, KeyError, ValueError) as exc:
                raise ValidationFailed("笔迹点需要数值 x、y 和可选的压力 p", code=ErrorCode.BAD_STROKES) from exc
            if not (0 <= x <= MAX_CANVAS and 0 <= y <= MAX_CANVAS and 0 <= p <= 1):
                raise ValidationFailed("笔迹点超出范围（x、y 0–4000，p 0–1）", code=ErrorCode.BAD_STROKES)
            points.append(Point(x, y, p))
        total += len(points)
        strokes.append(points)
    if total > MAX_POINTS:
        raise ValidationFailed(f"笔迹点过多（最多{MAX_POINTS}个）", code=ErrorCode.BAD_STROKES)
    return strokes


def render_strokes(strokes: list[list[Point]]) -> bytes:
    """The strokes as a cropped transparent PNG fitting the stored signature box."""
    right = max(pt.x for s in strokes for pt in s) + MAX_WIDTH
    bottom = max(pt.y for s in strokes for pt in s) + MAX_WIDTH
    k = SUPERSAMPLE
    canvas = Image.new("RGBA", (int(right * k) + 1, int(bottom * k) + 1), (*INK, 0))
    draw = ImageDraw.Draw(canvas)
    colour = (*INK, 255)
    for stroke in strokes:
        for a, b in zip(stroke, stroke[1:] or stroke, strict=False):
            width = (MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * (a.p + b.p) / 2) * k
            draw.line([(a.x * k, a.y * k), (b.x * k, b.y * k)], fill=colour, width=max(1, round(width)))
            for pt in (a, b):  # round caps and joins
                r = (MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * pt.p) * k / 2
                draw.ellipse([pt.x * k - r, pt.y * k - r, pt.x * k + r, pt.y * k + r], fill=colour)
    image = canvas.resize((max(1, canvas.width // k), max(1, canvas.height // k)), Image.Resampling.LANCZOS)
    return to_png(fit(crop_to_ink(image, margin=6), *SIGNATURE_BOX))
