"""A demo handwritten signature: a person's name in Chinese characters, as if written with a brush pen.

No handwriting font ships with Debian's fonts-noto-cjk, so the look is made from the regular Serif face
(its strokes swell and taper like a brush's): each character leans right and is squeezed, turned and
shifted a little, the characters crowd together as a hurried hand writes them, and a smooth random field
bends every stroke so no line stays ruler-straight. The ink is the APP's blue-black, the background
transparent. The same name always gives the same image (the randomness is seeded with the name).
"""

from __future__ import annotations

import random
import zlib
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from pdfsign.fonts import HANDWRITING_FILES, FontFace, find_face
from signer.seals.handwriting import INK
from signer.seals.seal_images import SIGNATURE_BOX, crop_to_ink, fit, to_png

GLYPH = 200  # pixels per character (the signature box holds 800 × 400)
LEAN = 0.22  # horizontal shear: the top of a character leans right
WOBBLE = 5.5  # how far (pixels) the random field moves a stroke


@lru_cache(maxsize=1)
def handwriting_face() -> FontFace | None:
    return find_face(HANDWRITING_FILES)


def _font() -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    face = handwriting_face()
    if face is None:
        return ImageFont.load_default(GLYPH)
    return ImageFont.truetype(str(face.path), GLYPH, index=face.index)


def _character(ch: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, rng: random.Random) -> Image.Image:
    """One character's ink (mode L), leaning, squeezed and turned a little."""
    pad = GLYPH * 3 // 10
    side = GLYPH + 2 * pad
    mask = Image.new("L", (side, side), 0)
    ImageDraw.Draw(mask).text((side / 2, side / 2), ch, font=font, fill=255, anchor="mm")
    squeeze = rng.uniform(0.78, 0.9)
    lean = LEAN + rng.uniform(-0.05, 0.05)
    # The affine maps output pixels back to input pixels: squeeze x, shear by the row's distance from the middle.
    c = side / 2
    mask = mask.transform((side, side), Image.Transform.AFFINE,
                          (1 / squeeze, lean / squeeze, c - c / squeeze - lean * c / squeeze, 0, 1, 0),
                          resample=Image.Resampling.BICUBIC)
    return mask.rotate(rng.uniform(-7, 4), resample=Image.Resampling.BICUBIC)


def _bend(mask: np.ndarray, rng: random.Random) -> np.ndarray:
    """Move every pixel along a smooth random field, so strokes waver as a hand's do."""
    h, w = mask.shape
    seeded = np.random.default_rng(rng.randrange(2**32))
    fields = []
    for _ in range(2):
        noise = Image.fromarray((seeded.random((h // 18 + 2, w // 18 + 2)) * 255).astype(np.uint8), "L")
        smooth = noise.resize((w, h), Image.Resampling.BICUBIC).filter(ImageFilter.GaussianBlur(9))
        fields.append((np.asarray(smooth, dtype=np.float32) / 255.0 - 0.5) * 2 * WOBBLE)
    ys, xs = np.mgrid[0:h, 0:w]
    src_x = np.clip(np.rint(xs + fields[0]), 0, w - 1).astype(np.intp)
    src_y = np.clip(np.rint(ys + fields[1]), 0, h - 1).astype(np.intp)
    return mask[src_y, src_x]


def handwriting_png(name: str) -> bytes:
    """``name`` written by hand: a transparent PNG fitting the stored signature box."""
    rng = random.Random(zlib.crc32(name.encode()))  # noqa: S311 - the look of a drawing, not a secret
    font = _font()
    glyphs = [_character(ch, font, rng) for ch in name.strip() or "签名"]
    step = int(GLYPH * 0.86)  # a hurried hand: the next character starts before this one's box ends
    width = step * (len(glyphs) - 1) + glyphs[0].width + GLYPH // 4
    canvas = Image.new("L", (width, glyphs[0].height + GLYPH // 3), 0)
    x = GLYPH // 8
    for i, glyph in enumerate(glyphs):
        drop = int(GLYPH * 0.06 * i + rng.uniform(-8, 8))  # the line drifts downhill
        scale = rng.uniform(0.9, 1.08) if i else 1.08  # the surname a little larger
        sized = glyph.resize((int(glyph.width * scale), int(glyph.height * scale)), Image.Resampling.BICUBIC)
        shift = (sized.width - glyph.width) // 2  # scaled about the character's centre
        canvas.paste(Image.new("L", sized.size, 255), (x - shift, drop - shift), sized)
        x += int(step * rng.uniform(0.92, 1.02))
    # A round brush tip: thicken the thin strokes and soften the serif's sharp corners, then bend.
    soft = canvas.filter(ImageFilter.MaxFilter(5)).filter(ImageFilter.GaussianBlur(1.6))
    bent = _bend(np.asarray(soft.point(lambda v: 255 if v > 130 else v * 2 if v > 70 else 0)), rng)
    ink = Image.fromarray(bent, "L").filter(ImageFilter.GaussianBlur(1))
    image = Image.new("RGBA", ink.size, (*INK, 0))
    image.putalpha(ink)
    return to_png(fit(crop_to_ink(image, margin=6), *SIGNATURE_BOX))
