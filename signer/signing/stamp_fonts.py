"""The prepared CJK stamp fonts of this instance (DESIGN §5): made once, then only looked up."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from pdfsign.fonts import COMMON_NAME, FULL_NAME, find_source_font, prepare_fonts
from signer.core.config import Config

log = logging.getLogger(__name__)


def prepared_paths(config: Config) -> list[str]:
    """The prepared fonts if both exist, else an empty list."""
    paths = [config.font_dir / COMMON_NAME, config.font_dir / FULL_NAME]
    return [str(p) for p in paths] if all(p.is_file() for p in paths) else []


def ensure_stamp_fonts(config: Config, prepare: Callable[[Path, Path], list[str]] | None = None) -> list[str]:
    """Prepare the fonts unless present (``prepare`` may run it elsewhere, e.g. in a worker process).

    Returns an empty list, after a warning, when no CJK source font is installed: seals then carry
    ASCII text only (``.ci/run`` and the Makefile install fonts-noto-cjk).
    """
    paths = prepared_paths(config)
    if paths:
        return paths
    source = find_source_font(config.stamp_font_source or None)
    if source is None:
        log.warning("no CJK font found (install fonts-noto-cjk or set SIGNER_STAMP_FONT): stamps use ASCII text")
        return []
    if prepare is not None:
        return prepare(source, config.font_dir)
    return prepare_fonts(source, config.font_dir).as_list()
