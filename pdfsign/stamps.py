"""Visible appearances of seals.

The appearance is part of the signature's own revision (pyHanko writes it into the field's widget
while preparing the signature), so it is covered by that signature; nothing is ever drawn on the page
after signing.

For now the appearance is plain text in the PDF standard font Courier. Standard fonts only carry
WinAnsi glyphs and pyHanko's simple font engine writes non-PDFDocEncoding text as UTF-16, which such
a font renders as garbage; so lines are restricted to printable ASCII until an embedded CJK font and
seal images are added here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pyhanko.stamp import TextStampStyle

MAX_LINES = 8
MAX_LINE_LENGTH = 80


@dataclass(frozen=True)
class StampText:
    """Text lines shown inside a seal's box, top to bottom."""

    lines: tuple[str, ...]

    def __post_init__(self) -> None:
        check_stamp_lines(self.lines)


def check_stamp_lines(lines: Sequence[str]) -> None:
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
        if not all(" " <= ch <= "~" for ch in line):
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
