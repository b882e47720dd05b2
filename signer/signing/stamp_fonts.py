"""The prepared CJK stamp fonts of this instance (DESIGN §5): made once per machine, then only looked up.

Preparing them takes 15–75 s of CPU. ``signer serve`` does not wait for that: :class:`FontPreparation`
runs it in a child process (``python -m pdfsign.prepare_fonts``, whose progress lines reach the console) while
pages are served, and the first signature that needs the fonts waits until they are ready. ``/readyz``
reports the fonts as ``preparing`` meanwhile without failing: pages and the API serve normally.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from pdfsign.fonts import COMMON_NAME, FULL_NAME, find_source_font, prepare_fonts
from signer.core.config import Config

log = logging.getLogger(__name__)

PREPARE_TIMEOUT = 900.0  # a child still busy after 15 minutes is stuck: stamps then fall back to ASCII text
PREPARE_COMMAND = (sys.executable, "-m", "pdfsign.prepare_fonts")
READY, PREPARING, NOT_PREPARED, FAILED, NO_SOURCE = "ready", "preparing", "not_prepared", "failed", "no_source"


def prepared_paths(config: Config) -> list[str]:
    """The prepared fonts if both exist, else an empty list."""
    paths = [config.font_dir / COMMON_NAME, config.font_dir / FULL_NAME]
    return [str(p) for p in paths] if all(p.is_file() for p in paths) else []


def ensure_stamp_fonts(config: Config, prepare: Callable[[Path, Path], list[str]] | None = None,
                       progress: Callable[[str], None] | None = None) -> list[str]:
    """Prepare the fonts in this process unless present (``prepare`` may run it elsewhere).

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
    return prepare_fonts(source, config.font_dir, progress=progress).as_list()


class FontPreparation:
    """One process's view of the stamp fonts: ready, being prepared in the background, or why not.

    Under gevent (``signer serve``) the thread is a greenlet and waiting for the child is cooperative.
    """

    def __init__(self, config: Config, command: tuple[str, ...] = PREPARE_COMMAND) -> None:
        self.config = config
        self.command = command
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self._failure = ""

    def state(self) -> tuple[str, str]:
        """``(state, what a person reads)``; only ``not_prepared`` and ``failed`` need someone to act."""
        if prepared_paths(self.config):
            return READY, ""
        if self._thread is not None and not self._done.is_set():
            return PREPARING, (f"印章字体准备中（{self.config.font_dir}，每台机器一次）："
                               "页面照常使用，首个签章将等待其完成")
        if self._failure:
            return FAILED, f"印章字体准备失败：{self._failure}"
        if find_source_font(self.config.stamp_font_source or None) is None:
            return NO_SOURCE, "未安装中文字体（fonts-noto-cjk）：印章只显示英文"
        return NOT_PREPARED, (f"印章字体未准备（{self.config.font_dir}）：运行 signer init --prepare-fonts，"
                              "或由 signer serve 在后台准备")

    def start(self) -> bool:
        """Start preparing in the background unless ready, under way or impossible; True when started now."""
        with self._lock:
            if self._thread is not None or prepared_paths(self.config):
                return False
            source = find_source_font(self.config.stamp_font_source or None)
            if source is None:
                log.warning("no CJK font found (install fonts-noto-cjk or set SIGNER_STAMP_FONT): "
                            "stamps use ASCII text")
                return False
            self._thread = threading.Thread(target=self._run, args=(source,), name="stamp-fonts", daemon=True)
            self._thread.start()
            return True

    def _run(self, source: Path) -> None:
        started = time.monotonic()
        try:
            subprocess.run([*self.command, str(source), str(self.config.font_dir)],  # noqa: S603 - our command
                           check=True, timeout=PREPARE_TIMEOUT, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.SubprocessError) as exc:
            self._failure = f"{type(exc).__name__}: {exc}"[:300]
            log.error("preparing the stamp fonts failed: %s", self._failure)
        else:
            log.info("stamp fonts ready after %.0f s", time.monotonic() - started,
                     extra={"font_dir": str(self.config.font_dir)})
        finally:
            self._done.set()

    def wait(self) -> list[str]:
        """The prepared fonts, waiting for a preparation under way (started now if none is).

        An empty list when no CJK font is installed or the preparation failed: stamps then use ASCII text.
        """
        paths = prepared_paths(self.config)
        if paths:
            return paths
        self.start()
        if self._thread is not None and not self._done.is_set():
            log.info("a signature waits for the stamp fonts being prepared")
            self._done.wait()
        return prepared_paths(self.config)
