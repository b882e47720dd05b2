"""B3 seal image tools (Pillow + numpy): upload validation, 在线制作, 签字抠图 / 签章抠图, resizing, previews.

Every image that reaches storage went through :func:`load_upload` (size, magic bytes, pixel limit, decoded
fully, EXIF orientation applied) and leaves as a freshly encoded RGBA PNG: nothing of the uploaded file's
bytes (metadata, trailing data, other frames) survives.

Cut-outs work on photos of ink on white paper taken with a phone: the paper is rarely evenly white, so
the paper's own brightness is estimated first (a wide maximum filter ignores the thin ink strokes, a
blur smooths it) and each pixel is divided by it. That flattens uneven light and soft shadows. The ink
is then scored (redness for seals, darkness for signatures), the score becomes a soft alpha ramp
(anti-aliased edges), speckles from noise and JPEG artefacts are removed with a median filter, and
every pixel takes the ink's own colour (the median of the confidently inked pixels), so no white fringe
remains. The result is cropped to the ink with a small margin.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from typing import Literal

import numpy as np
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

from signer.core.errors import ErrorCode, TooLarge, ValidationFailed

MAX_UPLOAD_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 24_000_000
MAX_WORK_SIDE = 1600  # cut-outs run on at most this many pixels a side
SEAL_SIDE = 600  # stored seal images fit in this square
SIGNATURE_BOX = (800, 400)
_MAGIC = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG"}

Ink = Literal["red", "dark"]


@dataclass(frozen=True)
class ImageFacts:
    width: int
    height: int
    has_transparency: bool


def _format_of(data: bytes) -> str | None:
    for magic, fmt in _MAGIC.items():
        if data.startswith(magic):
            return fmt
    return None


def load_upload(data: bytes, max_bytes: int = MAX_UPLOAD_BYTES) -> Image.Image:
    """Validate an uploaded jpg/png and decode it (RGBA, EXIF orientation applied).

    Refuses: too many bytes (TooLarge), anything but PNG/JPEG by magic bytes, more than MAX_PIXELS
    (checked from the header before decoding), undecodable or truncated data.
    """
    if len(data) > max_bytes:
        raise TooLarge(f"图片超过{max_bytes // (1024 * 1024)}MB", code=ErrorCode.IMAGE_TOO_LARGE)
    fmt = _format_of(data)
    if fmt is None:
        raise ValidationFailed("只支持 jpg、jpeg、png 图片", code=ErrorCode.IMAGE_TYPE)
    try:
        with Image.open(BytesIO(data), formats=[fmt]) as probe:
            width, height = probe.size
            if width * height > MAX_PIXELS or width < 16 or height < 16:
                raise ValidationFailed("图片尺寸不合适（16像素至2400万像素）", code=ErrorCode.IMAGE_SIZE)
            probe.load()
            image = ImageOps.exif_transpose(probe)
            return image.convert("RGBA")
    except ValidationFailed:
        raise
    except Image.DecompressionBombError as exc:  # Pillow's own guard, for headers far over the limit
        raise ValidationFailed("图片尺寸不合适（16像素至2400万像素）", code=ErrorCode.IMAGE_SIZE) from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ValidationFailed("图片无法解析或已损坏", code=ErrorCode.IMAGE_UNREADABLE) from exc


def facts(image: Image.Image) -> ImageFacts:
    transparent = False
    if image.mode == "RGBA":
        low = image.getchannel("A").getextrema()[0]  # one band: (min, max)
        transparent = isinstance(low, int | float) and low < 250
    return ImageFacts(image.width, image.height, transparent)


def to_png(image: Image.Image) -> bytes:
    out = BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def fit(image: Image.Image, width: int, height: int) -> Image.Image:
    """Scale down (never up) to fit ``width`` × ``height``, keeping the aspect ratio."""
    result = image.copy()
    result.thumbnail((width, height), Image.Resampling.LANCZOS)
    return result


def crop_to_ink(image: Image.Image, margin: int = 4, threshold: int = 24) -> Image.Image:
    """Crop an RGBA image to its visible pixels plus ``margin``; refuses an empty image."""
    mask = image.getchannel("A").point(lambda a: 255 if a >= threshold else 0)
    box = mask.getbbox()
    if box is None:
        raise ValidationFailed("图片中没有找到印章或签字", code=ErrorCode.NO_INK)
    left, top, right, bottom = box
    return image.crop((max(0, left - margin), max(0, top - margin), min(image.width, right + margin),
                       min(image.height, bottom + margin)))


def _paper_brightness(rgb: Image.Image) -> np.ndarray:
    """Per-channel brightness of the paper under each pixel (ink strokes are filtered out)."""
    small = rgb.copy()
    small.thumbnail((256, 256), Image.Resampling.BILINEAR)
    size = max(3, (min(small.size) // 16) | 1)
    paper = small.filter(ImageFilter.MaxFilter(size)).filter(ImageFilter.GaussianBlur(size))
    paper = paper.resize(rgb.size, Image.Resampling.BILINEAR)
    return np.maximum(np.asarray(paper, dtype=np.float32) / 255.0, 0.2)


def _smoothstep(x: np.ndarray, low: float, high: float) -> np.ndarray:
    t = np.clip((x - low) / (high - low), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def cut_out(photo: Image.Image, ink: Ink) -> Image.Image:
    """The ink of a photo as an RGBA image on a transparent background, cropped to the ink.

    ``ink="red"``: a red seal (在线制作, 签章抠图); black print on the paper is left out.
    ``ink="dark"``: a handwritten signature in black or blue ink (签字抠图).
    """
    rgb = photo.convert("RGB")
    rgb.thumbnail((MAX_WORK_SIDE, MAX_WORK_SIDE), Image.Resampling.LANCZOS)
    pixels = np.asarray(rgb, dtype=np.float32) / 255.0
    flat = np.clip(pixels / _paper_brightness(rgb), 0.0, 1.0)
    r, g, b = flat[..., 0], flat[..., 1], flat[..., 2]
    if ink == "red":
        score = r - np.maximum(g, b)  # red ink: R stays high while G and B drop; grey and black score ~0
        alpha = _smoothstep(score, 0.12, 0.35)
    else:
        darkness = 1.0 - (0.3 * r + 0.59 * g + 0.11 * b)
        alpha = _smoothstep(darkness, 0.18, 0.5)
    mask = Image.fromarray((alpha * 255).astype(np.uint8), "L").filter(ImageFilter.MedianFilter(3))
    mask = mask.filter(ImageFilter.GaussianBlur(0.6))
    alpha_arr = np.asarray(mask, dtype=np.float32) / 255.0
    confident = alpha_arr > 0.8
    if confident.sum() < 20:
        raise ValidationFailed("图片中没有找到印章或签字", code=ErrorCode.NO_INK)
    colour = np.median(pixels[confident], axis=0)
    if ink == "red":
        colour = np.array([max(colour[0], 0.7), min(colour[1], 0.25), min(colour[2], 0.25)])
    out = np.empty((*pixels.shape[:2], 4), dtype=np.uint8)
    out[..., :3] = (colour * 255).astype(np.uint8)
    out[..., 3] = (alpha_arr * 255).astype(np.uint8)
    out[..., 3][alpha_arr < 0.06] = 0
    return crop_to_ink(Image.fromarray(out, "RGBA"))


def make_seal_online(photo_bytes: bytes) -> bytes:
    """在线制作: a photo of a red seal on white paper → a transparent PNG fitting SEAL_SIDE²."""
    return to_png(fit(cut_out(load_upload(photo_bytes), "red"), SEAL_SIDE, SEAL_SIDE))


def cut_out_signature(photo_bytes: bytes) -> bytes:
    """签字抠图: the legal representative's signature from a photo → transparent PNG."""
    return to_png(fit(cut_out(load_upload(photo_bytes), "dark"), *SIGNATURE_BOX))


