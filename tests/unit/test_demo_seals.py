"""Issue 11 item 10: the demo's seals are cut in a bold serif face and its 手写签名 is a Chinese name."""

from __future__ import annotations

from io import BytesIO

import numpy as np
from PIL import Image

from pdfsign.fonts import FontFace, find_face
from signer.seals import demo_handwriting
from signer.seals.seed_seals import company_seal, legal_rep_seal, seal_face
from tests.needs import missing


def _serif_bold() -> FontFace:
    face = seal_face()
    if face is None or "Serif" not in face.name:
        missing("Noto Serif CJK (Debian package fonts-noto-cjk)")
    return face


def test_seals_are_cut_in_noto_serif_cjk_bold_simplified_chinese():
    face = _serif_bold()
    assert face.path.name in ("NotoSerifCJK-Bold.ttc", "NotoSerifCJK-Black.ttc")
    assert face.name in ("NotoSerifCJKsc-Bold", "NotoSerifCJKsc-Black")  # the 简体 face of the collection


def test_seal_images_use_the_serif_face_not_sans():
    _serif_bold()
    sans = find_face(("NotoSansCJK-Regular.ttc",))
    assert sans is not None
    sans_path = str(sans.path)  # index 0 (JP) is enough to tell the shapes apart
    assert legal_rep_seal("王恒通") != legal_rep_seal("王恒通", sans_path)
    assert company_seal("龙口市恒通汽车贸易有限公司") != company_seal("龙口市恒通汽车贸易有限公司", sans_path)


def test_demo_handwriting_is_the_name_in_chinese_ink_on_transparent_ground():
    if demo_handwriting.handwriting_face() is None:
        missing("a CJK font (Debian package fonts-noto-cjk)")
    png = demo_handwriting.handwriting_png("李经办")
    assert png == demo_handwriting.handwriting_png("李经办")  # the same person signs the same way
    assert png != demo_handwriting.handwriting_png("王恒通")
    image = Image.open(BytesIO(png))
    assert image.mode == "RGBA" and image.width > 2 * image.height  # three characters in a row
    assert image.getpixel((0, 0))[3] == 0  # transparent ground
    pixels = np.asarray(image)
    inked = pixels[pixels[..., 3] == 255]
    assert len(inked) and (inked[:, :3] == demo_handwriting.INK).all()  # the APP's blue-black ink
