"""B3 seal image tools and H5 handwriting: asserted on the pixels of the results."""

from __future__ import annotations

import io
import math
import struct
import zlib

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, PngImagePlugin

from signer.core.errors import TooLarge, ValidationFailed
from signer.seals import handwriting, seal_images

SEAL_RED = (205, 35, 40)


def photo(draw_ink, size=(900, 700), seed=1, quality=70) -> tuple[bytes, Image.Image]:
    """A phone photo of paper: uneven white, a soft shadow in one corner, sensor noise, blur, JPEG.

    Returns the JPEG and a mask of where ink was drawn (for the assertions).
    """
    rng = np.random.default_rng(seed)
    w, h = size
    y, x = np.mgrid[0:h, 0:w]
    light = 0.76 + 0.2 * (x / w) + 0.03 * (y / h)
    shadow = 1 - 0.28 * np.clip((320 - np.hypot(x - w, y - h)) / 320, 0, 1)
    paper = np.stack([light * 0.99, light * 0.97, light * 0.93], -1) * shadow[..., None]
    img = Image.fromarray((np.clip(paper, 0, 1) * 255).astype(np.uint8))
    mask = Image.new("L", size, 0)
    draw_ink(ImageDraw.Draw(img), ImageDraw.Draw(mask))
    noisy = np.asarray(img).astype(np.float32) + rng.normal(0, 6, (h, w, 3))
    img = Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.8))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality)
    return out.getvalue(), mask


def red_seal(img_draw: ImageDraw.ImageDraw, mask_draw: ImageDraw.ImageDraw) -> None:
    for d, fill in ((img_draw, SEAL_RED), (mask_draw, 255)):
        d.ellipse((250, 150, 650, 550), outline=fill, width=18)
        d.regular_polygon((450, 350, 80), 5, fill=fill)
    img_draw.text((60, 620), "PRINTED BLACK TEXT ON THE PAGE", fill=(15, 15, 15))  # not part of the seal