def cut_out_seal(photo_bytes: bytes) -> bytes:
    """签章抠图: the legal representative's red seal from a photo → transparent PNG."""
    return make_seal_online(photo_bytes)


MIN_SCALE = 50  # 调整印章大小: the smallest share (percent) of its box a seal may fill


def normalize_transparent(upload: bytes, width: int = SEAL_SIDE, height: int = SEAL_SIDE, scale: int = 100) -> bytes:
    """线下上传: a PNG that is already transparent, validated, cropped, resized and re-encoded.

    调整印章大小: below 100, the seal fills only ``scale`` percent of its image (centred, transparent around), so
    it stamps that much smaller in the same placement.
    """
    if not MIN_SCALE <= scale <= 100:
        raise ValidationFailed(f"印章大小应在{MIN_SCALE}%到100%之间", details={"scale": [f"{MIN_SCALE}–100"]})
    image = load_upload(upload)
    if not facts(image).has_transparency:
        raise ValidationFailed("请上传透明背景的PNG图片，或使用在线制作/抠图", code=ErrorCode.NOT_TRANSPARENT)
    fitted = fit(crop_to_ink(image), width, height)
    if scale == 100:
        return to_png(fitted)
    smaller = fitted.resize((max(1, fitted.width * scale // 100), max(1, fitted.height * scale // 100)),
                            Image.Resampling.LANCZOS)
    canvas = Image.new("RGBA", fitted.size, (0, 0, 0, 0))
    canvas.paste(smaller, ((fitted.width - smaller.width) // 2, (fitted.height - smaller.height) // 2))
    return to_png(canvas)


def preview(png: bytes, side: int = 240) -> bytes:
    """上传结果预览: the image over a light checkerboard (so transparency is visible), as PNG."""
    image = fit(load_upload(png), side, side)
    cell = 8
    board = Image.new("RGBA", image.size, (255, 255, 255, 255))
    grey = Image.new("RGBA", (cell, cell), (230, 230, 230, 255))
    for y in range(0, image.height, cell):
        for x in range((y // cell) % 2 * cell, image.width, 2 * cell):
            board.paste(grey, (x, y))
    return to_png(Image.alpha_composite(board, image))
