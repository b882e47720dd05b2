"""Visible appearances of seals.

The appearance is part of the signature's own revision (pyHanko writes it into the field's widget
while preparing the signature), so it is covered by that signature; nothing is ever drawn on the page
after signing.

Two kinds:

- :func:`seal_stamp_style` (K5): the seal image (a PNG whose alpha channel becomes the image's /SMask,
  so the page shows through) above one or two short lines in the prepared CJK font (:mod:`.fonts`).
- :func:`text_stamp_style`: bordered text in the PDF standard font Courier, for callers without a
  font. Standard fonts only carry WinAnsi glyphs and pyHanko's simple font engine writes other text as
  UTF-16, which such a font renders as garbage; so those lines are restricted to printable ASCII.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO

from PIL import Image
from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.layout import BoxConstraints
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import TextStampStyle

from .fonts import displayable, font_factory

MAX_LINES = 8
MAX_LINE_LENGTH = 80


@dataclass(frozen=True)
class StampText:
    """Text lines shown inside a seal's box, top to bottom."""

    lines: tuple[str, ...]

    def __post_init__(self) -> None:
        check_stamp_lines(self.lines)


def check_stamp_lines(lines: Sequence[str], ascii_only: bool = True) -> None:
    if isinstance(lines, str):
        raise TypeError("stamp lines must be a sequence of strings, not one string")
    if not lines:
        raise ValueError("at least one stamp line is required")
    if len(lines) > MAX_LINES:
        raise ValueError(f"at most {MAX_LINES} stamp lines")
    for line in lines:
        if not isinstance(line, str):
            raise TypeError("stamp lines must be strings")
        if len(line) > MAX_LINE_LENGTH:
            raise ValueError(f"stamp line longer than {MAX_LINE_LENGTH} characters")
        if not ascii_only:
            if any(not ch.isprintable() for ch in line):
                raise ValueError(f"stamp line {line!r} has control characters")
        elif not all(" " <= ch <= "~" for ch in line):
            raise ValueError(
                f"stamp line {line!r} has characters outside printable ASCII, "
                "which the standard-font text stamp cannot render"
            )


def text_stamp_style(lines: Sequence[str], border_width: int = 1) -> TextStampStyle:
    """A bordered text stamp showing ``lines`` literally (no ``%(...)s`` interpolation).

    The text is shrunk to fit the field's box and centred in it.
    """
    check_stamp_lines(lines)
    # pyHanko applies `stamp_text % params`; doubling '%' keeps user text literal.
    template = "\n".join(line.replace("%", "%%") for line in lines)
    return TextStampStyle(stamp_text=template, border_width=border_width)


# Largest seal image side embedded, in pixels: ~300 dpi over a 6 cm seal, and a bounded PDF size.
MAX_IMAGE_SIDE = 720
TEXT_BAND = 0.24  # share of the box height kept for the text under the image
INK = (0.1, 0.1, 0.1)


@dataclass(frozen=True)
class _EncodedImage:
    """An RGBA image as two Flate-compressed PDF image streams (colour and /SMask), ready to write."""

    width: int
    height: int
    rgb: bytes
    alpha: bytes


@lru_cache(maxsize=16)
def _encode(png: bytes) -> _EncodedImage:
    """Decode, resize and compress once per process: a signer's seals recur in every session."""
    with Image.open(BytesIO(png)) as img:
        img.load()
        image = img.convert("RGBA")
    image.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE), Image.Resampling.LANCZOS)
    return _EncodedImage(image.width, image.height, zlib.compress(image.convert("RGB").tobytes()),
                         zlib.compress(image.getchannel("A").tobytes()))


class _SealImage(PdfImage):
    """pyHanko's PdfImage, but writing the cached compressed streams instead of re-encoding pixels."""

    def __init__(self, encoded: _EncodedImage) -> None:
        super().__init__(Image.new("L", (1, 1)), name="Seal", box=BoxConstraints(encoded.width, encoded.height))
        self.encoded = encoded

    @property
    def image_ref(self) -> generic.IndirectObject:
        assert self.writer is not None
        ref = self._image_ref
        if ref is None or ref.get_pdf_handler() is not self.writer:
            e = self.encoded

            def stream(colour_space: str, data: bytes,
                       extra: dict[generic.NameObject, generic.PdfObject] | None = None) -> generic.StreamObject:
                entries = {"/Type": "/XObject", "/Subtype": "/Image", "/ColorSpace": colour_space,
                           "/Filter": "/FlateDecode"}
                values: dict[generic.NameObject, generic.PdfObject] = {
                    generic.NameObject(k): generic.NameObject(v) for k, v in entries.items()}
                values.update({generic.NameObject("/Width"): generic.NumberObject(e.width),
                               generic.NameObject("/Height"): generic.NumberObject(e.height),
                               generic.NameObject("/BitsPerComponent"): generic.NumberObject(8)})
                values.update(extra or {})
                return generic.StreamObject(values, encoded_data=data)

            smask = self.writer.add_object(stream("/DeviceGray", e.alpha))
            ref = self.writer.add_object(stream("/DeviceRGB", e.rgb, {generic.NameObject("/SMask"): smask}))
            self._image_ref = ref
        return ref


def _seal_image(png: bytes) -> PdfImage:
    return _SealImage(_encode(png))


def seal_stamp_style(lines: Sequence[str], font_paths: Sequence[str], image_png: bytes | None = None,
                     box_height: float = 80.0) -> TextStampStyle:
    """An appearance with the seal image (transparency kept) above ``lines`` in the CJK font.

    The image is scaled to fit the box above a text band at the bottom (the whole box without an
    image); the text is shrunk to fit the band and centred. ``lines`` are shown literally; a character
    that no prepared font has is shown as ``?``. Raises ``ValueError`` for bad lines.
    """
    check_stamp_lines(lines, ascii_only=False)
    text = displayable(list(font_paths), "\n".join(lines))
    factory = font_factory(list(font_paths), text)
    band = max(12.0, box_height * TEXT_BAND)
    text_box = TextBoxStyle(font=factory, font_size=10, leading=12, text_color=INK)
    text_layout = layout.SimpleBoxLayoutRule(
        x_align=layout.AxisAlignment.ALIGN_MID,
        y_align=layout.AxisAlignment.ALIGN_MIN,
        # pyHanko annotates margins as int, but its layout arithmetic is float throughout
        margins=layout.Margins(left=1, right=1, top=max(1.0, box_height - band), bottom=1),  # type: ignore[arg-type]
        inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
    )
    stamp_text = text.replace("%", "%%")
    if image_png is None:
        return TextStampStyle(stamp_text=stamp_text, text_box_style=text_box, inner_content_layout=text_layout,
                              border_width=0)
    image_layout = layout.SimpleBoxLayoutRule(
        x_align=layout.AxisAlignment.ALIGN_MID,
        y_align=layout.AxisAlignment.ALIGN_MAX,
        margins=layout.Margins(left=1, right=1, top=1, bottom=band),  # type: ignore[arg-type]
        inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
    )
    return TextStampStyle(stamp_text=stamp_text, text_box_style=text_box, inner_content_layout=text_layout,
                          border_width=0, background=_seal_image(image_png), background_opacity=1.0,
                          background_layout=image_layout)