def alpha(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


def test_b3_online_seal_from_a_photo_keeps_red_ink_and_makes_paper_transparent():
    jpeg, _mask = photo(red_seal)
    result = alpha(seal_images.make_seal_online(jpeg))
    h, w = result.shape[:2]
    # cropped to the seal (400 px ring + small margin), not the 900×700 photo
    assert 400 <= w <= 420 and 400 <= h <= 420
    a = result[..., 3]
    # the paper is gone: the corners (outside the ring) and the gap between ring and star
    for region in (a[:20, :20], a[:20, -20:], a[-20:, :20], a[-20:, -20:], a[h // 2 - 5:h // 2 + 5, 40:70]):
        assert region.max() == 0
    # the ring and the star are opaque and keep the seal's red
    ring = result[h // 2 - 3:h // 2 + 3, 6:18]
    star = result[h // 2 - 5:h // 2 + 5, w // 2 - 5:w // 2 + 5]
    for ink in (ring, star):
        assert ink[..., 3].min() >= 250
        r, g, b = (int(v) for v in np.median(ink[..., :3].reshape(-1, 3), axis=0))
        assert r >= 180 and g <= 70 and b <= 70
    # the edge is smooth: some partially transparent pixels exist along the outline
    assert ((a > 10) & (a < 245)).sum() > 500
    # almost nothing but the seal survives (black text and noise are dropped)
    assert (a > 0).mean() < 0.45


def test_b3_seal_in_heavy_shadow_and_low_quality_jpeg_is_still_clean():
    jpeg, _ = photo(red_seal, seed=7, quality=35)
    a = alpha(seal_images.cut_out_seal(jpeg))[..., 3]
    h, w = a.shape
    corners = np.concatenate([a[:25, :25].ravel(), a[-25:, -25:].ravel()])
    assert corners.max() == 0
    assert a[h // 2, w // 2] >= 250  # the star's centre


def test_b3_signature_cutout_keeps_dark_ink_only():
    def signature(img_draw, mask_draw):
        pts = [(150 + 4 * i, 350 + 60 * math.sin(i / 9)) for i in range(150)]
        for d, fill in ((img_draw, (25, 30, 80)), (mask_draw, 255)):
            d.line(pts, fill=fill, width=7, joint="curve")

    jpeg, _ = photo(signature)
    result = alpha(seal_images.cut_out_signature(jpeg))
    a = result[..., 3]
    assert a.shape[1] <= 800 and a.shape[0] <= 400
    assert a[:8, :8].max() == 0 and a[-8:, -8:].max() == 0
    inked = result[a > 250]
    assert len(inked) > 1000
    r, _g, b = np.median(inked[:, :3], axis=0)
    assert b > r and r < 90  # blue-black ink, not grey paper


def test_b3_upload_validation_refuses_what_is_not_a_safe_image():
    with pytest.raises(ValidationFailed) as err:
        seal_images.load_upload(b"%PDF-1.7 not an image")
    assert err.value.code == "image_type"
    gif = io.BytesIO()
    Image.new("RGB", (32, 32)).save(gif, "GIF")
    with pytest.raises(ValidationFailed):
        seal_images.load_upload(gif.getvalue())
    png = io.BytesIO()
    Image.new("RGBA", (64, 64), (255, 0, 0, 128)).save(png, "PNG")
    with pytest.raises(ValidationFailed) as err:
        seal_images.load_upload(png.getvalue()[:60])
    assert err.value.code == "image_unreadable"
    with pytest.raises(TooLarge):
        seal_images.load_upload(png.getvalue(), max_bytes=10)
    # a decompression bomb: the header claims 6000×6000 pixels (36 million)
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    bomb = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 6000, 6000, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))
    with pytest.raises(ValidationFailed) as err:
        seal_images.load_upload(bomb)
    assert err.value.code == "image_size"


def test_b3_transparent_upload_is_cropped_resized_and_reencoded_without_metadata():
    img = Image.new("RGBA", (2000, 1600), (0, 0, 0, 0))
    ImageDraw.Draw(img).ellipse((400, 300, 1600, 1500), outline=(200, 20, 30, 255), width=40)
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret camera metadata")
    raw = io.BytesIO()
    img.save(raw, "PNG", pnginfo=info)
    out = seal_images.normalize_transparent(raw.getvalue())
    assert b"secret camera metadata" not in out
    result = Image.open(io.BytesIO(out))
    assert max(result.size) <= seal_images.SEAL_SIDE and abs(result.width - result.height) <= 2
    a = np.asarray(result)[..., 3]
    assert a[result.height // 2, result.width // 2] == 0  # the inside of the ring stays transparent
    opaque = Image.new("RGB", (100, 100), "white")
    flat = io.BytesIO()
    opaque.save(flat, "PNG")
    with pytest.raises(ValidationFailed) as err:
        seal_images.normalize_transparent(flat.getvalue())
    assert err.value.code == "not_transparent"


def test_b3_preview_shows_a_checkerboard_through_transparency():
    img = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
    ImageDraw.Draw(img).rectangle((80, 80, 120, 120), fill=(200, 20, 30, 255))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    preview = np.asarray(Image.open(io.BytesIO(seal_images.preview(buf.getvalue()))).convert("RGB"))
    corner = {tuple(p) for p in preview[:16, :16].reshape(-1, 3)}
    assert (255, 255, 255) in corner and (230, 230, 230) in corner
    assert tuple(preview[preview.shape[0] // 2, preview.shape[1] // 2]) == (200, 20, 30)


def test_h5_strokes_render_to_a_transparent_png_with_pressure():
    light = [{"x": 20 + 3 * i, "y": 60, "p": 0.0} for i in range(60)]
    heavy = [{"x": 20 + 3 * i, "y": 160, "p": 1.0} for i in range(60)]
    png = handwriting.render_strokes(handwriting.parse_strokes([light, heavy]))
    image = np.asarray(Image.open(io.BytesIO(png)))
    a = image[..., 3]
    assert a[0, 0] == 0 and a[-1, -1] == 0
    columns = a[:, a.shape[1] // 2]
    strokes = np.flatnonzero(columns > 128)
    top = strokes[strokes < a.shape[0] // 2]
    bottom = strokes[strokes >= a.shape[0] // 2]
    assert len(bottom) > 2 * len(top) >= 2  # the pressed stroke is wider
    inked = image[a > 250][:, :3]
    assert np.all(inked[:, 2] >= inked[:, 0])  # blue-black ink


def test_h5_bad_strokes_are_refused_with_a_reason():
    for bad in ([], [[]], [[{"x": "a", "y": 1}]], [[{"x": 1, "y": 1, "p": 3}]], [[{"x": -5, "y": 1}]],
                [[{"x": 1, "y": 1}]] * 201):
        with pytest.raises(ValidationFailed) as err:
            handwriting.parse_strokes(bad)
        assert err.value.code == "bad_strokes"
