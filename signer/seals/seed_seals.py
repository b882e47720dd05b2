"""Generated seal images for the demo enterprise, so ``make run`` and ``signer demo`` show real seals.

A red round company seal (the enterprise's name along the rim, a star in the middle, 电子签章专用 below)
and a square legal-representative seal (the name plus 印, read right column first), cut in a bold serif
face as real seals are (:func:`seal_face`); and the demo operator's handwritten signature, the person's
name in Chinese characters (:mod:`.demo_handwriting`).
"""

from __future__ import annotations

import math
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select

from pdfsign.fonts import SEAL_FILES, FontFace, find_face
from signer.accounts.models import Account, Enterprise
from signer.seals.demo_handwriting import handwriting_png
from signer.seals.enums import SealKind
from signer.seals.seal_images import to_png
from signer.seals.service import SealService

RED = (206, 28, 36, 255)
SIDE = 600


@lru_cache(maxsize=1)
def seal_face() -> FontFace | None:
    """The face seals are cut in: Noto Serif CJK Black/Bold, else Sans (None: no CJK font installed)."""
    return find_face(SEAL_FILES)


def _font(path: str | None, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """``path`` when given, else the seal face, else Pillow's own (Latin) font."""
    if path:
        return ImageFont.truetype(path, size)
    face = seal_face()
    if face is not None:
        return ImageFont.truetype(str(face.path), size, index=face.index)
    return ImageFont.load_default(size)


def company_seal(name: str, font_path: str | None = None) -> bytes:
    image = Image.new("RGBA", (SIDE, SIDE), (RED[0], RED[1], RED[2], 0))
    draw = ImageDraw.Draw(image)
    c = SIDE / 2
    draw.ellipse((12, 12, SIDE - 12, SIDE - 12), outline=RED, width=16)
    star = [(c + r * math.sin(math.pi * k / 5), c - 8 - r * math.cos(math.pi * k / 5))
            for k in range(10) for r in ((84 if k % 2 == 0 else 34),)]
    draw.polygon(star, fill=RED)
    size = 54 if len(name) <= 12 else 46
    font = _font(font_path, size)
    span = math.radians(240)
    radius = SIDE / 2 - 44 - size / 2
    for i, ch in enumerate(name):
        angle = -span / 2 + span * (i + 0.5) / len(name)  # 0 = top, clockwise
        glyph = Image.new("RGBA", (size + 8, size + 8), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text(((size + 8) / 2, (size + 8) / 2), ch, font=font, fill=RED, anchor="mm")
        glyph = glyph.rotate(-math.degrees(angle), resample=Image.Resampling.BICUBIC, expand=True)
        x = c + radius * math.sin(angle) - glyph.width / 2
        y = c - radius * math.cos(angle) - glyph.height / 2
        image.alpha_composite(glyph, (round(x), round(y)))
    draw.text((c, c + 150), "电子签章专用", font=_font(font_path, 40), fill=RED, anchor="mm")
    return to_png(image)


def legal_rep_seal(person: str, font_path: str | None = None) -> bytes:
    side = 300
    image = Image.new("RGBA", (side, side), (RED[0], RED[1], RED[2], 0))
    draw = ImageDraw.Draw(image)
    draw.rectangle((8, 8, side - 8, side - 8), outline=RED, width=14)
    chars = (person + "印")[:4].ljust(4, "印")
    font = _font(font_path, 110)
    cells = [(0.72, 0.3), (0.72, 0.72), (0.28, 0.3), (0.28, 0.72)]  # right column first, top to bottom
    for ch, (fx, fy) in zip(chars, cells, strict=True):
        draw.text((side * fx, side * fy), ch, font=font, fill=RED, anchor="mm")
    return to_png(image)


def signature_strokes() -> list[list[dict[str, float]]]:
    """Pen strokes as the APP sends them (cursive loops, a second word, an underline; varying pressure)."""
    first = []
    for i in range(260):
        t = i / 259 * 6.2 * math.pi
        first.append({"x": 40 + 14 * t - 22 * math.sin(t),
                      "y": 110 - 38 * math.cos(t) * (1 - 0.5 * i / 259) - 10 * math.sin(t / 3),
                      "p": 0.35 + 0.45 * abs(math.sin(t / 2))})
    second = []
    for i in range(120):
        t = i / 119 * 2 * math.pi
        second.append({"x": 330 + 40 * i / 119 + 18 * math.sin(2 * t),
                       "y": 100 - 45 * math.sin(t) * (1 if i < 60 else 0.6), "p": 0.4 + 0.4 * math.sin(t / 2)})
    underline = [{"x": 30 + 3.6 * i, "y": 160 - 0.18 * i + 4 * math.sin(i / 14), "p": 0.55 - 0.004 * i}
                 for i in range(110)]
    return [first, second, underline]


def seed_demo_seals(seals: SealService, enterprise_credit_code: str, operator: str,
                    font_path: str | None = None) -> bool:
    """Give the demo enterprise its seal images and the operator a handwriting; once (False after).

    ``font_path`` replaces the seal face (tests); the handwriting is the operator's own name.
    """
    with seals.db.read() as s:
        enterprise = s.scalar(select(Enterprise).where(Enterprise.credit_code == enterprise_credit_code))
        account = s.scalar(select(Account).where(Account.username == operator))
    if enterprise is None or account is None or seals.images(enterprise.id):
        return False
    seals.store_image(enterprise.id, SealKind.COMPANY, company_seal(enterprise.name, font_path), "generated")
    rep = enterprise.legal_representative or "法人"
    seals.store_image(enterprise.id, SealKind.LEGAL_REP, legal_rep_seal(rep, font_path), "generated")
    seals.set_handwriting(account, png=handwriting_png(account.display_name), source="generated")
    return True
