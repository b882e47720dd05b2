"""QR frames for the waiting PC pages of this process: one ticker for all of them, not one loop per page."""

from __future__ import annotations

import logging
import time
from typing import Any

from flask_socketio import SocketIO

from signer.signing import qr
from signer.signing.service import SigningService

from .notifier import PC_NAMESPACE, SocketNotifier

log = logging.getLogger(__name__)
STEP_MARGIN_SECONDS = 0.05  # tick just after a step begins, so a frame is never of the step that is ending


class FrameTicker:
    """A page that joins a waiting session gets that session's frame at once and is registered (session → its
    socket ids). Once per QR step one task reads every registered session (one query per chunk of sessions)
    and sends each page its session's new frame; pages that disconnected and sessions that stopped waiting
    (scanned, cancelled, expired…) drop out. The task runs while any page is registered."""

    def __init__(self, signing: SigningService, socketio: SocketIO, notifier: SocketNotifier) -> None:
        self.signing = signing
        self.socketio = socketio
        self.notifier = notifier
        self._pages: dict[str, set[str]] = {}
        self._running = False

    def join(self, sid: str, frame: qr.ShownFrame) -> None:
        """Send the page ``sid`` its session's current ``frame`` now, and a new one each step while it waits."""
        self.notifier.qr_frame(sid, frame)
        self._pages.setdefault(frame.session_id, set()).add(sid)
        if not self._running:
            self._running = True
            self.socketio.start_background_task(self._run)

    def pages(self) -> dict[str, frozenset[str]]:
        """The registered pages: waiting session → socket ids."""
        return {session_id: frozenset(sids) for session_id, sids in self._pages.items()}

    def _run(self) -> None:
        step = self.signing.config.qr_step_seconds
        try:
            while self._pages:
                self.socketio.sleep(step - time.time() % step + STEP_MARGIN_SECONDS)
                try:
                    self.tick()
                except Exception:  # a failed read must not stop every page's frames: the next step retries
                    log.exception("QR frame tick failed")
        finally:
            self._running = False

    def tick(self) -> None:
        """One step: drop pages that left, read the registered sessions, send the frames."""
        manager: Any = self.socketio.server.manager
        for session_id, sids in list(self._pages.items()):
            sids.difference_update([sid for sid in sids if not manager.is_connected(sid, PC_NAMESPACE)])
            if not sids:
                del self._pages[session_id]
        session_ids = list(self._pages)
        frames = self.signing.current_frames(session_ids)
        for session_id in session_ids:  # not pages that joined during the read: they just got their frame
            frame = frames.get(session_id)
            if frame is None:
                self._pages.pop(session_id, None)
                continue
            for sid in list(self._pages.get(session_id, ())):
                self.notifier.qr_frame(sid, frame)
