"""K5 stamps: the prepared CJK font (one face, 1000 units per em, a GB 2312 cut) and how stamps use it."""

from __future__ import annotations

import os
import sys
from io import BytesIO
from typing import cast

import pytest
from fontTools.ttLib import TTFont
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator
from pyhanko.pdf_utils.writer import PdfFileWriter

from pdfsign import fonts
from signer.core.config import Config
from signer.signing.stamp_fonts import FAILED, NOT_PREPARED, FontPreparation, ensure_stamp_fonts
from tests.needs import missing


@pytest.fixture(scope="module")
def prepared() -> list[str]:
    paths = ensure_stamp_fonts(Config())
    if not paths:
        missing("the CJK stamp font (Debian package fonts-noto-cjk)")
    return paths


def test_prepared_faces_are_single_otf_fonts_at_1000_units_per_em(prepared):
    common, full = (TTFont(p, lazy=True) for p in prepared)
    for font in (common, full):
        assert font["head"].unitsPerEm == 1000
        assert "CFF " in font and hasattr(font["CFF "].cff[0], "ROS")  # CID-keyed, as pyHanko embeds it
    assert common["name"].getDebugName(6) == fonts.DEFAULT_FACE
    common_cmap, full_cmap = common.getBestCmap(), full.getBestCmap()
    assert ord("龙") in common_cmap and ord("喆") not in common_cmap and ord("喆") in full_cmap
    assert os.path.getsize(prepared[0]) * 3 < os.path.getsize(prepared[1])


def _embed(paths: list[str], text: str):
    writer = PdfFileWriter()
    factory = fonts.font_factory(paths, text)
    engine = factory.create_font_engine(writer)
    engine.shape(text)
    engine.prepare_write()
    out = BytesIO()
    writer.write(out)  # the whole font program and its tables serialize
    return cast(GlyphAccumulator, engine).cidfont_obj


def test_cjk_glyph_widths_are_full_width_and_subsets_are_cached(prepared):
    text = "李经办 签署于 2026-11-28 16:50"
    font = _embed(prepared, text)
    assert font["/Subtype"] == "/CIDFontType0"
    widths = [w for w in font["/W"] if isinstance(w, list)]
    flat = [int(v) for chunk in widths for v in chunk]
    assert 1000 in flat and max(flat) <= 1000  # an ideograph is one em wide, not 2048 units
    assert "/FontFile3" in font["/FontDescriptor"].get_object()
    assert str(font["/BaseFont"]).endswith(fonts.DEFAULT_FACE)
    # the same signer at another minute: the subset (all ASCII included) comes from the cache
    loaded = fonts.loaded_font(prepared[0])
    cached = len(loaded._subsets)
    _embed(prepared, "李经办 签署于 2026-11-29 09:07")
    assert len(loaded._subsets) == cached  # no new subset: its cost is measured in bench/signing_bench.py


def test_rare_characters_use_the_full_face_and_unknown_ones_are_replaced(prepared):
    assert fonts.font_factory(prepared, "王喆").path == prepared[1]
    assert fonts.font_factory(prepared, "王哲").path == prepared[0]
    assert fonts.displayable(prepared, "张\ue000三") == "张?三"


def test_a_failed_background_preparation_is_reported_and_stamps_fall_back_to_ascii(tmp_path):
    """Issue 11 item 11: a signature waiting for fonts whose preparation failed is not left hanging."""
    if fonts.find_source_font() is None:
        missing("the CJK stamp font (Debian package fonts-noto-cjk)")
    config = Config()
    config.font_dir_override = str(tmp_path / "fonts")
    failing = FontPreparation(config, command=(sys.executable, "-c", "import sys; sys.exit(3)"))
    assert failing.state()[0] == NOT_PREPARED
    assert failing.wait() == []  # started by the first use, waited for, failed: ASCII stamps
    state, reason = failing.state()
    assert state == FAILED and "exit status 3" in reason
    assert failing.start() is False  # not retried in this process
